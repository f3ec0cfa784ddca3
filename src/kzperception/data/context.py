"""The 2024 article as data: load and check ``data/context/*.csv``, name its figures, lay out its timeline.

The thesis stops on 24 August 2023. The article cited as ``alephas2024`` describes Kazakhstan's
foreign policy up to mid-2024: opinion surveys on Russia and the war, UN votes, trade, oil and
investment figures, and a timeline of sanctions and visits. Its figures were transcribed into five
CSV files, each row with the place in the article it comes from. This module is the one gate to
them: it checks every row (reporting each problem as ``file:row: field: problem``, all at once),
gives the figures the one set of stable names every chapter glues (:data:`FACTS`, written out by
:func:`context_facts` and :func:`format_figure`), and lays out the timeline the chapter charts
(the charts themselves are drawn by :mod:`kzperception.book.charts`). The context
is never evidence for the thesis's counts; pages that use it say so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from kzperception import paths
from kzperception.data.window import Window
from kzperception.data.wording import ordinal

#: Columns each file must have (in this order), beyond which nothing is read.
COLUMNS: dict[str, tuple[str, ...]] = {
    "surveys": (
        "survey",
        "period",
        "question",
        "group",
        "answer",
        "share_pct",
        "source",
        "source_listed",
        "where",
        "note",
    ),
    "un_votes": (
        "resolution",
        "subject",
        "session",
        "year",
        "country",
        "partner",
        "measure",
        "value",
        "unit",
        "source",
        "source_listed",
        "where",
        "note",
    ),
    "economy": (
        "indicator",
        "partner",
        "year",
        "value",
        "qualifier",
        "unit",
        "source",
        "source_listed",
        "where",
        "note",
    ),
    "indices": ("index", "year", "country", "rank", "out_of", "source", "source_listed", "where"),
    "timeline": ("date", "precision", "topic", "event", "figure", "source", "source_listed", "where", "note"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "surveys": ("survey", "question", "group", "answer", "share_pct", "source", "where"),
    "un_votes": ("country", "measure", "value", "source", "where"),
    "economy": ("indicator", "partner", "value", "unit", "source", "where"),
    "indices": ("index", "year", "country", "rank", "out_of", "source", "where"),
    "timeline": ("date", "precision", "topic", "event", "source", "where"),
}
PRECISIONS = ("day", "month", "season", "year", "interval")
TOPICS = ("sanctions", "energy", "security", "diplomacy", "eu", "regional", "doctrine", "domestic")
QUALIFIERS = ("", "about", "above", "almost", "nearly")
UN_MEASURES = (
    "vote",
    "position",
    "cohesion",
    "cohesion rank",
    "cohesion trend",
    "cohesion gap to United States",
    "divergence",
    "coherent votes",
)
UN_NUMERIC = ("cohesion", "cohesion rank")
#: Meteorological seasons (first month); winter runs from December into the next year.
SEASON_START = {"spring": 3, "summer": 6, "autumn": 9, "winter": 12}
_DATE_FORMS = {
    "day": r"\d{4}-\d{2}-\d{2}",
    "month": r"\d{4}-\d{2}",
    "season": r"\d{4}-(spring|summer|autumn|winter)",
    "year": r"\d{4}",
    "interval": r"\d{4}/\d{4}",
}
TOPIC_LABELS = {
    "sanctions": "Sanctions",
    "energy": "Energy",
    "security": "Security",
    "diplomacy": "Diplomacy",
    "eu": "European Union",
    "regional": "Central Asia",
    "doctrine": "Doctrine",
    "domestic": "Domestic",
}


class ContextError(ValueError):
    """One or more rows of the context files broke a rule; ``problems`` lists each one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Context:
    """The five checked tables; ``timeline`` gains ``start`` and ``end`` timestamps for charts."""

    surveys: pd.DataFrame
    un_votes: pd.DataFrame
    economy: pd.DataFrame
    indices: pd.DataFrame
    timeline: pd.DataFrame
    folder: Path


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"-?\d+(\.\d+)?", text))


def date_span(date: str, precision: str) -> tuple[dt.date, dt.date]:
    """First and last day a date of the given precision can mean (``2022-10`` -> 1 to 31 October)."""
    if precision == "day":
        d = dt.date.fromisoformat(date)
        return d, d
    if precision == "month":
        y, m = (int(x) for x in date.split("-"))
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        return dt.date(y, m, 1), nxt - dt.timedelta(days=1)
    if precision == "season":
        year, season = date.split("-")
        first_month = SEASON_START[season]
        first = dt.date(int(year), first_month, 1)
        after = first_month + 3
        last = dt.date(int(year) + (after > 12), (after - 1) % 12 + 1, 1) - dt.timedelta(days=1)
        return first, last
    if precision == "year":
        return dt.date(int(date), 1, 1), dt.date(int(date), 12, 31)
    a, b = (int(x) for x in date.split("/"))
    return dt.date(a, 1, 1), dt.date(b, 12, 31)


