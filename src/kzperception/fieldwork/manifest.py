"""The coding-sheet export manifest: what ``code export`` wrote, so ``code import`` can check it.

``coding-manifest.json`` beside the sheets lists every exported report id, the row and CSV line it
was written to, and a hash of each report field the corpus takes from a sheet. Hashes, not copies,
keep the manifest small; they are enough to tell which field a coder changed, and to recognise a
value a spreadsheet only reformatted. A manifest is validated as strictly as a corpus: a damaged or
foreign file is refused with one line, never half-trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Final, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from kzperception.atomic import atomic_target
from kzperception.data.corpus import REPORT_COLUMNS, CorpusError

MANIFEST = "coding-manifest.json"
MANIFEST_FORMAT: Final = "kzperception-coding-manifest"
#: Report fields the corpus takes from a sheet: the manifest holds a hash of each, every coder's
#: copy must still hold the exported value.
SHARED_FIELDS: tuple[str, ...] = ("country", "website", "entity", "date", "url", "title_ru", "excerpt_ru", "provenance")


class ManifestReport(BaseModel):
    """One exported report: where it was written and a hash of each field the corpus takes."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: str
    xlsx_row: int
    csv_line: int
    fields: dict[str, str]


class ManifestCode(BaseModel):
    """One code column of the exported sheets: its name and the code a value in it stands for."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str
    category: str
    mode: Literal["cooperation", "non_cooperation"]


class Manifest(BaseModel):
    """What ``code export`` wrote: the coders, the fields checked, and every report in sheet order."""

    model_config = ConfigDict(extra="forbid", strict=True)

    format: Literal["kzperception-coding-manifest"]
    version: Literal[1]
    hash: Literal["sha256-64"]
    coders: list[str]
    fields: list[str]
    reports: list[ManifestReport]
    #: The screening note of each report that has one (report id -> note): it reaches reports.csv on
    #: import without passing through a coder's hands (the sheet shows it read-only).
    screening_notes: dict[str, str] = {}
    #: The code columns the sheets were written with (they follow the export's codebook, which may
    #: add a category); None in a manifest written before they were recorded, whose sheets have the
    #: project codebook's columns. Import and the consensus sheet read exactly these.
    code_columns: list[ManifestCode] | None = None

    def same_reports(self, other: Manifest) -> bool:
        return self.fields == other.fields and self.reports == other.reports


def field_hash(value: str) -> str:
    """The first 64 bits of the SHA-256 of a value's UTF-8: enough to notice any edit."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def manifest_for(sheet: pd.DataFrame, coders: Sequence[str], lines: Sequence[int]) -> Manifest:
    """The manifest of one exported sheet (all text, as written): each row's XLSX row, its CSV line
    (``lines``, as the CSV writer placed it) and the hashes of :data:`SHARED_FIELDS`."""
    reports = [
        ManifestReport(
            id=rec["id"], xlsx_row=i + 2, csv_line=lines[i], fields={f: field_hash(rec[f]) for f in SHARED_FIELDS}
        )
        for i, rec in enumerate(sheet.to_dict("records"))
    ]
    return Manifest(
        format=MANIFEST_FORMAT,
        version=1,
        hash="sha256-64",
        coders=list(coders),
        fields=list(SHARED_FIELDS),
        reports=reports,
    )


def read_manifest(path: str | os.PathLike[str]) -> Manifest:
    """The manifest at ``path``, checked; :class:`CorpusError` with one line if it is not one."""
    path = Path(path)
    if path.exists() and not path.is_file():
        raise CorpusError([f"{path}: not a file (--manifest names the {MANIFEST} `code export` wrote)"])
    if not path.is_file():
        raise CorpusError(
            [
                f"{path}: file missing (`code export` writes {MANIFEST} beside the sheets; it "
                "records which reports each sheet holds: import the sheets from the folder they "
                "were exported to, or pass --manifest; for sheets exported without one, `code export "
                "--manifest-only` with the same inputs writes it)"
            ]
        )
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
    names = [c.name for c in manifest.code_columns or []]
    if len(set(names)) != len(names):
        raise CorpusError([f"{path}: code_columns: {next(n for n in names if names.count(n) > 1)!r} listed twice"])
    return manifest


def write_manifest(manifest: Manifest, path: Path) -> None:
    """Write the manifest whole (renamed into place), so an interrupted export leaves the old one."""
    with atomic_target(path) as tmp, open(tmp, "x", encoding="utf-8") as handle:
        handle.write(json.dumps(manifest.model_dump(), ensure_ascii=False, indent=1))
        handle.write("\n")
