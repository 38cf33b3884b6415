"""Defaults in one place: musical ranges, token resolution, audio settings, paths and env vars."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_MODEL_DIR = PACKAGE_DIR / "checkpoints" / "default"
PROJECT_SOUNDFONT_DIR = PACKAGE_DIR.parent / "soundfonts"

ENV_SOUNDFONT = "MUSICGEN_SYMBOLIC_SOUNDFONT"
ENV_MODEL_DIR = "MUSICGEN_SYMBOLIC_MODEL"
ENV_CACHE_DIR = "MUSICGEN_SYMBOLIC_CACHE"
ENV_DEBUG = "MUSICGEN_SYMBOLIC_DEBUG"

SYSTEM_SOUNDFONTS = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/sounds/sf3/FluidR3Mono_GM.sf3",
    "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "/usr/share/sounds/sf3/default-GM.sf3",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/soundfonts/default.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
)

# Token resolution (miditok REMI).
PITCH_RANGE = (21, 109)
BEAT_RES = {(0, 4): 8, (4, 12): 4}
POSITIONS_PER_BEAT = 8
NUM_VELOCITIES = 32
NUM_TEMPOS = 64
TEMPO_RANGE = (40, 250)
TIME_SIGNATURES: tuple[tuple[int, int], ...] = (
    (2, 4),
    (3, 4),
    (4, 4),
    (5, 4),
    (6, 4),
    (3, 8),
    (5, 8),
    (6, 8),
    (7, 8),
    (9, 8),
    (12, 8),
)

# Generation defaults.
DEFAULT_BARS = 8
DEFAULT_TEMPERATURE = 1.0
DEFAULT_TOP_K = 40
DEFAULT_TOP_P = 0.95
DEFAULT_CFG = 3.0
DEFAULT_KEY_STRENGTH = 3.0  # when a key is asked for: out-of-scale penalty; tonic-chord lifts (grammar.tonic_lift)
DEFAULT_MELODY_SHAPE = 6.0  # a melody instrument's pull towards stepwise lines (pulls.MelodyPull); 0: off
DEFAULT_VARIATION = 0.2  # how much returning sections vary: new melodies, then new bars (form.FormPlan); 0: verbatim
DEFAULT_NUDGE_AFTER = 4  # silent bars after which a requested instrument is nudged back in; 0: never
MAX_BARS = 256
MAX_SECONDS = 600.0
MAX_INSTRUMENTS = 8

# Rendering.
SAMPLE_RATE = 44_100
RENDER_TAIL_SECONDS = 1.0
PEAK_DBFS = -1.0

# Weight formats of the decoding engine (see decoder.py); int8 is the default because it keeps the
# evaluation metrics of fp32 (examples/reports/precision-*.json) at about twice the speed.
PRECISIONS = ("int8", "bf16", "fp32")
DEFAULT_PRECISION = "int8"

# The raw-audio backend (audio_backend.py): Meta's MusicGen through transformers.
DEFAULT_MUSICGEN_MODEL = "facebook/musicgen-small"
DEFAULT_MUSICGEN_DURATION = 8.0  # seconds
DEFAULT_MUSICGEN_CFG = 3.0  # audiocraft's guidance scale
DEFAULT_MUSICGEN_TOP_K = 250  # audiocraft's top-k
