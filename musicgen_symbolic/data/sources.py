"""Offline sources of (MIDI, attributes) pairs: music21's bundled corpus and MidiCaps-format files.

The procedural composer (``composer.py``) is the third source. Every source yields
:class:`SourcePiece` objects; ``build.py`` tokenises and stores them.
"""

from __future__ import annotations

import bisect
import csv
import functools
import itertools
import json
import math
import re
import zlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pretty_midi

from ..constants import TIME_SIGNATURES
from ..errors import MusicGenError
from ..midi_io import load_midi
from ..prompt import parse_prompt
from ..vocabulary import Attributes, Key, program_name, program_of

# Ensembles for corpus pieces: one program per part, by number of parts.
_ENSEMBLES = {
    1: [(40,), (73,), (0,), (71,), (68,), (22,), (24,), (11,)],
    2: [(40, 42), (73, 24), (0, 0), (71, 70), (40, 32), (68, 46)],
    3: [(40, 41, 42), (73, 71, 70), (56, 60, 57), (0, 0, 0)],
    4: [(52, 52, 52, 52), (19, 19, 19, 19), (40, 40, 41, 42), (48, 48, 48, 48), (73, 68, 71, 70), (56, 56, 60, 58)],
}
_CORPUS_GENRES = {
    "bach": ("chorale", "baroque"),
    "palestrina": ("chorale", "classical"),
    "essenFolksong": ("folk",),
    "oneills1850": ("folk",),
    "ryansMammoth": ("folk",),
    "airdsAirs": ("folk",),
    "miscFolk": ("folk",),
    "corelli": ("baroque",),
    "handel": ("baroque",),
}

# The collections a whole-corpus build (``--music21 all``) walks, in the order their files interleave, and the
# most tunes each gives (None: all of them), so that the 8,500 Essen tunes do not drown the rest: a build draws
# that many of a collection's tunes at random (by the build's seed), after leaving out the held-out ones. Every
# piece is drawn equally often in training, so these caps are the collections' weights. Left out: josquin (one
# voice per tune), the Roman-numeral analyses (.rntxt), demos, lead sheets, exercises, and twelve-tone music.
CORPUS_CAPS: dict[str, int | None] = {
    "bach": None,  # 390 scores (of 413 files, less the held-out ones), mostly four-part chorales
    "essenFolksong": 2_000,  # of 8,041 tunes
    "ryansMammoth": None,  # 1,007
    "oneills1850": 1_200,  # of 1,921
    "airdsAirs": 700,  # of 1,108
    "palestrina": 600,  # of 1,261 mass movements, long and alike
    "miscFolk": None,  # 185
    "monteverdi": None,  # 48 madrigals
    "trecento": None,  # 94
    "haydn": None,  # string quartet movements: 4 (and 5 in the evaluation's reference)
    "mozart": None,  # 11 (and 5)
    "beethoven": None,  # 22 (and 4)
    "schumann_robert": None,
    "schumann_clara": None,
    "schubert": None,
    "chopin": None,
    "corelli": None,
    "handel": None,
    "cpebach": None,
    "weber": None,
    "verdi": None,
    "joplin": None,
    "ciconia": None,
    "luca": None,
    "lusitano": None,
    "beach": None,
    "liliuokalani": None,
    "johnson_j_r": None,
}
# Metres the tokenizer has no token for, and the one with bars of the same length (or half of it) it writes instead.
_EQUIVALENT_METRES = {(2, 2): (4, 4), (3, 2): (6, 4), (4, 8): (2, 4), (4, 2): (4, 4)}
_SCORE_SUFFIXES = (".mxl", ".xml", ".musicxml", ".krn", ".abc")
MAX_TUNES_PER_ITEM = 40  # a whole-corpus build reads at most this many tunes of one file in one shard


@dataclass
class SourcePiece:
    name: str
    midi: pretty_midi.PrettyMIDI
    attributes: Attributes
    caption: str | None = None  # a human caption when the source has one (MidiCaps)


