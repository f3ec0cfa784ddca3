"""Plain text and dates out of scraped HTML: paragraphs, never markup.

Shared by both site adapters: akorda.kz's pages and gov.kz's HTML bodies inside JSON.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from bs4 import BeautifulSoup, NavigableString, Tag
from selectolax.lexbor import LexborHTMLParser

from .model import ItemError

# --------------------------------------------------------------------------------------------
# HTML to text


_BLOCKS = (
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "tr",
    "section", "article", "header", "footer", "figure", "figcaption", "pre", "dd", "dt",
)
_DROP = ("script", "style", "noscript", "template", "iframe", "svg", "object", "embed", "head", "form")
_PARA = "\u2029"  # paragraph separator: a marker no scraped text contains
_TAG_RE = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]*>")
_WS_RE = re.compile(r"[ \t\r\n\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def _clean(text: str) -> str:
    return _WS_RE.sub(" ", text).strip()


#: Elements nested deeper than this make a page unreadable: parsing such a page takes time that
#: grows with the square of its depth (a 500 kB page of 100,000 nested divs: over a minute),
#: while real pages nest a few dozen deep. Browsers cap the tree near 512 for the same reason.
MAX_DEPTH = 1000
_OPEN_CLOSE_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)\b[^<>]*?(/?)>")
# elements that never hold others, or close themselves when the next one opens
_NO_DEPTH = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
    "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot",
    "rt", "rp", "colgroup", "caption",
})


class MalformedPage(ItemError):
    """A page no parser should be asked to read (nested beyond ``MAX_DEPTH``)."""


def nesting_depth(html: str, limit: int = MAX_DEPTH) -> int:
    """How deep the page's container elements nest, counted from its tags (stops past ``limit``)."""
    depth = deepest = 0
    for match in _OPEN_CLOSE_RE.finditer(html):
        closing, name, self_closing = match.groups()
        if self_closing or name.lower() in _NO_DEPTH:
            continue
        depth = max(0, depth - 1) if closing else depth + 1
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
    return deepest


def _soup(html: str) -> BeautifulSoup:
    """Parse as a browser would (lexbor, HTML5 rules), then walk it with BeautifulSoup.

    Python's own parser nests unclosed tags (``<h1>a<h1>b`` swallows the page); lexbor repairs
    malformed pages the way browsers do, and its output is well-formed for BeautifulSoup. A page
    nested deeper than ``MAX_DEPTH`` raises ``MalformedPage`` instead of being parsed for minutes.
    """
    if nesting_depth(html) > MAX_DEPTH:
        raise MalformedPage(f"malformed page: elements nested more than {MAX_DEPTH} deep; not parsed")
    return BeautifulSoup(LexborHTMLParser(html).html or "", "html.parser")


def _paragraphs_of(node: Tag | BeautifulSoup) -> list[str]:
    for junk in node.find_all(_DROP):
        junk.decompose()
    for br in node.find_all("br"):
        br.replace_with(NavigableString(_PARA))
    for block in node.find_all(_BLOCKS):
        block.insert_before(NavigableString(_PARA))
        block.insert_after(NavigableString(_PARA))
    text = node.get_text()
    return [p for p in (_clean(x) for x in text.split(_PARA)) if p]


def html_to_paragraphs(html: str, _depth: int = 0) -> list[str]:
    """Plain-text paragraphs of an HTML fragment; scripts dropped, no markup ever returned.

    Bodies are sometimes escaped twice (``&lt;p&gt;`` inside JSON), so text that still looks like
    markup is parsed again; whatever tag-like text survives that is removed.
    """
    out: list[str] = []
    for para in _paragraphs_of(_soup(html)):
        if _TAG_RE.search(para) and _depth < 2:
            out.extend(html_to_paragraphs(para, _depth + 1))
        else:
            cleaned = _clean(_TAG_RE.sub(" ", para)) if _TAG_RE.search(para) else para
            if cleaned:
                out.append(cleaned)
    return out


def html_to_text(html: str) -> str:
    """One line of plain text (titles)."""
    return " ".join(html_to_paragraphs(html))


# --------------------------------------------------------------------------------------------
# Dates in Russian pages and APIs


_MONTHS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "мая": 5, "июн": 6, "июл": 7,
    "август": 8, "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}
_DATE_PATTERNS = (
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), ("y", "m", "d")),
    (re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b"), ("d", "m", "y")),
    (re.compile(r"\b(\d{1,2})\s+([а-яё]+)\s+(\d{4})", re.IGNORECASE), ("d", "mon", "y")),
)


def _month(word: str) -> int | None:
    word = word.lower()
    for stem in sorted(_MONTHS, key=len, reverse=True):
        if word.startswith(stem) and (stem != "ма" or word in ("май", "мая")):
            return _MONTHS[stem]
    return None


def parse_date(value: object) -> dt.date | None:
    """The first date in ``value``: ISO, ``24.08.2023``, ``24 августа 2023 года`` or epoch ms."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        return dt.datetime.fromtimestamp(seconds, dt.UTC).date()
    text = str(value)
    found: list[tuple[int, dt.date]] = []
    for pattern, order in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            parts = dict(zip(order, match.groups(), strict=True))
            month = _month(parts["mon"]) if "mon" in parts else int(parts["m"])
            if month is None:
                continue
            try:
                found.append((match.start(), dt.date(int(parts["y"]), month, int(parts["d"]))))
            except ValueError:
                continue
            break
    return min(found)[1] if found else None


def _date_in(node: Tag) -> dt.date | None:
    """The date a node states: a ``<meta content>``, a ``<time datetime>``, else its text."""
    if node.name == "meta":
        return parse_date(str(node.get("content") or "")) if node.get("content") else None
    time_tag = node.find("time") if node.name != "time" else node
    if isinstance(time_tag, Tag) and time_tag.get("datetime"):
        found = parse_date(str(time_tag["datetime"]))
        if found:
            return found
    return parse_date(node.get_text(" "))


def date_nodes(scope: Tag | BeautifulSoup, selectors: Sequence[str]) -> list[tuple[str, Tag]]:
    """The nodes each selector finds, selector by selector; a long text block is not a date."""
    out: list[tuple[str, Tag]] = []
    for selector in selectors:
        for node in scope.select(selector):
            if isinstance(node, Tag) and (node.name == "meta" or len(node.get_text(" ")) < 80):
                out.append((selector, node))
    return out


def page_date(soup: BeautifulSoup, selectors: Sequence[str]) -> tuple[dt.date, str] | None:
    """An article's own date and the selector that gave it: the article first, then ``main``,
    then the page (a header may print today's date)."""
    scopes = [s for s in (soup.select_one("article"), soup.select_one("main")) if s is not None] + [soup]
    for scope in scopes:
        for selector, node in date_nodes(scope, selectors):
            found = _date_in(node)
            if found:
                return found, selector
    return None
