"""Nothing a reader cannot see changes a count (issue 19): NFC, hidden characters, near misses.

Every corpus here is synthetic, built from the small test corpus of conftest.py. The shared-strings
bomb, measured in a child process, is in tests/commands/test_invisible_commands.py.
"""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest
from helpers.workbooks import write_workbook

from kzperception.data.corpus import CorpusError, corpus_from_frames, load_corpus
from kzperception.data.corpus_text import char_name, near_miss
from kzperception.data.counts import corpus_code_counts, corpus_report_counts
from kzperception.data.window import THESIS_WINDOW
from tests.conftest import CODES_HEADER, REPORTS_HEADER, SMALL_CODES, SMALL_REPORTS
from tests.conftest import write_corpus as write_files


def _problems(tmp_path, reports=SMALL_REPORTS, codes=SMALL_CODES) -> list[str]:
    folder = write_files(tmp_path / "bad", reports, codes)
    with pytest.raises(CorpusError) as info:
        load_corpus(folder)
    return info.value.problems


def test_a_coder_differing_only_in_case_is_a_near_miss_not_a_second_coder(tmp_path):
    # 'Primary' on two rows: those reports used to vanish from every table of primary's codes.
    codes = SMALL_CODES.replace(
        "r8,educational_scientific,cooperation,main,primary", "r8,educational_scientific,cooperation,main,Primary"
    )
    codes = codes.replace(
        "r7,security_military,cooperation,main,primary", "r7,security_military,cooperation,main,Primary"
    )
    problems = _problems(tmp_path, codes=codes)
    assert problems == [
        "codes.csv:11: coder: 'Primary': did you mean 'primary'? (coder names are matched exactly, "
        "case included; 2 codes name 'Primary', 9 name 'primary')"
    ]


def test_a_coder_with_a_zero_width_joiner_is_refused_with_its_code_point(tmp_path):
    codes = SMALL_CODES.replace("primary", "anna")
    codes = codes.replace("r1,economic,cooperation,main,anna", "r1,economic,cooperation,main,anna\u200d")
    problems = _problems(tmp_path, codes=codes)
    assert len(problems) == 1, problems
    assert problems[0].startswith("codes.csv:2: coder: 'anna\\u200d' holds U+200D ZERO WIDTH JOINER")


def test_an_id_with_a_zero_width_space_is_refused_not_counted_as_a_ninth_report(tmp_path):
    reports = SMALL_REPORTS + "r1\u200b,china,government,mfa,2021-01-01,,,,,,synthetic\n"
    codes = SMALL_CODES + "r1\u200b,economic,cooperation,main,primary\n"
    problems = _problems(tmp_path, reports, codes)
    assert problems == [
        "reports.csv:10: id: 'r1\\u200b' holds U+200B ZERO WIDTH SPACE, a character a reader cannot see (delete it; "
        "this field is matched exactly, so it would make a second value that prints like the first)",
        "codes.csv:13: report_id: 'r1\\u200b' holds U+200B ZERO WIDTH SPACE, a character a reader cannot see "
        "(delete it; this field is matched exactly, so it would make a second value that prints like the first)",
    ]


@pytest.mark.parametrize(
    "char", ["\u202e", "\u2066", "\ufeff", "\x07", "\u2028", "\u2029", "\u00ad", "\u034f", "\ufe0f", "\u3164", "\u2800"]
)
@pytest.mark.parametrize("field", ["country", "website", "category", "mode", "level", "coder"])
def test_every_key_field_refuses_every_kind_of_hidden_character(tmp_path, char, field):
    reports, codes = SMALL_REPORTS, SMALL_CODES
    if field == "country":
        reports = reports.replace("r2,china", f"r2,chi{char}na")
    elif field == "website":
        reports = reports.replace("r2,china,government", f"r2,china,govern{char}ment")
    else:
        column = {"category": 1, "mode": 2, "level": 3, "coder": 4}[field]
        values = ["r2", "political_diplomatic", "cooperation", "main", "primary"]
        values[column] = values[column][:3] + char + values[column][3:]
        codes = codes.replace("r2,political_diplomatic,cooperation,main,primary", ",".join(values))
    problems = _problems(tmp_path, reports, codes)
    line = "reports.csv:3" if field in ("country", "website") else "codes.csv:4"
    assert any(p.startswith(f"{line}: {field}: ") and char_name(char) in p for p in problems), problems
    # said once, not again as "not one of" or as an unknown value
    assert sum(p.startswith(f"{line}: {field}:") for p in problems) == 1, problems


