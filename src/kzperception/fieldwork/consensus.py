"""The consensus sheet: what the coders agreed on, filled in; what they did not, flagged to settle.

After two or more coders have coded the same reports and their sheets are imported, the
disagreements are settled in the open: ``code export --consensus`` writes ``coding-consensus``
beside the coders' sheets, with every code all coders gave alike already in its cell and every
cell where they differ left empty and named in the row's ``note`` ("to settle: Economic: anna
main, boris none"). The researchers fill those cells together; ``code import`` then reads the
sheet like any other and gives its codes the coder ``consensus``, which ``counts --coder
consensus`` and ``rerun --coder consensus`` count.

The report columns are copied from a coder's sheet cell for cell (read and written by the same
cell rules), so the manifest that ``code export`` wrote still recognises every row; the manifest
gains the coder ``consensus``. The code columns are the ones the manifest records (those of the
codebook the sheets were exported with, an added category included), so the consensus sheet
has the coders' columns and imports like theirs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from kzperception.data.corpus import Corpus, CorpusError
from kzperception.fieldwork.manifest import MANIFEST, read_manifest, write_manifest
from kzperception.fieldwork.sheet_cells import read_raw, write_csv_sheet, write_xlsx_atomic
from kzperception.fieldwork.sheets import CodeColumn, code_columns, manifest_columns, sheet_columns

#: The coder a consensus sheet's codes are imported under.
CONSENSUS = "consensus"
#: How a row's note opens when some of its cells are left to settle.
TO_SETTLE = "to settle: "


def _coder_sheet(folder: Path, coders: list[str]) -> Path:
    """A coder's sheet in ``folder`` to copy the report columns from (CSV first: its cells are plain text)."""
    for coder in coders:
        for ext in ("csv", "xlsx"):
            path = folder / f"coding-{coder}.{ext}"
            if path.is_file():
                return path
    raise CorpusError(
        [f"{folder}: no coding sheet of {', '.join(coders)} to copy the reports from (the folder `code export` wrote)"]
    )


def consensus_frame(
    sheet: pd.DataFrame,
    corpus: Corpus,
    labels: dict[str, str] | None = None,
    columns: tuple[CodeColumn, ...] | None = None,
) -> tuple[pd.DataFrame, int]:
    """``sheet`` (a coder's sheet, cooked) with the code columns set from ``corpus``'s coders, and
    the number of cells left to settle.

    A cell is filled when every coder gave it the same level (or all left it empty); otherwise it
    is left empty and the note names the category and each coder's level. ``columns`` are the
    sheet's code columns (default: those of the corpus's own codebook). A code of the corpus that
    no column can hold is refused, never dropped from the consensus unseen.
    """
    codes = corpus.codes
    coders = sorted(c for c in corpus.coders if c != CONSENSUS)
    if len(coders) < 2:
        raise CorpusError(
            [
                f"{corpus.path}: codes.csv: coder: a consensus needs two coders or more, found "
                f"{', '.join(coders) or 'none'}"
            ]
        )
    given: dict[tuple[str, str, str, str], str] = {}
    for row in codes.itertuples(index=False):
        given[(str(row.report_id), str(row.category), str(row.mode), str(row.coder))] = str(row.level)
    columns = columns if columns is not None else code_columns(corpus.vocabulary)
    held = {(c.category, c.mode) for c in columns}
    orphan = next(
        (
            (str(c), str(m))
            for c, m in zip(codes["category"], codes["mode"], strict=True)
            if (str(c), str(m)) not in held
        ),
        None,
    )
    if orphan is not None:
        raise CorpusError(
            [
                f"{corpus.path}: codes.csv: category: {orphan[0]!r} ({orphan[1]}) has no column in the coders' "
                "sheets (they were exported with another codebook); export the sheets with the corpus's codebook"
            ]
        )
    known = set(codes["report_id"].astype(str))
    out = sheet.copy()
    labels = labels or {}
    open_cells = 0
    for i, rid in out["id"].items():
        if rid not in known:
            raise CorpusError(
                [
                    f"{corpus.path}: codes.csv: report_id: {rid!r} of the sheet has no code in the "
                    "corpus (import every coder's sheet first)"
                ]
            )
        unsettled = []
        for col in columns:
            levels = {c: given.get((rid, col.category, col.mode, c), "") for c in coders}
            if len(set(levels.values())) == 1:
                out.at[i, col.name] = next(iter(levels.values()))
            else:
                out.at[i, col.name] = ""
                name = labels.get(col.category, col.category)
                if col.mode == "non_cooperation":
                    name += " (non-cooperation)"
                unsettled.append(f"{name}: " + ", ".join(f"{c} {lv or 'none'}" for c, lv in levels.items()))
        out.at[i, "note"] = (TO_SETTLE + "; ".join(unsettled)) if unsettled else ""
        out.at[i, "coder"] = CONSENSUS
        open_cells += len(unsettled)
    return out, open_cells


def export_consensus(
    folder: str | os.PathLike[str], corpus: Corpus, formats: tuple[str, ...] = ("xlsx", "csv"), force: bool = False
) -> tuple[list[Path], int]:
    """Write ``coding-consensus.<fmt>`` into the export ``folder`` and add the coder to its manifest.

    Returns the files written and the number of cells left to settle. Refuses, writing nothing,
    when a consensus sheet is already there (it may hold settled codes) unless ``force``.
    """
    folder = Path(folder)
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise CorpusError(
            [f"{manifest_path}: missing; --out must be the folder `code export` wrote the coders' sheets into"]
        )
    manifest = read_manifest(manifest_path)
    targets = [folder / f"coding-{CONSENSUS}.{f}" for f in formats]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise CorpusError([f"{existing[0]}: already exists (it may hold settled codes); use --force to replace it"])
    table = read_raw(_coder_sheet(folder, [c for c in manifest.coders if c != CONSENSUS]), sheet="coding")
    rows = [[table.cook(v) for v in values] for _, values in table.rows]
    sheet = pd.DataFrame(rows, columns=table.header)
    columns = manifest_columns(manifest) or code_columns(corpus.vocabulary)
    names = sheet_columns(columns)
    missing = [c for c in names if c not in sheet.columns]
    if missing:
        raise CorpusError([f"{table.name}: header: column(s) {', '.join(missing)} missing: not a coding sheet"])
    labels = dict(corpus.vocabulary.category_labels)
    filled, open_cells = consensus_frame(sheet[list(names)], corpus, labels, columns)
    if CONSENSUS not in manifest.coders:
        manifest.coders = [*manifest.coders, CONSENSUS]
    for target in targets:
        if target.suffix == ".csv":
            write_csv_sheet(filled, target)
        else:
            write_xlsx_atomic(
                {"coding": filled},
                target,
                choices={c.name: ("main", "secondary") for c in columns},
                widths={"title_ru": 45, "excerpt_ru": 60, "text_ru": 90, "note": 60},
                wrap=("title_ru", "excerpt_ru", "text_ru", "note"),
            )
    write_manifest(manifest, manifest_path)
    return [*targets, manifest_path], open_cells
