"""The prompt parser's time against the prompt's length: linear, so no prompt costs more than its size.

    python benchmarks/prompt_parser.py

Prompts are capped at ``prompt.MAX_PROMPT_CHARACTERS`` (4,000); the parser behind the cap (``prompt._parse``) is
timed up to 100,000 characters too, the lengths at which the old quadratic ``_find_label`` took 19 s and 29 s.
Each row: best of 3, a new prompt each time (no cache); the last column divides by the first row's time per
character (1.0 = perfectly linear).
"""

from __future__ import annotations

import time

from musicgen_symbolic.prompt import MAX_PROMPT_CHARACTERS, _parse

PHRASE = "a calm jazz piece with piano and sad strings, "


def seconds(characters: int) -> float:
    prompt = (PHRASE * (characters // len(PHRASE) + 1))[:characters]
    best = float("inf")
    for attempt in range(3):
        started = time.perf_counter()
        _parse(f"{prompt} {attempt}", None, None)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    lengths = [500, 1_000, MAX_PROMPT_CHARACTERS, 10_000, 100_000]
    times = {n: seconds(n) for n in lengths}
    unit = times[lengths[0]] / lengths[0]
    print("| characters | seconds | per character, against 500 |\n| --- | --- | --- |")
    for n, t in times.items():
        print(f"| {n:,} | {t:.4f} | {t / n / unit:.2f} |")


if __name__ == "__main__":
    main()
