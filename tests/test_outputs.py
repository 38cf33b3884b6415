"""Outputs all or nothing: a failure or an interrupt leaves the user's previous files exactly as they were."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from musicgen_symbolic.cli import main
from musicgen_symbolic.errors import MusicGenError
from musicgen_symbolic.outputs import Outputs, remove_stale


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


def test_a_failed_wav_leaves_the_previous_midi_byte_identical(capsys, tmp_path, tiny_model_dir):
    (tmp_path / "song.mid").write_bytes(b"the user's previous song")
    (tmp_path / "broken.sf2").write_bytes(b"RIFF not a soundfont")
    argv = ["generate", "jazz", "-o", tmp_path / "song.mid", "--wav", tmp_path / "song.wav", "--bars", 1, "-q"]
    code = main([str(a) for a in [*argv, "--soundfont", tmp_path / "broken.sf2", "--model", tiny_model_dir]])
    err = capsys.readouterr().err
    assert code != 0 and err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert (tmp_path / "song.mid").read_bytes() == b"the user's previous song"
    assert _files(tmp_path) == ["broken.sf2", "song.mid"]


def test_every_take_name_is_checked_before_generating(capsys, tmp_path, tiny_model_dir):
    (tmp_path / "take_2.mid").mkdir()
    argv = ["generate", "jazz", "-o", tmp_path / "take.mid", "--num-samples", 2, "--model", tiny_model_dir, "-q"]
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert code != 0 and "take_2.mid is a folder" in err
    assert _files(tmp_path) == ["take_2.mid"]


def test_outputs_commit_together_or_not_at_all(tmp_path):
    (tmp_path / "a.mid").write_bytes(b"old a")
    with pytest.raises(MusicGenError, match="render failed"), Outputs() as outputs:
        outputs.stage(tmp_path / "a.mid").write_bytes(b"new a")
        outputs.stage(tmp_path / "b.wav").write_bytes(b"new b")
        raise MusicGenError("render failed")
    assert _files(tmp_path) == ["a.mid"] and (tmp_path / "a.mid").read_bytes() == b"old a"
    with Outputs() as outputs:
        staged = outputs.stage(tmp_path / "a.mid")
        assert staged.suffix == ".mid" and staged.name.startswith(f".a.mid.{os.getpid()}.")
        staged.write_bytes(b"new a")
        outputs.stage(tmp_path / "b.wav").write_bytes(b"new b")
    assert _files(tmp_path) == ["a.mid", "b.wav"] and (tmp_path / "a.mid").read_bytes() == b"new a"


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_temporary_files_of_a_killed_run_are_removed_by_the_next(tmp_path):
    stale = tmp_path / f".song.mid.{_dead_pid()}.abc123.part.mid"
    older_style = tmp_path / f".song.wav.{_dead_pid()}.x_y1.part"
    mine = tmp_path / f".song.mid.{os.getpid()}.def456.part.mid"
    someone_elses = tmp_path / ".song.mid.notours.part"
    for path in (stale, older_style, mine, someone_elses):
        path.write_bytes(b"")
    assert sorted(remove_stale(tmp_path)) == sorted([stale, older_style])
    assert _files(tmp_path) == sorted([mine.name, someone_elses.name])


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_before_the_rename_leaves_the_old_files_and_no_temporary(tmp_path, signum):
    """The process is signalled after both files are written, just before they would be renamed into place."""
    (tmp_path / "song.mid").write_bytes(b"old midi")
    script = textwrap.dedent(f"""
        import os, sys
        from pathlib import Path
        from musicgen_symbolic.outputs import Outputs, interruptible
        folder = Path({str(tmp_path)!r})
        try:
            with interruptible(), Outputs() as outputs:
                outputs.stage(folder / "song.mid").write_bytes(b"new midi")
                outputs.stage(folder / "song.wav").write_bytes(b"new wav")
                os.kill(os.getpid(), {int(signum)})
                outputs.commit()
        except KeyboardInterrupt:
            sys.exit(130)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 130, done.stderr
    assert _files(tmp_path) == ["song.mid"] and (tmp_path / "song.mid").read_bytes() == b"old midi"
