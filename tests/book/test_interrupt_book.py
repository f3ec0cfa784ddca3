"""A real ``kzperception rerun`` signalled at several points leaves no process and no partial book
(issue 19; marked ``book``). tests/commands/test_interrupt.py drives the same handler with a
stand-in body."""

from __future__ import annotations

import contextlib
import glob
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

from kzperception.book import warm_kernel
from kzperception.book.rerun import plan


def _synthetic_corpus(folder: Path) -> Path:
    """A small labelled synthetic corpus written by the project's own generator."""
    subprocess.run(
        [sys.executable, "-m", "kzperception.cli", "synth", "--out", str(folder), "--seed", "3"],
        check=True,
        capture_output=True,
    )
    return folder


#: The window both tests rerun the synthetic corpus on.
WINDOW = ("2020-08-24", "2022-02-24", "2023-08-24")


def _rerun_command(corpus: Path, out: Path) -> list[str]:
    start, pivot, end = WINDOW
    command = [sys.executable, "-m", "kzperception.cli", "rerun", "--corpus", str(corpus), "--out", str(out)]
    return [*command, "--start", start, "--pivot", pivot, "--end", end]


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
    chapters = plan(corpus, *WINDOW, out).chapters  # the chapters the rerun below executes
    proc = subprocess.Popen(
        _rerun_command(corpus, out),
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


@pytest.mark.book
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_a_rerun_killed_outright_leaves_no_process_and_the_next_rerun_sweeps_its_folder(tmp_path):
    """SIGKILL (or the out-of-memory killer) runs none of the command's clean-up: what it started
    must end by itself. Before the parent-death signals, its two pool workers, their zygotes and
    its prepared Jupyter Book process waited forever, parented to init. The build folder it left
    beside OUT is swept by the next rerun into the same OUT."""
    corpus = _synthetic_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    command = _rerun_command(corpus, out)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)  # type: ignore[arg-type]
    reader.start()
    parent = psutil.Process(proc.pid)
    tree: dict[int, psutil.Process] = {}
    try:
        wait_for(lambda: any(line.startswith("finished ") for line in list(lines)), timeout=120, what="a chapter")
        assert not any(line.startswith("chapters:") for line in lines), "the rerun ended before the kill"
        tree = {p.pid: p for p in parent.children(recursive=True)}
        assert len(tree) >= 4, tree  # the Jupyter Book process, two workers, a zygote or a kernel
        proc.kill()
        proc.wait(timeout=10)

        def alive() -> list[int]:
            return [pid for pid, p in tree.items() if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]

        with contextlib.suppress(AssertionError):
            wait_for(lambda: not alive(), timeout=10)
        assert alive() == [], [tree[pid].cmdline()[-3:] for pid in alive()]
    finally:  # a failing run must not leave its processes behind
        for p in tree.values():
            with contextlib.suppress(psutil.Error):
                p.kill()
    left = [p.name for p in tmp_path.iterdir() if p.name != "corpus"]
    assert len(left) == 1 and left[0].startswith(".out."), left  # the killed build's folder beside OUT
    sockets = glob.glob(os.path.join(warm_kernel.SOCKET_BASE, f"kzp-{proc.pid}-*"))
    assert sockets, "the killed command's folder of kernel sockets"
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "out"]
    assert [s for s in sockets if os.path.exists(s)] == []  # swept by the next command
