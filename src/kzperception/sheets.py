"""Coding sheets: one spreadsheet per coder out, a validated corpus back in.

The thesis was coded by one person; a rerun may have two or more coders, each working alone in
their own sheet (XLSX for Excel or LibreOffice, CSV for anything else). A sheet has one row per
report and one column per code: the seven categories in cooperation mode and the six that also
exist as non-cooperation (``economic_non_cooperation``...). A coder writes ``main`` or
``secondary`` in a cell, or leaves it empty.

``suggested_by_keywords`` shows which categories the codebook's Russian keyword lists find in the
text, as a reading aid. It is never read back: only what a coder typed becomes a code.

Reading the sheets back validates them exactly as the corpus loader does, but reports each problem
at the sheet, row and column where the coder can fix it. Nothing is written unless every sheet is
valid. The spreadsheet helpers here (``read_table``, ``write_xlsx_atomic``) are shared with the
screening sheet.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from . import paths
from .corpus import (
    REPORT_COLUMNS,
    Corpus,
    CorpusError,
    atomic_target,
    corpus_from_frames,
    load_corpus,
    write_corpus,
    write_csv_atomic,
)
from .keywords import KeywordSet, Lemmatizer, default_lemmatizer
from .vocabulary import CATEGORIES, COOPERATION_ONLY

XLSX_CELL_LIMIT = 32_767
TRUNCATED = " […truncated: the full text is in the CSV sheet and collected.csv]"
SUGGESTED = "suggested_by_keywords"
LEVEL_WORDS = {"main": "main", "m": "main", "secondary": "secondary", "s": "secondary", "sec": "secondary"}


@dataclass(frozen=True)
class CodeColumn:
    """A sheet column and the code (category, mode) a value in it stands for."""

    name: str
    category: str
    mode: str


CODE_SHEET_COLUMNS: tuple[CodeColumn, ...] = tuple(
    [CodeColumn(c, c, "cooperation") for c in CATEGORIES]
    + [CodeColumn(f"{c}_non_cooperation", c, "non_cooperation") for c in CATEGORIES if c not in COOPERATION_ONLY]
)
REPORT_SHEET_COLUMNS: tuple[str, ...] = (
    "id", "country", "date", "title_ru", "excerpt_ru",
)
TRAILING_COLUMNS: tuple[str, ...] = ("note", SUGGESTED, "text_ru", "website", "entity", "url", "provenance", "coder")
SHEET_COLUMNS: tuple[str, ...] = (
    REPORT_SHEET_COLUMNS + tuple(c.name for c in CODE_SHEET_COLUMNS) + TRAILING_COLUMNS
)
#: Report fields every coder's copy must agree on.
SHARED_FIELDS: tuple[str, ...] = ("country", "website", "entity", "date", "url", "title_ru")


# --------------------------------------------------------------------------------------------
# Spreadsheet I/O


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as text: dates as ISO, whole numbers without ``.0``, empty as ''."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def read_table(path: str | os.PathLike[str], sheet: str | None = None) -> pd.DataFrame:
    """A CSV or XLSX table as text columns plus ``_row`` (the row number a spreadsheet shows).

    CSV files saved by Excel in a Russian locale are often windows-1251 and semicolon-separated;
    both are recognised. Empty rows are skipped.
    """
    path = Path(path)
    if not path.is_file():
        raise CorpusError([f"{path}: file missing"])
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        return _read_csv_text(path)
    raise CorpusError([f"{path.name}: not a .csv or .xlsx file"])


def _read_xlsx(path: Path, sheet: str | None) -> pd.DataFrame:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as err:
        raise CorpusError([f"{path.name}: not a readable XLSX file ({type(err).__name__})"]) from None
    try:
        ws = book[sheet] if sheet and sheet in book.sheetnames else book.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = [_cell_text(v).strip() for v in next(rows, ())]
        records = []
        for number, values in enumerate(rows, start=2):
            texts = [_cell_text(v) for v in values][: len(header)]
            if any(t.strip() for t in texts):
                texts += [""] * (len(header) - len(texts))
                records.append([*texts, number])
    finally:
        book.close()
    return _frame(path, header, records)


def _read_csv_text(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1251", "replace")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip() for h in next(reader, [])]
    records = []
    for number, values in enumerate(reader, start=2):  # record numbers, as the corpus loader counts
        if any(v.strip() for v in values):
            values = (values + [""] * len(header))[: len(header)]
            records.append([*values, number])
    return _frame(path, header, records)


def _frame(path: Path, header: list[str], records: list[list[Any]]) -> pd.DataFrame:
    if not header or not any(header):
        raise CorpusError([f"{path.name}: empty file (a header row is required)"])
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise CorpusError([f"{path.name}: {dupes[0]}: column appears twice in the header"])
    df = pd.DataFrame(records, columns=[*header, "_row"])
    return df.drop(columns=[h for h in header if not h], errors="ignore")


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if not isinstance(value, str):
        return value
    value = _ILLEGAL.sub("", value)
    if len(value) > XLSX_CELL_LIMIT:
        value = value[: XLSX_CELL_LIMIT - len(TRUNCATED)] + TRUNCATED
    return value


def write_xlsx_atomic(
    frames: Mapping[str, pd.DataFrame],
    path: str | os.PathLike[str],
    choices: Mapping[str, Sequence[str]] | None = None,
    widths: Mapping[str, int] | None = None,
    wrap: Sequence[str] = (),
) -> Path:
    """Write one workbook (a sheet per frame) next to ``path`` and rename it into place.

    Every text cell is stored as text: a scraped line starting with ``=`` must never become a
    formula. ``choices`` puts a drop-down list on a column of the first sheet.
    """
    import openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for index, (name, df) in enumerate(frames.items()):
        ws = book.create_sheet(name[:31])
        columns = list(df.columns)
        ws.append(columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for values in df.itertuples(index=False):
            ws.append([_xlsx_value(v) for v in values])
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
        for col, name_ in enumerate(columns, start=1):
            letter = get_column_letter(col)
            ws.column_dimensions[letter].width = (widths or {}).get(name_, min(40, max(10, len(name_) + 2)))
            if name_ in wrap:
                for cell in ws[letter][1:]:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            if index == 0 and choices and name_ in choices and len(df):
                rule = DataValidation(type="list", formula1='"' + ",".join(choices[name_]) + '"', allow_blank=True)
                rule.add(f"{letter}2:{letter}{len(df) + 1}")
                ws.add_data_validation(rule)
        if index == 0:
            ws.freeze_panes = "B2"
    with atomic_target(path) as tmp:
        book.save(tmp)
    return path


# --------------------------------------------------------------------------------------------
# Codebook keyword suggestions


def load_codebook(path: str | os.PathLike[str] | None = None) -> list[dict[str, Any]]:
    """The codebook's categories (``data/codebook.yaml``); ``[]`` when there is no codebook yet."""
    path = Path(path) if path is not None else paths.CODEBOOK
    if not path.is_file():
        return []
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise CorpusError([f"{path}: not valid YAML ({err})"]) from None
    categories = spec.get("categories") if isinstance(spec, dict) else None
    if not isinstance(categories, list):
        raise CorpusError([f"{path}: categories: expected a list of categories"])
    return [c for c in categories if isinstance(c, dict) and c.get("id") in CATEGORIES]


