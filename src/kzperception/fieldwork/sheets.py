"""Coding sheets: one spreadsheet per coder out, a validated corpus back in.

The thesis was coded by one person; a rerun may have two or more coders, each working alone in
their own sheet (XLSX for Excel or LibreOffice, CSV for anything else). A sheet has one row per
report and one column per code: the seven categories in cooperation mode and the six that also
exist as non-cooperation (``economic_non_cooperation``...). A coder writes ``main`` or
``secondary`` in a cell, or leaves it empty.

``suggested_by_keywords`` shows which categories the codebook's Russian keyword lists find in the
text, as a reading aid. It is never read back: only what a coder typed becomes a code.

What went out is recorded. ``code export`` writes ``coding-manifest.json`` beside the sheets: every
exported report id, the row and CSV line it was written to, and a hash of each report field the
corpus takes from a sheet. ``code import`` checks every sheet against it, so an id a coder mistyped,
a row a coder added or deleted, or an edited report field is reported at its sheet and row, rather
than silently becoming a new report, a lost one or a changed one. Hashes, not copies, keep the
manifest small; they are enough to tell which field changed, and to recognise a value a
spreadsheet only reformatted (a date saved by Excel as ``01.04.2023``).

Spreadsheets run a CSV cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
as a formula. Following the OWASP rule on CSV injection, an exported CSV cell that begins so gets a
single quote in front, and so does a cell that already begins with a quote, so that reading takes
exactly one leading quote off and every value comes back as it was. Every CSV cell is also quoted,
so a ``;`` inside a value cannot open a new cell in a semicolon locale. XLSX cells are written as
text (never a formula, marked with Excel's quote prefix where they look like one), with Excel's
``_xHHHH_`` escape for the control characters XML cannot carry.

Reading the sheets back validates them exactly as the corpus loader does, but reports each problem
at the sheet, row and column where the coder can fix it. Nothing is written unless every sheet is
valid. The spreadsheet helpers here (``read_table``, ``write_csv_sheet``, ``write_xlsx_atomic``) are
shared with the screening sheet.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from kzperception import paths
from kzperception.data.corpus import (
    REPORT_COLUMNS,
    Corpus,
    CorpusError,
    atomic_target,
    corpus_from_frames,
    load_corpus,
    write_corpus,
)
from kzperception.data.vocabulary import CATEGORIES, COOPERATION_ONLY
from kzperception.fieldwork.keywords import KeywordSet, Lemmatizer, default_lemmatizer

XLSX_CELL_LIMIT = 32_767
TRUNCATED = " […truncated: the full text is in the CSV sheet and collected.csv]"
SUGGESTED = "suggested_by_keywords"
LEVEL_WORDS = {"main": "main", "m": "main", "secondary": "secondary", "s": "secondary", "sec": "secondary"}
MANIFEST = "coding-manifest.json"
MANIFEST_FORMAT = "kzperception-coding-manifest"


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
#: Report fields the corpus takes from a sheet: the manifest holds a hash of each, every coder's
#: copy must still hold the exported value.
SHARED_FIELDS: tuple[str, ...] = ("country", "website", "entity", "date", "url", "title_ru", "excerpt_ru",
                                  "provenance")
CODER_RULE = "must be letters, digits, '_', '-' or '.', starting with a letter or digit (it names a file)"
_CODER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


# --------------------------------------------------------------------------------------------
# Formula-safe cells

#: What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def neutralise(value: str) -> str:
    """``value`` as a CSV cell no spreadsheet runs: a single quote before a formula start.

    A value that already begins with a quote gets one too, so that :func:`restore` can always take
    exactly one off: ``'=x`` is written ``''=x`` and read back ``'=x``.
    """
    return QUOTE + value if value.startswith((*FORMULA_START, QUOTE)) else value


def restore(value: str) -> str:
    """The value :func:`neutralise` was given: one leading quote taken off, if there is one."""
    return value[1:] if value.startswith(QUOTE) else value


# Excel's escape for characters XML 1.0 cannot hold (ECMA-376 ST_Xstring): _x000D_ is a carriage
# return; a literal "_x000D_" is written "_x005F_x000D_". Tabs are escaped too: a cell that is only
# white space would otherwise lose it to XML's white-space rules.
_XML_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)|[\x00-\x09\x0b-\x1f]")
_XML_UNESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _xml_escape(value: str) -> str:
    if value and not value.strip():
        return "".join(f"_x{ord(c):04X}_" for c in value)
    return _XML_ESCAPE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", value)


def _xml_unescape(value: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = int(match.group(1), 16)
        return match.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)  # a lone surrogate is not text

    return _XML_UNESCAPE.sub(one, value) if "_x" in value else value


# --------------------------------------------------------------------------------------------
# Spreadsheet I/O


def _cell_text(value: Any) -> str:
    """A cell as text: dates as ISO, whole numbers without ``.0``, empty (None, NaN) as ''."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


