"""A long audit table opens folded: the rows to look at in the page, every row in a template.

The audit page once had 6,000 elements and was 86 screens long, most of it statements that agree;
:func:`kzperception.book.exhibits.fold_rows` keeps the rows that disagree or cannot be checked in
the table's body and puts every row in a ``<template>`` (no element of the page until a reader, or
printing, asks for it). The browser side is tested in tests/book/test_audit_filter.py.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kzperception.book import exhibits
from kzperception.book.exhibits import CHECK_FIRST, Provenance, fold_rows

VERDICTS = ["agrees", "agrees on another reading", "disagrees", "not recomputable"]


class _Rows(HTMLParser):
    """The rows of a table's body as a browser parses them: outside the template, and inside it."""

    def __init__(self) -> None:
        super().__init__()
        self.body: list[list[str]] = []
        self.template: list[list[str]] = []
        self.header: list[str] = []
        self._in_template = False
        self._in_head = False
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "template":
            self._in_template = True
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
        elif tag in {"td", "th"}:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "template":
            self._in_template = False
        elif tag == "thead":
            self._in_head = False
        elif tag in {"td", "th"} and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._in_head:
                self.header = self._row
            else:
                (self.template if self._in_template else self.body).append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _parse(markup: str) -> _Rows:
    rows = _Rows()
    rows.feed(markup)
    return rows


def _frame(verdicts: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"id": [f"s{i:03d}" for i in range(len(verdicts))], "printed": range(len(verdicts)), "verdict": verdicts}
    )


@settings(deadline=None, max_examples=30)
@given(st.lists(st.sampled_from(VERDICTS), min_size=exhibits.FOLD_MIN_ROWS + 1, max_size=60))
def test_a_long_table_shows_what_to_check_and_keeps_every_row_in_order(verdicts):
    if all(v in CHECK_FIRST for v in verdicts):
        verdicts = [*verdicts, "agrees"]
    body = exhibits.table("audit-x", _frame(verdicts), Provenance("m.f"), fold=CHECK_FIRST).body
    rows = _parse(body)
    assert rows.header[0] == "Verdict"  # the verdict is read first, before a wide table scrolls
    assert [r[0] for r in rows.body] == [v for v in verdicts if v in CHECK_FIRST]
    assert [r[1] for r in rows.template] == [f"s{i:03d}" for i in range(len(verdicts))]
    assert f'data-kzp-rows="{len(verdicts)}"' in body and "kzp-folded" in body
    shown = sum(v in CHECK_FIRST for v in verdicts)
    assert f"Shown: the {shown} of {len(verdicts)} rows" in body


@settings(deadline=None, max_examples=30)
@given(st.lists(st.sampled_from(VERDICTS), max_size=exhibits.FOLD_MIN_ROWS))
def test_a_short_table_is_shown_whole(verdicts):
    body = exhibits.table("audit-x", _frame(verdicts), Provenance("m.f"), fold=CHECK_FIRST).body
    assert "<template" not in body and "kzp-folded" not in body
    assert len(_parse(body).body) == len(verdicts)


def test_a_table_where_every_row_needs_a_look_is_shown_whole():
    markup = exhibits.table("audit-x", _frame(["disagrees"] * 30), Provenance("m.f"), fold=CHECK_FIRST).body
    assert "<template" not in markup and len(_parse(markup).body) == 30


def test_without_fold_a_table_keeps_its_columns_and_rows():
    markup = exhibits.table("audit-x", _frame(["agrees"] * 30), Provenance("m.f")).body
    rows = _parse(markup)
    assert rows.header[0] == "Id" and len(rows.body) == 30 and "<template" not in markup


def test_fold_rows_names_a_bad_index_and_a_table_without_a_body():
    markup = "<table class='t'><tbody>" + "<tr><td>x</td></tr>" * 25 + "</tbody></table>"
    with pytest.raises(ValueError, match="out of range: the table has 25 rows"):
        fold_rows(markup, [25])
    with pytest.raises(ValueError, match="needs a <tbody>"):
        fold_rows("<table></table>", [])


def test_the_csv_keeps_the_analysis_column_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    frame = _frame(["agrees"] * 25 + ["disagrees"])
    exhibits.glue_table("audit-x", "m.f", frame, csv="audit_x", fold=CHECK_FIRST)
    header = (tmp_path / "audit_x.csv").read_text().splitlines()[0]
    assert re.match(r"id,printed,verdict", header)
