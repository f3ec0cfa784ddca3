"""Folders and files a command creates get the user's umask (issue 19).

An empty ``--out`` created 0755 came back 0700 from a rerun (``mkdtemp``'s mode survived the swap),
so a web server running as another user could not serve the book. Each command that writes a
folder is run here under two umasks, and every folder and file it made must have 0777 / 0666 less
that umask: nothing more private than the user asked for, nothing more open either.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest
from fieldwork_server import END, KEYWORDS, START, FakeSites
from typer.testing import CliRunner

from kzperception.book.rerun import with_umask
from kzperception.cli import app


def _modes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): stat.S_IMODE(p.lstat().st_mode) for p in [root, *root.rglob("*")]}


def _invoke(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code in (0, 2), result.output  # collect: 2 when some report failed


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_every_folder_and_file_a_command_makes_has_the_users_umask(tmp_path, mask):
    out = tmp_path / "made"
    old = os.umask(mask)
    try:
        _invoke("synth", "--seed", "1", "--reports", "30", "--out", str(out / "corpus"))
        _invoke(
            "code",
            "export",
            "--corpus",
            str(out / "corpus"),
            "--format",
            "qdpx",
            "--out",
            str(out / "qda" / "project.qdpx"),
        )
        with FakeSites() as sites:
            _invoke(
                "collect",
                "--site",
                "president",
                "--start",
                START,
                "--end",
                END,
                "--out",
                str(out / "collect"),
                "--base-url",
                sites.base_url,
                "--keywords",
                str(KEYWORDS),
                "--rate",
                "200",
                "--no-progress",
            )
        _invoke("screen", str(out / "collect" / "collected.csv"), "--out", str(out / "screening"))
        built = with_umask(Path(tempfile.mkdtemp(dir=out)))  # the folder a build or rerun swaps in as OUT
    finally:
        os.umask(old)
    modes = _modes(out)
    assert len(modes) > 20 and str(built.relative_to(out)) in modes
    wrong = {
        name: oct(mode) for name, mode in modes.items() if mode != (0o777 if (out / name).is_dir() else 0o666) & ~mask
    }
    assert wrong == {}, f"umask {mask:04o}: {wrong}"
