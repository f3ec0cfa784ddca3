"""The larger slots (partner x period) side by side, for sections 6.3.2 and 6.3.3.

The thesis compares each country before and after the pivot by the main cooperation codes of
the slot. It prints only the categories it discusses, so for the published figures most cells
are unknown; they stay NaN in the frame and are shown as a dash, never as a zero, because a
category the thesis does not mention in a slot may well have had reports in it.

One template chapter (notebooks/06-3-partner-slots.md) makes the slot chapter of every partner,
``partner`` being its parameter (:data:`kzperception.book.chapter_templates.PARTNER_CHAPTERS`). Its computed
section reads :func:`partner_slot_facts` (numbers under partner-neutral names, so one text serves
every partner) and the readings of :data:`kzperception.readings.registry.PARTNER_FAMILIES` (the
sentences that read those numbers, as verdicts), shown through
:func:`kzperception.book.views.glue_partner_slots` and
:func:`kzperception.book.views.show_partner_slots`. The thesis's own reading of China and Russia
(notebooks/_fragments/) speaks of the published figures through :func:`slot_table` and
:func:`kzperception.analysis.measures.slot_facts`.
"""

from __future__ import annotations

import pandas as pd

from kzperception.analysis.measures import category_table, change, code_cell, share
from kzperception.data.counts import Counts
from kzperception.data.vocabulary import Vocabulary

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
    rows: list[dict[str, object]] = [
        {
            "category": "All reports in the slot",
            **{f"{window.label(p)} n": float(base[p]) for p in PERIODS},
            **{f"{window.label(p)} %": share(base[p], base[p]) for p in PERIODS},
        }
    ]
    v = counts.vocabulary
    for cat in v.category_ids:
        row: dict[str, object] = {"category": f"{v.category_label(cat)} (main)"}
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


# --- one template chapter for any partner -------------------------------------------------------


def check_partner(partner: str, vocabulary: Vocabulary | None = None) -> str:
    """``partner`` itself when ``vocabulary`` (a corpus's, from its counts; default: the project's)
    defines it; a ValueError naming the known ids otherwise."""
    known = (vocabulary or Vocabulary.default()).partner_ids
    if partner not in known:
        raise ValueError(f"partner: {partner!r} is not one of {'|'.join(known)} (the partners file)")
    return partner


def partner_slot_facts(counts: Counts, partner: str) -> dict[str, float]:
    """The numbers of :func:`kzperception.analysis.measures.slot_facts` for one partner, without its id in the names.

    ``n_before``, ``n_after``, ``change``, ``<period>_<category>_main``, ``<period>_<category>_main_share``
    and ``<period>_non_cooperation``: a template chapter glues these and its text reads the same
    for China, Russia or a third partner.
    """
    check_partner(partner, counts.vocabulary)
    facts: dict[str, float] = {}
    codes = counts.codes
    for period in PERIODS:
        ct = category_table(counts, partner, period)
        facts[f"n_{period}"] = ct.attrs["reports"]
        for row in ct.itertuples():
            facts[f"{period}_{row.category}_main"] = row.main
            facts[f"{period}_{row.category}_main_share"] = row.main_share
        noncoop = codes[
            (codes["country"] == partner) & (codes["period"] == period) & (codes["mode"] == "non_cooperation")
        ]
        facts[f"{period}_non_cooperation"] = int(noncoop["n"].sum())
    facts["change"] = change(facts["n_before"], facts["n_after"])
    return facts
