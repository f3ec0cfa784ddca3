"""The window's shape: period lengths, reports per day, and a window wider than the corpus.

Expected values are computed apart from the library: dates read from the CSV with plain pandas,
days counted by listing the calendar, rates divided by hand. The corpora are synthetic (labelled
so in their ``provenance``), written by the tests.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from kzperception.analysis import measures, periods
from kzperception.data.counts import load_counts
from kzperception.data.window import THESIS_WINDOW, Window
from kzperception.readings import registry, render
from kzperception.readings.verdicts import PeriodLengths, WindowCoverage
from tests.conftest import SMALL_CODES, SMALL_REPORTS, write_corpus

# First report of SMALL_REPORTS: r6, 2020-08-23; last: r5, 2023-08-25.
FIRST, LAST = pd.Timestamp("2020-08-23"), pd.Timestamp("2023-08-25")


def glued(counts, name: str) -> str:
    """The registered reading ``name`` as 6.2 glues it (``said_<name>``): the sentences are verdicts."""
    return registry.texts(counts, [name])[f"said_{name}"]


def _independent(csv: pd.DataFrame, start: str, pivot: str, end: str) -> dict[str, float]:
    """Reports per day from the CSV and the calendar, without the library's window or counts."""
    d = pd.to_datetime(csv["date"])
    before = (d >= start) & (d < pivot)
    after = (d >= pivot) & (d <= end)
    days_before = len(pd.date_range(start, pivot, freq="D")) - 1
    days_after = len(pd.date_range(pivot, end, freq="D"))
    out = {
        "days_before": days_before,
        "days_after": days_after,
        "before_per_day": before.sum() / days_before,
        "after_per_day": after.sum() / days_after,
    }
    for partner in sorted(set(csv.loc[before | after, "country"])):
        mine = csv["country"] == partner
        out[f"{partner}_before_per_day"] = (before & mine).sum() / days_before
        out[f"{partner}_after_per_day"] = (after & mine).sum() / days_after
    return out


@pytest.fixture
def small(tmp_path):
    folder = write_corpus(tmp_path / "small", SMALL_REPORTS, SMALL_CODES)
    return folder, pd.read_csv(folder / "reports.csv", dtype=str)


@pytest.mark.parametrize(
    "window",
    [
        ("2020-08-24", "2022-02-24", "2023-08-24"),
        ("2019-01-01", "2021-01-01", "2024-01-01"),
        ("2022-01-01", "2022-09-21", "2023-01-01"),
    ],
)
def test_reports_per_day_match_an_independent_count(small, window):
    folder, csv = small
    facts = measures.period_facts(load_counts(folder, Window.parse(*window)))
    expected = _independent(csv, *window)
    assert {k for k in facts if k.endswith("_per_day")} == {k for k in expected if k.endswith("_per_day")}
    for key, value in expected.items():
        assert facts[key] == pytest.approx(value), key
    longer = max(expected["days_before"], expected["days_after"])
    equal = abs(expected["days_before"] - expected["days_after"]) <= 0.05 * longer
    assert facts["periods_equal"] == int(equal)


def test_published_figures_per_day_on_the_thesis_window():
    facts = measures.period_facts(load_counts("published"))
    # Table 1: China 37 before and 78 after, Russia 46 and 57; the thesis's halves are 549 and 547 days.
    assert (facts["days_before"], facts["days_after"], facts["periods_equal"]) == (549, 547, 1)
    assert facts["china_before_per_day"] == pytest.approx(37 / 549)
    assert facts["russia_after_per_day"] == pytest.approx(57 / 547)
    assert facts["after_per_day"] == pytest.approx(135 / 547)


def test_equal_periods_are_said_equal_and_compare_by_counts():
    counts = load_counts("published")
    text = glued(counts, "period_rates")
    assert text == (
        "The two periods of the window are about equally long (549 and 547 days), "
        "so their counts compare as they stand."
    )
    assert registry.texts(counts, ["period_lengths"])["reading_period_lengths_cap"].startswith(
        "The two periods of the window are about equally long"
    )


