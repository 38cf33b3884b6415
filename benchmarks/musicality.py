"""Harmony and melody as a musician hears them, for the bundled model, the composer and real music side by side.

Three sets of 16-bar pieces, each scored with ``evaluation.score_midi`` (which includes ``musicality``'s metrics):

* model: 22 prompts over 11 genres (two each; half name a key, half a melody instrument) x seeds 0, 1, 2 at the
  default settings. Key metrics use the prompt's key where it names one, else the estimate.
* composer: 6 pieces per matching style (``classical strings`` → the composer's ``cinematic``, as it has no
  classical style), the first seeds whose plan is at least 16 bars long, cut to 16 bars; key metrics use the
  piece's own key, and chord accuracy is measured against the piece's own plan (the labeller's ceiling).
* real: the held-out corpus (``data.sources.held_out``: Bach chorales, Palestrina, Ryan's, O'Neill's and Essen
  tunes) and string-quartet movements by Haydn, Mozart and Beethoven (never trained on), read with music21 keeping
  their bar lines (a pickup is left out: bar 1 is the first full bar; 4/2 is written as 2/2), cut to 16 bars (a
  chorale is often shorter: 8 to 16), played by choir, violin, flute or string quartet. Key metrics use the
  estimate. The MIDI is cached under ``$MUSICGEN_SYMBOLIC_CACHE`` (default ~/.cache/musicgen_symbolic)/reference.

It prints one table of every metric's mean ± std per set, per-genre rows for three harmony and melody metrics,
and the overlapping area (Yang & Lerch) of each set to the real one, and writes everything as JSON (``--out``):

    python benchmarks/musicality.py --out examples/reports/musicality-baseline-v0.3.json
    python benchmarks/musicality.py --set-only model --model DIR --out after.json   # only the model again

Time: generation is nearly all of it, in ``--jobs`` processes (default 2). At v0.3 the 66 pieces take about 450 s
of CPU (a dense 16-bar rock or metal piece outgrows the context and takes ~20 s; a folk tune 0.4 s), so about 4
minutes on two free cores; ``--seeds 0`` measures a third. Reading the corpus the first time takes about 2 minutes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pretty_midi

from musicgen_symbolic.data.sources import HELD_OUT_QUARTETS

ROOT = Path(__file__).resolve().parents[1]
BARS = 16
SEEDS = (0, 1, 2)
PROMPTS = {
    "pop": (
        "upbeat pop song with piano, bass and drums in C major",
        "catchy pop tune with a synth lead melody over electric piano, bass and drums",
    ),
    "rock": (
        "driving rock song with distorted guitars, bass and drums in E minor",
        "classic rock with an electric guitar melody over organ, bass and drums",
    ),
    "jazz": (
        "smooth jazz trio with piano, upright bass and drums",
        "cool jazz with a tenor saxophone melody over piano, upright bass and drums in Bb major",
    ),
    "bossa nova": (
        "bossa nova with nylon guitar, bass and soft drums in D minor",
        "relaxed bossa nova with a flute melody, nylon guitar and bass",
    ),
    "lo-fi": (
        "chill lo-fi beat with dusty rhodes, bass and drums, 80 bpm",
        "lo-fi hip hop with an electric piano melody and drums in A minor",
    ),
    "folk": (
        "gentle folk song with acoustic guitar and a fiddle melody in G major",
        "folk tune with acoustic guitar and bass",
    ),
    "classical strings": (
        "classical string quartet in G major",
        "slow classical piece for strings with a violin melody",
    ),
    "waltz": (
        "waltz for solo piano in F major",
        "romantic waltz with a violin melody, piano and bass",
    ),
    "edm": (
        "energetic EDM track with synth bass, a saw lead melody and drums in F minor",
        "EDM drop with synth chords, synth bass and four on the floor drums",
    ),
    "ambient": (
        "calm ambient soundscape with warm pads",
        "ambient piece with a soft flute melody over string pads in E major",
    ),
    "metal": (
        "heavy metal with distorted guitars, bass and double kick drums in D minor",
        "melodic metal with a lead guitar melody over distorted rhythm guitars, bass and drums",
    ),
}
COMPOSER_STYLES = {genre: "cinematic" if genre == "classical strings" else genre for genre in PROMPTS}
COMPOSER_PER_STYLE = 6
CLOSE_TO_REAL = ("classical strings", "folk", "waltz")  # the genres with real counterparts in the reference
# The real set: (collection, pieces, programs per part, tempo). Quartet movements are listed by corpus path.
REAL_COLLECTIONS = (
    ("bach", 16, (52, 52, 52, 52), 80.0),
    ("palestrina", 10, (52, 52, 52, 52), 90.0),
    ("ryansMammoth", 12, (40,), 112.0),
    ("oneills1850", 8, (40,), 112.0),
    ("essenFolksong", 6, (73,), 100.0),
)
QUARTETS = HELD_OUT_QUARTETS  # string quartet movements: never in any training build (data/sources.py)
QUARTET_PROGRAMS, QUARTET_TEMPO = (40, 40, 41, 42), 100.0
REAL_GROUPS = {
    "bach": "bach chorale",
    "palestrina": "palestrina",
    "ryansMammoth": "folk: Ryan's",
    "oneills1850": "folk: O'Neill's",
    "essenFolksong": "folk: Essen",
    "quartet": "string quartet",
}
MIN_REAL_BARS = 8
CACHE_VERSION = "reference-v1"
TABLE_METRICS = (
    "chord_accuracy_quality", "chord_accuracy_root", "chord_change_rate", "distinct_chords_per_8_bars",
    "tonic_chord_share", "seventh_share", "out_of_scale_rate", "lead_steps", "lead_repeats", "lead_leaps",
    "has_melodic_line", "muspy_pitch_class_entropy", "muspy_scale_consistency", "muspy_groove_consistency",
    "muspy_empty_beat_rate", "muspy_polyphony", "muspy_pitch_range", "pitch_class_entropy", "scale_consistency",
    "empty_bar_rate", "groove_consistency", "CR", "notes", "CK", "instrument_f1", "bar_count",
)  # fmt: skip
GENRE_METRICS = ("tonic_chord_share", "chord_change_rate", "lead_steps")


@dataclass
class Piece:
    name: str
    group: str  # genre (model, composer) or collection (real)
    midi: pretty_midi.PrettyMIDI
    target: object  # vocabulary.Attributes
    plan: list | None = None  # theory.Chord per half bar, where the piece has a plan


# ---------------------------------------------------------------------------- the three sets


_GENERATOR = None  # one per worker process


def _load(model_dir: str | None) -> None:
    global _GENERATOR
    import torch

    from musicgen_symbolic import MusicGenSymbolic

    torch.set_num_threads(1)  # one core a worker
    _GENERATOR = MusicGenSymbolic.from_pretrained(model_dir)


def _generate(job: tuple[str, int]) -> pretty_midi.PrettyMIDI:
    from musicgen_symbolic.settings import GenerationSettings

    prompt, seed = job
    return _GENERATOR.generate(prompt, GenerationSettings(seed=seed), bars=BARS)


def model_set(model_dir: str | None, jobs: int = 2, seeds: tuple[int, ...] = SEEDS) -> list[Piece]:
    """Every prompt at every seed, in ``jobs`` worker processes of one thread each (a piece is the same whichever
    worker plays it: the seed fixes it)."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from musicgen_symbolic.prompt import parse_prompt

    work = [
        (genre, number, prompt, seed)
        for genre, prompts in PROMPTS.items()
        for number, prompt in enumerate(prompts)
        for seed in seeds
    ]
    context = get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_load, initargs=(model_dir,)) as pool:
        midis = list(pool.map(_generate, [(prompt, seed) for _, _, prompt, seed in work]))
    return [
        Piece(f"{genre} {number} seed {seed}", genre, midi, parse_prompt(prompt).merged(bars=BARS))
        for (genre, number, prompt, seed), midi in zip(work, midis, strict=True)
    ]


