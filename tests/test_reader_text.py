"""No code name in what a reader reads: every page's visible text, Data and Source boxes opened.

Category, partner, website, level and reading names reach the page as labels ("Security and
military", never ``security_military``); the library's module paths (``kzperception.analysis.x``)
and ASCII arrows ("37 -> 78") are the code's words, not the book's. Code elements (``code``, ``pre``,
``kbd``, ``samp``) are where a command or a file name belongs, so their text is not read; every other
text is, the charts' own (axis titles, labels, legends) and table rows a filter hides included.

``KZP_TEST_HTML=DIR`` points the browser test at an already built book's HTML instead of building one.
"""

from __future__ import annotations

import pkgutil
import re
from pathlib import Path

import pytest

import kzperception
from kzperception.book.display import reader_text
from tests.conftest import draw_charts
from tests.test_browser import WIDTHS, _open

#: lower-case words joined by underscores: ``security_military``, ``growth_china_russia``.
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
#: Addresses keep their own underscores (a URL is what it is).
URL = re.compile(r"(?:https?://|www\.)\S+")
ASCII_ARROW = "->"


def module_paths() -> list[str]:
    """Every module of the library as a dotted path, with and without the package's name
    (``kzperception.analysis.section_readings`` and ``analysis.section_readings``)."""
    names = [m.name for m in pkgutil.walk_packages(kzperception.__path__, "kzperception.")]
    return sorted(
        {n for name in names for n in (name, name.split(".", 1)[1])} | {"kzperception"}, key=len, reverse=True
    )


#: A module path in running text: the package's name followed by a dot or slash and a name, or any
#: dotted path of the library's own modules.
MODULE_PATH = re.compile(
    r"\bkzperception(?:[./]\w+)+|\b(?:" + "|".join(re.escape(p) for p in module_paths() if "." in p) + r")\b"
)


def code_names(text: str) -> list[str]:
    """Each snake_case token, module path and ASCII arrow in ``text``, with a little context."""
    plain = URL.sub(" ", text)
    found = []
    for what, pattern in (
        ("snake_case name", SNAKE_CASE),
        ("module path", MODULE_PATH),
        ("ASCII arrow", re.compile(re.escape(ASCII_ARROW))),
    ):
        for m in pattern.finditer(plain):
            context = " ".join(plain[max(0, m.start() - 40) : m.end() + 30].split())
            found.append(f"{what} {m.group(0)!r}: ...{context}...")
    return found


def test_the_check_sees_each_kind_of_code_name() -> None:
    assert code_names("Table E7 lists security_military above the figure")
    assert code_names("as kzperception.analysis.section_readings computes") and code_names("see analysis.audit here")
    assert code_names("China 37 -> 78")
    assert not code_names(
        "Security and military; 37 → 78; Kazakhstan's president; www.akorda.kz/ru/a_b; "
        "https://x.org/some_page; the kzperception project. p < 0.05; e.g. 6.3.1"
    )


@pytest.mark.parametrize(
    "text",
    [
        "codes[period=all,category=cross_border,mode=non_cooperation,level=main]",
        "rests on cells not published (e.g. china/before/security_military/non_cooperation/main)",
        "uses a total stated by the thesis (codes_non_cooperation); China 25 -> 65, Russia 24 -> 39",
    ],
)
def test_table_cells_read_as_labels(text: str) -> None:
    """The tables' cell labeller leaves no code name in a cell that has ids written into it."""
    shown = reader_text(text)
    assert not code_names(shown), shown
    assert reader_text("https://www.akorda.kz/ru/a_b") == "https://www.akorda.kz/ru/a_b"


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
