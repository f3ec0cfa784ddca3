"""A small Sphinx extension that keeps the built book offline, light, and free of script errors.

- Jupyter Book always loads sphinx-thebe, which declares the URL of thebe on unpkg.com in an inline
  script (and, after an incremental build, declares it twice, which is a JavaScript error). The
  book launches no live kernels, so the thebe scripts are dropped from every page.
- Any remaining script or stylesheet that points off the machine fails the build with a warning,
  so a new extension cannot quietly reintroduce a CDN.
- The Vega bundle (0.9 MB) is never a script of a page: pages that hold a chart placeholder load
  ``kzp-charts.js`` (a few KB, in ``book/_static``), whose ``data-vega-bundle`` attribute names the
  bundle's URL; it queues the charts' inline ``vegaEmbed`` calls and injects the bundle only when
  a chart nears the viewport, before printing, or on ``window.kzpDrawAll()`` (Lighthouse, mobile:
  parsing the bundle on load kept chart pages at 51-72 for performance).
- None of FontAwesome is loaded or shipped (a 1.5 MB script, a 100 KB stylesheet, 157 KB fonts):
  the dozen icons the pages name are written as CSS masks into ``_static/kzp-icons.css`` from the
  theme's own SVG paths (``templates/static/webpack-macros.html`` overrides the theme's asset
  macros to link it; it is written for the pinned pydata-sphinx-theme, checked at build time).
"""

from __future__ import annotations

import re
import shutil
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

from kzperception import paths

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).with_name("templates")
#: The pydata-sphinx-theme whose ``static/webpack-macros.html`` our copy in TEMPLATES follows.
PYDATA_THEME = "0.15.4"
#: Written into every chart page's <head> before the charts' inline scripts (synchronous, tiny).
CHART_QUEUE = "kzp-charts.js"
#: The class of a chart placeholder (``kzperception.book.display.ChartHTML``).
CHART_MARK = 'class="kzp-chart"'
CHART_SCRIPTS = (CHART_QUEUE, paths.VEGA_BUNDLE_NAME)
#: The attribute of kzp-charts.js's <script> that holds the bundle's URL, relative to the page.
BUNDLE_ATTRIBUTE = "data-vega-bundle"
#: The icons the pages use, as CSS (written at the end of the build; linked by the template).
ICON_CSS = "kzp-icons.css"
#: Scripts in _static that Jupyter Book would add to every page but only one page uses (it links
#: them itself): the audit appendix's table filters.
PAGE_OWN_SCRIPTS = ("kzp-filter.js",)
#: On every page: marks boxes that scroll sideways and adds a hint above them.
LAYOUT_SCRIPT = "kzp-layout.js"


def _is_remote(name: str) -> bool:
    return name.startswith(("http://", "https://", "//"))


def _script_name(js: Any) -> str:
    return str(getattr(js, "filename", js) or "")


#: Extensions' assets a page loads only when its body uses what they style or drive (Lighthouse,
#: mobile: 386 KB of unused theme CSS and 14 render-blocking files on every page). Each entry:
#: the files' name endings, and a pattern of the body that needs them.
_CODE = re.compile(r'class="highlight')
_TOGGLE = re.compile(r'class="[^"]*\b(?:toggle|dropdown)\b')
_DESIGN = re.compile(r'class="[^"]*\bsd-')
_CELLS = re.compile(r'class="[^"]*\bcell\b')
PAGE_ASSETS: tuple[tuple[tuple[str, ...], re.Pattern[str] | None], ...] = (
    (("sphinx-thebe.css",), None),  # no page runs code in the browser
    (("pygments.css", "copybutton.css", "copybutton.js", "clipboard.min.js"), _CODE),
    (("togglebutton.css", "togglebutton.js"), _TOGGLE),
    (("sphinx-design.min.css", "design-tabs.js"), _DESIGN),
    (("mystnb.css",), _CELLS),
)
#: The toggle button's settings, inline scripts that only togglebutton.js reads.
_TOGGLE_SETTINGS = ("toggleHint", "toggleOpenOnPrint", "togglebuttonSelector")
#: Scripts that wait for the document anyway (each registers a DOMContentLoaded handler) and need not
#: block the first paint: deferred, in order. documentation_options.js stays synchronous (an inline
#: script after it sets DOCUMENTATION_OPTIONS.pagename), and so does kzp-charts.js (the charts' inline
#: calls queue into it). The search page keeps its scripts as Sphinx wrote them (searchtools.js is
#: loaded synchronously after doctools.js).
DEFERRED = (
    "doctools.js",
    "sphinx_highlight.js",
    "clipboard.min.js",
    "copybutton.js",
    "sphinx-book-theme.js",
    "togglebutton.js",
    "design-tabs.js",
    "no-mathjax.js",
)


