"""Uncertainty and tests the thesis did not run: Wilson intervals and tests on the count tables.

The thesis describes its counts and reads differences off them ("the difference is
insignificant", "attention towards China increased"). This module adds the two things a reader
might ask for next: how wide the plausible range around each share is (a Wilson 95 % interval,
which behaves well for small counts and shares near 0 or 100 %, unlike the textbook normal
interval) and whether the before/after change in attention differs between the partners more
than chance would produce: the chi-square test on the k x 2 table of report counts, partner x
period; where that table is 2 x 2 (the thesis's China and Russia) also Fisher's exact test and the
odds ratio with its interval; with three or more partners, every pair on its own 2 x 2 table
with a Holm correction over the pairs.

The partners are those of ``data/partners.yaml`` that the counts hold, in file order, so the
published figures (which know only China and Russia) and a corpus with a third partner both work
and the thesis's two give exactly the numbers they always gave.

These are model-based numbers. They treat each report as an independent draw from a stable
publication process, which the reports are not: they are the whole set one coder found, many
cover the same event, and the websites publish in bursts. So intervals and p-values here are a
yardstick for how much a difference of this size could move under the simplest model of chance,
not a probability that the thesis's reading is true.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import chi2_contingency, fisher_exact
from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2
from statsmodels.stats.proportion import proportion_confint

from kzperception.analysis.measures import code_cell, share
from kzperception.data.counts import Counts

ALPHA = 0.05


def partners_in(counts: Counts) -> list[str]:
    """The partners with at least one report in the counts, in vocabulary order (the published figures
    know only the thesis's). A partner whose rows are all zero is left out, as the readings leave it
    out (:func:`kzperception.readings.compute.partners`): with it, two partners with reports and one
    without were tested by chi-squared while the sentence said Fisher."""
    v = counts.vocabulary
    r = counts.reports
    present = set(r.loc[r["n"] > 0, "country"].astype(str))
    return [c for c in v.partner_ids if c in present]


def named(ids: list[str] | tuple[str, ...]) -> list[str]:
    """The ids a composition share is stated for: all, except that of two the second is left out.

    With two groups the second share is the rest of the first, so the thesis states one; with
    three or more no share follows from a single other and each is stated.
    """
    return list(ids[:1]) if len(ids) == 2 else list(ids)


def wilson(k: float, n: float, alpha: float = ALPHA) -> tuple[float, float]:
    """Wilson score interval of ``k`` out of ``n``, in percent; NaNs when ``n`` is 0 or ``k`` unknown."""
    if not n or k is None or (isinstance(k, float) and math.isnan(k)):
        return math.nan, math.nan
    low, high = proportion_confint(int(k), int(n), alpha=alpha, method="wilson")
    return 100.0 * float(low), 100.0 * float(high)


def _row(group: str, measure: str, k: float, n: float, **extra) -> dict[str, object]:
    low, high = wilson(k, n)
    return {"group": group, "measure": measure, "k": k, "n": n, "share": share(k, n), "low": low, "high": high, **extra}


def after_share_expected(counts: Counts) -> float:
    """Share of reports after the pivot if publication kept its pace: the after-part's share of the days.

    The thesis window's halves are 549 and 547 days, so this is about 50 %; a rerun with an
    uneven window gets its own reference.
    """
    w = counts.window
    return 100.0 * w.days_after / w.days("all")


def report_share_intervals(counts: Counts) -> pd.DataFrame:
    """The shares section 6.2 states, each with its Wilson 95 % interval (``low``, ``high`` in percent).

    ``measure`` is ``after`` for the share of a group's reports published after the pivot (the
    quantity that says whether attention grew), ``country`` and ``website`` for the composition
    shares (see :func:`named` for which are stated). ``country`` and ``website`` columns say which
    group a row describes (empty = all).
    """
    v = counts.vocabulary
    r = counts.reports

    columns = {k: r[k].to_numpy(dtype=object) for k in ("country", "website", "period")}
    counts_n = r["n"].to_numpy()

    def n(**keys: str) -> int:
        sel = np.ones(len(r), dtype=bool)
        for k, value in keys.items():
            sel &= columns[k] == value
        return int(counts_n[sel].sum())

    partners = partners_in(counts)
    rows = [_row("All reports", "after", n(period="after"), n(), country="", website="")]
    for c in partners:
        rows.append(
            _row(v.partner_label(c), "after", n(country=c, period="after"), n(country=c), country=c, website="")
        )
    for c in partners:
        for w in v.website_ids:
            rows.append(
                _row(
                    f"{v.partner_label(c)}, {w}",
                    "after",
                    n(country=c, website=w, period="after"),
                    n(country=c, website=w),
                    country=c,
                    website=w,
                )
            )
    for c in named(partners):
        rows.append(
            _row(f"{v.partner_label(c)}'s share of all reports", "country", n(country=c), n(), country=c, website="")
        )
    for w in v.website_ids:
        rows.append(
            _row(f"{v.website_label(w)} share of all reports", "website", n(website=w), n(), country="", website=w)
        )
    for w in named(v.website_ids):
        for c in partners:
            rows.append(
                _row(
                    f"{v.website_label(w)} share, {v.partner_label(c)}",
                    "website",
                    n(country=c, website=w),
                    n(country=c),
                    country=c,
                    website=w,
                )
            )
    return pd.DataFrame(rows)


def category_share_intervals(counts: Counts, period: str = "all") -> pd.DataFrame:
    """Share of each partner's reports carrying each category (main, and at any level), with Wilson intervals.

    Unpublished cells give NaN rows, which charts and tables drop.
    """
    v = counts.vocabulary
    r = counts.reports
    rows = []
    for c in partners_in(counts):
        rc = r[r["country"] == c]
        base = int((rc if period == "all" else rc[rc["period"] == period])["n"].sum())
        for cat in v.category_ids:
            main = code_cell(counts, c, period, cat, "main")
            sec = code_cell(counts, c, period, cat, "secondary")
            for level, k in (("main", main), ("any", main + sec)):
                rows.append(
                    _row(
                        v.partner_label(c),
                        level,
                        k,
                        base,
                        country=c,
                        category=cat,
                        category_label=v.category_label(cat),
                        period=period,
                    )
                )
    return pd.DataFrame(rows)


# --- tests on k x 2 and 2 x 2 tables ------------------------------------------------------------


def attention_table(
    counts: Counts, website: str | None = None, partners: list[str] | tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Reports per partner (rows, vocabulary order) and period (columns: after, before), optionally one website.

    ``after`` comes first so that an odds ratio above 1 reads "the first partner's reports shifted
    towards the after-period more than the second's". ``partners`` picks rows (default: every
    partner the counts hold).
    """
    rows = list(partners) if partners is not None else partners_in(counts)
    r = counts.reports if website is None else counts.reports[counts.reports["website"] == website]
    t = r.pivot_table(index="country", columns="period", values="n", aggfunc="sum", fill_value=0)
    return t.reindex(index=rows, columns=["after", "before"], fill_value=0).astype(int)


