"""The pinned Jupyter Book builds a one-chapter book with the project's own config (marked ``book``).

The whole book takes minutes; this builds the project's ``_config.yml``, ``book/_static`` and
``references.bib`` around one page of prose. The pin itself is checked in
tests/unit/test_jupyter_book_pin.py."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kzperception import paths

CHAPTER = """\
# One chapter

This chapter is the only page of a small book, and its first paragraph says what the page is about.

A second paragraph that no description needs.
"""


TOC = "format: jb-book\nroot: index\nchapters:\n  - file: chapter\n"


INDEX = "# A small book\n\nThe landing page of a one-chapter build of the edition's configuration.\n"


@pytest.mark.book
def test_one_chapter_builds_with_the_project_config(tmp_path: Path):
    src = tmp_path / "src"
    shutil.copytree(paths.ROOT / "book" / "_static", src / "_static")
    shutil.copy(paths.ROOT / "book" / "references.bib", src / "references.bib")
    (src / "index.md").write_text(INDEX, encoding="utf-8")
    (src / "chapter.md").write_text(CHAPTER, encoding="utf-8")
    (tmp_path / "_toc.yml").write_text(TOC, encoding="utf-8")
    env = {**os.environ, "KZP_BASEURL": "https://books.example/kz"}
    proc = subprocess.run(
        [
            str(Path(sys.executable).with_name("jupyter-book")),
            "build",
            str(src),
            "--config",
            str(paths.ROOT / "_config.yml"),
            "--toc",
            str(tmp_path / "_toc.yml"),
            "--warningiserror",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "matplotlib" not in proc.stdout + proc.stderr
    page = (src / "_build" / "html" / "chapter.html").read_text(encoding="utf-8")
    descriptions = re.findall(r'<meta name="description" content="([^"]*)"', page)
    assert len(descriptions) == 1 and descriptions[0].startswith("This chapter is the only page"), descriptions
    assert '<meta property="og:url" content="https://books.example/kz/chapter.html" />' in page
    assert '<meta property="og:title" content="One chapter" />' in page
    assert '<meta property="og:description" content="This chapter is the only page' in page
