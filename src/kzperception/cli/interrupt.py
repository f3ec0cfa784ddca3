"""Ctrl-C and SIGTERM during a long command: every child stopped, nothing half-written, one line.

A build runs chapters in pool workers, each with a Jupyter kernel; a PDF drives Chromium; Jupyter
Book runs as a subprocess. Python's default reaction to SIGINT (a ``KeyboardInterrupt`` wherever
the main thread happens to be) leaves those processes running, and SIGTERM kills the command
without running a single ``finally``, so temporary folders stay behind too. :func:`interruptible`
replaces both for the length of a command:

1. the first SIGINT or SIGTERM stops every descendant process (SIGTERM, then SIGKILL to whatever
   is still alive after :data:`GRACE` seconds), so the whole tree is gone within 10 s;
2. it then raises :class:`Interrupted` in the main thread, a ``BaseException`` that no
   ``except Exception`` swallows, so each ``finally`` and context manager on the way out removes
   its temporary files (the command's own atomic writes mean the earlier output was never touched);
3. a second signal during that clean-up is ignored; the command prints one line saying what was
   kept and exits 130 (SIGINT) or 143 (SIGTERM), the shell's codes for those signals (through
   ``SystemExit``, so a typer command and ``python -m kzperception.book.pdf`` end alike).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from types import FrameType

from kzperception.cli.common import error

#: Seconds children get to exit after SIGTERM before they are killed.
GRACE = 3.0
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Interrupted(BaseException):
    """The command was stopped by a signal; ``signum`` is the signal."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def stop_children(grace: float = GRACE) -> list[int]:
    """Stop every descendant of this process: SIGTERM, then SIGKILL after ``grace`` s. Returns their ids.

    Children are listed before any is signalled, so a kernel whose pool worker dies first is
    still found (it would be re-parented to init and escape a second look).
    """
    import psutil

    try:
        children = psutil.Process().children(recursive=True)
    except psutil.Error:
        return []
    for child in children:
        with suppress(psutil.Error):
            child.terminate()
    _, alive = psutil.wait_procs(children, timeout=grace)
    for child in alive:
        with suppress(psutil.Error):
            child.kill()
    psutil.wait_procs(alive, timeout=grace)
    return [c.pid for c in children]


@contextmanager
def interruptible(kept: str | Callable[[], str]) -> Iterator[None]:
    """Run a command's body so that SIGINT/SIGTERM end it cleanly (see the module's docstring).

    ``kept`` says what the user still has, e.g. ``"OUT left as it was; no partial book written"``
    (a callable is asked only when a signal came). Outside the main thread, does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        if fired:
            return  # already stopping: let the clean-up finish
        fired.append(signum)
        for sig in EXIT_CODES:
            signal.signal(sig, signal.SIG_IGN)
        stop_children()
        raise Interrupted(signum)

    previous = {sig: signal.signal(sig, handler) for sig in EXIT_CODES}
    try:
        yield
    except Interrupted as stop:
        stop_children(grace=0.5)  # anything started while unwinding
        what = kept() if callable(kept) else kept
        error(f"interrupted by {signal.Signals(stop.signum).name}: {what}")
        raise SystemExit(EXIT_CODES[signal.Signals(stop.signum)]) from None
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def os_error_line(err: OSError, fallback: object = "") -> str:
    """An OS error as one line naming the file and the errno: ``PATH: No space left on device (ENOSPC)``."""
    import errno as errno_names

    where = err.filename or fallback or "?"
    code = f" ({errno_names.errorcode.get(err.errno, err.errno)})" if err.errno else ""
    return f"{os.fsdecode(where) if isinstance(where, bytes) else where}: {err.strerror or err}{code}"
