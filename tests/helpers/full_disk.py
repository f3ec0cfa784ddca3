"""The error a full disk raises and the ``error:`` lines a command prints, shared by
tests/unit/test_os_errors.py and tests/commands/test_os_errors_commands.py."""

from __future__ import annotations

import errno
import os

ENOSPC = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def full_disk_error(path: object = None) -> OSError:
    """The error a write on a full disk raises, with or without the file's name (``f.write`` has none)."""
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), *([str(path)] if path is not None else []))


def error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("error:")]
