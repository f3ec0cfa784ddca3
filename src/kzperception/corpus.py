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

import os
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

from .vocabulary import CATEGORIES, COOPERATION_ONLY, COUNTRIES, LEVELS, MODES, WEBSITES

REPORT_COLUMNS: tuple[str, ...] = (
    "id", "country", "website", "entity", "date", "url", "title_ru", "title_en",
    "excerpt_ru", "excerpt_en", "provenance",
)
REPORT_REQUIRED: tuple[str, ...] = ("id", "country", "website", "date")
CODE_COLUMNS: tuple[str, ...] = ("report_id", "category", "mode", "level", "coder")
CODE_REQUIRED: tuple[str, ...] = ("report_id", "category", "mode", "level")
DEFAULT_CODER = "primary"
#: The files of a corpus folder.
CORPUS_FILES: tuple[str, ...] = ("reports.csv", "codes.csv")

#: First data row of a CSV file is line 2 (line 1 is the header).
_HEADER_LINES = 2


class CorpusError(ValueError):
    """A corpus broke one or more rules; ``problems`` lists every violation, one per line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


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


def _line(index: object) -> int:
    return int(index) + _HEADER_LINES  # type: ignore[call-overload]


def _schema_problems(df: pd.DataFrame, schema: pa.DataFrameSchema, name: str) -> list[str]:
    import pandera.errors

    try:
        schema.validate(df, lazy=True)
    except pandera.errors.SchemaErrors as err:
        out = []
        for case in err.failure_cases.itertuples(index=False):
            if pd.isna(case.index):
                out.append(f"{name}: {case.column}: {case.check}")
            elif case.check == "not_nullable":
                out.append(f"{name}:{_line(case.index)}: {case.column}: missing value")
            else:
                msg = str(case.check)
                out.append(f"{name}:{_line(case.index)}: {case.column}: {case.failure_case!r} is {msg}")
        return out
    return []


def _read_text_columns(path: Path) -> pd.DataFrame:
    """Every column as text, empty cells as missing, parsed by pyarrow's multi-threaded reader."""
    columns = pd.read_csv(path, nrows=0, encoding="utf-8").columns  # header only: raises on bad UTF-8 there
    try:
        table = pacsv.read_csv(
            path,
            # Blocks of 8 MB rather than 1 MB: a third faster on a corpus of a million reports.
            read_options=pacsv.ReadOptions(block_size=8 << 20),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa_arrow.string() for c in columns},
                null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True,
            ),
        )
    except pa_arrow.ArrowInvalid as err:
        text = str(err)
        if "utf8" in text.lower():
            data = path.read_bytes()
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as bad:
                line = data.count(b"\n", 0, bad.start) + 1
                raise CorpusError([f"{path.name}:{line}: not UTF-8 ({bad.reason} at byte {bad.start})"]) from None
        raise pd.errors.ParserError(text.splitlines()[0]) from None
    return table.to_pandas()


def _read_csv(path: Path) -> pd.DataFrame:
    """Read every column as text: types are the validator's business, not the parser's."""
    try:
        df = _read_text_columns(path)
    except UnicodeDecodeError as err:
        raise CorpusError([f"{path.name}: not UTF-8 ({err.reason} at byte {err.start})"]) from None
    except pd.errors.ParserError as err:
        raise CorpusError([f"{path.name}: not a readable CSV file ({err})"]) from None
    except pd.errors.EmptyDataError:
        raise CorpusError([f"{path.name}: empty file (a header row is required)"]) from None
    df.columns = [c.strip() for c in df.columns]
    return df


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


def _parse_dates(raw: pd.Series) -> pd.Series:
    """ISO dates (``NaT`` where a value is not one). Arrow's strict parser takes a clean column in one
    C++ pass; only a column it refuses goes through pandas, which finds the offending rows."""
    try:
        days = _arrow(raw).cast(pa_arrow.date32()).to_numpy(zero_copy_only=False)
    except pa_arrow.ArrowInvalid:
        return pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce")
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


