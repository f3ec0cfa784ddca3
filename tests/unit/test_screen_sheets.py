"""Screening sheets and coding sheets. The whole fieldwork chain collect -> screen -> code -> corpus runs
against the imitation sites in tests/commands/test_screen_sheets_commands.py and into a book in
tests/book/test_screen_sheets_book.py."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import yaml
from fieldwork_server import FIXTURES, KEYWORDS
from helpers.sheets import CODEBOOK, coding_reports, decide, fill_csv, fill_xlsx, invoke, sheets_app, write_codebook
from typer.testing import CliRunner

from kzperception.data.corpus import CorpusError, load_corpus
from kzperception.fieldwork.collect import html_to_paragraphs
from kzperception.fieldwork.keywords import CountryMatcher
from kzperception.fieldwork.screen import (
    ScreeningError,
    included_reports,
    read_screening,
    screen,
    split_paragraphs,
    write_screening,
)
from kzperception.fieldwork.sheet_cells import read_table
from kzperception.fieldwork.sheets import (
    SUGGESTED,
    category_keywords,
    code_columns,
    export_coding_sheets,
    import_coding_sheets,
    sheet_codebook,
    sheet_columns,
    suggest_codes,
    write_imported,
)


@pytest.fixture
def codebook(tmp_path: Path) -> Path:
    return write_codebook(tmp_path)


@pytest.fixture(scope="module")
def matcher() -> CountryMatcher:
    return CountryMatcher.from_yaml(KEYWORDS)


def fixture_reports() -> tuple[pd.DataFrame, dict[tuple[str, str], str]]:
    """The fixture sites' in-window reports as a collected.csv frame, and the expected verdicts."""
    rows, verdicts = [], {}
    arts = yaml.safe_load((FIXTURES / "akorda" / "articles.yaml").read_text(encoding="utf-8"))["articles"]
    for a in arts:
        if a["expect"]["fate"] == "collected":
            text = "\n\n".join(p for raw in a["paragraphs"] for p in html_to_paragraphs(f"<p>{raw}</p>"))
            rows.append(
                {
                    "id": f"akorda-{a['id']}",
                    "website": "president",
                    "entity": "akorda",
                    "date": a["date"].isoformat(),
                    "url": f"https://www.akorda.kz/ru/{a['slug']}-{a['id']}",
                    "title_ru": a["title"],
                    "text_ru": text,
                    "provenance": "collected",
                }
            )
            verdicts.update({(rows[-1]["id"], c): v for c, v in a["expect"]["verdicts"].items()})
    ents = yaml.safe_load((FIXTURES / "govkz" / "news.yaml").read_text(encoding="utf-8"))["entities"]
    for entity, spec in ents.items():
        for item in spec["items"]:
            if item["expect"]["fate"] == "collected":
                sid = f"govkz-{entity}-{item['id']}"
                body = item.get("body") or item.get("detail_body")
                rows.append(
                    {
                        "id": sid,
                        "website": "government",
                        "entity": entity,
                        "date": item["created_date"][:10],
                        "url": f"https://www.gov.kz/{sid}",
                        "title_ru": item["title"],
                        "text_ru": "\n\n".join(html_to_paragraphs(body)),
                        "provenance": "collected",
                    }
                )
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


def test_screening_sheet_round_trip_keeps_only_included(tmp_path: Path, matcher: CountryMatcher) -> None:
    collected, verdicts = fixture_reports()
    csv_path, xlsx_path = write_screening(screen(collected, matcher), tmp_path)
    assert csv_path.is_file() and xlsx_path.is_file()
    keep = {f"{sid}-{c}" for (sid, c), v in verdicts.items() if v != "mere_mention"}
    decide(xlsx_path, {rid: "include" for rid in keep})
    decided = read_screening(xlsx_path)
    reports = included_reports(decided, collected)
    assert set(reports["id"]) == keep
    row = reports.set_index("id").loc["akorda-3100004-russia"]
    assert row["country"] == "russia" and row["excerpt_ru"].startswith("Отдельно рассмотрено")
    assert row["text_ru"] == collected.set_index("id").loc["akorda-3100004", "text_ru"]


def test_undecided_and_unknown_decisions_are_reported_by_row(tmp_path: Path) -> None:
    path = tmp_path / "screening.csv"
    pd.DataFrame(
        {
            "id": ["a-china", "b-china", "c-china", "d-china"],
            "country": ["china"] * 4,
            "decision": ["include", "", "maybe", "нет"],
        }
    ).to_csv(path, index=False)
    with pytest.raises(ScreeningError) as info:
        read_screening(path)
    assert info.value.problems == [
        "screening.csv:3: decision: no decision",
        "screening.csv:4: decision: 'maybe' is not include|exclude",
    ]
    path.write_text("id,country,decision\na-china,china,yes\nb-china,china,\n", encoding="utf-8")
    assert read_screening(path, undecided="exclude")["include"].tolist() == [True, False]


def test_screening_is_not_overwritten_once_decided(tmp_path: Path, matcher: CountryMatcher) -> None:
    collected, _ = fixture_reports()
    sheet = screen(collected, matcher)
    _, xlsx_path = write_screening(sheet, tmp_path)
    decide(xlsx_path, {})
    with pytest.raises(ScreeningError, match="already holds"):
        write_screening(sheet, tmp_path)
    write_screening(sheet, tmp_path, force=True)


