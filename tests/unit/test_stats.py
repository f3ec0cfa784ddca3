"""Wilson intervals and the 2 x 2 tests, checked against hand-computed values and edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from kzperception.analysis import stats
from kzperception.book import uncertainty_charts
from kzperception.data.counts import load_counts


@pytest.fixture(scope="module")
def published():
    return load_counts("published")


def test_wilson_matches_the_formula():
    k, n, z = 78, 115, 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low, high = stats.wilson(k, n)
    assert low == pytest.approx(100 * (centre - half))
    assert high == pytest.approx(100 * (centre + half))


def test_wilson_edges():
    low, high = stats.wilson(0, 10)
    assert low == pytest.approx(0, abs=1e-12) and 0 < high < 35
    low, high = stats.wilson(10, 10)
    assert 65 < low < 100 and high == pytest.approx(100)
    assert all(math.isnan(x) for x in stats.wilson(0, 0))
    assert all(math.isnan(x) for x in stats.wilson(math.nan, 10))


def test_attention_table_orientation(published):
    t = stats.attention_table(published)
    assert t.loc["china", "after"] == 78 and t.loc["china", "before"] == 37
    assert t.loc["russia", "after"] == 57 and t.loc["russia", "before"] == 46
    assert stats.attention_table(published, "president").to_numpy().tolist() == [[13, 12], [18, 22]]


def test_two_by_two_on_the_thesis_counts(published):
    res = stats.two_by_two(stats.attention_table(published).to_numpy())
    assert res["odds_ratio"] == pytest.approx((78 * 46) / (37 * 57))
    assert res["dof"] == 1
    assert 0 < res["p_fisher"] < 1 and 0 < res["p_chi2"] < 1
    assert res["or_low"] < res["odds_ratio"] < res["or_high"]
    # A table with the same split for both countries shows no association at all.
    even = stats.two_by_two([[20, 10], [40, 20]])
    assert even["odds_ratio"] == pytest.approx(1.0)
    assert even["p_fisher"] == pytest.approx(1.0)


def test_two_by_two_degenerate_tables():
    empty_row = stats.two_by_two([[0, 0], [5, 7]])
    assert math.isnan(empty_row["p_fisher"])
    zero_cell = stats.two_by_two([[0, 5], [5, 5]])
    assert zero_cell["odds_ratio"] == 0 and math.isnan(zero_cell["or_low"])


def test_attention_tests_and_stratified(published):
    tests = stats.attention_tests(published)
    assert tests["reports"].tolist()[0] == "All reports" and len(tests) == 3
    assert tests["n"].tolist() == [218, 153, 65]
    strat = stats.stratified_attention(published)
    assert strat["or_low"] < strat["or_pooled"] < strat["or_high"]
    assert 0 < strat["p_cmh"] < 1 and 0 < strat["p_breslow_day"] <= 1


def test_category_tests_skip_unpublished_cells(published):
    cc = stats.category_country_tests(published)
    assert len(cc) == 7
    assert (cc["p_holm"] >= cc["p_fisher"] - 1e-12).all()
    cp = stats.category_period_tests(published)
    # The thesis gives slot counts for economic, political and security codes only.
    assert set(cp["category"]) == {"economic", "political_diplomatic", "security_military"}
    row = cp[(cp["country"] == "russia") & (cp["category"] == "security_military")].iloc[0]
    assert (row["before"], row["after"]) == (9, 4)


def test_a_corpus_rerun_gets_every_category(small_corpus):
    counts = load_counts(small_corpus)
    cp = stats.category_period_tests(counts)
    assert len(cp) == 14
    ci = stats.category_share_intervals(counts)
    assert ci["k"].notna().all()


def test_shares_and_expected_pace(published):
    rep = stats.report_share_intervals(published)
    china = rep[(rep["measure"] == "after") & (rep["group"] == "China")].iloc[0]
    assert china["share"] == pytest.approx(100 * 78 / 115)
    assert china["low"] < china["share"] < china["high"]
    assert stats.after_share_expected(published) == pytest.approx(50, abs=0.5)
    facts = stats.interval_facts(published)
    assert facts["after_china_low_share"] == pytest.approx(china["low"])


def test_formatting_and_texts(published):
    assert stats.fmt_p(0.0004) == "< 0.001"
    assert stats.fmt_p(0.0696) == "0.070"
    assert stats.fmt_p(math.nan) == "–"
    assert stats.fmt_num(math.inf) == "∞"
    texts = stats.text_facts(published)
    assert texts["att_all_or"] == "1.70"
    assert all(isinstance(v, str) for v in texts.values())
    table = stats.readable_tests(stats.attention_tests(published))
    assert table["p_fisher"].map(type).eq(str).all()


def test_charts_build(published):
    for chart in (
        uncertainty_charts.after_share_intervals_chart(published),
        uncertainty_charts.category_share_intervals_chart(published),
        uncertainty_charts.category_share_intervals_chart(published, "any"),
    ):
        spec = chart.to_dict()
        assert "layer" in spec
    data = uncertainty_charts.category_share_intervals_chart(published).to_dict()
    assert np.isfinite([row["high"] for row in next(iter(data["datasets"].values()))]).all()


def test_k_by_two_matches_scipy_and_falls_back_to_two_by_two():
    from scipy.stats import chi2_contingency

    t = [[30, 10], [20, 20], [5, 25]]
    res = stats.k_by_two(t)
    assert res["dof"] == 2 and res["p_chi2"] == pytest.approx(chi2_contingency(t, correction=False).pvalue)
    assert math.isnan(res["p_fisher"]) and math.isnan(res["odds_ratio"])
    assert stats.k_by_two([[78, 37], [57, 46]]) == stats.two_by_two([[78, 37], [57, 46]])
    # A partner with no report carries no information: the rest is a 2 x 2 table.
    assert stats.k_by_two([[78, 37], [0, 0], [57, 46]])["p_fisher"] == pytest.approx(
        stats.two_by_two([[78, 37], [57, 46]])["p_fisher"]
    )
    with pytest.raises(ValueError, match="2 columns"):
        stats.k_by_two([[1, 2, 3]])


def test_two_partners_have_one_pair_whose_holm_is_its_fisher(published):
    tests = stats.attention_tests(published)
    assert tests["website"].tolist() == ["", "government", "president"]
    pairs = stats.pairwise_attention_tests(published)
    assert len(pairs) == 3 and (pairs["partner_a"] == "china").all() and (pairs["partner_b"] == "russia").all()
    assert pairs["p_holm"].tolist() == pytest.approx(pairs["p_fisher"].tolist())
    assert pairs["p_fisher"].tolist() == pytest.approx(tests["p_fisher"].tolist())
    # The text keys of two partners are the book's: no pairwise extras to glue.
    assert not any(k.startswith(("pair_", "ccp_")) for k in stats.text_facts(published))
    assert "website" not in stats.readable_tests(tests).columns


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=30))
def test_holm_is_statsmodels_holm(pvalues: list[float]) -> None:
    """The library's Holm adjustment (written out to avoid statsmodels' gc.collect() per call) gives
    what statsmodels' multipletests gives, in the input's order, ties and ones included."""
    from unittest import mock

    from statsmodels.stats.multitest import multipletests

    from kzperception.analysis.stats import holm

    # statsmodels collects garbage on every call, a quarter of a second in a test worker's large
    # heap and nothing to do with the numbers compared: 12 s of `make unit` went there
    with mock.patch("gc.collect"):
        expected = multipletests(pvalues, method="holm")[1]
    assert holm(pvalues) == pytest.approx(list(expected), abs=1e-12)


def test_a_pooled_odds_ratio_of_exactly_one_gives_no_warning_on_the_page():
    """Breslow-Day's quadratic degenerates when the pooled odds ratio is exactly 1, and statsmodels
    then divides by zero: numpy's RuntimeWarning would print under a chapter's table. The test is left
    undefined (NaN, said as not known), the rest is given, and nothing is printed."""
    import datetime as dt
    import warnings

    import pandas as pd

    from kzperception.data.counts import Counts
    from kzperception.data.window import Window

    reports = pd.DataFrame(
        [(c, w, p, 3) for c in ("china", "russia") for w in ("government", "president") for p in ("before", "after")],
        columns=["country", "website", "period", "n"],
    )
    codes = pd.DataFrame(columns=["country", "period", "category", "mode", "level", "n"])
    window = Window(dt.date(2021, 1, 1), dt.date(2022, 1, 1), dt.date(2022, 12, 31))
    counts = Counts(reports, codes, window, "generated")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        strat = stats.stratified_attention(counts)
    assert strat["or_pooled"] == pytest.approx(1.0) and not math.isnan(strat["p_cmh"])
    assert math.isnan(strat["p_breslow_day"]) or 0 <= strat["p_breslow_day"] <= 1