def _field_problems(df: pd.DataFrame, vocabulary: dict[str, np.ndarray], required: Iterable[str],
                    schema: Callable[[], pa.DataFrameSchema], name: str) -> list[str]:
    """pandera's verdict on the rows that may break a per-field rule.

    On a corpus of a million reports, running the schema over every row costs as much as reading the
    file, so a vectorised pass over the same rules (a missing required value, a value outside its
    column's vocabulary) picks the suspect rows and pandera judges those; a clean corpus never needs it.
    """
    suspect = np.zeros(len(df), dtype=bool)
    for col in required:
        suspect |= vocabulary[col] < 0 if col in vocabulary else df[col].isna().to_numpy()
    return _schema_problems(df[suspect], schema(), name) if suspect.any() else []


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
             codes_name: str = "codes.csv") -> _Inspection:
    problems: list[str] = []
    missing_r = [c for c in REPORT_REQUIRED if c not in reports.columns]
    missing_c = [c for c in CODE_REQUIRED if c not in codes.columns]
    problems += [f"{reports_name}: {c}: required column missing" for c in missing_r]
    problems += [f"{codes_name}: {c}: required column missing" for c in missing_c]
    if problems:
        return _Inspection(problems)

    ids = reports["id"]
    # Matching codes to reports is the one long job (hashing the ids unless the layout spares it);
    # Arrow does it without the GIL, so it runs on the second core while this thread does the rest.
    with ThreadPoolExecutor(max_workers=1) as pool:
        matched = pool.submit(_report_rows, ids, codes["report_id"])
        vocabulary = {col: positions(reports[col], pd.Index(values)) for col, values in REPORT_VOCABULARY.items()}
        vocabulary |= {col: positions(codes[col], pd.Index(values)) for col, values in CODE_VOCABULARY.items()}
        problems += _field_problems(reports, vocabulary, REPORT_REQUIRED, report_schema, reports_name)
        problems += _field_problems(codes, vocabulary, CODE_REQUIRED, code_schema, codes_name)
        raw_dates = reports["date"]
        dates = _parse_dates(raw_dates)
        first, position = matched.result()

    dup = first != np.arange(len(ids))
    dup &= ids.notna().to_numpy()
    for idx in np.flatnonzero(dup):
        problems.append(f"{reports_name}:{_line(idx)}: id: duplicate id {ids.iloc[idx]!r} "
                        f"(first on line {_line(first[idx])})")

    for idx, value in raw_dates[raw_dates.notna() & dates.isna()].items():
        problems.append(f"{reports_name}:{_line(idx)}: date: {value!r} is not a date (YYYY-MM-DD)")

    # Cross-row rules on integer keys (each code's report as a row of reports.csv), so a million
    # codes are checked with array operations rather than sets of strings.
    unknown = codes["report_id"].notna().to_numpy() & (position < 0)
    for idx, value in codes.loc[unknown, "report_id"].items():
        problems.append(f"{codes_name}:{_line(idx)}: report_id: unknown report id {value!r}")

    category, mode = vocabulary["category"], vocabulary["mode"]
    non_cooperation = MODES.index("non_cooperation")
    cooperation_only = np.isin(category, [CATEGORIES.index(c) for c in COOPERATION_ONLY])
    for idx in np.flatnonzero((mode == non_cooperation) & cooperation_only):
        problems.append(f"{codes_name}:{_line(idx)}: mode: {codes['category'].iloc[idx]!r} "
                        "has no non-cooperation variant")

    coder = codes["coder"].fillna(DEFAULT_CODER) if "coder" in codes else pd.Series(DEFAULT_CODER, codes.index)
    coder_code, coder_names = pd.factorize(coder)
    slot = np.zeros(len(codes), dtype=np.int64)  # one int64 per (report, coder, category, mode)
    for part, size in ((position, len(ids)), (coder_code, len(coder_names)), (category, len(CATEGORIES)),
                       (mode, len(MODES))):
        slot = slot * (size + 1) + (part + 1)
    level = vocabulary["level"]
    is_main, is_secondary = level == LEVELS.index("main"), level == LEVELS.index("secondary")
    ordered = np.sort(slot)
    if (ordered[1:] == ordered[:-1]).any():  # some (report, coder, category, mode) appears twice: say where
        problems += _repeated_codes(codes, coder, slot, level, is_main, is_secondary, codes_name)

    has_main = np.zeros(len(ids), dtype=bool)
    has_main[position[is_main & (position >= 0)]] = True
    for idx in np.flatnonzero(~has_main & ~dup & ids.notna().to_numpy()):
        problems.append(f"{reports_name}:{_line(idx)}: id: report {ids.iloc[idx]!r} has no main code")
    return _Inspection(problems, dates, position, vocabulary)


def _repeated_codes(codes: pd.DataFrame, coder: pd.Series, slot: np.ndarray, level: np.ndarray,
                    is_main: np.ndarray, is_secondary: np.ndarray, codes_name: str) -> list[str]:
    """The codes that give one report and coder a category twice: at both levels, or twice at one."""
    problems = []
    on_both = np.zeros(len(codes), dtype=bool)
    on_both[is_secondary] = pd.Series(slot[is_secondary]).isin(slot[is_main]).to_numpy()
    for idx in np.flatnonzero(on_both):
        row = codes.iloc[idx]
        problems.append(
            f"{codes_name}:{_line(codes.index[idx])}: level: {row['category']!r} is both main and secondary "
            f"for report {row['report_id']!r} (coder {coder.iloc[idx]!r})"
        )
    repeated = pd.Series(slot * (len(LEVELS) + 1) + (level + 1)).duplicated(keep="first").to_numpy()
    for idx in np.flatnonzero(repeated):
        row = codes.iloc[idx]
        problems.append(f"{codes_name}:{_line(codes.index[idx])}: category: repeated code {row['category']!r} "
                        f"for report {row['report_id']!r}")
    return problems


def load_corpus(folder: str | os.PathLike[str]) -> Corpus:
    """Load ``folder``/reports.csv and codes.csv, or raise :class:`CorpusError` listing every problem."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError([f"{folder}: not a folder (a corpus is a folder with reports.csv and codes.csv)"])
    paths = {name: folder / name for name in ("reports.csv", "codes.csv")}
    missing = [f"{p}: file missing" for p in paths.values() if not p.is_file()]
    if missing:
        raise CorpusError(missing)
    return _checked(_read_csv(paths["reports.csv"]), _read_csv(paths["codes.csv"]), folder)


def _checked(reports: pd.DataFrame, codes: pd.DataFrame, folder: Path | None) -> Corpus:
    """Check raw frames (index 0..n-1, in file order) and type them, reusing the keys the check built.

    The frames are modified in place: callers pass frames of their own (copy-on-write keeps the
    caller's originals of :func:`corpus_from_frames` untouched).
    """
    found = _inspect(reports, codes)
    if found.problems:
        raise CorpusError(found.problems)
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


def corpus_from_frames(reports: pd.DataFrame, codes: pd.DataFrame) -> Corpus:
    """Validate in-memory frames (all-text columns) the same way as files; used by importers."""
    return _checked(reports.reset_index(drop=True), codes.reset_index(drop=True), None)


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
