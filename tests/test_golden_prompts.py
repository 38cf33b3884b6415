"""Every prompt of ``tests/data/golden_prompts.jsonl`` still parses as recorded.

A parser change that is meant to change parses rewrites the file (``python tests/data/make_golden_prompts.py``);
``git diff`` then shows each prompt whose reading moved.
"""

import importlib.util
import json
from pathlib import Path

DATA = Path(__file__).parent / "data"


def _make_script():
    spec = importlib.util.spec_from_file_location("make_golden_prompts", DATA / "make_golden_prompts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _diff(recorded: dict, got: dict) -> str:
    """What moved: "genre 'jazz' -> None, mood None -> 'calm'"."""
    names = sorted(recorded.keys() | got.keys())
    return ", ".join(f"{n} {recorded.get(n)!r} -> {got.get(n)!r}" for n in names if recorded.get(n) != got.get(n))


def test_golden_prompts_parse_as_recorded():
    reading = _make_script().reading
    records = [json.loads(line) for line in (DATA / "golden_prompts.jsonl").read_text().splitlines() if line.strip()]
    assert len(records) > 2000
    differences = []
    for record in records:
        prompt = record.pop("prompt")
        got = reading(prompt)
        if got != record:
            differences.append(f"{prompt!r}: {_diff(record, got)}")
    shown = "\n".join(differences[:10])
    assert not differences, f"{len(differences)} of {len(records)} prompts read differently:\n{shown}"
