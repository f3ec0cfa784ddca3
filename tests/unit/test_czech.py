"""Czech number formatting for the summary."""

from __future__ import annotations

import datetime as dt
import math

from kzperception.book.czech import czech_date, czech_facts, czech_number


def test_czech_number() -> None:
    assert czech_number(110.8108) == "110,8"
    assert czech_number(218) == "218"
    assert czech_number(12345.67) == "12\u00a0345,7"
    assert czech_number(math.nan) == "–"


def test_czech_facts_keep_counts_whole_and_shares_decimal() -> None:
    out = czech_facts({"n_reports": 218, "economic_main": 112.0, "china_change": 110.81, "x_share": 50.0})
    assert out == {"n_reports": "218", "economic_main": "112", "china_change": "110,8", "x_share": "50,0"}


def test_czech_date() -> None:
    assert czech_date(dt.date(2022, 2, 24)) == "24. února 2022"
    assert czech_date(dt.date(2020, 8, 24)) == "24. srpna 2020"
