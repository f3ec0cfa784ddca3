"""What a file that is not UTF-8 is, said in words a researcher can act on.

A corpus file and a coding sheet are UTF-8. Two things that are not arrive in practice, and they
need different answers:

* a whole file in another encoding: Excel's "Unicode Text" (UTF-16LE with a byte-order mark and
  tabs), UTF-32, or windows-1251 from an ANSI Excel in a Russian locale. The encoding is named, with
  the way to save the file as UTF-8 (:func:`foreign_encoding`);
* a UTF-8 file with a stray invalid byte (one cell pasted from somewhere else). Re-reading the
  whole file in a guessed encoding would turn every Cyrillic letter of every other cell into
  mojibake and blame the coder for edits nobody made, so the byte is reported at its line and
  cell instead (:func:`stray_bytes`).

:func:`looks_like_utf8` tells the two apart: text whose non-ASCII bytes mostly form valid UTF-8
sequences is UTF-8 with damage; text in which they almost never do is a legacy encoding.
"""

from __future__ import annotations

import codecs
import csv
import io
import re

#: Byte-order marks of the encodings Excel and Notepad write, longest first.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "UTF-32LE"),
    (codecs.BOM_UTF32_BE, "UTF-32BE"),
    (codecs.BOM_UTF16_LE, "UTF-16LE"),
    (codecs.BOM_UTF16_BE, "UTF-16BE"),
)
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_NON_ASCII = re.compile(rb"[\x80-\xff]")
#: How much of a file is looked at to name its encoding.
_SAMPLE = 1 << 16
SAVE_AS = 'save it as "CSV UTF-8 (comma delimited)" and use that file'


def _delimiter_of(first_line: str) -> str:
    counts = {",": "commas", ";": "semicolons", "\t": "tabs"}
    best = max(counts, key=first_line.count)
    return counts[best] if first_line.count(best) else "one column"


def foreign_encoding(data: bytes) -> str | None:
    """``UTF-16LE with tabs`` when ``data`` is in a Unicode encoding other than UTF-8, else ``None``.

    Found by the byte-order mark, or, without one, by the NUL bytes every second (or fourth) byte
    that UTF-16 (UTF-32) puts beside ASCII text.
    """
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    sample = data[:_SAMPLE]
    if encoding is None and len(sample) >= 4 and sample.count(b"\x00") * 3 >= len(sample):
        odd, even = sample[1::2].count(b"\x00"), sample[0::2].count(b"\x00")
        if sample[2::4].count(b"\x00") * 4 >= len(sample) - 4 and sample[1::4].count(b"\x00") * 4 >= len(sample) - 4:
            encoding = "UTF-32LE"
        else:
            encoding = "UTF-16LE" if odd > even else "UTF-16BE"
    if encoding is None:
        return None
    try:
        text = sample[: len(sample) - len(sample) % 4].decode(
            encoding.replace("LE", "-LE").replace("BE", "-BE"), "replace"
        )
    except LookupError:  # pragma: no cover - the codecs above all exist
        return encoding
    return f"{encoding} with {_delimiter_of(text.lstrip(chr(0xFEFF)).partition(chr(10))[0])}"


def looks_like_utf8(data: bytes) -> bool:
    """Whether ``data``, which does not decode as UTF-8, is UTF-8 with a few stray bytes.

    In UTF-8 text almost every non-ASCII byte belongs to a valid sequence; in windows-1251 Cyrillic
    almost none does (a lower-case letter is a lone byte over 0xE0 followed by another letter).
    """
    sample = data[: _SAMPLE * 16]
    in_sequences = sum(len(m) for m in _UTF8_SEQUENCE.findall(sample))
    return in_sequences * 2 >= len(_NON_ASCII.findall(sample))


def stray_bytes(data: bytes, name: str, delimiter: str = ",", limit: int = 20) -> list[str]:
    """One problem per cell of a UTF-8 file that holds bytes that are not UTF-8, at line and column.

    ``notes.csv:7: note: byte 0xFF is not UTF-8 (the rest of the file is; retype the text of this
    cell)``. The file is parsed with each bad byte kept as a stand-in, so the line is the physical
    line a record starts on and the column is the header's name for the cell.
    """
    text = data.decode("utf-8", "surrogateescape")
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    problems: list[str] = []
    end = 0
    for values in reader:
        start, end = end + 1, reader.line_num
        if header is None:
            header = [v.strip() for v in values]
        for column, value in enumerate(values):
            bad = sorted({ord(c) - 0xDC00 for c in value if 0xDC80 <= ord(c) <= 0xDCFF})
            if not bad:
                continue
            field = header[column] if column < len(header) and header[column] else f"column {column + 1}"
            shown = ", ".join(f"0x{b:02X}" for b in bad[:5])
            problems.append(
                f"{name}:{start}: {field}: byte{'s' if len(bad) > 1 else ''} {shown} "
                f"{'are' if len(bad) > 1 else 'is'} not UTF-8 (the rest of the file is UTF-8; retype "
                "the text of this cell, the file was not read)"
            )
            if len(problems) >= limit:
                return [*problems, f"{name}: … and possibly more cells with bytes that are not UTF-8"]
    return problems or [f"{name}: not UTF-8"]


def encoding_problem(data: bytes, name: str, delimiter: str = ",") -> list[str]:
    """Why ``data`` (which failed to decode as UTF-8) cannot be read, in one or a few lines."""
    foreign = foreign_encoding(data)
    if foreign:
        excel = ' (Excel\'s "Unicode Text")' if foreign.startswith("UTF-16LE with tabs") else ""
        return [f"{name}: the file is {foreign}{excel}, not UTF-8: {SAVE_AS}"]
    if looks_like_utf8(data):
        return stray_bytes(data, name, delimiter)
    try:
        data.decode("utf-8")
        line = 1
    except UnicodeDecodeError as bad:
        line = data[: bad.start].count(b"\n") + 1
    return [
        f"{name}:{line}: not UTF-8 (from this line on, the non-ASCII bytes look like a legacy encoding "
        f"such as windows-1251): {SAVE_AS}"
    ]
