"""The window's shape in words: how long its periods are, and where it sits on the corpus's dates.

A researcher's window need not be the thesis's two equal halves of a year and a half: two years
before a pivot and three after, or a window opening long before the corpus's first report, are
ordinary. Raw counts of such periods do not compare as they stand, and days the corpus does not
cover still count towards a period's length. This module states both facts so that no page
compares counts over two and three years as if they covered the same time, or leaves a reader to
guess why a period holds few reports.

The values are typed (:class:`CorpusSpan`, the window's own :attr:`~kzperception.data.window.Window.periods_differ`
and day counts, :func:`~kzperception.analysis.measures.period_facts`); the sentences here are one
rendering of them, glued by the chapters under the names of :func:`period_texts`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kzperception.analysis.measures import partners_with_reports, period_facts
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


def days_words(n: int) -> str:
    """``1 day``, ``731 days``, ``1,096 days``."""
    return "1 day" if n == 1 else f"{n:,} days"


def rate_words(x: float) -> str:
    """A rate per day at three significant digits, never in exponent form (``0.0674``, ``0.143``, ``12.3``)."""
    if x != x:  # NaN: a period without days cannot exist in a valid window, but say so if it does
        return "n/a"
    if x == 0:
        return "0"
    return np.format_float_positional(x, precision=3, unique=False, fractional=False, trim="-")


def lengths_clause(window: Window) -> str:
    """Whether the two periods are about equally long, with their lengths; a clause without a full stop."""
    b, a = window.days_before, window.days_after
    if window.periods_differ:
        return (
            f"The two periods of the window differ in length ({days_words(b)} before the pivot, {days_words(a)} after)"
        )
    lengths = f"{days_words(b)} each" if a == b else f"{b:,} and {a:,} days"
    return f"The two periods of the window are about equally long ({lengths})"


def lengths_sentence(counts: Counts) -> str:
    """Section 6.2's sentence on the periods' lengths: when they differ, the reports per day of each.

    Periods about equally long compare by their counts; otherwise the counts favour the longer
    period, and the sentence gives every partner's reports per day (all reports first, then each
    partner with reports when there are several), each period against the other.
    """
    w = counts.window
    if not w.periods_differ:
        return f"{lengths_clause(w)}, so their counts compare as they stand."
    facts = period_facts(counts)
    lb, la = w.label("before"), w.label("after")
    groups = [("all reports", "")]
    partners = partners_with_reports(counts)
    if len(partners) > 1:
        groups += [(counts.vocabulary.partner_label(p), f"{p}_") for p in partners]
    rates = "; ".join(
        f"{name} {rate_words(facts[f'{key}before_per_day'])} against {rate_words(facts[f'{key}after_per_day'])}"
        for name, key in groups
    )
    return (
        f"{lengths_clause(w)}, so raw counts favour the longer period. Per day, {lb} "
        f"against {la}, the reports compare as follows: {rates}."
    )


def coverage_sentence(span: CorpusSpan | None) -> str:
    """Names a window that opens before the corpus's first report or closes after its last; else empty.

    Those days hold no report of the corpus, yet they count towards their period's length (and
    so lower its reports per day): a reader is told, rather than left to read the gap as silence.
    """
    if span is None or not (span.starts_before_first or span.ends_after_last):
        return ""
    w = span.window
    opens = f"opens on {w.start}, {days_words(span.days_before_first)} before the corpus's first report ({span.first})"
    closes = f"closes on {w.end}, {days_words(span.days_after_last)} after"
    if span.starts_before_first and span.ends_after_last:
        said = f"{opens}, and {closes} its last ({span.last})"
    elif span.starts_before_first:
        said = opens
    else:
        said = f"{closes} the corpus's last report ({span.last})"
    return (
        f"The window {said}. The corpus holds no report from those days, whether none was "
        "published or none was collected, yet they count towards their period's length."
    )


def period_texts(counts: Counts) -> dict[str, str]:
    """The glued sentences on the window's shape, by glue name.

    ``periods_length`` (6.2: the lengths, and reports per day when they differ),
    ``periods_length_clause`` (6.4: the lengths as a clause the page continues) and
    ``window_coverage`` (6.2 and a rerun's front page: a window wider than the corpus; empty
    otherwise, and always for the published figures).
    """
    return {
        "periods_length": lengths_sentence(counts),
        "periods_length_clause": lengths_clause(counts.window),
        "window_coverage": coverage_sentence(counts_span(counts)),
    }
