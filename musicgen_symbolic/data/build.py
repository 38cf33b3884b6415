"""`musicgen-symbolic data build`: sources → tokenised, grammar-checked pieces in resumable shards.

Output folder::

    tokenizer.json            the tokenizer every shard was made with (fused pairs learnt from shard 0)
    shards/NNNNN.npz          tokens of the pieces in one shard (int16, concatenated) + offsets
    shards/NNNNN.jsonl        one line per piece: name, split, attributes, optional caption
    manifest.json             what was asked for, and counts (written last)

Each shard is written atomically, so an interrupted build resumes by skipping finished shards.
Splits are by piece (never by segment): a hash of the piece's name chooses train/validation/test.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import json
import os
import sys
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import symusic

from ..errors import MusicGenError
from ..grammar import Constraints, Grammar, first_misfit, with_one_tempo
from ..midi_io import midi_bytes, write_atomic
from ..musicality import bar_chords
from ..tokenizer import KIND, MusicTokenizer, learn_fused_pairs
from ..vocabulary import Attributes
from .features import describe_midi
from .sources import SourcePiece

SHARD_SIZE = 250
MIDICAPS_SHARDS = 90_000  # the first MidiCaps shard's number, after any composed ones
FILES_PER_SHARD = 6
MIN_TOKENS = 24


@dataclass
class BuildPlan:
    """What a build holds. ``music21``: a number N of corpus files (the first N of ``sources.music21_paths``, six
    collections interleaved, every tune of each), or "all": every collection of ``music21_caps`` (default
    ``sources.CORPUS_CAPS``), at most its cap of tunes each, drawn at random by ``seed``. Either way the
    held-out reference tunes (``sources.held_out``) are left out."""

    composer: int = 20_000
    music21: int | str = 1_500
    midicaps: str | None = None
    seed: int = 0
    music21_caps: dict[str, int | None] | None = None  # only with music21="all": most tunes per collection

    def resolved(self) -> BuildPlan:
        """This plan checked, with the default caps filled in for a whole-corpus build."""
        if self.music21 != "all" and (isinstance(self.music21, str) or self.music21 < 0):
            raise MusicGenError(f"music21 is a number of corpus files or 'all', not {self.music21!r}")
        if self.music21 != "all":
            if self.music21_caps:
                raise MusicGenError("per-collection caps need the whole corpus (music21='all')")
            return self
        from .sources import CORPUS_CAPS

        caps = dict(CORPUS_CAPS) if self.music21_caps is None else dict(self.music21_caps)
        wrong = [f"{k}={v}" for k, v in caps.items() if v is not None and (not isinstance(v, int) or v < 0)]
        if wrong:
            raise MusicGenError(f"a collection's cap is a number of tunes ≥ 0 (or none): {', '.join(wrong)}")
        return BuildPlan(self.composer, "all", self.midicaps, self.seed, caps)


def split_of(name: str) -> str:
    bucket = int(hashlib.sha1(name.encode()).hexdigest()[:8], 16) % 100
    return "test" if bucket < 3 else "validation" if bucket < 6 else "train"


def normalise(ids: list[int], tokenizer: MusicTokenizer, grammar: Grammar, tempo: float) -> list[int] | None:
    """One tempo token at the first position, then check the whole sequence against the grammar."""
    body = with_one_tempo(ids, grammar, tempo)
    if body is None:
        return None
    bar_kind = KIND["Bar"]
    kind = tokenizer.tables.kind
    bars = sum(1 for i in body if kind[i] == bar_kind)
    whole = body + [tokenizer.eos_id]
    return whole if first_misfit(whole, grammar.start(Constraints(bars=bars))) is None else None


def _encode(piece: SourcePiece, tokenizer: MusicTokenizer, grammar: Grammar) -> list[int] | None:
    try:
        score = symusic.Score.from_midi(midi_bytes(piece.midi))
        ids = tokenizer.encode_score(score)
        if tokenizer.chords:
            ids = tokenizer.with_chords(ids, bar_chords(piece.midi, per_half_bar=True))
    except Exception:
        return None
    tempo = piece.attributes.tempo or 120.0
    tokens = normalise(ids, tokenizer, grammar, tempo)
    return tokens if tokens and len(tokens) >= MIN_TOKENS else None


def _shard_count(plan: BuildPlan) -> tuple[int, int]:
    """(composer shards, music21 shards): corpus files hold many tunes each, so their shards are small."""
    return -(-plan.composer // SHARD_SIZE), len(_music21_shards(plan))


def _music21_shards(plan: BuildPlan) -> list[list[tuple[str, tuple[int, ...] | None, int]]]:
    """Each music21 shard's (file, tune numbers or None for all, seed) items."""
    return _music21_shards_of(json.dumps(plan.__dict__))


