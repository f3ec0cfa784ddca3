"""The pivot sweep's readings (6.5) on generated corpora, checked against ratios counted by hand.

Hypothesis draws 1 to 4 partners with 0 to 12 report dates each, anywhere in a short window
(before it, inside, after it), so that partners appear only after some pivots, stop before
others, have the same ratio at every pivot, or none at all. For each corpus this file counts,
with plain Python, every partner's per-day ratio at every pivot of the sweep, and checks the
library's verdicts (:func:`kzperception.readings.sweep.verdicts`) and their sentences against
it: "every pivot of the sweep" only where the ratio is defined at every pivot, no "largest
ratio" on a flat line, "ahead" counted only where every partner has a ratio, and the
possessive of a name ending in s.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re

import pandas as pd
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kzperception.analysis.sensitivity import pivot_sweep, pivots
from kzperception.data.corpus import corpus_from_frames
from kzperception.data.vocabulary import Partner, Vocabulary
from kzperception.data.window import Window
from kzperception.readings import sweep as sweeping
from kzperception.readings.render import Labels, render

WINDOW = Window(dt.date(2021, 1, 1), dt.date(2021, 4, 1), dt.date(2021, 7, 1))
NAMES = {"p0": "Alpha", "p1": "United States", "p2": "Gamma", "p3": "Delta"}


@st.composite
def corpora(draw: st.DrawFn) -> dict[str, list[dt.date]]:
    n = draw(st.integers(1, 4))
    days = st.integers(-20, (WINDOW.end - WINDOW.start).days + 20).map(lambda d: WINDOW.start + dt.timedelta(days=d))
    return {f"p{i}": draw(st.lists(days, max_size=12)) for i in range(n)}


def _corpus(dates: dict[str, list[dt.date]]):  # type: ignore[no-untyped-def]
    vocab = dataclasses.replace(
        Vocabulary.default(),
        partners=tuple(Partner(id=p, label=NAMES[p], keywords_ru=("Альфа",)) for p in dates),
    )
    rows = [(f"{p}-{i}", p, "president", d.isoformat()) for p, ds in dates.items() for i, d in enumerate(ds)]
    if not rows:  # a corpus has at least one report; put it outside the window, where it counts nowhere
        first = next(iter(dates))
        rows = [(f"{first}-0", first, "president", (WINDOW.start - dt.timedelta(days=30)).isoformat())]
    reports = pd.DataFrame(rows, columns=["id", "country", "website", "date"]).astype(object)
    codes = pd.DataFrame(
        [(r[0], "economic", "cooperation", "main", "primary") for r in rows],
        columns=["report_id", "category", "mode", "level", "coder"],
    ).astype(object)
    return corpus_from_frames(reports, codes, vocabulary=vocab)


def _ratios(dates: list[dt.date], grid: list[dt.date]) -> list[float]:
    """Reports per day after the pivot over reports per day before it; NaN with no report before."""
    inside = [d for d in dates if WINDOW.start <= d <= WINDOW.end]
    out = []
    for day in grid:
        before = sum(d < day for d in inside)
        after = len(inside) - before
        rate_b = before / (day - WINDOW.start).days
        rate_a = after / ((WINDOW.end - day).days + 1)
        out.append(rate_a / rate_b if before else math.nan)
    return out


@settings(max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora())
def test_the_sweeps_readings_match_ratios_counted_by_hand(dates: dict[str, list[dt.date]]) -> None:
    grid = pivots(window=WINDOW)
    swept = pivot_sweep(_corpus(dates), window=WINDOW)
    said = {v.key: (v, render(v, Labels(partners=NAMES))) for v in sweeping.verdicts(swept, WINDOW.pivot)}
    ratios = {p: _ratios(ds, grid) for p, ds in dates.items()}
    for p, values in ratios.items():
        verdict, text = said[f"sweep_{p}"]
        known = [v for v in values if not math.isnan(v)]
        assert "United States's" not in text, text
        if not known:
            assert verdict.outcome == "undefined" and "not defined" in text, text
            continue
        assert (verdict.n, verdict.pivots) == (len(known), len(grid))
        assert ("at every pivot of the sweep" in text) == (len(known) == len(grid) and verdict.outcome != "crosses")
        expect = "above" if all(v > 1 for v in known) else "below" if all(v < 1 for v in known) else "crosses"
        assert verdict.outcome == expect
        flat = math.isclose(min(known), max(known), rel_tol=0, abs_tol=1e-12)
        assert ("largest ratio" in text) == (not flat), text  # no superlative where every value ties
        peak = re.search(r"largest ratio \(([0-9.]+)\)", text)
        if peak:  # a ratio above or below 1 is never printed as "1.0"
            assert float(peak[1]) != 1.0 or max(known) == 1.0, text
            assert math.isclose(float(peak[1]), max(known), abs_tol=0.051), text
        if len(known) < len(grid):
            assert f"before the other {len(grid) - len(known)} there is no report on {NAMES[p]}" in text, text
    if len(dates) >= 2:
        verdict, text = said["sweep_ahead"]
        first, *others = list(dates)
        defined = [i for i in range(len(grid)) if all(not math.isnan(ratios[p][i]) for p in dates)]
        ahead = sum(all(ratios[first][i] > ratios[o][i] for o in others) for i in defined)
        assert (verdict.n, verdict.ahead, verdict.pivots) == (len(defined), ahead, len(grid))
        if not defined:
            assert verdict.outcome == "undefined" and "no pivot gives every partner a ratio" in text, text
        else:
            assert ("where all are defined" in text) == (len(defined) < len(grid)), text
            assert "United States's" not in text, text


def test_a_ratio_near_1_is_printed_with_the_digits_that_tell_it_from_1() -> None:
    """A curve 'crosses 1' and 'peaks at 1.0' read as a contradiction; the peak gets the digits it needs."""
    from kzperception.readings import words
    from kzperception.readings.verdicts import SweepShape

    assert [words.ratio(x) for x in (2.24, 0.8, 1.0, 1.003, 0.996, 0.96)] == [
        "2.2",
        "0.8",
        "1.0",
        "1.003",
        "0.996",
        "0.96",
    ]
    v = SweepShape(
        "sweep_p0",
        "",
        partner="p0",
        above=1,
        below=52,
        n=53,
        pivots=53,
        low=0.5,
        peak=1.003,
        peak_day=dt.date(2021, 3, 1),
        days=31,
    )
    assert "its largest ratio (1.003) falls on 2021-03-01" in render(v, Labels(partners=NAMES))
