"""Readings: the sentences that interpret numbers, chosen from the numbers.

A rerun must never print the thesis's conclusions over numbers that contradict them. So every
sentence of a data chapter that reads its counts (who leads, what grew faster, how many) is
chosen here from the counts it describes, and the thesis's own reading is the same function
applied to the published figures, shown as the thesis's.

The rules, which the audit appendix lists for the corpus a book was built on:

- **Counts.** 0 is "no report", 1 is "one report", anything else its number; "several" is never
  used for fewer than three (:func:`count_phrase`).
- **Change.** Before -> after in percent of the before-count; from zero it "appears", to zero it
  "disappears" (:func:`change_phrase`).
- **Faster or slower.** Two partners' changes within :data:`ABOUT_AS_FAST` percentage points of
  each other grow (or fall) "about as fast"; otherwise the larger change is "faster". Opposite
  signs are said as such ("grows ... while ... falls"). :func:`growth_contrast`.
- **Chance.** Every contrast carries the two-sided Fisher test of chapter 6.4 on the 2 x 2 table
  partner x period: below :data:`ALPHA` it is "beyond what chance alone would produce", otherwise
  "within what chance alone could produce".
- **Leads, ties, trails.** The largest count leads; equal largest counts tie; all zero is "none"
  (:func:`leader`). A category leads "for both" partners only when it is the single largest for
  each of them (:func:`common_leader`). Every lead carries the test of chapter 6.4 that fits it:
  a category's lead over the runner-up the exact binomial test of the two counts given their sum
  (:func:`lead_clause`, :func:`kzperception.analysis.stats.count_contrast`; conservative where a
  report carries both codes), a lead passing from one partner to another across the pivot the
  Fisher test of the partner x period table (:func:`lead_across_the_pivot`); below :data:`ALPHA`
  "beyond", otherwise "within what chance alone could produce".
- **Sections 6.3 to 6.5.** The readings of the totals, the test results and the pivot sweep are in
  :mod:`kzperception.analysis.section_readings`, with their own thresholds.
- **Main or side theme.** A category is "more often a secondary code than a main one" only when
  its secondary count is strictly larger, "as often" when the two are equal
  (:func:`main_versus_secondary`); its place among the categories counts the categories with a
  strictly larger count, so equal counts share a place ("joint fourth", :func:`level_place`).
- **Partners and periods.** Two shares of reports are compared with the same Fisher clause
  (:func:`partner_share_contrast`, :func:`period_shift`); where a category's reports fall in time
  is said with the majority period first, and an even split as such (:func:`period_split`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from kzperception.analysis.measures import code_cell
from kzperception.data.counts import Counts
from kzperception.data.vocabulary import CATEGORIES, CATEGORY_LABELS, COUNTRIES, LEVELS

#: Two changes this many percentage points apart or closer read "about as fast".
ABOUT_AS_FAST = 10.0
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


def change_phrase(before: float, after: float) -> str:
    """``grows by 160.0 %`` / ``falls by 22.0 %`` / ``stays at 12`` / ``appears (0 -> 5)`` / ``disappears``."""
    if before == after:
        return f"stays at {int(before)}"
    if not before:
        return f"appears ({int(before)} -> {int(after)})"
    if not after:
        return f"disappears ({int(before)} -> 0)"
    c = change(before, after)
    return f"grows by {c:.1f} %" if c > 0 else f"falls by {-c:.1f} %"


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


def lead_clause(top: float, second: float) -> tuple[str, float]:
    """Whether a lead of ``top`` over ``second`` (counts over the same reports) is beyond chance, in words.

    The exact binomial test of :func:`kzperception.analysis.stats.count_contrast`, read against
    :data:`ALPHA` like every test of chapter 6.4.
    """
    from kzperception.analysis.stats import count_contrast

    p = count_contrast(top, second)
    if math.isnan(p):
        return "too few reports to test the lead against chance", p
    if p < ALPHA:
        return f"a lead beyond what chance alone would produce (binomial {p_is(p)})", p
    return f"a lead within what chance alone could produce (binomial {p_is(p)})", p


def _direction(r: Reading) -> str:
    """The part of a reading's wording that carries its verdict (who is faster), without the numbers."""
    return r.text.split(" (")[0].split(":")[0]


# --- section 6.3.1: categories between partners, levels and periods -------------------------------

#: How a level reads in prose; ``any`` is main and secondary together.
LEVEL_WORDS = {"main": "main codes", "secondary": "secondary codes", "any": "main and secondary codes together"}
#: A category "as a main code" / "at either level".
LEVEL_AS = {"main": "as a main code", "secondary": "as a secondary code", "any": "at either level"}
#: The thing that leads: "the leading main code".
LEVEL_NOUN = {"main": "main code", "secondary": "secondary code", "any": "category at either level"}


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


def level_count(counts: Counts, category: str, level: str, partner: str | None = None,
                period: str = "all") -> float:
    """Reports with ``category`` at ``level`` (``any``: main plus secondary); NaN when a cell is unpublished.

    A report carries a category at one level at most, so the codes are also the reports reached.
    """
    if _level(level) == "any":
        return (code_cell(counts, partner, period, category, "main")
                + code_cell(counts, partner, period, category, "secondary"))
    return code_cell(counts, partner, period, category, level)


def _partners(counts: Counts) -> list[str]:
    """Partners with at least one report (a corpus's grid also holds rows of zero for the others)."""
    r = counts.reports
    present = set(r.loc[r["n"] > 0, "country"])
    return [c for c in COUNTRIES if c in present]


def _reports(counts: Counts, partner: str, period: str = "all") -> int:
    r = counts.reports
    sel = r["country"] == partner
    if period != "all":
        sel &= r["period"] == period
    return int(r.loc[sel, "n"].sum())


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
    for level, one, many in (("main", "as its main code", "as its main codes"),
                             ("secondary", "as a secondary code", "as secondary codes")):
        rows = coop[coop["level"] == level]
        if rows.empty:
            continue
        names = [category_name(str(r.category)) + (" (inferred by the editors)" if str(r.basis) == "implied" else "")
                 for r in rows.itertuples(index=False)]
        parts.append(f"{_together(names)} {one if len(names) == 1 else many}")
    text = _together(parts) if parts else "no cooperation code"
    return Reading(f"codes_{report_id}", text, {}, "the register's codes, main first")


#: From this place down (third or lower of the categories by main codes) security "plays a much
#: smaller part than the literature would predict"; first or second, it plays the large one.
SMALL_PART_FROM = 3

