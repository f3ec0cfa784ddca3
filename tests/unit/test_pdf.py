"""The PDF edition: `make pdf` prints the executed book as one PDF (kzperception.book.pdf).

The printed book is checked the way a reader or an archive would: it has pages, a title page and
a contents list with page numbers, every font embedded, the figures as vectors (no raster image
in the file), Table 1 and Figure 9, and Russian text that can be searched and copied. It is read
as a print edition too (issue 20): the title page says the thesis's facts and carries no number,
the contents list every chapter on the page it starts, each page has a running head (the book on
a left-hand page, its chapter on a right-hand one), no "Data" label or caption is left at a page's
foot away from its table, no caption asks the reader to hover or click, the Data tables print at
8 pt or more in black (pypdf reads the size and colour of each piece of text), and wide tables sit
on landscape pages with every word of every table cell whole: tests/book/test_pdf_book.py, on the
session's book built outside the checkout (`OUT/src` holds its executed chapters). The refusals (bad
--out, unexecuted chapters) run without building anything, in tests/commands/test_pdf_commands.py;
here the contents list, the title page's facts and the running heads, in process.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from kzperception.book import pdf

# --- the print edition (issue 20) ---------------------------------------------------------------


# Refusals: one line, nothing written, no traceback, values printed literally.


def test_contents_lists_every_toc_document() -> None:
    files = pdf.chapters_in_toc()
    assert files[0] == "chapters/00-abstract" and "bibliography" in files and len(files) >= 20


def test_a_broken_toc_is_one_line(tmp_path: Path) -> None:
    toc = tmp_path / "_toc.yml"
    toc.write_text("parts: [\n  - caption: x\n", encoding="utf-8")
    with pytest.raises(pdf.PdfError, match=r"cannot read the table of contents \(.*Error\)"):
        pdf.chapters_in_toc(toc)


def test_title_page_facts_are_checked(tmp_path: Path) -> None:
    meta = pdf._book_meta()
    assert meta.supervisor and meta.faculty and meta.year.isdigit() and meta.subtitle
    config = tmp_path / "_config.yml"
    config.write_text('title: "x"\n', encoding="utf-8")
    with pytest.raises(pdf.PdfError, match=r"_config.yml: print_edition: missing"):
        pdf._book_meta(config)
    facts = {f: "x" for f in pdf.REQUIRED}
    for broken, message in [
        ({**facts, "supervisor": ""}, "print_edition: supervisor: missing or empty"),
        ({**facts, "supervisor": None}, "print_edition: supervisor: missing or empty"),
        ({**facts, "advisor": "y"}, "print_edition: advisor: unknown field"),
    ]:
        config.write_text(yaml.safe_dump({"print_edition": broken}), encoding="utf-8")
        with pytest.raises(pdf.PdfError) as err:
            pdf._book_meta(config)
        assert str(err.value).startswith(f"{config}: {message}")


@given(st.text(min_size=1, max_size=40))
def test_a_chapter_title_prints_in_its_running_head_as_typed(title: str) -> None:
    rules = pdf.page_rules('Book "one"', [pdf.Chapter("a", title)])
    literal = pdf._css_string(title)
    # a CSS string: quotes and backslashes escaped, nothing can end it early
    assert literal.startswith('"') and literal.endswith('"')
    inner = literal[1:-1]
    assert not re.search(r'(?<!\\)(\\\\)*"', inner.replace('\\"', "")), literal
    assert f"@page kzp-ch0:right {{ @top-right {{ content: {literal};" in rules
    assert '@page kzp-ch0:left { @top-left { content: "Book \\"one\\"";' in rules
    assert "size: A4 landscape" in rules and '[data-kzp-chapter="0"] { page: kzp-ch0; }' in rules
