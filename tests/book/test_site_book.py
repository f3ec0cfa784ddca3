"""The public site's finish checked on the real built book's HTML (marked ``book``; ``KZP_TEST_HTML=DIR``
reuses a built one): languages, meta, the bibliography and every quotation's source link. The pieces
and a small Sphinx project are tested in tests/unit/test_site.py and tests/commands/test_site_commands.py."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest
from helpers.site_text import fold, unmarked_cyrillic


@pytest.fixture(scope="module")
def book_html(request: pytest.FixtureRequest) -> Path:
    given = os.environ.get("KZP_TEST_HTML")
    if given:
        return Path(given).resolve()
    return request.getfixturevalue("built_book")


def _page_ids(page: Path, cache: dict[Path, set[str]]) -> set[str]:
    if page not in cache:
        cache[page] = set(re.findall(r'\sid="([^"]+)"', page.read_text(encoding="utf-8")))
    return cache[page]


@pytest.mark.book
def test_book_bibliography_and_every_quotation_source_link(book_html: Path) -> None:
    bib = (book_html / "bibliography.html").read_text(encoding="utf-8")
    labels = [
        html.unescape(lb)
        for lb in re.findall(
            r'<span class="label"><span class="fn-bracket">\[</span>(.*?)<span class="fn-bracket">\]</span>', bib
        )
    ]
    assert len(labels) > 100 and not [lb for lb in labels if re.fullmatch(r"\d+", lb)]
    first = [fold(re.split(r",| and | et al\.", lb)[0]).replace("'", "").removeprefix("the ") for lb in labels]
    assert first == sorted(first), "the bibliography is not one alphabetical run"
    ids: dict[Path, set[str]] = {}
    links = 0
    for page in sorted((book_html / "chapters").glob("*.html")):
        for href in re.findall(r'<a class="kzp-cite" href="([^"]+)"', page.read_text(encoding="utf-8")):
            target, _, anchor = html.unescape(href).partition("#")
            path = (page.parent / target).resolve()
            assert path.is_file() and anchor in _page_ids(path, ids), f"{page.name}: {href} does not resolve"
            links += 1
    assert links >= 20, "the quotations' source lines carry no links"


@pytest.mark.book
def test_book_languages_and_meta(book_html: Path) -> None:
    problems = []
    for page in sorted(book_html.rglob("*.html")):
        if "_static" in page.parts:
            continue
        text = page.read_text(encoding="utf-8")
        rel = str(page.relative_to(book_html))
        viewports = text.count('name="viewport"')
        if viewports != 1:
            problems.append(f"{rel}: {viewports} viewport tags")
        if len(re.findall(r'<meta name="description" content="[^"]+"', text)) != 1:
            problems.append(f"{rel}: no description")
        want = "cs" if rel.endswith("-cs.html") else "en"
        if f'<html lang="{want}"' not in text:
            problems.append(f"{rel}: not lang={want}")
        problems += [f"{rel}: Cyrillic without lang=ru: {t[:60]!r}" for t in unmarked_cyrillic(text)]
    assert not problems, "\n".join(problems[:40])
    assert (book_html / "404.html").is_file() and (book_html / "sitemap.xml").is_file()
