"""The loader: a valid corpus loads; each rule of docs/corpus.md refuses its own bad case."""

from __future__ import annotations

import pytest

from kzperception.data.corpus import CorpusError, load_corpus, write_corpus
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
        (
            SMALL_REPORTS + "r1,china,government,mfa,2021-01-01,,,,,,synthetic\n",
            SMALL_CODES,
            "reports.csv:10: id: duplicate id 'r1' (first on line 2)",
        ),
        (
            SMALL_REPORTS.replace("2022-02-23", "2022-02-30"),
            SMALL_CODES,
            "reports.csv:3: date: '2022-02-30' is not a date (YYYY-MM-DD)",
        ),
        (
            SMALL_REPORTS.replace("2021-01-10", "10.01.2021"),
            SMALL_CODES,
            "reports.csv:8: date: '10.01.2021' is not a date (YYYY-MM-DD: four-digit year, two-digit month and day)",
        ),
        (
            SMALL_REPORTS.replace("r2,china", "r2,japan"),
            SMALL_CODES,
            "reports.csv:3: country: 'japan' is not one of china|russia",
        ),
        (
            SMALL_REPORTS.replace("r3,china,president", "r3,china,parliament"),
            SMALL_CODES,
            "reports.csv:4: website: 'parliament' is not one of government|president",
        ),
        (
            SMALL_REPORTS,
            SMALL_CODES + "r9,economic,cooperation,main,primary\n",
            "codes.csv:13: report_id: unknown report id 'r9'",
        ),
        (
            SMALL_REPORTS,
            SMALL_CODES.replace("r8,educational_scientific", "r8,sport"),
            "codes.csv:12: category: 'sport' is not one of",
        ),
        (
            SMALL_REPORTS,
            SMALL_CODES.replace("r7,security_military,cooperation", "r7,security_military,hostile"),
            "codes.csv:11: mode: 'hostile' is not one of cooperation|non_cooperation",
        ),
        (
            SMALL_REPORTS,
            SMALL_CODES.replace("security_military,cooperation,main", "security_military,cooperation,x"),
            "codes.csv:11: level: 'x' is not one of main|secondary",
        ),
        (
            SMALL_REPORTS,
            SMALL_CODES + "r8,cross_border,non_cooperation,secondary,primary\n",
            "codes.csv:13: mode: 'cross_border' has no non-cooperation variant",
        ),
        (
            SMALL_REPORTS,
            SMALL_CODES + "r2,political_diplomatic,cooperation,secondary,primary\n",
            "codes.csv:13: level: 'political_diplomatic' is both main and secondary for report 'r2'",
        ),
        (
            SMALL_REPORTS,
            SMALL_CODES.replace("r8,educational_scientific,cooperation,main", "r8,cultural,x,secondary").replace(
                "r8,cultural,x", "r8,educational_scientific,cooperation"
            ),
            "reports.csv:9: id: report 'r8' has no main code",
        ),
        (
            SMALL_REPORTS.replace("r4,russia,government,mti,2023-08-24", "r4,russia,government,mti,"),
            SMALL_CODES,
            "reports.csv:5: date: missing value",
        ),
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
    assert info.value.problems == [
        "reports.csv:1: header: required column 'website' missing (read 3 columns: 'id', 'country', 'date')"
    ]


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
        {"country": str, "website": str}
    )
    out = tmp_path / "out"
    write_corpus(reports, corpus.codes, out)
    assert len(load_corpus(out).reports) == 8
    bad = reports.copy()
    bad.loc[0, "country"] = "japan"
    with pytest.raises(CorpusError):
        write_corpus(bad, corpus.codes, tmp_path / "out2")
    assert not (tmp_path / "out2").exists()


# --- the two ways of finding each code's report -------------------------------------------------
# Corpora written by this project (ids sorted, codes in report order) take a fast path that checks
# that layout instead of hashing every id; any other layout is hashed. Both must give one answer.


def _shuffled(folder, out, seed=7):
    """The same corpus with its rows in another order: same content, not the project's layout."""
    import pandas as pd

    out.mkdir()
    for name in ("reports.csv", "codes.csv"):
        df = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        df.sample(frac=1.0, random_state=seed).to_csv(out / name, index=False)
    return out