def _plan_halves(plan) -> list:  # noqa: ANN001 — a composer PiecePlan
    """The composer plan's chord at the start of each half bar, as ``theory.Chord``."""
    from musicgen_symbolic.theory import QUALITIES, Chord

    qualities = {frozenset(i % 12 for i in intervals): name for name, intervals in QUALITIES.items()}
    halves = []
    for bar in range(min(plan.bars, BARS)):
        for half in (0.0, 0.5):
            chord = plan.segment_at(bar, half * plan.meter.bar).chord
            halves.append(Chord(chord.root, qualities[frozenset(i % 12 for i in chord.intervals)]))
    return halves


def trim_bars(midi: pretty_midi.PrettyMIDI, bars: int) -> pretty_midi.PrettyMIDI:
    """The first ``bars`` bars: notes that start before the next downbeat, cut at it (in place)."""
    downbeats = midi.get_downbeats()
    if len(downbeats) <= bars:
        return midi
    end = float(downbeats[bars])
    for instrument in midi.instruments:
        instrument.notes = [
            pretty_midi.Note(n.velocity, n.pitch, n.start, min(n.end, end)) for n in instrument.notes if n.start < end
        ]
    return midi


def composer_set() -> list[Piece]:
    from musicgen_symbolic.data.composer import compose_piece, plan_piece

    pieces = []
    for genre, style in COMPOSER_STYLES.items():
        seed, found = 0, 0
        while found < COMPOSER_PER_STYLE:
            plan, _ = plan_piece(seed, style)
            if plan.bars >= BARS:
                composed = compose_piece(seed, style)
                target = composed.attributes.merged(bars=BARS)
                midi = trim_bars(composed.midi, BARS)
                pieces.append(Piece(f"{style} seed {seed}", genre, midi, target, _plan_halves(plan)))
                found += 1
            seed += 1
    return pieces


