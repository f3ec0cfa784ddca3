"""Load and validate a corpus in the interchange format (docs/corpus.md).

A corpus is a folder with ``reports.csv`` and ``codes.csv``. Everything downstream (windows,
counts, charts, chapters) trusts a loaded corpus, so the loader is the one gate: it checks every
rule at once and reports each violation as ``file:row: field: problem`` rather than stopping at
the first, because a researcher fixing a hand-coded sheet wants the whole list in one go.

The work is split by stage: :mod:`~kzperception.data.corpus_format` (columns, vocabularies,
:class:`CorpusError`), :mod:`~kzperception.data.corpus_read` (the CSV dialect, physical lines,
header diagnostics), :mod:`~kzperception.data.corpus_rules` (the checks) and
:mod:`~kzperception.data.corpus_write` (atomic writes, of one file and of a checked corpus folder).
This module holds the model, the loaders, the per-process cache and :func:`write_corpus`, which
checks frames here before :mod:`~kzperception.data.corpus_write` puts them on disk; the stage
modules never import this one, so there is no cycle. Besides its own names it passes on only
what a caller of the loaders needs with them (:class:`CorpusError`, which they raise, and
``REPORT_COLUMNS``); the rest of each stage is imported from its own module. A corpus of a million
reports loads, checked, in well under two seconds; a second load of an unchanged folder in the
same process costs a few ``stat`` calls.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kzperception.data.corpus_format import (
    CODE_REQUIRED,
    CORPUS_FILES,
    DEFAULT_CODER,
    REPORT_COLUMNS,
    REPORT_REQUIRED,
    TRIMMED_COLUMNS,
    CorpusError,
    code_vocabulary,
    report_vocabulary,
)
from kzperception.data.corpus_read import RecordLines, read_corpus_csv, trimmed_series
from kzperception.data.corpus_rules import inspect_frames
from kzperception.data.corpus_write import write_checked_corpus
from kzperception.data.errors import CodebookError, VocabularyError
from kzperception.data.vocabulary import CORPUS_CODEBOOK, CORPUS_PARTNERS, Vocabulary, vocabulary_for

__all__ = [
    "CORPUS_VOCABULARY_FILES",
    "REPORT_COLUMNS",
    "Corpus",
    "CorpusError",
    "Signature",
    "clear_corpus_cache",
    "corpus_from_frames",
    "corpus_vocabulary",
    "file_signature",
    "load_corpus",
    "settled",
    "write_corpus",
]

#: Optional files of a corpus folder that replace the project's partners and codebook.
CORPUS_VOCABULARY_FILES: tuple[str, ...] = (CORPUS_PARTNERS, CORPUS_CODEBOOK)


@dataclass(frozen=True)
class Corpus:
    """A validated corpus: reports (``date`` parsed) and their codes, with where it came from.

    Treat the frames as read-only: :func:`load_corpus` hands the same object to every caller in a
    process, so a column changed in place would change every later chapter's numbers. Derive new
    frames (``assign``, ``copy``) instead.
    """

    reports: pd.DataFrame
    codes: pd.DataFrame
    path: Path | None = None
    #: The partners, websites and categories it was checked against: its folder's own
    #: ``partners.yaml`` and ``codebook.yaml`` where it has them, the project's otherwise.
    vocabulary: Vocabulary = dataclasses.field(default_factory=Vocabulary.default)

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


#: File status that changes whenever a file is rewritten, replaced or renamed over: device, inode,
#: size, modification and status-change time of each file, in :data:`CORPUS_FILES` order.
Signature = tuple[tuple[int, int, int, int, int], ...]

#: A load is remembered only when both files were last changed at least this long before it
#: started. Otherwise a rewrite within the file system's timestamp granularity (a tick on ext4,
#: two seconds on FAT) could keep size and times and go unnoticed; git calls this "racily clean".
_SETTLED_NS = 2_000_000_000
#: Folders remembered per process: a corpus of a million reports holds about half a gigabyte.
_CACHE_SIZE = 4
_cache: OrderedDict[Path, tuple[Signature, Corpus]] = OrderedDict()
_cache_lock = threading.Lock()


def settled(signature: Signature, started: int) -> bool:
    """Whether every file of ``signature`` was last changed :data:`_SETTLED_NS` or more before
    ``started`` (``time.time_ns()`` taken before the files were looked at): only then may what was
    read from them be remembered under that signature."""
    return all(ctime <= started - _SETTLED_NS for *_, ctime in signature)


def file_signature(files: Iterable[Path], optional: Iterable[Path] = ()) -> Signature:
    """The status of ``files``, then of ``optional`` ones (all zeros for one that is absent)."""
    stats = [f.stat() for f in files]
    out = [(s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns) for s in stats]
    for f in optional:
        try:
            s = f.stat()
        except FileNotFoundError:
            out.append((0, 0, 0, 0, 0))
        else:
            out.append((s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns))
    return tuple(out)


def corpus_vocabulary(folder: str | os.PathLike[str]) -> Vocabulary:
    """A corpus folder's vocabulary (:func:`~kzperception.data.vocabulary.vocabulary_for`), its
    problems as a :class:`CorpusError` (``partners.yaml:7: item 3 (id 'eu'): label: ...``), so
    ``validate`` and every command report them like any other problem of the corpus."""
    try:
        return vocabulary_for(folder)
    except VocabularyError as err:
        raise CorpusError([str(err)]) from None
    except CodebookError as err:
        raise CorpusError(list(err.problems)) from None


def clear_corpus_cache() -> None:
    """Forget every loaded corpus (benchmarks, and tests that time or count reads)."""
    with _cache_lock:
        _cache.clear()


def load_corpus(folder: str | os.PathLike[str]) -> Corpus:
    """Load ``folder``/reports.csv and codes.csv, or raise :class:`CorpusError` listing every problem.

    One rerun asks for the same corpus several times (the plan, the counts, each chapter's tables),
    so a folder is read and validated once per process: a later call whose files have the same
    :data:`Signature` gets the same :class:`Corpus` object back without reading. Any rewrite of
    either file (``write_corpus``, an editor, ``cp``), or of the folder's own ``partners.yaml`` or
    ``codebook.yaml``, changes the signature and the folder is read again; a refused corpus is
    never remembered. Countries and categories are checked against the folder's vocabulary
    (:func:`corpus_vocabulary`), which the corpus carries as ``.vocabulary``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError([f"{folder}: not a folder (a corpus is a folder with reports.csv and codes.csv)"])
    paths = {name: folder / name for name in CORPUS_FILES}
    missing = [f"{p}: file missing" for p in paths.values() if not p.is_file()]
    if missing:
        raise CorpusError(missing)
    key = folder.resolve()
    try:
        started = time.time_ns()
        signature: Signature | None = file_signature(paths.values(), [folder / n for n in CORPUS_VOCABULARY_FILES])
    except OSError:
        signature = None
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None and signature is not None and hit[0] == signature:
            _cache.move_to_end(key)
            corpus = hit[1]
            return corpus if corpus.path == folder else dataclasses.replace(corpus, path=folder)
    corpus = _read_folder(folder, paths, corpus_vocabulary(folder))
    if signature is not None and settled(signature, started):
        with _cache_lock:
            _cache[key] = (signature, corpus)
            _cache.move_to_end(key)
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return corpus


def _read_folder(folder: Path, paths: dict[str, Path], vocabulary: Vocabulary | None = None) -> Corpus:
    """Read both files and check them: every problem of both files at once."""
    read: list[tuple[pd.DataFrame, RecordLines, list[str]]] = []
    problems: list[str] = []
    for path, required in ((paths["reports.csv"], REPORT_REQUIRED), (paths["codes.csv"], CODE_REQUIRED)):
        try:
            read.append(read_corpus_csv(path, required))
        except CorpusError as err:  # a file that cannot be read as a table: say so for both files
            problems += err.problems
        except OSError as err:
            problems.append(f"{path}: cannot be read ({err.strerror or err})")
    if problems:
        raise CorpusError(problems)
    (reports, report_lines, report_nul), (codes, code_lines, code_nul) = read
    return _checked(reports, codes, folder, report_lines, code_lines, report_nul + code_nul, vocabulary)


def _checked(
    reports: pd.DataFrame,
    codes: pd.DataFrame,
    folder: Path | None,
    report_line: RecordLines | None = None,
    code_line: RecordLines | None = None,
    read_problems: Iterable[str] = (),
    vocabulary: Vocabulary | None = None,
) -> Corpus:
    """Check raw frames (index 0..n-1, in file order) and type them, reusing the keys the check built.

    The frames are modified in place: callers pass frames of their own (copy-on-write keeps the
    caller's originals of :func:`corpus_from_frames` untouched).
    """
    report_line, code_line = report_line or RecordLines(), code_line or RecordLines()
    vocabulary = vocabulary or Vocabulary.default()
    found = inspect_frames(reports, codes, report_line=report_line, code_line=code_line, vocab=vocabulary)
    problems = report_line.problems + code_line.problems + list(read_problems) + found.problems
    if problems:
        raise CorpusError(problems)
    assert found.dates is not None and found.report_row is not None
    for col in REPORT_COLUMNS:
        if col not in reports:
            reports[col] = pd.NA
    reports["date"] = found.dates
    for col, values in report_vocabulary(vocabulary).items():
        reports[col] = pd.Categorical.from_codes(found.vocabulary[col], categories=list(values))
    codes["coder"] = codes["coder"].fillna(DEFAULT_CODER) if "coder" in codes else DEFAULT_CODER
    for col, values in code_vocabulary(vocabulary).items():
        codes[col] = pd.Categorical.from_codes(found.vocabulary[col], categories=list(values))
    # Each code's row in reports, so counting joins by position instead of matching id strings.
    codes["report_row"] = found.report_row
    return Corpus(reports=reports, codes=codes, path=folder, vocabulary=vocabulary)


def _trimmed_frame(df: pd.DataFrame, name: str) -> tuple[pd.DataFrame, list[str]]:
    """An importer's frame as the file reader would give it: names and values trimmed, blanks
    missing, every value text; and the NUL bytes found, as problems."""
    df = df.reset_index(drop=True)
    df.columns = [str(c).strip() for c in df.columns]
    problems = []
    seen: set[str] = set()
    for col in df.columns:
        if col in seen:
            problems.append(f"{name}: header: column {col!r} appears twice")
        seen.add(col)
    if problems:
        return df, problems
    lines = RecordLines()
    for col in df.columns:
        values = df[col].astype("string")
        values = values.mask(values == "")
        if col in TRIMMED_COLUMNS:
            values = trimmed_series(values)
        for idx in np.flatnonzero(values.str.contains("\x00", regex=False).fillna(False).to_numpy(dtype=bool)):
            problems.append(f"{name}:{lines(idx)}: {col}: a NUL byte (\\x00) in the value; the format allows none")
        df[col] = values.astype(object).where(values.notna(), None)
    return df, problems


def corpus_from_frames(reports: pd.DataFrame, codes: pd.DataFrame, vocabulary: Vocabulary | None = None) -> Corpus:
    """Validate in-memory frames (all-text columns) the same way as files; used by importers.

    Values are trimmed and blank ones made missing, as the file reader does. Countries and
    categories are checked against ``vocabulary`` (default: the project's; a corpus rebuilt from
    another, as the pivot sweep does, passes that corpus's).
    """
    reports, report_problems = _trimmed_frame(reports, "reports.csv")
    codes, code_problems = _trimmed_frame(codes, "codes.csv")
    if report_problems or code_problems:
        raise CorpusError(report_problems + code_problems)
    return _checked(reports, codes, None, vocabulary=vocabulary)


def write_corpus(
    reports: pd.DataFrame,
    codes: pd.DataFrame,
    folder: str | os.PathLike[str],
    *,
    force: bool = False,
    vocabulary: Vocabulary | None = None,
    vocabulary_files: Mapping[str, bytes] | None = None,
) -> Path:
    """Validate, then write the corpus whole: both files appear together, or nothing changes.

    The frames are checked as :func:`corpus_from_frames` checks an importer's (every problem at
    once, as a :class:`CorpusError`), against ``vocabulary`` (default: the project's), before
    anything is written; the writing itself (a hidden sibling folder renamed into place, ``force``
    and the refusal of a folder holding other files, the project's row order, the
    ``datapackage.json`` whose allowed values come from ``vocabulary``, and the
    ``vocabulary_files`` the corpus carries, such as the ``codebook.yaml`` that vocabulary was read
    from) is :func:`~kzperception.data.corpus_write.write_checked_corpus`'s.
    """
    corpus = corpus_from_frames(
        reports.astype("string").astype(object), codes.astype("string").astype(object), vocabulary
    )
    return write_checked_corpus(
        corpus.reports, corpus.codes, folder, force=force, vocabulary=vocabulary, vocabulary_files=vocabulary_files
    )
