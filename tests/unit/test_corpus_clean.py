"""``kzperception validate``'s pandas-free fast path says what the full loader says (issue 22).

:func:`kzperception.data.corpus_clean.clean_summary` may only ever answer "valid, with these
figures" for a corpus the loader accepts with the same figures; for anything else it answers
``None`` and the loader words the problems. Each test here runs ``validate`` twice, with the fast
path and with it switched off, over the project's corpora and hostile variants of them, and asserts
the same exit status, stdout and stderr byte for byte. tests/commands/test_corpus_clean_commands.py
checks, in a fresh interpreter, that ``--help`` and ``validate`` of a valid corpus import neither
pandas nor pyarrow.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import hypothesis
import pytest
from hypothesis import strategies as st
from typer.testing import CliRunner

from kzperception import paths
from kzperception.cli import app
from kzperception.data import corpus_clean
from kzperception.data.corpus import CorpusError, clear_corpus_cache, load_corpus
from kzperception.data.corpus_clean import CleanSummary, clean_summary
from kzperception.data.corpus_format import TRIMMED_COLUMNS
from kzperception.data.corpus_text import KEY_FIELDS
from kzperception.data.vocabulary import DEFAULT

runner = CliRunner()
REGISTER = paths.ROOT / "data" / "register"
#: Every corpus folder the project ships (a folder of data/ with both files).
CORPORA = sorted(p.parent for p in (paths.ROOT / "data").glob("*/reports.csv") if (p.parent / "codes.csv").is_file())


def validate(folder: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    """``kzperception validate FOLDER``'s exit status, stdout and stderr, with or without the fast path."""
    clear_corpus_cache()
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(corpus_clean, "clean_summary", lambda folder: None)
        result = runner.invoke(app, ["validate", str(folder)])
    return result.exit_code, result.stdout, result.stderr


def loader_summary(folder: Path) -> CleanSummary | None:
    """What the full loader says of ``folder``, as a :class:`CleanSummary`; ``None`` if it refuses it."""
    clear_corpus_cache()
    try:
        corpus = load_corpus(folder)
    except CorpusError:
        return None
    return CleanSummary(len(corpus.reports), len(corpus.codes), corpus.coders, corpus.provenance_mix)


def assert_same(folder: Path, monkeypatch: pytest.MonkeyPatch) -> CleanSummary | None:
    """Both paths agree on ``folder``; returns the fast path's answer."""
    fast = clean_summary(folder)
    if fast is not None:
        assert fast == loader_summary(folder)
    assert validate(folder, True, monkeypatch) == validate(folder, False, monkeypatch)
    return fast


def test_the_fast_path_checks_every_key_field_the_loader_trims():
    assert set(KEY_FIELDS) <= set(TRIMMED_COLUMNS)


@pytest.mark.parametrize("folder", CORPORA, ids=lambda p: p.name)
def test_the_project_corpora_take_the_fast_path_with_the_loaders_figures(folder, monkeypatch):
    assert CORPORA, "no corpus found in data/"
    assert assert_same(folder, monkeypatch) is not None


def _copy(tmp_path: Path, name: str) -> Path:
    out = tmp_path / name
    shutil.copytree(REGISTER, out)
    return out


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _write_rows(path: Path, rows: list[list[str]], **fmt: object) -> None:
    out = io.StringIO()
    csv.writer(out, **{"lineterminator": "\n", **fmt}).writerows(rows)  # type: ignore[arg-type]
    path.write_text(out.getvalue(), encoding="utf-8", newline="")


def _cell(file: str, column: str, row: int, value: str) -> Callable[[Path], None]:
    """Set one cell (``row`` counts data rows from 0) of a copy of the register."""

    def edit(folder: Path) -> None:
        rows = _rows(folder / file)
        rows[row + 1][rows[0].index(column)] = value
        _write_rows(folder / file, rows)

    return edit


