"""Form at 32 bars: generate the evaluation prompts, then score repetition, returns, sections and the exact metrics.

Two steps, so that an older commit can generate its baseline with its own code (run this file from the new
checkout, with ``PYTHONPATH`` pointing at the old one for ``generate``) and both sets are scored by the same code:

    python benchmarks/form.py generate --out runs/form/new --seeds 0,1,2 [--variation 0.2]
    PYTHONPATH=../old python benchmarks/form.py generate --out runs/form/old --seeds 0,1,2
    python benchmarks/form.py score runs/form/old runs/form/new [--json examples/reports/form-32-bars.json]
    python benchmarks/form.py real --out runs/form/real     # real music for reference: the held-out corpus

``real`` writes the first 32 bars of the reference pieces of ``benchmarks/musicality.py`` (chorales, Palestrina,
Irish and Essen tunes, string quartets, none trained on) with their repeats written out (music21's
``expandRepeats``), and prints their form metrics (there is no prompt, so no attribute metrics).

``generate`` writes ``<out>/seed<S>/<id>.mid`` (with the sections' markers where the code writes them) and
``<out>/seconds.json`` (generation time per piece, the model loaded). ``score`` reads each folder with
``evaluation.score_midi`` (sections from the files' ``[Verse 2]`` markers) and prints, per folder, the mean over
pieces of each metric and its spread over seeds (the standard deviation of the per-seed means).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
METRICS = (
    "CR", "copied_bar_share", "longest_repeat_bars", "returns", "section_match", "section_contrast", "CK", "CKD",
    "time_signature", "bar_count", "tempo_within_1bpm", "instrument_f1", "instrument_coverage",
    "chord_change_rate", "tonic_chord_share", "lead_steps", "empty_bar_rate",
)  # fmt: skip


def generate(out: Path, seeds: list[int], bars: int, options: dict, limit: int | None) -> None:
    from musicgen_symbolic.evaluation import load_prompts
    from musicgen_symbolic.midi_io import save_midi
    from musicgen_symbolic.pipeline import MusicGenSymbolic

    cases = load_prompts(ROOT / "examples" / "eval_prompts.jsonl", bars=bars)[:limit]
    generator = MusicGenSymbolic.from_pretrained()
    generator.generate("warm up", bars=1, seed=0)
    seconds: dict[str, float] = {}
    for seed in seeds:
        folder = out / f"seed{seed}"
        folder.mkdir(parents=True, exist_ok=True)
        for case in cases:
            started = time.perf_counter()
            midi = generator.generate(case.caption, seed=seed, bars=case.bars, **options)
            seconds[f"{seed}/{case.id}"] = time.perf_counter() - started
            save_midi(midi, folder / f"{case.id}.mid")
        print(f"seed {seed}: {len(cases)} pieces, {np.mean(list(seconds.values())):.2f} s each so far", flush=True)
    (out / "seconds.json").write_text(json.dumps(seconds, indent=0))


def score(folder: Path, bars: int) -> dict:
    from musicgen_symbolic.evaluation import _midi_with_sections, load_prompts, score_midi

    cases = {case.id: case for case in load_prompts(ROOT / "examples" / "eval_prompts.jsonl", bars=bars)}
    per_seed = {}
    for seed_folder in sorted(folder.glob("seed*")):
        rows = []
        for path in sorted(seed_folder.glob("*.mid")):
            midi, sections = _midi_with_sections(path)
            rows.append(score_midi(midi, cases[path.stem].target, sections))
        per_seed[seed_folder.name] = {m: _mean([r[m] for r in rows if m in r]) for m in METRICS}
    seconds = json.loads((folder / "seconds.json").read_text()) if (folder / "seconds.json").is_file() else {}
    summary = {}
    for metric in METRICS:
        means = [s[metric] for s in per_seed.values() if not np.isnan(s[metric])]
        summary[metric] = (float(np.mean(means)), float(np.std(means))) if means else (float("nan"), 0.0)
    if seconds:
        summary["seconds_per_bar"] = (float(np.mean(list(seconds.values()))) / bars, 0.0)
    return {"summary": summary, "per_seed": per_seed}


def real(out: Path, bars: int) -> dict:
    import musicality  # benchmarks/musicality.py, beside this file

    from musicgen_symbolic.evaluation import compression_ratio
    from musicgen_symbolic.structure import structure_scores

    folder = out / "pieces"
    if not (folder / "index.json").is_file():
        plain = musicality._score_to_midi

        def expanded(score, programs, tempo):  # noqa: ANN001, ANN202
            try:
                score = score.expandRepeats()
            except Exception:  # noqa: BLE001 - repeats music21 cannot follow: as written
                pass
            return plain(score, programs, tempo)

        musicality.BARS, musicality._score_to_midi = bars, expanded
        musicality._build_reference(folder)
    import pretty_midi

    rows = []
    for path in sorted(folder.glob("*.mid")):
        midi = pretty_midi.PrettyMIDI(str(path))
        rows.append({"CR": compression_ratio(midi), **structure_scores(midi)})
    summary = {
        m: (_mean([r[m] for r in rows if m in r]), float(np.std([r[m] for r in rows if m in r]))) for m in rows[0]
    }
    return {"summary": summary, "pieces": len(rows)}


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("generate")
    make.add_argument("--out", type=Path, required=True)
    make.add_argument("--seeds", default="0,1,2")
    make.add_argument("--bars", type=int, default=32)
    make.add_argument("--variation", type=float, help="(new code only)")
    make.add_argument("--limit", type=int, help="only the first N prompts")
    reference = commands.add_parser("real")
    reference.add_argument("--out", type=Path, required=True)
    reference.add_argument("--bars", type=int, default=32)
    judge = commands.add_parser("score")
    judge.add_argument("folders", type=Path, nargs="+")
    judge.add_argument("--bars", type=int, default=32)
    judge.add_argument("--json", type=Path, help="write the scores here")
    args = parser.parse_args()
    if args.command == "generate":
        options = {"variation": args.variation} if args.variation is not None else {}
        generate(args.out, [int(s) for s in args.seeds.split(",")], args.bars, options, args.limit)
        return 0
    if args.command == "real":
        result = real(args.out, args.bars)
        print(f"{result['pieces']} real pieces, {args.bars} bars, repeats written out (mean ± std over pieces):")
        for metric, (mean, spread) in result["summary"].items():
            print(f"  {metric}: {mean:.3f} ± {spread:.3f}")
        (args.out / "summary.json").write_text(json.dumps(result, indent=1) + "\n")
        return 0
    results = {str(folder): score(folder, args.bars) for folder in args.folders}
    names = list(results)
    print("| metric | " + " | ".join(names) + " |")
    print("| --- |" + " --- |" * len(names))
    for metric in [*METRICS, "seconds_per_bar"]:
        cells = []
        for name in names:
            mean, spread = results[name]["summary"].get(metric, (float("nan"), 0.0))
            cells.append("–" if np.isnan(mean) else f"{mean:.3f} ± {spread:.3f}")
        print(f"| {metric} | " + " | ".join(cells) + " |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
