"""Without Chromium the book and browser tests fail in one line, unless KZP_ALLOW_SKIP=1 lets them skip.

Each case runs pytest in a subprocess on a tiny test file next to a copy of tests/conftest.py, with
PATH holding only a folder of our own: empty (no Chromium) or with a stand-in ``chromium`` script.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ALLOW_SKIP_ENV, NO_CHROMIUM

TINY = """\
import pytest


@pytest.mark.book
def test_builds_a_book():
    pass


@pytest.mark.browser
def test_opens_a_page():
    pass


def test_plain():
    pass
"""


#: A test that needs a tool other than Chromium (poppler, axe-core, actionlint) and finds it missing.
TOOL = """\
from conftest import missing

LINE = "frobnicator is missing: apt-get install frobnicator (KZP_ALLOW_SKIP=1 skips it instead)"


def test_needs_a_tool():
    missing(LINE)


def test_plain():
    pass
"""


def _run(folder: Path, *, chromium: bool, allow_skip: bool, text: str = TINY) -> subprocess.CompletedProcess[str]:
    shutil.copy(Path(__file__).parents[1] / "conftest.py", folder / "conftest.py")
    (folder / "test_tiny.py").write_text(text, encoding="utf-8")
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    if chromium:
        fake = bin_dir / "chromium"
        fake.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        fake.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("PATH", ALLOW_SKIP_ENV, "PYTEST_ADDOPTS")}
    env["PATH"] = str(bin_dir)
    if allow_skip:
        env[ALLOW_SKIP_ENV] = "1"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rA",
            "-p",
            "no:cacheprovider",
            "-W",
            "ignore::pytest.PytestUnknownMarkWarning",
            "test_tiny.py",
        ],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path


def test_without_chromium_book_and_browser_tests_fail_in_one_line(folder: Path):
    proc = _run(folder, chromium=False, allow_skip=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "1 passed" in out and "2 errors" in out, out
    # the failure is the one line itself, not a traceback
    assert "Traceback" not in out and "need_chromium" not in out, out
    assert f"2 tests failed: {NO_CHROMIUM}" in out, out
    assert "apt-get install chromium" in NO_CHROMIUM


def test_with_allow_skip_they_skip_and_the_summary_counts_them(folder: Path):
    proc = _run(folder, chromium=False, allow_skip=True)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "1 passed, 2 skipped" in out, out
    assert f"2 tests skipped: {NO_CHROMIUM}" in out, out
    assert f"{ALLOW_SKIP_ENV}=1: 2 tests skipped because something they need is missing" in out, out


def test_with_chromium_on_the_path_they_run(folder: Path):
    proc = _run(folder, chromium=True, allow_skip=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "3 passed" in out and NO_CHROMIUM not in out, out


@pytest.mark.parametrize("allow_skip", [False, True], ids=["fails", "skips when allowed"])
def test_any_missing_tool_fails_in_one_line_or_is_counted_when_skipped(folder: Path, allow_skip: bool):
    proc = _run(folder, chromium=True, allow_skip=allow_skip, text=TOOL)
    out = proc.stdout + proc.stderr
    line = "frobnicator is missing: apt-get install frobnicator (KZP_ALLOW_SKIP=1 skips it instead)"
    if allow_skip:
        assert proc.returncode == 0 and "1 passed, 1 skipped" in out, out
        assert f"1 test skipped: {line}" in out, out
        assert f"{ALLOW_SKIP_ENV}=1: 1 test skipped because something they need is missing" in out, out
    else:
        assert proc.returncode != 0 and "1 failed, 1 passed" in out, out
        assert "Traceback" not in out and "def test_needs_a_tool" not in out, out
        assert f"1 test failed: {line}" in out, out
