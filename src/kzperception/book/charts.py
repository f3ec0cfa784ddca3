"""Table 1 and Figures 1-9: one function per published table or figure, one theme for all.

Each function takes the counts (see :mod:`kzperception.data.counts`) and returns an Altair chart or a
DataFrame; it never reads files, so the same function draws the thesis's figures and a rerun's.
Names carry the thesis's numbering (``figure_4_main_codes``) so a caption can name the function
that drew it. Tooltips give the count and share behind every mark.

Colours come from :mod:`kzperception.book.palette`, one meaning per colour across the book
(partner, website, period, code level, statistic); no chart writes a colour of its own. Every
chart carries a ``description``, a one-line text alternative computed from its data (the largest
values), which Vega writes into the SVG's ``aria-label`` and the caption layer can read.

Partners and websites come from the vocabulary (``data/partners.yaml``, ``data/websites.yaml``). The
per-partner figures are one function per kind, taking the partner: :func:`main_codes_figure` and
:func:`all_codes_figure`; all partners' figures of one kind share one value axis (computed from
every partner's counts) and list the categories in the codebook's order, so Figures 6 and 7 (and
8 and 9) can be read side by side. The thesis's Figures 6-9 are those two kinds for the first two
partners of the file (China, Russia), under the numbers the published book gives them.

The book's other charts share the theme and live here too, fed by the layer that computes their
data: :func:`survey_chart` and :func:`timeline_chart` (chapter 9, from :mod:`kzperception.data.context`)
and :func:`sensitivity_chart` (section 6.5, from :mod:`kzperception.analysis.sensitivity`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from kzperception.analysis.measures import category_table, with_shares
from kzperception.book import palette
from kzperception.book.chart_registry import register
from kzperception.data.context import TOPIC_LABELS, TOPICS, Context, timeline_frame
from kzperception.data.counts import Counts
from kzperception.data.vocabulary import LEVEL_LABELS, Vocabulary
from kzperception.data.window import THESIS_WINDOW, Window, parse_date

WIDTH = 520
#: Axis labels longer than this many characters go on two lines (the full name is in the tooltip).
WRAP_AT = 15
#: A text alternative is cut at this length (a screen reader reads it in one go).
DESCRIPTION_LIMIT = 400


def _v(vocabulary: Vocabulary | None) -> Vocabulary:
    return vocabulary or Vocabulary.default()


def partner_scale(
    partners: Sequence[str] | None = None, extra: dict[str, str] | None = None, vocabulary: Vocabulary | None = None
) -> alt.Scale:
    """A colour scale over partner labels (what the charts' ``Country`` field holds), coloured by id.

    ``partners`` default to all of ``vocabulary`` (a counts frame's ``.vocabulary``; default: the
    project's). ``extra`` adds label -> colour pairs after the partners (the aggregate "Both").
    """
    v = _v(vocabulary)
    partners = list(v.partner_ids if partners is None else partners)
    colours = palette.partner_colours(partners, v)
    domain = [v.partner_label(c) for c in partners] + list(extra or {})
    return alt.Scale(domain=domain, range=[colours[c] for c in partners] + list((extra or {}).values()))


def partner_shape_scale(
    partners: Sequence[str] | None = None, aggregate: str | None = None, vocabulary: Vocabulary | None = None
) -> alt.Scale:
    """Point shapes over partner labels (and the aggregate's label): the cue beside the colour."""
    v = _v(vocabulary)
    partners = list(v.partner_ids if partners is None else partners)
    domain = [v.partner_label(c) for c in partners] + ([aggregate] if aggregate else [])
    shapes = [palette.partner_shape(c, v) for c in partners] + ([palette.AGGREGATE_SHAPE] if aggregate else [])
    return alt.Scale(domain=domain, range=shapes)


def partner_dash_scale(partners: Sequence[str] | None = None, vocabulary: Vocabulary | None = None) -> alt.Scale:
    """Line dashes over partner labels."""
    v = _v(vocabulary)
    partners = list(v.partner_ids if partners is None else partners)
    return alt.Scale(
        domain=[v.partner_label(c) for c in partners], range=[palette.partner_dash(c, v) for c in partners]
    )


def website_scale(vocabulary: Vocabulary | None = None) -> alt.Scale:
    """A colour scale over website labels, coloured by website id."""
    v = _v(vocabulary)
    colours = palette.website_colours(vocabulary=v)
    return alt.Scale(domain=[v.website_label(w) for w in v.website_ids], range=[colours[w] for w in v.website_ids])


def _theme() -> alt.theme.ThemeConfig:
    # The background is transparent so a chart sits on the page's own background, light or dark;
    # text keeps Vega's default and kzperception.css gives it the theme's text colour in dark mode.
    return alt.theme.ThemeConfig(
        config={
            "background": "transparent",
            "font": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
            "view": {"stroke": None, "continuousWidth": WIDTH},
            "axis": {
                "labelFontSize": 12,
                "titleFontSize": 12,
                "grid": False,
                "domainColor": palette.AXIS,
                "tickColor": palette.AXIS,
            },
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom"},
            "title": {"fontSize": 14, "anchor": "start", "fontWeight": 600},
            "bar": {"cornerRadiusEnd": 2},
        }
    )


alt.theme.register("kzperception", enable=True)(_theme)


def _period_scale(counts: Counts) -> alt.Scale:
    labels = counts.labels
    return alt.Scale(
        domain=[labels["before"], labels["after"]], range=[palette.PERIOD["before"], palette.PERIOD["after"]]
    )


def _readable(df: pd.DataFrame, counts: Counts) -> pd.DataFrame:
    out = df.copy()
    v = counts.vocabulary
    if "country" in out:
        out["Country"] = out["country"].map(v.partner_label)
    if "website" in out:
        out["Website"] = out["website"].map(v.website_label)
    if "period" in out:
        out["Period"] = out["period"].map(counts.labels)
    if "category" in out:
        out["Category"] = out["category"].map(v.category_label)
    if "level" in out:
        out["Level"] = out["level"].map(LEVEL_LABELS)
    if "period" in out:
        # periods in time order within each partner and website (a groupby sorts "after" first):
        # the chart's Data table lists 2020–22 before 2022–23, as every table of the book does
        rank = {"before": 0, "after": 1}
        keys = pd.DataFrame(index=out.index)
        if "country" in out:
            keys["country"] = out["country"].map({c: i for i, c in enumerate(v.partner_ids)})
        if "website" in out:
            keys["website"] = out["website"].map({w: i for i, w in enumerate(v.website_ids)})
        keys["period"] = out["period"].map(rank)
        out = out.loc[keys.sort_values(list(keys.columns), kind="stable").index].reset_index(drop=True)
    return out


# --- text alternatives ---------------------------------------------------------------------------


def plain(value: object) -> str:
    """Text for a chart's description: one line, no control characters, runs of blanks as one."""
    text = "" if value is None else str(value)
    text = "".join(" " if unicodedata.category(ch)[0] == "C" or ch in "\u2028\u2029" else ch for ch in text)
    return re.sub(r"\s+", " ", text).strip()


def _number(value: float, digits: int = 1) -> str:
    """A count as an integer, any other number with ``digits`` decimals, thousands separated ("n/a" for a gap)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.{digits}f}"


def describe(*sentences: str) -> str:
    """Join the sentences of a text alternative into one plain line of at most ``DESCRIPTION_LIMIT``."""
    text = plain(" ".join(s for s in sentences if s))
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1].rstrip() + "…"


def _largest(df: pd.DataFrame, label: str, value: str, k: int = 3) -> str:
    """``Largest: Economic 63, Political and diplomatic 42, ...``: at most ``k`` labels with a count
    above zero (a zero is never "largest"), or a sentence saying nothing is counted."""
    top = df.groupby(label, sort=False)[value].sum().sort_values(ascending=False, kind="stable").head(k)
    top = top[top > 0]
    if top.empty:
        return "Nothing is counted."
    return "Largest: " + ", ".join(f"{name} {_number(v)}" for name, v in top.items()) + "."


def _wrapped(label: str, width: int = WRAP_AT) -> list[str]:
    """A label on at most two lines, split at the blank nearest the middle when it is long."""
    if len(label) <= width or " " not in label:
        return [label]
    cuts = [i for i, ch in enumerate(label) if ch == " "]
    cut = min(cuts, key=lambda i: abs(i - len(label) / 2))
    return [label[:cut], label[cut + 1 :]]


def wrap_label_expr(labels: Sequence[str]) -> str:
    """A Vega ``labelExpr`` that draws each long label on two lines (short ones unchanged).

    The labels are written as JSON strings, so a quote or backslash in one cannot end the expression.
    """
    expr = "datum.label"
    for text in labels:
        lines = _wrapped(text)
        if len(lines) > 1:
            expr = f"datum.label === {json.dumps(text)} ? {json.dumps(lines)} : ({expr})"
    return expr


#: The margin labels of Table 1 (a row under the websites, a column after each partner's periods).
TABLE_1_TOTAL = "Total"
TABLE_1_ALL = "All reports"


def table_1_reports(counts: Counts) -> pd.DataFrame:
    """Table 1 as a cross-tab: a row per website, a column per partner and period, with margins.

    The thesis's Table 1 counts the reports in the eight slots (partner x website x period); a
    reader compares slots along a row (the same website across partners and periods) or down a
    column (the same partner and period across websites), so the slots are laid out that way and
    every margin is printed once: a "Total" column after each partner's periods, a "Total" row
    under the websites, and the grand total in the corner. The columns are two-level
    ``(partner, period)`` labels (``("China", "2020–22")``, ``("China", "Total")``,
    ``("All reports", "")``); the first column, ``("Website", "")``, holds the website labels.
    """
    r, v = counts.reports, counts.vocabulary
    periods = [("before", counts.labels["before"]), ("after", counts.labels["after"])]
    rows = []
    for website in [*v.website_ids, None]:
        rw = r if website is None else r[r["website"] == website]
        row: dict[tuple[str, str], object] = {
            ("Website", ""): TABLE_1_TOTAL if website is None else v.website_label(website)
        }
        for country in v.partner_ids:
            rc = rw[rw["country"] == country]
            for period, label in periods:
                row[(v.partner_label(country), label)] = int(rc.loc[rc["period"] == period, "n"].sum())
            row[(v.partner_label(country), TABLE_1_TOTAL)] = int(rc["n"].sum())
        row[(TABLE_1_ALL, "")] = int(rw["n"].sum())
        rows.append(row)
    df = pd.DataFrame(rows)
    df.columns = pd.MultiIndex.from_tuples(df.columns)
    return df


def _tooltip(*fields: str) -> list[alt.Tooltip]:
    tips = []
    for f in fields:
        if f == "share":
            tips.append(alt.Tooltip("share:Q", title="Share (%)", format=".1f"))
        elif f == "n":
            tips.append(alt.Tooltip("n:Q", title="Reports"))
        else:
            tips.append(alt.Tooltip(f"{f}:N"))
    return tips


@register("figure-1")
def figure_1_country_website(counts: Counts) -> alt.Chart:
    """Figure 1: reports per perceived country, split by website (shares within the country)."""
    df = counts.reports.groupby(["country", "website"], as_index=False)["n"].sum()
    df = _readable(with_shares(df, ["country"]), counts)
    v = counts.vocabulary
    parts = []
    for country in v.partner_ids:
        rows = df[df["country"] == country]
        split = ", ".join(
            f"{v.website_label(w)} {_number(rows.loc[rows['website'] == w, 'n'].sum())}" for w in v.website_ids
        )
        parts.append(f"{v.partner_label(country)} {_number(rows['n'].sum())} ({split})")
    text = describe("Stacked bars of the reports on each perceived country, split by website:", "; ".join(parts) + ".")
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=alt.Y("Country:N", title=None, sort=[v.partner_label(c) for c in v.partner_ids]),
            x=alt.X("n:Q", title="Reports"),
            color=alt.Color("Website:N", scale=website_scale(v)),
            order=alt.Order("website:O"),
            tooltip=_tooltip("Country", "Website", "n", "share"),
        )
        .properties(width=WIDTH, height=120, description=text)
    )


def _before_after(df: pd.DataFrame, key: str, order: Sequence[str]) -> str:
    parts = []
    for name in order:
        rows = df[df[key] == name]
        n = {p: rows.loc[rows["period"] == p, "n"].sum() for p in ("before", "after")}
        parts.append(f"{name} {_number(n['before'])} before and {_number(n['after'])} after")
    return "; ".join(parts) + "."


@register("figure-2")
def figure_2_time_by_country(counts: Counts) -> alt.Chart:
    """Figure 2: reports before and after the pivot for each country (shares within the country)."""
    df = counts.reports.groupby(["country", "period"], as_index=False)["n"].sum()
    df = _readable(with_shares(df, ["country"]), counts)
    order = [counts.vocabulary.partner_label(c) for c in counts.vocabulary.partner_ids]
    text = describe(
        f"Grouped bars of the reports before ({counts.labels['before']}) and after "
        f"({counts.labels['after']}) the pivot, per perceived country:",
        _before_after(df, "Country", order),
    )
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("Country:N", title=None, sort=order, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("Period:N", sort=list(counts.labels.values())[:2]),
            y=alt.Y("n:Q", title="Reports"),
            color=alt.Color("Period:N", scale=_period_scale(counts)),
            tooltip=_tooltip("Country", "Period", "n", "share"),
        )
        .properties(width=WIDTH // 2, height=260, description=text)
    )


@register("figure-3")
def figure_3_time_by_slot(counts: Counts) -> alt.Chart:
    """Figure 3: reports before and after the pivot in the four country x website slots."""
    df = _readable(with_shares(counts.reports, ["country", "website"]), counts)
    df["Slot"] = df["Country"] + ", " + df["website"]
    v = counts.vocabulary
    order = [f"{v.partner_label(c)}, {w}" for c in v.partner_ids for w in v.website_ids]
    text = describe(
        "Grouped bars of the reports before and after the pivot in each country and website slot:",
        _before_after(df, "Slot", order),
    )
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("Slot:N", title=None, sort=order, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("Period:N", sort=list(counts.labels.values())[:2]),
            y=alt.Y("n:Q", title="Reports"),
            color=alt.Color("Period:N", scale=_period_scale(counts)),
            tooltip=_tooltip("Country", "Website", "Period", "n", "share"),
        )
        .properties(width=WIDTH, height=260, description=text)
    )


def _levels_frame(counts: Counts, country: str | None, levels: tuple[str, ...]) -> pd.DataFrame:
    table = category_table(counts, country)
    long = table.melt(id_vars=["category"], value_vars=list(levels), var_name="level", value_name="n")
    long = long.dropna(subset=["n"])
    base = table.attrs["reports"]
    long["share"] = 100.0 * long["n"] / base if base else 0.0
    long["total"] = long["category"].map(table.set_index("category")["any" if len(levels) > 1 else "main"])
    long.attrs["reports"] = base
    return _readable(long, counts)


def category_order(vocabulary: Vocabulary | None = None) -> list[str]:
    """The category labels in the codebook's order: the one order of every code chart in the book."""
    v = _v(vocabulary)
    return [v.category_label(c) for c in v.category_ids]


#: :func:`category_order` of the project's codebook.
CATEGORY_ORDER: list[str] = category_order()


def nice_top(value: float) -> int:
    """The end of a count axis: ``value`` rounded up to a multiple of 5 (below 50) or 10."""
    step = 5 if value < 50 else 10
    return max(step, int(step * math.ceil(float(value) / step))) if value == value else step


def codes_domain(counts: Counts, levels: tuple[str, ...]) -> list[int]:
    """The value axis the per-partner code figures of one kind share: 0 to the largest bar of any partner.

    Computed from every partner's counts, so Figures 6 and 7 (or 8 and 9) use the same scale
    whatever the corpus, and a bar of the same length means the same number of codes.
    """
    top = 0.0
    for partner in counts.vocabulary.partner_ids:
        table = category_table(counts, partner)
        top = max(top, float(table[list(levels)].fillna(0).sum(axis=1).max()))
    return [0, nice_top(top)]


def _codes_chart(
    counts: Counts,
    country: str | None,
    levels: tuple[str, ...],
    title: str | None = None,
    domain: list[int] | None = None,
) -> alt.Chart:
    df = _levels_frame(counts, country, levels)
    level_labels = [LEVEL_LABELS[lv] for lv in levels]
    opacity: Any = alt.Undefined
    color: Any
    if len(levels) > 1 and country:
        # one partner's levels in its own colour (China is red in every chart): main filled,
        # secondary a light fill with the colour's outline, which keeps its 3:1 edge contrast
        color = alt.value(palette.partner_colour(country, counts.vocabulary))
        opacity = alt.FillOpacity(
            "Level:N", scale=alt.Scale(domain=level_labels, range=[1.0, 0.35][: len(levels)]), sort=level_labels
        )
    elif len(levels) > 1:
        colours = [palette.LEVEL[lv] for lv in levels]
        color = alt.Color("Level:N", scale=alt.Scale(domain=level_labels, range=colours), sort=level_labels)
    else:
        # one partner's bars in its colour; all reports' main codes in the main level's colour,
        # as in the stacked Figure 5 beside them
        color = alt.value(palette.partner_colour(country, counts.vocabulary) if country else palette.LEVEL[levels[0]])
    tips = [
        alt.Tooltip("Category:N"),
        alt.Tooltip("Level:N"),
        alt.Tooltip("n:Q", title="Codes"),
        alt.Tooltip("share:Q", title="Share of reports (%)", format=".1f"),
    ]
    whose = f"the reports on {counts.vocabulary.partner_label(country)}" if country else "all reports"
    order = category_order(counts.vocabulary)
    kind = "main codes" if len(levels) == 1 else "main and secondary codes (stacked)"
    text = describe(
        f"Bar chart of the {kind} of each category in {whose} "
        f"({_number(df.attrs['reports'])} reports), categories in the codebook's order.",
        _largest(df, "Category", "n"),
    )
    x_scale = alt.Scale(domain=domain, nice=False) if domain else alt.Undefined
    # The caption is the figure's title; a title drawn in the chart only repeated it. A part of a
    # stacked figure keeps its own (the partner it shows): ``title`` is None for a whole figure.
    mark: dict[str, Any] = (
        {"stroke": palette.partner_colour(country, counts.vocabulary), "strokeWidth": 1}
        if opacity is not alt.Undefined and country
        else {}
    )
    return (
        (alt.Chart(df, title=title) if title else alt.Chart(df))
        .mark_bar(**mark)
        .encode(
            y=alt.Y("Category:N", title=None, sort=order, axis=alt.Axis(labelExpr=wrap_label_expr(order))),
            x=alt.X("n:Q", title="Codes (reports)", stack="zero", scale=x_scale),
            color=color,
            fillOpacity=opacity,
            order=alt.Order("level:O"),
            tooltip=tips,
        )
        .properties(width=WIDTH, height=240, description=text)
    )


@register("figure-4")
def figure_4_main_codes(counts: Counts) -> alt.Chart:
    """Figure 4: main code categories in all data."""
    return _codes_chart(counts, None, ("main",))


@register("figure-5")
def figure_5_all_codes(counts: Counts) -> alt.Chart:
    """Figure 5: all code categories, main and secondary, in all data."""
    return _codes_chart(counts, None, ("main", "secondary"))


def main_codes_figure(counts: Counts, partner: str) -> alt.Chart:
    """Main code categories in the reports on one partner (the thesis's Figures 6 and 7).

    Every partner's figure shares one value axis (:func:`codes_domain`) and the codebook's order.
    """
    return _codes_chart(counts, _known(partner, counts), ("main",), None, codes_domain(counts, ("main",)))


def all_codes_figure(counts: Counts, partner: str) -> alt.Chart:
    """Main and secondary code categories in the reports on one partner (the thesis's Figures 8 and 9).

    Every partner's figure shares one value axis (:func:`codes_domain`) and the codebook's order.
    """
    levels = ("main", "secondary")
    return _codes_chart(counts, _known(partner, counts), levels, None, codes_domain(counts, levels))


def _known(partner: str, counts: Counts) -> str:
    known = counts.vocabulary.partner_ids
    if partner not in known:
        raise ValueError(f"partner: {partner!r} is not one of {'|'.join(known)} (the partners of {counts.source})")
    return partner


def _thesis_partner(position: int, counts: Counts) -> str:
    """The partner the thesis's figure at ``position`` (0: China, 1: Russia) is about: by file order."""
    known = counts.vocabulary.partner_ids
    if len(known) <= position:
        raise ValueError(f"Figures 6-9 need two partners; the vocabulary of {counts.source} has {len(known)}")
    return known[position]


@register("figure-6")
def figure_6_main_codes_china(counts: Counts) -> alt.Chart:
    """Figure 6: main code categories in the perception of China (the first partner)."""
    return main_codes_figure(counts, _thesis_partner(0, counts))


@register("figure-7")
def figure_7_main_codes_russia(counts: Counts) -> alt.Chart:
    """Figure 7: main code categories in the perception of Russia (the second partner)."""
    return main_codes_figure(counts, _thesis_partner(1, counts))


@register("figure-8")
def figure_8_all_codes_china(counts: Counts) -> alt.Chart:
    """Figure 8: main and secondary code categories in the perception of China (the first partner)."""
    return all_codes_figure(counts, _thesis_partner(0, counts))


@register("figure-9")
def figure_9_all_codes_russia(counts: Counts) -> alt.Chart:
    """Figure 9: main and secondary code categories in the perception of Russia (the second partner)."""
    return all_codes_figure(counts, _thesis_partner(1, counts))


@register("figure-main-by-partner")
def codes_by_partner_figure(counts: Counts, levels: tuple[str, ...] = ("main",)) -> alt.VConcatChart:
    """The code categories of every partner with reports, one panel each on one value axis (the edition's).

    Takes the place of the thesis's Figures 6 to 9 on a corpus, which may have one partner or
    five and need not have China or Russia at all.
    """
    from kzperception.readings.compute import partners

    present = list(partners(counts))  # those with reports, in the vocabulary's order
    kind = "Main code categories" if levels == ("main",) else "Main and secondary code categories"
    domain = codes_domain(counts, levels)
    panels = [
        # each panel is titled by its partner alone: the caption says what the panels show
        _codes_chart(counts, p, levels, counts.vocabulary.partner_label(p), domain)
        for p in present
    ]
    if not panels:  # no report at all: one empty panel of all reports says so
        panels = [_codes_chart(counts, None, levels, "All reports", domain)]
    names = ", ".join(counts.vocabulary.partner_label(p) for p in present) or "no country"
    text = describe(
        f"{kind} of each country with reports ({names}), one bar chart per country on one value axis, "
        "categories in the codebook's order."
    )
    return alt.vconcat(*panels).properties(description=text)


@register("figure-all-by-partner")
def codes_by_partner_all_levels(counts: Counts) -> alt.VConcatChart:
    """:func:`codes_by_partner_figure` with main and secondary codes stacked (in place of Figures 8 and 9)."""
    return codes_by_partner_figure(counts, ("main", "secondary"))


#: Figure number -> drawing function, for captions and tests.
FIGURES = {
    1: figure_1_country_website,
    2: figure_2_time_by_country,
    3: figure_3_time_by_slot,
    4: figure_4_main_codes,
    5: figure_5_all_codes,
    6: figure_6_main_codes_china,
    7: figure_7_main_codes_russia,
    8: figure_8_all_codes_china,
    9: figure_9_all_codes_russia,
}

# --- chapter 9: the 2024 article (data from kzperception.data.context) ------------------------


@register("figure-9-2", "context and window")
def timeline_chart(ctx: Context, window: Window, since: str = "2019-01-01") -> alt.LayerChart:
    """Dated events from the article on a time axis, the thesis window shaded in its two periods.

    An event known only to the month, season or year is drawn as a bar over that span, a dated
    one as a dot, so the chart never claims more precision than the article gives.
    """
    t = timeline_frame(ctx, window, since)
    t["start_s"] = t["start"].dt.strftime("%Y-%m-%d")
    t["end_s"] = (t["end"] + pd.Timedelta(days=1)).dt.strftime("%Y-%m-%d")
    t["mid_s"] = t["mid"].dt.strftime("%Y-%m-%d")
    t = t[["date", "precision", "Topic", "lane", "event", "relative", "start_s", "end_s", "mid_s", "where"]]
    labels = window.labels
    bands = pd.DataFrame(
        {
            "Period": [labels["before"], labels["after"]],
            "from": [window.start.isoformat(), window.pivot.isoformat()],
            "to": [window.pivot.isoformat(), (window.end + dt.timedelta(days=1)).isoformat()],
        }
    )
    x_scale = alt.Scale(domain=[pd.Timestamp(since).strftime("%Y-%m-%d"), max(t["end_s"].max(), bands["to"].max())])
    band = (
        alt.Chart(bands)
        .mark_rect(opacity=palette.BAND_OPACITY)
        .encode(
            x=alt.X("from:T", scale=x_scale, title=None),
            x2="to:T",
            color=alt.Color(
                "Period:N",
                legend=alt.Legend(title="Thesis window", symbolOpacity=1),
                scale=alt.Scale(
                    domain=bands["Period"].tolist(), range=[palette.PERIOD["before"], palette.PERIOD["after"]]
                ),
            ),
            tooltip=[
                alt.Tooltip("Period:N", title="Thesis period"),
                alt.Tooltip("from:T", title="From"),
                alt.Tooltip("to:T", title="Until"),
            ],
        )
    )
    order = [TOPIC_LABELS[k] for k in TOPICS if TOPIC_LABELS[k] in set(t["Topic"])]
    tips = [
        alt.Tooltip("date:N", title="Date (as the article gives it)"),
        alt.Tooltip("Topic:N"),
        alt.Tooltip("event:N", title="Event"),
        alt.Tooltip("relative:N", title="Relative to the window"),
        alt.Tooltip("where:N", title="Place in the article"),
    ]
    y = alt.Y("Topic:N", sort=order, title=None)
    lane = alt.YOffset("lane:O")
    spans = (
        alt.Chart(t[t["precision"] != "day"])
        .mark_bar(height=5, color=palette.EVENT, clip=True)
        .encode(
            x=alt.X("start_s:T", scale=x_scale),
            x2="end_s:T",
            y=y,
            yOffset=lane,
            tooltip=tips,
        )
    )
    dots = (
        alt.Chart(t[t["precision"] == "day"])
        .mark_point(filled=True, size=60, opacity=1, color=palette.EVENT, clip=True)
        .encode(
            x=alt.X("mid_s:T", scale=x_scale),
            y=y,
            yOffset=lane,
            tooltip=tips,
        )
    )
    per_topic = t.groupby("Topic")["event"].count().reindex(order).fillna(0)
    first = max(pd.Timestamp(since), pd.Timestamp(t["start_s"].min())).year if len(t) else pd.Timestamp(since).year
    last = pd.Timestamp(t["end_s"].max()).year if len(t) else first
    text = describe(
        f"Timeline of {len(t)} events the 2024 article dates, {first} to {last}, by topic "
        f"({', '.join(f'{k} {int(v)}' for k, v in per_topic.items())}); a dot is an event dated "
        f"to the day, a bar one known only to the month, season or year.",
        f"The thesis window is shaded: {labels['before']} before the pivot of "
        f"{window.pivot.isoformat()}, {labels['after']} after it.",
    )
    return alt.LayerChart(layer=[band, spans, dots]).properties(
        width=WIDTH,
        height=300,
        description=text,
    )


@register("figure-9-1", "context")
def survey_chart(ctx: Context) -> alt.Chart:
    """Who respondents in Kazakhstan held responsible for the war, per survey wave (Central Asian Barometer).

    Only the shares the article prints are drawn; the autumn share naming Russia is absent there,
    so it is absent here too (no bar, and the tooltip of the wave says so in the data's note).
    """
    s = ctx.surveys[ctx.surveys["question"] == "Who is responsible for the war in Ukraine"].copy()
    s["Wave"] = s["period"].str.replace(
        r"(\d{4}) (\w+)", lambda m: f"{m.group(2).capitalize()} {m.group(1)}", regex=True
    )
    waves = s["Wave"].drop_duplicates().tolist()
    parts = []
    for wave in waves:
        rows = s[s["Wave"] == wave]
        parts.append(
            f"{wave}: "
            + ", ".join(f"{a} {_number(v)} %" for a, v in zip(rows["answer"], rows["share_pct"], strict=True))
        )
    text = describe(
        "Grouped bars of the share of respondents naming each side responsible for the war, per survey wave:",
        "; ".join(parts) + ".",
    )
    return (
        alt.Chart(s)
        .mark_bar()
        .encode(
            x=alt.X("answer:N", title=None, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("Wave:N", sort=waves),
            y=alt.Y("share_pct:Q", title="Respondents naming the side (%)"),
            color=alt.Color(
                "Wave:N", sort=waves, scale=alt.Scale(domain=waves, range=palette.survey_wave_colours(waves))
            ),
            tooltip=[
                alt.Tooltip("Wave:N"),
                alt.Tooltip("answer:N", title="Held responsible"),
                alt.Tooltip("share_pct:Q", title="Share (%)"),
                alt.Tooltip("note:N", title="Note"),
            ],
        )
        .properties(width=WIDTH // 2, height=220, description=text)
    )


# --- section 6.5: pivot sensitivity (sweep from kzperception.analysis.sensitivity) -------------


@register("figure-sensitivity", "sweep")
def sensitivity_chart(
    sweep: pd.DataFrame, pivot: str | dt.date = THESIS_WINDOW.pivot, vocabulary: Vocabulary | None = None
) -> alt.VConcatChart:
    """Change in reports per day (after / before) for each pivot, with the p-value of the test below.

    The rule marks the thesis's pivot; a ratio of 1 means the same daily rate in both periods.
    Each partner's line has its colour, its dash and its point shape; the p-value line is a grey
    statistic line, so it cannot be read as a partner's. ``vocabulary`` is the swept corpus's
    (``corpus.vocabulary``; default: the project's).
    """
    v = _v(vocabulary)
    df = sweep.assign(Country=sweep["country"].map(v.partner_label), Pivot=sweep["pivot"].dt.strftime("%Y-%m-%d"))
    partners = [c for c in v.partner_ids if c in set(sweep["country"])] or list(v.partner_ids)
    legend = alt.Legend(title=None)
    color = alt.Color("Country:N", scale=partner_scale(partners, vocabulary=v), legend=legend)
    tips = [
        alt.Tooltip("Pivot:N"),
        alt.Tooltip("Country:N"),
        alt.Tooltip("n_before:Q", title="Reports before"),
        alt.Tooltip("n_after:Q", title="Reports after"),
        alt.Tooltip("rate_before:Q", title="Per day before", format=".3f"),
        alt.Tooltip("rate_after:Q", title="Per day after", format=".3f"),
        alt.Tooltip("change:Q", title="After / before (per day)", format=".2f"),
        alt.Tooltip("p_value:Q", title="p (country x period)", format=".3g"),
    ]
    x = alt.X("pivot:T", title="Pivot date")
    when = pd.Timestamp(parse_date("pivot", pivot))
    mark = pd.DataFrame({"pivot": [when]})
    rule = (
        alt.Chart(mark)
        .mark_rule(color=palette.STATISTIC["pivot"], strokeDash=palette.DASH["pivot"])
        .encode(x="pivot:T")
    )
    one = (
        alt.Chart(pd.DataFrame({"y": [1.0]}))
        .mark_rule(color=palette.STATISTIC["reference"], strokeDash=palette.DASH["reference"])
        .encode(y="y:Q")
    )
    y = alt.Y("change:Q", title="Reports per day, after / before")
    lines = (
        alt.Chart(df)
        .mark_line()
        .encode(
            x=x,
            y=y,
            color=color,
            strokeDash=alt.StrokeDash("Country:N", scale=partner_dash_scale(partners, v), legend=legend),
            tooltip=tips,
        )
    )
    points = (
        alt.Chart(df)
        .mark_point(filled=True, size=45, opacity=1)
        .encode(
            x=x,
            y=y,
            color=color,
            shape=alt.Shape("Country:N", scale=partner_shape_scale(partners, vocabulary=v), legend=legend),
            tooltip=tips,
        )
    )
    top = alt.layer(one, rule, lines, points).properties(
        width=WIDTH, height=240, title="Change in attention for each pivot date"
    )
    pdf = df.drop_duplicates("pivot")
    p_line = (
        alt.Chart(pdf)
        .mark_line(
            point=alt.OverlayMarkDef(shape="diamond", filled=True, opacity=1, color=palette.STATISTIC["p_value"]),
            color=palette.STATISTIC["p_value"],
            strokeDash=palette.DASH["p_value"],
        )
        .encode(
            x=x,
            y=alt.Y("p_value:Q", title="p-value", scale=alt.Scale(type="log")),
            tooltip=[alt.Tooltip("Pivot:N"), alt.Tooltip("p_value:Q", title="p (country x period)", format=".3g")],
        )
    )
    alpha = (
        alt.Chart(pd.DataFrame({"y": [0.05]}))
        .mark_rule(color=palette.STATISTIC["threshold"], strokeDash=palette.DASH["threshold"])
        .encode(y="y:Q")
    )
    bottom = alt.layer(alpha, rule, p_line).properties(
        width=WIDTH, height=120, title="Country x period test (line at p = 0.05)"
    )
    return alt.vconcat(top, bottom).properties(description=_sensitivity_text(df, partners, when, v))


def _sensitivity_text(df: pd.DataFrame, partners: list[str], when: pd.Timestamp, v: Vocabulary) -> str:
    if df.empty:
        return describe("Lines of the change in reports per day for each pivot date; the sweep is empty.")
    first, last = df["pivot"].min(), df["pivot"].max()
    near = df.loc[(df["pivot"] - when).abs().idxmin(), "pivot"]
    at = df[df["pivot"] == near]
    parts = [
        f"{v.partner_label(c)} {_number(float(at.loc[at['country'] == c, 'change'].iloc[0]), 2)}"
        for c in partners
        if (at["country"] == c).any()
    ]
    p = float(at["p_value"].iloc[0])
    p_text = "n/a" if math.isnan(p) else f"{p:.3g}"
    below = int((df.drop_duplicates("pivot")["p_value"] < 0.05).sum())
    return describe(
        f"Lines of the change in reports per day (after / before) for each of "
        f"{df['pivot'].nunique()} pivot dates from {first:%Y-%m-%d} to {last:%Y-%m-%d}, one per "
        f"country, with the p-value of the country x period test below.",
        f"At the pivot {near:%Y-%m-%d}: {', '.join(parts)}; p = {p_text}.",
        f"p is below 0.05 at {below} of them." if below else "p is not below 0.05 at any of them.",
    )