def _base(name: str) -> str:
    """A static file's name without its folder and its cache-busting query (``?v=...``)."""
    name = name.split("?", 1)[0].rsplit("/", 1)[-1]
    return re.sub(r"^(mystnb)\.[0-9a-f]{16,}(\.css)$", r"\1\2", name)  # myst-nb hashes its stylesheet's name


def page_needs(name: str, body: str) -> bool:
    """Whether a page whose HTML body is ``body`` needs the extension asset ``name`` (see PAGE_ASSETS)."""
    base = _base(name)
    for names, needed in PAGE_ASSETS:
        if base in names:
            return needed is not None and needed.search(body) is not None
    return True


def _deferred(js: Any) -> Any:
    from sphinx.builders.html._assets import _JavaScript

    if not isinstance(js, _JavaScript) or _base(str(js.filename)) not in DEFERRED or "defer" in js.attributes:
        return js
    return _JavaScript(js.filename, priority=js.priority, **{**js.attributes, "defer": "defer"})


def _bundle_url(pagename: str, context: dict[str, Any]) -> str:
    """The Vega bundle's URL relative to the page ``pagename`` (file:// works as well as http)."""
    target = f"_static/{paths.VEGA_BUNDLE_NAME}"
    pathto = context.get("pathto")
    url = str(pathto(target, 1)) if callable(pathto) else "../" * pagename.count("/") + target
    return url + _bundle_version()


def _bundle_version() -> str:
    """``?v=`` and a digest of the bundle's version record (the Altair and Vega versions it was made
    from), as Sphinx adds to the scripts it links: a reader's browser fetches a new bundle after the
    book's Vega changes instead of keeping the cached one. Empty when there is no record."""
    import hashlib

    record = paths.STATIC / f"{paths.VEGA_BUNDLE_NAME}.version"
    try:
        return "?v=" + hashlib.sha256(record.read_bytes()).hexdigest()[:8]
    except OSError:
        return ""


def _chart_queue(js: Any, pagename: str, context: dict[str, Any]) -> Any:
    """kzp-charts.js with the bundle's URL in its ``data-vega-bundle`` attribute."""
    from sphinx.builders.html._assets import _JavaScript

    if not isinstance(js, _JavaScript):
        return js
    attributes = {**js.attributes, BUNDLE_ATTRIBUTE: _bundle_url(pagename, context)}
    return _JavaScript(js.filename, priority=js.priority, **attributes)