def category_keywords(codebook: Sequence[Mapping[str, Any]],
                      lemmatizer: Lemmatizer | None = None) -> dict[str, KeywordSet]:
    """Each category's ``keywords_ru`` as a lemma matcher (categories without keywords are left out)."""
    lem = lemmatizer or default_lemmatizer()
    out = {}
    for cat in codebook:
        words = [str(w) for w in cat.get("keywords_ru") or [] if str(w).strip()]
        if words:
            out[str(cat["id"])] = KeywordSet.from_words(str(cat["id"]), words, lemmatizer=lem)
    return out


def suggest_codes(text: str, keyword_sets: Mapping[str, KeywordSet], top: int = 3) -> str:
    """``economic (5); political_diplomatic (2)``: categories whose keywords the text uses most."""
    if not keyword_sets:
        return ""
    tokens = default_lemmatizer().tokens(text)
    counts = {cat: ks.count(tokens) for cat, ks in keyword_sets.items()}
    ranked = sorted((n, -CATEGORIES.index(c), c) for c, n in counts.items() if n)
    return "; ".join(f"{c} ({n})" for n, _, c in reversed(ranked[-top:]))


# --------------------------------------------------------------------------------------------
# Export


def _check_coders(coders: Sequence[str]) -> list[str]:
    names = [c.strip() for c in coders]
    if not names:
        raise CorpusError(["--coder: name at least one coder"])
    for name in names:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
            raise CorpusError([f"--coder: {name!r} must be letters, digits, '_', '-' or '.' (it names a file)"])
    if len(set(names)) != len(names):
        raise CorpusError([f"--coder: {next(n for n in names if names.count(n) > 1)!r} given twice"])
    return names


def coding_sheet(reports: pd.DataFrame, coder: str,
                 keyword_sets: Mapping[str, KeywordSet] | None = None) -> pd.DataFrame:
    """The sheet one coder fills in: report columns, empty code columns, suggestions, the text."""
    df = reports.fillna("").copy()
    for col in ("entity", "url", "title_ru", "excerpt_ru", "text_ru", "provenance"):
        if col not in df:
            df[col] = ""
    df["provenance"] = df["provenance"].replace("", "collected")
    for col in CODE_SHEET_COLUMNS:
        df[col.name] = ""
    df["note"] = ""
    df[SUGGESTED] = [suggest_codes(f"{t}\n\n{x}", keyword_sets or {}) for t, x in zip(df["title_ru"], df["text_ru"],
                                                                                      strict=True)]
    df["coder"] = coder
    return df[list(SHEET_COLUMNS)]


