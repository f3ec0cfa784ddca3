"""The window's shape in words: how long its periods are, and where it sits on the corpus's dates.

A researcher's window need not be the thesis's two equal halves of a year and a half: two years
before a pivot and three after, or a window opening long before the corpus's first report, are
ordinary. Raw counts of such periods do not compare as they stand, and days the corpus does not
cover still count towards a period's length. This module states both facts so that no page
compares counts over two and three years as if they covered the same time, or leaves a reader to
guess why a period holds few reports.

The values are typed (:class:`CorpusSpan`, the window's own :attr:`~kzperception.data.window.Window.periods_differ`
and day counts, :func:`~kzperception.analysis.measures.period_facts`); the sentences that state them
are verdicts of :mod:`kzperception.readings` (``period_lengths``, ``period_rates``,
``window_coverage``), rendered by its one renderer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from kzperception.data.counts import Counts
from kzperception.data.window import Window


@dataclass(frozen=True)
class CorpusSpan:
    """The corpus's first and last report dates against a window.

    ``days_before_first`` is how many days of the window come before the corpus's first report
    (0 when the window opens on or after it), ``days_after_last`` how many come after its last:
    days on which the corpus holds no report, whether none was published or none was collected.
    """

    first: dt.date
    last: dt.date
    window: Window

    @property
    def starts_before_first(self) -> bool:
        return self.window.start < self.first

    @property
    def ends_after_last(self) -> bool:
        return self.window.end > self.last

    @property
    def days_before_first(self) -> int:
        return max(0, (self.first - self.window.start).days)

    @property
    def days_after_last(self) -> int:
        return max(0, (self.window.end - self.last).days)


def corpus_span(dates: pd.Series, window: Window) -> CorpusSpan | None:
    """The first and last of a corpus's report dates against ``window``; None for no dated report."""
    parsed = pd.to_datetime(pd.Series(dates), errors="coerce").dropna()
    if parsed.empty:
        return None
    return CorpusSpan(parsed.min().date(), parsed.max().date(), window)


def counts_span(counts: Counts) -> CorpusSpan | None:
    """The span of the corpus behind ``counts``; None for the published figures, which carry no dates."""
    if counts.corpus is None:
        return None
    return corpus_span(counts.corpus.reports["date"], counts.window)
