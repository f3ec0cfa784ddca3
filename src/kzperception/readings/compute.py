"""Verdicts computed from the counts: pure functions, one per question a chapter asks of its numbers.

Each function takes the counts frame (:class:`kzperception.data.counts.Counts`, the thesis's
published figures or a corpus under a window) and returns a verdict of
:mod:`kzperception.readings.verdicts`. Partners are the ones the counts hold reports on, in the
vocabulary's order, so every function works for one partner or five; categories follow the
codebook. Nothing here writes a word of English.
"""

from __future__ import annotations

import itertools
import math
from typing import Literal

import numpy as np
from scipy.stats import binomtest, chi2_contingency, fisher_exact
from statsmodels.stats.contingency_tables import Table2x2

from kzperception.analysis.measures import code_cell
from kzperception.analysis.stats import after_share_expected, holm, stratified_attention, wilson
from kzperception.data.counts import Counts
from kzperception.data.window import Window
from kzperception.readings.verdicts import (
    AttentionTest,
    CategoryContrast,
    CategoryOrder,
    CategoryProfile,
    CategoryShift,
    CodeTotals,
    CommonLeader,
    Direction,
    GrowthContrast,
    LevelsOrder,
    LevelSplit,
    OddsRatio,
    PeriodChange,
    PeriodLengths,
    PeriodRates,
    PeriodTests,
    PivotLead,
    Place,
    Pooling,
    Ranking,
    Scale,
    SecurityPart,
    SlotGrowth,
    SlotLead,
    SlotPair,
    SlotRise,
    SmallSite,
    Standing,
    SteadyPace,
    Test,
    WindowCoverage,
    is_nan,
)

#: The periods "differ in length" when the shorter is more than this fraction shorter than the longer;
#: then changes are compared as reports per day, and the prose says the periods differ.
PERIODS_DIFFER = 0.05


# --- the vocabulary as the counts hold it ---------------------------------------------------------


def _in_order(known: tuple[str, ...], column: object) -> tuple[str, ...]:
    """``known`` ids first, in their order, then any other id of ``column`` in order of first appearance."""
    seen = dict.fromkeys(str(x) for x in column)  # type: ignore[attr-defined]
    return (*known, *(x for x in seen if x not in known))


def partner_ids(counts: Counts) -> tuple[str, ...]:
    """Every partner of the counts' vocabulary, in its order (those without reports included).

    The vocabulary is the value the counts carry (a corpus's own ``partners.yaml``, or the
    project's), never state loaded at import; a partner of the frame outside it would follow, so
    a verdict never silently drops a partner.
    """
    return _in_order(tuple(counts.vocabulary.partner_ids), counts.reports["country"])


def category_ids(counts: Counts) -> tuple[str, ...]:
    """The codebook's categories, in its order (any category of the frame outside it after them)."""
    return _in_order(tuple(counts.vocabulary.category_ids), counts.codes["category"])


def website_ids(counts: Counts) -> tuple[str, ...]:
    return _in_order(tuple(counts.vocabulary.website_ids), counts.reports["website"])


def partners(counts: Counts) -> tuple[str, ...]:
    """The partners with at least one report in the counts, in vocabulary order."""
    r = counts.reports
    present = set(r.loc[r["n"] > 0, "country"].astype(str))
    return tuple(p for p in partner_ids(counts) if p in present)


def reports(counts: Counts, partner: str | None = None, period: str = "all", website: str | None = None) -> int:
    """Reports on ``partner`` (all when None) in ``period`` (``all``: both) on ``website`` (all when None)."""
    return counts.report_index.get((partner, period, website), 0)


def level_count(counts: Counts, category: str, level: str, partner: str | None = None, period: str = "all") -> float:
    """Reports with ``category`` at ``level`` (``any``: main plus secondary); NaN for a cell not published."""
    if level == "any":
        return code_cell(counts, partner, period, category, "main") + code_cell(
            counts, partner, period, category, "secondary"
        )
    return code_cell(counts, partner, period, category, level)


