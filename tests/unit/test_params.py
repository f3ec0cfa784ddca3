"""One parameter object from the command line through papermill into the kernel."""

from __future__ import annotations

import pytest

from kzperception.book.params import ChapterParams
from kzperception.data.window import THESIS_WINDOW, Window, WindowError


def test_the_thesis_defaults_inject_nothing_and_come_back_the_same() -> None:
    p = ChapterParams()
    assert p.papermill() == {}
    assert ChapterParams.from_cells(**p.papermill()) == p
    assert p.resolved_window == THESIS_WINDOW


def test_a_rerun_round_trips_through_papermill() -> None:
    p = ChapterParams("/data/my corpus", Window.parse("2021-01-01", "2022-01-05", "2023-01-05"))
    injected = p.papermill()
    assert injected == {"source": "/data/my corpus", "start": "2021-01-01", "pivot": "2022-01-05", "end": "2023-01-05"}
    assert ChapterParams.from_cells(**injected) == p


def test_a_bad_date_in_a_cell_is_refused_like_on_the_command_line() -> None:
    with pytest.raises(WindowError, match="--pivot: '2022-2-5' is not a date"):
        ChapterParams.from_cells(pivot="2022-2-5")


def test_every_parameter_papermill_injects_is_declared_in_every_chapter(tmp_path) -> None:
    """papermill warns "Passed unknown parameter" for a name the parameters cell lacks (it was so for
    ``coder``); every chapter with a parameters cell declares every name a rerun can inject."""
    import jupytext
    import papermill

    from kzperception import paths

    p = ChapterParams("/c", Window.parse("2021-01-01", "2022-01-05", "2023-01-05"), coder="anna")
    injected = set(p.papermill())
    assert injected == {"source", "start", "pivot", "end", "coder"}
    checked = 0
    for page in sorted((paths.ROOT / "notebooks").glob("*.md")):
        nb = jupytext.read(page)
        if not any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb.cells):
            continue
        target = tmp_path / f"{page.stem}.ipynb"
        jupytext.write(nb, target)
        declared = set(papermill.inspect_notebook(str(target)))
        assert injected <= declared, f"{page.name}: parameters cell lacks {sorted(injected - declared)}"
        checked += 1
    assert checked >= 15
