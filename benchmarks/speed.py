"""Speed, measured side by side in one run on this machine. Prints a Markdown table of figures and ratios.

    python benchmarks/speed.py [--model DIR] [--repeats 3]

* decoding tokens/s with the KV cache vs full recompute per token (text2midi's way), batch 1;
* prompt → 30 s of MIDI and prompt → 30 s of MIDI + WAV, model already loaded, CFG on and off;
* batch throughput (--num-samples 8) vs batch 1;
* rendering real-time factor: pyfluidsynth (ours) vs the fluidsynth command line;
* with --musicgen-model, MusicGen producing the same 30 s directly as audio;
* cold start of the CLI (fresh process: imports, model and text-encoder load, generation, WAV) and its peak memory.
"""

from __future__ import annotations

import argparse
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROMPT = "an upbeat pop song in G major at 120 bpm with piano, bass and drums"


def timed(function, repeats: int) -> float:  # noqa: ANN001
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--musicgen-model", help="also time MusicGen (hub id or folder; needs its weights on disk) on the same prompt"
    )
    args = parser.parse_args()

    import torch

    from musicgen_symbolic.midi_io import save_midi
    from musicgen_symbolic.pipeline import MusicGenSymbolic
    from musicgen_symbolic.render import find_soundfont, render_midi

    generator = MusicGenSymbolic.from_pretrained(args.model)
    generator.generate(PROMPT, bars=1, seed=0)  # warm-up: text encoder loaded, kernels ready
    rows: list[tuple[str, str]] = []

    def decode(use_cache: bool, bars: int) -> tuple[float, int]:
        holder = {}

        def run() -> None:
            holder["n"] = len(
                generator.generate_many(PROMPT, bars=bars, seed=1, cfg=1.0, use_cache=use_cache)[0].tokens
            )

        seconds = timed(run, args.repeats)
        return seconds, holder["n"]

    cached_s, cached_n = decode(True, 4)
    full_s, full_n = decode(False, 4)
    rows.append(("decoding, batch 1, KV cache (tokens/s)", f"{cached_n / cached_s:,.0f}"))
    rows.append(("decoding, batch 1, full recompute (tokens/s)", f"{full_n / full_s:,.0f}"))
    rows.append(("KV cache speed-up", f"{(cached_n / cached_s) / (full_n / full_s):.1f}×"))

    with tempfile.TemporaryDirectory() as folder:
        mid, wav = Path(folder) / "x.mid", Path(folder) / "x.wav"
        with_cfg = timed(lambda: save_midi(generator.generate(PROMPT, seconds=30, seed=2), mid), args.repeats)
        without_cfg = timed(
            lambda: save_midi(generator.generate(PROMPT, seconds=30, seed=2, cfg=1.0), mid), args.repeats
        )
        rows.append(("prompt → 30 s MIDI, CFG on (s)", f"{with_cfg:.2f}"))
        rows.append(("prompt → 30 s MIDI, CFG off (s)", f"{without_cfg:.2f}"))
        rows.append(("CFG cost", f"{with_cfg / without_cfg:.2f}×"))
        to_wav = timed(
            lambda: render_midi(save_midi(generator.generate(PROMPT, seconds=30, seed=2), mid), wav), args.repeats
        )
        rows.append(("prompt → 30 s MIDI + WAV (s)", f"{to_wav:.2f}"))

        one = timed(lambda: generator.generate_many(PROMPT, bars=8, seed=3), args.repeats)
        eight = timed(lambda: generator.generate_many(PROMPT, bars=8, seed=3, num_samples=8), args.repeats)
        rows.append(("batch 8 throughput vs batch 1", f"{8 * one / eight:.1f}×"))

        save_midi(generator.generate(PROMPT, seconds=30, seed=2), mid)
        import pretty_midi

        length = pretty_midi.PrettyMIDI(str(mid)).get_end_time()
        ours = timed(lambda: render_midi(mid, wav), args.repeats)
        rows.append(("render 30 s, pyfluidsynth (× real time)", f"{length / ours:.0f}×"))
        if shutil.which("fluidsynth"):
            font = str(find_soundfont())
            command = ["fluidsynth", "-ni", "-q", "-F", str(wav), "-r", "44100", font, str(mid)]
            cli = timed(lambda: subprocess.run(command, check=True, capture_output=True), args.repeats)
            rows.append(("render 30 s, fluidsynth CLI (× real time)", f"{length / cli:.0f}×"))
            rows.append(("pyfluidsynth vs CLI", f"{cli / ours:.2f}×"))

        command = [
            sys.executable,
            "-m",
            "musicgen_symbolic",
            "generate",
            PROMPT,
            "-o",
            str(mid),
            "--wav",
            str(wav),
            "--seconds",
            "30",
            "--seed",
            "4",
            "-q",
        ]
        if args.model:
            command += ["--model", str(args.model)]
        imports = timed(
            lambda: subprocess.run([sys.executable, "-c", "import torch, transformers, miditok"], check=True), 1
        )
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        cold = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        rows.append(("cold start: imports only (s)", f"{imports:.2f}"))
        rows.append(("cold start: CLI generate 30 s + WAV (s)", f"{cold:.2f}"))
        rows.append(("cold start: peak resident memory (MiB)", f"{peak:.0f}"))

    print(
        f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}"
    )
    print("| measure | value |\n| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