def test_spreadsheet_text_never_becomes_a_formula(tmp_path: Path, matcher: CountryMatcher) -> None:
    collected, _ = fixture_reports()
    collected.loc[0, "title_ru"] = '=HYPERLINK("http://evil","Россия")'
    _, xlsx_path = write_screening(screen(collected, matcher), tmp_path)
    ws = openpyxl.load_workbook(xlsx_path).active
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_read_table_accepts_excel_russian_csv(tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_bytes("id;country;decision\nакорда-1;china;include\n".encode("cp1251"))
    table = read_table(path)
    assert table.to_dict("records") == [{"id": "акорда-1", "country": "china", "decision": "include", "_row": 2}]
    path.write_text('id,_row,,decision\n\n"a\nb",x,y,\'=1\n', encoding="utf-8")  # a hostile '_row' header
    assert read_table(path).to_dict("records") == [{"id": "a\nb", "decision": "=1", "_row": 3}]


# --- coding sheets ------------------------------------------------------------------------------


def test_codebook_keywords_give_suggestions_only(codebook: Path) -> None:
    sets = category_keywords(sheet_codebook(codebook))
    assert set(sets) == {"economic", "political_diplomatic"}  # a category without keywords suggests nothing
    assert (
        suggest_codes("Экспорт и поставки выросли; переговоры прошли", sets) == "economic (2); political_diplomatic (1)"
    )
    assert suggest_codes("Ничего по теме", sets) == ""


def test_sheets_read_the_codebook_with_the_books_loader(tmp_path: Path, codebook: Path) -> None:
    """One loader: the sheet's codebook is data.codebook's, and its problems refuse the export."""
    from kzperception.data.codebook import default_codebook, load_codebook

    assert sheet_codebook() is default_codebook()
    assert sheet_codebook(codebook) == load_codebook(codebook)
    bad = tmp_path / "bad.yaml"
    bad.write_text(CODEBOOK + "  - id: not_a_category\n    keywords_ru: ['[/bold]', '=1+1']\n", encoding="utf-8")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(CODEBOOK.encode("cp1251"))
    # A category is data now (a corpus may add one), so an unknown id is not refused; an incomplete one is.
    for path, first in (
        (bad, "bad.yaml: categories[not_a_category].label: Field required"),
        (tmp_path / "missing.yaml", f"{tmp_path / 'missing.yaml'}: file missing"),
        (latin, "latin.yaml: not UTF-8 (invalid continuation byte at byte "),
        (tmp_path, f"{tmp_path}: cannot be read ("),
    ):
        with pytest.raises(CorpusError) as info:
            export_coding_sheets(coding_reports(), ["anna"], tmp_path / "out", path)
        assert info.value.problems[0].startswith(first), info.value.problems
        assert not (tmp_path / "out").exists()  # nothing written
    with pytest.raises(CorpusError) as info:
        export_coding_sheets(coding_reports(), ["anna"], tmp_path / "out", bad)
    assert "bad.yaml: categories[not_a_category].label: Field required" in info.value.problems


def test_the_codebook_tab_is_unchanged_by_the_one_loader(tmp_path: Path) -> None:
    """The XLSX codebook tab for the project's codebook, as the sheets' former lenient loader built it
    from the raw YAML: same rows, same text."""
    from kzperception import paths

    raw = yaml.safe_load(paths.CODEBOOK.read_text(encoding="utf-8"))["categories"]
    want = pd.DataFrame(
        [
            {
                "id": str(c["id"]),
                "label": str(c["label"]),
                "modes": ", ".join(c["modes"]),
                "definition": str(c["definition"]),
                "includes": "; ".join(c.get("includes") or []),
                "keywords_ru": ", ".join(c.get("keywords_ru") or []),
            }
            for c in raw
        ]
    )
    export_coding_sheets(coding_reports(), ["anna"], tmp_path, formats=("xlsx",))
    got = read_table(tmp_path / "coding-anna.xlsx", sheet="codebook").drop(columns="_row")
    assert len(got) == 7
    pd.testing.assert_frame_equal(got, want)


def test_export_writes_one_sheet_per_coder(tmp_path: Path, codebook: Path) -> None:
    paths = export_coding_sheets(coding_reports(), ["anna", "boris"], tmp_path, codebook)
    assert sorted(p.name for p in paths) == [
        "coding-anna.csv",
        "coding-anna.xlsx",
        "coding-boris.csv",
        "coding-boris.xlsx",
        "coding-manifest.json",
    ]
    sheet = read_table(tmp_path / "coding-anna.xlsx", sheet="coding")
    assert sheet["coder"].eq("anna").all()
    own = code_columns(sheet_codebook(codebook))  # the columns follow the codebook exported with
    assert [c for c in sheet.columns if c != "_row"] == list(sheet_columns(own))
    assert all(sheet[c.name].eq("").all() for c in own)
    assert "security_military" not in sheet.columns
    assert sheet.loc[0, SUGGESTED] == "economic (3)"
    book = openpyxl.load_workbook(tmp_path / "coding-anna.xlsx")
    assert book.sheetnames == ["coding", "codebook", "instructions"]
    assert book["coding"].data_validations.dataValidation  # drop-downs main|secondary
    with pytest.raises(CorpusError, match="already exists"):
        export_coding_sheets(coding_reports(), ["anna"], tmp_path, codebook)
    with pytest.raises(CorpusError, match="must be letters"):
        export_coding_sheets(coding_reports(), ["a/b"], tmp_path / "x", codebook)


def test_import_reads_only_what_coders_typed(tmp_path: Path, codebook: Path) -> None:
    export_coding_sheets(coding_reports(), ["anna", "boris"], tmp_path, codebook)
    fill_xlsx(
        tmp_path / "coding-anna.xlsx",
        {"r1-china": {"political_diplomatic": "main"}, "r2-russia": {"political_diplomatic": "Main", "economic": "s"}},
    )
    fill_csv(
        tmp_path / "coding-boris.csv",
        {"r1-china": {"economic": "main"}, "r2-russia": {"cultural_non_cooperation": "main"}},
    )
    corpus = write_imported([tmp_path / "coding-anna.xlsx", tmp_path / "coding-boris.csv"], tmp_path / "corpus")
    loaded = load_corpus(tmp_path / "corpus")
    assert loaded.coders == ["anna", "boris"] == corpus.coders
    got = {(r.coder, r.report_id, r.category, r.mode, r.level) for r in loaded.codes.astype(str).itertuples()}
    assert got == {
        ("anna", "r1-china", "political_diplomatic", "cooperation", "main"),
        ("anna", "r2-russia", "political_diplomatic", "cooperation", "main"),
        ("anna", "r2-russia", "economic", "cooperation", "secondary"),
        ("boris", "r1-china", "economic", "cooperation", "main"),
        ("boris", "r2-russia", "cultural", "non_cooperation", "main"),
    }  # the economic suggestion for r1 is not anna's code
    reports = pd.read_csv(tmp_path / "corpus" / "reports.csv", dtype=str, keep_default_na=False)
    assert list(reports.columns) == [
        "id",
        "country",
        "website",
        "entity",
        "date",
        "url",
        "title_ru",
        "title_en",
        "excerpt_ru",
        "excerpt_en",
        "provenance",
        "note",
    ]
    assert reports["provenance"].eq("collected").all()


def _health_reports() -> pd.DataFrame:
    """:func:`_reports` with a third report whose text uses the added category's keyword (вакцина)."""
    extra = (
        coding_reports()
        .iloc[[0]]
        .assign(id="r3-china", title_ru="Вакцина из Китая", text_ru="Поставки вакцина в Китай.", excerpt_ru="Вакцина.")
    )
    return pd.concat([coding_reports(), extra], ignore_index=True)


def test_an_added_category_has_its_column_suggestion_and_codes(tmp_path: Path) -> None:
    """A --codebook that adds health: the export no longer crashes on its keyword, the sheet has
    its column (cooperation only, as its modes say), the manifest records it, and the import
    with that codebook gives its codes; without it, one line names the manifest and the column."""
    from kzperception.data.codebook import load_codebook
    from kzperception.fieldwork.manifest import read_manifest
    from tests.conftest import write_health_codebook

    book = write_health_codebook(tmp_path / "cb" / "codebook.yaml")
    out = tmp_path / "sheets"
    export_coding_sheets(_health_reports(), ["anna", "boris"], out, book, formats=("csv", "xlsx"))
    sheet = read_table(out / "coding-anna.csv")
    assert "health" in sheet.columns and "health_non_cooperation" not in sheet.columns
    assert sheet.set_index("id").loc["r3-china", SUGGESTED].startswith("health (")
    recorded = read_manifest(out / "coding-manifest.json").code_columns or []
    assert [(c.name, c.mode) for c in recorded if c.category == "health"] == [("health", "cooperation")]
    fill_csv(out / "coding-anna.csv", {"r1-china": {"economic": "main"}, "r2-russia": {"political_diplomatic": "main"}})
    fill_csv(out / "coding-anna.csv", {"r3-china": {"health": "main", "economic": "secondary"}})
    _, codes = import_coding_sheets([out / "coding-anna.csv"], codebook=load_codebook(book))
    got = {(r.report_id, r.category, r.mode, r.level) for r in codes.itertuples()}
    assert ("r3-china", "health", "cooperation", "main") in got and len(got) == 4
    with pytest.raises(CorpusError) as info:
        import_coding_sheets([out / "coding-anna.csv"])
    assert len(info.value.problems) == 1
    assert info.value.problems[0].startswith(f"{out / 'coding-manifest.json'}: code_columns: 'health' is not a code")


def test_code_import_with_the_codebook_writes_a_corpus_that_uses_it(tmp_path: Path) -> None:
    """``code import --codebook FILE``: the corpus carries FILE as its codebook.yaml and a
    datapackage.json that allows its categories; validate and counts read it with that codebook."""
    from kzperception.cli import app
    from tests.conftest import write_health_codebook

    book = write_health_codebook(tmp_path / "cb" / "codebook.yaml")
    out = tmp_path / "sheets"
    export_coding_sheets(_health_reports(), ["anna"], out, book, formats=("csv",))
    fill_csv(
        out / "coding-anna.csv",
        {
            "r1-china": {"economic": "main"},
            "r2-russia": {"political_diplomatic": "main"},
            "r3-china": {"health": "main", "economic": "secondary"},
        },
    )
    corpus = tmp_path / "corpus"
    invoke(["code", "import", str(out / "coding-anna.csv"), "--out", str(corpus), "--codebook", str(book)])
    assert (corpus / "codebook.yaml").read_bytes() == book.read_bytes()
    package = json.loads((corpus / "datapackage.json").read_text(encoding="utf-8"))
    codes = next(r for r in package["resources"] if r["path"] == "codes.csv")
    assert "health" in next(f for f in codes["schema"]["fields"] if f["name"] == "category")["constraints"]["enum"]
    loaded = load_corpus(corpus)
    assert loaded.vocabulary.category_ids[-1] == "health"
    assert ("r3-china", "health") in set(zip(loaded.codes["report_id"], loaded.codes["category"], strict=True))
    runner = CliRunner()
    assert runner.invoke(app, ["validate", str(corpus)]).exit_code == 0
    counted = runner.invoke(app, ["counts", "codes", "--source", str(corpus), "--format", "csv"])
    assert counted.exit_code == 0 and ",health," in counted.stdout, counted.output
    # The corpus it wrote (codebook.yaml included) is a corpus that --force may replace.
    args = ["code", "import", str(out / "coding-anna.csv"), "--out", str(corpus), "--codebook", str(book)]
    invoke(args, code=1)
    invoke([*args, "--force"])
    # Without the codebook, one line names the manifest's health column; nothing is written.
    result = invoke(["code", "import", str(out / "coding-anna.csv"), "--out", str(tmp_path / "plain")], code=1)
    errors = [line for line in result.output.splitlines() if line.strip()]
    assert len(errors) == 1 and "code_columns: 'health'" in errors[0] and "--codebook" in errors[0]
    assert not (tmp_path / "plain").exists()


def test_screening_and_coder_notes_reach_the_corpus(tmp_path: Path, codebook: Path) -> None:
    """A screening note becomes the report's note (shown read-only in the sheet); a coder's note in
    the sheet becomes that coder's note on each of their codes of the report, and on nobody else's."""
    reports = coding_reports().assign(note=["kept: devoted paragraph", ""])
    export_coding_sheets(reports, ["anna", "boris"], tmp_path, codebook)
    sheet = pd.read_csv(tmp_path / "coding-anna.csv", dtype=str, keep_default_na=False)
    assert sheet.set_index("id").loc["r1-china", "screening_note"] == "kept: devoted paragraph"
    fill_xlsx(
        tmp_path / "coding-anna.xlsx",
        {
            "r1-china": {"economic": "main", "cultural": "secondary", "note": "trade, and a concert"},
            "r2-russia": {"political_diplomatic": "main"},
        },
    )
    fill_csv(
        tmp_path / "coding-boris.csv",
        {
            "r1-china": {"economic": "main"},
            "r2-russia": {"political_diplomatic": "main", "note": "visit\nlong"},
        },
    )
    write_imported([tmp_path / "coding-anna.xlsx", tmp_path / "coding-boris.csv"], tmp_path / "corpus")
    loaded = load_corpus(tmp_path / "corpus")
    notes = {
        (r.coder, r.report_id, r.category): (None if pd.isna(r.note) else r.note) for r in loaded.codes.itertuples()
    }
    assert notes == {
        ("anna", "r1-china", "economic"): "trade, and a concert",
        ("anna", "r1-china", "cultural"): "trade, and a concert",
        ("anna", "r2-russia", "political_diplomatic"): None,
        ("boris", "r1-china", "economic"): None,
        ("boris", "r2-russia", "political_diplomatic"): "visit\nlong",
    }
    report_notes = loaded.reports.set_index("id")["note"]
    assert report_notes["r1-china"] == "kept: devoted paragraph" and pd.isna(report_notes["r2-russia"])


def test_import_problems_point_at_the_sheet_cell(tmp_path: Path, codebook: Path) -> None:
    export_coding_sheets(coding_reports(), ["anna", "boris"], tmp_path, codebook)
    fill_xlsx(
        tmp_path / "coding-anna.xlsx", {"r1-china": {"economic": "maybe"}, "r2-russia": {"economic": "secondary"}}
    )
    fill_csv(
        tmp_path / "coding-boris.csv",
        {"r1-china": {"economic": "main", "date": "2023-04-02"}, "r2-russia": {"cultural": "main"}},
    )
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
    reports = coding_reports()
    reports.loc[0, "date"] = "2023-13-01"
    reports.loc[1, "country"] = "usa"
    export_coding_sheets(reports, ["anna"], tmp_path, codebook, formats=("csv",))
    fill_csv(tmp_path / "coding-anna.csv", {"r1-china": {"economic": "main"}, "r2-russia": {"economic": "main"}})
    with pytest.raises(CorpusError) as info:
        import_coding_sheets([tmp_path / "coding-anna.csv"])
    assert sorted(info.value.problems) == [
        "coding-anna.csv:2: date: '2023-13-01' is not a date (YYYY-MM-DD)",
        "coding-anna.csv:3: country: 'usa' is not one of china|russia",
    ]


def test_import_refuses_the_same_coder_twice(tmp_path: Path, codebook: Path) -> None:
    export_coding_sheets(coding_reports(), ["anna"], tmp_path, codebook)
    fill_csv(tmp_path / "coding-anna.csv", {"r1-china": {"economic": "main"}, "r2-russia": {"economic": "main"}})
    with pytest.raises(CorpusError, match=r"'anna' already coded coding-anna\.csv"):
        import_coding_sheets([tmp_path / "coding-anna.csv", tmp_path / "coding-anna.xlsx"])


# --- the whole chain ------------------------------------------------------------------------------


def test_code_export_needs_decisions(tmp_path: Path, matcher: CountryMatcher) -> None:
    collected, _ = fixture_reports()
    collected.to_csv(tmp_path / "collected.csv", index=False, quoting=csv.QUOTE_MINIMAL)
    invoke(["screen", tmp_path / "collected.csv", "--keywords", KEYWORDS])
    result = invoke(
        ["code", "export", tmp_path / "screening.csv", "--coder", "anna", "--out", tmp_path / "sheets"], code=1
    )
    assert "screening.csv:2: decision: no decision" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "sheets").exists()
    again = invoke(["screen", tmp_path / "collected.csv", "--keywords", KEYWORDS])  # no decisions: fine
    assert "screening:" in again.stdout


