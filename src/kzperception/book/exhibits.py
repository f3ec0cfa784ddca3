"""Figures and tables as exhibits: glued by a chapter's code cell, numbered and captioned by the build.

A chapter used to show a chart or a table in a code cell and follow it with a hand-written
"**Figure 6.4a.** ... Computed by ..." paragraph, numbered by hand in three schemes. Now the code
cell glues an *exhibit* — the chart or table, what made it (the function), what it was made from
(data files), the thesis section it reproduces (or none: added by this edition), and the CSV saved
beside the chapter — and the chapter's prose pastes it with the ``{exhibit}`` directive of
:mod:`kzperception.book.sphinx_exhibits`, whose content is the caption::

    ```{code-cell} ipython3
    :tags: [remove-cell]

    glue_figure("figure-1", charts.figure_1_country_website, ch.counts, thesis="6.2",
                data=counts_files(ch.counts, "reports"))
    ```

    ```{exhibit} figure-1
    :thesis: 1

    Reports by perceived country and website.
    ```

The build numbers every exhibit (the thesis's Table 1 and Figures 1–9 keep their numbers, the
edition's own are "Figure E1", "Table E1" ... in book order), so prose refers to one with
``{numref}`figure-1```, never with a number typed by hand.

This module holds no Sphinx: it only makes what the notebook stores (one glued output with an
HTML body and the exhibit's record as ``application/vnd.kzp.exhibit+json``), so the record is in
the executed notebook and nbval compares it like any output.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kzperception.book.display import ChartHTML, html_text, is_share, reader_header, save_csv, show_table

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd
    from pandas.io.formats.style import Styler

    from kzperception.data.counts import Counts

#: The mime type of an exhibit's record in the glued output (read by the ``{exhibit}`` directive).
EXHIBIT_MIME = "application/vnd.kzp.exhibit+json"
KINDS = ("figure", "table")
#: Rows of a chart's data shown in its "Data" table and text alternative; longer data is cut with a note.
DATA_ROWS = 60
ALT_ROWS = 12
#: The published figures' files, by what a chapter draws from them.
PUBLISHED_FILES = {
    "reports": ("data/published/table1_reports.csv",),
    "codes": ("data/published/codes_by_country.csv", "data/published/codes_by_slot.csv", "data/published/totals.csv"),
}


def slug(name: str) -> str:
    """An exhibit's name as an id: lower-case letters, digits and hyphens (``figure-1``)."""
    return re.sub(r"[^a-z0-9-]+", "-", str(name).lower()).strip("-")


def caption_id(name: str) -> str:
    """The id of the exhibit's caption, which the chart or table names as its label."""
    return f"kzp-caption-{slug(name)}"


def alt_id(name: str) -> str:
    """The id of a figure's text alternative, which the chart names as its description."""
    return f"kzp-alt-{slug(name)}"


def dotted(made_by: Callable[..., Any] | str) -> str:
    """The importable name of the function that made an exhibit (``kzperception.book.charts.figure_1_...``)."""
    if isinstance(made_by, str):
        return made_by
    return f"{made_by.__module__}.{made_by.__qualname__}"


def counts_files(counts: Counts, what: str = "reports") -> tuple[str, ...]:
    """The data files behind a counts frame, for an exhibit's provenance note.

    The published figures are files of ``data/published`` (``what`` is ``reports``, ``codes`` or
    ``both``); a corpus is named by its folder's name with its two interchange files, never by
    an absolute path (a page is read on other machines, and a path may name a person's home).
    """
    if what not in ("reports", "codes", "both"):
        raise ValueError(f"what must be reports, codes or both, not {what!r}")
    kinds = ("reports", "codes") if what == "both" else (what,)
    if counts.is_published:
        return tuple(f for k in kinds for f in PUBLISHED_FILES[k])
    folder = Path(counts.source).name
    return tuple(f"{folder}/{k}.csv" for k in kinds)


@dataclass(frozen=True)
class Provenance:
    """Where an exhibit comes from: what a reader opens under "Source"."""

    made_by: str
    data: tuple[str, ...] = ()
    #: The thesis section the exhibit reproduces ("6.2"); None: the exhibit is this edition's own.
    thesis: str | None = None
    #: The file name of the CSV saved beside the chapter (offered as a download), if any.
    csv: str | None = None

    def record(self) -> dict[str, Any]:
        return {"made_by": self.made_by, "data": list(self.data), "thesis": self.thesis, "csv": self.csv}


