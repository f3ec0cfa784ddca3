"""A clean corpus recognised without pandas: the fast path of ``kzperception validate`` (issue 22).

``kzperception validate`` on a small corpus spent most of its second importing pandas, pyarrow and
numpy before reading a byte. :func:`clean_summary` reads both files with the standard library's
``csv`` module and checks every rule of docs/corpus.md that :func:`kzperception.data.corpus.load_corpus`
checks, but it never reports a problem: it answers "certainly valid, and here is what the loader
would say about it" (a :class:`CleanSummary`) or ``None``, meaning "not certain". On ``None`` the
command runs the full loader, which finds and words every problem, so an error message is the
loader's, byte for byte, whichever path met the corpus first.

It errs on the side of ``None``. Anything the loader would normalise, trim or read in a way the
``csv`` module might not share is left to it: a byte-order mark, a NUL byte, bytes that are not
UTF-8, a file that is not written the way the ``csv`` module writes it (minimal quoting, one kind
of line end), a key field with surrounding whitespace, a character that is not printable or is
hidden (:func:`kzperception.data.hidden_chars.is_hidden`: Python calls U+034F or U+2800
printable), an id mixing scripts, a text not in NFC, several coders with non-ASCII names, a corpus
folder with its own vocabulary files that do not load, and a corpus bigger than
:data:`FAST_PATH_BYTES` (there the loader's Arrow reader is faster than this module, and the import
cost no longer matters). ``tests/unit/test_corpus_clean.py``
runs both paths over the project's corpora and hostile variants of them and asserts that they agree.

Nothing here imports pandas, pyarrow or numpy.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from kzperception.data.corpus_format import (
    CODE_REQUIRED,
    CORPUS_FILES,
    DEFAULT_CODER,
    REPORT_REQUIRED,
    TRIMMED_COLUMNS,
    code_vocabulary,
    report_vocabulary,
)
from kzperception.data.hidden_chars import is_hidden, mixed_scripts
from kzperception.data.vocabulary import Vocabulary, vocabulary_for

__all__ = ["FAST_PATH_BYTES", "CleanSummary", "clean_summary"]

#: Corpora whose two files together are larger than this go straight to the loader: this module
#: checks a few megabytes a second, the loader's Arrow reader far more once pandas is imported.
FAST_PATH_BYTES = 4 << 20

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: The value the loader gives a missing provenance in :attr:`~kzperception.data.corpus.Corpus.provenance_mix`.
_UNKNOWN = "unknown"


@dataclass(frozen=True)
class CleanSummary:
    """What ``validate`` prints about a valid corpus, as :class:`~kzperception.data.corpus.Corpus` has it."""

    reports: int
    codes: int
    #: the coders' names, sorted (``Corpus.coders``)
    coders: list[str]
    #: reports per provenance value, in sorted order (``Corpus.provenance_mix``)
    provenance_mix: dict[str, int]


class _NotCertain(Exception):
    """Raised inside the fast path whenever the full loader must decide."""


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """The header and the records of a corpus file, when it is read alike by every reader."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf") or b"\x00" in data:
        raise _NotCertain
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _NotCertain from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error:
        raise _NotCertain from None
    if not rows or not rows[0]:
        raise _NotCertain
    # Written back as the csv module writes (minimal quoting, the file's own line end), the file is
    # unchanged: then no quote, line end or delimiter can be read two ways by Arrow and by csv.
    end = "\r\n" if "\r\n" in text else "\n"
    out = io.StringIO()
    csv.writer(out, lineterminator=end).writerows(rows)
    if out.getvalue() != (text if text.endswith(end) else text + end):
        raise _NotCertain
    header, records = rows[0], [row for row in rows[1:] if row]
    if any(len(row) != len(header) for row in records):
        raise _NotCertain
    return header, records