def two_by_two(table: np.ndarray | pd.DataFrame) -> dict[str, float]:
    """Chi-square (with Yates's correction, scipy's default for 2 x 2), Fisher's exact test and the odds ratio.

    The odds ratio is the sample ratio ``(a*d)/(b*c)`` with a Woolf (log-scale) 95 % interval; with
    a zero cell these are 0 or infinite and the interval is not finite, which is reported as is.
    """
    t = np.asarray(table, dtype=int)
    out: dict[str, float] = {"n": int(t.sum())}
    if (t.sum(axis=0) == 0).any() or (t.sum(axis=1) == 0).any():
        return out | dict.fromkeys(("chi2", "dof", "p_chi2", "p_fisher", "odds_ratio", "or_low", "or_high"), math.nan)
    chi = chi2_contingency(t, correction=True)
    fisher = fisher_exact(t, alternative="two-sided")
    out.update(
        chi2=float(chi.statistic),
        dof=int(chi.dof),
        p_chi2=float(chi.pvalue),
        p_fisher=float(fisher.pvalue),
        odds_ratio=float(fisher.statistic),
        min_expected=float(np.min(chi.expected_freq)),
    )
    if (t == 0).any():
        out.update(or_low=math.nan, or_high=math.nan)
    else:
        low, high = Table2x2(t).oddsratio_confint(alpha=ALPHA)
        out.update(or_low=float(low), or_high=float(high))
    return out