def music21_paths(limit: int, seed: int = 0) -> list[str]:
    """Corpus file paths, interleaving the collections so that a small limit still mixes them."""
    from music21 import corpus

    groups = []
    for composer in ("bach", "essenFolksong", "ryansMammoth", "oneills1850", "airdsAirs", "palestrina"):
        paths = sorted(str(p) for p in corpus.getComposer(composer))
        np.random.default_rng(seed).shuffle(paths)
        groups.append(paths)
    return _interleave(groups)[:limit]


def _interleave(groups: list[list]) -> list:
    longest = max(map(len, groups), default=0)
    return [group[n] for n in range(longest) for group in groups if n < len(group)]


# Real music that no model is trained on, the reference the musical evaluation compares with: one tune in
# HELD_OUT_EVERY, chosen by a hash of its file's path inside the corpus (and, in the collections whose files hold
# many tunes, of its number in the file): stable across machines and music21 versions. Training leaves these out;
# the reference also leaves out the files the bundled models used (the first V03_FILES of ``music21_paths(…, 0)``).
HELD_OUT_EVERY = 20
V03_FILES = 120
MULTI_TUNE = ("essenFolksong", "oneills1850", "airdsAirs")
# Held out whatever their hash: the quartet movements of the evaluation's reference (benchmarks/musicality.py).
HELD_OUT_QUARTETS = (
    "haydn/opus1no1/movement1.mxl", "haydn/opus1no1/movement3.mxl", "haydn/opus1no1/movement5.mxl",
    "haydn/opus74no1/movement1.mxl", "haydn/opus74no1/movement2.mxl", "mozart/k80/movement1.mxl",
    "mozart/k155/movement1.mxl", "mozart/k155/movement2.mxl", "mozart/k156/movement1.mxl",
    "mozart/k458/movement1.mxl", "beethoven/opus18no1/movement1.mxl", "beethoven/opus18no1/movement2.mxl",
    "beethoven/opus18no1/movement3.mxl", "beethoven/opus59no1/movement1.mxl",
)  # fmt: skip
HELD_OUT_FILES = frozenset(HELD_OUT_QUARTETS)


def _corpus_name(path: str) -> str:
    """The path from the corpus folder on: "essenFolksong/han1.abc"."""
    parts = Path(path).parts
    return "/".join(parts[parts.index("corpus") + 1 :]) if "corpus" in parts else Path(path).name


def held_out(path: str, tune: int = 0) -> bool:
    """Whether tune number ``tune`` (0 for a file of one piece; in a file of many, its place in music21's
    ``Opus.scores``) of a corpus file is in the held-out reference."""
    name = _corpus_name(path)
    if name in HELD_OUT_FILES:
        return True
    key = f"{name}#{tune}" if name.split("/")[0] in MULTI_TUNE else name
    return zlib.crc32(key.encode()) % HELD_OUT_EVERY == 0


def held_out_paths() -> list[str]:
    """Corpus files no bundled model saw that hold held-out tunes (all of a file, or, in the multi-tune
    collections, the tunes for which :func:`held_out` is true), in ``music21_paths`` order."""
    every = music21_paths(10**6, seed=0)
    seen = set(every[:V03_FILES])
    multi = tuple(f"/{name}/" for name in MULTI_TUNE)
    return [path for path in every if path not in seen and (held_out(path) or any(m in path for m in multi))]


def _collection(path: str) -> str:
    """The corpus collection (its folder) a file is in: "essenFolksong"."""
    name = _corpus_name(path)
    return name.split("/")[0] if "/" in name else "bach"


def _tune_count(path: str) -> int:
    """How many tunes a corpus file holds, without parsing it: its ABC reference numbers ("X:"), else one."""
    if not path.endswith(".abc"):
        return 1
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    return max(1, len(set(re.findall(r"^X:\s*(\d+)", text, re.MULTILINE))))


