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


#: The page a reader meets before expanding anything: under 20 screens of 768 px at 1366 px, and
#: under 2,000 elements (Lighthouse's "excessive DOM" begins at 1,400; the page once had 6,226).
SCREENS, SCREEN_PX, ELEMENTS = 20, 768, 2000
VISIBLE = "getComputedStyle(r).display !== 'none'"
VERDICT_AT = "[...document.querySelector('#T_audit_statements').tHead.rows[0].cells].map(c => c.textContent.trim())"


def _verdicts(pg) -> list[str]:
    return pg.evaluate(f"{ROWS}.filter(r => {VISIBLE}).map(r => r.cells[0].textContent.trim())")


def test_the_page_opens_short_and_light_with_what_disagrees_first(browser, html_root):
    ctx, pg, errors = _open(browser, html_root, 1366)
    try:
        pg.set_viewport_size({"width": 1366, "height": SCREEN_PX})
        height = pg.evaluate("document.documentElement.scrollHeight")
        elements = pg.evaluate("document.getElementsByTagName('*').length")
        print(f"audit page at 1366 px: {height} px ({height / SCREEN_PX:.1f} screens), {elements} elements")
        assert height < SCREENS * SCREEN_PX, f"{height} px is {height / SCREEN_PX:.1f} screens"
        assert elements < ELEMENTS
        assert pg.evaluate(VERDICT_AT)[0] == "Verdict"  # first, never scrolled off to the right
        total = int(pg.get_attribute("#T_audit_statements", "data-kzp-rows"))
        shown = _verdicts(pg)
        assert shown and set(shown) <= {"disagrees", "not recomputable"} and len(shown) < total
        note = pg.locator(".kzp-fold-note").first
        assert f"the {len(shown)} of {total} rows" in note.text_content()
        # one click away: every row, in the order of the CSV, and the menus still narrow them
        note.locator("button").click()
        assert pg.evaluate(f"{ROWS}.length") == total == len(_verdicts(pg))
        assert pg.evaluate("document.getElementsByTagName('*').length") > elements
        assert pg.locator(".kzp-fold-note").first.locator("button").count() == 0
        assert errors == []
    finally:
        ctx.close()


def test_printing_expands_every_folded_table(browser, html_root):
    ctx, pg, errors = _open(browser, html_root, 1366)
    try:
        folded = pg.evaluate("[...document.querySelectorAll('table.kzp-folded')].map(t => +t.dataset.kzpRows)")
        assert len(folded) >= 2
        pg.emulate_media(media="print")  # a reader's Ctrl+P fires beforeprint; the PDF build emulates print
        pg.wait_for_function("document.querySelectorAll('table.kzp-folded, template.kzp-rows').length === 0")
        tables = pg.evaluate(
            "[...document.querySelectorAll('table[data-kzp-rows]')]"
            f".map(t => [+t.dataset.kzpRows, [...t.tBodies[0].rows].filter(r => {VISIBLE}).length])"
        )
        assert sorted(n for n, _ in tables) == sorted(folded) and all(n == shown for n, shown in tables)
        assert errors == []
    finally:
        ctx.close()


@pytest.mark.parametrize("width", [1366, 390])
def test_filter_by_verdict_and_section(browser, html_root, width):
    ctx, pg, errors = _open(browser, html_root, width)
    try:
        total = int(pg.get_attribute("#T_audit_statements", "data-kzp-rows"))
        bar = pg.locator(".kzp-filter").first
        assert pg.locator(".kzp-filter").count() >= 3  # statements, register checks, constraints, readings tried
        first = len(_verdicts(pg))
        assert bar.locator("span").text_content() == f"{first} of {total} rows"
        pg.select_option("#kzp-filter-0-verdict", "disagrees")  # a view of its own: every row joins the page
        shown = pg.evaluate(f"{ROWS}.filter(r => {VISIBLE}).length")
        assert pg.evaluate(f"{ROWS}.length") == total
        assert 0 < shown < total and set(_verdicts(pg)) == {"disagrees"}
        assert bar.locator("span").text_content() == f"{shown} of {total} rows"
        pg.select_option("#kzp-filter-0-section", "6.2")
        assert pg.evaluate(f"{ROWS}.filter(r => {VISIBLE}).length") == 0
        pg.select_option("#kzp-filter-0-verdict", "")
        assert 0 < pg.evaluate(f"{ROWS}.filter(r => {VISIBLE}).length") < total
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


def test_without_javascript_the_rows_to_check_show_and_say_so(browser, html_root):
    ctx, pg, _ = _open(browser, html_root, 390, js=False)
    try:
        assert pg.locator(".kzp-filter").count() == 0
        rows = pg.locator("#T_audit_statements tbody tr")
        total = int(pg.get_attribute("#T_audit_statements", "data-kzp-rows"))
        assert 0 < rows.count() < total
        assert rows.first.is_visible() and rows.last.is_visible()
        note = pg.locator(".kzp-fold-note").first.text_content()
        assert f"the {rows.count()} of {total} rows" in note and "CSV" in note
    finally:
        ctx.close()


def test_other_pages_get_no_filter(browser, html_root):
    ctx, pg, errors = _open(browser, html_root, 1366, page="chapters/06-2-reports.html")
    try:
        assert pg.locator(".kzp-filter").count() == 0 and errors == []
    finally:
        ctx.close()
