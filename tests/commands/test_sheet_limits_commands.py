"""A sheet bomb is refused in under 5 s and 300 MB, each measured in a child process as a user's run
would be (issue 19). The limits themselves are tested in tests/unit/test_sheet_limits.py."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers.sheet_xml import row_xml, write_sheet


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
        "a million rows": (row_xml(n, 2) for n in range(2, 1_000_002)),
        "4 million cells": (row_xml(n, 100) for n in range(2, 40_002)),
        "a 200 MB cell": _big_cell(200),
    }[case]
    write_sheet(path, rows)
    assert path.stat().st_size < 10_000_000  # small on disk, large unpacked
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, check=True, timeout=600
    )
    message, cost = done.stdout.strip().splitlines()
    assert message == expected
    seconds, grown_kb = cost.split()
    assert float(seconds) < 5 and int(grown_kb) < 300 * 1024, cost
