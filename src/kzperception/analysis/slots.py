"""The larger slots (partner x period) side by side, for sections 6.3.2 and 6.3.3.

The thesis compares each country before and after the pivot by the main cooperation codes of
the slot. It prints only the categories it discusses, so for the published figures most cells
are unknown; they stay NaN in the frame and are shown as a dash, never as a zero, because a
category the thesis does not mention in a slot may well have had reports in it.

One template chapter (notebooks/06-3-partner-slots.md) makes the slot chapter of every partner,
``partner`` being its parameter (:data:`kzperception.book.chapter_templates.PARTNER_CHAPTERS`). Its computed
section reads only these functions: :func:`partner_slot_facts` (numbers under partner-neutral
names, so one text serves every partner) and :func:`partner_slot_texts` (the sentences that read
those numbers, and the chapter's title, anchor and element names), shown through
:func:`kzperception.book.views.glue_partner_slots` and
:func:`kzperception.book.views.show_partner_slots`. The thesis's own reading of China and Russia
(notebooks/_fragments/) speaks of the published figures through :func:`slot_table` and
:func:`kzperception.analysis.measures.slot_facts`.
"""

from __future__ import annotations

import math

import pandas as pd

from kzperception.analysis.measures import category_table, change, code_cell, share
from kzperception.data.counts import Counts
from kzperception.data.vocabulary import CATEGORY_LABELS, Vocabulary

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


def _categories(facts: dict[str, float], period: str) -> list[str]:
    """The categories ``facts`` hold for ``period``, in their order (the counts' codebook order)."""
    head, tail = f"{period}_", "_main"
    return [k[len(head) : -len(tail)] for k in facts if k.startswith(head) and k.endswith(tail)]


def _leaders(facts: dict[str, float], period: str) -> list[tuple[str, float, float]]:
    """Known categories of a slot by main count, largest first: ``(category, n, share)``."""
    order = _categories(facts, period)
    known = [
        (cat, facts[f"{period}_{cat}_main"], facts[f"{period}_{cat}_main_share"])
        for cat in order
        if not math.isnan(facts[f"{period}_{cat}_main"])
    ]
    return sorted(known, key=lambda x: (-x[1], order.index(x[0])))


def _label(cat: str, vocabulary: Vocabulary | None) -> str:
    return vocabulary.category_label(cat) if vocabulary is not None else CATEGORY_LABELS.get(cat, cat)


def _lead_sentence(facts: dict[str, float], period: str, vocabulary: Vocabulary | None = None) -> str:
    lead = [x for x in _leaders(facts, period) if x[1] > 0]
    if not lead:
        return "no main cooperation code is known for this slot"
    first = lead[0]
    from kzperception.analysis.readings import count_phrase

    one, two = _label(first[0], vocabulary).lower(), _label(lead[1][0], vocabulary).lower() if len(lead) > 1 else ""
    text = f"{one} cooperation is the main code of {count_phrase(first[1])} ({first[2]:.1f} %)"
    if len(lead) > 1:
        second = lead[1]
        if second[1] == first[1]:  # a tie is not "ahead of"
            return (
                f"{one} and {two} cooperation "
                f"tie as the main code, with {count_phrase(first[1])} each ({first[2]:.1f} %)"
            )
        text += f", ahead of {two} cooperation with {int(second[1])} ({second[2]:.1f} %)"
    return text


def _growth_sentence(facts: dict[str, float]) -> str:
    c = facts["change"]
    if math.isnan(c):
        return "cannot be compared, as the first period holds no report"
    if c == 0:
        return "stays the same size"
    return f"{'grows' if c > 0 else 'shrinks'} by {abs(c):.1f} %"


def _moved_most(facts: dict[str, float], vocabulary: Vocabulary | None = None) -> str:
    """The known category whose share of the slot's reports changed most across the pivot, in words."""
    moves = []
    order = _categories(facts, "before")
    for cat in order:
        a, b = facts[f"before_{cat}_main_share"], facts[f"after_{cat}_main_share"]
        if not (math.isnan(a) or math.isnan(b)):
            moves.append((abs(b - a), -order.index(cat), cat, a, b))
    if not moves:
        return "no category is known in both periods"
    _, _, cat, a, b = max(moves)
    verb = "rises" if b > a else "falls" if b < a else "stays"
    return f"the share of {_label(cat, vocabulary).lower()} cooperation {verb} from {a:.1f} % to {b:.1f} %"


def partner_slot_texts(counts: Counts, partner: str) -> dict[str, str]:
    """The words a template slot chapter glues for one partner: its label, title, anchors and readings.

    ``label``, ``title`` ("Comparison of slots: perception of China"), ``anchor``
    (``sec-<partner>-slots``, the anchor the thesis's chapters use), ``table_name``,
    ``lead_before`` / ``lead_after`` (which main categories lead each slot), ``growth`` (how the
    slot's size changes) and ``moved_most`` (the category whose share moved most). Labels come from
    data/partners.yaml, which admits plain text only, so these are safe to glue as Markdown.
    """
    facts = partner_slot_facts(counts, partner)
    label = counts.vocabulary.partner_label(partner)
    return {
        "label": label,
        "title": f"Comparison of slots: perception of {label}",
        "anchor": f"sec-{partner}-slots",
        "table_name": f"{partner}-slots",
        "lead_before": _lead_sentence(facts, "before", counts.vocabulary),
        "lead_after": _lead_sentence(facts, "after", counts.vocabulary),
        "growth": _growth_sentence(facts),
        "moved_most": _moved_most(facts, counts.vocabulary),
    }
