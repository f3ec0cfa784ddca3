"""A small Sphinx extension that keeps the built book offline, light, and free of script errors.

- Jupyter Book always loads sphinx-thebe, which declares the URL of thebe on unpkg.com in an inline
  script (and, after an incremental build, declares it twice, which is a JavaScript error). The
  book launches no live kernels, so the thebe scripts are dropped from every page.
- Any remaining script or stylesheet that points off the machine fails the build with a warning,
  so a new extension cannot quietly reintroduce a CDN.
- The Vega bundle (0.9 MB) is loaded only by pages that hold a chart placeholder, and with
  ``defer`` so it never blocks the first paint; ``kzp-charts.js`` (a few hundred bytes, in
  ``book/_static``) queues the charts' inline ``vegaEmbed`` calls until it has run.
- FontAwesome's 1.5 MB JavaScript is neither loaded nor shipped: the theme's FontAwesome CSS and
  solid web font draw the same icons (``templates/static/webpack-macros.html`` overrides the
  theme's asset macros; it is written for the pinned pydata-sphinx-theme, checked at build time).
"""

from __future__ import annotations

import shutil
from importlib.metadata import version
from pathlib import Path
from typing import Any

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
#: On every page: marks boxes that scroll sideways and adds a hint above them.
LAYOUT_SCRIPT = "kzp-layout.js"


def _is_remote(name: str) -> bool:
    return name.startswith(("http://", "https://", "//"))


def _script_name(js: Any) -> str:
    return str(getattr(js, "filename", js) or "")


def _prune(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    scripts = context.get("script_files") or []
    has_chart = CHART_MARK in str(context.get("body") or "")
    kept, seen = [], set()
    for js in scripts:
        name = _script_name(js)
        body = str(getattr(js, "attributes", {}).get("body", ""))
        if "thebe" in name or "THEBE_JS_URL" in body:
            continue
        if not has_chart and name.endswith(CHART_SCRIPTS):
            continue
        key = name or body
        if key in seen:
            continue
        seen.add(key)
        kept.append(js)
        if _is_remote(name):
            logger.warning("page %s loads a remote script: %s", pagename, name)
    context["script_files"] = kept
    for css in context.get("css_files") or []:
        name = str(getattr(css, "filename", css) or "")
        if _is_remote(name):
            logger.warning("page %s loads a remote stylesheet: %s", pagename, name)


def _templates_first(app: Sphinx, config: Config) -> None:
    """Put the book's template overrides ahead of the themes' own (they append theirs later)."""
    installed = version("pydata-sphinx-theme")
    if installed != PYDATA_THEME:
        logger.warning("pydata-sphinx-theme %s is installed; %s/static/webpack-macros.html follows %s "
                       "(requirements.lock pins it): update the copy with the pin", installed, TEMPLATES, PYDATA_THEME)
    config.templates_path = [str(TEMPLATES), *[p for p in config.templates_path if p != str(TEMPLATES)]]


def _drop_fontawesome_js(app: Sphinx, exception: Exception | None) -> None:
    """No page loads FontAwesome's JavaScript, so the book does not ship its 1.5 MB either."""
    if exception is not None or app.builder.format != "html":
        return
    for folder in (Path(app.outdir) / "_static" / "vendor" / "fontawesome").glob("*/js"):
        shutil.rmtree(folder, ignore_errors=True)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", _templates_first, priority=100)
    # The queue first (synchronous), then the bundle deferred; pages without a chart drop both.
    app.add_js_file(CHART_QUEUE, priority=900)
    app.add_js_file(paths.VEGA_BUNDLE_NAME, priority=901, defer="defer")
    # Every page: wide boxes say that they scroll (deferred, small).
    app.add_js_file(LAYOUT_SCRIPT, defer="defer")
    app.connect("html-page-context", _prune, priority=900)
    app.connect("build-finished", _drop_fontawesome_js)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "2"}