def _columns(header: list[str], records: list[list[str]], required: tuple[str, ...]) -> dict[str, list[str]]:
    """Each column's values; key fields checked to be exactly what the loader would read."""
    if len(set(header)) != len(header) or any(not n or n != n.strip() for n in header):
        raise _NotCertain
    if any(name not in header for name in required):
        raise _NotCertain
    columns = {name: [row[i] for row in records] for i, name in enumerate(header)}
    for name in TRIMMED_COLUMNS:
        for value in set(columns.get(name, ())):
            # Nothing to trim, nothing hidden, nothing NFC would change: the value as the loader has it.
            if value and (value != value.strip() or not value.isprintable()):
                raise _NotCertain
            # Python calls a combining grapheme joiner, a variation selector, a Hangul filler and the
            # braille blank printable, and an id's letter of a second script is printable too: the
            # loader refuses them in keys, so the corpus is not certainly valid.
            if not value.isascii() and (
                not unicodedata.is_normalized("NFC", value)
                or any(map(is_hidden, value))
                or (name in ("id", "report_id") and mixed_scripts(value))
            ):
                raise _NotCertain
    for name in required:
        if not all(columns[name]):
            raise _NotCertain
    return columns


def _date(value: str) -> None:
    if not _ISO_DAY.fullmatch(value):
        raise _NotCertain
    try:
        datetime.date(int(value[:4]), int(value[5:7]), int(value[8:]))
    except ValueError:
        raise _NotCertain from None


def _summary(folder: Path, vocabulary: Vocabulary) -> CleanSummary:
    reports = _columns(*_rows(folder / "reports.csv"), REPORT_REQUIRED)
    codes = _columns(*_rows(folder / "codes.csv"), CODE_REQUIRED)
    ids = reports["id"]
    if not ids:
        raise _NotCertain
    for table, allowed_values in ((reports, report_vocabulary(vocabulary)), (codes, code_vocabulary(vocabulary))):
        for name, allowed in allowed_values.items():
            if not set(table[name]) <= set(allowed):
                raise _NotCertain
    for value in set(reports["date"]):
        _date(value)
    if len(set(ids)) != len(ids):
        raise _NotCertain
    known = set(ids)
    if not set(codes["report_id"]) <= known:
        raise _NotCertain
    cooperation_only = vocabulary.cooperation_only
    if any(
        m == "non_cooperation" and c in cooperation_only for c, m in zip(codes["category"], codes["mode"], strict=True)
    ):
        raise _NotCertain
    coder = [c or DEFAULT_CODER for c in codes.get("coder", [""] * len(codes["report_id"]))]
    names = set(coder)
    if len(names) > 1:
        if not all(n.isascii() for n in names):
            raise _NotCertain
        if len({unicodedata.normalize("NFKC", n).casefold() for n in names}) != len(names):
            raise _NotCertain
    # One code per (report, coder, category, mode): a repeat is a problem at one level or at both.
    slots = list(zip(codes["report_id"], coder, codes["category"], codes["mode"], strict=True))
    if len(set(slots)) != len(slots):
        raise _NotCertain
    with_main = {r for r, level in zip(codes["report_id"], codes["level"], strict=True) if level == "main"}
    if with_main != known:
        raise _NotCertain
    provenance = Counter(p or _UNKNOWN for p in reports.get("provenance", [""] * len(ids)))
    return CleanSummary(
        reports=len(ids),
        codes=len(codes["report_id"]),
        coders=sorted(names),
        provenance_mix={k: provenance[k] for k in sorted(provenance)},
    )


def clean_summary(folder: str | os.PathLike[str]) -> CleanSummary | None:
    """What :func:`~kzperception.data.corpus.load_corpus` would report of a valid ``folder``, or ``None``.

    ``None`` says only that this check is not certain (a problem, or anything it leaves to the
    loader); the caller then loads the corpus with the loader, which says what is wrong.
    Importing this module reads the project's vocabulary, as importing the loader does, so a
    broken ``data/partners.yaml`` is raised the same way on both paths.
    """
    folder = Path(folder)
    try:
        if not folder.is_dir():
            return None
        files = [folder / name for name in CORPUS_FILES]
        if not all(f.is_file() for f in files) or sum(f.stat().st_size for f in files) > FAST_PATH_BYTES:
            return None
        vocabulary = vocabulary_for(folder)
        return _summary(folder, vocabulary)
    except (_NotCertain, OSError, ValueError):
        return None
