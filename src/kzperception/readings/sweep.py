"""The readings of the pivot sweep (section 6.5): verdicts from a sweep frame, and its descriptions.

The sweep moves the pivot through the window and, at each pivot, gives every partner's per-day
ratio (after / before) and one test of the partners' balance
(:func:`kzperception.analysis.sensitivity.pivot_sweep`). Its verdicts need report dates, so they are
computed from that frame rather than from the counts; they are rendered by
:mod:`kzperception.readings.render` like every other verdict. The rules:

- **Shape.** A partner's ratio "stays above 1" when it is above 1 at every pivot of the sweep,
  "stays below" likewise, otherwise it "crosses 1". Its largest ratio "peaks near the pivot"
  when it lies within :data:`NEAR_DAYS` days of the window's pivot.
- **Ahead.** The first partner is ahead at a pivot when its ratio is above every other partner's.
- **Balance.** The test's p-value is read against :data:`~kzperception.readings.verdicts.ALPHA` at
  every pivot where it can be run: at all, none, or some of them.
- A demonstration sweep (synthetic data) says so in each reading.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

import pandas as pd

from kzperception.readings import words
from kzperception.readings.verdicts import ALPHA, SweepAhead, SweepBalance, SweepShape, Verdict, is_nan

#: A sweep's largest ratio "peaks near the pivot" within this many days of the window's pivot.
NEAR_DAYS = 28

#: The glue names of the sweep's readings besides ``sweep_<partner>`` (one per swept partner).
NAMES: tuple[str, ...] = ("sweep_ahead", "sweep_p", "sweep_partners")


#: What each of the sweep's readings asks, as the audit appendix lists it beside the registry's questions.
QUESTIONS: dict[str, str] = {
    "SweepShape": "how the partner's per-day ratio behaves as the pivot moves through the window (6.5)",
    "SweepAhead": "whether the first partner's per-day ratio stays above every other's as the pivot moves (6.5)",
    "SweepBalance": "at how many pivots of the sweep the partners' balance test falls below 5 % (6.5)",
}


def question(verdict: Verdict) -> str:
    """What a sweep verdict asks (:data:`QUESTIONS`), for a list of every reading of a book."""
    return QUESTIONS[type(verdict).__name__]


def partner_labels(sweep: pd.DataFrame) -> dict[str, str]:
    """The swept corpus's partners and their labels, in vocabulary order."""
    from kzperception.analysis.sensitivity import sweep_partner_labels

    return sweep_partner_labels(sweep)


def verdicts(sweep: pd.DataFrame, pivot: str | dt.date, demo: bool = False) -> list[Verdict]:
    """Every verdict of the sweep: each partner's shape, who is ahead (two partners or more), the balance test."""
    at = pd.Timestamp(pivot)
    wide = sweep.pivot(index="pivot", columns="country", values="change")
    labels = partner_labels(sweep)
    partners = [c for c in labels if c in wide.columns]
    out: list[Verdict] = []
    for c in partners:
        s = wide[c].dropna()
        if s.empty:
            out.append(SweepShape(f"sweep_{c}", "no ratio at any pivot", partner=c, demo=demo))
            continue
        peak = s.idxmax()
        out.append(
            SweepShape(
                f"sweep_{c}",
                f"ratio against 1 at every pivot; peak within {NEAR_DAYS} days of the pivot",
                partner=c,
                above=int((s > 1).sum()),
                below=int((s < 1).sum()),
                n=len(s),
                pivots=len(wide),
                low=float(s.min()),
                peak=float(s.max()),
                peak_day=peak.date(),
                days=abs((peak - at).days),
                near_days=NEAR_DAYS,
                demo=demo,
            )
        )
    if len(partners) >= 2:
        first = partners[0]
        defined = wide[partners].notna().all(axis=1)  # a pivot where a partner has no ratio compares nothing
        both = wide.loc[defined, partners]
        ahead = int((both[first].to_numpy()[:, None] > both[partners[1:]].to_numpy()).all(axis=1).sum())
        out.append(
            SweepAhead(
                "sweep_ahead",
                "first partner's ratio above every other's, counted over the pivots",
                first=first,
                others=tuple(partners[1:]),
                ahead=ahead,
                n=int(defined.sum()),
                pivots=len(wide),
                demo=demo,
            )
        )
    per = sweep.drop_duplicates("pivot").set_index("pivot")["p_value"]
    tested = per.dropna()
    here = per.get(at, math.nan)
    out.append(
        SweepBalance(
            "sweep_p",
            f"p against {ALPHA} at every pivot where the test runs",
            below=int((tested < ALPHA).sum()),
            n=len(tested),
            p_at_pivot=float(here) if not is_nan(here) else math.nan,
            demo=demo,
        )
    )
    return out


def ranges(sweep: pd.DataFrame, facts: Mapping[str, float]) -> str:
    """Each swept partner's per-day change at the window's pivot and its range over the sweep, in one paragraph.

    Describes, does not judge (the judging sentences are the verdicts above); names every partner of
    the swept corpus, so the paragraph holds for one partner or five. A partner with no report
    before any pivot has no ratio and is said so.
    """
    labels = partner_labels(sweep)
    partners = [c for c in labels if c in set(sweep["country"])]

    def ratio(x: float) -> str:
        return "no ratio" if is_nan(x) else words.ratio(x)

    at = [f"{ratio(facts.get(f'{c}_change_at_pivot', math.nan))} for {labels[c]}" for c in partners]
    text = f"At the window's own pivot the per-day change is {words.together(at)}." if at else ""
    spans = []
    for c in partners:
        lo, hi = facts.get(f"{c}_change_min", math.nan), facts.get(f"{c}_change_max", math.nan)
        if is_nan(lo) or is_nan(hi):
            spans.append(f"{labels[c]} has no ratio at any pivot (no report before it)")
        else:
            name = words.possessive(labels[c])
            spans.append(
                f"{name} ratio is {words.ratio(lo)} wherever it is defined"
                if words.ratio(lo) == words.ratio(hi)
                else f"{name} ratio stays between {words.ratio(lo)} and {words.ratio(hi)}"
            )
    if spans:
        text += f" Across the whole sweep {'; '.join(spans)}."
    return text.strip()


def significant_pivots(facts: Mapping[str, float]) -> str:
    """``12 pivots (22.6 % of the sweep)`` / ``one pivot (...)`` / ``no pivot``, from ``sensitivity_facts``."""
    n = facts.get("n_significant", math.nan)
    if is_nan(n):
        return "an unknown number of pivots"
    phrase = words.count(n, "pivot")
    return phrase if not n else f"{phrase} ({facts['significant_share']:.1f} % of the sweep)"


def test_line(facts: Mapping[str, float]) -> str:
    """The country x period test at the window's pivot and over the sweep, or why it cannot be run."""
    p = facts.get("p_at_pivot", math.nan)
    if is_nan(p) and not facts.get("n_significant", 0):
        return (
            "The country x period test cannot be run on these reports: it needs reports on at least two "
            "countries, and some before and after the pivot."
        )
    at = "cannot be run at the window's pivot" if is_nan(p) else f"gives p = {p:.3g} at the window's pivot"
    return f"The test of country x period {at}, and p < 0.05 at {significant_pivots(facts)}."
