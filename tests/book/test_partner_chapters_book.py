"""A rerun with three partners builds a slot chapter for each (marked ``book``); the stems, assembly
and cache key are tested in tests/unit/test_partner_chapters.py."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kzperception import paths
from kzperception.book import rerun
from tests.conftest import partner_env


def _page_text(page: Path) -> str:
    html = page.read_text(encoding="utf-8")
    article = re.search(r"<article.*?</article>", html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", article[0] if article else html))


@pytest.mark.book
def test_a_rerun_with_three_partners_builds_a_slot_chapter_for_each(three_partners, three_partner_corpus, tmp_path):
    out = tmp_path / "rerun"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "kzperception.cli",
            "rerun",
            "--corpus",
            str(three_partner_corpus),
            "--start",
            "2020-08-24",
            "--pivot",
            "2022-02-24",
            "--end",
            "2023-08-24",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=partner_env(KZP_PARTNERS=str(three_partners)),
        cwd=paths.ROOT,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    marker = json.loads((out / rerun.MARKER).read_text(encoding="utf-8"))
    at = marker["chapters"].index(rerun.SLOTS_AFTER) + 1
    assert marker["chapters"][at : at + 3] == ["06-3-2-china-slots", "06-3-3-russia-slots", "06-3-4-eu-slots"]
    pages = out / "html" / paths.CHAPTERS_DIR
    eu_html = (pages / "06-3-4-eu-slots.html").read_text(encoding="utf-8")
    eu = _page_text(pages / "06-3-4-eu-slots.html")
    assert "6.3.4 Comparison of slots: perception of European Union" in eu
    assert 'id="sec-eu-slots"' in eu_html and 'id="T_eu_slots"' in eu_html
    # The EU borrows China's published margins with the periods swapped: 78 reports before, 37 after.
    assert "The first slot holds 78 reports" in eu and "The second slot holds 37 reports" in eu
    assert "Across the pivot, attention to European Union falls by 52.6 % (from 78 to 37 reports)" in eu
    assert "The thesis's reading" not in eu and "Synthetic corpus — demonstration only" in eu
    china_html = (pages / "06-3-2-china-slots.html").read_text(encoding="utf-8")
    china = _page_text(pages / "06-3-2-china-slots.html")
    assert 'id="T_china_slots"' in china_html and 'id="T_china_slots_thesis"' in china_html
    assert (
        china.index("The first slot holds 37 reports")
        < china.index("The thesis's reading")
        < china.index("The first slot holds 37 reports. As in every slot, two categories lead")
    )
    # The thesis's report-level narrative needs its reports: a synthetic corpus holds none of them,
    # so the quotation is replaced by a note saying so (and the corpus's own example, if any).
    assert 'data-report="clp-2021"' not in china_html and "kzp-narrative-absent" in china_html
    assert "6.3.3 Comparison of slots: perception of Russia" in _page_text(pages / "06-3-3-russia-slots.html")
    index = (out / "html" / "index.html").read_text(encoding="utf-8")
    assert (
        index.index("06-3-2-china-slots.html")
        < index.index("06-3-3-russia-slots.html")
        < index.index("06-3-4-eu-slots.html")
    )
