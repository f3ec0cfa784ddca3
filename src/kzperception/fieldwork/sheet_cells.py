"""Formula-safe spreadsheet cells, and reading and writing the sheets people edit.

Coding and screening sheets carry scraped text into Excel and LibreOffice and back, so both the
way out and the way in are here, once.

Spreadsheets run a CSV cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
as a formula. Following the OWASP rule on CSV injection, an exported CSV cell that begins so gets a
single quote in front, and so does a cell that already begins with a quote, so that reading takes
exactly one leading quote off and every value comes back as it was. Every CSV cell is also quoted,
so a ``;`` inside a value cannot open a new cell in a semicolon locale. XLSX cells are written as
text (never a formula, marked with Excel's quote prefix where they look like one), with Excel's
``_xHHHH_`` escape for the control characters XML cannot carry.

Reading recognises what spreadsheets do to a CSV file (windows-1251, ``;`` separators, a ``sep=``
line, a byte-order mark) and keeps, for every row, the number a user finds it by (the physical line
of a CSV record, the row number of an XLSX sheet), so problems can be reported where they are fixed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import sys
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from kzperception.atomic import atomic_target
from kzperception.data.corpus import CorpusError
from kzperception.data.corpus_encoding import encoding_problem, foreign_encoding, looks_like_utf8, stray_bytes

XLSX_CELL_LIMIT = 32_767
TRUNCATED = " […truncated: the full text is in the CSV sheet and collected.csv]"

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


def cell_text(value: Any) -> str:
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


#: Limits on what an XLSX sheet may hold, checked before the workbook is opened or as it is read,
#: so a small file that unpacks into millions of strings or cells is refused in about a second
#: instead of taking minutes and gigabytes (docs/reliability.md). A coding sheet of 40,000 reports
#: (about six distinct texts each) is inside every one of them; openpyxl takes about 10 s per
#: 250,000 shared strings, so a larger corpus is coded in several sheets or as CSV.
XLSX_MAX_UNPACKED = 512 << 20
XLSX_MAX_SHARED_STRINGS = 250_000
XLSX_MAX_ROWS = 200_000
XLSX_MAX_COLUMNS = 1_000
#: Cells in all the sheets of a workbook. openpyxl parses every cell of a row, also those right of
#: the header that are never used, at about 80,000 cells a second: 15 million cells in a 1.3 MB file
#: took 196 s. A coding sheet of 40,000 reports has about 600,000.
XLSX_MAX_CELLS = 2_000_000
#: Formulas without a stored value reported before the rest are left out.
_FORMULA_PROBLEMS = 20


#: Bytes of XML without a single ``<``: a text longer than any cell can hold. Excel keeps at most
#: 32,767 characters in a cell, which are at most 229,369 bytes of XML even if each were written as
#: an ``_xHHHH_`` escape; a block of this size without markup is refused (a 480 MB cell took 15 s
#: and 1.2 GB to read).
XLSX_TEXT_BLOCK = 256 << 10


class _TextTooLong(Exception):
    """A zip member holds :data:`XLSX_TEXT_BLOCK` bytes in a row without markup."""


def _count_in_member(book: zipfile.ZipFile, name: str, needle: bytes | tuple[bytes, ...], stop: int) -> int:
    """How often ``needle`` (or any of several) occurs in a zip member, read in pieces; counting
    stops past ``stop``. The needles must not overlap one another (each match is counted once).

    Raises :class:`_TextTooLong` when an aligned block of :data:`XLSX_TEXT_BLOCK` bytes holds no
    ``<``: a run of text at least that long (any run of twice that length holds such a block).
    """
    needles = needle if isinstance(needle, tuple) else (needle,)
    keep = max(len(n) for n in needles) - 1
    count, tail = 0, b""
    with book.open(name) as member:
        while chunk := member.read(4 * XLSX_TEXT_BLOCK):  # whole blocks: the blocks stay aligned
            if any(
                b"<" not in chunk[i : i + XLSX_TEXT_BLOCK]
                for i in range(0, len(chunk) - XLSX_TEXT_BLOCK + 1, XLSX_TEXT_BLOCK)
            ):
                raise _TextTooLong(name)
            piece = tail + chunk
            tail = piece[-keep:] if keep else b""
            count += sum(piece.count(n) - tail.count(n) for n in needles)  # the tail is counted with the next piece
            if count > stop:
                break
    return count + sum(tail.count(n) for n in needles)


def _prefix(book: zipfile.ZipFile, name: str) -> bytes:
    """The namespace prefix a worksheet's elements carry (``x:`` in ``<x:worksheet>``), usually none."""
    with book.open(name) as member:
        head = member.read(4096)
    found = re.search(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]", head)
    return (found.group(1) or b"") if found else b""


