"""How well a MIDI file follows the attributes asked for, plus simple musical statistics.

Definitions (all per file; a report averages them over files that have the target):

* TB  — tempo bin match: the file's first tempo and the target fall in the same bin of
  ``TEMPO_BIN_EDGES`` (text2midi's evaluation bins); TBT also accepts a neighbouring bin.
* CK  — key match: the Krumhansl–Schmuckler key of the notes (duration-weighted pitch-class profile
  correlated with the Krumhansl–Kessler profiles; drums ignored) equals the target tonic and mode;
  CKD also accepts the relative and the parallel key. CK_temperley and CK_aarden are CK with other key
  profiles (Temperley–Kostka–Payne, Aarden–Essen; the values of music21's ``analysis.discrete``): a check that a
  change which helps CK does not only suit the Krumhansl–Kessler profile, which weighs the tonic most.
  CK_per_8_bars (pieces of 16 bars or more): the share of whole 8-bar blocks whose own key is the target's, so
  a key that drifts in a long piece shows.
* time-signature match: the first time-signature event equals the target.
* bar-count match: the number of bars (downbeats of the file) equals the target's.
* instruments: precision / recall / F1 between the sets of programs present (drums as -1) and asked for,
  by exact program and by General MIDI family (8 programs a family; drums a family of their own).
* instrument coverage: the share of (requested instrument, 4-bar phrase) pairs in which that instrument
  starts a note: do all the instruments asked for keep playing, or only appear once? (A last phrase of
  fewer bars counts as one; a phrase that the piece's own sections rest the instrument in, an intro's drums,
  does not count for it.)
* CR — compression ratio of the note set, COSIATEC-style: notes are points (onset on a sixteenth-note
  grid, pitch); the largest maximal translatable patterns (SIA) and their translators form translational
  equivalence classes, chosen greedily by compression; CR = points / (Σ(|pattern| + |translators| − 1)
  + uncovered points). 1 means no repetition; higher means more structure (capped at the first 1,200 notes
  and the 40 largest patterns, so it runs in about a second; it read 400 notes before the form issue, about 13
  bars of a 32-bar piece, so that repeats later in a piece were not seen).
* the form as heard (``structure.py``): bars copying an earlier bar (transposition-invariant), the longest
  repeated run, whether material returns, and with the sections (the file's ``[Verse 2]`` markers) how returning
  sections match their first time and how different sections contrast.
* groove consistency: 1 − mean Hamming distance between the onset patterns (sixteenth-note grid) of
  consecutive bars, divided by the grid size (Wu & Yang's grooving similarity).
* pitch-class entropy (bits, 0–3.58), scale consistency (largest share of pitched notes inside one
  major/natural-minor scale), empty-bar rate (bars with no note onset).
* what a musician hears (``musicality.py``, where each is defined): the chords bar by bar (chord change rate,
  distinct chords per 8 bars, tonic-chord and seventh shares; chord accuracy against the target's progression,
  per half bar, where it has one), the lead line (steps, repeats, leaps, whether there is a melody), notes out of
  the key's scale, and muspy's metrics (``muspy_``). Key-relative ones use the target key, else the estimate.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pretty_midi

from .errors import MusicGenError
from .midi_io import load_midi
from .settings import GenerationSettings
from .structure import structure_scores
from .theory import MAJOR_SCALE
from .vocabulary import Attributes, Key, gm_family, program_of

TEMPO_BIN_EDGES = (40, 60, 70, 90, 110, 140, 160, 210)
# Key profiles (weight of each pitch class above the tonic), major then minor.
KEY_PROFILES = {
    "krumhansl": (
        np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88]),
        np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17]),
    ),
    "temperley": (
        np.array([0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400]),
        np.array([0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330]),
    ),
    "aarden": (
        np.array([17.7661, 0.145624, 14.9265, 0.160186, 19.8049, 11.3587, 0.291248, 22.062, 0.145624, 8.15494, 0.232998, 4.95122]),
        np.array([18.2648, 0.737619, 14.0499, 16.8599, 0.702494, 14.4362, 0.702494, 18.6161, 4.56621, 1.93186, 7.37619, 1.75623]),
    ),
}  # fmt: skip
PHRASE_BARS = 4
ONSET_TOLERANCE = 1e-6  # seconds: a note this close after a downbeat starts on it
KEY_BLOCK_BARS = 8
# What a report records of the generation settings (besides the length): those that change what is played.
REPORTED_SETTINGS = (
    "cfg", "temperature", "top_k", "top_p", "key_strength", "nudge_after", "variation", "precision", "seed",
)  # fmt: skip
KEY_MIN_PITCH_CLASSES = 3  # fewer (a drone, a one-note bass line, power chords) state no mode, so no key


def tempo_bin(bpm: float) -> int:
    """Bin index; rounding first keeps a MIDI file's 110.00001 bpm (microsecond tempo) in the 110 bin."""
    return int(np.searchsorted(TEMPO_BIN_EDGES, round(bpm, 2), side="right"))


