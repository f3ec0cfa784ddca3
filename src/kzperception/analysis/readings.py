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
from collections.abc import Mapping
from dataclasses import dataclass, field

from scipy.stats import fisher_exact

from kzperception.analysis.measures import code_cell, share
from kzperception.data.counts import Counts
from kzperception.data.vocabulary import CATEGORIES, CATEGORY_LABELS, COUNTRIES, LEVELS, partner_label
from kzperception.data.wording import ordinal

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
        return f"a difference beyond what chance alone would produce (Fisher {p_is(p)})", p
    return f"a difference within what chance alone could produce (Fisher {p_is(p)})", p


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


def grouped_leads(tested: list[tuple[str, str]], over: str) -> str:
    """Several :func:`lead_clause` results as one clause, the same verdict said once.

    ``[("China", "a lead beyond ... (binomial p = 0.008)"), ("Russia", "a lead within ... (...)")]``
    -> ``a lead over the runner-up beyond ... for China (binomial p = 0.008), within ... for Russia (...)``.
    """
    groups: dict[str, list[str]] = {}
    for who, clause in tested:
        verdict, _, p = clause.partition(" (")
        groups.setdefault(verdict.removeprefix("a lead "), []).append(f"{who}" + (f" ({p}" if p else ""))
    parts = [f"{verdict} for {_together(whos)}" for verdict, whos in groups.items()]
    return f"a lead {over} " + ", ".join(parts)


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


def common_leader(counts: Counts, level: str = "main") -> Reading:
    """Which category leads for every partner at ``level``, or how the partners' leaders differ.

    "Leads for both" is said only when one and the same category is the single largest for each
    partner; a tie within a partner, or a different leader, is said as it is.
    """
    _level(level)
    partners = _partners(counts)
    unit = LEVEL_NOUN[level]
    tops: dict[str, tuple[list[str], float]] = {}
    rests: dict[str, float] = {}
    for p in partners:
        values = {cat: level_count(counts, cat, level, p) for cat in CATEGORIES}
        values = {k: v for k, v in values.items() if not math.isnan(v)}
        rests |= {f"{p}_{k}": v for k, v in values.items()}
        top = max(values.values(), default=0.0)
        tops[p] = ([k for k, v in values.items() if v == top] if top > 0 else [], top)
    if not partners or all(not cats for cats, _ in tops.values()):
        return Reading(f"common_leader_{level}", f"no category is coded {LEVEL_AS[level]} at all", rests, "all zero")
    firsts = {tuple(cats) for cats, _ in tops.values()}
    if len(firsts) == 1 and len(next(iter(firsts))) == 1:
        cat = next(iter(firsts))[0]
        who = ("both " if len(partners) == 2 else f"all {len(partners)} partners, " if len(partners) > 2 else "")
        each = _together([f"{partner_label(p)} ({count_phrase(tops[p][1])})" for p in partners])
        text = f"{category_name(cat)} is the leading {unit} for {who}{each}"
        tested = []
        for p in partners:
            runner_up = max((v for k, v in rests.items() if k.startswith(f"{p}_") and k != f"{p}_{cat}"), default=0.0)
            clause, pv = lead_clause(tops[p][1], runner_up)
            rests[f"p_lead_{p}"] = pv
            tested.append((partner_label(p), clause))
        text += ": " + grouped_leads(tested, "over the runner-up")
        return Reading(f"common_leader_{level}", text, rests, "the same single largest category for every partner")
    parts = []
    for p in partners:
        cats, top = tops[p]
        if not cats:
            parts.append(f"for {partner_label(p)} no category is coded {LEVEL_AS[level]}")
        elif len(cats) == 1:
            parts.append(f"for {partner_label(p)} {category_name(cats[0])} ({count_phrase(top)})")
        else:
            parts.append(f"for {partner_label(p)} {_together([category_name(c) for c in cats])} tie "
                         f"({count_phrase(top)} each)")
    text = f"no single category is the leading {unit} for every partner: " + "; ".join(parts)
    return Reading(f"common_leader_{level}", text, rests, "leaders differ or tie")


