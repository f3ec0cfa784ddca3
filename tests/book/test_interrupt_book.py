"""A real ``kzperception rerun`` signalled at several points leaves no process and no partial book
(issue 19; marked ``book``). tests/commands/test_interrupt.py drives the same handler with a
stand-in body."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from helpers.interrupts import wait_for

from kzperception.book.rerun import plan


def _synthetic_corpus(folder: Path) -> Path:
    """A small labelled synthetic corpus written by the project's own generator."""
    subprocess.run(
        [sys.executable, "-m", "kzperception.cli", "synth", "--out", str(folder), "--seed", "3"],
        check=True,
        capture_output=True,
    )
    return folder


@pytest.mark.book
@pytest.mark.parametrize(
    ("signum", "moment"), [(signal.SIGTERM, "start"), (signal.SIGINT, "executing"), (signal.SIGTERM, "building")]
)
def test_a_signalled_rerun_leaves_no_process_and_no_partial_book(tmp_path, signum, moment):
    """The signal is sent at a point of the rerun's own progress, not after a fixed delay (a fast rerun
    once finished before a 12 s signal): as the first worker's kernel starts, after the first chapter
    has finished while others execute, and after the last chapter has finished, while Jupyter Book
    builds the pages."""
    corpus = _synthetic_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    window = ("2020-08-24", "2022-02-24", "2023-08-24")
    chapters = plan(corpus, *window, out).chapters  # the chapters the rerun below executes
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
            window[0],
            "--pivot",
            window[1],
            "--end",
            window[2],
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)  # type: ignore[arg-type]
    reader.start()

    def finished() -> int:
        return sum(line.startswith("finished ") for line in list(lines))

    parent = psutil.Process(proc.pid)
    wait_for(lambda: len(parent.children(recursive=True)) >= 2, timeout=120)  # a worker and its kernel
    if moment == "executing":
        wait_for(lambda: finished() >= 1, timeout=120, what="the first chapter to finish")
    elif moment == "building":
        wait_for(lambda: finished() >= len(chapters), timeout=180, what="the last chapter to finish")
    assert not any(line.startswith("chapters:") for line in lines), "the rerun ended before the signal"
    tree = [p.pid for p in parent.children(recursive=True)]
    t0 = time.monotonic()
    proc.send_signal(signum)
    proc.wait(timeout=60)
    assert time.monotonic() - t0 < 10
    reader.join(timeout=10)
    err = "".join(lines)
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
