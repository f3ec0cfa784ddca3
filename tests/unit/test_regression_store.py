"""The nbval reference notebooks must be the current chapters: a stale reference would let a changed
chapter pass CI by comparing against outputs of an older text."""

from __future__ import annotations

import nbformat
import pytest

from kzperception import paths
from kzperception.book.chapter_templates import chapter_notebook, chapter_source
from kzperception.book.layout import toc_chapters


def _code(nb) -> list[str]:
    return [
        c.source.strip()
        for c in nb.cells
        if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])
    ]


@pytest.mark.parametrize("stem", [*toc_chapters(), "index"])  # the landing page is executed too
def test_reference_matches_chapter_source(stem):
    stored = paths.REGRESSION / f"{stem}.ipynb"
    assert stored.is_file(), f"{stored} missing: run `make regression-update`"
    ref = nbformat.read(stored, as_version=4)
    # A chapter instance compares with its template as the main book assembles it (the partner's
    # reading spliced in), a plain chapter with its own notebook.
    src = chapter_notebook(chapter_source(stem), {})
    assert _code(ref) == _code(src), f"{stem}: reference is stale; run `make regression-update`"
    assert all(c.get("outputs") is not None for c in ref.cells if c.cell_type == "code")