def k_by_two(table: np.ndarray | pd.DataFrame) -> dict[str, float]:
    """The test of a k x 2 table: :func:`two_by_two` when k is 2, else Pearson's chi-square alone.

    Fisher's exact test and the odds ratio are defined for 2 x 2 tables only, so with three or more
    rows they are NaN and :func:`pairwise_attention_tests` compares the rows two at a time. A row
    with no report is left out (it carries no information on the split), and so is a table with
    fewer than two rows left.
    """
    t = np.asarray(table, dtype=int)
    if t.ndim != 2 or t.shape[1] != 2:
        raise ValueError(f"k_by_two: expected a table with 2 columns, got shape {t.shape}")
    if t.shape[0] == 2:
        return two_by_two(t)
    kept = t[t.sum(axis=1) > 0]
    out: dict[str, float] = {"n": int(t.sum())}
    nan = dict.fromkeys(("chi2", "dof", "p_chi2", "p_fisher", "odds_ratio", "or_low", "or_high"), math.nan)
    if len(kept) < 2 or (kept.sum(axis=0) == 0).any():
        return out | nan
    if len(kept) == 2:
        return out | {k: v for k, v in two_by_two(kept).items() if k != "n"}
    chi = chi2_contingency(kept, correction=False)
    return (
        out
        | nan
        | {
            "chi2": float(chi.statistic),
            "dof": int(chi.dof),
            "p_chi2": float(chi.pvalue),
            "min_expected": float(np.min(chi.expected_freq)),
        }
    )


def _scopes(counts: Counts) -> list[tuple[str, str | None, str]]:
    """``(key, website, label)`` of every scope a test runs on: all reports, then each website."""
    v = counts.vocabulary
    return [("all", None, "All reports"), *((w, w, v.website_label(w)) for w in v.website_ids)]


def attention_tests(counts: Counts) -> pd.DataFrame:
    """The partner x period test for all reports and separately for each website.

    One row per scope; ``website`` is the scope's website id (empty for all reports), so nothing
    needs to map a label back to an id. Columns ``<partner>_before`` and ``<partner>_after`` give
    the table, then the :func:`k_by_two` results.
    """
    partners = partners_in(counts)
    rows = []
    for key, website, label in _scopes(counts):
        t = attention_table(counts, website, partners)
        res = k_by_two(t.to_numpy())
        cells = {}
        for c in partners:
            cells[f"{c}_before"] = int(t.loc[c, "before"])
            cells[f"{c}_after"] = int(t.loc[c, "after"])
        rows.append({"reports": label, **cells, **res, "website": "" if website is None else key})
    return pd.DataFrame(rows)


def pairwise_attention_tests(counts: Counts) -> pd.DataFrame:
    """Every pair of partners on its own 2 x 2 table, per scope, with Holm-adjusted p-values.

    ``p_holm`` adjusts Fisher's p-values over the pairs of one scope (all reports, or one website),
    so the chance of any false alarm among a scope's comparisons stays at 5 %. With two partners
    there is one pair and ``p_holm`` equals ``p_fisher``.
    """
    v = counts.vocabulary
    partners = partners_in(counts)
    rows = []
    for key, website, label in _scopes(counts):
        scope = []
        for a, b in itertools.combinations(partners, 2):
            t = attention_table(counts, website, (a, b))
            scope.append(
                {
                    "reports": label,
                    "website": "" if website is None else key,
                    "partner_a": a,
                    "partner_b": b,
                    "pair": f"{v.partner_label(a)} vs {v.partner_label(b)}",
                    "a_before": int(t.loc[a, "before"]),
                    "a_after": int(t.loc[a, "after"]),
                    "b_before": int(t.loc[b, "before"]),
                    "b_after": int(t.loc[b, "after"]),
                    **two_by_two(t.to_numpy()),
                }
            )
        _holm(scope, "p_fisher")
        rows += scope
    return pd.DataFrame(rows)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment of ``pvalues`` (none NaN), in their order.

    The smallest p is multiplied by m, the next by m - 1, and so on; each adjusted value is at least
    the one before it in that order and at most 1. This is what statsmodels' ``multipletests(...,
    method="holm")`` returns (a test checks that they agree), written out because that function
    calls ``gc.collect()`` on every call: about 70 ms in a chapter's kernel, 0.65 s of 6.4's run.
    """
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    out = [math.nan] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * float(pvalues[i])))
        out[i] = running
    return out


def _holm(rows: list[dict[str, object]], column: str) -> None:
    """Add ``p_holm`` to each row: Holm's adjustment over the rows whose ``column`` is defined."""
    ps = [float(r[column]) for r in rows]  # type: ignore[arg-type]
    ok = [i for i, p in enumerate(ps) if not math.isnan(p)]
    adjusted = holm([ps[i] for i in ok])
    for r in rows:
        r["p_holm"] = math.nan
    for i, p in zip(ok, adjusted, strict=True):
        rows[i]["p_holm"] = float(p)


