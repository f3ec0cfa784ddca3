"""A subset rerun's built pages (marked ``book``): no raw label, no dead link, no link from the
thesis's reading to a figure of the rerun. The chapter choice is tested in tests/unit/test_rerun_argument.py."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from typer.testing import CliRunner

from kzperception import paths
from kzperception.cli import app

runner = CliRunner()


WINDOW = ["--start", "2020-08-24", "--pivot", "2022-02-24", "--end", "2023-08-24"]


# --- one rerun book, read as a reader would -------------------------------------------------------


BUILT = ["06-2-reports", "06-3-2-china-slots", "08-conclusion"]


@pytest.fixture(scope="module")
def subset_book(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rerun-subset") / "book"
    result = runner.invoke(
        app, ["rerun", "--corpus", str(paths.REGISTER), "--out", str(out), *WINDOW, "--chapters", ",".join(BUILT)]
    )
    assert result.exit_code == 0, result.output
    return out / "html"


def _pages(root: Path) -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.html")) if "_static" not in p.parts}


def _text(page: str) -> str:
    body = page.split("<main", 1)[-1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


@pytest.mark.book
def test_a_subset_rerun_shows_no_raw_label_and_no_dead_link(subset_book):
    pages = _pages(subset_book)
    for page, source in pages.items():
        text = _text(source)
        assert not re.search(r"\bsec-[a-z]", text), (page.name, re.findall(r".{60}\bsec-[a-z].{20}", text))
        for href in re.findall(r'href="([^"]+)"', source):
            parts = urlsplit(href)
            if parts.scheme or href.startswith(("#", "mailto:", "//")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.exists(), (page.name, href)
            if parts.fragment and target.suffix == ".html":
                assert f'id="{parts.fragment}"' in target.read_text(encoding="utf-8"), (page.name, href)
    conclusion = _text(pages[subset_book / paths.CHAPTERS_DIR / "08-conclusion.html"])
    assert "section 6.3.3 of the published book" in conclusion  # Russia's slots: not in this rerun
    assert "chapter 4 of the published book" in conclusion
    assert "Typical reports were described" not in conclusion


@pytest.mark.book
def test_the_thesiss_reading_in_a_rerun_links_no_figure_of_the_rerun(subset_book):
    page = (subset_book / paths.CHAPTERS_DIR / "06-3-2-china-slots.html").read_text(encoding="utf-8")
    reading = page[page.index('id="the-thesis-s-reading"') :]  # the section, not the page's contents list
    computed = page[: page.index('id="the-thesis-s-reading"')]
    assert "06-2-reports.html#table-1" in computed  # the rerun's own section links to the rerun's Table 1
    # The rerun holds 6.2 and its Figure 2; the thesis's sentence must not link to it.
    assert "06-2-reports.html#figure-2" not in reading and "06-2-reports.html#table-1" not in reading
    assert "Figure 2 of the thesis" in _text(reading) and "Table 1 of the thesis" in _text(reading)


@pytest.mark.book
def test_a_subset_reruns_reference_list_holds_the_works_its_pages_cite(subset_book):
    """The staged bibliography is narrowed to ``:cited:``: a reader of three chapters does not get the
    main book's 103 works under "Every work the book cites"."""
    pages = _pages(subset_book)
    cited = {
        key
        for page, source in pages.items()
        if page.name != "bibliography.html"
        for key in re.findall(r'href="[^"]*bibliography\.html#bib-([^"]+)"', source)
    }
    listed = set(re.findall(r'id="bib-([^"]+)"', pages[subset_book / "bibliography.html"]))
    assert listed == cited
    assert len(listed) < len(re.findall(r"^@", (paths.BOOK / "references.bib").read_text(encoding="utf-8"), re.M))
