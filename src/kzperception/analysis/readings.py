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
  (:func:`leader`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from scipy.stats import fisher_exact

from kzperception.data.counts import Counts
from kzperception.data.vocabulary import COUNTRIES, partner_label

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


def _period_counts(counts: Counts, partner: str) -> tuple[int, int]:
    r = counts.reports
    sel = r["country"] == partner
    before = int(r.loc[sel & (r["period"] == "before"), "n"].sum())
    after = int(r.loc[sel & (r["period"] == "after"), "n"].sum())
    return before, after


def chance_clause(table: list[list[int]]) -> tuple[str, float]:
    """The 6.4 Fisher test of a 2 x 2 table, in words, and its p-value (NaN when a margin is empty)."""
    if any(sum(row) == 0 for row in table) or any(table[0][j] + table[1][j] == 0 for j in (0, 1)):
        return "too few reports to test against chance", math.nan
    p = float(fisher_exact(table, alternative="two-sided").pvalue)
    if p < ALPHA:
        return f"a difference beyond what chance alone would produce (Fisher p = {_p(p)})", p
    return f"a difference within what chance alone could produce (Fisher p = {_p(p)})", p


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def growth_contrast(counts: Counts, a: str, b: str) -> Reading:
    """How attention to partner ``a`` changed across the pivot compared with partner ``b``."""
    a_before, a_after = _period_counts(counts, a)
    b_before, b_after = _period_counts(counts, b)
    la, lb = partner_label(a), partner_label(b)
    ca, cb = change(a_before, a_after), change(b_before, b_after)
    clause, p = chance_clause([[a_after, a_before], [b_after, b_before]])
    rests = {f"{a}_before": a_before, f"{a}_after": a_after, f"{b}_before": b_before, f"{b}_after": b_after,
             f"{a}_change": ca, f"{b}_change": cb, "p_fisher": p}
    pa = f"attention to {la} {change_phrase(a_before, a_after)}"
    pb = f"attention to {lb} {change_phrase(b_before, b_after)}"
    if math.isnan(ca) or math.isnan(cb):
        text = f"{pa}, and {pb}"
        rule = "a change from zero has no size: both changes are stated, neither is called faster"
    elif (ca > 0) != (cb > 0) and ca != 0 and cb != 0:
        text = f"{pa} while {pb}"
        rule = "opposite signs"
    elif abs(ca - cb) <= ABOUT_AS_FAST:
        verb = "grows" if ca + cb > 0 else "falls" if ca + cb < 0 else "changes"
        text = f"attention to {la} and to {lb} {verb.removesuffix('s')} about as fast ({ca:+.1f} % and {cb:+.1f} %)"
        rule = f"changes within {ABOUT_AS_FAST:g} percentage points"
    else:
        faster, slower = (la, lb) if abs(ca) > abs(cb) else (lb, la)
        grows = ca > 0
        verb = "grows faster" if grows else "falls faster"
        text = (f"attention to {faster} {verb} than attention to {slower} "
                f"({la} {ca:+.1f} %, {lb} {cb:+.1f} %)")
        rule = f"changes more than {ABOUT_AS_FAST:g} percentage points apart, same sign"
    return Reading(f"growth_{a}_{b}", f"{text}: {clause}", rests, rule)


def leader(values: Mapping[str, float], what: str = "reports") -> Reading:
    """Which of several labelled counts leads, ties or is absent, in words."""
    clean = {k: v for k, v in values.items() if v is not None and not (isinstance(v, float) and math.isnan(v))}
    rests = dict(clean)
    if not clean or max(clean.values()) == 0:
        return Reading("leader", f"none of them has any {what}", rests, "all zero")
    top = max(clean.values())
    first = [k for k, v in clean.items() if v == top]
    rest = sorted(((v, k) for k, v in clean.items() if v != top), reverse=True)
    if len(first) > 1:
        text = f"{' and '.join(first)} tie with {int(top)} {what} each"
        rule = "equal largest counts"
    else:
        text = f"{first[0]} leads with {int(top)} {what}"
        rule = "largest count"
    if rest:
        text += ", ahead of " + ", ".join(f"{k} ({int(v)})" for v, k in rest)
    return Reading("leader", text, rests, rule)


def report_readings(counts: Counts) -> list[Reading]:
    """The readings chapter 6.2 prints: each pair of partners' growth across the pivot, in partners.yaml order."""
    present = [c for c in COUNTRIES if (counts.reports["country"] == c).any()]
    return [growth_contrast(counts, a, b) for i, a in enumerate(present) for b in present[i + 1:]]


def beside_the_thesis(ours: Reading, thesis: Reading | None) -> str:
    """What the page says after its own reading: agreement with the thesis, or the thesis's reading as the thesis's."""
    if thesis is None:
        return "The thesis's own counts read the same way."
    if thesis.rule == ours.rule and _direction(thesis) == _direction(ours):
        return "On the thesis's published counts the same comparison reads the same way."
    return f"On the thesis's published counts the same comparison reads otherwise: {thesis.text}."


def _direction(r: Reading) -> str:
    """The part of a reading's wording that carries its verdict (who is faster), without the numbers."""
    return r.text.split(" (")[0].split(":")[0]
