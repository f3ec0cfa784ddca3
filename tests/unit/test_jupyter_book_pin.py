"""The pinned Jupyter Book (1.0.4.post1) is the one installed.

tests/book/test_jupyter_book_pin_book.py builds a one-chapter book with the project's own config.
The whole book takes minutes; that test builds the project's ``_config.yml``, ``book/_static`` and
``references.bib`` around one page of prose, so a change of Jupyter Book, Sphinx or an extension
that breaks the build, the offline check or the pages' meta tags is seen in seconds. It also
shows that sphinxext-opengraph writes every page's description and OpenGraph tags from the
site's address (``KZP_BASEURL``), and that nothing of it reaches the network.
"""

from __future__ import annotations

from importlib.metadata import version


def test_jupyter_book_is_the_pinned_release():
    assert version("jupyter-book") == "1.0.4.post1"
