"""Tables and charts as a phone shows them (390 px) and as a desktop does (1366 px).

- Every table a reader needs reads without sideways scrolling on a phone: a table wider than the
  column is stacked by ``book/_static/kzp-layout.js`` (one card per row, each value beside its
  column's header), so no box holding a table scrolls, and every value of Table 1 is on screen.
- Every chart's texts (titles, axis titles, tick labels, legend entries) are whole and apart: none
  is cut by the edge of the chart's box or the screen, no two overlap or touch ("2019July"), rotated
  labels measured as rotated, and the chart menu's button covers none of them. The check is
  ``tests/chart_text_check.js``, run in the page.

``KZP_TEST_HTML=DIR`` points the tests at an already built book's HTML instead of building one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.book.test_browser import WIDTHS, _open
from tests.conftest import draw_charts

pytestmark = [pytest.mark.book, pytest.mark.browser]

CHART_CHECK = (Path(__file__).parents[1] / "chart_text_check.js").read_text(encoding="utf-8")

_TABLES = """() => [...document.querySelectorAll(".bd-article table")].filter(t => !t.closest(".highlight"))
  .map(t => {
    let box = t.parentElement;
    for (let el = t.parentElement; el && el !== document.body; el = el.parentElement) {
      const x = getComputedStyle(el).overflowX;
      if (x === "auto" || x === "scroll") { box = el; break; }
    }
    const cap = t.querySelector("caption") || t.closest("figure, section")?.querySelector("figcaption, h2, h3, h1");
    const unlabelled = t.classList.contains("kzp-stacked")
      ? [...t.querySelectorAll("tbody td:not(:first-child)")].filter(td => td.textContent.trim()
          && !td.getAttribute("data-label")).length : 0;
    return {name: (cap ? cap.textContent : t.id || "a table").trim().slice(0, 60),
            scrolls: box.scrollWidth > box.clientWidth + 1, right: Math.round(t.getBoundingClientRect().right),
            stacked: t.classList.contains("kzp-stacked"), unlabelled};
  })"""


def _pages(html_root: Path, mark: str) -> list[str]:
    return sorted(
        str(p.relative_to(html_root))
        for p in html_root.rglob("*.html")
        if "_static" not in p.parts and "_sources" not in p.parts and mark in p.read_text(encoding="utf-8")
    )


def _settled(page) -> None:
    draw_charts(page)
    page.wait_for_timeout(500)  # kzp-layout.js stacks tables at load, and again once charts are drawn


def test_tables_read_on_a_phone_without_scrolling_sideways(html_root: Path, browser) -> None:
    """At 390 px no table scrolls sideways or reaches past the screen, and a stacked table labels every value."""
    width, height = WIDTHS["phone"]
    problems: list[str] = []
    seen = stacked = 0
    for rel in _pages(html_root, "<table"):
        opened = _open(browser, html_root, rel, width, height)
        try:
            _settled(opened.page)
            opened.page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            opened.page.wait_for_timeout(300)
            for t in opened.page.evaluate(_TABLES):
                seen += 1
                stacked += t["stacked"]
                if t["scrolls"] or t["right"] > width:
                    problems.append(f"{rel}: {t['name']!r} scrolls sideways (right edge at {t['right']} px)")
                if t["unlabelled"]:
                    problems.append(f"{rel}: {t['name']!r} is stacked with {t['unlabelled']} values without a header")
        finally:
            opened.close()
    assert not problems, "\n".join(problems)
    assert seen >= 20 and stacked >= 5, (seen, stacked)


def test_table_1_shows_every_value_on_a_phone(html_root: Path, browser) -> None:
    """Table 1 (reports per website, country and period): every count and every column's name on screen."""
    width, height = WIDTHS["phone"]
    opened = _open(browser, html_root, "chapters/06-2-reports.html", width, height)
    try:
        _settled(opened.page)
        cells = opened.page.evaluate("""() => [...document.querySelectorAll('#T_table_1 tbody td')].map(td => {
            const r = td.getBoundingClientRect();
            return {text: td.textContent.trim(), label: getComputedStyle(td, '::before').content,
                    left: r.left, right: r.right, shown: td.checkVisibility()}; })""")
        assert len(cells) >= 12
        assert all(c["shown"] and c["left"] >= 0 and c["right"] <= width for c in cells), cells
        labels = " ".join(c["label"] for c in cells)
        assert "Russia" in labels and "China" in labels, labels
    finally:
        opened.close()


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_chart_texts_are_whole_and_apart(html_root: Path, browser, size: str) -> None:
    """No chart text is cut, overlaps or touches another, or lies under the chart menu's button."""
    problems: list[str] = []
    charts = 0
    for rel in _pages(html_root, 'class="kzp-chart"'):
        opened = _open(browser, html_root, rel, *WIDTHS[size])
        try:
            _settled(opened.page)
            charts += opened.page.locator(".kzp-chart svg").count()
            problems += [f"{rel}: {p}" for p in opened.page.evaluate(CHART_CHECK)]
        finally:
            opened.close()
    assert charts >= 9
    assert not problems, f"{size} {WIDTHS[size]}:\n" + "\n".join(problems)


def test_the_chart_check_sees_cut_and_touching_text(browser, tmp_path: Path) -> None:
    """The check can fail: a label past the box's edge, two labels 0.5 px apart, two rotated labels
    crossing, and a title under the menu's button are each reported; rotated labels side by side are not."""
    svg = """<svg width="300" height="200" xmlns="http://www.w3.org/2000/svg" style="font: 12px sans-serif">
      <text x="250" y="20">far past the edge</text>
      <text id="a" x="10" y="60">2019</text><text id="b" x="40" y="60">July</text>
      <text x="60" y="150" transform="rotate(-35 60 150)">China, government</text>
      <text x="70" y="140" transform="rotate(35 70 140)">Russia, president</text>
      <text x="150" y="190" transform="rotate(-35 150 190)">side one</text>
      <text x="190" y="190" transform="rotate(-35 190 190)">side two</text>
      <text x="150" y="100">A title under the menu</text></svg>"""
    page_file = tmp_path / "chart.html"
    page_file.write_text(
        f'<!doctype html><html lang="en"><body style="margin:0"><div class="kzp-chart" id="c" '
        f'style="width:300px;position:relative">{svg}<details style="position:absolute;left:200px;'
        f'top:85px"><summary>...</summary></details></div></body></html>',
        encoding="utf-8",
    )
    opened = _open(browser, tmp_path, "chart.html", 600, 400)
    try:
        opened.page.evaluate("""() => { const a = document.getElementById('a'), b = document.getElementById('b');
            b.setAttribute('x', a.getBBox().x + a.getBBox().width + 0.5); }""")
        found = opened.page.evaluate(CHART_CHECK)
    finally:
        opened.close()
    assert any('"far past the edge" is cut' in f for f in found), found
    assert any('"2019" and "July"' in f for f in found), found
    assert any('"China, government" and "Russia, president"' in f for f in found), found
    assert any('menu covers "A title under the menu"' in f for f in found), found
    assert not any('"side one" and "side two"' in f for f in found), found
