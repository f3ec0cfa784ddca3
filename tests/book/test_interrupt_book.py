"""A real ``kzperception rerun`` signalled at several points leaves no process and no partial book
(issue 19; marked ``book``). tests/commands/test_interrupt.py drives the same handler with a
stand-in body."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from helpers.interrupts import wait_for


def _synthetic_corpus(folder: Path) -> Path:
    """A small labelled synthetic corpus written by the project's own generator."""
    subprocess.run(
        [sys.executable, "-m", "kzperception.cli", "synth", "--out", str(folder), "--seed", "3"],
        check=True,
        capture_output=True,
    )
    return folder


@pytest.mark.book
@pytest.mark.parametrize(("signum", "delay"), [(signal.SIGTERM, 0.0), (signal.SIGINT, 4.0), (signal.SIGTERM, 12.0)])
def test_a_signalled_rerun_leaves_no_process_and_no_partial_book(tmp_path, signum, delay):
    """The default chapter set (ten chapters on a two-partner corpus) runs far longer than the
    latest signal, so every case interrupts a build in progress on a fast machine too."""
    corpus = _synthetic_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kzperception.cli",
            "rerun",
            "--corpus",
            str(corpus),
            "--out",
            str(out),
            "--start",
            "2020-08-24",
            "--pivot",
            "2022-02-24",
            "--end",
            "2023-08-24",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    parent = psutil.Process(proc.pid)
    wait_for(lambda: len(parent.children(recursive=True)) >= 2, timeout=120)  # a worker and its kernel
    time.sleep(delay)
    tree = [p.pid for p in parent.children(recursive=True)]
    t0 = time.monotonic()
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert time.monotonic() - t0 < 10
    assert proc.returncode == {signal.SIGINT: 130, signal.SIGTERM: 143}[signum], err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert lines == [
        f"error: interrupted by {signal.Signals(signum).name}: {out} left as it was; no partial "
        "book written, the temporary build folder removed"
    ], err[-2000:]
    assert "Traceback" not in err
    alive = [pid for pid in tree if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert alive == [], alive
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]  # no temporary build folder beside OUT