def partner_share_contrast(counts: Counts, category: str, a: str, b: str, level: str = "main") -> Reading:
    """Whether ``category`` reaches a larger share of the reports on ``a`` or on ``b``, with the Fisher clause."""
    ka, kb = level_count(counts, category, level, a), level_count(counts, category, level, b)
    na, nb = _reports(counts, a), _reports(counts, b)
    la, lb = partner_label(a), partner_label(b)
    sa, sb = share(ka, na), share(kb, nb)
    rests = {f"{a}": ka, f"{b}": kb, f"n_{a}": na, f"n_{b}": nb, f"{a}_share": sa, f"{b}_share": sb}
    what = f"{LEVEL_AS[level]}, {category_name(category)}"
    if any(math.isnan(x) for x in (ka, kb, sa, sb)):
        return Reading(f"contrast_{category}_{level}", f"{what} cannot be compared between {la} and {lb}: "
                       "a count or a partner's reports are missing", rests, "unknown cell")
    clause, p = chance_clause([[int(ka), na - int(ka)], [int(kb), nb - int(kb)]])
    rests["p_fisher"] = p
    if sa == sb:
        text = f"{what} reaches the same share of the reports on {la} and on {lb} ({sa:.1f} %)"
        rule = "equal shares"
    else:
        (hi, shi), (lo, slo) = sorted([(la, sa), (lb, sb)], key=lambda x: -x[1])
        text = f"{what} reaches a larger share of the reports on {hi} ({shi:.1f} %) than of those on {lo} ({slo:.1f} %)"
        rule = "larger share"
    return Reading(f"contrast_{category}_{level}", f"{text}: {clause}", rests, rule)


def main_versus_secondary(counts: Counts, category: str, partner: str | None = None) -> Reading:
    """Whether ``category`` is more often a report's main theme or a side one (for one partner, or all together)."""
    main = level_count(counts, category, "main", partner)
    sec = level_count(counts, category, "secondary", partner)
    subject = category_name(category) + (f" in the reports on {partner_label(partner)}" if partner else "")
    rests = {"main": main, "secondary": sec}
    key = f"main_vs_secondary_{category}" + (f"_{partner}" if partner else "")
    if math.isnan(main) or math.isnan(sec):
        return Reading(key, f"for {subject} the split between main and secondary codes is not known", rests,
                       "unknown cell")
    if main == sec == 0:
        return Reading(key, f"{subject} is never coded, neither as a main nor as a secondary theme", rests, "all zero")
    if sec > main:
        text = (f"{subject} is more often a secondary code than a main one (secondary in {count_phrase(sec)}, "
                f"main in {count_phrase(main)})")
        rule = "secondary count larger"
    elif main > sec:
        text = (f"{subject} is more often a main code than a secondary one (main in {count_phrase(main)}, "
                f"secondary in {count_phrase(sec)})")
        rule = "main count larger"
    else:
        text = f"{subject} is as often a main code as a secondary one ({count_phrase(main)} at each level)"
        rule = "equal counts"
    return Reading(key, text, rests, rule)


def level_place(counts: Counts, category: str, level: str = "main", partner: str | None = None) -> Reading:
    """The place of ``category`` among the categories by ``level``: ``second ... after economic cooperation (30)``.

    The place is one plus the number of categories with a strictly larger count, so equal counts
    share a place ("joint fourth ..., level with ..."); the categories ahead are named when there
    are at most two of them.
    """
    _level(level)
    values = {cat: level_count(counts, cat, level, partner) for cat in CATEGORIES}
    known = {k: v for k, v in values.items() if not math.isnan(v)}
    key = f"place_{category}_{level}" + (f"_{partner}" if partner else "")
    mine = known.get(category, math.nan)
    if math.isnan(mine):
        return Reading(key, f"the place of {category_name(category)} by {LEVEL_WORDS[level]} is not known",
                       dict(known), "unknown cell")
    ahead = sorted(((v, k) for k, v in known.items() if v > mine), reverse=True)
    level_with = [k for k, v in known.items() if v == mine and k != category]
    place = ordinal(len(ahead) + 1)
    text = (f"{'joint ' if level_with else ''}{place} of the {len(known)} categories by {LEVEL_WORDS[level]} "
            f"({int(mine)}")
    if level_with:
        text += f", level with {_together([category_name(k) for k in level_with])}"
    text += ")"
    if ahead and len(ahead) <= 2:
        text += ", after " + _together([f"{category_name(k)} ({int(v)})" for v, k in ahead])
    return Reading(key, text, {"place": len(ahead) + 1, "n": mine}, "one plus the categories strictly ahead")


def period_split(counts: Counts, partner: str, category: str, level: str = "main") -> Reading:
    """How the reports on ``partner`` with ``category`` at ``level`` divide between the two periods, majority first."""
    before = level_count(counts, category, level, partner, "before")
    after = level_count(counts, category, level, partner, "after")
    lb, la = counts.window.label("before"), counts.window.label("after")
    what = f"reports on {partner_label(partner)} with {category_name(category)} {LEVEL_AS[level]}"
    rests = {"before": before, "after": after}
    key = f"split_{partner}_{category}_{level}"
    if math.isnan(before) or math.isnan(after):
        return Reading(key, f"how the {what} divide between {lb} and {la} is not known", rests, "unknown cell")
    total = int(before + after)
    if total == 0:
        return Reading(key, f"no report on {partner_label(partner)} has {category_name(category)} "
                       f"{LEVEL_AS[level]} in either period", rests, "all zero")
    if total == 1:
        when = lb if before else la
        one = what.removeprefix("reports")
        return Reading(key, f"the one report{one} dates from {when}", rests, "one report")
    if before == after:
        return Reading(key, f"the {total} {what} divide evenly, {int(before)} in {lb} and {int(after)} in {la}",
                       rests, "even split")
    (kmaj, lmaj), (kmin, lmin) = sorted([(int(before), lb), (int(after), la)], reverse=True)
    text = f"{kmaj} of the {total} {what} date from {lmaj}, {count_phrase(kmin)} from {lmin}"
    return Reading(key, text, rests, "majority period first")


