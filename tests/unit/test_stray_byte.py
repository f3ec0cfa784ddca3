"""A stray invalid byte in a UTF-8 corpus is named at its line and cell; the file is never re-read in a
guessed encoding (issue 19: one 0xFF in a note made a whole sheet read as windows-1251)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kzperception.data.corpus import CorpusError, load_corpus
from tests.conftest import REPORTS_HEADER, SMALL_CODES, SMALL_REPORTS
from tests.conftest import write_corpus as write_files

_ROWS = SMALL_REPORTS.splitlines()
_COLUMNS = REPORTS_HEADER.strip().split(",")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=st.integers(0, len(_ROWS) - 1), byte=st.integers(0xF8, 0xFF))
def test_stray_byte_is_named_at_its_line_and_field(tmp_path_factory, row, byte):
    """Cyrillic titles stay UTF-8 around the damage, so a legacy re-read would show as mojibake."""
    folder = tmp_path_factory.mktemp("c")
    rows = [r.replace(",synthetic", ",Кремль и Пекин") for r in _ROWS]
    write_files(folder, "\n".join(rows) + "\n", SMALL_CODES)
    line = rows[row].encode("utf-8")
    damaged = line.replace("Кремль".encode(), "Кре".encode() + bytes([byte]) + "мль".encode())
    (folder / "reports.csv").write_bytes((folder / "reports.csv").read_bytes().replace(line, damaged, 1))
    with pytest.raises(CorpusError) as err:
        load_corpus(folder)
    text = "\n".join(err.value.problems)
    assert f"reports.csv:{row + 2}: {_COLUMNS[-1]}: byte 0x{byte:02X} is not UTF-8" in text
    assert "windows-1251" not in text and "Кремль" not in text


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=st.integers(2, 6), byte=st.integers(0xF8, 0xFF), delimiter=st.sampled_from([",", ";", "\t"]))
def test_stray_byte_in_a_sheet_is_named_at_its_cell(tmp_path_factory, line, byte, delimiter):
    """A coding sheet (CSV) gets the same answer: the cell, not a windows-1251 re-read of every title."""
    from kzperception.fieldwork.sheet_cells import read_raw

    rows = [delimiter.join(["id", "title_ru", "note"])]
    rows += [delimiter.join([f"r{i}", "Визит в Пекин", "заметка"]) for i in range(1, 6)]
    data = ("\n".join(rows) + "\n").encode("utf-8")
    target = rows[line - 1].encode("utf-8")
    data = data.replace(target, target[:-2] + bytes([byte]) + target[-2:], 1)
    path = tmp_path_factory.mktemp("s") / "sheet.csv"
    path.write_bytes(data)
    with pytest.raises(CorpusError) as err:
        read_raw(path)
    text = "\n".join(err.value.problems)
    assert f"sheet.csv:{line}: note: byte 0x{byte:02X} is not UTF-8" in text
    assert "Пекин" not in text
