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
