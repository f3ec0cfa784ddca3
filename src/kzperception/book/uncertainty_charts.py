"""Charts of section 6.4: shares with their Wilson 95 % intervals as points and error bars.

Same conventions as :mod:`kzperception.book.charts` (its theme, colours and width; one function per
figure; the counts in, an Altair chart out; tooltips carry the numbers behind each mark), so the
two sets of figures look like one book. The intervals come from :mod:`kzperception.analysis.stats`.
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
from kzperception.book.charts import WIDTH, partner_scale
from kzperception.data.counts import Counts
from kzperception.data.vocabulary import partner_label

_NEUTRAL = "#3b4f63"


def _tips(label: str) -> list[alt.Tooltip]:
    return [
        alt.Tooltip(f"{label}:N"),
        alt.Tooltip("k:Q", title="Reports"),
        alt.Tooltip("n:Q", title="Of"),
        alt.Tooltip("share:Q", title="Share (%)", format=".1f"),
        alt.Tooltip("low:Q", title="95 % interval from", format=".1f"),
        alt.Tooltip("high:Q", title="to", format=".1f"),
    ]


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
    df["Country"] = [partner_label(c) if c else everyone for c in df["country"]]
    order = df["group"].tolist()
    color = alt.Color("Country:N", scale=partner_scale(partners, {everyone: _NEUTRAL}),
                      legend=alt.Legend(title=None))
    title = f"Share of the group's reports dated {counts.labels['after']} (%)"
    scale = alt.Scale(domain=[0, 100])
    base = alt.Chart(df).encode(y=alt.Y("group:N", title=None, sort=order), tooltip=_tips("group"))
    bars = base.mark_rule(strokeWidth=2).encode(x=alt.X("low:Q", title=title, scale=scale), x2="high:Q",
                                                color=color)
    points = base.mark_point(filled=True, size=70).encode(x=alt.X("share:Q", title=title, scale=scale), color=color)
    expected = pd.DataFrame({"expected": [after_share_expected(counts)]})
    rule = alt.Chart(expected).mark_rule(strokeDash=[4, 3], color="#888").encode(
        x="expected:Q", tooltip=[alt.Tooltip("expected:Q", title="Steady pace (%)", format=".1f")]
    )
    return alt.layer(rule, bars, points).properties(
        width=WIDTH, height=230, title="Reports after the pivot, with Wilson 95 % intervals"
    )


def category_share_intervals_chart(counts: Counts, level: str = "main") -> alt.LayerChart:
    """Share of each partner's reports carrying each category (``main`` or ``any`` level), with intervals."""
    partners = partners_in(counts)
    df = category_share_intervals(counts)
    df = df[(df["measure"] == level) & df["k"].notna()].copy()
    df["Country"] = df["country"].map(partner_label)
    order = (df.groupby("category_label")["share"].sum().sort_values(ascending=False).index.tolist())
    what = "as a main code" if level == "main" else "at either level"
    color = alt.Color("Country:N", scale=partner_scale(partners), legend=alt.Legend(title=None))
    base = alt.Chart(df).encode(
        y=alt.Y("category_label:N", title=None, sort=order),
        yOffset=alt.YOffset("Country:N", sort=[partner_label(c) for c in partners]),
        color=color,
        tooltip=[alt.Tooltip("category_label:N", title="Category"), *_tips("Country")],
    )
    top = 10 * math.ceil(df["high"].max() / 10) if len(df) else 100
    scale = alt.Scale(domain=[0, min(100, top)])
    bars = base.mark_rule(strokeWidth=2).encode(x=alt.X("low:Q", title=f"Share of the country's reports {what} (%)",
                                                        scale=scale), x2="high:Q")
    points = base.mark_point(filled=True, size=60).encode(x=alt.X("share:Q", scale=scale))
    return alt.layer(bars, points).properties(
        width=WIDTH, height=300, title=f"Categories {what}, with Wilson 95 % intervals"
    )
