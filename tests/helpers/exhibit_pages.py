"""Notebooks holding glued exhibits and the small Sphinx projects around them, shared by
tests/unit/test_exhibits.py and tests/commands/test_exhibits_commands.py."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import IPython
import nbformat
import pandas as pd

from kzperception.book import exhibits
from kzperception.book.exhibits import Provenance

GLUE_PREFIX = "application/papermill.record/"


def small_chart(df: pd.DataFrame | None = None, **spec: object) -> alt.Chart:
    df = df if df is not None else pd.DataFrame({"country": ["China", "Russia"], "n": [115, 103]})
    return alt.Chart(df, **spec).mark_bar().encode(x=alt.X("n:Q", title="Reports"), y="country:N")


def glued_output(ex: exhibits.Exhibit) -> nbformat.NotebookNode:
    bundle, meta = IPython.core.formatters.format_display_data(ex)
    meta["scrapbook"] = {"name": exhibits.slug(ex.name), "mime_prefix": GLUE_PREFIX}
    return nbformat.v4.new_output("display_data", data={GLUE_PREFIX + k: v for k, v in bundle.items()}, metadata=meta)


def write_page(path: Path, title: str, items: list[tuple[str, str, int | None]]) -> None:
    """A notebook that glues each (name, kind, thesis number) exhibit and pastes it, then refers to it."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = nbformat.v4.new_code_cell("# glued by kzperception.book.exhibits")
    cell.metadata["tags"] = ["remove-cell"]
    md = [f"# {title}\n"]
    for name, kind, thesis in items:
        prov = Provenance("pkg.make", ("data/x.csv",), "6.2" if thesis else None, "x.csv" if kind == "table" else None)
        if kind == "table":
            ex = exhibits.table(name, pd.DataFrame({"a": ["x"], "n": [3]}), prov)
        else:
            ex = exhibits.figure(name, small_chart(), prov)
        cell.outputs.append(glued_output(ex))
        opt = f":thesis: {thesis}\n" if thesis else ""
        md.append(f"```{{exhibit}} {name}\n{opt}\nCaption of {name}.\n```\n\nSee {{numref}}`{name}`.\n")
    nb.cells = [cell, nbformat.v4.new_markdown_cell("\n".join(md))]
    nbformat.write(nb, path)
    (path.parent / "x.csv").write_text("a,n\nx,3\n")


def write_project(root: Path, order: list[str]) -> None:
    (root / "_static").mkdir(parents=True, exist_ok=True)
    (root / "_static" / "kzp-exhibits.css").write_text("")
    (root / "conf.py").write_text(
        'extensions = ["myst_nb", "kzperception.book.sphinx_exhibits"]\n'
        'nb_execution_mode = "off"\nhtml_theme = "basic"\n'
        'suppress_warnings = ["mystnb.unknown_mime_type"]\n'
    )
    (root / "index.md").write_text("# Book\n\n```{toctree}\n" + "\n".join(order) + "\n```\n")
