"""The public site's finish: languages, the bibliography's order and links, search, 404, meta tags.

A Sphinx extension (``_config.yml`` ``extra_extensions``) for what a reader, a screen reader, a search
engine and a static host see of the built book:

- **Languages.** A page listed in ``kzp_page_languages`` (the Czech abstract and summary) is written
  as ``<html lang="cs">``, the theme's English chrome on it (header, sidebars, footer) carries
  ``lang="en"``, and a link anywhere that shows a Czech page's title marks that title ``cs``. Every
  run of Cyrillic in a page's body that is not already inside a ``lang="ru"`` element is wrapped in
  ``<span lang="ru">``: bibliography entries, Russian keywords in the methodology, the register's
  tables. Only the text between tags is touched, byte for byte, so escaped corpus text stays escaped.
- **Bibliography.** ``kzp-author-year`` is a pybtex style: the thesis's plain entries, labelled
  author–year as the text cites them ("Akorda, 2021a", "Makocki and Popescu, 2016") and sorted in one
  alphabetical run, organisations by their names among persons (pybtex's own sort put ``{Akorda}``
  after every person because of the brace). With ``bibtex_cite_id: "bib-{key}"`` every entry has a
  stable id, and the source line under a quotation (``register.source_html``, a ``kzp-cite`` link
  carrying ``data-bibkey``) is pointed at its entry's real id and page from this page, in any builder.
- **Search.** Sphinx's search page fetches every result page to cut a snippet from it: over
  file:// each fetch is a CORS error, and the snippet began with the printed contents list. At the
  end of the build every page's text (its article, no contents list) goes into a small script,
  ``_static/kzp-search/<page>.js``; ``_static/kzp-search.js`` (loaded by the search page only) shows
  the same results and loads the texts of the pages it lists with script tags, fetching nothing.
  Words are stemmed as English or, when Cyrillic, as Russian (:class:`SearchEnglishRussian`).
- **A public site.** ``KZP_BASEURL`` in the environment overrides ``html_baseurl``; a self-contained
  ``404.html`` (nothing to load) whose links work from any address on the host (a ``<base>`` at the
  base URL's path under it, at the host's root elsewhere; none over file://, where it is opened
  directly); ``<meta name="description">`` and OpenGraph tags on every page from its text, by
  sphinxext-opengraph (``og:url`` from the same base URL; no social-card images, nothing fetched);
  one viewport tag (Sphinx's basic layout, docutils and the theme each wrote one).
  The sitemap is sphinx-sitemap's.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import os
import re
import shutil
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import snowballstemmer
import sphinx.search as sphinx_search
from docutils import nodes
from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting import BaseSortingStyle
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.search.en import SearchEnglish
from sphinx.search.ru import russian_stopwords
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: The environment variable that names where the book is published (overrides ``html_baseurl``).
BASEURL_ENV = "KZP_BASEURL"
#: The pybtex formatting style of the bibliography (``bibtex_default_style``).
BIB_STYLE = "kzp-author-year"
#: The search page's script (book/_static), and the folder of page texts it loads (written at the end).
SEARCH_SCRIPT = "kzp-search.js"
SEARCH_TEXT_DIR = "kzp-search"
NOT_FOUND = "404"
DESCRIPTION_CHARS = 160

# --- languages ------------------------------------------------------------------------------------

_CYR = "\u0400-\u052f\u1c80-\u1c8f\u2de0-\u2dff\ua640-\ua69f"
#: A run of Cyrillic words, with the spaces, digits, punctuation and entities between them.
CYRILLIC_RUN = re.compile(
    rf"[{_CYR}]+(?:(?:[\s\d.,;:!?()«»„“”\"’\-–—/№%]|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);)*[{_CYR}]+)*"
)
#: A tag, comment or raw-text element; quoted attribute values may hold ``>``.
_TOKEN = re.compile(
    r"<!--.*?-->"
    r"|<(script|style|textarea|title|option|svg|math)\b(?:[^\"'>]|\"[^\"]*\"|'[^']*')*>.*?</\1\s*>"
    r"|</?[a-zA-Z][^\"'>]*(?:(?:\"[^\"]*\"|'[^']*')[^\"'>]*)*>",
    re.S | re.I,
)
_TAG_NAME = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)")
_LANG_ATTR = re.compile(r"""\slang\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)