@functools.lru_cache(maxsize=8)
def _corpus_tunes(seed: int, caps: tuple[tuple[str, int | None], ...]) -> dict[str, dict]:
    """Per collection: its files, its tunes (not held out) and the ``cap`` drawn from them at random."""
    from music21 import corpus

    found = {}
    for collection, cap in caps:
        paths = sorted(str(p) for p in corpus.getComposer(collection) if str(p).endswith(_SCORE_SUFFIXES))
        tunes = [(p, t) for p in paths for t in range(_tune_count(p)) if not held_out(p, t)]
        rng = np.random.default_rng([seed, zlib.crc32(collection.encode())])
        chosen = (
            tunes if cap is None or cap >= len(tunes) else [tunes[i] for i in sorted(rng.permutation(len(tunes))[:cap])]
        )
        found[collection] = {"files": len(paths), "tunes": len(tunes), "cap": cap, "chosen": chosen}
    return found


def corpus_selection(seed: int, caps: dict[str, int | None]) -> tuple[list[tuple[str, tuple[int, ...]]], dict]:
    """The whole corpus as a build uses it: (file, tune numbers) items, at most ``MAX_TUNES_PER_ITEM`` tunes each,
    interleaving the collections, and per collection its files, tunes (held-out ones left out), cap and the number
    drawn."""
    found = _corpus_tunes(seed, tuple(caps.items()))
    groups = []
    for collection in caps:
        by_file: dict[str, list[int]] = {}
        for path, tune in found[collection]["chosen"]:
            by_file.setdefault(path, []).append(tune)
        items = [
            (path, tuple(tunes[n : n + MAX_TUNES_PER_ITEM]))
            for path, tunes in by_file.items()
            for n in range(0, len(tunes), MAX_TUNES_PER_ITEM)
        ]
        np.random.default_rng([seed, zlib.crc32(collection.encode()), 1]).shuffle(items)
        groups.append(items)
    summary = {c: {k: v if k != "chosen" else len(v) for k, v in found[c].items()} for c in caps}
    return _interleave(groups), summary


def music21_pieces(path: str, seed: int, tunes: Collection[int] | None = None) -> Iterator[SourcePiece]:
    """Every tune in one corpus file (or the tunes numbered ``tunes``) except the held-out ones, with instruments,
    tempo and a random transposition chosen, and the bar lines where the score has them."""
    from music21 import converter, stream

    if not path.endswith(_SCORE_SUFFIXES):  # Roman-numeral analyses (.rntxt) are not music to learn from
        return
    try:
        parsed = converter.parse(path)
    except Exception:  # noqa: BLE001 — a few corpus files do not parse; skip them
        return
    scores = list(parsed.scores) if isinstance(parsed, stream.Opus) else [parsed]
    collection = _collection(path)
    if collection in MULTI_TUNE and not isinstance(parsed, stream.Opus):
        return  # the evaluation takes such a file whole when it is among held_out_paths(): leave it out
    name = _corpus_name(path)
    for index, score in enumerate(scores):
        if (tunes is not None and index not in tunes) or held_out(path, index):
            continue
        try:
            piece = _score_piece(score, f"music21:{name}:{index}", collection, np.random.default_rng([seed, index]))
        except Exception:  # noqa: BLE001 — a malformed tune is skipped, not the whole file
            continue
        if piece is not None:
            yield piece