def pitch_class_profile(midi: pretty_midi.PrettyMIDI, start: float = 0.0, end: float = math.inf) -> np.ndarray:
    """Seconds of each pitch class over the pitched notes that start in [start, end)."""
    profile = np.zeros(12)
    for instrument in midi.instruments:
        if not instrument.is_drum:
            for note in instrument.notes:
                if start <= note.start < end:
                    profile[note.pitch % 12] += note.end - note.start
    return profile


def estimate_key(
    midi: pretty_midi.PrettyMIDI, profiles: str = "krumhansl", start: float = 0.0, end: float = math.inf
) -> Key | None:
    """The key whose profile (``KEY_PROFILES``) best correlates with the pitch-class durations of the notes that
    start in [start, end)."""
    return key_of_profile(pitch_class_profile(midi, start, end), profiles)


def key_of_profile(profile: np.ndarray, profiles: str = "krumhansl") -> Key | None:
    """The key whose profile (``KEY_PROFILES``) best correlates with ``profile`` (seconds per pitch class)."""
    if profile.sum() == 0:
        return None
    best, best_score = None, -2.0
    major, minor = KEY_PROFILES[profiles]
    for tonic in range(12):
        for mode, reference in (("major", major), ("minor", minor)):
            score = np.corrcoef(profile, np.roll(reference, tonic))[0, 1]
            if score > best_score:
                best, best_score = Key(tonic, mode), score
    return best


def key_per_block(midi: pretty_midi.PrettyMIDI, key: Key, block_bars: int = KEY_BLOCK_BARS) -> float | None:
    """The share of whole blocks of ``block_bars`` bars whose own key is ``key``: does the key hold all through a
    long piece, or drift? Blocks of fewer than ``KEY_MIN_PITCH_CLASSES`` pitch classes do not count: a bass that
    plays only D for 8 bars is neither in D minor nor in D major. None for pieces shorter than two blocks, or
    without a block that counts."""
    downbeats = midi.get_downbeats()
    blocks = bar_count(midi) // block_bars
    if blocks < 2:
        return None
    edges = [float(downbeats[i * block_bars]) for i in range(blocks)]
    edges.append(float(downbeats[blocks * block_bars]) if blocks * block_bars < len(downbeats) else math.inf)
    profiles = [pitch_class_profile(midi, start, end) for start, end in itertools.pairwise(edges)]
    found = [key_of_profile(p) == key for p in profiles if np.count_nonzero(p) >= KEY_MIN_PITCH_CLASSES]
    return float(np.mean(found)) if found else None


def related_keys(key: Key) -> set[Key]:
    """The key itself, its relative and its parallel key."""
    relative = Key((key.tonic + 9) % 12, "minor") if key.mode == "major" else Key((key.tonic + 3) % 12, "major")
    parallel = Key(key.tonic, "minor" if key.mode == "major" else "major")
    return {key, relative, parallel}


def bar_count(midi: pretty_midi.PrettyMIDI) -> int:
    """Bars that start before the file ends (a downbeat exactly at the end opens no bar)."""
    return int(np.sum(midi.get_downbeats() < midi.get_end_time() - 1e-3))


def programs_of(midi: pretty_midi.PrettyMIDI) -> set[int]:
    return {program_of(i) for i in midi.instruments if i.notes}


def _prf(found: set, wanted: set) -> tuple[float, float, float]:
    hits = len(found & wanted)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(wanted) if wanted else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def pitch_class_entropy(midi: pretty_midi.PrettyMIDI) -> float:
    counts = np.zeros(12)
    for instrument in midi.instruments:
        if not instrument.is_drum:
            for note in instrument.notes:
                counts[note.pitch % 12] += 1
    if counts.sum() == 0:
        return 0.0
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())