def _text(file: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    """Replace ``old`` by ``new`` in a file of the copy, ``count`` times (-1: everywhere)."""

    def edit(folder: Path) -> None:
        text = (folder / file).read_text(encoding="utf-8")
        assert old in text
        (folder / file).write_text(text.replace(old, new, count), encoding="utf-8", newline="")

    return edit


def _bytes(file: str, change: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        (folder / file).write_bytes(change((folder / file).read_bytes()))

    return edit


def _drop_column(file: str, column: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        rows = _rows(folder / file)
        i = rows[0].index(column)
        _write_rows(folder / file, [row[:i] + row[i + 1 :] for row in rows])

    return edit


def _rewrite(file: str, **fmt: object) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        _write_rows(folder / file, _rows(folder / file), **fmt)

    return edit


def _second_coder(name: str, rows: int | None = None) -> Callable[[Path], None]:
    """Every code (or the first ``rows``) again, by coder ``name``."""

    def edit(folder: Path) -> None:
        table = _rows(folder / "codes.csv")
        coder = table[0].index("coder")
        extra = [[*row[:coder], name, *row[coder + 1 :]] for row in table[1 : None if rows is None else rows + 1]]
        _write_rows(folder / "codes.csv", table + extra)

    return edit


def _remove(file: str) -> Callable[[Path], None]:
    return lambda folder: (folder / file).unlink()


def _add_file(name: str, text: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_text(text, encoding="utf-8")


COOPERATION_ONLY = sorted(DEFAULT.cooperation_only)[0]

#: Ids, coder names and vocabulary values that print like valid ones but hold a character outside
#: Cf/Cc/Zl/Zp that renders as nothing (Python calls them printable), or letters of two scripts:
#: consistent throughout, so that a check of only unknown ids or the vocabulary would pass them.
IGNORABLE_VARIANTS: dict[str, Callable[[Path], None]] = {
    "combining grapheme joiner in an id": _text("reports.csv", "akorda-2021c,", "akorda-2021c\u034f,"),
    "combining grapheme joiner in an id and its codes": lambda folder: (
        _text("reports.csv", "akorda-2021c,", "akorda-2021c\u034f,")(folder),
        _text("codes.csv", "akorda-2021c,", "akorda-2021c\u034f,", -1)(folder),
    ),
    "variation selector in an id and its codes": lambda folder: (
        _text("reports.csv", "akorda-2021c,", "akorda-2021c\ufe0f,")(folder),
        _text("codes.csv", "akorda-2021c,", "akorda-2021c\ufe0f,", -1)(folder),
    ),
    "hangul filler in an id and its codes": lambda folder: (
        _text("reports.csv", "akorda-2021c,", "akorda-2021c\u3164,")(folder),
        _text("codes.csv", "akorda-2021c,", "akorda-2021c\u3164,", -1)(folder),
    ),
    "braille blank in an id and its codes": lambda folder: (
        _text("reports.csv", "akorda-2021c,", "akorda-2021c\u2800,")(folder),
        _text("codes.csv", "akorda-2021c,", "akorda-2021c\u2800,", -1)(folder),
    ),
    "combining grapheme joiner in the coder": _text("codes.csv", ",thesis,", ",thesis\u034f,", -1),
    "variation selector in the coder": _text("codes.csv", ",thesis,", ",thesis\ufe0f,", -1),
    "braille blank in the coder": _text("codes.csv", ",thesis,", ",thesis\u2800,", -1),
    "second coder with a combining grapheme joiner": _second_coder("thesis\u034f", 3),
    "variation selector in a country": _cell("reports.csv", "country", 1, "china\ufe0f"),
    "hangul filler in a category": _cell("codes.csv", "category", 1, "economic\u3164"),
    "id mixing scripts and its codes": lambda folder: (
        _text("reports.csv", "akorda-2021c,", "akorda-2021с,")(folder),  # Cyrillic с
        _text("codes.csv", "akorda-2021c,", "akorda-2021с,", -1)(folder),
    ),
}

#: Hostile variants of data/register: valid ones the fast path may or may not take, and broken ones
#: it must leave to the loader. Each is checked for the same output on both paths.
VARIANTS: dict[str, Callable[[Path], None]] = {
    "unchanged": lambda folder: None,
    "crlf": _bytes("reports.csv", lambda b: b.replace(b"\n", b"\r\n")),
    "crlf codes": _bytes("codes.csv", lambda b: b.replace(b"\n", b"\r\n")),
    "bare cr": _bytes("codes.csv", lambda b: b.replace(b"\n", b"\r")),
    "mixed line ends": _bytes("codes.csv", lambda b: b.replace(b"\n", b"\r\n", 3)),
    "no final line end": _bytes("codes.csv", lambda b: b.rstrip(b"\n")),
    "blank lines": _bytes("reports.csv", lambda b: b.replace(b"\n", b"\n\n", 4)),
    "blank line before the header": _bytes("reports.csv", lambda b: b"\n" + b),
    "every field quoted": _rewrite("reports.csv", quoting=csv.QUOTE_ALL),
    "byte-order mark": _bytes("reports.csv", lambda b: b"\xef\xbb\xbf" + b),
    "utf-16": _bytes("codes.csv", lambda b: b.decode("utf-8").encode("utf-16")),
    "windows-1251": _bytes("reports.csv", lambda b: b.decode("utf-8").encode("cp1251", "replace")),
    "stray byte": _bytes("reports.csv", lambda b: b.replace(b"akorda-2021b,", b"akorda-2021b\xff,", 1)),
    "nul in a title": _cell("reports.csv", "title_en", 2, "Head\x00 of State"),
    "nul in an id": _text("codes.csv", "akorda-2021a,", "akorda-2021a\x00,"),
    "unclosed quote": _bytes("codes.csv", lambda b: b + b'x,economic,cooperation,main,thesis,stated,"open\n'),
    "quote inside an unquoted field": _text("codes.csv", "6.1: example", '6.1: "example"'),
    "text after a closing quote": _bytes("codes.csv", lambda b: b.replace(b'"6.3.2', b'"6.3.2"x"', 1)),
    "line break in a quoted title": _cell("reports.csv", "title_en", 0, "Head of State\nreceives"),
    "cr in a quoted title": _cell("reports.csv", "title_en", 0, "Head of State\rreceives"),
    "cr in a quoted title, crlf file": lambda folder: _write_rows(
        folder / "reports.csv",
        [[*row[:7], "Head\rof" if i == 1 else row[7], *row[8:]] for i, row in enumerate(_rows(folder / "reports.csv"))],
        lineterminator="\r\n",
    ),
    "line breaks of both kinds in a quoted title, crlf file": lambda folder: _write_rows(
        folder / "reports.csv",
        [
            [*row[:7], "x\r\r\ny\n" if i == 2 else row[7], *row[8:]]
            for i, row in enumerate(_rows(folder / "reports.csv"))
        ],
        lineterminator="\r\n",
    ),
    "short row": _bytes("codes.csv", lambda b: b + b"akorda-2021a,economic\n"),
    "long row": _text("reports.csv", ",cited,", ",cited,extra,"),
    "semicolons": _bytes("codes.csv", lambda b: b.replace(b",", b";")),
    "header in capitals": _text("reports.csv", "id,country", "ID,country"),
    "header with a space": _text("reports.csv", "id,country", " id,country"),
    "header column twice": _text("codes.csv", "coder,basis", "coder,coder"),
    "empty header name": _text("codes.csv", "coder,basis", "coder,"),
    "extra column": lambda folder: _write_rows(
        folder / "codes.csv", [[*row, "x" if i else "extra"] for i, row in enumerate(_rows(folder / "codes.csv"))]
    ),
    "header only": lambda folder: (folder / "reports.csv").write_text(
        (folder / "reports.csv").read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8"
    ),
    "empty file": lambda folder: (folder / "codes.csv").write_text("", encoding="utf-8"),
    "no codes file": _remove("codes.csv"),
    "codes file is a folder": lambda folder: ((folder / "codes.csv").unlink(), (folder / "codes.csv").mkdir()),
    "space around an id": _cell("reports.csv", "id", 0, " akorda-2021a"),
    "space around a report id": _cell("codes.csv", "report_id", 0, "akorda-2021a "),
    "tab around a country": _cell("reports.csv", "country", 1, "china\t"),
    "no-break space around a website": _cell("reports.csv", "website", 1, "president\u00a0"),
    "space around a date": _cell("reports.csv", "date", 1, " 2021-06-02"),
    "space around a coder": _cell("codes.csv", "coder", 3, "thesis "),
    "space around provenance": _cell("reports.csv", "provenance", 3, " cited"),
    "blank provenance": _cell("reports.csv", "provenance", 3, ""),
    "spaces for provenance": _cell("reports.csv", "provenance", 3, "   "),
    "other provenance": _cell("reports.csv", "provenance", 3, "synthetic"),
    "non-ascii provenance": _cell("reports.csv", "provenance", 3, "сitéd"),
    "decomposed provenance": _cell("reports.csv", "provenance", 3, "cite\u0301d"),
    "no provenance column": _drop_column("reports.csv", "provenance"),
    "no coder column": _drop_column("codes.csv", "coder"),
    "blank coder": _cell("codes.csv", "coder", 5, ""),
    "coder 'primary' beside blank": lambda folder: (
        _cell("codes.csv", "coder", 5, "")(folder),
        _text("codes.csv", ",thesis,", ",primary,", -1)(folder),
    ),
    "second coder": _second_coder("anna"),
    "second coder on some codes": _second_coder("anna", 5),
    "second coder differing in case": _second_coder("Thesis", 3),
    "second coder in another script": _second_coder("аnna", 3),
    "second coder full-width": _second_coder("ｔｈｅｓｉｓ", 3),
    "one coder in Cyrillic": _text("codes.csv", ",thesis,", ",анна,", -1),
    "one coder mixing scripts": _text("codes.csv", ",thesis,", ",thеsis,", -1),
    "decomposed coder": _text("codes.csv", ",thesis,", ",rene\u0301,", -1),
    "zero-width space in an id": _cell("reports.csv", "id", 2, "akorda\u200b-x"),
    "zero-width space in a title": _cell("reports.csv", "title_en", 2, "Head\u200b of State"),
    "bidi override in a coder": _cell("codes.csv", "coder", 2, "the\u202esis"),
    "line separator in an entity": _cell("reports.csv", "entity", 2, "ak\u2028orda"),
    "decomposed letter in a free text": _cell("reports.csv", "title_en", 2, "Cafe\u0301"),
    **IGNORABLE_VARIANTS,
    "ignorable character in a title": _cell("reports.csv", "title_en", 2, "Head\u034f of State"),
    "id in Cyrillic only": lambda folder: (
        _text("reports.csv", "akorda-2021a,", "акорда-2021а,")(folder),
        _text("codes.csv", "akorda-2021a,", "акорда-2021а,", -1)(folder),
    ),
    "duplicate id": _cell("reports.csv", "id", 1, "akorda-2021a"),
    "missing id": _cell("reports.csv", "id", 1, ""),
    "unknown report id": _cell("codes.csv", "report_id", 0, "nowhere"),
    "missing report id": _cell("codes.csv", "report_id", 0, ""),
    "country in capitals": _cell("reports.csv", "country", 1, "China"),
    "unknown country": _cell("reports.csv", "country", 1, "japan"),
    "cyrillic letter in a country": _cell("reports.csv", "country", 1, "сhina"),
    "missing website": _cell("reports.csv", "website", 1, ""),
    "unknown category": _cell("codes.csv", "category", 1, "sports"),
    "unknown mode": _cell("codes.csv", "mode", 1, "neutral"),
    "unknown level": _cell("codes.csv", "level", 1, "tertiary"),
    "short date": _cell("reports.csv", "date", 1, "2021-6-2"),
    "impossible date": _cell("reports.csv", "date", 1, "2021-02-30"),
    "leap day": _cell("reports.csv", "date", 1, "2020-02-29"),
    "not a leap day": _cell("reports.csv", "date", 1, "2021-02-29"),
    "year zero": _cell("reports.csv", "date", 1, "0000-06-02"),
    "date with a time": _cell("reports.csv", "date", 1, "2021-06-02T10:00"),
    "arabic-indic digits in a date": _cell("reports.csv", "date", 1, "٢٠٢١-06-02"),
    "missing date": _cell("reports.csv", "date", 1, ""),
    "no main code": _cell("codes.csv", "level", 1, "secondary"),
    "repeated code": lambda folder: _bytes("codes.csv", lambda b: b + b.splitlines(keepends=True)[1])(folder),
    "main and secondary": lambda folder: _bytes(
        "codes.csv", lambda b: b + b.splitlines(keepends=True)[1].replace(b",main,", b",secondary,")
    )(folder),
    "non-cooperation of a cooperation-only category": lambda folder: _bytes(
        "codes.csv",
        lambda b: b + f"akorda-2021a,{COOPERATION_ONLY},non_cooperation,secondary,thesis,stated,x\n".encode(),
    )(folder),
    "own partners file": lambda folder: shutil.copy(paths.DATA / "partners.yaml", folder / "partners.yaml"),
    "broken partners file": _add_file("partners.yaml", "- id: China\n  label: China\n"),
    "partners file without china": lambda folder: _add_file(
        "partners.yaml",
        "\n".join(
            line
            for line in (paths.DATA / "partners.yaml").read_text(encoding="utf-8").split("\n- id: russia")[1:2]
            for line in ("- id: russia" + line).splitlines()
        )
        + "\n",
    )(folder),
    "broken codebook file": _add_file("codebook.yaml", "categories: 3\n"),
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_a_hostile_variant_gets_the_same_answer_from_both_paths(name, tmp_path, monkeypatch):
    folder = _copy(tmp_path, "corpus")
    VARIANTS[name](folder)
    fast = assert_same(folder, monkeypatch)
    if name in (
        "unchanged",
        "crlf",
        "second coder",
        "blank provenance",
        "no coder column",
        "leap day",
        "cr in a quoted title, crlf file",
    ):
        assert fast is not None, f"{name}: a valid corpus the fast path should take"


@pytest.mark.parametrize("name", list(IGNORABLE_VARIANTS))
def test_an_invisible_or_mixed_script_key_is_refused_on_both_paths(name, tmp_path, monkeypatch):
    """Python calls U+034F, U+FE0F, U+3164 and U+2800 printable: the fast path must not take a
    corpus holding one in a key (it used to say ok, with a second id or coder that prints alike)."""
    folder = _copy(tmp_path, "corpus")
    IGNORABLE_VARIANTS[name](folder)
    assert assert_same(folder, monkeypatch) is None
    code, out, err = validate(folder, True, monkeypatch)
    assert code == 1 and not out, out
    assert ("a character a reader cannot see" in err) != ("mixes scripts" in err), err


def test_validate_shows_a_hidden_character_in_a_provenance_as_its_code_point(tmp_path, monkeypatch):
    """A provenance ending in U+202E printed as is reversed the rest of the terminal line ("12"
    read "21"); shown as ``[U+202E]``, as the book's pages show it, on both paths."""
    folder = _copy(tmp_path, "corpus")
    _cell("reports.csv", "provenance", 3, "cited\u202e")(folder)
    _cell("reports.csv", "provenance", 4, "blank\u2800")(folder)
    _cell("reports.csv", "provenance", 5, "x\u200by")(folder)
    assert_same(folder, monkeypatch)
    code, out, err = validate(folder, True, monkeypatch)
    assert code == 0, err
    assert out.isascii(), out
    assert "provenance: blank[U+2800] 1, cited 31, cited[U+202E] 1, x[U+200B]y 1\n" in out, out


def test_error_lines_show_a_hidden_character_in_a_folder_name_as_its_code_point(tmp_path, monkeypatch):
    folder = tmp_path / "a\u202eb"
    folder.mkdir()
    code, _out, err = validate(folder, True, monkeypatch)
    assert code == 1 and "\u202e" not in err, err
    assert f"error: {tmp_path}/a[U+202E]b/reports.csv: file missing" in err, err


def test_a_path_that_is_not_a_folder_gets_the_same_answer(tmp_path, monkeypatch):
    assert assert_same(tmp_path / "nowhere", monkeypatch) is None
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert assert_same(tmp_path / "file", monkeypatch) is None


def test_a_corpus_over_the_size_limit_goes_to_the_loader(tmp_path, monkeypatch):
    folder = _copy(tmp_path, "corpus")
    monkeypatch.setattr(corpus_clean, "FAST_PATH_BYTES", 1000)
    assert clean_summary(folder) is None
    assert clean_summary(REGISTER) is None


#: Characters that break corpora in practice, for the random edits below.
HOSTILE = [" ", "\t", '"', ",", "\n", "\r", "\x00", "\u200b", "\u00a0", "é", "e\u0301", "\ufeff", "x", "-", "ё", ""]
HOSTILE += ["\u034f", "\ufe0f", "\u2800", "\u3164", "с"]  # printable to Python, refused in keys; Cyrillic с


@hypothesis.settings(deadline=None, suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
@hypothesis.given(
    file=st.sampled_from(["reports.csv", "codes.csv"]),
    where=st.floats(min_value=0, max_value=1),
    cut=st.integers(min_value=0, max_value=3),
    insert=st.lists(st.sampled_from(HOSTILE), max_size=3).map("".join),
)
def test_a_random_edit_gets_the_same_answer_from_both_paths(file, where, cut, insert, tmp_path_factory, monkeypatch):
    folder = _copy(tmp_path_factory.mktemp("edit"), "corpus")
    text = (folder / file).read_text(encoding="utf-8")
    at = int(where * len(text))
    (folder / file).write_text(text[:at] + insert + text[at + cut :], encoding="utf-8", newline="")
    assert_same(folder, monkeypatch)
