"""Waiting for and signalling a command in a child process, shared by the interrupt tests
(tests/commands/test_interrupt_signals.py, tests/commands/test_interrupt_commands.py and their
tests/book companions)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import psutil
from fieldwork_server import ROOT

EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONUNBUFFERED": "1"}


def wait_for(predicate: Callable[[], object], timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) with the sha256 of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def signal_and_check(proc: subprocess.Popen[str], signum: int, kept: str, *, progress: bool = False) -> str:
    """Send ``signum`` to ``proc``; check the exit, the one line, that no process of the run is left.

    With ``progress`` stderr may also hold a progress display (a build's), so only its ``error:``
    lines are compared; otherwise the one line must be all of stderr.
    """
    parent = psutil.Process(proc.pid)
    tree = [p.pid for p in parent.children(recursive=True)]
    t0 = time.monotonic()
    proc.send_signal(signum)
    try:
        _, err = proc.communicate(timeout=30)
    finally:
        for pid in [*tree, proc.pid]:  # a failing run must not leave its children behind
            if psutil.pid_exists(pid) and proc.returncode is None:
                psutil.Process(pid).kill()
    took = time.monotonic() - t0
    assert took < 10, f"took {took:.1f} s"
    assert proc.returncode == EXIT[signum], err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    lines = [line for line in err.splitlines() if line.strip() and (not progress or line.startswith("error:"))]
    assert lines == [f"error: interrupted by {signal.Signals(signum).name}: {kept}"], err[-3000:]
    alive = [pid for pid in tree if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert alive == [], alive
    return err
