"""Rerunning chapters on a corpus and window: parameters refused cleanly, slots right, book built."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from kzperception import paths
from kzperception.cli import app
from kzperception.counts import load_counts
from kzperception.window import THESIS_WINDOW
from tests.conftest import SMALL_CODES, SMALL_REPORTS, write_corpus

runner = CliRunner()
WINDOW = ["--start", "2020-08-24", "--pivot", "2022-02-24", "--end", "2023-08-24"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2020-13-01", "--pivot", "2022-02-24", "--end", "2023-08-24"], "--start: '2020-13-01' is not"),
        (["--start", "2022-02-24", "--pivot", "2022-02-24", "--end", "2023-08-24"], "must be before pivot"),
        (["--start", "2020-08-24", "--pivot", "2023-09-24", "--end", "2023-08-24"], "must not be after end"),
        (["--start", "2010-01-01", "--pivot", "2011-01-01", "--end", "2012-01-01"], "no report"),
        ([*WINDOW, "--chapters", "06-9-nonsense"], "unknown chapter(s) 06-9-nonsense"),
    ],
)
def test_bad_parameters_refused_with_nothing_written(tmp_path, args, message):
    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    out = tmp_path / "out"
    result = runner.invoke(app, ["rerun", "--corpus", str(corpus), "--out", str(out), *args])
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_invalid_corpus_refused_with_nothing_written(tmp_path):
    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS.replace("r2,china", "r2,japan"), SMALL_CODES)
    out = tmp_path / "out"
    result = runner.invoke(app, ["rerun", "--corpus", str(corpus), "--out", str(out), *WINDOW])
    assert result.exit_code == 1
    assert "reports.csv:3: country: 'japan'" in result.stderr
    assert not out.exists()


def test_out_inside_main_book_refused(tmp_path):
    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    result = runner.invoke(app, ["rerun", "--corpus", str(corpus), "--out", str(paths.BOOK / "x"), *WINDOW])
    assert result.exit_code == 1 and "inside the main book" in result.stderr


def test_register_with_thesis_window_puts_every_cited_report_in_its_slot():
    reports = pd.read_csv(paths.REGISTER / "reports.csv", dtype=str)
    dates = pd.to_datetime(reports["date"])
    expected_period = ["before" if d < pd.Timestamp(THESIS_WINDOW.pivot) else "after" for d in dates]
    assert all(pd.Timestamp(THESIS_WINDOW.start) <= d <= pd.Timestamp(THESIS_WINDOW.end) for d in dates)
    expected = (reports.assign(period=expected_period).groupby(["country", "website", "period"]).size())
    got = load_counts(paths.REGISTER, THESIS_WINDOW).reports.set_index(["country", "website", "period"])["n"]
    for key, n in got.items():
        assert n == expected.get(key, 0), key
    assert got.sum() == len(reports)


@pytest.mark.book
def test_register_rerun_builds_a_book_that_says_it_is_partial(tmp_path):
    out = tmp_path / "rerun"
    result = runner.invoke(app, ["rerun", "--corpus", str(paths.REGISTER), "--out", str(out), *WINDOW,
                                 "--chapters", "06-2-reports"])
    assert result.exit_code == 0, result.output
    page = (out / "html" / "executed" / "06-2-reports.html").read_text(encoding="utf-8")
    assert "Partial corpus" in page
    n = len(pd.read_csv(paths.REGISTER / "reports.csv"))
    assert f"holds {n} reports" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))
    assert not (paths.HTML / "executed").exists()  # the main book is untouched


@pytest.mark.book
def test_synthetic_rerun_on_new_window_matches_independent_groupby(tmp_path):
    from kzperception.synth import write_synthetic

    corpus = write_synthetic(7, tmp_path / "synth")
    out = tmp_path / "rerun"
    window = ["--start", "2021-02-24", "--pivot", "2022-01-05", "--end", "2023-02-24"]
    result = runner.invoke(app, ["rerun", "--corpus", str(corpus), "--out", str(out), *window,
                                 "--chapters", "06-2-reports,06-3-coding"])
    assert result.exit_code == 0, result.output

    # Independent count: plain pandas on the CSV, not the library's window or counts code.
    reports = pd.read_csv(corpus / "reports.csv", parse_dates=["date"])
    inside = reports[(reports["date"] >= "2021-02-24") & (reports["date"] <= "2023-02-24")]
    n_by_country = inside.groupby("country").size()
    after = inside[inside["date"] >= "2022-01-05"].groupby("country").size()

    text = {}
    for page in sorted((out / "html").rglob("*.html")):
        if "_static" in page.parts:
            continue
        html_text = page.read_text(encoding="utf-8")
        assert "Synthetic corpus — demonstration only" in html_text, page.name  # banner on every page
        text[page.name] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html_text))
    reports_page = text["06-2-reports.html"]
    assert f"holds {len(inside)} reports" in reports_page
    assert f"{n_by_country['china']} of them concern China and {n_by_country['russia']} concern Russia" \
        in reports_page
    assert f"For Russia: {n_by_country['russia'] - after['russia']}" in reports_page
    assert "2021–22" in reports_page and "2022–23" in reports_page
