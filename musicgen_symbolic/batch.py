"""One piece per line of a prompt file, into a folder, resumably (``generate --prompts FILE --out-dir DIR``).

Input: ``.txt``, a prompt a line (blank lines and lines starting with ``#`` skipped), or ``.jsonl``, a JSON object a
line: ``prompt`` (required), optional ``id`` and ``seed``, any :class:`AttributeOverrides` field (``tempo``, ``key``,
``bars`` …) and any :class:`GenerationSettings` field but ``num_samples`` (``temperature``, ``cfg`` …); a ``null``
value is the same as leaving the field out. The file is read a line at a time, so its length costs no memory
beyond one entry per id (for the uniqueness check and the manifest's finished ids).

Items are the file's prompt lines, numbered 1, 2, … in order, whether or not the line is valid; blank lines and
comments are not items. An item's id is its ``id`` field, else its number, zero-padded: ``0001``. Numbering by item
rather than by line keeps ids when comments are added; fixing a bad line shifts no other id. Its seed is its
``seed`` field, else the base seed (``settings.seed``, else 0) plus its number minus one, so a rerun makes the
same MIDI bytes.

Each item writes ``DIR/<id>.mid`` (and ``.wav``, ``.png``) all or nothing (:class:`outputs.Outputs`), then appends
one row, flushed and fsynced, to ``DIR/manifest.csv``. A rerun reads the manifest first: a row whose files are
all there marks its item done (skipped); a row whose files are not (deleted, or ``wav`` asked for now) is dropped,
as is a duplicate row or the torn last line of a run killed mid-write, with one rewrite of the manifest; every
other item is generated again, its files replacing any left by a run killed between writing them and their row.
So each file exists once and each item has one row, whenever a run stops.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import MusicGenError
from .midi_io import save_midi, write_atomic
from .outputs import Outputs, interruptible
from .prompt import AttributeOverrides
from .settings import GenerationSettings, split_options
from .vocabulary import Attributes

if TYPE_CHECKING:
    from .pipeline import GenerationResult, MusicGenSymbolic

MANIFEST = "manifest.csv"
COLUMNS = ("id", "prompt", "seed", "attributes", "files", "seconds")
SUFFIXES = (".txt", ".jsonl")
ID_PATTERN = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}")  # a file name anywhere: no separator, no leading dot
ATTRIBUTE_FIELDS = tuple(f.name for f in fields(AttributeOverrides))
SETTING_FIELDS = tuple(name for name in GenerationSettings.names() if name not in ("num_samples", "seed"))
LENGTHS = ("bars", "seconds")
LINE_FIELDS = frozenset({"prompt", "id", "seed", *ATTRIBUTE_FIELDS, *SETTING_FIELDS})


def _to_stderr(message: str) -> None:
    from tqdm import tqdm

    tqdm.write(message, file=sys.stderr)  # between, not through, a progress bar's redraws


@dataclass(frozen=True)
class BatchItem:
    """One valid prompt line. ``number``: its place among the items (1, 2, …); ``options``: its attributes and
    settings, as given."""

    line: int
    number: int
    id: str
    prompt: str
    seed: int | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BadLine:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class BatchSummary:
    manifest: Path
    generated: int = 0
    skipped: int = 0  # done by an earlier run
    failed: int = 0

    def __str__(self) -> str:
        return (
            f"generated {self.generated}, skipped {self.skipped} (already done), failed {self.failed}; "
            f"manifest: {self.manifest}"
        )


# ---------------------------------------------------------------------------------------------------- reading
def check_batch(prompts_file: Path, out_dir: Path, overrides: dict[str, Any] | None = None) -> None:
    """Refuse a prompt file, output folder or overrides that would fail every line, before any model loads."""
    prompts_file, out_dir = Path(prompts_file), Path(out_dir)
    if prompts_file.suffix.lower() not in SUFFIXES:
        raise MusicGenError(f"prompt file {prompts_file} should end in .txt (a prompt a line) or .jsonl (JSON lines)")
    if not prompts_file.is_file():
        raise MusicGenError(f"no such prompt file: {prompts_file}")
    if next(_prompt_lines(prompts_file, prompts_file.suffix.lower() == ".jsonl"), None) is None:
        raise MusicGenError(f"{prompts_file} holds no prompts")
    if out_dir.exists() and not out_dir.is_dir():
        raise MusicGenError(f"output folder {out_dir} is a file: give a folder")
    unknown = sorted(set(overrides or {}) - set(ATTRIBUTE_FIELDS))
    if unknown:
        raise MusicGenError(f"unknown attribute {unknown[0]!r}; the attributes are {', '.join(ATTRIBUTE_FIELDS)}")
    AttributeOverrides(**(overrides or {})).apply(Attributes())  # the flags alone: a prompt may only add


def read_prompts(path: Path) -> Iterator[BatchItem | BadLine]:
    """The file's items in order, read a line at a time; an invalid line is a :class:`BadLine`, never an error."""
    jsonl = Path(path).suffix.lower() == ".jsonl"
    first_line: dict[str, int] = {}  # casefolded id → its line: 'A' and 'a' are one file on some systems
    for number, (line, text) in enumerate(_prompt_lines(Path(path), jsonl), 1):
        try:
            if text is None:
                raise MusicGenError("not UTF-8 text")
            item = _parse(text, line, number) if jsonl else BatchItem(line, number, _auto_id(number), text)
        except MusicGenError as error:
            yield BadLine(line, str(error))
            continue
        earlier = first_line.setdefault(item.id.casefold(), line)
        yield item if earlier == line else BadLine(line, f"id {item.id!r} is already used on line {earlier}")


