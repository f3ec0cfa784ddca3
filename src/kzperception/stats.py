"""Uncertainty and tests the thesis did not run: Wilson intervals and 2 x 2 tests on the counts.

The thesis describes its counts and reads differences off them ("the difference is
insignificant", "attention towards China increased"). This module adds the two things a reader
might ask for next: how wide the plausible range around each share is (a Wilson 95 % interval,
which behaves well for small counts and shares near 0 or 100 %, unlike the textbook normal
interval) and whether the before/after change in attention differs between China and Russia
more than chance would produce (chi-square and Fisher's exact test on the 2 x 2 table of report
counts, country x period, with the odds ratio and its interval).

These are model-based numbers. They treat each report as an independent draw from a stable
publication process, which the reports are not: they are the whole set one coder found, many
cover the same event, and the websites publish in bursts. So intervals and p-values here are a
yardstick for how much a difference of this size could move under the simplest model of chance,
not a probability that the thesis's reading is true.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import chi2_contingency, fisher_exact
from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from .counts import Counts
from .measures import code_cell, share
from .vocabulary import CATEGORIES, CATEGORY_LABELS, COUNTRIES, COUNTRY_LABELS, WEBSITE_LABELS, WEBSITES

ALPHA = 0.05


def wilson(k: float, n: float, alpha: float = ALPHA) -> tuple[float, float]:
    """Wilson score interval of ``k`` out of ``n``, in percent; NaNs when ``n`` is 0 or ``k`` unknown."""
    if not n or k is None or (isinstance(k, float) and math.isnan(k)):
        return math.nan, math.nan
    low, high = proportion_confint(int(k), int(n), alpha=alpha, method="wilson")
    return 100.0 * float(low), 100.0 * float(high)


def _row(group: str, measure: str, k: float, n: float, **extra) -> dict[str, object]:
    low, high = wilson(k, n)
    return {"group": group, "measure": measure, "k": k, "n": n, "share": share(k, n), "low": low, "high": high,
            **extra}


def after_share_expected(counts: Counts) -> float:
    """Share of reports after the pivot if publication kept its pace: the after-part's share of the days.

    The thesis window splits into two equally long halves, so this is about 50 %; a rerun with an
    uneven window gets its own reference.
    """
    w = counts.window
    days_after = (w.end - w.pivot).days + 1
    days_all = (w.end - w.start).days + 1
    return 100.0 * days_after / days_all


def report_share_intervals(counts: Counts) -> pd.DataFrame:
    """The shares section 6.2 states, each with its Wilson 95 % interval (``low``, ``high`` in percent).

    ``measure`` is ``after`` for the share of a group's reports published after the pivot (the
    quantity that says whether attention grew), ``country`` and ``website`` for the composition
    shares. ``country`` and ``website`` columns say which group a row describes (empty = all).
    """
    r = counts.reports

    def n(**keys: str) -> int:
        sel = pd.Series(True, index=r.index)
        for k, v in keys.items():
            sel &= r[k] == v
        return int(r.loc[sel, "n"].sum())

    rows = [_row("All reports", "after", n(period="after"), n(), country="", website="")]
    for c in COUNTRIES:
        rows.append(_row(COUNTRY_LABELS[c], "after", n(country=c, period="after"), n(country=c),
                         country=c, website=""))
    for c in COUNTRIES:
        for w in WEBSITES:
            rows.append(_row(f"{COUNTRY_LABELS[c]}, {w}", "after", n(country=c, website=w, period="after"),
                             n(country=c, website=w), country=c, website=w))
    rows.append(_row("China's share of all reports", "country", n(country="china"), n(), country="china",
                     website=""))
    for w in WEBSITES:
        rows.append(_row(f"{WEBSITE_LABELS[w]} share of all reports", "website", n(website=w), n(),
                         country="", website=w))
    for c in COUNTRIES:
        rows.append(_row(f"{WEBSITE_LABELS['government']} share, {COUNTRY_LABELS[c]}", "website",
                         n(country=c, website="government"), n(country=c), country=c, website="government"))
    return pd.DataFrame(rows)


def category_share_intervals(counts: Counts, period: str = "all") -> pd.DataFrame:
    """Share of each country's reports carrying each category (main, and at any level), with Wilson intervals.

    Unpublished cells give NaN rows, which charts and tables drop.
    """
    r = counts.reports
    rows = []
    for c in COUNTRIES:
        rc = r[r["country"] == c]
        base = int((rc if period == "all" else rc[rc["period"] == period])["n"].sum())
        for cat in CATEGORIES:
            main = code_cell(counts, c, period, cat, "main")
            sec = code_cell(counts, c, period, cat, "secondary")
            for level, k in (("main", main), ("any", main + sec)):
                rows.append(_row(COUNTRY_LABELS[c], level, k, base, country=c, category=cat,
                                 category_label=CATEGORY_LABELS[cat], period=period))
    return pd.DataFrame(rows)


# --- tests on 2 x 2 tables ----------------------------------------------------------------------

def attention_table(counts: Counts, website: str | None = None) -> pd.DataFrame:
    """Reports per country (rows: China, Russia) and period (columns: after, before), optionally one website.

    ``after`` comes first so that an odds ratio above 1 reads "China's reports shifted towards the
    after-period more than Russia's".
    """
    r = counts.reports if website is None else counts.reports[counts.reports["website"] == website]
    t = r.pivot_table(index="country", columns="period", values="n", aggfunc="sum", fill_value=0)
    return t.reindex(index=list(COUNTRIES), columns=["after", "before"], fill_value=0).astype(int)


def two_by_two(table: np.ndarray | pd.DataFrame) -> dict[str, float]:
    """Chi-square (with Yates's correction, scipy's default for 2 x 2), Fisher's exact test and the odds ratio.

    The odds ratio is the sample ratio ``(a*d)/(b*c)`` with a Woolf (log-scale) 95 % interval; with
    a zero cell these are 0 or infinite and the interval is not finite, which is reported as is.
    """
    t = np.asarray(table, dtype=int)
    out: dict[str, float] = {"n": int(t.sum())}
    if (t.sum(axis=0) == 0).any() or (t.sum(axis=1) == 0).any():
        return out | dict.fromkeys(("chi2", "dof", "p_chi2", "p_fisher", "odds_ratio", "or_low", "or_high"),
                                   math.nan)
    chi = chi2_contingency(t, correction=True)
    fisher = fisher_exact(t, alternative="two-sided")
    out.update(chi2=float(chi.statistic), dof=int(chi.dof), p_chi2=float(chi.pvalue),
               p_fisher=float(fisher.pvalue), odds_ratio=float(fisher.statistic),
               min_expected=float(np.min(chi.expected_freq)))
    if (t == 0).any():
        out.update(or_low=math.nan, or_high=math.nan)
    else:
        low, high = Table2x2(t).oddsratio_confint(alpha=ALPHA)
        out.update(or_low=float(low), or_high=float(high))
    return out


def attention_tests(counts: Counts) -> pd.DataFrame:
    """The country x period test for all reports and separately for each website."""
    rows = []
    for website in (None, *WEBSITES):
        t = attention_table(counts, website)
        res = two_by_two(t.to_numpy())
        rows.append({
            "reports": "All reports" if website is None else WEBSITE_LABELS[website],
            "china_before": int(t.loc["china", "before"]), "china_after": int(t.loc["china", "after"]),
            "russia_before": int(t.loc["russia", "before"]), "russia_after": int(t.loc["russia", "after"]),
            **res,
        })
    return pd.DataFrame(rows)


def stratified_attention(counts: Counts) -> dict[str, float]:
    """Cochran-Mantel-Haenszel test across the two websites, and Breslow-Day for equal odds ratios.

    Pooling over websites asks whether China's shift towards the after-period beats Russia's
    *within* each website, so a change in the mix of websites cannot produce it; Breslow-Day asks
    whether the two websites tell different stories.
    """
    tables = [attention_table(counts, w).to_numpy() for w in WEBSITES]
    if any((t == 0).any() for t in tables):
        return dict.fromkeys(("or_pooled", "or_low", "or_high", "cmh", "p_cmh", "breslow_day", "p_breslow_day"),
                             math.nan)
    st = StratifiedTable([t.astype(float) for t in tables])
    cmh = st.test_null_odds(correction=True)
    bd = st.test_equal_odds()
    low, high = st.oddsratio_pooled_confint(alpha=ALPHA)
    return {"or_pooled": float(st.oddsratio_pooled), "or_low": float(low), "or_high": float(high),
            "cmh": float(cmh.statistic), "p_cmh": float(cmh.pvalue),
            "breslow_day": float(bd.statistic), "p_breslow_day": float(bd.pvalue)}


def category_country_tests(counts: Counts, level: str = "main") -> pd.DataFrame:
    """Per category, Fisher's test of China's share of reports against Russia's (whole window).

    Seven tests at once: ``p_holm`` is the Holm-adjusted p-value, which keeps the chance of any
    false alarm among the seven at 5 %.
    """
    r = counts.reports
    n = {c: int(r.loc[r["country"] == c, "n"].sum()) for c in COUNTRIES}
    rows = []
    for cat in CATEGORIES:
        k = {}
        for c in COUNTRIES:
            k[c] = code_cell(counts, c, "all", cat, "main")
            if level == "any":
                k[c] += code_cell(counts, c, "all", cat, "secondary")
        if any(math.isnan(v) for v in k.values()):
            continue
        t = [[int(k["china"]), n["china"] - int(k["china"])], [int(k["russia"]), n["russia"] - int(k["russia"])]]
        res = two_by_two(t)
        rows.append({"category": cat, "Category": CATEGORY_LABELS[cat], "china": int(k["china"]),
                     "china_share": share(k["china"], n["china"]), "russia": int(k["russia"]),
                     "russia_share": share(k["russia"], n["russia"]), "odds_ratio": res["odds_ratio"],
                     "p_fisher": res["p_fisher"]})
    out = pd.DataFrame(rows)
    if len(out):
        out["p_holm"] = multipletests(out["p_fisher"], method="holm")[1]
    return out


def category_period_tests(counts: Counts, level: str = "main") -> pd.DataFrame:
    """Per country and category, Fisher's test of the share of reports before against after.

    Only categories whose slot counts are known enter (for the published figures: the ones the
    thesis gives per slot). Odds ratios above 1 mean a larger share after the pivot.
    """
    r = counts.reports
    rows = []
    for c in COUNTRIES:
        n = {p: int(r.loc[(r["country"] == c) & (r["period"] == p), "n"].sum()) for p in ("before", "after")}
        for cat in CATEGORIES:
            k = {p: code_cell(counts, c, p, cat, level) for p in ("before", "after")}
            if any(math.isnan(v) for v in k.values()):
                continue
            t = [[int(k["after"]), n["after"] - int(k["after"])], [int(k["before"]), n["before"] - int(k["before"])]]
            res = two_by_two(t)
            rows.append({"country": c, "Country": COUNTRY_LABELS[c], "category": cat,
                         "Category": CATEGORY_LABELS[cat], "before": int(k["before"]),
                         "before_share": share(k["before"], n["before"]), "after": int(k["after"]),
                         "after_share": share(k["after"], n["after"]), "odds_ratio": res["odds_ratio"],
                         "p_fisher": res["p_fisher"]})
    return pd.DataFrame(rows)


# --- numbers for prose --------------------------------------------------------------------------

def fmt_p(p: float) -> str:
    """A p-value as prose prints it: three decimals, ``< 0.001`` below that, a dash when undefined."""
    if p is None or math.isnan(p):
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def fmt_num(x: float, digits: int = 2) -> str:
    """A statistic or ratio with fixed decimals; a dash when undefined, ``∞`` when infinite."""
    if x is None or math.isnan(x):
        return "–"
    return "∞" if math.isinf(x) else f"{x:.{digits}f}"


def interval_facts(counts: Counts) -> dict[str, float]:
    """Low and high ends of the Wilson intervals of the shares the chapter discusses, by stable name."""
    facts: dict[str, float] = {"after_expected_share": after_share_expected(counts)}
    rep = report_share_intervals(counts)
    for row in rep[rep["measure"] == "after"].itertuples():
        key = "_".join(["after", *(x for x in (row.country, row.website) if x)]) if row.country else "after_all"
        facts[f"{key}_share"] = row.share
        facts[f"{key}_low_share"] = row.low
        facts[f"{key}_high_share"] = row.high
    cats = category_share_intervals(counts)
    for row in cats.itertuples():
        key = f"{row.country}_{row.category}_{row.measure}"
        facts[f"{key}_share"] = row.share
        facts[f"{key}_low_share"] = row.low
        facts[f"{key}_high_share"] = row.high
    return facts


def text_facts(counts: Counts) -> dict[str, str]:
    """The tests' statistics and p-values as formatted text (p-values need more than one decimal)."""
    texts: dict[str, str] = {}
    for row in attention_tests(counts).itertuples():
        key = {"All reports": "all", WEBSITE_LABELS["government"]: "government",
               WEBSITE_LABELS["president"]: "president"}[row.reports]
        texts[f"att_{key}_chi2"] = fmt_num(row.chi2)
        texts[f"att_{key}_p_chi2"] = fmt_p(row.p_chi2)
        texts[f"att_{key}_p_fisher"] = fmt_p(row.p_fisher)
        texts[f"att_{key}_or"] = fmt_num(row.odds_ratio)
        texts[f"att_{key}_or_low"] = fmt_num(row.or_low)
        texts[f"att_{key}_or_high"] = fmt_num(row.or_high)
    strat = stratified_attention(counts)
    for k, v in strat.items():
        texts[f"strat_{k}"] = fmt_p(v) if k.startswith("p_") else fmt_num(v)
    for row in category_country_tests(counts).itertuples():
        texts[f"cc_{row.category}_p"] = fmt_p(row.p_fisher)
        texts[f"cc_{row.category}_p_holm"] = fmt_p(row.p_holm)
        texts[f"cc_{row.category}_or"] = fmt_num(row.odds_ratio)
    for row in category_period_tests(counts).itertuples():
        texts[f"cp_{row.country}_{row.category}_p"] = fmt_p(row.p_fisher)
        texts[f"cp_{row.country}_{row.category}_or"] = fmt_num(row.odds_ratio)
    return texts


