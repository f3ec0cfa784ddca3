"""Load and validate a corpus in the interchange format (docs/corpus.md).

A corpus is a folder with ``reports.csv`` and ``codes.csv``. Everything downstream (windows,
counts, charts, chapters) trusts a loaded corpus, so the loader is the one gate: it checks every
rule at once and reports each violation as ``file:row: field: problem`` rather than stopping at
the first, because a researcher fixing a hand-coded sheet wants the whole list in one go.

Per-field rules are a pandera schema, which judges the rows a vectorised pre-pass over the same
rules marks as suspect; the rules that span rows or files (duplicate ids, a code for an unknown
report, a report with no main code, one category at both levels) are checked on integer keys with
pyarrow and numpy, so a corpus of a million reports loads, checked, in well under two seconds.
"""

from __future__ import annotations

import csv
import mmap
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa_arrow
import pyarrow.compute as pc
import pyarrow.csv as pacsv

if TYPE_CHECKING:
    import pandera.pandas as pa

from kzperception.data.vocabulary import CATEGORIES, COOPERATION_ONLY, COUNTRIES, LEVELS, MODES, WEBSITES

REPORT_COLUMNS: tuple[str, ...] = (
    "id", "country", "website", "entity", "date", "url", "title_ru", "title_en",
    "excerpt_ru", "excerpt_en", "provenance",
)
REPORT_REQUIRED: tuple[str, ...] = ("id", "country", "website", "date")
CODE_COLUMNS: tuple[str, ...] = ("report_id", "category", "mode", "level", "coder")
CODE_REQUIRED: tuple[str, ...] = ("report_id", "category", "mode", "level")
DEFAULT_CODER = "primary"
#: Fields whose surrounding whitespace is removed on reading (docs/corpus.md); the rest is free text.
TRIMMED_COLUMNS: tuple[str, ...] = ("id", "country", "website", "entity", "date", "provenance",
                                    "report_id", "category", "mode", "level", "coder")
#: Of those, the ones the file reader trims itself; vocabulary columns and dates are trimmed by the
#: check only when a value fails as written, and coder names once each: free on a clean corpus.
_TRIMMED_HERE = frozenset({"id", "entity", "provenance", "report_id"})
#: The files of a corpus folder.
CORPUS_FILES: tuple[str, ...] = ("reports.csv", "codes.csv")

#: First data row of a CSV file is line 2 (line 1 is the header).
_HEADER_LINES = 2


