"""The number style over the built pages' text (docs/architecture.md, "Numbers and labels").

Reads every page of the built book (``KZP_TEST_HTML=DIR``, or a book built for the session): no
number is bold in reader text, level labels are never ids in a table, and a table with a period
column lists each row's periods in time order. The chart-level rules are in test_number_style.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

pytestmark = [pytest.mark.book]

NUMBER = re.compile(r"^[\d.,\s]+(?:%|per cent)?$")
PERIODS = ("2020–22", "2022–23")


def _pages(root: Path) -> list[tuple[str, BeautifulSoup]]:
    out = []
    for path in sorted(root.rglob("*.html")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(("_", "genindex", "search")):
            continue
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        article = soup.select_one("article.bd-article")
        if article is not None:
            out.append((rel, article))
    return out


@pytest.fixture(scope="module")
def pages(html_root):
    return _pages(html_root)


def test_no_number_is_bold(pages):
    bold = [
        (page, tag.get_text(strip=True))
        for page, article in pages
        for tag in article.find_all(["strong", "b"])
        if NUMBER.match(tag.get_text(strip=True))
    ]
    assert bold == []


def test_tables_show_level_labels_not_ids(pages):
    ids = [
        (page, cell.get_text(strip=True))
        for page, article in pages
        for cell in article.select("table td")
        if cell.get_text(strip=True) in {"main", "secondary"}
    ]
    assert ids == []


def test_periods_in_time_order_in_every_table(pages):
    wrong = []
    for page, article in pages:
        for table in article.find_all("table"):
            rows = [[c.get_text(strip=True) for c in tr.find_all(["td", "th"])] for tr in table.select("tbody tr")]
            seen: dict[tuple[str, ...], str] = {}
            for cells in rows:
                period = next((c for c in cells if c in PERIODS), None)
                if period is None:
                    continue
                key = tuple(c for c in cells if c not in PERIODS and not re.fullmatch(r"[\d.,–\s%]*", c))
                if seen.get(key) == PERIODS[1] and period == PERIODS[0]:
                    wrong.append((page, table.get("id"), key))
                seen[key] = period
    assert wrong == []