def _lang_of(tag: str) -> str | None:
    m = _LANG_ATTR.search(tag)
    return None if m is None else next(g for g in m.groups() if g is not None).lower()


def mark_cyrillic(markup: str, lang: str = "ru") -> str:
    """``markup`` with every Cyrillic run in its text wrapped in ``<span lang="ru">``.

    Text already inside an element whose nearest ``lang`` is ``ru`` is left as it is, and so are
    attribute values, comments, scripts, styles and SVG; an ``<option>`` (text only) with Cyrillic in it
    gets the ``lang`` itself. The text is copied unchanged (it is already escaped HTML), so nothing
    in it can become markup.
    """
    if CYRILLIC_RUN.search(markup) is None:  # most pages of a rerun: nothing to mark, no tag to walk
        return markup
    out: list[str] = []
    stack: list[tuple[str, str | None]] = []
    pos = 0

    def text(chunk: str) -> None:
        current = next((lg for _, lg in reversed(stack) if lg is not None), None)
        if current is not None and current.split("-")[0] == lang:
            out.append(chunk)
        else:
            out.append(CYRILLIC_RUN.sub(lambda m: f'<span lang="{lang}">{m.group(0)}</span>', chunk))

    for m in _TOKEN.finditer(markup):
        text(markup[pos : m.start()])
        tag = m.group(0)
        if (m.group(1) or "").lower() == "option" and CYRILLIC_RUN.search(tag) and _lang_of(tag.split(">")[0]) is None:
            tag = tag[:7] + f' lang="{lang}"' + tag[7:]
        out.append(tag)
        pos = m.end()
        name_m = _TAG_NAME.match(tag)
        if name_m is None or m.group(1):
            continue
        name = name_m.group(1).lower()
        if tag.startswith("</"):
            for i in range(len(stack) - 1, -1, -1):
                if stack[i][0] == name:
                    del stack[i:]
                    break
        elif name not in _VOID and not tag.endswith("/>"):
            stack.append((name, _lang_of(tag)))
    text(markup[pos:])
    return "".join(out)


#: On a page in another language, the theme's English parts (the opening tag's start).
ENGLISH_CHROME = (
    '<div id="pst-skip-link"',
    '<div class="search-button__wrapper"',
    '<header class="bd-header',
    '<div class="bd-sidebar-primary',
    '<div class="bd-header-article',
    '<footer class="prev-next-footer',
    '<div class="page-toc tocsection onthispage"',
    '<footer class="bd-footer',
)


#: English passages the library writes into every chapter, the Czech ones too (the source note).
_ENGLISH_PASSAGE = re.compile(r'<(div|p|aside|section)\b(?![^>]*\slang=)([^>]*\bclass="[^"]*\bkzp-source\b)')


def mark_page_languages(page: str, page_lang: str, titles: dict[str, str]) -> str:
    """The rendered page with the English parts of a non-English page marked ``en`` (the theme's
    chrome, the library's source note), and page titles marked with their pages' languages
    wherever they stand as a text of their own (a sidebar entry, a link, the previous/next
    buttons): a Czech title everywhere, an English one on a page that is not English."""
    if page_lang != "en":
        for start in ENGLISH_CHROME:
            page = page.replace(start, start[: start.index(" ")] + ' lang="en"' + start[start.index(" ") :])
        page = _ENGLISH_PASSAGE.sub(r'<\1 lang="en"\2', page)
    for title, lang in titles.items():
        if lang != "en" or page_lang != "en":
            span = f'<span lang="{lang}">{title}</span>'.replace("\\", r"\\")  # a literal replacement
            page = re.sub(rf">(\s*){re.escape(title)}(\s*)<", rf">\g<1>{span}\g<2><", page)
    return page


_VIEWPORT = re.compile(r'[ \t]*<meta name="viewport"[^>]*>\n?')


def one_viewport(page: str) -> str:
    """The page with only its first viewport tag (the basic layout, docutils and the theme add one each)."""
    seen = False

    def keep_first(m: re.Match[str]) -> str:
        nonlocal seen
        if seen:
            return ""
        seen = True
        return m.group(0)

    return _VIEWPORT.sub(keep_first, page)