@dataclass(frozen=True)
class RawTable:
    """A sheet's cells as the file holds them, each row with the number a user finds it by.

    ``row`` is the physical line a CSV record starts on (a text editor's line number; a record with
    a multi-line cell spans several) or the row number a spreadsheet shows. Cells are as stored:
    :meth:`cook` turns one into the value export was given.
    """

    name: str
    kind: Literal["csv", "xlsx"]
    header: list[str]
    rows: list[tuple[int, list[str]]]

    def cook(self, value: str) -> str:
        """The value as exported: the CSV's neutralising quote or the XLSX escape undone."""
        return restore(value) if self.kind == "csv" else _xml_unescape(value)

    def readings(self, value: str) -> list[str]:
        """The cooked value, then the stored one.

        A sheet another program re-saved may not carry this project's escapes (an XLSX saved as
        CSV keeps a genuine leading quote bare), so where the manifest can judge, both are tried.
        """
        cooked = self.cook(value)
        return [cooked] if cooked == value else [cooked, value]

    @property
    def unit(self) -> str:
        return "line" if self.kind == "csv" else "row"


def read_raw(path: str | os.PathLike[str], sheet: str | None = None) -> RawTable:
    """A CSV or XLSX file's header and rows, as stored; empty rows are skipped.

    CSV files saved by Excel in a Russian locale are often windows-1251 and semicolon-separated,
    sometimes with a ``sep=;`` first line or a byte-order mark; all are recognised. An XLSX file's
    sheet ``sheet`` is read when it has one, else its first sheet. Raises :class:`CorpusError` with
    one line for a file that cannot be read, whatever is wrong with it.
    """
    path = Path(path)
    if not path.is_file():
        raise CorpusError([f"{path}: file missing" if not path.exists() else f"{path}: not a file"])
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    if suffix in (".csv", ".txt", ".tsv"):
        return _read_csv_text(path)
    raise CorpusError([f"{path.name}: not a .csv or .xlsx file"])


def read_table(path: str | os.PathLike[str], sheet: str | None = None) -> pd.DataFrame:
    """A CSV or XLSX table as text columns (values as exported) plus ``_row`` (see :class:`RawTable`)."""
    table = read_raw(path, sheet)
    keep = [i for i, h in enumerate(table.header) if h and h != "_row"]  # unnamed columns are no data
    records = [[table.cook(values[i]) for i in keep] + [row] for row, values in table.rows]
    return pd.DataFrame(records, columns=[*(table.header[i] for i in keep), "_row"])


