"""The PDF edition: `make pdf` prints the executed book as one PDF (kzperception.book.pdf).

The printed book is checked the way a reader or an archive would: it has pages, a title page and
a contents list with page numbers, every font embedded, the figures as vectors (no raster image
in the file), Table 1 and Figure 9, and Russian text that can be searched and copied. The build
uses the session's book built outside the checkout (`OUT/src` holds its executed chapters).
The refusals (bad --out, unexecuted chapters) run without building anything.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kzperception import paths
from kzperception.book import pdf
from tests.conftest import ALLOW_SKIP_ENV, missing

POPPLER = all(shutil.which(t) for t in ("pdfinfo", "pdffonts", "pdftotext", "pdfimages"))
NO_POPPLER = (
    "poppler-utils is missing: the PDF tests read the printed book with pdfinfo, pdffonts, pdftotext and "
    f"pdfimages (apt-get install poppler-utils; {ALLOW_SKIP_ENV}=1 skips them instead)"
)


def _run(*args: str) -> str:
    return subprocess.run(list(args), capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def printed(built_book: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not POPPLER:
        missing(NO_POPPLER)
    out = tmp_path_factory.mktemp("pdf") / "book.pdf"
    return pdf.build_pdf(out, book=built_book.parent / "src")


@pytest.fixture(scope="module")
def pages(printed: Path) -> list[str]:
    return _run("pdftotext", "-layout", str(printed), "-").split("\f")


@pytest.mark.book
def test_pdf_has_the_whole_book(printed: Path, pages: list[str]) -> None:
    info = _run("pdfinfo", str(printed))
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert 60 <= count <= 400, info
    assert "A4" in info and re.search(r"^Tagged:\s+yes", info, re.M), info
    assert "Perception of Chinese and Russian Influence" in " ".join(pages[0].split())
    contents = " ".join(" ".join(pages[1:3]).split())
    assert "Contents" in contents
    # the contents carry page numbers, and chapter 6.2 really starts on the page it names
    number = int(re.search(r"6\.2 Reports\s+(\d+)", contents).group(1))
    assert "6.2 Reports" in " ".join(pages[number - 1].split())[:200]
    text = " ".join(" ".join(pages).split())
    assert "Table 1." in text and "Figure 9." in text
    assert "References" in text and "Appendix: audit" in text
    # page numbers in the footer: the last lines of page 10 end with 10
    assert pages[9].strip().splitlines()[-1].strip() == "10"


@pytest.mark.book
def test_pdf_fonts_embedded_and_russian_extractable(printed: Path, pages: list[str]) -> None:
    rows = _run("pdffonts", str(printed)).splitlines()[2:]
    assert rows, "no fonts in the PDF"
    not_embedded = [r for r in rows if r.split()[-5] != "yes"]
    assert not not_embedded, not_embedded
    text = " ".join(pages)
    cyrillic = re.findall(r"[А-Яа-яЁё]", text)
    assert len(cyrillic) > 2000, f"only {len(cyrillic)} Cyrillic letters can be extracted"
    assert "Казахстан" in text and "Китай" in text


@pytest.mark.book
def test_pdf_figures_are_vectors(printed: Path) -> None:
    images = _run("pdfimages", "-list", str(printed)).splitlines()[2:]
    assert not images, f"raster images in the PDF (charts must print as SVG vectors): {images[:3]}"


# Refusals: one line, nothing written, no traceback, values printed literally.


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


def test_contents_lists_every_toc_document() -> None:
    files = pdf.chapters_in_toc()
    assert files[0] == "chapters/00-abstract" and "bibliography" in files and len(files) >= 20


def test_a_broken_toc_is_one_line(tmp_path: Path) -> None:
    toc = tmp_path / "_toc.yml"
    toc.write_text("parts: [\n  - caption: x\n", encoding="utf-8")
    with pytest.raises(pdf.PdfError, match=r"cannot read the table of contents \(.*Error\)"):
        pdf.chapters_in_toc(toc)