def scale_consistency(midi: pretty_midi.PrettyMIDI) -> float:
    pitches = [n.pitch % 12 for i in midi.instruments if not i.is_drum for n in i.notes]
    if not pitches:
        return 0.0
    counts = np.bincount(pitches, minlength=12)
    best = max(sum(counts[(tonic + step) % 12] for step in MAJOR_SCALE) for tonic in range(12))
    return float(best / len(pitches))


def instrument_coverage(
    midi: pretty_midi.PrettyMIDI,
    programs: set[int],
    phrase_bars: int = PHRASE_BARS,
    resting: dict[int, set[int]] | None = None,
) -> float:
    """Share of (program, phrase of ``phrase_bars`` bars) pairs in which the program (drums: -1) starts a note, each
    phrase weighted by its bars: a short last phrase counts for the bars it has. ``resting``: program → the bars its
    sections rest it on purpose (an intro without drums, ``form.RESTS``); a phrase all of whose bars rest it is not
    counted for it."""
    bars = max(1, bar_count(midi))
    phrase_starts = midi.get_downbeats()[:bars][::phrase_bars]
    if not programs or len(phrase_starts) == 0:
        return 0.0
    lengths = np.minimum(phrase_bars, bars - phrase_bars * np.arange(len(phrase_starts)))
    played = {program: np.zeros(len(phrase_starts), dtype=bool) for program in programs}
    for instrument in midi.instruments:
        program = program_of(instrument)
        if program in played and instrument.notes:
            onsets = np.array([note.start for note in instrument.notes]) + ONSET_TOLERANCE
            phrases = np.searchsorted(phrase_starts, onsets, side="right") - 1
            played[program][phrases[phrases >= 0]] = True
    shares = []
    for program, phrases in played.items():
        rests = (resting or {}).get(program, set())
        counted = np.array(
            [not set(range(i * phrase_bars, i * phrase_bars + n)) <= rests for i, n in enumerate(lengths)]
        )
        if counted.any():
            shares.append(np.average(phrases[counted], weights=lengths[counted]))
    return float(np.mean(shares)) if shares else 0.0


def resting_bars(sections: list[tuple[int, str]], bars: int, programs: set[int]) -> dict[int, set[int]]:
    """Program → the bars its sections rest it (``form.RESTS`` by the sections' names), where another of
    ``programs`` plays on, as the grammar rests them."""
    from .form import RESTS, rested_programs

    out: dict[int, set[int]] = {}
    for i, (start, label) in enumerate(sections):
        end = sections[i + 1][0] if i + 1 < len(sections) else bars
        for program in rested_programs(frozenset(programs), RESTS.get(label, frozenset())):
            out.setdefault(program, set()).update(range(start, end))
    return out


def empty_bar_rate(midi: pretty_midi.PrettyMIDI) -> float:
    end = midi.get_end_time()
    downbeats = midi.get_downbeats()
    downbeats = downbeats[downbeats < end - ONSET_TOLERANCE]  # pretty_midi adds one at the end of a full last bar
    if len(downbeats) == 0 or end == 0:
        return 1.0
    # + ONSET_TOLERANCE: a note on a downbeat may start a rounding error before the downbeat's own time (a held
    # last chord, whose notes all start there, read as an empty bar)
    onsets = np.array([n.start for i in midi.instruments for n in i.notes]) + ONSET_TOLERANCE
    edges = np.append(downbeats, max(end, downbeats[-1] + 1e-6) + ONSET_TOLERANCE)
    filled = np.histogram(onsets, bins=edges)[0] > 0
    return float(1 - filled.mean())


