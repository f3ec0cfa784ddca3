"""Window boundaries: the pivot day is 'after', the end day counts, outside is dropped."""

from __future__ import annotations

import pandas as pd
import pytest

from kzperception.data.window import THESIS_WINDOW, Window, WindowError


def test_boundaries():
    dates = pd.Series(
        pd.to_datetime(["2020-08-23", "2020-08-24", "2022-02-23", "2022-02-24", "2023-08-24", "2023-08-25"])
    )
    got = THESIS_WINDOW.period(dates).astype(object).where(lambda s: s.notna(), None).tolist()
    assert got == [None, "before", "before", "after", "after", None]


def test_labels_follow_window():
    assert THESIS_WINDOW.labels == {"before": "2020–22", "after": "2022–23", "all": "2020–23"}
    w = Window.parse("2020-02-24", "2022-02-24", "2024-02-24")
    assert w.label("before") == "2020–22"
    # Both periods in 2022: "2022" twice would not tell them apart, so the months are named.
    assert Window.parse("2022-01-01", "2022-06-01", "2022-12-31").label("after") == "Jun–Dec 2022"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("2020-13-01", "2022-02-24", "2023-08-24"), "--start: '2020-13-01' is not a date"),
        (("2020-08-24", "soon", "2023-08-24"), "--pivot: 'soon' is not a date"),
        (("2022-02-24", "2022-02-24", "2023-08-24"), "start 2022-02-24 must be before pivot"),
        (("2020-08-24", "2023-09-01", "2023-08-24"), "pivot 2023-09-01 must not be after end"),
    ],
)
def test_bad_windows(args, message):
    with pytest.raises(WindowError, match=message):
        Window.parse(*args)


def test_pivot_equal_end_is_allowed():
    w = Window.parse("2020-01-01", "2021-01-01", "2021-01-01")
    assert w.period(pd.Series(pd.to_datetime(["2021-01-01"]))).tolist() == ["after"]


def test_one_parser_takes_only_yyyy_mm_dd() -> None:
    import pytest

    from kzperception.data.window import WindowError, parse_date

    assert str(parse_date("pivot", "2022-02-24")) == "2022-02-24"
    for bad in ("2022-2-5", "20220224", "2022-02-24T00:00", "24.02.2022", "", "2022-02-30"):
        with pytest.raises(WindowError, match=r"--pivot: .* is not a date"):
            parse_date("pivot", bad)


def test_thesis_window_is_the_default_of_every_entry_point() -> None:
    from kzperception.data.window import THESIS_WINDOW, Window

    assert Window.from_options() == THESIS_WINDOW
    assert Window.from_options(pivot="2022-01-05").pivot.isoformat() == "2022-01-05"
    assert Window.spanning().pivot == THESIS_WINDOW.pivot
    assert Window.spanning("2024-01-01", "2024-12-31").pivot.isoformat() == "2024-07-01"


# Period labels, lengths and their comparison (issue 16, "windows of any shape"). Every expected
# label is written out by hand from the calendar, not from the code under test.


def test_thesis_labels_are_the_theses_own_and_its_periods_about_equally_long():
    # The thesis writes "2020–22" and "2022–23" (section 5); its halves are 549 and 547 days.
    assert THESIS_WINDOW.labels == {"before": "2020–22", "after": "2022–23", "all": "2020–23"}
    assert (THESIS_WINDOW.days_before, THESIS_WINDOW.days_after) == (549, 547)
    assert THESIS_WINDOW.periods_differ is False


@pytest.mark.parametrize(
    ("window", "before", "after", "whole"),
    [
        # The last day before a pivot of 1 January is in the previous year: "2019–20", not "2019–21".
        (("2019-01-01", "2021-01-01", "2023-01-01"), "2019–20", "2021–23", "2019–23"),
        (("2021-01-01", "2022-01-01", "2022-12-31"), "2021", "2022", "2021–22"),
        # Across a century the second year is written whole.
        (("1999-06-01", "2000-06-01", "2001-06-01"), "1999–2000", "2000–01", "1999–2001"),
        (("1998-01-01", "1999-12-31", "2000-02-01"), "1998–99", "1999–2000", "1998–2000"),
        # "2022" beside "2022–23" would hide that both cover 2022: months instead.
        (("2022-01-01", "2022-09-21", "2023-01-01"), "Jan–Sep 2022", "Sep 2022–Jan 2023", "Jan 2022–Jan 2023"),
        (("2019-01-01", "2022-03-01", "2022-12-31"), "Jan 2019–Feb 2022", "Mar–Dec 2022", "Jan 2019–Dec 2022"),
        # One window inside a year: months; inside a month: days.
        (("2022-02-01", "2022-05-01", "2022-08-31"), "Feb–Apr 2022", "May–Aug 2022", "Feb–Aug 2022"),
        (("2022-03-01", "2022-03-15", "2022-03-31"), "1–14 Mar 2022", "15–31 Mar 2022", "1–31 Mar 2022"),
        (("2022-03-20", "2022-04-10", "2022-04-25"), "20 Mar–9 Apr 2022", "10–25 Apr 2022", "20 Mar–25 Apr 2022"),
        (
            ("2021-12-20", "2022-01-03", "2022-01-20"),
            "20 Dec 2021–2 Jan 2022",
            "3–20 Jan 2022",
            "20 Dec 2021–20 Jan 2022",
        ),
        # One-day periods.
        (("2022-03-01", "2022-03-02", "2022-03-02"), "1 Mar 2022", "2 Mar 2022", "1–2 Mar 2022"),
        (("2021-12-31", "2022-01-01", "2022-01-01"), "2021", "2022", "2021–22"),
    ],
)
def test_labels_are_the_span_of_each_periods_first_and_last_day(window, before, after, whole):
    w = Window.parse(*window)
    assert w.labels == {"before": before, "after": after, "all": whole}
    assert w.label("before") != w.label("after")


def test_label_of_an_unknown_period_is_refused():
    with pytest.raises(ValueError, match="unknown period 'during'"):
        THESIS_WINDOW.label("during")


@pytest.mark.parametrize(
    ("window", "days_before", "days_after", "differ"),
    [
        (("2019-01-01", "2021-01-01", "2023-01-01"), 731, 731, False),  # 2020 is a leap year; the end day counts
        (("2019-01-01", "2021-01-01", "2024-01-01"), 731, 1096, True),
        (("2022-03-01", "2022-03-02", "2022-03-02"), 1, 1, False),
        (("2022-01-01", "2022-01-02", "2022-01-03"), 1, 2, True),
        # 5 % of the longer period is the line: 100 against 95 days is about equal, 94 is not.
        (("2022-01-01", "2022-04-11", "2022-07-14"), 100, 95, False),
        (("2022-01-01", "2022-04-11", "2022-07-13"), 100, 94, True),
    ],
)
def test_period_lengths_count_both_ends_and_differ_past_five_percent(window, days_before, days_after, differ):
    import datetime as dt

    w = Window.parse(*window)
    assert (w.days_before, w.days_after, w.days("all")) == (days_before, days_after, days_before + days_after)
    # Independent count: every calendar day of the window, sorted by the window's own rule.
    days = pd.Series(pd.date_range(w.start, w.end, freq="D"))
    assert days.lt(pd.Timestamp(w.pivot)).sum() == days_before
    assert w.periods_differ is differ
    assert w.last_day("before") == w.pivot - dt.timedelta(days=1) and w.first_day("after") == w.pivot
