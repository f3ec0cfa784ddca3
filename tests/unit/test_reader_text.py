"""No code name in what a reader reads: every page's visible text, Data and Source boxes opened.

Category, partner, website, level and reading names reach the page as labels ("Security and
military", never ``security_military``); the library's module paths (``kzperception.analysis.x``)
and ASCII arrows ("37 -> 78") are the code's words, not the book's. Code elements (``code``, ``pre``,
``kbd``, ``samp``) are where a command or a file name belongs, so their text is not read; every other
text is, the charts' own (axis titles, labels, legends) and table rows a filter hides included.

Here the scanner itself; tests/book/test_reader_text_book.py reads every page of a built book
(``KZP_TEST_HTML=DIR`` points it at an already built book's HTML instead of building one).
"""

from __future__ import annotations

import pytest
from helpers.code_names import code_names

from kzperception.book.display import reader_text


def test_the_check_sees_each_kind_of_code_name() -> None:
    assert code_names("Table E7 lists security_military above the figure")
    assert code_names("as kzperception.analysis.section_readings computes") and code_names("see analysis.audit here")
    assert code_names("China 37 -> 78")
    assert not code_names(
        "Security and military; 37 → 78; Kazakhstan's president; www.akorda.kz/ru/a_b; "
        "https://x.org/some_page; the kzperception project. p < 0.05; e.g. 6.3.1"
    )


@pytest.mark.parametrize(
    "text",
    [
        "codes[period=all,category=cross_border,mode=non_cooperation,level=main]",
        "rests on cells not published (e.g. china/before/security_military/non_cooperation/main)",
        "uses a total stated by the thesis (codes_non_cooperation); China 25 -> 65, Russia 24 -> 39",
    ],
)
def test_table_cells_read_as_labels(text: str) -> None:
    """The tables' cell labeller leaves no code name in a cell that has ids written into it."""
    shown = reader_text(text)
    assert not code_names(shown), shown
    assert reader_text("https://www.akorda.kz/ru/a_b") == "https://www.akorda.kz/ru/a_b"