@dataclass
class Exhibit:
    """A figure or a table with its record, as one glued output.

    The HTML body is what Jupyter shows; the record (:data:`EXHIBIT_MIME`) is what the build reads
    to write the caption's number, the "Data" table and the "Source" note.
    """

    kind: str
    name: str
    body: str
    provenance: Provenance
    #: A figure's text alternative (the chart's own description, or one read from its data).
    description: str | None = None
    #: A figure's data as a small HTML table, for the closed "Data" box under it.
    data_html: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"an exhibit is a figure or a table, not {self.kind!r}")
        if not slug(self.name):
            raise ValueError("an exhibit needs a name of letters or digits")

    #: Nothing to show (a table that exists only beside a rerun's numbers): the directive pastes nothing.
    empty: bool = False

    def record(self) -> dict[str, Any]:
        out = {
            "kind": self.kind,
            "name": slug(self.name),
            "caption_id": caption_id(self.name),
            "description": self.description,
            "data_html": self.data_html,
            **self.provenance.record(),
        }
        return out | {"empty": True} if self.empty else out

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {"text/html": self.body, "text/plain": repr(self), EXHIBIT_MIME: self.record()}

    def __repr__(self) -> str:
        # The CSV is named as a download target (``<file.csv>``, as the {download} role writes it):
        # that is how a build that copies executed chapters (execute._copy_chapter) finds the files
        # a chapter offers.
        csv = f" <{self.provenance.csv}>" if self.provenance.csv else ""
        return f"<{self.kind} {slug(self.name)}>{csv}"


# --- figures ------------------------------------------------------------------------------------


def _title(spec: dict[str, Any]) -> str:
    """The chart's title, or the titles of its parts (a chart stacked from several)."""
    title = spec.get("title")
    if not title:
        parts = [p for key in ("vconcat", "hconcat", "concat", "layer") for p in spec.get(key) or []]
        return "; ".join(t for t in (_title(p) for p in parts if isinstance(p, dict)) if t)
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(map(str, title))
    return str(title or "")


def _fields(spec: Any) -> dict[str, str]:
    """The data fields a chart encodes, in the order they first appear, each with the title the
    chart gives it on an axis, a legend or a tooltip (else the field's reader header)."""
    out: dict[str, str] = {}

    def walk(node: Any, in_encoding: bool = False) -> None:
        if isinstance(node, dict):
            name = node.get("field")
            if in_encoding and isinstance(name, str):
                title = node.get("title")
                if name not in out or (isinstance(title, str) and title and out[name] == reader_header(name)):
                    out[name] = title if isinstance(title, str) and title else reader_header(name)
            for key, value in node.items():
                walk(value, in_encoding or key == "encoding")
        elif isinstance(node, list):
            for value in node:
                walk(value, in_encoding)

    walk(spec)
    return out


#: A d3 number format as Vega-Lite charts give it (``.3f``, ``,.0f``, ``.3g``, ``.1%``) that Python's
#: format mini-language reads the same way; anything else is left to the default (one decimal).
_D3_FORMAT = re.compile(r",?\.\d+[fge%]")


def _formats(spec: Any) -> dict[str, str]:
    """The number format a chart gives each field (on an axis, a legend or a tooltip), where Python reads it alike.

    The chart's own precision is the one its reader hovers over: a per-day rate of 0.012 shown
    with three decimals in the tooltip must not read "0.0" in the figure's Data table.
    """
    out: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            name, fmt = node.get("field"), node.get("format")
            if isinstance(name, str) and isinstance(fmt, str) and _D3_FORMAT.fullmatch(fmt):
                out.setdefault(name, fmt)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return out