# --- windows ---------------------------------------------------------------------------------------


def period_days(window: Window) -> tuple[int, int]:
    """Days in the before-period (start to the day before the pivot) and the after-period (pivot to end)."""
    return (window.pivot - window.start).days, (window.end - window.pivot).days + 1


def periods_differ(window: Window) -> bool:
    """Whether the two periods differ in length by more than :data:`PERIODS_DIFFER` of the longer."""
    b, a = period_days(window)
    return abs(b - a) > PERIODS_DIFFER * max(a, b)


# --- tests -------------------------------------------------------------------------------------------


def fisher(table: list[list[int]]) -> Test:
    """Two-sided Fisher test of a 2 x 2 table; untestable (NaN) when a row or column is empty."""
    t = np.asarray(table, dtype=int)
    n = int(t.sum())
    if (t.sum(axis=0) == 0).any() or (t.sum(axis=1) == 0).any():
        return Test("fisher", math.nan, n)
    return Test("fisher", float(fisher_exact(t, alternative="two-sided").pvalue), n)


def binomial(top: float, second: float) -> Test:
    """Exact two-sided binomial test of two counts over the same reports, given their sum (conservative)."""
    if is_nan(top) or is_nan(second) or int(top) + int(second) == 0:
        return Test("binomial", math.nan, 0)
    a, b = int(top), int(second)
    return Test("binomial", float(binomtest(a, a + b, 0.5, alternative="two-sided").pvalue), a + b)


# --- reports and periods -----------------------------------------------------------------------------


def period_change(counts: Counts, partner: str) -> PeriodChange:
    days_before, days_after = period_days(counts.window)
    per_day = periods_differ(counts.window)
    return PeriodChange(
        f"change_{partner}",
        "rates per day" if per_day else "counts",
        partner=partner,
        before=reports(counts, partner, "before"),
        after=reports(counts, partner, "after"),
        days_before=days_before,
        days_after=days_after,
        per_day=per_day,
    )


def growth_contrast(counts: Counts, a: str, b: str) -> GrowthContrast:
    ca, cb = period_change(counts, a), period_change(counts, b)
    test = fisher([[ca.after, ca.before], [cb.after, cb.before]])
    return GrowthContrast(f"growth_{a}_{b}", "changes compared; Fisher test of partner x period", a=ca, b=cb, test=test)


def growth_contrasts(counts: Counts) -> list[GrowthContrast]:
    """Every pair of partners with reports, in vocabulary order."""
    return [growth_contrast(counts, a, b) for a, b in itertools.combinations(partners(counts), 2)]


def attention_test(counts: Counts) -> AttentionTest:
    """One test over every partner with reports (Fisher for two, chi-squared for more), and the pairs with Holm."""
    ps = partners(counts)
    table = [[reports(counts, p, "after"), reports(counts, p, "before")] for p in ps]
    pairs: list[tuple[str, str, float]] = []
    if len(ps) < 2:
        return AttentionTest("attention", "fewer than two partners", partners=ps, test=Test("chi2", math.nan))
    if len(ps) == 2:
        test = fisher(table)
        return AttentionTest(
            "attention", "Fisher, two partners", partners=ps, test=test, pairs=((ps[0], ps[1], test.p),)
        )
    t = np.asarray(table)
    if (t.sum(axis=0) == 0).any():
        test = Test("chi2", math.nan, int(t.sum()))
    else:
        test = Test("chi2", float(chi2_contingency(t, correction=False).pvalue), int(t.sum()))
    raw = [(a, b, fisher([table[i], table[j]]).p) for (i, a), (j, b) in itertools.combinations(enumerate(ps), 2)]
    ok = [k for k, (_, _, p) in enumerate(raw) if not is_nan(p)]
    adjusted = dict(zip(ok, holm([raw[k][2] for k in ok]), strict=True))
    pairs = [(a, b, adjusted.get(k, math.nan)) for k, (a, b, _) in enumerate(raw)]
    return AttentionTest(
        "attention",
        "chi-squared over all partners; pairwise Fisher with Holm",
        partners=ps,
        test=test,
        pairs=tuple(pairs),
    )


