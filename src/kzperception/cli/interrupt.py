"""Ctrl-C and SIGTERM during a long command: every child stopped, nothing half-written, one line.

A build runs chapters in pool workers, each with a Jupyter kernel; a PDF drives Chromium; Jupyter
Book runs as a subprocess. Python's default reaction to SIGINT (a ``KeyboardInterrupt`` wherever
the main thread happens to be) leaves those processes running, and SIGTERM kills the command
without running a single ``finally``, so temporary folders stay behind too. :func:`interruptible`
replaces both for the length of a command:

1. the first SIGINT or SIGTERM stops every process the command started (SIGTERM, then SIGKILL to
   whatever is still alive after :data:`GRACE` seconds), so the whole tree is gone within 10 s.
   "Started" is wider than "descendant": nbclient catches SIGTERM in a pool worker, shuts its kernel
   down and lets the worker take the next chapter, whose new kernel is born during the grace
   period; when the worker is then killed that kernel is re-parented to init and no longer a
   descendant, yet it still writes into the build folder. So the command makes itself the
   *subreaper* of everything it starts (Linux's ``PR_SET_CHILD_SUBREAPER``: an orphaned
   descendant is re-parented to the command, not to init, and stays a descendant), and puts its
   process id in :data:`OWNER_VARIABLE`, which every child it execs inherits, for systems without
   subreapers; the stop looks for both until a look finds nothing alive. The variable alone does
   not find a *forked* process (a pool worker, a zygote, a forked kernel): ``/proc/PID/environ``
   holds only what the last ``exec`` was given, so a kernel forked while its worker was being
   stopped escaped, kept the command's output pipes open and ran on (a CI run's signalled build
   hung on it);
2. it then raises :class:`Interrupted` in the main thread, a ``BaseException`` that no
   ``except Exception`` swallows, so each ``finally`` and context manager on the way out removes
   its temporary files (the command's own atomic writes mean the earlier output was never touched);
3. a second signal during that clean-up is ignored; the command prints one line saying what was
   kept and exits 130 (SIGINT) or 143 (SIGTERM), the shell's codes for those signals (through
   ``SystemExit``, so a typer command and ``python -m kzperception.book.pdf`` end alike).

Every command that writes or runs long uses it, not only those with children: without it SIGTERM
ends ``synth`` silently (exit -15, its temporary corpus folder left beside ``--out``) and Ctrl-C
ends ``reliability`` with no line. :func:`files_kept` words what a command that writes files kept,
:data:`READ_ONLY` is the line of one that only reads, and the ``kzperception`` entry point wraps
the whole command in one more, for the moments around a command's own.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from kzperception.children import subreaper
from kzperception.cli.common import error

if TYPE_CHECKING:
    import psutil

#: Seconds children get to exit after SIGTERM before they are killed.
GRACE = 3.0
#: The environment variable that names the command (its pid) in every process it starts.
OWNER_VARIABLE = "KZPERCEPTION_COMMAND_PID"
#: At most this many rounds of looking for processes started while the previous round stopped theirs.
ROUNDS = 4
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
#: ``kept`` for a command that only reads (``validate``, ``counts``, ``sensitivity``).
READ_ONLY = "nothing written (the command only reads)"
#: How many :func:`interruptible` bodies have run to their end in this process; see :func:`finished`.
_finished: list[None] = []


class Interrupted(BaseException):
    """The command was stopped by a signal; ``signum`` is the signal."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _started_here(owner: str) -> list[psutil.Process]:
    """Every live process whose environment names ``owner`` in :data:`OWNER_VARIABLE`, or that
    descends from this one (a child started with a cleaned environment is still a child)."""
    import psutil

    me = psutil.Process()
    found: dict[int, psutil.Process] = {}
    try:
        for child in me.children(recursive=True):
            found[child.pid] = child
    except psutil.Error:
        pass
    for proc in psutil.process_iter():
        if proc.pid == me.pid or proc.pid in found:
            continue
        try:
            if proc.environ().get(OWNER_VARIABLE) == owner and proc.status() != psutil.STATUS_ZOMBIE:
                found[proc.pid] = proc
        except psutil.Error:
            continue  # gone, or another user's process whose environment we may not read
    return list(found.values())