def _rows_and_cells_guard(path: Path, book: zipfile.ZipFile, sheets: list[str]) -> None:
    """Refuse a sheet of more rows, or a workbook of more cells, than the limits, by counting the
    ``<row>`` and ``<c>`` elements of the packed XML before openpyxl parses any of it."""
    cells = 0
    for name in sheets:
        p = _prefix(book, name)
        if (
            _count_in_member(book, name, (b"<" + p + b"row ", b"<" + p + b"row>"), XLSX_MAX_ROWS + 1)
            > XLSX_MAX_ROWS + 1
        ):
            raise CorpusError(
                [
                    f"{path.name}: more than {XLSX_MAX_ROWS:,} rows, over the limit for a sheet "
                    "(docs/reliability.md); split it"
                ]
            )
        cells += _count_in_member(
            book, name, (b"<" + p + b"c ", b"<" + p + b"c>", b"<" + p + b"c/"), XLSX_MAX_CELLS - cells
        )
        if cells > XLSX_MAX_CELLS:
            raise CorpusError(
                [
                    f"{path.name}: holds more than {XLSX_MAX_CELLS:,} cells, over the limit for a sheet "
                    "(docs/reliability.md); keep only the columns the coding needs, split it, or save "
                    "it as CSV UTF-8"
                ]
            )


def _xlsx_guard(path: Path) -> bool:
    """Refuse a workbook over the limits before openpyxl reads it; ``True`` when it holds formulas."""
    try:
        with zipfile.ZipFile(path) as book:
            members = book.infolist()
            unpacked = sum(m.file_size for m in members)
            if unpacked > XLSX_MAX_UNPACKED:
                raise CorpusError(
                    [
                        f"{path.name}: unpacks to {unpacked / 2**20:,.0f} MB, over the limit of "
                        f"{XLSX_MAX_UNPACKED >> 20} MB for a sheet (docs/reliability.md); split it "
                        "or save it as CSV UTF-8"
                    ]
                )
            names = {m.filename for m in members}
            strings = next((n for n in names if n.lower() == "xl/sharedstrings.xml"), None)
            sheets = sorted(n for n in names if n.lower().startswith("xl/worksheets/") and n.lower().endswith(".xml"))
            if strings and _count_in_member(book, strings, b"<si", XLSX_MAX_SHARED_STRINGS) > XLSX_MAX_SHARED_STRINGS:
                raise CorpusError(
                    [
                        f"{path.name}: holds more than {XLSX_MAX_SHARED_STRINGS:,} shared strings, over "
                        "the limit for a sheet (docs/reliability.md); save it as CSV UTF-8, which "
                        "keeps only the text the cells use"
                    ]
                )
            _rows_and_cells_guard(path, book, sheets)
            return any(_count_in_member(book, n, b"<f", 0) for n in sheets)
    except _TextTooLong as err:
        raise CorpusError(
            [
                f"{path.name}: {err} holds a text of more than {XLSX_TEXT_BLOCK >> 10:,} KB without "
                "markup, longer than any cell can hold (Excel: 32,767 characters); not read"
            ]
        ) from None
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as err:
        raise CorpusError([f"{path.name}: not a readable XLSX file ({type(err).__name__})"]) from None


def _uncomputed_formulas(path: Path, sheet: str | None, width: int) -> dict[tuple[int, int], str]:
    """``(row, column) -> formula`` of every formula cell of the sheet, as written.

    Read in a second pass, only for a workbook with formulas: the first pass reads stored values,
    and a formula cell whose value was never stored (a file written by a program that does not
    compute) reads as empty there, which would silently drop a code.
    """
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        ws = book[sheet] if sheet and sheet in book.sheetnames else book.worksheets[0]
        ws.reset_dimensions()
        found: dict[tuple[int, int], str] = {}
        for number, values in enumerate(ws.iter_rows(values_only=True, max_col=width), start=1):
            for column, value in enumerate(values, start=1):
                if isinstance(value, str) and value.startswith("="):
                    found[number, column] = value
    finally:
        book.close()
    return found


