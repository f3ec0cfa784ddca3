"""How much the before/after contrast depends on the pivot date (section 6.5).

The thesis splits its window on 24 February 2022. A reader may fairly ask whether the contrast it
reports is a property of that day or of any split near it. This module moves the pivot across
the window and recounts. Two things change when the pivot moves, and both are handled:

* the periods get unequal lengths, so raw counts are not comparable; the change is measured as a
  ratio of reports *per day* (``rate_after / rate_before``), which is 1 when attention is flat;
* the question "did attention shift from one partner to another" is a test of partner x period
  independence on the table of counts: with two partners (the thesis's China and Russia) a 2 x 2
  table, tested with Fisher's exact test for small corpora and the chi-square test (with Yates's
  correction) for large ones, where both agree and Fisher is slow; with three or more partners
  the chi-square test on the k x 2 table.

The partners are those of ``data/partners.yaml`` (every one of them, in file order).

A sweep needs the date of every report. The published figures have none (the thesis prints counts
per period only), so the sweep refuses them and asks for a corpus; the book's section shows a
synthetic demonstration corpus instead and says so.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from scipy import stats

from kzperception.analysis.stats import named
from kzperception.data.corpus import Corpus, corpus_from_frames
from kzperception.data.counts import PUBLISHED, Counts, SourceError, resolve_source
from kzperception.data.vocabulary import Vocabulary
from kzperception.data.window import THESIS_WINDOW, Window, WindowError, parse_date

#: Corpora up to this many reports (in the window) are tested with Fisher's exact test.
FISHER_MAX = 10_000
#: The default sweep: 26 weeks either side of the window's pivot (clipped to the window), weekly.
DEFAULT_REACH = dt.timedelta(weeks=26)
DEFAULT_STEP = 7
DEMO_SEED = 1
COLUMNS = [
    "pivot",
    "country",
    "n_before",
    "n_after",
    "days_before",
    "days_after",
    "rate_before",
    "rate_after",
    "change",
    "p_value",
    "test",
]

NO_DATES = (
    "--source published: the published figures give counts per period, not a date per report, "
    "so the pivot cannot be moved; pass a corpus folder (e.g. one made by `kzperception synth`)"
)


def pivots(
    first: str | dt.date | None = None,
    last: str | dt.date | None = None,
    step_days: int = DEFAULT_STEP,
    window: Window = THESIS_WINDOW,
) -> list[dt.date]:
    """The pivots of a sweep: every ``step_days`` from ``window.pivot``, within ``first`` .. ``last``.

    The grid is anchored on the window's own pivot so that the pivot the thesis chose is always one
    of the rows (when it lies in the range) and the sweep can be read against it.
    """
    a = (
        parse_date("from", first)
        if first is not None
        else max(window.pivot - DEFAULT_REACH, window.start + dt.timedelta(days=1))
    )
    b = parse_date("to", last) if last is not None else min(window.pivot + DEFAULT_REACH, window.end)
    if step_days < 1:
        raise WindowError(f"--step-days: must be at least 1, got {step_days}")
    if a > b:
        raise WindowError(f"sweep: --from {a} is after --to {b}")
    if a <= window.start or b > window.end:
        raise WindowError(f"sweep: pivots must lie after the start {window.start} and not after the end {window.end}")
    k_first = -((window.pivot - a).days // step_days)
    k_last = (b - window.pivot).days // step_days
    out = [window.pivot + dt.timedelta(days=k * step_days) for k in range(k_first, k_last + 1)]
    if not out:
        raise WindowError(f"sweep: no pivot between {a} and {b} on the {step_days}-day grid from {window.pivot}")
    return out


def _p_value(table: np.ndarray) -> tuple[float, str]:
    """p-value of partner x period independence on a k x 2 table, and the test that gave it.

    Rows without a report are left out; fewer than two rows left, or an empty column, is no test.
    """
    table = table[table.sum(axis=1) > 0]
    if len(table) < 2 or (table.sum(axis=0) == 0).any():
        return float("nan"), "none"
    if len(table) == 2 and table.sum() <= FISHER_MAX:
        return float(stats.fisher_exact(table).pvalue), "fisher"
    return float(stats.chi2_contingency(table, correction=True).pvalue), "chi2"


def pivot_sweep(
    corpus: Corpus,
    first: str | dt.date | None = None,
    last: str | dt.date | None = None,
    step_days: int = DEFAULT_STEP,
    window: Window = THESIS_WINDOW,
) -> pd.DataFrame:
    """Recount before/after for every pivot of the sweep; one row per pivot and partner.

    ``window`` fixes the start and end (its own pivot is ignored). Columns: ``pivot, country,
    n_before, n_after, days_before, days_after, rate_before, rate_after`` (reports per day),
    ``change`` (``rate_after / rate_before``), ``p_value`` and ``test`` (the partner x period test,
    the same for every row of a pivot).
    """
    days = pivots(first, last, step_days, window)
    start = np.datetime64(window.start, "D")
    end = np.datetime64(window.end, "D")
    piv = np.array(days, dtype="datetime64[D]")
    d = corpus.reports["date"].to_numpy().astype("datetime64[D]")
    country = corpus.reports["country"].astype(str).to_numpy()
    partners = corpus.vocabulary.partner_ids
    counts = {}
    for c in partners:
        mine = np.sort(d[(country == c) & (d >= start) & (d <= end)])
        n_before = np.searchsorted(mine, piv, side="left")
        counts[c] = (n_before, len(mine) - n_before)
    days_before = (piv - start).astype(np.int64)
    days_after = (end - piv).astype(np.int64) + 1
    tests = [_p_value(np.array([[counts[c][0][i], counts[c][1][i]] for c in partners])) for i in range(len(days))]
    frames = []
    for c in partners:
        nb, na = counts[c]
        rb, ra = nb / days_before, na / days_after
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.where(rb > 0, ra / np.where(rb > 0, rb, 1), np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "pivot": pd.to_datetime(piv),
                    "country": c,
                    "n_before": nb,
                    "n_after": na,
                    "days_before": days_before,
                    "days_after": days_after,
                    "rate_before": rb,
                    "rate_after": ra,
                    "change": change,
                    "p_value": [t[0] for t in tests],
                    "test": [t[1] for t in tests],
                }
            )
        )
    out = pd.concat(frames, ignore_index=True).sort_values(["pivot", "country"], kind="stable")
    # The corpus's partners in its order, with their labels, for the facts and tables drawn from the sweep.
    out.attrs.update(
        window=str(window),
        step_days=step_days,
        partner_labels={c: corpus.vocabulary.partner_label(c) for c in partners},
    )
    return out.reset_index(drop=True)[COLUMNS]


def demonstration_corpus(seed: int = DEMO_SEED) -> Corpus:
    """The synthetic corpus the book's section uses when only the published figures are at hand."""
    from kzperception.fieldwork.synth import synthesize

    reports, codes = synthesize(seed)
    return corpus_from_frames(reports.astype("string").astype(object), codes.astype("string").astype(object))