def test_split_paragraphs() -> None:
    assert split_paragraphs("a\n\nb\n \n\nc\nd") == ["a", "b", "c\nd"]
    assert split_paragraphs("") == []


def test_long_texts_fit_the_xlsx_cell_limit(tmp_path: Path, codebook: Path) -> None:
    reports = coding_reports()
    reports.loc[0, "text_ru"] = "Поставки в Китай. " * 3000  # 54,000 characters
    export_coding_sheets(reports, ["anna"], tmp_path, codebook)
    xlsx = read_table(tmp_path / "coding-anna.xlsx", sheet="coding")
    assert len(xlsx.loc[0, "text_ru"]) <= 32_767 and xlsx.loc[0, "text_ru"].endswith("collected.csv]")
    assert read_table(tmp_path / "coding-anna.csv").loc[0, "text_ru"] == reports.loc[0, "text_ru"]
    fill_xlsx(tmp_path / "coding-anna.xlsx", {"r1-china": {"economic": "main"}, "r2-russia": {"cultural": "m"}})
    reports_df, codes_df = import_coding_sheets([tmp_path / "coding-anna.xlsx"])
    assert len(reports_df) == 2 and len(codes_df) == 2


# --- formula safety and exact round trips -------------------------------------------------------

#: Cell values that a spreadsheet, rich, MyST or the CSV format would otherwise misread.
NASTY: tuple[str, ...] = (
    "'=x",
    "-5",
    "@a",
    "\t",
    "\r",
    '=HYPERLINK("http://evil.example","Россия")',
    "[/bold]",
    "{download}`../x`",
    "=1+1",
    "+7 (727) 000",
    "'",
    "''",
    "'plain",
    "=",
    "-",
    "@",
    "\t=1+1",
    "\r\n=1",
    "x;=1+1",
    "x,=1+1",
    'a"b',
    "#N/A",
    "<script>alert(1)</script>",
    "_x000D_",
    "_x005F_x000D_",
    "a\rb",
    "line\nbreak",
    " lead",
    "trail ",
    " ",
    "\n",
    "\x0b",
    "\x1f",
    "Китай\u2028Россия",
    "=cmd|'/C calc'!A0",
    "```{raw} html\n<b>x</b>\n```",
    "[link=https://evil.example]x[/link]",
    "../../etc/passwd",
    "",
)