def _read_xlsx(path: Path, sheet: str | None) -> RawTable:
    import openpyxl
    from openpyxl.utils import get_column_letter

    has_formulas = _xlsx_guard(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl's errors on a damaged file are many and undocumented
        raise CorpusError([f"{path.name}: not a readable XLSX file ({type(err).__name__})"]) from None
    formulas: dict[tuple[int, int], str] = {}
    problems: list[str] = []
    try:
        ws = book[sheet] if sheet and sheet in book.sheetnames else book.worksheets[0]
        ws.reset_dimensions()  # a wrong <dimension> tag must not cut rows off
        header_row = next(ws.iter_rows(values_only=True, max_row=1, max_col=XLSX_MAX_COLUMNS + 1), ())
        header = [cell_text(v).strip() for v in header_row]
        while header and not header[-1]:
            header.pop()
        if len(header) > XLSX_MAX_COLUMNS:
            raise CorpusError(
                [
                    f"{path.name}:1: header: more than {XLSX_MAX_COLUMNS:,} columns, over the limit "
                    "for a sheet (docs/reliability.md)"
                ]
            )
        if has_formulas:
            formulas = _uncomputed_formulas(path, sheet, len(header))
        rows = ws.iter_rows(values_only=True, min_row=2, max_col=max(len(header), 1))
        records = []
        for number, values in enumerate(rows, start=2):  # gaps come as empty rows: numbers stay true
            if number > XLSX_MAX_ROWS + 1:
                raise CorpusError(
                    [
                        f"{path.name}: more than {XLSX_MAX_ROWS:,} rows, over the limit for a sheet "
                        "(docs/reliability.md); split it"
                    ]
                )
            for column, value in enumerate(values, start=1):
                if value is None and (number, column) in formulas and len(problems) < _FORMULA_PROBLEMS:
                    name = header[column - 1] if column <= len(header) else ""
                    problems.append(
                        f"{path.name}: cell {get_column_letter(column)}{number}"
                        f"{f' ({name})' if name else ''}: a formula "
                        f"{_shown_formula(formulas[number, column])} with no stored value; type the "
                        "value itself (or open and save the file in Excel or LibreOffice, which "
                        "store the computed value)"
                    )
            texts = [cell_text(v) for v in values][: len(header)]
            if any(t.strip() for t in texts):
                records.append((number, texts + [""] * (len(header) - len(texts))))
    except CorpusError:
        raise
    except IndexError:
        raise CorpusError([f"{path.name}: the workbook has no sheet"]) from None
    except Exception as err:  # as above: a damaged sheet fails in many ways
        raise CorpusError([f"{path.name}: not a readable XLSX file ({type(err).__name__})"]) from None
    finally:
        book.close()
    if problems:
        raise CorpusError(problems)
    return _checked_table(RawTable(path.name, "xlsx", header, records))


def _shown_formula(formula: str) -> str:
    return repr(formula if len(formula) <= 40 else formula[:40] + "…")


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


def _delimiter(first: str) -> tuple[str, int]:
    """The delimiter a sheet's first line uses, and 1 when that line is Excel's ``sep=`` line."""
    sep = re.fullmatch(r'"?sep=(.)"?\r?', first.lstrip("\ufeff"))
    if sep:
        return sep.group(1), 1
    return max((",", ";", "\t"), key=first.count), 0


def _read_csv_text(path: Path) -> RawTable:
    raw = path.read_bytes()
    if foreign_encoding(raw):
        raise CorpusError(encoding_problem(raw, path.name))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        if looks_like_utf8(raw):  # a stray byte in a UTF-8 sheet: said at its cell, never re-read
            first_line = raw.partition(b"\n")[0].decode("utf-8", "replace")
            raise CorpusError(stray_bytes(raw, path.name, _delimiter(first_line)[0])) from None
        # The whole file is in ANSI Excel's encoding in a Russian locale: no valid UTF-8 sequence
        # in it to damage, so reading it as windows-1251 changes no cell that was UTF-8.
        text = raw.decode("cp1251", "replace")
    first, _, rest = text.partition("\n")
    delimiter, offset = _delimiter(first)
    if offset:  # Excel's "sep=;" line names the delimiter
        text = rest
    try:
        with _csv_field_limit():
            records = [(line + offset, values) for line, values in _records(text, delimiter)]
    except csv.Error as err:
        raise CorpusError([f"{path.name}: not a readable CSV file ({err})"]) from None
    header: list[str] = []
    if records:
        _, header = records.pop(0)
        header = [h.strip() for h in header]
    rows = [
        (line, (values + [""] * len(header))[: len(header)])
        for line, values in records
        if any(v.strip() for v in values)
    ]
    return _checked_table(RawTable(path.name, "csv", header, rows))


def _checked_table(table: RawTable) -> RawTable:
    header = table.header
    if not header or not any(header):
        raise CorpusError([f"{table.name}: empty file (a header row is required)"])
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise CorpusError([f"{table.name}:1: header: column {dupes[0]!r} appears twice"])
    return table


def csv_text(df: pd.DataFrame) -> tuple[str, list[int]]:
    """``df`` as formula-safe CSV text (every cell quoted) and the line each row starts on."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow([neutralise(str(c)) for c in df.columns])
    for values in df.itertuples(index=False):
        writer.writerow([neutralise(cell_text(v)) for v in values])
    text = buffer.getvalue()
    with _csv_field_limit():
        lines = [line for line, _ in _records(text, ",")][1:]
    return text, lines


def write_csv_sheet(df: pd.DataFrame, path: str | os.PathLike[str]) -> list[int]:
    """Write ``df`` as a formula-safe CSV sheet for people and spreadsheets; return each row's line.

    UTF-8 with a byte-order mark, so Excel shows the Cyrillic text rather than guessing a code
    page; written beside ``path`` and renamed into place, so no reader sees half a file.
    """
    text, lines = csv_text(df)
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
    text = cell_text(value)
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
    book.remove(book.worksheets[0])  # the empty sheet every new workbook starts with
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
