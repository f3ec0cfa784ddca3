"""The build's numbering of exhibits: small Sphinx projects of two or three notebooks holding glued
exhibits, each built with ``python -m sphinx`` in a child process (seconds each). The glued record, the
text alternative and the data table are tested in tests/unit/test_exhibits.py.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from helpers.exhibit_pages import GLUE_PREFIX, glued_output, write_page, write_project

from kzperception.book import exhibits


def _build(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(root), str(root / "_build")],
        capture_output=True,
        text=True,
    )


def _numbers(root: Path, page: str) -> list[str]:
    return re.findall(r'caption-number">([^<]*)<', (root / "_build" / f"{page}.html").read_text())


def _refs(root: Path, page: str) -> list[str]:
    return re.findall(r'std-numref">([^<]*)<', (root / "_build" / f"{page}.html").read_text())


@pytest.fixture
def book(tmp_path: Path) -> Path:
    write_page(
        tmp_path / "a.ipynb", "A", [("fig-x", "figure", None), ("table-1", "table", 1), ("figure-1", "figure", 1)]
    )
    # the thesis's Figure 5 may follow its Figure 1 (a book of some chapters): it keeps its number
    write_page(
        tmp_path / "b.ipynb", "B", [("fig-y", "figure", None), ("tab-y", "table", None), ("figure-5", "figure", 5)]
    )
    write_project(tmp_path, ["a", "b"])
    return tmp_path


def test_the_build_keeps_thesis_numbers_and_numbers_the_rest_in_book_order(book):
    proc = _build(book)
    assert proc.returncode == 0, proc.stderr
    assert _numbers(book, "a") == ["Figure E1.", "Table 1.", "Figure 1."]
    assert _numbers(book, "b") == ["Figure E2.", "Table E1.", "Figure 5."]
    assert _refs(book, "b") == ["Figure E2", "Table E1", "Figure 5"]
    a = (book / "_build" / "a.html").read_text()
    # a table's caption is its <caption>; a figure's is a <figcaption>, the chart tied to it
    assert re.search(
        r'<table id="T_table_1" class="kzp-table"><caption id="kzp-caption-table-1">'
        r'<span class="caption-number">Table 1\.</span>',
        a,
    )
    assert '<figcaption><p id="kzp-caption-fig-x">' in a and 'aria-labelledby="kzp-caption-fig-x"' in a
    # one closed Source box per exhibit, with the CSV offered as a download
    assert a.count('<details class="kzp-provenance">') == 3 and a.count('<details class="kzp-data">') == 2
    assert re.search(r'<a class="reference download internal" download="" href="_downloads/[0-9a-f]+/x.csv">', a)
    assert "Reproduces the thesis, section 6.2." in a and "Added by this edition" in a


def test_an_incremental_build_renumbers_when_the_order_changes(book):
    assert _build(book).returncode == 0
    write_page(book / "c.ipynb", "C", [("fig-z", "figure", None)])
    write_project(book, ["c", "b", "a"])  # thesis numbers must still rise: move only edition exhibits
    write_page(book / "b.ipynb", "B", [("fig-y", "figure", None), ("tab-y", "table", None)])
    write_page(book / "a.ipynb", "A", [("fig-x", "figure", None), ("table-1", "table", 1), ("figure-1", "figure", 1)])
    proc = _build(book)
    assert proc.returncode == 0, proc.stderr
    assert _numbers(book, "c") == ["Figure E1."]
    assert _numbers(book, "b") == ["Figure E2.", "Table E1."]
    assert _numbers(book, "a") == ["Figure E3.", "Table 1.", "Figure 1."]


def test_an_unchanged_page_is_rewritten_when_its_numbers_change(book):
    assert _build(book).returncode == 0
    write_page(book / "c.ipynb", "C", [("fig-z", "figure", None)])
    write_project(book, ["c", "a", "b"])  # b's source does not change, its edition figure's number does
    assert _build(book).returncode == 0
    assert _numbers(book, "b") == ["Figure E3.", "Table E1.", "Figure 5."]


@pytest.mark.parametrize(
    ("pages", "error"),
    [
        ({"a": [("figure-1", "figure", 1)], "b": [("figure-1b", "figure", 1)]}, "thesis number 1 is given twice"),
        ({"a": [("figure-2", "figure", 2)], "b": [("figure-1", "figure", 1)]}, "out of the thesis's order"),
    ],
)
def test_a_duplicate_or_out_of_order_thesis_number_fails_the_build(tmp_path, pages, error):
    for page, items in pages.items():
        write_page(tmp_path / f"{page}.ipynb", page.upper(), items)
    write_project(tmp_path, list(pages))
    proc = _build(tmp_path)
    assert proc.returncode != 0 and error in proc.stderr


def test_an_exhibit_without_a_caption_or_glued_otherwise_is_a_warning(tmp_path):
    write_page(tmp_path / "a.ipynb", "A", [("fig-x", "figure", None)])
    nb = nbformat.read(tmp_path / "a.ipynb", as_version=4)
    nb.cells[0].outputs.append(
        nbformat.v4.new_output(
            "display_data",
            data={GLUE_PREFIX + "text/plain": "'x'"},
            metadata={"scrapbook": {"name": "plain", "mime_prefix": GLUE_PREFIX}},
        )
    )
    nb.cells[1].source += "\n```{exhibit} plain\n\nNot an exhibit.\n```\n\n```{exhibit} fig-x\n```\n"
    nbformat.write(nb, tmp_path / "a.ipynb")
    write_project(tmp_path, ["a"])
    proc = _build(tmp_path)
    assert "'plain' was not glued as an exhibit" in proc.stderr
    assert "exhibit 'fig-x' has no caption" in proc.stderr


def test_a_table_only_a_rerun_shows_is_pasted_as_nothing_and_numbered_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr("myst_nb.glue", lambda name, value, display: None)
    empty = exhibits.glue_table("baseline", "pkg.beside", None)
    assert empty.record()["empty"] is True and empty.body == ""
    write_page(tmp_path / "a.ipynb", "A", [("tab-x", "table", None)])
    nb = nbformat.read(tmp_path / "a.ipynb", as_version=4)
    nb.cells[0].outputs.insert(0, glued_output(empty))
    paste = "```{exhibit} baseline\n\nBeside the thesis.\n```\n"
    nb.cells[1].source = nb.cells[1].source.replace("# A\n", "# A\n\n" + paste)
    nbformat.write(nb, tmp_path / "a.ipynb")
    write_project(tmp_path, ["a"])
    proc = _build(tmp_path)
    assert proc.returncode == 0 and "WARNING" not in proc.stderr, proc.stderr
    assert _numbers(tmp_path, "a") == ["Table E1."]
    assert "Beside the thesis" not in (tmp_path / "_build" / "a.html").read_text()


def test_a_reference_to_a_thesis_exhibit_outside_the_book_reads_as_its_number(tmp_path):
    write_page(tmp_path / "a.ipynb", "A", [("fig-x", "figure", None)])
    nb = nbformat.read(tmp_path / "a.ipynb", as_version=4)
    refs = "\nThe slots of {numref}`table-1`, and {numref}`Figures %s <figure-6>` to {numref}`%s <figure-9>`.\n"
    nb.cells[1].source += refs
    nbformat.write(nb, tmp_path / "a.ipynb")
    write_project(tmp_path, ["a"])
    assert _build(tmp_path).returncode == 0
    text = re.sub(r"<[^>]+>", "", (tmp_path / "_build" / "a.html").read_text())
    assert "The slots of Table 1, and Figures 6 to 9." in text