def test_layouts_give_the_same_corpus_and_counts(tmp_path):
    from kzperception.data.counts import load_counts
    from kzperception.fieldwork.synth import write_synthetic

    ordered = write_synthetic(5, tmp_path / "ordered", reports=3000)
    shuffled = _shuffled(ordered, tmp_path / "shuffled")
    a, b = load_counts(ordered), load_counts(shuffled)
    assert a.reports.equals(b.reports)
    assert a.codes.equals(b.codes)
    for corpus in (a.corpus, b.corpus):  # every code points at the report with its id
        ids = corpus.reports["id"].to_numpy()[corpus.codes["report_row"].to_numpy()]
        assert (ids == corpus.codes["report_id"].to_numpy()).all()


def test_fast_path_only_for_the_project_layout(tmp_path):
    import pyarrow as pa

    from kzperception.data.corpus_rules import _ids_in_order

    def rows(ids, report_ids):
        out = _ids_in_order(
            pa.chunked_array([pa.array(ids, pa.large_string())]),
            pa.chunked_array([pa.array(report_ids, pa.large_string())]),
        )
        return None if out is None else out.tolist()

    assert rows(["a", "b", "c"], ["a", "a", "b", "c", "c"]) == [0, 0, 1, 2, 2]
    assert rows(["a", "c", "b"], ["a", "c", "b"]) is None  # ids not sorted
    assert rows(["a", "a", "b"], ["a", "a", "b"]) is None  # a repeated id is not "sorted"
    assert rows(["a", "b", "c"], ["a", "c"]) is None  # a report without codes
    assert rows(["a", "b", "c"], ["a", "b", "x"]) is None  # an unknown report id
    assert rows(["a", "b", "c"], ["a", "c", "b"]) is None  # codes out of report order
    assert rows(["a", "b"], ["a", "b", "a"]) is None  # a report's codes split in two runs
    assert rows(["a", "b"], ["a", None]) is None  # a missing report id


def test_write_corpus_writes_the_fast_layout(tmp_path):
    """Whatever order the frames come in, the files come out in the layout the loader takes fast."""
    import pandas as pd
    import pyarrow.csv as pacsv

    from kzperception.data.corpus_rules import _ids_in_order
    from kzperception.data.counts import load_counts

    shuffled = _shuffled(write_files(tmp_path / "small", SMALL_REPORTS, SMALL_CODES), tmp_path / "shuffled")
    frames = [pd.read_csv(shuffled / n, dtype=str, keep_default_na=False) for n in ("reports.csv", "codes.csv")]
    out = write_corpus(*frames, tmp_path / "out")
    ids = pacsv.read_csv(out / "reports.csv").column("id").cast("large_string")
    report_ids = pacsv.read_csv(out / "codes.csv").column("report_id").cast("large_string")
    assert _ids_in_order(ids, report_ids) is not None
    a, b = load_counts(shuffled), load_counts(out)
    assert a.reports.equals(b.reports) and a.codes.equals(b.codes)


def test_unordered_bad_corpus_names_every_problem(tmp_path):
    """A duplicate id, an unknown report and a report with no main code, found off the fast path."""
    reports = (
        "r1,china,president,,2021-01-01,,,,,,cited\nr2,russia,government,,2022-05-01,,,,,,cited\n"
        "r2,china,president,,2021-02-01,,,,,,cited\nr3,china,government,,2021-03-01,,,,,,cited\n"
    )
    codes = (
        "r1,economic,cooperation,main,\nr2,cultural,cooperation,main,\nr9,economic,cooperation,main,\n"
        "r3,economic,cooperation,secondary,\n"
    )
    assert _problems(tmp_path, reports, codes) == [
        "reports.csv:4: id: duplicate id 'r2' (first on line 3)",
        "codes.csv:4: report_id: unknown report id 'r9'",
        "reports.csv:5: id: report 'r3' has no main code",
    ]


def test_atomic_writes_keep_the_old_file_on_failure_and_use_the_umask(tmp_path):
    import os

    import pandas as pd

    from kzperception.data.corpus_write import write_csv_atomic

    target = tmp_path / "reports.csv"
    old = os.umask(0o022)
    try:
        write_csv_atomic(pd.DataFrame({"id": ["r1"]}), target)
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o644  # not mkstemp's owner-only 0600

    class Broken(pd.DataFrame):
        def to_csv(self, *args, **kwargs):
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_csv_atomic(Broken({"id": ["r2"]}), target)
    assert target.read_text(encoding="utf-8") == "id\nr1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["reports.csv"]  # no temporary file left behind


# --- write_corpus writes a corpus whole --------------------------------------------------------


