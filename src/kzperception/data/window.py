"""Date windows and slot assignment.

The thesis compares 1.5 years before and 1.5 years after 24 February 2022. A window is three
dates; ``before`` is ``start <= date < pivot`` and ``after`` is ``pivot <= date <= end`` (the pivot
day itself belongs to ``after``: the invasion began that morning). Reports outside are dropped.

Period labels are computed from each period's first and last day (``before`` ends the day before
the pivot), so a rerun on another window reads naturally: the thesis's window gives "2020–22" and
"2022–23", as the thesis writes them. Where year labels would not tell the periods apart (one
period's years lie within the other's: "2022" beside "2022–23"), the labels name months
("Jan–Sep 2022", "Sep 2022–Jan 2023"), and where months do not either, days. Periods of unequal
length are named as such (:attr:`Window.periods_differ`), so that counts over two and three years
are never compared as if they covered the same time.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd


class WindowError(ValueError):
    """A window that cannot be used: unparseable dates or dates out of order."""


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(name: str, value: str | dt.date) -> dt.date:
    """The one date parser of the project: ``YYYY-MM-DD`` exactly, or a one-line error naming the option.

    Python's ``date.fromisoformat`` also takes ``20220224`` and, with surrounding spaces stripped,
    other shapes; a window's dates are written one way only, so anything else is refused.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        if not _ISO_DAY.fullmatch(text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise WindowError(f"--{name}: {str(value)!r} is not a date (YYYY-MM-DD)") from None


