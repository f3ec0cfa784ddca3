"""Date windows and slot assignment.

The thesis compares 1.5 years before and 1.5 years after 24 February 2022. A window is three
dates; ``before`` is ``start <= date < pivot`` and ``after`` is ``pivot <= date <= end`` (the pivot
day itself belongs to ``after``: the invasion began that morning). Reports outside are dropped.
Slot labels follow the window ("2020–22"), so a rerun on another window reads naturally.
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
    def from_options(cls, start: str | dt.date | None = None, pivot: str | dt.date | None = None,
                     end: str | dt.date | None = None) -> Window:
        """The window of a command or a chapter: the thesis's, with any date given replacing its own.

        Every entry point (CLI options, papermill parameters, ``open_chapter``) passes ``None`` for
        a date it was not given, so the thesis's dates are written in this module only.
        """
        t = THESIS_WINDOW
        return cls.parse(t.start if start is None else start, t.pivot if pivot is None else pivot,
                         t.end if end is None else end)

    @classmethod
    def spanning(cls, start: str | dt.date | None = None, end: str | dt.date | None = None) -> Window:
        """A window from ``start`` to ``end`` whose pivot is the thesis's when it falls inside, else the middle.

        For commands that move the pivot themselves (the sensitivity sweep): only the span is theirs.
        """
        t = THESIS_WINDOW
        s = t.start if start is None else parse_date("start", start)
        e = t.end if end is None else parse_date("end", end)
        if s >= e:
            raise WindowError(f"window: start {s} must be before end {e}")
        pivot = t.pivot if s < t.pivot <= e else s + dt.timedelta(days=max(1, (e - s).days // 2))
        return cls.parse(s, pivot, e)

    def period(self, dates: pd.Series) -> pd.Series:
        """``before`` / ``after`` for each date, missing (NA) outside the window."""
        d = pd.to_datetime(dates)
        start, pivot, end = (pd.Timestamp(x) for x in (self.start, self.pivot, self.end))
        codes = np.select([(d >= start) & (d < pivot), (d >= pivot) & (d <= end)], [0, 1], -1)
        return pd.Series(pd.Categorical.from_codes(codes, categories=["before", "after"]), index=dates.index)

    def label(self, period: str) -> str:
        """Reader-facing label of a period, e.g. ``2020–22``; the same year twice gives ``2022``."""
        if period == "all":
            return self._span(self.start, self.end)
        if period == "before":
            return self._span(self.start, self.pivot)
        if period == "after":
            return self._span(self.pivot, self.end)
        raise ValueError(f"unknown period {period!r}")

    @property
    def labels(self) -> dict[str, str]:
        return {p: self.label(p) for p in ("before", "after", "all")}

    @staticmethod
    def _span(a: dt.date, b: dt.date) -> str:
        if a.year == b.year:
            return str(a.year)
        return f"{a.year}–{b.year % 100:02d}" if a.year // 100 == b.year // 100 else f"{a.year}–{b.year}"

    def as_params(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "pivot": self.pivot.isoformat(), "end": self.end.isoformat()}

    def __str__(self) -> str:
        return f"{self.start} / {self.pivot} / {self.end}"


#: The thesis's window: 24 Aug 2020 – 24 Feb 2022 – 24 Aug 2023.
THESIS_WINDOW = Window(dt.date(2020, 8, 24), dt.date(2022, 2, 24), dt.date(2023, 8, 24))
