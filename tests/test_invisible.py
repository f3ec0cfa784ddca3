"""Nothing a reader cannot see changes a count (issue 19): NFC, hidden characters, near misses.

Every corpus here is synthetic, built from the small test corpus of conftest.py.
"""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest

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
    codes = SMALL_CODES.replace("r8,educational_scientific,cooperation,main,primary",
                                "r8,educational_scientific,cooperation,main,Primary")
    codes = codes.replace("r7,security_military,cooperation,main,primary",
                          "r7,security_military,cooperation,main,Primary")
    problems = _problems(tmp_path, codes=codes)
    assert problems == ["codes.csv:11: coder: 'Primary': did you mean 'primary'? (coder names are matched exactly, "
                        "case included; 2 codes name 'Primary', 9 name 'primary')"]


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


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\ufeff", "\x07", "\u2028", "\u2029", "\u00ad"])
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
    reports = SMALL_REPORTS.replace("r1,china,government,mfa,2020-08-24,,",
                                    f"r1,china,government,mfa,2020-08-24,,{nfd}")
    corpus = load_corpus(write_files(tmp_path / "c", reports, SMALL_CODES))
    assert corpus.reports.loc[corpus.reports["id"] == "r1", "title_ru"].iloc[0] == unicodedata.normalize("NFC", nfd)


def test_a_cyrillic_letter_in_a_partner_is_named(tmp_path):
    problems = _problems(tmp_path, SMALL_REPORTS.replace("r2,china", "r2,\u0441hina"))
    assert problems == ["reports.csv:3: country: 'сhina' contains Cyrillic 'с' (U+0441); the values are written in "
                        "Latin letters only (one of china|russia)"]


def test_a_vocabulary_value_in_capitals_is_a_near_miss(tmp_path):
    problems = _problems(tmp_path, codes=SMALL_CODES.replace("r2,political_diplomatic,cooperation,main",
                                                             "r2,political_diplomatic,cooperation,Main"))
    assert problems[0] == "codes.csv:4: level: 'Main': did you mean 'main'? (values are matched exactly, case included)"
    assert not any("not one of" in p for p in problems)


def test_a_coder_name_mixing_scripts_is_refused(tmp_path):
    codes = SMALL_CODES.replace("primary", "anna").replace("r3,economic,cooperation,main,anna",
                                                          "r3,economic,cooperation,main,\u0430nna")
    problems = _problems(tmp_path, codes=codes)
    assert problems == ["codes.csv:5: coder: 'аnna' mixes scripts (Cyrillic, Latin): it contains Cyrillic 'а' "
                        "(U+0430), which print like Latin letters; write the name in one script"]


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
