"""Offline sources of (MIDI, attributes) pairs: music21's bundled corpus and MidiCaps-format files.

The procedural composer (``composer.py``) is the third source. Every source yields
:class:`SourcePiece` objects; ``build.py`` tokenises and stores them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pretty_midi

from ..constants import TIME_SIGNATURES
from ..errors import MusicGenError
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
}


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
    mixed = [
        p
        for row in zip(*[g + [None] * (max(map(len, groups)) - len(g)) for g in groups], strict=True)
        for p in row
        if p
    ]
    return mixed[:limit]


# Real music that no model is trained on, the reference the musical evaluation compares with: one tune in
# HELD_OUT_EVERY, chosen by a hash of its file's path inside the corpus (and, in the collections whose files hold
# many tunes, of its number in the file): stable across machines and music21 versions. Training leaves these out;
# the reference also leaves out the files the bundled models used (the first V03_FILES of ``music21_paths(…, 0)``).
HELD_OUT_EVERY = 20
V03_FILES = 120
MULTI_TUNE = ("essenFolksong", "oneills1850", "airdsAirs")


def _corpus_name(path: str) -> str:
    """The path from the corpus folder on: "essenFolksong/han1.abc"."""
    parts = Path(path).parts
    return "/".join(parts[parts.index("corpus") + 1 :]) if "corpus" in parts else Path(path).name


def held_out(path: str, tune: int = 0) -> bool:
    """Whether tune number ``tune`` (0 for a file of one piece) of a corpus file is in the held-out reference."""
    import zlib

    name = _corpus_name(path)
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
    for name in _CORPUS_GENRES:
        if f"/{name}/" in path or f"/{name.lower()}/" in path.lower():
            return name
    return "bach"


def music21_pieces(path: str, seed: int) -> Iterator[SourcePiece]:
    """Every tune in one corpus file, with instruments, tempo and a random transposition chosen."""
    from music21 import converter, meter, stream

    rng = np.random.default_rng(seed)
    try:
        parsed = converter.parse(path)
    except Exception:  # a few corpus files do not parse; skip them
        return
    scores = list(parsed.scores) if isinstance(parsed, stream.Opus) else [parsed]
    collection = _collection(path)
    for index, score in enumerate(scores):
        signatures = list(score.recurse().getElementsByClass(meter.TimeSignature))
        if not signatures:
            continue
        signature = (signatures[0].numerator, signatures[0].denominator)
        if signature not in TIME_SIGNATURES or len({(s.numerator, s.denominator) for s in signatures}) > 1:
            continue
        try:
            analysed = score.analyze("key")
        except Exception:
            continue
        parts = list(score.parts)[:4] or [score]
        programs = _ENSEMBLES[len(parts)][rng.integers(len(_ENSEMBLES[len(parts)]))]
        shift = int(rng.integers(-5, 7))
        tempo = float(rng.integers(60, 150))
        midi = pretty_midi.PrettyMIDI(initial_tempo=tempo)
        midi.time_signature_changes.append(pretty_midi.TimeSignature(*signature, 0.0))
        for part, program in zip(parts, programs, strict=False):
            instrument = pretty_midi.Instrument(program=program, name=program_name(program))
            velocity = int(rng.integers(60, 100))
            for element in part.flatten().notes:
                start = float(element.offset) * 60 / tempo
                end = start + max(float(element.quarterLength), 0.125) * 60 / tempo
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
            continue
        key = Key((analysed.tonic.pitchClass + shift) % 12, "minor" if analysed.mode == "minor" else "major")
        genre = str(rng.choice(_CORPUS_GENRES.get(collection, ("classical",))))
        used = tuple(sorted({i.program for i in midi.instruments}))
        attributes = Attributes(tempo=tempo, key=key, time_signature=signature, instruments=used, genre=genre)
        yield SourcePiece(f"music21:{Path(path).name}:{index}@{shift}", midi, attributes)


def midicaps_pieces(table: Path, root: Path | None = None, skipped: list[Path] | None = None) -> Iterator[SourcePiece]:
    """Captioned MIDI in MidiCaps format: JSON lines or CSV with ``caption`` and ``location`` columns.

    Attributes come from the caption (as the prompt parser reads it) and, where the caption is
    silent, from the MIDI itself (tempo, time signature, instruments). A relative ``location`` is read from
    ``root`` (default: the table's folder). Files that cannot be read are skipped, and added to ``skipped``.
    """
    root = root or table.parent
    for row in _midicaps_rows(table):
        path = _location(row, root)
        try:
            midi = pretty_midi.PrettyMIDI(str(path))
        except Exception:  # noqa: BLE001 — missing, unreadable or not MIDI: any of them is skipped
            if skipped is not None:
                skipped.append(path)
            continue
        stated = parse_prompt(row["caption"]) if row["caption"].strip() else Attributes()
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
