"""Coding workbooks written with openpyxl, shared by tests/unit/test_invisible.py and
tests/commands/test_invisible_commands.py."""

from __future__ import annotations


def write_workbook(path, rows, formula_cell=None):
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    for row in rows:
        ws.append(row)
    if formula_cell:
        ws[formula_cell] = '=IF(1=1,"secondary","")'  # openpyxl stores no computed value
    book.save(path)
