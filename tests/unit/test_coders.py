"""Whose codes are counted is explicit: --coder on counts and rerun, refused when ambiguous, named in the book."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kzperception.book.chapter import Chapter, open_chapter
from kzperception.book.params import ChapterParams
from kzperception.cli import app
from kzperception.data.counts import SourceError, load_counts
from tests.conftest import SMALL_CODES, SMALL_REPORTS, write_corpus

runner = CliRunner()

# The second coder disagrees on r1: political, not economic, cooperation.
SECOND = SMALL_CODES.replace(",primary\n", ",anna\n").replace("r1,economic,", "r1,political_diplomatic,")


def _two_coders(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "two", SMALL_REPORTS, SMALL_CODES + SECOND)


def _total(counts, category: str) -> int:
    codes = counts.codes
    sel = (codes["category"] == category) & (codes["period"] == "all") & (codes["country"] == "china")
    return int(codes.loc[sel, "n"].sum())


def test_several_coders_and_none_named_is_refused_naming_them(tmp_path: Path) -> None:
    folder = _two_coders(tmp_path)
    with pytest.raises(SourceError, match=r"2 coders \(primary, anna\)|2 coders \(anna, primary\)"):
        load_counts(folder)


def test_each_coder_counts_their_own_codes(tmp_path: Path) -> None:
    folder = _two_coders(tmp_path)
    primary, anna = load_counts(folder, coder="primary"), load_counts(folder, coder="anna")
    assert (primary.coder, anna.coder) == ("primary", "anna")
    assert _total(primary, "economic") == _total(anna, "economic") + 1
    assert _total(anna, "political_diplomatic") == _total(primary, "political_diplomatic") + 1


def test_a_single_coder_needs_no_option_and_an_unknown_one_is_refused(small_corpus: Path) -> None:
    assert load_counts(small_corpus).coder == "primary"
    with pytest.raises(SourceError, match="'Primary' is not a coder"):
        load_counts(small_corpus, coder="Primary")
    with pytest.raises(SourceError, match="published figures"):
        load_counts("published", coder="primary")


def test_counts_cli_refuses_in_one_line_then_counts_the_named_coder(tmp_path: Path) -> None:
    folder = _two_coders(tmp_path)
    refused = runner.invoke(app, ["counts", "codes", "--source", str(folder), "--format", "csv"])
    assert refused.exit_code == 1
    lines = [x for x in refused.output.splitlines() if x.strip()]
    assert len(lines) == 1 and "primary" in lines[0] and "anna" in lines[0] and "--coder" in lines[0]
    ok = runner.invoke(app, ["counts", "codes", "--source", str(folder), "--format", "csv", "--coder", "anna"])
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("country,period,category,mode,level,n")


def test_rerun_refuses_before_writing_anything(tmp_path: Path) -> None:
    folder, out = _two_coders(tmp_path), tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "rerun",
            "--corpus",
            str(folder),
            "--start",
            "2020-08-24",
            "--pivot",
            "2022-02-24",
            "--end",
            "2023-08-24",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 1
    assert "coders" in result.output and "anna" in result.output
    assert not out.exists()


def test_a_rerun_plan_carries_the_coder_into_papermill(tmp_path: Path) -> None:
    from kzperception.book.rerun import plan

    folder = _two_coders(tmp_path)
    p = plan(folder, "2020-08-24", "2022-02-24", "2023-08-24", tmp_path / "out", ["06-2-reports"], "anna")
    assert p.params["coder"] == "anna"
    assert ChapterParams.from_cells(
        p.params["source"], p.params["start"], p.params["pivot"], p.params["end"], p.params["coder"]
    ) == ChapterParams(str(folder), p.window, "anna")


@settings(max_examples=25, deadline=None)
@given(st.one_of(st.none(), st.text(min_size=1, max_size=12)))
def test_the_coder_round_trips_through_the_parameter_object(coder: str | None) -> None:
    params = ChapterParams("corpus", None, coder)
    injected = params.papermill()
    assert ("coder" in injected) == (coder is not None)
    assert ChapterParams.from_cells(injected.get("source"), coder=injected.get("coder")) == params


def test_the_source_note_names_whose_codes_it_counts(tmp_path: Path) -> None:
    folder = _two_coders(tmp_path)
    note = Chapter(load_counts(folder, coder="anna"), load_counts("published")).source_note()
    assert note is not None and "coder <code>anna</code>" in note.data
    ch = open_chapter(str(folder), coder="primary")
    assert ch.counts.coder == "primary" and "coder <code>primary</code>" in ch.source_note().data
    with pytest.raises(SourceError, match="--coder"):
        open_chapter(str(folder))