def score_midi(
    midi: pretty_midi.PrettyMIDI, target: Attributes, sections: list[tuple[int, str]] | None = None
) -> dict[str, float]:
    """Every metric that applies to this target; values are 0/1 matches or rates. ``sections``: (first bar,
    material label) of the piece's sections, for the form's metrics (``structure.py``)."""
    result: dict[str, float] = {
        "pitch_class_entropy": pitch_class_entropy(midi),
        "scale_consistency": scale_consistency(midi),
        "empty_bar_rate": empty_bar_rate(midi),
        "CR": compression_ratio(midi),
        "groove_consistency": groove_consistency(midi),
        "notes": float(sum(len(i.notes) for i in midi.instruments)),
    }
    tempi = midi.get_tempo_changes()[1]
    if target.tempo and len(tempi):
        found, wanted = tempo_bin(float(tempi[0])), tempo_bin(target.tempo)
        result["TB"] = float(found == wanted)
        result["TBT"] = float(abs(found - wanted) <= 1)
        result["tempo_within_1bpm"] = float(abs(float(tempi[0]) - target.tempo) <= 1)
    if target.key:
        profile = pitch_class_profile(midi)  # once for the three key finders
        estimated = key_of_profile(profile)
        result["CK"] = float(estimated == target.key)
        result["CKD"] = float(estimated in related_keys(target.key)) if estimated else 0.0
        result["CK_temperley"] = float(key_of_profile(profile, "temperley") == target.key)
        result["CK_aarden"] = float(key_of_profile(profile, "aarden") == target.key)
        per_block = key_per_block(midi, target.key)
        if per_block is not None:
            result["CK_per_8_bars"] = per_block
    if target.time_signature:
        first = midi.time_signature_changes[0] if midi.time_signature_changes else None
        result["time_signature"] = float(
            first is not None and (first.numerator, first.denominator) == target.time_signature
        )
    if target.bars:
        result["bar_count"] = float(bar_count(midi) == target.bars)
    if target.instruments:
        found, wanted = programs_of(midi), set(target.instruments)
        result["instrument_precision"], result["instrument_recall"], result["instrument_f1"] = _prf(found, wanted)
        families = _prf({gm_family(p) for p in found}, {gm_family(p) for p in wanted})
        result["family_precision"], result["family_recall"], result["family_f1"] = families
        rests = resting_bars(sections, bar_count(midi), wanted) if sections else None
        result["instrument_coverage"] = instrument_coverage(midi, wanted, resting=rests)
    result.update(_musicality(midi, target))
    result.update(structure_scores(midi, sections))
    return result


def _musicality(midi: pretty_midi.PrettyMIDI, target: Attributes) -> dict[str, float]:
    """``musicality``'s metrics, in the target's key (else the estimate), against the target's chords per half bar
    where it has a progression."""
    from . import musicality
    from .theory import chords_per_half_bar

    key = target.key or estimate_key(midi)
    progression, plan = target.chords, None
    if progression is not None:
        try:
            plan = chords_per_half_bar(progression, key, target.bars or max(1, bar_count(midi)))
        except ValueError:  # Roman numerals without a key (a piece without notes), or an empty progression
            plan = None
    return musicality.musicality_scores(midi, key, plan)


def summarise(rows: list[dict[str, float]]) -> dict[str, float]:
    """Mean of each metric over the rows that have it, plus the count."""
    keys = sorted({k for row in rows for k in row})
    summary = {}
    for key in keys:
        values = [row[key] for row in rows if key in row and not math.isnan(row[key])]
        summary[key] = float(np.mean(values)) if values else float("nan")
        summary[f"{key}_n"] = float(len(values))
    return summary


# ---------------------------------------------------------------------------- prompt sets and reports


def first_tempo(midi: pretty_midi.PrettyMIDI) -> float:
    tempi = midi.get_tempo_changes()[1]
    return float(tempi[0]) if len(tempi) else 120.0


def _grid_points(midi: pretty_midi.PrettyMIDI, limit: int = 1200) -> list[tuple[int, int]]:
    """(onset in sixteenth notes, pitch) for every note, drums included, first ``limit`` by time."""
    bpm = first_tempo(midi)
    points = {
        (round(n.start * bpm / 15), n.pitch + (128 if i.is_drum else 0)) for i in midi.instruments for n in i.notes
    }
    return sorted(points)[:limit]


def compression_ratio(midi: pretty_midi.PrettyMIDI, max_patterns: int = 40) -> float:
    points = _grid_points(midi)
    if len(points) < 2:
        return 1.0
    # Points as integers (onset · 512 + pitch, pitches below 256), so that numpy compares whole sets at once.
    codes = np.array([onset * 512 + pitch for onset, pitch in points], dtype=np.int64)
    first, second = np.triu_indices(len(codes), k=1)
    vectors = codes[second] - codes[first]  # SIA: the translation from every point to every later one
    order = np.argsort(vectors, kind="stable")
    vectors, starts = vectors[order], first[order]
    boundaries = np.flatnonzero(np.diff(vectors)) + 1
    groups = np.split(starts, boundaries)  # each vector's maximal translatable pattern (its start points)
    largest = sorted(groups, key=len, reverse=True)[:max_patterns]
    classes = []
    for members in largest:
        pattern = codes[members]
        # translators: the shifts of the pattern (its anchor moved onto each point) that stay inside the set
        shifts = codes - pattern[0]
        inside = np.isin(pattern[:, None] + shifts[None, :], codes).all(axis=0)
        covered = set((pattern[:, None] + shifts[inside][None, :]).ravel().tolist())
        classes.append((covered, len(pattern) + int(inside.sum()) - 1))
    uncovered, cost = set(codes.tolist()), 0
    while True:
        best = max(classes, key=lambda c: len(c[0] & uncovered) / c[1], default=None)
        if best is None or len(best[0] & uncovered) <= best[1]:
            break
        uncovered -= best[0]
        cost += best[1]
        classes.remove(best)
    return len(points) / (cost + len(uncovered))


