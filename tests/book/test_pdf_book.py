"""The PDF edition as printed (marked ``book``/``browser``): `make pdf` prints the executed book as one PDF.

The printed book is checked the way a reader or an archive would: it has pages, a title page and a
contents list with page numbers, every font embedded, the figures as vectors. The refusals of
``python -m kzperception.book.pdf`` are in tests/commands/test_pdf.py."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

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


def _lines(page: str) -> list[str]:
    return [" ".join(line.split()) for line in page.splitlines() if line.strip()]


def _flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


@pytest.fixture(scope="module")
def toc_titles(built_book: Path) -> list[str]:
    """What the contents must list: the landing page's printed heading, then each document's title."""
    titles = [pdf._book_meta().landing_heading]
    for doc in pdf.chapters_in_toc():
        h1 = BeautifulSoup((built_book / f"{doc}.html").read_text(encoding="utf-8"), "html.parser").find("h1")
        for link in h1.select("a.headerlink"):
            link.decompose()
        titles.append(_flat(h1.get_text()))
    return titles


@pytest.fixture(scope="module")
def starts(pages: list[str], toc_titles: list[str]) -> dict[str, int]:
    """The page each chapter starts on, as the printed contents (pages 2 and on) say."""
    contents = _flat(" ".join(pages[1:3]))
    found = {}
    for title in toc_titles:
        m = re.search(re.escape(title) + r" (\d+)\b", contents)
        assert m, f"the contents do not list {title!r} with a page number"
        found[title] = int(m.group(1))
    return found


Run = tuple[str, float, tuple[float, ...], float, float]


def _page_runs(page: object) -> list[Run]:
    """One page's pieces of text: (text, size in pt, fill colour, x, y), read with pypdf."""
    runs: list[Run] = []
    fill: list[tuple[float, ...]] = [(0.0, 0.0, 0.0)]
    saved: list[tuple[float, ...]] = []

    def before(op: bytes, args: list, cm: list, tm: list) -> None:
        if op == b"q":
            saved.append(fill[0])
        elif op == b"Q" and saved:
            fill[0] = saved.pop()
        elif op in (b"rg", b"sc", b"scn") and len(args) == 3:
            fill[0] = tuple(float(a) for a in args)
        elif op == b"g":
            fill[0] = (float(args[0]),) * 3

    def text(t: str, cm: list, tm: list, font: object, size: float) -> None:
        if not t.strip():
            return
        _a, _b, c, d, e, f = (float(x) for x in tm)
        ca, cb, cc, cd, ce, cf = (float(x) for x in cm)
        m = (c * ca + d * cc, c * cb + d * cd, e * ca + f * cc + ce, e * cb + f * cd + cf)
        runs.append((t.strip(), float(size) * math.hypot(m[0], m[1]), fill[0], m[2], m[3]))

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return runs


def _runs(printed: Path) -> list[list[Run]]:
    from pypdf import PdfReader

    return [_page_runs(page) for page in PdfReader(printed).pages]


@pytest.mark.book
def test_pdf_title_page_states_the_thesis_and_has_no_page_number(printed: Path, pages: list[str]) -> None:
    meta = pdf._book_meta()
    title_page = _flat(pages[0])
    for field in ("title", "subtitle", "author", "supervisor", "university", "faculty", "year"):
        assert _flat(getattr(meta, field)) in title_page, f"the title page lacks the {field}: {title_page[:300]}"
    assert not re.search(r"(^|\n)\s*1\s*$", pages[0].rstrip()), "the title page carries a page number"
    assert _lines(pages[1])[-1] == "2", "the contents page carries no number 2"


@pytest.mark.book
def test_pdf_contents_list_every_chapter_on_the_page_it_opens(
    pages: list[str], toc_titles: list[str], starts: dict[str, int]
) -> None:
    assert len(starts) == len(pdf.chapters_in_toc()) + 1  # the landing page too
    numbers = [starts[t] for t in toc_titles]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers), numbers
    for title, number in starts.items():
        # a chapter opens a new page: its heading is the first text under the running head
        under_head = " ".join(_lines(pages[number - 1])[1:5])
        assert under_head.startswith(title), f"{title!r} does not open page {number}: {under_head[:120]}"


@pytest.mark.book
def test_pdf_running_heads_name_the_book_and_the_chapter(
    pages: list[str], toc_titles: list[str], starts: dict[str, int]
) -> None:
    book = _flat(pdf._book_meta().title)
    first = starts[toc_titles[0]]
    for number in range(first, len(pages)):
        lines = _lines(pages[number - 1])
        if not lines:
            continue
        chapter = max((t for t in toc_titles if starts[t] <= number), key=lambda t: starts[t])
        expected = book if number % 2 == 0 else chapter
        assert lines[0] == expected, f"page {number}: running head {lines[0]!r}, not {expected!r}"


