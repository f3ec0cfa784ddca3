"""The command line as a user meets it: exact contract output, clean one-line errors, exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from kzperception.cli import app
from tests.conftest import SMALL_CODES, SMALL_REPORTS, write_corpus

runner = CliRunner()

TABLE_1 = """\
country,website,period,n
china,government,before,25
china,government,after,65
china,president,before,12
china,president,after,13
russia,government,before,24
russia,government,after,39
russia,president,before,22
russia,president,after,18
"""


def test_counts_reports_published_prints_table_1():
    result = runner.invoke(app, ["counts", "reports", "--source", "published", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout == TABLE_1


def test_counts_codes_published_has_country_and_slot_cells():
    result = runner.invoke(app, ["counts", "codes", "--source", "published", "--format", "csv"])
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "country,period,category,mode,level,n"
    assert "china,all,economic,cooperation,main,63" in lines
    assert "russia,all,cultural,cooperation,secondary,12" in lines
    assert "china,after,educational_scientific,cooperation,main,9" in lines
    assert "russia,after,security_military,non_cooperation,main,3" in lines
    assert sum(",all," in line for line in lines) == 28


def test_counts_table_format_reads():
    result = runner.invoke(app, ["counts", "reports", "--format", "table"])
    assert result.exit_code == 0
    assert "government" in result.stdout and "65" in result.stdout


def test_counts_from_corpus_and_window(tmp_path):
    folder = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    result = runner.invoke(app, ["counts", "reports", "--source", str(folder), "--start", "2020-01-01",
                                 "--pivot", "2021-01-01", "--end", "2023-12-31", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "russia,president,before,1" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2020-02-30"], "--start: '2020-02-30' is not a date"),
        (["--start", "2023-01-01", "--pivot", "2022-01-01"], "must be before pivot"),
        (["--pivot", "2024-01-01"], "must not be after end"),
        (["--start", "2021-01-01"], "only for the thesis window"),
    ],
)
def test_counts_bad_parameters_one_line(args, message):
    result = runner.invoke(app, ["counts", "reports", "--format", "csv", *args])
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_counts_empty_window_refused(tmp_path):
    folder = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    result = runner.invoke(app, ["counts", "reports", "--source", str(folder), "--start", "2010-01-01",
                                 "--pivot", "2011-01-01", "--end", "2012-01-01"])
    assert result.exit_code == 1
    assert "no report" in result.stderr


def test_validate_ok_and_bad(tmp_path):
    good = write_corpus(tmp_path / "good", SMALL_REPORTS, SMALL_CODES)
    ok = runner.invoke(app, ["validate", str(good)])
    assert ok.exit_code == 0 and "ok: 8 reports" in ok.stdout
    bad = write_corpus(tmp_path / "bad", SMALL_REPORTS.replace("r2,china", "r2,japan"), SMALL_CODES)
    res = runner.invoke(app, ["validate", str(bad)])
    assert res.exit_code == 1
    assert "reports.csv:3: country: 'japan'" in res.stderr
    assert "Traceback" not in res.output


def test_validate_in_a_real_process_has_no_traceback(tmp_path):
    bad = write_corpus(tmp_path / "bad", SMALL_REPORTS, SMALL_CODES + "zz,economic,cooperation,main,primary\n")
    proc = subprocess.run([sys.executable, "-m", "kzperception.cli", "validate", str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "codes.csv:13: report_id: unknown report id 'zz'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_register_is_a_valid_corpus():
    from kzperception import paths

    result = runner.invoke(app, ["validate", str(paths.REGISTER)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("06-2-reports,06-2-reports", "--chapters: chapter(s) given more than once: '06-2-reports'"),
        (",", "--chapters: the list is empty"),
        ("", "--chapters: the list is empty"),
        ("06-2-reports,,06-3-coding", "--chapters: empty chapter name in '06-2-reports,,06-3-coding'"),
        ("[/bold]{download}`x`", "--chapters: unknown chapter(s) [/bold]{download}`x`"),
    ],
)
def test_build_refuses_a_bad_chapter_list_before_building(monkeypatch, value, message):
    from kzperception.book import build

    def must_not_run(*args, **kwargs):
        raise AssertionError("the book was about to be built")

    monkeypatch.setattr(build, "ensure_bundle", must_not_run)
    monkeypatch.setattr(build, "execute_chapters", must_not_run)
    result = runner.invoke(app, ["build", "--chapters", value])
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_build_reports_a_failed_chapter_as_literal_text(monkeypatch):
    from kzperception.book import build

    monkeypatch.setattr(build, "ensure_bundle", lambda *a, **k: None)
    monkeypatch.setattr(build, "execute_chapters", lambda stems, *a, **k: [
        build.ChapterRun(stems[0], "failed", 0.0, "cell 2: ValueError: [/bold] [red]x[/red]\nmore")])
    monkeypatch.setattr(build, "jupyter_book", lambda *a, **k: pytest.fail("built after a failed chapter"))
    result = runner.invoke(app, ["build", "--chapters", "06-2-reports"])
    assert result.exit_code == 1
    assert "error: chapter 06-2-reports: cell 2: ValueError: [/bold] [red]x[/red] more" in result.stderr
    assert "Traceback" not in result.output


def test_a_corpus_folder_named_like_markup_is_printed_as_text(tmp_path):
    name = "[/bold] [red]x[/red] <b>"
    good = write_corpus(tmp_path / name, SMALL_REPORTS, SMALL_CODES)
    table = runner.invoke(app, ["counts", "reports", "--source", str(good), "--start", "2020-01-01",
                                "--pivot", "2021-01-01", "--end", "2023-12-31"])
    assert table.exit_code == 0, table.output
    assert name in " ".join(table.stdout.split())
    bad = write_corpus(tmp_path / f"{name} bad", SMALL_REPORTS.replace("r2,china", "r2,japan"), SMALL_CODES)
    res = runner.invoke(app, ["validate", str(bad)])
    assert res.exit_code == 1
    assert f"1 problem(s) in {bad}" in res.stderr
    assert "Traceback" not in res.output
