"""Screening sheets, coding sheets, and the whole fieldwork chain collect -> screen -> code -> corpus."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np
import openpyxl
import pandas as pd
import pytest
import typer
import yaml
from fieldwork_server import END, FIXTURES, KEYWORDS, START, FakeSites
from typer.testing import CliRunner

from kzperception.cli_fieldwork import register
from kzperception.collect import html_to_paragraphs
from kzperception.corpus import CorpusError, load_corpus
from kzperception.keywords import CountryMatcher
from kzperception.screen import (
    ScreeningError,
    included_reports,
    read_screening,
    screen,
    split_paragraphs,
    write_screening,
)
from kzperception.sheets import (
    CODE_SHEET_COLUMNS,
    SUGGESTED,
    category_keywords,
    export_coding_sheets,
    import_coding_sheets,
    load_codebook,
    read_table,
    suggest_codes,
    write_imported,
)

CODEBOOK = """
categories:
  - id: economic
    label: Economic cooperation
    modes: [cooperation, non_cooperation]
    definition: Trade and investment.
    includes: [trade]
    keywords_ru: [экспорт, торговля, поставка, инвестиция, товарооборот]
  - id: political_diplomatic
    label: Political and diplomatic cooperation
    modes: [cooperation, non_cooperation]
    definition: Diplomacy.
    keywords_ru: [переговоры, визит, министр, консультация]
  - id: not_a_category
    keywords_ru: [что-то]
"""


@pytest.fixture(scope="module")
def matcher() -> CountryMatcher:
    return CountryMatcher.from_yaml(KEYWORDS)


@pytest.fixture
def codebook(tmp_path: Path) -> Path:
    path = tmp_path / "codebook.yaml"
    path.write_text(CODEBOOK, encoding="utf-8")
    return path


def fixture_reports() -> tuple[pd.DataFrame, dict[tuple[str, str], str]]:
    """The fixture sites' in-window reports as a collected.csv frame, and the expected verdicts."""
    rows, verdicts = [], {}
    arts = yaml.safe_load((FIXTURES / "akorda" / "articles.yaml").read_text(encoding="utf-8"))["articles"]
    for a in arts:
        if a["expect"]["fate"] == "collected":
            text = "\n\n".join(p for raw in a["paragraphs"] for p in html_to_paragraphs(f"<p>{raw}</p>"))
            rows.append({"id": f"akorda-{a['id']}", "website": "president", "entity": "akorda",
                         "date": a["date"].isoformat(), "url": f"https://www.akorda.kz/ru/{a['slug']}-{a['id']}",
                         "title_ru": a["title"], "text_ru": text, "provenance": "collected"})
            verdicts.update({(rows[-1]["id"], c): v for c, v in a["expect"]["verdicts"].items()})
    ents = yaml.safe_load((FIXTURES / "govkz" / "news.yaml").read_text(encoding="utf-8"))["entities"]
    for entity, spec in ents.items():
        for item in spec["items"]:
            if item["expect"]["fate"] == "collected":
                sid = f"govkz-{entity}-{item['id']}"
                body = item.get("body") or item.get("detail_body")
                rows.append({"id": sid, "website": "government", "entity": entity,
                             "date": item["created_date"][:10], "url": f"https://www.gov.kz/{sid}",
                             "title_ru": item["title"], "text_ru": "\n\n".join(html_to_paragraphs(body)),
                             "provenance": "collected"})
                verdicts.update({(sid, c): v for c, v in item["expect"]["verdicts"].items()})
    return pd.DataFrame(rows), verdicts


# --- screening --------------------------------------------------------------------------------


def test_suggested_verdicts_agree_with_fixtures(matcher: CountryMatcher) -> None:
    collected, verdicts = fixture_reports()
    sheet = screen(collected, matcher)
    got = {(r.source_id, r.country): r.suggested for r in sheet.itertuples()}
    assert got == verdicts
    assert sheet["decision"].eq("").all()
    assert sheet["id"].is_unique


