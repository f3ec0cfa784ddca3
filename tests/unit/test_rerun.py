"""Rerunning chapters on a corpus and window: parameters refused cleanly, slots right, the output swapped in whole.

The books are built in tests/book/test_rerun_book.py; a rerun killed with SIGKILL is in
tests/commands/test_rerun_commands.py."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest
from helpers.rerun_fakes import install_fake_build, rerun_one_chapter
from typer.testing import CliRunner

from kzperception import paths
from kzperception.book import rerun
from kzperception.cli import app
from kzperception.data.counts import load_counts
from kzperception.data.window import THESIS_WINDOW
from tests.conftest import SMALL_CODES, SMALL_REPORTS, write_corpus

runner = CliRunner()
WINDOW = ["--start", "2020-08-24", "--pivot", "2022-02-24", "--end", "2023-08-24"]


@pytest.fixture
def fake_build(monkeypatch: pytest.MonkeyPatch) -> dict:
    return install_fake_build(monkeypatch)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2020-13-01", "--pivot", "2022-02-24", "--end", "2023-08-24"], "--start: '2020-13-01' is not"),
        (["--start", "2022-02-24", "--pivot", "2022-02-24", "--end", "2023-08-24"], "must be before pivot"),
        (["--start", "2020-08-24", "--pivot", "2023-09-24", "--end", "2023-08-24"], "must not be after end"),
        (["--start", "2010-01-01", "--pivot", "2011-01-01", "--end", "2012-01-01"], "no report"),
        ([*WINDOW, "--chapters", "06-9-nonsense"], "unknown chapter(s) 06-9-nonsense"),
        ([*WINDOW, "--chapters", "06-2-reports,00-abstract"], "00-abstract is the thesis's abstract: it states"),
        ([*WINDOW, "--chapters", "10-summary-cs"], "10-summary-cs is the Czech summary of the thesis"),
    ],
)
def test_bad_parameters_refused_with_nothing_written(tmp_path, args, message):
    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    out = tmp_path / "out"
    result = runner.invoke(app, ["rerun", "--corpus", str(corpus), "--out", str(out), *args])
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_invalid_corpus_refused_with_nothing_written(tmp_path):
    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS.replace("r2,china", "r2,japan"), SMALL_CODES)
    out = tmp_path / "out"
    result = runner.invoke(app, ["rerun", "--corpus", str(corpus), "--out", str(out), *WINDOW])
    assert result.exit_code == 1
    assert "reports.csv:3: country: 'japan'" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "where", ["", "data", "data/x", "src", "src/kzperception/x", "notebooks/x", "tests", "book", "book/x", ".git/x"]
)
def test_out_inside_the_repository_refused(tmp_path, where):
    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    target = paths.ROOT / where
    existed = target.exists()
    result = runner.invoke(app, ["rerun", "--corpus", str(corpus), "--out", str(target), *WINDOW])
    assert result.exit_code == 1
    assert "is the repository" in result.stderr or "inside the repository's" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert target.exists() == existed  # nothing made


def test_out_above_the_repository_or_holding_the_corpus_refused(tmp_path):
    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    above = runner.invoke(app, ["rerun", "--corpus", str(corpus), "--out", str(paths.ROOT.parent), *WINDOW])
    assert above.exit_code == 1 and "holds it" in above.stderr
    holder = runner.invoke(app, ["rerun", "--corpus", str(corpus), "--out", str(tmp_path), *WINDOW])
    assert holder.exit_code == 1 and "holds the corpus" in holder.stderr


def test_out_with_the_users_files_refused_and_untouched(tmp_path):
    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    out = tmp_path / "mine"
    (out / "html").mkdir(parents=True)
    (out / "html" / "notes.txt").write_text("keep me", encoding="utf-8")
    (out / ".html.partial").mkdir()
    result = runner.invoke(app, ["rerun", "--corpus", str(corpus), "--out", str(out), *WINDOW])
    assert result.exit_code == 1
    assert f"--out: {out} is neither empty nor an earlier rerun's output" in result.stderr
    assert (out / "html" / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in out.iterdir()) == [".html.partial", "html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "mine"]  # no temporary sibling


def test_out_that_is_a_file_or_has_a_forged_marker_refused(tmp_path):
    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    a_file = tmp_path / "f.txt"
    a_file.write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["rerun", "--corpus", str(corpus), "--out", str(a_file), *WINDOW])
    assert result.exit_code == 1 and "exists and is not a folder" in result.stderr
    forged = tmp_path / "forged"
    forged.mkdir()
    (forged / rerun.MARKER).write_text('["not", "a", "marker"]', encoding="utf-8")
    result = runner.invoke(app, ["rerun", "--corpus", str(corpus), "--out", str(forged), *WINDOW])
    assert result.exit_code == 1 and "neither empty nor an earlier rerun's output" in result.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("06-2-reports,06-2-reports", "chapter(s) given more than once: '06-2-reports'"),
        (",", "the list is empty"),
        ("", "the list is empty"),
        (" , ,", "the list is empty"),
        ("06-2-reports,,06-3-coding", "empty chapter name in '06-2-reports,,06-3-coding'"),
        ("06-2-reports,", "empty chapter name in '06-2-reports,'"),
        ("[/bold]<b>", "unknown chapter(s) [/bold]<b>"),
    ],
)
def test_bad_chapter_lists_refused_in_one_line(tmp_path, value, message):
    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    out = tmp_path / "out"
    result = runner.invoke(app, ["rerun", "--corpus", str(corpus), "--out", str(out), *WINDOW, "--chapters", value])
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not out.exists()


def test_chapter_list_parser():
    known = ["a", "b", "c"]
    assert rerun.parse_chapters(None, known) is None
    assert rerun.parse_chapters(" b , a", known) == ["a", "b"]  # the book's order, whatever the order given
    with pytest.raises(rerun.RerunError, match="more than once: 'a'"):
        rerun.parse_chapters("a,b,a", known)
    with pytest.raises(rerun.RerunError, match="empty"):
        rerun.check_chapters([], known)


# --- replacing OUT: with the notebook execution and Sphinx replaced by fakes (the swap is under test)


@pytest.mark.parametrize("exchange", [True, False])
def test_rerun_replaces_its_own_output_whole(tmp_path, fake_build, monkeypatch, exchange):
    if not exchange:  # the fallback where renameat2 is missing: move aside, then rename
        monkeypatch.setattr(rerun, "_exchange", lambda a, b: False)
    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    out = tmp_path / "out"
    first = rerun_one_chapter(corpus, out)
    assert first.exit_code == 0, first.output
    marker = json.loads((out / rerun.MARKER).read_text(encoding="utf-8"))
    assert marker["kind"] == rerun.MARKER_KIND and marker["chapters"] == ["06-2-reports"]
    assert (out / "html" / "index.html").is_file()
    (out / "html" / "stale.html").write_text("old", encoding="utf-8")
    (out / ".html.partial").mkdir()  # a stray from an older version of the rerun
    (out / ".html.partial" / "x").write_text("x", encoding="utf-8")
    second = rerun_one_chapter(corpus, out)
    assert second.exit_code == 0, second.output
    assert not (out / "html" / "stale.html").exists() and not (out / ".html.partial").exists()
    assert sorted(p.name for p in out.iterdir()) == [rerun.MARKER, "html", "src"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "out"]  # no temporary sibling left
    # The second run started from the first one's executed chapters (its cache) and their CSV files.
    assert {"06-2-reports.ipynb", "06-2-reports.csv"} <= set(fake_build["seen"][1])


def test_rerun_into_an_empty_folder(tmp_path, fake_build):
    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    out = tmp_path / "empty"
    out.mkdir()
    result = rerun_one_chapter(corpus, out)
    assert result.exit_code == 0, result.output
    assert (out / rerun.MARKER).is_file()


def test_earlier_chapters_are_copied_but_never_through_a_link(tmp_path, fake_build):
    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    out = tmp_path / "out"
    assert rerun_one_chapter(corpus, out).exit_code == 0
    secret = tmp_path / "secret.csv"
    secret.write_text("secret", encoding="utf-8")
    (out / "src" / paths.CHAPTERS_DIR / "linked.csv").symlink_to(secret)
    assert rerun_one_chapter(corpus, out).exit_code == 0
    assert "linked.csv" not in fake_build["seen"][1]


@pytest.mark.parametrize("failure", ["chapter", "book"])
def test_a_failed_rerun_leaves_out_as_it_was(tmp_path, fake_build, failure):
    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    out = tmp_path / "out"
    assert rerun_one_chapter(corpus, out).exit_code == 0
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    index = (out / "html" / "index.html").read_text(encoding="utf-8")
    hostile = "cell 3: MarkupError: [/bold] <img src=x onerror=alert(1)>\nsecond line"
    fake_build["fail" if failure == "chapter" else "book_error"] = hostile
    result = rerun_one_chapter(corpus, out)
    assert result.exit_code == 1
    if failure == "chapter":
        assert (
            "chapter 06-2-reports: cell 3: MarkupError: [/bold] <img src=x onerror=alert(1)> second line"
            in result.stderr
        )
    else:
        assert "[/bold] <img src=x onerror=alert(1)>" in result.stderr
    assert "Traceback" not in result.output
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == before
    assert (out / "html" / "index.html").read_text(encoding="utf-8") == index
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "out"]


def test_out_filled_by_the_user_during_the_build_is_not_replaced(tmp_path, fake_build):
    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    out = tmp_path / "out"
    out.mkdir()
    fake_build["during"] = lambda: (out / "thesis-draft.docx").write_text("mine", encoding="utf-8")
    result = rerun_one_chapter(corpus, out)
    assert result.exit_code == 1
    assert "changed during the build" in result.stderr
    assert [p.name for p in out.iterdir()] == ["thesis-draft.docx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "out"]


def test_register_with_thesis_window_puts_every_cited_report_in_its_slot():
    reports = pd.read_csv(paths.REGISTER / "reports.csv", dtype=str)
    dates = pd.to_datetime(reports["date"])
    expected_period = ["before" if d < pd.Timestamp(THESIS_WINDOW.pivot) else "after" for d in dates]
    assert all(pd.Timestamp(THESIS_WINDOW.start) <= d <= pd.Timestamp(THESIS_WINDOW.end) for d in dates)
    expected = reports.assign(period=expected_period).groupby(["country", "website", "period"]).size()
    got = load_counts(paths.REGISTER, THESIS_WINDOW).reports.set_index(["country", "website", "period"])["n"]
    for key, n in got.items():
        assert n == expected.get(key, 0), key
    assert got.sum() == len(reports)


def test_a_full_disk_is_one_line_and_out_is_kept(tmp_path, fake_build):
    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    out = tmp_path / "out"
    assert rerun_one_chapter(corpus, out).exit_code == 0

    def disk_full():
        raise OSError(28, "No space left on device", str(tmp_path / "x.ipynb"))

    fake_build["during"] = disk_full
    result = rerun_one_chapter(corpus, out)
    assert result.exit_code == 1
    assert " ".join(result.stderr.split()).endswith(
        f"error: --out: {tmp_path / 'x.ipynb'}: No space left on device (ENOSPC); {out} left as it was"
    )
    assert "Traceback" not in result.output
    assert (out / rerun.MARKER).is_file() and (out / "html" / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "out"]


def test_an_interrupted_rerun_leaves_no_temporary_folder(tmp_path, fake_build):
    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    out = tmp_path / "out"

    def interrupt():
        raise KeyboardInterrupt

    fake_build["during"] = interrupt
    p = rerun.plan(corpus, *THESIS_WINDOW.as_params().values(), out, ["06-2-reports"])
    with pytest.raises(KeyboardInterrupt):
        rerun.run(p)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_out_where_no_folder_can_be_made_refused(tmp_path):
    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = runner.invoke(app, ["rerun", "--corpus", str(corpus), "--out", str(locked / "a" / "b"), *WINDOW])
    finally:
        locked.chmod(0o700)
    assert result.exit_code == 1 and f"cannot create a folder in {locked}" in result.stderr


def test_plan_without_chapters_makes_one_slot_chapter_per_partner_in_the_corpus(tmp_path):
    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    p = rerun.plan(corpus, *THESIS_WINDOW.as_params().values(), tmp_path / "out")
    assert p.chapters == [
        "06-0-results",
        "06-2-reports",
        "06-3-coding",
        "06-3-1-categories",
        "06-3-2-china-slots",
        "06-3-3-russia-slots",
        "06-4-uncertainty",
        "06-5-sensitivity",
        "08-conclusion",
        "appendix-audit",
    ]
    assert not (tmp_path / "out").exists()
    chosen = rerun.plan(corpus, *THESIS_WINDOW.as_params().values(), tmp_path / "out", ["06-3-3-russia-slots"])
    assert chosen.chapters == ["06-3-3-russia-slots"]


def test_sweep_puts_a_moved_aside_book_back_and_spares_live_runs(tmp_path):
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "out"
    aside = tmp_path / f".out.rerun-{dead.pid}-abc.old"  # killed between moving OUT aside and renaming in
    aside.mkdir()
    (aside / rerun.MARKER).write_text(json.dumps({"kind": rerun.MARKER_KIND}), encoding="utf-8")
    (aside / "html").mkdir()
    half = tmp_path / f".out.rerun-{dead.pid}-abc"
    half.mkdir()
    live = tmp_path / f".out.rerun-{os.getpid()}-xyz"
    live.mkdir()
    other = tmp_path / ".notes.rerun-1-x"  # another OUT's folder: not ours to judge
    other.mkdir()
    assert rerun.sweep_leftovers(out) == [half]
    assert (out / rerun.MARKER).is_file() and (out / "html").is_dir()
    assert live.is_dir() and other.is_dir() and not aside.exists()


def test_chapters_given_out_of_order_are_built_in_the_books_order() -> None:
    # "--chapters 06-0-results,06-3-coding,06-2-reports" failed the jupyter-book build with no cause shown
    from kzperception.book.rerun import available_chapters, check_chapters

    known = available_chapters()
    given = ["06-0-results", "06-3-coding", "06-2-reports"]
    assert (
        check_chapters(given, known)
        == sorted(given, key=known.index)
        == ["06-0-results", "06-2-reports", "06-3-coding"]
    )


@pytest.mark.parametrize("pid", ["²", "99999999999999999999", "١٢٣"])
def test_sweep_reads_no_process_id_from_a_name_that_only_looks_like_one(tmp_path, pid):
    """A folder beside OUT named with a superscript (str.isdigit() says yes, int() refuses), an id past
    the system's range (os.kill overflows) or other scripts' digits crashed the next rerun with a
    traceback; such a name is judged by its age, as a name with no id is, and a fresh one is kept."""
    odd = tmp_path / f".out.rerun-{pid}-abc"
    odd.mkdir()
    assert rerun.sweep_leftovers(tmp_path / "out") == []
    assert odd.is_dir()