# --- bibliography ---------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Sorting form of a name: braces, apostrophes and accents dropped, other punctuation a space,
    case ignored, a leading "The" dropped (The World Factbook files under W)."""
    plain = unicodedata.normalize("NFKD", text.replace("{", "").replace("}", ""))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    plain = re.sub(r"[^\w\s]", " ", re.sub(r"['’]", "", plain))
    return re.sub(r"^the\s+", "", " ".join(plain.split()))


def _persons(entry: Any) -> list[Any]:
    return list(entry.persons.get("author") or entry.persons.get("editor") or [])


def _surname(person: Any) -> str:
    return " ".join(person.prelast_names + person.last_names).replace("{", "").replace("}", "")


class AuthorYearSorting(BaseSortingStyle):
    """One alphabetical run: by the authors' names (an organisation is its name), then year and title."""

    def sorting_key(self, entry: Any) -> tuple:
        people = tuple((_fold(_surname(p)), _fold(" ".join(p.first_names + p.middle_names))) for p in _persons(entry))
        return people, entry.fields.get("year", "").casefold(), _fold(entry.fields.get("title", ""))


def author_year_label(entry: Any) -> str:
    """The label an entry is cited by in the text: "Arynov, 2023", "A and B, 2016", "A et al., 2021"."""
    names = [_surname(p) for p in _persons(entry)]
    if not names:
        who = entry.key
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    """Author–year labels, as the text cites the entries (``bibtex_reference_style: author_year``)."""

    def format_labels(self, sorted_entries: Iterable[Any]) -> Iterator[str]:
        for entry in sorted_entries:
            yield author_year_label(entry)


class AuthorYearStyle(PlainStyle):
    """pybtex's plain entries, labelled author–year and sorted in one alphabetical run."""

    default_label_style = AuthorYearLabels
    default_sorting_style = AuthorYearSorting


_CITE_LINK = re.compile(r'<a class="kzp-cite" href="[^"]*" data-bibkey="([^"]*)">')


def _entry_targets(app: Sphinx) -> dict[str, tuple[str, str]]:
    """Bibliography key -> (document, id) of its entry, as sphinxcontrib-bibtex placed it."""
    domain = app.env.get_domain("cite")
    return {c.key: (c.bibliography_key.docname, c.citation_id) for c in getattr(domain, "citations", [])}


def link_quotation_sources(app: Sphinx, pagename: str, body: str) -> str:
    """Point each quotation's source link at its bibliography entry, relative to this page."""
    if 'class="kzp-cite"' not in body:
        return body
    targets = _entry_targets(app)

    def point(m: re.Match[str]) -> str:
        key = html.unescape(m.group(1))
        if key not in targets:
            logger.warning("page %s: a quotation cites %r, which is not in the bibliography", pagename, key)
            return m.group(0)
        docname, anchor = targets[key]
        if app.builder.name == "singlehtml":
            href = f"#{anchor}"
        else:
            href = f"{app.builder.get_relative_uri(pagename, docname)}#{anchor}"
        return f'<a class="kzp-cite" href="{html.escape(href)}" data-bibkey="{m.group(1)}">'

    return _CITE_LINK.sub(point, body)


#: docutils marks each bibliography entry ``role="doc-biblioentry"`` inside a ``role="list"``;
#: DPUB-ARIA 1.1 deprecates that role (use ``listitem``), and checkers and screen readers that no
#: longer know it see a list whose children are the entries' links (axe: aria-required-children).
_BIBLIOENTRY = ' role="doc-biblioentry"'


def list_items(body: str) -> str:
    """The page body with each bibliography entry a ``listitem`` of its list."""
    return body.replace(_BIBLIOENTRY, ' role="listitem"')


# --- meta description -----------------------------------------------------------------------------
# Each page's ``<meta name="description">`` and its OpenGraph tags (og:title, og:url, og:description,
# ...) are sphinxext-opengraph's (set up with this extension, see :func:`_configure`); this module
# writes a description only where opengraph wrote none: the search and index pages, which have no text.


