"""The web book builds from the chapters, holds Table 1 and Figures 1-9, and loads nothing remote."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kzperception.book.layout import toc_chapters

pytestmark = pytest.mark.book

REMOTE = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//(?!127\.0\.0\.1|localhost)[^"']+["']""", re.I)
ASSET = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*>""", re.I)
#: A link the browser never fetches: the canonical address of the page (from html_baseurl).
NOT_FETCHED = re.compile(r"""^<link\b[^>]*\brel\s*=\s*["']canonical["']""", re.I)


def _page(html_root: Path, stem: str) -> str:
    return (html_root / "chapters" / f"{stem}.html").read_text(encoding="utf-8")


def test_every_chapter_is_a_page(built_book):
    for stem in toc_chapters():
        assert (built_book / "chapters" / f"{stem}.html").is_file(), stem


def test_table_1_and_figures_1_to_9(built_book):
    reports = _page(built_book, "06-2-reports")
    coding = _page(built_book, "06-3-coding")
    assert "Table 1." in reports and "table_1_reports.csv" in reports
    for n in (1, 2, 3):
        assert f'id="vega-figure-{n}"' in reports and f"Figure {n}." in reports
    categories = _page(built_book, "06-3-1-categories")
    for n in range(4, 10):
        page = coding if n < 6 else categories  # Figures 6-9 belong to section 6.3.1, as in the thesis
        assert f'id="vega-figure-{n}"' in page and f"Figure {n}." in page
    assert '"tooltip"' in coding  # charts carry tooltips (interactive)


def test_glued_numbers_reach_the_prose(built_book):
    text = re.sub(r"<[^>]+>", "", _page(built_book, "06-2-reports"))
    assert "holds 218 reports" in re.sub(r"\s+", " ", text)


def test_no_asset_loads_from_the_internet(built_book):
    offenders = []
    for page in built_book.rglob("*.html"):
        for tag in ASSET.findall(page.read_text(encoding="utf-8")):
            if REMOTE.search(tag) and not NOT_FETCHED.search(tag):
                offenders.append(f"{page.relative_to(built_book)}: {tag[:120]}")
    assert not offenders, "\n".join(offenders)
    bundle = built_book / "_static" / "vega-bundle.js"
    assert bundle.is_file() and bundle.stat().st_size > 100_000
