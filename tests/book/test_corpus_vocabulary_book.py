"""A corpus folder's own partners.yaml and codebook.yaml carried through a whole rerun book (marked
``book``); the loader and command-line checks are in tests/unit/test_corpus_vocabulary.py."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers.vocabulary_corpora import HEALTH, read_frame, write_eu_corpus, write_frame

from kzperception import paths
from tests.conftest import partner_env

CLI = [sys.executable, "-m", "kzperception.cli"]


@pytest.fixture(scope="module")
def eu_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_eu_corpus(tmp_path_factory)


# --- a rerun book on a corpus that carries both files ----------------------------------------------------


@pytest.mark.book
def test_a_rerun_on_a_corpus_with_its_own_partners_and_codebook_builds(eu_corpus, tmp_path):
    """6.2 names the third partner in its Table 1, the partner has its slot chapter 6.3.4, and 6.3
    (the rerun's coding chapter) presents the corpus's added category. The rerun's 6.1, which shows
    the whole codebook, is read in tests/book/test_codebook_chapter_book.py."""
    corpus = tmp_path / "corpus"
    shutil.copytree(eu_corpus, corpus)
    codebook = yaml.safe_load(paths.CODEBOOK.read_text(encoding="utf-8"))
    codebook["categories"].append(HEALTH)
    (corpus / "codebook.yaml").write_text(
        yaml.safe_dump(codebook, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    reports, codes = read_frame(corpus, "reports.csv"), read_frame(corpus, "codes.csv")
    extra = pd.DataFrame(
        {
            "report_id": reports["id"].iloc[::5],
            "category": "health",
            "mode": "cooperation",
            "level": "secondary",
            "coder": "primary",
        }
    )
    write_frame(corpus, "codes.csv", pd.concat([codes, extra], ignore_index=True)[codes.columns])
    out = tmp_path / "rerun"
    proc = subprocess.run(
        [
            *CLI,
            "rerun",
            "--corpus",
            str(corpus),
            "--out",
            str(out),
            "--start",
            "2020-08-24",
            "--pivot",
            "2022-02-24",
            "--end",
            "2023-08-24",
            "--chapters",
            "06-2-reports,06-3-coding,06-3-4-eu-slots",
        ],
        capture_output=True,
        text=True,
        env=partner_env(),
        cwd=paths.ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]

    def text(stem: str) -> str:
        page = (out / "html" / paths.CHAPTERS_DIR / f"{stem}.html").read_text(encoding="utf-8")
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))

    reports_page = text("06-2-reports")
    assert "European Union" in reports_page
    n_eu = int((reports["country"] == "eu").sum())
    assert re.search(rf"European Union .{{0,400}}\b{n_eu}\b", reports_page)
    slots_page = text("06-3-4-eu-slots")
    assert "6.3.4 Comparison of slots: perception of European Union" in slots_page
    categories_page = text("06-3-coding")
    assert "Added by this corpus" in categories_page and "Health cooperation" in categories_page
    assert "Joint work on public health (a test category)." in categories_page