def shorten(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis if cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    cut = cut[: cut.rfind(" ")] if " " in cut else cut
    return cut.rstrip(" ,;:–—") + "…"


# --- search text ----------------------------------------------------------------------------------

_ARTICLE = re.compile(r'<article class="bd-article"[^>]*>(.*)</article>', re.S)
_MAIN = re.compile(r"<main\b[^>]*>(.*)</main>", re.S)
#: Not part of a snippet: heading anchors, and the page's title (the result's link shows it).
_DROP = re.compile(r'<a class="headerlink"[^>]*>.*?</a>|<h1\b[^>]*>.*?</h1>', re.S)
_BLOCK = frozenset(
    {
        "p",
        "div",
        "li",
        "td",
        "th",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "br",
        "section",
        "blockquote",
        "dt",
        "dd",
        "pre",
        "figcaption",
        "caption",
        "table",
        "ul",
        "ol",
        "dl",
        "figure",
    }
)
_SECTION_ID = re.compile(r"""^<section\b[^>]*\sid\s*=\s*["']([^"']+)["']""", re.I)


def page_text(page: str) -> dict[str, Any]:
    """A built page's readable text (its article: no contents list, title, headerlinks or scripts)
    and where each section starts in it, for search snippets."""
    m = _ARTICLE.search(page) or _MAIN.search(page)
    article = _DROP.sub("", m.group(1) if m else page)
    parts: list[str] = []
    size = 0
    sections: list[list[Any]] = []
    space = True

    def add(chunk: str) -> None:
        nonlocal size, space
        chunk = re.sub(r"\s+", " ", html.unescape(chunk))
        if space:
            chunk = chunk.lstrip(" ")
        if chunk:
            parts.append(chunk)
            size += len(chunk)
            space = chunk.endswith(" ")

    pos = 0
    for t in _TOKEN.finditer(article):
        add(article[pos : t.start()])
        pos = t.end()
        tag = t.group(0)
        if t.group(1):  # script, style, svg ...: no text
            continue
        sec = _SECTION_ID.match(tag)
        if sec:
            sections.append([sec.group(1), size])
        name = _TAG_NAME.match(tag)
        if name and name.group(1).lower() in _BLOCK and not space:
            add(" ")
    add(article[pos:])
    return {"text": "".join(parts).strip(), "sections": sections}


def write_search_text(app: Sphinx, exception: Exception | None) -> None:
    """Each page's text into ``_static/kzp-search/<docname>.js``, one small script per page that the
    search page loads for the pages it lists only (a script tag works over file://, a fetch does
    not). Read from the written pages, so an incremental build still covers the pages it did not
    rewrite; the folder is written anew, so a removed page leaves no text behind."""
    if exception is not None or app.builder.name not in ("html", "dirhtml"):
        return
    out = Path(app.outdir)
    folder = out / "_static" / SEARCH_TEXT_DIR
    shutil.rmtree(folder, ignore_errors=True)
    for docname in sorted(app.env.found_docs):
        path = out / app.builder.get_target_uri(docname)
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            continue
        data = json.dumps(page_text(path.read_text(encoding="utf-8")), ensure_ascii=False, separators=(",", ":"))
        target = folder / f"{docname}.js"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"KZP_SEARCH_PAGE({json.dumps(docname)}, {data});\n", encoding="utf-8")


# --- search in English and Russian ---------------------------------------------------------------

_CYRILLIC_WORD = re.compile(f"[{_CYR}]")


