"""Charts of section 6.4: shares with their Wilson 95 % intervals as points and error bars.

Same conventions as :mod:`kzperception.book.charts` (its theme and width, the colours of
:mod:`kzperception.book.palette`; one function per figure; the counts in, an Altair chart out;
tooltips carry the numbers behind each mark; a one-line ``description`` as the text alternative),
so the two sets of figures look like one book. Each partner's points have its colour and its
shape, the aggregate of all partners is a grey diamond, and the steady-pace line is a grey
statistic line with its own dash. The intervals come from :mod:`kzperception.analysis.stats`.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from kzperception.analysis.stats import (
    after_share_expected,
    category_share_intervals,
    partners_in,
    report_share_intervals,
)
from kzperception.book import palette
from kzperception.book.chart_registry import register
from kzperception.book.charts import (
    WIDTH,
    category_order,
    describe,
    partner_scale,
    partner_shape_scale,
    wrap_label_expr,
)
from kzperception.data.counts import Counts


def _tips(label: str) -> list[alt.Tooltip]:
    return [
        alt.Tooltip(f"{label}:N"),
        alt.Tooltip("k:Q", title="Reports"),
        alt.Tooltip("n:Q", title="Of"),
        alt.Tooltip("share:Q", title="Share (%)", format=".1f"),
        alt.Tooltip("low:Q", title="95 % interval from", format=".1f"),
        alt.Tooltip("high:Q", title="to", format=".1f"),
    ]


@register("figure-6-4-a")
def after_share_intervals_chart(counts: Counts) -> alt.LayerChart:
    """Share of each group's reports published after the pivot, with Wilson intervals.

    The dashed line is the share expected if publication had kept its pace (the after-part's share
    of the window's days): a group whose interval lies right of it grew beyond what chance under a
    steady pace would easily give.
    """
    df = report_share_intervals(counts)
    df = df[df["measure"] == "after"].copy()
    partners = partners_in(counts)
    everyone = "Both" if len(partners) == 2 else "All partners"
    v = counts.vocabulary
    df["Country"] = [v.partner_label(c) if c else everyone for c in df["country"]]
    order = df["group"].tolist()
    legend = alt.Legend(title=None)
    color = alt.Color("Country:N", scale=partner_scale(partners, {everyone: palette.AGGREGATE}, v), legend=legend)
    shape = alt.Shape("Country:N", scale=partner_shape_scale(partners, everyone, v), legend=legend)
    title = f"Share of reports dated {counts.labels['after']} (%)"
    scale = alt.Scale(domain=[0, 100])
    base = alt.Chart(df).encode(
        y=alt.Y("group:N", title=None, sort=order, axis=alt.Axis(labelExpr=wrap_label_expr(order))),
        tooltip=_tips("group"),
    )
    bars = base.mark_rule(strokeWidth=2).encode(x=alt.X("low:Q", title=title, scale=scale), x2="high:Q", color=color)
    points = base.mark_point(filled=True, size=70, opacity=1).encode(
        x=alt.X("share:Q", title=title, scale=scale), color=color, shape=shape
    )
    steady = after_share_expected(counts)
    expected = pd.DataFrame({"expected": [steady]})
    rule = (
        alt.Chart(expected)
        .mark_rule(strokeDash=palette.DASH["expected"], color=palette.STATISTIC["expected"])
        .encode(x="expected:Q", tooltip=[alt.Tooltip("expected:Q", title="Steady pace (%)", format=".1f")])
    )
    items = [
        f"{g} {_pct(v)} ({_pct(lo)} to {_pct(hi)})"
        for g, v, lo, hi in zip(df["group"], df["share"], df["low"], df["high"], strict=True)
    ]
    text = describe(
        f"Points with Wilson 95 % intervals: the share of each group's reports dated "
        f"{counts.labels['after']}, against a steady pace of {_pct(steady)} (dashed line).",
        "; ".join(items) + ".",
    )
    return alt.LayerChart(layer=[rule, bars, points]).properties(
        width=WIDTH,
        height=230,
        description=text,
    )


def _pct(value: float) -> str:
    return "n/a" if value is None or math.isnan(float(value)) else f"{float(value):.1f} %"


@register("figure-6-4-b")
def category_share_intervals_chart(counts: Counts, level: str = "main") -> alt.LayerChart:
    """Share of each partner's reports carrying each category (``main`` or ``any`` level), with intervals."""
    partners = partners_in(counts)
    df = category_share_intervals(counts)
    df = df[(df["measure"] == level) & df["k"].notna()].copy()
    v = counts.vocabulary
    df["Country"] = df["country"].map(v.partner_label)
    present = set(df["category_label"])
    known = category_order(v)
    order = [c for c in known if c in present] + sorted(present - set(known))
    what = "as a main code" if level == "main" else "at either level"
    legend = alt.Legend(title=None)
    color = alt.Color("Country:N", scale=partner_scale(partners, vocabulary=v), legend=legend)
    base = alt.Chart(df).encode(
        y=alt.Y("category_label:N", title=None, sort=order, axis=alt.Axis(labelExpr=wrap_label_expr(order))),
        yOffset=alt.YOffset("Country:N", sort=[v.partner_label(c) for c in partners]),
        color=color,
        tooltip=[alt.Tooltip("category_label:N", title="Category"), *_tips("Country")],
    )
    top = 10 * math.ceil(df["high"].max() / 10) if len(df) else 100
    scale = alt.Scale(domain=[0, min(100, top)])
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("low:Q", title=f"Share of the country's reports {what} (%)", scale=scale), x2="high:Q"
    )
    points = base.mark_point(filled=True, size=60, opacity=1).encode(
        x=alt.X("share:Q", scale=scale),
        shape=alt.Shape("Country:N", scale=partner_shape_scale(partners, vocabulary=v), legend=legend),
    )
    tops = []
    for c in partners:
        rows = df[df["country"] == c].sort_values("share", ascending=False, kind="stable")
        if len(rows) and rows["share"].iloc[0] > 0:  # a zero share is never "largest"
            tops.append(f"{v.partner_label(c)}: {rows['category_label'].iloc[0]} {_pct(rows['share'].iloc[0])}")
    text = describe(
        f"Points with Wilson 95 % intervals: the share of each country's reports carrying each "
        f"category {what}, categories in the codebook's order.",
        ("Largest per country: " + "; ".join(tops) + ".") if tops else "",
    )
    return alt.LayerChart(layer=[bars, points]).properties(
        width=WIDTH,
        height=300,
        description=text,
    )