def _nasty_frame() -> pd.DataFrame:
    return pd.DataFrame({"value": list(NASTY), "n": range(len(NASTY))})


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_every_nasty_value_comes_back_exactly(tmp_path: Path, suffix: str) -> None:
    from kzperception.fieldwork.sheet_cells import write_csv_sheet, write_xlsx_atomic

    path = tmp_path / f"t.{suffix}"
    df = _nasty_frame()
    if suffix == "csv":
        write_csv_sheet(df, path)
    else:
        write_xlsx_atomic({"t": df}, path)
    back = read_table(path).set_index("n")
    back.index = back.index.astype(int)
    got = [back["value"].get(i, "<row lost>") for i in range(len(NASTY))]
    assert got == list(NASTY)


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_random_strings_round_trip(tmp_path: Path, suffix: str) -> None:
    """A seeded fuzz over the characters that matter (hypothesis is not a dependency of the project)."""
    import random

    from kzperception.fieldwork.sheet_cells import write_csv_sheet, write_xlsx_atomic

    rng = random.Random(20240224)
    alphabet = [
        "=",
        "+",
        "-",
        "@",
        "'",
        "\t",
        "\r",
        "\n",
        '"',
        ",",
        ";",
        " ",
        "_",
        "x",
        "0",
        "D",
        "F",
        "5",
        "а",
        "Ж",
        "[",
        "/",
        "]",
        "{",
        "}",
        "`",
        "\x0b",
        "\x01",
        "\u2028",
        "\u00a0",
    ]
    values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(400)]
    values = [v for v in values if v.strip(" \t\r\n\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u00a0")] + ["\t", "\r\n "]
    df = pd.DataFrame({"k": [f"k{i}" for i in range(len(values))], "value": values})
    path = tmp_path / f"fuzz.{suffix}"
    if suffix == "csv":
        write_csv_sheet(df, path)
    else:
        write_xlsx_atomic({"t": df}, path)
    back = read_table(path)
    assert back["k"].tolist() == df["k"].tolist()
    assert back["value"].tolist() == values


def test_csv_cells_never_start_a_formula(tmp_path: Path) -> None:
    """OWASP: formula starts get one quote; every cell is quoted, so ';' cannot open a new cell either."""
    from kzperception.fieldwork.sheet_cells import FORMULA_START, write_csv_sheet

    path = tmp_path / "t.csv"
    write_csv_sheet(_nasty_frame(), path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Cyrillic as UTF-8
    text = raw.decode("utf-8-sig")
    for delimiter in (",", ";", "\t"):  # as a comma, semicolon or tab locale splits the line
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            assert not any(cell.startswith(FORMULA_START) for cell in row), row
    assert "\"''=x\"" in text and '"\'-5"' in text and '"\'@a"' in text and '"\'\t"' in text
    assert '"[/bold]"' in text  # no trigger: left alone


def test_xlsx_cells_are_text_never_formulas(tmp_path: Path) -> None:
    from kzperception.fieldwork.sheet_cells import write_xlsx_atomic

    path = tmp_path / "t.xlsx"
    write_xlsx_atomic({"t": _nasty_frame()}, path)
    ws = openpyxl.load_workbook(path)["t"]
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if c.column == 1 and c.value is not None]
    assert cells and all(c.data_type == "s" for c in cells)
    flagged = {c.value for c in cells if c.quotePrefix}
    assert {"=1+1", "-5", "@a", "'=x"} <= flagged and "[/bold]" not in flagged
    import zipfile

    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and 't="e"' not in xml


