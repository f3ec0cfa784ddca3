"""Inter-coder reliability (kzperception.fieldwork.reliability) against independent computations."""

from __future__ import annotations

import io
import math
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kzperception.cli.fieldwork import register
from kzperception.data.corpus import CorpusError, corpus_from_frames, load_corpus, write_corpus
from kzperception.fieldwork.reliability import (
    NO_SHARED_REPORT,
    NO_VARIATION_ABSENT,
    NO_VARIATION_PRESENT,
    alpha_interval,
    cohen_kappa,
    krippendorff_alpha,
    presence_matrix,
    reliability_table,
    resampled_alphas,
)
from tests.conftest import examples, write_health_codebook

#: report -> coder -> codes as (category, mode, level); a coder absent from a report did not code it.
CODING = {
    "r1": {
        "anna": [("economic", "cooperation", "main")],
        "boris": [("economic", "cooperation", "main")],
        "cem": [("economic", "cooperation", "main"), ("cultural", "cooperation", "secondary")],
    },
    "r2": {
        "anna": [("political_diplomatic", "cooperation", "main"), ("economic", "cooperation", "secondary")],
        "boris": [("political_diplomatic", "cooperation", "main")],
        "cem": [("political_diplomatic", "cooperation", "main")],
    },
    "r3": {
        "anna": [("security_military", "non_cooperation", "main")],
        "boris": [("security_military", "cooperation", "main")],
        "cem": [("security_military", "non_cooperation", "main")],
    },
    "r4": {
        "anna": [("economic", "cooperation", "main"), ("cross_border", "cooperation", "secondary")],
        "boris": [("cross_border", "cooperation", "main")],
    },
    "r5": {
        "anna": [("cultural", "cooperation", "main")],
        "boris": [("cultural", "cooperation", "main"), ("economic", "cooperation", "secondary")],
        "cem": [("cultural", "cooperation", "main")],
    },
    "r6": {
        "anna": [("political_diplomatic", "cooperation", "main")],
        "boris": [("economic", "cooperation", "main")],
        "cem": [("political_diplomatic", "cooperation", "main")],
    },
}


def corpus_for(coders: tuple[str, ...]):
    reports = pd.DataFrame({"id": list(CODING), "country": "china", "website": "government", "date": "2022-05-01"})
    codes = pd.DataFrame(
        [
            {"report_id": rid, "category": cat, "mode": mode, "level": level, "coder": coder}
            for rid, by_coder in CODING.items()
            for coder, codes in by_coder.items()
            if coder in coders
            for cat, mode, level in codes
        ]
    )
    return reports, codes


def independent_matrix(coders: tuple[str, ...], category: str, mode: str) -> np.ndarray:
    return np.array(
        [
            [
                np.nan
                if coder not in CODING[rid]
                else float(any(c == category and m == mode for c, m, _ in CODING[rid][coder]))
                for rid in sorted(CODING)
            ]
            for coder in coders
        ]
    )


def hand_kappa(a: list[int], b: list[int]) -> float:
    """Cohen's kappa from the 2x2 table, written out."""
    n = len(a)
    yy = sum(1 for x, y in zip(a, b, strict=True) if x == 1 and y == 1)
    nn = sum(1 for x, y in zip(a, b, strict=True) if x == 0 and y == 0)
    ya = sum(a) / n
    yb = sum(b) / n
    p_o = (yy + nn) / n
    p_e = ya * yb + (1 - ya) * (1 - yb)
    return (p_o - p_e) / (1 - p_e)


def test_two_coders_alpha_and_kappa_agree_with_independent_computation() -> None:
    coders = ("anna", "boris")
    table = reliability_table(corpus_from_frames(*corpus_for(coders))).set_index(["category", "mode"])
    assert len(table) == 13 and ("cross_border", "non_cooperation") not in table.index
    for category, mode in [
        ("economic", "cooperation"),
        ("political_diplomatic", "cooperation"),
        ("cultural", "cooperation"),
        ("security_military", "cooperation"),
        ("cross_border", "cooperation"),
    ]:
        matrix = independent_matrix(coders, category, mode)
        want_alpha = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
        a, b = (matrix[0].astype(int).tolist(), matrix[1].astype(int).tolist())
        row = table.loc[(category, mode)]
        assert row["alpha"] == pytest.approx(want_alpha, abs=1e-12)
        assert row["kappa"] == pytest.approx(hand_kappa(a, b), abs=1e-12)
        assert row["n_reports"] == 6
    # economic: anna 1,1,0,1,0,0 vs boris 1,0,0,0,1,1 -> worse than chance
    assert table.loc[("economic", "cooperation"), "kappa"] < 0


