"""Screening and coding sheets as a researcher fills them, shared by the sheet, consensus and
fieldwork-chain tests (tests/unit/test_screen_sheets.py, tests/unit/test_consensus.py and their
tests/commands and tests/book companions)."""

from __future__ import annotations

import csv
import functools
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np
import openpyxl
import pandas as pd
import pytest
import typer
from fieldwork_server import END, KEYWORDS, START, FakeSites
from typer.testing import CliRunner

from kzperception.cli.fieldwork import register
from kzperception.data.corpus import load_corpus
from kzperception.fieldwork.sheets import export_coding_sheets, write_imported

CODEBOOK = """
source: a test codebook
inclusion_rule: Reports about the country.
search_terms_ru: {china: [Китай], russia: [Россия]}
origin_rules: {deductive: Before reading., inductive: While reading.}
levels: {main: Mostly about it., secondary: In passing.}
modes: {cooperation: Together with Kazakhstan., non_cooperation: Without Kazakhstan.}
categories:
  - id: economic
    label: Economic cooperation
    origin: deductive
    modes: [cooperation, non_cooperation]
    definition: Trade and investment.
    includes: [trade]
    keywords_ru: [экспорт, торговля, поставка, инвестиция, товарооборот]
  - id: political_diplomatic
    label: Political and diplomatic cooperation
    origin: inductive
    modes: [cooperation, non_cooperation]
    definition: Diplomacy.
    keywords_ru: [переговоры, визит, министр, консультация]
  - id: cultural
    label: Cultural cooperation
    origin: deductive
    modes: [cooperation, non_cooperation]
    definition: Culture.
"""


def write_codebook(folder: Path) -> Path:
    """The test codebook (:data:`CODEBOOK`) written into ``folder``; the tests' ``codebook`` fixtures call it."""
    path = folder / "codebook.yaml"
    path.write_text(CODEBOOK, encoding="utf-8")
    return path


def coding_reports() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "id": "r1-china",
                "country": "china",
                "website": "government",
                "entity": "mti",
                "date": "2023-04-01",
                "url": "https://www.gov.kz/x/1",
                "title_ru": "Экспорт в Китай вырос",
                "excerpt_ru": "Поставки в Китай.",
                "text_ru": "Поставки в Китай увеличились. Экспорт зерна вырос.",
                "provenance": "collected",
            },
            {
                "id": "r2-russia",
                "country": "russia",
                "website": "president",
                "entity": "akorda",
                "date": "2022-06-17",
                "url": "https://www.akorda.kz/ru/x-2",
                "title_ru": "Переговоры с Президентом России",
                "excerpt_ru": "Переговоры прошли.",
                "text_ru": "Переговоры прошли в Москве. Визит министра.",
                "provenance": "collected",
            },
        ]
    )


def decide(path: Path, decisions: dict[str, str]) -> None:
    """Fill the decision column of an XLSX screening sheet as a researcher would."""
    book = openpyxl.load_workbook(path)
    ws = book.active
    header = [c.value for c in ws[1]]
    id_col, dec_col = header.index("id") + 1, header.index("decision") + 1
    for row in range(2, ws.max_row + 1):
        rid = ws.cell(row, id_col).value
        ws.cell(row, dec_col).value = decisions.get(rid, "exclude")
    book.save(path)