def chart_frame(spec: dict[str, Any]) -> pd.DataFrame:
    """A chart's data as a frame of the fields it encodes (the largest of its datasets), under their titles.

    Altair stores a chart's rows in ``datasets`` (or inline ``data.values``); the "Data" table and
    the text alternative show the columns a reader sees drawn, under the names the chart shows, and
    not the helper columns (an id beside its label is dropped: same title, shown once).
    """
    import pandas as pd

    sets = [rows for rows in (spec.get("datasets") or {}).values() if isinstance(rows, list)]
    inline = (spec.get("data") or {}).get("values") if isinstance(spec.get("data"), dict) else None
    if isinstance(inline, list):
        sets.append(inline)
    if not sets:
        return pd.DataFrame()
    df = pd.DataFrame(max(sets, key=len))
    keep: dict[str, str] = {}
    for name, title in _fields(spec).items():
        if name not in df.columns:
            continue
        same = [k for k, t in keep.items() if t.casefold() == title.casefold()]
        if not same:
            keep[name] = title
        elif name[:1].isupper() and same[0][:1].islower():
            # an id and its label under one title ("level" for the stacking order, "Level" on the
            # legend): the label is what the chart shows ("Main", never "main" in one table and
            # "Main" in the next); it takes the id's place
            keep = {(name if k == same[0] else k): (title if k == same[0] else t) for k, t in keep.items()}
    if not keep:
        return df
    out = df[list(keep)].rename(columns=keep)
    formats = _formats(spec)
    out.attrs["formats"] = {keep[name]: fmt for name, fmt in formats.items() if name in keep}
    return out


def _cell(value: Any, share: bool = False, fmt: str | None = None) -> str:
    if isinstance(value, float):
        if value != value:
            return "–"
        if fmt is not None:  # the chart's own precision (:func:`_formats`)
            return format(value, fmt)
        if share:  # a share keeps its decimal when it is whole: "48.0" beside "27.8", never "48"
            return f"{value:.1f}"
        return f"{int(value):,}" if value.is_integer() else f"{value:.1f}"
    text = "" if value is None else str(value)
    return text[:10] if re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00(?:\.0+)?", text) else text  # a date, not a time


