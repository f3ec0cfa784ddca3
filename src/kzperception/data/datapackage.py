"""Frictionless data-package descriptors (``datapackage.json``) for a corpus and the published figures.

Why: the CSVs are tidy but a researcher in R, Stata or Python cannot validate them without the
library. A Table Schema per file states each column's type, its allowed values and the key from
``codes.report_id`` to ``reports.id``, so ``frictionless validate DIR/datapackage.json`` checks a
corpus as ``kzperception validate`` does. The allowed values come from a :class:`Vocabulary` value
(a corpus may carry its own partners.yaml/codebook.yaml), never from a hard-coded list, and the fields
follow each CSV's own header, so a descriptor always matches the file it describes.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from kzperception.data.vocabulary import Vocabulary

DESCRIPTOR = "datapackage.json"

#: Columns whose values are counts in the published figures.
_INTEGER_COLUMNS = frozenset({"n"})


def _enums(vocabulary: Vocabulary) -> dict[str, tuple[str, ...]]:
    """The vocabulary columns and their allowed values, shared by every table that has them."""
    return {
        "country": vocabulary.partner_ids,
        "website": vocabulary.website_ids,
        "category": vocabulary.category_ids,
        "mode": vocabulary.modes,
        "level": vocabulary.levels,
    }


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle), [])


def _field(name: str, vocabulary: Vocabulary, *, corpus: bool) -> dict[str, Any]:
    """One column's Table Schema field: its type and, for a vocabulary column, its allowed values."""
    field: dict[str, Any] = {"name": name, "type": "string"}
    enums = _enums(vocabulary)
    if name in enums:
        field["constraints"] = {"enum": list(enums[name])}
    elif name == "date":
        field["type"] = "date"
    elif name in _INTEGER_COLUMNS and not corpus:
        field["type"] = "integer"
        field["constraints"] = {"minimum": 0}
    if corpus and name in ("id", "country", "website", "date", "report_id", "category", "mode", "level"):
        field.setdefault("constraints", {})["required"] = True
    return field


def _resource(path: Path, vocabulary: Vocabulary, *, corpus: bool) -> dict[str, Any]:
    name = path.stem.replace("_", "-")
    schema: dict[str, Any] = {"fields": [_field(c, vocabulary, corpus=corpus) for c in _header(path)]}
    if corpus and path.name == "reports.csv":
        schema["primaryKey"] = ["id"]
    if corpus and path.name == "codes.csv":
        schema["foreignKeys"] = [{"fields": ["report_id"], "reference": {"resource": "reports", "fields": ["id"]}}]
    return {
        "name": name,
        "path": path.name,
        "profile": "tabular-data-resource",
        "format": "csv",
        "encoding": "utf-8",
        "schema": schema,
    }


def folder_descriptor(
    folder: str | os.PathLike[str], vocabulary: Vocabulary, *, name: str, corpus: bool
) -> dict[str, Any]:
    """The data-package descriptor of every CSV in ``folder``, in file-name order.

    ``corpus`` marks a corpus folder (or the register, which is one): its key columns are required,
    ``reports.id`` is the primary key and ``codes.report_id`` a foreign key into it.
    """
    folder = Path(folder)
    resources = [_resource(p, vocabulary, corpus=corpus) for p in sorted(folder.glob("*.csv"))]
    return {"name": name, "profile": "tabular-data-package", "resources": resources}


def descriptor_text(descriptor: dict[str, Any]) -> str:
    """The descriptor as written to disk: stable key order and a final newline, so diffs stay small."""
    return json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"


def write_descriptor(folder: str | os.PathLike[str], vocabulary: Vocabulary, *, name: str, corpus: bool) -> Path:
    """Write ``folder``'s ``datapackage.json`` (see :func:`folder_descriptor`)."""
    target = Path(folder) / DESCRIPTOR
    target.write_text(
        descriptor_text(folder_descriptor(folder, vocabulary, name=name, corpus=corpus)), encoding="utf-8"
    )
    return target


#: The files of a corpus folder whose content its numbers depend on, hashed in a rerun's marker.
HASHED_FILES: tuple[str, ...] = ("reports.csv", "codes.csv", "partners.yaml", "websites.yaml", "codebook.yaml")


def corpus_hashes(folder: str | os.PathLike[str]) -> dict[str, str]:
    """The sha256 of each corpus file the folder holds (reports, codes and its own vocabulary files).

    Why: a rerun is reproducible only if one can tell that the corpus is the one it read; the hashes
    let a rerun's replay refuse a changed corpus instead of silently building other numbers.
    """
    folder = Path(folder)
    return {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
        for name in HASHED_FILES
        if (folder / name).is_file()
    }


def corpus_label(folder: str | os.PathLike[str]) -> str:
    """How pages name a corpus: its folder name and a short hash of its files, ``my-corpus (3fa2c91b0d4e)``.

    Why: an absolute local path says nothing to a reader of a published book and leaks the author's
    home folder; the hash (of :func:`corpus_hashes`, the marker's record) identifies the content.
    """
    hashes = corpus_hashes(folder)
    if not hashes:
        return Path(folder).name
    digest = hashlib.sha256(json.dumps(hashes, sort_keys=True).encode("utf-8")).hexdigest()[:12]
    return f"{Path(folder).name} ({digest})"