def period_shift(counts: Counts, partner: str, category: str, level: str = "main") -> Reading:
    """How the share of the reports on ``partner`` with ``category`` moved across the pivot, with the Fisher clause."""
    k = {p: level_count(counts, category, level, partner, p) for p in ("before", "after")}
    n = {p: _reports(counts, partner, p) for p in ("before", "after")}
    s = {p: share(k[p], n[p]) for p in ("before", "after")}
    lb, la = counts.window.label("before"), counts.window.label("after")
    what = f"the share of reports on {partner_label(partner)} with {category_name(category)} {LEVEL_AS[level]}"
    rests = {f"{p}_{x}": d[p] for p in ("before", "after") for x, d in (("n", k), ("reports", n), ("share", s))}
    key = f"shift_{partner}_{category}_{level}"
    if any(math.isnan(v) for v in (*k.values(), *s.values())):
        return Reading(key, f"{what} is not known in both {lb} and {la}", rests, "unknown cell or empty period")
    clause, p = chance_clause([[int(k["after"]), n["after"] - int(k["after"])],
                               [int(k["before"]), n["before"] - int(k["before"])]])
    rests["p_fisher"] = p
    a, b = s["before"], s["after"]
    if round(a, 1) == round(b, 1):
        text = f"{what} stays at {a:.1f} % in {lb} and {la}"
        rule = "equal shares"
    else:
        verb = "rises" if b > a else "falls"
        text = f"{what} {verb} from {a:.1f} % in {lb} to {b:.1f} % in {la}"
        rule = verb
    return Reading(key, f"{text}: {clause}", rests, rule)


def lead_across_the_pivot(counts: Counts, untested_pair: frozenset[str] | None = None) -> Reading:
    """Which partner had the most reports before the pivot and which after, in words.

    ``kept`` when one partner leads in both periods, ``changed`` when the lead passes from one to
    another, ``tied`` wording when a period's largest counts are equal. A changed lead carries the
    Fisher test of its partner x period table, unless that pair of partners is ``untested_pair``:
    a page whose next sentence states the same test (the growth contrast of the same two partners)
    would otherwise say it twice.
    """
    partners = [c for c in COUNTRIES if (counts.reports["country"] == c).any()]
    before = {partner_label(c): _period_counts(counts, c)[0] for c in partners}
    after = {partner_label(c): _period_counts(counts, c)[1] for c in partners}
    rests = {**{f"{k}_before": v for k, v in before.items()}, **{f"{k}_after": v for k, v in after.items()}}

    def top(values: dict[str, int]) -> list[str]:
        best = max(values.values(), default=0)
        return [k for k, v in values.items() if v == best] if best else []

    tb, ta = top(before), top(after)
    if not tb or not ta:
        return Reading("lead_across_the_pivot", "one period has no reports, so neither period has a lead",
                       rests, "a period without reports")
    if len(tb) > 1 or len(ta) > 1:
        def say(t: list[str]) -> str:
            return f"{' and '.join(t)} tie" if len(t) > 1 else f"{t[0]} leads"

        return Reading("lead_across_the_pivot", f"before the pivot {say(tb)}, after it {say(ta)}", rests,
                       "equal largest counts in a period")
    if tb == ta:
        clauses = []
        for period, values in (("before", before), ("after", after)):
            second = max((v for k, v in values.items() if k != tb[0]), default=0)
            clause, p = lead_clause(values[tb[0]], second)
            rests[f"p_lead_{period}"] = p
            clauses.append((f"{period} the pivot", clause))
        return Reading("lead_across_the_pivot", f"{tb[0]} has the most reports both before and after the pivot: "
                       f"{grouped_leads(clauses, 'over the next partner')}", rests, "the same leader in both periods")
    # The lead passing from one partner to another is a change in the partner x period table: its Fisher test.
    b_first, b_second = (partners[[partner_label(c) for c in partners].index(x)] for x in (tb[0], ta[0]))
    clause, p = chance_clause([list(_period_counts(counts, b_first)), list(_period_counts(counts, b_second))])
    rests["p_fisher"] = p
    if untested_pair is not None and {b_first, b_second} == set(untested_pair):
        return Reading("lead_across_the_pivot", f"{tb[0]}'s lead before the pivot turned into {ta[0]}'s lead "
                       "after it", rests, "the leader changes (its test stated with the growth contrast)")
    return Reading("lead_across_the_pivot", f"{tb[0]}'s lead before the pivot turned into {ta[0]}'s lead after it"
                   f", {clause.replace('a difference', 'a change', 1)}", rests, "the leader changes")


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