def _bar_layout(score) -> tuple[tuple[int, int], list[float], list[float]] | None:  # noqa: ANN001
    """The score's time signature as the MIDI writes it, and where its measures start (in quarter notes) in the
    score and in the MIDI, or None for a metre the tokenizer has no bar for, one that changes, or one that most
    measures do not have.

    In the MIDI every full measure starts on a bar line. A short measure that starts a section (an anacrusis, the
    first measure's above all) ends on one, with rests before it as a score shows it; a short measure that ends a
    section stays where it is, and the one that completes its bar (the pickup after a repeat) follows it. A
    measure too short by mistake is followed by the rest that puts the next full measure on its bar line."""
    from music21 import meter, stream

    parts = list(score.parts) or [score]
    measures = list(parts[0].getElementsByClass(stream.Measure))
    placed = [
        (n, (ts.numerator, ts.denominator))
        for part in parts
        for n, measure in enumerate(part.getElementsByClass(stream.Measure))
        for ts in measure.getElementsByClass(meter.TimeSignature)
    ] or [(0, (ts.numerator, ts.denominator)) for ts in score.recurse().getElementsByClass(meter.TimeSignature)]
    later = {signature for n, signature in placed if n > 0}
    if not placed or len(later) > 1:
        return None
    written = later.pop() if later else placed[0][1]
    if any(s != written for n, s in placed if n == 0):
        # Only a pickup may have a metre of its own (ABC writes "M:1/8" for it): the next measure sets the metre.
        if len(measures) < 2 or float(measures[1].getOffsetBySite(parts[0])) >= written[0] * 4 / written[1]:
            return None
        if not any(s == written for n, s in placed if n == 1):
            return None
    signature = _EQUIVALENT_METRES.get(written, written)
    if signature not in TIME_SIGNATURES:
        return None
    full, bar = written[0] * 4 / written[1], signature[0] * 4 / signature[1]
    starts = [float(m.getOffsetBySite(parts[0])) for m in measures]  # (``offset`` follows a changing site)
    lengths = [b - a for a, b in itertools.pairwise(starts)] + [float(m.duration.quarterLength) for m in measures[-1:]]
    inner = lengths[1:-1]
    if sum(length < full - 1e-6 for length in inner) > len(inner) / 2:
        return None  # most measures are not the metre's (a tune in 3/8 bars headed 6/8): no bar lines to trust
    moved, cursor = [], 0.0
    for n, length in enumerate(lengths):
        on_bar_line = abs(cursor / bar - round(cursor / bar)) < 1e-6
        if length >= full - 1e-6:
            cursor = cursor if on_bar_line else math.ceil(cursor / bar) * bar
        elif on_bar_line and n + 1 < len(lengths) and lengths[n + 1] >= full - 1e-6:
            cursor += (-length) % bar  # a pickup: it ends on the next bar line
        moved.append(cursor)
        cursor += length
    return signature, starts, moved


def _moved(offset: float, starts: list[float], moved: list[float]) -> float:
    """Where a note at ``offset`` (quarter notes in the score) goes: it moves with its measure."""
    n = bisect.bisect_right(starts, offset + 1e-9) - 1
    return offset if n < 0 else offset + moved[n] - starts[n]


def _score_piece(score, name: str, collection: str, rng: np.random.Generator) -> SourcePiece | None:  # noqa: ANN001
    layout = _bar_layout(score)
    if layout is None:
        return None
    signature, starts, moved = layout
    analysed = score.analyze("key")
    parts = list(score.parts)[:4] or [score]
    programs = _ENSEMBLES[len(parts)][rng.integers(len(_ENSEMBLES[len(parts)]))]
    shift = int(rng.integers(-5, 7))
    tempo = float(rng.integers(60, 150))
    seconds = 60 / tempo
    midi = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    midi.time_signature_changes.append(pretty_midi.TimeSignature(*signature, 0.0))
    for part, program in zip(parts, programs, strict=False):
        instrument = pretty_midi.Instrument(program=program, name=program_name(program))
        velocity = int(rng.integers(60, 100))
        # Tied notes are one note; grace notes (no duration) are left out.
        for element in part.stripTies().flatten().notes:
            if element.duration.isGrace:
                continue
            start = _moved(float(element.offset), starts, moved) * seconds
            end = start + max(float(element.quarterLength), 0.125) * seconds
            for pitch in element.pitches:
                midi_pitch = pitch.midi + shift
                if 21 <= midi_pitch <= 108:
                    accent = int(rng.integers(-8, 9))
                    instrument.notes.append(
                        pretty_midi.Note(min(127, max(1, velocity + accent)), midi_pitch, start, end)
                    )
        if instrument.notes:
            midi.instruments.append(instrument)
    if not midi.instruments:
        return None
    key = Key((analysed.tonic.pitchClass + shift) % 12, "minor" if analysed.mode == "minor" else "major")
    genre = str(rng.choice(_CORPUS_GENRES.get(collection, ("classical",))))
    used = tuple(sorted({i.program for i in midi.instruments}))
    attributes = Attributes(tempo=tempo, key=key, time_signature=signature, instruments=used, genre=genre)
    return SourcePiece(f"{name}@{shift}", midi, attributes)


