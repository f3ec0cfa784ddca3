"""``python -m kzperception.book.pdf`` refuses, in a child process, to replace or write where it must not
and to print unexecuted chapters. The printed book is checked in tests/book/test_pdf_book.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kzperception import paths


def _main(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kzperception.book.pdf", *args], capture_output=True, text=True, cwd=paths.ROOT
    )


def test_existing_out_is_not_replaced_without_force(tmp_path: Path) -> None:
    target = tmp_path / "[/bold]" / "=1+1 {download}`..x`.pdf"
    target.parent.mkdir(parents=True)
    target.write_text("the user's file", encoding="utf-8")
    proc = _main("--out", str(target))
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"error: {target} exists: pass --force to replace it"
    assert "Traceback" not in proc.stderr
    assert target.read_text(encoding="utf-8") == "the user's file"


@pytest.mark.parametrize(
    "name, message",
    [
        ("folder", "is a folder: give a file name ending in .pdf"),
        ("book.html", "does not end in .pdf: give the PDF's file name"),
    ],
)
def test_bad_out_is_refused(tmp_path: Path, name: str, message: str) -> None:
    target = tmp_path / name
    if name == "folder":
        target.mkdir()
    proc = _main("--out", str(target))
    assert proc.returncode == 1 and proc.stderr.strip() == f"error: {target} {message}"
    assert list(tmp_path.iterdir()) == ([target] if name == "folder" else [])


def test_unexecuted_chapters_are_refused(tmp_path: Path) -> None:
    book = tmp_path / "<script>alert(1)</script>"
    (book / "chapters").mkdir(parents=True)
    out = tmp_path / "out.pdf"
    proc = _main("--book", str(book), "--out", str(out))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and "not executed yet" in proc.stderr
    assert f"{book}/chapters/" in proc.stderr and "run `make book` before `make pdf`" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and not out.exists()
    proc = _main("--book", str(tmp_path / "missing"), "--out", str(out))
    assert proc.returncode == 1 and "is not a folder" in proc.stderr and not out.exists()