def _frames():
    import pandas as pd

    from tests.conftest import CODES_HEADER, REPORTS_HEADER

    def frame(header, body):
        rows = [line.split(",") for line in body.splitlines()]
        return pd.DataFrame(rows, columns=header.strip().split(","), dtype=object).replace("", None)

    return frame(REPORTS_HEADER, SMALL_REPORTS), frame(CODES_HEADER, SMALL_CODES)


def _siblings(tmp_path):
    return sorted(p.name for p in tmp_path.iterdir())


def test_write_corpus_into_a_new_or_empty_folder_with_umask_permissions(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        write_corpus(*_frames(), tmp_path / "new" / "deeper")
        (tmp_path / "empty").mkdir()
        write_corpus(*_frames(), tmp_path / "empty")
    finally:
        os.umask(old)
    for folder in (tmp_path / "new" / "deeper", tmp_path / "empty"):
        assert sorted(p.name for p in folder.iterdir()) == ["codes.csv", "datapackage.json", "reports.csv"]
        assert (folder / "datapackage.json").stat().st_mode & 0o777 == 0o644
        assert folder.stat().st_mode & 0o777 == 0o755  # not mkdtemp's owner-only 0700
        assert (folder / "reports.csv").stat().st_mode & 0o777 == 0o644
        assert len(load_corpus(folder).reports) == 8
    assert _siblings(tmp_path) == ["empty", "new"]  # no temporary folder left behind


def test_write_corpus_refuses_an_existing_corpus_without_force(tmp_path):
    folder = write_corpus(*_frames(), tmp_path / "c")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    reports, codes = _frames()
    with pytest.raises(CorpusError) as info:
        write_corpus(reports.iloc[:2], codes.iloc[:3], folder)
    assert info.value.problems == [
        f"{folder}: already holds a corpus (codes.csv, datapackage.json, reports.csv); "
        "pass --force to replace it (nothing written)"
    ]
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    only_one = tmp_path / "half"
    only_one.mkdir()
    (only_one / "codes.csv").write_text("report_id\n")
    with pytest.raises(CorpusError, match=r"already holds a corpus \(codes\.csv\); pass --force"):
        write_corpus(reports, codes, only_one)


def test_write_corpus_with_force_replaces_both_files_and_leaves_nothing_aside(tmp_path):
    folder = write_corpus(*_frames(), tmp_path / "c")
    reports, codes = _frames()
    write_corpus(reports.iloc[:2], codes.iloc[:3], folder, force=True)
    assert load_corpus(folder).reports["id"].tolist() == ["r1", "r2"]
    assert _siblings(tmp_path) == ["c"]


@pytest.mark.parametrize("force", [False, True])
def test_write_corpus_never_replaces_a_folder_of_other_files(tmp_path, force):
    folder, hostile = tmp_path / "thesis", "[bold]notes{download}`x`.txt"
    folder.mkdir()
    (folder / "reports.csv").write_text("mine\n")
    (folder / hostile).write_text("my notes\n")
    with pytest.raises(CorpusError) as info:
        write_corpus(*_frames(), folder, force=force)
    message = info.value.problems[0]
    assert message.startswith(f"{folder}: exists and holds files that are not a corpus ({hostile!r})")
    assert "--force replaces only a folder holding just reports.csv and codes.csv" in message
    assert (folder / hostile).read_text() == "my notes\n"
    assert (folder / "reports.csv").read_text() == "mine\n"
    assert _siblings(tmp_path) == ["thesis"]


def test_write_corpus_refuses_a_file_in_the_way(tmp_path):
    (tmp_path / "c").write_text("x")
    with pytest.raises(CorpusError, match=r"exists and is not a folder"):
        write_corpus(*_frames(), tmp_path / "c", force=True)
    assert (tmp_path / "c").read_text() == "x"


def test_write_corpus_failing_midway_changes_nothing(tmp_path, monkeypatch):
    """The second file fails to write: the old corpus stays whole, no temporary folder remains."""
    import pandas as pd

    folder = write_corpus(*_frames(), tmp_path / "c")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    real = pd.DataFrame.to_csv

    def to_csv(self, handle, *args, **kwargs):
        if "report_id" in self.columns:
            raise OSError("disk full")
        return real(self, handle, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)
    reports, codes = _frames()
    with pytest.raises(OSError, match="disk full"):
        write_corpus(reports.iloc[:2], codes.iloc[:3], folder, force=True)
    with pytest.raises(OSError, match="disk full"):
        write_corpus(reports, codes, tmp_path / "fresh")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert _siblings(tmp_path) == ["c"]


def test_write_corpus_through_a_symlink_replaces_the_target(tmp_path):
    real = write_corpus(*_frames(), tmp_path / "real")
    (tmp_path / "link").symlink_to(real)
    reports, codes = _frames()
    write_corpus(reports.iloc[:1], codes.iloc[:2], tmp_path / "link", force=True)
    assert (tmp_path / "link").is_symlink()
    assert load_corpus(tmp_path / "link").reports["id"].tolist() == ["r1"]


def test_write_corpus_puts_the_old_corpus_back_when_the_swap_fails(tmp_path, monkeypatch):
    import os

    import kzperception.data.corpus_write as corpus_module

    folder = write_corpus(*_frames(), tmp_path / "c")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    real = os.rename

    def rename(src, dst):
        if str(src).endswith(".new"):
            raise OSError("rename refused")
        return real(src, dst)

    monkeypatch.setattr(corpus_module.os, "rename", rename)
    reports, codes = _frames()
    with pytest.raises(OSError, match="rename refused"):
        write_corpus(reports.iloc[:2], codes.iloc[:3], folder, force=True)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert _siblings(tmp_path) == ["c"]


# --- what the reader refuses, and how it says so ------------------------------------------------

HOSTILE = ["[/bold]", "[link=https://evil.example]x[/link]", "{download}`../secret`", "=1+1", "<script>x</script>"]


def _folder(tmp_path, reports_text, codes_text=None, name="c"):
    """A corpus from raw file text (header included), for files the project would never write."""
    from tests.conftest import CODES_HEADER

    folder = tmp_path / name
    folder.mkdir()
    (folder / "reports.csv").write_text(reports_text, encoding="utf-8", newline="")
    (folder / "codes.csv").write_text(
        codes_text if codes_text is not None else CODES_HEADER + SMALL_CODES, encoding="utf-8", newline=""
    )
    return folder


def _refused(folder):
    with pytest.raises(CorpusError) as info:
        load_corpus(folder)
    return info.value.problems


def test_header_only_corpus_is_refused(tmp_path):
    from tests.conftest import CODES_HEADER, REPORTS_HEADER

    assert _refused(_folder(tmp_path, REPORTS_HEADER, CODES_HEADER)) == [
        "reports.csv: no data rows (a corpus needs at least one report)"
    ]


def test_duplicated_header_column(tmp_path):
    from tests.conftest import REPORTS_HEADER

    header = REPORTS_HEADER.replace(",provenance", ",date")
    assert _refused(_folder(tmp_path, header + SMALL_REPORTS)) == ["reports.csv:1: header: column 'date' appears twice"]


@pytest.mark.parametrize(("sep", "looks"), [(";", "';'-delimited"), ("\t", "tab-delimited")])
def test_other_delimiters_say_what_was_read(tmp_path, sep, looks):
    from tests.conftest import REPORTS_HEADER

    text = (REPORTS_HEADER + SMALL_REPORTS.replace("r2,china,government,mfa", "r2,china,government,mfa, Inc.")).replace(
        ",", sep
    )
    problems = _refused(_folder(tmp_path, text))
    assert len(problems) == 1
    assert problems[0].startswith(f"reports.csv:1: header: read 1 column {'id' + sep + 'country'!r}"[:-1])
    assert problems[0].endswith(f"— the file looks {looks}; the format is comma-separated")


def test_header_in_capitals(tmp_path):
    from tests.conftest import REPORTS_HEADER

    problems = _refused(_folder(tmp_path, REPORTS_HEADER.replace("id,country", "ID,Country") + SMALL_REPORTS))
    assert problems == [
        "reports.csv:1: header: 'ID' — column names are lower case (expected 'id')",
        "reports.csv:1: header: 'Country' — column names are lower case (expected 'country')",
    ]


def test_header_with_bom_and_spaces_reads(tmp_path):
    from tests.conftest import REPORTS_HEADER

    folder = _folder(tmp_path, "\ufeff" + REPORTS_HEADER.replace(",country,", ", country ,") + SMALL_REPORTS)
    assert list(load_corpus(folder).reports["country"].astype(str))[:2] == ["china", "china"]


MULTILINE = (
    'r{n},china,government,mfa,2021-03-{d:02d},,"Заголовок {n},\nвторая строка","Title, ""two""\nlines",,,cited\n'
)


def test_multiline_values_are_read_and_lines_are_physical(tmp_path):
    """A quoted value over two lines, blank lines, then a bad row: the message names its real line."""
    from tests.conftest import CODES_HEADER, REPORTS_HEADER

    reports = (
        REPORTS_HEADER
        + MULTILINE.format(n=1, d=1)
        + "\n\n"
        + MULTILINE.format(n=2, d=2)
        + "r3,japan,government,mfa,2021-03-03,,,,,,cited\n"
    )
    codes = CODES_HEADER + "".join(f"r{i},economic,cooperation,main,\n" for i in (1, 2, 3))
    problems = _refused(_folder(tmp_path, reports, codes))
    # header 1; r1 on lines 2-4 (two quoted line breaks); blank 5-6; r2 on 7-9; r3 on 10 (record 4)
    assert problems == ["reports.csv:10: country: 'japan' is not one of china|russia"]
    good = _folder(tmp_path, reports.replace("japan", "russia"), codes, name="good")
    corpus = load_corpus(good)
    assert corpus.reports["title_ru"].iloc[0] == "Заголовок 1,\nвторая строка"
    assert corpus.reports["title_en"].iloc[1] == 'Title, "two"\nlines'


def test_a_valid_csv_over_8_mb_with_multiline_values_is_read(tmp_path):
    """Arrow splits files into 8 MB blocks at line ends; a quoted line break at a block end must not
    refuse a valid file, nor shift the line numbers of the rows after it."""
    from tests.conftest import CODES_HEADER, REPORTS_HEADER

    n = 40_000
    padding = "ю" * 100
    rows = "".join(MULTILINE.replace("Заголовок", padding).format(n=i, d=1 + i % 28) for i in range(n))
    reports = REPORTS_HEADER + rows + "bad,china,government,mfa,2021-2-5,,,,,,cited\n"
    codes = (
        CODES_HEADER
        + "".join(f"r{i},economic,cooperation,main,\n" for i in range(n))
        + "bad,economic,cooperation,main,\n"
    )
    folder = _folder(tmp_path, reports, codes)
    assert (folder / "reports.csv").stat().st_size > 9 << 20
    problems = _refused(folder)
    assert problems == [
        "reports.csv:120002: date: '2021-2-5' is not a date (YYYY-MM-DD: four-digit year, two-digit month and day)"
    ]
    (folder / "reports.csv").write_text(reports.replace("2021-2-5", "2021-02-05"), encoding="utf-8")
    corpus = load_corpus(folder)
    assert len(corpus.reports) == n + 1
    assert corpus.reports["title_ru"].str.endswith(",\nвторая строка").sum() == n


def test_a_row_with_too_many_fields_names_its_physical_line(tmp_path):
    from tests.conftest import REPORTS_HEADER

    reports = REPORTS_HEADER + MULTILINE.format(n=1, d=1) + "r2,china,government,mfa,2021-01-01,,a,b,c,d,e,f\n"
    assert _refused(_folder(tmp_path, reports)) == [
        "reports.csv:5: row has 12 fields, the header has 11 (a value with a comma or a line break must be in "
        "double quotes)"
    ]


def test_an_unclosed_quote_is_named(tmp_path):
    from tests.conftest import CODES_HEADER, REPORTS_HEADER

    reports = (
        REPORTS_HEADER + 'r1,china,government,mfa,2021-01-01,,"open title,,,,\nr2,china,government,mfa,'
        "2021-01-02,,,,,,cited\n"
    )
    codes = CODES_HEADER + "r1,economic,cooperation,main,\nr2,economic,cooperation,main,\n"
    problems = _refused(_folder(tmp_path, reports, codes))
    assert problems[0].startswith("reports.csv:2: a quoted value opened on this line is never closed")
    assert len(problems) == 2  # and that record, swallowing the rest, has too few fields


@pytest.mark.parametrize("where", ["reports", "codes"])
def test_a_nul_byte_is_refused_with_file_line_and_field(tmp_path, where):
    from tests.conftest import CODES_HEADER, REPORTS_HEADER

    reports, codes = REPORTS_HEADER + SMALL_REPORTS, CODES_HEADER + SMALL_CODES
    if where == "reports":
        reports = reports.replace("r3,china,president,akorda", "r3,china,president,ak\x00orda")
        want = "reports.csv:4: entity: a NUL byte (\\x00) in the value; the format allows none"
    else:
        codes = codes.replace(
            "r7,security_military,cooperation,main,primary", "r7,security_military,cooperation,main,prim\x00ary"
        )
        want = "codes.csv:11: coder: a NUL byte (\\x00) in the value; the format allows none"
    assert _refused(_folder(tmp_path, reports, codes)) == [want]


def test_a_nul_byte_in_frames_is_refused_too():
    from kzperception.data.corpus import corpus_from_frames

    reports, codes = _frames()
    reports.loc[1, "title_en"] = "a\x00b"
    with pytest.raises(CorpusError) as info:
        corpus_from_frames(reports, codes)
    assert info.value.problems == ["reports.csv:3: title_en: a NUL byte (\\x00) in the value; the format allows none"]


@pytest.mark.parametrize(
    "value", ["2022-2-5", "2022-02-5", "22-02-05", "2022-02-05T10:00", "+2022-02-05", "２０２２-０２-０５"]
)
def test_dates_must_have_the_iso_shape(tmp_path, value):
    problems = _problems(tmp_path, SMALL_REPORTS.replace("2022-02-23", value))
    assert problems == [
        f"reports.csv:3: date: {value!r} is not a date (YYYY-MM-DD: four-digit year, two-digit month and day)"
    ]


def test_surrounding_whitespace_is_trimmed_from_keys_and_vocabulary(tmp_path):
    """Spreadsheet leftovers: spaces, tabs and non-breaking spaces around ids, vocabulary, dates,
    coders and provenance are not part of the value; free text is kept exactly as written."""
    reports = SMALL_REPORTS.replace(
        "r1,china,government,mfa,2020-08-24,,,,,,synthetic",
        "r1\u00a0, china ,\tgovernment, mfa , 2020-08-24 ,,,  Title  ,,, synthetic ",
    )
    codes = SMALL_CODES.replace("r1,economic,cooperation,main,primary", " r1,economic , cooperation,main ,anna ")
    codes = codes.replace("r1,cultural,cooperation,secondary,primary", "r1,cultural,cooperation,secondary,anna")
    corpus = load_corpus(write_files(tmp_path / "c", reports, codes))
    first = corpus.reports.iloc[0]
    assert (first["id"], str(first["country"]), str(first["website"]), first["entity"]) == (
        "r1",
        "china",
        "government",
        "mfa",
    )
    assert str(first["date"].date()) == "2020-08-24" and first["provenance"] == "synthetic"
    assert first["title_en"] == "  Title  "  # free text as written
    assert corpus.coders == ["anna", "primary"]
    assert corpus.provenance_mix == {"synthetic": 8}


def test_a_blank_required_value_is_missing(tmp_path):
    problems = _problems(tmp_path, SMALL_REPORTS.replace("r2,china,government", "r2,  ,government"))
    assert problems == ["reports.csv:3: country: missing value"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_are_quoted_literally_in_messages(tmp_path, value):
    problems = _problems(tmp_path, SMALL_REPORTS.replace("r2,china", f"r2,{value}"))
    assert problems == [f"reports.csv:3: country: {value!r} is not one of china|russia"]


# --- a million problems print a screenful ------------------------------------------------------


def test_summary_keeps_every_problem_up_to_the_limit_then_counts_per_kind():
    few = CorpusError([f"reports.csv:{i}: date: 'x{i}' is not a date (YYYY-MM-DD)" for i in range(2, 52)])
    assert few.summary(limit=50) == few.problems
    many = CorpusError(
        [f"reports.csv:{i}: date: '2022-2-{i}' is not a date (YYYY-MM-DD)" for i in range(2, 100_002)]
        + [
            "codes.csv:7: mode: 'x' is not one of cooperation|non_cooperation",
            "codes.csv:9: mode: '[/bold]' is not one of cooperation|non_cooperation",
        ]
    )
    lines = many.summary(limit=50)
    assert lines[:5] == many.problems[:5]
    assert lines[5] == "… and 99,995 more 'reports.csv: date: … is not a date (YYYY-MM-DD)' problems"
    assert lines[6:8] == many.problems[-2:]
    assert lines[-1] == "100,002 problems in all"
    assert len(lines) == 9


def test_summary_with_many_kinds_stays_short():
    problems = [f"f{k}.csv:{i}: field{k}: problem" for k in range(200) for i in range(3)]
    lines = CorpusError(problems).summary(limit=50)
    assert len(lines) <= 52 and lines[-1] == "600 problems in all"
    assert lines[-2].startswith("… and ") and "other kinds" in lines[-2]


def test_a_corpus_with_thousands_of_bad_rows_is_summarised(tmp_path):
    from tests.conftest import CODES_HEADER, REPORTS_HEADER

    n = 5000
    reports = REPORTS_HEADER + "".join(f"r{i},china,government,,2021-1-{1 + i % 9},,,,,,cited\n" for i in range(n))
    codes = CODES_HEADER + "".join(f"r{i},economic,cooperation,main,\n" for i in range(n))
    with pytest.raises(CorpusError) as info:
        load_corpus(_folder(tmp_path, reports, codes))
    lines = info.value.summary()
    assert len(info.value.problems) == n and len(lines) == 7
    assert lines[5].startswith("… and 4,995 more 'reports.csv: date: … is not a date")


# --- what the command line prints ----------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE)
def test_validate_prints_hostile_values_literally(tmp_path, value):
    """A cell reading ``[/bold]`` crashed rich's markup parser; ``[link=…]x[/link]`` showed only x."""
    from typer.testing import CliRunner

    from kzperception.cli import app

    folder = write_files(
        tmp_path / f"[bold]{len(value)}",
        SMALL_REPORTS.replace("r2,china", f"r2,{value}"),
        SMALL_CODES.replace("r1,economic,cooperation,main,primary", f"r1,economic,cooperation,main,{value}"),
    )
    result = CliRunner().invoke(app, ["validate", str(folder)], env={"COLUMNS": "400"})
    assert result.exit_code == 1 and (result.exception is None or isinstance(result.exception, SystemExit))
    assert "Traceback" not in result.output
    assert f"error: reports.csv:3: country: {value!r} is not one of china|russia" in result.stderr
    assert f"in {folder}" in result.stderr  # the folder name, markup and all


def test_report_problems_summarises_past_fifty(capsys):
    from kzperception.cli.common import err_console, report_problems

    err = CorpusError([f"reports.csv:{i}: date: '[/bold]{i}' is not a date (YYYY-MM-DD)" for i in range(2, 2002)])
    with err_console.capture() as captured:
        report_problems(err)
    lines = captured.get().splitlines()
    assert lines[0] == "error: reports.csv:2: date: '[/bold]2' is not a date (YYYY-MM-DD)"
    assert lines[-2:] == [
        "error: … and 1,995 more 'reports.csv: date: … is not a date (YYYY-MM-DD)' problems",
        "error: 2,000 problems in all",
    ]


def test_the_trim_prefilter_never_misses_whitespace_that_arrow_trims():
    """The cheap first/last-byte test must flag every value Arrow's utf8_trim_whitespace changes."""
    import sys

    import pyarrow as pa
    import pyarrow.compute as pc

    from kzperception.data.corpus_read import _may_need_trim

    chars = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    trimmed = pc.utf8_trim_whitespace(pa.array(["a" + c for c in chars])).to_pylist()
    spaces = [c for c, t in zip(chars, trimmed, strict=True) if t == "a"]
    assert len(spaces) >= 20 and "\u00a0" in spaces and "\u3000" in spaces
    for space in spaces:
        for value in (space + "id", "id" + space, "дом" + space):
            assert _may_need_trim(pa.chunked_array([pa.array(["x", None, value, ""])])), repr(value)
    clean = pa.chunked_array([pa.array(["syn-0000001", None, "", "документ", "a b"])])
    assert not _may_need_trim(clean)


# --- the per-process cache ---------------------------------------------------------------------


@pytest.fixture
def reads(monkeypatch):
    """Count the files :func:`load_corpus` actually reads; the cache starts empty and is left empty."""
    import kzperception.data.corpus as corpus_module

    corpus_module.clear_corpus_cache()
    calls = []
    real = corpus_module.read_corpus_csv

    def counting(path, required):
        calls.append(path.name)
        return real(path, required)

    monkeypatch.setattr(corpus_module, "read_corpus_csv", counting)
    yield calls
    corpus_module.clear_corpus_cache()


@pytest.fixture
def settled(monkeypatch):
    """Treat files as settled at once, as they are in a real rerun (written long before it)."""
    import kzperception.data.corpus as corpus_module

    monkeypatch.setattr(corpus_module, "_SETTLED_NS", 0)


def test_an_unchanged_folder_is_read_once_per_process(small_corpus, reads, settled):
    from kzperception.data.counts import load_counts

    first = load_corpus(small_corpus)
    assert load_corpus(small_corpus) is first
    assert load_counts(small_corpus).corpus is first  # the counts go through the same cache
    assert reads == ["reports.csv", "codes.csv"]


def test_a_changed_file_is_read_again(small_corpus, reads, settled):
    first = load_corpus(small_corpus)
    with open(small_corpus / "reports.csv", "a", encoding="utf-8") as handle:
        handle.write("r9,china,government,mfa,2021-05-05,,,,,,synthetic\n")
    with open(small_corpus / "codes.csv", "a", encoding="utf-8") as handle:
        handle.write("r9,economic,cooperation,main,primary\n")
    second = load_corpus(small_corpus)
    assert second is not first and len(second.reports) == len(first.reports) + 1
    assert reads == ["reports.csv", "codes.csv"] * 2


def test_a_corpus_rewritten_by_write_corpus_is_read_again(tmp_path, reads, settled):
    """Same sizes, new files: the inode (and times) differ, so the signature does."""
    reports, codes = _frames()
    folder = write_corpus(reports, codes, tmp_path / "c")
    first = load_corpus(folder)
    reports.loc[0, "title_en"] = "X" * len(str(reports.loc[0, "title_en"] or ""))
    write_corpus(reports, codes, folder, force=True)
    assert load_corpus(folder) is not first
    assert len(reads) == 4


def test_a_freshly_written_file_is_not_trusted_to_the_tick(small_corpus, reads):
    """An in-place edit keeping size and (coarse) times must still be seen: a file changed less than
    _SETTLED_NS before the load is not remembered, however the file system rounds its times."""
    first = load_corpus(small_corpus)
    assert load_corpus(small_corpus) is not first  # written just now: not remembered
    path = small_corpus / "reports.csv"
    text = path.read_text(encoding="utf-8")
    assert "2021-01-10" in text
    with open(path, "r+", encoding="utf-8") as handle:  # same inode, same size
        handle.write(text.replace("2021-01-10", "2021-01-11"))
    again = load_corpus(small_corpus)
    assert "2021-01-11" in again.reports["date"].dt.strftime("%Y-%m-%d").tolist()
    assert reads == ["reports.csv", "codes.csv"] * 3


def test_a_refused_corpus_is_not_remembered(tmp_path, reads, settled):
    folder = write_files(tmp_path / "bad", SMALL_REPORTS.replace("r2,china", "r2,japan"), SMALL_CODES)
    for _ in range(2):
        with pytest.raises(CorpusError):
            load_corpus(folder)
    assert len(reads) == 4


def test_another_spelling_of_the_folder_shares_the_frames_but_keeps_its_path(small_corpus, reads, settled, monkeypatch):
    first = load_corpus(small_corpus)
    monkeypatch.chdir(small_corpus.parent)
    other = load_corpus(small_corpus.name)
    assert other.path == type(small_corpus)(small_corpus.name)
    assert other.reports is first.reports and other.codes is first.codes
    assert len(reads) == 2


def test_load_counts_takes_a_loaded_corpus(small_corpus, reads):
    from kzperception.data.counts import load_counts

    corpus = load_corpus(small_corpus)
    given, read = load_counts(corpus), load_counts(small_corpus)
    assert given.corpus is corpus and given.source == str(small_corpus)
    assert given.reports.equals(read.reports) and given.codes.equals(read.codes)
    assert given.reports.attrs == read.reports.attrs


def test_the_consumers_of_a_shared_corpus_leave_its_frames_as_they_were(small_corpus, reads, settled):
    """The cache hands one object to every caller: no consumer may change its frames in place."""
    from pandas.testing import assert_frame_equal

    from kzperception.analysis.sensitivity import pivot_sweep
    from kzperception.data.counts import in_window, load_counts
    from kzperception.data.window import THESIS_WINDOW
    from kzperception.fieldwork.reliability import presence_matrix

    corpus = load_corpus(small_corpus)
    reports, codes = corpus.reports.copy(deep=True), corpus.codes.copy(deep=True)
    load_counts(corpus)
    load_counts(small_corpus, coder="primary")
    in_window(corpus, THESIS_WINDOW)
    pivot_sweep(corpus)
    presence_matrix(corpus, "economic", "cooperation")
    assert corpus.provenance_mix and corpus.coders
    assert_frame_equal(corpus.reports, reports)
    assert_frame_equal(corpus.codes, codes)
    assert load_corpus(small_corpus) is corpus and len(reads) == 2