def test_screening_csv_is_formula_safe_and_reads_back(tmp_path: Path, matcher: CountryMatcher) -> None:
    collected, _ = fixture_reports()
    collected.loc[0, "title_ru"] = '=HYPERLINK("http://evil","Россия")'
    sheet = screen(collected, matcher)
    csv_path, _ = write_screening(sheet, tmp_path)
    assert "\"'=HYPERLINK(" in csv_path.read_text(encoding="utf-8-sig")
    back = read_table(csv_path)
    assert back["title_ru"].tolist() == sheet["title_ru"].tolist()
    assert back["paragraphs_ru"].tolist() == sheet["paragraphs_ru"].tolist()


def test_coding_sheets_round_trip_nasty_report_fields(tmp_path: Path, codebook: Path) -> None:
    """Through export, a coder's edits of the code cells only, and import: every field as it was."""
    values = [v for v in NASTY if v]
    reports = pd.DataFrame(
        [
            {
                "id": f"r{i}-china",
                "country": "china",
                "website": "government",
                "entity": v,
                "date": "2023-04-01",
                "url": v,
                "title_ru": v,
                "excerpt_ru": values[-1 - i],
                "text_ru": v,
                "provenance": "collected",
            }
            for i, v in enumerate(values)
        ]
    )
    export_coding_sheets(reports, ["anna", "boris"], tmp_path, codebook)
    coded = {rid: {"economic": "main"} for rid in reports["id"]}
    fill_xlsx(tmp_path / "coding-anna.xlsx", coded)
    fill_csv(tmp_path / "coding-boris.csv", coded)
    for sheets in (["coding-anna.xlsx"], ["coding-boris.csv"], ["coding-boris.csv", "coding-anna.xlsx"]):
        got, codes = import_coding_sheets([tmp_path / s for s in sheets])
        for col in ("id", "entity", "url", "title_ru", "excerpt_ru"):
            assert got[col].tolist() == reports[col].tolist(), (sheets, col)
        assert len(codes) == len(reports) * len(sheets)


# --- the manifest: nothing lost, nothing invented -----------------------------------------------


def _three_reports() -> pd.DataFrame:
    """Three reports whose texts span several lines, so CSV records and physical lines differ."""
    reports = pd.concat([coding_reports(), coding_reports().iloc[[0]].assign(id="r3-china")], ignore_index=True)
    reports["text_ru"] = reports["text_ru"] + "\n\nВторой абзац.\nТретья строка."
    reports["excerpt_ru"] = reports["excerpt_ru"] + "\nещё строка"
    return reports


def _csv_line_of(path: Path, needle: str) -> int:
    """The physical line (1-based) a text editor shows ``needle`` on."""
    lines = path.read_text(encoding="utf-8-sig").split("\n")
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


ALL_MAIN = {"r1-china": {"economic": "main"}, "r2-russia": {"economic": "main"}, "r3-china": {"economic": "main"}}


def test_manifest_records_what_was_exported(tmp_path: Path, codebook: Path) -> None:
    from kzperception.fieldwork.manifest import MANIFEST, read_manifest

    export_coding_sheets(_three_reports(), ["anna"], tmp_path, codebook)
    manifest = read_manifest(tmp_path / MANIFEST)
    assert [r.id for r in manifest.reports] == ["r1-china", "r2-russia", "r3-china"]
    assert [r.xlsx_row for r in manifest.reports] == [2, 3, 4]
    csv_path = tmp_path / "coding-anna.csv"
    assert [r.csv_line for r in manifest.reports] == [
        _csv_line_of(csv_path, f'"{rid}"') for rid in ("r1-china", "r2-russia", "r3-china")
    ]
    assert manifest.reports[1].csv_line > 3  # multi-line cells: lines, not records
    assert manifest.coders == ["anna"] and "title_ru" in manifest.fields


def test_mistyped_added_and_deleted_rows_are_refused_by_sheet_and_line(tmp_path: Path, codebook: Path) -> None:
    export_coding_sheets(_three_reports(), ["anna"], tmp_path, codebook)
    path = tmp_path / "coding-anna.csv"
    r2_line, r3_line = _csv_line_of(path, '"r2-russia"'), _csv_line_of(path, '"r3-china"')
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[df["id"] == "r1-china", "economic"] = "main"
    df.loc[df["id"] == "r3-china", ["id", "economic"]] = ["r3-chian", "main"]  # a typo
    df = df[df["id"] != "r2-russia"]  # a deleted row
    df = pd.concat([df, df.iloc[[0]].assign(id="r9-china")])  # an added row
    df.to_csv(path, index=False)
    with pytest.raises(CorpusError) as info:
        import_coding_sheets([path])
    added_line = _csv_line_of(path, "r9-china")
    typo_line = _csv_line_of(path, "r3-chian")
    assert info.value.problems == [
        f"coding-anna.csv:{typo_line}: id: 'r3-chian' was not exported to this sheet (not in coding-manifest.json): "
        "a mistyped id, or a row added; restore the exported id or delete the row",
        f"coding-anna.csv:{added_line}: id: 'r9-china' was not exported to this sheet (not in "
        "coding-manifest.json): a mistyped id, or a row added; restore the exported id or delete the row",
        f"coding-anna.csv:{r2_line}: id: report 'r2-russia', exported at this line, is missing (a deleted row?); "
        "every exported report must come back coded",
        f"coding-anna.csv:{r3_line}: id: report 'r3-china', exported at this line, is missing (a deleted row?); "
        "every exported report must come back coded",
    ]


def test_deleted_and_duplicated_xlsx_rows_name_the_sheet_row(tmp_path: Path, codebook: Path) -> None:
    export_coding_sheets(_three_reports(), ["anna"], tmp_path, codebook)
    path = tmp_path / "coding-anna.xlsx"
    fill_xlsx(path, ALL_MAIN)
    book = openpyxl.load_workbook(path)
    ws = book["coding"]
    ws.cell(4, 1).value = "r1-china"  # row 4 (r3) overwritten with r1's id
    ws.cell(9, 1).value = "  "  # a blank-looking row a coder started
    ws.cell(9, 2).value = "china"
    book.save(path)
    with pytest.raises(CorpusError) as info:
        import_coding_sheets([path])
    assert info.value.problems == [
        "coding-anna.xlsx:4: id: duplicate id 'r1-china' (also at row 2)",
        "coding-anna.xlsx:9: id: empty; every row must keep the id it was exported with (a row added to the sheet?)",
        "coding-anna.xlsx:4: id: report 'r3-china', exported at this row, is missing (a deleted row?); "
        "every exported report must come back coded",
    ]


