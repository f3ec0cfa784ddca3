"""What an interrupted or failing command says and leaves (issue 19), in process: an OS error is one
line with the file and the errno, and a folder a command builds in gets the user's umask.

The signals themselves are sent to child processes in tests/commands/test_interrupt_signals.py
(:func:`kzperception.cli.interrupt.interruptible` with a stand-in body) and
tests/book/test_interrupt_book.py (a real ``kzperception rerun``).
"""

from __future__ import annotations

import os
from pathlib import Path

from kzperception.book.jupyterbook import os_error_in
from kzperception.cli.interrupt import os_error_line


def test_an_os_error_is_one_line_with_the_file_and_the_errno():
    err = OSError(28, "No space left on device", "/books/out/html/index.html")
    assert os_error_line(err) == "/books/out/html/index.html: No space left on device (ENOSPC)"
    output = (
        "Running Sphinx\n...\nOSError: [Errno 28] No space left on device: '/tmp/x/_build/html/a.html'\n"
        "Looks like there was an error. Look above for the cause.\n"
    )
    assert os_error_in(output) == "/tmp/x/_build/html/a.html: No space left on device (ENOSPC)"
    assert os_error_in("some other failure") is None


# --- a real rerun, signalled --------------------------------------------------------------------


def test_a_folder_a_command_builds_in_gets_the_users_umask(tmp_path):
    import tempfile

    from kzperception.book.rerun import with_umask

    old = os.umask(0o022)
    try:
        folder = with_umask(Path(tempfile.mkdtemp(dir=tmp_path)))
        assert folder.stat().st_mode & 0o777 == 0o755  # mkdtemp alone gives 0o700
        os.umask(0o077)
        assert with_umask(Path(tempfile.mkdtemp(dir=tmp_path))).stat().st_mode & 0o777 == 0o700
    finally:
        os.umask(old)
