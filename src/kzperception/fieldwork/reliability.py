"""Inter-coder reliability per category: Krippendorff's alpha and, for two coders, Cohen's kappa.

The thesis was coded by one person and says so among its limits; a rerun with two or more coders
can put a number on agreement. The unit is a report, the value is whether a coder gave it the
category (in the given mode) at any level, main or secondary. Presence rather than level is
compared because a main/secondary disagreement is a matter of emphasis, while presence is the
question the category counts answer.

A coder who did not code a report contributes a missing value there (alpha handles those);
kappa uses the reports both coders coded. Where every pairable value is the same (nobody used a
category), both coefficients are undefined and reported as empty, not as a misleading 1; the
table's ``note`` says why a coefficient is empty, so no reader meets a bare dash.

The coder ``consensus`` (the codes the coders settled together, :mod:`kzperception.fieldwork.consensus`)
is not compared: it is made from the others' codes, so counting it as one more coder would raise
alpha by agreeing with them, and it would leave two coders without their kappa ("3 here").
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from kzperception.data.corpus import Corpus, CorpusError
from kzperception.data.vocabulary import MODES
from kzperception.fieldwork.consensus import CONSENSUS

RELIABILITY_COLUMNS: tuple[str, ...] = (
    "category",
    "mode",
    "alpha",
    "alpha_low",
    "alpha_high",
    "kappa",
    "kappa_se",
    "alpha_level",
    "n_reports",
    "note",
)

#: The values of the level comparison: not given, given as secondary, given as main.
LEVEL_VALUES: dict[str, float] = {"secondary": 1.0, "main": 2.0}

#: Bootstrap resamples (of reports, with replacement) behind alpha's 95% interval, and their seed:
#: fixed so that the same corpus always prints the same interval.
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20200824

#: Why a coefficient is empty (the ``note`` column); the book and the CLI show these as they are.
NO_SHARED_REPORT = "no report coded by two or more coders"
NO_VARIATION_ABSENT = "no variation: no coder gave this category to any report coded by two or more coders"
NO_VARIATION_PRESENT = "no variation: every coder gave this category to every report coded by two or more coders"
KAPPA_TWO_CODERS = "kappa is for exactly two coders ({n} here)"


def _note(matrix: np.ndarray, n_coders: int, alpha: float, kappa: float) -> str:
    """The reason ``alpha`` or ``kappa`` is empty, or ``""`` when both are given (kappa only for two)."""
    reasons = []
    pairable = (~np.isnan(matrix)).sum(axis=0) >= 2
    values = matrix[:, pairable]
    values = values[~np.isnan(values)]
    if alpha != alpha or (n_coders == 2 and kappa != kappa):
        if values.size == 0:
            reasons.append(NO_SHARED_REPORT)
        elif (values == 0).all():
            reasons.append(NO_VARIATION_ABSENT)
        else:  # alpha and kappa are undefined only without pairable values or without variation
            reasons.append(NO_VARIATION_PRESENT)
    if n_coders != 2:
        reasons.append(KAPPA_TWO_CODERS.format(n=n_coders))
    return "; ".join(reasons)


def compared_coders(corpus: Corpus) -> list[str]:
    """The coders whose agreement is measured: every coder of the corpus but the consensus."""
    return [c for c in corpus.coders if c != CONSENSUS]


def without_consensus(corpus: Corpus) -> Corpus:
    """``corpus`` with the consensus's codes left out (the same object when it has none)."""
    if CONSENSUS not in corpus.coders:
        return corpus
    return dataclasses.replace(corpus, codes=corpus.codes[(corpus.codes["coder"] != CONSENSUS).to_numpy()])


def presence_matrix(corpus: Corpus, category: str, mode: str) -> tuple[np.ndarray, list[str], list[str]]:
    """Coders x reports: 1 where the coder gave the category, 0 where not, NaN where not coded.

    Returns the matrix with its coders (rows) and report ids (columns), both sorted.
    """
    codes = corpus.codes
    coders = sorted(codes["coder"].astype(str).unique().tolist())
    reports = sorted(corpus.reports["id"].astype(str).tolist())
    coded = set(zip(codes["coder"].astype(str), codes["report_id"].astype(str), strict=True))
    hit = codes[(codes["category"].astype(str) == category) & (codes["mode"].astype(str) == mode)]
    present = set(zip(hit["coder"].astype(str), hit["report_id"].astype(str), strict=True))
    matrix = np.full((len(coders), len(reports)), np.nan)
    for i, coder in enumerate(coders):
        for j, report in enumerate(reports):
            if (coder, report) in coded:
                matrix[i, j] = 1.0 if (coder, report) in present else 0.0
    return matrix, coders, reports


