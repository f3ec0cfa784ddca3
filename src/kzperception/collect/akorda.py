"""The akorda.kz adapter: the Russian events listing, newest first, then each article page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from urllib.parse import urljoin, urlparse

from bs4 import BeautifulSoup, Tag

from .extract import (
    _DROP,
    _clean,
    _date_in,
    _date_nodes,
    _page_date,
    _soup,
    html_to_paragraphs,
    html_to_text,
    parse_date,
)
from .model import PRESIDENT_BASE, CollectSummary, ItemError, ListedItem, Page, RawReport, paginate
from .transport import Document, Fetcher


def _html_validator(doc: Document) -> None:
    """An HTML page must at least decode to something with a body or paragraphs."""
    text = doc.text()
    if not re.search(r"<(body|p|h1|div)\b", text, re.IGNORECASE):
        raise ValueError("no HTML content")


class Akorda:
    """akorda.kz: the Russian events listing, newest first, then each article page.

    Listing layout as seen in public scrapers of akorda.kz (see ``docs/fieldwork.md``): pages
    ``/ru/events?page=N``, one ``div.card`` per event with the link and title in ``h3 a`` (an image
    link to the same article may precede it) and the date in ``h5`` ("21 марта 2026 года");
    article URLs ``/ru/<slug>-<digits>``. A page without cards is read by the older, generic rule
    (article links anywhere in the page, the date printed next to each), so a redesign degrades
    instead of yielding nothing. The article page's markup is NOT verified: the title is taken from
    ``<h1>``, the date from the page (else the listing), the body from ``.content-text`` (the class
    of another akorda.kz page's text) or the fallbacks below.
    """

    website = "president"
    entity = "akorda"
    listing_path = "/ru/events"
    article_re = re.compile(r"^/ru/[A-Za-z0-9_-]*?-(\d{4,})/?$")
    card_selector = "div.card"
    card_link_selector = "h3 a[href]"
    card_date_selector = "h5"
    body_selectors = (".content-text", "article", "main")

    def __init__(self, base_url: str = PRESIDENT_BASE, max_pages: int = 10_000):
        self.base_url = base_url.rstrip("/")
        self.max_pages = max_pages

    def page_url(self, number: int) -> str:
        return f"{self.base_url}{self.listing_path}?page={number}"

    def listing(self, fetcher: Fetcher, start: dt.date, end: dt.date, summary: CollectSummary,
                refresh: bool = False, tick: Callable[[], None] = lambda: None) -> list[ListedItem]:
        def page(number: int) -> Page:
            doc = fetcher.get(self.page_url(number), _html_validator, refresh=refresh)
            tick()
            return Page(self.parse_listing(doc.text()))

        return paginate(page, 1, start, end, self.max_pages, summary, "akorda.kz events")

    def parse_listing(self, html: str) -> list[ListedItem]:
        """The events of one listing page: its cards, else article links with a date beside each."""
        soup = _soup(html)
        for junk in soup.find_all(_DROP):
            junk.decompose()
        return self._cards(soup) or self._loose_links(soup)

    def _cards(self, soup: BeautifulSoup) -> list[ListedItem]:
        items: dict[str, ListedItem] = {}
        for card in soup.select(self.card_selector):
            anchor = card.select_one(self.card_link_selector)
            found = self._link(anchor) if anchor is not None else None
            if found is None:
                continue
            url, number = found
            date_node = card.select_one(self.card_date_selector)
            date = parse_date(date_node.get_text(" ")) if date_node is not None else None
            source_id = f"akorda-{number}"
            if source_id not in items:
                items[source_id] = ListedItem(source_id, url, self.entity, date or _date_in(card),
                                              _clean(anchor.get_text(" ")))
        return list(items.values())

    def _loose_links(self, soup: BeautifulSoup) -> list[ListedItem]:
        main = soup.select_one("main")
        scope: Tag | BeautifulSoup = main if main is not None and self._links(main) else soup
        items: dict[str, ListedItem] = {}
        for anchor, url, number in self._links(scope):
            source_id = f"akorda-{number}"
            title = _clean(anchor.get_text(" "))
            if source_id not in items or (title and not items[source_id].title):
                items[source_id] = ListedItem(source_id, url, self.entity, _nearby_date(anchor, self), title)
        return list(items.values())

    def _link(self, anchor: Tag) -> tuple[str, str] | None:
        """(canonical URL, article number) of a link to an article of this site, else None."""
        url = urljoin(self.base_url + "/", str(anchor.get("href", "")).strip())
        parts = urlparse(url)
        match = self.article_re.match(parts.path)
        if match is None or parts.netloc != urlparse(self.base_url).netloc:
            return None
        return f"{parts.scheme}://{parts.netloc}{parts.path}", match.group(1)

    def _links(self, scope: Tag | BeautifulSoup) -> list[tuple[Tag, str, str]]:
        out = []
        for anchor in scope.find_all("a", href=True):
            found = self._link(anchor)
            if found is not None:
                out.append((anchor, *found))
        return out

    def fetch(self, fetcher: Fetcher, item: ListedItem) -> RawReport:
        doc = fetcher.get(item.url, _html_validator)
        try:
            return self.parse_article(doc.text(), item)
        except ItemError:
            fetcher.forget(item.url)
            raise

    def parse_article(self, html: str, item: ListedItem) -> RawReport:
        """Title from ``<h1>``, date from the page (else the listing), body from its paragraphs."""
        soup = _soup(html)
        for junk in soup.find_all(_DROP):
            junk.decompose()
        h1 = soup.find("h1")
        title = html_to_text(str(h1)) if h1 is not None else ""
        title = title or item.title
        if not title:
            raise ItemError("no title (<h1>) on the page")
        date = _page_date(soup) or item.date
        if date is None:
            raise ItemError("no date on the page or in the listing")
        if h1 is not None:
            h1.decompose()
        for node in _date_nodes(soup):
            node.decompose()
        found = [n for n in (soup.select_one(sel) for sel in self.body_selectors) if n is not None]
        body = found[0] if found else soup
        paragraphs = html_to_paragraphs(str(body))
        if not paragraphs:
            raise ItemError("no article text on the page")
        text = "\n\n".join(paragraphs)
        return RawReport(item.source_id, self.website, item.entity, date, item.url, title, text)


def _nearby_date(anchor: Tag, site: Akorda) -> dt.date | None:
    """The date printed in the smallest block that holds this article's links and no other's.

    A block may link to the same article twice (image and title); a second article ends the search.
    """
    node: Tag | None = anchor
    for _ in range(4):
        if node is None:
            return None
        if len({number for _a, _u, number in site._links(node)}) > 1:
            return None
        date = _date_in(node)
        if date is not None:
            return date
        node = node.parent if isinstance(node.parent, Tag) else None
    return None


