"""Table 1 and Figures 1-9: one function per published table or figure, one theme for all.

Each function takes the counts (see :mod:`kzperception.data.counts`) and returns an Altair chart or a
DataFrame; it never reads files, so the same function draws the thesis's figures and a rerun's.
Names carry the thesis's numbering (``figure_4_main_codes``) so a caption can name the function
that drew it. Tooltips give the count and share behind every mark.

Partners and websites come from the vocabulary (``data/partners.yaml``, ``data/websites.yaml``), with
their colours keyed by id. The per-partner figures are one function per kind, taking the partner:
:func:`main_codes_figure` and :func:`all_codes_figure`. The thesis's Figures 6-9 are those two
kinds for the first two partners of the file (China, Russia), under the numbers the published book
gives them.

The book's other charts share the theme and live here too, fed by the layer that computes their
data: :func:`survey_chart` and :func:`timeline_chart` (chapter 9, from :mod:`kzperception.data.context`)
and :func:`sensitivity_chart` (section 6.5, from :mod:`kzperception.analysis.sensitivity`).
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd

from kzperception.analysis.measures import category_table, with_shares
from kzperception.data.context import TOPIC_LABELS, TOPICS, Context, timeline_frame
from kzperception.data.counts import Counts
from kzperception.data.vocabulary import (
    CATEGORY_LABELS,
    COUNTRIES,
    COUNTRY_COLORS,
    LEVEL_LABELS,
    WEBSITE_COLORS,
    WEBSITES,
    partner_label,
    website_label,
)
from kzperception.data.window import THESIS_WINDOW, Window, parse_date

PERIOD_COLORS = ("#8fa9c4", "#d9822b")  # before, after
LEVEL_COLORS = {"Main": "#3b4f63", "Secondary": "#a9b8c6"}
WIDTH = 520


def partner_scale(partners: list[str] | tuple[str, ...] = COUNTRIES, extra: dict[str, str] | None = None) -> alt.Scale:
    """A colour scale over partner labels (what the charts' ``Country`` field holds), coloured by id.

    ``extra`` adds label -> colour pairs after the partners (e.g. a neutral "Both").
    """
    domain = [partner_label(c) for c in partners]
    colours = [COUNTRY_COLORS.get(c, LEVEL_COLORS["Main"]) for c in partners]
    for label, colour in (extra or {}).items():
        domain.append(label)
        colours.append(colour)
    return alt.Scale(domain=domain, range=colours)


def website_scale() -> alt.Scale:
    """A colour scale over website labels, coloured by website id."""
    return alt.Scale(domain=[website_label(w) for w in WEBSITES], range=[WEBSITE_COLORS[w] for w in WEBSITES])


def _theme() -> alt.theme.ThemeConfig:
    return alt.theme.ThemeConfig(
        config={
            "font": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
            "view": {"stroke": None, "continuousWidth": WIDTH},
            "axis": {"labelFontSize": 12, "titleFontSize": 12, "grid": False, "domainColor": "#888"},
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom"},
            "title": {"fontSize": 14, "anchor": "start", "fontWeight": 600},
            "bar": {"cornerRadiusEnd": 2},
        }
    )


alt.theme.register("kzperception", enable=True)(_theme)


def _period_scale(counts: Counts) -> alt.Scale:
    labels = counts.labels
    return alt.Scale(domain=[labels["before"], labels["after"]], range=list(PERIOD_COLORS))


def _readable(df: pd.DataFrame, counts: Counts) -> pd.DataFrame:
    out = df.copy()
    if "country" in out:
        out["Country"] = out["country"].map(partner_label)
    if "website" in out:
        out["Website"] = out["website"].map(website_label)
    if "period" in out:
        out["Period"] = out["period"].map(counts.labels)
    if "category" in out:
        out["Category"] = out["category"].map(CATEGORY_LABELS)
    if "level" in out:
        out["Level"] = out["level"].map(LEVEL_LABELS)
    return out


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
    r = counts.reports
    periods = [("before", counts.labels["before"]), ("after", counts.labels["after"])]
    rows = []
    for website in [*WEBSITES, None]:
        rw = r if website is None else r[r["website"] == website]
        row: dict[tuple[str, str], object] = {("Website", ""): TABLE_1_TOTAL if website is None
                                              else website_label(website)}
        for country in COUNTRIES:
            rc = rw[rw["country"] == country]
            for period, label in periods:
                row[(partner_label(country), label)] = int(rc.loc[rc["period"] == period, "n"].sum())
            row[(partner_label(country), TABLE_1_TOTAL)] = int(rc["n"].sum())
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


def figure_1_country_website(counts: Counts) -> alt.Chart:
    """Figure 1: reports per perceived country, split by website (shares within the country)."""
    df = counts.reports.groupby(["country", "website"], as_index=False)["n"].sum()
    df = _readable(with_shares(df, ["country"]), counts)
    return alt.Chart(df, title="Reports by perceived country and website").mark_bar().encode(
        y=alt.Y("Country:N", title=None, sort=[partner_label(c) for c in COUNTRIES]),
        x=alt.X("n:Q", title="Reports"),
        color=alt.Color("Website:N", scale=website_scale()),
        order=alt.Order("website:O"),
        tooltip=_tooltip("Country", "Website", "n", "share"),
    ).properties(width=WIDTH, height=120)


def figure_2_time_by_country(counts: Counts) -> alt.Chart:
    """Figure 2: reports before and after the pivot for each country (shares within the country)."""
    df = counts.reports.groupby(["country", "period"], as_index=False)["n"].sum()
    df = _readable(with_shares(df, ["country"]), counts)
    return alt.Chart(df, title="Reports over time, by perceived country").mark_bar().encode(
        x=alt.X("Country:N", title=None, sort=[partner_label(c) for c in COUNTRIES], axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("Period:N", sort=list(counts.labels.values())[:2]),
        y=alt.Y("n:Q", title="Reports"),
        color=alt.Color("Period:N", scale=_period_scale(counts)),
        tooltip=_tooltip("Country", "Period", "n", "share"),
    ).properties(width=WIDTH // 2, height=260)


def figure_3_time_by_slot(counts: Counts) -> alt.Chart:
    """Figure 3: reports before and after the pivot in the four country x website slots."""
    df = _readable(with_shares(counts.reports, ["country", "website"]), counts)
    df["Slot"] = df["Country"] + ", " + df["website"]
    order = [f"{partner_label(c)}, {w}" for c in COUNTRIES for w in WEBSITES]
    return alt.Chart(df, title="Reports over time in the four country and website slots").mark_bar().encode(
        x=alt.X("Slot:N", title=None, sort=order, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("Period:N", sort=list(counts.labels.values())[:2]),
        y=alt.Y("n:Q", title="Reports"),
        color=alt.Color("Period:N", scale=_period_scale(counts)),
        tooltip=_tooltip("Country", "Website", "Period", "n", "share"),
    ).properties(width=WIDTH, height=260)


def _levels_frame(counts: Counts, country: str | None, levels: tuple[str, ...]) -> pd.DataFrame:
    table = category_table(counts, country)
    long = table.melt(id_vars=["category"], value_vars=list(levels), var_name="level", value_name="n")
    long = long.dropna(subset=["n"])
    base = table.attrs["reports"]
    long["share"] = 100.0 * long["n"] / base if base else 0.0
    long["total"] = long["category"].map(table.set_index("category")["any" if len(levels) > 1 else "main"])
    return _readable(long, counts)


def _codes_chart(counts: Counts, country: str | None, levels: tuple[str, ...], title: str) -> alt.Chart:
    df = _levels_frame(counts, country, levels)
    order = df.sort_values(["total", "category"], ascending=[False, True])["Category"].drop_duplicates().tolist()
    color = (
        alt.Color("Level:N", scale=alt.Scale(domain=list(LEVEL_COLORS), range=list(LEVEL_COLORS.values())))
        if len(levels) > 1
        else alt.value(COUNTRY_COLORS.get(country or "", LEVEL_COLORS["Main"]))
    )
    tips = [alt.Tooltip("Category:N"), alt.Tooltip("Level:N"), alt.Tooltip("n:Q", title="Codes"),
            alt.Tooltip("share:Q", title="Share of reports (%)", format=".1f")]
    return alt.Chart(df, title=title).mark_bar().encode(
        y=alt.Y("Category:N", title=None, sort=order),
        x=alt.X("n:Q", title="Codes (reports)", stack="zero"),
        color=color,
        order=alt.Order("level:O"),
        tooltip=tips,
    ).properties(width=WIDTH, height=220)


def figure_4_main_codes(counts: Counts) -> alt.Chart:
    """Figure 4: main code categories in all data."""
    return _codes_chart(counts, None, ("main",), "Main code categories, all reports")


def figure_5_all_codes(counts: Counts) -> alt.Chart:
    """Figure 5: all code categories, main and secondary, in all data."""
    return _codes_chart(counts, None, ("main", "secondary"), "Main and secondary code categories, all reports")


def main_codes_figure(counts: Counts, partner: str) -> alt.Chart:
    """Main code categories in the reports on one partner (the thesis's Figures 6 and 7)."""
    title = f"Main code categories, reports on {partner_label(partner)}"
    return _codes_chart(counts, _known(partner), ("main",), title)


def all_codes_figure(counts: Counts, partner: str) -> alt.Chart:
    """Main and secondary code categories in the reports on one partner (the thesis's Figures 8 and 9)."""
    title = f"Main and secondary code categories, reports on {partner_label(partner)}"
    return _codes_chart(counts, _known(partner), ("main", "secondary"), title)


def _known(partner: str) -> str:
    if partner not in COUNTRIES:
        raise ValueError(f"partner: {partner!r} is not one of {'|'.join(COUNTRIES)} (data/partners.yaml)")
    return partner


def _thesis_partner(position: int) -> str:
    """The partner the thesis's figure at ``position`` (0: China, 1: Russia) is about: by file order."""
    if len(COUNTRIES) <= position:
        raise ValueError(f"Figures 6-9 need two partners; data/partners.yaml has {len(COUNTRIES)}")
    return COUNTRIES[position]


def figure_6_main_codes_china(counts: Counts) -> alt.Chart:
    """Figure 6: main code categories in the perception of China (the first partner)."""
    return main_codes_figure(counts, _thesis_partner(0))


def figure_7_main_codes_russia(counts: Counts) -> alt.Chart:
    """Figure 7: main code categories in the perception of Russia (the second partner)."""
    return main_codes_figure(counts, _thesis_partner(1))


def figure_8_all_codes_china(counts: Counts) -> alt.Chart:
    """Figure 8: main and secondary code categories in the perception of China (the first partner)."""
    return all_codes_figure(counts, _thesis_partner(0))


def figure_9_all_codes_russia(counts: Counts) -> alt.Chart:
    """Figure 9: main and secondary code categories in the perception of Russia (the second partner)."""
    return all_codes_figure(counts, _thesis_partner(1))


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
    bands = pd.DataFrame({
        "Period": [labels["before"], labels["after"]],
        "from": [window.start.isoformat(), window.pivot.isoformat()],
        "to": [window.pivot.isoformat(), (window.end + dt.timedelta(days=1)).isoformat()],
    })
    x_scale = alt.Scale(domain=[pd.Timestamp(since).strftime("%Y-%m-%d"),
                                max(t["end_s"].max(), bands["to"].max())])
    band = alt.Chart(bands).mark_rect(opacity=0.18).encode(
        x=alt.X("from:T", scale=x_scale, title=None), x2="to:T",
        color=alt.Color("Period:N", title="Thesis window",
                        scale=alt.Scale(domain=bands["Period"].tolist(), range=list(PERIOD_COLORS))),
        tooltip=[alt.Tooltip("Period:N", title="Thesis period"), alt.Tooltip("from:T", title="From"),
                 alt.Tooltip("to:T", title="Until")],
    )
    order = [TOPIC_LABELS[k] for k in TOPICS if TOPIC_LABELS[k] in set(t["Topic"])]
    tips = [alt.Tooltip("date:N", title="Date (as the article gives it)"), alt.Tooltip("Topic:N"),
            alt.Tooltip("event:N", title="Event"), alt.Tooltip("relative:N", title="Relative to the window"),
            alt.Tooltip("where:N", title="Place in the article")]
    y = alt.Y("Topic:N", sort=order, title=None)
    lane = alt.YOffset("lane:O")
    spans = alt.Chart(t[t["precision"] != "day"]).mark_bar(height=5, opacity=0.6, color="#3b4f63", clip=True).encode(
        x=alt.X("start_s:T", scale=x_scale), x2="end_s:T", y=y, yOffset=lane, tooltip=tips,
    )
    dots = alt.Chart(t[t["precision"] == "day"]).mark_point(filled=True, size=60, color="#b8322b", clip=True).encode(
        x=alt.X("mid_s:T", scale=x_scale), y=y, yOffset=lane, tooltip=tips,
    )
    return alt.layer(band, spans, dots).properties(
        width=WIDTH, height=300, title="Events the 2024 article dates, beside the thesis window"
    )


def survey_chart(ctx: Context) -> alt.Chart:
    """Who respondents in Kazakhstan held responsible for the war, per survey wave (Central Asian Barometer).

    Only the shares the article prints are drawn; the autumn share naming Russia is absent there,
    so it is absent here too (no bar, and the tooltip of the wave says so in the data's note).
    """
    s = ctx.surveys[ctx.surveys["question"] == "Who is responsible for the war in Ukraine"].copy()
    s["Wave"] = s["period"].str.replace(r"(\d{4}) (\w+)", lambda m: f"{m.group(2).capitalize()} {m.group(1)}",
                                        regex=True)
    waves = s["Wave"].drop_duplicates().tolist()
    return alt.Chart(s, title="Who is responsible for the war? Shares naming each side").mark_bar().encode(
        x=alt.X("answer:N", title=None, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("Wave:N", sort=waves),
        y=alt.Y("share_pct:Q", title="Respondents (%)"),
        color=alt.Color("Wave:N", sort=waves, scale=alt.Scale(domain=waves, range=list(PERIOD_COLORS))),
        tooltip=[alt.Tooltip("Wave:N"), alt.Tooltip("answer:N", title="Held responsible"),
                 alt.Tooltip("share_pct:Q", title="Share (%)"), alt.Tooltip("note:N", title="Note")],
    ).properties(width=WIDTH // 2, height=220)


# --- section 6.5: pivot sensitivity (sweep from kzperception.analysis.sensitivity) -------------


def sensitivity_chart(sweep: pd.DataFrame, pivot: str | dt.date = THESIS_WINDOW.pivot) -> alt.VConcatChart:
    """Change in reports per day (after / before) for each pivot, with the p-value of the test below.

    The rule marks the thesis's pivot; a ratio of 1 means the same daily rate in both periods.
    """
    df = sweep.assign(Country=sweep["country"].map(partner_label), Pivot=sweep["pivot"].dt.strftime("%Y-%m-%d"))
    color = alt.Color("Country:N", scale=partner_scale(COUNTRIES))
    tips = [alt.Tooltip("Pivot:N"), alt.Tooltip("Country:N"), alt.Tooltip("n_before:Q", title="Reports before"),
            alt.Tooltip("n_after:Q", title="Reports after"),
            alt.Tooltip("rate_before:Q", title="Per day before", format=".3f"),
            alt.Tooltip("rate_after:Q", title="Per day after", format=".3f"),
            alt.Tooltip("change:Q", title="After / before (per day)", format=".2f"),
            alt.Tooltip("p_value:Q", title="p (country x period)", format=".3g")]
    x = alt.X("pivot:T", title="Pivot date")
    mark = pd.DataFrame({"pivot": [pd.Timestamp(parse_date("pivot", pivot))]})
    rule = alt.Chart(mark).mark_rule(color="#888", strokeDash=[4, 3]).encode(x="pivot:T")
    one = alt.Chart(pd.DataFrame({"y": [1.0]})).mark_rule(color="#bbb").encode(y="y:Q")
    lines = alt.Chart(df).mark_line(point=True).encode(
        x=x, y=alt.Y("change:Q", title="Reports per day, after / before"), color=color, tooltip=tips)
    top = alt.layer(one, rule, lines).properties(width=WIDTH, height=240,
                                                 title="Change in attention for each pivot date")
    pdf = df.drop_duplicates("pivot")
    p_line = alt.Chart(pdf).mark_line(point=True, color="#3b4f63").encode(
        x=x, y=alt.Y("p_value:Q", title="p-value", scale=alt.Scale(type="log")),
        tooltip=[alt.Tooltip("Pivot:N"), alt.Tooltip("p_value:Q", title="p (country x period)", format=".3g")])
    alpha = alt.Chart(pd.DataFrame({"y": [0.05]})).mark_rule(color="#d9822b", strokeDash=[2, 2]).encode(y="y:Q")
    bottom = alt.layer(alpha, rule, p_line).properties(width=WIDTH, height=120,
                                                       title="Country x period test (line at p = 0.05)")
    return alt.vconcat(top, bottom)
