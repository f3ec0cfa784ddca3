"""The built book's figures and tables: numbered by the build, captioned, tied to their captions, quiet sources.

Reads the HTML of the main book built once per session (the ``built_book`` fixture): Table 1 has
its ``<caption>``, the thesis's figures keep their numbers on the pages that hold them, the
edition's own figures and tables are numbered E1, E2 ... in book order, no page says "Computed
by", and every ``<figure>`` has a ``<figcaption>`` with an element tied to it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kzperception.book.layout import toc_chapters

pytestmark = pytest.mark.book


def _page(root: Path, stem: str) -> str:
    return (root / "chapters" / f"{stem}.html").read_text(encoding="utf-8")


def _numbers(html: str) -> list[str]:
    return re.findall(r'<span class="caption-number">([^<]*)</span>', html)


def _article(html: str) -> str:
    return html[html.find('<article class="bd-article"') : html.find("</article>")]


def test_table_1_is_a_numbered_cross_tab_with_its_caption(built_book):
    page = _page(built_book, "06-2-reports")
    table = re.search(r'<div class="kzp-exhibit kzp-exhibit-table" id="table-1">(.*?)</table>', page, re.S).group(1)
    assert re.search(r'<caption id="kzp-caption-table-1"><span class="caption-number">Table 1\.</span>', table)
    assert table.count("<tr>") == 5  # two header rows (country, period), two websites, the total row
    assert ">Total</td>" in table and ">218</td>" in table and ">2020–22</th>" in table
    # the first website's first count, right-aligned (kzp-num), with no per-cell id
    first_row = table[table.find("<tbody>") :].split("</tr>")[0]
    assert '<td class="kzp-num" >25</td>' in first_row and "_row0_col" not in table
    source = page[page.find('id="table-1"') :]
    source = source[: source.find("</details>")]
    assert "kzperception.book.charts.table_1_reports" in source and "data/published/table1_reports.csv" in source
    assert re.search(r'href="../_downloads/[0-9a-f]+/table_1_reports.csv"', source)
    assert "Reproduces the thesis, section 6.2." in source


def test_the_thesis_figures_keep_their_numbers_where_the_thesis_has_them(built_book):
    assert _numbers(_page(built_book, "06-2-reports")) == ["Table 1.", "Figure 1.", "Figure 2.", "Figure 3."]
    assert _numbers(_page(built_book, "06-3-1-categories")) == ["Figure 6.", "Figure 7.", "Figure 8.", "Figure 9."]
    assert "Figure 4." in _numbers(_page(built_book, "06-3-coding"))
    fig9 = re.search(
        r'<figure class="kzp-exhibit kzp-exhibit-figure" id="figure-9">(.*?)</figure>',
        _page(built_book, "06-3-1-categories"),
        re.S,
    ).group(1)
    assert 'aria-labelledby="kzp-caption-figure-9"' in fig9 and '<p id="kzp-caption-figure-9">' in fig9
    assert '<details class="kzp-data"><summary>Data</summary>' in fig9


def test_the_editions_own_exhibits_are_numbered_in_book_order(built_book):
    seen = {"Figure": [], "Table": []}
    for stem in toc_chapters():
        for label in _numbers(_page(built_book, stem)):
            word, number = label.rstrip(".").split(" ")
            if number.startswith("E"):
                seen[word].append(int(number[1:]))
    assert seen["Figure"] == list(range(1, len(seen["Figure"]) + 1)) and len(seen["Figure"]) >= 4
    assert seen["Table"] == list(range(1, len(seen["Table"]) + 1)) and len(seen["Table"]) >= 10
    page = _page(built_book, "06-4-uncertainty")
    assert _numbers(page)[0].startswith("Figure E1") and "Figure 6.4a" not in page
    # prose refers by the build's number, linked
    assert re.search(
        r'<a class="reference internal" href="06-3-coding.html#figure-4">'
        r'<span class="std std-numref">Figure 4</span></a>',
        _page(built_book, "06-1-code-categories"),
    )


def test_no_page_says_computed_by_and_sources_are_closed(built_book):
    for page in [*built_book.glob("chapters/*.html"), built_book / "index.html"]:
        text = re.sub(r"<[^>]+>", " ", _article(page.read_text(encoding="utf-8")))
        assert not re.search(r"\b(?:Computed|Drawn) by\b", text), page.name
    page = _page(built_book, "06-4-uncertainty")
    assert page.count('<details class="kzp-provenance">') == len(_numbers(page))
    assert "<details open" not in page


class _Figures(HTMLParser):
    """Each <figure> of a page: whether it has a <figcaption>, and the ids its elements point at."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: list[dict] = []
        self.depth = 0
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "figure":
            self.depth += 1
            self.figures.append({"figcaption": False, "refs": [], "id": a.get("id")})
        elif self.depth:
            if tag == "figcaption":
                self.figures[-1]["figcaption"] = True
            for key in ("aria-labelledby", "aria-describedby"):
                if a.get(key):
                    self.figures[-1]["refs"].extend(a[key].split())

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self.depth -= 1


def test_every_figure_has_a_figcaption_and_an_element_tied_to_it(built_book):
    count = 0
    for page in built_book.glob("chapters/*.html"):
        parser = _Figures()
        parser.feed(page.read_text(encoding="utf-8"))
        for fig in parser.figures:
            count += 1
            assert fig["figcaption"], f"{page.name}: figure {fig['id']} has no figcaption"
            assert fig["refs"] and all(r in parser.ids for r in fig["refs"]), f"{page.name}: {fig['id']}"
    assert count >= 14