def groove_consistency(midi: pretty_midi.PrettyMIDI) -> float:
    downbeats = midi.get_downbeats()
    if len(downbeats) < 2:
        return 1.0
    bpm = first_tempo(midi)
    bar_length = float(downbeats[1] - downbeats[0])
    grid = max(1, round(bar_length * bpm / 15))
    patterns = np.zeros((len(downbeats), grid), dtype=bool)
    for instrument in midi.instruments:
        for note in instrument.notes:
            bar = min(len(downbeats) - 1, int(np.searchsorted(downbeats, note.start, side="right")) - 1)
            patterns[bar, min(grid - 1, round((note.start - downbeats[bar]) * bpm / 15))] = True
    distances = (patterns[1:] != patterns[:-1]).sum(axis=1) / grid
    return float(1 - distances.mean())


@dataclass
class PromptCase:
    id: str
    caption: str
    target: Attributes
    bars: int | None


def load_prompts(path: str | Path, bars: int | None = None) -> list[PromptCase]:
    """JSON lines: {"id", "caption", "target": {tempo, key, time_signature, instruments, genre, mood, bars}}.

    Without a target, the attributes the prompt parser reads from the caption are the target. ``bars`` gives
    every piece that length, whatever its prompt says.
    """
    from .prompt import AttributeOverrides, check_bars, parse_prompt

    path = Path(path)
    if not path.is_file():
        raise MusicGenError(f"no such prompt file: {path}")
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            caption, target = record["caption"], record.get("target") or {}
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise MusicGenError(f"{path}:{number}: expected a JSON object with 'caption' ({error})") from error
        if not isinstance(caption, str) or not isinstance(target, dict):
            raise MusicGenError(f"{path}:{number}: 'caption' must be text and 'target' an object")
        try:
            overrides = {k: target.get(k) for k in ("tempo", "key", "time_signature", "instruments", "genre", "mood")}
            attributes = AttributeOverrides(**overrides).apply(Attributes()) if target else parse_prompt(caption)
            length = target.get("bars") if target else attributes.bars
            attributes = attributes.merged(bars=check_bars(length) if length is not None else None)
        except (MusicGenError, TypeError, AttributeError, ValueError) as error:
            raise MusicGenError(f"{path}:{number}: {error}") from error
        cases.append(PromptCase(str(record.get("id", number)), caption, attributes, length))
    if not cases:
        raise MusicGenError(f"{path} holds no prompts")
    if bars is not None:
        bars = check_bars(bars)
        cases = [replace(case, bars=bars, target=case.target.merged(bars=bars)) for case in cases]
    return cases


def evaluate_prompts(
    cases: list[PromptCase],
    generator=None,  # noqa: ANN001
    midi_dir: Path | None = None,
    settings: GenerationSettings | None = None,
    progress: bool = True,
    bars: int | None = None,
) -> dict:
    """Score generated MIDI (with ``generator`` and ``settings``, by default seed 0) or existing files
    ``<midi_dir>/<id>.mid``. ``bars``: the length the cases were given (:func:`load_prompts`), for the report."""
    from tqdm import tqdm

    if generator is not None:
        settings = settings or GenerationSettings(seed=0)
    rows = []
    for case in tqdm(cases, desc="evaluating", unit="prompt", disable=not progress):
        row: dict = {"id": case.id, "caption": case.caption}
        started = time.perf_counter()
        try:
            if generator is not None:
                result = generator.generate_many(case.caption, settings, bars=case.bars)[0]
                midi, layout = result.midi, result.form
                sections = [(s.start, s.label) for s in layout.sections] if layout else None
            else:
                midi, sections = _midi_with_sections(_file_of(Path(midi_dir), case.id))
            row["valid"] = 1.0
        except Exception as error:  # an invalid or missing file counts against valid-decode rate
            row.update(valid=0.0, error=f"{type(error).__name__}: {error}")
            rows.append(row)
            continue
        row["seconds"] = time.perf_counter() - started
        row.update(score_midi(midi, case.target, sections))
        rows.append(row)
    metrics = [{k: v for k, v in r.items() if isinstance(v, float)} for r in rows]
    report = {"summary": summarise(metrics), "rows": rows, "settings": {}}
    if settings is not None and generator is not None:
        report["settings"] = {**_reported(settings), **({"bars": bars} if bars else {})}
    return report


