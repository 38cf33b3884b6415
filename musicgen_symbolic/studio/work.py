"""What a job does: generate or continue, then write each take's MIDI and WAV; and the files made on request
(stems as a zip, MusicXML, an uploaded file's WAV). Requests are checked here before they are queued, so that bad
input is answered at once with the :class:`MusicGenError`'s line."""

from __future__ import annotations

import shutil
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import MusicGenError
from ..prompt import AttributeOverrides
from ..settings import GenerationSettings
from ..vocabulary import Attributes
from .jobs import Job
from .limits import Limits
from .roll import roll_of
from .takes import MIDI, MUSICXML, STEMS, WAV, Take, TakeStore

FIELDS = ("tempo", "key", "time_signature", "instruments", "bars", "chords", "form", "genre", "mood")
SAMPLING = ("temperature", "cfg", "key_strength", "seed")
_exporting = threading.Lock()  # stems and scores are made one at a time


@dataclass
class Studio:
    """The generator (loaded on the first job when not given), the takes and the limits the routes share."""

    store: TakeStore
    limits: Limits
    generator: object | None = None  # a MusicGenSymbolic
    model: str | Path | None = None
    soundfont: str | Path | None = None

    def loaded(self):  # noqa: ANN201 (a MusicGenSymbolic: its import is heavy)
        if self.generator is None:
            from ..pipeline import MusicGenSymbolic

            self.generator = MusicGenSymbolic.from_pretrained(self.model)
        return self.generator


# ---------------------------------------------------------------------------- the fields the page shows
def understood(attributes: Attributes) -> dict[str, str]:
    """The attributes as the page's fields show them: text that the same field, sent back, reads as the same."""
    data = attributes.to_dict()
    out = {}
    for name in FIELDS:
        value = data.get(name)
        if value is None:
            out[name] = ""
        elif isinstance(value, list):
            out[name] = ", ".join(value)
        elif isinstance(value, float):
            out[name] = f"{round(value, 2):g}"
        else:
            out[name] = str(value)
    if attributes.bars is None and attributes.seconds is not None:
        out["seconds"] = f"{attributes.seconds:g}"
    return out


def overrides_of(fields: dict[str, object] | None) -> dict[str, object]:
    """The fields the person filled in or corrected, as :class:`AttributeOverrides` keywords (blank: not given)."""
    out: dict[str, object] = {}
    for name, value in (fields or {}).items():
        if name not in FIELDS:
            raise MusicGenError(f"unknown field {name!r}: the fields are {', '.join(FIELDS)}")
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if name == "bars":
            text = str(value).strip()
            if not text.isdigit():
                raise MusicGenError(f"bars must be a whole number, got {value!r}")
            value = int(text)
        elif not isinstance(value, str | int | float) or isinstance(value, bool):
            raise MusicGenError(f"{name} must be text, got {value!r}")
        out[name] = value.strip() if isinstance(value, str) else value
    return out


def settings_of(sampling: dict[str, object], candidates: int, limits: Limits) -> GenerationSettings:
    if isinstance(candidates, bool) or not isinstance(candidates, int) or not 1 <= candidates <= limits.max_candidates:
        raise MusicGenError(f"candidates must be 1–{limits.max_candidates}, got {candidates!r}")
    given = {k: v for k, v in sampling.items() if k in SAMPLING and v is not None}
    return GenerationSettings(num_samples=candidates, **given)


def check_length(attributes: Attributes, limits: Limits) -> None:
    if attributes.bars is not None and attributes.bars > limits.max_bars:
        raise MusicGenError(f"{attributes.bars} bars asked for: the studio makes at most {limits.max_bars} at a time")
    if attributes.seconds is not None and attributes.seconds > limits.max_seconds:
        raise MusicGenError(
            f"{attributes.seconds:g} seconds asked for: the studio makes at most {limits.max_seconds:g} s at a time"
        )


def parse(prompt: str, fields: dict | None = None) -> dict[str, str]:
    if not isinstance(prompt, str) or not prompt.strip():
        raise MusicGenError("the prompt is empty: describe the music, e.g. 'a calm piano piece in D minor'")
    return understood(AttributeOverrides(**overrides_of(fields)).resolve(prompt))


# ---------------------------------------------------------------------------- jobs
def generate_job(studio: Studio, prompt: str, fields: dict | None, sampling: dict, candidates: int):  # noqa: ANN201
    """Check a generate request now; return the work its job does."""
    overrides = overrides_of(fields)
    if not isinstance(prompt, str) or not prompt.strip():
        raise MusicGenError("the prompt is empty: describe the music, e.g. 'a calm piano piece in D minor'")
    asked = AttributeOverrides(**overrides).resolve(prompt)
    check_length(asked, studio.limits)
    settings = settings_of(sampling, candidates, studio.limits)

    def work(job: Job) -> None:
        job.tracker.stage = "generating"
        results = studio.loaded().generate_many(prompt, settings, progress=job.tracker, **overrides)
        for index, result in enumerate(results):
            job.tracker.stage = f"rendering {index + 1}/{len(results)}"
            take = studio.store.new("generate", prompt=prompt, settings=_settings_dict(settings, index))
            job.takes.append(_finish(studio, take, result.midi, result.attributes))

    return work


