"""Dark mode: a reader who switches the theme to dark sees no light boxes and no dark text on dark.

The theme paints a notebook's HTML outputs on a light box in dark mode; the book's style sheet
puts tables, quotation pairs and charts on the page itself. Opened in headless Chromium with the
theme's mode set to dark (as its switch stores it), offline, at both widths: every table cell,
quotation and chart must sit on a dark background, its text must reach 4.5:1 against it, and
each chart carries its text alternative as the label of its Vega view. Screenshots go to
book/_build/screenshots/dark-*.png for a human to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kzperception import paths
from tests.book.test_browser import WIDTHS
from tests.conftest import draw_charts

pytestmark = [pytest.mark.book, pytest.mark.browser]

#: A page with a table and charts, and one with quotation pairs and a table.
PAGES = ("chapters/06-2-reports.html", "chapters/06-3-2-china-slots.html", "chapters/06-4-uncertainty.html")
SHOTS = paths.ROOT / "book" / "_build" / "screenshots"

# For each element: the first background that is painted behind it (itself or an ancestor), its
# luminance, and the contrast of the element's text (or an SVG text's fill) against it.
_MEASURE = """(sel) => {
  const rgb = (s) => { const m = s.match(/[\\d.]+/g); return m ? m.map(Number) : [0, 0, 0, 0]; };
  const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => {
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const behind = (el) => { for (let a = el; a; a = a.parentElement) {
      const c = rgb(getComputedStyle(a).backgroundColor); if (c.length < 4 || c[3] > 0.5) return c; }
    return rgb(getComputedStyle(document.body).backgroundColor); };
  const out = [];
  for (const el of document.querySelectorAll(sel)) {
    if (!el.textContent.trim()) continue;
    const st = getComputedStyle(el), bg = behind(el);
    const fg = rgb(el instanceof SVGElement ? st.fill : st.color);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    out.push({what: `${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 30)}"`, bg: lum(bg),
              contrast: (hi + 0.05) / (lo + 0.05)});
  }
  return out;
}"""
SELECTORS = (".bd-article table td", ".bd-article table th", ".kzp-quote blockquote p", ".kzp-chart svg text")


def _open_dark(browser, url: str, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme="dark")
    # the theme's switch stores the mode here; set before any script of the page runs
    context.add_init_script("localStorage.setItem('mode', 'dark'); localStorage.setItem('theme', 'dark');")
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "blob:")) else r.abort())
    page.goto(url, wait_until="load")
    return context, page


def dark_problems(measures: list[dict]) -> list[str]:
    """Elements on a light background, or whose text is under 4.5:1 against what is behind it."""
    out = []
    for m in measures:
        if m["bg"] > 0.2:
            out.append(f"{m['what']} sits on a light background (luminance {m['bg']:.2f})")
        elif m["contrast"] < 4.5:
            out.append(f"{m['what']} text contrast {m['contrast']:.1f}:1")
    return out


def test_dark_problems_catches_a_light_box_and_dark_text():
    assert dark_problems([{"what": "td", "bg": 0.65, "contrast": 12.0}])
    assert dark_problems([{"what": "text", "bg": 0.01, "contrast": 1.2}])
    assert dark_problems([{"what": "td", "bg": 0.01, "contrast": 11.0}]) == []


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_outputs_are_dark_and_readable_in_dark_mode(html_root: Path, browser, size: str) -> None:
    width, height = WIDTHS[size]
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for rel in PAGES:
        context, page = _open_dark(browser, (html_root / rel).as_uri(), width, height)
        try:
            assert page.evaluate("document.documentElement.dataset.theme") == "dark"
            charts = page.locator(".kzp-chart").count()
            if charts:
                draw_charts(page, 20_000)
            found = 0
            for sel in SELECTORS:
                measures = page.evaluate(_MEASURE, sel)
                found += len(measures)
                problems += [f"{rel} at {size}: {p}" for p in dark_problems(measures)[:3]]
            assert found, f"{rel}: nothing measured"
            # each chart's Vega view is labelled with the chart's text alternative
            labels = page.eval_on_selector_all(
                ".kzp-chart [role=graphics-document]", "els => els.map(e => e.getAttribute('aria-label') || '')"
            )
            assert len(labels) == charts and all(len(t) > 40 for t in labels), (rel, labels)
            page.screenshot(path=str(SHOTS / f"dark-{size}-{rel.replace('/', '_')}.png"), full_page=True)
        finally:
            context.close()
    assert problems == []
