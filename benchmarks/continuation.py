"""Does a continuation go on with the file it continues? Side by side in one run: the new bars planned from the file's
own chords (``continuation.heard_loop``, as shipped) against the genre's planned chords (as before it).

    python benchmarks/continuation.py [--prompts examples/eval_prompts.jsonl] [--limit 24] [--seeds 0,1]

For each prompt and seed: 8 bars generated from the prompt are the file; it is continued by 8 bars both ways, with
the same seed. Measured on the new bars (the file's bars are the same in both):

* chords like the file's: the share of new bars whose chord (``musicality.bar_chords``) is one the file's bars had;
* same key: the key the new bars imply (``evaluation.estimate_key``) is the file's key (the primer's);
* key or related: the same, or its relative or parallel key (CKD's rule);
* chord change rate in the new bars (``musicality.chord_change_rate``; pieces with no two chords in a row left out).

Prints the mean over pieces of each measure for both ways, and the spread over seeds (the standard deviation of the
per-seed means).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MEASURES = ("chords like the file's", "same key", "key or related", "chord change rate")


def measure(result) -> dict[str, float]:  # noqa: ANN001 (a GenerationResult of continue_midi)
    from musicgen_symbolic.evaluation import estimate_key, related_keys
    from musicgen_symbolic.musicality import bar_chords, chord_change_rate

    primer = result.primer
    file_chords = {c for c in bar_chords(primer.midi)[: primer.bars] if c is not None}
    new = [c for c in bar_chords(result.new_part)[: result.attributes.bars]]
    heard = [c for c in new if c is not None]
    key = estimate_key(result.new_part)
    return {
        "chords like the file's": float(np.mean([c in file_chords for c in heard])) if heard else 0.0,
        "same key": float(key is not None and key == primer.key),
        "key or related": float(key is not None and primer.key is not None and key in related_keys(primer.key)),
        "chord change rate": chord_change_rate(new),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompts", type=Path, default=ROOT / "examples" / "eval_prompts.jsonl")
    parser.add_argument("--limit", type=int, default=24)
    parser.add_argument("--seeds", default="0,1")
    args = parser.parse_args()
    from musicgen_symbolic import continuation
    from musicgen_symbolic.evaluation import load_prompts
    from musicgen_symbolic.pipeline import MusicGenSymbolic

    generator = MusicGenSymbolic.from_pretrained()
    cases = load_prompts(args.prompts)[: args.limit]
    seeds = [int(s) for s in args.seeds.split(",")]
    shipped = continuation.heard_loop
    scores: dict[str, dict[int, list[dict]]] = {"file's chords": {}, "planned chords": {}}
    for seed in seeds:
        for case in cases:
            source = generator.generate_many(case.caption, bars=8, seed=seed)[0].midi
            for way, loop in (("file's chords", shipped), ("planned chords", lambda primer: None)):
                continuation.heard_loop = loop  # read_primer looks it up at call time
                result = generator.continue_midi(source, "", bars=8, seed=seed)[0]
                scores[way].setdefault(seed, []).append(measure(result))
            continuation.heard_loop = shipped
    print(f"{len(cases)} prompts × seeds {seeds}: 8 bars generated, then continued by 8 bars, the bundled model")
    print(f"| measure (new bars) | {' | '.join(scores)} |")
    print("| --- |" + " --- |" * len(scores))
    for name in MEASURES:
        cells = []
        for per_seed in scores.values():
            means = [np.nanmean([s[name] for s in rows]) for rows in per_seed.values()]
            cells.append(f"{np.mean(means):.2f} ± {np.std(means):.2f}")
        print(f"| {name} | {' | '.join(cells)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