def test_three_coders_with_a_missing_report() -> None:
    coders = ("anna", "boris", "cem")
    table = reliability_table(corpus_from_frames(*corpus_for(coders))).set_index(["category", "mode"])
    for category, mode in [
        ("economic", "cooperation"),
        ("security_military", "non_cooperation"),
        ("cultural", "cooperation"),
    ]:
        matrix = independent_matrix(coders, category, mode)
        assert np.isnan(matrix).sum() == 1  # cem did not code r4
        want = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
        assert table.loc[(category, mode), "alpha"] == pytest.approx(want, abs=1e-12)
    assert table["kappa"].isna().all()  # kappa only for exactly two coders
    assert table["n_reports"].eq(6).all()


def test_unused_category_is_undefined_not_perfect() -> None:
    table = reliability_table(corpus_from_frames(*corpus_for(("anna", "boris"))))
    env = table[table["category"] == "environmental"]
    assert env["alpha"].isna().all() and env["kappa"].isna().all()
    assert env["note"].eq(NO_VARIATION_ABSENT).all()  # the reason, not a bare dash
    defined = table[table["alpha"].notna() & table["kappa"].notna()]
    assert len(defined) and defined["note"].eq("").all()


def test_note_says_why_each_coefficient_is_missing() -> None:
    """No shared report, no variation either way, and kappa with three coders each get a reason."""
    reports = pd.DataFrame(
        {"id": ["r1", "r2", "r3"], "country": "china", "website": "government", "date": "2022-05-01"}
    )
    codes = pd.DataFrame(
        [  # anna coded r1 and r2, boris only r3: no report coded by both
            ("r1", "economic", "cooperation", "main", "anna"),
            ("r2", "economic", "cooperation", "main", "anna"),
            ("r3", "economic", "cooperation", "main", "boris"),
        ],
        columns=["report_id", "category", "mode", "level", "coder"],
    )
    table = reliability_table(corpus_from_frames(reports, codes))
    assert table["note"].eq(NO_SHARED_REPORT).all() and table["n_reports"].eq(0).all()
    both = pd.DataFrame(
        [(r, "economic", "cooperation", "main", c) for r in ("r1", "r2", "r3") for c in ("anna", "boris")],
        columns=codes.columns,
    )
    note = reliability_table(corpus_from_frames(reports, both)).set_index(["category", "mode"])["note"]
    assert note[("economic", "cooperation")] == NO_VARIATION_PRESENT
    assert note[("cultural", "cooperation")] == NO_VARIATION_ABSENT
    three = reliability_table(corpus_from_frames(*corpus_for(("anna", "boris", "cem"))))
    assert three["note"].str.contains("kappa is for exactly two coders (3 here)", regex=False).all()


def test_coder_names_are_trimmed_so_one_coder_is_one_coder() -> None:
    reports, codes = corpus_for(("anna", "boris"))
    codes["coder"] = codes["coder"].map({"anna": " anna\u00a0", "boris": "boris"})
    codes.loc[codes.index[-1], "coder"] = "boris\t"
    corpus = corpus_from_frames(reports, codes)
    assert corpus.coders == ["anna", "boris"]
    want = reliability_table(corpus_from_frames(*corpus_for(("anna", "boris"))))
    pd.testing.assert_frame_equal(reliability_table(corpus), want)


def test_presence_is_per_category_at_any_level() -> None:
    corpus = corpus_from_frames(*corpus_for(("anna", "boris")))
    matrix, coders, reports = presence_matrix(corpus, "economic", "cooperation")
    assert coders == ["anna", "boris"] and reports == ["r1", "r2", "r3", "r4", "r5", "r6"]
    assert matrix.tolist() == [[1, 1, 0, 1, 0, 0], [1, 0, 0, 0, 1, 1]]  # secondary counts as present


def test_one_coder_is_an_error() -> None:
    with pytest.raises(CorpusError, match="at least two coders"):
        reliability_table(corpus_from_frames(*corpus_for(("anna",))))