def test_sorted_rows_and_excel_dates_are_accepted(tmp_path: Path, codebook: Path) -> None:
    """A coder may sort the sheet, and Excel rewrites dates when it saves a CSV: neither is an edit."""
    export_coding_sheets(_three_reports(), ["anna"], tmp_path, codebook, formats=("csv",))
    path = tmp_path / "coding-anna.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for rid, cells in ALL_MAIN.items():
        df.loc[df["id"] == rid, "economic"] = cells["economic"]
    df["date"] = ["01.04.2023", "6/17/2022", "45017"]  # Russian Excel, US Excel, a date cell shown as a number
    df.iloc[::-1].to_csv(path, index=False, sep=";", encoding="utf-8-sig")
    reports, codes = import_coding_sheets([path])
    assert reports["date"].tolist() == ["2023-04-01", "2022-06-17", "2023-04-01"]
    assert len(codes) == 3


def test_an_edited_report_field_is_refused(tmp_path: Path, codebook: Path) -> None:
    export_coding_sheets(_three_reports(), ["anna"], tmp_path, codebook)
    fill_xlsx(
        tmp_path / "coding-anna.xlsx",
        {**ALL_MAIN, "r2-russia": {"economic": "main", "title_ru": "[/bold]", "country": "china", "excerpt_ru": ""}},
    )
    with pytest.raises(CorpusError) as info:
        import_coding_sheets([tmp_path / "coding-anna.xlsx"])
    assert [p.split(": ", 2)[:2] for p in info.value.problems] == [
        ["coding-anna.xlsx:3", "country"],
        ["coding-anna.xlsx:3", "title_ru"],
        ["coding-anna.xlsx:3", "excerpt_ru"],
    ]
    assert "'[/bold]' is not the value exported for 'r2-russia'" in info.value.problems[1]


def test_coder_names_are_checked_on_import_as_on_export(tmp_path: Path, codebook: Path) -> None:
    export_coding_sheets(_three_reports(), ["anna", "boris"], tmp_path, codebook, formats=("csv",))
    path = tmp_path / "coding-anna.csv"
    fill_csv(path, {rid: {**c, "coder": "  anna "} for rid, c in ALL_MAIN.items()})
    _, codes = import_coding_sheets([path])
    assert set(codes["coder"]) == {"anna"}  # trimmed
    cases = {
        "=cmd|'/C calc'!A0": "(from the coder column) must be letters",
        "[/bold]": "(from the coder column) must be letters",
        "carol": "(from the coder column) was not given a sheet by `code export` (the manifest lists anna, boris)",
        "Anna": "(from the coder column) was not given a sheet",
    }
    for name, message in cases.items():
        fill_csv(path, {rid: {"coder": name} for rid in ALL_MAIN})
        with pytest.raises(CorpusError) as info:
            import_coding_sheets([path])
        assert len(info.value.problems) == 1, name
        assert info.value.problems[0].startswith(f"coding-anna.csv: coder: {name!r} {message}"), name
    copy = tmp_path / "coding-anna (1).csv"  # a browser's name for a second download
    fill_csv(path, {rid: {"coder": ""} for rid in ALL_MAIN})
    copy.write_bytes(path.read_bytes())
    with pytest.raises(CorpusError, match=r"coder: 'anna \(1\)' \(from the file name\) must be letters"):
        import_coding_sheets([copy])


def test_import_needs_a_readable_manifest(tmp_path: Path, codebook: Path) -> None:
    from kzperception.fieldwork.manifest import MANIFEST

    export_coding_sheets(_three_reports(), ["anna"], tmp_path / "sheets", codebook)
    moved = tmp_path / "mail" / "coding-anna.xlsx"
    moved.parent.mkdir()
    moved.write_bytes((tmp_path / "sheets" / "coding-anna.xlsx").read_bytes())
    fill_xlsx(moved, ALL_MAIN)
    with pytest.raises(CorpusError, match=r"coding-manifest\.json: file missing .* or pass --manifest"):
        import_coding_sheets([moved])
    with pytest.raises(CorpusError, match=r": not a file \(--manifest names"):
        import_coding_sheets([moved], manifest=tmp_path)
    reports, _ = import_coding_sheets([moved], manifest=tmp_path / "sheets" / MANIFEST)
    assert len(reports) == 3
    bad = tmp_path / "bad.json"
    for content in (
        b"\x89PNG\r\n\x1a\n\x00",
        b"[1, 2]",
        b'{"format": "kzperception-coding-manifest"}',
        b"[" * 100_000,
        b"{not json",
        json.dumps({**json.loads((tmp_path / "sheets" / MANIFEST).read_text()), "version": "1"}).encode(),
    ):
        bad.write_bytes(content)
        with pytest.raises(CorpusError) as info:
            import_coding_sheets([moved], manifest=bad)
        assert len(info.value.problems) == 1 and info.value.problems[0].startswith(f"{bad}: not a coding manifest")


def test_export_keeps_the_manifest_of_the_sheets_already_out(tmp_path: Path, codebook: Path) -> None:
    from kzperception.fieldwork.manifest import MANIFEST, read_manifest

    export_coding_sheets(_three_reports(), ["anna"], tmp_path, codebook)
    export_coding_sheets(_three_reports(), ["boris"], tmp_path, codebook)  # a second coder, later
    assert read_manifest(tmp_path / MANIFEST).coders == ["anna", "boris"]
    before = (tmp_path / MANIFEST).read_bytes()
    with pytest.raises(CorpusError, match="records sheets of other reports"):
        export_coding_sheets(coding_reports(), ["carol"], tmp_path, codebook)
    assert (tmp_path / MANIFEST).read_bytes() == before and not (tmp_path / "coding-carol.csv").exists()
    export_coding_sheets(coding_reports(), ["carol"], tmp_path, codebook, force=True)
    assert read_manifest(tmp_path / MANIFEST).coders == ["carol"]
    with pytest.raises(CorpusError, match="duplicate id 'r1-china'"):
        export_coding_sheets(pd.concat([coding_reports(), coding_reports()]), ["dan"], tmp_path / "dup", codebook)
    long_title = coding_reports().assign(title_ru="Китай " * 7000)  # 42,000 characters: would be cut in an XLSX
    with pytest.raises(CorpusError, match=r"row 1: title_ru: 42,000 characters do not fit an XLSX cell"):
        export_coding_sheets(long_title, ["dan"], tmp_path / "long", codebook)
    assert not (tmp_path / "long").exists()
    export_coding_sheets(long_title, ["dan"], tmp_path / "long", codebook, formats=("csv",))


# --- damaged sheets and the command line ----------------------------------------------------------


