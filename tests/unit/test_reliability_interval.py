"""Reliability with its uncertainty: alpha's bootstrap interval, kappa's standard error, the disagreements file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from kzperception.cli import app
from kzperception.data.corpus import load_corpus
from kzperception.fieldwork.reliability import cohen_kappa, disagreements, reliability_table
from tests.conftest import REPORTS_HEADER

runner = CliRunner()

REPORTS = "".join(f"r{i},china,government,mfa,2021-0{i}-01,,,,,,synthetic\n" for i in range(1, 9))
# Both coders give every report 'cultural' (so every report is coded by both); economic differs on
# r4 and r5 (presence) and on r1 (main against secondary, a level disagreement only).
A_ECON, B_ECON = {1, 2, 3, 4}, {1, 2, 3, 5}


def _codes() -> str:
    rows = ["report_id,category,mode,level,coder,note"]
    for coder, econ in (("anna", A_ECON), ("boris", B_ECON)):
        for i in range(1, 9):
            rows.append(f"r{i},cultural,cooperation,main,{coder},")
            if i in econ:
                level = "secondary" if (coder, i) == ("boris", 1) else "secondary" if i != 1 else "main"
                rows.append(f"r{i},economic,cooperation,{level},{coder},{coder} on r{i}")
    return "\n".join(rows) + "\n"


def _corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "two"
    folder.mkdir()
    (folder / "reports.csv").write_text(REPORTS_HEADER + REPORTS, encoding="utf-8")
    (folder / "codes.csv").write_text(_codes(), encoding="utf-8")
    return folder


def _row(table: pd.DataFrame, category: str) -> pd.Series:
    return table[(table["category"] == category) & (table["mode"] == "cooperation")].iloc[0]


def test_alpha_and_kappa_match_the_hand_formulas(tmp_path: Path) -> None:
    row = _row(reliability_table(load_corpus(_corpus(tmp_path))), "economic")
    n_units, d = 8, len(A_ECON ^ B_ECON)
    n = 2 * n_units
    n1 = len(A_ECON) + len(B_ECON)
    alpha = 1 - (n - 1) * d / (n1 * (n - n1))  # nominal alpha, two coders, no missing value
    po = 1 - d / n_units
    pa, pb = len(A_ECON) / n_units, len(B_ECON) / n_units
    pe = pa * pb + (1 - pa) * (1 - pb)
    assert np.isclose(row["alpha"], alpha)
    assert np.isclose(row["kappa"], (po - pe) / (1 - pe))
    assert row["kappa_se"] > 0
    assert row["alpha_low"] <= row["alpha"] <= row["alpha_high"]
    assert row["alpha_low"] < row["alpha_high"]


def test_main_against_secondary_matches_the_hand_formula(tmp_path: Path) -> None:
    row = _row(reliability_table(load_corpus(_corpus(tmp_path))), "economic")
    # Per report (anna, boris), 0 not given, 1 secondary, 2 main: r1 (2, 1) differs in level only.
    pairs = [(2, 1), (1, 1), (1, 1), (1, 0), (0, 1), (0, 0), (0, 0), (0, 0)]
    values = [v for p in pairs for v in p]
    n, d = len(values), sum(a != b for a, b in pairs)
    alpha = 1 - (n - 1) * 2 * d / (n * n - sum(values.count(v) ** 2 for v in set(values)))
    assert np.isclose(row["alpha_level"], alpha)
    assert row["alpha_level"] < row["alpha"]  # the level disagreement on r1 counts only here


def test_the_interval_is_seeded(tmp_path: Path) -> None:
    corpus = load_corpus(_corpus(tmp_path))
    first, second = reliability_table(corpus), reliability_table(corpus)
    pd.testing.assert_frame_equal(first, second)


def test_chance_level_kappa_prints_zero_not_minus_zero() -> None:
    # One coder never gives the category, the other once: kappa is exactly 0, which the former
    # hand formula computed as -3e-16 and the CLI printed as -0.000.
    a = np.array([0, 0, 0], dtype=float)
    b = np.array([1, 0, 0], dtype=float)
    kappa, _ = cohen_kappa(a, b)
    assert f"{kappa:.3f}" == "0.000"


def test_disagreements_list_each_coder_with_code_and_note(tmp_path: Path) -> None:
    found = disagreements(load_corpus(_corpus(tmp_path)))
    assert set(found["report_id"]) == {"r1", "r4", "r5"}
    assert set(found["category"]) == {"economic"}
    r4 = found[found["report_id"] == "r4"].set_index("coder")
    assert r4.loc["anna", "level"] == "secondary" and r4.loc["anna", "note"] == "anna on r4"
    assert r4.loc["boris", "level"] == "" and r4.loc["boris", "note"] == ""
    r1 = found[found["report_id"] == "r1"].set_index("coder")
    assert (r1.loc["anna", "level"], r1.loc["boris", "level"]) == ("main", "secondary")


def test_cli_writes_the_disagreements_file(tmp_path: Path) -> None:
    out = tmp_path / "disagreements.csv"
    result = runner.invoke(app, ["reliability", str(_corpus(tmp_path)), "--format", "csv", "--disagreements", str(out)])
    assert result.exit_code == 0, result.output
    header = next(x for x in result.output.splitlines() if x.startswith("category,"))
    assert "alpha_low" in header and "kappa_se" in header and "alpha_level" in header
    assert "3 disagreement(s)" in result.output
    written = pd.read_csv(out, keep_default_na=False)
    assert len(written) == 6 and list(written.columns) == ["report_id", "category", "mode", "coder", "level", "note"]
