"""Where a book lives: its Sphinx source, its executed chapters, its HTML, and what is staged into it.

Every book has one shape (:class:`BookLayout`): a Sphinx source folder holding the pages that are
not notebooks, ``references.bib``, ``_static/`` and ``chapters/``, built with the top-level
``_config.yml`` and a table of contents. The main book's source is ``book/`` itself; a book built
elsewhere (``kzperception build --out``, a rerun) gets a staged copy of those pages in ``OUT/src``
and its HTML in ``OUT/html``. So a page is ``chapters/<stem>.html`` in every book.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from kzperception import paths
from kzperception.data import yaml_text

__all__ = [
    "CHAPTERS_PREFIX",
    "FRONT_PAGE",
    "STAGED_PAGES",
    "BookLayout",
    "BuildError",
    "narrow_bibliography",
    "stage_pages",
    "toc_chapters",
]

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


#: A bibliography key as ``references.bib`` spells them; anything else found in a page is not one.
_KEY = r"[A-Za-z0-9][A-Za-z0-9_:.-]*"
#: A quotation's source line links its work as raw HTML (``register.source_html``); in an executed
#: notebook the quotes are JSON-escaped.
_SOURCE_LINK = re.compile(r'data-bibkey=\\?"(' + _KEY + r')\\?"')
#: A MyST citation role (``{cite}``, ``{cite:t}``, ``{cite:p}``...).
_CITE_ROLE = re.compile(r"\{cite(?::[a-z]+)*\}")
#: What the reference list says instead of an empty list.
NO_WORKS = "The pages of this book cite no work."


def narrow_bibliography(layout: BookLayout) -> list[str]:
    """Make a staged book's reference list hold the works its own pages cite; returns the linked keys.

    The page's first sentence says it lists every work the book cites, and a staged book holds
    some of the chapters: with the main book's ``:all:``, a rerun of the ten default chapters
    listed all 103 works of ``references.bib`` and cited 2, and Sphinx formatted every one on each
    rerun. Works are cited two ways: ``{cite}`` roles, which ``cited`` selects, and quotations'
    source links, raw HTML that sphinxcontrib-bibtex does not see, found here in the executed
    pages and named in the directive's ``:filter:``. Run once the chapters are executed.
    """
    if layout.is_main:
        raise BuildError("the main book lists every work of references.bib; only a staged book is narrowed")
    main = paths.BOOK / "bibliography.md"  # the page as the main book has it, however often this runs
    text = main.read_text(encoding="utf-8")
    if text.count("\n:all:\n") != 1:
        raise BuildError(f"{main}: expected one ':all:' line in the bibliography directive to narrow")
    keys: set[str] = set()
    roles = False
    for f in sorted(layout.source.rglob("*")):
        if f.suffix in (".md", ".ipynb") and f.is_file() and "_build" not in f.relative_to(layout.source).parts:
            page = f.read_text(encoding="utf-8", errors="replace")
            keys.update(_SOURCE_LINK.findall(page))
            roles = roles or (f.name != "bibliography.md" and _CITE_ROLE.search(page) is not None)
    linked = sorted(keys)
    if not linked and not roles:  # an empty list under "Every work the book cites" reads as a fault
        narrowed = f"{text.split(chr(10), 1)[0]}\n\n{NO_WORKS}\n"  # the heading, then the sentence
    else:
        chosen = "cited" + (" or key in {" + ", ".join(f'"{k}"' for k in linked) + "}" if linked else "")
        narrowed = text.replace("\n:all:\n", f"\n:filter: {chosen}\n")
    (layout.source / "bibliography.md").write_text(narrowed, encoding="utf-8")
    return linked


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

    walk(yaml_text.load(toc.read_text(encoding="utf-8")))
    return found
