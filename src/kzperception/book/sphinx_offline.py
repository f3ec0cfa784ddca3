"""A small Sphinx extension that keeps the built book offline and its pages free of script errors.

Jupyter Book always loads sphinx-thebe, which declares the URL of thebe on unpkg.com in an inline
script (and, after an incremental build, declares it twice, which is a JavaScript error). The book
launches no live kernels, so the thebe scripts are dropped from every page. Any remaining script
or stylesheet that points off the machine fails the build with a warning, so a new extension
cannot quietly reintroduce a CDN.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _is_remote(name: str) -> bool:
    return name.startswith(("http://", "https://", "//"))


def _prune(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    scripts = context.get("script_files") or []
    kept, seen = [], set()
    for js in scripts:
        name = str(getattr(js, "filename", js) or "")
        body = str(getattr(js, "attributes", {}).get("body", ""))
        if "thebe" in name or "THEBE_JS_URL" in body:
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


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", _prune, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