def cache_dir() -> Path:
    root = os.environ.get("MUSICGEN_SYMBOLIC_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "musicgen_symbolic"
    )
    return Path(root) / "reference" / CACHE_VERSION


def _score_to_midi(score, programs: tuple[int, ...], tempo: float) -> pretty_midi.PrettyMIDI | None:  # noqa: ANN001
    """A music21 score's first ``BARS`` full bars, bar lines kept: a pickup is left out (time 0 is the first full
    bar's downbeat), 4/2 is written as 2/2. None where the metre changes within them or fewer than
    ``MIN_REAL_BARS`` bars are left."""
    from music21 import harmony, meter, stream

    parts = list(score.parts)[: len(programs)] or [score]
    measures = list(parts[0].getElementsByClass(stream.Measure))
    signatures = list(parts[0].recurse().getElementsByClass(meter.TimeSignature))
    if not measures or not signatures:
        return None
    first = signatures[0]
    bar = float(first.barDuration.quarterLength)
    pickup = float(measures[0].duration.quarterLength) < bar - 1e-6 and len(measures) > 1
    origin = float(measures[1].offset) if pickup else float(measures[0].offset)
    numerator, denominator = (first.numerator, first.denominator)
    if (numerator, denominator) == (4, 2):  # alla breve, as modern editions bar it
        numerator, denominator, bar = 2, 2, bar / 2
    bars = min(BARS, int((float(score.highestTime) - origin + 1e-6) // bar))
    window = origin + bars * bar
    changes = [
        s for s in signatures if s.getOffsetInHierarchy(parts[0]) < window and s.ratioString != first.ratioString
    ]
    if bars < MIN_REAL_BARS or changes:
        return None
    seconds = 60.0 / tempo
    midi = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    midi.time_signature_changes.append(pretty_midi.TimeSignature(numerator, denominator, 0.0))
    for part, program in zip(parts, programs, strict=False):
        instrument = pretty_midi.Instrument(program=program)
        for element in part.stripTies().flatten().notes:
            start, length = float(element.offset), float(element.quarterLength)
            if isinstance(element, harmony.ChordSymbol) or length <= 0 or not origin <= start < window:
                continue  # chord symbols are not played; grace notes have no length
            end = min(start + length, window)
            for pitch in element.pitches:
                note = pretty_midi.Note(80, pitch.midi, (start - origin) * seconds, (end - origin) * seconds)
                instrument.notes.append(note)
        if instrument.notes:
            midi.instruments.append(instrument)
    return midi if midi.instruments else None


def _build_reference(folder: Path) -> None:
    """Read the corpus (slow: about a minute) and write the reference MIDI and its index into ``folder``."""
    from music21 import converter, corpus, stream

    from musicgen_symbolic.data.sources import held_out, held_out_paths

    chosen: list[tuple[str, str, pretty_midi.PrettyMIDI]] = []
    held = held_out_paths()
    jobs = [
        (name, count, programs, tempo, [p for p in held if f"/{name}/" in p])
        for name, count, programs, tempo in REAL_COLLECTIONS
    ]
    corpus_root = Path(str(corpus.getComposer("haydn")[0])).parents[2]
    jobs.append(("quartet", len(QUARTETS), QUARTET_PROGRAMS, QUARTET_TEMPO, [str(corpus_root / q) for q in QUARTETS]))
    for name, count, programs, tempo, paths in jobs:
        found = 0
        for path in paths:
            if found == count:
                break
            try:
                parsed = converter.parse(path)
            except Exception:  # noqa: BLE001 — a few corpus files do not parse
                continue
            scores = list(parsed.scores) if isinstance(parsed, stream.Opus) else [parsed]
            multi = isinstance(parsed, stream.Opus) and name in ("oneills1850", "essenFolksong")
            for index, score in enumerate(scores):
                if found == count or (multi and not held_out(path, index)):
                    continue
                midi = _score_to_midi(score, programs, tempo)
                if midi is not None:
                    label = path.split("/corpus/")[-1] + (f"#{index}" if len(scores) > 1 else "")
                    chosen.append((label, REAL_GROUPS[name], midi))
                    found += 1
    folder.mkdir(parents=True, exist_ok=True)
    index = []
    for number, (label, group, midi) in enumerate(chosen):
        midi.write(str(folder / f"{number:03d}.mid"))
        index.append({"file": f"{number:03d}.mid", "name": label, "group": group})
    (folder / "index.json").write_text(json.dumps(index, indent=1) + "\n")


def real_set() -> list[Piece]:
    from musicgen_symbolic.vocabulary import Attributes

    folder = cache_dir()
    if not (folder / "index.json").is_file():
        print(f"reading the reference from the music21 corpus into {folder} (once) …", file=sys.stderr)
        _build_reference(folder)
    index = json.loads((folder / "index.json").read_text())
    midis = [pretty_midi.PrettyMIDI(str(folder / entry["file"])) for entry in index]
    return [Piece(entry["name"], entry["group"], midi, Attributes()) for entry, midi in zip(index, midis, strict=True)]


# ---------------------------------------------------------------------------- scoring and the tables


def score(pieces: list[Piece]) -> list[dict]:
    from musicgen_symbolic import musicality
    from musicgen_symbolic.evaluation import score_midi

    rows = []
    for piece in pieces:
        row = score_midi(piece.midi, piece.target)
        if piece.plan and "chord_accuracy_quality" not in row:
            halves = musicality.bar_chords(piece.midi, per_half_bar=True)
            row["chord_accuracy_quality"] = musicality.chord_accuracy_quality(halves, piece.plan)
            row["chord_accuracy_root"] = musicality.chord_accuracy_root(halves, piece.plan)
        rows.append({"name": piece.name, "group": piece.group, **row})
    return rows


def stats(rows: list[dict], metric: str) -> dict:
    values = [r[metric] for r in rows if isinstance(r.get(metric), float) and not math.isnan(r[metric])]
    if not values:
        return {"mean": None, "std": None, "n": 0}
    return {"mean": float(np.mean(values)), "std": float(np.std(values)), "n": len(values)}


def _cell(s: dict, n: bool = True) -> str:
    if s["mean"] is None:
        return "–"
    return f"{s['mean']:.3f} ± {s['std']:.3f}" + (f" ({s['n']})" if n else "")


def tables(report: dict) -> str:
    sets = report["sets"]
    names = list(sets)
    lines = ["| metric | " + " | ".join(f"{n} ({len(sets[n]['rows'])})" for n in names) + " |"]
    lines.append("| --- |" + " --- |" * len(names))
    for metric in TABLE_METRICS:
        lines.append(f"| {metric} | " + " | ".join(_cell(sets[n]["summary"][metric]) for n in names) + " |")
    lines += ["", "| set | group | pieces | " + " | ".join(GENRE_METRICS) + " |", "| --- | --- | --- |" + " --- |" * 3]
    for name in names:
        for group, summary in sets[name]["per_group"].items():
            cells = " | ".join(_cell(summary[m], n=False) for m in GENRE_METRICS)
            lines.append(f"| {name} | {group} | {summary['pieces']} | {cells} |")
    features = ("pitch_class", "interval", "note_length", "ioi", "mean")
    lines += ["", "| overlapping area to real | " + " | ".join(features) + " |", "| --- |" + " --- |" * 5]
    for name, areas in report["overlapping_area"].items():
        lines.append(f"| {name} | " + " | ".join(f"{areas[f]:.3f}" for f in features) + " |")
    return "\n".join(lines) + "\n"


def summarise_set(rows: list[dict]) -> dict:
    metrics = sorted({k for r in rows for k, v in r.items() if isinstance(v, float)} | set(TABLE_METRICS))
    per_group = {}
    for group in dict.fromkeys(r["group"] for r in rows):
        members = [r for r in rows if r["group"] == group]
        per_group[group] = {"pieces": len(members), **{m: stats(members, m) for m in GENRE_METRICS}}
    return {"summary": {m: stats(rows, m) for m in metrics}, "per_group": per_group, "rows": rows}


def _rounded(value: object) -> object:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


def write(report: dict, table: str, out: Path) -> None:
    """The report as JSON, values to 4 decimals, with the printed tables as ``table``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**_rounded(report), "table": table}, indent=1, ensure_ascii=False) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="write the report (JSON) here")
    parser.add_argument("--model", help="model folder (default: the bundled model)")
    parser.add_argument("--set-only", choices=("model", "composer", "real"), help="measure only this set")
    parser.add_argument("--jobs", type=int, default=2, help="processes generating the model's pieces (default 2)")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds of the model's pieces")
    args = parser.parse_args()
    from musicgen_symbolic import musicality

    seeds = tuple(int(s) for s in args.seeds.split(","))
    started = time.perf_counter()
    timings = {}
    real = real_set()  # the reference of the overlapping areas, always
    timings["real"] = time.perf_counter() - started
    pieces: dict[str, list[Piece]] = {}
    for name, build in (
        ("model", lambda: model_set(args.model, args.jobs, seeds)),
        ("composer", composer_set),
        ("real", lambda: real),
    ):
        if args.set_only in (None, name):
            begun = time.perf_counter()
            pieces[name] = build()
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - begun
    report: dict = {"sets": {}, "overlapping_area": {}}
    for name, members in pieces.items():
        report["sets"][name] = summarise_set(score(members))
    features = {name: [musicality.piece_features(p.midi) for p in members] for name, members in pieces.items()}
    real_features = features.get("real") or [musicality.piece_features(p.midi) for p in real]
    for name in ("model", "composer"):
        if name in features:
            report["overlapping_area"][name] = musicality.overlapping_area(features[name], real_features)
            close = [f for f, p in zip(features[name], pieces[name], strict=True) if p.group in CLOSE_TO_REAL]
            report["overlapping_area"][f"{name}: {'/'.join(CLOSE_TO_REAL)}"] = musicality.overlapping_area(
                close, real_features
            )
    if "real" in features:  # a ceiling: one half of the reference against the other
        report["overlapping_area"]["real, odd half to even half"] = musicality.overlapping_area(
            real_features[1::2], real_features[::2]
        )
    report["settings"] = {
        "bars": BARS, "seeds": list(seeds), "model": args.model or "bundled", "prompts": PROMPTS,
        "composer_styles": COMPOSER_STYLES, "seconds": {k: round(v, 1) for k, v in timings.items()},
    }  # fmt: skip
    text = tables(report)
    print(text)
    print(f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
    if args.out:
        write(report, text, Path(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