def stratified_attention(counts: Counts, pair: tuple[str, str] | None = None) -> dict[str, float]:
    """Cochran-Mantel-Haenszel test across the websites, and Breslow-Day for equal odds ratios.

    Pooling over websites asks whether the first partner's shift towards the after-period beats the
    second's *within* each website, so a change in the mix of websites cannot produce it;
    Breslow-Day asks whether the websites tell different stories. ``pair`` defaults to the first two
    partners the counts hold (the thesis's China and Russia).
    """
    v = counts.vocabulary
    keys = ("or_pooled", "or_low", "or_high", "cmh", "p_cmh", "breslow_day", "p_breslow_day")
    partners = partners_in(counts)
    chosen = pair if pair is not None else tuple(partners[:2])
    if len(chosen) != 2:
        return dict.fromkeys(keys, math.nan)
    tables = [attention_table(counts, w, chosen).to_numpy() for w in v.website_ids]
    if len(tables) < 2 or any((t == 0).any() for t in tables):
        return dict.fromkeys(keys, math.nan)
    st = StratifiedTable([t.astype(float) for t in tables])
    cmh = st.test_null_odds(correction=True)
    # With a pooled odds ratio of exactly 1, Breslow-Day's quadratic degenerates and statsmodels divides
    # by zero: the test comes back NaN (said as not known) and numpy's warning would print on the page.
    with np.errstate(divide="ignore", invalid="ignore"):
        bd = st.test_equal_odds()
    low, high = st.oddsratio_pooled_confint(alpha=ALPHA)
    return {
        "or_pooled": float(st.oddsratio_pooled),
        "or_low": float(low),
        "or_high": float(high),
        "cmh": float(cmh.statistic),
        "p_cmh": float(cmh.pvalue),
        "breslow_day": float(bd.statistic),
        "p_breslow_day": float(bd.pvalue),
    }


def p_column(tests: pd.DataFrame) -> str:
    """The p-value column a per-category table is read by: Fisher's with two partners, else chi-square's."""
    return "p_fisher" if "p_fisher" in tests.columns else "p_chi2"


def _category_k(counts: Counts, c: str, cat: str, level: str) -> float:
    k = code_cell(counts, c, "all", cat, "main")
    if level == "any":
        k += code_cell(counts, c, "all", cat, "secondary")
    return k


def category_country_tests(counts: Counts, level: str = "main") -> pd.DataFrame:
    """Per category, a test of whether the partners' shares of reports with it differ (whole window).

    With two partners it is Fisher's test on the 2 x 2 table (columns ``<partner>``,
    ``<partner>_share``, ``odds_ratio``, ``p_fisher``), as the thesis's data have always been
    tested; with three or more the chi-square test on the k x 2 table (``chi2``, ``p_chi2``; see
    :func:`category_pairwise_tests` for the pairs). Seven tests at once: ``p_holm`` is the
    Holm-adjusted p-value, which keeps the chance of any false alarm among the seven at 5 %.
    """
    v = counts.vocabulary
    partners = partners_in(counts)
    r = counts.reports
    n = {c: int(r.loc[r["country"] == c, "n"].sum()) for c in partners}
    rows = []
    for cat in v.category_ids:
        k = {c: _category_k(counts, c, cat, level) for c in partners}
        if len(partners) < 2 or any(math.isnan(v) for v in k.values()):
            continue
        t = [[int(k[c]), n[c] - int(k[c])] for c in partners]
        row: dict[str, object] = {"category": cat, "Category": v.category_label(cat)}
        for c in partners:
            row[c] = int(k[c])
            row[f"{c}_share"] = share(k[c], n[c])
        if len(partners) == 2:
            res = two_by_two(t)
            row.update(odds_ratio=res["odds_ratio"], p_fisher=res["p_fisher"])
        else:
            res = k_by_two(t)
            row.update(chi2=res["chi2"], p_chi2=res["p_chi2"])
        rows.append(row)
    out = pd.DataFrame(rows)
    if len(out):
        col = p_column(out)
        holm = [dict(p=p) for p in out[col]]
        _holm(holm, "p")
        out["p_holm"] = [h["p_holm"] for h in holm]
    return out