def test_unequal_periods_are_said_to_differ_with_every_rate(small):
    folder, csv = small
    window = ("2019-01-01", "2021-01-01", "2024-01-01")
    w = Window.parse(*window)
    text = glued(load_counts(folder, w), "period_rates")
    expected = _independent(csv, *window)
    assert "differ in length (731 days before the pivot, 1,096 days after)" in text
    assert f"Per day, {w.label('before')} against {w.label('after')}" in text
    for name, key in [("all reports", ""), ("China", "china_"), ("Russia", "russia_")]:
        said = f"{name} {expected[key + 'before_per_day']:.3g} against {expected[key + 'after_per_day']:.3g}"
        assert said in text, said
    # No number in the sentence that is not a length, a year of a label or one of the rates.
    allowed = {"731", "1,096", "2019", "20", "2021", "24"} | {
        f"{v:.3g}" for k, v in expected.items() if k.endswith("_per_day")
    }
    assert set(re.findall(r"\d[\d,.]*\d|\d", text)) <= allowed


def test_one_partner_is_not_listed_beside_all_reports(tmp_path):
    only_china = "\n".join(line for line in SMALL_REPORTS.splitlines() if ",china," in line) + "\n"
    codes = "\n".join(line for line in SMALL_CODES.splitlines() if line.split(",")[0] in {"r1", "r2", "r3", "r8"})
    folder = write_corpus(tmp_path / "c", only_china, codes + "\n")
    text = glued(load_counts(folder, Window.parse("2019-01-01", "2021-01-01", "2024-01-01")), "period_rates")
    assert "all reports" in text and "China" not in text and "Russia" not in text


@pytest.mark.parametrize(
    ("window", "before", "after"),
    [
        (("2020-08-24", "2022-02-24", "2023-08-24"), False, False),  # inside r6 .. r5
        (("2020-08-23", "2022-02-24", "2023-08-25"), False, False),  # exactly the corpus's first and last day
        (("2020-01-01", "2022-02-24", "2023-08-24"), True, False),
        (("2020-08-24", "2022-02-24", "2024-01-01"), False, True),
        (("2019-01-01", "2021-01-01", "2024-01-01"), True, True),
    ],
)
def test_a_window_wider_than_the_corpus_is_named(small, window, before, after):
    folder, _ = small
    w = Window.parse(*window)
    counts = load_counts(folder, w)
    span = periods.counts_span(counts)
    assert (pd.Timestamp(span.first), pd.Timestamp(span.last)) == (FIRST, LAST)
    assert (span.starts_before_first, span.ends_after_last) == (before, after)
    assert span.days_before_first == max(0, (FIRST - pd.Timestamp(w.start)).days)
    assert span.days_after_last == max(0, (pd.Timestamp(w.end) - LAST).days)
    text = glued(counts, "window_coverage")
    assert (f"opens on {w.start}, " in text) is before
    assert (f"closes on {w.end}, " in text) is after
    assert (text == "") is (not before and not after)
    if before:
        assert f"{span.days_before_first:,} days before the corpus's first report (2020-08-23)" in text
    if after:
        assert "after its last (2023-08-25)" in text or "after the corpus's last report (2023-08-25)" in text


def test_published_figures_have_no_dates_and_no_coverage_note():
    counts = load_counts("published")
    assert periods.counts_span(counts) is None
    assert glued(counts, "window_coverage") == ""


def test_a_single_day_is_said_in_the_singular():
    span = periods.corpus_span(
        pd.Series(["2020-01-02", "2020-06-01"]), Window.parse("2020-01-01", "2020-03-01", "2020-06-01")
    )
    w = span.window
    text = render.sentence(
        WindowCoverage("window_coverage", "", start=w.start, end=w.end, first=span.first, last=span.last)
    )
    assert "opens on 2020-01-01, 1 day before the corpus's first report (2020-01-02)." in text
    assert "1 days" not in text
    one = Window.parse("2022-03-01", "2022-03-02", "2022-03-02")
    lengths = PeriodLengths("period_lengths", "", days_before=one.days_before, days_after=one.days_after)
    assert render.render(lengths).endswith("(1 day each)")