def _check(name: str, df: pd.DataFrame) -> list[str]:
    """Every rule a context file must keep; returns one message per broken rule and row."""
    problems: list[str] = []
    file = f"{name}.csv"
    if tuple(df.columns) != COLUMNS[name]:
        return [f"{file}:1: header: expected {','.join(COLUMNS[name])}"]
    for i, row in enumerate(df.to_dict("records"), start=2):

        def bad(field: str, problem: str, _i: int = i) -> None:
            problems.append(f"{file}:{_i}: {field}: {problem}")

        for field in REQUIRED[name]:
            if not row[field]:
                bad(field, "missing")
        if name == "surveys" and row["share_pct"]:
            if not _is_number(row["share_pct"]) or not 0 <= float(row["share_pct"]) <= 100:
                bad("share_pct", f"{row['share_pct']!r} is not a percentage 0-100")
            if row["period"] and not re.fullmatch(r"\d{4} (spring|summer|autumn|winter)", row["period"]):
                bad("period", f"{row['period']!r} is not 'YYYY season'")
        if name == "un_votes":
            if row["measure"] not in UN_MEASURES:
                bad("measure", f"{row['measure']!r} not one of {'|'.join(UN_MEASURES)}")
            elif row["measure"] in UN_NUMERIC and not _is_number(row["value"]):
                bad("value", f"{row['value']!r} is not a number (measure {row['measure']})")
        if name == "economy":
            if row["value"] and not _is_number(row["value"]):
                bad("value", f"{row['value']!r} is not a number")
            if row["qualifier"] not in QUALIFIERS:
                bad("qualifier", f"{row['qualifier']!r} not one of {'|'.join(q or '(empty)' for q in QUALIFIERS)}")
        if name == "indices":
            if not (_is_number(row["rank"]) and _is_number(row["out_of"])):
                bad("rank", "rank and out_of must be whole numbers")
            elif int(row["rank"]) > int(row["out_of"]):
                bad("rank", f"rank {row['rank']} is beyond out_of {row['out_of']}")
        if name == "timeline":
            prec = row["precision"]
            if prec not in PRECISIONS:
                bad("precision", f"{prec!r} not one of {'|'.join(PRECISIONS)}")
            elif not re.fullmatch(_DATE_FORMS[prec], row["date"]):
                bad("date", f"{row['date']!r} does not match precision {prec}")
            else:
                try:
                    first, last = date_span(row["date"], prec)
                    if first > last:
                        bad("date", f"interval {row['date']!r} ends before it starts")
                except ValueError as err:
                    bad("date", f"{row['date']!r}: {err}")
            if row["topic"] not in TOPICS:
                bad("topic", f"{row['topic']!r} not one of {'|'.join(TOPICS)}")
            if row["figure"] and not _is_number(row["figure"]):
                bad("figure", f"{row['figure']!r} is not a number")
    return problems


def load_context(folder: str | Path = paths.CONTEXT) -> Context:
    """Read and check the five context files; raise :class:`ContextError` listing every problem."""
    folder = Path(folder)
    frames: dict[str, pd.DataFrame] = {}
    problems: list[str] = []
    for name in COLUMNS:
        path = folder / f"{name}.csv"
        if not path.exists():
            problems.append(f"{name}.csv: file missing in {folder}")
            continue
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        problems += _check(name, df)
        frames[name] = df
    if problems:
        raise ContextError(problems)
    spans = [date_span(d, p) for d, p in zip(frames["timeline"]["date"], frames["timeline"]["precision"], strict=True)]
    frames["timeline"] = (
        frames["timeline"]
        .assign(start=pd.to_datetime([a for a, _ in spans]), end=pd.to_datetime([b for _, b in spans]))
        .sort_values(["start", "end"], kind="stable")
        .reset_index(drop=True)
    )
    frames["surveys"] = frames["surveys"].assign(share_pct=frames["surveys"]["share_pct"].astype(float))
    return Context(**frames, folder=folder)


# --- named figures for the prose ----------------------------------------------------------------

#: How a fact's value is written in prose: ``number`` keeps the article's digits and separates
#: thousands (``1,000,000``, ``1.15``), ``money`` always shows cents (``2.30``), ``text`` is a label
#: printed as it stands (resolution ``68/262``).
FactKind = Literal["number", "money", "text", "place"]