class CorpusError(ValueError):
    """A corpus broke one or more rules; ``problems`` lists every violation, one per line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))

    def summary(self, limit: int = 50) -> list[str]:
        """The lines to print: every problem up to ``limit``; past it, the first few of each kind.

        A sheet with a million bad dates should print a screenful that says what is wrong and how
        often, not a million lines: each kind (the rule broken, with values and line numbers left
        out, see :func:`problem_kind`) shows its first examples, then ``… and N more 'kind'
        problems``, and a last line gives the total. Kinds are found by Arrow's regex kernels, so a
        million problems are summarised in well under a second.
        """
        if len(self.problems) <= limit:
            return list(self.problems)
        kinds = pa_arrow.array(self.problems, type=pa_arrow.large_string())
        for pattern, replacement, count in _KIND_REWRITES:
            kinds = pc.replace_substring_regex(kinds, pattern, replacement, max_replacements=count)
        encoded = pc.dictionary_encode(kinds).combine_chunks() if isinstance(kinds, pa_arrow.ChunkedArray) \
            else pc.dictionary_encode(kinds)
        names = encoded.dictionary.to_pylist()  # in order of first appearance
        index = encoded.indices.to_numpy(zero_copy_only=False)
        sizes = np.bincount(index, minlength=len(names))
        order = np.argsort(index, kind="stable")  # each kind's problems together, in file order
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        per_kind = max(1, min(5, limit // len(names)))
        out: list[str] = []
        for k, kind in enumerate(names):
            if len(out) >= limit:
                rest = int(sizes[k:].sum())
                out.append(f"… and {rest:,} more problems of {len(names) - k:,} other kinds")
                break
            out += [self.problems[i] for i in order[starts[k]:starts[k] + min(per_kind, sizes[k])]]
            if sizes[k] > per_kind:
                out.append(f"… and {int(sizes[k]) - per_kind:,} more '{kind}' problems")
        out.append(f"{len(self.problems):,} problems in all")
        return out


#: How a problem line becomes its kind: drop the line number after the file name, put ``…`` for
#: each quoted value, ``line N`` for line references. Written for RE2 (Arrow) and Python's re alike.
_KIND_REWRITES: tuple[tuple[str, str, int], ...] = (
    (r"^([^:\n]*):[0-9]+: ", r"\1: ", 1),
    (r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"", "…", -1),
    (r"\bline [0-9]+", "line N", -1),
)


def problem_kind(problem: str) -> str:
    """The rule a problem line breaks: its file and message without line number or quoted values.

    ``reports.csv:7: date: '2022-2-5' is not YYYY-MM-DD`` and the same on line 9 with another value
    are one kind, ``reports.csv: date: … is not YYYY-MM-DD``. (:meth:`CorpusError.summary` applies
    the same rewrites to all problems at once.)
    """
    for pattern, replacement, count in _KIND_REWRITES:
        problem = re.sub(pattern, replacement, problem, count=max(count, 0))
    return problem


@dataclass(frozen=True)
class Corpus:
    """A validated corpus: reports (``date`` parsed) and their codes, with where it came from."""

    reports: pd.DataFrame
    codes: pd.DataFrame
    path: Path | None = None

    @property
    def provenance_mix(self) -> dict[str, int]:
        """Reports per provenance value, e.g. ``{"cited": 35}``; used for banners and front pages."""
        col = self.reports["provenance"].fillna("unknown").replace("", "unknown")
        return {str(k): int(v) for k, v in col.value_counts().sort_index().items()}

    @property
    def is_synthetic(self) -> bool:
        """True when any report is synthetic: such a corpus may only be shown as a demonstration."""
        return "synthetic" in self.provenance_mix

    @property
    def coders(self) -> list[str]:
        return sorted(self.codes["coder"].unique().tolist())


#: Per-field rules, stated once: the pandera schemas below and the vectorised pre-pass of
#: :func:`validate_frames` are both built from these, so they cannot drift apart.
REPORT_VOCABULARY: dict[str, tuple[str, ...]] = {"country": COUNTRIES, "website": WEBSITES}
CODE_VOCABULARY: dict[str, tuple[str, ...]] = {"category": CATEGORIES, "mode": MODES, "level": LEVELS}


def _schema(
    allowed: dict[str, tuple[str, ...]], required: Iterable[str], optional: Iterable[str]
) -> pa.DataFrameSchema:
    import pandera.pandas as pa  # imported only when a corpus breaks a per-field rule

    columns: dict[str, pa.Column] = {}
    for name in required:
        checks = [pa.Check.isin(list(allowed[name]), error="not one of " + "|".join(allowed[name]))] \
            if name in allowed else []
        columns[name] = pa.Column(str, checks=checks, nullable=False, required=True)
    for name in optional:
        columns[name] = pa.Column(str, nullable=True, required=False)
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


@cache
def report_schema() -> pa.DataFrameSchema:
    optional = [c for c in REPORT_COLUMNS if c not in REPORT_REQUIRED]
    return _schema(REPORT_VOCABULARY, REPORT_REQUIRED, optional)


@cache
def code_schema() -> pa.DataFrameSchema:
    return _schema(CODE_VOCABULARY, CODE_REQUIRED, ("coder",))


#: Maps a row of a frame (0-based, file order) to the line a message names.
LineOf = Callable[[object], int]


def _schema_problems(df: pd.DataFrame, schema: pa.DataFrameSchema, name: str, line: LineOf) -> list[str]:
    import pandera.errors

    try:
        schema.validate(df, lazy=True)
    except pandera.errors.SchemaErrors as err:
        out = []
        for case in err.failure_cases.itertuples(index=False):
            if pd.isna(case.index):
                out.append(f"{name}: {case.column}: {case.check}")
            elif case.check == "not_nullable":
                out.append(f"{name}:{line(case.index)}: {case.column}: missing value")
            else:
                msg = str(case.check)
                out.append(f"{name}:{line(case.index)}: {case.column}: {case.failure_case!r} is {msg}")
        return out
    return []


class _Lines:
    """The physical line on which each record of a CSV file starts, worked out only when asked.

    A message names the line an editor shows, and a record is not always one line: a quoted value
    may span several, and blank lines are skipped. Scanning the file for record starts costs about
    as much as parsing it, so it happens the first time a message needs a line; a valid corpus
    never asks. Without a file (frames from an importer) record ``i`` is line ``i + 2``.
    """

    def __init__(self, path: Path | None = None):
        self.path = path
        self._starts: np.ndarray | None = None
        #: problems met while scanning (a quoted value never closed), reported with the others
        self.problems: list[str] = []

    def __call__(self, index: object) -> int:
        i = int(index)  # type: ignore[call-overload]
        if self.path is None:
            return i + _HEADER_LINES
        if self._starts is None:
            self._starts, self.problems = _record_starts(self.path)
        return int(self._starts[i]) if i < len(self._starts) else i + _HEADER_LINES


def _records(path: Path, strict: bool = False) -> Iterator[tuple[int, list[str]]]:
    """``(first physical line, fields)`` of every non-blank record after the header.

    Python's csv module reads the same dialect as the Arrow reader (comma, double quotes, doubled
    quotes inside them, blank lines skipped), so its record ``i`` is Arrow's row ``i``.
    """
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle, strict=strict)
        next(reader, None)
        before = reader.line_num
        for row in reader:
            if row:
                yield before + 1, row
            before = reader.line_num


def _record_starts(path: Path) -> tuple[np.ndarray, list[str]]:
    """Each record's first line, and a problem if the file ends inside a quoted value."""
    starts = np.fromiter((line for line, _ in _records(path)), dtype=np.int64)
    return starts, _unclosed_quote(path)


def _unclosed_quote(path: Path) -> list[str]:
    """A problem naming the record whose quoted value runs to the end of the file, if one does.

    Both CSV readers take such a value to the end of the file, silently; the strict csv reader is
    the one that says so.
    """
    try:
        for _ in _records(path, strict=True):
            pass
    except csv.Error as err:
        if "unexpected end of data" in str(err):
            return [f"{path.name}:{_last_record_start(path)}: a quoted value opened on this line is never "
                    "closed (the rest of the file was read into it)"]
    return []


def _last_record_start(path: Path) -> int:
    last = _HEADER_LINES
    for line, _ in _records(path):
        last = line
    return last


