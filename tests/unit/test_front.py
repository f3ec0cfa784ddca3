"""The front page: findings chosen from the counts, escaped, linked; source notes only where they matter.

Unit tests, no book is built (tests/book/test_front_book.py opens built books in Chromium).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kzperception import paths
from kzperception.book import execute, front, pdf
from kzperception.book import layout as book_layout
from kzperception.book.chapter import open_chapter
from kzperception.data.counts import PUBLISHED, load_counts
from kzperception.data.window import THESIS_WINDOW
from tests.conftest import write_corpus

PIVOT = THESIS_WINDOW.pivot.isoformat()


def _corpus(folder: Path, china: tuple[int, int], russia: tuple[int, int], provenance: str = "collected") -> Path:
    """A corpus with ``(before, after)`` reports per partner on gov.kz, each coded economic as its main code."""
    reports, codes = [], []
    for partner, (before, after) in (("china", china), ("russia", russia)):
        for period, n, day in (("b", before, "2021-03-01"), ("a", after, "2022-06-01")):
            for i in range(n):
                rid = f"{partner}-{period}{i}"
                reports.append(f"{rid},{partner},government,mfa,{day},,,,,,{provenance}")
                codes.append(f"{rid},economic,cooperation,main,primary")
    return write_corpus(folder, "\n".join(reports) + "\n", "\n".join(codes) + "\n")


def _published_cell(country: str, period: str | None = None) -> int:
    """Table 1 read with the csv module alone: an independent count, not the library's."""
    with (paths.PUBLISHED / "table1_reports.csv").open(encoding="utf-8") as f:
        return sum(
            int(r["n"])
            for r in csv.DictReader(f)
            if r["country"] == country and (period is None or r["period"] == period)
        )


def test_the_published_findings_state_table_1s_numbers():
    found = {f.key: f for f in front.headline_findings(load_counts(PUBLISHED))}
    assert list(found) == ["reports", "growth", "leaders", "test"]
    total = _published_cell("china") + _published_cell("russia")
    china = (
        f"{_published_cell('china')} reports on China ({_published_cell('china', 'before')} in 2020–22, "
        f"{_published_cell('china', 'after')} in 2022–23)"
    )
    assert found["reports"].text.startswith(f"{total} coded reports in all: {china} and ")
    assert "Attention to China grows faster than attention to Russia" in found["growth"].text
    assert found["leaders"].text.startswith("Economic cooperation is the leading main code for both China")
    assert "The interval contains 1: chance alone could produce" in found["test"].text
    assert [f.chapter for f in found.values()] == [
        "06-2-reports",
        "06-2-reports",
        "06-3-1-categories",
        "06-4-uncertainty",
    ]


def test_the_test_finding_follows_the_interval(tmp_path):
    # China 10 -> 60 against Russia 40 -> 40: an odds ratio far above 1, its interval wholly above it.
    strong = load_counts(_corpus(tmp_path / "strong", (10, 60), (40, 40)))
    text = front.chance_finding(strong).text
    assert "lies wholly above 1: the two shifts differ by more than chance" in text
    assert "contains 1" not in text
    # Russia's reports shift instead: the interval lies wholly below 1.
    text = front.chance_finding(load_counts(_corpus(tmp_path / "rev", (40, 40), (10, 60)))).text
    assert "lies wholly below 1" in text
    # Equal shifts: the interval contains 1.
    text = front.chance_finding(load_counts(_corpus(tmp_path / "same", (20, 20), (20, 20)))).text
    assert "The interval contains 1" in text and "1.00 times" in text
    assert "no difference between the two shifts" in text and "tendency" not in text  # p = 1: no tendency
    # The published counts: p = 0.070, between the 5 % line and TENDENCY: a tendency.
    text = front.chance_finding(load_counts(PUBLISHED)).text
    assert "Fisher p = 0.070" in text and "a tendency, not an established one" in text


def test_the_growth_and_reports_findings_follow_the_counts(tmp_path):
    counts = load_counts(_corpus(tmp_path / "c", (10, 5), (1, 1)))
    found = {f.key: f for f in front.headline_findings(counts)}
    assert found["reports"].text == (
        "17 coded reports in all: 15 reports on China (10 in 2020–22, 5 in 2022–23) "
        "and 2 reports on Russia (1 in 2020–22, 1 in 2022–23)."
    )
    # Russia holds steady (1 -> 1): no "faster" contrast with a partner that did not move; both changes are said.
    assert found["growth"].text.startswith(
        "Attention to China falls by 50.0 % (from 10 to 5 reports), and attention to Russia holds steady at one report"
    )


def test_a_corpus_on_one_partner_has_no_contrast(tmp_path):
    counts = load_counts(_corpus(tmp_path / "one", (3, 4), (0, 0)))
    found = {f.key: f for f in front.headline_findings(counts)}
    assert "growth" not in found
    assert found["reports"].text == "7 coded reports in all: 7 reports on China (3 in 2020–22, 4 in 2022–23)."
    assert found["test"].text == "With reports on a single partner there is no contrast to test."


