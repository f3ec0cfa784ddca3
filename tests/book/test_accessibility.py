"""axe-core, the accessibility checker, in every page of the built book at 1366 and 390 px.

A reader with a screen reader or a keyboard meets the theme's widgets (search button, sidebars,
chart menus) as much as the book's text, so every page is checked whole, theme included, and any
violation axe rates critical or serious fails the test. axe-core comes from npm (package.json and
package-lock.json; `make setup` installs it into ./node_modules) and is injected into each page from
disk, so nothing is fetched and the pages are opened from file:// with the network closed.

``KZP_TEST_HTML=DIR`` points the test at an already built book's HTML instead of building one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kzperception import paths
from tests.book.test_browser import WIDTHS, _open
from tests.conftest import ALLOW_SKIP_ENV, draw_charts, missing

pytestmark = [pytest.mark.book, pytest.mark.browser]

#: axe-core as npm installs it (`make setup`, `.ci/run`).
AXE_SCRIPT = paths.ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: The impacts that fail the test; "moderate" and "minor" are reported by axe but not counted.
BLOCKING = ("critical", "serious")
NO_AXE = (
    f"axe-core is missing at {AXE_SCRIPT}: run `make setup` (npm ci) to install it "
    f"({ALLOW_SKIP_ENV}=1 skips the accessibility tests instead)"
)

_RUN = """async (blocking) => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => blocking.includes(v.impact)).map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(" ") + ": "
                            + (n.failureSummary || "").split("\\n").slice(1, 2).join("").trim()),
  }));
}"""


def axe_source() -> str:
    """The axe-core script, or a one-line failure (a skip with KZP_ALLOW_SKIP=1) naming `make setup`."""
    if not AXE_SCRIPT.is_file():
        missing(NO_AXE)
    return AXE_SCRIPT.read_text(encoding="utf-8")


def axe_violations(page, source: str) -> list[str]:
    """Each critical or serious violation axe finds in the page as it is now, one line per element."""
    page.add_script_tag(content=source)
    found = []
    for v in page.evaluate(_RUN, list(BLOCKING)):
        for node in v["nodes"][:5]:
            found.append(f"{v['impact']} {v['id']} ({v['help']}): {node[:220]}")
        if len(v["nodes"]) > 5:
            found.append(f"{v['impact']} {v['id']}: and {len(v['nodes']) - 5} more elements")
    return found


def every_page(html_root: Path) -> list[str]:
    """Every page a reader can open, the search page, the index and the 404 page included."""
    return sorted(
        str(p.relative_to(html_root))
        for p in html_root.rglob("*.html")
        if "_static" not in p.parts and "_sources" not in p.parts
    )


def _charts_drawn(page) -> None:
    """Wait for the charts (their menus and SVGs are part of what is checked)."""
    if page.locator(".kzp-chart").count():
        draw_charts(page)
        page.wait_for_timeout(200)


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_no_serious_accessibility_violation(html_root: Path, browser, size: str) -> None:
    """axe reports no critical or serious violation on any page, at a desktop's and a phone's width."""
    source = axe_source()
    problems: list[str] = []
    pages = every_page(html_root)
    assert len(pages) >= 20 and "404.html" in pages and "bibliography.html" in pages
    for rel in pages:
        opened = _open(browser, html_root, rel, *WIDTHS[size])
        try:
            _charts_drawn(opened.page)
            problems += [f"{rel}: {p}" for p in axe_violations(opened.page, source)]
        finally:
            opened.close()
    assert not problems, f"{size} {WIDTHS[size]}: axe-core found {len(problems)} problem(s):\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "markup, rule",
    [
        ('<button class="x"><svg width="10" height="10"></svg></button>', "button-name"),
        ('<div role="list"><a href="#a">a</a></div>', "aria-required-children"),
        ('<p style="color:#176de8;background:#f3f4f5">Grey row link colour</p>', "color-contrast"),
        (
            '<div role="img" aria-label="chart"><details><summary></summary><a href="#">Save</a></details></div>',
            "nested-interactive",
        ),
    ],
)
def test_the_check_sees_a_violation(browser, tmp_path: Path, markup: str, rule: str) -> None:
    """The check can fail: each fault the book once had (an unnamed button, a list holding links, a
    link colour under 4.5:1 on a grey row, a chart menu inside an image) is reported."""
    page_file = tmp_path / "page.html"
    page_file.write_text(
        f'<!doctype html><html lang="en"><head><title>t</title></head>'
        f"<body><main><h1>t</h1>{markup}</main></body></html>",
        encoding="utf-8",
    )
    opened = _open(browser, tmp_path, "page.html", *WIDTHS["desktop"])
    try:
        found = axe_violations(opened.page, axe_source())
    finally:
        opened.close()
    assert any(f" {rule} " in f for f in found), found