def _interval_reading(low: float, high: float, null: float, unit: str = "") -> str:
    """Where an interval lies relative to a reference value, in words."""
    if math.isnan(low) or math.isnan(high):
        return "cannot be computed from these counts"
    if low > null:
        return f"lies wholly above {null:g}{unit}"
    if high < null:
        return f"lies wholly below {null:g}{unit}"
    return f"contains {null:g}{unit}"


def reading_texts(counts: Counts) -> dict[str, str]:
    """Short verbal readings of intervals and tests, so the prose stays true when the data change.

    Each reading compares a result with its reference (the steady-pace share, an odds ratio of 1,
    the 5 % convention) and says only on which side it falls; the page adds what that may mean.
    """
    texts: dict[str, str] = {}
    expected = after_share_expected(counts)
    rep = report_share_intervals(counts)
    for row in rep[rep["measure"] == "after"].itertuples():
        key = "_".join(["after", *(x for x in (row.country, row.website) if x)]) if row.country else "after_all"
        texts[f"{key}_reading"] = _interval_reading(row.low, row.high, round(expected, 1), " %")
    for row in attention_tests(counts).itertuples():
        key = {"All reports": "all", WEBSITE_LABELS["government"]: "government",
               WEBSITE_LABELS["president"]: "president"}[row.reports]
        texts[f"att_{key}_or_reading"] = _interval_reading(row.or_low, row.or_high, 1)
    strat = stratified_attention(counts)
    texts["strat_or_reading"] = _interval_reading(strat["or_low"], strat["or_high"], 1)
    cc = category_country_tests(counts)
    if len(cc):
        low = cc.sort_values("p_fisher", kind="stable").iloc[0]
        texts["cc_min_label"] = str(low["Category"]).lower()
        texts["cc_min_p"] = fmt_p(low["p_fisher"])
        texts["cc_min_p_holm"] = fmt_p(low["p_holm"])
        texts["cc_n_tests"] = str(len(cc))
        texts["cc_n_raw_below"] = str(int((cc["p_fisher"] < ALPHA).sum()))
        texts["cc_n_holm_below"] = str(int((cc["p_holm"] < ALPHA).sum()))
    cp = category_period_tests(counts)
    if len(cp):
        texts["cp_n_tests"] = str(len(cp))
        texts["cp_n_raw_below"] = str(int((cp["p_fisher"] < ALPHA).sum()))
    return texts


def readable_tests(tests: pd.DataFrame) -> pd.DataFrame:
    """A test table for the page: statistics rounded, p-values as text, clear column names."""
    out = tests.copy()
    for col in [c for c in out.columns if c.startswith("p_")]:
        out[col] = out[col].map(fmt_p)
    for col in [c for c in ("chi2", "odds_ratio", "or_low", "or_high", "min_expected") if c in out]:
        out[col] = out[col].map(fmt_num)
    return out.drop(columns=[c for c in ("dof", "category", "country") if c in out.columns])