def sweep_corpus(source: str, allow_demo: bool = True) -> tuple[Corpus, bool]:
    """The corpus to sweep and whether it is the synthetic stand-in for the published figures.

    With ``allow_demo=False`` (the CLI) the published figures are refused with :data:`NO_DATES`.
    """
    from kzperception.data.corpus import load_corpus

    resolved = resolve_source(source)
    if resolved == PUBLISHED:
        if not allow_demo:
            raise SourceError(NO_DATES)
        return demonstration_corpus(), True
    return load_corpus(resolved), False


def sensitivity_facts(
    sweep: pd.DataFrame, pivot: str | dt.date = THESIS_WINDOW.pivot, alpha: float = 0.05
) -> dict[str, float]:
    """Named numbers for the section's prose, from a sweep frame.

    ``<partner>_ahead`` counts the pivots at which that partner's change is larger than every other
    partner's; with two partners only the first's is given (the second's is the rest, ties aside),
    which is the thesis book's ``china_ahead``.
    """
    at = pd.Timestamp(parse_date("pivot", pivot))
    facts: dict[str, float] = {
        "n_pivots": float(sweep["pivot"].nunique()),
        "step_days": float(sweep.attrs.get("step_days", DEFAULT_STEP)),
    }
    per_pivot = sweep.drop_duplicates("pivot")
    facts["n_significant"] = float((per_pivot["p_value"] < alpha).sum())
    facts["significant_share"] = 100.0 * facts["n_significant"] / facts["n_pivots"] if facts["n_pivots"] else np.nan
    wide = sweep.pivot(index="pivot", columns="country", values="change")
    partners = [c for c in sweep_partner_labels(sweep) if c in wide.columns]
    for c in named(partners):
        others = wide[[o for o in partners if o != c]]
        facts[f"{c}_ahead"] = (
            float((wide[c].to_numpy()[:, None] > others.to_numpy()).all(axis=1).sum())
            if len(others.columns)
            else np.nan
        )
    for c in partners:
        s = sweep[sweep["country"] == c]
        facts[f"{c}_change_min"] = float(s["change"].min())
        facts[f"{c}_change_max"] = float(s["change"].max())
        row = s[s["pivot"] == at]
        facts[f"{c}_change_at_pivot"] = float(row["change"].iloc[0]) if len(row) else np.nan
    row = per_pivot[per_pivot["pivot"] == at]
    facts["p_at_pivot"] = float(row["p_value"].iloc[0]) if len(row) else np.nan
    return facts