#: Characters outside Cf/Cc/Zl/Zp that print as nothing: Unicode's Default_Ignorable_Code_Point
#: letters and marks (combining grapheme joiner, Hangul fillers, Khmer inherent vowels, Mongolian
#: variation selectors, variation selectors and their supplement) and the braille blank.
IGNORABLE = ["\u034f", "\ufe0f", "\u3164", "\u2800", "\u115f", "\u17b4", "\u180b", "\uffa0", "\U000e0100"]


@pytest.mark.parametrize("char", IGNORABLE, ids=lambda c: f"U+{ord(c):04X}")
def test_an_id_with_an_ignorable_character_is_refused_not_counted_as_a_ninth_report(tmp_path, char):
    reports = SMALL_REPORTS + f"r1{char},china,government,mfa,2021-01-01,,,,,,synthetic\n"
    codes = SMALL_CODES + f"r1{char},economic,cooperation,main,primary\n"
    problems = _problems(tmp_path, reports, codes)
    escaped = f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"
    tail = (
        f" holds {char_name(char)}, a character a reader cannot see (delete it; "
        "this field is matched exactly, so it would make a second value that prints like the first)"
    )
    # the value is shown with the character escaped: printed raw it would look like plain 'r1'
    assert problems == [f"reports.csv:10: id: 'r1{escaped}'" + tail, f"codes.csv:13: report_id: 'r1{escaped}'" + tail]


@pytest.mark.parametrize("char", ["\u034f", "\ufe0f", "\u2800", "\u3164"], ids=lambda c: f"U+{ord(c):04X}")
def test_a_coder_with_an_ignorable_character_is_refused_once(tmp_path, char):
    codes = SMALL_CODES.replace("primary", "anna")
    codes = codes.replace("r1,economic,cooperation,main,anna", f"r1,economic,cooperation,main,anna{char}")
    problems = _problems(tmp_path, codes=codes)
    assert len(problems) == 1, problems  # not again as a mixed script (U+3164 is a Hangul letter)
    assert problems[0].startswith(f"codes.csv:2: coder: 'anna\\u{ord(char):04x}' holds {char_name(char)}")


def test_an_id_mixing_scripts_is_refused_not_counted_as_a_second_report(tmp_path):
    # 'ra1' and 'rа1' (Cyrillic а) print alike: they were two reports.
    reports = SMALL_REPORTS + "ra1,china,government,mfa,2021-01-01,,,,,,synthetic\n"
    reports += "r\u04301,china,government,mfa,2021-01-02,,,,,,synthetic\n"
    codes = SMALL_CODES + "ra1,economic,cooperation,main,primary\nr\u04301,economic,cooperation,main,primary\n"
    problems = _problems(tmp_path, reports, codes)
    tail = (
        " mixes scripts (Cyrillic, Latin): it contains Cyrillic 'а' (U+0430), which print like Latin letters; "
        "write the id in one script"
    )
    assert problems == ["reports.csv:11: id: 'rа1'" + tail, "codes.csv:14: report_id: 'rа1'" + tail]


def test_an_id_in_one_script_other_than_latin_is_accepted(tmp_path):
    reports = SMALL_REPORTS.replace("r8,", "р8-ё,")  # Cyrillic letters only, digits and a hyphen
    codes = SMALL_CODES.replace("r8,", "р8-ё,")
    corpus = load_corpus(write_files(tmp_path / "c", reports, codes))
    assert "р8-ё" in set(corpus.reports["id"])


def test_ids_in_nfc_and_nfd_are_one_report(tmp_path):
    nfc, nfd = unicodedata.normalize("NFC", "ré0"), unicodedata.normalize("NFD", "ré0")
    assert nfc != nfd
    reports = SMALL_REPORTS.replace("r8,", f"{nfc},")
    codes = SMALL_CODES.replace("r8,", f"{nfd},")
    corpus = load_corpus(write_files(tmp_path / "c", reports, codes))
    assert nfc in set(corpus.reports["id"])
    assert (corpus.codes["report_id"] == nfc).sum() == 1
    plain = load_corpus(write_files(tmp_path / "plain", SMALL_REPORTS, SMALL_CODES))
    assert corpus_code_counts(corpus, THESIS_WINDOW)["n"].sum() == corpus_code_counts(plain, THESIS_WINDOW)["n"].sum()


