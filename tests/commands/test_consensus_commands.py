"""``code export --consensus`` and ``code import`` as a user runs them, in a child process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers.sheets import two_coders, write_codebook


@pytest.fixture
def codebook(tmp_path: Path) -> Path:
    return write_codebook(tmp_path)


def test_the_command_line(tmp_path: Path, codebook: Path) -> None:
    corpus = two_coders(tmp_path, codebook)
    run = [
        sys.executable,
        "-m",
        "kzperception.cli",
        "code",
        "export",
        "--consensus",
        "--corpus",
        str(corpus),
        "--out",
        str(tmp_path),
        "--format",
        "csv",
    ]
    done = subprocess.run(run, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "3 cell(s) to settle" in done.stdout
    again = subprocess.run(run, capture_output=True, text=True, check=False)
    assert again.returncode == 1 and again.stderr.strip().startswith("error:") and "already exists" in again.stderr
    alone = subprocess.run([*run[:6], "--out", str(tmp_path)], capture_output=True, text=True, check=False)
    assert alone.returncode != 0 and "needs --corpus" in alone.stderr
