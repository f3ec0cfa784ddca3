"""The readings of sections 6.4 and 6.5 not yet moved into :mod:`kzperception.readings`.

What remains here: 6.4's plain reading of the two-partner test (:func:`attention_verdict`) and
6.5's pivot sweep. The readings of 6.3 and the rest of 6.4 are verdicts of the registry. The
rules below are listed with the registry's in ``docs/architecture.md``:

- **Chance.** :data:`ALPHA` (0.05, the convention of chapter 6.4): a p-value below it is "beyond
  what chance alone would produce", otherwise "within what chance alone could produce". A test
  that cannot be run (an empty row or column) is said to be untestable, never read as either.
- **Steady pace (6.4).** A share of reports after the pivot is above (below) a steady pace when
  its Wilson 95 % interval lies wholly above (below) the after-part's share of the window's days;
  otherwise within it.
- **Direction (6.4).** An odds ratio above 1 means the first partner's reports leaned more towards
  the after-period than the second's; the thesis's direction is the one its published counts give.
- **Sweep (6.5).** A partner's per-day ratio "stays above 1" when it is above 1 at every pivot of
  the sweep, "stays below" likewise, otherwise it "crosses 1". Its largest ratio "peaks near the
  pivot" when it lies within :data:`NEAR_DAYS` days of the window's pivot.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

import pandas as pd

from kzperception.analysis import stats
from kzperception.analysis.readings import (
    ALPHA,
    Reading,
    _together,
    count_phrase,
    p_is,
)
from kzperception.data.counts import Counts

#: A sweep's largest ratio "peaks near the pivot" within this many days of the window's pivot.
NEAR_DAYS = 28


def _nan(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _verdict(p: float) -> str:
    """The words of a p-value against :data:`ALPHA`; untestable when the test could not be run."""
    if _nan(p):
        return "could not be tested"
    return "beyond what chance alone would produce" if p < ALPHA else "within what chance alone could produce"


def _label(counts: Counts, partner: str) -> str:
    """A partner as the counts' own vocabulary names it (a corpus's partners.yaml, else the project's)."""
    return counts.vocabulary.partner_label(partner)


def thesis_beside(ours: Reading, thesis: Reading | None) -> str:
    """After a rerun's reading: that the thesis's published counts read the same, or their reading as the thesis's.

    Empty on the thesis's own pages (``thesis`` None). Two readings agree when their rules, which
    carry the verdict without the numbers, are equal.
    """
    if thesis is None:
        return ""
    if thesis.rule == ours.rule:
        return "The thesis's published counts read the same way."
    return f"The thesis's published counts read otherwise: {thesis.text}."


# --- 6.4: intervals and tests ------------------------------------------------------------------


def _all_row(counts: Counts) -> pd.Series:
    t = stats.attention_tests(counts)
    return t[t["website"] == ""].iloc[0]


def _direction(odds_ratio: float) -> int:
    if _nan(odds_ratio):
        return 0
    return 1 if odds_ratio > 1 else -1 if odds_ratio < 1 else 0


def attention_verdict(counts: Counts, baseline: Counts | None = None) -> Reading:
    """What the partner x period test over all reports says, beside the direction the thesis's counts give.

    ``baseline`` is the published counts beside a rerun (None: ``counts`` are the thesis's own).
    """
    partners = stats.partners_in(counts)
    row = _all_row(counts)
    rests = {
        "odds_ratio": float(row.get("odds_ratio", math.nan)),
        "p_fisher": float(row.get("p_fisher", math.nan)),
        "p_chi2": float(row.get("p_chi2", math.nan)),
    }
    if len(partners) != 2:
        # the test over every partner and each pair is the registry's ``test`` reading, said just
        # before on the page; with no pair there is no direction to read plainly
        return Reading("attention_verdict", "", rests, "no pair of two partners: no direction")
    a, b = (_label(counts, x) for x in partners)
    ours = _direction(rests["odds_ratio"])
    thesis_row = _all_row(baseline) if baseline is not None else row
    thesis = _direction(float(thesis_row.get("odds_ratio", math.nan)))
    p = rests["p_fisher"]
    if ours == 0 or _nan(p):
        text = (
            f"these counts give no direction: {a}'s and {b}'s reports divide between the periods alike, "
            "or a cell is empty"
            if not _nan(p)
            else "these counts are too few for the test to say anything"
        )
        return Reading("attention_verdict", text, rests, "no direction")
    lead, lag = (a, b) if ours > 0 else (b, a)
    odds = stats.fmt_num(rests["odds_ratio"])
    same = ours == thesis
    text = (
        f"the counts lean {'the way the thesis describes' if same else 'the other way from the thesis'}: "
        f"reports on {lead} shifted towards the after-period more than reports on {lag} "
        f"(an odds ratio of {odds}), by a margin {_verdict(p)} (Fisher {p_is(p)})"
    )
    if p >= ALPHA:
        text += (
            ". Under the simple model a gap of this size would turn up by chance in a fair share of cases, so "
            "the counts fit both a real difference in how the invasion changed attention to the two countries "
            "and none; "
            + (
                "that is not evidence against the thesis, but this part of its finding rests on a "
                "modest number of reports and reads better as a tendency than as an established "
                "difference"
                if same
                else "neither direction is established by them"
            )
        )
    else:
        text += (
            ". Under the simple model a gap this large would rarely arise by chance alone; since the real "
            "uncertainty is larger than the model's, this supports the direction without settling its size"
        )
    return Reading("attention_verdict", text, rests, f"{'thesis' if same else 'other'} direction, {_verdict(p)}")