class SearchEnglishRussian(SearchEnglish):
    """Sphinx's English search, with Russian words stemmed by the Snowball Russian stemmer.

    The book is English with Russian quotations, titles and keywords; Sphinx stems a page in one
    language, so "партнерства" was indexed as it stands and the query "партнерство" found nothing.
    A word with Cyrillic letters is stemmed as Russian (ё read as е, as the sources mix them), any
    other as English, on both sides: here when the index is written, and in the browser by the same
    Snowball stemmers compiled to JavaScript, which Sphinx ships and the build writes inline into
    ``_static/language_data.js`` (nothing is fetched; it works from file://).
    """

    lang = "en"
    stopwords = SearchEnglish.stopwords | russian_stopwords

    def init(self, options: dict[str, str]) -> None:
        super().init(options)
        self.russian = snowballstemmer.stemmer("russian")

    def stem(self, word: str) -> str:
        word = word.lower()
        if _CYRILLIC_WORD.search(word):
            return self.russian.stemWord(word.replace("ё", "е"))
        return self.stemmer.stemWord(word)

    @classmethod
    def javascript(cls) -> str:
        """The browser's ``Stemmer``: Porter for English, Snowball for Russian, chosen per word."""
        minified = Path(sphinx_search.__file__).with_name("minified-js")
        base = (minified / "base-stemmer.js").read_text(encoding="utf-8")
        russian = (minified / "russian-stemmer.js").read_text(encoding="utf-8")
        porter = SearchEnglish.js_stemmer_code.replace("var Stemmer = function", "var PorterStemmer = function", 1)
        if porter == SearchEnglish.js_stemmer_code:
            raise RuntimeError("Sphinx's English stemmer no longer starts 'var Stemmer = function'")
        return (
            f"{base}\n{russian}\n{porter}\n"
            "var Stemmer = function() {\n"
            "  const english = new PorterStemmer(), russian = new RussianStemmer();\n"
            f"  const cyrillic = /[{_CYR}]/;\n"
            "  this.stemWord = (w) => cyrillic.test(w) ? russian.stemWord(w.toLowerCase().replace(/ё/g, 'е'))\n"
            "                                          : english.stemWord(w);\n"
            "};\n"
        )


def _search_language(app: Sphinx) -> None:
    """English pages are indexed with :class:`SearchEnglishRussian` (before the index is made)."""
    if (getattr(app.config, "html_search_language", None) or app.config.language or "en") == "en":
        SearchEnglishRussian.js_stemmer_code = SearchEnglishRussian.javascript()
        app.add_search_language(SearchEnglishRussian)


# --- the site: base URL, 404, languages, descriptions ---------------------------------------------


def _base_path(config: Config) -> str:
    path = urlsplit(config.html_baseurl or "").path or "/"
    return path if path.endswith("/") else path + "/"


def _configure(app: Sphinx, config: Config) -> None:
    """``KZP_BASEURL`` overrides ``html_baseurl`` (the sitemap's, the canonical links' and the
    OpenGraph ``og:url`` base); sphinxext-opengraph describes pages in :data:`DESCRIPTION_CHARS` and
    draws no social-card images (they would need matplotlib, and the book's pages have no image to
    share)."""
    given = os.environ.get(BASEURL_ENV, "").strip()
    if given:
        config.html_baseurl = given if given.endswith("/") else given + "/"
    if not config.ogp_site_url:
        config.ogp_site_url = config.html_baseurl
    config.ogp_description_length = DESCRIPTION_CHARS
    config.ogp_social_cards = {"enable": False, **(config.ogp_social_cards or {})}


def _name_the_sidebar(app: Sphinx, config: Config) -> None:
    """Name the sidebar heading in the theme options.

    The landing page empties ``docstitle`` so that its tab does not say the book's title twice
    (:func:`_page_context`); the theme's sidebar heading falls back on ``docstitle``, so it gets the
    title from here instead.
    """
    options = dict(config.html_theme_options or {})
    logo = dict(options.get("logo") or {})
    if config.html_title and not logo.get("text"):
        logo["text"] = config.html_title
        options["logo"] = logo
        config.html_theme_options = options


#: The 404 page's own look: the book's type and colours, light and dark, in the page itself.
_NOT_FOUND_CSS = """
:root { color-scheme: light dark; --bg: #fff; --text: #222832; --muted: #4d5561; --link: #1461d0; --rule: #d1d5da; }
@media (prefers-color-scheme: dark) { :root:not([data-theme=light]) { --bg: #121212; --text: #ced6dd;
  --muted: #9ca4af; --link: #7fb2ff; --rule: #48566b; } }
:root[data-theme=dark] { --bg: #121212; --text: #ced6dd; --muted: #9ca4af; --link: #7fb2ff; --rule: #48566b; }
body { margin: 0; background: var(--bg); color: var(--text); line-height: 1.65; font-size: 1rem;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Helvetica Neue", Arial, "Noto Sans",
  "Liberation Sans", sans-serif; }
header, main { max-width: 44rem; margin: 0 auto; padding: 0 1.25rem; }
header { padding-top: 1.25rem; padding-bottom: .75rem; border-bottom: 1px solid var(--rule); }
header a { color: var(--text); font-size: 1.15rem; text-decoration: none; }
h1 { font-size: 2.2rem; line-height: 1.2; margin: 2rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; }
a { color: var(--link); }
a:hover { text-decoration-thickness: 2px; }
ul { padding-left: 1.25rem; }
li { margin: .3rem 0; }
.contents { color: var(--muted); }
.bd-header-announcement { padding: .6rem 1.25rem; text-align: center; background: #fff3cd; color: #3d3000;
  overflow-wrap: anywhere; }
"""