@dataclass(frozen=True)
class Fact:
    """Where one figure of the article lives: a file, the cells that pick its one row, a column.

    ``kind`` decides how the value is written (:func:`format_figure`); it is a field of the fact,
    never guessed from the fact's name or the row's unit.
    """

    file: str
    match: Mapping[str, str]
    column: str = "value"
    kind: FactKind = "number"


def _economy(indicator: str, kind: FactKind = "number") -> Fact:
    """A row of ``economy.csv`` picked by its indicator (indicators are unique there)."""
    return Fact("economy", {"indicator": indicator}, kind=kind)


#: Every figure a chapter quotes from the article, by the name the chapters glue. One table for
#: the whole book: chapters 0, 3, 7 and 9 all draw on it, so a figure has one name and one row.
FACTS: dict[str, Fact] = {
    # public opinion (Central Asian Barometer)
    "survey_young_very_unfavourable": Fact(
        "surveys", {"group": "age 18-29", "answer": "Very unfavorable"}, "share_pct"
    ),
    "survey_older_very_unfavourable": Fact(
        "surveys", {"group": "age 50-59", "answer": "Very unfavorable"}, "share_pct"
    ),
    "survey_spring_blame_russia": Fact("surveys", {"period": "2022 spring", "answer": "Russia"}, "share_pct"),
    "survey_spring_blame_ukraine": Fact("surveys", {"period": "2022 spring", "answer": "Ukraine"}, "share_pct"),
    "survey_autumn_blame_ukraine": Fact("surveys", {"period": "2022 autumn", "answer": "Ukraine"}, "share_pct"),
    # UN General Assembly voting
    "un_resolution_ukraine": Fact("un_votes", {"subject": "Territorial integrity of Ukraine"}, "resolution", "text"),
    "un_resolution_crimea": Fact("un_votes", {"subject": "Militarization of Crimea"}, "resolution", "text"),
    "un_cohesion_china": Fact("un_votes", {"partner": "China", "measure": "cohesion"}),
    "un_cohesion_russia_rank": Fact("un_votes", {"partner": "Russia", "measure": "cohesion rank"}, kind="place"),
    "un_cohesion_us": Fact("un_votes", {"partner": "United States", "measure": "cohesion"}),
    "un_cohesion_gap": Fact("un_votes", {"measure": "cohesion gap to United States"}, kind="text"),
    # Russia: the oil route through Novorossiysk and the missile range
    "cpc_global_share": _economy("Share of global crude oil carried"),
    "cpc_export_share": _economy("Share of Kazakhstan's oil exports carried"),
    "cpc_budget_share": _economy("Share of Kazakhstan's state budget"),
    "bokeyorda_hectares": _economy("Land leased to Russia at Bokeyorda (missile range)"),
    "bokeyorda_price": _economy("Lease price of the Bokeyorda land", "money"),
    # China
    "china_imports_bn": _economy("China's imports from Kazakhstan"),
    "xinjiang_exports_bn": _economy("China's exports to Kazakhstan originating in Xinjiang"),
    # the West and the region
    "eu_fdi_share": _economy("Share of FDI stock in Kazakhstan"),
    "us_fdi_share": _economy("Share of FDI in Kazakhstan"),
    "fdi_inflow_ratio": _economy("FDI inflows relative to pre-pandemic level"),
    "eu_exports_raw_share": _economy("Share of oil, gas and uranium in exports to the EU"),
    "regional_trade_growth": _economy("Growth of intra-regional trade over five years"),
    # media freedom
    "press_rank": Fact("indices", {"index": "World Press Freedom Index"}, "rank", kind="place"),
    "press_out_of": Fact("indices", {"index": "World Press Freedom Index"}, "out_of"),
    # the timeline's counted events
    "banned_goods": Fact("timeline", {"date": "2023-10-19", "topic": "sanctions"}, "figure"),
    "sanctions_package": Fact("timeline", {"date": "2024-02-26", "topic": "sanctions"}, "figure"),
    "doctrine_changes": Fact("timeline", {"date": "2022-10", "topic": "security"}, "figure"),
}


def format_figure(value: float | str, kind: FactKind = "number") -> str:
    """A figure as the prose prints it, by ``kind``: thousands separated, the digits as given.

    A ``number`` keeps the shortest digits that give back its value (5.99, 17.9, 1.15, 1,000,000:
    never a rounding the source did not make); ``money`` has two decimals (2.30); ``place`` is an
    ordinal word (2 -> second), so a rank never stands bare inside a phrase; ``text`` and a value
    that is not a number are returned unchanged.
    """
    if kind == "text":
        return str(value)
    if kind == "place":
        return ordinal(value)
    if isinstance(value, str):
        if not _is_number(value):
            return value
        value = float(value)
    x = float(value)
    if kind == "money":
        return f"{x:,.2f}"
    if x.is_integer():
        return f"{int(x):,}"
    return f"{x:,}"


