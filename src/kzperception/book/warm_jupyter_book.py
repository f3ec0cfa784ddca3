"""A ``jupyter-book`` process started early, that has imported Sphinx and its extensions before it is needed.

Run as ``python -m kzperception.book.warm_jupyter_book [PARENT]``: it imports Jupyter Book, Sphinx, MyST-NB,
the theme and the book's extensions (about two thirds of a second of a build's three on the
project machine), then waits for one line on its standard input, the arguments of
``jupyter-book``, and runs Jupyter Book's own command line with them in this process, exiting
with its status. :func:`kzperception.book.jupyterbook.prepare` starts it while the chapters are
still executing; :func:`~kzperception.book.jupyterbook.run_jupyter_book` hands it the build. An
empty input (the command ended without building) makes it exit at once, having built nothing.
"""

from __future__ import annotations

import importlib
import json
import sys

__all__ = ["PRELOADED", "main"]

#: What ``jupyter-book build`` imports before it reads a page: Jupyter Book, Sphinx and the book's
#: extensions (``_config.yml``). A module missing here is imported by Jupyter Book as usual.
PRELOADED = (
    "jupyter_book.cli.main",
    "jupyter_book.sphinx",
    "sphinx.application",
    "sphinx.builders.html",
    "myst_nb",
    "sphinx_book_theme",
    "pydata_sphinx_theme",
    "sphinxcontrib.bibtex",
    "sphinx_design",
    "sphinx_copybutton",
    "sphinx_togglebutton",
    "sphinx_comments",
    "sphinx_external_toc",
    "sphinx_jupyterbook_latex",
    "sphinx_multitoc_numbering",
    "sphinx_thebe",
    "sphinxext.opengraph",
    "sphinx_sitemap",
    "kzperception.book.sphinx_offline",
    "kzperception.book.sphinx_site",
    "kzperception.book.sphinx_exhibits",
    "kzperception.book.sphinx_published",
)


def main(parent: int | None = None) -> None:
    """Import, wait for the arguments, build. ``parent``: the process id of the command that started
    it, with which it ends however that ends (:func:`kzperception.children.die_with_parent`): it
    waits on an input pipe that the command's pool workers hold open too, so the end of file that
    a killed command's pipe would give never comes."""
    if parent is not None:
        from kzperception.children import die_with_parent

        die_with_parent(parent)
    for name in PRELOADED:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
    line = sys.stdin.readline()
    if not line.strip():
        sys.exit(0)
    arguments = json.loads(line)
    from jupyter_book.cli.main import main as jupyter_book  # type: ignore[import-untyped]

    sys.argv = ["jupyter-book", *arguments]
    jupyter_book(arguments, prog_name="jupyter-book")  # click exits with the command's status


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else None)
