"""The loader: a valid corpus loads; each rule of docs/corpus.md refuses its own bad case."""

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
    from kzperception.counts import load_counts
    from kzperception.synth import write_synthetic

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

    from kzperception.corpus import _ids_in_order

    def rows(ids, report_ids):
        out = _ids_in_order(pa.chunked_array([pa.array(ids, pa.large_string())]),
                            pa.chunked_array([pa.array(report_ids, pa.large_string())]))
        return None if out is None else out.tolist()

    assert rows(["a", "b", "c"], ["a", "a", "b", "c", "c"]) == [0, 0, 1, 2, 2]
    assert rows(["a", "c", "b"], ["a", "c", "b"]) is None          # ids not sorted
    assert rows(["a", "a", "b"], ["a", "a", "b"]) is None          # a repeated id is not "sorted"
    assert rows(["a", "b", "c"], ["a", "c"]) is None               # a report without codes
    assert rows(["a", "b", "c"], ["a", "b", "x"]) is None          # an unknown report id
    assert rows(["a", "b", "c"], ["a", "c", "b"]) is None          # codes out of report order
    assert rows(["a", "b"], ["a", "b", "a"]) is None               # a report's codes split in two runs
    assert rows(["a", "b"], ["a", None]) is None                   # a missing report id


def test_write_corpus_writes_the_fast_layout(tmp_path):
    """Whatever order the frames come in, the files come out in the layout the loader takes fast."""
    import pandas as pd
    import pyarrow.csv as pacsv

    from kzperception.corpus import _ids_in_order
    from kzperception.counts import load_counts

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
    reports = ("r1,china,president,,2021-01-01,,,,,,cited\nr2,russia,government,,2022-05-01,,,,,,cited\n"
               "r2,china,president,,2021-02-01,,,,,,cited\nr3,china,government,,2021-03-01,,,,,,cited\n")
    codes = ("r1,economic,cooperation,main,\nr2,cultural,cooperation,main,\nr9,economic,cooperation,main,\n"
             "r3,economic,cooperation,secondary,\n")
    assert _problems(tmp_path, reports, codes) == [
        "reports.csv:4: id: duplicate id 'r2' (first on line 3)",
        "codes.csv:4: report_id: unknown report id 'r9'",
        "reports.csv:5: id: report 'r3' has no main code",
    ]


def test_atomic_writes_keep_the_old_file_on_failure_and_use_the_umask(tmp_path):
    import os

    import pandas as pd

    from kzperception.corpus import write_csv_atomic

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
        assert sorted(p.name for p in folder.iterdir()) == ["codes.csv", "reports.csv"]
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
    assert info.value.problems == [f"{folder}: already holds a corpus (codes.csv, reports.csv); "
                                   "pass --force to replace it (nothing written)"]
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

    import kzperception.corpus as corpus_module

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
