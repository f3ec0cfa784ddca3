"""Writing files whole: atomic renames for one file and for a checked corpus folder.

A reader (a chapter kernel, the loader's cache, another command) must never see half a file, or
a new ``reports.csv`` beside an old ``codes.csv``; and ``--out`` must never delete a folder of
someone's other files. Everything here writes beside its target and renames into place.

This module sits below :mod:`kzperception.data.corpus`: it writes frames already checked there
(:func:`kzperception.data.corpus.write_corpus` checks, then calls :func:`write_checked_corpus`)
and never imports it.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from kzperception.atomic import atomic_target
from kzperception.data.corpus_format import CORPUS_FILES, CorpusError
from kzperception.data.datapackage import DESCRIPTOR, write_descriptor
from kzperception.data.vocabulary import CORPUS_CODEBOOK, CORPUS_PARTNERS, Vocabulary, default_vocabulary

#: The vocabulary files a corpus folder may carry (its own partners and codebook): written with the
#: corpus by an import given them, and part of the corpus a --force replaces.
VOCABULARY_FILES: tuple[str, ...] = (CORPUS_PARTNERS, CORPUS_CODEBOOK)

__all__ = ["write_checked_corpus", "write_csv_atomic"]


def write_csv_atomic(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a CSV next to its destination and rename it into place, so no reader sees half a file."""
    with atomic_target(path) as tmp, open(tmp, "x", encoding="utf-8", newline="") as handle:
        df.to_csv(handle, index=False)
    return Path(path)


def _corpus_target(folder: Path, force: bool) -> None:
    """Refuse a destination that ``write_corpus`` may not replace, before anything is written.

    A folder holding only ``reports.csv``/``codes.csv`` (and its ``datapackage.json``,
    ``partners.yaml`` and ``codebook.yaml``) is a corpus: replaced with ``force``, refused without.
    A folder holding anything else is refused even with ``force``, because replacing a corpus
    means deleting the old folder, and ``--out ~/thesis`` must never delete a folder of someone's
    other files.
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
    others = [
        n for n in entries if n not in (*CORPUS_FILES, DESCRIPTOR, *VOCABULARY_FILES) or not (folder / n).is_file()
    ]
    if others:
        shown = ", ".join(repr(n) for n in others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise CorpusError(
            [
                f"{folder}: exists and holds files that are not a corpus ({shown}); choose a new or "
                "empty folder (--force replaces only a folder holding just reports.csv and codes.csv, "
                "with their datapackage.json, codebook.yaml and partners.yaml; nothing written)"
            ]
        )
    if not force:
        raise CorpusError(
            [f"{folder}: already holds a corpus ({', '.join(entries)}); pass --force to replace it (nothing written)"]
        )


def _sibling(folder: Path, tag: str) -> Path:
    """A hidden, unique name beside ``folder``: same file system, so renames between them are atomic."""
    return folder.with_name(f".{folder.name}.{os.getpid()}.{secrets.token_hex(4)}.{tag}")


def write_checked_corpus(
    reports: pd.DataFrame,
    codes: pd.DataFrame,
    folder: str | os.PathLike[str],
    *,
    force: bool = False,
    vocabulary: Vocabulary | None = None,
    vocabulary_files: Mapping[str, bytes] | None = None,
) -> Path:
    """Write a checked corpus whole: both files appear together, or nothing changes.

    ``reports`` and ``codes`` are the frames of a loaded or validated
    :class:`~kzperception.data.corpus.Corpus` (``date`` parsed, each code's ``report_row``); call
    :func:`kzperception.data.corpus.write_corpus` to check raw frames first. Taking checked frames
    rather than checking them here keeps this module below the loader: it never imports
    :mod:`kzperception.data.corpus`.

    Both files are written into a fresh hidden sibling folder, which is then renamed into place, so
    no reader ever sees one new file beside one old one, and a failure (a bad frame, a full disk)
    leaves ``folder`` as it was. ``folder`` may be new or empty; a folder that already holds a corpus
    is replaced only with ``force`` (the old one is renamed aside, the new one renamed in, then the
    old one deleted); a folder holding other files is never replaced (:class:`CorpusError`).

    Files are written in the project's layout: reports sorted by id, codes in report order (each
    report's codes in the order given). The loader recognises that layout and skips hashing the ids,
    which is most of the cost of loading a large corpus; any other order loads too, only slower.
    The folder and files get the umask's permissions, like any folder a user makes.

    Beside the two files goes a ``datapackage.json`` (:mod:`kzperception.data.datapackage`) whose
    allowed values come from ``vocabulary`` (default: the project's), so the corpus can be validated
    with frictionless, outside this library. ``vocabulary_files`` (``codebook.yaml`` or
    ``partners.yaml`` -> its bytes) go into the folder with them: a corpus coded with a researcher's
    codebook carries it, so ``validate``, ``counts`` and ``rerun`` read it with that codebook.
    """
    own = dict(vocabulary_files or {})
    foreign = sorted(set(own) - set(VOCABULARY_FILES))
    if foreign:
        raise CorpusError([f"{foreign[0]}: not a vocabulary file a corpus carries ({', '.join(VOCABULARY_FILES)})"])
    folder = Path(folder)
    if folder.is_symlink() and folder.exists():
        folder = folder.resolve()  # replace the folder the link points at, not the link
    _corpus_target(folder, force)
    order = reports["id"].sort_values(kind="stable").index.to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    out_reports = reports.iloc[order].copy()
    out_reports["date"] = out_reports["date"].dt.strftime("%Y-%m-%d")
    code_order = np.argsort(rank[codes["report_row"].to_numpy()], kind="stable")
    out_codes = codes.iloc[code_order].drop(columns="report_row")  # derived on load, not data
    folder.parent.mkdir(parents=True, exist_ok=True)
    fresh = _sibling(folder, "new")
    old = _sibling(folder, "old")
    # Everything from here on may be cut short by a failure or by a signal (the command's
    # interruptible handler raises between any two steps, even between the two renames below), and
    # the clean-up must then leave ``folder`` whole: the old corpus, or the new one, never neither.
    try:
        fresh.mkdir()
        for df, name in ((out_reports, "reports.csv"), (out_codes, "codes.csv")):
            with open(fresh / name, "x", encoding="utf-8", newline="") as handle:
                df.to_csv(handle, index=False)
        for name, data in own.items():
            (fresh / name).write_bytes(data)
        write_descriptor(fresh, vocabulary or default_vocabulary(), name="kzperception-corpus", corpus=True)
        if folder.exists():
            _corpus_target(folder, force)  # again: another process may have written there meanwhile
            os.rename(folder, old)
        os.rename(fresh, folder)
    finally:
        if old.exists() and not folder.exists():
            os.rename(old, folder)  # the new one never arrived: put the old corpus back, nothing changed
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return folder
