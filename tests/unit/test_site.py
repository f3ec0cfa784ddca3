"""The public site's finish (kzperception.book.sphinx_site): languages, bibliography, search text, meta.

Unit tests of the pieces. One small Sphinx project built with the extension (seconds, no chapters)
is in tests/commands/test_site_commands.py, and the checks of the real built book's HTML in
tests/book/test_site_book.py (``KZP_TEST_HTML=DIR`` reuses a built one).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest
from helpers.site_text import fold, unmarked_cyrillic
from pybtex.database import parse_file

from kzperception import paths
from kzperception.book import sphinx_site as site
from kzperception.data import register

# --- languages ------------------------------------------------------------------------------------


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


def test_bibliography_is_one_author_year_run() -> None:
    entries = _style_entries()
    labels = [e.label for e in entries]
    assert len(set(labels)) == len(labels), "two entries share a label"
    assert not [lb for lb in labels if lb.isdigit()]
    assert all(re.search(r", (\d{4}[a-z]?|n\.d\.(-[a-z])?)$", lb) for lb in labels), labels
    first = [fold(re.split(r",| and | et al\.", lb)[0]).replace("'", "").removeprefix("the ") for lb in labels]
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


def test_the_404_page_carries_the_announcement_of_every_other_page() -> None:
    """A rerun's pages all say where their numbers come from; its 404 page is written apart from the
    theme, so it is given the same bar (already escaped) or none."""
    from kzperception.book.sphinx_site import not_found_html

    bar = "Synthetic corpus — demonstration only: <bdi>&lt;b&gt;x</bdi>"
    page = not_found_html(book_title="B", description="d", base_path="/", contents=[], announcement=bar)
    assert f'<div class="bd-header-announcement" role="note">{bar}</div>' in page
    assert 'bd-header-announcement"' not in not_found_html(book_title="B", description="d", base_path="/", contents=[])


def test_the_search_index_is_stemmed_by_the_c_build_of_snowball():
    """Sphinx stems every word of every page for the search index (Porter for English, and the book's
    Russian stemmer for Cyrillic words); with PyStemmer installed snowballstemmer hands both to the C
    build, which gives the same stems about fifty times faster. A missing PyStemmer would quietly
    fall back to pure Python: the build stays correct, and a second of each main build is gone."""
    import snowballstemmer
    import Stemmer
    from snowballstemmer.porter_stemmer import PorterStemmer
    from snowballstemmer.russian_stemmer import RussianStemmer

    for name, pure in (("porter", PorterStemmer()), ("russian", RussianStemmer())):
        fast = snowballstemmer.stemmer(name)
        assert isinstance(fast, Stemmer.Stemmer), type(fast)
        words = ["cooperation", "strategic", "partnership", "сотрудничество", "стратегического", "партнёрства"]
        assert [fast.stemWord(w) for w in words] == [pure.stemWord(w) for w in words]