def test_screening_rows_quote_the_paragraphs_that_mention_the_country(matcher: CountryMatcher) -> None:
    collected, _ = fixture_reports()
    sheet = screen(collected, matcher).set_index("id")
    row = sheet.loc["akorda-3100004-russia"]
    assert row["paragraphs_ru"].startswith("[¶3] Отдельно рассмотрено сотрудничество с Россией")
    assert (row["paragraphs_with_mentions"], row["paragraphs_total"], row["mentions"]) == (1, 6, 3)
    assert sheet.loc["akorda-3100004-china", "paragraphs_ru"].startswith("[¶4] Поручено")


def test_screen_only_requested_countries(matcher: CountryMatcher) -> None:
    collected, _ = fixture_reports()
    assert set(screen(collected, matcher, ["china"])["country"]) == {"china"}
    with pytest.raises(ScreeningError, match="has no keywords"):
        screen(collected, matcher, ["usa"])


def _decide(path: Path, decisions: dict[str, str]) -> None:
    """Fill the decision column of an XLSX screening sheet as a researcher would."""
    book = openpyxl.load_workbook(path)
    ws = book.active
    header = [c.value for c in ws[1]]
    id_col, dec_col = header.index("id") + 1, header.index("decision") + 1
    for row in range(2, ws.max_row + 1):
        rid = ws.cell(row, id_col).value
        ws.cell(row, dec_col).value = decisions.get(rid, "exclude")
    book.save(path)


def test_screening_sheet_round_trip_keeps_only_included(tmp_path: Path, matcher: CountryMatcher) -> None:
    collected, verdicts = fixture_reports()
    csv_path, xlsx_path = write_screening(screen(collected, matcher), tmp_path)
    assert csv_path.is_file() and xlsx_path.is_file()
    keep = {f"{sid}-{c}" for (sid, c), v in verdicts.items() if v != "mere_mention"}
    _decide(xlsx_path, {rid: "include" for rid in keep})
    decided = read_screening(xlsx_path)
    reports = included_reports(decided, collected)
    assert set(reports["id"]) == keep
    row = reports.set_index("id").loc["akorda-3100004-russia"]
    assert row["country"] == "russia" and row["excerpt_ru"].startswith("Отдельно рассмотрено")
    assert row["text_ru"] == collected.set_index("id").loc["akorda-3100004", "text_ru"]


def test_undecided_and_unknown_decisions_are_reported_by_row(tmp_path: Path) -> None:
    path = tmp_path / "screening.csv"
    pd.DataFrame({"id": ["a-china", "b-china", "c-china", "d-china"], "country": ["china"] * 4,
                  "decision": ["include", "", "maybe", "нет"]}).to_csv(path, index=False)
    with pytest.raises(ScreeningError) as info:
        read_screening(path)
    assert info.value.problems == ["screening.csv:3: decision: no decision",
                                   "screening.csv:4: decision: 'maybe' is not include|exclude"]
    path.write_text("id,country,decision\na-china,china,yes\nb-china,china,\n", encoding="utf-8")
    assert read_screening(path, undecided="exclude")["include"].tolist() == [True, False]


def test_screening_is_not_overwritten_once_decided(tmp_path: Path, matcher: CountryMatcher) -> None:
    collected, _ = fixture_reports()
    sheet = screen(collected, matcher)
    _, xlsx_path = write_screening(sheet, tmp_path)
    _decide(xlsx_path, {})
    with pytest.raises(ScreeningError, match="already holds"):
        write_screening(sheet, tmp_path)
    write_screening(sheet, tmp_path, force=True)


