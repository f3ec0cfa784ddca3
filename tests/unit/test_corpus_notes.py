"""A rerun book shows the notes a corpus keeps (issue 17: memos are research data): each counted
report's screening note and the counted coder's notes beside their codes, escaped, in date order."""

from __future__ import annotations

from pathlib import Path

from kzperception.book.views import corpus_notes, show_notes
from kzperception.data.counts import load_counts

REPORTS = """id,country,website,entity,date,url,title_ru,title_en,excerpt_ru,excerpt_en,provenance,note
r1,china,government,mfa,2021-03-01,,,,,,synthetic,kept: a joint commission on trade
r2,russia,president,akorda,2022-05-01,,,,,,synthetic,
r3,china,government,mfa,2019-01-01,,,,,,synthetic,outside the window: not shown
"""
CODES = """report_id,category,mode,level,coder,note
r1,economic,cooperation,main,anna,<script>alert(1)</script> trade volumes named
r1,economic,cooperation,main,ben,ben's note is not the counted coder's
r2,security_military,cooperation,main,anna,
r2,cultural,cooperation,secondary,anna,a concert mentioned in passing
r2,security_military,cooperation,main,ben,
r3,economic,cooperation,main,anna,
r3,economic,cooperation,main,ben,
"""


def _corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "reports.csv").write_text(REPORTS, encoding="utf-8")
    (folder / "codes.csv").write_text(CODES, encoding="utf-8")
    return folder


def test_the_counted_coders_notes_and_the_screening_notes_inside_the_window(tmp_path: Path) -> None:
    counts = load_counts(_corpus(tmp_path), coder="anna")
    notes = corpus_notes(counts)
    assert list(notes["Report"]) == ["r1", "r1", "r2"]
    assert list(notes["Written at"]) == ["screening", "coder anna: economic, main", "coder anna: cultural, secondary"]
    assert "ben's note" not in " ".join(notes["Note"])
    assert "outside the window" not in " ".join(notes["Note"])
    html = show_notes(counts).data
    assert "<script>" not in html and "&lt;script&gt;" in html  # a note is text, never markup
    assert "3 notes" in html and "China" in html


def test_the_published_figures_show_no_notes_and_a_corpus_without_notes_says_so(tmp_path: Path) -> None:
    assert show_notes(load_counts()) is None
    folder = _corpus(tmp_path)
    (folder / "reports.csv").write_text(REPORTS.replace("kept: a joint commission on trade", ""), encoding="utf-8")
    rows = "".join(",".join(line.split(",")[:5]) + ",\n" for line in CODES.splitlines()[1:])  # notes emptied
    (folder / "codes.csv").write_text("report_id,category,mode,level,coder,note\n" + rows, encoding="utf-8")
    shown = show_notes(load_counts(folder, coder="anna"))
    assert shown is not None and "No report this page counts carries" in shown.data
