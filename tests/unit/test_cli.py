"""The command line as a user meets it: exact contract output, clean one-line errors, exit codes."""

from __future__ import annotations

from pathlib import Path

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
    result = runner.invoke(
        app,
        [
            "counts",
            "reports",
            "--source",
            str(folder),
            "--start",
            "2020-01-01",
            "--pivot",
            "2021-01-01",
            "--end",
            "2023-12-31",
            "--format",
            "csv",
        ],
    )
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
    result = runner.invoke(
        app,
        [
            "counts",
            "reports",
            "--source",
            str(folder),
            "--start",
            "2010-01-01",
            "--pivot",
            "2011-01-01",
            "--end",
            "2012-01-01",
        ],
    )
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
    from kzperception.book import bundle, execute

    def must_not_run(*args, **kwargs):
        raise AssertionError("the book was about to be built")

    monkeypatch.setattr(bundle, "ensure_bundle", must_not_run)
    monkeypatch.setattr(execute, "execute_chapters", must_not_run)
    result = runner.invoke(app, ["build", "--chapters", value])
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_build_reports_a_failed_chapter_as_literal_text(monkeypatch):
    from kzperception.book import build, bundle, execute

    monkeypatch.setattr(bundle, "ensure_bundle", lambda *a, **k: None)
    monkeypatch.setattr(
        execute,
        "execute_chapters",
        lambda stems, *a, **k: [
            execute.ChapterRun(stems[0], "failed", 0.0, "cell 2: ValueError: [/bold] [red]x[/red]\nmore")
        ],
    )
    monkeypatch.setattr(build, "jupyter_book", lambda *a, **k: pytest.fail("built after a failed chapter"))
    result = runner.invoke(app, ["build", "--chapters", "06-2-reports"])
    assert result.exit_code == 1
    assert "error: chapter 06-2-reports: cell 2: ValueError: [/bold] [red]x[/red] more" in result.stderr
    assert "Traceback" not in result.output


def test_a_corpus_folder_named_like_markup_is_printed_as_text(tmp_path):
    name = "[/bold] [red]x[/red] <b>"
    good = write_corpus(tmp_path / name, SMALL_REPORTS, SMALL_CODES)
    table = runner.invoke(
        app,
        [
            "counts",
            "reports",
            "--source",
            str(good),
            "--start",
            "2020-01-01",
            "--pivot",
            "2021-01-01",
            "--end",
            "2023-12-31",
        ],
    )
    assert table.exit_code == 0, table.output
    assert "".join(name.split()) in "".join(table.stdout.split())  # rich may wrap a long title anywhere
    bad = write_corpus(tmp_path / f"{name} bad", SMALL_REPORTS.replace("r2,china", "r2,japan"), SMALL_CODES)
    res = runner.invoke(app, ["validate", str(bad)])
    assert res.exit_code == 1
    assert f"1 problem(s) in {bad}" in res.stderr
    assert "Traceback" not in res.output


# --- one error style, one table style (kzperception.cli.common) ----------------------------------

HOSTILE = [
    "[/bold]",
    "[red]x[/red]",
    "{download}`../x`",
    "=1+1",
    "<script>alert(1)</script>",
    "[link=https://x]y[/link]",
]


def test_print_table_shows_every_value_literally(capsys):
    import math

    import pandas as pd

    from kzperception.cli.common import print_table

    df = pd.DataFrame(
        {
            "[/bold]": HOSTILE,
            "n": range(len(HOSTILE)),
            "alpha": [0.5, math.nan, 1 / 3, 1.0, 0.0, 2.0],
            "note": [None, *HOSTILE[:5]],
        }
    )
    print_table(df, "title [/bold] {download}`../x`", float_format=".3f", width=300)
    out = capsys.readouterr().out
    assert "title [/bold] {download}`../x`" in out
    for value in HOSTILE:
        assert value in out, value
    assert "0.333" in out and "—" in out and "None" not in out
    header = next(line for line in out.splitlines() if "[/bold]" in line and "alpha" in line)
    assert header.index("[/bold]") < header.index("alpha")


