"""The public site's finish (kzperception.book.sphinx_site): languages, bibliography, search text, meta.

Unit tests of the pieces, one small Sphinx project built with the extension (seconds, no chapters),
and checks of the real built book's HTML (marked ``book``; ``KZP_TEST_HTML=DIR`` reuses a built one).
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from pybtex.database import parse_file

from kzperception import paths
from kzperception.book import sphinx_site as site
from kzperception.data import register

CYRILLIC = re.compile(r"[\u0400-\u04ff]")


# --- languages ------------------------------------------------------------------------------------


class _LangCheck(HTMLParser):
    """Every text with Cyrillic letters, with the nearest ``lang`` around it (scripts and titles aside)."""

    VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    )

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.texts: list[tuple[str | None, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if CYRILLIC.search(data) and not any(t in ("script", "style", "title") for t, _ in self.stack):
            self.texts.append((next((lg for _, lg in reversed(self.stack) if lg), None), data.strip()))


def unmarked_cyrillic(markup: str) -> list[str]:
    parser = _LangCheck()
    parser.feed(markup)
    return [text for lang, text in parser.texts if lang != "ru"]


def _strip_spans(markup: str) -> str:
    return re.sub(r'<span lang="ru">|</span>', "", markup)


def test_cyrillic_runs_are_marked_and_nothing_else_changes() -> None:
    markup = (
        '<p>The keyword <em>Китай</em> and «Россия, Казахстан» here, <a title="Россия">a link</a>.</p>'
        '<blockquote lang="ru"><p>Уже <b>размечено</b></p></blockquote>'
        '<script>var s = "Русский <b>";</script><!-- Комментарий -->'
        "<td>&lt;script&gt;alert(1)&lt;/script&gt; Привет&amp;мир</td>"
        '<select><option value="1">Раздел</option></select>'
    )
    out = site.mark_cyrillic(markup)
    assert unmarked_cyrillic(markup), "the check must see the unmarked runs first"
    assert unmarked_cyrillic(out) == []
    assert '<span lang="ru">Россия, Казахстан</span>' in out  # one run across the comma and space
    assert '<a title="Россия">' in out  # attributes untouched
    assert '<blockquote lang="ru"><p>Уже <b>размечено</b></p></blockquote>' in out  # already ru: left alone
    assert '"Русский <b>"' in out and "<!-- Комментарий -->" in out  # scripts and comments untouched
    # escaped corpus text stays escaped: the spans are the only change
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "<script>alert" not in out
    assert '<option lang="ru" value="1">Раздел</option>' in out  # an option holds text only
    assert _strip_spans(out).replace('<option lang="ru"', "<option") == markup


def test_text_in_another_language_inside_russian_is_marked_again() -> None:
    out = site.mark_cyrillic('<div lang="ru"><p lang="en">The word Москва</p></div>')
    assert '<p lang="en">The word <span lang="ru">Москва</span></p>' in out


def test_one_viewport_tag_is_kept() -> None:
    page = (
        '<head>\n    <meta name="viewport" content="width=device-width, initial-scale=1.0" />\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1" />\n<title>t</title>\n'
        '  <meta name="viewport" content="width=device-width, initial-scale=1"/>\n</head>'
    )
    out = site.one_viewport(page)
    assert out.count('name="viewport"') == 1 and "<title>t</title>" in out


def test_page_languages_mark_the_chrome_and_the_titles() -> None:
    page = (
        '<div id="pst-skip-link" class="skip-link">Skip</div><div class="bd-sidebar-primary bd-sidebar">'
        '<a class="reference internal" href="00-abstrakt-cs.html">Český abstrakt</a></div>'
        '<article><h1>Český abstrakt<a class="headerlink" href="#x">#</a></h1>'
        '<div class="admonition note kzp-source"><p>Figures on this page …</p></div>'
        '<p>Viz kapitolu <a href="07.html"><span class="std std-ref">7 Other perceptions</span></a>.</p>'
        "</article>"
    )
    titles = {"Český abstrakt": "cs", "7 Other perceptions": "en"}
    czech = site.mark_page_languages(page, "cs", titles)
    assert '<div lang="en" id="pst-skip-link"' in czech and '<div lang="en" class="bd-sidebar-primary' in czech
    assert '<div lang="en" class="admonition note kzp-source">' in czech
    assert 'href="00-abstrakt-cs.html"><span lang="cs">Český abstrakt</span></a>' in czech
    assert '<span lang="en">7 Other perceptions</span>' in czech
    english = site.mark_page_languages(page, "en", titles)
    assert 'lang="en"' not in english and english.count('<span lang="cs">') == 2


# --- bibliography ---------------------------------------------------------------------------------


def _style_entries() -> list:
    bib = parse_file(str(paths.BOOK / "references.bib"))
    style = site.AuthorYearStyle()
    return list(style.format_entries(bib.entries.values()))


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


def test_bibliography_is_one_author_year_run() -> None:
    entries = _style_entries()
    labels = [e.label for e in entries]
    assert len(set(labels)) == len(labels), "two entries share a label"
    assert not [lb for lb in labels if lb.isdigit()]
    assert all(re.search(r", (\d{4}[a-z]?|n\.d\.(-[a-z])?)$", lb) for lb in labels), labels
    first = [_fold(re.split(r",| and | et al\.", lb)[0]).replace("'", "").removeprefix("the ") for lb in labels]
    assert first == sorted(first), "not one alphabetical run"
    # organisations among persons (pybtex's own sort put every {Organisation} after the persons)
    assert labels.index("Akorda, 2021a") < labels.index("Arynov, 2023")
    assert labels.index("Melet, 1998") < labels.index("MFA RK, 2020") < labels.index("Mikovic, 2023")


def test_labels_follow_the_in_text_citation_form() -> None:
    class Person:
        def __init__(self, last: str) -> None:
            self.prelast_names, self.last_names, self.first_names, self.middle_names = [], [last], [], []

    class Entry:
        def __init__(self, *names: str) -> None:
            self.key, self.fields = "k", {"year": "2016"}
            self.persons = {"author": [Person(n) for n in names]}

    assert site.author_year_label(Entry("{MFA RK}")) == "MFA RK, 2016"
    assert site.author_year_label(Entry("Makocki", "Popescu")) == "Makocki and Popescu, 2016"
    assert site.author_year_label(Entry("A", "B", "C")) == "A et al., 2016"


def test_a_quotation_source_links_to_its_entry() -> None:
    base = {
        "entity": "akorda",
        "website": "president",
        "title_ru": "Заголовок",
        "title_en": "Title",
        "url": "https://www.akorda.kz/ru/x",
        "id": "r1",
        "date": pd.Timestamp("2021-04-27"),
        "cite": "Akorda, 2021a",
        "bibkey": "akorda2021a",
    }

    def line(**change: object) -> str:
        return register.source_html(pd.Series({**base, **change}, dtype=object))

    assert (
        '<a class="kzp-cite" href="../bibliography.html#bib-akorda2021a" data-bibkey="akorda2021a">'
        "<cite>Akorda, 2021a</cite></a>"
    ) in line()
    hostile = line(bibkey='"><script>x</script>', cite="<b>c</b>")
    assert "<script>" not in hostile and "<b>" not in hostile
    assert "<a class" not in line(bibkey="")


# --- search text and description --------------------------------------------------------------------


def test_page_text_is_the_article_without_title_anchors_or_scripts() -> None:
    page = (
        '<nav>Contents list</nav><div id="jb-print-docs-body"><h2>Contents</h2><ul><li>A</li></ul></div>'
        '<article class="bd-article"><section id="top"><h1>Title<a class="headerlink" href="#top">#</a></h1>'
        '<p>First&nbsp;para &amp; more.</p><script>var x = 1;</script><section id="second-part">'
        '<h2>Second<a class="headerlink" href="#second-part">#</a></h2><p>Body</p><p>text</p></section>'
        "</section></article>"
    )
    got = site.page_text(page)
    assert got["text"] == "First para & more. Second Body text"
    assert dict(got["sections"]) == {"top": 0, "second-part": got["text"].index("Second")}


def test_description_is_shortened_at_a_word() -> None:
    long = "word " * 50
    assert len(site.shorten(long)) <= site.DESCRIPTION_CHARS and site.shorten(long).endswith("…")
    assert site.shorten("short text") == "short text"


# --- a small Sphinx project built with the extension ------------------------------------------------

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


def test_the_published_address_is_opengraph_s_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """KZP_BASEURL sets html_baseurl and, unless the config names one, opengraph's site URL."""
    from types import SimpleNamespace

    monkeypatch.setenv(site.BASEURL_ENV, "https://books.example/kz")
    config = SimpleNamespace(html_baseurl="https://example.org/", ogp_site_url="", ogp_social_cards=None)
    site._configure(None, config)  # type: ignore[arg-type]
    assert config.html_baseurl == config.ogp_site_url == "https://books.example/kz/"
    assert config.ogp_social_cards == {"enable": False}
    config = SimpleNamespace(html_baseurl="", ogp_site_url="https://og.example/", ogp_social_cards=None)
    site._configure(None, config)  # type: ignore[arg-type]
    assert config.ogp_site_url == "https://og.example/"


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


