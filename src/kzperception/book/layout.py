"""Where a book lives: its Sphinx source, its executed chapters, its HTML, and what is staged into it.

Every book has one shape (:class:`BookLayout`): a Sphinx source folder holding the pages that are
not notebooks, ``references.bib``, ``_static/`` and ``chapters/``, built with the top-level
``_config.yml`` and a table of contents. The main book's source is ``book/`` itself; a book built
elsewhere (``kzperception build --out``, a rerun) gets a staged copy of those pages in ``OUT/src``
and its HTML in ``OUT/html``. So a page is ``chapters/<stem>.html`` in every book.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from kzperception import paths

__all__ = ["CHAPTERS_PREFIX", "FRONT_PAGE", "STAGED_PAGES", "BookLayout", "BuildError", "stage_pages", "toc_chapters"]

CHAPTERS_PREFIX = f"{paths.CHAPTERS_DIR}/"
#: The pages of book/ that every staged book copies (chapters and the front page are executed into it,
#: never copied).
STAGED_PAGES = ("bibliography.md", "references.bib", "_static")
#: The front page's notebook in notebooks/, executed into the book's root document ``<source>/index.ipynb``.
FRONT_PAGE = "index"


class BuildError(RuntimeError):
    """A chapter failed to execute or the book failed to build; the message says which and why."""


@dataclass(frozen=True)
class BookLayout:
    """Where one book's Sphinx source, executed chapters and HTML live.

    One shape for every book, so a test, a link check or a reader finds a chapter at
    ``chapters/<stem>.html`` whichever book it is; only the folders differ.
    """

    source: Path
    html: Path

    @classmethod
    def main(cls) -> BookLayout:
        """The thesis's book: its source is ``book/``, its HTML ``book/_build/html``."""
        return cls(paths.BOOK, paths.HTML)

    @classmethod
    def standalone(cls, out: Path) -> BookLayout:
        """A book of its own outside the repository: staged source in ``OUT/src``, HTML in ``OUT/html``."""
        return cls(out / "src", out / "html")

    @property
    def chapters(self) -> Path:
        return self.source / paths.CHAPTERS_DIR

    @property
    def built(self) -> Path:
        """Where Jupyter Book writes the HTML (``--path-output`` is the source folder)."""
        return self.source / "_build" / "html"

    @property
    def is_main(self) -> bool:
        return self.source.resolve() == paths.BOOK.resolve()


def stage_pages(layout: BookLayout, index: str | None = None) -> None:
    """Copy the pages every book shares into a staged source; ``index`` is a generated front page (MyST).

    The main book is its own source and is never staged. The copies keep the paths the top-level
    ``_config.yml`` names relative to the source folder (``references.bib``, ``_static``), so one
    configuration serves every book. Without ``index`` the book gets the executed front page
    (:func:`execute_front_page`).
    """
    if layout.is_main:
        raise BuildError("the main book's source is book/ itself; it is not staged")
    layout.chapters.mkdir(parents=True, exist_ok=True)
    for name in STAGED_PAGES:
        src, dst = paths.BOOK / name, layout.source / name
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copyfile(src, dst)
    if index is not None:
        (layout.source / "index.md").write_text(index, encoding="utf-8")


def toc_chapters(toc: Path | None = None) -> list[str]:
    """Stems of the executed chapters listed in ``_toc.yml``, in reading order."""
    toc = toc or paths.TOC
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            f = node.get("file")
            if isinstance(f, str) and f.startswith(CHAPTERS_PREFIX):
                found.append(f[len(CHAPTERS_PREFIX) :])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(yaml.safe_load(toc.read_text(encoding="utf-8")))
    return found
