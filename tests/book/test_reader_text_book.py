"""No code name in what a reader reads, checked on every page of the built book with the Data and
Source boxes opened (marked ``book``); the scanner itself is tested in tests/unit/test_reader_text.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.code_names import code_names

from tests.book.test_browser import WIDTHS, _open
from tests.conftest import draw_charts

# The page as a reader reads it: every box opened, rows a filter hides shown, code hidden.
_READ = """() => {
  document.querySelectorAll("details").forEach(d => { d.open = true; });
  document.querySelectorAll("#main-content tr").forEach(tr => { tr.hidden = false; tr.style.display = ""; });
  const style = document.createElement("style");
  style.textContent = "code, pre, kbd, samp, tt, .highlight { display: none !important; }";
  document.head.appendChild(style);
  const text = document.body.innerText;
  const charts = [...document.querySelectorAll(".kzp-chart svg text")].map(t => t.textContent).join("\\n");
  style.remove();
  return text + "\\n" + charts;
}"""


@pytest.mark.book
@pytest.mark.browser
def test_no_code_name_in_any_page(html_root: Path, browser) -> None:
    """No snake_case token, module path or ASCII arrow outside code elements on any page."""
    problems: list[str] = []
    pages = sorted(
        str(p.relative_to(html_root))
        for p in html_root.rglob("*.html")
        if "_static" not in p.parts and "_sources" not in p.parts
    )
    assert len(pages) >= 20
    for rel in pages:
        opened = _open(browser, html_root, rel, *WIDTHS["desktop"])
        page = opened.page
        try:
            draw_charts(page)
            problems += [f"{rel}: {p}" for p in code_names(page.evaluate(_READ))]
        finally:
            opened.close()
    assert not problems, f"{len(problems)} code name(s) in reader text:\n" + "\n".join(problems[:60])