def count_prompts(path: Path) -> int:
    """How many items the file holds (one streaming pass, for a progress bar's total)."""
    return sum(1 for _ in _prompt_lines(Path(path), Path(path).suffix.lower() == ".jsonl"))


def _prompt_lines(path: Path, jsonl: bool) -> Iterator[tuple[int, str | None]]:
    """(line number, stripped text) of each item's line; the text is None for a line that is not UTF-8."""
    with path.open("rb") as handle:
        for line, raw in enumerate(handle, 1):
            try:
                text = raw.decode("utf-8-sig" if line == 1 else "utf-8").strip()
            except UnicodeDecodeError:
                yield line, None
                continue
            if text and (jsonl or not text.startswith("#")):
                yield line, text


def _parse(text: str, line: int, number: int) -> BatchItem:
    try:
        record = json.loads(text)
    except ValueError as error:
        raise MusicGenError(f"not valid JSON ({error})") from error
    if not isinstance(record, dict):
        raise MusicGenError('expected a JSON object such as {"prompt": "calm piano", "bars": 8}')
    record = {name: value for name, value in record.items() if value is not None}
    unknown = sorted(set(record) - LINE_FIELDS)
    if unknown:
        raise MusicGenError(_unknown_field(unknown[0]))
    prompt = record.pop("prompt", None)
    if prompt is None or (isinstance(prompt, str) and not prompt.strip()):
        raise MusicGenError("'prompt' is missing or empty")
    if not isinstance(prompt, str):
        raise MusicGenError(f"'prompt' must be text, got {prompt!r}")
    given_id = record.pop("id", None)
    item_id = _auto_id(number) if given_id is None else _check_id(given_id)
    return BatchItem(line, number, item_id, prompt.strip(), record.pop("seed", None), record)


def _unknown_field(name: str) -> str:
    if name == "num_samples":
        return "num_samples: one piece a line (repeat the line, with another seed, for more takes)"
    return (
        f"unknown field {name!r}; a line has 'prompt', and may have 'id', 'seed', an attribute "
        f"({', '.join(ATTRIBUTE_FIELDS)}) or a setting ({', '.join(SETTING_FIELDS)})"
    )


def _auto_id(number: int) -> str:
    return f"{number:04d}"


def _check_id(value: object) -> str:
    if not isinstance(value, str):
        raise MusicGenError(f"'id' must be text, got {value!r}")
    if not ID_PATTERN.fullmatch(value):
        raise MusicGenError(
            f"id {value!r} is not a safe file name: 1–100 letters, digits, '-', '_' or '.', not starting with '.'"
        )
    return value


