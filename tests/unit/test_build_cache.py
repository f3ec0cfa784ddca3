"""A chapter's cache watches exactly what its kernel imported and read, nothing else."""

from __future__ import annotations

from pathlib import Path

import nbformat

from kzperception import paths
from kzperception.book import chapter_deps, execute

CHAPTER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  name: python3
  display_name: Python 3
  language: python
---

# A tiny chapter

```{code-cell} ipython3
:tags: [parameters]
source = "published"
```

```{code-cell} ipython3
from kzperception import paths
from kzperception.data.window import THESIS_WINDOW

print((paths.PUBLISHED / "totals.csv").read_text(encoding="utf-8").splitlines()[0], THESIS_WINDOW)
```
"""


def test_a_chapter_records_the_modules_and_files_it_used_and_only_those(tmp_path: Path) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "tiny.md").write_text(CHAPTER, encoding="utf-8")
    out = tmp_path / "chapters"
    runs = execute.execute_chapters(["tiny"], {"source": "published"}, out, jobs=1, notebooks=notebooks)
    assert [r.status for r in runs] == ["executed"], runs[0].error
    nb = nbformat.read(out / "tiny.ipynb", as_version=4)
    deps = nb.metadata["kzperception"]["depends_on"]
    assert "src/kzperception/data/window.py" in deps and "data/published/totals.csv" in deps
    # the collector, the sheets and the charts were never imported: editing them re-executes nothing
    assert not [d for d in deps if "collect" in d or "sheets" in d or "charts" in d]
    assert all(chapter_deps.TAG not in c.metadata.get("tags", []) for c in nb.cells)
    # nothing changed: reused; the stored record is what decides
    again = execute.execute_chapters(["tiny"], {"source": "published"}, out, jobs=1, notebooks=notebooks)
    assert [r.status for r in again] == ["cached"]


def test_a_changed_or_vanished_dependency_makes_the_chapter_stale(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    (tmp_path / "data").mkdir()
    dep = tmp_path / "data" / "a.csv"
    dep.write_text("x\n1\n", encoding="utf-8")
    recorded = chapter_deps.hashes(["data/a.csv"])
    assert chapter_deps.unchanged(recorded)
    dep.write_text("x\n2\n", encoding="utf-8")
    assert not chapter_deps.unchanged(recorded)
    dep.unlink()
    assert not chapter_deps.unchanged(recorded)
    assert not chapter_deps.unchanged({})  # no record (an old executed notebook): execute again


def test_only_files_under_the_repository_are_watched(tmp_path: Path) -> None:
    inside = paths.SRC / "data" / "window.py"
    outside = tmp_path / "elsewhere.py"
    outside.write_text("", encoding="utf-8")
    assert chapter_deps.relevant([inside, outside, paths.CHAPTERS / "x.ipynb"]) == ["src/kzperception/data/window.py"]


def test_a_chapter_taken_from_another_books_cache_brings_its_downloads(tmp_path: Path) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "tiny.md").write_text(
        CHAPTER
        + """
```{code-cell} ipython3
open("tiny_table.csv", "w").write("n\\n1\\n")
```

{download}`Download as CSV <tiny_table.csv>`
""",
        encoding="utf-8",
    )
    seed, other = tmp_path / "main", tmp_path / "other"
    assert execute.execute_chapters(["tiny"], {}, seed, jobs=1, notebooks=notebooks)[0].status == "executed"
    runs = execute.execute_chapters(["tiny"], {}, other, jobs=1, notebooks=notebooks, seed=seed)
    assert [r.status for r in runs] == ["cached"]
    assert (other / "tiny_table.csv").read_text(encoding="utf-8") == "n\n1\n"


def test_an_edited_static_file_reaches_a_book_whose_pages_are_all_up_to_date(tmp_path) -> None:
    """Sphinx copies _static only when it writes a page; with nothing out of date an edited
    stylesheet used to stay stale in the built book (sphinx_offline marks the root page outdated)."""
    from sphinx.application import Sphinx

    src = tmp_path / "src"
    (src / "_static").mkdir(parents=True)
    (src / "conf.py").write_text(
        'extensions = ["kzperception.book.sphinx_offline"]\nhtml_static_path = ["_static"]\nhtml_theme = "basic"\n',
        encoding="utf-8",
    )
    (src / "index.rst").write_text("Title\n=====\n\ntext\n", encoding="utf-8")
    css = src / "_static" / "book.css"
    out = tmp_path / "out"

    def build() -> str:
        Sphinx(str(src), str(src), str(out), str(out / ".doctrees"), "html", status=None, warning=None).build()
        return (out / "_static" / "book.css").read_text(encoding="utf-8")

    css.write_text("a { color: red }\n", encoding="utf-8")
    assert build() == "a { color: red }\n"
    assert build() == "a { color: red }\n"  # nothing changed: nothing to do
    css.write_text("a { color: blue }\n", encoding="utf-8")
    assert build() == "a { color: blue }\n"
