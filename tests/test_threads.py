"""The thread policy: a shared CPU slows generation gracefully (benchmarks/threads.py measures it)."""

import os

import pytest

from musicgen_symbolic import threads
from musicgen_symbolic.errors import MusicGenError


@pytest.mark.parametrize("load,expected", [(0.0, 2), (0.9, 1), (1.5, 1), (6.0, 1)])
def test_auto_takes_the_cores_the_load_leaves_free(monkeypatch, load, expected):
    monkeypatch.setattr(threads, "cores", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    assert threads.choose_threads("auto") == expected


def test_auto_never_takes_more_than_its_cap(monkeypatch):
    monkeypatch.setattr(threads, "cores", lambda: 64)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert threads.choose_threads("auto") == threads.MAX_AUTO_THREADS


def test_a_number_or_the_environment_decides(monkeypatch):
    assert threads.choose_threads(3) == 3 and threads.choose_threads("2") == 2
    monkeypatch.setenv(threads.ENV_THREADS, "1")
    assert threads.choose_threads() == 1


@pytest.mark.parametrize("bad", ["0", "-2", "two", "1.5", True, 0])
def test_a_bad_setting_is_a_clear_error(bad):
    with pytest.raises(MusicGenError, match="threads must be a whole number ≥ 1 or 'auto'"):
        threads.choose_threads(bad)


def test_the_cli_refuses_a_bad_thread_count_before_loading(capsys, tmp_path):
    from musicgen_symbolic.cli import main

    code = main(["generate", "jazz", "-o", str(tmp_path / "x.mid"), "--threads", "many", "--model", str(tmp_path)])
    assert code == 2 and "threads must be a whole number" in capsys.readouterr().err


def test_the_cli_applies_the_thread_count(capsys, tmp_path, tiny_model_dir):
    import torch

    from musicgen_symbolic.cli import main

    before = torch.get_num_threads()
    try:
        argv = ["generate", "jazz", "-o", tmp_path / "x.mid", "--threads", 1, "--bars", 1, "-q"]
        assert main([str(a) for a in [*argv, "--model", tiny_model_dir]]) == 0, capsys.readouterr().err
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