def partner_ranking(counts: Counts, period: str = "all") -> Ranking:
    """Which partner has the most reports (in ``period``), with the binomial test of the lead over the next."""
    items = tuple((p, float(reports(counts, p, period))) for p in partners(counts))
    r = Ranking(f"partners_{period}", "largest count", kind="partner", unit="report", items=items, scope=period)
    if r.outcome == "leads" and r.runner_up is not None:
        return Ranking(
            r.key,
            r.rule,
            kind="partner",
            unit="report",
            items=items,
            scope=period,
            test=binomial(r.top, r.runner_up[1]),
        )
    if r.outcome == "leads":
        return Ranking(r.key, "the only partner with reports", kind="partner", unit="report", items=items, scope=period)
    return r


def pivot_lead(counts: Counts) -> PivotLead:
    before, after = partner_ranking(counts, "before"), partner_ranking(counts, "after")
    lead = PivotLead("lead_across_the_pivot", "", before=before, after=after)
    test = None
    if lead.outcome == "passed":
        a, b = before.leaders[0], after.leaders[0]
        test = fisher(
            [
                [reports(counts, a, "after"), reports(counts, a, "before")],
                [reports(counts, b, "after"), reports(counts, b, "before")],
            ]
        )
    rule = {
        "kept": "the same leader in both periods",
        "passed": "the leader changes",
        "tied": "equal largest counts in a period",
        "empty": "a period without reports",
    }[lead.outcome]
    return PivotLead(lead.key, rule, before=before, after=after, test=test)


def slot_growth(counts: Counts) -> SlotGrowth:
    """The partner x website slots with reports in either period, and those that grow (per day when periods differ)."""
    days_before, days_after = period_days(counts.window)
    per_day = periods_differ(counts.window)
    slots, growing = [], []
    for p in partners(counts):
        for w in website_ids(counts):
            b, a = reports(counts, p, "before", w), reports(counts, p, "after", w)
            if a + b == 0:
                continue
            slots.append((p, w))
            if (a / days_after > b / days_before) if per_day else (a > b):
                growing.append((p, w))
    return SlotGrowth(
        "slot_growth",
        "per-day rates" if per_day else "counts",
        growing=tuple(growing),
        slots=tuple(slots),
        per_day=per_day,
    )


# --- categories --------------------------------------------------------------------------------------


def category_ranking(counts: Counts, level: str = "main", partner: str | None = None, period: str = "all") -> Ranking:
    """The categories by their count at ``level`` (for one partner, or all), with the binomial test of a single lead."""
    items = tuple((c, level_count(counts, c, level, partner, period)) for c in category_ids(counts))
    key = f"categories_{level}" + (f"_{partner}" if partner else "") + ("" if period == "all" else f"_{period}")
    unit = {"main": "main code", "secondary": "secondary code", "any": "code"}[level]
    r = Ranking(key, "largest count", kind="category", unit=unit, items=items, scope=partner or "")
    if r.outcome == "leads":
        second = r.runner_up[1] if r.runner_up is not None else 0.0
        return Ranking(
            key, r.rule, kind="category", unit=unit, items=items, scope=partner or "", test=binomial(r.top, second)
        )
    return r


def security_part(counts: Counts) -> SecurityPart:
    r = category_ranking(counts, "main")
    values = dict(r.known)
    n = values.get("security_military", math.nan)
    total = float(sum(values.values()))
    if is_nan(n) or n == 0:
        return SecurityPart("security_part", "no security main code", n=0.0 if is_nan(n) else n, total=total)
    place, level = r.place("security_military")
    return SecurityPart(
        "security_part",
        f"place {place} of {len(values)}; {int(total)} main codes",
        n=n,
        place=place,
        joint=bool(level),
        total=total,
        even=len(set(values.values())) == 1 and len(values) == len(r.items),
    )