def _wait(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait up to ``timeout`` s for ``procs`` to end; the ones still alive.

    A pool worker is this process's :mod:`multiprocessing` child, and only multiprocessing may
    collect its exit status: reaped by psutil, the worker's ``is_alive()`` stays true forever, and
    the pool's shutdown on the way out waits for it without end (a signalled build hung so). So
    those are joined through multiprocessing, and psutil waits for the rest.
    """
    import multiprocessing
    import time

    import psutil

    deadline = time.monotonic() + timeout  # one wait for all, however many are joined one by one
    ours = {child.pid: child for child in multiprocessing.active_children()}
    _, alive = psutil.wait_procs([p for p in procs if p.pid not in ours], timeout=timeout)
    for proc in procs:
        child = ours.get(proc.pid)
        if child is not None:
            child.join(max(0.0, deadline - time.monotonic()))
            if child.exitcode is None:
                alive.append(proc)
    return alive


def stop_children(grace: float = GRACE) -> list[int]:
    """Stop every process this command started: SIGTERM, then SIGKILL after ``grace`` s. Returns their ids.

    Processes are listed before any is signalled, so a kernel whose pool worker dies first is
    still found; a kernel a worker starts while being stopped is found in the next round by the
    owner variable (see the module's docstring). Stops after :data:`ROUNDS` rounds at most.
    """
    import psutil

    owner = str(os.getpid())
    stopped: list[int] = []
    for _ in range(ROUNDS):
        procs = _started_here(owner)
        if not procs:
            break
        for proc in procs:
            with suppress(psutil.Error):
                proc.terminate()
        alive = _wait(procs, grace)
        for proc in alive:
            with suppress(psutil.Error):
                proc.kill()
        _wait(alive, grace)
        stopped.extend(p.pid for p in procs)
        grace = min(grace, 1.0)  # later rounds meet only processes born during the first
    return stopped


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
    command = os.getpid()

    def handler(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != command:
            # A forked child (a pool worker before its initializer ran) inherited this handler: the
            # command stops it, so it ends at once, with no traceback and no stop of its own.
            os._exit(128 + signum)
        if fired:
            return  # already stopping: let the clean-up finish
        fired.append(signum)
        for sig in EXIT_CODES:
            signal.signal(sig, signal.SIG_IGN)
        # Stopping reaps the children, so asyncio's child watcher (Playwright's driver under the
        # PDF) finds its process gone and warns "Unknown child process pid N": not the one line.
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
        stop_children()
        raise Interrupted(signum)

    previous = {sig: signal.signal(sig, handler) for sig in EXIT_CODES}
    owner_before = os.environ.get(OWNER_VARIABLE)
    os.environ[OWNER_VARIABLE] = str(os.getpid())
    reaper_before = subreaper(True)
    try:
        yield
        _finished.append(None)
    except Interrupted as stop:
        stop_children(grace=0.5)  # anything started while unwinding
        what = kept() if callable(kept) else kept
        error(f"interrupted by {signal.Signals(stop.signum).name}: {what}")
        raise SystemExit(EXIT_CODES[signal.Signals(stop.signum)]) from None
    finally:
        if reaper_before is False:  # an outer interruptible keeps it on until its own end
            subreaper(False)
        if owner_before is None:
            os.environ.pop(OWNER_VARIABLE, None)
        else:
            os.environ[OWNER_VARIABLE] = owner_before
        for sig, old in previous.items():
            signal.signal(sig, old)


def finished() -> bool:
    """Whether a command's :func:`interruptible` body has run to its end in this process.

    The ``kzperception`` entry point guards the whole command with a last :func:`interruptible`
    (a signal while the arguments are parsed, or while the last line is printed): its message is
    "nothing written" before the body and "finished" after it.
    """
    return bool(_finished)


def _stamps(folder: Path, only: Collection[str] | None) -> dict[str, tuple[int, int, int]]:
    """Inode, modification time and size of the files in ``folder`` (``only`` these names, which
    may be relative paths), so that a file replaced by a rename is told from the one before."""
    names = list(only) if only is not None else []
    if only is None:
        with suppress(OSError):
            names = [p.name for p in folder.iterdir()]
    stamps: dict[str, tuple[int, int, int]] = {}
    for name in names:
        with suppress(OSError):
            st = (folder / name).stat()
            if not (folder / name).is_dir():
                stamps[name] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return stamps


def files_kept(folder: Path, only: Collection[str] | None = None, none: str | None = None) -> Callable[[], str]:
    """A ``kept`` for :func:`interruptible`: the files of ``folder`` the command wrote before the signal.

    The commands write each file (or a corpus folder) whole by a rename, and remove their temporary
    files on the way out, so what the signal leaves is some files new and whole and the rest as
    they were; the line names the new ones (``screening.csv written to OUT before it, whole; the
    rest left as it was``), or says ``none`` (default: nothing written, ``folder`` as it was).
    Looked at when the signal came, after the clean-up: ``only`` limits the look to these names
    (the command's own files), else every file directly in ``folder``.
    """
    before = _stamps(folder, only)

    def kept() -> str:
        written = sorted(name for name, stamp in _stamps(folder, only).items() if before.get(name) != stamp)
        if not written:
            return none or f"nothing written; {folder} left as it was"
        shown = ", ".join(written[:4]) + (f" and {len(written) - 4} more" if len(written) > 4 else "")
        each = "whole" if len(written) == 1 else "each whole"
        return f"{shown} written to {folder} before it, {each}; the rest left as it was"

    return kept


def os_error_line(err: OSError, fallback: object = "") -> str:
    """An OS error as one line naming the file and the errno: ``PATH: No space left on device (ENOSPC)``."""
    import errno as errno_names

    where = err.filename or fallback or "?"
    code = f" ({errno_names.errorcode.get(err.errno, err.errno)})" if err.errno else ""
    return f"{os.fsdecode(where) if isinstance(where, bytes) else where}: {err.strerror or err}{code}"
