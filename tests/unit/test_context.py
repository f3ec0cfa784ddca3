"""The context files from the 2024 article: they load, every rule refuses its bad case, facts and charts."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from kzperception import paths
from kzperception.book.charts import survey_chart, timeline_chart
from kzperception.data import context
from kzperception.data.window import THESIS_WINDOW


@pytest.fixture(scope="module")
def ctx():
    return context.load_context()


@pytest.fixture
def copy(tmp_path):
    folder = tmp_path / "context"
    shutil.copytree(paths.CONTEXT, folder)
    return folder


def test_the_context_files_load(ctx):
    assert len(ctx.surveys) == 5 and len(ctx.un_votes) == 11 and len(ctx.economy) == 14
    assert len(ctx.indices) == 1 and len(ctx.timeline) == 30
    assert ctx.timeline["start"].is_monotonic_increasing
    assert (ctx.timeline["start"] <= ctx.timeline["end"]).all()
    assert ctx.surveys["share_pct"].between(0, 100).all()
    for frame in (ctx.surveys, ctx.un_votes, ctx.economy, ctx.indices, ctx.timeline):
        assert (frame["where"] != "").all() and (frame["source"] != "").all()


def _article_figures(ctx) -> list[tuple[str, int, str]]:
    """(file, line, value as the article prints it) for every figure the context files take from the article."""
    out = [("surveys.csv", i + 2, f"{x:g}%") for i, x in ctx.surveys["share_pct"].items()]
    out += [("economy.csv", i + 2, v) for i, v in ctx.economy["value"].items() if v not in ("1000000", "2.3", "2")]
    cohesion = ctx.un_votes["measure"] == "cohesion"
    out += [("un_votes.csv", i + 2, v) for i, v in ctx.un_votes.loc[cohesion, "value"].items()]
    out += [("timeline.csv", i + 2, f) for i, f in ctx.timeline["figure"].items() if f and f != "3"]
    return out


def test_every_figure_stands_in_its_recorded_passage_of_the_article(ctx):
    """Each number of the context files appears in the article passage recorded for it (no typed-in figures).

    The passages (under a dozen words each) are kept in data/context/figures_in_article.csv, so this
    runs in any clone; where the article itself is at hand, the next test finds each passage in it.
    """
    passages = pd.read_csv(paths.CONTEXT / "figures_in_article.csv", dtype=str, keep_default_na=False)
    recorded = {(r.file, int(r.line)): r for r in passages.itertuples()}
    for file, line, value in _article_figures(ctx):
        row = recorded.get((file, line))
        assert row is not None, f"{file}:{line}: figure {value} has no passage in figures_in_article.csv"
        assert row.value == value and value in row.passage, f"{file}:{line}: {value!r} not in {row.passage!r}"
        assert len(row.passage.split()) < 12


#: The environment variable naming the 2024 article's text (.ci/run sets it from ../shared/seeds/).
ARTICLE_ENV = "KZP_ARTICLE_TEXT"


def test_every_recorded_passage_is_in_the_article():
    """Where the article itself is at hand, each passage of figures_in_article.csv is in it verbatim."""
    where = os.environ.get(ARTICLE_ENV, "")
    if not where:
        pytest.skip(
            f"{ARTICLE_ENV} is not set: it names the 2024 article's text, which is not in the repository "
            "(.ci/run sets it from ../shared/seeds/004_6a54f5e413a1f945.txt beside the clone)"
        )
    article = Path(where)
    if not article.is_file():
        pytest.fail(f"{ARTICLE_ENV}={where}: no such file (it should name the 2024 article's text)")
    text = " ".join(article.read_text(encoding="utf-8").split())
    passages = pd.read_csv(paths.CONTEXT / "figures_in_article.csv", dtype=str, keep_default_na=False)
    for row in passages.itertuples():
        assert row.passage in text, row.passage


@pytest.mark.parametrize(
    ("date", "precision", "first", "last"),
    [
        ("2023-10-19", "day", dt.date(2023, 10, 19), dt.date(2023, 10, 19)),
        ("2022-10", "month", dt.date(2022, 10, 1), dt.date(2022, 10, 31)),
        ("2022-12", "month", dt.date(2022, 12, 1), dt.date(2022, 12, 31)),
        ("2022-summer", "season", dt.date(2022, 6, 1), dt.date(2022, 8, 31)),
        ("2022-winter", "season", dt.date(2022, 12, 1), dt.date(2023, 2, 28)),
        ("2018", "year", dt.date(2018, 1, 1), dt.date(2018, 12, 31)),
        ("2014/2020", "interval", dt.date(2014, 1, 1), dt.date(2020, 12, 31)),
    ],
)
def test_date_span(date, precision, first, last):
    assert context.date_span(date, precision) == (first, last)


def _break(folder, name, row, column, value):
    path = folder / f"{name}.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row, column] = value
    df.to_csv(path, index=False)


@pytest.mark.parametrize(
    ("name", "column", "value", "expected"),
    [
        ("surveys", "share_pct", "120", "surveys.csv:2: share_pct: '120' is not a percentage"),
        ("surveys", "where", "", "surveys.csv:2: where: missing"),
        ("un_votes", "measure", "sympathy", "un_votes.csv:2: measure:"),
        ("economy", "value", "lots", "economy.csv:2: value: 'lots' is not a number"),
        ("economy", "qualifier", "roughly", "economy.csv:2: qualifier:"),
        ("indices", "rank", "200", "indices.csv:2: rank: rank 200 is beyond out_of 180"),
        ("timeline", "date", "2022-13-40", "timeline.csv:2: date:"),
        ("timeline", "precision", "decade", "timeline.csv:2: precision:"),
        ("timeline", "topic", "sport", "timeline.csv:2: topic:"),
        ("timeline", "figure", "many", "timeline.csv:2: figure:"),
    ],
)
def test_each_rule_refuses_its_bad_case(copy, name, column, value, expected):
    _break(copy, name, 0, column, value)
    with pytest.raises(context.ContextError) as info:
        context.load_context(copy)
    assert any(p.startswith(expected) for p in info.value.problems), info.value.problems


def test_all_problems_are_reported_at_once(copy):
    _break(copy, "surveys", 0, "share_pct", "-1")
    _break(copy, "timeline", 3, "topic", "sport")
    (copy / "indices.csv").unlink()
    with pytest.raises(context.ContextError) as info:
        context.load_context(copy)
    assert len(info.value.problems) == 3


def test_a_wrong_header_is_refused(copy):
    (copy / "indices.csv").write_text("index,year\nX,2024\n", encoding="utf-8")
    with pytest.raises(context.ContextError, match=r"indices\.csv:1: header"):
        context.load_context(copy)


def test_facts_keep_precision_and_hedges(ctx):
    facts = context.context_facts(ctx)
    assert set(facts) == set(context.FACTS)
    assert facts["xinjiang_exports_bn"] == "1.15"
    assert facts["cpc_budget_share"] == "about 44"
    assert facts["bokeyorda_hectares"] == "nearly 1,000,000"
    assert facts["bokeyorda_price"] == "2.30"
    assert facts["banned_goods"] == "106"
    assert facts["un_resolution_ukraine"] == "68/262"
    assert facts["survey_young_very_unfavourable"] == "20"
    assert int(facts["press_rank"].rstrip("stndrh")) < int(facts["press_out_of"])


def test_facts_default_to_the_project_files_and_take_a_subset(ctx):
    assert context.context_facts(keys=["press_rank", "cpc_export_share"]) == {
        "press_rank": "142nd",
        "cpc_export_share": "80",
    }
    assert context.context_facts(ctx, keys=[]) == {}


def test_the_format_is_the_facts_kind_never_its_name(ctx, monkeypatch):
    """The same row written as each kind: the name of the fact plays no part."""
    row = {"indicator": "Lease price of the Bokeyorda land"}
    for kind, text in (("number", "2.3"), ("money", "2.30"), ("text", "2.3")):
        monkeypatch.setitem(context.FACTS, "any_name", context.Fact("economy", row, kind=kind))
        assert context.context_facts(ctx, keys=["any_name"]) == {"any_name": text}
    assert context.format_figure("1234567.5") == "1,234,567.5"
    assert context.format_figure(1234.5, "money") == "1,234.50"
    assert context.format_figure("20-30") == "20-30"  # a range as the article states it
    assert context.format_figure("=1+1") == "=1+1"  # not a number: left for glue_text to quote


def test_a_fact_matching_no_row_or_two_rows_or_no_column_is_an_error(ctx, monkeypatch):
    monkeypatch.setitem(context.FACTS, "ghost", context.Fact("economy", {"indicator": "nothing"}))
    with pytest.raises(context.ContextError, match="fact 'ghost' matches 0 rows"):
        context.context_facts(ctx)
    monkeypatch.setitem(
        context.FACTS, "ghost", context.Fact("surveys", {"survey": "Central Asian Barometer"}, "share_pct")
    )
    with pytest.raises(context.ContextError, match="fact 'ghost' matches 5 rows, expected 1"):
        context.context_facts(ctx, keys=["ghost"])
    monkeypatch.setitem(context.FACTS, "ghost", context.Fact("economy", {"[/bold]": "x"}))
    with pytest.raises(context.ContextError, match=r"no column '\[/bold\]'"):
        context.context_facts(ctx, keys=["ghost"])


def test_an_unknown_fact_is_refused():
    with pytest.raises(context.ContextError, match="unknown context fact"):
        context.context_facts(keys=["press_freedom_rank"])


def test_events_relative_to_the_window(ctx):
    w = THESIS_WINDOW
    ts = pd.Timestamp
    assert context.relative_to_window(ts("2022-10-01"), ts("2022-10-31"), w) == "in the window, 2022–23"
    assert context.relative_to_window(ts("2021-01-01"), ts("2021-12-31"), w) == "in the window, 2020–22"
    assert context.relative_to_window(ts("2022-01-01"), ts("2022-12-31"), w).endswith("straddles the pivot")
    assert context.relative_to_window(ts("2023-10-19"), ts("2023-10-19"), w) == "after the window"
    assert context.relative_to_window(ts("2019-06-17"), ts("2019-06-17"), w) == "before the window"
    table = context.events_table(ctx, w)
    assert table["Date"].iloc[-1] == "2024-05-17"


def test_timeline_lanes_never_overlap(ctx):
    t = context.timeline_frame(ctx, THESIS_WINDOW, since="1990-01-01")
    for (_topic, _lane), group in t.groupby(["topic", "lane"]):
        g = group.sort_values("start")
        assert (g["start"].iloc[1:].to_numpy() > g["end"].iloc[:-1].to_numpy()).all()


def test_charts_build(ctx):
    spec = timeline_chart(ctx, THESIS_WINDOW).to_dict()
    assert "layer" in spec and len(spec["layer"]) == 3
    survey = survey_chart(ctx).to_dict()
    assert survey["mark"]["type"] == "bar"