# ---------------------------------------------------------------------------------------------------- manifest
class Manifest:
    """``DIR/manifest.csv``: one row per finished item, appended (flushed, fsynced) after its files are in place.

    Opening it drops, in one atomic rewrite, the rows that no longer mark a finished item (their files missing, a
    duplicate id, a last line torn by a kill); ``done`` is then the ids of the rows kept. The prompt column holds
    the prompt with line breaks as spaces, so that every row is one line and a torn one is recognisable.
    """

    def __init__(self, path: Path, files_of: Callable[[str], list[str]], report: Callable[[str], None]) -> None:
        self.path = path
        self.done: set[str] = set()
        if not path.is_file() or path.stat().st_size == 0:
            write_atomic(path, lambda tmp: tmp.write_text(_csv_line(COLUMNS), encoding="utf-8"))
            _sync([path])
        else:
            dropped = self._read(files_of)
            if dropped:
                report(f"{path}: {dropped} row(s) whose files are missing or incomplete: generating them again")

    def _read(self, files_of: Callable[[str], list[str]]) -> int:
        """Fill ``done``; rewrite the manifest without the rows that are not done. Returns how many were dropped."""
        folder = self.path.parent
        dropped = 0

        def keep(tmp: Path) -> None:
            nonlocal dropped
            with (
                self.path.open(encoding="utf-8", errors="replace", newline="") as source,
                tmp.open("w", encoding="utf-8") as out,
            ):
                if source.readline() != _csv_line(COLUMNS):
                    raise MusicGenError(f"{self.path} is not a manifest of generate --prompts: choose another folder")
                out.write(_csv_line(COLUMNS))
                for text in source:
                    row = next(csv.reader([text]), [])
                    complete = text.endswith("\n") and len(row) == len(COLUMNS)  # else cut short by a kill
                    if not complete or row[0] in self.done or not _all_files(folder, files_of(row[0])):
                        dropped += 1
                        continue
                    self.done.add(row[0])
                    out.write(text)
            if not dropped:
                raise _Unchanged

        with contextlib.suppress(_Unchanged):
            write_atomic(self.path, keep)
            _sync([self.path])
        return dropped

    def append(self, row: list[str]) -> None:
        with self.path.open("a", encoding="utf-8", newline="") as handle:
            handle.write(_csv_line(row))
            handle.flush()
            os.fsync(handle.fileno())
        self.done.add(row[0])


class _Unchanged(Exception):
    """Raised inside the manifest rewrite when nothing was dropped, so the old file stays (write_atomic)."""


def _all_files(folder: Path, names: list[str]) -> bool:
    return all((folder / name).is_file() for name in names)


def _csv_line(values: list[str] | tuple[str, ...]) -> str:
    from io import StringIO

    buffer = StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


def _sync(paths: list[Path]) -> None:
    """Put ``paths`` and their folder on disk, so that a row never outlives its files in a power cut."""
    for path in [*paths, paths[0].parent]:
        with contextlib.suppress(OSError):  # a folder cannot be opened on some systems
            descriptor = os.open(path, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)


# ---------------------------------------------------------------------------------------------------- generating
@dataclass(frozen=True)
class _ItemFiles:
    """What each item writes and where."""

    folder: Path
    wav: bool = False
    soundfont: str | Path | None = None
    plot: bool = False

    def names(self, item_id: str) -> list[str]:
        suffixes = [".mid", *([".wav"] if self.wav else []), *([".png"] if self.plot else [])]
        return [item_id + suffix for suffix in suffixes]


def generate_batch(
    generator: MusicGenSymbolic,
    prompts_file: Path,
    out_dir: Path,
    settings: GenerationSettings | None = None,
    *,
    wav: bool = False,
    soundfont: str | Path | None = None,
    plot: bool = False,
    overrides: dict[str, Any] | None = None,
    progress: bool = False,
    limit: int | None = None,
    report: Callable[[str], None] = _to_stderr,
) -> BatchSummary:
    """Generate one piece per item of ``prompts_file`` into ``out_dir`` (see the module's docstring), skipping
    those an earlier run finished.

    ``overrides``: attributes (CLI flags) for every line that does not give its own; ``settings``: how to sample
    (default: the generator's); its seed is the base seed. ``limit``: only the file's first ``limit`` items. A bad
    line is reported as ``line N: message`` and counted as failed; a ``KeyboardInterrupt`` (or SIGTERM) stops the
    run, leaving no half-written file, after reporting what was done.
    """
    prompts_file, out_dir = Path(prompts_file), Path(out_dir)
    settings = settings or generator.settings
    overrides = dict(overrides or {})
    _check_options(prompts_file, out_dir, settings, overrides, wav, soundfont, limit)
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = _ItemFiles(out_dir, wav, soundfont, plot)
    with _locked(out_dir), interruptible():
        manifest = Manifest(out_dir / MANIFEST, outputs.names, report)
        summary = BatchSummary(manifest.path)
        bar = _bar(progress, prompts_file, limit)
        try:
            with contextlib.closing(read_prompts(prompts_file)) as entries:
                for entry in _first(entries, limit):
                    _run_item(entry, generator, settings, overrides, outputs, manifest, summary, report)
                    bar.update(1)
        except KeyboardInterrupt:
            report(f"interrupted: {summary} (run the same command again to go on)")
            raise
        finally:
            bar.close()
    return summary