def test_findings_are_escaped_and_linked_only_to_chapters_the_book_has():
    hostile = front.Finding("x", "Title *bold*", "A {doc}`index` <b>tag</b> [link](x) $m$", "06-2-reports", "6.2")
    block = front.findings_myst([hostile])
    assert r"A \{doc\}\`index\` \<b\>tag\</b\> \[link\](x) \$m\$" in block
    assert r"**Title \*bold\*.**" in block
    assert "See {doc}`section 6.2 <chapters/06-2-reports>`." in block
    assert "{doc}" not in front.findings_myst([hostile], chapters=["06-3-coding"]).replace(r"\{doc\}", "")


def test_the_rerun_front_page_carries_the_findings_on_its_corpus(tmp_path):
    from kzperception.book import rerun

    folder = _corpus(tmp_path / "c", (10, 5), (1, 1))
    p = rerun.plan(folder, *THESIS_WINDOW.as_params().values(), tmp_path / "out", ["06-2-reports"])
    page = rerun.front_page(p)
    assert "## What this rerun finds" in page and "not on the thesis's published counts" in page
    assert "17 coded reports in all: 15 reports on China" in page
    assert "{doc}" not in page  # the contents below link the chapters
    synthetic = rerun.plan(
        _corpus(tmp_path / "s", (3, 3), (3, 3), "synthetic"),
        *THESIS_WINDOW.as_params().values(),
        tmp_path / "out2",
        ["06-2-reports"],
    )
    assert "a demonstration of what the method reports, not a finding about real reports" in rerun.front_page(synthetic)


def test_source_note_only_in_a_rerun(tmp_path, small_corpus):
    assert open_chapter().source_note() is None  # the main book: the landing page says it once
    synthetic = open_chapter(str(small_corpus)).source_note().data
    assert "Synthetic corpus — demonstration only" in synthetic and "kzp-synthetic" in synthetic
    collected = open_chapter(str(_corpus(tmp_path / "c", (2, 2), (2, 2)))).source_note().data
    assert collected.startswith('<div class="admonition note kzp-source"><p>Rerun: Numbers on this page')
    assert "demonstration" not in collected


LANDING = (
    '<p class="kzp-pdf-link"><span class="kzp-pdf-made" hidden><a href="{pdf}">PDF</a></span>'
    '<span class="kzp-pdf-missing">run make pdf</span></p>'
)


@pytest.mark.parametrize("made", [True, False])
def test_the_pdf_line_links_only_a_pdf_that_is_there(tmp_path, made):
    from kzperception.book.pdf import PDF_NAME

    (tmp_path / "index.html").write_text(LANDING.format(pdf=PDF_NAME), encoding="utf-8")
    if made:
        (tmp_path / PDF_NAME).write_bytes(b"%PDF-1.7\n")
    assert pdf.mark_pdf(tmp_path) is made
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert ('<span class="kzp-pdf-made">' in page) is made
    assert ('<span class="kzp-pdf-missing" hidden>' in page) is made
    # And back: the PDF removed (or made) after an earlier build flips the line again.
    if made:
        (tmp_path / PDF_NAME).unlink()
    else:
        (tmp_path / PDF_NAME).write_bytes(b"%PDF-1.7\n")
    assert pdf.mark_pdf(tmp_path) is (not made)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert ('<span class="kzp-pdf-made">' in page) is (not made)


def test_a_page_without_the_pdf_line_is_left_alone(tmp_path):
    (tmp_path / "index.html").write_text("<p>rerun front page</p>", encoding="utf-8")
    assert pdf.mark_pdf(tmp_path) is None
    assert pdf.mark_pdf(tmp_path / "absent") is None


def test_a_generated_front_page_is_kept_and_nothing_executed(tmp_path, monkeypatch):
    layout = book_layout.BookLayout.standalone(tmp_path)
    layout.source.mkdir(parents=True)
    (layout.source / "index.md").write_text("# A rerun\n", encoding="utf-8")
    monkeypatch.setattr(execute, "execute_chapter", lambda *a, **k: pytest.fail("executed"))
    assert execute.execute_front_page(layout) is None
    assert not (layout.source / "index.ipynb").exists()


def test_a_fresh_front_page_is_copied_from_the_seed_not_executed(tmp_path, monkeypatch):
    seed, layout = tmp_path / "seed", book_layout.BookLayout.standalone(tmp_path / "out")
    seed.mkdir()
    (seed / "index.ipynb").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(execute, "is_fresh", lambda target, key: target.parent == seed or target.exists())
    monkeypatch.setattr(execute, "execute_chapter", lambda *a, **k: pytest.fail("executed"))
    layout.source.mkdir(parents=True)
    run = execute.execute_front_page(layout, seed=seed)
    assert run is not None and run.status == "cached" and (layout.source / "index.ipynb").is_file()


def test_the_front_page_is_staged_by_no_one_and_book_holds_no_index_md():
    assert "index.md" not in book_layout.STAGED_PAGES
    assert not (paths.BOOK / "index.md").exists()  # two root documents would be ambiguous
    assert (paths.NOTEBOOKS / f"{book_layout.FRONT_PAGE}.md").is_file()
