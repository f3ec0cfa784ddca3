"""The larger slots (country x period) side by side, for sections 6.3.2 and 6.3.3.

The thesis compares each country before and after the pivot by the main cooperation codes of
the slot. It prints only the categories it discusses, so for the published figures most cells
are unknown; they stay NaN in the frame and are shown as a dash, never as a zero, because a
category the thesis does not mention in a slot may well have had reports in it.
"""

from __future__ import annotations

import pandas as pd

from .counts import Counts
from .measures import code_cell, share
from .vocabulary import CATEGORIES, CATEGORY_LABELS

PERIODS = ("before", "after")


def slot_table(counts: Counts, country: str, drop_unknown: bool = True) -> pd.DataFrame:
    """Reports and main cooperation codes per category in the two slots of ``country``.

    Columns are ``<label> n`` and ``<label> %`` for each period (labels follow the window, e.g.
    ``2020–22``); shares are of the slot's reports, as the thesis computes them. Unknown cells are
    NaN; with ``drop_unknown`` a category unknown in both periods is left out (a counted corpus
    knows every cell, so nothing is dropped there).
    """
    window = counts.window
    r = counts.reports
    base = {p: int(r.loc[(r["country"] == country) & (r["period"] == p), "n"].sum()) for p in PERIODS}
    rows: list[dict[str, object]] = [{"category": "All reports in the slot",
                                      **{f"{window.label(p)} n": float(base[p]) for p in PERIODS},
                                      **{f"{window.label(p)} %": share(base[p], base[p]) for p in PERIODS}}]
    for cat in CATEGORIES:
        row: dict[str, object] = {"category": f"{CATEGORY_LABELS[cat]} (main)"}
        for p in PERIODS:
            n = code_cell(counts, country, p, cat, "main")
            row[f"{window.label(p)} n"] = n
            row[f"{window.label(p)} %"] = share(n, base[p])
        rows.append(row)
    out = pd.DataFrame(rows)
    if drop_unknown:
        out = out[out.drop(columns="category").notna().any(axis=1)].reset_index(drop=True)
    cols = ["category"] + [f"{window.label(p)} {k}" for p in PERIODS for k in ("n", "%")]
    return out[cols]


def show_slot_table(df: pd.DataFrame, name: str):
    """The slot table for the book: counts as integers, shares to one decimal, unknown cells as a dash."""
    from .display import show_table

    fmt = {c: ("{:.0f}" if c.endswith(" n") else "{:.1f}") for c in df.columns if c != "category"}
    return show_table(df, name).format(fmt, na_rep="–")
