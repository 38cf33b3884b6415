"""Generation time under thread policies, quiet and beside busy processes, measured side by side in one run.

    python benchmarks/threads.py [--busy 0,1] [--repeats 2] [--model DIR]

For each number of busy neighbours (processes spinning on a core, as a DAW or a second generation would) and
each thread policy, a fresh process loads the model, generates once to warm up, then times prompt → 30 s of
MIDI (``--seconds 30``, seed 0) ``--repeats`` times; the table shows the median and its ratio to the quiet run of
the same policy. Policies:

* torch's default: as many threads as cores, OpenMP's spin-waiting threads;
* ``passive``: the same threads with ``OMP_WAIT_POLICY=PASSIVE`` (idle threads sleep instead of spinning);
* ``1 thread``: ``torch.set_num_threads(1)``;
* ``auto``: what ``musicgen-symbolic`` does by default (``threads.choose_threads``: one thread when the machine's
  load leaves fewer than two cores free).

Output is identical under every policy (the same MIDI bytes: checked).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import time

PROMPT = "an upbeat pop song in G major at 120 bpm with piano, bass and drums"

RUN = """
import hashlib, json, sys, time
from musicgen_symbolic.pipeline import MusicGenSymbolic
from musicgen_symbolic.midi_io import midi_bytes
from musicgen_symbolic import threads
threads.apply(sys.argv[1])
model = sys.argv[3] or None
generator = MusicGenSymbolic.from_pretrained(model)
generator.generate(sys.argv[2], seconds=8, seed=1)
times, digest = [], None
for _ in range(int(sys.argv[4])):
    started = time.perf_counter()
    midi = generator.generate(sys.argv[2], seconds=30, seed=0)
    times.append(time.perf_counter() - started)
    digest = hashlib.sha1(midi_bytes(midi)).hexdigest()
import torch
print(json.dumps({"times": times, "digest": digest, "threads": torch.get_num_threads()}))
"""

POLICIES = {"default": {}, "passive": {"OMP_WAIT_POLICY": "PASSIVE"}, "1 thread": {}, "auto": {}}
MODE = {"default": "torch", "passive": "torch", "1 thread": "1", "auto": "auto"}


def _burners(count: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def _measure(policy: str, model: str, repeats: int) -> dict:
    import json

    env = {**os.environ, **POLICIES[policy]}
    env.pop("OMP_NUM_THREADS", None)
    done = subprocess.run(
        [sys.executable, "-c", RUN, MODE[policy], PROMPT, model, str(repeats)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", default="0,1", help="numbers of busy neighbour processes, comma-separated")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--model", default="")
    args = parser.parse_args()
    results: dict[tuple[int, str], dict] = {}
    for busy in [int(n) for n in args.busy.split(",")]:
        burners = _burners(busy)
        try:
            time.sleep(0.5)
            for policy in POLICIES:
                results[busy, policy] = _measure(policy, args.model, args.repeats)
                print(f"busy {busy}, {policy}: {results[busy, policy]}", file=sys.stderr)
        finally:
            for burner in burners:
                burner.kill()
    digests = {r["digest"] for r in results.values()}
    print(f"cores: {os.cpu_count()}; identical MIDI under every policy: {len(digests) == 1}\n")
    print("| busy neighbours | policy | threads | 30 s of music, s (median) | × quiet |")
    print("| --- | --- | --- | --- | --- |")
    for (busy, policy), result in results.items():
        median = statistics.median(result["times"])
        quiet = results.get((0, policy))
        ratio = f"{median / statistics.median(quiet['times']):.1f}" if quiet else "–"
        print(f"| {busy} | {policy} | {result['threads']} | {median:.2f} | {ratio} |")
    _ = hashlib  # (digests are made in the child)


if __name__ == "__main__":
    main()