def continue_job(studio: Studio, source_id: str, ending: bool, sampling: dict, bars: int | None = None):  # noqa: ANN201
    """Check a continue (or another ending) request now; return the work its job does."""
    from ..continuation import check_continuable
    from ..midi_io import load_midi

    source = studio.store.get(source_id)
    if source is None or MIDI not in source.files:
        raise LookupError(f"no take {source_id!r}")
    midi = load_midi(source.path(MIDI), markers=True)
    limits = studio.limits
    from_bar = None
    if ending:
        _, file_bars, _ = check_continuable(midi)
        if file_bars < 2:
            raise MusicGenError("the take has 1 bar: too short for another ending (continue it instead)")
        from_bar = max(2, file_bars - limits.ending_bars + 1)
    else:
        bars = limits.continue_bars if bars is None else bars
        if isinstance(bars, bool) or not isinstance(bars, int) or not 1 <= bars <= limits.max_bars:
            raise MusicGenError(f"bars must be 1–{limits.max_bars}, got {bars!r}")
    check_continuable(midi, from_bar)
    settings = settings_of(sampling, 1, limits)
    overrides: dict[str, object] = {"bars": bars} if bars is not None else {}
    for name in ("genre", "mood"):  # what the source was asked to be, where the file cannot say
        value = source.meta.get("attributes", {}).get(name)
        if value:
            overrides[name] = value
    kind = "ending" if ending else "continue"

    def work(job: Job) -> None:
        job.tracker.stage = "generating"
        result = studio.loaded().continue_midi(
            midi, "", settings, from_bar=from_bar, progress=job.tracker, **overrides
        )[0]
        job.tracker.stage = "rendering 1/1"
        take = studio.store.new(
            kind, prompt=source.meta.get("prompt", ""), parent=source.id, settings=_settings_dict(settings, 0)
        )
        job.takes.append(_finish(studio, take, result.midi, result.attributes, result.primer.join_time))

    return work


def _settings_dict(settings: GenerationSettings, index: int) -> dict:
    data = {name: getattr(settings, name) for name in SAMPLING}
    if settings.seed is not None:
        data["seed"] = settings.seed
        data["candidate"] = index + 1
    return data


def _finish(studio: Studio, take: Take, midi, attributes: Attributes, join: float | None = None) -> dict:  # noqa: ANN001
    """Write a take's MIDI and WAV, remember what the page shows of it; its description."""
    from ..midi_io import save_midi
    from ..render import render_midi

    save_midi(midi, take.path(MIDI))
    take.files.add(MIDI)
    render_midi(take.path(MIDI), take.path(WAV), studio.soundfont)
    take.files.add(WAV)
    take.meta["attributes"] = understood(attributes)
    take.meta["roll"] = roll_of(midi, studio.limits.max_roll_notes, join)
    return describe(take, roll=True)


def add_upload(studio: Studio, data: bytes, name: str) -> dict:
    """A MIDI file sent by the page, as a take to continue from: read only by ``load_midi``, refused when it cannot
    be continued or is too long to render here."""
    from ..continuation import check_continuable
    from ..midi_io import load_midi

    take = studio.store.new("upload", prompt="", name=_plain_name(name))
    try:
        take.path(MIDI).write_bytes(data)
        try:
            midi = load_midi(take.path(MIDI), markers=True)
            check_continuable(midi)
        except MusicGenError as error:
            raise MusicGenError(str(error).replace(str(take.path(MIDI)), "the uploaded file")) from None
        if midi.get_end_time() > studio.limits.max_seconds * 4:
            raise MusicGenError(
                f"the uploaded file lasts {midi.get_end_time():.0f} s: at most {studio.limits.max_seconds * 4:g} s"
            )
    except BaseException:
        studio.store.forget(take)
        raise
    take.files.add(MIDI)
    take.meta["attributes"] = {}
    take.meta["roll"] = roll_of(midi, studio.limits.max_roll_notes)
    return describe(take, roll=True)


def _plain_name(name: str) -> str:
    """The uploaded file's name for display only (never a path here)."""
    base = str(name or "upload.mid").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in base if c.isprintable())[:80] or "upload.mid"


def describe(take: Take, roll: bool = False) -> dict:
    out = {
        "id": take.id,
        "kind": take.kind,
        "created": take.created,
        "prompt": take.meta.get("prompt", ""),
        "name": take.meta.get("name"),
        "parent": take.meta.get("parent"),
        "attributes": take.meta.get("attributes", {}),
        "settings": take.meta.get("settings", {}),
        "duration": take.meta.get("roll", {}).get("duration"),
        "bars": len(take.meta.get("roll", {}).get("bars", [])),
        "files": {kind: f"/api/files/{take.id}/{name}" for name, kind in _FILE_KINDS.items()},
    }
    if roll:
        out["roll"] = take.meta.get("roll")
    return out


_FILE_KINDS = {MIDI: "midi", WAV: "wav", STEMS: "stems", MUSICXML: "musicxml"}


# ---------------------------------------------------------------------------- files made on request
def ensure_file(studio: Studio, take: Take, name: str) -> Path:
    """The take's file ``name`` (one of ``takes.FILES``), made now from its MIDI if it was not yet."""
    path = take.path(name)
    if name in take.files and path.is_file():
        return path
    with _exporting, take.lock:
        if name in take.files and path.is_file():
            return path
        midi_path = take.path(MIDI)
        if name == WAV:
            from ..render import render_midi

            render_midi(midi_path, path, studio.soundfont)
        elif name == STEMS:
            _zip_stems(studio, take, midi_path, path)
        elif name == MUSICXML:
            from ..export import write_musicxml

            write_musicxml(midi_path, path, title=take.meta.get("prompt") or take.meta.get("name") or None)
        take.files.add(name)
    return path


def _zip_stems(studio: Studio, take: Take, midi_path: Path, path: Path) -> None:
    from ..export import write_stems

    folder = take.folder / "stems"
    shutil.rmtree(folder, ignore_errors=True)
    try:
        written = write_stems(midi_path, folder, studio.soundfont)
        partial = path.with_name(path.name + ".part")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in written:
                archive.write(file, f"stems/{file.name}")
        partial.replace(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