def test_baseurl_from_the_environment(tmp_path: Path) -> None:
    from types import SimpleNamespace

    config = SimpleNamespace(html_baseurl="https://example.org/book/", ogp_site_url="", ogp_social_cards=None)
    os.environ[site.BASEURL_ENV] = "https://books.example.net/kz"
    try:
        site._configure(None, config)  # type: ignore[arg-type]
    finally:
        del os.environ[site.BASEURL_ENV]
    assert config.html_baseurl == "https://books.example.net/kz/"
    assert site._base_path(config) == "/kz/"  # type: ignore[arg-type]


# --- the real book ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def book_html(request: pytest.FixtureRequest) -> Path:
    given = os.environ.get("KZP_TEST_HTML")
    if given:
        return Path(given).resolve()
    return request.getfixturevalue("built_book")


def _page_ids(page: Path, cache: dict[Path, set[str]]) -> set[str]:
    if page not in cache:
        cache[page] = set(re.findall(r'\sid="([^"]+)"', page.read_text(encoding="utf-8")))
    return cache[page]


@pytest.mark.book
def test_book_bibliography_and_every_quotation_source_link(book_html: Path) -> None:
    bib = (book_html / "bibliography.html").read_text(encoding="utf-8")
    labels = [
        html.unescape(lb)
        for lb in re.findall(
            r'<span class="label"><span class="fn-bracket">\[</span>(.*?)<span class="fn-bracket">\]</span>', bib
        )
    ]
    assert len(labels) > 100 and not [lb for lb in labels if re.fullmatch(r"\d+", lb)]
    first = [_fold(re.split(r",| and | et al\.", lb)[0]).replace("'", "").removeprefix("the ") for lb in labels]
    assert first == sorted(first), "the bibliography is not one alphabetical run"
    ids: dict[Path, set[str]] = {}
    links = 0
    for page in sorted((book_html / "chapters").glob("*.html")):
        for href in re.findall(r'<a class="kzp-cite" href="([^"]+)"', page.read_text(encoding="utf-8")):
            target, _, anchor = html.unescape(href).partition("#")
            path = (page.parent / target).resolve()
            assert path.is_file() and anchor in _page_ids(path, ids), f"{page.name}: {href} does not resolve"
            links += 1
    assert links >= 20, "the quotations' source lines carry no links"