def level_matrix(corpus: Corpus, category: str, mode: str) -> np.ndarray:
    """As :func:`presence_matrix`, with 0 (not given), 1 (secondary) and 2 (main): main against secondary."""
    matrix, coders, reports = presence_matrix(corpus, category, mode)
    codes = corpus.codes
    hit = codes[(codes["category"].astype(str) == category) & (codes["mode"].astype(str) == mode)]
    row, col = {c: i for i, c in enumerate(coders)}, {r: j for j, r in enumerate(reports)}
    for coder, report, level in zip(
        hit["coder"].astype(str), hit["report_id"].astype(str), hit["level"].astype(str), strict=True
    ):
        matrix[row[coder], col[report]] = LEVEL_VALUES[level]
    return matrix


def krippendorff_alpha(matrix: np.ndarray, values: tuple[float, ...] = (0.0, 1.0)) -> float:
    """Nominal alpha via the krippendorff package over ``values``; NaN when undefined (no pairable variation)."""
    import krippendorff

    pairable = (~np.isnan(matrix)).sum(axis=0) >= 2
    observed = matrix[:, pairable]
    if observed.size == 0 or len(np.unique(observed[~np.isnan(observed)])) < 2:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(
            krippendorff.alpha(reliability_data=observed, level_of_measurement="nominal", value_domain=list(values))
        )


