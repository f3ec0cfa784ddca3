"""SIGINT and SIGTERM to the commands that build a book or print the PDF: one line, exit 130/143, the
earlier output kept (issue 19; marked ``book`` / ``browser``). The collector and probe are signalled in
tests/commands/test_interrupt_commands.py."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from helpers.interrupts import ENV, signal_and_check, snapshot, wait_for

# --- pdf --------------------------------------------------------------------------------------


def _book_of_empty_chapters(dest: Path) -> Path:
    """The book's source with every chapter of the contents present but holding one heading.

    ``pdf`` prints any executed source; a page per chapter keeps Jupyter Book and Chromium busy for
    seconds (not the minutes of the real book), long enough to be signalled in either.
    """
    import shutil

    import nbformat

    from kzperception import paths
    from kzperception.book.pdf import chapters_in_toc

    shutil.copytree(paths.BOOK, dest, ignore=shutil.ignore_patterns("_build", "chapters", "index.ipynb"))
    for doc in ["index", *chapters_in_toc(paths.TOC)]:
        if (dest / f"{doc}.md").exists():
            continue
        target = dest / f"{doc}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {doc}\n\nA page.")])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, target)
    return dest


def _child_running(proc: subprocess.Popen[str], *names: str) -> bool:
    for child in psutil.Process(proc.pid).children(recursive=True):
        try:
            line = " ".join(child.cmdline())
        except psutil.Error:
            continue
        if any(name in line for name in names):
            return True
    return False


@pytest.mark.browser
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("point", ["jupyter-book", "chromium"])
def test_a_signalled_pdf_stops_chromium_and_keeps_the_earlier_pdf(tmp_path, signum, point):
    book = _book_of_empty_chapters(tmp_path / "book")
    out = tmp_path / "out" / "book.pdf"
    out.parent.mkdir()
    out.write_bytes(b"%PDF-1.7 the earlier edition\n")
    before = snapshot(out.parent)
    tmp = tmp_path / "tmp"  # TMPDIR: where the command's temporary folder goes
    tmp.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kzperception.book.pdf", "--book", str(book), "--out", str(out), "--force"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**ENV, "TMPDIR": str(tmp)},
    )
    try:
        names = {"jupyter-book": ("jupyter-book",), "chromium": ("chromium", "chrome")}[point]
        wait_for(lambda: _child_running(proc, *names) or proc.poll() is not None, 120, point)
        assert proc.poll() is None, proc.communicate()
        signal_and_check(
            proc, signum, f"no PDF written; {out} as it was, Chromium stopped and its temporary folder removed"
        )
    finally:
        if proc.poll() is None:
            proc.kill()
    assert snapshot(out.parent) == before  # the earlier PDF, and no .partial beside it
    assert list(tmp.iterdir()) == []  # the temporary folder (staged source, first print) removed


# --- build --out ------------------------------------------------------------------------------


@pytest.mark.book
@pytest.mark.parametrize(("signum", "delay"), [(signal.SIGINT, 0.0), (signal.SIGTERM, 5.0)])
def test_a_signalled_build_out_keeps_the_earlier_book(tmp_path, signum, delay):
    """``build --out`` over an earlier book's folder, signalled while chapters execute (no cache)."""

    from kzperception.book.rerun import MARKER, MARKER_KIND

    out = tmp_path / "out"
    (out / "html").mkdir(parents=True)
    (out / "html" / "index.html").write_text("<p>the earlier book</p>\n", encoding="utf-8")
    (out / MARKER).write_text(json.dumps({"kind": MARKER_KIND, "corpus": "published"}) + "\n", encoding="utf-8")
    before = snapshot(out)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kzperception.cli", "build", "--out", str(out), "--no-cache"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        parent = psutil.Process(proc.pid)
        wait_for(
            lambda: len(parent.children(recursive=True)) >= 2 or proc.poll() is not None,
            120,
            "a pool worker and its kernel",
        )
        assert proc.poll() is None, proc.communicate()
        time.sleep(delay)
        err = signal_and_check(
            proc,
            signum,
            f"{out.resolve()} left as it was; no partial book written, the temporary build folder removed",
            progress=True,
        )
    finally:
        if proc.poll() is None:
            proc.kill()
    assert snapshot(out) == before, err[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary build folder beside OUT
