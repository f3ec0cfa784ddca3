"""Coding workbooks whose sheet XML is written row by row, shared by tests/unit/test_sheet_limits.py
and tests/commands/test_sheet_limits_commands.py."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl

MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


HEADER = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>economic</t></is></c></row>'
)


def _prefixed(xml: bytes, prefix: bytes) -> bytes:
    """``xml`` with every element in the namespace ``prefix`` (``x:``) instead of the default one."""
    return xml.replace(b"</", b"\0").replace(b"<", b"<" + prefix).replace(b"\0", b"</" + prefix) if prefix else xml


def write_sheet(path: Path, rows, prefix: bytes = b"") -> Path:
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


def row_xml(number: int, cells: int) -> bytes:
    """Row ``number``: its id, ``main``, and ``cells - 2`` numbers right of the header."""
    return (
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>r%d</t></is></c>' % (number, number, number)
        + b'<c t="inlineStr"><is><t>main</t></is></c>'
        + b'<c t="n"><v>1</v></c>' * (cells - 2)
        + b"</row>"
    )