def test_cohen_kappa_edge_cases() -> None:
    assert math.isnan(cohen_kappa(np.array([1.0, 1.0]), np.array([1.0, 1.0]))[0])
    assert math.isnan(cohen_kappa(np.array([np.nan]), np.array([1.0]))[0])
    assert cohen_kappa(np.array([1.0, 0.0, np.nan]), np.array([1.0, 0.0, 0.0]))[0] == 1.0


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def test_reliability_command_csv_and_table(tmp_path: Path) -> None:
    write_corpus(*corpus_for(("anna", "boris")), tmp_path / "c")
    result = CliRunner().invoke(_app(), ["reliability", str(tmp_path / "c"), "--format", "csv"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table.columns) == [
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
    ]
    want = reliability_table(corpus_from_frames(*corpus_for(("anna", "boris"))))
    assert np.allclose(table["alpha"], want["alpha"], atol=1e-6, equal_nan=True)
    assert np.allclose(table["kappa"], want["kappa"], atol=1e-6, equal_nan=True)
    shown = CliRunner().invoke(_app(), ["reliability", str(tmp_path / "c")], env={"COLUMNS": "300"})
    assert shown.exit_code == 0 and "political_diplomatic" in shown.stdout and "—" in shown.stdout
    assert NO_VARIATION_ABSENT in shown.stdout  # every dash comes with its reason


def test_reliability_command_errors(tmp_path: Path) -> None:
    write_corpus(*corpus_for(("anna",)), tmp_path / "one")
    result = CliRunner().invoke(_app(), ["reliability", str(tmp_path / "one")])
    assert result.exit_code == 1 and "at least two coders" in result.stderr
    missing = CliRunner().invoke(_app(), ["reliability", str(tmp_path / "nope")])
    assert missing.exit_code == 1 and "not a folder" in missing.stderr and "Traceback" not in missing.output


def test_a_category_the_corpus_codebook_adds_has_its_reliability_row(tmp_path: Path) -> None:
    """The table follows the corpus's own codebook.yaml: an added category (health) gets its row,
    as --disagreements already lists it; a cooperation-only category gets no non-cooperation row."""
    reports, codes = corpus_for(("anna", "boris"))
    health = pd.DataFrame(
        [
            {"report_id": "r1", "category": "health", "mode": "cooperation", "level": "secondary", "coder": "anna"},
            {"report_id": "r1", "category": "health", "mode": "cooperation", "level": "secondary", "coder": "boris"},
            {"report_id": "r2", "category": "health", "mode": "cooperation", "level": "secondary", "coder": "anna"},
        ]
    )
    folder = tmp_path / "c"
    folder.mkdir()
    reports.to_csv(folder / "reports.csv", index=False)
    pd.concat([codes, health], ignore_index=True).to_csv(folder / "codes.csv", index=False)
    write_health_codebook(folder / "codebook.yaml")
    table = reliability_table(load_corpus(folder))
    rows = table[table["category"] == "health"]
    assert rows["mode"].tolist() == ["cooperation"]
    assert rows["kappa"].iloc[0] == pytest.approx(hand_kappa([1, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]))
    assert rows["n_reports"].iloc[0] == len(CODING)  # both coders coded every report
    result = CliRunner().invoke(
        _app(), ["reliability", str(folder), "--format", "csv", "--disagreements", str(tmp_path / "d.csv")]
    )
    assert result.exit_code == 0, result.output
    shown = pd.read_csv(io.StringIO(result.stdout))
    listed = pd.read_csv(tmp_path / "d.csv")
    assert "health" in set(listed["category"]) and "health" in set(shown["category"])


@given(
    coders=st.integers(2, 4),
    units=st.integers(1, 40),
    domain=st.sampled_from([(0.0, 1.0), (0.0, 1.0, 2.0)]),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=examples(100), deadline=None)
def test_each_resamples_alpha_is_the_krippendorff_packages(coders: int, units: int, domain: tuple, seed: int) -> None:
    """The bootstrap's alphas, summed from each unit's coincidences, are the package's, resample by
    resample, undefined (NaN) exactly where the package's is; and so is the interval."""
    rng = np.random.default_rng(seed)
    matrix = rng.integers(0, len(domain), (coders, units)).astype(float)
    matrix[rng.random((coders, units)) < 0.25] = np.nan
    values = matrix[:, (~np.isnan(matrix)).sum(axis=0) >= 2]
    if values.shape[1] == 0:
        return
    draws = rng.integers(0, values.shape[1], (30, values.shape[1]))
    fast = resampled_alphas(values, draws, domain, block=7)
    by_package = []
    for row in draws:
        drawn = values[:, row]
        present = drawn[~np.isnan(drawn)]
        by_package.append(
            float("nan")
            if len(np.unique(present)) < 2
            else krippendorff.alpha(reliability_data=drawn, level_of_measurement="nominal", value_domain=list(domain))
        )
    slow = np.array(by_package)
    assert np.array_equal(np.isnan(fast), np.isnan(slow))
    assert np.allclose(fast[~np.isnan(slow)], slow[~np.isnan(slow)], rtol=0, atol=1e-12)
    if domain == (0.0, 1.0) and not np.isnan(krippendorff_alpha(values)):
        low, high = alpha_interval(matrix, resamples=30, seed=seed)
        rng = np.random.default_rng(seed)
        draws = [rng.integers(0, values.shape[1], values.shape[1]) for _ in range(30)]
        kept = [a for a in (krippendorff_alpha(values[:, d]) for d in draws) if a == a]
        if kept:
            assert np.allclose([low, high], np.percentile(kept, [2.5, 97.5]), rtol=0, atol=1e-12)