@dataclass(frozen=True)
class Window:
    """``start`` / ``pivot`` / ``end`` dates of a before/after comparison."""

    start: dt.date
    pivot: dt.date
    end: dt.date

    @classmethod
    def parse(cls, start: str | dt.date, pivot: str | dt.date, end: str | dt.date) -> Window:
        """Build a window from ISO strings, refusing bad dates and wrong order with one-line errors."""
        s, p, e = parse_date("start", start), parse_date("pivot", pivot), parse_date("end", end)
        if s >= p:
            raise WindowError(f"window: start {s} must be before pivot {p}")
        if p > e:
            raise WindowError(f"window: pivot {p} must not be after end {e}")
        return cls(s, p, e)

    @classmethod
    def from_options(
        cls, start: str | dt.date | None = None, pivot: str | dt.date | None = None, end: str | dt.date | None = None
    ) -> Window:
        """The window of a command or a chapter: the thesis's, with any date given replacing its own.

        Every entry point (CLI options, papermill parameters, ``open_chapter``) passes ``None`` for
        a date it was not given, so the thesis's dates are written in this module only.
        """
        t = THESIS_WINDOW
        return cls.parse(
            t.start if start is None else start, t.pivot if pivot is None else pivot, t.end if end is None else end
        )

    @classmethod
    def spanning(
        cls, start: str | dt.date | None = None, end: str | dt.date | None = None, pivot: str | dt.date | None = None
    ) -> Window:
        """A window from ``start`` to ``end`` whose pivot is ``pivot``, else the thesis's when it falls
        inside, else the middle.

        For commands that move the pivot themselves (the sensitivity sweep): the span is theirs, and
        the pivot only anchors the grid of pivots, so a rerun's sweep can be repeated exactly.
        """
        t = THESIS_WINDOW
        s = t.start if start is None else parse_date("start", start)
        e = t.end if end is None else parse_date("end", end)
        if s >= e:
            raise WindowError(f"window: start {s} must be before end {e}")
        if pivot is not None:
            return cls.parse(s, pivot, e)
        middle = t.pivot if s < t.pivot <= e else s + dt.timedelta(days=max(1, (e - s).days // 2))
        return cls.parse(s, middle, e)

    def period(self, dates: pd.Series) -> pd.Series:
        """``before`` / ``after`` for each date, missing (NA) outside the window."""
        d = pd.to_datetime(dates)
        start, pivot, end = (pd.Timestamp(x) for x in (self.start, self.pivot, self.end))
        codes = np.select([(d >= start) & (d < pivot), (d >= pivot) & (d <= end)], [0, 1], -1)
        return pd.Series(pd.Categorical.from_codes(codes, categories=["before", "after"]), index=dates.index)

    def first_day(self, period: str) -> dt.date:
        """The first day a period covers (``all`` is the whole window)."""
        return self.pivot if _period(period) == "after" else self.start

    def last_day(self, period: str) -> dt.date:
        """The last day a period covers: the day before the pivot for ``before``, else the end."""
        return self.pivot - dt.timedelta(days=1) if _period(period) == "before" else self.end

    def days(self, period: str) -> int:
        """How many days a period covers, both ends included (the thesis's: 549 before, 547 after)."""
        return (self.last_day(period) - self.first_day(period)).days + 1

    @property
    def days_before(self) -> int:
        return self.days("before")

    @property
    def days_after(self) -> int:
        return self.days("after")

    @property
    def periods_differ(self) -> bool:
        """Whether the two periods differ in length by more than :data:`PERIOD_LENGTH_TOLERANCE` of the longer.

        Raw counts of two periods compare directly only when the periods are about as long; the
        thesis's are 549 and 547 days (0.4 % apart), a window of two years against three is not.
        """
        longer = max(self.days_before, self.days_after)
        return abs(self.days_before - self.days_after) > PERIOD_LENGTH_TOLERANCE * longer

    def label(self, period: str) -> str:
        """Reader-facing label of a period: the years it covers (``2020–22``), finer where years are alike.

        The precision is the coarsest of year, month and day at which neither period's span lies
        within the other's (:meth:`precision`); ``all`` is labelled at the same precision.
        """
        return _span(self.first_day(period), self.last_day(period), self.precision)

    @property
    def precision(self) -> str:
        """``year``, ``month`` or ``day``: the coarsest at which the two periods' labels are told apart.

        Year labels that merely share a year ("2020–22", "2022–23", the thesis's) are distinct; one
        within the other ("2022" beside "2022–23", or the same "2022" twice) is not, and a finer
        unit is used. At day precision the periods never share a unit, so the choice always ends.
        """
        for unit in ("year", "month"):
            b = (_unit(self.first_day("before"), unit), _unit(self.last_day("before"), unit))
            a = (_unit(self.first_day("after"), unit), _unit(self.last_day("after"), unit))
            nested = (b[0] <= a[0] and a[1] <= b[1]) or (a[0] <= b[0] and b[1] <= a[1])
            if not nested:
                return unit
        return "day"

    @property
    def labels(self) -> dict[str, str]:
        return {p: self.label(p) for p in ("before", "after", "all")}

    def as_params(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "pivot": self.pivot.isoformat(), "end": self.end.isoformat()}

    def __str__(self) -> str:
        return f"{self.start} / {self.pivot} / {self.end}"


#: Two periods "differ in length" when their lengths differ by more than this part of the longer
#: one (5 %: about 27 days on the thesis's halves of a year and a half, whose own difference is 2).
PERIOD_LENGTH_TOLERANCE = 0.05

#: Month names of a label, fixed in English (``strftime`` would follow the machine's locale).
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _period(period: str) -> str:
    if period not in ("before", "after", "all"):
        raise ValueError(f"unknown period {period!r}")
    return period


def _unit(day: dt.date, unit: str) -> tuple[int, ...]:
    """The year, (year, month) or (year, month, day) a day falls in, comparable in time order."""
    return {"year": (day.year,), "month": (day.year, day.month), "day": (day.year, day.month, day.day)}[unit]


def _year_span(a: int, b: int) -> str:
    """``2022``; ``2020–22`` within one century, ``1999–2000`` across two."""
    if a == b:
        return str(a)
    return f"{a}–{b % 100:02d}" if a // 100 == b // 100 else f"{a}–{b}"


def _span(a: dt.date, b: dt.date, precision: str) -> str:
    """The label of the days ``a`` to ``b`` at a precision, each part said once ("Jan–Sep 2022")."""
    if precision == "year":
        return _year_span(a.year, b.year)
    ma, mb = _MONTHS[a.month - 1], _MONTHS[b.month - 1]
    if precision == "month":
        if a.year != b.year:
            return f"{ma} {a.year}–{mb} {b.year}"
        return f"{ma} {a.year}" if a.month == b.month else f"{ma}–{mb} {a.year}"
    if a.year != b.year:
        return f"{a.day} {ma} {a.year}–{b.day} {mb} {b.year}"
    if a.month != b.month:
        return f"{a.day} {ma}–{b.day} {mb} {a.year}"
    return f"{a.day} {ma} {a.year}" if a.day == b.day else f"{a.day}–{b.day} {ma} {a.year}"


#: The thesis's window: 24 Aug 2020 – 24 Feb 2022 – 24 Aug 2023.
THESIS_WINDOW = Window(dt.date(2020, 8, 24), dt.date(2022, 2, 24), dt.date(2023, 8, 24))