def _shown(text: str, width: int = 60) -> str:
    """A value for a message: repr'd (so spaces, tabs and control characters show) and shortened."""
    return repr(text if len(text) <= width else text[:width] + "…")


def _header(path: Path) -> tuple[list[str], list[str]]:
    """The header's column names (as written, BOM removed) and the problems with them."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        names = next(csv.reader(handle), None)
    if not names or names == [""]:
        return [], [f"{path.name}: empty file (a header row is required)"]
    problems = []
    seen: set[str] = set()
    for name in (n.strip() for n in names):
        if name in seen:
            problems.append(f"{path.name}:1: header: column {name!r} appears twice")
        seen.add(name)
        if "\x00" in name:
            problems.append(f"{path.name}:1: header: column {name!r} has a NUL byte in its name")
    return names, problems


def header_problems(columns: Iterable[str], required: Iterable[str], where: str) -> list[str]:
    """Why required columns are missing, in terms of what was read: a ``;``- or tab-delimited file,
    column names in capitals, or the columns the header does have. ``where`` is e.g. ``reports.csv:1``."""
    columns = [str(c) for c in columns]
    missing = [c for c in required if c not in columns]
    if not missing:
        return []
    if len(columns) == 1:
        for sep, label in ((";", "';'-delimited"), ("\t", "tab-delimited"), ("|", "'|'-delimited")):
            if sep in columns[0]:
                return [f"{where}: header: read 1 column {_shown(columns[0])} — the file looks {label}; "
                        "the format is comma-separated"]
    lower = {c.lower(): c for c in columns}
    out = []
    for name in missing:
        if name in lower:
            out.append(f"{where}: header: {lower[name]!r} — column names are lower case (expected {name!r})")
        else:
            read = ", ".join(_shown(c, 30) for c in columns[:12]) + (", …" if len(columns) > 12 else "")
            out.append(f"{where}: header: required column {name!r} missing "
                       f"(read {len(columns)} column{'s' if len(columns) != 1 else ''}: {read})")
    return out


def _not_utf8(path: Path, data: bytes | mmap.mmap) -> CorpusError | None:
    try:
        bytes(data).decode("utf-8")
    except UnicodeDecodeError as bad:
        line = data[:bad.start].count(b"\n") + 1
        return CorpusError([f"{path.name}:{line}: not UTF-8 ({bad.reason} at byte {bad.start})"])
    return None


def _field_count_problems(path: Path, width: int) -> list[str]:
    """The records whose number of fields differs from the header's, at their first line."""
    out = []
    for line, row in _records(path):
        if len(row) != width:
            out.append(f"{path.name}:{line}: row has {len(row)} field{'s' if len(row) != 1 else ''}, the header "
                       f"has {width} (a value with a comma or a line break must be in double quotes)")
    return out


def _value_bytes(values: pa_arrow.ChunkedArray) -> int:
    """Total bytes of a string column's values, read off its offsets (no pass over the data)."""
    total = 0
    for chunk in values.chunks:
        if len(chunk):
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)
            total += int(offsets[chunk.offset + len(chunk)] - offsets[chunk.offset])
    return total


#: Bytes a value may start with when it starts with whitespace: ASCII spaces, and the lead bytes of
#: U+0085, U+00A0 (C2), U+1680 (E1), U+2000-U+205F (E2) and U+3000 (E3).
_MAY_START_BLANK = np.zeros(256, dtype=bool)
_MAY_START_BLANK[[0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0xC2, 0xE1, 0xE2, 0xE3]] = True
#: Last bytes of those characters: ASCII spaces, and 0x80-0x8A, 0x85, 0x9F, 0xA0, 0xA8, 0xA9, 0xAF.
_MAY_END_BLANK = np.zeros(256, dtype=bool)
_MAY_END_BLANK[[0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, *range(0x80, 0x8B), 0x9F, 0xA0, 0xA8,
                0xA9, 0xAF]] = True


def _may_need_trim(values: pa_arrow.ChunkedArray) -> bool:
    """Whether some value may start or end with whitespace, judged on first and last bytes only.

    Two byte lookups per value instead of a trimming pass that copies the column: a clean id column
    of a million values is cleared in a few milliseconds. ``True`` is only a maybe (``_trimmed``
    decides); ``False`` is certain.
    """
    for chunk in values.chunks:
        if not len(chunk) or chunk.null_count == len(chunk):
            continue
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset:chunk.offset + len(chunk) + 1]
        data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)
        if offsets[-1] == offsets[0]:
            continue
        # An empty or missing value's "first byte" is the next value's and its "last" the previous
        # one's: only a false alarm, never a miss.
        starts = np.minimum(offsets[:-1], offsets[-1] - 1)
        ends = np.maximum(offsets[1:] - 1, offsets[0])
        if _MAY_START_BLANK[data[starts]].any():
            return True
        maybe = ends[_MAY_END_BLANK[data[ends]]]
        if len(maybe) and _ends_blank(data, maybe, offsets[0]):
            return True
    return False