def _read_xlsx(path: Path, sheet: str | None) -> RawTable:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl's errors on a damaged file are many and undocumented
        raise CorpusError([f"{path.name}: not a readable XLSX file ({type(err).__name__})"]) from None
    try:
        ws = book[sheet] if sheet and sheet in book.sheetnames else book.worksheets[0]
        ws.reset_dimensions()  # a wrong <dimension> tag must not cut rows off
        rows = ws.iter_rows(values_only=True)
        header = [_cell_text(v).strip() for v in next(rows, ())]
        records = []
        for number, values in enumerate(rows, start=2):  # gaps come as empty rows: numbers stay true
            texts = [_cell_text(v) for v in values][: len(header)]
            if any(t.strip() for t in texts):
                records.append((number, texts + [""] * (len(header) - len(texts))))
    except IndexError:
        raise CorpusError([f"{path.name}: the workbook has no sheet"]) from None
    except Exception as err:  # as above: a damaged sheet fails in many ways
        raise CorpusError([f"{path.name}: not a readable XLSX file ({type(err).__name__})"]) from None
    finally:
        book.close()
    return _checked_table(RawTable(path.name, "xlsx", header, records))


@contextmanager
def _csv_field_limit() -> Iterator[None]:
    """Lift the csv module's 128 KB cell limit (a long report text is bigger) for one read."""
    old = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the physical line each starts on (blank lines are skipped)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    end = 0
    for values in reader:
        start, end = end + 1, reader.line_num
        if values:
            yield start, values


def _read_csv_text(path: Path) -> RawTable:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1251", "replace")
    first, _, rest = text.partition("\n")
    sep = re.fullmatch(r'"?sep=(.)"?\r?', first)
    offset = 0
    if sep:  # Excel's "sep=;" line names the delimiter
        delimiter, text, offset = sep.group(1), rest, 1
    else:
        delimiter = max((",", ";", "\t"), key=first.count)
    try:
        with _csv_field_limit():
            records = [(line + offset, values) for line, values in _records(text, delimiter)]
    except csv.Error as err:
        raise CorpusError([f"{path.name}: not a readable CSV file ({err})"]) from None
    header: list[str] = []
    if records:
        _, header = records.pop(0)
        header = [h.strip() for h in header]
    rows = [(line, (values + [""] * len(header))[: len(header)]) for line, values in records
            if any(v.strip() for v in values)]
    return _checked_table(RawTable(path.name, "csv", header, rows))


def _checked_table(table: RawTable) -> RawTable:
    header = table.header
    if not header or not any(header):
        raise CorpusError([f"{table.name}: empty file (a header row is required)"])
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise CorpusError([f"{table.name}:1: header: column {dupes[0]!r} appears twice"])
    return table


def _csv_text(df: pd.DataFrame) -> tuple[str, list[int]]:
    """``df`` as formula-safe CSV text (every cell quoted) and the line each row starts on."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow([neutralise(str(c)) for c in df.columns])
    for values in df.itertuples(index=False):
        writer.writerow([neutralise(_cell_text(v)) for v in values])
    text = buffer.getvalue()
    with _csv_field_limit():
        lines = [line for line, _ in _records(text, ",")][1:]
    return text, lines


def write_csv_sheet(df: pd.DataFrame, path: str | os.PathLike[str]) -> list[int]:
    """Write ``df`` as a formula-safe CSV sheet for people and spreadsheets; return each row's line.

    UTF-8 with a byte-order mark, so Excel shows the Cyrillic text rather than guessing a code
    page; written beside ``path`` and renamed into place, so no reader sees half a file.
    """
    text, lines = _csv_text(df)
    with atomic_target(path) as tmp, open(tmp, "x", encoding="utf-8-sig", newline="") as handle:
        handle.write(text)
    return lines


def _fit_xlsx(value: str) -> str:
    """The XLSX form of a text (escaped), cut with a note if it exceeds a cell's limit."""
    text = _xml_escape(value)
    keep = XLSX_CELL_LIMIT - len(TRUNCATED)
    while len(text) > XLSX_CELL_LIMIT:
        text = _xml_escape(value[:keep]) + TRUNCATED
        keep -= max(1, len(text) - XLSX_CELL_LIMIT)
    return text


def xlsx_fits(value: str) -> bool:
    """Whether a text fits one XLSX cell whole (escapes included)."""
    return len(_xml_escape(value)) <= XLSX_CELL_LIMIT


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        return _fit_xlsx(value)
    text = _cell_text(value)
    return None if text == "" else value


