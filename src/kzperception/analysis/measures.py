"""Shares, change ratios and the named numbers a chapter's prose glues in.

Every number a chapter states comes from one of the ``*_facts`` functions here, computed from the
counts frames, so the same sentence is true for the published figures and for any rerun. Names
are stable keys (``china_after_share``) because chapters glue them by name.
"""

from __future__ import annotations

import math

import pandas as pd

from kzperception.data.counts import Counts
from kzperception.data.vocabulary import LEVELS


def share(part: float, whole: float) -> float:
    """``part / whole`` as a percentage; NaN (never a ZeroDivisionError) when the whole is empty."""
    return 100.0 * part / whole if whole else math.nan


def change(before: float, after: float) -> float:
    """Relative change in percent from ``before`` to ``after`` (``+110.8`` for 37 -> 78)."""
    return 100.0 * (after - before) / before if before else math.nan


def with_shares(df: pd.DataFrame, within: list[str]) -> pd.DataFrame:
    """Add ``share`` (percent of ``n`` within each group of ``within``; all rows when empty)."""
    totals = df.groupby(within)["n"].transform("sum") if within else df["n"].sum()
    return df.assign(share=100.0 * df["n"] / totals)


def reports_facts(counts: Counts) -> dict[str, float]:
    """Every number section 6.2 states, computed from the report counts."""
    v = counts.vocabulary
    r = counts.reports
    n = int(r["n"].sum())
    facts: dict[str, float] = {"n_reports": n}
    for period in ("before", "after"):
        k = int(r.loc[r["period"] == period, "n"].sum())
        facts[f"n_{period}"] = k
        facts[f"{period}_share"] = share(k, n)
    for website in v.website_ids:
        k = int(r.loc[r["website"] == website, "n"].sum())
        facts[f"n_{website}"] = k
        facts[f"{website}_share"] = share(k, n)
    for country in v.partner_ids:
        rc = r[r["country"] == country]
        nc = int(rc["n"].sum())
        facts[f"n_{country}"] = nc
        facts[f"{country}_share"] = share(nc, n)
        for website in v.website_ids:
            rw = rc[rc["website"] == website]
            nw = int(rw["n"].sum())
            facts[f"n_{country}_{website}"] = nw
            facts[f"{country}_{website}_share"] = share(nw, nc)
            for period in ("before", "after"):
                k = int(rw.loc[rw["period"] == period, "n"].sum())
                facts[f"n_{country}_{website}_{period}"] = k
                facts[f"{country}_{website}_{period}_share"] = share(k, nw)
            facts[f"{country}_{website}_change"] = change(
                facts[f"n_{country}_{website}_before"], facts[f"n_{country}_{website}_after"]
            )
        for period in ("before", "after"):
            k = int(rc.loc[rc["period"] == period, "n"].sum())
            facts[f"n_{country}_{period}"] = k
            facts[f"{country}_{period}_share"] = share(k, nc)
        facts[f"{country}_change"] = change(facts[f"n_{country}_before"], facts[f"n_{country}_after"])
    slots = [(c, w) for c in v.partner_ids for w in v.website_ids]
    facts["slots_growing"] = sum(facts[f"n_{c}_{w}_after"] > facts[f"n_{c}_{w}_before"] for c, w in slots)
    facts["n_slots"] = len(slots)
    return facts


def partners_with_reports(counts: Counts) -> list[str]:
    """The partners that have at least one report in the window, in the counts' (vocabulary) order."""
    r = counts.reports
    totals = r.groupby("country", sort=False)["n"].sum()
    return [str(c) for c, n in totals.items() if n > 0]


def per_day(n: float, days: int) -> float:
    """Reports per day of a period: counts of periods of different length compare only this way."""
    return n / days if days > 0 else math.nan


def period_facts(counts: Counts) -> dict[str, float]:
    """How long each period is and how many reports a day it holds, overall and per partner.

    ``days_before`` and ``days_after`` count both ends of each period (the thesis's: 549 and 547);
    ``periods_equal`` is 1 when they differ by no more than
    :data:`~kzperception.data.window.PERIOD_LENGTH_TOLERANCE` of the longer, else 0; then
    ``before_per_day`` / ``after_per_day`` (all reports) and ``<partner>_before_per_day`` /
    ``<partner>_after_per_day`` for every partner with reports, keyed like :func:`reports_facts`.
    Raw counts of a window of two years against three compare only as rates; these are the rates.
    """
    w = counts.window
    r = counts.reports
    days = {"before": w.days_before, "after": w.days_after}
    facts: dict[str, float] = {
        "days_before": days["before"],
        "days_after": days["after"],
        "periods_equal": int(not w.periods_differ),
    }
    for period, d in days.items():
        facts[f"{period}_per_day"] = per_day(int(r.loc[r["period"] == period, "n"].sum()), d)
    for partner in partners_with_reports(counts):
        rc = r[r["country"] == partner]
        for period, d in days.items():
            facts[f"{partner}_{period}_per_day"] = per_day(int(rc.loc[rc["period"] == period, "n"].sum()), d)
    return facts