def category_pairwise_tests(counts: Counts, level: str = "main") -> pd.DataFrame:
    """Per category and pair of partners, Fisher's test of the two shares; Holm over every row.

    With two partners this is :func:`category_country_tests` in another shape; with more it says
    which pairs a category's k x 2 test owes its result to.
    """
    v = counts.vocabulary
    partners = partners_in(counts)
    r = counts.reports
    n = {c: int(r.loc[r["country"] == c, "n"].sum()) for c in partners}
    rows: list[dict[str, object]] = []
    for cat in v.category_ids:
        k = {c: _category_k(counts, c, cat, level) for c in partners}
        for a, b in itertools.combinations(partners, 2):
            if math.isnan(k[a]) or math.isnan(k[b]):
                continue
            res = two_by_two([[int(k[a]), n[a] - int(k[a])], [int(k[b]), n[b] - int(k[b])]])
            rows.append(
                {
                    "category": cat,
                    "Category": v.category_label(cat),
                    "partner_a": a,
                    "partner_b": b,
                    "pair": f"{v.partner_label(a)} vs {v.partner_label(b)}",
                    "a": int(k[a]),
                    "a_share": share(k[a], n[a]),
                    "b": int(k[b]),
                    "b_share": share(k[b], n[b]),
                    "odds_ratio": res["odds_ratio"],
                    "p_fisher": res["p_fisher"],
                }
            )
    _holm(rows, "p_fisher")
    return pd.DataFrame(rows)


def category_period_tests(counts: Counts, level: str = "main") -> pd.DataFrame:
    """Per partner and category, Fisher's test of the share of reports before against after.

    Only categories whose slot counts are known enter (for the published figures: the ones the
    thesis gives per slot). Odds ratios above 1 mean a larger share after the pivot.
    """
    v = counts.vocabulary
    r = counts.reports
    rows = []
    for c in partners_in(counts):
        n = {p: int(r.loc[(r["country"] == c) & (r["period"] == p), "n"].sum()) for p in ("before", "after")}
        for cat in v.category_ids:
            k = {p: code_cell(counts, c, p, cat, level) for p in ("before", "after")}
            if any(math.isnan(v) for v in k.values()):
                continue
            t = [[int(k["after"]), n["after"] - int(k["after"])], [int(k["before"]), n["before"] - int(k["before"])]]
            res = two_by_two(t)
            rows.append(
                {
                    "country": c,
                    "Country": v.partner_label(c),
                    "category": cat,
                    "Category": v.category_label(cat),
                    "before": int(k["before"]),
                    "before_share": share(k["before"], n["before"]),
                    "after": int(k["after"]),
                    "after_share": share(k["after"], n["after"]),
                    "odds_ratio": res["odds_ratio"],
                    "p_fisher": res["p_fisher"],
                }
            )
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


def _after_key(country: str, website: str) -> str:
    """``after_all``, ``after_<partner>`` or ``after_<partner>_<website>``: a row's stable name."""
    return "_".join(["after", *(x for x in (country, website) if x)]) if country else "after_all"


def _scope_key(row: object) -> str:
    return str(getattr(row, "website", "") or "all")