@pytest.mark.book
def test_pdf_keeps_figures_and_tables_with_their_captions_and_data(pages: list[str], built_book: Path) -> None:
    with_data: dict[str, bool] = {}  # a figure's caption number: whether its Data box may be long
    tables = []
    for html_page in sorted((built_book / "chapters").glob("*.html")):
        soup = BeautifulSoup(html_page.read_text(encoding="utf-8"), "html.parser")
        for fig in soup.select("figure.kzp-exhibit"):
            number, data = fig.select_one(".caption-number"), fig.select_one("details.kzp-data")
            if number and data:
                with_data[number.get_text(strip=True)] = len(data.select("tr")) > 10
        tables += [n.get_text(strip=True) for n in soup.select("div.kzp-exhibit caption .caption-number")]
    assert len(with_data) >= 10 and len(tables) >= 10, (with_data, tables)
    bodies = [_lines(page)[1:-1] for page in pages]  # under the running head, above the page number
    for number, body in enumerate(bodies, 1):
        if body:
            assert body[-1] != "Data", f"a lone Data label ends page {number}"
        for i, line in enumerate(body):
            label = " ".join(line.split(" ")[:2])
            if label in with_data:
                # the Data box follows its caption on the page; one of more than 10 rows may open the next
                here = "Data" in body[i + 1 :]
                following = with_data[label] and number < len(bodies) and bodies[number][:1] == ["Data"]
                assert here or following, f"{label} and its Data box are not together (page {number})"
            if label in tables:
                assert len(body) - i >= 3, f"{label} ends page {number} without its table"


@pytest.mark.book
def test_pdf_has_no_instruction_that_only_works_on_a_screen(pages: list[str]) -> None:
    text = _flat(" ".join(pages))
    found = [m.group(0) for m in re.finditer(r".{0,60}" + pdf.SCREEN_ONLY + r".{0,20}", text, re.I)]
    assert not found, found[:3]


@pytest.mark.book
def test_pdf_data_tables_print_at_8pt_or_more_in_black(printed: Path) -> None:
    checked = 0
    for number, runs in enumerate(_runs(printed), 1):
        for label, _size, _fill, x0, y0 in runs:
            if label != "Data":
                continue
            # the label, then the table's header and first rows just under it
            box = [r for r in runs if x0 - 10 <= r[3] <= x0 + 450 and y0 - 50 <= r[4] <= y0 + 0.5]
            assert len(box) > 3, f"page {number}: nothing under the Data label"
            for text, size, fill, _x, _y in box:
                checked += 1
                assert size >= 7.95, f"page {number}: Data table text {text!r} at {size:.2f} pt"
                assert max(fill) <= 0.25, f"page {number}: Data table text {text!r} in colour {fill}"
    assert checked > 100, checked


def _words(text: str) -> list[str]:
    """Tokens a table cell may break between: spaces, after , ; = / ( [ and inside a compound of words."""
    words = []
    for token in unicodedata.normalize("NFKC", text).split():
        words += [w for w in re.split(r"(?<=[,;=/(\[])|(?<=[A-Za-z]{3}-)(?=[A-Za-z]{3})", token) if w]
    return words


@pytest.mark.book
def test_pdf_wide_tables_are_landscape_and_no_cell_breaks_a_word(
    printed: Path, pages: list[str], built_book: Path
) -> None:
    from pypdf import PdfReader

    wanted: Counter[str] = Counter()
    for html_page in sorted((built_book / "chapters").glob("*.html")):
        soup = BeautifulSoup(html_page.read_text(encoding="utf-8"), "html.parser")
        for cell in soup.select("table td, table th"):
            if cell.find_parent("details", class_="kzp-provenance"):
                continue
            for block in cell.find_all(["br", "p", "li", "div"]):
                block.insert_after(" ")  # "[Dahl, 1957]" is one run of text; two paragraphs are not
            wanted.update(_words(cell.get_text("")))
    printed_words = Counter(_words(" ".join(pages)))
    # a word broken inside, or a column cut off at the page's edge, is printed fewer times than it is in the tables
    short = {w: (n, printed_words[w]) for w, n in wanted.items() if printed_words[w] < n}
    assert not short, f"{len(short)} table words not printed whole, e.g. {sorted(short.items())[:8]}"
    reader = PdfReader(printed)
    e16 = [i for i, page in enumerate(pages) if any(line.startswith("Table E16.") for line in _lines(page))]
    assert e16, "Table E16 is not in the PDF"
    box = reader.pages[e16[0]].mediabox
    assert box.width > box.height, f"Table E16 is on a portrait page ({e16[0] + 1})"


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
