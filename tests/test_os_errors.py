"""A full disk or any other OS error during build, collect or pdf: one line naming the file and the errno (issue 19).

A full disk used to end a build in Jupyter Book's "Look above for the cause" with the cause cut
off, and ``collect`` on a full disk printed ``error: : No space left on device`` (a write to an
open file carries no file name). Each command is run here with the disk filling at a point of
its own: by raising the error where the library would meet it (every machine), and, where this
machine lets the test mount a small tmpfs (root), on a disk that really is full.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fieldwork_server import END, KEYWORDS, ROOT, START, FakeSites
from typer.testing import CliRunner

from kzperception.book import build, bundle, execute, jupyterbook, layout, pdf, rerun
from kzperception.cli import app

ENOSPC = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _full(path: object = None) -> OSError:
    """The error a write on a full disk raises, with or without the file's name (``f.write`` has none)."""
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), *([str(path)] if path is not None else []))


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("error:")]


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
        raise _full(body if named else None)

    monkeypatch.setattr(collect_pkg, "collect", collect)
    with FakeSites() as sites:
        result = CliRunner().invoke(app, _collect_args(sites, out))
    assert result.exit_code == 1
    where = body if named else out  # a write to an open file names no file: the folder written to
    assert _error_lines(result.stderr) == [f"error: {where}: No space left on device (ENOSPC)"], result.output
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
        raise _full(chapter)

    monkeypatch.setattr(rerun, "execute_chapters", execute)
    monkeypatch.setattr(bundle, "ensure_bundle", lambda *a, **k: None)
    result = CliRunner().invoke(app, ["build", "--out", str(out)])
    assert result.exit_code == 1
    assert _error_lines(result.stderr) == [
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
    monkeypatch.setattr(build, "jupyter_book", lambda *a, **k: (_ for _ in ()).throw(_full(page)))
    result = CliRunner().invoke(app, ["build"])
    assert result.exit_code == 1
    assert _error_lines(result.stderr) == [f"error: {page}: No space left on device (ENOSPC)"], result.output


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
        raise _full(dst)

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


# --- the shorter commands that write a folder -------------------------------------------------


def test_synth_and_screen_on_a_full_disk_name_the_folder_and_the_errno(tmp_path, monkeypatch):
    """A write to an open file names no file: the command names the folder it writes to."""
    import kzperception.data.corpus as corpus_module
    import kzperception.fieldwork.screen as screen_module

    def full(*args, **kwargs):
        raise _full()

    monkeypatch.setattr(corpus_module, "write_corpus", full)
    result = CliRunner().invoke(app, ["synth", "--seed", "1", "--out", str(tmp_path / "corpus")])
    assert result.exit_code == 1
    assert _error_lines(result.stderr) == [f"error: {tmp_path / 'corpus'}: No space left on device (ENOSPC)"]
    with FakeSites() as sites:
        assert CliRunner().invoke(app, _collect_args(sites, tmp_path / "c")).exit_code == 0
    monkeypatch.setattr(screen_module, "write_screening", full)
    result = CliRunner().invoke(app, ["screen", str(tmp_path / "c" / "collected.csv"), "--out", str(tmp_path / "s")])
    assert result.exit_code == 1
    assert _error_lines(result.stderr) == [f"error: {tmp_path / 's'}: No space left on device (ENOSPC)"]