def not_found_html(
    *,
    book_title: str,
    description: str,
    base_path: str,
    contents: list[tuple[str, str, str]],
    favicon: str = "",
    announcement: str = "",
) -> str:
    """The 404 page: one self-contained file (its style inline, no stylesheet, script or font to load).

    A host serves it for any missed address (``/book/no/such/page``), so a relative stylesheet or
    script resolved from there and failed: 26 failed requests and an unstyled page, and a ``<base>``
    set by script came too late for the browser's preloader. With nothing to load nothing can fail;
    only its links need the book's root, and a ``<base>`` gives it before the reader clicks: under
    the configured base URL's path (``KZP_BASEURL``) that path, anywhere else on the host (a preview
    served from the host's root) the host's root; opened from disk, the folder it sits in.
    ``contents`` is the book's pages as (title, address from the root, language).
    ``announcement`` is the bar every other page carries (a rerun's corpus and provenance), as the
    HTML the theme is given, already escaped by its maker (:func:`kzperception.book.rerun.banner_html`).
    """
    esc = html.escape

    def lang_of(lang: str) -> str:
        return f' lang="{esc(lang)}"' if lang != "en" else ""

    items = "\n".join(
        f'<li><a href="{esc(href)}"{lang_of(lang)}>{esc(title)}</a></li>' for title, href, lang in contents
    )
    icon = f'<link rel="icon" href="{esc(favicon)}" />' if favicon else '<link rel="icon" href="data:," />'
    root = json.dumps(base_path)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1.0" />
<script>if (location.protocol !== "file:") {{ const b = document.createElement("base"); const root = {root}; \
b.href = location.pathname.startsWith(root) ? root : "/"; document.head.appendChild(b); }}
document.documentElement.dataset.theme = localStorage.getItem("theme") || "";</script>
<title>Page not found — {esc(book_title)}</title>
<meta name="description" content="{esc(shorten(f"Page not found: {description}"), quote=True)}" />
<meta name="robots" content="noindex" />
{icon}
<style>{_NOT_FOUND_CSS}</style>
</head>
<body>
{f'<div class="bd-header-announcement" role="note">{announcement}</div>' if announcement else ""}
<header><a href="index.html">{esc(book_title)}</a></header>
<main id="main-content">
<article class="bd-article">
<section id="page-not-found">
<h1>Page not found</h1>
<p>Nothing of this book lives at this address: the page may have been renamed or the link mistyped.</p>
<p>Start from the <a href="index.html">front page</a>, pick a chapter below, or
<a href="search.html">search the book</a>.</p>
<h2>Contents</h2>
<ul class="contents">
{items}
</ul>
</section>
</article>
</main>
</body>
</html>
"""


def _book_order(app: Sphinx) -> list[str]:
    """The book's pages in the order of its table of contents, from the root page."""
    order: list[str] = []

    def visit(doc: str) -> None:
        if doc in order or doc not in app.env.found_docs:
            return
        order.append(doc)
        for child in app.env.toctree_includes.get(doc, []):
            visit(child)

    visit(app.config.root_doc)
    return order


def write_not_found(app: Sphinx, exception: Exception | None) -> None:
    """Write ``404.html`` at the end of an HTML build (a book with a 404 page of its own keeps it)."""
    if (
        exception is not None
        or getattr(app.builder, "embedded", False)
        or app.builder.name != "html"
        or NOT_FOUND in app.env.found_docs
    ):
        return
    out = Path(app.outdir)
    languages = app.config.kzp_page_languages
    contents = [
        (app.env.titles[doc].astext(), app.builder.get_target_uri(doc), languages.get(doc, "en"))
        for doc in _book_order(app)
        if doc in app.env.titles
    ]
    favicon = ""
    icon = out / "_static" / Path(str(app.config.html_favicon or "")).name
    if app.config.html_favicon and icon.suffix == ".svg" and icon.is_file():
        favicon = "data:image/svg+xml," + quote(icon.read_text(encoding="utf-8").strip(), safe=" :/='\"<>-.,#()")
    page = not_found_html(
        book_title=str(app.config.html_title or app.config.project),
        favicon=favicon,
        description=app.config.kzp_site_description,
        base_path=_base_path(app.config),
        contents=contents,
        announcement=str((app.config.html_theme_options or {}).get("announcement") or ""),
    )
    (out / f"{NOT_FOUND}.html").write_text(page, encoding="utf-8")