def _check_options(
    prompts_file: Path,
    out_dir: Path,
    settings: GenerationSettings,
    overrides: dict[str, Any],
    wav: bool,
    soundfont: str | Path | None,
    limit: int | None,
) -> None:
    check_batch(prompts_file, out_dir, overrides)
    if settings.num_samples != 1:
        raise MusicGenError("--num-samples: one piece a line with --prompts (repeat a line for more takes)")
    if limit is not None and limit < 1:
        raise MusicGenError(f"--limit must be at least 1, got {limit}")
    if soundfont and not wav:
        raise MusicGenError("--soundfont is used only with --wav: add --wav, or drop it")
    if wav:
        from .render import find_soundfont

        find_soundfont(soundfont)


def _first(entries: Iterator[BatchItem | BadLine], limit: int | None) -> Iterator[BatchItem | BadLine]:
    """The first ``limit`` entries (all without one), reading no further."""
    for count, entry in enumerate(entries, 1):
        yield entry
        if count == limit:
            return


def _run_item(
    entry: BatchItem | BadLine,
    generator: MusicGenSymbolic,
    settings: GenerationSettings,
    overrides: dict[str, Any],
    outputs: _ItemFiles,
    manifest: Manifest,
    summary: BatchSummary,
    report: Callable[[str], None],
) -> None:
    if isinstance(entry, BadLine):
        summary.failed += 1
        report(str(entry))
        return
    if entry.id in manifest.done:
        summary.skipped += 1
        return
    try:
        row = _generate_item(entry, generator, settings, overrides, outputs)
    except MusicGenError as error:  # this line's values, or what they ask for together: the next line may do
        summary.failed += 1
        report(str(BadLine(entry.line, str(error))))
        return
    manifest.append(row)
    summary.generated += 1


def _generate_item(
    item: BatchItem,
    generator: MusicGenSymbolic,
    settings: GenerationSettings,
    overrides: dict[str, Any],
    outputs: _ItemFiles,
) -> list[str]:
    """Generate and write one item; its manifest row. Nothing of the piece is kept once its files are written."""
    changes, attributes = split_options(item.options, GenerationSettings, AttributeOverrides)
    seed = item.seed if item.seed is not None else (settings.seed or 0) + item.number - 1
    chosen = settings.updated(**changes, seed=seed, num_samples=1)
    started = time.perf_counter()
    result = generator.generate_many(item.prompt, chosen, **_merged(overrides, attributes))[0]
    seconds = time.perf_counter() - started
    names = _write(result, item, outputs)
    understood = {name: value for name, value in result.attributes.to_dict().items() if value is not None}
    return [
        item.id,
        " ".join(item.prompt.splitlines()),
        str(chosen.seed),
        json.dumps(understood, ensure_ascii=False, separators=(",", ":"), default=str),
        " ".join(names),
        f"{seconds:.2f}",
    ]


def _merged(overrides: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """The flags' attributes with the line's own in their place; a length in bars or in seconds is one attribute
    (else the flags' ``bars`` would silently win over the line's ``seconds``)."""
    if any(name in own for name in LENGTHS):
        overrides = {name: value for name, value in overrides.items() if name not in LENGTHS}
    return {**overrides, **own}


def _write(result: GenerationResult, item: BatchItem, outputs: _ItemFiles) -> list[str]:
    """The item's files, all or nothing, on disk before its row is written."""
    paths = [outputs.folder / name for name in outputs.names(item.id)]
    with Outputs() as staged:
        midi = save_midi(result.midi, staged.stage(paths[0]))
        for path in paths[1:]:
            if path.suffix == ".wav":
                from .render import render_midi

                render_midi(midi, staged.stage(path), outputs.soundfont)
            else:
                from .plots import plot_midi

                plot_midi(result.midi, staged.stage(path), title=item.prompt)
        written = staged.commit()
    _sync(written)
    return [path.name for path in written]


def _bar(enabled: bool, prompts_file: Path, limit: int | None) -> Any:
    """A bar counting items (done, skipped or failed alike); its total costs one more pass over the file."""
    from tqdm import tqdm

    total = count_prompts(prompts_file) if enabled else None
    if total is not None and limit is not None:
        total = min(total, limit)
    return tqdm(total=total, unit="prompt", desc="generating", disable=not enabled, dynamic_ncols=True)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One run at a time in a folder: two would generate the same items and both append their rows."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock
        yield
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise MusicGenError(
                f"{folder} is in use by another run: wait for it to end, or choose another folder"
            ) from error
        yield
    finally:
        os.close(descriptor)