def fill_csv(path: Path, codes: dict[str, dict[str, str]]) -> None:
    """Edit cells of a CSV sheet as a plain text tool would: every other byte of every cell kept."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    for row in rows:
        for col, value in codes.get(row[0], {}).items():
            row[header.index(col)] = value
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows([header, *rows])  # as Excel writes


def fill_xlsx(path: Path, codes: dict[str, dict[str, str]]) -> None:
    book = openpyxl.load_workbook(path)
    ws = book["coding"]
    header = [c.value for c in ws[1]]
    for row in range(2, ws.max_row + 1):
        for col, value in codes.get(ws.cell(row, 1).value, {}).items():
            ws.cell(row, header.index(col) + 1).value = value
    book.save(path)


@functools.cache
def sheets_app() -> typer.Typer:
    """The fieldwork commands on an app of their own (one per session: typer builds its command once)."""
    app = typer.Typer()
    register(app)
    return app


def invoke(args: list[str], code: int = 0) -> Any:
    result = CliRunner().invoke(sheets_app(), [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result


def two_coders(tmp_path: Path, codebook: Path) -> Path:
    export_coding_sheets(coding_reports(), ["anna", "boris"], tmp_path, codebook, formats=("csv",))
    fill_csv(
        tmp_path / "coding-anna.csv",
        {
            "r1-china": {"economic": "main", "cultural": "secondary"},
            "r2-russia": {"political_diplomatic": "main", "note": "a visit"},
        },
    )
    fill_csv(
        tmp_path / "coding-boris.csv",
        {"r1-china": {"economic": "main"}, "r2-russia": {"political_diplomatic": "secondary", "economic": "main"}},
    )
    write_imported([tmp_path / "coding-anna.csv", tmp_path / "coding-boris.csv"], tmp_path / "corpus")
    return tmp_path / "corpus"


def simulated_coders(ids: list[str]) -> dict[str, dict[str, dict[str, str]]]:
    """Two simulated coders who agree on most reports and differ on a few."""
    anna, boris = {}, {}
    for i, rid in enumerate(sorted(ids)):
        main = "political_diplomatic" if i % 2 == 0 else "economic"
        anna[rid] = {main: "main"}
        boris[rid] = {
            ("economic" if main == "political_diplomatic" else "political_diplomatic") if i in (3, 7) else main: "main"
        }
        if i % 3 == 0:
            anna[rid]["cultural"] = "secondary"
        if i % 3 == 0 or i == 4:
            boris[rid]["cultural"] = "secondary"
    return {"anna": anna, "boris": boris}


def independent_alpha_kappa(
    coding: dict[str, dict[str, dict[str, str]]], ids: list[str], column: str
) -> tuple[float, float]:
    matrix = np.array([[1.0 if column in coding[c][rid] else 0.0 for rid in sorted(ids)] for c in ("anna", "boris")])
    alpha = (
        krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
        if len(np.unique(matrix)) > 1
        else float("nan")
    )
    a, b = matrix
    n = len(a)
    both_yes, both_no = float(((a == 1) & (b == 1)).sum()), float(((a == 0) & (b == 0)).sum())
    p_o = (both_yes + both_no) / n
    p_e = (a.sum() / n) * (b.sum() / n) + ((n - a.sum()) / n) * ((n - b.sum()) / n)
    kappa = (p_o - p_e) / (1 - p_e) if p_e < 1 else float("nan")
    return alpha, kappa


def collect_screen_code_import(tmp_path: Path, codebook: Path) -> None:
    """collect -> screen -> code export -> code import -> reliability, each step checked; the corpus
    is left in ``tmp_path / "corpus"`` (the book test reruns it into a book)."""
    out, sheets, corpus_dir = tmp_path / "fieldwork", tmp_path / "sheets", tmp_path / "corpus"
    common = [
        "--start",
        START,
        "--end",
        END,
        "--out",
        out,
        "--keywords",
        KEYWORDS,
        "--rate",
        "50",
        "--backoff",
        "0.01",
        "--no-progress",
    ]
    with FakeSites() as sites:
        invoke(["collect", "--site", "president", "--base-url", sites.base_url, *common])
        invoke(
            [
                "collect",
                "--site",
                "government",
                "--base-url",
                sites.base_url,
                "--entity",
                "mfa",
                "--entity",
                "mti",
                "--entity",
                "rssonly",
                "--page-size",
                "3",
                *common,
            ],
            code=2,
        )  # one bad item
    invoke(["screen", out / "collected.csv", "--keywords", KEYWORDS])
    screening = pd.read_csv(out / "screening.csv", dtype=str, keep_default_na=False)
    keep = screening.loc[screening["suggested"] != "mere_mention", "id"].tolist()
    decide(out / "screening.xlsx", {rid: "include" for rid in keep})

    invoke(
        [
            "code",
            "export",
            out / "screening.xlsx",
            "--coder",
            "anna",
            "--coder",
            "boris",
            "--out",
            sheets,
            "--codebook",
            codebook,
        ]
    )
    coding = simulated_coders(keep)
    fill_xlsx(sheets / "coding-anna.xlsx", coding["anna"])
    fill_csv(sheets / "coding-boris.csv", coding["boris"])
    result = invoke(["code", "import", sheets / "coding-anna.xlsx", sheets / "coding-boris.csv", "--out", corpus_dir])
    assert f"corpus: {len(keep)} reports" in result.stdout

    corpus = load_corpus(corpus_dir)
    assert sorted(corpus.reports["id"]) == sorted(keep) and len(keep) == 14
    assert corpus.coders == ["anna", "boris"]
    assert set(corpus.provenance_mix) == {"collected"}
    assert (corpus.reports["id"].str.rsplit("-", n=1).str[1] == corpus.reports["country"].astype(str)).all()
    assert corpus.reports["excerpt_ru"].str.len().gt(0).all()

    rel = invoke(["reliability", corpus_dir, "--format", "csv"]).stdout
    table = pd.read_csv(pd.io.common.StringIO(rel))
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
    assert len(table) == 13 and table["n_reports"].eq(14).all()
    for column, category in (
        ("political_diplomatic", "political_diplomatic"),
        ("economic", "economic"),
        ("cultural", "cultural"),
    ):
        row = table[(table["category"] == category) & (table["mode"] == "cooperation")].iloc[0]
        alpha, kappa = independent_alpha_kappa(coding, keep, column)
        assert row["alpha"] == pytest.approx(alpha, abs=1e-6)
        assert row["kappa"] == pytest.approx(kappa, abs=1e-6)
    assert table.loc[table["category"] == "environmental", "alpha"].isna().all()  # nobody used it
