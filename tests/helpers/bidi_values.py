"""A synthetic corpus whose provenance values are right-to-left overrides, long and Hebrew values,
shared by tests/unit/test_bidi.py and tests/book/test_bidi_book.py."""

from __future__ import annotations

from pathlib import Path

from helpers.hostile_text import write_rows

RLO_VALUE = "collected\u202e"


LONG_VALUE = "x" * 400


HEBREW_VALUE = "\u05e2\u05d1\u05e8\u05d9\u05ea"


MIX = {RLO_VALUE: 12, LONG_VALUE: 3, HEBREW_VALUE: 5}


def write_bidi_corpus(base: Path) -> Path:
    folder = base / "bidi"
    folder.mkdir()
    reports, codes = [], []
    n = 0
    for provenance, count in MIX.items():
        for _ in range(count):
            country = ("china", "russia")[n % 2]
            date = ("2021-03-01", "2022-06-01")[(n // 2) % 2]
            reports.append([f"r{n}", country, "president", "akorda", date, "", "", "", "", "", provenance])
            codes.append([f"r{n}", "economic", "cooperation", "main", "primary"])
            n += 1
    write_rows(folder, reports, codes)
    return folder
