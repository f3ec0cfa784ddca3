"""What a chapter's kernel actually used: the library modules it imported and the files it read.

A chapter's cache key used to hash all of ``src/`` and ``data/``, so editing the collector
re-executed all twenty chapters. Instead, the executor adds two hidden cells to every chapter it
runs: the first installs a Python audit hook (:pep:`578`) that notes every file opened for reading,
the last prints that list and the files of every ``kzperception`` module in ``sys.modules``. The
executor removes both cells, keeps the list with a hash of each file in the executed notebook's
metadata, and reuses the notebook on the next build only while every one of those files hashes the
same. A module or data file the chapter never touched cannot invalidate it.

What the hook cannot see is read by C code that opens files itself (pyarrow given a path); the
corpus loader opens its files from Python first, and the corpus files are part of the base key as
well (:func:`kzperception.book.execute.execution_key`), so a changed corpus always re-executes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kzperception import paths

#: Tag of the two cells the executor adds and removes again.
TAG = "kzp-deps"
#: Marks the line the closing cell prints, so other output of the kernel cannot be mistaken for it.
MARK = "KZP-DEPS:"

OPEN_CELL = f"""\
import sys as _kzp_sys
_kzp_read = set()
def _kzp_audit(event, args):
    if event == "open" and args and isinstance(args[0], (str, bytes)) and not any(
            m in str(args[1] or "r") for m in "wax+"):
        _kzp_read.add(args[0] if isinstance(args[0], str) else args[0].decode(errors="replace"))
_kzp_sys.addaudithook(_kzp_audit)
# {TAG}: added by the executor, removed from the stored chapter
"""

CLOSE_CELL = f"""\
import json as _kzp_json, os as _kzp_os
print({MARK!r} + _kzp_json.dumps({{
    "cwd": _kzp_os.getcwd(),
    "read": sorted(_kzp_read | set(_kzp_json.loads(_kzp_os.environ.get("KZP_PRELOADED_READS") or "[]"))),
    "modules": sorted({{getattr(m, "__file__", None) or "" for n, m in list(_kzp_sys.modules.items())
                       if n == "kzperception" or n.startswith("kzperception.")}} - {{""}}),
}}))
"""


def add_tracking(nb) -> None:
    """Put the audit-hook cell first and the report cell last (nbformat notebook, in place)."""
    import nbformat

    first = nbformat.v4.new_code_cell(OPEN_CELL, metadata={"tags": [TAG, "remove-cell"]})
    last = nbformat.v4.new_code_cell(CLOSE_CELL, metadata={"tags": [TAG, "remove-cell"]})
    nb.cells = [first, *nb.cells, last]


def take_tracking(nb) -> list[str]:
    """Remove the two cells from an executed notebook and return the files it depended on.

    Returned paths are relative to the repository root (files outside it, e.g. the installed
    packages or a corpus elsewhere, are covered by the pinned environment and the base key).
    """
    report: dict[str, Any] = {}
    kept = []
    for cell in nb.cells:
        if TAG in cell.get("metadata", {}).get("tags", []):
            for out in cell.get("outputs", []):
                text = out.get("text", "")
                for line in (text if isinstance(text, str) else "".join(text)).splitlines():
                    if line.startswith(MARK):
                        report = json.loads(line[len(MARK) :])
            continue
        kept.append(cell)
    nb.cells = kept
    if not report:
        raise ValueError("the chapter did not report what it read (its last cell did not run)")
    cwd = Path(str(report.get("cwd", ".")))
    files = {*(str(x) for x in report.get("read", [])), *(str(x) for x in report.get("modules", []))}
    return relevant(cwd / f for f in files)


def relevant(files: Iterable[Path]) -> list[str]:
    """The files under the repository that a chapter's cache must watch, as sorted relative paths."""
    root = paths.ROOT.resolve()
    skip = [root / ".venv", paths.BOOK.resolve() / "_build", paths.CHAPTERS.resolve()]
    out: set[str] = set()
    for f in files:
        p = Path(os.path.abspath(f))
        if p.suffix == ".pyc" or not p.is_file():
            continue
        if p.is_relative_to(root) and not any(p.is_relative_to(s) for s in skip):
            out.add(p.relative_to(root).as_posix())
    return sorted(out)


def digest(rel: str) -> str | None:
    """SHA-256 of a file under the root, None when it is gone."""
    try:
        return hashlib.sha256((paths.ROOT / rel).read_bytes()).hexdigest()
    except OSError:
        return None


def hashes(files: Iterable[str]) -> dict[str, str | None]:
    return {f: digest(f) for f in files}


def unchanged(recorded: Mapping[str, str | None] | None) -> bool:
    """True while every file a chapter read still hashes as when it ran (False without a record)."""
    if not recorded:
        return False
    return all(digest(f) == h for f, h in recorded.items())
