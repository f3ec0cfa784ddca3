"""Load and validate a corpus in the interchange format (DESIGN.md).

A corpus is a folder with ``reports.csv`` and ``codes.csv``. Everything downstream (windows,
counts, charts, chapters) trusts a loaded corpus, so the loader is the one gate: it checks every
rule at once and reports each violation as ``file:row: field: problem`` rather than stopping at
the first, because a researcher fixing a hand-coded sheet wants the whole list in one go.

Per-field rules are a pandera schema; the rules that span rows or files (duplicate ids, a code for
an unknown report, a report with no main code, one category at both levels) are checked with
vectorised pandas so a corpus of a million reports still loads in about a second.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

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


def _schema(allowed: dict[str, Iterable[str]], required: Iterable[str], optional: Iterable[str]) -> pa.DataFrameSchema:
    import pandera.pandas as pa  # imported on first validation: chapters on published data never need it

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
    return _schema({"country": COUNTRIES, "website": WEBSITES}, REPORT_REQUIRED, optional)


@cache
def code_schema() -> pa.DataFrameSchema:
    return _schema({"category": CATEGORIES, "mode": MODES, "level": LEVELS}, CODE_REQUIRED, ("coder",))


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
    """Every column as text, empty cells as missing; pyarrow's reader when present (several times faster)."""
    try:
        import pyarrow as pa_arrow
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow is a dependency; keep a path without it
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    columns = pd.read_csv(path, nrows=0, encoding="utf-8").columns  # header only: raises on bad UTF-8 there
    try:
        table = pacsv.read_csv(
            path,
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


def positions(values: pd.Series, keys: pd.Index) -> np.ndarray:
    """Position of each value in ``keys`` (-1 when absent), hashed in C++ by pyarrow when available."""
    try:
        import pyarrow as pa_arrow
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover
        return keys.get_indexer(values)
    found = pc.index_in(pa_arrow.array(values, type=pa_arrow.string(), from_pandas=True),
                        value_set=pa_arrow.array(keys, type=pa_arrow.string(), from_pandas=True))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def validate_frames(
    reports: pd.DataFrame,
    codes: pd.DataFrame,
    reports_name: str = "reports.csv",
    codes_name: str = "codes.csv",
) -> list[str]:
    """Every rule of DESIGN.md on raw (all-text) frames; returns the problems, empty when valid.

    Row numbers are file lines, assuming the frames' index is 0..n-1 in file order.
    """
    problems: list[str] = []
    missing_r = [c for c in REPORT_REQUIRED if c not in reports.columns]
    missing_c = [c for c in CODE_REQUIRED if c not in codes.columns]
    problems += [f"{reports_name}: {c}: required column missing" for c in missing_r]
    problems += [f"{codes_name}: {c}: required column missing" for c in missing_c]
    if problems:
        return problems

    problems += _schema_problems(reports, report_schema(), reports_name)
    problems += _schema_problems(codes, code_schema(), codes_name)

    ids = reports["id"]
    dup = ids.notna() & ids.duplicated(keep="first")
    if dup.any():
        first_line = {v: _line(i) for i, v in ids[ids.notna() & ~dup].items()}
        for idx, value in ids[dup].items():
            problems.append(f"{reports_name}:{_line(idx)}: id: duplicate id {value!r} "
                            f"(first on line {first_line[value]})")

    raw_dates = reports["date"]
    parsed = pd.to_datetime(raw_dates, format="%Y-%m-%d", errors="coerce")
    bad = raw_dates.notna() & parsed.isna()
    for idx, value in raw_dates[bad].items():
        problems.append(f"{reports_name}:{_line(idx)}: date: {value!r} is not a date (YYYY-MM-DD)")

    # Cross-row rules on integer keys: each code's report as a position in reports.csv (-1: unknown),
    # so a million codes are checked with array operations rather than sets of strings.
    unique_ids = pd.Index(ids[ids.notna() & ~dup])
    position = positions(codes["report_id"], unique_ids)
    unknown = codes["report_id"].notna().to_numpy() & (position < 0)
    for idx, value in codes.loc[unknown, "report_id"].items():
        problems.append(f"{codes_name}:{_line(idx)}: report_id: unknown report id {value!r}")

    noncoop = (codes["mode"] == "non_cooperation") & codes["category"].isin(sorted(COOPERATION_ONLY))
    for idx, value in codes.loc[noncoop, "category"].items():
        problems.append(f"{codes_name}:{_line(idx)}: mode: {value!r} has no non-cooperation variant")

    coder = codes["coder"].fillna(DEFAULT_CODER) if "coder" in codes else pd.Series(DEFAULT_CODER, codes.index)
    parts = [pd.Series(position), coder, codes["category"], codes["mode"]]
    slot = np.zeros(len(codes), dtype=np.int64)
    for part in parts:  # one int64 per (report, coder, category, mode)
        c, uniques = pd.factorize(part.reset_index(drop=True), use_na_sentinel=True)
        slot = slot * (len(uniques) + 1) + (c + 1)
    is_main = (codes["level"] == "main").to_numpy()
    is_secondary = (codes["level"] == "secondary").to_numpy()
    on_both = np.zeros(len(codes), dtype=bool)
    on_both[is_secondary] = pd.Series(slot[is_secondary]).isin(slot[is_main]).to_numpy()
    if on_both.any():
        for idx in np.flatnonzero(on_both):
            row = codes.iloc[idx]
            problems.append(
                f"{codes_name}:{_line(codes.index[idx])}: level: {row['category']!r} is both main and secondary "
                f"for report {row['report_id']!r} (coder {coder.iloc[idx]!r})"
            )

    level_code = np.where(is_main, 1, np.where(is_secondary, 2, 0))
    repeated = pd.Series(slot * 3 + level_code).duplicated(keep="first").to_numpy()
    for idx in np.flatnonzero(repeated):
        row = codes.iloc[idx]
        problems.append(f"{codes_name}:{_line(codes.index[idx])}: category: repeated code {row['category']!r} "
                        f"for report {row['report_id']!r}")

    has_main = np.zeros(len(unique_ids), dtype=bool)
    has_main[position[is_main & (position >= 0)]] = True
    no_main = unique_ids[~has_main]
    if len(no_main):
        line_of = {v: _line(i) for i, v in ids[ids.notna() & ~dup].items()}
        for value in no_main:
            problems.append(f"{reports_name}:{line_of[value]}: id: report {value!r} has no main code")
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
    reports = _read_csv(paths["reports.csv"])
    codes = _read_csv(paths["codes.csv"])
    problems = validate_frames(reports, codes)
    if problems:
        raise CorpusError(problems)
    return _typed(reports, codes, folder)


def _typed(reports: pd.DataFrame, codes: pd.DataFrame, folder: Path | None) -> Corpus:
    reports = reports.copy()
    for col in REPORT_COLUMNS:
        if col not in reports:
            reports[col] = pd.NA
    reports["date"] = pd.to_datetime(reports["date"], format="%Y-%m-%d")
    codes = codes.copy()
    codes["coder"] = codes["coder"].fillna(DEFAULT_CODER) if "coder" in codes else DEFAULT_CODER
    for col, values in (("category", CATEGORIES), ("mode", MODES), ("level", LEVELS)):
        codes[col] = pd.Categorical(codes[col], categories=list(values))
    for col, values in (("country", COUNTRIES), ("website", WEBSITES)):
        reports[col] = pd.Categorical(reports[col], categories=list(values))
    # Each code's row in reports, so counting joins by position instead of matching id strings.
    codes["report_row"] = positions(codes["report_id"], pd.Index(reports["id"]))
    return Corpus(reports=reports, codes=codes, path=folder)


def corpus_from_frames(reports: pd.DataFrame, codes: pd.DataFrame) -> Corpus:
    """Validate in-memory frames (all-text columns) the same way as files; used by importers."""
    problems = validate_frames(reports.reset_index(drop=True), codes.reset_index(drop=True))
    if problems:
        raise CorpusError(problems)
    return _typed(reports.reset_index(drop=True), codes.reset_index(drop=True), None)


def write_csv_atomic(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a CSV next to its destination and rename it into place, so no reader sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            df.to_csv(handle, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_corpus(reports: pd.DataFrame, codes: pd.DataFrame, folder: str | os.PathLike[str]) -> Path:
    """Validate, then write both files atomically; nothing is written when validation fails."""
    corpus = corpus_from_frames(reports.astype("string").astype(object), codes.astype("string").astype(object))
    folder = Path(folder)
    out_reports = corpus.reports.copy()
    out_reports["date"] = out_reports["date"].dt.strftime("%Y-%m-%d")
    write_csv_atomic(out_reports, folder / "reports.csv")
    write_csv_atomic(corpus.codes, folder / "codes.csv")
    return folder
