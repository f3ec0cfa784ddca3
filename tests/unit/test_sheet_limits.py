"""Spreadsheet reading is bounded: rows, cells and cell text past the limits are refused fast and small (issue 19).

The shared-strings bomb is in ``tests/commands/test_invisible_commands.py``. The same trick works with the sheet
itself: a 2.5 MB file of a million two-cell rows was refused only after openpyxl had read 200,001
of them (12 s); 15 million cells right of the header in a 1.3 MB file were all parsed (196 s)
and the sheet accepted; one 480 MB cell took 15 s and 1.2 GB. Each is refused now from the packed
XML, before openpyxl reads anything; each bomb is measured in a child process, as a user's run would
be, in tests/commands/test_sheet_limits_commands.py.
"""

from __future__ import annotations

import openpyxl
import pytest
from helpers.sheet_xml import row_xml, write_sheet

from kzperception.data.corpus import CorpusError
from kzperception.fieldwork import sheet_cells


def test_sheets_at_the_limits_are_read_and_past_them_refused(tmp_path, monkeypatch):
    """The limits count what they say: rows (the header is not one), cells, a namespace prefix too."""
    monkeypatch.setattr(sheet_cells, "XLSX_MAX_ROWS", 5)
    monkeypatch.setattr(sheet_cells, "XLSX_MAX_CELLS", 12)
    for prefix in (b"", b"x:"):
        path = write_sheet(tmp_path / f"ok{len(prefix)}.xlsx", [row_xml(n, 2) for n in range(2, 7)], prefix)
        assert len(sheet_cells.read_table(path)) == 5  # 5 rows, 12 cells with the header: at both limits
        path = write_sheet(tmp_path / f"rows{len(prefix)}.xlsx", [row_xml(n, 2) for n in range(2, 8)], prefix)
        with pytest.raises(CorpusError, match=r"more than 5 rows"):
            sheet_cells.read_table(path)
        path = write_sheet(
            tmp_path / f"cells{len(prefix)}.xlsx", [row_xml(2, 3), *(row_xml(n, 2) for n in range(3, 7))], prefix
        )
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
