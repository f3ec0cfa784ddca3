"""The whole fieldwork chain ends in a book: a corpus collected, screened, coded and imported reruns
into a book (marked ``book``). The sheets are tested in tests/unit/test_screen_sheets.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fieldwork_server import END, START
from helpers.sheets import collect_screen_code_import, write_codebook
from typer.testing import CliRunner


@pytest.fixture
def codebook(tmp_path: Path) -> Path:
    return write_codebook(tmp_path)


@pytest.mark.book
def test_fieldwork_corpus_reruns_into_a_book(tmp_path: Path, codebook: Path) -> None:
    """collect -> screen -> code import -> rerun: the researcher's corpus becomes a book for its window."""
    from kzperception.cli import app as main_app

    collect_screen_code_import(tmp_path, codebook)  # the chain, with every check of its own
    out = tmp_path / "book"
    result = CliRunner().invoke(
        main_app,
        [
            "rerun",
            "--corpus",
            str(tmp_path / "corpus"),
            "--start",
            START,
            "--pivot",
            "2022-09-01",
            "--end",
            END,
            "--out",
            str(out),
            "--chapters",
            "06-2-reports,06-3-coding",
            "--coder",
            "anna",
        ],
    )
    assert result.exit_code == 0, result.output
    coding = (out / "html" / "chapters" / "06-3-coding.html").read_text(encoding="utf-8")
    assert "T_reliability" in coding  # two coders: the agreement table is shown
    assert "codes of coder <code>anna</code>" in coding  # whose codes the page counts
    assert "Rerun on a researcher" in coding  # provenance banner
    reports = (out / "html" / "chapters" / "06-2-reports.html").read_text(encoding="utf-8")
    assert "holds 14 reports" in " ".join(re.sub(r"<[^>]+>", "", reports).split())
