"""The older readings' building blocks: counts in words, changes, p-values, quoted codes.

The readings themselves are verdicts in :mod:`kzperception.readings` (every chapter's and the
audit's); what stays here serves the quoted codes and the narrative's counts in words, and keeps
the same rules: 0 is "no report", 1 "one report", never "several" for fewer than three
(:func:`count_phrase`); a change is in percent of the before-count (:func:`change`); a p-value
below :data:`ALPHA` is "beyond what chance alone would produce" (:func:`p_is`); a quotation's
codes are the register's, inferred ones marked (:func:`quoted_codes`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from kzperception.analysis.measures import code_cell
from kzperception.data.counts import Counts
from kzperception.data.vocabulary import CATEGORIES, CATEGORY_LABELS, LEVELS

#: The significance convention of chapter 6.4.
ALPHA = 0.05


@dataclass(frozen=True)
class Reading:
    """One interpreted sentence: its wording, the numbers it rests on, and the rule that chose it."""

    key: str
    text: str
    rests_on: dict[str, float] = field(default_factory=dict)
    rule: str = ""


def count_phrase(n: float, singular: str = "report", plural: str | None = None) -> str:
    """``no report`` / ``one report`` / ``7 reports``: a count of zero or one is never narrated as several."""
    plural = plural or f"{singular}s"
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return f"an unknown number of {plural}"
    k = int(n)
    if k == 0:
        return f"no {singular}"
    if k == 1:
        return f"one {singular}"
    return f"{k} {plural}"


def change(before: float, after: float) -> float:
    """Change in percent of the before-count; NaN from zero (the change has no size)."""
    return math.nan if not before else 100.0 * (after - before) / before


def p_is(p: float) -> str:
    """``p = 0.070`` / ``p < 0.001``: a p-value as a clause, never ``p = < 0.001``; undefined, it says so."""
    if p is None or math.isnan(p):
        return "no p-value: the test cannot be run"
    text = _p(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def _p(p: float) -> str:
    """Three decimals; four where three would print 0.050 for a p-value on either side of the line."""
    if p < 0.001:
        return "< 0.001"
    return f"{p:.4f}" if f"{p:.3f}" == f"{ALPHA:.3f}" else f"{p:.3f}"


def capitalised(text: str) -> str:
    """A reading as the start of a sentence: its first letter upper-case, the rest untouched."""
    return text[:1].upper() + text[1:]


def category_name(category: str) -> str:
    """``economic cooperation``, ``political and diplomatic cooperation``: a category as prose names it."""
    if category not in CATEGORY_LABELS:
        raise ValueError(f"category: {category!r} is not one of {'|'.join(CATEGORIES)}")
    return f"{CATEGORY_LABELS[category].lower()} cooperation"


def _level(level: str) -> str:
    if level not in (*LEVELS, "any"):
        raise ValueError(f"level: {level!r} is not one of main|secondary|any")
    return level


def level_count(counts: Counts, category: str, level: str, partner: str | None = None, period: str = "all") -> float:
    """Reports with ``category`` at ``level`` (``any``: main plus secondary); NaN when a cell is unpublished.

    A report carries a category at one level at most, so the codes are also the reports reached.
    """
    if _level(level) == "any":
        return code_cell(counts, partner, period, category, "main") + code_cell(
            counts, partner, period, category, "secondary"
        )
    return code_cell(counts, partner, period, category, level)


def _together(names: list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def quoted_codes(report_id: str, register) -> Reading:
    """The codes the register gives a quoted report, in words: main codes first, then secondary ones.

    A code the editors inferred (``basis`` ``implied``) is marked as theirs, so a quotation's
    codes are never passed off as the thesis's where the thesis gives none. ``register`` is a
    :class:`kzperception.data.register.Register`; an unknown id is its KeyError naming the id.
    """
    codes = register.codes_of(report_id)
    coop = codes[codes["mode"] == "cooperation"]
    parts = []
    for level, one, many in (
        ("main", "as its main code", "as its main codes"),
        ("secondary", "as a secondary code", "as secondary codes"),
    ):
        rows = coop[coop["level"] == level]
        if rows.empty:
            continue
        names = [
            category_name(str(r.category)) + (" (inferred by the editors)" if str(r.basis) == "implied" else "")
            for r in rows.itertuples(index=False)
        ]
        parts.append(f"{_together(names)} {one if len(names) == 1 else many}")
    text = _together(parts) if parts else "no cooperation code"
    return Reading(f"codes_{report_id}", text, {}, "the register's codes, main first")
