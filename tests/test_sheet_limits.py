"""Spreadsheet reading is bounded: rows, cells and cell text past the limits are refused fast and small (issue 19).

The shared-strings bomb is in ``tests/test_invisible.py``. The same trick works with the sheet
itself: a 2.5 MB file of a million two-cell rows was refused only after openpyxl had read 200,001
of them (12 s); 15 million cells right of the header in a 1.3 MB file were all parsed (196 s)
and the sheet accepted; one 480 MB cell took 15 s and 1.2 GB. Each is refused now from the packed
XML, before openpyxl reads anything; each is measured in a child process, as a user's run would be.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kzperception.data.corpus import CorpusError
from kzperception.fieldwork import sheet_cells

MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADER = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>economic</t></is></c></row>'
)


def _prefixed(xml: bytes, prefix: bytes) -> bytes:
    """``xml`` with every element in the namespace ``prefix`` (``x:``) instead of the default one."""
    return xml.replace(b"</", b"\0").replace(b"<", b"<" + prefix).replace(b"\0", b"</" + prefix) if prefix else xml


def _sheet(path: Path, rows, prefix: bytes = b"") -> Path:
    """A coding workbook whose first sheet's XML is written from ``rows`` (bytes, one row element each)."""
    book = openpyxl.Workbook()
    book.active.append(["id", "economic"])
    book.save(path)
    with zipfile.ZipFile(path) as packed:
        parts = {i.filename: packed.read(i.filename) for i in packed.infolist()}
    ns = b" xmlns:" + prefix[:-1] if prefix else b" xmlns"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as packed:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                packed.writestr(name, data)
        with packed.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as xml:
            xml.write(
                b'<?xml version="1.0" encoding="UTF-8"?><'
                + prefix
                + b"worksheet"
                + ns
                + b'="'
                + MAIN
                + b'">'
                + _prefixed(b"<sheetData>" + HEADER, prefix)
            )
            for row in rows:
                xml.write(_prefixed(row, prefix))
            xml.write(_prefixed(b"</sheetData></worksheet>", prefix))
    return path


def _row(number: int, cells: int) -> bytes:
    """Row ``number``: its id, ``main``, and ``cells - 2`` numbers right of the header."""
    return (
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>r%d</t></is></c>' % (number, number, number)
        + b'<c t="inlineStr"><is><t>main</t></is></c>'
        + b'<c t="n"><v>1</v></c>' * (cells - 2)
        + b"</row>"
    )


def _big_cell(mebibytes: int):
    yield b'<row r="2"><c r="A2" t="inlineStr"><is><t>r1</t></is></c><c r="B2" t="inlineStr"><is><t>'
    for _ in range(mebibytes):
        yield b"x" * (1 << 20)
    yield b"</t></is></c></row>"


PROBE = (
    "import resource, sys, time\n"
    "from kzperception.fieldwork.sheet_cells import read_table\n"
    "from kzperception.data.corpus import CorpusError\n"
    "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "t = time.monotonic()\n"
    "try:\n    read_table(sys.argv[1])\n    print('read')\nexcept CorpusError as err:\n    print(err)\n"
    "print(time.monotonic() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (
            "a million rows",
            "coding-anna.xlsx: more than 200,000 rows, over the limit for a sheet (docs/reliability.md); split it",
        ),
        (
            "4 million cells",
            "coding-anna.xlsx: holds more than 2,000,000 cells, over the limit for a sheet "
            "(docs/reliability.md); keep only the columns the coding needs, split it, or save it as CSV "
            "UTF-8",
        ),
        (
            "a 200 MB cell",
            "coding-anna.xlsx: xl/worksheets/sheet1.xml holds a text of more than 256 KB without markup, "
            "longer than any cell can hold (Excel: 32,767 characters); not read",
        ),
    ],
)
def test_a_sheet_bomb_is_refused_in_under_5_s_and_300_mb(tmp_path, case, expected):
    path = tmp_path / "coding-anna.xlsx"
    rows = {
        "a million rows": (_row(n, 2) for n in range(2, 1_000_002)),
        "4 million cells": (_row(n, 100) for n in range(2, 40_002)),
        "a 200 MB cell": _big_cell(200),
    }[case]
    _sheet(path, rows)
    assert path.stat().st_size < 10_000_000  # small on disk, large unpacked
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, check=True, timeout=600
    )
    message, cost = done.stdout.strip().splitlines()
    assert message == expected
    seconds, grown_kb = cost.split()
    assert float(seconds) < 5 and int(grown_kb) < 300 * 1024, cost


def test_sheets_at_the_limits_are_read_and_past_them_refused(tmp_path, monkeypatch):
    """The limits count what they say: rows (the header is not one), cells, a namespace prefix too."""
    monkeypatch.setattr(sheet_cells, "XLSX_MAX_ROWS", 5)
    monkeypatch.setattr(sheet_cells, "XLSX_MAX_CELLS", 12)
    for prefix in (b"", b"x:"):
        path = _sheet(tmp_path / f"ok{len(prefix)}.xlsx", [_row(n, 2) for n in range(2, 7)], prefix)
        assert len(sheet_cells.read_table(path)) == 5  # 5 rows, 12 cells with the header: at both limits
        path = _sheet(tmp_path / f"rows{len(prefix)}.xlsx", [_row(n, 2) for n in range(2, 8)], prefix)
        with pytest.raises(CorpusError, match=r"more than 5 rows"):
            sheet_cells.read_table(path)
        path = _sheet(tmp_path / f"cells{len(prefix)}.xlsx", [_row(2, 3), *(_row(n, 2) for n in range(3, 7))], prefix)
        with pytest.raises(CorpusError, match=r"more than 12 cells"):
            sheet_cells.read_table(path)


def test_the_longest_text_a_cell_can_hold_is_read(tmp_path):
    """32,767 characters, each written at its longest (``&amp;``, a four-byte letter), stay readable."""
    for text in ("&" * 32_767, "\U0001f600" * 16_383, "<" * 32_767):
        path = tmp_path / "coding-anna.xlsx"
        book = openpyxl.Workbook()
        book.active.append(["id", "economic", "note"])
        book.active.append(["r1", "main", text])
        book.save(path)
        assert sheet_cells.read_table(path)["note"].tolist() == [text]