def code_cell(
    counts: Counts, country: str | None, period: str, category: str, level: str, mode: str = "cooperation"
) -> float:
    """One cell of the code counts (summed over partners when ``country`` is None); NaN if unpublished.

    The sum over partners needs a cell for every partner the report counts hold: the published
    figures know the thesis's two, so a third partner in ``data/partners.yaml`` leaves their sums as
    they are, while a corpus (whose grid holds every partner) sums them all.
    """
    total, rows = counts.code_index.get((country, period, category, level, mode), (0.0, 0))
    expected = 1 if country is not None else counts.partners_counted
    return total if rows == expected else math.nan


def category_table(counts: Counts, country: str | None = None, period: str = "all") -> pd.DataFrame:
    """Main and secondary cooperation counts per category, with the share of reports they reach.

    Shares are of the reports of the country (or of all reports), as the thesis computes them:
    a category "reaches" a report when coded at any level, so ``any = main + secondary``.
    """
    v = counts.vocabulary
    r = counts.reports
    rsel = r if country is None else r[r["country"] == country]
    if period != "all":
        rsel = rsel[rsel["period"] == period]
    base = int(rsel["n"].sum())
    rows = []
    for cat in v.category_ids:
        main = code_cell(counts, country, period, cat, "main")
        sec = code_cell(counts, country, period, cat, "secondary")
        rows.append(
            {
                "category": cat,
                "main": main,
                "secondary": sec,
                "any": main + sec,
                "main_share": share(main, base),
                "any_share": share(main + sec, base),
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["reports"] = base
    return out


def coding_facts(counts: Counts) -> dict[str, float]:
    """Every number sections 6.3 and 6.3.1 state, computed from the code counts."""
    v = counts.vocabulary
    c = counts.codes
    overall = c[c["period"] == "all"]
    coop = overall[overall["mode"] == "cooperation"]
    facts: dict[str, float] = {}
    for level in LEVELS:
        facts[f"codes_{level}"] = int(coop.loc[coop["level"] == level, "n"].sum())
    # The thesis states 8 non-cooperation codes but places only 6 in a slot: use its stated total.
    stated = (counts.stated or {}).get("codes_non_cooperation")
    computed = int(overall.loc[overall["mode"] == "non_cooperation", "n"].sum())
    facts["codes_non_cooperation"] = stated if stated is not None else computed
    facts["codes_all"] = facts["codes_main"] + facts["codes_secondary"] + facts["codes_non_cooperation"]
    facts["non_cooperation_share"] = share(facts["codes_non_cooperation"], facts["codes_all"])
    table = category_table(counts)
    for row in table.itertuples():
        facts[f"{row.category}_main"] = row.main
        facts[f"{row.category}_secondary"] = row.secondary
        facts[f"{row.category}_any"] = row.any
    ranked = table.sort_values("main", ascending=False, kind="stable")["category"].tolist()
    for i, cat in enumerate(ranked, start=1):
        facts[f"{cat}_main_rank"] = i
    for country in v.partner_ids:
        ct = category_table(counts, country)
        facts[f"n_{country}"] = ct.attrs["reports"]
        for row in ct.itertuples():
            for field in ("main", "secondary", "any", "main_share", "any_share"):
                facts[f"{country}_{row.category}_{field}"] = getattr(row, field)
    return facts


def slot_facts(counts: Counts) -> dict[str, float]:
    """Numbers of the larger slots (country x period) used by 6.3.2 and 6.3.3."""
    v = counts.vocabulary
    facts: dict[str, float] = {}
    for country in v.partner_ids:
        for period in ("before", "after"):
            ct = category_table(counts, country, period)
            facts[f"n_{country}_{period}"] = ct.attrs["reports"]
            for row in ct.itertuples():
                facts[f"{country}_{period}_{row.category}_main"] = row.main
                facts[f"{country}_{period}_{row.category}_main_share"] = row.main_share
            noncoop = counts.codes[
                (counts.codes["country"] == country)
                & (counts.codes["period"] == period)
                & (counts.codes["mode"] == "non_cooperation")
            ]
            facts[f"{country}_{period}_non_cooperation"] = int(noncoop["n"].sum())
        facts[f"{country}_change"] = change(facts[f"n_{country}_before"], facts[f"n_{country}_after"])
    return facts


def _beside(ours: pd.DataFrame, theirs: pd.DataFrame, keys: list[str], columns: dict[str, str]) -> pd.DataFrame:
    """``ours`` and ``theirs`` (each ``keys`` + ``period`` + ``n``) side by side, one column per period.

    ``columns`` maps ``this corpus`` / ``thesis`` and a period to its header. An outer merge: a
    partner the thesis did not study keeps its rows with the thesis's cells empty, and a cell the
    thesis does not publish stays empty (unknown, not zero).
    """

    def wide(frame: pd.DataFrame, who: str) -> pd.DataFrame:
        out = frame.pivot_table(index=keys, columns="period", values="n", aggfunc="sum")
        out = out.rename(columns=lambda p: columns[f"{who} {p}"]).reset_index()
        return out.astype({k: str for k in keys})

    mine, published = wide(ours, "this corpus"), wide(theirs, "thesis")
    # Rows in the frames' own (vocabulary) order, the thesis's first: pivoting sorts them by name.
    order = pd.concat([theirs[keys], ours[keys]]).astype(str).drop_duplicates()
    merged = order.merge(published, on=keys, how="left").merge(mine, on=keys, how="left")
    heads = [h for h in columns.values() if h in merged.columns]
    out = merged[[*keys, *heads]]
    out.columns.name = None
    return out


def beside_thesis_headers(counts: Counts, thesis: Counts, periods: tuple[str, ...]) -> dict[str, str]:
    """Column headers naming each side's own window: ``this corpus, 2019–20`` beside ``thesis, 2020–22``.

    The thesis's counts are for the thesis's window, whatever window a rerun uses, so each column
    carries the label of the window its counts are for; a rerun's labels never head the thesis's
    counts.
    """
    heads = {f"this corpus {p}": f"this corpus, {counts.window.label(p)}" for p in periods}
    heads |= {f"thesis {p}": f"thesis, {thesis.window.label(p)}" for p in periods}
    if len(set(heads.values())) < len(heads):  # same labels for both periods cannot happen; be sure
        raise ValueError(f"beside the thesis: headers repeat: {sorted(heads.values())}")
    return heads


def reports_beside_thesis(counts: Counts, thesis: Counts) -> pd.DataFrame:
    """Reports per partner and website in both periods, ours and the thesis's, each under its window's labels."""
    keys = ["country", "website"]
    heads = beside_thesis_headers(counts, thesis, ("before", "after"))
    return _beside(counts.reports, thesis.reports, keys, heads)


def codes_beside_thesis(counts: Counts, thesis: Counts) -> pd.DataFrame:
    """Cooperation codes per partner, category and level over each whole window, each under its window's label.

    The thesis publishes the codes of its whole window (period ``all``) per partner; only those
    are compared.
    """
    keys = ["country", "category", "level"]

    def whole(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[(frame["period"] == "all") & (frame["mode"] == "cooperation")]

    published = whole(thesis.codes)
    ours = whole(counts.codes)
    # The cells the thesis publishes, and every cell of a partner the thesis did not study.
    cell = ours[keys].astype(str).agg("|".join, axis=1)
    known = set(published[keys].astype(str).agg("|".join, axis=1))
    ours = ours[cell.isin(known) | ~ours["country"].isin(set(published["country"]))]
    heads = beside_thesis_headers(counts, thesis, ("all",))
    return _beside(ours, published, keys, heads)


#: Shares the thesis prints at more than the one decimal :func:`~kzperception.book.display.glue_facts`
#: keeps, with the number of decimals it prints them at (6.1, footnote 3: non-cooperation codes are
#: "2.02%" of all codes). Rounded to one place the share reads 2.0 %, a figure the thesis never states.
THESIS_DECIMALS: dict[str, int] = {"non_cooperation_share": 2}


def precise_texts(facts: dict[str, float]) -> dict[str, str]:
    """Each share of :data:`THESIS_DECIMALS` found in ``facts`` as text at the thesis's precision.

    Keys get ``_precise`` appended (``non_cooperation_share_precise``: ``"2.02"``) and the prose
    pastes them with ``{glue:md}``. A share of nothing (NaN, as a rerun with no codes gives) reads
    ``n/a`` rather than ``nan``.
    """
    out: dict[str, str] = {}
    for key, places in THESIS_DECIMALS.items():
        if key in facts:
            value = float(facts[key])
            out[f"{key}_precise"] = "n/a" if math.isnan(value) else f"{value:.{places}f}"
    return out
