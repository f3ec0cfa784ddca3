"""An executed chapter whose text uses a glue name no cell glued is refused (execute.unglued_names):
a rerun is built without --strict, where Sphinx would only warn and the page show a hole."""

from __future__ import annotations

import nbformat

from kzperception.book.execute import unglued_names


def _glued(name: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("glue(...)")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data", data={"text/plain": "3"}, metadata={"scrapbook": {"name": name, "mime_prefix": ""}}
        )
    ]
    return cell


def test_every_form_of_glue_in_the_text_is_checked_against_what_the_cells_glued():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        _glued("n_reports"),
        _glued("share"),
        _glued("figure-1"),
        nbformat.v4.new_markdown_cell(
            "There are {glue:text}`n_reports` reports ({glue:text}`share:.1f` %), "
            "{glue:md}`reading_growth` and {glue:}`other::n_reports`.\n\n"
            "```{glue:figure} figure-1\n:name: fig-1\n```\n\n:::{glue:figure} figure-2\n:::\n"
        ),
        nbformat.v4.new_markdown_cell("Again {glue:md}`reading_growth`, then {glue}`said_growth`."),
    ]
    assert unglued_names(nb) == ["reading_growth", "figure-2", "said_growth"]


def test_a_chapter_whose_text_is_all_glued_passes():
    nb = nbformat.v4.new_notebook()
    nb.cells = [_glued("n_reports"), nbformat.v4.new_markdown_cell("{glue:text}`n_reports` reports")]
    assert unglued_names(nb) == []