def _exported(tmp_path: Path, codebook: Path) -> Path:
    sheets = tmp_path / "sheets"
    export_coding_sheets(_three_reports(), ["anna", "boris"], sheets, codebook)
    fill_xlsx(sheets / "coding-anna.xlsx", ALL_MAIN)
    fill_csv(sheets / "coding-boris.csv", ALL_MAIN)
    return sheets


def _damaged(sheets: Path) -> dict[str, tuple[Path, str]]:
    """Damaged copies of anna's sheet (each under her file name in its own folder) and the error expected."""
    good = (sheets / "coding-anna.xlsx").read_bytes()
    manifest = (sheets / "coding-manifest.json").read_bytes()
    cases: dict[str, tuple[Path, str]] = {}

    def case(name: str, suffix: str, data: bytes, expect: str) -> Path:
        folder = sheets.parent / name
        folder.mkdir()
        (folder / "coding-manifest.json").write_bytes(manifest)
        path = folder / f"coding-anna.{suffix}"
        path.write_bytes(data)
        cases[name] = (path, expect)
        return path

    case("empty_xlsx", "xlsx", b"", "coding-anna.xlsx: not a readable XLSX file")
    case("empty_csv", "csv", b"", "coding-anna.csv: empty file")
    case("junk_xlsx", "xlsx", bytes(range(256)) * 20, "coding-anna.xlsx: not a readable XLSX file")
    case("truncated_xlsx", "xlsx", good[: len(good) // 2], "coding-anna.xlsx: not a readable XLSX file")
    case("junk_csv", "csv", b"\x00\xff\xfe" + bytes(range(256)) * 20, "coding-anna.csv:1: header: required columns")
    case("pdf_as_xlsx", "xlsx", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "coding-anna.xlsx: not a readable XLSX file")
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='x' sheetId='1' r:id='rId9'/></sheets></workbook>")
    case("hollow_zip", "xlsx", buf.getvalue(), "coding-anna.xlsx: not a readable XLSX file")
    lying = io.BytesIO()  # a <dimension> tag claiming one cell (some writers get it wrong): read every row
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(lying, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', data)
                assert b'<dimension ref="A1"' in data
            dst.writestr(item, data)
    case("wrong_dimension", "xlsx", lying.getvalue(), "")

    def edited(name: str, change: Any, expect: str) -> None:
        path = case(name, "xlsx", good, expect)
        book = openpyxl.load_workbook(path)
        change(book)
        book.save(path)

    edited(
        "missing_columns",
        lambda b: b["coding"].delete_cols(2, 3),
        "coding-anna.xlsx:1: header: required columns 'country', 'date'",
    )
    edited(
        "merged_cells",
        lambda b: b["coding"].merge_cells("F2:F4"),
        "coding-anna.xlsx:3: codes: report 'r2-russia' has no main code",
    )

    def moved_sheet(b: Any) -> None:
        b.move_sheet("coding", offset=2)
        b.create_sheet("my notes", 0)

    edited("extra_sheets", moved_sheet, "")  # found by its name: no error

    def wrong_types(b: Any) -> None:
        ws = b["coding"]
        ws.cell(2, 6).value = 1.5
        ws.cell(3, 3).value = dt.datetime(2022, 6, 17)  # a real date: still the exported value
        ws.cell(4, 1).value = 3

    edited("wrong_types", wrong_types, "coding-anna.xlsx:2: economic: '1.5' is not main|secondary")
    edited(
        "no_rows",
        lambda b: b["coding"].delete_rows(2, 3),
        "coding-anna.xlsx:2: id: report 'r1-china', exported at this row, is missing",
    )
    edited("only_header", lambda b: b["coding"].delete_rows(1, 10), "coding-anna.xlsx: empty file")
    return cases


def test_damaged_sheets_give_one_clear_line_each(tmp_path: Path, codebook: Path) -> None:
    sheets = _exported(tmp_path, codebook)
    for name, (path, expect) in _damaged(sheets).items():
        if not expect:
            reports, _ = import_coding_sheets([path])
            assert len(reports) == 3, name
            continue
        with pytest.raises(CorpusError) as info:
            import_coding_sheets([path])
        assert any(p.startswith(expect) for p in info.value.problems), (name, info.value.problems)


def test_excel_resaved_csv_with_bom_and_semicolons_imports(tmp_path: Path, codebook: Path) -> None:
    sheets = _exported(tmp_path, codebook)
    df = read_table(sheets / "coding-boris.csv").drop(columns="_row")
    # What a Russian Excel's "CSV UTF-8" writes: BOM, ';', quotes only where needed, CRLF, sep line.
    text = df.to_csv(index=False, sep=";", lineterminator="\r\n")
    (sheets / "coding-boris.csv").write_bytes(b"\xef\xbb\xbf" + ("sep=;\r\n" + text).encode("utf-8"))
    reports, codes = import_coding_sheets([sheets / "coding-boris.csv"])
    assert len(reports) == 3 and set(codes["coder"]) == {"boris"}
    assert reports["excerpt_ru"].tolist() == _three_reports()["excerpt_ru"].tolist()
    (sheets / "coding-boris.csv").write_bytes(df.to_csv(index=False, sep=";").encode("cp1251"))  # ANSI Excel
    assert len(import_coding_sheets([sheets / "coding-boris.csv"])[0]) == 3


def test_a_long_text_over_the_csv_field_limit_is_read(tmp_path: Path, codebook: Path) -> None:
    reports = coding_reports()
    import csv as csv_module

    reports.loc[0, "text_ru"] = "Поставки в Китай. " * 12_000  # 216,000 characters: over csv's 131,072
    export_coding_sheets(reports, ["anna"], tmp_path, codebook, formats=("csv",))
    before = csv_module.field_size_limit(131_072)  # csv's default (another library may have raised it)
    try:
        assert read_table(tmp_path / "coding-anna.csv").loc[0, "text_ru"] == reports.loc[0, "text_ru"]
        assert csv_module.field_size_limit() == 131_072  # the process-wide limit is restored
    finally:
        csv_module.field_size_limit(before)


def test_code_import_cli_never_shows_a_traceback(tmp_path: Path, codebook: Path) -> None:
    sheets = _exported(tmp_path, codebook)
    for name, (path, expect) in _damaged(sheets).items():
        if not expect:
            continue
        result = invoke(["code", "import", path, "--out", tmp_path / f"corpus-{name}"], code=1)
        assert "Traceback" not in result.output and result.stderr.startswith("error: "), name
        assert not (tmp_path / f"corpus-{name}").exists()
    for args in (
        ["code", "import", sheets, "--out", tmp_path / "c"],  # a folder as a sheet
        ["code", "import", sheets / "coding-anna.ods", "--out", tmp_path / "c"],
        [
            "code",
            "import",
            sheets / "coding-anna.xlsx",
            "--out",
            tmp_path / "c",
            "--manifest",
            sheets / "coding-anna.xlsx",
        ],
    ):
        result = invoke(args, code=2 if args[2] == sheets else 1)
        assert "Traceback" not in result.output


def test_code_import_refuses_to_replace_a_corpus_without_force(tmp_path: Path, codebook: Path) -> None:
    sheets = _exported(tmp_path, codebook)
    args = ["code", "import", sheets / "coding-anna.xlsx", sheets / "coding-boris.csv", "--out", tmp_path / "corpus"]
    invoke(args)
    before = {p.name: p.read_bytes() for p in (tmp_path / "corpus").iterdir()}
    fill_xlsx(sheets / "coding-anna.xlsx", {"r1-china": {"cultural": "secondary"}})
    result = invoke(args, code=1)
    assert "--force" in result.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "corpus").iterdir()} == before
    invoke([*args, "--force"])
    assert len(load_corpus(tmp_path / "corpus").codes) == 7


def test_cli_prints_hostile_cell_values_literally(tmp_path: Path, codebook: Path) -> None:
    sheets = _exported(tmp_path, codebook)
    fill_csv(sheets / "coding-boris.csv", {"r1-china": {"id": "[/bold]"}, "r2-russia": {"economic": "[red]x[/red]"}})
    result = invoke(["code", "import", sheets / "coding-boris.csv", "--out", tmp_path / "c"], code=1)
    assert "'[/bold]' was not exported" in result.stderr
    assert "'[red]x[/red]' is not main|secondary" in result.stderr


def test_screening_edits_cannot_invent_or_hide_reports(tmp_path: Path, matcher: CountryMatcher) -> None:
    collected, _ = fixture_reports()
    _, xlsx_path = write_screening(screen(collected, matcher), tmp_path)
    decide(xlsx_path, {"akorda-3100004-russia": "include"})
    book = openpyxl.load_workbook(xlsx_path)
    ws = book.active
    header = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "akorda-3100004-russia")
    ws.cell(row, header.index("country") + 1).value = "china"
    book.save(xlsx_path)
    with pytest.raises(
        ScreeningError,
        match=rf"screening:{row}: id: 'akorda-3100004-russia' is not "
        r"'akorda-3100004-china'",
    ):
        included_reports(read_screening(xlsx_path), collected)
    (tmp_path / "screening.csv").write_bytes(b"PK\x03\x04 junk")  # an unreadable sheet may hold decisions
    (tmp_path / "screening.xlsx").unlink()
    with pytest.raises(ScreeningError, match="cannot be read to check it for decisions"):
        write_screening(screen(collected, matcher), tmp_path)
    write_screening(screen(collected, matcher), tmp_path, force=True)


