"""Text a reader cannot see must not change a count: NFC, hidden characters and near misses.

Two values that print alike are, for the loader, either one value or an error; never two values.
Three ways a spreadsheet or an editor makes them two, and what the loader does about each:

* the same letter composed or decomposed (``é`` as U+00E9, or ``e`` + U+0301): every text field
  is normalised to NFC on reading (:func:`normalise_frame`), so an id written either way is one id;
* a character that prints as nothing, or reorders the text around it (a zero-width space or joiner,
  a byte-order mark, a bidirectional override or isolate, a control character, a line or paragraph
  separator, a combining grapheme joiner, a variation selector, a Hangul filler, the braille blank:
  :mod:`kzperception.data.hidden_chars` has the list): refused in the fields that are keys or
  vocabulary (ids, coder names, partner, website, category, mode, level), with the character named
  by its code point (:func:`hidden_character_problems`);
* a vocabulary value or a coder name that differs from a known one only by case or by a letter of
  another script that looks the same (Cyrillic ``с`` for Latin ``c``): named as such
  (:func:`near_miss`, :func:`coder_near_misses`) instead of "not one of", which would print the two
  values alike; an id or coder name whose letters come from two scripts (``rа1``, ``аnna``) is
  refused (:func:`mixed_script_problems`, :func:`coder_near_misses`).

The checks run on Arrow arrays and look at a column in Python only when a cheap byte-level test
says it may hold something to report, so a clean corpus of a million reports pays a few
milliseconds.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa_arrow
import pyarrow.compute as pc

from kzperception.data.hidden_chars import HIDDEN_RE2, char_name, is_hidden, mixed_scripts, mixed_scripts_message, shown
from kzperception.data.hidden_chars import script as _script

__all__ = [
    "ID_FIELDS",
    "KEY_FIELDS",
    "cell_str",
    "char_name",
    "coder_near_misses",
    "hidden_character_problems",
    "hidden_in",
    "is_hidden",
    "mixed_script_problems",
    "near_miss",
    "normalise_frame",
]

#: The fields refused when they hold a hidden character: they are matched as keys, so a hidden
#: character makes a second id, coder or value that prints like the first.
KEY_FIELDS: tuple[str, ...] = ("id", "report_id", "coder", "country", "website", "category", "mode", "level")

#: The fields refused when their letters come from two scripts: ids are matched as keys, so
#: ``rа1`` (Cyrillic а) beside ``ra1`` would be a second report that prints like the first. Coder
#: names get the same check in :func:`coder_near_misses`.
ID_FIELDS: tuple[str, ...] = ("id", "report_id")

#: Characters a reader cannot see or that reorder text (:mod:`kzperception.data.hidden_chars`),
#: in RE2 syntax for Arrow's regex kernel.
_HIDDEN_RE2 = HIDDEN_RE2


def _chunks(values: pa_arrow.ChunkedArray | pa_arrow.Array) -> list[pa_arrow.Array]:
    return list(values.chunks) if isinstance(values, pa_arrow.ChunkedArray) else [values]


def _may_hold_hidden(values: pa_arrow.ChunkedArray | pa_arrow.Array) -> bool:
    """Whether any value may hold a hidden character: a byte under 0x20, 0x7F, or any non-ASCII byte.

    One pass over the data buffers with numpy; ``False`` is certain, ``True`` only a maybe.
    """
    for chunk in _chunks(values):
        if not len(chunk) or chunk.null_count == len(chunk):
            continue
        if chunk.type not in (pa_arrow.string(), pa_arrow.large_string()):
            return True
        width = np.int64 if chunk.type == pa_arrow.large_string() else np.int32
        offsets = np.frombuffer(chunk.buffers()[1], dtype=width)
        start, end = int(offsets[chunk.offset]), int(offsets[chunk.offset + len(chunk)])
        data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[start:end] if chunk.buffers()[2] else np.empty(0)
        if len(data) and ((data < 0x20) | (data >= 0x7F)).any():
            return True
    return False


def _as_arrow(values: pd.Series) -> pa_arrow.ChunkedArray:
    arr = (
        pa_arrow.array(values, from_pandas=True)
        if not isinstance(values.dtype, pd.ArrowDtype)
        else values.array._pa_array
    )
    if isinstance(arr, pa_arrow.Array):
        arr = pa_arrow.chunked_array([arr])
    if arr.type == pa_arrow.null():
        return pa_arrow.chunked_array([pa_arrow.nulls(len(values), pa_arrow.string())])
    return arr if arr.type in (pa_arrow.string(), pa_arrow.large_string()) else arr.cast(pa_arrow.string())


def normalise_frame(df: pd.DataFrame) -> None:
    """Every text column of ``df`` in NFC, in place; a column of ASCII only is left untouched.

    ``ré0`` typed on one machine and pasted from another may be U+00E9 or ``e`` + U+0301; in NFC
    both are the same string, so they are one id, one coder, one value.
    """
    for col in df.columns:
        if not (df[col].dtype == object or pd.api.types.is_string_dtype(df[col])):
            continue
        try:
            values = _as_arrow(df[col])
        except (pa_arrow.ArrowInvalid, pa_arrow.ArrowTypeError):
            continue  # not a text column
        if pc.all(pc.string_is_ascii(values)).as_py() in (True, None):
            continue
        nfc = pc.utf8_normalize(values, form="NFC")
        if pc.all(pc.equal(nfc, values)).as_py() in (True, None):
            continue
        df[col] = (
            pd.Series(nfc.to_pandas(), index=df.index, name=col)
            .astype(object)
            .where(pd.Series(pc.is_valid(nfc).to_numpy(zero_copy_only=False), index=df.index), None)
        )


def hidden_in(value: str) -> list[str]:
    """The hidden characters of ``value``, each once, in order of appearance."""
    seen: list[str] = []
    for char in value:
        if is_hidden(char) and char not in seen:
            seen.append(char)
    return seen


def hidden_character_problems(
    df: pd.DataFrame, name: str, line: Callable[[object], int], fields: Iterable[str] = KEY_FIELDS
) -> tuple[list[str], set[tuple[str, int]]]:
    """One problem per value of a key field holding a hidden character, and ``(field, row)`` of each.

    ``reports.csv:7: id: 'r1\\u200b' holds U+200B ZERO WIDTH SPACE, a character a reader cannot
    see; delete it``. The rows are returned so that the rules that would report the same value
    again (an unknown id, a value outside the vocabulary) can stay silent about it.
    """
    problems: list[tuple[int, str]] = []
    bad: set[tuple[str, int]] = set()
    for col in fields:
        if col not in df:
            continue
        values = _as_arrow(df[col])
        if not _may_hold_hidden(values):
            continue
        hit = pc.fill_null(pc.match_substring_regex(values, _HIDDEN_RE2), False).to_numpy(zero_copy_only=False)
        for row in np.flatnonzero(hit):
            value = str(df[col].iloc[row])
            # Whitespace around a value (a tab, a line separator) is trimmed off, not refused.
            found = hidden_in(value.strip())
            if not found:
                continue
            chars = ", ".join(char_name(c) for c in found)
            problems.append(
                (
                    line(row),
                    f"{name}:{line(row)}: {col}: {shown(value)} holds {chars}, "
                    "a character a reader cannot see (delete it; this field is matched "
                    "exactly, so it would make a second value that prints like the first)",
                )
            )
            bad.add((col, int(row)))
    return [msg for _, msg in sorted(problems, key=lambda p: p[0])], bad


def mixed_script_problems(
    df: pd.DataFrame,
    name: str,
    line: Callable[[object], int],
    skip: set[tuple[str, int]],
    fields: Iterable[str] = ID_FIELDS,
) -> tuple[list[str], set[tuple[str, int]]]:
    """One problem per id whose letters come from two scripts, and ``(field, row)`` of each.

    ``reports.csv:11: id: 'rа1' mixes scripts (Cyrillic, Latin): it contains Cyrillic 'а'
    (U+0430), which print like Latin letters; write the id in one script``. Only values with a
    non-ASCII byte are looked at in Python, so a corpus of ASCII ids pays one Arrow pass. Cells in
    ``skip`` (already refused for a hidden character) are not reported twice.
    """
    problems: list[tuple[int, str]] = []
    bad: set[tuple[str, int]] = set()
    for col in fields:
        if col not in df:
            continue
        values = _as_arrow(df[col])
        if not _may_hold_hidden(values):
            continue
        foreign = ~pc.fill_null(pc.string_is_ascii(values), True).to_numpy(zero_copy_only=False)
        for row in np.flatnonzero(foreign):
            if (col, int(row)) in skip:
                continue
            value = str(df[col].iloc[row]).strip()
            scripts = mixed_scripts(value)
            if not scripts:
                continue
            problems.append((line(row), f"{name}:{line(row)}: {col}: {mixed_scripts_message(value, scripts, 'id')}"))
            bad.add((col, int(row)))
    return [msg for _, msg in sorted(problems, key=lambda p: p[0])], bad


def near_miss(value: str, allowed: Sequence[str]) -> str | None:
    """Why ``value`` is not one of ``allowed`` when it looks like one, or ``None``.

    ``'Primary': did you mean 'primary'?`` for a difference of case (or width, or composed
    letters: NFKC and case-folded), ``'сhina' contains Cyrillic 'с' (U+0441)`` for a letter of
    another script in a vocabulary written in ASCII.
    """
    folded = unicodedata.normalize("NFKC", value).casefold()
    for known in allowed:
        if known != value and unicodedata.normalize("NFKC", known).casefold() == folded:
            return f"{value!r}: did you mean {known!r}? (values are matched exactly, case included)"
    if all(k.isascii() for k in allowed) and not value.isascii():
        foreign = []
        for char in dict.fromkeys(value):
            if not char.isascii() and not is_hidden(char):
                foreign.append(f"{_script(char)} {char!r} (U+{ord(char):04X})")
        if foreign:
            return (
                f"{value!r} contains {', '.join(foreign)}; the values are written in Latin letters only "
                f"(one of {'|'.join(allowed)})"
            )
    return None


def coder_near_misses(coder: pd.Series, name: str, line: Callable[[object], int]) -> list[str]:
    """Coder names that differ only in case or width from another coder's name in the same file.

    Coder names are matched exactly (``--coder primary``), so ``Primary`` on a few rows would take
    those rows out of every table that counts ``primary``'s codes. The name used on fewer rows is
    the one reported, at its first line, with the other one suggested.
    """
    counts = coder.value_counts(sort=False)
    if len(counts) < 2:
        return []
    groups: dict[str, list[str]] = {}
    # A name holding a hidden character is refused for that (hidden_character_problems): once.
    names = [str(who) for who in counts.index if not hidden_in(str(who))]
    for who in names:
        groups.setdefault(unicodedata.normalize("NFKC", who).casefold(), []).append(who)
    problems = []
    for who in names:
        scripts = mixed_scripts(who)
        if scripts:
            row = int(np.flatnonzero((coder == who).to_numpy())[0])
            problems.append(f"{name}:{line(row)}: coder: {mixed_scripts_message(who, scripts, 'name')}")
    for names in groups.values():
        if len(names) < 2:
            continue
        # The name most rows use is taken as meant; ties go to the one written first.
        first_row = {who: int(np.flatnonzero((coder == who).to_numpy())[0]) for who in names}
        meant = max(names, key=lambda who: (int(counts[who]), -first_row[who]))
        for who in sorted(names, key=first_row.__getitem__):
            if who == meant:
                continue
            n = int(counts[who])
            problems.append(
                f"{name}:{line(first_row[who])}: coder: {who!r}: did you mean {meant!r}? (coder names "
                f"are matched exactly, case included; {n} code{'s' if n != 1 else ''} "
                f"name {who!r}, {int(counts[meant])} name {meant!r})"
            )
    return problems


def cell_str(value: object) -> str:
    """A frame cell as text: a missing value (None, NaN, pandas' NA) is the empty string, and
    surrounding blanks are dropped (the one reading of an optional text cell, used wherever such a
    cell reaches a page or a check)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()