def sweep_command(sweep: pd.DataFrame, window: Window) -> str:
    """The ``kzperception sensitivity`` call that prints ``sweep`` as CSV, for a corpus in ``DIR``,
    one option a line, continued with a backslash.

    Why: a page that tells a reader how to repeat its sweep must give that sweep's window, anchor
    and range, not the thesis's; the grid of pivots is anchored on ``window.pivot``.
    """
    step = int(sweep.attrs.get("step_days", DEFAULT_STEP))
    lines = [
        "kzperception sensitivity",
        "--source DIR",
        f"--start {window.start}",
        f"--pivot {window.pivot}",
        f"--end {window.end}",
        f"--from {sweep['pivot'].min():%Y-%m-%d}",
        f"--to {sweep['pivot'].max():%Y-%m-%d}",
        f"--step-days {step}",
    ]
    return " \\\n  ".join(lines)  # short lines, continued: a phone shows them whole


def rate_change_facts(counts: Counts) -> dict[str, float]:
    """Per-day change (after / before) of each partner from a counts frame, e.g. the published one.

    Lets the prose set the thesis's own figures beside the sweep: with no dates per report, this
    single pivot is all the published counts can give.
    """
    w = counts.window
    days_before, days_after = w.days_before, w.days_after
    r = counts.reports.groupby(["country", "period"])["n"].sum()
    facts: dict[str, float] = {"days_before": float(days_before), "days_after": float(days_after)}
    for c in counts.vocabulary.partner_ids:
        before, after = float(r.get((c, "before"), 0)), float(r.get((c, "after"), 0))
        facts[f"{c}_rate_change_published"] = (after / days_after) / (before / days_before) if before else np.nan
    return facts


def sweep_partner_labels(sweep: pd.DataFrame) -> dict[str, str]:
    """The swept corpus's partners and labels (kept by :func:`pivot_sweep`), else the project's."""
    labels = sweep.attrs.get("partner_labels")
    return dict(labels) if labels else Vocabulary.default().partner_labels


def summary_table(sweep: pd.DataFrame, pivot: str | dt.date = THESIS_WINDOW.pivot) -> pd.DataFrame:
    """Per partner: the change at the given pivot, and the smallest and largest change with their pivots."""
    at = pd.Timestamp(parse_date("pivot", pivot))
    rows = []
    labels = sweep_partner_labels(sweep)
    for c in labels:
        s = sweep[sweep["country"] == c].reset_index(drop=True)
        if s.empty:
            continue
        here = s.loc[s["pivot"] == at, "change"]
        row: dict[str, object] = {
            "Country": labels[c],
            f"Change at {at:%Y-%m-%d}": float(here.iloc[0]) if len(here) else np.nan,
        }
        if s["change"].notna().any():  # a partner with no report before any pivot has no ratio at all
            lo, hi = s["change"].idxmin(), s["change"].idxmax()
            row.update(
                {
                    "Smallest change": float(s.loc[lo, "change"]),
                    "Smallest at": f"{s.loc[lo, 'pivot']:%Y-%m-%d}",
                    "Largest change": float(s.loc[hi, "change"]),
                    "Largest at": f"{s.loc[hi, 'pivot']:%Y-%m-%d}",
                }
            )
        else:
            row.update({"Smallest change": np.nan, "Smallest at": "", "Largest change": np.nan, "Largest at": ""})
        rows.append(row)
    return pd.DataFrame(rows)


def sweep_caveat(demo: bool) -> str:
    """A sentence the prose shows only for the demonstration corpus (empty otherwise)."""
    if not demo:
        return ""
    return (
        "Because the demonstration corpus spreads its dates evenly within each period, its curves "
        "are built to be steepest near the thesis's pivot, apart from the noise of the random dates; "
        "a real corpus need not behave so."
    )