def write_xlsx_atomic(
    frames: Mapping[str, pd.DataFrame],
    path: str | os.PathLike[str],
    choices: Mapping[str, Sequence[str]] | None = None,
    widths: Mapping[str, int] | None = None,
    wrap: Sequence[str] = (),
) -> Path:
    """Write one workbook (a sheet per frame) next to ``path`` and rename it into place.

    Every text cell is stored as text: a scraped line starting with ``=`` must never become a
    formula (or an error value such as ``#N/A``). Text that looks like a formula also gets the quote
    prefix, so a spreadsheet keeps it text when a user edits the cell. ``choices`` puts a drop-down
    list on a column of the first sheet.
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
        columns = [str(c) for c in df.columns]
        ws.append(columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row, values in enumerate(df.itertuples(index=False), start=2):
            for col, original in enumerate(values, start=1):
                value = _xlsx_value(original)
                if value is None:
                    continue
                cell = ws.cell(row=row, column=col, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text, whatever openpyxl guessed ("=..." a formula, "#N/A" an error)
                    if original.startswith((*FORMULA_START, QUOTE)):
                        cell.quotePrefix = True
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
# The export manifest


class ManifestReport(BaseModel):
    """One exported report: where it was written and a hash of each field the corpus takes."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: str
    xlsx_row: int
    csv_line: int
    fields: dict[str, str]


class Manifest(BaseModel):
    """What ``code export`` wrote: the coders, the fields checked, and every report in sheet order."""

    model_config = ConfigDict(extra="forbid", strict=True)

    format: Literal["kzperception-coding-manifest"]
    version: Literal[1]
    hash: Literal["sha256-64"]
    coders: list[str]
    fields: list[str]
    reports: list[ManifestReport]

    def same_reports(self, other: Manifest) -> bool:
        return self.fields == other.fields and self.reports == other.reports


def field_hash(value: str) -> str:
    """The first 64 bits of the SHA-256 of a value's UTF-8: enough to notice any edit."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _manifest_for(sheet: pd.DataFrame, coders: Sequence[str], lines: Sequence[int]) -> Manifest:
    reports = [
        ManifestReport(id=rec["id"], xlsx_row=i + 2, csv_line=lines[i],
                       fields={f: field_hash(rec[f]) for f in SHARED_FIELDS})
        for i, rec in enumerate(sheet.to_dict("records"))
    ]
    return Manifest(format=MANIFEST_FORMAT, version=1, hash="sha256-64", coders=list(coders),
                    fields=list(SHARED_FIELDS), reports=reports)


def read_manifest(path: str | os.PathLike[str]) -> Manifest:
    """The manifest at ``path``, checked; :class:`CorpusError` with one line if it is not one."""
    path = Path(path)
    if path.exists() and not path.is_file():
        raise CorpusError([f"{path}: not a file (--manifest names the {MANIFEST} `code export` wrote)"])
    if not path.is_file():
        raise CorpusError([f"{path}: file missing (`code export` writes {MANIFEST} beside the sheets; it "
                           "records which reports each sheet holds: import the sheets from the folder they "
                           "were exported to, or pass --manifest)"])
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        manifest = Manifest.model_validate(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise CorpusError([f"{path}: not a coding manifest (not JSON: {type(err).__name__}: {err})"]) from None
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "top level"
        raise CorpusError([f"{path}: not a coding manifest ({where}: {first['msg']})"]) from None
    ids = [r.id for r in manifest.reports]
    unknown = [f for f in manifest.fields if f not in REPORT_COLUMNS or f == "id"]
    if unknown:
        raise CorpusError([f"{path}: fields: {unknown[0]!r} is not a report field"])
    if len(set(ids)) != len(ids):
        raise CorpusError([f"{path}: reports: id {next(i for i in ids if ids.count(i) > 1)!r} listed twice"])
    bad = next((r for r in manifest.reports if set(r.fields) != set(manifest.fields)), None)
    if bad is not None:
        raise CorpusError([f"{path}: reports: {bad.id!r} does not hash the fields the manifest lists"])
    return manifest


def _write_manifest(manifest: Manifest, path: Path) -> None:
    with atomic_target(path) as tmp, open(tmp, "x", encoding="utf-8") as handle:
        handle.write(json.dumps(manifest.model_dump(), ensure_ascii=False, indent=1))
        handle.write("\n")


# --------------------------------------------------------------------------------------------
# Export


def coder_problem(name: str) -> str | None:
    """Why ``name`` cannot be a coder's name, or None: the same rule on export and on import."""
    return None if _CODER_RE.fullmatch(name) else CODER_RULE