def _midi_with_sections(path: Path) -> tuple[pretty_midi.PrettyMIDI, list[tuple[int, str]]]:
    """A file and (first bar, material) of the sections its ``[Verse 2]`` markers name."""
    from .structure import marked_sections, material

    midi = load_midi(path)
    return midi, [(bar, material(title)) for bar, title in marked_sections(path, midi)]


def _file_of(folder: Path, case_id: str) -> Path:
    """``<folder>/<id>.mid``, refusing an id that names a file elsewhere and anything but a regular file (a FIFO
    would block the read forever)."""
    path = folder / f"{case_id}.mid"
    if Path(case_id).name != case_id or case_id in ("", ".", ".."):
        raise MusicGenError(f"the id {case_id!r} is not a plain file name inside --midi-dir")
    if not path.is_file():
        raise MusicGenError(f"no regular file {path}")
    return path


def _reported(settings: GenerationSettings) -> dict:
    """The settings a report records: those that change what is played."""
    return {name: getattr(settings, name) for name in REPORTED_SETTINGS}


def read_report(path: Path) -> dict:
    """An earlier report, for comparing side by side."""
    try:
        report = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise MusicGenError(f"cannot read report {path}: {error}") from error
    if not isinstance(report, dict) or not isinstance(report.get("summary"), dict):
        raise MusicGenError(f"{path} is not an evaluate report (it has no 'summary')")
    return report


def write_report(report: dict, out: Path, others: dict[str, dict] | None = None) -> str:
    """Write ``report`` as JSON and, beside it (``.md``), a Markdown table with ``others`` as further columns;
    returns the table. Both files are written atomically; a missing folder is made."""
    from .midi_io import write_atomic

    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise MusicGenError(f"cannot make the folder {out.parent}: {error.strerror or error}") from error
    write_atomic(out, lambda tmp: tmp.write_text(json.dumps(report, indent=2) + "\n"))
    table = markdown_table({out.stem: report, **(others or {})})
    write_atomic(out.with_suffix(".md"), lambda tmp: tmp.write_text(table))
    return table


# What a musician hears (musicality.py): harmony bar by bar, the lead line, muspy's metrics.
MUSICALITY_METRICS = (
    "chord_accuracy_quality",
    "chord_accuracy_root",
    "chord_change_rate",
    "distinct_chords_per_8_bars",
    "tonic_chord_share",
    "seventh_share",
    "out_of_scale_rate",
    "lead_steps",
    "lead_repeats",
    "lead_leaps",
    "has_melodic_line",
    "muspy_pitch_class_entropy",
    "muspy_scale_consistency",
    "muspy_groove_consistency",
    "muspy_empty_beat_rate",
    "muspy_polyphony",
    "muspy_pitch_range",
)
REPORT_METRICS = (
    "valid",
    "TB",
    "TBT",
    "tempo_within_1bpm",
    "CK",
    "CKD",
    "CK_temperley",
    "CK_aarden",
    "CK_per_8_bars",
    "time_signature",
    "bar_count",
    "instrument_precision",
    "instrument_recall",
    "instrument_f1",
    "family_f1",
    "instrument_coverage",
    "pitch_class_entropy",
    "scale_consistency",
    "empty_bar_rate",
    *MUSICALITY_METRICS,
    "CR",
    "copied_bar_share",
    "longest_repeat_bars",
    "returns",
    "section_match",
    "section_contrast",
    "seconds",
)


def markdown_table(reports: dict[str, dict]) -> str:
    """One column per named report: metric means, with how many prompts each covers."""
    names = list(reports)
    lines = ["| metric | " + " | ".join(names) + " |", "| --- |" + " --- |" * len(names)]
    for metric in REPORT_METRICS:
        cells = []
        for name in names:
            summary = reports[name]["summary"]
            value, count = summary.get(metric), summary.get(f"{metric}_n")
            cells.append("–" if value is None or math.isnan(value) else f"{value:.3f} (n={int(count)})")
        lines.append(f"| {metric} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