def _ends_blank(data: np.ndarray, ends: np.ndarray, first: int) -> bool:
    """Whether a value ends with whitespace, for the last bytes the first test could not clear:
    an ASCII space, or the last byte of U+0085/U+00A0 (lead byte C2) or of a three-byte space
    (lead byte E1-E3). A Cyrillic letter's last byte (0x80-0xBF) is thus no longer a suspect."""
    last = data[ends]
    if (last < 0x80).any():
        return True
    two = ends[ends - 1 >= first]
    if ((data[two - 1] == 0xC2) & np.isin(data[two], [0x85, 0xA0])).any():
        return True
    three = ends[ends - 2 >= first]
    lead = data[three - 2]
    return bool(((lead >= 0xE1) & (lead <= 0xE3)).any())


def _trimmed(values: pa_arrow.ChunkedArray | pa_arrow.Array) -> pa_arrow.ChunkedArray:
    """The column with surrounding whitespace removed from every value, and blank values missing.

    Spreadsheets leave ``'anna '`` beside ``'anna'`` and non-breaking spaces after ids; trimmed, they
    are one coder and one id. A column with nothing to trim comes back as it was, checked cheaply.
    """
    if isinstance(values, pa_arrow.Array):
        values = pa_arrow.chunked_array([values])
    values = _as_text(values)
    if not _may_need_trim(values):
        return values
    trimmed = pc.utf8_trim_whitespace(values)
    if _value_bytes(trimmed) == _value_bytes(values):
        return values
    return pc.if_else(pc.equal(trimmed, ""), pa_arrow.scalar(None, pa_arrow.string()), trimmed)


def _trimmed_series(values: pd.Series) -> pd.Series:
    """:func:`_trimmed` for a frame's column (text, or objects that are all text or missing)."""
    arr = _trimmed(pa_arrow.chunked_array([pa_arrow.array(values.astype("string"), from_pandas=True)]))
    return pd.Series(arr.to_pandas(), index=values.index, name=values.name)


def _as_text(values: pa_arrow.ChunkedArray) -> pa_arrow.ChunkedArray:
    """A column as Arrow strings (the reader is told so for every column; this is the guarantee)."""
    return values if values.type == pa_arrow.string() else values.cast(pa_arrow.string())


def _read_arrow(source: pa_arrow.Buffer, names: list[str], newlines: bool) -> pa_arrow.Table:
    return pacsv.read_csv(
        pa_arrow.BufferReader(source),
        # Blocks of 8 MB rather than 1 MB: a third faster on a corpus of a million reports.
        read_options=pacsv.ReadOptions(block_size=8 << 20),
        parse_options=pacsv.ParseOptions(newlines_in_values=newlines),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa_arrow.string() for c in names},
            null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True,
        ),
    )


def _read_csv(path: Path, required: Iterable[str]) -> tuple[pd.DataFrame, _Lines, list[str]]:
    """Every column as text (trimmed, blanks missing), with the file's line map and its NUL problems.

    Types are the validator's business, not the parser's. The file is memory-mapped: Arrow's
    multi-threaded reader parses the mapping without a copy, and ``memchr`` over it finds NUL bytes
    and double quotes. Arrow reads blocks of 8 MB in parallel; splitting the file into blocks at any
    line end is fast but wrong when a quoted value holds a line break (a valid file over 8 MB was
    refused, or could be misread), so a file with a double quote anywhere is split by quotes.
    """
    try:
        names, problems = _header(path)
    except UnicodeDecodeError:
        raise _not_utf8(path, path.read_bytes()) or CorpusError([f"{path.name}: not UTF-8"]) from None
    if not problems:
        problems = header_problems([n.strip() for n in names], required, f"{path.name}:1")
    if problems:
        raise CorpusError(problems)
    with open(path, "rb") as handle:
        data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        # Without a double quote in the file no value can hold a line break, and Arrow may split the
        # file into blocks at any line end, which is faster; with one, it splits by quotes.
        table = _read_arrow(pa_arrow.py_buffer(data), names, newlines=data.find(b'"') >= 0)
    except pa_arrow.ArrowInvalid as err:
        text = str(err)
        if "utf8" in text.lower():
            raise _not_utf8(path, data) or CorpusError([f"{path.name}: not UTF-8"]) from None
        raise CorpusError(_unclosed_quote(path) + _field_count_problems(path, len(names))
                          or [f"{path.name}: not a readable CSV file ({text.splitlines()[0]})"]) from None
    stripped = [n.strip() for n in names]
    # Fields the loader reads as keys are trimmed here; the vocabulary columns and dates are trimmed
    # only if a value fails (free, see _inspect); free text (url, titles, excerpts) is kept as written.
    columns = {name: _trimmed(table.column(i)) if name in _TRIMMED_HERE else _as_text(table.column(i))
               for i, name in enumerate(stripped)}
    lines = _Lines(path)
    nul = []
    if data.find(b"\x00") >= 0:
        for name, values in columns.items():
            for row in np.flatnonzero(pc.fill_null(pc.match_substring(values, "\x00"), False).to_numpy(
                    zero_copy_only=False)):
                nul.append((lines(row), f"{path.name}:{lines(row)}: {name}: a NUL byte (\\x00) in the value; "
                                         "the format allows none"))
    df = pa_arrow.table(columns).to_pandas()
    return df, lines, [msg for _, msg in sorted(nul)]