def _check_coders(coders: Sequence[str]) -> list[str]:
    names = [c.strip() for c in coders]
    if not names:
        raise CorpusError(["--coder: name at least one coder"])
    for name in names:
        problem = coder_problem(name)
        if problem:
            raise CorpusError([f"--coder: {name!r} {problem}"])
    if len(set(names)) != len(names):
        raise CorpusError([f"--coder: {next(n for n in names if names.count(n) > 1)!r} given twice"])
    return names


def coding_sheet(reports: pd.DataFrame, coder: str,
                 keyword_sets: Mapping[str, KeywordSet] | None = None) -> pd.DataFrame:
    """The sheet one coder fills in: report columns, empty code columns, suggestions, the text.

    Every cell is text, exactly as written to the CSV and the XLSX (and hashed in the manifest).
    """
    df = reports.copy()
    for col in ("id", "country", "website", "date", "entity", "url", "title_ru", "excerpt_ru", "text_ru",
                "provenance"):
        df[col] = df[col].map(_cell_text) if col in df else ""
    df["provenance"] = df["provenance"].replace("", "collected")
    for col in CODE_SHEET_COLUMNS:
        df[col.name] = ""
    df["note"] = ""
    df[SUGGESTED] = [suggest_codes(f"{t}\n\n{x}", keyword_sets or {}) for t, x in zip(df["title_ru"], df["text_ru"],
                                                                                      strict=True)]
    df["coder"] = coder
    return df[list(SHEET_COLUMNS)].reset_index(drop=True)


