"""Running ``jupyter-book build`` on a book's source, and reading the cause out of a failed run.

Jupyter Book executes nothing here (``execute_notebooks: off``): the chapters were executed by
:mod:`kzperception.book.execute`. A failed run ends in "Look above for the cause"; a full disk or an
unwritable folder is named in one line instead (:func:`os_error_in`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Protocol

from kzperception import paths
from kzperception.book.layout import BookLayout, BuildError, narrow_bibliography

__all__ = ["discard", "jupyter_book_command", "os_error_in", "prepare", "run_jupyter_book"]

#: An OS error as Python prints it: ``OSError: [Errno 28] No space left on device: '/x/y.html'``.
_OS_ERROR = re.compile(r"\[Errno (\d+)\] ([^:\n]+?)(?:: '([^'\n]*)')?\s*$", re.MULTILINE)


def os_error_in(output: str) -> str | None:
    """The last OS error a subprocess printed, as ``PATH: message (ENOSPC)``, or None.

    Jupyter Book ends a failed build with "Look above for the cause", which a command showing a
    tail of the output may cut off; the errno line is the cause.
    """
    import errno

    found = list(_OS_ERROR.finditer(output))
    if not found:
        return None
    number, message, where = found[-1].groups()
    name = errno.errorcode.get(int(number), number)
    return f"{where + ': ' if where else ''}{message.strip()} ({name})"


def jupyter_book_command(source: Path, builder: str = "html") -> list[str]:
    """``jupyter-book build SOURCE --path-output SOURCE --builder BUILDER``, with the environment's executable."""
    exe = Path(sys.executable).with_name("jupyter-book")
    return [
        str(exe if exe.exists() else shutil.which("jupyter-book") or "jupyter-book"),
        "build",
        str(source),
        "--path-output",
        str(source),
        "--builder",
        builder,
    ]


class PreparedProcess(Protocol):
    """What :func:`run_jupyter_book` asks of a prepared Jupyter Book process: a ``subprocess.Popen``
    started by :func:`prepare`, or a fork of a warm process (:func:`adopt`)."""

    returncode: int | None

    def poll(self) -> int | None: ...

    def kill(self) -> None: ...

    def communicate(self, input: str | None = None) -> tuple[str, str]: ...


_warm: PreparedProcess | None = None


def adopt(process: PreparedProcess) -> None:
    """Use ``process``, already waiting for its arguments, as this command's prepared Jupyter Book
    process (a warm process's run forks one that has Sphinx imported: :mod:`kzperception.cli.warm`)."""
    global _warm
    discard()
    _warm = process


def prepare() -> None:
    """Start a Jupyter Book process now, for the next :func:`run_jupyter_book` of this command.

    It imports Sphinx and the book's extensions while the chapters execute
    (:mod:`kzperception.book.warm_jupyter_book`), instead of after them. Called more than once, it
    keeps the one it has. A process never used ends with this one (its input closes).
    """
    global _warm
    if _warm is not None and _warm.poll() is None:
        return
    _warm = subprocess.Popen(
        [sys.executable, "-m", "kzperception.book.warm_jupyter_book", str(os.getpid())],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def discard() -> None:
    """End a prepared process that no build used (the build failed or stopped first).

    Each caller of :func:`prepare` calls this when its build is over, so that a process prepared
    for one build is never handed to a later, unrelated one in the same program.
    """
    global _warm
    warm, _warm = _warm, None
    if warm is not None:
        warm.kill()
        warm.communicate()


def _take_warm() -> PreparedProcess | None:
    """The prepared process, if it is still waiting (each is used for one build)."""
    global _warm
    warm, _warm = _warm, None
    if warm is not None and warm.poll() is not None:
        warm.communicate()
        return None
    return warm


def run_jupyter_book(
    layout: BookLayout, config: Path | None = None, toc: Path | None = None, strict: bool = True
) -> float:
    """Build ``layout``'s HTML into ``layout.built``; returns the seconds it took.

    Warnings fail the build when ``strict``. Raises :class:`BuildError` with the OS error in one
    line when there is one, else with the last lines of Jupyter Book's output. A staged book's
    reference list is narrowed to the works its executed pages cite first
    (:func:`~kzperception.book.layout.narrow_bibliography`).
    """
    if not layout.is_main and (layout.source / "bibliography.md").is_file():  # a staged book's page
        narrow_bibliography(layout)
    cmd = [
        *jupyter_book_command(layout.source),
        "--config",
        str(config or paths.CONFIG),
        "--toc",
        str(toc or paths.TOC),
    ]
    if strict:
        cmd += ["--warningiserror", "--keep-going"]
    t0 = time.perf_counter()
    warm = _take_warm()
    if warm is not None:  # the same command line, in the process that has imported Sphinx already
        stdout, stderr = warm.communicate(json.dumps(cmd[1:]) + "\n")
        returncode = warm.returncode
    else:
        proc = subprocess.run(cmd, capture_output=True, text=True)
        stdout, stderr, returncode = proc.stdout, proc.stderr, proc.returncode
    if returncode != 0:
        output = stdout + stderr
        cause = os_error_in(output)
        if cause:  # a full disk or an unwritable folder: the cause in one line, not "look above"
            raise BuildError(f"jupyter-book build failed: {cause}")
        tail = "\n".join(output.strip().splitlines()[-30:])
        raise BuildError(f"jupyter-book build failed:\n{tail}")
    return time.perf_counter() - t0