def test_spreadsheet_text_never_becomes_a_formula(tmp_path: Path, matcher: CountryMatcher) -> None:
    collected, _ = fixture_reports()
    collected.loc[0, "title_ru"] = "=HYPERLINK(\"http://evil\",\"Россия\")"
    _, xlsx_path = write_screening(screen(collected, matcher), tmp_path)
    ws = openpyxl.load_workbook(xlsx_path).active
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_read_table_accepts_excel_russian_csv(tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_bytes("id;country;decision\nакорда-1;china;include\n".encode("cp1251"))
    table = read_table(path)
    assert table.to_dict("records") == [{"id": "акорда-1", "country": "china", "decision": "include", "_row": 2}]


# --- coding sheets ------------------------------------------------------------------------------


def _reports() -> pd.DataFrame:
    return pd.DataFrame([
        {"id": "r1-china", "country": "china", "website": "government", "entity": "mti", "date": "2023-04-01",
         "url": "https://www.gov.kz/x/1", "title_ru": "Экспорт в Китай вырос", "excerpt_ru": "Поставки в Китай.",
         "text_ru": "Поставки в Китай увеличились. Экспорт зерна вырос.", "provenance": "collected"},
        {"id": "r2-russia", "country": "russia", "website": "president", "entity": "akorda", "date": "2022-06-17",
         "url": "https://www.akorda.kz/ru/x-2", "title_ru": "Переговоры с Президентом России",
         "excerpt_ru": "Переговоры прошли.", "text_ru": "Переговоры прошли в Москве. Визит министра.",
         "provenance": "collected"},
    ])


def test_codebook_keywords_give_suggestions_only(codebook: Path) -> None:
    sets = category_keywords(load_codebook(codebook))
    assert set(sets) == {"economic", "political_diplomatic"}  # unknown ids are ignored
    assert suggest_codes("Экспорт и поставки выросли; переговоры прошли", sets) == \
        "economic (2); political_diplomatic (1)"
    assert suggest_codes("Ничего по теме", sets) == ""
    assert load_codebook(codebook.parent / "missing.yaml") == []


def test_export_writes_one_sheet_per_coder(tmp_path: Path, codebook: Path) -> None:
    paths = export_coding_sheets(_reports(), ["anna", "boris"], tmp_path, codebook)
    assert sorted(p.name for p in paths) == ["coding-anna.csv", "coding-anna.xlsx", "coding-boris.csv",
                                             "coding-boris.xlsx", "coding-manifest.json"]
    sheet = read_table(tmp_path / "coding-anna.xlsx", sheet="coding")
    assert sheet["coder"].eq("anna").all()
    assert all(sheet[c.name].eq("").all() for c in CODE_SHEET_COLUMNS)
    assert "cross_border_non_cooperation" not in sheet.columns
    assert sheet.loc[0, SUGGESTED] == "economic (3)"
    book = openpyxl.load_workbook(tmp_path / "coding-anna.xlsx")
    assert book.sheetnames == ["coding", "codebook", "instructions"]
    assert book["coding"].data_validations.dataValidation  # drop-downs main|secondary
    with pytest.raises(CorpusError, match="already exists"):
        export_coding_sheets(_reports(), ["anna"], tmp_path, codebook)
    with pytest.raises(CorpusError, match="must be letters"):
        export_coding_sheets(_reports(), ["a/b"], tmp_path / "x", codebook)


def _fill_csv(path: Path, codes: dict[str, dict[str, str]]) -> None:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for rid, cells in codes.items():
        for col, value in cells.items():
            df.loc[df["id"] == rid, col] = value
    df.to_csv(path, index=False)


def _fill_xlsx(path: Path, codes: dict[str, dict[str, str]]) -> None:
    book = openpyxl.load_workbook(path)
    ws = book["coding"]
    header = [c.value for c in ws[1]]
    for row in range(2, ws.max_row + 1):
        for col, value in codes.get(ws.cell(row, 1).value, {}).items():
            ws.cell(row, header.index(col) + 1).value = value
    book.save(path)


def test_import_reads_only_what_coders_typed(tmp_path: Path, codebook: Path) -> None:
    export_coding_sheets(_reports(), ["anna", "boris"], tmp_path, codebook)
    _fill_xlsx(tmp_path / "coding-anna.xlsx", {"r1-china": {"political_diplomatic": "main"},
                                               "r2-russia": {"political_diplomatic": "Main", "economic": "s"}})
    _fill_csv(tmp_path / "coding-boris.csv", {"r1-china": {"economic": "main"},
                                              "r2-russia": {"security_military_non_cooperation": "main"}})
    corpus = write_imported([tmp_path / "coding-anna.xlsx", tmp_path / "coding-boris.csv"], tmp_path / "corpus")
    loaded = load_corpus(tmp_path / "corpus")
    assert loaded.coders == ["anna", "boris"] == corpus.coders
    got = {(r.coder, r.report_id, r.category, r.mode, r.level) for r in loaded.codes.astype(str).itertuples()}
    assert got == {
        ("anna", "r1-china", "political_diplomatic", "cooperation", "main"),
        ("anna", "r2-russia", "political_diplomatic", "cooperation", "main"),
        ("anna", "r2-russia", "economic", "cooperation", "secondary"),
        ("boris", "r1-china", "economic", "cooperation", "main"),
        ("boris", "r2-russia", "security_military", "non_cooperation", "main"),
    }  # the economic suggestion for r1 is not anna's code
    reports = pd.read_csv(tmp_path / "corpus" / "reports.csv", dtype=str, keep_default_na=False)
    assert list(reports.columns) == ["id", "country", "website", "entity", "date", "url", "title_ru", "title_en",
                                     "excerpt_ru", "excerpt_en", "provenance"]
    assert reports["provenance"].eq("collected").all()


def test_import_problems_point_at_the_sheet_cell(tmp_path: Path, codebook: Path) -> None:
    export_coding_sheets(_reports(), ["anna", "boris"], tmp_path, codebook)
    _fill_xlsx(tmp_path / "coding-anna.xlsx", {"r1-china": {"economic": "maybe"},
                                               "r2-russia": {"economic": "secondary"}})
    _fill_csv(tmp_path / "coding-boris.csv", {"r1-china": {"economic": "main", "date": "2023-04-02"},
                                              "r2-russia": {"cultural": "main"}})
    with pytest.raises(CorpusError) as info:
        write_imported([tmp_path / "coding-anna.xlsx", tmp_path / "coding-boris.csv"], tmp_path / "corpus")
    assert info.value.problems == [
        "coding-anna.xlsx:2: economic: 'maybe' is not main|secondary (or empty)",
        "coding-anna.xlsx:2: codes: report 'r1-china' has no main code",
        "coding-anna.xlsx:3: codes: report 'r2-russia' has no main code",
        "coding-boris.csv:2: date: '2023-04-02' is not the value exported for 'r1-china' (report columns are "
        "read-only: undo the change; coding-anna.xlsx:2 holds the exported '2023-04-01')",
    ]
    assert not (tmp_path / "corpus").exists()


def test_import_reports_loader_problems_at_the_sheet_row(tmp_path: Path, codebook: Path) -> None:
    reports = _reports()
    reports.loc[0, "date"] = "2023-13-01"
    reports.loc[1, "country"] = "usa"
    export_coding_sheets(reports, ["anna"], tmp_path, codebook, formats=("csv",))
    _fill_csv(tmp_path / "coding-anna.csv", {"r1-china": {"economic": "main"}, "r2-russia": {"economic": "main"}})
    with pytest.raises(CorpusError) as info:
        import_coding_sheets([tmp_path / "coding-anna.csv"])
    assert sorted(info.value.problems) == [
        "coding-anna.csv:2: date: '2023-13-01' is not a date (YYYY-MM-DD)",
        "coding-anna.csv:3: country: 'usa' is not one of china|russia",
    ]


def test_import_refuses_the_same_coder_twice(tmp_path: Path, codebook: Path) -> None:
    export_coding_sheets(_reports(), ["anna"], tmp_path, codebook)
    _fill_csv(tmp_path / "coding-anna.csv", {"r1-china": {"economic": "main"}, "r2-russia": {"economic": "main"}})
    with pytest.raises(CorpusError, match=r"'anna' already coded coding-anna\.csv"):
        import_coding_sheets([tmp_path / "coding-anna.csv", tmp_path / "coding-anna.xlsx"])


# --- the whole chain ------------------------------------------------------------------------------


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def _invoke(args: list[str], code: int = 0) -> Any:
    result = CliRunner().invoke(_app(), [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result


def _coders(ids: list[str]) -> dict[str, dict[str, dict[str, str]]]:
    """Two simulated coders who agree on most reports and differ on a few."""
    anna, boris = {}, {}
    for i, rid in enumerate(sorted(ids)):
        main = "political_diplomatic" if i % 2 == 0 else "economic"
        anna[rid] = {main: "main"}
        boris[rid] = {("economic" if main == "political_diplomatic" else "political_diplomatic")
                      if i in (3, 7) else main: "main"}
        if i % 3 == 0:
            anna[rid]["cultural"] = "secondary"
        if i % 3 == 0 or i == 4:
            boris[rid]["cultural"] = "secondary"
    return {"anna": anna, "boris": boris}


def _independent_alpha_kappa(coding: dict[str, dict[str, dict[str, str]]], ids: list[str],
                             column: str) -> tuple[float, float]:
    matrix = np.array([[1.0 if column in coding[c][rid] else 0.0 for rid in sorted(ids)]
                       for c in ("anna", "boris")])
    alpha = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal") \
        if len(np.unique(matrix)) > 1 else float("nan")
    a, b = matrix
    n = len(a)
    both_yes, both_no = float(((a == 1) & (b == 1)).sum()), float(((a == 0) & (b == 0)).sum())
    p_o = (both_yes + both_no) / n
    p_e = (a.sum() / n) * (b.sum() / n) + ((n - a.sum()) / n) * ((n - b.sum()) / n)
    kappa = (p_o - p_e) / (1 - p_e) if p_e < 1 else float("nan")
    return alpha, kappa


def test_collect_screen_code_import_yields_a_valid_corpus(tmp_path: Path, codebook: Path) -> None:
    out, sheets, corpus_dir = tmp_path / "fieldwork", tmp_path / "sheets", tmp_path / "corpus"
    common = ["--start", START, "--end", END, "--out", out, "--keywords", KEYWORDS, "--rate", "50",
              "--backoff", "0.01", "--no-progress"]
    with FakeSites() as sites:
        _invoke(["collect", "--site", "president", "--base-url", sites.base_url, *common])
        _invoke(["collect", "--site", "government", "--base-url", sites.base_url, "--entity", "mfa",
                 "--entity", "mti", "--entity", "rssonly", "--page-size", "3", *common], code=2)  # one bad item
    _invoke(["screen", out / "collected.csv", "--keywords", KEYWORDS])
    screening = pd.read_csv(out / "screening.csv", dtype=str, keep_default_na=False)
    keep = screening.loc[screening["suggested"] != "mere_mention", "id"].tolist()
    _decide(out / "screening.xlsx", {rid: "include" for rid in keep})

    _invoke(["code", "export", out / "screening.xlsx", "--coder", "anna", "--coder", "boris", "--out", sheets,
             "--codebook", codebook])
    coding = _coders(keep)
    _fill_xlsx(sheets / "coding-anna.xlsx", coding["anna"])
    _fill_csv(sheets / "coding-boris.csv", coding["boris"])
    result = _invoke(["code", "import", sheets / "coding-anna.xlsx", sheets / "coding-boris.csv",
                      "--out", corpus_dir])
    assert f"corpus: {len(keep)} reports" in result.stdout

    corpus = load_corpus(corpus_dir)
    assert sorted(corpus.reports["id"]) == sorted(keep) and len(keep) == 14
    assert corpus.coders == ["anna", "boris"]
    assert set(corpus.provenance_mix) == {"collected"}
    assert (corpus.reports["id"].str.rsplit("-", n=1).str[1] == corpus.reports["country"].astype(str)).all()
    assert corpus.reports["excerpt_ru"].str.len().gt(0).all()

    rel = _invoke(["reliability", corpus_dir, "--format", "csv"]).stdout
    table = pd.read_csv(pd.io.common.StringIO(rel))
    assert list(table.columns) == ["category", "mode", "alpha", "kappa", "n_reports"]
    assert len(table) == 13 and table["n_reports"].eq(14).all()
    for column, category in (("political_diplomatic", "political_diplomatic"), ("economic", "economic"),
                             ("cultural", "cultural")):
        row = table[(table["category"] == category) & (table["mode"] == "cooperation")].iloc[0]
        alpha, kappa = _independent_alpha_kappa(coding, keep, column)
        assert row["alpha"] == pytest.approx(alpha, abs=1e-6)
        assert row["kappa"] == pytest.approx(kappa, abs=1e-6)
    assert table.loc[table["category"] == "environmental", "alpha"].isna().all()  # nobody used it


def test_code_export_needs_decisions(tmp_path: Path, matcher: CountryMatcher) -> None:
    collected, _ = fixture_reports()
    collected.to_csv(tmp_path / "collected.csv", index=False, quoting=csv.QUOTE_MINIMAL)
    _invoke(["screen", tmp_path / "collected.csv", "--keywords", KEYWORDS])
    result = _invoke(["code", "export", tmp_path / "screening.csv", "--coder", "anna", "--out",
                      tmp_path / "sheets"], code=1)
    assert "screening.csv:2: decision: no decision" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "sheets").exists()
    again = _invoke(["screen", tmp_path / "collected.csv", "--keywords", KEYWORDS])  # no decisions: fine
    assert "screening:" in again.stdout


def test_split_paragraphs() -> None:
    assert split_paragraphs("a\n\nb\n \n\nc\nd") == ["a", "b", "c\nd"]
    assert split_paragraphs("") == []


def test_long_texts_fit_the_xlsx_cell_limit(tmp_path: Path, codebook: Path) -> None:
    reports = _reports()
    reports.loc[0, "text_ru"] = "Поставки в Китай. " * 3000  # 54,000 characters
    export_coding_sheets(reports, ["anna"], tmp_path, codebook)
    xlsx = read_table(tmp_path / "coding-anna.xlsx", sheet="coding")
    assert len(xlsx.loc[0, "text_ru"]) <= 32_767 and xlsx.loc[0, "text_ru"].endswith("collected.csv]")
    assert read_table(tmp_path / "coding-anna.csv").loc[0, "text_ru"] == reports.loc[0, "text_ru"]
    _fill_xlsx(tmp_path / "coding-anna.xlsx", {"r1-china": {"economic": "main"}, "r2-russia": {"cultural": "m"}})
    reports_df, codes_df = import_coding_sheets([tmp_path / "coding-anna.xlsx"])
    assert len(reports_df) == 2 and len(codes_df) == 2


@pytest.mark.book
def test_fieldwork_corpus_reruns_into_a_book(tmp_path: Path, codebook: Path) -> None:
    """collect -> screen -> code import -> rerun: the researcher's corpus becomes a book for its window."""
    from kzperception.cli import app as main_app

    test_collect_screen_code_import_yields_a_valid_corpus(tmp_path, codebook)
    out = tmp_path / "book"
    result = CliRunner().invoke(main_app, ["rerun", "--corpus", str(tmp_path / "corpus"), "--start", START,
                                           "--pivot", "2022-09-01", "--end", END, "--out", str(out),
                                           "--chapters", "06-2-reports,06-3-coding"])
    assert result.exit_code == 0, result.output
    coding = (out / "html" / "executed" / "06-3-coding.html").read_text(encoding="utf-8")
    assert "T_reliability" in coding  # two coders: the agreement table is shown
    assert "Rerun on a researcher" in coding  # provenance banner
    reports = (out / "html" / "executed" / "06-2-reports.html").read_text(encoding="utf-8")
    import re

    assert "holds 14 reports" in " ".join(re.sub(r"<[^>]+>", "", reports).split())