def _codebook_sheet(codebook: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    rows = []
    for cat in codebook:
        includes = cat.get("includes") or []
        rows.append({
            "id": str(cat.get("id", "")), "label": str(cat.get("label", "")),
            "modes": ", ".join(str(m) for m in cat.get("modes") or []), "definition": str(cat.get("definition", "")),
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
    "Do not edit id, country, date or the other report columns, and do not add, delete or merge rows: the import "
    "checks every row against what was exported. Add remarks in note.",
    "Code alone: do not look at another coder's sheet before both are finished.",
)


def _check_export(sheet: pd.DataFrame, formats: Sequence[str]) -> None:
    """Refuse what could not come back: empty or repeated ids, a field too long for an XLSX cell."""
    problems = []
    ids = sheet["id"]
    for i in ids.index[ids.str.strip() == ""]:
        problems.append(f"reports: row {i + 1}: id: empty (every report needs an id)")
    for i in ids.index[ids.duplicated()]:
        problems.append(f"reports: row {i + 1}: id: duplicate id {ids[i]!r}")
    if "xlsx" in formats:
        for col in ("id", *SHARED_FIELDS):
            for i, value in sheet[col].items():
                if not xlsx_fits(value):
                    problems.append(f"reports: row {i + 1}: {col}: {len(value):,} characters do not fit an XLSX "
                                    f"cell ({XLSX_CELL_LIMIT:,}); export with --format csv")
    if problems:
        raise CorpusError(problems)


def export_coding_sheets(
    reports: pd.DataFrame,
    coders: Sequence[str],
    folder: str | os.PathLike[str],
    codebook_path: str | os.PathLike[str] | None = None,
    formats: Sequence[str] = ("xlsx", "csv"),
    force: bool = False,
) -> list[Path]:
    """Write ``coding-<coder>.xlsx`` / ``.csv`` for each coder and the manifest; never over a sheet.

    A folder already holding sheets of the same reports gets the new coders added to its manifest,
    so a third coder can be given a sheet later; sheets of other reports need another folder (or
    ``force``, after which the old sheets can no longer be imported). Returns the files written.
    """
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
    sheet = coding_sheet(reports, names[0], category_keywords(codebook))
    _check_export(sheet, formats)
    manifest = _manifest_for(sheet, names, _csv_text(sheet)[1])
    manifest_path = folder / MANIFEST
    if manifest_path.exists():
        try:
            old = read_manifest(manifest_path)
        except CorpusError:
            old = None
        if old is not None and old.same_reports(manifest):
            manifest.coders = list(dict.fromkeys([*old.coders, *names]))
        elif not force:
            why = "is not a coding manifest" if old is None else "records sheets of other reports"
            raise CorpusError([f"{manifest_path}: {why}; export to another --out, or use --force (sheets "
                               "already in that folder can then no longer be imported)"])
    _write_manifest(manifest, manifest_path)
    for name in names:
        coded = sheet.assign(coder=name)
        if "csv" in formats:
            write_csv_sheet(coded, folder / f"coding-{name}.csv")
        if "xlsx" in formats:
            write_xlsx_atomic(
                {"coding": coded, "codebook": _codebook_sheet(codebook),
                 "instructions": pd.DataFrame({"instructions": list(INSTRUCTIONS)})},
                folder / f"coding-{name}.xlsx",
                choices={c.name: ("main", "secondary") for c in CODE_SHEET_COLUMNS},
                widths={"title_ru": 45, "excerpt_ru": 60, "text_ru": 90, "note": 30, SUGGESTED: 35},
                wrap=("title_ru", "excerpt_ru", "text_ru"),
            )
    return [*targets, manifest_path]


# --------------------------------------------------------------------------------------------
# Import


@dataclass
class _Origin:
    """Where a row of the built frames came from, to point problems at the coder's sheet."""

    sheet: str
    row: int
    column: str | None = None


@dataclass
class _Sheet:
    """One coder's sheet, checked against the manifest: its coder, report values and codes."""

    table: RawTable
    coder: str
    values: dict[str, dict[str, str]]  # report id -> field -> the exported value
    rows: dict[str, int]               # report id -> row in this sheet
    codes: list[tuple[dict[str, str], _Origin]]
    edits: list[tuple[int, str, str]]  # (index in problems, report id, field) of each edited field


def _iso_dates(value: str) -> list[str]:
    """ISO forms a spreadsheet's rewriting of a date may stand for (each is checked by hash)."""
    text = value.strip()
    found = []
    parts: list[tuple[int, int, int]] = []
    if m := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text):
        parts.append((int(m[3]), int(m[2]), int(m[1])))
    if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
        parts += [(int(m[3]), int(m[1]), int(m[2])), (int(m[3]), int(m[2]), int(m[1]))]
    if m := re.fullmatch(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})", text):
        parts.append((int(m[1]), int(m[2]), int(m[3])))
    if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ T]00:00(:00)?", text):
        found.append(m[1])
    if re.fullmatch(r"\d{5}", text):  # an Excel serial day number
        found.append((dt.date(1899, 12, 30) + dt.timedelta(days=int(text))).isoformat())
    for y, mo, d in parts:
        try:
            found.append(dt.date(y, mo, d).isoformat())
        except ValueError:
            continue
    return found


def _exported_value(table: RawTable, raw: str, field: str, digest: str) -> str | None:
    """The exported value the cell still holds (recognised by its hash), or None if it was changed."""
    readings = table.readings(raw)
    if field == "date":
        readings += [iso for r in readings for iso in _iso_dates(r)]
    return next((r for r in readings if field_hash(r) == digest), None)


