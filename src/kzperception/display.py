"""How a chapter shows its results in the web book: offline charts, tables with CSV downloads, glue.

Altair's default HTML loads Vega from a CDN; the book must work with the network closed. So a
chart is emitted as a ``<div>`` plus a call to ``vegaEmbed`` from one bundle that the build
writes to ``book/_static`` (vl-convert bundles Vega, Vega-Lite and Vega-Embed with no network),
and Sphinx loads that bundle on every page. The ids are derived from the figure's name, so an
executed notebook is byte-for-byte the same on every run (nbval compares them).
"""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import altair as alt

_EMBED_OPTIONS = {"renderer": "svg", "actions": {"export": True, "source": False, "compiled": False, "editor": False}}


def vega_bundle_js() -> str:
    """Vega + Vega-Lite + Vega-Embed as one script defining ``window.vegaEmbed`` (no network)."""
    import altair as alt
    import vl_convert

    version = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    bundle = vl_convert.javascript_bundle(vl_version=f"v{version}")
    # Top-level declarations of the bundle (e.g. `_`) would collide with Sphinx's globals in a
    # classic <script>; a function scope keeps them private (the bundle sets window.vegaEmbed).
    return "(function () {\n" + bundle + "\n})();\n"


class ChartHTML:
    """A chart as HTML for the book (and a short text for plain-text consumers such as nbval diffs)."""

    def __init__(self, chart: alt.TopLevelMixin, name: str):
        self.name = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
        self.spec = chart.to_dict()

    def _repr_html_(self) -> str:
        spec = json.dumps(self.spec, sort_keys=True, ensure_ascii=False).replace("</", "<\\/")
        opts = json.dumps(_EMBED_OPTIONS, sort_keys=True)
        div = f"vega-{self.name}"
        return (
            f'<div class="kzp-chart" id="{div}" data-figure="{html.escape(self.name)}"></div>\n'
            f'<script type="text/javascript">(function () {{\n'
            f'  var el = document.getElementById("{div}");\n'
            f"  if (window.vegaEmbed) {{ vegaEmbed(el, {spec}, {opts})"
            f".catch(function (e) {{ console.error(e); }}); }}\n"
            f'  else {{ el.textContent = "Chart {html.escape(self.name)}: the Vega bundle is not loaded."; }}\n'
            f"}})();</script>"
        )

    def __repr__(self) -> str:
        return f"<chart {self.name}>"


def show_chart(chart: alt.TopLevelMixin, name: str) -> ChartHTML:
    """Wrap a chart for display in the offline book."""
    return ChartHTML(chart, name)


def save_csv(df: pd.DataFrame, name: str, folder: str | Path = ".") -> Path:
    """Write a table's data beside the chapter so the page can offer it as a download."""
    path = Path(folder) / f"{name}.csv"
    df.to_csv(path, index=False)
    return path


def fmt(value: float, digits: int = 1) -> str:
    """A number as prose shows it: integers plainly, shares with one decimal, gaps as an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if float(value).is_integer() and digits == 0:
        return str(int(value))
    return f"{value:.{digits}f}"


def glue_facts(facts: dict[str, float], prefix: str = "") -> None:
    """Glue every named number for the chapter's prose (``{glue:text}`name``` in MyST).

    Counts are glued as ints; shares and changes as floats rounded to one decimal, the precision
    the thesis prints, so the prose formats them with ``:.1f``.
    """
    from myst_nb import glue

    for key, value in facts.items():
        if isinstance(value, float) and not math.isnan(value) and value.is_integer() and "share" not in key \
                and "change" not in key:
            value = int(value)
        elif isinstance(value, float):
            value = round(value, 1)
        glue(f"{prefix}{key}", value, display=False)


def glue_texts(texts: dict[str, str]) -> None:
    """Glue several short texts at once (see :func:`glue_text`)."""
    for key, text in texts.items():
        glue_text(key, text)


def glue_text(key: str, text: str) -> None:
    """Glue a short piece of text (a label such as ``2020–22``) so prose can show it unquoted."""
    from IPython.display import Markdown
    from myst_nb import glue

    glue(key, Markdown(text), display=False)


def show_table(df: pd.DataFrame, name: str, precision: int = 1):
    """A table for the book: no index, fixed precision, and a stable element id (no random uuid),
    so the executed notebook is identical on every run."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return df.style.hide(axis="index").format(precision=precision).set_uuid(slug)
