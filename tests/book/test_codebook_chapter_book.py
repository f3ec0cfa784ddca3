"""A rerun on a corpus whose own codebook.yaml adds a category shows that codebook in its 6.1 (marked
``book``): the sentence saying what it adds and renames, and the table of every category. The
comparison itself is tested in tests/unit/test_codebook_changes.py."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kzperception import paths
from tests.conftest import HEALTH, SMALL_CODES, SMALL_REPORTS, partner_env, write_corpus


@pytest.mark.book
def test_a_reruns_6_1_shows_the_corpuss_codebook_and_what_it_changes(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "health", SMALL_REPORTS, SMALL_CODES + "r7,health,cooperation,secondary,primary\n")
    raw = yaml.safe_load(paths.CODEBOOK.read_text(encoding="utf-8"))
    raw["categories"].append({**HEALTH, "definition": "Joint work on public health <b>& vaccines</b>."})
    next(c for c in raw["categories"] if c["id"] == "economic")["label"] = "Trade and investment"
    (corpus / "codebook.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = tmp_path / "rerun"
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "kzperception.cli", "rerun"),
            *("--corpus", str(corpus), "--out", str(out), "--chapters", "06-1-code-categories"),
            *("--start", "2020-08-24", "--pivot", "2022-02-24", "--end", "2023-08-24"),
        ],
        capture_output=True,
        text=True,
        env=partner_env(),
        cwd=paths.ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    page = (out / "html" / paths.CHAPTERS_DIR / "06-1-code-categories.html").read_text(encoding="utf-8")
    article = page[page.index("<article") : page.index("</article>")]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", article)).replace("“ ", "“").replace(" ”", "”")
    assert (
        "Compared with the thesis’s codebook, this corpus’s codebook adds “Health cooperation” and renames "
        "“Economic cooperation” to “Trade and investment”; its other six categories are the thesis’s as they stand."
    ) in text.replace("'", "’")
    assert "Category Label Definition Against the thesis" in text
    assert "Health Health cooperation Joint work on public health &lt;b&gt;&amp; vaccines&lt;/b&gt;. added" in text
    assert "Economic Trade and investment" in text and "renamed (the thesis: Economic cooperation)" in text
    assert "<b>&" not in article  # the file's markup is shown, never applied
    assert "The largest category by far" not in text  # the thesis's account of its own counts stays in its book