def common_leader(counts: Counts, level: str = "main") -> CommonLeader:
    """The leading category at ``level`` for every partner with reports."""

    rankings = tuple(category_ranking(counts, level, p) for p in partners(counts))
    return CommonLeader(f"common_leader_{level}", "the single largest category per partner", rankings=rankings)


def odds_ratio(counts: Counts, a: str, b: str) -> OddsRatio:
    """The odds that a report on ``a`` falls after the pivot over the same odds for ``b``, with Woolf's interval."""

    table = [
        [reports(counts, a, "after"), reports(counts, a, "before")],
        [reports(counts, b, "after"), reports(counts, b, "before")],
    ]
    test = fisher(table)
    t = np.asarray(table)
    if test.outcome == "untestable":
        return OddsRatio(f"odds_{a}_{b}", "empty row or column", a=a, b=b, test=test)
    ratio = float(fisher_exact(t).statistic)
    low = high = math.nan
    if not (t == 0).any():
        low, high = (float(x) for x in Table2x2(t).oddsratio_confint(alpha=0.05))
    return OddsRatio(
        f"odds_{a}_{b}",
        "Woolf 95 % interval against 1; Fisher p against 0.10",
        a=a,
        b=b,
        ratio=ratio,
        low=low,
        high=high,
        test=test,
    )


def direction(counts: Counts, a: str, b: str) -> Direction:
    """The odds ratio of ``a`` against ``b`` read plainly: whose reports leaned more towards the after-period."""
    odds = odds_ratio(counts, a, b)
    return Direction(f"direction_{a}_{b}", "side of the odds ratio against 1; Fisher p against 0.05", odds=odds)


def category_shift(counts: Counts, partner: str, category: str, level: str = "main") -> CategoryShift:
    """The share of ``partner``'s reports with ``category`` at ``level``, before against after, with Fisher's test."""

    kb = level_count(counts, category, level, partner, "before")
    ka = level_count(counts, category, level, partner, "after")
    nb, na = reports(counts, partner, "before"), reports(counts, partner, "after")
    if is_nan(kb) or is_nan(ka) or not nb or not na:  # no share in a period without reports: nothing to test
        test = Test("fisher", math.nan)
    else:
        test = fisher([[int(ka), na - int(ka)], [int(kb), nb - int(kb)]])
    return CategoryShift(
        f"shift_{partner}_{category}_{level}",
        "share of a partner's reports, before against after",
        partner=partner,
        category=category,
        level=level,
        k_before=kb,
        n_before=nb,
        k_after=ka,
        n_after=na,
        test=test,
    )


def slot_lead(counts: Counts, partner: str, period: str) -> SlotLead:
    """The categories that lead the main codes of ``partner``'s slot in ``period``, with their shares of its reports."""
    n = reports(counts, partner, period)
    order = category_ids(counts)
    known = []
    unknown = False
    for cat in order:
        k = level_count(counts, cat, "main", partner, period)
        unknown = unknown or is_nan(k)
        if not is_nan(k) and k > 0:
            known.append((cat, float(k), 100.0 * k / n if n else math.nan))
    known.sort(key=lambda x: (-x[1], order.index(x[0])))
    return SlotLead(
        f"slot_lead_{partner}_{period}",
        "largest count of main codes in the slot",
        partner=partner,
        period=period,
        items=tuple(known),
        reports=int(n),
        unknown=unknown,
    )


def moved_most(counts: Counts, partner: str) -> CategoryShift | None:
    """The category whose share of ``partner``'s reports (main codes) moved most across the pivot, or None.

    Among categories whose share is known in both periods; of equal moves, the first in codebook order.
    """
    shifts = [category_shift(counts, partner, cat) for cat in category_ids(counts)]
    known = [s for s in shifts if s.direction in ("rises", "falls", "steady")]
    if not known:
        return None
    return max(known, key=lambda s: abs(s.share_after - s.share_before))


