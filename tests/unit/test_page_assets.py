"""Each page loads the theme's extension assets it uses, and no script blocks its first paint that need not.

Lighthouse (mobile) found 14 render-blocking files and 386 KB of unused CSS on every page:
code-highlighting, copy-button, toggle-button, sphinx-design and notebook-cell styles on pages with
no code, no toggle, no design element and no cell. ``kzperception.book.sphinx_offline._prune``
keeps an asset only where the page's body uses it and defers the scripts that wait for the
document anyway. Checked here on the page context Sphinx hands the hook.
"""

from __future__ import annotations

import re

import pytest
from sphinx.builders.html._assets import _CascadingStyleSheet, _JavaScript

from kzperception.book import sphinx_offline
from kzperception.book.sphinx_offline import page_needs

CSS = [
    "pygments.css?v=1",
    "copybutton.css?v=1",
    "togglebutton.css?v=1",
    "sphinx-thebe.css?v=1",
    "sphinx-design.min.css?v=1",
    "mystnb.11b39860a7a0cbfd473a3ad8a317855267ff0bd372690045ca344a6b62be495e.css?v=2",
    "kzperception.css?v=1",
    "kzp-exhibits.css?v=1",
    "kzp-exhibits.css?v=1",
]
SCRIPTS = [
    "documentation_options.js",
    "doctools.js",
    "sphinx_highlight.js",
    "clipboard.min.js",
    "copybutton.js",
    "scripts/sphinx-book-theme.js",
    "togglebutton.js",
    "design-tabs.js",
    "no-mathjax.js",
    "kzp-charts.js",
]


def _context(body: str) -> dict:
    scripts = [_JavaScript(f"_static/{name}") for name in SCRIPTS]
    scripts.insert(7, _JavaScript(None, body="var togglebuttonSelector = '.toggle, .admonition.dropdown';"))
    scripts.append(_JavaScript(None, body="DOCUMENTATION_OPTIONS.pagename = 'x';"))
    return {"body": body, "script_files": scripts, "css_files": [_CascadingStyleSheet(f"_static/{c}") for c in CSS]}


def _names(items) -> list[str]:
    return [sphinx_offline._base(str(i.filename)) for i in items if i.filename]


def _prune(body: str, page: str = "chapters/x") -> dict:
    context = _context(body)
    sphinx_offline._prune(None, page, "page.html", context, None)  # type: ignore[arg-type]
    return context


def test_a_text_page_loads_no_extension_asset_it_does_not_use():
    context = _prune('<section><p class="kzp-lead">Words only.</p><details class="kzp-data"></details></section>')
    assert _names(context["css_files"]) == ["kzperception.css", "kzp-exhibits.css"]  # and the duplicate gone
    assert _names(context["script_files"]) == [
        "documentation_options.js",
        "doctools.js",
        "sphinx_highlight.js",
        "sphinx-book-theme.js",
        "no-mathjax.js",
    ]
    bodies = [js.attributes.get("body", "") for js in context["script_files"]]
    assert not any("togglebutton" in b for b in bodies) and any("pagename" in b for b in bodies)


@pytest.mark.parametrize(
    ("body", "assets"),
    [
        (
            '<div class="highlight-python notranslate"><div class="highlight"><pre>x</pre></div></div>',
            ["pygments.css", "copybutton.css", "clipboard.min.js", "copybutton.js"],
        ),
        ('<div class="admonition dropdown note">x</div>', ["togglebutton.css", "togglebutton.js"]),
        ('<div class="sd-card sd-shadow-sm">x</div>', ["sphinx-design.min.css", "design-tabs.js"]),
        ('<div class="cell docutils container"><div class="cell_output">x</div></div>', ["mystnb.css"]),
    ],
)
def test_a_page_that_uses_a_feature_keeps_its_assets(body, assets):
    context = _prune(body)
    kept = _names(context["css_files"]) + _names(context["script_files"])
    assert all(a in kept for a in assets)
    assert "sphinx-thebe.css" not in kept


def test_scripts_that_wait_for_the_document_are_deferred_the_rest_stay_in_order():
    context = _prune(
        '<div class="admonition dropdown">x</div><div class="highlight">y</div>'
        '<div class="sd-tab-set"><div class="kzp-chart">'
    )
    scripts = context["script_files"]
    defer = {sphinx_offline._base(str(js.filename)): js.attributes.get("defer") for js in scripts if js.filename}
    assert defer["documentation_options.js"] is None and defer["kzp-charts.js"] is None  # inline scripts read them
    assert all(defer[name] == "defer" for name in sphinx_offline.DEFERRED)
    assert _names(scripts) == [n.rsplit("/", 1)[-1] for n in SCRIPTS]  # order kept


def test_the_search_page_keeps_its_scripts_synchronous():
    context = _prune('<div class="highlight">y</div>', page="search")
    assert all("defer" not in js.attributes for js in context["script_files"])


def test_an_asset_of_no_extension_is_always_needed():
    assert page_needs("_static/kzp-search.js?v=1", "") and page_needs("styles/bootstrap.css", "")
    assert not page_needs("_static/sphinx-thebe.css", '<div class="thebe cell">')


def test_a_chart_page_names_the_vega_bundle_but_does_not_load_it():
    context = _prune('<div class="kzp-chart">')
    queue = [js for js in context["script_files"] if js.filename and js.filename.endswith("kzp-charts.js")]
    url = queue[0].attributes[sphinx_offline.BUNDLE_ATTRIBUTE] if queue else ""
    # the path from the page, and (when the bundle's version record exists) a digest that changes with it
    assert re.fullmatch(r"\.\./_static/vega-bundle\.js(\?v=[0-9a-f]{8})?", url), url
    assert not any(js.filename and "vega-bundle" in js.filename for js in context["script_files"])
