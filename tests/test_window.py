"""Window boundaries: the pivot day is 'after', the end day counts, outside is dropped."""

from __future__ import annotations

import pandas as pd
import pytest

from kzperception.data.window import THESIS_WINDOW, Window, WindowError


def test_boundaries():
    dates = pd.Series(pd.to_datetime(
        ["2020-08-23", "2020-08-24", "2022-02-23", "2022-02-24", "2023-08-24", "2023-08-25"]))
    got = THESIS_WINDOW.period(dates).astype(object).where(lambda s: s.notna(), None).tolist()
    assert got == [None, "before", "before", "after", "after", None]


def test_labels_follow_window():
    assert THESIS_WINDOW.labels == {"before": "2020–22", "after": "2022–23", "all": "2020–23"}
    w = Window.parse("2020-02-24", "2022-02-24", "2024-02-24")
    assert w.label("before") == "2020–22"
    assert Window.parse("2022-01-01", "2022-06-01", "2022-12-31").label("after") == "2022"


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