def _coder_of(path: Path, table: RawTable, manifest: Manifest, problems: list[str]) -> str | None:
    """The sheet's coder: the coder column (trimmed), else the file name; checked as on export."""
    column = table.header.index("coder") if "coder" in table.header else None
    named = sorted({table.cook(v[column]).strip() for _, v in table.rows} - {""}) if column is not None else []
    if len(named) > 1:
        problems.append(f"{path.name}: coder: one sheet per coder, found {', '.join(repr(n) for n in named)}")
        return None
    from_file = re.fullmatch(r"coding-(.+)", path.stem)
    if named:
        name, source = named[0], "the coder column"
    elif from_file:
        name, source = from_file.group(1).strip(), "the file name"
    else:
        problems.append(f"{path.name}: coder: no coder name (fill the coder column or name the file coding-<coder>)")
        return None
    problem = coder_problem(name)
    if problem:
        problems.append(f"{path.name}: coder: {name!r} (from {source}) {problem}")
        return None
    if name not in manifest.coders:
        problems.append(f"{path.name}: coder: {name!r} (from {source}) was not given a sheet by `code export` "
                        f"(the manifest lists {', '.join(manifest.coders)})")
        return None
    return name


def _missing_columns(path: Path, table: RawTable, manifest: Manifest) -> list[str]:
    required = ["id", *manifest.fields, *(c.name for c in CODE_SHEET_COLUMNS)]
    missing = [c for c in required if c not in table.header]
    if not missing:
        return []
    shown = ", ".join(repr(c) for c in missing[:4]) + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
    return [f"{path.name}:1: header: required column{'s' if len(missing) > 1 else ''} {shown} missing"
            + (" (is this a coding sheet?)" if len(missing) > 4 else "")]


def _read_sheet(path: Path, manifest: Manifest, problems: list[str]) -> _Sheet | None:
    """Check one sheet row by row against the manifest; problems name the sheet, row and column."""
    try:
        table = read_raw(path, sheet="coding")
    except CorpusError as err:
        problems.extend(err.problems)
        return None
    missing = _missing_columns(path, table, manifest)
    if missing:
        problems.extend(missing)
        return None
    coder = _coder_of(path, table, manifest, problems)
    if coder is None:
        return None
    col = {name: i for i, name in enumerate(table.header)}
    exported = {r.id: r for r in manifest.reports}
    sheet = _Sheet(table, coder, {}, {}, [], [])
    where = path.name
    for row, values in table.rows:
        rid = next((r for r in (*table.readings(values[col["id"]]), table.cook(values[col["id"]]).strip())
                    if r in exported), None)
        if rid is None:
            shown = table.cook(values[col["id"]])
            if not shown.strip():
                problems.append(f"{where}:{row}: id: empty; every row must keep the id it was exported with "
                                "(a row added to the sheet?)")
            else:
                problems.append(f"{where}:{row}: id: {shown!r} was not exported to this sheet (not in {MANIFEST}): "
                                "a mistyped id, or a row added; restore the exported id or delete the row")
            continue
        if rid in sheet.rows:
            problems.append(f"{where}:{row}: id: duplicate id {rid!r} (also at {table.unit} {sheet.rows[rid]})")
            continue
        sheet.rows[rid] = row
        entry = exported[rid]
        kept = {}
        for field in manifest.fields:
            value = _exported_value(table, values[col[field]], field, entry.fields[field])
            if value is None:
                sheet.edits.append((len(problems), rid, field))
                problems.append(f"{where}:{row}: {field}: {table.cook(values[col[field]])!r} is not the value exported "
                                f"for {rid!r} (report columns are read-only: undo the change)")
            else:
                kept[field] = value
        sheet.values[rid] = kept
        levels = []
        for code in CODE_SHEET_COLUMNS:
            raw = table.cook(values[col[code.name]]).strip()
            if not raw:
                continue
            level = LEVEL_WORDS.get(raw.lower())
            if level is None:
                problems.append(f"{where}:{row}: {code.name}: {raw!r} is not main|secondary (or empty)")
                continue
            levels.append(level)
            sheet.codes.append(({"report_id": rid, "category": code.category, "mode": code.mode, "level": level,
                                 "coder": coder}, _Origin(where, row, code.name)))
        if "main" not in levels:
            problems.append(f"{where}:{row}: codes: report {rid!r} has no main code")
    for entry in manifest.reports:
        if entry.id not in sheet.rows:
            at = entry.csv_line if table.kind == "csv" else entry.xlsx_row
            problems.append(f"{where}:{at}: id: report {entry.id!r}, exported at this {table.unit}, is missing "
                            "(a deleted row?); every exported report must come back coded")
    return sheet