@functools.lru_cache(maxsize=4)
def _music21_shards_of(plan_json: str) -> list[list[tuple[str, tuple[int, ...] | None, int]]]:
    plan = BuildPlan(**json.loads(plan_json))
    if not plan.music21:
        return []
    from .sources import MAX_TUNES_PER_ITEM, _corpus_name, corpus_selection, music21_paths

    if plan.music21 != "all":
        paths = music21_paths(plan.music21, plan.seed)
        return [
            [(path, None, plan.seed + first + n) for n, path in enumerate(paths[first : first + FILES_PER_SHARD])]
            for first in range(0, len(paths), FILES_PER_SHARD)
        ]
    items, _ = corpus_selection(plan.seed, plan.music21_caps)
    shards: list[list] = [[]]
    for path, tunes in items:
        if shards[-1] and (
            len(shards[-1]) == FILES_PER_SHARD
            or sum(len(t) for _, t, _ in shards[-1]) + len(tunes) > MAX_TUNES_PER_ITEM
        ):
            shards.append([])
        shards[-1].append((path, tunes, zlib.crc32(f"{plan.seed}:{_corpus_name(path)}".encode())))
    return [shard for shard in shards if shard]


def _pieces_for_shard(plan: BuildPlan, shard: int) -> list[SourcePiece]:
    composer_shards, _ = _shard_count(plan)
    if shard < composer_shards:
        from .composer import compose_piece

        indices = range(shard * SHARD_SIZE, min((shard + 1) * SHARD_SIZE, plan.composer))
        return [SourcePiece(f"composer:{i}", *_composed(compose_piece(plan.seed * 1_000_003 + i))) for i in indices]
    from .sources import music21_pieces

    pieces: list[SourcePiece] = []
    for path, tunes, seed in _music21_shards(plan)[shard - composer_shards]:
        pieces.extend(music21_pieces(path, seed=seed, tunes=tunes))
    return pieces


def _composed(piece) -> tuple:  # noqa: ANN001
    return piece.midi, piece.attributes


def _write_shard(folder: Path, shard: int, pieces: list[SourcePiece]) -> int:
    tokenizer = MusicTokenizer.load(folder / "tokenizer.json")
    grammar = Grammar(tokenizer)
    sequences, lines = [], []
    for piece in pieces:
        tokens = _encode(piece, tokenizer, grammar)
        if tokens is None:
            continue
        sequences.append(np.asarray(tokens, dtype=np.int16))
        lines.append(
            json.dumps(
                {
                    "name": piece.name,
                    "split": split_of(piece.name.split("@")[0]),
                    "attributes": _attributes_json(piece.attributes),
                    "features": describe_midi(piece.midi),
                    "caption": piece.caption,
                }
            )
        )
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    tokens = np.concatenate(sequences) if sequences else np.zeros(0, dtype=np.int16)
    stem = folder / "shards" / f"{shard:05d}"

    def write_npz(tmp: Path) -> None:
        buffer = io.BytesIO()
        np.savez(buffer, tokens=tokens, lengths=lengths)
        tmp.write_bytes(buffer.getvalue())

    write_atomic(stem.with_suffix(".jsonl"), lambda tmp: tmp.write_text("".join(line + "\n" for line in lines)))
    write_atomic(stem.with_suffix(".npz"), write_npz)  # written last: its presence marks the shard done
    return len(lines)


def _first_pieces(plan: BuildPlan, composed_shards: int) -> list[SourcePiece]:
    """The pieces of the build's first shard (composer, music21 or MidiCaps, whichever the plan has first)."""
    if composed_shards:
        return _pieces_for_shard(plan, 0)
    if plan.midicaps:
        from .sources import midicaps_pieces

        return list(itertools.islice(midicaps_pieces(Path(plan.midicaps)), SHARD_SIZE))
    return []


def learn_tokenizer(pieces: list[SourcePiece]) -> MusicTokenizer:
    """The default tokenizer plus the note-attribute pairs most frequent in ``pieces`` (the first shard's), with
    chord tokens: every bar's two half-bar chords, as ``musicality.bar_chords`` hears them."""
    base = MusicTokenizer()

    def token_strings():  # noqa: ANN202
        for piece in pieces:
            try:
                ids = base.encode_remi(symusic.Score.from_midi(midi_bytes(piece.midi)))
            except Exception:  # a piece the shard will skip too
                continue
            yield base.tokens(ids)

    return MusicTokenizer(base.remi, learn_fused_pairs(token_strings()), chords=True)


def _use_tokenizer(folder: Path, given: Path) -> None:
    """Write ``given``'s vocabulary with chord tokens as the build's tokenizer (the same one on a resumed build)."""
    path = given / "tokenizer.json" if given.is_dir() else given
    if not path.is_file():
        raise MusicGenError(f"--tokenizer {given}: no tokenizer.json there")
    source = MusicTokenizer.load(path)
    wanted = MusicTokenizer(source.remi, source.fused_pairs, chords=True)
    existing = folder / "tokenizer.json"
    if existing.exists():
        if MusicTokenizer.load(existing).vocab != wanted.vocab:
            raise MusicGenError(f"{folder} was built with another tokenizer than {given}; use a new folder")
        return
    write_atomic(existing, wanted.save)


