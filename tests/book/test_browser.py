"""Open every page of the built book in headless Chromium, from file://, with the network closed.

A reader opens the book from disk or from a static host, on a desktop or a phone, so every page is
opened at 1366x900 and at 390x844 and must: load with no console error and no request off the
machine; draw every chart (Vega from the bundled script); fit the screen (no horizontal overflow,
no text cut at the edge); show no Python repr, ``nan`` or ``None``; and let the reader open the
chapter list and the page contents with the theme's toggles. Screenshots of every page at both
widths go to book/_build/screenshots/ (git-ignored) for a human to look at.

``KZP_TEST_HTML=DIR`` points the tests at an already built book's HTML instead of building one.
Uses the Debian chromium package (`.ci/run` installs it); skipped with a reason when absent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kzperception import paths
from tests.conftest import draw_charts

pytestmark = [pytest.mark.book, pytest.mark.browser]

WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}
#: The chapter every layout test opens: it has a table, three charts and a page contents list.
CHAPTER = "chapters/06-2-reports.html"


class Opened:
    """One page opened offline: the page, and what it tried to fetch off the machine or logged as errors."""

    def __init__(self, browser, url: str, width: int, height: int) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.outside: list[str] = []
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url, wait_until="load")

    def _route(self, route) -> None:
        self.requests.append(route.request.url)
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def close(self) -> None:
        self.context.close()


def _open(browser, root: Path, rel: str, width: int, height: int) -> Opened:
    return Opened(browser, (root / rel).as_uri(), width, height)


def _pages(html_root: Path) -> list[str]:
    skip = {"genindex.html", "search.html"}
    return sorted(
        str(p.relative_to(html_root))
        for p in html_root.rglob("*.html")
        if p.name not in skip and "_static" not in p.parts and "_sources" not in p.parts
    )


# A panel is open when a reader can click one of its links: one is inside the viewport and is the
# element actually under its own centre (not hidden, not covered by the page or a backdrop).
_REACHABLE = """(sel) => [...document.querySelectorAll(sel)].some(a => {
  const r = a.getBoundingClientRect();
  if (r.width < 2 || r.height < 2 || r.left < 0 || r.top < 0) return false;
  if (r.right > innerWidth || r.bottom > innerHeight) return false;
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return !!hit && (hit === a || a.contains(hit));
})"""
PANELS = {
    "navigation": (".primary-toggle", ".bd-sidebar-primary a.reference"),
    "contents": (".secondary-toggle", ".bd-sidebar-secondary a.nav-link"),
}


@pytest.mark.parametrize("panel", sorted(PANELS))
@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_toggle_opens_its_panel(html_root: Path, browser, size: str, panel: str) -> None:
    """Clicking the visible toggle opens its panel; where the panel is shown without one, no toggle is offered.

    sphinx-book-theme 1.2-1.4 bound the handlers to a hidden header button, so the visible toggle
    did nothing at any width (issue 11); the pinned 1.1.4 / pydata-sphinx-theme 0.15.4 pair works.
    """
    toggle_sel, links = PANELS[panel]
    opened = _open(browser, html_root, CHAPTER, *WIDTHS[size])
    page = opened.page
    try:
        toggle = page.locator(f"{toggle_sel}:visible")
        shown = page.evaluate(_REACHABLE, links)
        if toggle.count():  # its icon is drawn (kzp-icons.css masks; FontAwesome is not shipped)
            icon = toggle.first.evaluate("""b => { const i = b.querySelector('[class*="fa-"]');
                const s = i && getComputedStyle(i, '::before');
                return s ? [s.width, s.webkitMaskImage || s.maskImage] : null; }""")
            assert icon and icon[0] != "0px" and icon[1].startswith("url("), f"{size}: the {panel} toggle has no icon"
        if toggle.count() == 0:
            assert shown, f"{size}: the {panel} panel is hidden and no visible toggle opens it"
            return
        if shown:  # a desktop sidebar: the toggle closes it, and a second click must open it again
            toggle.first.click()
            page.wait_for_timeout(400)
            assert not page.evaluate(_REACHABLE, links), f"{size}: the {panel} toggle does not close its panel"
        toggle.first.click()
        page.wait_for_timeout(400)
        assert page.evaluate(_REACHABLE, links), f"{size}: clicking the {panel} toggle does not open its panel"
        assert not opened.errors, opened.errors
    finally:
        opened.close()


# Layout faults, measured in the page as the reader sees it.
# - overflow: the page is wider than the screen (a phone then zooms the whole page out);
# - cut: a piece of text in the article, header or footer reaches past the edge of what shows it
#   (the screen, or a box that hides its overflow); a box that scrolls sideways is fine, if it says
#   so (kzp-layout.js gives it .kzp-scrolls);
# - unmarked: a box that scrolls sideways without saying so;
# - small: a chart label drawn under 10 px (a chart scaled down to fit).
_LAYOUT = """() => {
  const out = {overflow: document.documentElement.scrollWidth - innerWidth, cut: [], unmarked: [], small: []};
  const clipOf = (el) => {
    let box = {left: 0, right: innerWidth};
    for (let a = el; a && a !== document.documentElement; a = a.parentElement) {
      const x = getComputedStyle(a).overflowX;
      if (x === "auto" || x === "scroll") return null;
      if (x !== "visible") {
        const r = a.getBoundingClientRect();
        box = {left: Math.max(box.left, r.left), right: Math.min(box.right, r.right)};
      }
    }
    return box;
  };
  for (const root of document.querySelectorAll("#main-content, .bd-header-article, .bd-footer-content")) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent.trim();
      const el = n.parentElement;
      if (!text || !el || el.closest("script, style, .headerlink")) continue;
      const st = getComputedStyle(el);
      if (st.visibility === "hidden" || st.opacity === "0") continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      const clip = clipOf(el);
      if (!clip) continue;
      for (const r of range.getClientRects()) {
        if (r.width >= 1 && r.height >= 1 && (r.right > clip.right + 1 || r.left < clip.left - 1)) {
          out.cut.push(`"${text.slice(0, 50)}" spans ${Math.round(r.left)}-${Math.round(r.right)} px,`
                       + ` visible ${Math.round(clip.left)}-${Math.round(clip.right)} px`);
          break;
        }
      }
    }
  }
  for (const el of document.querySelectorAll("#main-content *")) {
    const x = getComputedStyle(el).overflowX;
    if ((x === "auto" || x === "scroll") && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0
        && !el.classList.contains("kzp-scrolls")) {
      out.unmarked.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} scrolls sideways without a hint`);
    }
  }
  for (const t of document.querySelectorAll(".kzp-chart svg text")) {
    const svg = t.ownerSVGElement, w = svg.width.baseVal.value;
    const px = parseFloat(getComputedStyle(t).fontSize) * (w ? svg.getBoundingClientRect().width / w : 1);
    if (t.textContent.trim() && px < 10) out.small.push(`"${t.textContent.slice(0, 30)}" at ${px.toFixed(1)} px`);
  }
  return out;
}"""

#: What a value printed by Python looks like when it reaches the page instead of a reader's text.
REPRS = [
    (re.compile(r"<[A-Za-z_][\w.]*(?: object)?(?: at 0x[0-9a-fA-F]+)?>"), "an object repr"),
    (re.compile(r"\bnan\b|\bNaN\b|\bNaT\b|<NA>"), "a missing value"),
    (re.compile(r"\bNone\b(?!\s+[a-z])"), "None"),  # "None of them" is English; "= None." is not
    (re.compile(r"\bdtype\b|\bTimestamp\(|\barray\(\["), "a pandas/numpy repr"),
]


def repr_problems(text: str) -> list[str]:
    """Python reprs, nan and None in a page's visible text, each with a little context."""
    found = []
    for pattern, what in REPRS:
        for m in pattern.finditer(text):
            context = " ".join(text[max(0, m.start() - 40) : m.end() + 20].split())
            found.append(f"{what}: ...{context}...")
    return found


def test_repr_check_catches_what_it_should() -> None:
    assert repr_problems("the statistic is <IPython.core.display.Markdown object> (p = nan)")
    assert repr_problems("odds ratio None.") and repr_problems("<Foo at 0x7f00>") and repr_problems("| <NA> |")
    assert not repr_problems("None of the other categories fitted; Nancy and nano are words.")


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_every_page_fits_and_reads_clean(html_root: Path, browser, size: str) -> None:
    """Every page at this size: offline, charts drawn, nothing wider than the screen or cut, no reprs."""
    width, height = WIDTHS[size]
    shots = paths.BUILD / "screenshots" / f"{size}-{width}"
    shots.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    pages = _pages(html_root)
    assert len(pages) >= 3
    charts_seen = 0
    for rel in pages:
        opened = _open(browser, html_root, rel, width, height)
        page = opened.page
        n_charts = page.locator(".kzp-chart").count()
        if n_charts:
            try:
                draw_charts(page)
            except Exception:  # playwright's TimeoutError: report it with the page's other faults
                problems.append(f"{rel}: a chart was not drawn within 15 s")
            charts_seen += n_charts
        page.wait_for_timeout(300)  # kzp-layout.js marks scrolling boxes shortly after the charts
        layout = page.evaluate(_LAYOUT)
        text = page.locator("#main-content").inner_text() if page.locator("#main-content").count() else ""
        page.screenshot(path=str(shots / (rel.replace("/", "__").removesuffix(".html") + ".png")), full_page=True)
        if layout["overflow"] > 1:
            problems.append(f"{rel}: the page is {layout['overflow']} px wider than the {width} px screen")
        problems += [f"{rel}: text cut at the edge: {c}" for c in layout["cut"][:5]]
        problems += [f"{rel}: {u}" for u in layout["unmarked"][:5]]
        problems += [f"{rel}: chart label under 10 px: {s}" for s in layout["small"][:3]]
        problems += [f"{rel}: {r}" for r in repr_problems(text)[:5]]
        problems += [f"{rel}: request left the machine: {u}" for u in opened.outside]
        problems += [f"{rel}: console error: {e}" for e in opened.errors]
        opened.close()
    assert not problems, f"{size} ({width}x{height}), screenshots in {shots}:\n" + "\n".join(problems)
    assert charts_seen >= 9


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_quotation_pairs_stack_on_a_phone(html_root: Path, browser, size: str) -> None:
    """Russian beside English on a desktop; on a phone Russian above English, both whole."""
    opened = _open(browser, html_root, "chapters/06-3-2-china-slots.html", *WIDTHS[size])
    try:
        pairs = opened.page.evaluate("""() => [...document.querySelectorAll('.kzp-quote')]
            .filter(q => q.querySelector('blockquote[lang=ru]') && q.querySelector('blockquote[lang=en]')).map(q => {
            const ru = q.querySelector('blockquote[lang=ru]').getBoundingClientRect();
            const en = q.querySelector('blockquote[lang=en]').getBoundingClientRect();
            return {ru: [ru.left, ru.right, ru.top, ru.bottom], en: [en.left, en.right, en.top, en.bottom]};
        })""")
        assert len(pairs) >= 5
        width = WIDTHS[size][0]
        for i, q in enumerate(pairs, 1):
            (rl, rr, rt, rb), (el, er, et, _) = q["ru"], q["en"]
            assert rl >= 0 and el >= 0 and rr <= width and er <= width, f"quotation {i} leaves the screen: {q}"
            if size == "phone":
                assert rb <= et + 1, f"quotation {i}: English is not below Russian on a phone: {q}"
            else:
                assert rr <= el + 1 and abs(rt - et) < 2, f"quotation {i}: not side by side on a desktop: {q}"
    finally:
        opened.close()


def test_the_vega_bundle_loads_only_when_a_chart_nears_the_screen(html_root: Path, browser) -> None:
    """A chart page does not fetch the 0.9 MB bundle at load (Lighthouse); scrolling to a chart draws it, from file://."""
    width, height = WIDTHS["phone"]
    opened = _open(browser, html_root, CHAPTER, width, height)
    page = opened.page
    try:
        chart = page.locator(".kzp-chart").first
        top = page.evaluate("el => el.getBoundingClientRect().top", chart.element_handle())
        assert top > 1.6 * height, f"the first chart is {top} px down: too near the top for this test"
        page.wait_for_timeout(1_000)
        bundles = [u for u in opened.requests if "vega-bundle.js" in u]
        assert not bundles, f"the bundle was fetched before any chart neared the screen: {bundles}"
        assert page.locator(".kzp-chart svg").count() == 0
        script = page.locator("script[src*='kzp-charts.js']")
        assert script.count() == 1 and "vega-bundle.js" in (script.get_attribute("data-vega-bundle") or "")
        assert page.locator("script[src*='vega-bundle.js']").count() == 0
        chart.scroll_into_view_if_needed()
        page.wait_for_function("el => !!el.querySelector('svg')", arg=chart.element_handle(), timeout=15_000)
        bundles = [u for u in opened.requests if "vega-bundle.js" in u]
        assert len(bundles) == 1 and bundles[0].startswith("file:"), bundles
        assert not opened.outside and not opened.errors, (opened.outside, opened.errors)
    finally:
        opened.close()


def test_chart_tooltip_appears_on_hover(html_root: Path, browser) -> None:
    opened = _open(browser, html_root, CHAPTER, *WIDTHS["desktop"])
    page = opened.page
    draw_charts(page)
    mark = page.locator("#vega-figure-1 svg .mark-rect path").first
    mark.hover()
    page.wait_for_selector("#vg-tooltip-element.visible", timeout=5_000)
    assert "Reports" in page.locator("#vg-tooltip-element").inner_text()
    opened.close()