_LOADER_LINE = re.compile(r"^(reports|codes)\.csv:(\d+): ([^:]+): (.*)$", re.DOTALL)


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


def _manifest_path(sheet_paths: Sequence[Path], manifest: str | os.PathLike[str] | None) -> Path:
    if manifest is not None:
        return Path(manifest)
    return sheet_paths[0].parent / MANIFEST


def import_coding_sheets(
    sheet_paths: Sequence[str | os.PathLike[str]], manifest: str | os.PathLike[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every coder's sheet as interchange frames (reports, codes), validated as the loader does.

    Each sheet is checked against the export manifest (by default ``coding-manifest.json`` beside
    the first sheet): every exported report must come back once, with its report fields as
    exported; nothing else may. Raises CorpusError listing every problem at the sheet, row and
    column a coder can fix.
    """
    if not sheet_paths:
        raise CorpusError(["no coding sheets given"])
    paths_ = [Path(p) for p in sheet_paths]
    spec = read_manifest(_manifest_path(paths_, manifest))
    problems: list[str] = []
    sheets: list[_Sheet] = []
    coders: dict[str, str] = {}
    for path in paths_:
        sheet = _read_sheet(path, spec, problems)
        if sheet is None:
            continue
        if sheet.coder in coders:
            problems.append(f"{path.name}: coder: {sheet.coder!r} already coded {coders[sheet.coder]}; "
                            "one sheet per coder")
            continue
        coders[sheet.coder] = path.name
        sheets.append(sheet)
    for sheet in sheets:
        for index, rid, field in sheet.edits:  # point at a sheet that still holds the exported value
            intact = next((s for s in sheets if field in s.values.get(rid, {})), None)
            if intact is not None:
                problems[index] = (f"{problems[index][:-1]}; {intact.table.name}:{intact.rows[rid]} holds the "
                                   f"exported {intact.values[rid][field]!r})")
    if problems:
        raise CorpusError(problems)
    rows, report_origins = [], []
    for entry in spec.reports:
        first = sheets[0]
        row = {c: None for c in REPORT_COLUMNS}
        row["id"] = entry.id
        row.update({f: (v if v != "" else None) for f, v in first.values[entry.id].items()})
        row["provenance"] = row["provenance"] or "collected"
        rows.append(row)
        report_origins.append(_Origin(first.table.name, first.rows[entry.id]))
    reports = pd.DataFrame(rows, columns=list(REPORT_COLUMNS), dtype=object)
    code_rows = [c for s in sheets for c, _ in s.codes]
    code_origins = [o for s in sheets for _, o in s.codes]
    codes = pd.DataFrame(code_rows, columns=["report_id", "category", "mode", "level", "coder"], dtype=object)
    try:
        corpus_from_frames(reports, codes)
    except CorpusError as err:
        raise CorpusError(_relocate(err.problems, report_origins, code_origins)) from None
    return reports, codes


def write_imported(sheet_paths: Sequence[str | os.PathLike[str]], folder: str | os.PathLike[str], *,
                   force: bool = False, manifest: str | os.PathLike[str] | None = None) -> Corpus:
    """Validate the sheets, then write the corpus to ``folder`` whole (nothing is written on failure).

    An existing corpus in ``folder`` is replaced only with ``force``.
    """
    reports, codes = import_coding_sheets(sheet_paths, manifest)
    write_corpus(reports, codes, folder, force=force)
    return load_corpus(folder)