def test_free_text_is_normalised_to_nfc_too(tmp_path):
    nfd = unicodedata.normalize("NFD", "Астана й")
    reports = SMALL_REPORTS.replace(
        "r1,china,government,mfa,2020-08-24,,", f"r1,china,government,mfa,2020-08-24,,{nfd}"
    )
    corpus = load_corpus(write_files(tmp_path / "c", reports, SMALL_CODES))
    assert corpus.reports.loc[corpus.reports["id"] == "r1", "title_ru"].iloc[0] == unicodedata.normalize("NFC", nfd)


def test_a_cyrillic_letter_in_a_partner_is_named(tmp_path):
    problems = _problems(tmp_path, SMALL_REPORTS.replace("r2,china", "r2,\u0441hina"))
    assert problems == [
        "reports.csv:3: country: 'сhina' contains Cyrillic 'с' (U+0441); the values are written in "
        "Latin letters only (one of china|russia)"
    ]


def test_a_vocabulary_value_in_capitals_is_a_near_miss(tmp_path):
    problems = _problems(
        tmp_path,
        codes=SMALL_CODES.replace(
            "r2,political_diplomatic,cooperation,main", "r2,political_diplomatic,cooperation,Main"
        ),
    )
    assert problems[0] == "codes.csv:4: level: 'Main': did you mean 'main'? (values are matched exactly, case included)"
    assert not any("not one of" in p for p in problems)


def test_a_coder_name_mixing_scripts_is_refused(tmp_path):
    codes = SMALL_CODES.replace("primary", "anna").replace(
        "r3,economic,cooperation,main,anna", "r3,economic,cooperation,main,\u0430nna"
    )
    problems = _problems(tmp_path, codes=codes)
    assert problems == [
        "codes.csv:5: coder: 'аnna' mixes scripts (Cyrillic, Latin): it contains Cyrillic 'а' "
        "(U+0430), which print like Latin letters; write the name in one script"
    ]


def test_importer_frames_get_the_same_rules():
    reports = pd.read_csv(__import__("io").StringIO(REPORTS_HEADER + SMALL_REPORTS), dtype=str, keep_default_na=False)
    codes = pd.read_csv(__import__("io").StringIO(CODES_HEADER + SMALL_CODES), dtype=str, keep_default_na=False)
    codes.loc[0, "coder"] = "Primary"
    reports.loc[1, "id"] = "r2\u2060"
    with pytest.raises(CorpusError) as info:
        corpus_from_frames(reports, codes)
    text = "\n".join(info.value.problems)
    assert "U+2060 WORD JOINER" in text and "did you mean 'primary'" in text


def test_a_clean_corpus_counts_as_before(small_corpus):
    corpus = load_corpus(small_corpus)
    assert corpus_report_counts(corpus, THESIS_WINDOW)["n"].sum() == 6  # r5 and r6 fall outside the thesis window


def test_near_miss_says_nothing_for_a_plainly_different_value():
    assert near_miss("japan", ("china", "russia")) is None
    assert near_miss("CHINA", ("china", "russia")) is not None
    assert near_miss("ｃhina", ("china", "russia")).startswith("'ｃhina': did you mean 'china'?")


# --- encodings and spreadsheets (synthetic sheets) -------------------------------------------------------------


def _corpus_with_reports_bytes(tmp_path, data: bytes):
    folder = write_files(tmp_path / "enc", SMALL_REPORTS, SMALL_CODES)
    (folder / "reports.csv").write_bytes(data)
    with pytest.raises(CorpusError) as info:
        load_corpus(folder)
    return info.value.problems


def test_a_corpus_saved_as_excel_unicode_text_is_named(tmp_path):
    text = (REPORTS_HEADER + SMALL_REPORTS).replace(",", "\t")
    problems = _corpus_with_reports_bytes(tmp_path, b"\xff\xfe" + text.encode("utf-16-le"))
    assert problems == [
        'reports.csv: the file is UTF-16LE with tabs (Excel\'s "Unicode Text"), not UTF-8: '
        'save it as "CSV UTF-8 (comma delimited)" and use that file'
    ]
    problems = _corpus_with_reports_bytes(tmp_path, text.encode("utf-16-le"))  # no byte-order mark
    assert problems[0].startswith("reports.csv: the file is UTF-16LE with tabs")


