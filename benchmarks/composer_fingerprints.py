"""Fingerprint the procedural composer: the sha256 of each piece's MIDI bytes, plus its attributes, as JSON.

A refactoring of ``musicgen_symbolic.data.composer`` that must not change the music is checked by running
this before and after and comparing:

    python benchmarks/composer_fingerprints.py --out before.json      # on the old code
    python benchmarks/composer_fingerprints.py --compare before.json  # on the new code: lists every piece that moved

Every style of ``STYLES`` is composed for the seeds given (default 0,1,2), and the seed-chosen style
(``style=None``) for the random seeds (default 0..9). Besides the bytes ``PrettyMIDI.write`` gives, each
entry holds the attributes ``ComposedPiece`` carries and a hash of the notes as floats (exact ``repr``), so
a difference is easy to place.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import io
import json
import sys
import time
from pathlib import Path


def _attributes(attributes: object) -> dict:
    """The attributes as plain JSON values (a Key becomes [tonic, mode], tuples become lists)."""
    return json.loads(json.dumps(dataclasses.asdict(attributes)))


def _notes_hash(midi) -> str:  # noqa: ANN001
    text = repr(
        [
            (i.program, i.is_drum, i.name, [(n.pitch, repr(n.start), repr(n.end), n.velocity) for n in i.notes])
            for i in midi.instruments
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint(seed: int, style: str | None) -> dict:
    from musicgen_symbolic.data.composer import compose_piece

    piece = compose_piece(seed, style)
    buffer = io.BytesIO()
    piece.midi.write(buffer)
    return {
        "midi_sha256": hashlib.sha256(buffer.getvalue()).hexdigest(),
        "notes_sha256": _notes_hash(piece.midi),
        "attributes": _attributes(piece.attributes),
    }


def fingerprints(seeds: list[int], random_seeds: list[int]) -> dict[str, dict]:
    from musicgen_symbolic.data.composer import STYLES

    out = {}
    for style in STYLES:
        for seed in seeds:
            out[f"{style} seed {seed}"] = fingerprint(seed, style)
    for seed in random_seeds:
        out[f"None seed {seed}"] = fingerprint(seed, None)
    return out


def _seeds(text: str) -> list[int]:
    """ "0,1,2" or "0..9" (both ends included)."""
    if ".." in text:
        first, last = text.split("..")
        return list(range(int(first), int(last) + 1))
    return [int(s) for s in text.split(",") if s]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2", help="seeds for every style (default %(default)s)")
    parser.add_argument("--random-seeds", default="0..9", help="seeds with the style left to the seed")
    parser.add_argument("--out", help="write the fingerprints to this JSON file")
    parser.add_argument("--compare", help="compare with fingerprints written earlier by --out")
    args = parser.parse_args()
    start = time.perf_counter()
    found = fingerprints(_seeds(args.seeds), _seeds(args.random_seeds))
    print(f"{len(found)} pieces in {time.perf_counter() - start:.1f} s")
    if args.out:
        Path(args.out).write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
    if args.compare:
        before = json.loads(Path(args.compare).read_text())
        moved = [name for name in found if name in before and before[name] != found[name]]
        new = [name for name in found if name not in before]
        missing = [name for name in before if name not in found]
        for name in moved:
            fields = [k for k in found[name] if before[name].get(k) != found[name][k]]
            print(f"differs: {name} ({', '.join(fields)})")
        for name in new:
            print(f"not in {args.compare}: {name}")
        for name in missing:
            print(f"missing: {name}")
        identical = len(found) - len(moved) - len(new)
        print(f"{identical} of {len(found)} identical; {len(moved)} differ; {len(new)} new; {len(missing)} missing")
        return 1 if moved or new or missing else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
