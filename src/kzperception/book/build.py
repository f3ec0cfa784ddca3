"""Build a book: its front page executed, Jupyter Book run over the executed chapters, the PDF line set.

The jobs a build is made of each live in their own module: where the book's files are
(:mod:`~kzperception.book.layout`), which notebook a chapter is executed from
(:mod:`~kzperception.book.chapter_templates`), executing chapters and their cache
(:mod:`~kzperception.book.execute`), the Vega bundle (:mod:`~kzperception.book.bundle`), running
Jupyter Book (:mod:`~kzperception.book.jupyterbook`) and the landing page's PDF link
(:func:`kzperception.book.pdf.mark_pdf`). This module puts them in order for one book.
"""

from __future__ import annotations

from pathlib import Path

from kzperception import paths
from kzperception.book import execute
from kzperception.book.jupyterbook import run_jupyter_book
from kzperception.book.layout import FRONT_PAGE, BookLayout, BuildError

__all__ = ["jupyter_book"]


def jupyter_book(
    layout: BookLayout | None = None,
    config: Path | None = None,
    toc: Path | None = None,
    strict: bool = True,
    front_params: dict[str, str] | None = None,
) -> float:
    """Run ``jupyter-book build`` on a book's source; warnings fail the build when ``strict``.

    The front page is executed first when it is stale (:func:`execute_front_page`): every caller
    builds a book whose root document is current. The HTML lands in ``layout.built``; moving it
    elsewhere (a standalone book's ``OUT/html``) is the caller's step, so that it can be made
    atomic. The landing page's PDF line is set for what sits beside it
    (:func:`kzperception.book.pdf.mark_pdf`). ``front_params`` are the front page's papermill
    parameters (none: the published figures; a book project's corpus, window and coder).
    """
    from kzperception.book.pdf import mark_pdf

    layout = layout or BookLayout.main()
    front = execute.execute_front_page(layout, front_params, seed=None if layout.is_main else paths.BOOK)
    if front is not None and front.status == "failed":
        raise BuildError(f"the front page ({paths.NOTEBOOKS / (FRONT_PAGE + '.md')}) failed: {front.error}")
    seconds = run_jupyter_book(layout, config, toc, strict)
    mark_pdf(layout.built)
    return seconds