@pytest.mark.book
def test_book_languages_and_meta(book_html: Path) -> None:
    problems = []
    for page in sorted(book_html.rglob("*.html")):
        if "_static" in page.parts:
            continue
        text = page.read_text(encoding="utf-8")
        rel = str(page.relative_to(book_html))
        viewports = text.count('name="viewport"')
        if viewports != 1:
            problems.append(f"{rel}: {viewports} viewport tags")
        if len(re.findall(r'<meta name="description" content="[^"]+"', text)) != 1:
            problems.append(f"{rel}: no description")
        want = "cs" if rel.endswith("-cs.html") else "en"
        if f'<html lang="{want}"' not in text:
            problems.append(f"{rel}: not lang={want}")
        problems += [f"{rel}: Cyrillic without lang=ru: {t[:60]!r}" for t in unmarked_cyrillic(text)]
    assert not problems, "\n".join(problems[:40])
    assert (book_html / "404.html").is_file() and (book_html / "sitemap.xml").is_file()


def test_the_404_page_carries_the_announcement_of_every_other_page() -> None:
    """A rerun's pages all say where their numbers come from; its 404 page is written apart from the
    theme, so it is given the same bar (already escaped) or none."""
    from kzperception.book.sphinx_site import not_found_html

    bar = "Synthetic corpus — demonstration only: <bdi>&lt;b&gt;x</bdi>"
    page = not_found_html(book_title="B", description="d", base_path="/", contents=[], announcement=bar)
    assert f'<div class="bd-header-announcement" role="note">{bar}</div>' in page
    assert 'bd-header-announcement"' not in not_found_html(book_title="B", description="d", base_path="/", contents=[])