def test_no_dated_report_gives_no_span():
    assert periods.corpus_span(pd.Series([], dtype=str), THESIS_WINDOW) is None


@pytest.mark.parametrize(
    ("rate", "words"),
    [
        (37 / 549, "0.0674"),
        (78 / 547, "0.143"),
        (0.0, "0"),
        (1 / 36500, "0.0000274"),
        (12.345, "12.3"),
        (3.0, "3.00"),
        (4253 / 1150, "3.70"),
    ],
)
def test_rates_keep_three_significant_digits_without_exponents(rate, words):
    # trailing zeros kept: rates stand side by side ("3.70 against 3.55", never "3.7 against 3.55")
    assert render._per_day(rate) == words


def test_the_thesis_counts_stand_only_under_the_thesis_labels(small):
    from kzperception import paths

    folder, csv = small
    window = ("2019-01-01", "2021-01-01", "2024-01-01")
    counts, thesis = load_counts(folder, Window.parse(*window)), load_counts("published")
    table = measures.reports_beside_thesis(counts, thesis)
    assert list(table.columns) == [
        "country",
        "website",
        "this corpus, 2019–20",
        "this corpus, 2021–24",
        "thesis, 2020–22",
        "thesis, 2022–23",
    ]
    published = pd.read_csv(paths.PUBLISHED / "table1_reports.csv")
    d = pd.to_datetime(csv["date"])
    for row in table.itertuples(index=False):
        cell = published[(published["country"] == row[0]) & (published["website"] == row[1])]
        assert row[4] == cell.loc[cell["period"] == "before", "n"].item()
        assert row[5] == cell.loc[cell["period"] == "after", "n"].item()
        mine = (csv["country"] == row[0]) & (csv["website"] == row[1])
        assert row[2] == (mine & (d >= "2019-01-01") & (d < "2021-01-01")).sum()
        assert row[3] == (mine & (d >= "2021-01-01") & (d <= "2024-01-01")).sum()

    codes = measures.codes_beside_thesis(counts, thesis)
    assert list(codes.columns[-2:]) == ["this corpus, 2019–24", "thesis, 2020–23"]
    by_country = pd.read_csv(paths.PUBLISHED / "codes_by_country.csv")
    assert len(codes) == len(by_country)
    got = codes.set_index(["country", "category", "level"])["thesis, 2020–23"]
    for row in by_country.itertuples():
        assert got[(row.country, row.category, row.level)] == row.n


def test_beside_the_thesis_on_its_window_both_sides_carry_its_labels(small):
    folder, _ = small
    table = measures.reports_beside_thesis(load_counts(folder, THESIS_WINDOW), load_counts("published"))
    assert list(table.columns[2:]) == [
        "this corpus, 2020–22",
        "this corpus, 2022–23",
        "thesis, 2020–22",
        "thesis, 2022–23",
    ]


def test_the_rerun_front_page_names_unequal_periods_and_a_window_wider_than_the_corpus(small, tmp_path):
    from kzperception.book import rerun

    folder, _ = small
    wide = rerun.front_page(
        rerun.plan(folder, "2019-01-01", "2021-01-01", "2024-01-01", tmp_path / "o1", ["06-2-reports"])
    )
    top = wide.split("## What this rerun finds")[0]
    assert "differ in length (731 days before the pivot, 1,096 days after)" in top
    assert "Per day, 2019–20 against 2021–24" in top
    assert "The window opens on 2019-01-01, 600 days before the corpus's first report (2020-08-23)" in top
    assert "closes on 2024-01-01, 129 days after its last (2023-08-25)" in top
    inside = rerun.front_page(
        rerun.plan(folder, *THESIS_WINDOW.as_params().values(), tmp_path / "o2", ["06-2-reports"])
    )
    assert "about equally long (549 and 547 days)" in inside
    assert "The window opens" not in inside and "The window closes" not in inside