def slot_pair(counts: Counts, a: str, b: str, aspect: str) -> SlotPair:
    """Partner ``a``'s slots beside ``b``'s, for one ``aspect`` of :class:`SlotPair` (the thesis's slot passages)."""
    if aspect not in ("before", "growth", "attention", "sizes"):
        raise ValueError(f"slot_pair: aspect {aspect!r} is not one of before|growth|attention|sizes")
    return SlotPair(
        f"pair_{aspect}_{a}_{b}",
        "report counts of two partners' slots; changes within 10 points are about as much",
        a=a,
        b=b,
        aspect=aspect,  # type: ignore[arg-type]  # checked above
        a_before=reports(counts, a, "before"),
        a_after=reports(counts, a, "after"),
        b_before=reports(counts, b, "before"),
        b_after=reports(counts, b, "after"),
        a_change=period_change(counts, a).change,
        b_change=period_change(counts, b).change,
    )


def steady_pace(counts: Counts) -> list[SteadyPace]:
    """Each partner's share of reports after the pivot with its Wilson interval, against the steady-pace share."""
    ref = round(after_share_expected(counts), 1)
    out = []
    for p in partners(counts):
        k, n = reports(counts, p, "after"), reports(counts, p)
        low, high = wilson(k, n)
        out.append(
            SteadyPace(
                f"pace_{p}",
                "the whole Wilson 95 % interval against the steady-pace share",
                partner=p,
                k=k,
                n=n,
                share=100.0 * k / n if n else math.nan,
                low=low,
                high=high,
                reference=ref,
            )
        )
    return out


def pooling(counts: Counts, a: str, b: str) -> Pooling:
    """The crude and the website-pooled odds ratio of two partners, with the CMH and Breslow–Day tests."""
    crude = odds_ratio(counts, a, b).ratio
    s = stratified_attention(counts, (a, b))
    return Pooling(
        f"pooling_{a}_{b}",
        "CMH against the crude odds ratio, log scale; Breslow–Day",
        a=a,
        b=b,
        crude=crude,
        pooled=s["or_pooled"],
        low=s["or_low"],
        high=s["or_high"],
        cmh=Test("chi2", s["p_cmh"]),
        breslow_day=Test("chi2", s["p_breslow_day"]),
    )


def poolings(counts: Counts) -> list[Pooling]:
    return [pooling(counts, a, b) for a, b in itertools.combinations(partners(counts), 2)]


def category_contrast(counts: Counts, category: str, level: str = "main") -> CategoryContrast:
    """The category's share of each partner's reports, with Fisher (two partners) or chi-squared (more)."""

    ps = partners(counts)
    shares = tuple((p, level_count(counts, category, level, p), reports(counts, p)) for p in ps)
    if len(ps) < 2 or any(is_nan(k) for _, k, _ in shares):
        test = Test("fisher", math.nan)
    else:
        table = [[int(k), n - int(k)] for _, k, n in shares]
        if len(ps) == 2:
            test = fisher(table)
        else:
            t = np.asarray(table)
            test = Test(
                "chi2",
                math.nan if (t.sum(axis=0) == 0).any() else float(chi2_contingency(t, correction=False).pvalue),
                int(t.sum()),
            )
    return CategoryContrast(
        f"contrast_{category}_{level}",
        "shares of each partner's reports",
        category=category,
        level=level,
        shares=shares,
        test=test,
    )


def level_split(counts: Counts, category: str) -> LevelSplit:

    splits = tuple(
        (p, level_count(counts, category, "main", p), level_count(counts, category, "secondary", p))
        for p in partners(counts)
    )
    return LevelSplit(
        f"levels_{category}", "main against secondary count, per partner", category=category, splits=splits
    )


_LEVEL_WHAT = {"main": "main codes", "secondary": "secondary codes", "any": "main and secondary codes together"}


def place(counts: Counts, category: str, level: str = "main") -> Place:
    """The place of ``category`` among the codebook's categories by ``level``, over all partners."""

    return Place(
        f"place_{level}_{category}",
        "one plus the categories strictly ahead",
        ranking=category_ranking(counts, level),
        item=category,
        what=_LEVEL_WHAT[level],
    )


