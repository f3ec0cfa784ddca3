"""Pivot sweep: counts per pivot, per-day rates, the country x period test, refusals, CLI."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from kzperception.analysis.sensitivity import (
    COLUMNS,
    pivot_sweep,
    pivots,
    sensitivity_facts,
    sweep_command,
    sweep_corpus,
)
from kzperception.book.chapter import open_chapter
from kzperception.book.charts import sensitivity_chart
from kzperception.book.readings_glue import sweep_banner
from kzperception.data.corpus import load_corpus
from kzperception.data.counts import SourceError, load_counts
from kzperception.data.vocabulary import Vocabulary
from kzperception.data.window import THESIS_WINDOW, Window, WindowError
from kzperception.fieldwork.synth import write_synthetic


@pytest.fixture(scope="module")
def syn_dir(tmp_path_factory):
    return write_synthetic(1, tmp_path_factory.mktemp("sens") / "corpus")


@pytest.fixture(scope="module")
def sweep(syn_dir):
    return pivot_sweep(load_corpus(syn_dir), "2021-08-26", "2022-08-25", 7)


def test_pivots_span_and_refusals():
    p = pivots("2022-01-01", "2022-01-31", 10)  # anchored on the thesis pivot, 2022-02-24
    assert p == [dt.date(2022, 1, 5), dt.date(2022, 1, 15), dt.date(2022, 1, 25)]
    assert THESIS_WINDOW.pivot in pivots(step_days=30)
    for bad in (
        ("2020-08-24", "2021-01-01", 7),
        ("2022-01-01", "2023-08-25", 7),
        ("2022-02-01", "2022-01-01", 7),
        ("2022-01-01", "2022-02-01", 0),
        ("2022-13-01", "2022-02-01", 7),
        ("2022-01-01", "2022-01-02", 30),
    ):
        with pytest.raises(WindowError):
            pivots(*bad)


def test_sweep_is_tidy_and_matches_the_counts_at_each_pivot(sweep, syn_dir):
    assert list(sweep.columns) == COLUMNS
    assert len(sweep) == 2 * 53
    corpus = load_corpus(syn_dir)
    for day in ("2021-08-26", "2022-02-24", "2022-06-02"):
        counts = load_counts(syn_dir, Window.parse("2020-08-24", day, "2023-08-24"))
        want = counts.reports.groupby(["country", "period"])["n"].sum()
        got = sweep[sweep["pivot"] == pd.Timestamp(day)].set_index("country")
        for c in ("china", "russia"):
            assert got.loc[c, "n_before"] == want[(c, "before")]
            assert got.loc[c, "n_after"] == want[(c, "after")]
    assert corpus.is_synthetic


def test_thesis_pivot_reproduces_published_split_and_rates(sweep):
    row = sweep[(sweep["pivot"] == pd.Timestamp("2022-02-24"))].set_index("country")
    assert (row.loc["china", "n_before"], row.loc["china", "n_after"]) == (37, 78)
    assert (row.loc["russia", "n_before"], row.loc["russia", "n_after"]) == (46, 57)
    assert row.loc["china", "days_before"] == 549 and row.loc["china", "days_after"] == 547
    assert row.loc["china", "change"] == pytest.approx((78 / 547) / (37 / 549))
    p = stats.fisher_exact([[37, 78], [46, 57]]).pvalue
    assert row.loc["china", "p_value"] == pytest.approx(p) and row.loc["russia", "p_value"] == pytest.approx(p)
    assert row.loc["china", "test"] == "fisher"


def test_rates_not_raw_counts_when_periods_differ():
    # Flat attention: one report every day. Any pivot must give a change of 1, never n_after / n_before.
    days = pd.date_range("2020-08-24", "2023-08-24", freq="D")
    reports = pd.DataFrame({"id": [f"r{i}" for i in range(len(days))], "country": "china", "date": days})
    reports = pd.concat([reports, reports.assign(id=reports["id"] + "b", country="russia")], ignore_index=True)
    corpus = type("C", (), {"reports": reports, "vocabulary": Vocabulary.default()})()
    out = pivot_sweep(corpus, "2021-01-01", "2023-01-01", 90)  # type: ignore[arg-type]
    assert np.allclose(out["change"], 1.0)
    assert (out["n_before"] != out["n_after"]).any()
    assert np.allclose(out["p_value"], 1.0)


def test_published_source_refused_for_cli_and_demo_for_book():
    with pytest.raises(SourceError, match="corpus"):
        sweep_corpus("published", allow_demo=False)
    corpus, demo = sweep_corpus("published")
    assert demo and corpus.is_synthetic and len(corpus.reports) == 218
    banner = sweep_banner(open_chapter(), corpus, demo)  # the banner section 6.5 shows
    assert banner is not None and "Synthetic data — demonstration only" in banner.data
    assert f"run on {len(corpus.reports)} synthetic reports" in banner.data


def test_facts_and_chart(sweep):
    facts = sensitivity_facts(sweep)
    assert facts["n_pivots"] == 53
    assert facts["china_change_at_pivot"] == pytest.approx((78 / 547) / (37 / 549))
    assert facts["china_change_min"] <= facts["china_change_at_pivot"] <= facts["china_change_max"]
    spec = sensitivity_chart(sweep).to_dict()
    assert "vconcat" in spec and len(spec["vconcat"]) == 2


def test_cli_sensitivity_csv_and_published_refusal(syn_dir, synth_app):
    runner = CliRunner()
    res = runner.invoke(
        synth_app,
        ["sensitivity", "--source", str(syn_dir), "--from", "2022-01-06", "--to", "2022-03-03", "--step-days", "7"],
    )
    assert res.exit_code == 0, res.output
    df = pd.read_csv(io.StringIO(res.stdout))
    assert list(df.columns) == COLUMNS and len(df) == 2 * 9
    assert "2022-02-24" in set(df["pivot"])
    res = runner.invoke(
        synth_app,
        ["sensitivity", "--format", "table", "--source", str(syn_dir), "--from", "2022-02-24", "--to", "2022-02-24"],
    )
    assert res.exit_code == 0 and "china" in res.stdout
    res = runner.invoke(synth_app, ["sensitivity", "--source", "published"])
    assert res.exit_code == 1
    assert "corpus" in res.output and len(res.output.strip().splitlines()) == 1
    res = runner.invoke(synth_app, ["sensitivity", "--source", str(syn_dir), "--from", "2019-01-01"])
    assert res.exit_code == 1 and "error:" in res.output


def test_thesis_window_default(sweep):
    assert sweep.attrs["window"] == str(THESIS_WINDOW)


@pytest.mark.parametrize(
    "window",
    [
        THESIS_WINDOW,
        Window.parse("2019-01-01", "2020-06-01", "2022-12-31"),
        Window.parse("2021-01-01", "2021-03-03", "2023-06-30"),
    ],
    ids=["thesis", "rerun-2020-06-01", "rerun-2021-03-03"],
)
def test_the_command_65_prints_repeats_its_sweep(syn_dir, synth_app, window):
    """Section 6.5 tells the reader how to repeat its sweep; on a rerun's window that command (it
    once printed the thesis's dates, whose grid a rerun's pivot is not on) gives the same rows."""
    import shlex

    swept = pivot_sweep(load_corpus(syn_dir), window=window)
    command = sweep_command(swept, window)
    assert all(len(line) <= 30 for line in command.splitlines()), command  # whole lines on a phone
    args = shlex.split(command.replace("DIR", str(syn_dir)).replace("\\\n", " "))
    assert args[:2] == ["kzperception", "sensitivity"] and f"--pivot {window.pivot}" in command
    res = CliRunner().invoke(synth_app, args[1:])
    assert res.exit_code == 0, res.output
    printed = pd.read_csv(io.StringIO(res.stdout))
    assert list(printed["pivot"]) == [f"{d:%Y-%m-%d}" for d in swept["pivot"]]
    assert printed["n_before"].tolist() == swept["n_before"].tolist()
