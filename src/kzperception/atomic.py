"""Atomic file writes: the one way this project replaces a file a reader may be looking at.

A file is written under a temporary name in its own folder and renamed onto its destination
(``rename(2)`` is atomic within one file system), so no reader ever sees half a file and a failed
or interrupted write leaves the old file, or none. The temporary name carries the writer's process
id and a random part, ``.<name>.<pid>.<hex>.tmp``: two processes (two builds, a build and
``make pdf``) never share one, which the fixed ``.tmp`` suffix the bundle once used did not
guarantee; and a killed writer's leftover is recognised by its process id
(:func:`kzperception.fieldwork.collect.cache.remove_stale_temps`).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_target", "naming", "temporary_name", "write_bytes_atomic", "write_text_atomic"]


def temporary_name(path: str | os.PathLike[str]) -> Path:
    """A name beside ``path`` that no other process and no other write of this one will use."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp")


@contextmanager
def naming(path: str | os.PathLike[str]) -> Iterator[None]:
    """An OS error while writing ``path`` names it: a full disk is ``OUT/raw/ab/...: No space left
    on device``, not ``: No space left on device`` (a write to an open file carries no file name)."""
    try:
        yield
    except OSError as err:
        if err.filename:
            raise
        raise OSError(err.errno, err.strerror or str(err), str(path)) from None


@contextmanager
def atomic_target(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary file name beside ``path``, renamed onto it when the block ends without error.

    The caller creates the file like any new one (mode ``"x"`` if it likes), so it gets the usual
    permissions, the umask's, rather than the owner-only 0600 of ``tempfile.mkstemp``. On an
    error, or a signal that unwinds the block, the temporary file is removed and ``path`` is as
    it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_target`); returns the path. An OS
    error names ``path`` (see :func:`naming`)."""
    with naming(path), atomic_target(path) as tmp, open(tmp, "xb") as handle:
        handle.write(data)
    return Path(path)


def write_text_atomic(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_target`); returns the path."""
    return write_bytes_atomic(path, text.encode(encoding))