def test_a_stray_byte_in_a_utf8_corpus_is_named_at_its_line_and_cell(tmp_path):
    reports = SMALL_REPORTS.replace(
        "r3,china,president,akorda,2022-02-24,,", "r3,china,president,akorda,2022-02-24,,Кит"
    )
    data = (REPORTS_HEADER + reports).encode("utf-8").replace("Кит".encode(), "Кит".encode() + b"\xff")
    problems = _corpus_with_reports_bytes(tmp_path, data)
    assert problems == [
        "reports.csv:4: title_ru: byte 0xFF is not UTF-8 (the rest of the file is UTF-8; retype the "
        "text of this cell, the file was not read)"
    ]


def _sheet_bytes(tmp_path, data: bytes):
    from kzperception.fieldwork.sheet_cells import read_table

    path = tmp_path / "coding-anna.csv"
    path.write_bytes(data)
    return read_table, path


def test_a_stray_byte_in_a_utf8_sheet_is_named_never_read_as_cp1251(tmp_path):
    rows = "id,title_ru,note\nr1,Поставки в Китай,ок\nr2,Визит в Москву,замечание\nr3,Договор,x\n"
    data = rows.encode("utf-8").replace(b"x\n", b"x\xff\n")
    read_table, path = _sheet_bytes(tmp_path, data)
    with pytest.raises(CorpusError) as info:
        read_table(path)
    assert info.value.problems == [
        "coding-anna.csv:4: note: byte 0xFF is not UTF-8 (the rest of the file is UTF-8; "
        "retype the text of this cell, the file was not read)"
    ]
    # A whole sheet from ANSI Excel (windows-1251) is still read: no UTF-8 text in it to damage.
    path.write_bytes(rows.replace("x\n", "y\n").encode("cp1251"))
    assert read_table(path)["title_ru"].tolist() == ["Поставки в Китай", "Визит в Москву", "Договор"]


def test_a_sheet_saved_as_unicode_text_is_named(tmp_path):
    read_table, path = _sheet_bytes(tmp_path, b"\xff\xfe" + "id\tnote\nr1\tок\n".encode("utf-16-le"))
    with pytest.raises(CorpusError, match=r"coding-anna\.csv: the file is UTF-16LE with tabs \(Excel's "):
        read_table(path)


def test_a_formula_cell_without_a_stored_value_is_an_error_naming_the_cell(tmp_path):
    from kzperception.fieldwork.sheet_cells import read_table

    path = tmp_path / "coding-anna.xlsx"
    write_workbook(path, [["id", "economic", "cultural"], ["r1", "main", None], ["r2", "main", None]], "C3")
    with pytest.raises(CorpusError) as info:
        read_table(path)
    assert info.value.problems == [
        'coding-anna.xlsx: cell C3 (cultural): a formula \'=IF(1=1,"secondary","")\' with no stored value; type the '
        "value itself (or open and save the file in Excel or LibreOffice, which store the computed value)"
    ]
    write_workbook(path, [["id", "economic", "cultural"], ["r1", "main", None], ["r2", "main", "secondary"]])
    assert read_table(path)["cultural"].tolist() == ["", "secondary"]


def test_rows_and_columns_past_the_limits_are_refused(tmp_path, monkeypatch):
    from kzperception.fieldwork import sheet_cells

    path = tmp_path / "coding-anna.xlsx"
    write_workbook(path, [["id", "economic"], *[[f"r{i}", "main"] for i in range(12)]])
    monkeypatch.setattr(sheet_cells, "XLSX_MAX_ROWS", 10)
    with pytest.raises(CorpusError, match=r"more than 10 rows, over the limit"):
        sheet_cells.read_table(path)
    monkeypatch.setattr(sheet_cells, "XLSX_MAX_ROWS", 200_000)
    monkeypatch.setattr(sheet_cells, "XLSX_MAX_COLUMNS", 1)
    with pytest.raises(CorpusError, match=r"coding-anna\.xlsx:1: header: more than 1 columns"):
        sheet_cells.read_table(path)
    monkeypatch.setattr(sheet_cells, "XLSX_MAX_UNPACKED", 100)
    with pytest.raises(CorpusError, match=r"unpacks to .* over the limit"):
        sheet_cells.read_table(path)