def _prune(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    scripts = context.get("script_files") or []
    page = str(context.get("body") or "")
    has_chart = CHART_MARK in page
    toggles = page_needs("togglebutton.js", page)
    kept, seen = [], set()
    for js in scripts:
        name = _script_name(js)
        body = str(getattr(js, "attributes", {}).get("body", ""))
        if "thebe" in name or "THEBE_JS_URL" in body:
            continue
        if name.endswith(paths.VEGA_BUNDLE_NAME):  # kzp-charts.js loads it when a chart is near
            continue
        if not has_chart and name.endswith(CHART_SCRIPTS):
            continue
        if _base(name) == CHART_QUEUE:
            js = _chart_queue(js, pagename, context)
        if name.endswith(PAGE_OWN_SCRIPTS):  # loaded by the one page that uses it, from its own cell
            continue
        if (name and not page_needs(name, page)) or (not toggles and body.lstrip().startswith(_SETTINGS_START)):
            continue
        key = name or body
        if key in seen:
            continue
        seen.add(key)
        kept.append(js if pagename == "search" else _deferred(js))
        if _is_remote(name):
            logger.warning("page %s loads a remote script: %s", pagename, name)
    context["script_files"] = kept
    sheets, seen = [], set()
    for css in context.get("css_files") or []:
        name = str(getattr(css, "filename", css) or "")
        if _is_remote(name):
            logger.warning("page %s loads a remote stylesheet: %s", pagename, name)
        if not page_needs(name, page) or name in seen:
            continue
        seen.add(name)
        sheets.append(css)
    context["css_files"] = sheets


_SETTINGS_START = tuple(f"{kw} {v}" for kw in ("let", "var", "const") for v in _TOGGLE_SETTINGS)


def _templates_first(app: Sphinx, config: Config) -> None:
    """Put the book's template overrides ahead of the themes' own (they append theirs later)."""
    installed = version("pydata-sphinx-theme")
    if installed != PYDATA_THEME:
        logger.warning(
            "pydata-sphinx-theme %s is installed; %s/static/webpack-macros.html follows %s "
            "(requirements.lock pins it): update the copy with the pin",
            installed,
            TEMPLATES,
            PYDATA_THEME,
        )
    config.templates_path = [str(TEMPLATES), *[p for p in config.templates_path if p != str(TEMPLATES)]]


_ICON_CLASS = re.compile(r"\bfa-([a-z0-9]+(?:-[a-z0-9]+)*)\b")
_ICON_DEF = re.compile(r"""(?:"([a-z0-9-]+)"|([a-z0-9]+)):\[(\d+),(\d+),\[[^\]]*\],"[0-9a-f]+","([^"]+)"\]""")
#: FontAwesome's own modifiers the theme uses (sizes); the rest of all.min.css is not needed.
_ICON_BASE = """/* FontAwesome icons the pages use, as CSS masks (written by kzperception.book.sphinx_offline).
   FontAwesome Free 6.5.2 by @fontawesome - https://fontawesome.com, icons CC BY 4.0. */
.fa,.fa-brands,.fa-classic,.fa-regular,.fa-solid,.fab,.far,.fas{display:var(--fa-display,inline-block);
font-style:normal;font-variant:normal;line-height:1;text-rendering:auto}
.fa-lg{font-size:1.25em;line-height:.05em;vertical-align:-.075em}.fa-xs{font-size:.75em}.fa-sm{font-size:.875em}
.fa-fw{text-align:center;width:1.25em}.fa-2x{font-size:2em}
"""


#: The theme draws each admonition's title icon as a FontAwesome private-use character (U+F05A for a
#: note) in a ::after; with no FontAwesome font shipped it drew an empty box, so each becomes a mask.
ADMONITION_ICONS: dict[str, str] = {
    "": "bell",
    "note": "circle-info",
    "attention": "circle-exclamation",
    "important": "circle-exclamation",
    "caution": "triangle-exclamation",
    "danger": "triangle-exclamation",
    "warning": "triangle-exclamation",
    "error": "circle-xmark",
    "hint": "lightbulb",
    "tip": "lightbulb",
    "seealso": "share",
    "todo": "pencil",
}


#: Pseudo-elements the theme's stylesheet fills with a private-use glyph of FontAwesome's font, which
#: the book does not ship (selector -> the solid icon drawn there as a mask instead).
PSEUDO_ICONS: dict[str, str] = {"a.reference.download::before": "download"}


def icon_css(html_texts: list[str], fontawesome_js: str) -> str:
    """CSS drawing each FontAwesome icon the pages name, from the solid pack's SVG paths.

    The theme draws icons with FontAwesome's 100 KB stylesheet and a 157 KB web font (or its 1.5 MB
    script); a page needs a dozen icons, so each becomes a few hundred bytes of CSS mask here.
    """
    used = {m.group(1) for text in html_texts for m in _ICON_CLASS.finditer(text)}
    end = fontawesome_js.find('d("fas",p)')
    start = fontawesome_js.rfind("var p={", 0, end)
    solid = {}
    for m in _ICON_DEF.finditer(fontawesome_js, start, end):
        solid[m.group(1) or m.group(2)] = (int(m.group(3)), int(m.group(4)), m.group(5))
    rules = [_ICON_BASE]
    for name in sorted(used & solid.keys()):
        w, h, d = solid[name]
        svg = f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {w} {h}'><path d='{d}'/></svg>"
        url = 'url("data:image/svg+xml,' + quote(svg, safe=" :/='<>-.,") + '")'
        rules.append(
            f'.fa-{name}::before{{content:"";display:inline-block;width:{w / h:.4f}em;height:1em;'
            f"vertical-align:-.125em;background-color:currentColor;"
            f"-webkit-mask:{url} center/contain no-repeat;mask:{url} center/contain no-repeat}}"
        )
    for selector, name in PSEUDO_ICONS.items():  # the theme's own ::before icons (a private-use glyph of its font)
        if name not in solid:
            continue
        w, h, d = solid[name]
        svg = f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {w} {h}'><path d='{d}'/></svg>"
        url = 'url("data:image/svg+xml,' + quote(svg, safe=" :/='<>-.,") + '")'
        rules.append(
            f'{selector}{{content:"";display:inline-block;width:{w / h:.4f}em;height:1em;margin-right:.25em;'
            f"vertical-align:-.125em;background-color:currentColor;"
            f"-webkit-mask:{url} center/contain no-repeat;mask:{url} center/contain no-repeat}}"
        )
    for kind, name in ADMONITION_ICONS.items():
        if name not in solid:
            continue
        w, h, d = solid[name]
        svg = f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {w} {h}'><path d='{d}'/></svg>"
        url = 'url("data:image/svg+xml,' + quote(svg, safe=" :/='<>-.,") + '")'
        sel = ".admonition" + (f".{kind}" if kind else "")
        rules.append(
            f'{sel}>.admonition-title::after,div{sel}>.admonition-title::after{{content:"";'
            f"font:inherit;background-color:currentColor;"
            f"-webkit-mask:{url} center/contain no-repeat;mask:{url} center/contain no-repeat}}"
        )
    return "\n".join(rules) + "\n"


def _icons_and_fontawesome(app: Sphinx, exception: Exception | None) -> None:
    """Write the icons the pages use as CSS, and ship none of FontAwesome (1.8 MB of CSS, fonts, JS)."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    vendor = out / "_static" / "vendor" / "fontawesome"
    scripts = sorted(Path(_theme_static()).glob("vendor/fontawesome/*/js/all.min.js"))
    if not scripts:
        logger.warning("no FontAwesome all.min.js in the theme: icons cannot be written to %s", ICON_CSS)
        return
    pages = [p.read_text(encoding="utf-8") for p in out.rglob("*.html") if "_static" not in p.parts]
    (out / "_static" / ICON_CSS).write_text(icon_css(pages, scripts[-1].read_text(encoding="utf-8")), encoding="utf-8")
    shutil.rmtree(vendor, ignore_errors=True)


def _publish_pdf(app: Sphinx, exception: Exception | None) -> None:
    """The main web book keeps its PDF edition (``make pdf``) next to the landing page that links it.

    Only the main book: a rerun or a book built elsewhere is not the book the PDF was printed from.
    """
    from kzperception.book import pdf

    if exception is not None or app.builder.name != "html" or Path(app.outdir).resolve() != paths.HTML.resolve():
        return
    if pdf.DEFAULT_OUT.is_file():
        shutil.copyfile(pdf.DEFAULT_OUT, Path(app.outdir) / pdf.PDF_NAME)


def _theme_static() -> Path:
    import pydata_sphinx_theme

    return Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static"


def static_digest(app: Sphinx) -> str:
    """A fingerprint of the files in ``html_static_path`` (names, sizes, modification times)."""
    import hashlib

    h = hashlib.sha256()
    for entry in app.config.html_static_path:
        root = Path(app.confdir, entry)
        for path in sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []:
            st = path.stat()
            h.update(f"{path.relative_to(root)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _static_outdated(app: Sphinx, env: Any, added: set[str], changed: set[str], removed: set[str]) -> list[str]:
    """Rewrite the root page when a file in ``_static`` changed, so Sphinx copies the new one.

    Sphinx copies static files only when it writes some page; with every page up to date ("no
    targets are out of date") an edited stylesheet or script never reached the built book.
    """
    digest = static_digest(app)
    if getattr(env, "kzp_static_digest", None) == digest:
        return []
    env.kzp_static_digest = digest
    return [app.config.root_doc] if app.config.root_doc in env.found_docs else []


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("env-get-outdated", _static_outdated)
    app.connect("config-inited", _templates_first, priority=100)
    # The queue (synchronous); it loads the bundle itself, lazily. Pages without a chart drop it.
    app.add_js_file(CHART_QUEUE, priority=900)
    # Every page: wide boxes say that they scroll (deferred, small).
    app.add_js_file(LAYOUT_SCRIPT, defer="defer")
    app.connect("html-page-context", _prune, priority=900)
    app.connect("build-finished", _icons_and_fontawesome)
    app.connect("build-finished", _publish_pdf)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "3"}