def data_table_html(df: pd.DataFrame, limit: int = DATA_ROWS) -> str:
    """A small HTML table of a figure's data: escaped text, numbers right-aligned, at most ``limit`` rows."""
    import pandas as pd

    if df.empty:
        return ""
    numeric = [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]
    num = ' class="kzp-num"'
    head = "".join(
        f'<th{num if n else ""} scope="col">{html_text(reader_header(c), quote=False)}</th>'
        for c, n in zip(df.columns, numeric, strict=True)
    )
    shares = [is_share(c) for c in df.columns]
    given = df.attrs.get("formats", {})
    formats = [given.get(c) for c in df.columns]
    rows = []
    for values in df.head(limit).itertuples(index=False):
        cells = "".join(
            f"<td{num if n else ''}>{html_text(_cell(v, share, fmt), quote=False)}</td>"
            for v, n, share, fmt in zip(values, numeric, shares, formats, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    more = (
        f'<p class="kzp-data-more">The first {limit} of {len(df)} rows; the whole table is in the CSV.</p>'
        if len(df) > limit
        else ""
    )
    return (
        f'<div class="kzp-data-box"><table class="kzp-table kzp-data-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>{more}"
    )


def chart_description(spec: dict[str, Any], limit: int = ALT_ROWS) -> str:
    """A figure's text alternative: the chart's own ``description``, else its title and data read out."""
    own = spec.get("description")
    if isinstance(own, str) and own.strip():
        return own.strip()
    df = chart_frame(spec)
    title = _title(spec) or "Chart"
    if df.empty:
        return f"{title}."
    formats = df.attrs.get("formats", {})
    rows = [
        "; ".join(
            f"{reader_header(c)}: {_cell(v, fmt=formats.get(c))}" for c, v in zip(df.columns, values, strict=True)
        )
        for values in df.head(limit).itertuples(index=False)
    ]
    rest = f" ({len(df) - limit} more rows in the data table)" if len(df) > limit else ""
    return f"{title}. " + ". ".join(rows) + f".{rest}"


def figure(name: str, chart: alt.TopLevelMixin, provenance: Provenance) -> Exhibit:
    """A chart as an exhibit: the offline chart box tied to its caption and to its text alternative."""
    spec = chart.to_dict()
    description = chart_description(spec)
    box = ChartHTML(chart, slug(name), labelledby=caption_id(name), describedby=alt_id(name))
    # The text alternative is hidden (the Data box shows the same numbers to every reader);
    # aria-describedby reads a hidden element's text all the same.
    alt_text = f'<p class="kzp-alt" id="{alt_id(name)}" hidden>{html_text(description, quote=False)}</p>'
    body = box._repr_html_() + "\n" + alt_text
    return Exhibit(
        "figure", name, body, provenance, description=description, data_html=data_table_html(chart_frame(spec))
    )


def table(
    name: str,
    df: pd.DataFrame | Styler,
    provenance: Provenance,
    precision: int = 1,
    fold: Collection[str] | None = None,
    preview: int | None = None,
) -> Exhibit:
    """A table as an exhibit: typeset by :func:`~kzperception.book.display.show_table` (or a view's Styler).

    ``fold`` (verdicts, for a table with a ``verdict`` column) folds a long table to the rows of those
    verdicts, Verdict first; ``preview`` (a table with no verdict) folds it to its first rows. See
    :func:`fold_rows`.
    """
    import pandas as pd

    if fold is not None and isinstance(df, pd.DataFrame) and VERDICT in df.columns:
        df = df[[VERDICT, *(c for c in df.columns if c != VERDICT)]].reset_index(drop=True)
        styler = show_table(df, slug(name), precision=precision)
        shown = [i for i, v in enumerate(df[VERDICT]) if v in fold]
        markup = _without_position_classes(styler.to_html())
        return Exhibit("table", name, fold_rows(markup, shown, FOLD_NOTE), provenance)
    if preview is not None and isinstance(df, pd.DataFrame):
        markup = _without_position_classes(show_table(df, slug(name), precision=precision).to_html())
        return Exhibit("table", name, fold_rows(markup, range(min(preview, len(df))), PREVIEW_NOTE), provenance)
    styler = show_table(df, slug(name), precision=precision) if isinstance(df, pd.DataFrame) else df
    return Exhibit("table", name, _without_position_classes(styler.to_html()), provenance)


# --- folded tables --------------------------------------------------------------------------------

#: The column a folded table filters on; it is moved first, so a reader sees the verdict before
#: scrolling a wide table sideways.
VERDICT = "verdict"
#: What an audit table opens with: the rows a reader must look at (the rest are one click away).
CHECK_FIRST: frozenset[str] = frozenset({"disagrees", "not recomputable", "not confirmed"})
#: Tables with more rows than this open folded; a short table is shown whole.
FOLD_MIN_ROWS = 20
#: The note under a folded table (``{shown}`` of ``{total}`` rows), true without JavaScript too.
FOLD_NOTE = (
    "Shown: the {shown} of {total} rows that disagree or cannot be checked. "
    "Every row is in the CSV, and printed in the PDF."
)
#: The note under a table folded to its first rows.
PREVIEW_NOTE = "Shown: the first {shown} of {total} rows. Every row is in the CSV, and printed in the PDF."
_ROW = re.compile(r"<tr>.*?</tr>", re.DOTALL)
_TBODY = re.compile(r"(<tbody>)(.*?)(</tbody>)", re.DOTALL)


def fold_rows(markup: str, shown: Sequence[int], note: str = FOLD_NOTE, min_rows: int = FOLD_MIN_ROWS) -> str:
    """A long table that opens with only the rows ``shown`` (indices into its body), the rest one click away.

    The audit page once had 6,000 elements and 86 screens, most of it rows that agree. The body keeps
    the rows shown; every row, in order, goes into a ``<template class="kzp-rows">`` in the body, which
    is not part of the page until ``kzp-filter.js`` puts it there (a reader's "Show all rows", or
    printing: ``beforeprint``, or ``window.kzpExpandAll()`` for a PDF build). The table is marked
    ``kzp-folded`` and followed by a note saying what is shown, which stays true without JavaScript.
    A table of ``min_rows`` rows or fewer, or one where every row is to be shown, is left whole.
    """
    body = _TBODY.search(markup)
    if body is None:
        raise ValueError("a folded table needs a <tbody>")
    rows = _ROW.findall(body.group(2))
    keep = sorted(set(shown))
    if any(i < 0 or i >= len(rows) for i in keep):
        raise ValueError(f"row index out of range: the table has {len(rows)} rows")
    if len(rows) <= min_rows or len(keep) == len(rows):
        return markup
    inner = "".join(rows[i] for i in keep) + f'<template class="kzp-rows">{"".join(rows)}</template>'
    folded = markup[: body.start(2)] + inner + markup[body.end(2) :]
    folded = re.sub(
        r'<table([^>]*?) class="', rf'<table\1 data-kzp-rows="{len(rows)}" class="kzp-folded ', folded, count=1
    )
    text = html_text(note.format(shown=len(keep), total=len(rows)), quote=False)
    return f'{folded}\n<p class="kzp-fold-note">{text}</p>'


#: The position classes of a data cell (``class="data row12 col3 kzp-num"``): no style selects them.
#: (Per-cell ids are not written at all: :func:`~kzperception.book.display.show_table` makes its
#: Styler with ``cell_ids=False``.)
_CELL_CLASS = re.compile(r' class="data row\d+ col\d+( [^"]*)?"')


def _without_position_classes(markup: str) -> str:
    """A Styler's table without its data cells' position classes (a cell's own classes such as
    ``kzp-num`` stay; the headers keep theirs, which the numeric columns' alignment selects)."""
    return _CELL_CLASS.sub(lambda m: f' class="{m.group(1).strip()}"' if m.group(1) else "", markup)


# --- gluing ---------------------------------------------------------------------------------------


def _glue(exhibit: Exhibit) -> Exhibit:
    from myst_nb import glue

    glue(slug(exhibit.name), exhibit, display=False)
    return exhibit


def _csv(csv: str | None, frame: pd.DataFrame | None) -> str | None:
    if csv is None:
        return None
    if frame is not None:
        save_csv(frame, csv)
    return f"{csv}.csv"


def glue_figure(
    name: str,
    draw: Callable[..., alt.TopLevelMixin],
    *args: Any,
    thesis: str | None = None,
    data: Iterable[str] = (),
    csv: str | None = None,
    csv_frame: pd.DataFrame | None = None,
    **kwargs: Any,
) -> Exhibit:
    """Draw a chart with ``draw(*args, **kwargs)`` and glue it as the exhibit ``name``.

    The function is called here, so the provenance names the function that really drew the chart.
    ``thesis`` is the thesis section the figure reproduces (None: the edition's own); ``data`` the
    files it rests on; ``csv`` (with ``csv_frame``) saves a CSV beside the chapter and offers it.
    """
    chart = draw(*args, **kwargs)
    prov = Provenance(dotted(draw), tuple(map(str, data)), thesis, _csv(csv, csv_frame))
    return _glue(figure(name, chart, prov))


def glue_table(
    name: str,
    make: Callable[..., pd.DataFrame] | str,
    frame: pd.DataFrame | Styler | None,
    *,
    thesis: str | None = None,
    data: Sequence[str] = (),
    csv: str | None = None,
    csv_frame: pd.DataFrame | None = None,
    precision: int = 1,
    fold: Collection[str] | None = None,
    preview: int | None = None,
) -> Exhibit:
    """Glue a table as the exhibit ``name``; ``make`` is the function that computed it (or its name).

    ``frame`` is the data frame (typeset here) or a view's Styler (a slot table, the register);
    ``csv`` saves ``csv_frame`` (by default the table's own frame) beside the chapter under that name
    and offers it as a download: a test table is shown in words but saved with its raw columns.
    ``fold`` (verdicts, e.g. :data:`CHECK_FIRST`) opens a long table with only the rows of those
    verdicts, the Verdict column first; ``preview`` (a long table with no verdict) with its first
    ``preview`` rows (:func:`fold_rows`).
    ``frame`` None (a table shown only beside a rerun's numbers, such as the thesis's counts next to a
    corpus's) glues an empty exhibit: the page shows nothing there, and numbers nothing.
    """
    import pandas as pd

    if frame is None:
        return _glue(Exhibit("table", name, "", Provenance(dotted(make), tuple(map(str, data)), thesis), empty=True))

    if csv_frame is None:
        csv_frame = frame if isinstance(frame, pd.DataFrame) else frame.data  # a Styler keeps its frame in .data
    prov = Provenance(dotted(make), tuple(map(str, data)), thesis, _csv(csv, csv_frame))
    return _glue(table(name, frame, prov, precision=precision, fold=fold, preview=preview))


__all__ = [
    "CHECK_FIRST",
    "EXHIBIT_MIME",
    "Exhibit",
    "Provenance",
    "alt_id",
    "caption_id",
    "chart_description",
    "chart_frame",
    "counts_files",
    "data_table_html",
    "dotted",
    "figure",
    "fold_rows",
    "glue_figure",
    "glue_table",
    "slug",
    "table",
]