def standing(counts: Counts, category: str, levels: tuple[str, ...] = ("main",)) -> Standing:
    """``category``'s place at each of ``levels`` (main first), said of the category over all partners."""
    return Standing(
        "standing_" + "_".join(levels[1:] or ()) + ("_" if len(levels) > 1 else "") + category,
        "one plus the categories strictly ahead, at each level",
        category=category,
        partners=tuple(partners(counts)),
        places=tuple(place(counts, category, level) for level in levels),
    )


# --- the coding as a whole (6.3) ------------------------------------------------------------------


def non_cooperation_codes(counts: Counts) -> float:
    """Non-cooperation codes: the source's stated total where it states one, else those in the counts."""
    stated = (getattr(counts, "stated", None) or {}).get("codes_non_cooperation")
    if stated is not None:
        return float(stated)
    codes = counts.codes
    return float(codes.loc[(codes["period"] == "all") & (codes["mode"] == "non_cooperation"), "n"].sum())


def code_totals(counts: Counts) -> CodeTotals:
    """Main and secondary cooperation codes over every category of the codebook, and non-cooperation codes."""
    cats = category_ids(counts)
    main = float(sum(level_count(counts, c, "main") for c in cats))
    secondary = float(sum(level_count(counts, c, "secondary") for c in cats))
    return CodeTotals(
        "totals",
        "sums over the codebook",
        main=main,
        secondary=secondary,
        non_cooperation=non_cooperation_codes(counts),
    )


def _secondaries(counts: Counts) -> tuple[tuple[str, float], ...]:
    return tuple((c, level_count(counts, c, "secondary")) for c in category_ids(counts))


def category_order(counts: Counts) -> CategoryOrder:
    """The codebook's categories by main codes, with their secondary counts and the test of a single lead."""
    return CategoryOrder(
        "category_order",
        "groups of equal main-code counts, largest first",
        main=category_ranking(counts, "main"),
        secondary=_secondaries(counts),
    )


def levels_order(counts: Counts) -> LevelsOrder:
    """The order by main codes against the order by main and secondary codes together."""
    return LevelsOrder(
        "both_levels_order",
        "places compared: one plus the categories strictly ahead",
        main=category_ranking(counts, "main"),
        both=category_ranking(counts, "any"),
        secondary=_secondaries(counts),
    )


# --- slots and websites (6.4) ----------------------------------------------------------------------


def _slot_pace(counts: Counts, ref: float, partner: str, website: str) -> SteadyPace:
    k, n = reports(counts, partner, "after", website), reports(counts, partner, "all", website)
    low, high = wilson(k, n)
    return SteadyPace(
        f"pace_{partner}_{website}",
        "the whole Wilson 95 % interval against the steady-pace share",
        partner=partner,
        website=website,
        k=int(k),
        n=int(n),
        share=100.0 * k / n if n else math.nan,
        low=low,
        high=high,
        reference=ref,
    )


def slot_rise(counts: Counts) -> SlotRise:
    """The partner-and-website slot that gained most across the pivot (per day when the periods differ)."""
    ref = round(after_share_expected(counts), 1)
    paces = tuple(
        pace for p in partners(counts) for w in website_ids(counts) if (pace := _slot_pace(counts, ref, p, w)).n > 0
    )
    days_before, days_after = period_days(counts.window)
    per_day = periods_differ(counts.window)
    return SlotRise(
        "slot_rise",
        "largest gain; per 100 days when the periods differ" if per_day else "largest gain",
        paces=paces,
        per_day=per_day,
        days_before=days_before,
        days_after=days_after,
    )


def small_site(counts: Counts) -> SmallSite:
    """The website with fewest reports and its partners' after-shares against the steady pace."""
    ref = round(after_share_expected(counts), 1)
    sizes = tuple((w, reports(counts, None, "all", w)) for w in website_ids(counts))
    present = [(w, n) for w, n in sizes if n > 0]
    small = min(present, key=lambda x: x[1])[0] if present else ""
    paces = tuple(pace for p in partners(counts) if small and (pace := _slot_pace(counts, ref, p, small)).n > 0)
    elsewhere = tuple(
        (pace.partner, w, reports(counts, pace.partner, "all", w)) for pace in paces for w, n in present if w != small
    )
    return SmallSite(
        "small_site",
        "the smallest website's Wilson intervals against the steady pace",
        sizes=sizes,
        paces=paces,
        elsewhere=elsewhere,
    )