def resampled_alphas(
    values: np.ndarray, draws: np.ndarray, domain: tuple[float, ...] = (0.0, 1.0), block: int = 100
) -> np.ndarray:
    """Nominal alpha of each resample of the units (columns) of ``values``; NaN where undefined.

    ``values`` is coders x units, every unit pairable (two values or more); row ``r`` of ``draws``
    holds the column indices of resample ``r``. Each unit's coincidences (Krippendorff's
    o_ck = n_uc (n_uk - [c = k]) / (m_u - 1)) are computed once, and a resample's coincidence
    matrix is their sum weighted by how often it drew each unit: one matrix product per block of
    resamples, where calling the krippendorff package per resample cost a second per category
    (``tests/unit/test_reliability.py`` checks the two agree). A resample that drew a single value
    has no expected disagreement, so its alpha is undefined, as :func:`krippendorff_alpha` says.
    """
    n_units = values.shape[1]
    per_value = np.stack([(values == v).sum(axis=0) for v in domain], axis=1).astype(float)
    pairable = per_value.sum(axis=1)
    k = len(domain)
    unit = per_value[:, :, None] * per_value[:, None, :] - np.eye(k)[None] * per_value[:, :, None]
    unit = (unit / (pairable - 1)[:, None, None]).reshape(n_units, k * k)
    alphas = np.empty(len(draws))
    for first in range(0, len(draws), block):
        rows = draws[first : first + block]
        offsets = (rows + np.arange(len(rows))[:, None] * n_units).ravel()
        weights = np.bincount(offsets, minlength=len(rows) * n_units).reshape(len(rows), n_units)
        coincidences = (weights @ unit).reshape(len(rows), k, k)
        margins = coincidences.sum(axis=2)
        n = margins.sum(axis=1)
        observed = n - np.trace(coincidences, axis1=1, axis2=2)
        expected = (n**2 - (margins**2).sum(axis=1)) / (n - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            alphas[first : first + len(rows)] = np.where(expected > 0, 1 - observed / expected, np.nan)
    return alphas


def alpha_interval(
    matrix: np.ndarray, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED
) -> tuple[float, float]:
    """95% percentile bootstrap interval of alpha, resampling the pairable reports with replacement.

    Resamples in which alpha is undefined (no variation drawn) are left out; with none left, or no
    pairable report, the interval is (NaN, NaN). Seeded, so a corpus always prints one interval.
    """
    pairable = (~np.isnan(matrix)).sum(axis=0) >= 2
    values = matrix[:, pairable]
    if values.shape[1] == 0 or krippendorff_alpha(values) != krippendorff_alpha(values):
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, values.shape[1], (resamples, values.shape[1]))
    alphas = resampled_alphas(values, draws)
    kept = alphas[~np.isnan(alphas)]
    if kept.size == 0:
        return float("nan"), float("nan")
    low, high = np.percentile(kept, [2.5, 97.5])
    return float(low), float(high)


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Cohen's kappa of two coders' 0/1 values on the reports both coded, and its standard error.

    Computed by :func:`statsmodels.stats.inter_rater.cohens_kappa` on the 2x2 table (its ``std_kappa``,
    the asymptotic standard error under the alternative); ``(NaN, NaN)`` when undefined (no shared
    report, or both coders constant and equal).
    """
    from statsmodels.stats.inter_rater import cohens_kappa

    both = ~np.isnan(a) & ~np.isnan(b)
    a, b = a[both].astype(int), b[both].astype(int)
    if len(a) == 0:
        return float("nan"), float("nan")
    table = np.zeros((2, 2))
    np.add.at(table, (a, b), 1)
    pa, pb = table.sum(axis=1) / len(a), table.sum(axis=0) / len(a)
    if float(pa @ pb) >= 1.0:  # chance agreement is certain: kappa is 0/0
        return float("nan"), float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = cohens_kappa(table, return_results=True)
    return _no_negative_zero(float(result.kappa)), float(result.std_kappa)


def _no_negative_zero(x: float) -> float:
    """``-0.0`` (and a rounding residue such as -1e-17) as 0.0, so no table prints ``-0.000``."""
    return 0.0 if abs(x) < 1e-12 else x


def reliability_table(corpus: Corpus) -> pd.DataFrame:
    """One row per category and mode, with the columns of :data:`RELIABILITY_COLUMNS`.

    ``alpha_low``/``alpha_high`` bound alpha's 95% bootstrap interval (:data:`BOOTSTRAP_RESAMPLES`
    resamples of the reports, seed :data:`BOOTSTRAP_SEED`); ``kappa_se`` is kappa's standard error;
    ``alpha_level`` is alpha over not given / secondary / main, so that a coder's main against
    another's secondary counts as a disagreement there (and not in ``alpha``, which compares presence).

    The consensus is not one of the coders compared (:func:`compared_coders`).

    ``n_reports`` counts the reports coded by at least two coders (those that enter alpha; with
    two coders, also kappa). ``kappa`` is empty unless there are exactly two coders. ``note`` says
    why a coefficient is empty (no report coded by two coders; no variation, with which value), and
    is ``""`` when both are given.

    The categories are the corpus's own (``corpus.vocabulary``: its ``codebook.yaml`` where it
    carries one), so a category a researcher added gets its row, as :func:`disagreements` lists it.
    """
    coders = compared_coders(corpus)
    if len(coders) < 2:
        found = ", ".join(coders) or "none"
        besides = " besides the consensus" if CONSENSUS in corpus.coders else ""
        raise CorpusError([f"reliability needs at least two coders; this corpus has {len(coders)} ({found}){besides}"])
    corpus = without_consensus(corpus)
    rows = []
    vocabulary = corpus.vocabulary
    for category in vocabulary.category_ids:
        for mode in MODES:
            if mode == "non_cooperation" and category in vocabulary.cooperation_only:
                continue
            matrix, _, _ = presence_matrix(corpus, category, mode)
            n_reports = int(((~np.isnan(matrix)).sum(axis=0) >= 2).sum())
            kappa, kappa_se = cohen_kappa(matrix[0], matrix[1]) if len(coders) == 2 else (float("nan"), float("nan"))
            alpha = _no_negative_zero(krippendorff_alpha(matrix))
            low, high = alpha_interval(matrix)
            levels = _no_negative_zero(krippendorff_alpha(level_matrix(corpus, category, mode), (0.0, 1.0, 2.0)))
            rows.append(
                {
                    "category": category,
                    "mode": mode,
                    "alpha": alpha,
                    "alpha_low": low,
                    "alpha_high": high,
                    "kappa": kappa,
                    "kappa_se": kappa_se,
                    "alpha_level": levels,
                    "n_reports": n_reports,
                    "note": _note(matrix, len(coders), alpha, kappa),
                }
            )
    return pd.DataFrame(rows, columns=list(RELIABILITY_COLUMNS))


DISAGREEMENT_COLUMNS: tuple[str, ...] = ("report_id", "category", "mode", "coder", "level", "note")


def disagreements(corpus: Corpus) -> pd.DataFrame:
    """Every report, category and mode on which the coders who coded the report differ.

    A difference is in presence (one coder gave the category, another did not) or in level (main
    against secondary). One row per coder of such a report: their ``level`` (``main``,
    ``secondary``, or ``""`` where they did not give the category) and their ``note`` for that
    code, so a consensus meeting has each coder's decision and reason side by side. Reports
    coded by one coder only are not disagreements and are left out, and so is the consensus, which
    settles them.
    """
    codes = without_consensus(corpus).codes
    note = codes["note"].astype(str) if "note" in codes.columns else pd.Series("", index=codes.index)
    given = {
        (str(r), str(c), str(m), str(w)): (str(lv), n)
        for r, c, m, w, lv, n in zip(
            codes["report_id"], codes["category"], codes["mode"], codes["coder"], codes["level"], note, strict=True
        )
    }
    coders_of: dict[str, list[str]] = {}
    for report, coder in dict.fromkeys(zip(codes["report_id"].astype(str), codes["coder"].astype(str), strict=True)):
        coders_of.setdefault(report, []).append(coder)
    cells = sorted(dict.fromkeys((r, c, m) for r, c, m, _ in given))
    rows = []
    for report, category, mode in cells:
        who = sorted(coders_of[report])
        if len(who) < 2:
            continue
        levels = [given.get((report, category, mode, w), ("", "")) for w in who]
        if len({lv for lv, _ in levels}) > 1:
            rows += [
                {
                    "report_id": report,
                    "category": category,
                    "mode": mode,
                    "coder": w,
                    "level": lv,
                    "note": n if n != "nan" else "",
                }
                for w, (lv, n) in zip(who, levels, strict=True)
            ]
    return pd.DataFrame(rows, columns=list(DISAGREEMENT_COLUMNS))