def _fact_row(ctx: Context, name: str, fact: Fact) -> dict[str, str]:
    """The one row ``fact`` points at; more or fewer would make the glued sentence ambiguous."""
    df: pd.DataFrame = getattr(ctx, fact.file)
    sel = pd.Series(True, index=df.index)
    for col, want in fact.match.items():
        if col not in df.columns:
            raise ContextError([f"{fact.file}.csv: fact {name!r}: no column {col!r}"])
        sel &= df[col].astype(str) == want
    rows = df[sel]
    if len(rows) != 1:
        raise ContextError([f"{fact.file}.csv: fact {name!r} matches {len(rows)} rows, expected 1"])
    return {str(k): str(v) for k, v in rows.iloc[0].items()}


def context_facts(ctx: Context | None = None, keys: Iterable[str] | None = None) -> dict[str, str]:
    """Every figure the chapters quote (or those in ``keys``), as text with the article's hedge.

    Text, not numbers, because the figures keep the article's precision (1.15 billion, $2.30) and
    its hedges travel with them (``about 44``: the prose never adds its own, so a corrected row
    cannot leave a wrong "about" behind). A missing, unknown or ambiguous fact is an error rather
    than a silent gap in the prose. ``ctx`` defaults to the project's checked context files.
    """
    wanted = list(FACTS) if keys is None else list(keys)
    unknown = [k for k in wanted if k not in FACTS]
    if unknown:
        raise ContextError([f"unknown context fact(s): {', '.join(unknown)}; known: {', '.join(FACTS)}"])
    ctx = load_context() if ctx is None else ctx
    out: dict[str, str] = {}
    for name in wanted:
        fact = FACTS[name]
        row = _fact_row(ctx, name, fact)
        value = row[fact.column]
        text = format_figure(value, fact.kind)
        qualifier = row.get("qualifier", "")
        out[name] = f"{qualifier} {text}" if qualifier else text
    return out


# --- the timeline -------------------------------------------------------------------------------


def relative_to_window(first: pd.Timestamp, last: pd.Timestamp, window: Window) -> str:
    """Where an event dated ``first``..``last`` falls: before, inside (which period), after, or astride.

    An event known only to the year can straddle the pivot or an edge; it is then said so rather
    than forced into one period.
    """
    start, pivot, end = (pd.Timestamp(x) for x in (window.start, window.pivot, window.end))
    if last < start:
        return "before the window"
    if first > end:
        return "after the window"
    if first >= start and last < pivot:
        return f"in the window, {window.label('before')}"
    if first >= pivot and last <= end:
        return f"in the window, {window.label('after')}"
    if first >= start and last <= end:
        return "in the window, date straddles the pivot"
    return "date straddles an edge of the window"


def timeline_frame(ctx: Context, window: Window, since: str = "2019-01-01") -> pd.DataFrame:
    """Events from ``since`` on, with where each falls relative to the thesis window."""
    t = ctx.timeline[ctx.timeline["end"] >= pd.Timestamp(since)].copy()
    t["relative"] = [relative_to_window(a, b, window) for a, b in zip(t["start"], t["end"], strict=True)]
    t["Topic"] = t["topic"].map(TOPIC_LABELS)
    t["mid"] = t["start"] + (t["end"] - t["start"]) / 2
    t["lane"] = _lanes(t)
    return t


def _lanes(t: pd.DataFrame, gap_days: int = 20) -> list[int]:
    """Lane of each event within its topic so that spans drawn on one row never overlap (greedy packing)."""
    lanes: list[int] = []
    ends: dict[str, list[pd.Timestamp]] = {}
    for topic, first, last in zip(t["topic"], t["start"], t["end"], strict=True):
        taken = ends.setdefault(topic, [])
        for i, busy_until in enumerate(taken):
            if first > busy_until + pd.Timedelta(days=gap_days):
                taken[i] = last
                lanes.append(i)
                break
        else:
            taken.append(last)
            lanes.append(len(taken) - 1)
    return lanes


def events_table(ctx: Context, window: Window, since: str | None = None) -> pd.DataFrame:
    """The article's dated events from ``since`` on (default: the window's pivot), as a readable table."""
    t = timeline_frame(ctx, window, since or window.pivot.isoformat())
    return (
        t[["date", "Topic", "event", "relative", "where"]]
        .rename(
            columns={
                "date": "Date",
                "event": "Event",
                "relative": "Relative to the window",
                "where": "Place in the article",
            }
        )
        .reset_index(drop=True)
    )
