"""Reading a corpus file: the CSV dialect, physical lines, header diagnostics and trimming.

The reader's job is to turn a file into all-text columns fast (Arrow, memory-mapped, in
parallel) and, only when something is wrong, to say where in terms a researcher sees in an
editor: the physical line a record starts on, a header that looks ``;``-delimited, a quoted value
never closed. Types and rules are :mod:`kzperception.data.corpus_rules`' business.
"""

from __future__ import annotations

import csv
import mmap
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa_arrow
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from kzperception.data.corpus_encoding import encoding_problem, foreign_encoding
from kzperception.data.corpus_format import CorpusError

__all__ = ["LineOf", "RecordLines", "header_problems", "read_corpus_csv", "trimmed_series"]

#: Of those, the ones the file reader trims itself; vocabulary columns and dates are trimmed by the
#: check only when a value fails as written, and coder names once each: free on a clean corpus.
_TRIMMED_HERE = frozenset({"id", "entity", "provenance", "report_id"})

#: First data row of a CSV file is line 2 (line 1 is the header).
_HEADER_LINES = 2


#: Maps a row of a frame (0-based, file order) to the line a message names.
LineOf = Callable[[object], int]


class RecordLines:
    """The physical line on which each record of a CSV file starts, worked out only when asked.

    A message names the line an editor shows, and a record is not always one line: a quoted value
    may span several, and blank lines are skipped. Scanning the file for record starts costs about
    as much as parsing it, so it happens the first time a message needs a line; a valid corpus
    never asks. Without a file (frames from an importer) record ``i`` is line ``i + 2``.

    Public because the loader and the checks share one map per file: the reader makes it, the
    checks (:func:`kzperception.data.corpus_rules.inspect_frames`) call it for every message, and
    its own problems (a quoted value never closed) are reported with theirs.
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
            return [
                f"{path.name}:{_last_record_start(path)}: a quoted value opened on this line is never "
                "closed (the rest of the file was read into it)"
            ]
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
                return [
                    f"{where}: header: read 1 column {_shown(columns[0])} — the file looks {label}; "
                    "the format is comma-separated"
                ]
    lower = {c.lower(): c for c in columns}
    out = []
    for name in missing:
        if name in lower:
            out.append(f"{where}: header: {lower[name]!r} — column names are lower case (expected {name!r})")
        else:
            read = ", ".join(_shown(c, 30) for c in columns[:12]) + (", …" if len(columns) > 12 else "")
            out.append(
                f"{where}: header: required column {name!r} missing "
                f"(read {len(columns)} column{'s' if len(columns) != 1 else ''}: {read})"
            )
    return out


def _not_utf8(path: Path, data: bytes | mmap.mmap) -> CorpusError | None:
    """The file's encoding named (UTF-16, a legacy one), or each stray byte at its line and cell;
    ``None`` when it is UTF-8 after all."""
    raw = bytes(data)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return CorpusError(encoding_problem(raw, path.name))
    return None


def _field_count_problems(path: Path, width: int) -> list[str]:
    """The records whose number of fields differs from the header's, at their first line."""
    out = []
    for line, row in _records(path):
        if len(row) != width:
            out.append(
                f"{path.name}:{line}: row has {len(row)} field{'s' if len(row) != 1 else ''}, the header "
                f"has {width} (a value with a comma or a line break must be in double quotes)"
            )
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
_MAY_END_BLANK[
    [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, *range(0x80, 0x8B), 0x9F, 0xA0, 0xA8, 0xA9, 0xAF]
] = True


def _may_need_trim(values: pa_arrow.ChunkedArray) -> bool:
    """Whether some value may start or end with whitespace, judged on first and last bytes only.

    Two byte lookups per value instead of a trimming pass that copies the column: a clean id column
    of a million values is cleared in a few milliseconds. ``True`` is only a maybe (``_trimmed``
    decides); ``False`` is certain.
    """
    for chunk in values.chunks:
        if not len(chunk) or chunk.null_count == len(chunk):
            continue
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset : chunk.offset + len(chunk) + 1]
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


def trimmed_series(values: pd.Series) -> pd.Series:
    """A frame's column (text, or objects that are all text or missing) with every value trimmed
    and blank ones missing, as the reader trims key columns (:func:`_trimmed`).

    The checks trim a vocabulary column or the dates only when a value fails as written, and the
    loader trims an importer's frames, both with this, so a value means the same from a file and
    from memory.
    """
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
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )


def read_corpus_csv(path: Path, required: Iterable[str]) -> tuple[pd.DataFrame, RecordLines, list[str]]:
    """Every column as text (trimmed, blanks missing), with the file's line map and its NUL problems.

    The one way a corpus file becomes a frame: the loader (:func:`kzperception.data.corpus.load_corpus`)
    reads both files with it and hands the frames and line maps to the checks. Raises
    :class:`CorpusError` for a file that cannot be read as a table (encoding, header, quoting).

    Types are the validator's business, not the parser's. The file is memory-mapped: Arrow's
    multi-threaded reader parses the mapping without a copy, and ``memchr`` over it finds NUL bytes
    and double quotes. Arrow reads blocks of 8 MB in parallel; splitting the file into blocks at any
    line end is fast but wrong when a quoted value holds a line break (a valid file over 8 MB was
    refused, or could be misread), so a file with a double quote anywhere is split by quotes.
    """
    with open(path, "rb") as handle:
        head = handle.read(1 << 16)
    if foreign_encoding(head):  # UTF-16 without a byte-order mark decodes as UTF-8 with NULs
        raise CorpusError(encoding_problem(head, path.name))
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
        raise CorpusError(
            _unclosed_quote(path) + _field_count_problems(path, len(names))
            or [f"{path.name}: not a readable CSV file ({text.splitlines()[0]})"]
        ) from None
    stripped = [n.strip() for n in names]
    # Fields the loader reads as keys are trimmed here; the vocabulary columns and dates are trimmed
    # only if a value fails (free, see inspect_frames); free text (url, titles, excerpts) is kept as written.
    columns = {
        name: _trimmed(table.column(i)) if name in _TRIMMED_HERE else _as_text(table.column(i))
        for i, name in enumerate(stripped)
    }
    lines = RecordLines(path)
    nul = []
    if data.find(b"\x00") >= 0:
        for name, values in columns.items():
            for row in np.flatnonzero(
                pc.fill_null(pc.match_substring(values, "\x00"), False).to_numpy(zero_copy_only=False)
            ):
                nul.append(
                    (
                        lines(row),
                        f"{path.name}:{lines(row)}: {name}: a NUL byte (\\x00) in the value; the format allows none",
                    )
                )
    df = pa_arrow.table(columns).to_pandas()
    return df, lines, [msg for _, msg in sorted(nul)]
