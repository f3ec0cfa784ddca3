"""A staged book's reference list holds the works its own pages cite (layout.narrow_bibliography);
the built pages are checked in tests/book/test_rerun_argument_book.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kzperception import paths
from kzperception.book.layout import NO_WORKS, BookLayout, BuildError, narrow_bibliography, stage_pages


def _staged(tmp_path: Path) -> BookLayout:
    layout = BookLayout(tmp_path / "src", tmp_path / "html")
    stage_pages(layout, index="# Front\n")
    return layout


def _directive(layout: BookLayout) -> str:
    text = (layout.source / "bibliography.md").read_text(encoding="utf-8")
    return text.split("```{bibliography}", 1)[1] if "```{bibliography}" in text else text


def test_source_links_in_executed_pages_are_named_and_roles_are_selected_by_cited(tmp_path):
    layout = _staged(tmp_path)
    cell = '(<a class="kzp-cite" href="../bibliography.html#bib-akorda2021a" data-bibkey="akorda2021a">'
    nb = {"cells": [{"cell_type": "code", "outputs": [{"data": {"text/html": cell}}]}]}
    (layout.chapters / "06-2-reports.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    (layout.source / "index.md").write_text("As {cite:t}`wendt1999` argues.\n", encoding="utf-8")
    assert narrow_bibliography(layout) == ["akorda2021a"]
    assert ':filter: cited or key in {"akorda2021a"}' in _directive(layout)
    assert ":all:" not in _directive(layout)


def test_a_hostile_key_is_not_taken_into_the_filter(tmp_path):
    layout = _staged(tmp_path)
    (layout.source / "index.md").write_text('<a data-bibkey="x} or True or {1">', encoding="utf-8")
    assert narrow_bibliography(layout) == []
    assert (layout.source / "bibliography.md").read_text(encoding="utf-8").endswith(f"{NO_WORKS}\n")


def test_a_book_citing_nothing_says_so_instead_of_an_empty_list(tmp_path):
    layout = _staged(tmp_path)
    assert narrow_bibliography(layout) == []
    text = (layout.source / "bibliography.md").read_text(encoding="utf-8")
    assert text == f"# References\n\n{NO_WORKS}\n"


def test_it_runs_again_on_the_same_folder_and_never_on_the_main_book(tmp_path):
    layout = _staged(tmp_path)
    (layout.source / "index.md").write_text("{cite}`wendt1992`\n", encoding="utf-8")
    narrow_bibliography(layout)
    narrow_bibliography(layout)
    assert _directive(layout).count(":filter: cited\n") == 1
    with pytest.raises(BuildError, match="main book"):
        narrow_bibliography(BookLayout(paths.BOOK, paths.BOOK / "_build" / "html"))
