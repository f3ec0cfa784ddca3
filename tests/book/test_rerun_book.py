"""Reruns that build whole books (marked ``book``): the register rerun says it is partial, a synthetic
rerun matches an independent groupby, an unequal wide window is said so. Parameters and slots are in
tests/unit/test_rerun.py."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from kzperception import paths
from kzperception.book import rerun
from kzperception.cli import app

runner = CliRunner()


WINDOW = ["--start", "2020-08-24", "--pivot", "2022-02-24", "--end", "2023-08-24"]


@pytest.mark.book
def test_register_rerun_builds_a_book_that_says_it_is_partial(tmp_path):
    out = tmp_path / "rerun"
    result = runner.invoke(
        app, ["rerun", "--corpus", str(paths.REGISTER), "--out", str(out), *WINDOW, "--chapters", "06-2-reports"]
    )
    assert result.exit_code == 0, result.output
    page = (out / "html" / paths.CHAPTERS_DIR / "06-2-reports.html").read_text(encoding="utf-8")
    assert "Partial corpus" in page
    n = len(pd.read_csv(paths.REGISTER / "reports.csv"))
    assert f"holds {n} reports" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))
    assert (out / rerun.MARKER).is_file()


@pytest.mark.book
def test_synthetic_rerun_on_new_window_matches_independent_groupby(tmp_path):
    from kzperception.fieldwork.synth import write_synthetic

    corpus = write_synthetic(7, tmp_path / "synth")
    out = tmp_path / "rerun"
    window = ["--start", "2021-02-24", "--pivot", "2022-01-05", "--end", "2023-02-24"]
    result = runner.invoke(
        app, ["rerun", "--corpus", str(corpus), "--out", str(out), *window, "--chapters", "06-2-reports,06-3-coding"]
    )
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
    assert re.search(
        rf"\b{n_by_country['china']} \([\d.]+ %\) concern China and {n_by_country['russia']} "
        rf"\([\d.]+ %\) Russia\b",
        reports_page,
    )
    assert f"Russia: {n_by_country['russia'] - after['russia']} before" in reports_page
    assert "2021–22" in reports_page and "2022–23" in reports_page


@pytest.mark.book
def test_an_unequal_window_wider_than_the_register_is_said_so_on_its_pages(tmp_path):
    """Issue 16, windows of any shape: one rerun build, its pages' text read.

    The window 2019-01-01 / 2021-01-01 / 2023-01-01 has equal periods (731 days each, 2020 being a
    leap year and the end day counted), so the end is moved to 2024-01-01: 731 days against 1,096,
    and a window that opens before the register's first report and closes after its last.
    """
    from kzperception.data.vocabulary import partner_label, website_label

    start, pivot, end = "2019-01-01", "2021-01-01", "2024-01-01"
    out = tmp_path / "rerun"
    result = runner.invoke(
        app,
        [
            "rerun",
            "--corpus",
            str(paths.REGISTER),
            "--out",
            str(out),
            "--start",
            start,
            "--pivot",
            pivot,
            "--end",
            end,
            "--chapters",
            "06-2-reports,06-4-uncertainty",
        ],
    )
    assert result.exit_code == 0, result.output

    def text(page: str) -> str:
        html = (out / "html" / page).read_text(encoding="utf-8")
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).replace("&#39;", "'")

    # Independent figures: plain pandas on the register's CSV and on the calendar.
    reports = pd.read_csv(paths.REGISTER / "reports.csv", parse_dates=["date"])
    before = reports[(reports["date"] >= start) & (reports["date"] < pivot)]
    after = reports[(reports["date"] >= pivot) & (reports["date"] <= end)]
    days_before = len(pd.date_range(start, pivot, freq="D")) - 1
    days_after = len(pd.date_range(pivot, end, freq="D"))
    assert (days_before, days_after) == (731, 1096)
    first, last = reports["date"].min(), reports["date"].max()

    reports_page = text(f"{paths.CHAPTERS_DIR}/06-2-reports.html")
    assert f"differ in length ({days_before} days before the pivot, {days_after:,} days after)" in reports_page
    rates = [("all reports", before, after)] + [
        (partner_label(c), before[before["country"] == c], after[after["country"] == c]) for c in ("china", "russia")
    ]
    for name, b, a in rates:
        said = f"{name} {len(b) / days_before:#.3g} against {len(a) / days_after:#.3g}"  # 3 digits, zeros kept
        assert said in reports_page, said
    days_to_first = (first - pd.Timestamp(start)).days
    assert (
        f"The window opens on {start}, {days_to_first} days before the corpus's first report ({first:%Y-%m-%d})"
    ) in reports_page
    assert f"after its last ({last:%Y-%m-%d})" in reports_page

    # Table E1: the thesis's counts under the thesis's labels, the register's under the rerun's.
    published = pd.read_csv(paths.PUBLISHED / "table1_reports.csv")
    rows = "this corpus, 2019–20 this corpus, 2021–24 thesis, 2020–22 thesis, 2022–23"
    for c in ("china", "russia"):
        for w in ("government", "president"):
            mine = reports[(reports["country"] == c) & (reports["website"] == w)]
            theirs = published[(published["country"] == c) & (published["website"] == w)].set_index("period")["n"]
            n_b = ((mine["date"] >= start) & (mine["date"] < pivot)).sum()
            n_a = ((mine["date"] >= pivot) & (mine["date"] <= end)).sum()
            rows += f" {partner_label(c)} {website_label(w)} {n_b} {n_a} {theirs['before']} {theirs['after']}"
    assert rows in reports_page

    uncertainty_page = text(f"{paths.CHAPTERS_DIR}/06-4-uncertainty.html")
    assert (
        "The two periods of the window differ in length (731 days before the pivot, 1,096 days after), so if"
        in uncertainty_page
    )
    assert "nearly equally long" not in uncertainty_page
    front_page = text("index.html")
    assert "differ in length" in front_page and f"The window opens on {start}" in front_page
