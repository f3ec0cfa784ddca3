"""Tests of kzperception.book.literature: the numbers and citations of the prose chapters."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kzperception import paths
from kzperception.book import literature as lit
from kzperception.data.window import Window

PROSE_CHAPTERS = [
    "00-abstract", "00-abstrakt-cs", "00-introduction", "01-literature-review",
    "02-influence-central-asia", "03-kazakhstan-foreign-policy", "04-theoretical-framework",
]

FIGURES_HEADER = "key,value,qualifier,unit,period,what,cite,where,note\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- background figures -------------------------------------------------------------------------


def test_background_figures_load_and_cite_known_works():
    df = lit.load_figures()
    assert df["key"].is_unique
    assert set(df["cite"]) <= lit.bib_keys()
    facts = lit.figure_facts(df)
    assert facts["kz_exports_to_russia"] == pytest.approx(5.99)
    assert facts["cpc_russia_stake"] == 31


def test_load_figures_reports_every_problem_at_once(tmp_path):
    bad = write(tmp_path / "figures.csv", FIGURES_HEADER
                + "a_key,12,,percent,,x,ozat2023,,\n"
                + "a_key,12,,percent,,x,ozat2023,,\n"
                + "Bad Key,lots,,percent,,x,,,\n")
    with pytest.raises(lit.LiteratureDataError) as err:
        lit.load_figures(bad)
    msg = str(err.value)
    assert "figures.csv:3: key: duplicate 'a_key'" in msg
    assert "figures.csv:4: key: 'Bad Key'" in msg
    assert "figures.csv:4: value: 'lots' is not a number" in msg
    assert "figures.csv:4: cite: empty" in msg


def test_load_figures_missing_columns_and_file(tmp_path):
    with pytest.raises(lit.LiteratureDataError, match="missing columns"):
        lit.load_figures(write(tmp_path / "f.csv", "key,value\na,1\n"))
    with pytest.raises(lit.LiteratureDataError, match="file not found"):
        lit.load_figures(tmp_path / "absent.csv")


# --- context facts ------------------------------------------------------------------------------


@pytest.mark.skipif(not (paths.CONTEXT / "economy.csv").is_file(), reason="no data/context")
def test_every_context_fact_resolves_to_one_number():
    facts = lit.context_facts()
    assert set(facts) == set(lit.CONTEXT_FACTS)
    assert facts["cpc_kz_oil_export_share"] == 80
    assert facts["press_freedom_rank"] < facts["press_freedom_out_of"]


def test_context_value_refuses_ambiguous_or_missing_rows(tmp_path):
    write(tmp_path / "economy.csv", "indicator,partner,value\nx,A,1\nx,B,2\ny,A,oops\n")
    with pytest.raises(lit.LiteratureDataError, match="matches 2 rows"):
        lit.context_value(lit.ContextFact("economy", {"indicator": "x"}), tmp_path)
    with pytest.raises(lit.LiteratureDataError, match="matches 0 rows"):
        lit.context_value(lit.ContextFact("economy", {"indicator": "z"}), tmp_path)
    with pytest.raises(lit.LiteratureDataError, match="not a number"):
        lit.context_value(lit.ContextFact("economy", {"indicator": "y"}), tmp_path)
    with pytest.raises(lit.LiteratureDataError, match="no column"):
        lit.context_value(lit.ContextFact("economy", {"country": "A"}), tmp_path)
    assert lit.context_value(lit.ContextFact("economy", {"indicator": "x", "partner": "B"}), tmp_path) == 2


def test_unknown_context_names_are_refused():
    with pytest.raises(lit.LiteratureDataError, match="unknown context facts"):
        lit.context_facts(["no_such_fact"])
    with pytest.raises(lit.LiteratureDataError, match="unknown context file"):
        lit.load_context("weather")


def test_survey_and_economy_tables(tmp_path):
    write(tmp_path / "surveys.csv", "survey,period,question,group,answer,share_pct\n"
          "CAB,,View,age 18-29,Bad,20\nCAB,2022 spring,Blame,all,Russia,28\n")
    write(tmp_path / "economy.csv", "indicator,partner,year,value,qualifier,unit\n"
          "Budget share,CPC,2021,44,about,percent\nLand,Russia,,1000000,nearly,hectares\n"
          "Imports,China,2022,13.5,,billion USD\n")
    s = lit.survey_table(tmp_path)
    assert list(s.columns) == ["Question", "Survey wave", "Respondents", "Answer", "Share (%)"]
    assert s.loc[0, "Survey wave"] == "not stated"
    e = lit.economy_table(["CPC", "China"], tmp_path)
    assert e["Value"].tolist() == ["about 44", "13.5"]


# --- formatting and the window ------------------------------------------------------------------


@pytest.mark.parametrize(("value", "text"), [
    (5.99, "5.99"), (17.9, "17.9"), (18.1, "18.1"), (44.0, "44"), (1_000_000.0, "1,000,000"), (2.3, "2.3"),
])
def test_format_figure_keeps_the_printed_precision(value, text):
    assert lit.format_figure(value) == text


def test_window_facts_count_whole_months():
    assert lit.window_facts(Window.parse("2020-08-24", "2022-02-24", "2023-08-24")) == {
        "months_before": 18, "months_after": 18}
    assert lit.whole_months(dt.date(2021, 1, 31), dt.date(2021, 2, 28)) == 0
    assert lit.whole_months(dt.date(2021, 1, 15), dt.date(2022, 1, 15)) == 12


# --- citations ------------------------------------------------------------------------------------


def test_cited_keys_splits_lists():
    md = "as {cite:t}`wendt1999` argues {cite:p}`paszak2020, kazantsev2021` and {cite:p}`dahl1957`"
    assert lit.cited_keys(md) == {"wendt1999", "paszak2020", "kazantsev2021", "dahl1957"}


@pytest.mark.parametrize("stem", PROSE_CHAPTERS)
def test_prose_chapters_cite_only_known_keys(stem):
    page = paths.NOTEBOOKS / f"{stem}.md"
    if not page.is_file():
        pytest.skip(f"{stem}.md not written yet")
    unknown = lit.cited_keys(page.read_text(encoding="utf-8")) - lit.bib_keys()
    assert not unknown, f"{stem}.md cites keys missing from references.bib: {sorted(unknown)}"


# --- the thesis record ------------------------------------------------------------------------------


def test_thesis_record_gives_the_title_page():
    rec = lit.thesis_record()
    assert rec["author"] == "Roman Leuchter"
    assert rec["year"] == "2024"
    assert rec["title"].startswith("Perception of Chinese and Russian Influence")
    assert "Kazachstánu" in rec["titlecs"]


def test_thesis_record_errors_and_several_authors(tmp_path):
    bib = write(tmp_path / "t.bib", "@thesis{x2020,\n  author = {Doe, Jane and Roe, Richard},\n"
                "  title = {A Title}\n}\n")
    rec = lit.thesis_record(bib, "x2020")
    assert rec["author"] == "Jane Doe and Richard Roe"
    assert rec["title"] == "A Title"
    with pytest.raises(lit.LiteratureDataError, match="no entry"):
        lit.thesis_record(bib, "y2021")
    with pytest.raises(lit.LiteratureDataError, match="file not found"):
        lit.thesis_record(tmp_path / "absent.bib")