def _arrow(
    values: pd.Series | pd.Index | pa_arrow.ChunkedArray, contiguous: bool = False
) -> pa_arrow.Array | pa_arrow.ChunkedArray:
    """A text column as Arrow strings: zero-copy for pandas' Arrow-backed strings, converted otherwise.

    Columns read by pyarrow arrive in chunks; they stay so unless a kernel needs one array.
    """
    is_arrow = isinstance(values, pa_arrow.Array | pa_arrow.ChunkedArray)
    arr = values if is_arrow else pa_arrow.array(values, from_pandas=True)
    if contiguous and isinstance(arr, pa_arrow.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if arr.type == pa_arrow.large_string() else arr.cast(pa_arrow.large_string())


def positions(values: pd.Series | pd.Index | pa_arrow.ChunkedArray, keys: pd.Index | pd.Series) -> np.ndarray:
    """Position of each value in ``keys`` (-1 when absent or missing), hashed in C++ by pyarrow.

    With repeated keys, the position of the first one.
    """
    found = pc.index_in(_arrow(values), value_set=_arrow(keys, contiguous=True), skip_nulls=True)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


_ISO_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"


def _parse_dates(raw: pd.Series) -> pd.Series:
    """ISO dates (``NaT`` where a value is not one). Arrow's strict parser takes a clean column in one
    C++ pass; only a column it refuses goes through pandas, which finds the offending rows.

    pandas' ``%Y-%m-%d`` also takes ``2022-2-5``; the shape is checked first, so both paths accept
    exactly the four-two-two digit form and nothing else.
    """
    try:
        days = _arrow(raw).cast(pa_arrow.date32()).to_numpy(zero_copy_only=False)
    except pa_arrow.ArrowInvalid:
        shaped = raw.where(raw.astype("string").str.fullmatch(_ISO_DAY).fillna(False).astype(bool))
        return pd.to_datetime(shaped, format="%Y-%m-%d", errors="coerce")
    return pd.Series(days.astype("datetime64[us]"), index=raw.index, name=raw.name)


def _ids_in_order(ids: pa_arrow.ChunkedArray, report_ids: pa_arrow.ChunkedArray) -> np.ndarray | None:
    """Each code's report row, when the corpus is laid out as this project writes corpora.

    That layout is: ids strictly increasing (so unique) and codes listed in report order, every report
    with at least one code. Checking it costs two string comparisons per row, against a hash table
    of a million ids for the general case; ``None`` when the layout does not hold.
    """
    n, m = len(ids), len(report_ids)
    if n == 0 or m == 0 or ids.null_count or report_ids.null_count:
        return None
    if n > 1 and not pc.all(pc.less(ids.slice(0, n - 1), ids.slice(1))).as_py():
        return None
    starts = np.ones(m, dtype=bool)
    starts[1:] = pc.not_equal(report_ids.slice(0, m - 1), report_ids.slice(1)).to_numpy(zero_copy_only=False)
    rows = np.cumsum(starts, dtype=np.int64) - 1
    if rows[-1] != n - 1 or not pc.all(pc.equal(report_ids, ids.take(pa_arrow.array(rows)))).as_py():
        return None
    return rows


def _report_rows(ids: pd.Series, report_ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(first, rows)``: for each report the row of the first report with its id (-1 when the id is
    missing), and for each code the row of its report (-1 when unknown or missing)."""
    id_text, code_text = _arrow(ids), _arrow(report_ids)
    rows = _ids_in_order(id_text, code_text)
    if rows is not None:
        return np.arange(len(ids), dtype=np.int64), rows
    # One hash table of the ids, probed by the ids themselves (finding repeats) and by the codes.
    chunks = [a for part in (id_text, code_text)
              for a in (part.chunks if isinstance(part, pa_arrow.ChunkedArray) else [part])]
    both = positions(pa_arrow.chunked_array(chunks, type=pa_arrow.large_string()), ids)
    return both[:len(ids)], both[len(ids):]


@dataclass(frozen=True)
class _Inspection:
    """What checking a corpus found, and the keys it computed on the way, so loading reuses them."""

    problems: list[str]
    dates: pd.Series | None = None
    #: each code's row in reports (-1: unknown report)
    report_row: np.ndarray | None = None
    #: per vocabulary column, each value's position in its vocabulary (-1: missing or unknown)
    vocabulary: dict[str, np.ndarray] = field(default_factory=dict)


def _vocabulary_positions(df: pd.DataFrame, col: str, values: tuple[str, ...]) -> np.ndarray:
    """Each value's position in its vocabulary; a column with a value outside it is trimmed first
    (in ``df``), so ``' china'`` is ``china`` while a clean column costs one hash lookup per value."""
    found = positions(df[col], pd.Index(values))
    if (found < 0).any() and (found[df[col].notna().to_numpy()] < 0).any():
        df[col] = _trimmed_series(df[col])
        found = positions(df[col], pd.Index(values))
    return found


def _field_problems(df: pd.DataFrame, vocabulary: dict[str, np.ndarray], required: Iterable[str],
                    schema: Callable[[], pa.DataFrameSchema], name: str, line: LineOf) -> list[str]:
    """pandera's verdict on the rows that may break a per-field rule.

    On a corpus of a million reports, running the schema over every row costs as much as reading the
    file, so a vectorised pass over the same rules (a missing required value, a value outside its
    column's vocabulary) picks the suspect rows and pandera judges those; a clean corpus never needs it.
    """
    suspect = np.zeros(len(df), dtype=bool)
    for col in required:
        suspect |= vocabulary[col] < 0 if col in vocabulary else df[col].isna().to_numpy()
    return _schema_problems(df[suspect], schema(), name, line) if suspect.any() else []


def validate_frames(
    reports: pd.DataFrame,
    codes: pd.DataFrame,
    reports_name: str = "reports.csv",
    codes_name: str = "codes.csv",
) -> list[str]:
    """Every rule of docs/corpus.md on raw (all-text) frames; returns the problems, empty when valid.

    Row numbers are file lines, assuming the frames' index is 0..n-1 in file order.
    """
    return _inspect(reports, codes, reports_name, codes_name).problems


def _inspect(reports: pd.DataFrame, codes: pd.DataFrame, reports_name: str = "reports.csv",
             codes_name: str = "codes.csv", report_line: LineOf | None = None,
             code_line: LineOf | None = None) -> _Inspection:
    """Every rule on raw frames; ``report_line``/``code_line`` map rows to the lines messages name."""
    rl, cl = report_line or _Lines(), code_line or _Lines()
    problems = header_problems(reports.columns, REPORT_REQUIRED, reports_name)
    problems += header_problems(codes.columns, CODE_REQUIRED, codes_name)
    if problems:
        return _Inspection(problems)
    if len(reports) == 0:
        return _Inspection([f"{reports_name}: no data rows (a corpus needs at least one report)"])

    ids = reports["id"]
    # Matching codes to reports is the one long job (hashing the ids unless the layout spares it);
    # Arrow does it without the GIL, so it runs on the second core while this thread does the rest.
    with ThreadPoolExecutor(max_workers=1) as pool:
        matched = pool.submit(_report_rows, ids, codes["report_id"])
        vocabulary = {col: _vocabulary_positions(reports, col, values) for col, values in REPORT_VOCABULARY.items()}
        vocabulary |= {col: _vocabulary_positions(codes, col, values) for col, values in CODE_VOCABULARY.items()}
        problems += _field_problems(reports, vocabulary, REPORT_REQUIRED, report_schema, reports_name, rl)
        problems += _field_problems(codes, vocabulary, CODE_REQUIRED, code_schema, codes_name, cl)
        dates = _parse_dates(reports["date"])
        if dates.isna().any() and (dates.isna() & reports["date"].notna()).any():
            reports["date"] = _trimmed_series(reports["date"])  # ' 2022-02-05' is 2022-02-05
            dates = _parse_dates(reports["date"])
        raw_dates = reports["date"]
        first, position = matched.result()

    dup = first != np.arange(len(ids))
    dup &= ids.notna().to_numpy()
    for idx in np.flatnonzero(dup):
        problems.append(f"{reports_name}:{rl(idx)}: id: duplicate id {ids.iloc[idx]!r} "
                        f"(first on line {rl(first[idx])})")

    for idx, value in raw_dates[raw_dates.notna() & dates.isna()].items():
        shape = "" if re.fullmatch(_ISO_DAY, str(value)) else ": four-digit year, two-digit month and day"
        problems.append(f"{reports_name}:{rl(idx)}: date: {value!r} is not a date (YYYY-MM-DD{shape})")

    # Cross-row rules on integer keys (each code's report as a row of reports.csv), so a million
    # codes are checked with array operations rather than sets of strings.
    unknown = codes["report_id"].notna().to_numpy() & (position < 0)
    for idx, value in codes.loc[unknown, "report_id"].items():
        problems.append(f"{codes_name}:{cl(idx)}: report_id: unknown report id {value!r}")

    category, mode = vocabulary["category"], vocabulary["mode"]
    non_cooperation = MODES.index("non_cooperation")
    cooperation_only = np.isin(category, [CATEGORIES.index(c) for c in COOPERATION_ONLY])
    for idx in np.flatnonzero((mode == non_cooperation) & cooperation_only):
        problems.append(f"{codes_name}:{cl(idx)}: mode: {codes['category'].iloc[idx]!r} "
                        "has no non-cooperation variant")

    coder, coder_code, coder_names = _coders(codes)
    slot = np.zeros(len(codes), dtype=np.int64)  # one int64 per (report, coder, category, mode)
    for part, size in ((position, len(ids)), (coder_code, len(coder_names)), (category, len(CATEGORIES)),
                       (mode, len(MODES))):
        slot = slot * (size + 1) + (part + 1)
    level = vocabulary["level"]
    is_main, is_secondary = level == LEVELS.index("main"), level == LEVELS.index("secondary")
    ordered = np.sort(slot)
    if (ordered[1:] == ordered[:-1]).any():  # some (report, coder, category, mode) appears twice: say where
        problems += _repeated_codes(codes, coder, slot, level, is_main, is_secondary, codes_name, cl)

    has_main = np.zeros(len(ids), dtype=bool)
    has_main[position[is_main & (position >= 0)]] = True
    for idx in np.flatnonzero(~has_main & ~dup & ids.notna().to_numpy()):
        problems.append(f"{reports_name}:{rl(idx)}: id: report {ids.iloc[idx]!r} has no main code")
    return _Inspection(problems, dates, position, vocabulary)


def _coders(codes: pd.DataFrame) -> tuple[pd.Series, np.ndarray, pd.Index]:
    """Each code's coder (trimmed; empty means :data:`DEFAULT_CODER`), as codes into the names.

    A corpus has a handful of coders, so the names are trimmed once each rather than per row, and
    ``'anna '`` joins ``'anna'``. The trimmed column is written back into ``codes``.
    """
    coder = codes["coder"].fillna(DEFAULT_CODER) if "coder" in codes else pd.Series(DEFAULT_CODER, codes.index)
    coder_code, coder_names = pd.factorize(coder)
    clean = [str(name).strip() or DEFAULT_CODER for name in coder_names]
    if clean != list(coder_names):
        inverse, merged = pd.factorize(pd.Index(clean))
        coder_code = inverse[coder_code]
        coder_names = pd.Index(merged)
        coder = pd.Series(np.asarray(coder_names, dtype=object)[coder_code], index=codes.index, name="coder")
        if "coder" in codes:
            codes["coder"] = coder
    return coder, coder_code, coder_names


def _repeated_codes(codes: pd.DataFrame, coder: pd.Series, slot: np.ndarray, level: np.ndarray,
                    is_main: np.ndarray, is_secondary: np.ndarray, codes_name: str, line: LineOf) -> list[str]:
    """The codes that give one report and coder a category twice: at both levels, or twice at one."""
    problems = []
    on_both = np.zeros(len(codes), dtype=bool)
    on_both[is_secondary] = pd.Series(slot[is_secondary]).isin(slot[is_main]).to_numpy()
    for idx in np.flatnonzero(on_both):
        row = codes.iloc[idx]
        problems.append(
            f"{codes_name}:{line(codes.index[idx])}: level: {row['category']!r} is both main and secondary "
            f"for report {row['report_id']!r} (coder {coder.iloc[idx]!r})"
        )
    repeated = pd.Series(slot * (len(LEVELS) + 1) + (level + 1)).duplicated(keep="first").to_numpy()
    for idx in np.flatnonzero(repeated):
        row = codes.iloc[idx]
        problems.append(f"{codes_name}:{line(codes.index[idx])}: category: repeated code {row['category']!r} "
                        f"for report {row['report_id']!r}")
    return problems


def load_corpus(folder: str | os.PathLike[str]) -> Corpus:
    """Load ``folder``/reports.csv and codes.csv, or raise :class:`CorpusError` listing every problem."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError([f"{folder}: not a folder (a corpus is a folder with reports.csv and codes.csv)"])
    paths = {name: folder / name for name in CORPUS_FILES}
    missing = [f"{p}: file missing" for p in paths.values() if not p.is_file()]
    if missing:
        raise CorpusError(missing)
    read: list[tuple[pd.DataFrame, _Lines, list[str]]] = []
    problems: list[str] = []
    for path, required in ((paths["reports.csv"], REPORT_REQUIRED), (paths["codes.csv"], CODE_REQUIRED)):
        try:
            read.append(_read_csv(path, required))
        except CorpusError as err:  # a file that cannot be read as a table: say so for both files
            problems += err.problems
        except OSError as err:
            problems.append(f"{path}: cannot be read ({err.strerror or err})")
    if problems:
        raise CorpusError(problems)
    (reports, report_lines, report_nul), (codes, code_lines, code_nul) = read
    return _checked(reports, codes, folder, report_lines, code_lines, report_nul + code_nul)


def _checked(reports: pd.DataFrame, codes: pd.DataFrame, folder: Path | None,
             report_line: _Lines | None = None, code_line: _Lines | None = None,
             read_problems: Iterable[str] = ()) -> Corpus:
    """Check raw frames (index 0..n-1, in file order) and type them, reusing the keys the check built.

    The frames are modified in place: callers pass frames of their own (copy-on-write keeps the
    caller's originals of :func:`corpus_from_frames` untouched).
    """
    report_line, code_line = report_line or _Lines(), code_line or _Lines()
    found = _inspect(reports, codes, report_line=report_line, code_line=code_line)
    problems = report_line.problems + code_line.problems + list(read_problems) + found.problems
    if problems:
        raise CorpusError(problems)
    assert found.dates is not None and found.report_row is not None
    for col in REPORT_COLUMNS:
        if col not in reports:
            reports[col] = pd.NA
    reports["date"] = found.dates
    for col, values in REPORT_VOCABULARY.items():
        reports[col] = pd.Categorical.from_codes(found.vocabulary[col], categories=list(values))
    codes["coder"] = codes["coder"].fillna(DEFAULT_CODER) if "coder" in codes else DEFAULT_CODER
    for col, values in CODE_VOCABULARY.items():
        codes[col] = pd.Categorical.from_codes(found.vocabulary[col], categories=list(values))
    # Each code's row in reports, so counting joins by position instead of matching id strings.
    codes["report_row"] = found.report_row
    return Corpus(reports=reports, codes=codes, path=folder)


def _trimmed_frame(df: pd.DataFrame, name: str) -> tuple[pd.DataFrame, list[str]]:
    """An importer's frame as the file reader would give it: names and values trimmed, blanks
    missing, every value text; and the NUL bytes found, as problems."""
    df = df.reset_index(drop=True)
    df.columns = [str(c).strip() for c in df.columns]
    problems = []
    seen: set[str] = set()
    for col in df.columns:
        if col in seen:
            problems.append(f"{name}: header: column {col!r} appears twice")
        seen.add(col)
    if problems:
        return df, problems
    lines = _Lines()
    for col in df.columns:
        values = df[col].astype("string")
        values = values.mask(values == "")
        if col in TRIMMED_COLUMNS:
            values = _trimmed_series(values)
        for idx in np.flatnonzero(values.str.contains("\x00", regex=False).fillna(False).to_numpy(dtype=bool)):
            problems.append(f"{name}:{lines(idx)}: {col}: a NUL byte (\\x00) in the value; the format allows none")
        df[col] = values.astype(object).where(values.notna(), None)
    return df, problems


def corpus_from_frames(reports: pd.DataFrame, codes: pd.DataFrame) -> Corpus:
    """Validate in-memory frames (all-text columns) the same way as files; used by importers.

    Values are trimmed and blank ones made missing, as the file reader does.
    """
    reports, report_problems = _trimmed_frame(reports, "reports.csv")
    codes, code_problems = _trimmed_frame(codes, "codes.csv")
    if report_problems or code_problems:
        raise CorpusError(report_problems + code_problems)
    return _checked(reports, codes, None)


@contextmanager
def atomic_target(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary file name beside ``path``, renamed onto it when the block ends without error.

    No reader ever sees half a file, and a failed write leaves the old file (or none). The
    temporary file is opened by the caller like any other, so it gets the usual permissions (the
    umask's, typically 0644) rather than the owner-only 0600 of ``tempfile.mkstemp``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_csv_atomic(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a CSV next to its destination and rename it into place, so no reader sees half a file."""
    with atomic_target(path) as tmp, open(tmp, "x", encoding="utf-8", newline="") as handle:
        df.to_csv(handle, index=False)
    return Path(path)


def _corpus_target(folder: Path, force: bool) -> None:
    """Refuse a destination that ``write_corpus`` may not replace, before anything is written.

    A folder holding only ``reports.csv``/``codes.csv`` is a corpus: replaced with ``force``,
    refused without. A folder holding anything else is refused even with ``force``, because
    replacing a corpus means deleting the old folder, and ``--out ~/thesis`` must never delete a
    folder of someone's other files.
    """
    if not folder.exists():
        if folder.is_symlink():
            raise CorpusError([f"{folder}: a broken symbolic link; choose another folder (nothing written)"])
        return
    if not folder.is_dir():
        raise CorpusError([f"{folder}: exists and is not a folder; choose a new folder (nothing written)"])
    entries = sorted(p.name for p in folder.iterdir())
    if not entries:
        return
    others = [n for n in entries if n not in CORPUS_FILES or not (folder / n).is_file()]
    if others:
        shown = ", ".join(repr(n) for n in others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise CorpusError([f"{folder}: exists and holds files that are not a corpus ({shown}); choose a new or "
                           "empty folder (--force replaces only a folder holding just reports.csv and codes.csv; "
                           "nothing written)"])
    if not force:
        raise CorpusError([f"{folder}: already holds a corpus ({', '.join(entries)}); pass --force to replace it "
                           "(nothing written)"])


def _sibling(folder: Path, tag: str) -> Path:
    """A hidden, unique name beside ``folder``: same file system, so renames between them are atomic."""
    return folder.with_name(f".{folder.name}.{os.getpid()}.{secrets.token_hex(4)}.{tag}")


def write_corpus(reports: pd.DataFrame, codes: pd.DataFrame, folder: str | os.PathLike[str], *,
                 force: bool = False) -> Path:
    """Validate, then write the corpus whole: both files appear together, or nothing changes.

    Both files are written into a fresh hidden sibling folder, which is then renamed into place, so
    no reader ever sees one new file beside one old one, and a failure (a bad frame, a full disk)
    leaves ``folder`` as it was. ``folder`` may be new or empty; a folder that already holds a corpus
    is replaced only with ``force`` (the old one is renamed aside, the new one renamed in, then the
    old one deleted); a folder holding other files is never replaced. Raises :class:`CorpusError`.

    Files are written in the project's layout: reports sorted by id, codes in report order (each
    report's codes in the order given). The loader recognises that layout and skips hashing the ids,
    which is most of the cost of loading a large corpus; any other order loads too, only slower.
    The folder and files get the umask's permissions, like any folder a user makes.
    """
    corpus = corpus_from_frames(reports.astype("string").astype(object), codes.astype("string").astype(object))
    folder = Path(folder)
    if folder.is_symlink() and folder.exists():
        folder = folder.resolve()  # replace the folder the link points at, not the link
    _corpus_target(folder, force)
    order = corpus.reports["id"].sort_values(kind="stable").index.to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    out_reports = corpus.reports.iloc[order].copy()
    out_reports["date"] = out_reports["date"].dt.strftime("%Y-%m-%d")
    code_order = np.argsort(rank[corpus.codes["report_row"].to_numpy()], kind="stable")
    out_codes = corpus.codes.iloc[code_order].drop(columns="report_row")  # derived on load, not data
    folder.parent.mkdir(parents=True, exist_ok=True)
    fresh = _sibling(folder, "new")
    fresh.mkdir()
    old: Path | None = None
    try:
        for df, name in ((out_reports, "reports.csv"), (out_codes, "codes.csv")):
            with open(fresh / name, "x", encoding="utf-8", newline="") as handle:
                df.to_csv(handle, index=False)
        if folder.exists():
            _corpus_target(folder, force)  # again: another process may have written there meanwhile
            old = _sibling(folder, "old")
            os.rename(folder, old)
        try:
            os.rename(fresh, folder)
        except OSError:
            if old is not None:
                os.rename(old, folder)  # put the old corpus back: nothing changed
                old = None
            raise
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return folder