def _require_music21() -> None:
    import importlib.util

    if importlib.util.find_spec("music21") is None:
        raise MusicGenError(
            "the music21 corpus needs the music21 package: pip install 'musicgen-symbolic[data]' "
            "(or build without it: --music21 0)"
        )


def _shard_job(args: tuple[Path, BuildPlan, int]) -> int:
    folder, plan, shard = args
    import torch

    torch.set_num_threads(1)
    return _write_shard(folder, shard, _pieces_for_shard(plan, shard))


def _source_of(name: str) -> str:
    """ "composer", "midicaps" or "music21/<collection>" from a piece's name ("music21:bach/bwv66.6.mxl:0@3")."""
    kind, _, rest = name.partition(":")
    return f"music21/{rest.split('/')[0]}" if kind == "music21" and "/" in rest.split(":")[0] else kind


def _attributes_json(a: Attributes) -> dict:
    return {
        "tempo": a.tempo,
        "key": [a.key.tonic, a.key.mode] if a.key else None,
        "time_signature": list(a.time_signature) if a.time_signature else None,
        "instruments": [int(p) for p in a.instruments] if a.instruments else None,
        "genre": a.genre,
        "mood": a.mood,
    }


def build_dataset(
    folder: str | Path,
    plan: BuildPlan,
    workers: int | None = None,
    progress: bool = True,
    tokenizer: str | Path | None = None,
) -> dict:
    """Build (or resume building) ``folder``: tokenizer.json, one shard per ``SHARD_SIZE`` pieces, manifest.json.
    Composed shards already written are kept, so an interrupted build goes on where it stopped; MidiCaps shards
    are written again each time, from the table as it is now. ``tokenizer`` (a tokenizer.json or a model folder):
    its vocabulary is kept, with chord tokens added, instead of learning fused pairs from the first shard."""
    from tqdm import tqdm

    folder = Path(folder)
    plan = plan.resolved()
    if plan.music21:
        _require_music21()
    if plan.midicaps:
        from .sources import check_midicaps_table

        rows = check_midicaps_table(Path(plan.midicaps))
    (folder / "shards").mkdir(parents=True, exist_ok=True)
    plan_file = folder / "plan.json"
    plan_json = json.dumps(plan.__dict__, sort_keys=True)
    if plan_file.exists() and {**BuildPlan().__dict__, **json.loads(plan_file.read_text())} != plan.__dict__:
        raise MusicGenError(f"{folder} was built with another plan ({plan_file.read_text()}); use a new folder")
    plan_file.write_text(plan_json)
    total = sum(_shard_count(plan))
    if tokenizer is not None:
        _use_tokenizer(folder, Path(tokenizer))
    if not (folder / "tokenizer.json").exists():
        first = _first_pieces(plan, total)
        write_atomic(folder / "tokenizer.json", learn_tokenizer(first).save)
        if total:  # shard 0's pieces, composed once for both
            _write_shard(folder, 0, first)
    shards = [s for s in range(total) if not (folder / "shards" / f"{s:05d}.npz").exists()]
    workers = workers or min(2, os.cpu_count() or 1)
    with tqdm(
        total=total,
        initial=total - len(shards),
        unit="shard",
        desc="building",
        disable=not progress,
    ) as bar:
        if workers > 1 and len(shards) > 1:
            with ProcessPoolExecutor(workers) as pool:
                for _ in pool.map(_shard_job, [(folder, plan, s) for s in shards]):
                    bar.update(1)
        else:
            for shard in shards:
                _shard_job((folder, plan, shard))
                bar.update(1)
    if plan.midicaps:
        from .sources import midicaps_pieces

        skipped: list[Path] = []
        pieces = list(midicaps_pieces(Path(plan.midicaps), skipped=skipped))
        if not pieces:
            raise MusicGenError(f"none of the MIDI files in {plan.midicaps} could be read (e.g. {skipped[0]})")
        if skipped:
            print(
                f"warning: {len(skipped)} of {rows} MIDI files in {plan.midicaps} could not be read and were skipped "
                f"(e.g. {skipped[0]})",
                file=sys.stderr,
            )
        for index in range(0, len(pieces), SHARD_SIZE):
            _write_shard(folder, MIDICAPS_SHARDS + index // SHARD_SIZE, pieces[index : index + SHARD_SIZE])
    counts = {"train": 0, "validation": 0, "test": 0}
    sources: dict[str, int] = {}
    for lines in (folder / "shards").glob("*.jsonl"):
        for line in lines.read_text().splitlines():
            record = json.loads(line)
            counts[record["split"]] += 1
            source = _source_of(record["name"])
            sources[source] = sources.get(source, 0) + 1
    manifest = {"plan": plan.__dict__, "pieces": counts, "pieces_by_source": dict(sorted(sources.items()))}
    if plan.music21 == "all":
        from .sources import corpus_selection

        manifest["music21_collections"] = {
            name: {**row, "pieces": sources.get(f"music21/{name}", 0)}
            for name, row in corpus_selection(plan.seed, plan.music21_caps)[1].items()
        }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
