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
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from kzperception.data.corpus import Corpus, CorpusError
from kzperception.data.vocabulary import CATEGORIES, COOPERATION_ONLY, MODES

RELIABILITY_COLUMNS: tuple[str, ...] = ("category", "mode", "alpha", "kappa", "n_reports", "note")

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


def krippendorff_alpha(matrix: np.ndarray) -> float:
    """Nominal alpha via the krippendorff package; NaN when undefined (no pairable variation)."""
    import krippendorff

    pairable = (~np.isnan(matrix)).sum(axis=0) >= 2
    values = matrix[:, pairable]
    if values.size == 0 or len(np.unique(values[~np.isnan(values)])) < 2:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(krippendorff.alpha(reliability_data=values, level_of_measurement="nominal",
                                        value_domain=[0.0, 1.0]))


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa of two coders' 0/1 values on the reports both coded; NaN when undefined."""
    both = ~np.isnan(a) & ~np.isnan(b)
    a, b = a[both], b[both]
    if len(a) == 0:
        return float("nan")
    observed = float(np.mean(a == b))
    pa, pb = float(np.mean(a)), float(np.mean(b))
    expected = pa * pb + (1 - pa) * (1 - pb)
    if expected >= 1.0:
        return float("nan")
    return (observed - expected) / (1 - expected)


def reliability_table(corpus: Corpus) -> pd.DataFrame:
    """One row per category and mode: ``category, mode, alpha, kappa, n_reports, note``.

    ``n_reports`` counts the reports coded by at least two coders (those that enter alpha; with
    two coders, also kappa). ``kappa`` is empty unless there are exactly two coders. ``note`` says
    why a coefficient is empty (no report coded by two coders; no variation, with which value), and
    is ``""`` when both are given.
    """
    coders = corpus.coders
    if len(coders) < 2:
        found = ", ".join(coders) or "none"
        raise CorpusError([f"reliability needs at least two coders; this corpus has {len(coders)} ({found})"])
    rows = []
    for category in CATEGORIES:
        for mode in MODES:
            if mode == "non_cooperation" and category in COOPERATION_ONLY:
                continue
            matrix, _, _ = presence_matrix(corpus, category, mode)
            n_reports = int(((~np.isnan(matrix)).sum(axis=0) >= 2).sum())
            kappa = cohen_kappa(matrix[0], matrix[1]) if len(coders) == 2 else float("nan")
            alpha = krippendorff_alpha(matrix)
            rows.append({"category": category, "mode": mode, "alpha": alpha, "kappa": kappa,
                         "n_reports": n_reports, "note": _note(matrix, len(coders), alpha, kappa)})
    return pd.DataFrame(rows, columns=list(RELIABILITY_COLUMNS))