# --- the tests of 6.4's tables ----------------------------------------------------------------------


def period_tests(counts: Counts) -> PeriodTests:
    """Every partner-and-category share before against after whose counts are known, with Fisher's test.

    A partner without reports in one period has no share there, so no comparison of its own."""
    shifts = tuple(
        s
        for p in partners(counts)
        for c in category_ids(counts)
        if (s := category_shift(counts, p, c)).direction in ("rises", "falls", "steady")
    )
    return PeriodTests("period_tests", "uncorrected Fisher tests below 0.05", shifts=shifts)


def category_profile(counts: Counts) -> CategoryProfile:
    """Per category, whether the partners' shares of reports with it differ, and Holm over the categories."""
    from kzperception.analysis.stats import category_country_tests, p_column

    ps = partners(counts)
    table = category_country_tests(counts)
    name: Literal["fisher", "chi2"] = "fisher" if len(ps) == 2 else "chi2"
    if not len(table) or len(ps) < 2:
        return CategoryProfile("category_profile", "Holm over the categories", name=name)
    col = p_column(table)
    tests = tuple(
        (
            str(row["category"]),
            float(row[col]),
            float(row["p_holm"]),
            tuple((p, float(row[f"{p}_share"]) if f"{p}_share" in row else math.nan) for p in ps),
        )
        for _, row in table.iterrows()
    )
    return CategoryProfile("category_profile", "Holm over the categories", name=name, tests=tests)


def scale(counts: Counts) -> Scale:
    """The closing reading of 6.4, from the page's steady paces, test over the partners and category profile."""
    return Scale(
        "uncertainty_summary",
        "beyond chance anywhere; under 30 reports nothing is favoured",
        paces=tuple(steady_pace(counts)),
        attention=attention_test(counts).test,
        profile=category_profile(counts),
        total=reports(counts),
    )


# --- the window's shape -------------------------------------------------------------------------------


def period_lengths(counts: Counts) -> PeriodLengths:
    """The periods' lengths and, when they differ, reports per day: all reports, then each partner with reports."""
    from kzperception.analysis.measures import partners_with_reports, period_facts

    w = counts.window
    facts = period_facts(counts)
    present = partners_with_reports(counts)
    groups = [""] + (list(present) if len(present) > 1 else [])
    rates = tuple(
        (
            p,
            facts[f"{p}_before_per_day" if p else "before_per_day"],
            facts[f"{p}_after_per_day" if p else "after_per_day"],
        )
        for p in groups
    )
    return PeriodLengths(
        "period_lengths",
        "days per period; reports per day when the periods differ by more than the tolerance",
        days_before=w.days_before,
        days_after=w.days_after,
        differ=w.periods_differ,
        labels=(w.label("before"), w.label("after")),
        rates=rates,
    )


def period_rates(counts: Counts) -> PeriodRates:
    """:func:`period_lengths` as 6.2 says it: with each group's reports per day when the periods differ."""
    v = period_lengths(counts)
    return PeriodRates(
        "period_rates",
        v.rule,
        days_before=v.days_before,
        days_after=v.days_after,
        differ=v.differ,
        labels=v.labels,
        rates=v.rates,
    )


def window_coverage(counts: Counts) -> WindowCoverage:
    """The window against the corpus's first and last report (no dates for the published figures)."""
    from kzperception.analysis.periods import counts_span

    w = counts.window
    span = counts_span(counts)
    return WindowCoverage(
        "window_coverage",
        "window start and end against the corpus's first and last report date",
        start=w.start,
        end=w.end,
        first=None if span is None else span.first,
        last=None if span is None else span.last,
    )
