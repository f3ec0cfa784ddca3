"""A full disk or any other OS error during build, collect or pdf: one line naming the file and the errno (issue 19).

A full disk used to end a build in Jupyter Book's "Look above for the cause" with the cause cut
off, and ``collect`` on a full disk printed ``error: : No space left on device`` (a write to an
open file carries no file name). Each command is run here with the disk filling at a point of
its own: by raising the error where the library would meet it (every machine). The collector and
the shorter commands against the imitation sites, and a disk that really is full (a small tmpfs,
where this machine lets the test mount one), are in tests/commands/test_os_errors_commands.py.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest
from helpers.full_disk import error_lines, full_disk_error
from typer.testing import CliRunner

from kzperception.book import build, bundle, execute, jupyterbook, layout, pdf, rerun
from kzperception.cli import app


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --- build and build --out --------------------------------------------------------------------


def test_build_out_on_a_full_disk_is_one_line_and_keeps_the_earlier_book(tmp_path, monkeypatch):
    out = tmp_path / "out"
    (out / "html").mkdir(parents=True)
    (out / "html" / "index.html").write_text("<p>the earlier book</p>\n", encoding="utf-8")
    (out / rerun.MARKER).write_text(json.dumps({"kind": rerun.MARKER_KIND}) + "\n", encoding="utf-8")
    before = _snapshot(out)
    chapter = tmp_path / "whatever" / "chapters" / "06-2-reports.ipynb"

    def execute(stems, params, out_dir, *args, **kwargs):
        (out_dir / "06-0-results.ipynb").write_text("{}", encoding="utf-8")  # something written already
        raise full_disk_error(chapter)

    monkeypatch.setattr(rerun, "execute_chapters", execute)
    monkeypatch.setattr(bundle, "ensure_bundle", lambda *a, **k: None)
    result = CliRunner().invoke(app, ["build", "--out", str(out)])
    assert result.exit_code == 1
    assert error_lines(result.stderr) == [
        f"error: {chapter}: No space left on device (ENOSPC); nothing was written to --out"
    ], result.output
    assert "Traceback" not in result.output
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # the temporary build folder removed


def test_build_on_a_full_disk_when_jupyter_book_writes_is_one_line(monkeypatch):
    from kzperception import paths

    page = paths.HTML / "chapters" / "06-2-reports.html"
    monkeypatch.setattr(bundle, "ensure_bundle", lambda *a, **k: None)
    monkeypatch.setattr(execute, "execute_chapters", lambda *a, **k: [])
    monkeypatch.setattr(build, "jupyter_book", lambda *a, **k: (_ for _ in ()).throw(full_disk_error(page)))
    result = CliRunner().invoke(app, ["build"])
    assert result.exit_code == 1
    assert error_lines(result.stderr) == [f"error: {page}: No space left on device (ENOSPC)"], result.output


def test_jupyter_book_failing_on_a_full_disk_says_the_cause_not_look_above(tmp_path, monkeypatch):
    """Jupyter Book's own output: the errno line is the one line a build error shows."""
    output = (
        "Running Sphinx v7\nwriting output... [ 50%] chapters/06-2-reports\n"
        "OSError: [Errno 28] No space left on device: '/b/_build/html/chapters/06-2-reports.html'\n"
        "Looks like there was an error. Look above for the cause.\n"
    )
    fake = subprocess.CompletedProcess([], 1, stdout=output, stderr="")
    monkeypatch.setattr(jupyterbook.subprocess, "run", lambda *a, **k: fake)
    monkeypatch.setattr(execute, "execute_front_page", lambda *a, **k: None)
    with pytest.raises(layout.BuildError) as err:
        build.jupyter_book(layout.BookLayout.standalone(tmp_path / "work"))
    assert str(err.value) == (
        "jupyter-book build failed: /b/_build/html/chapters/06-2-reports.html: No space left on device (ENOSPC)"
    )
    book = tmp_path / "book"
    book.mkdir()
    monkeypatch.setattr(pdf.subprocess, "run", lambda *a, **k: fake)
    with pytest.raises(pdf.PdfError) as err:  # the PDF's single page is built the same way
        pdf.build_singlehtml(tmp_path / "pdfwork", book)
    assert str(err.value) == (
        "jupyter-book could not build the single page: "
        "/b/_build/html/chapters/06-2-reports.html: No space left on device (ENOSPC)"
    )


# --- pdf --------------------------------------------------------------------------------------


def test_pdf_on_a_full_disk_keeps_the_earlier_pdf_and_leaves_no_partial(tmp_path, monkeypatch, capsys):
    """The disk fills while the finished PDF is copied beside the old one."""
    out = tmp_path / "out" / "book.pdf"
    out.parent.mkdir()
    out.write_bytes(b"%PDF-1.7 the earlier edition\n")
    before = _snapshot(out.parent)
    monkeypatch.setattr(pdf, "check_executed", lambda book: None)
    monkeypatch.setattr(pdf, "_chromium", lambda: "chromium")
    monkeypatch.setattr(pdf, "build_singlehtml", lambda work, book: work / "index.html")
    monkeypatch.setattr(pdf, "_print", lambda single, target, meta, pages: target.write_bytes(b"%PDF new") and [])
    monkeypatch.setattr(pdf, "chapter_pages", lambda first, chapters: {})

    def copy_half(src, dst):
        Path(dst).write_bytes(b"%PDF ne")
        raise full_disk_error(dst)

    monkeypatch.setattr(pdf.shutil, "copyfile", copy_half)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(pdf.tempfile, "tempdir", None)  # TMPDIR is read again
    code = pdf.main(["--out", str(out), "--force", "--book", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    # the half-written copy is the atomic write's temporary file beside the PDF (kzperception.atomic)
    partial = re.escape(str(out.parent)) + r"/\.book\.pdf\.[0-9]+\.[0-9a-f]+\.tmp"
    (line,) = err.strip().splitlines()
    assert re.fullmatch(f"error: {partial}: No space left on device \\(ENOSPC\\); no PDF written", line), line
    assert _snapshot(out.parent) == before  # the old PDF, and no half-written temporary file beside it
    assert list(tmp.iterdir()) == []