def category_readings(counts: Counts, a: str | None = None, b: str | None = None) -> dict[str, str]:
    """Every reading section 6.3.1 can glue, under stable keys, for partners ``a`` and ``b`` (the first two by default).

    ``leader_<level>``; ``contrast_<category>_<level>`` (``a`` against ``b``); ``mvs_<category>`` and
    ``mvs_<category>_<partner>``; ``place_<category>_<level>``; ``split_<partner>_<category>`` and
    ``shift_<partner>_<category>`` (main codes); ``reports_<partner>_<category>_<level>``, the count
    as a phrase ("one report", "5 reports"), so prose never pastes "1 reports". Each also as
    ``<key>_cap``, to open a sentence.
    """
    a, b = (a or COUNTRIES[0]), (b or COUNTRIES[1] if len(COUNTRIES) > 1 else b)
    out: dict[str, str] = {}
    for level in ("main", "any"):
        out[f"leader_{level}"] = common_leader(counts, level).text
    for cat in CATEGORIES:
        for level in (*LEVELS, "any"):
            out[f"place_{cat}_{level}"] = level_place(counts, cat, level).text
        out[f"mvs_{cat}"] = main_versus_secondary(counts, cat).text
        if b is not None:
            for level in ("main", "any"):
                out[f"contrast_{cat}_{level}"] = partner_share_contrast(counts, cat, a, b, level).text
        for p in (x for x in (a, b) if x is not None):
            out[f"mvs_{cat}_{p}"] = main_versus_secondary(counts, cat, p).text
            out[f"split_{p}_{cat}"] = period_split(counts, p, cat).text
            out[f"shift_{p}_{cat}"] = period_shift(counts, p, cat).text
            for level in (*LEVELS, "any"):
                out[f"reports_{p}_{cat}_{level}"] = count_phrase(level_count(counts, cat, level, p))
    return out | {f"{k}_cap": capitalised(v) for k, v in out.items()}


#: From this place down (third or lower of the categories by main codes) security "plays a much
#: smaller part than the literature would predict"; first or second, it plays the large one.
SMALL_PART_FROM = 3


def security_part(counts: Counts) -> Reading:
    """How large a part security and military cooperation plays among all main codes, in words.

    The realist literature the thesis answers expects security to weigh heavily; the reading says
    whether the counts bear that out, from the category's place (ties share a place).
    """
    from kzperception.analysis.measures import coding_facts

    facts = coding_facts(counts)
    n, rank = facts.get("security_military_main", float("nan")), facts.get("security_military_main_rank", float("nan"))
    rests = {"security_military_main": n, "security_military_main_rank": rank}
    if math.isnan(n) or math.isnan(rank) or n == 0:
        return Reading("security_part", "security plays no part at all among the main codes: "
                       "no report has it as its main theme", rests, "no security main code")
    place = ordinal(rank)
    if rank >= SMALL_PART_FROM:
        return Reading("security_part", f"security plays a much smaller part than the literature would predict: "
                       f"with {count_phrase(n, 'main code')} in all, it comes only {place} among the categories",
                       rests, f"place {int(rank)} >= {SMALL_PART_FROM}")
    return Reading("security_part", f"security plays the large part the literature would predict: with "
                   f"{count_phrase(n, 'main code')} in all, it comes {place} among the categories", rests,
                   f"place {int(rank)} < {SMALL_PART_FROM}")


def conclusion_texts(counts: Counts, first: str, second: str) -> dict[str, str]:
    """The readings the conclusion glues, by name: the lead across the pivot, ``first`` against ``second``,
    and how security and the economy moved in the reports on ``second``.

    Chosen from ``counts`` like every reading, so a conclusion executed on another corpus states
    that corpus's results.
    """
    return {
        # The growth sentence that follows states the Fisher test of the same two partners once.
        "reading_lead": lead_across_the_pivot(counts, frozenset((first, second))).text,
        "reading_growth_sentence": capitalised(growth_contrast(counts, first, second).text),
        "reading_security_shift": period_shift(counts, second, "security_military").text,
        "reading_economic_shift": period_shift(counts, second, "economic").text,
        "reading_leading_theme": common_leader(counts, "main").text,
        "reading_security_part": capitalised(security_part(counts).text),
    }