def test_one_line_errors_turn_each_error_kind_into_error_lines(capsys):
    import typer

    from kzperception.cli.common import one_line_errors
    from kzperception.data.corpus import CorpusError

    class Expected(ValueError):
        pass

    with pytest.raises(typer.Exit) as info, one_line_errors(Expected):
        raise Expected("bad.yaml:3: [/bold] wrong\nsecond line\nthird")
    assert info.value.exit_code == 1
    assert capsys.readouterr().err == "error: bad.yaml:3: [/bold] wrong (and 2 more)\n"
    with pytest.raises(typer.Exit), one_line_errors():
        raise CorpusError(["reports.csv:2: id: '[/bold]' twice", "codes.csv:3: level: 'x'"])
    assert capsys.readouterr().err.splitlines() == [
        "error: reports.csv:2: id: '[/bold]' twice",
        "error: codes.csv:3: level: 'x'",
    ]
    with pytest.raises(typer.Exit), one_line_errors():
        Path("/nonexistent/[/bold]/file.csv").read_text(encoding="utf-8")
    assert capsys.readouterr().err.startswith("error: /nonexistent/[/bold]/file.csv: No such file")
    with pytest.raises(KeyError), one_line_errors(Expected):  # an error nobody expects is a bug: not hidden
        raise KeyError("x")


def test_sensitivity_table_prints_a_markup_named_corpus_folder_as_text(tmp_path):
    folder = tmp_path / "[/bold] [red]x[/red]"
    made = runner.invoke(app, ["synth", "--seed", "1", "--out", str(folder)])
    assert made.exit_code == 0, made.output
    res = runner.invoke(
        app, ["sensitivity", "--format", "table", "--source", str(folder), "--from", "2022-02-24", "--to", "2022-02-24"]
    )
    assert res.exit_code == 0, res.output
    assert f"Pivot sweep — {folder};" in " ".join(res.stdout.split())
    assert "china" in res.stdout and "2022-02-24" in res.stdout


def test_synth_refuses_a_non_empty_folder_in_one_line(tmp_path):
    (tmp_path / "[/bold]").mkdir(parents=True)
    (tmp_path / "[/bold]" / "keep.txt").write_text("mine", encoding="utf-8")
    res = runner.invoke(app, ["synth", "--seed", "1", "--out", str(tmp_path / "[/bold]")])
    assert res.exit_code == 1
    assert (
        res.stderr == f"error: --out: {tmp_path / '[/bold]'} exists and is not empty; choose a new folder "
        "(nothing written)\n"
    )
    assert (tmp_path / "[/bold]" / "keep.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize(
    ("content", "found"),
    [
        ("countries:\n  china:\n    keywords: [Китай]\n", ":1: expected a non-empty YAML list of partners"),
        ("- id: china\n  label: China\n  keywords_ru: ['[/bold]']\n", ":3: item 1 (id 'china'): keywords_ru.0:"),
        ("- id: china\n  label: '=1+1'\n  keywords_ru: [Китай]\n", ":2: item 1 (id 'china'): label:"),
    ],
)
def test_keywords_takes_a_partners_file_and_refuses_a_bad_one_in_one_line(tmp_path, content, found):
    kw = tmp_path / "{download}`kw`.yaml"
    kw.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    res = runner.invoke(
        app,
        [
            "collect",
            "--site",
            "president",
            "--out",
            str(out),
            "--start",
            "2022-01-01",
            "--end",
            "2022-01-02",
            "--keywords",
            str(kw),
            "--base-url",
            "http://127.0.0.1:9",
            "--no-progress",
        ],
    )
    assert res.exit_code == 1, res.output
    assert res.stderr.startswith(f"error: {kw}{found}"), res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.output
    assert not out.exists()