def _page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: nodes.document | None
) -> None:
    config = app.config
    lang = config.kzp_page_languages.get(pagename)
    if lang:
        context["language"] = lang
    if "body" in context:
        context["body"] = list_items(link_quotation_sources(app, pagename, str(context["body"])))
    # The landing page's title is the book's title: "<title> — <title>" in the tab says it twice.
    page_title = re.sub(r"<[^>]+>", "", str(context.get("title") or "")).strip()
    if page_title and html.unescape(page_title) == str(context.get("docstitle") or "").strip():
        context["docstitle"] = ""  # Sphinx's layout builds the " — title" suffix from it
    metatags = str(context.get("metatags") or "")
    # sphinxext-opengraph (set up first, so its handler has run) described every page with text;
    # a page without (search, the index of terms) gets the site's description.
    if 'name="description"' not in metatags:
        title = re.sub(r"<[^>]+>", "", str(context.get("title") or ""))
        text = f"{html.unescape(title)}: {config.kzp_site_description}" if title else config.kzp_site_description
        metatags += f'\n<meta name="description" content="{html.escape(shorten(text), quote=True)}" />'
    context["metatags"] = metatags
    # Jupyter Book links every script in _static into every page; the search scripts belong to the
    # search page only, deferred (they run after searchtools.js, before the search starts).
    scripts = context.get("script_files")
    if isinstance(scripts, list):
        scripts[:] = [js for js in scripts if not str(getattr(js, "filename", js) or "").endswith(SEARCH_SCRIPT)]
    if pagename == "search":
        app.add_js_file(SEARCH_SCRIPT, defer="defer")


def _language_titles(app: Sphinx) -> dict[str, str]:
    """Every page's title (as HTML text) and the page's language."""
    default = app.config.language or "en"
    return {
        html.escape(title.astext(), quote=False): app.config.kzp_page_languages.get(docname, default)
        for docname, title in app.env.titles.items()
        if title.astext().strip()
    }


def _finish_rendered(app: Sphinx) -> None:
    """Wrap the builder's template rendering: the page as written gets one viewport tag, its
    languages marked and its Cyrillic text marked ``ru``."""
    templates = getattr(app.builder, "templates", None)
    if app.builder.format != "html" or templates is None or getattr(templates, "_kzp_site", False):
        return
    render = templates.render

    def finished(template: str, context: dict[str, Any]) -> str:
        page = render(template, context)
        page_lang = str(context.get("language") or app.config.language or "en")
        page = one_viewport(page)
        page = mark_page_languages(page, page_lang, _language_titles(app))
        start = page.find("<body")
        return page if start < 0 else page[:start] + mark_cyrillic(page[start:])

    templates.render = finished
    templates._kzp_site = True


def setup(app: Sphinx) -> dict[str, Any]:
    # Every page's description and OpenGraph tags (configured in _configure). Without matplotlib the
    # extension prints that it draws no social cards, which the book never wants: not on the console.
    with contextlib.redirect_stdout(io.StringIO()):
        app.setup_extension("sphinxext.opengraph")
    app.add_config_value("kzp_page_languages", {}, "html", types=[dict])
    app.add_config_value("kzp_site_description", "", "html", types=[str])
    app.connect("config-inited", _configure)
    _search_language(app)
    app.connect("config-inited", _name_the_sidebar)
    app.connect("builder-inited", _finish_rendered)
    app.connect("build-finished", write_not_found)
    # Before sphinx_offline's pruning (900), which copies the page's script list.
    app.connect("html-page-context", _page_context, priority=500)
    app.connect("build-finished", write_search_text)
    register_plugin("pybtex.style.formatting", BIB_STYLE, AuthorYearStyle, force=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