def uncertainty_readings(counts: Counts, baseline: Counts | None = None) -> list[Reading]:
    """Every reading section 6.4 prints, in page order (Russia's security codes as the thesis's named case)."""
    return [attention_verdict(counts, baseline)]


# --- 6.5: the pivot sweep ----------------------------------------------------------------------


def sweep_readings(sweep: pd.DataFrame, pivot: str | dt.date, demo: bool = False) -> list[Reading]:
    """What the sweep shows: each partner's ratio against 1 and its peak, who is ahead, and the p-value line.

    ``demo``: the sweep is the synthetic demonstration, and each reading says so.
    """
    at = pd.Timestamp(pivot)
    where = "in the demonstration corpus, " if demo else ""
    out: list[Reading] = []
    wide = sweep.pivot(index="pivot", columns="country", values="change")
    n = len(wide)
    from kzperception.analysis.sensitivity import sweep_partner_labels

    labels = sweep_partner_labels(sweep)

    def partner_label(c: str) -> str:
        return labels.get(c, c)

    for c in [c for c in labels if c in wide.columns]:
        s = wide[c].dropna()
        key = f"sweep_{c}"
        if s.empty:
            out.append(
                Reading(
                    key,
                    f"{where}{partner_label(c)} has no report before any pivot, so its ratio is not defined",
                    {},
                    "undefined",
                )
            )
            continue
        above = int((s > 1).sum())
        if above == len(s):
            shape = (
                f"{partner_label(c)}'s ratio stays above 1 at every pivot of the sweep, so attention to "
                f"{partner_label(c)} grew wherever the boundary is placed"
            )
            rule = "above"
        elif (s < 1).all():
            shape = (
                f"{partner_label(c)}'s ratio stays below 1 at every pivot of the sweep, so attention to "
                f"{partner_label(c)} fell wherever the boundary is placed"
            )
            rule = "below"
        else:
            shape = (
                f"{partner_label(c)}'s ratio crosses 1: above it at {above} of the {len(s)} pivots, so the "
                "direction of the change depends on where the boundary is placed"
            )
            rule = "crosses"
        peak = s.idxmax()
        days = abs((peak - at).days)
        near = days <= NEAR_DAYS
        shape += f"; its largest ratio ({s.max():.1f}) falls on {peak:%Y-%m-%d}, " + (
            f"within {NEAR_DAYS} days of the window's pivot, as a break at that moment would make it"
            if near
            else f"{days} days from the window's pivot"
        )
        out.append(
            Reading(
                key,
                where + shape,
                {"above": float(above), "n": float(len(s)), "peak_days": float(days)},
                f"{rule}; {'near' if near else 'far'}",
            )
        )
    partners = [c for c in labels if c in wide.columns]
    if len(partners) >= 2:
        first = partners[0]
        ahead = int((wide[first].to_numpy()[:, None] > wide[partners[1:]].to_numpy()).all(axis=1).sum())
        who = partner_label(first)
        others = _together([f"{partner_label(o)}'s" for o in partners[1:]])
        if ahead == n:
            text = f"{who}'s ratio is higher than {others} at every pivot"
        elif ahead == 0:
            text = f"{who}'s ratio is higher than {others} at no pivot"
        else:
            text = f"{who}'s ratio is higher than {others} at {ahead} of the {n} pivots"
        out.append(
            Reading(
                "sweep_ahead",
                where + text,
                {"ahead": float(ahead), "n": float(n)},
                "all" if ahead == n else "none" if ahead == 0 else "some",
            )
        )
    per = sweep.drop_duplicates("pivot").set_index("pivot")["p_value"]
    tested = per.dropna()
    k = int((tested < ALPHA).sum())
    here = per.get(at, math.nan)
    if tested.empty:
        text = "the test of the partners' balance cannot be run at any pivot"
        rule = "untested"
    elif k == len(tested):
        text = "the balance between the partners differs by more than chance alone would produce at every pivot"
        rule = "all"
    elif k == 0:
        text = "the balance between the partners stays within what chance alone could produce at every pivot"
        rule = "none"
    else:
        text = (
            f"the p-value moves above and below 0.05 as the pivot shifts (below it at {k} of the {len(tested)} "
            "pivots), so a single pivot's p-value is best read together with its neighbours"
        )
        rule = "some"
    if not _nan(here):
        text += f"; at the window's own pivot {p_is(float(here))}"
    out.append(
        Reading("sweep_p", where + text, {"n_below": float(k), "n": float(len(tested)), "p_at_pivot": here}, rule)
    )
    return out


