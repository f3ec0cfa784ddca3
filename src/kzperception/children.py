"""What a command starts ends with it, even when the command is killed outright (Linux's process settings).

A command stopped by SIGINT or SIGTERM stops its children itself (:mod:`kzperception.cli.interrupt`).
One killed by SIGKILL, or by the out-of-memory killer, runs no code at all, and what it started
would outlive it: its pool workers wait for the next chapter on a queue whose writing end they
hold themselves, and its prepared Jupyter Book process waits for its arguments on an input pipe
the workers hold open too (they were forked after it). Seen here: two workers, their zygotes and
the Jupyter Book process still waiting, parented to init, after the command was killed. Each of
them asks the system for a *parent-death signal* (:func:`die_with_parent`), so it is killed the
moment its command ends; what they started follows (a zygote reads the end of its request pipe
once its worker is gone; a forked kernel asks for the signal itself). The subreaper setting
(:func:`subreaper`), for a command stopped by a signal, is here too.

No dependency beyond the standard library: the Jupyter Book process imports this module before
anything else.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

__all__ = ["die_with_parent", "process_alive", "subreaper"]

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_PR_GET_CHILD_SUBREAPER = 37


def _prctl(option: int, value: object) -> bool:
    """``prctl(option, value)``; False where it is missing (not Linux) or failed."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(option, value, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def subreaper(on: bool) -> bool | None:
    """Make this process the subreaper of its descendants (``on``) or stop it being one; the setting
    before, or None where there are no subreapers (not Linux) or the call failed.

    A subreaper adopts its orphaned descendants, so a command stopped by a signal still finds a
    process whose parent it stopped first (:func:`kzperception.cli.interrupt.stop_children`).
    """
    before = ctypes.c_int(0)
    if not _prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(before)):
        return None
    if not _prctl(_PR_SET_CHILD_SUBREAPER, int(on)):
        return None
    return bool(before.value)


def die_with_parent(parent: int) -> bool:
    """Have the system kill this process (SIGKILL) when its parent, ``parent``, ends, however it ends.

    ``parent`` is the process id the parent had when it started this one: if this process has
    been adopted already (its parent ended before this call, so the signal would never come), it
    exits at once with status 1. Returns False where there is no such signal (not Linux, or the
    call failed): the process then lives as it did before.

    The signal is tied to the parent's *thread* that forked this process, not to the whole
    parent: call it only in a child started from a thread that lives as long as the parent does
    (the main thread; the pool's workers and the Jupyter Book process are started from it).
    A child of this process does not inherit the setting.
    """
    if not _prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL)):
        return False
    if os.getppid() != parent:
        os._exit(1)
    return True


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs; so that what a gone process left may be removed.

    Signal 0 checks existence and sends nothing; another user's process exists too. Where this
    cannot be told (not POSIX), and for an id no process can have (one read from a hostile file
    name, past the system's range), it answers yes: nothing is removed on a guess.
    """
    if pid == os.getpid() or os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True
    return True
