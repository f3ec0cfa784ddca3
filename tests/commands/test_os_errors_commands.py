"""A full disk during collect, synth and screen against the imitation sites, and a really full tmpfs under
a collecting child process: one line naming the file and the errno (issue 19)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fieldwork_server import END, KEYWORDS, ROOT, START, FakeSites
from helpers.full_disk import error_lines, full_disk_error
from typer.testing import CliRunner

from kzperception.cli import app

# --- collect ----------------------------------------------------------------------------------


def _collect_args(sites: FakeSites, out: Path) -> list[str]:
    return [
        "collect",
        "--site",
        "president",
        "--start",
        START,
        "--end",
        END,
        "--out",
        str(out),
        "--base-url",
        sites.base_url,
        "--keywords",
        str(KEYWORDS),
        "--rate",
        "200",
        "--backoff",
        "0.01",
        "--no-progress",
    ]


@pytest.mark.parametrize("named", [True, False])
def test_collect_on_a_full_disk_names_the_file_or_its_folder_and_the_errno(tmp_path, monkeypatch, named):
    import kzperception.fieldwork.collect as collect_pkg

    out = tmp_path / "out"
    body = out / "raw" / "ab" / "ab12.body"

    def collect(*args, **kwargs):
        raise full_disk_error(body if named else None)

    monkeypatch.setattr(collect_pkg, "collect", collect)
    with FakeSites() as sites:
        result = CliRunner().invoke(app, _collect_args(sites, out))
    assert result.exit_code == 1
    where = body if named else out  # a write to an open file names no file: the folder written to
    assert error_lines(result.stderr) == [f"error: {where}: No space left on device (ENOSPC)"], result.output
    assert "Traceback" not in result.output


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A 24 KiB tmpfs (skipped where the test may not mount one: not root, no tmpfs)."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root); the monkeypatched tests cover the message")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_collect_on_a_really_full_disk_is_one_line_and_leaves_no_temp(small_disk):
    out = small_disk / "out"
    with FakeSites() as sites:
        done = subprocess.run(
            [sys.executable, "-m", "kzperception.cli", *_collect_args(sites, out)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
            timeout=300,
        )
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and re.fullmatch(
        rf"error: {re.escape(str(out))}(/\S+)?: No space left on device \(ENOSPC\)", lines[0]
    ), lines  # the file, or at least the folder written to
    assert not (out / "collected.csv").exists()
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


# --- the shorter commands that write a folder -------------------------------------------------


def test_synth_and_screen_on_a_full_disk_name_the_folder_and_the_errno(tmp_path, monkeypatch):
    """A write to an open file names no file: the command names the folder it writes to."""
    import kzperception.data.corpus as corpus_module
    import kzperception.fieldwork.screen as screen_module

    def full(*args, **kwargs):
        raise full_disk_error()

    monkeypatch.setattr(corpus_module, "write_corpus", full)
    result = CliRunner().invoke(app, ["synth", "--seed", "1", "--out", str(tmp_path / "corpus")])
    assert result.exit_code == 1
    assert error_lines(result.stderr) == [f"error: {tmp_path / 'corpus'}: No space left on device (ENOSPC)"]
    with FakeSites() as sites:
        assert CliRunner().invoke(app, _collect_args(sites, tmp_path / "c")).exit_code == 0
    monkeypatch.setattr(screen_module, "write_screening", full)
    result = CliRunner().invoke(app, ["screen", str(tmp_path / "c" / "collected.csv"), "--out", str(tmp_path / "s")])
    assert result.exit_code == 1
    assert error_lines(result.stderr) == [f"error: {tmp_path / 's'}: No space left on device (ENOSPC)"]
