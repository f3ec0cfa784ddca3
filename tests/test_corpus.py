"""The loader: a valid corpus loads; each rule of DESIGN.md refuses its own bad case."""

from __future__ import annotations

import pytest

from kzperception.corpus import CorpusError, load_corpus, write_corpus
from tests.conftest import SMALL_CODES, SMALL_REPORTS
from tests.conftest import write_corpus as write_files


def test_valid_corpus_loads(small_corpus):
    corpus = load_corpus(small_corpus)
    assert len(corpus.reports) == 8
    assert len(corpus.codes) == 11
    assert corpus.coders == ["primary"]
    assert corpus.is_synthetic
    assert str(corpus.reports["date"].dtype).startswith("datetime64")


def _problems(tmp_path, reports=SMALL_REPORTS, codes=SMALL_CODES):
    folder = write_files(tmp_path / "bad", reports, codes)
    with pytest.raises(CorpusError) as info:
        load_corpus(folder)
    return info.value.problems


@pytest.mark.parametrize(
    ("reports", "codes", "expected"),
    [
        (SMALL_REPORTS + "r1,china,government,mfa,2021-01-01,,,,,,synthetic\n", SMALL_CODES,
         "reports.csv:10: id: duplicate id 'r1' (first on line 2)"),
        (SMALL_REPORTS.replace("2022-02-23", "2022-02-30"), SMALL_CODES,
         "reports.csv:3: date: '2022-02-30' is not a date (YYYY-MM-DD)"),
        (SMALL_REPORTS.replace("2021-01-10", "10.01.2021"), SMALL_CODES,
         "reports.csv:8: date: '10.01.2021' is not a date (YYYY-MM-DD)"),
        (SMALL_REPORTS.replace("r2,china", "r2,japan"), SMALL_CODES,
         "reports.csv:3: country: 'japan' is not one of china|russia"),
        (SMALL_REPORTS.replace("r3,china,president", "r3,china,parliament"), SMALL_CODES,
         "reports.csv:4: website: 'parliament' is not one of government|president"),
        (SMALL_REPORTS, SMALL_CODES + "r9,economic,cooperation,main,primary\n",
         "codes.csv:13: report_id: unknown report id 'r9'"),
        (SMALL_REPORTS, SMALL_CODES.replace("r8,educational_scientific", "r8,sport"),
         "codes.csv:12: category: 'sport' is not one of"),
        (SMALL_REPORTS, SMALL_CODES.replace("r7,security_military,cooperation", "r7,security_military,hostile"),
         "codes.csv:11: mode: 'hostile' is not one of cooperation|non_cooperation"),
        (SMALL_REPORTS, SMALL_CODES.replace("security_military,cooperation,main", "security_military,cooperation,x"),
         "codes.csv:11: level: 'x' is not one of main|secondary"),
        (SMALL_REPORTS, SMALL_CODES + "r8,cross_border,non_cooperation,secondary,primary\n",
         "codes.csv:13: mode: 'cross_border' has no non-cooperation variant"),
        (SMALL_REPORTS, SMALL_CODES + "r2,political_diplomatic,cooperation,secondary,primary\n",
         "codes.csv:13: level: 'political_diplomatic' is both main and secondary for report 'r2'"),
        (SMALL_REPORTS, SMALL_CODES.replace("r8,educational_scientific,cooperation,main", "r8,cultural,x,secondary")
         .replace("r8,cultural,x", "r8,educational_scientific,cooperation"),
         "reports.csv:9: id: report 'r8' has no main code"),
        (SMALL_REPORTS.replace("r4,russia,government,mti,2023-08-24", "r4,russia,government,mti,"), SMALL_CODES,
         "reports.csv:5: date: missing value"),
    ],
)
def test_each_rule_names_file_row_and_field(tmp_path, reports, codes, expected):
    problems = _problems(tmp_path, reports, codes)
    assert any(p.startswith(expected) for p in problems), problems


def test_every_problem_is_reported_at_once(tmp_path):
    reports = SMALL_REPORTS.replace("r2,china", "r2,japan").replace("2021-01-10", "2021-13-10")
    problems = _problems(tmp_path, reports, SMALL_CODES + "r9,economic,cooperation,main,primary\n")
    assert len(problems) == 3


def test_missing_required_column(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "reports.csv").write_text("id,country,date\nr1,china,2021-01-01\n", encoding="utf-8")
    (folder / "codes.csv").write_text("report_id,category,mode,level\nr1,economic,cooperation,main\n")
    with pytest.raises(CorpusError) as info:
        load_corpus(folder)
    assert info.value.problems == ["reports.csv: website: required column missing"]


def test_missing_files_and_folder(tmp_path):
    with pytest.raises(CorpusError, match=r"not a folder"):
        load_corpus(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match=r"reports\.csv: file missing"):
        load_corpus(tmp_path / "empty")


def test_not_utf8(tmp_path):
    folder = write_files(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    (folder / "reports.csv").write_bytes("id,country\nр1,china\n".encode("cp1251"))
    with pytest.raises(CorpusError, match=r"reports\.csv(:\d+)?: not UTF-8"):
        load_corpus(folder)


def test_not_utf8_in_a_later_row_names_the_line(tmp_path):
    folder = write_files(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    row = b"r7,russia,president,akorda,2021-01-10,,"
    data = (folder / "reports.csv").read_bytes().replace(row, row + "Кремль".encode("cp1251"))
    (folder / "reports.csv").write_bytes(data)
    with pytest.raises(CorpusError, match=r"reports\.csv:8: not UTF-8"):
        load_corpus(folder)


def test_coder_defaults_to_primary(tmp_path):
    folder = write_files(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    text = (folder / "codes.csv").read_text().replace(",coder", "").replace(",primary", "")
    (folder / "codes.csv").write_text(text)
    assert load_corpus(folder).coders == ["primary"]


def test_write_corpus_validates_and_writes_nothing_when_bad(tmp_path, small_corpus):
    corpus = load_corpus(small_corpus)
    reports = corpus.reports.assign(date=corpus.reports["date"].dt.strftime("%Y-%m-%d")).astype(
        {"country": str, "website": str})
    out = tmp_path / "out"
    write_corpus(reports, corpus.codes, out)
    assert len(load_corpus(out).reports) == 8
    bad = reports.copy()
    bad.loc[0, "country"] = "japan"
    with pytest.raises(CorpusError):
        write_corpus(bad, corpus.codes, tmp_path / "out2")
    assert not (tmp_path / "out2").exists()
