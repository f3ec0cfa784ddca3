"""The audit appendix's tables filter by verdict and section in the page, offline, and read on a phone.

Opens the built appendix in headless Chromium from file:// with the network closed.
``KZP_TEST_HTML=DIR`` points at an already built book's HTML; otherwise the main book is built
into a temporary folder once per session.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.book, pytest.mark.browser]

PAGE = "chapters/appendix-audit.html"
ROWS = "Array.from(document.querySelectorAll('#T_audit_statements tbody tr'))"


def _open(browser, root: Path, width: int, js: bool = True, page: str = PAGE):
    ctx = browser.new_context(viewport={"width": width, "height": 844}, java_script_enabled=js)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.goto((root / page).as_uri())
    pg.wait_for_load_state("load")
    return ctx, pg, errors


@pytest.mark.parametrize("width", [1366, 390])
def test_filter_by_verdict_and_section(browser, html_root, width):
    ctx, pg, errors = _open(browser, html_root, width)
    try:
        total = pg.evaluate(f"{ROWS}.length")
        bar = pg.locator(".kzp-filter").first
        assert pg.locator(".kzp-filter").count() >= 3  # statements, register checks, constraints, readings tried
        assert bar.locator("span").text_content() == f"{total} rows"
        pg.select_option("#kzp-filter-0-verdict", "disagrees")
        shown = pg.evaluate(f"{ROWS}.filter(r => getComputedStyle(r).display !== 'none').length")
        cells = pg.evaluate(
            f"{ROWS}.filter(r => getComputedStyle(r).display !== 'none')"
            ".map(r => r.cells[[...r.parentNode.parentNode.tHead.rows[0].cells]"
            ".findIndex(c => c.textContent.trim() === 'Verdict')].textContent.trim())"
        )
        assert 0 < shown < total and set(cells) == {"disagrees"}
        assert bar.locator("span").text_content() == f"{shown} of {total} rows"
        pg.select_option("#kzp-filter-0-section", "6.2")
        assert pg.evaluate(f"{ROWS}.filter(r => getComputedStyle(r).display !== 'none').length") == 0
        pg.select_option("#kzp-filter-0-verdict", "")
        assert 0 < pg.evaluate(f"{ROWS}.filter(r => getComputedStyle(r).display !== 'none').length") < total
        # fits the screen: the page never scrolls sideways, the filter bar wraps, wide tables scroll in their box
        assert pg.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        assert pg.evaluate("[...document.querySelectorAll('.kzp-filter')].every(b => b.scrollWidth <= b.clientWidth)")
        if width == 390:  # the wide table becomes one card per row, each value beside its header (kzp-layout.js)
            pg.wait_for_function("document.querySelector('#T_audit_statements').classList.contains('kzp-stacked')")
            assert pg.evaluate(
                "[...document.querySelectorAll('#T_audit_statements tbody td')]"
                ".every(td => td.hasAttribute('data-label'))"
            )
        assert errors == []
    finally:
        ctx.close()


def test_without_javascript_every_row_shows(browser, html_root):
    ctx, pg, _ = _open(browser, html_root, 390, js=False)
    try:
        assert pg.locator(".kzp-filter").count() == 0
        rows = pg.locator("#T_audit_statements tbody tr")
        assert rows.count() > 200
        assert rows.first.is_visible() and rows.last.is_visible()
        assert pg.locator("#T_audit_statements tbody tr:not([style*='none'])").count() == rows.count()
    finally:
        ctx.close()


def test_other_pages_get_no_filter(browser, html_root):
    ctx, pg, errors = _open(browser, html_root, 1366, page="chapters/06-2-reports.html")
    try:
        assert pg.locator(".kzp-filter").count() == 0 and errors == []
    finally:
        ctx.close()
