"""The public site's finish on one small Sphinx project built with the extension in a child process
(seconds, no chapters): languages, meta, bibliography, search text, single-page links. The pieces are
tested in tests/unit/test_site.py and the real book in tests/book/test_site_book.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.site_text import unmarked_cyrillic

from kzperception import paths
from kzperception.book import sphinx_site as site

BIB = """\
@online{akorda2021a, author = {{Akorda}}, title = {{Head of state [Глава государства]}}, year = {2021a},
  url = {https://www.akorda.kz/ru/x}}
@article{arynov2023, author = {Arynov, Zhanibek}, title = {Educated into Sinophilia?}, journal = {J}, year = {2023}}
@article{melet1998, author = {Melet, Yasmin}, title = {China's political and economic relations}, journal = {J},
  year = {1998}}
"""


CONF = """\
extensions = ["sphinxcontrib.bibtex", "kzperception.book.sphinx_site", "sphinx_sitemap"]
html_theme = "sphinx_book_theme"
bibtex_bibfiles = ["refs.bib"]
bibtex_default_style = "kzp-author-year"
bibtex_reference_style = "author_year"
bibtex_cite_id = "bib-{key}"
html_baseurl = "https://example.org/book/"
sitemap_url_scheme = "{link}"
sitemap_excludes = ["search.html", "genindex.html", "404.html"]
kzp_page_languages = {"chapters/cs": "cs"}
kzp_site_description = "A test book."
html_static_path = ["_static"]
html_js_files = ["kzp-search.js"]  # as Jupyter Book links every script in _static into every page
"""


INDEX = """\
Test book
=========

.. toctree::

   chapters/en
   chapters/cs
   bibliography
"""


CHAPTER_EN = """\
English chapter
===============

This chapter quotes a report and names the keyword Китай in its own prose, as the methodology does.

.. raw:: html

   <p class="kzp-quote-source"><span lang="ru">Глава</span> (<a class="kzp-cite" href="#" data-bibkey="akorda2021a">{}

It cites :cite:t:`arynov2023` in the text.
""".format("<cite>Akorda, 2021a</cite></a>).</p>")


CHAPTER_CS = """\
Český abstrakt
==============

Tato kapitola je česky a její první odstavec popisuje, o čem stránka je.
"""


BIBLIOGRAPHY = """\
References
==========

.. bibliography::
   :all:
"""


def _build_small_site(root: Path, builder: str) -> Path:
    src = root / "src"
    if not src.exists():
        _write_small_site(src)
    out = root / builder
    env = {k: v for k, v in os.environ.items() if k != site.BASEURL_ENV}
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", builder, "-q", "-W", str(src), str(out)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_small_site(tmp_path_factory.mktemp("site"), "html")


def test_single_page_build_links_sources_within_the_page(tmp_path: Path) -> None:
    """The PDF is printed from a single-page build: there the source link is an in-page anchor."""
    page = (_build_small_site(tmp_path, "singlehtml") / "index.html").read_text(encoding="utf-8")
    assert '<a class="kzp-cite" href="#bib-akorda2021a" data-bibkey="akorda2021a">' in page
    assert 'id="bib-akorda2021a"' in page and unmarked_cyrillic(page) == []


def _write_small_site(src: Path) -> None:
    (src / "chapters").mkdir(parents=True)
    (src / "_static").mkdir()
    (src / "_static" / site.SEARCH_SCRIPT).write_bytes((paths.STATIC / site.SEARCH_SCRIPT).read_bytes())
    for name, text in {
        "conf.py": CONF,
        "refs.bib": BIB,
        "index.rst": INDEX,
        "chapters/en.rst": CHAPTER_EN,
        "chapters/cs.rst": CHAPTER_CS,
        "bibliography.rst": BIBLIOGRAPHY,
    }.items():
        (src / name).write_text(text, encoding="utf-8")


def test_small_site_languages(small_site: Path) -> None:
    czech = (small_site / "chapters" / "cs.html").read_text(encoding="utf-8")
    english = (small_site / "chapters" / "en.html").read_text(encoding="utf-8")
    assert re.search(r'<html lang="cs"', czech) and re.search(r'<html lang="en"', english)
    assert '<div lang="en" class="bd-sidebar-primary' in czech
    assert '<span lang="cs">Český abstrakt</span>' in english  # the sidebar entry of the Czech page
    for page in small_site.rglob("*.html"):
        assert unmarked_cyrillic(page.read_text(encoding="utf-8")) == [], page.name


def test_small_site_meta(small_site: Path) -> None:
    for page in ["index.html", "chapters/en.html", "chapters/cs.html", "bibliography.html", "search.html", "404.html"]:
        text = (small_site / page).read_text(encoding="utf-8")
        assert text.count('name="viewport"') == 1, page
        descriptions = re.findall(r'<meta name="description" content="([^"]*)"', text)
        assert len(descriptions) == 1 and descriptions[0], page
    czech = (small_site / "chapters" / "cs.html").read_text(encoding="utf-8")
    assert '<meta name="description" content="Tato kapitola je česky' in czech
    # OpenGraph tags by sphinxext-opengraph, from the page's text and the site's base URL
    assert '<meta property="og:url" content="https://example.org/book/chapters/cs.html" />' in czech
    assert '<meta property="og:description" content="Tato kapitola je česky' in czech
    assert '<meta property="og:title" content="Český abstrakt" />' in czech
    assert "og:image" not in czech  # no social card: nothing drawn, nothing fetched
    sitemap = (small_site / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://example.org/book/chapters/en.html</loc>" in sitemap and "404.html" not in sitemap
    not_found = (small_site / "404.html").read_text(encoding="utf-8")
    assert 'const root = "/book/"' in not_found and '<meta name="robots" content="noindex" />' in not_found
    # self-contained: nothing to load, so nothing can fail wherever a host serves it
    assert not re.search(r'<(?:link rel="stylesheet"|script src)', not_found) and 'href="chapters/en.html"' in not_found


def test_small_site_bibliography_and_source_links(small_site: Path) -> None:
    bib = (small_site / "bibliography.html").read_text(encoding="utf-8")
    ids = re.findall(r'<div class="citation" id="([^"]+)"', bib)
    assert ids == ["bib-akorda2021a", "bib-arynov2023", "bib-melet1998"]
    assert "[</span>Akorda, 2021a<span" in bib
    # the link is pointed at the entry from the page it is on (its href in the source is a stand-in)
    english = (small_site / "chapters" / "en.html").read_text(encoding="utf-8")
    assert '<a class="kzp-cite" href="../bibliography.html#bib-akorda2021a" data-bibkey="akorda2021a">' in english


def test_small_site_search_text(small_site: Path) -> None:
    script = (small_site / "_static" / site.SEARCH_TEXT_DIR / "chapters" / "en.js").read_text(encoding="utf-8")
    assert script.startswith('KZP_SEARCH_PAGE("chapters/en", {')
    page = json.loads(script[script.index("{") : script.rindex(")")])
    assert "Китай" in page["text"] and "English chapter" not in page["text"]
    assert (small_site / "_static" / site.SEARCH_TEXT_DIR / "index.js").is_file()
    search = (small_site / "search.html").read_text(encoding="utf-8")
    assert re.search(r'<script defer="defer" src="_static/kzp-search\.js', search)
    assert site.SEARCH_SCRIPT not in (small_site / "chapters" / "en.html").read_text(encoding="utf-8")
