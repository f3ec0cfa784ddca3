"""Coding sheets: one spreadsheet per coder out, a validated corpus back in.

The thesis was coded by one person; a rerun may have two or more coders, each working alone in
their own sheet (XLSX for Excel or LibreOffice, CSV for anything else). A sheet has one row per
report and one column per code of the codebook in use: each category in cooperation mode, then
each that also exists as non-cooperation (``economic_non_cooperation``...); for the project's
codebook, seven and six. A coder writes ``main`` or ``secondary`` in a cell, or leaves it empty.
The columns are a function of the codebook (:func:`code_columns`), never a fixed list, so a
category a researcher adds in a ``--codebook`` file gets its column; the manifest records the
columns written, so import and the consensus sheet read exactly those.

``suggested_by_keywords`` shows which categories the codebook's Russian keyword lists find in the
text, as a reading aid. It is never read back: only what a coder typed becomes a code.

The categories, definitions and keyword lists come from the codebook, read and validated by
:func:`kzperception.data.codebook.load_codebook` (the one loader the book uses too), so a sheet's
``codebook`` tab shows the definitions a reader of the book sees.

What went out is recorded. ``code export`` writes ``coding-manifest.json`` beside the sheets
(:mod:`~kzperception.fieldwork.manifest`); ``code import`` checks every sheet against it, so an id
a coder mistyped, a row a coder added or deleted, or an edited report field is reported at its
sheet and row, rather than silently becoming a new report, a lost one or a changed one; a value a
spreadsheet only reformatted (a date saved by Excel as ``01.04.2023``) is recognised.

Cells are formula-safe both ways (:mod:`~kzperception.fieldwork.sheet_cells`, shared with the
screening sheet). Reading the sheets back validates them exactly as the corpus loader does, but
reports each problem at the sheet, row and column where the coder can fix it. Nothing is written
unless every sheet is valid.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd

from kzperception.data.codebook import Codebook, CodebookError, Mode, default_codebook, load_codebook
from kzperception.data.corpus import (
    REPORT_COLUMNS,
    Corpus,
    CorpusError,
    corpus_from_frames,
    load_corpus,
    write_corpus,
)
from kzperception.data.vocabulary import Vocabulary
from kzperception.fieldwork.keywords import KeywordSet, Lemmatizer, default_lemmatizer
from kzperception.fieldwork.manifest import (
    MANIFEST,
    SHARED_FIELDS,
    Manifest,
    ManifestCode,
    field_hash,
    manifest_for,
    read_manifest,
    write_manifest,
)
from kzperception.fieldwork.sheet_cells import (
    XLSX_CELL_LIMIT,
    RawTable,
    cell_text,
    csv_text,
    read_raw,
    write_csv_sheet,
    write_xlsx_atomic,
    xlsx_fits,
)

SUGGESTED = "suggested_by_keywords"
LEVEL_WORDS = {"main": "main", "m": "main", "secondary": "secondary", "s": "secondary", "sec": "secondary"}


@dataclass(frozen=True)
class CodeColumn:
    """A sheet column and the code (category, mode) a value in it stands for."""

    name: str
    category: str
    mode: Mode


class _CategoryLike(Protocol):
    """A codebook's category or a vocabulary's: all the columns need is its id and its modes."""

    @property
    def id(self) -> str: ...

    @property
    def cooperation_only(self) -> bool: ...


class _HasCategories(Protocol):
    @property
    def categories(self) -> Sequence[_CategoryLike]: ...


def code_columns(codebook: Codebook | Vocabulary | _HasCategories) -> tuple[CodeColumn, ...]:
    """The code columns of a sheet for ``codebook`` (or a vocabulary): every category in
    cooperation mode, then the non-cooperation variant of each that has one, in codebook order.

    A function of the codebook rather than a constant, so that an export with a researcher's
    ``--codebook`` (an added inductive category) has a column for each of its codes.
    """
    cats = list(codebook.categories)
    return tuple(
        [CodeColumn(c.id, c.id, "cooperation") for c in cats]
        + [CodeColumn(f"{c.id}_non_cooperation", c.id, "non_cooperation") for c in cats if not c.cooperation_only]
    )


def manifest_columns(manifest: Manifest) -> tuple[CodeColumn, ...] | None:
    """The code columns ``code export`` recorded in the manifest; None for a manifest written before
    they were recorded (its sheets have the project codebook's columns)."""
    if manifest.code_columns is None:
        return None
    return tuple(CodeColumn(c.name, c.category, c.mode) for c in manifest.code_columns)


def sheet_columns(codes: Sequence[CodeColumn]) -> tuple[str, ...]:
    """Every column of a coding sheet whose code columns are ``codes``, in sheet order."""
    return REPORT_SHEET_COLUMNS + tuple(c.name for c in codes) + TRAILING_COLUMNS


REPORT_SHEET_COLUMNS: tuple[str, ...] = (
    "id",
    "country",
    "date",
    "title_ru",
    "excerpt_ru",
)
TRAILING_COLUMNS: tuple[str, ...] = (
    "note",
    "screening_note",
    SUGGESTED,
    "text_ru",
    "website",
    "entity",
    "url",
    "provenance",
    "coder",
)
#: The code columns and all columns of a sheet of the project's codebook (``data/codebook.yaml``);
#: a sheet of another codebook has :func:`code_columns` of it.
CODE_SHEET_COLUMNS: tuple[CodeColumn, ...] = code_columns(default_codebook())
SHEET_COLUMNS: tuple[str, ...] = sheet_columns(CODE_SHEET_COLUMNS)
CODER_RULE = "must be letters, digits, '_', '-' or '.', starting with a letter or digit (it names a file)"
_CODER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


# --------------------------------------------------------------------------------------------
# Codebook keyword suggestions


def sheet_codebook(path: str | os.PathLike[str] | None = None) -> Codebook:
    """The codebook a coding sheet is built from: ``path``, or the project's ``data/codebook.yaml``.

    Read by the book's own loader, so a sheet never shows a category the book would refuse; its
    problems are raised as :class:`CorpusError` lines, printed like every other export problem.
    """
    try:
        return default_codebook() if path is None else load_codebook(path)
    except CodebookError as err:
        raise CorpusError(err.problems) from None


def category_keywords(codebook: Codebook, lemmatizer: Lemmatizer | None = None) -> dict[str, KeywordSet]:
    """Each category's ``keywords_ru`` as a lemma matcher (categories without keywords are left out)."""
    lem = lemmatizer or default_lemmatizer()
    out = {}
    for cat in codebook.categories:
        words = [w for w in cat.keywords_ru if w.strip()]
        if words:
            out[cat.id] = KeywordSet.from_words(cat.id, words, lemmatizer=lem)
    return out


def suggest_codes(text: str, keyword_sets: Mapping[str, KeywordSet], top: int = 3) -> str:
    """``economic (5); political_diplomatic (2)``: categories whose keywords the text uses most.

    Ties go to the category earlier in ``keyword_sets`` (codebook order, as
    :func:`category_keywords` builds it), so a category the codebook adds ranks by the same rule.
    """
    if not keyword_sets:
        return ""
    tokens = default_lemmatizer().tokens(text)
    counts = {cat: ks.count(tokens) for cat, ks in keyword_sets.items()}
    order = {cat: i for i, cat in enumerate(keyword_sets)}
    ranked = sorted((n, -order[c], c) for c, n in counts.items() if n)
    return "; ".join(f"{c} ({n})" for n, _, c in reversed(ranked[-top:]))


# --------------------------------------------------------------------------------------------
# Export


def coder_problem(name: str) -> str | None:
    """Why ``name`` cannot be a coder's name, or None: the same rule on export and on import."""
    return None if _CODER_RE.fullmatch(name) else CODER_RULE


def check_coders(coders: Sequence[str]) -> list[str]:
    """The coders' names as given with ``--coder``, trimmed; a CorpusError for none, a bad name or a repeat."""
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


def coding_sheet(
    reports: pd.DataFrame,
    coder: str,
    keyword_sets: Mapping[str, KeywordSet] | None = None,
    codes: Sequence[CodeColumn] = CODE_SHEET_COLUMNS,
) -> pd.DataFrame:
    """The sheet one coder fills in: report columns, empty code columns (``codes``, by default the
    project codebook's), suggestions, the text.

    Every cell is text, exactly as written to the CSV and the XLSX (and hashed in the manifest).
    """
    df = reports.rename(columns={"note": "note_screening"})
    for col in ("id", "country", "website", "date", "entity", "url", "title_ru", "excerpt_ru", "text_ru", "provenance"):
        df[col] = df[col].map(cell_text) if col in df else ""
    df["provenance"] = df["provenance"].replace("", "collected")
    for code_col in codes:
        df[code_col.name] = ""
    df["note"] = ""
    df["screening_note"] = df["note_screening"].map(cell_text) if "note_screening" in df else ""
    df[SUGGESTED] = [
        suggest_codes(f"{t}\n\n{x}", keyword_sets or {}) for t, x in zip(df["title_ru"], df["text_ru"], strict=True)
    ]
    df["coder"] = coder
    return df[list(sheet_columns(codes))].reset_index(drop=True)


def _codebook_sheet(codebook: Codebook) -> pd.DataFrame:
    """The ``codebook`` tab of an XLSX sheet: each category's definition, inclusions and keywords."""
    rows = [
        {
            "id": cat.id,
            "label": cat.label,
            "modes": ", ".join(cat.modes),
            "definition": cat.definition,
            "includes": "; ".join(cat.includes),
            "keywords_ru": ", ".join(cat.keywords_ru),
        }
        for cat in codebook.categories
    ]
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
                    problems.append(
                        f"reports: row {i + 1}: {col}: {len(value):,} characters do not fit an XLSX "
                        f"cell ({XLSX_CELL_LIMIT:,}); export with --format csv"
                    )
    if problems:
        raise CorpusError(problems)


def export_coding_sheets(
    reports: pd.DataFrame,
    coders: Sequence[str],
    folder: str | os.PathLike[str],
    codebook_path: str | os.PathLike[str] | None = None,
    formats: Sequence[str] = ("xlsx", "csv"),
    force: bool = False,
    manifest_only: bool = False,
) -> list[Path]:
    """Write ``coding-<coder>.xlsx`` / ``.csv`` for each coder and the manifest; never over a sheet.

    A folder already holding sheets of the same reports gets the new coders added to its manifest,
    so a third coder can be given a sheet later; sheets of other reports need another folder (or
    ``force``, after which the old sheets can no longer be imported). Returns the files written.

    ``manifest_only`` writes the manifest alone, beside sheets exported before manifests existed
    (or whose manifest was lost): the export is deterministic, so the same screening, collected
    file and coders give the manifest those sheets were written with, and ``code import`` can check
    them again. The sheets themselves are never touched.
    """
    names = check_coders(coders)
    folder = Path(folder)
    bad = [f for f in formats if f not in ("xlsx", "csv")]
    if bad or not formats:
        raise CorpusError([f"--format: {bad[0] if bad else ''!r} is not one of xlsx|csv|both"])
    targets = [] if manifest_only else [folder / f"coding-{n}.{f}" for n in names for f in formats]
    existing = [p for p in targets if p.exists()]
    if manifest_only and (folder / MANIFEST).exists() and not force:
        raise CorpusError(
            [
                f"{folder / MANIFEST}: already exists; --manifest-only writes a manifest only where "
                "none is (use --force to replace it)"
            ]
        )
    if existing and not force:
        raise CorpusError([f"{existing[0]}: already exists (it may hold codes); use --force or another --out"])
    if reports.empty:
        raise CorpusError(["no included reports to code (mark some `include` in the screening sheet)"])
    codebook = sheet_codebook(codebook_path)
    columns = code_columns(codebook)
    sheet = coding_sheet(reports, names[0], category_keywords(codebook), columns)
    _check_export(sheet, formats)
    manifest = manifest_for(sheet, names, csv_text(sheet)[1])
    manifest.code_columns = [ManifestCode(name=c.name, category=c.category, mode=c.mode) for c in columns]
    manifest.screening_notes = {i: n for i, n in zip(sheet["id"], sheet["screening_note"], strict=True) if n.strip()}
    manifest_path = folder / MANIFEST
    if manifest_path.exists():
        try:
            old = read_manifest(manifest_path)
        except CorpusError:
            old = None
        same_columns = old is not None and (manifest_columns(old) or CODE_SHEET_COLUMNS) == columns
        if old is not None and old.same_reports(manifest) and same_columns:
            manifest.coders = list(dict.fromkeys([*old.coders, *names]))
        elif not force:
            why = (
                "is not a coding manifest"
                if old is None
                else "records sheets of other reports"
                if not old.same_reports(manifest)
                else "records sheets with other code columns (another --codebook)"
            )
            raise CorpusError(
                [
                    f"{manifest_path}: {why}; export to another --out, or use --force (sheets "
                    "already in that folder can then no longer be imported)"
                ]
            )
    write_manifest(manifest, manifest_path)
    if manifest_only:
        return [manifest_path]
    for name in names:
        coded = sheet.assign(coder=name)
        if "csv" in formats:
            write_csv_sheet(coded, folder / f"coding-{name}.csv")
        if "xlsx" in formats:
            write_xlsx_atomic(
                {
                    "coding": coded,
                    "codebook": _codebook_sheet(codebook),
                    "instructions": pd.DataFrame({"instructions": list(INSTRUCTIONS)}),
                },
                folder / f"coding-{name}.xlsx",
                choices={c.name: ("main", "secondary") for c in columns},
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
    rows: dict[str, int]  # report id -> row in this sheet
    codes: list[tuple[dict[str, str | None], _Origin]]
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
        problems.append(
            f"{path.name}: coder: {name!r} (from {source}) was not given a sheet by `code export` "
            f"(the manifest lists {', '.join(manifest.coders)})"
        )
        return None
    return name


def _missing_columns(path: Path, table: RawTable, manifest: Manifest, codes: Sequence[CodeColumn]) -> list[str]:
    required = ["id", *manifest.fields, *(c.name for c in codes)]
    missing = [c for c in required if c not in table.header]
    if not missing:
        return []
    shown = ", ".join(repr(c) for c in missing[:4]) + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
    return [
        f"{path.name}:1: header: required column{'s' if len(missing) > 1 else ''} {shown} missing"
        + (" (is this a coding sheet?)" if len(missing) > 4 else "")
    ]


def _read_sheet(
    path: Path, manifest: Manifest, problems: list[str], codes: Sequence[CodeColumn] = CODE_SHEET_COLUMNS
) -> _Sheet | None:
    """Check one sheet row by row against the manifest; problems name the sheet, row and column.

    ``codes`` are the sheet's code columns (those the manifest records, or the codebook's).
    """
    try:
        table = read_raw(path, sheet="coding")
    except CorpusError as err:
        problems.extend(err.problems)
        return None
    missing = _missing_columns(path, table, manifest, codes)
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
        rid = next(
            (r for r in (*table.readings(values[col["id"]]), table.cook(values[col["id"]]).strip()) if r in exported),
            None,
        )
        if rid is None:
            shown = table.cook(values[col["id"]])
            if not shown.strip():
                problems.append(
                    f"{where}:{row}: id: empty; every row must keep the id it was exported with "
                    "(a row added to the sheet?)"
                )
            else:
                problems.append(
                    f"{where}:{row}: id: {shown!r} was not exported to this sheet (not in {MANIFEST}): "
                    "a mistyped id, or a row added; restore the exported id or delete the row"
                )
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
                problems.append(
                    f"{where}:{row}: {field}: {table.cook(values[col[field]])!r} is not the value exported "
                    f"for {rid!r} (report columns are read-only: undo the change)"
                )
            else:
                kept[field] = value
        sheet.values[rid] = kept
        memo = table.cook(values[col["note"]]) if "note" in col else ""
        levels = []
        for code in codes:
            raw = table.cook(values[col[code.name]]).strip()
            if not raw:
                continue
            level = LEVEL_WORDS.get(raw.lower())
            if level is None:
                problems.append(f"{where}:{row}: {code.name}: {raw!r} is not main|secondary (or empty)")
                continue
            levels.append(level)
            sheet.codes.append(
                (
                    {
                        "report_id": rid,
                        "category": code.category,
                        "mode": code.mode,
                        "level": level,
                        "coder": coder,
                        "note": memo if memo.strip() else None,
                    },
                    _Origin(where, row, code.name),
                )
            )
        if "main" not in levels:
            problems.append(f"{where}:{row}: codes: report {rid!r} has no main code")
    for entry in manifest.reports:
        if entry.id not in sheet.rows:
            at = entry.csv_line if table.kind == "csv" else entry.xlsx_row
            problems.append(
                f"{where}:{at}: id: report {entry.id!r}, exported at this {table.unit}, is missing "
                "(a deleted row?); every exported report must come back coded"
            )
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


def import_columns(spec: Manifest, where: Path, codebook: Codebook, codebook_name: str) -> tuple[CodeColumn, ...]:
    """The code columns to read: the ones the manifest records (the codebook's for an older manifest),
    each checked to be a code of ``codebook``, the codebook the corpus is written with.

    A column of a category the codebook lacks (the sheets were exported with another ``--codebook``)
    is refused in one line naming the manifest and the column, rather than its codes being lost or
    refused row by row.
    """
    own = code_columns(codebook)
    columns = manifest_columns(spec) or own
    known = {(c.category, c.mode) for c in own}
    foreign = [c for c in columns if (c.category, c.mode) not in known]
    if foreign:
        raise CorpusError(
            [
                f"{where}: code_columns: {foreign[0].name!r} is not a code of {codebook_name} (the sheets "
                "were exported with another codebook: import with the same --codebook)"
            ]
        )
    return columns


def import_coding_sheets(
    sheet_paths: Sequence[str | os.PathLike[str]],
    manifest: str | os.PathLike[str] | None = None,
    codebook: Codebook | None = None,
    codebook_name: str = "data/codebook.yaml",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every coder's sheet as interchange frames (reports, codes), validated as the loader does.

    Each sheet is checked against the export manifest (by default ``coding-manifest.json`` beside
    the first sheet): every exported report must come back once, with its report fields as
    exported; nothing else may. Raises CorpusError listing every problem at the sheet, row and
    column a coder can fix.

    The code columns read are the manifest's (:func:`import_columns`); the codes are validated
    against ``codebook`` (default: the project's; ``codebook_name`` is how problems name it), so a
    category the export's ``--codebook`` added is a category here too.
    """
    if not sheet_paths:
        raise CorpusError(["no coding sheets given"])
    paths_ = [Path(p) for p in sheet_paths]
    manifest_path = _manifest_path(paths_, manifest)
    spec = read_manifest(manifest_path)
    book = codebook or default_codebook()
    columns = import_columns(spec, manifest_path, book, codebook_name)
    vocabulary = Vocabulary.default().with_codebook(book)
    problems: list[str] = []
    sheets: list[_Sheet] = []
    coders: dict[str, str] = {}
    for path in paths_:
        sheet = _read_sheet(path, spec, problems, columns)
        if sheet is None:
            continue
        if sheet.coder in coders:
            problems.append(
                f"{path.name}: coder: {sheet.coder!r} already coded {coders[sheet.coder]}; one sheet per coder"
            )
            continue
        coders[sheet.coder] = path.name
        sheets.append(sheet)
    for sheet in sheets:
        for index, rid, field in sheet.edits:  # point at a sheet that still holds the exported value
            intact = next((s for s in sheets if field in s.values.get(rid, {})), None)
            if intact is not None:
                problems[index] = (
                    f"{problems[index][:-1]}; {intact.table.name}:{intact.rows[rid]} holds the "
                    f"exported {intact.values[rid][field]!r})"
                )
    if problems:
        raise CorpusError(problems)
    rows, report_origins = [], []
    for entry in spec.reports:
        first = sheets[0]
        row: dict[str, str | None] = dict.fromkeys(REPORT_COLUMNS)
        row["id"] = entry.id
        row.update({f: (v if v != "" else None) for f, v in first.values[entry.id].items()})
        row["provenance"] = row["provenance"] or "collected"
        row["note"] = spec.screening_notes.get(entry.id) or None
        rows.append(row)
        report_origins.append(_Origin(first.table.name, first.rows[entry.id]))
    reports = pd.DataFrame(rows, columns=list(REPORT_COLUMNS), dtype=object)
    code_rows = [c for s in sheets for c, _ in s.codes]
    code_origins = [o for s in sheets for _, o in s.codes]
    codes = pd.DataFrame(code_rows, columns=["report_id", "category", "mode", "level", "coder", "note"], dtype=object)
    try:
        corpus_from_frames(reports, codes, vocabulary)
    except CorpusError as err:
        raise CorpusError(_relocate(err.problems, report_origins, code_origins)) from None
    return reports, codes


def imported_vocabulary(
    codebook_path: str | os.PathLike[str] | None,
) -> tuple[Codebook, Vocabulary, dict[str, bytes]]:
    """The codebook an import maps codes to, the vocabulary the corpus is written with, and the files
    it carries: with ``--codebook FILE``, that codebook, and ``FILE`` as the corpus's ``codebook.yaml``;
    without, the project's and none.

    Why the copy: a corpus coded with a researcher's codebook (an added category) is valid only
    against it, so it must carry it for ``validate``, ``counts`` and ``rerun`` to read it so.
    """
    from kzperception.data.vocabulary import CORPUS_CODEBOOK

    book = sheet_codebook(codebook_path)
    if codebook_path is None:
        return book, Vocabulary.default(), {}
    try:
        data = Path(codebook_path).read_bytes()
    except OSError as err:
        raise CorpusError([f"{codebook_path}: cannot be read ({err.strerror or err})"]) from None
    return book, Vocabulary.default().with_codebook(book, codebook_path), {CORPUS_CODEBOOK: data}


def write_imported(
    sheet_paths: Sequence[str | os.PathLike[str]],
    folder: str | os.PathLike[str],
    *,
    force: bool = False,
    manifest: str | os.PathLike[str] | None = None,
    codebook: str | os.PathLike[str] | None = None,
) -> Corpus:
    """Validate the sheets, then write the corpus to ``folder`` whole (nothing is written on failure).

    An existing corpus in ``folder`` is replaced only with ``force``. With ``codebook`` (the
    ``--codebook`` the sheets were exported with) the codes are checked against it and the corpus
    carries it as its ``codebook.yaml``, its ``datapackage.json`` allowing its categories.
    """
    book, vocabulary, files = imported_vocabulary(codebook)
    name = str(codebook) if codebook is not None else "data/codebook.yaml"
    reports, codes = import_coding_sheets(sheet_paths, manifest, book, name)
    write_corpus(reports, codes, folder, force=force, vocabulary=vocabulary, vocabulary_files=files)
    return load_corpus(folder)