def _codebook_sheet(codebook: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    rows = []
    for cat in codebook:
        includes = cat.get("includes") or []
        rows.append({
            "id": cat.get("id", ""), "label": cat.get("label", ""),
            "modes": ", ".join(cat.get("modes") or []), "definition": cat.get("definition", ""),
            "includes": "; ".join(str(i) for i in includes) if isinstance(includes, list) else str(includes),
            "keywords_ru": ", ".join(str(k) for k in cat.get("keywords_ru") or []),
        })
    return pd.DataFrame(rows, columns=["id", "label", "modes", "definition", "includes", "keywords_ru"])


INSTRUCTIONS = (
    "One row per report. For each theme the report discusses, write main or secondary in the column of its "
    "category (the *_non_cooperation columns: the report discusses the country within that theme without "
    "linking it to Kazakhstan).",
    "Every report needs at least one main code. A category is either main or secondary, not both.",
    "suggested_by_keywords only counts the codebook's keywords in the text: it is a reading aid, never a code.",
    "Do not edit id, country, date or the other report columns; add remarks in note.",
    "Code alone: do not look at another coder's sheet before both are finished.",
)


def export_coding_sheets(
    reports: pd.DataFrame,
    coders: Sequence[str],
    folder: str | os.PathLike[str],
    codebook_path: str | os.PathLike[str] | None = None,
    formats: Sequence[str] = ("xlsx", "csv"),
    force: bool = False,
) -> list[Path]:
    """Write ``coding-<coder>.xlsx`` / ``.csv`` for each coder; never over a sheet already there."""
    names = _check_coders(coders)
    folder = Path(folder)
    bad = [f for f in formats if f not in ("xlsx", "csv")]
    if bad or not formats:
        raise CorpusError([f"--format: {bad[0] if bad else ''!r} is not one of xlsx|csv|both"])
    targets = [folder / f"coding-{n}.{f}" for n in names for f in formats]
    existing = [p for p in targets if p.exists()]
    if existing and not force:
        raise CorpusError([f"{existing[0]}: already exists (it may hold codes); use --force or another --out"])
    if reports.empty:
        raise CorpusError(["no included reports to code (mark some `include` in the screening sheet)"])
    codebook = load_codebook(codebook_path)
    keyword_sets = category_keywords(codebook)
    for name in names:
        sheet = coding_sheet(reports, name, keyword_sets)
        if "csv" in formats:
            write_csv_atomic(sheet, folder / f"coding-{name}.csv")
        if "xlsx" in formats:
            write_xlsx_atomic(
                {"coding": sheet, "codebook": _codebook_sheet(codebook),
                 "instructions": pd.DataFrame({"instructions": list(INSTRUCTIONS)})},
                folder / f"coding-{name}.xlsx",
                choices={c.name: ("main", "secondary") for c in CODE_SHEET_COLUMNS},
                widths={"title_ru": 45, "excerpt_ru": 60, "text_ru": 90, "note": 30, SUGGESTED: 35},
                wrap=("title_ru", "excerpt_ru", "text_ru"),
            )
    return targets


# --------------------------------------------------------------------------------------------
# Import


@dataclass
class _Origin:
    """Where a row of the built frames came from, to point problems at the coder's sheet."""

    sheet: str
    row: int
    column: str | None = None


def _coder_of(path: Path, table: pd.DataFrame, problems: list[str]) -> str | None:
    named = sorted({v.strip() for v in table.get("coder", pd.Series(dtype=str)) if str(v).strip()})
    from_file = re.fullmatch(r"coding-(.+)", path.stem)
    if len(named) > 1:
        problems.append(f"{path.name}: coder: one sheet per coder, found {', '.join(named)}")
        return None
    if named:
        return named[0]
    if from_file:
        return from_file.group(1)
    problems.append(f"{path.name}: coder: no coder name (fill the coder column or name the file coding-<coder>)")
    return None


def _read_sheet(path: Path, problems: list[str]) -> tuple[str | None, pd.DataFrame]:
    table = read_table(path, sheet="coding")
    missing = [c for c in ("id", "country", "website", "date") if c not in table]
    missing += [c.name for c in CODE_SHEET_COLUMNS if c.name not in table]
    for col in missing:
        problems.append(f"{path.name}: {col}: required column missing")
    if missing:
        return None, table
    return _coder_of(path, table, problems), table


def _codes_of(path: Path, coder: str, table: pd.DataFrame, problems: list[str],
              origins: list[_Origin]) -> list[dict[str, str]]:
    codes = []
    seen: set[str] = set()
    for rec in table.to_dict("records"):
        row, rid = int(rec["_row"]), str(rec["id"]).strip()
        if rid in seen:
            problems.append(f"{path.name}:{row}: id: duplicate id {rid!r} in this sheet")
            continue
        seen.add(rid)
        levels = []
        for col in CODE_SHEET_COLUMNS:
            raw = str(rec[col.name]).strip()
            if not raw:
                continue
            level = LEVEL_WORDS.get(raw.lower())
            if level is None:
                problems.append(f"{path.name}:{row}: {col.name}: {raw!r} is not main|secondary (or empty)")
                continue
            levels.append(level)
            codes.append({"report_id": rid, "category": col.category, "mode": col.mode, "level": level,
                          "coder": coder})
            origins.append(_Origin(path.name, row, col.name))
        if rid and "main" not in levels:
            problems.append(f"{path.name}:{row}: codes: report {rid!r} has no main code")
    return codes


def _merge_reports(sheets: list[tuple[Path, pd.DataFrame]], problems: list[str],
                   origins: list[_Origin]) -> pd.DataFrame:
    """One report row per id across all sheets; a coder's sheet that changed a report is a problem."""
    first: dict[str, tuple[str, int, dict[str, Any]]] = {}
    rows = []
    for path, table in sheets:
        for rec in table.to_dict("records"):
            rid = str(rec["id"]).strip()
            if rid in first:
                name, line, kept = first[rid]
                for col in SHARED_FIELDS:
                    if col in rec and str(rec[col]).strip() != str(kept.get(col, "")).strip():
                        problems.append(f"{path.name}:{rec['_row']}: {col}: {rec[col]!r} differs from "
                                        f"{kept.get(col, '')!r} in {name}:{line}")
                continue
            first[rid] = (path.name, int(rec["_row"]), rec)
            row = {c: str(rec.get(c, "") or "").strip() or None for c in REPORT_COLUMNS}
            row["provenance"] = row["provenance"] or "collected"
            rows.append(row)
            origins.append(_Origin(path.name, int(rec["_row"])))
    return pd.DataFrame(rows, columns=list(REPORT_COLUMNS), dtype=object)


_LOADER_LINE = re.compile(r"^(reports|codes)\.csv:(\d+): ([^:]+): (.*)$")


def _relocate(problems: Sequence[str], report_origins: list[_Origin], code_origins: list[_Origin]) -> list[str]:
    """Turn the loader's ``reports.csv:N`` / ``codes.csv:N`` into the coder's sheet and row."""
    out = []
    for line in problems:
        match = _LOADER_LINE.match(line)
        if not match:
            out.append(line)
            continue
        which, number, fld, message = match.groups()
        origins = report_origins if which == "reports" else code_origins
        index = int(number) - 2
        if 0 <= index < len(origins):
            o = origins[index]
            column = o.column if which == "codes" and fld in ("category", "mode", "level") and o.column else fld
            out.append(f"{o.sheet}:{o.row}: {column}: {message}")
        else:
            out.append(line)
    return out


def import_coding_sheets(sheet_paths: Sequence[str | os.PathLike[str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every coder's sheet as interchange frames (reports, codes), validated as the loader does.

    Raises CorpusError listing every problem at the sheet, row and column a coder can fix.
    """
    if not sheet_paths:
        raise CorpusError(["no coding sheets given"])
    problems: list[str] = []
    sheets: list[tuple[Path, pd.DataFrame]] = []
    codes: list[dict[str, str]] = []
    code_origins: list[_Origin] = []
    coders: dict[str, str] = {}
    for raw_path in sheet_paths:
        path = Path(raw_path)
        coder, table = _read_sheet(path, problems)
        if coder is None:
            continue
        if coder in coders:
            problems.append(f"{path.name}: coder: {coder!r} already coded {coders[coder]}; one sheet per coder")
            continue
        coders[coder] = path.name
        sheets.append((path, table))
        codes += _codes_of(path, coder, table, problems, code_origins)
    report_origins: list[_Origin] = []
    reports = _merge_reports(sheets, problems, report_origins)
    if problems:
        raise CorpusError(problems)
    codes_df = pd.DataFrame(codes, columns=["report_id", "category", "mode", "level", "coder"], dtype=object)
    try:
        corpus_from_frames(reports, codes_df)
    except CorpusError as err:
        raise CorpusError(_relocate(err.problems, report_origins, code_origins)) from None
    return reports, codes_df


def write_imported(sheet_paths: Sequence[str | os.PathLike[str]], folder: str | os.PathLike[str]) -> Corpus:
    """Validate the sheets, then write the corpus to ``folder`` (nothing is written on failure)."""
    reports, codes = import_coding_sheets(sheet_paths)
    write_corpus(reports, codes, folder)
    return load_corpus(folder)