def interval_facts(counts: Counts) -> dict[str, float]:
    """Low and high ends of the Wilson intervals of the shares the chapter discusses, by stable name."""
    facts: dict[str, float] = {"after_expected_share": after_share_expected(counts)}
    rep = report_share_intervals(counts)
    for row in rep[rep["measure"] == "after"].itertuples():
        key = _after_key(row.country, row.website)
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
    """The tests' statistics and p-values as formatted text (p-values need more than one decimal).

    Names: ``att_<scope>_*`` (scope ``all`` or a website id), ``strat_*``, ``cc_<category>_*``,
    ``cp_<partner>_<category>_*``; with three or more partners also ``pair_<scope>_<a>_<b>_*``
    and ``ccp_<category>_<a>_<b>_*`` for the pairwise contrasts (with two, ``att_*`` and ``cc_*``
    already are the one pair).
    """
    texts: dict[str, str] = {}
    for row in attention_tests(counts).itertuples():
        key = _scope_key(row)
        texts[f"att_{key}_chi2"] = fmt_num(row.chi2)
        texts[f"att_{key}_p_chi2"] = fmt_p(row.p_chi2)
        texts[f"att_{key}_p_fisher"] = fmt_p(row.p_fisher)
        texts[f"att_{key}_or"] = fmt_num(row.odds_ratio)
        texts[f"att_{key}_or_low"] = fmt_num(row.or_low)
        texts[f"att_{key}_or_high"] = fmt_num(row.or_high)
    strat = stratified_attention(counts)
    for k, v in strat.items():
        texts[f"strat_{k}"] = fmt_p(v) if k.startswith("p_") else fmt_num(v)
    cc = category_country_tests(counts)
    col = p_column(cc)
    for row in cc.itertuples():
        texts[f"cc_{row.category}_p"] = fmt_p(getattr(row, col))
        texts[f"cc_{row.category}_p_holm"] = fmt_p(row.p_holm)
        texts[f"cc_{row.category}_or"] = fmt_num(getattr(row, "odds_ratio", math.nan))
    for row in category_period_tests(counts).itertuples():
        texts[f"cp_{row.country}_{row.category}_p"] = fmt_p(row.p_fisher)
        texts[f"cp_{row.country}_{row.category}_or"] = fmt_num(row.odds_ratio)
    if len(partners_in(counts)) > 2:
        for row in pairwise_attention_tests(counts).itertuples():
            key = f"pair_{_scope_key(row)}_{row.partner_a}_{row.partner_b}"
            texts[f"{key}_p_fisher"] = fmt_p(row.p_fisher)
            texts[f"{key}_p_holm"] = fmt_p(row.p_holm)
            texts[f"{key}_or"] = fmt_num(row.odds_ratio)
        for row in category_pairwise_tests(counts).itertuples():
            key = f"ccp_{row.category}_{row.partner_a}_{row.partner_b}"
            texts[f"{key}_p"] = fmt_p(row.p_fisher)
            texts[f"{key}_p_holm"] = fmt_p(row.p_holm)
            texts[f"{key}_or"] = fmt_num(row.odds_ratio)
    return texts


def readable_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """:func:`pairwise_attention_tests` for the page: what its caption names, each pair's counts under
    words a reader can follow ("first partner before"), and nothing it does not (no chi-squared)."""
    keep = ["reports", "pair", "a_before", "a_after", "b_before", "b_after", "odds_ratio", "or_low", "or_high"]
    out = readable_tests(pairs[[c for c in [*keep, "p_fisher", "p_holm"] if c in pairs.columns]])
    names = {
        "a_before": "First partner before",
        "a_after": "First partner after",
        "b_before": "Second partner before",
        "b_after": "Second partner after",
    }
    return out.rename(columns=names)


def readable_tests(tests: pd.DataFrame) -> pd.DataFrame:
    """A test table for the page: statistics rounded, p-values as text, clear column names."""
    out = tests.copy()
    for col in [c for c in out.columns if c.startswith("p_")]:
        out[col] = out[col].map(fmt_p)
    for col in [c for c in ("chi2", "odds_ratio", "or_low", "or_high", "min_expected") if c in out]:
        out[col] = out[col].map(fmt_num)
    hidden = ("dof", "category", "country", "website", "partner_a", "partner_b")
    return out.drop(columns=[c for c in hidden if c in out.columns])


# --- a lead between two counts ------------------------------------------------------------------


def count_contrast(k_first: float, k_second: float) -> float:
    """Two-sided exact binomial p-value of two counts over the same reports, given their sum.

    The readings call a category (or a partner) "leading" and ask whether its lead over the
    runner-up is more than chance alone would give. Under the model of this module each count is
    a Poisson count over the same reports, so, given their sum, the first is binomial with
    probability one half when the two rates are equal. Where one report can carry both codes (two
    main codes), the reports with both add equally to each count: they widen the sum without
    changing the difference, so the test is conservative (its p-value too large, never too small).
    NaN when either count is unknown or both are zero.
    """
    from scipy.stats import binomtest

    if any(k is None or (isinstance(k, float) and math.isnan(k)) for k in (k_first, k_second)):
        return math.nan
    a, b = int(k_first), int(k_second)
    if a < 0 or b < 0:
        raise ValueError(f"count_contrast: counts must not be negative, got {a} and {b}")
    if a + b == 0:
        return math.nan
    return float(binomtest(a, a + b, 0.5, alternative="two-sided").pvalue)
