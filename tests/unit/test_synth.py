"""Synthetic corpora: published margins exactly, seeds move dates only, scaling keeps proportions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from kzperception.data.counts import CODE_KEYS, REPORT_KEYS, load_counts
from kzperception.fieldwork.synth import SynthError, largest_remainder, scaled_margins, synthesize, write_synthetic


@pytest.fixture(scope="module")
def published():
    return load_counts("published")


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory) -> Path:
    return write_synthetic(7, tmp_path_factory.mktemp("syn") / "corpus")


def _cells(counts_frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    return counts_frame.set_index(keys)["n"]


def test_largest_remainder_sums_and_is_proportional():
    out = largest_remainder(10, [1, 1, 1])
    assert out.sum() == 10 and sorted(out.tolist()) == [3, 3, 4]
    assert largest_remainder(0, [0, 0]).tolist() == [0, 0]
    assert largest_remainder(2180, [25, 65, 12]).sum() == 2180
    with pytest.raises(ValueError):
        largest_remainder(3, [0, 0])


def test_written_corpus_reproduces_every_published_cell(corpus_dir, published):
    mine = load_counts(corpus_dir)
    got_r = _cells(mine.reports, REPORT_KEYS)
    want_r = _cells(published.reports, REPORT_KEYS)
    pd.testing.assert_series_equal(got_r.loc[want_r.index], want_r)
    got_c = _cells(mine.codes, CODE_KEYS)
    want_c = _cells(published.codes, CODE_KEYS)  # 28 country cells + 17 slot cells
    assert len(want_c) == 45
    pd.testing.assert_series_equal(got_c.loc[want_c.index], want_c)


def test_corpus_rules_and_labels():
    reports, codes = synthesize(3)
    assert len(reports) == 218 and reports["id"].is_unique
    assert reports["id"].iloc[0] == "syn-000001"
    assert (reports["provenance"] == "synthetic").all()
    assert reports["title_en"].iloc[4] == "Synthetic report 5 (not a real document)"
    codes = codes.astype(str)
    assert set(reports["id"]) == set(codes.loc[codes["level"] == "main", "report_id"])
    both = codes.groupby(["report_id", "category"])["level"].nunique()
    assert (both == 1).all()
    assert not ((codes["category"] == "cross_border") & (codes["mode"] == "non_cooperation")).any()
    assert not codes.duplicated().any()


def test_dates_lie_in_their_periods(published):
    reports, _ = synthesize(5)
    d = pd.to_datetime(reports["date"].astype(str))
    assert d.min() >= pd.Timestamp("2020-08-24") and d.max() <= pd.Timestamp("2023-08-24")
    before = d < pd.Timestamp("2022-02-24")
    per = (
        reports.assign(period=np.where(before, "before", "after")).groupby(["country", "period"], observed=True).size()
    )
    want = published.reports.groupby(["country", "period"])["n"].sum()
    assert per.sort_index().tolist() == want.sort_index().tolist()


def test_seed_moves_dates_not_counts(tmp_path, published):
    a, ca = synthesize(1)
    b, cb = synthesize(2)
    again, _ = synthesize(1)
    assert a["date"].astype(str).tolist() == again["date"].astype(str).tolist()
    assert a["date"].astype(str).tolist() != b["date"].astype(str).tolist()
    write_synthetic(2, tmp_path / "s2")
    c2 = load_counts(tmp_path / "s2")
    want = _cells(published.reports, REPORT_KEYS)
    pd.testing.assert_series_equal(_cells(c2.reports, REPORT_KEYS).loc[want.index], want)
    assert len(ca) == len(cb) == 395


def test_scaling_gives_ten_times_the_margins(tmp_path, published):
    write_synthetic(1, tmp_path / "x10", reports=2180)
    big = load_counts(tmp_path / "x10")
    assert int(big.reports["n"].sum()) == 2180
    got = _cells(big.reports, REPORT_KEYS).loc[_cells(published.reports, REPORT_KEYS).index]
    assert (got == 10 * _cells(published.reports, REPORT_KEYS)).all()
    want_c = _cells(published.codes, CODE_KEYS)
    got_c = _cells(big.codes, CODE_KEYS).loc[want_c.index]
    assert (got_c - 10 * want_c).abs().max() <= 1


def test_scaling_odd_sizes_keeps_totals():
    slots, cells = scaled_margins(1001)
    assert slots["n"].sum() == 1001
    assert abs(int(cells["n"].sum()) - round(395 * 1001 / 218)) <= 2
    reports, codes = synthesize(0, reports=1001)
    assert len(reports) == 1001 and reports["id"].iloc[-1] == "syn-001001"
    assert len(codes) == int(cells["n"].sum())


def test_impossible_size_is_refused():
    with pytest.raises(SynthError):
        synthesize(0, reports=0)


def test_cli_synth_writes_and_refuses_nonempty(tmp_path, synth_app):
    runner = CliRunner()
    out = tmp_path / "c"
    res = runner.invoke(synth_app, ["synth", "--seed", "4", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "reports.csv").is_file() and (out / "codes.csv").is_file()
    before = (out / "reports.csv").read_bytes()
    res = runner.invoke(synth_app, ["synth", "--seed", "5", "--out", str(out)])
    assert res.exit_code == 1
    assert "not empty" in res.output and len(res.output.strip().splitlines()) == 1
    assert (out / "reports.csv").read_bytes() == before
