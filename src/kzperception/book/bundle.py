"""The offline Vega bundle: the chart libraries every page loads from the book's own ``_static``."""

from __future__ import annotations

from pathlib import Path

from kzperception import paths
from kzperception.atomic import write_text_atomic

__all__ = ["ensure_bundle"]


def ensure_bundle(static: Path = paths.STATIC) -> Path:
    """Write the offline Vega bundle into the book's static folder unless it is already there.

    The stamp names the installed altair and vl-convert versions, read from package metadata so a
    build with the bundle in place does not import altair (half a second on every rebuild).
    """
    from importlib.metadata import version

    static.mkdir(parents=True, exist_ok=True)
    target = static / paths.VEGA_BUNDLE_NAME
    stamp = static / f"{paths.VEGA_BUNDLE_NAME}.version"
    expected = f"altair {version('altair')}; vl-convert-python {version('vl-convert-python')}"
    if not target.exists() or not stamp.exists() or stamp.read_text() != expected:
        from kzperception.book.display import vega_bundle_js

        write_text_atomic(target, vega_bundle_js())
        write_text_atomic(stamp, expected)
    return target
