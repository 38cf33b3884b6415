"""Fingerprint what the bundled model plays: the sha256 of the MIDI bytes for every evaluation prompt and seed.

A refactoring that must not change the music is checked by running this before and after and comparing:

    python benchmarks/midi_fingerprints.py --out before.json      # on the old code
    python benchmarks/midi_fingerprints.py --compare before.json  # on the new code: lists every prompt that moved

Uses the default settings of ``generate`` (the same as the CLI's) and writes the MIDI the way the CLI does.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def fingerprints(prompts: list[str], seeds: list[int]) -> dict[str, str]:
    from musicgen_symbolic import MusicGenSymbolic

    generator = MusicGenSymbolic.from_pretrained()
    out = {}
    for index, prompt in enumerate(prompts):
        for seed in seeds:
            midi = generator.generate(prompt, seed=seed)
            buffer = io.BytesIO()
            midi.write(buffer)
            out[f"{index:03d} seed {seed}: {prompt}"] = hashlib.sha256(buffer.getvalue()).hexdigest()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", default=str(ROOT / "examples" / "eval_prompts.jsonl"))
    parser.add_argument("--seeds", default="0", help="comma-separated seeds (default 0)")
    parser.add_argument("--out", help="write the fingerprints to this JSON file")
    parser.add_argument("--compare", help="compare with fingerprints written earlier by --out")
    args = parser.parse_args()
    lines = Path(args.prompts).read_text().splitlines()
    prompts = [json.loads(line)["caption"] for line in lines if line.strip()]
    seeds = [int(s) for s in args.seeds.split(",")]
    start = time.perf_counter()
    found = fingerprints(prompts, seeds)
    print(f"{len(found)} pieces in {time.perf_counter() - start:.1f} s")
    if args.out:
        Path(args.out).write_text(json.dumps(found, indent=1) + "\n")
    if args.compare:
        before = json.loads(Path(args.compare).read_text())
        moved = [name for name in found if before.get(name) != found[name]]
        missing = [name for name in before if name not in found]
        for name in moved + missing:
            print(f"differs: {name}")
        print(f"{len(found) - len(moved)} of {len(found)} identical; {len(missing)} missing")
        return 1 if moved or missing else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