def midicaps_pieces(table: Path, root: Path | None = None, skipped: list[Path] | None = None) -> Iterator[SourcePiece]:
    """Captioned MIDI in MidiCaps format: JSON lines or CSV with ``caption`` and ``location`` columns.

    Attributes come from the caption (as the prompt parser reads it) and, where the caption is
    silent, from the MIDI itself (tempo, time signature, instruments). A relative ``location`` is read from
    ``root`` (default: the table's folder). Files that cannot be read are skipped, and added to ``skipped``.
    """
    root = root or table.parent
    for row in _midicaps_rows(table):
        path = _location(row, root)
        try:  # missing, unreadable, not MIDI, too large (load_midi's limits) or an unreadable caption: skipped
            midi = load_midi(path)
            stated = parse_prompt(row["caption"]) if row["caption"].strip() else Attributes()
        except MusicGenError:
            if skipped is not None:
                skipped.append(path)
            continue
        tempo = stated.tempo or float(midi.get_tempo_changes()[1][0]) if len(midi.get_tempo_changes()[1]) else None
        signature = stated.time_signature or (
            (midi.time_signature_changes[0].numerator, midi.time_signature_changes[0].denominator)
            if midi.time_signature_changes
            else None
        )
        programs = tuple(sorted({program_of(i) for i in midi.instruments}))[:8]
        attributes = stated.merged(
            tempo=tempo,
            time_signature=signature if signature in TIME_SIGNATURES else None,
            instruments=stated.instruments or programs or None,
        )
        yield SourcePiece(f"midicaps:{path.name}", midi, attributes, row["caption"])


def check_midicaps_table(table: Path, root: Path | None = None) -> int:
    """Its number of rows, after checking (without reading any MIDI) that they have the columns and that some of
    their files exist: a wrong table fails before a build writes anything."""
    root = root or table.parent
    rows = _midicaps_rows(table)
    if not rows:
        raise MusicGenError(f"{table} has no rows")
    paths = [_location(row, root) for row in rows]
    if not any(path.is_file() for path in paths):
        relative = f"; relative locations are read from {root}" if not Path(rows[0]["location"]).is_absolute() else ""
        raise MusicGenError(f"{table}: none of its {len(rows)} MIDI files exists (e.g. {paths[0]}){relative}")
    return len(rows)


def _midicaps_rows(table: Path) -> list[dict]:
    rows = _read_table(table)
    if any("caption" not in row or "location" not in row for row in rows):
        raise MusicGenError(f"{table}: every row needs 'caption' and 'location' (MidiCaps format)")
    return rows


def _location(row: dict, root: Path) -> Path:
    path = Path(row["location"])
    return path if path.is_absolute() else root / path


def _read_table(table: Path) -> list[dict]:
    if not table.is_file():
        raise MusicGenError(f"no such file: {table}")
    text = table.read_text(encoding="utf-8")
    if table.suffix.lower() == ".csv":
        return list(csv.DictReader(text.splitlines()))
    try:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as error:
        raise MusicGenError(f"{table} is not JSON lines: {error}") from error
