"""Tests of kzperception.book.literature: the numbers and citations of the prose chapters."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from kzperception import paths
from kzperception.book import literature as lit
from kzperception.data import context
from kzperception.data.window import Window

PROSE_CHAPTERS = [
    "00-abstract",
    "00-abstrakt-cs",
    "00-introduction",
    "01-literature-review",
    "02-influence-central-asia",
    "03-kazakhstan-foreign-policy",
    "04-theoretical-framework",
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
    bad = write(
        tmp_path / "figures.csv",
        FIGURES_HEADER
        + "a_key,12,,percent,,x,ozat2023,,\n"
        + "a_key,12,,percent,,x,ozat2023,,\n"
        + "Bad Key,lots,,percent,,x,,,\n",
    )
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


# --- the article's tables (through kzperception.data.context) ------------------------------------


@pytest.fixture
def small_context(tmp_path):
    """The project's context files with surveys.csv and economy.csv cut to a few rows."""
    folder = tmp_path / "context"
    shutil.copytree(paths.CONTEXT, folder)
    for name, keep in (("surveys", (1, 3)), ("economy", (3, 4, 6, 5))):
        lines = (folder / f"{name}.csv").read_text(encoding="utf-8").splitlines(keepends=True)
        (folder / f"{name}.csv").write_text("".join([lines[0], *(lines[i] for i in keep)]), encoding="utf-8")
    return context.load_context(folder)


def test_survey_and_economy_tables(small_context):
    s = lit.survey_table(small_context)
    assert list(s.columns) == ["Question", "Survey wave", "Respondents", "Answer", "Share (%)"]
    assert s.loc[0, "Survey wave"] == "not stated"
    assert s["Share (%)"].tolist() == [20.0, 28.0]
    e = lit.economy_table(["Caspian Pipeline Consortium", "China", "Russia"], small_context)
    assert e["Value"].tolist() == ["about 44", "nearly 1,000,000", "13.5", "2.3"]


def test_tables_read_only_checked_context_files(tmp_path):
    folder = tmp_path / "context"
    shutil.copytree(paths.CONTEXT, folder)
    path = folder / "surveys.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",20,", ",=1+1,", 1), encoding="utf-8")
    with pytest.raises(context.ContextError, match=r"surveys\.csv:2: share_pct: '=1\+1'"):
        lit.survey_table(context.load_context(folder))


def test_the_prose_chapters_glue_only_known_context_facts():
    """Every chapter that glues article figures names them from the one table, context.FACTS."""
    for stem in ("00-introduction", "03-kazakhstan-foreign-policy", "07-other-perceptions", "09-after-the-window"):
        text = (paths.NOTEBOOKS / f"{stem}.md").read_text(encoding="utf-8")
        assert "context.context_facts(" in text, stem
        for key in re.findall(r'"([a-z0-9_]+)"', text.split("context.context_facts(")[1].split(")")[0]):
            assert key in context.FACTS, (stem, key)


# --- formatting and the window ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (5.99, "5.99"),
        (17.9, "17.9"),
        (18.1, "18.1"),
        (44.0, "44"),
        (1_000_000.0, "1,000,000"),
        (2.3, "2.3"),
    ],
)
def test_format_figure_keeps_the_printed_precision(value, text):
    assert context.format_figure(value) == text
    assert context.format_figure(str(value)) == text


def test_window_facts_count_whole_months():
    assert lit.window_facts(Window.parse("2020-08-24", "2022-02-24", "2023-08-24")) == {
        "months_before": 18,
        "months_after": 18,
    }
    assert lit.whole_months(dt.date(2021, 1, 31), dt.date(2021, 2, 28)) == 0
    assert lit.whole_months(dt.date(2021, 1, 15), dt.date(2022, 1, 15)) == 12


# --- citations ------------------------------------------------------------------------------------


def test_cited_keys_splits_lists():
    md = "as {cite:t}`wendt1999` argues {cite:p}`paszak2020, kazantsev2021` and {cite:p}`dahl1957`"
    assert lit.cited_keys(md) == {"wendt1999", "paszak2020", "kazantsev2021", "dahl1957"}


@pytest.mark.parametrize("stem", PROSE_CHAPTERS)
def test_prose_chapters_cite_only_known_keys(stem):
    page = paths.NOTEBOOKS / f"{stem}.md"
    assert page.is_file(), f"{stem}.md is listed as a prose chapter and missing"
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
    bib = write(
        tmp_path / "t.bib", "@thesis{x2020,\n  author = {Doe, Jane and Roe, Richard},\n  title = {A Title}\n}\n"
    )
    rec = lit.thesis_record(bib, "x2020")
    assert rec["author"] == "Jane Doe and Richard Roe"
    assert rec["title"] == "A Title"
    with pytest.raises(lit.LiteratureDataError, match="no entry"):
        lit.thesis_record(bib, "y2021")
    with pytest.raises(lit.LiteratureDataError, match="file not found"):
        lit.thesis_record(tmp_path / "absent.bib")
