"""musicgen-symbolic: text → multi-track MIDI (and WAV through a SoundFont)."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["MusicGenSymbolic", "MusicGenError", "Attributes", "parse_prompt", "render_midi", "__version__"]


def __getattr__(name: str):  # noqa: ANN202
    """Import lazily so that `musicgen-symbolic --help` and `render` never import torch."""
    if name == "MusicGenSymbolic":
        from .pipeline import MusicGenSymbolic

        return MusicGenSymbolic
    if name == "MusicGenError":
        from .errors import MusicGenError

        return MusicGenError
    if name == "Attributes":
        from .vocabulary import Attributes

        return Attributes
    if name == "parse_prompt":
        from .prompt import parse_prompt

        return parse_prompt
    if name == "render_midi":
        from .render import render_midi

        return render_midi
    raise AttributeError(f"module 'musicgen_symbolic' has no attribute {name!r}")
