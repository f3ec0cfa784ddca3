"""The rules of docs/corpus.md, checked on raw (all-text) frames, every violation at once.

Per-field rules are a pandera schema, which judges the rows a vectorised pre-pass over the same
rules marks as suspect; the rules that span rows or files (duplicate ids, a code for an unknown
report, a report with no main code, one category at both levels) are checked on integer keys with
pyarrow and numpy, so a corpus of a million reports is checked in well under a second. The keys
computed on the way (each code's report row, each value's vocabulary position) are returned too,
so loading reuses them instead of matching strings again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa_arrow
import pyarrow.compute as pc

if TYPE_CHECKING:
    import pandera.pandas as pa

from kzperception.data.corpus_format import (
    CODE_REQUIRED,
    CODE_VOCABULARY,
    DEFAULT_CODER,
    REPORT_COLUMNS,
    REPORT_REQUIRED,
    REPORT_VOCABULARY,
    code_vocabulary,
    report_vocabulary,
)
from kzperception.data.corpus_read import LineOf, RecordLines, header_problems, trimmed_series
from kzperception.data.corpus_text import (
    coder_near_misses,
    hidden_character_problems,
    mixed_script_problems,
    near_miss,
    normalise_frame,
)
from kzperception.data.vocabulary import LEVELS, MODES, Vocabulary

__all__ = ["Inspection", "code_schema", "inspect_frames", "positions", "report_schema", "validate_frames"]


def _schema(
    allowed: dict[str, tuple[str, ...]], required: Iterable[str], optional: Iterable[str]
) -> pa.DataFrameSchema:
    import pandera.pandas as pa  # imported only when a corpus breaks a per-field rule

    columns: dict[str, pa.Column] = {}
    for name in required:
        checks = (
            [pa.Check.isin(list(allowed[name]), error="not one of " + "|".join(allowed[name]))]
            if name in allowed
            else []
        )
        columns[name] = pa.Column(str, checks=checks, nullable=False, required=True)
    for name in optional:
        columns[name] = pa.Column(str, nullable=True, required=False)
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


@cache
def report_schema(vocabulary: Vocabulary | None = None) -> pa.DataFrameSchema:
    """reports.csv's per-field rules under ``vocabulary`` (default: the project's)."""
    optional = [c for c in REPORT_COLUMNS if c not in REPORT_REQUIRED]
    return _schema(report_vocabulary(vocabulary) if vocabulary else REPORT_VOCABULARY, REPORT_REQUIRED, optional)


@cache
def code_schema(vocabulary: Vocabulary | None = None) -> pa.DataFrameSchema:
    """codes.csv's per-field rules under ``vocabulary`` (default: the project's)."""
    return _schema(code_vocabulary(vocabulary) if vocabulary else CODE_VOCABULARY, CODE_REQUIRED, ("coder",))


def _schema_problems(
    df: pd.DataFrame,
    schema: pa.DataFrameSchema,
    name: str,
    line: LineOf,
    allowed: dict[str, tuple[str, ...]] | None = None,
    reported: AbstractSet[tuple[str, int]] = frozenset(),
) -> list[str]:
    """pandera's failures as problem lines; a value that looks like an allowed one is named as a
    near miss, and ``(field, row)`` pairs already reported (a hidden character) are left out."""
    import pandera.errors

    try:
        schema.validate(df, lazy=True)
    except pandera.errors.SchemaErrors as err:
        out = []
        for case in err.failure_cases.itertuples(index=False):
            if pd.isna(case.index):
                out.append(f"{name}: {case.column}: {case.check}")
            elif (case.column, int(case.index)) in reported:
                continue
            elif case.check == "not_nullable":
                out.append(f"{name}:{line(case.index)}: {case.column}: missing value")
            elif (
                allowed
                and case.column in allowed
                and isinstance(case.failure_case, str)
                and (hint := near_miss(case.failure_case, allowed[case.column]))
            ):
                out.append(f"{name}:{line(case.index)}: {case.column}: {hint}")
            else:
                msg = str(case.check)
                out.append(f"{name}:{line(case.index)}: {case.column}: {case.failure_case!r} is {msg}")
        return out
    return []


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
    chunks = [
        a for part in (id_text, code_text) for a in (part.chunks if isinstance(part, pa_arrow.ChunkedArray) else [part])
    ]
    both = positions(pa_arrow.chunked_array(chunks, type=pa_arrow.large_string()), ids)
    return both[: len(ids)], both[len(ids) :]


@dataclass(frozen=True)
class Inspection:
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
        df[col] = trimmed_series(df[col])
        found = positions(df[col], pd.Index(values))
    return found


def _field_problems(
    df: pd.DataFrame,
    vocabulary: dict[str, np.ndarray],
    required: Iterable[str],
    schema: Callable[[], pa.DataFrameSchema],
    name: str,
    line: LineOf,
    allowed: dict[str, tuple[str, ...]] | None = None,
    reported: AbstractSet[tuple[str, int]] = frozenset(),
) -> list[str]:
    """pandera's verdict on the rows that may break a per-field rule.

    On a corpus of a million reports, running the schema over every row costs as much as reading the
    file, so a vectorised pass over the same rules (a missing required value, a value outside its
    column's vocabulary) picks the suspect rows and pandera judges those; a clean corpus never needs it.
    """
    suspect = np.zeros(len(df), dtype=bool)
    for col in required:
        suspect |= vocabulary[col] < 0 if col in vocabulary else df[col].isna().to_numpy()
    return _schema_problems(df[suspect], schema(), name, line, allowed, reported) if suspect.any() else []


def validate_frames(
    reports: pd.DataFrame,
    codes: pd.DataFrame,
    reports_name: str = "reports.csv",
    codes_name: str = "codes.csv",
    vocabulary: Vocabulary | None = None,
) -> list[str]:
    """Every rule of docs/corpus.md on raw (all-text) frames; returns the problems, empty when valid.

    Row numbers are file lines, assuming the frames' index is 0..n-1 in file order. Countries and
    categories are checked against ``vocabulary`` (default: the project's).
    """
    return inspect_frames(reports, codes, reports_name, codes_name, vocab=vocabulary).problems


def inspect_frames(
    reports: pd.DataFrame,
    codes: pd.DataFrame,
    reports_name: str = "reports.csv",
    codes_name: str = "codes.csv",
    report_line: LineOf | None = None,
    code_line: LineOf | None = None,
    vocab: Vocabulary | None = None,
) -> Inspection:
    """Every rule on raw frames; ``report_line``/``code_line`` map rows to the lines messages name.

    :func:`validate_frames` wants only the problems; the loader wants the :class:`Inspection`
    whole, because the keys it computed (dates, each code's report row, vocabulary positions) are
    what a loaded corpus is typed with, and computing them twice would double the cost of a load.
    The frames are normalised in place (one Unicode form), so pass frames of your own.
    """
    rl, cl = report_line or RecordLines(), code_line or RecordLines()
    vocab = vocab or Vocabulary.default()
    problems = header_problems(reports.columns, REPORT_REQUIRED, reports_name)
    problems += header_problems(codes.columns, CODE_REQUIRED, codes_name)
    if problems:
        return Inspection(problems)
    if len(reports) == 0:
        return Inspection([f"{reports_name}: no data rows (a corpus needs at least one report)"])
    # What a reader cannot see must not make two values of one: one Unicode form for every field,
    # and no hidden character in a field that is matched as a key.
    normalise_frame(reports)
    normalise_frame(codes)
    hidden_reports, hidden_report_cells = hidden_character_problems(reports, reports_name, rl)
    hidden_codes, hidden_code_cells = hidden_character_problems(codes, codes_name, cl)
    problems += hidden_reports + hidden_codes
    # An id whose letters come from two scripts ('rа1', Cyrillic а) prints like its Latin twin:
    # refused like a hidden character, and its cells kept out of the rules that would name it again.
    mixed_reports, mixed_report_cells = mixed_script_problems(reports, reports_name, rl, hidden_report_cells)
    mixed_codes, mixed_code_cells = mixed_script_problems(codes, codes_name, cl, hidden_code_cells)
    problems += mixed_reports + mixed_codes
    hidden_report_cells |= mixed_report_cells
    hidden_code_cells |= mixed_code_cells

    ids = reports["id"]
    # Matching codes to reports is the one long job (hashing the ids unless the layout spares it);
    # Arrow does it without the GIL, so it runs on the second core while this thread does the rest.
    with ThreadPoolExecutor(max_workers=1) as pool:
        matched = pool.submit(_report_rows, ids, codes["report_id"])
        report_vocab, code_vocab = report_vocabulary(vocab), code_vocabulary(vocab)
        vocabulary = {col: _vocabulary_positions(reports, col, values) for col, values in report_vocab.items()}
        vocabulary |= {col: _vocabulary_positions(codes, col, values) for col, values in code_vocab.items()}
        problems += _field_problems(
            reports,
            vocabulary,
            REPORT_REQUIRED,
            lambda: report_schema(vocab),
            reports_name,
            rl,
            report_vocab,
            hidden_report_cells,
        )
        problems += _field_problems(
            codes, vocabulary, CODE_REQUIRED, lambda: code_schema(vocab), codes_name, cl, code_vocab, hidden_code_cells
        )
        dates = _parse_dates(reports["date"])
        if dates.isna().any() and (dates.isna() & reports["date"].notna()).any():
            reports["date"] = trimmed_series(reports["date"])  # ' 2022-02-05' is 2022-02-05
            dates = _parse_dates(reports["date"])
        raw_dates = reports["date"]
        first, position = matched.result()

    dup = first != np.arange(len(ids))
    dup &= ids.notna().to_numpy()
    for idx in np.flatnonzero(dup):
        problems.append(
            f"{reports_name}:{rl(idx)}: id: duplicate id {ids.iloc[idx]!r} (first on line {rl(first[idx])})"
        )

    for idx, value in raw_dates[raw_dates.notna() & dates.isna()].items():
        shape = "" if re.fullmatch(_ISO_DAY, str(value)) else ": four-digit year, two-digit month and day"
        problems.append(f"{reports_name}:{rl(idx)}: date: {value!r} is not a date (YYYY-MM-DD{shape})")

    # Cross-row rules on integer keys (each code's report as a row of reports.csv), so a million
    # codes are checked with array operations rather than sets of strings.
    unknown = codes["report_id"].notna().to_numpy() & (position < 0)
    unknown[[row for col, row in hidden_code_cells if col == "report_id"]] = False
    for idx, value in codes.loc[unknown, "report_id"].items():
        problems.append(f"{codes_name}:{cl(idx)}: report_id: unknown report id {value!r}")

    category, mode = vocabulary["category"], vocabulary["mode"]
    non_cooperation = MODES.index("non_cooperation")
    cooperation_only = np.isin(category, [vocab.category_ids.index(c) for c in vocab.cooperation_only])
    for idx in np.flatnonzero((mode == non_cooperation) & cooperation_only):
        problems.append(f"{codes_name}:{cl(idx)}: mode: {codes['category'].iloc[idx]!r} has no non-cooperation variant")

    coder, coder_code, coder_names = _coders(codes)
    problems += coder_near_misses(coder, codes_name, cl)
    slot = np.zeros(len(codes), dtype=np.int64)  # one int64 per (report, coder, category, mode)
    for part, size in (
        (position, len(ids)),
        (coder_code, len(coder_names)),
        (category, len(vocab.categories)),
        (mode, len(MODES)),
    ):
        slot = slot * (size + 1) + (part + 1)
    level = vocabulary["level"]
    is_main, is_secondary = level == LEVELS.index("main"), level == LEVELS.index("secondary")
    ordered = np.sort(slot)
    if (ordered[1:] == ordered[:-1]).any():  # some (report, coder, category, mode) appears twice: say where
        problems += _repeated_codes(codes, coder, slot, level, is_main, is_secondary, codes_name, cl)

    has_main = np.zeros(len(ids), dtype=bool)
    has_main[position[is_main & (position >= 0)]] = True
    has_main[[row for col, row in hidden_report_cells if col == "id"]] = True  # reported already
    for idx in np.flatnonzero(~has_main & ~dup & ids.notna().to_numpy()):
        problems.append(f"{reports_name}:{rl(idx)}: id: report {ids.iloc[idx]!r} has no main code")
    return Inspection(problems, dates, position, vocabulary)


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


def _repeated_codes(
    codes: pd.DataFrame,
    coder: pd.Series,
    slot: np.ndarray,
    level: np.ndarray,
    is_main: np.ndarray,
    is_secondary: np.ndarray,
    codes_name: str,
    line: LineOf,
) -> list[str]:
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
        problems.append(
            f"{codes_name}:{line(codes.index[idx])}: category: repeated code {row['category']!r} "
            f"for report {row['report_id']!r}"
        )
    return problems