def test_reliability_table_says_why_a_coefficient_is_missing(tmp_path: Path, codebook: Path) -> None:
    sheets = _exported(tmp_path, codebook)  # both coders: economic main on all three reports
    corpus = tmp_path / "[/bold]corpus"  # a path is printed as text, never as markup
    invoke(["code", "import", sheets / "coding-anna.xlsx", sheets / "coding-boris.csv", "--out", corpus])
    table = pd.read_csv(io.StringIO(invoke(["reliability", corpus, "--format", "csv"]).stdout), keep_default_na=False)
    assert "note" in table.columns  # the reason reliability_table gives for an undefined coefficient
    undefined = table[table["alpha"] == ""]
    assert len(undefined) and undefined["note"].str.strip().ne("").all()
    result = CliRunner().invoke(sheets_app(), ["reliability", str(corpus)], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "[/bold]corpus" in result.stdout
    for note in set(undefined["note"]):
        assert note in result.stdout


def test_indexed_keyword_search_finds_what_trying_every_keyword_finds(matcher: CountryMatcher, codebook: Path) -> None:
    """KeywordSet.hits tries only keywords whose first word fits: the same hits as trying them all."""
    import random

    from kzperception.fieldwork.keywords import Hit, KeywordSet

    def naive(ks: KeywordSet, tokens: list[Any]) -> list[Hit]:
        out = []
        for i in range(len(tokens)):
            for keyword in ks.keywords:
                if keyword.matches_at(tokens, i):
                    out.append(Hit(i, keyword.source, " ".join(t.surface for t in tokens[i : i + len(keyword.terms)])))
                    break
        return out

    sets = [
        *matcher.countries.values(),
        *category_keywords(sheet_codebook(codebook)).values(),
        KeywordSet.from_words("multi", ["торговый дом", "торговый", "Китай РФ"], exact=["РФ", "КНР"]),
    ]
    collected, _ = fixture_reports()
    texts = [*collected["text_ru"], *collected["title_ru"]]
    words = " ".join(texts).split()
    rng = random.Random(7)
    texts += [" ".join(rng.choice(words) for _ in range(300)) for _ in range(20)]
    texts += ["торговый дом Китай РФ российско-китайский КНР-овский", "торговый торговый дом"]
    lem = matcher.lemmatizer
    for text in texts:
        tokens = lem.tokens(text)
        for ks in sets:
            assert ks.hits(tokens) == naive(ks, tokens), (ks.name, text[:80])


def test_sheets_exported_without_a_manifest_can_be_imported_after_manifest_only(tmp_path: Path, codebook: Path) -> None:
    """Sheets that went out before manifests existed (or lost theirs) get the manifest their export
    would have written; the sheets are not touched, and an existing manifest is kept without --force."""
    from kzperception.fieldwork.manifest import MANIFEST

    sheets = tmp_path / "sheets"
    export_coding_sheets(_three_reports(), ["anna", "boris"], sheets, codebook)
    original = (sheets / MANIFEST).read_bytes()
    (sheets / MANIFEST).unlink()  # an export from before manifests
    fill_xlsx(sheets / "coding-anna.xlsx", ALL_MAIN)
    filled = (sheets / "coding-anna.xlsx").read_bytes()
    with pytest.raises(CorpusError, match=r"code export --manifest-only"):
        import_coding_sheets([sheets / "coding-anna.xlsx"])
    written = export_coding_sheets(_three_reports(), ["anna", "boris"], sheets, codebook, manifest_only=True)
    assert written == [sheets / MANIFEST]
    assert (sheets / MANIFEST).read_bytes() == original
    assert (sheets / "coding-anna.xlsx").read_bytes() == filled  # the coder's work is untouched
    reports, _ = import_coding_sheets([sheets / "coding-anna.xlsx"])
    assert len(reports) == 3
    with pytest.raises(CorpusError, match="already exists; --manifest-only writes a manifest only where none is"):
        export_coding_sheets(_three_reports(), ["anna"], sheets, codebook, manifest_only=True)
    # A manifest made from other inputs does not vouch for these sheets: the import names the rows.
    export_coding_sheets(coding_reports(), ["anna"], sheets, codebook, manifest_only=True, force=True)
    with pytest.raises(CorpusError, match="was not exported to this sheet"):
        import_coding_sheets([sheets / "coding-anna.xlsx"])