def sweep_ranges(sweep: pd.DataFrame, facts: Mapping[str, float]) -> str:
    """Each swept partner's per-day change at the window's pivot and its range over the sweep, in one paragraph.

    Describes, does not judge (the judging sentences are :func:`sweep_readings`); names every
    partner of the swept corpus, so the paragraph holds for one partner or five. A partner with no
    report before any pivot has no ratio and is said so.
    """
    from kzperception.analysis.sensitivity import sweep_partner_labels

    labels = sweep_partner_labels(sweep)
    partners = [c for c in labels if c in set(sweep["country"])]

    def ratio(x: float) -> str:
        return "no ratio" if _nan(x) else f"{x:.1f}"

    at = [f"{ratio(facts.get(f'{c}_change_at_pivot', math.nan))} for {labels[c]}" for c in partners]
    text = f"At the window's own pivot the per-day change is {_together(at)}." if at else ""
    spans = []
    for c in partners:
        lo, hi = facts.get(f"{c}_change_min", math.nan), facts.get(f"{c}_change_max", math.nan)
        if _nan(lo) or _nan(hi):
            spans.append(f"{labels[c]} has no ratio at any pivot (no report before it)")
        else:
            spans.append(f"{labels[c]}'s ratio stays between {lo:.1f} and {hi:.1f}")
    if spans:
        text += f" Across the whole sweep {'; '.join(spans)}."
    return text.strip()


def sweep_test(facts: Mapping[str, float]) -> str:
    """The country x period test at the window's pivot and over the sweep, or why it cannot be run."""
    p = facts.get("p_at_pivot", math.nan)
    if _nan(p) and not facts.get("n_significant", 0):
        return (
            "The country x period test cannot be run on these reports: it needs reports on at least two "
            "countries, and some before and after the pivot."
        )
    at = "cannot be run at the window's pivot" if _nan(p) else f"gives p = {p:.3g} at the window's pivot"
    return f"The test of country x period {at}, and p < 0.05 at {significant_pivots(facts)}."


def significant_pivots(facts: Mapping[str, float]) -> str:
    """``12 pivots (22.6 % of the sweep)`` / ``one pivot (...)`` / ``no pivot``, from :func:`sensitivity_facts`."""
    n = facts.get("n_significant", math.nan)
    if _nan(n):
        return "an unknown number of pivots"
    phrase = count_phrase(n, "pivot")
    return phrase if not n else f"{phrase} ({facts['significant_share']:.1f} % of the sweep)"


def all_readings(counts: Counts, baseline: Counts | None = None) -> list[Reading]:
    """Every reading of 6.4 still chosen here, for the audit appendix's list of readings (those of
    6.3 are verdicts of :mod:`kzperception.readings.registry`, listed from there). The sweep of 6.5
    needs report dates, so its readings come from :func:`sweep_readings` on a sweep frame."""
    return uncertainty_readings(counts, baseline)
