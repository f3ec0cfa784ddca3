"""The whole fieldwork chain collect -> screen -> code -> corpus against the imitation sites."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.sheets import collect_screen_code_import, write_codebook


@pytest.fixture
def codebook(tmp_path: Path) -> Path:
    return write_codebook(tmp_path)


def test_collect_screen_code_import_yields_a_valid_corpus(tmp_path: Path, codebook: Path) -> None:
    """Two sites collected, screened, coded by two coders, imported: a valid corpus whose reliability
    table agrees with an independent computation (the steps and checks are in helpers/sheets.py)."""
    collect_screen_code_import(tmp_path, codebook)
