"""The akorda.kz adapter: the Russian events listing, newest first, then each article page.

Every selector and URL pattern comes from the site's layout (``data/sites.yaml``, section
``president``), so a changed front end is a data change; ``kzperception collect --probe`` says
which entry stopped matching.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import ClassVar
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from .extract import (
    DROPPED_TAGS,
    clean_text,
    date_nodes,
    html_to_paragraphs,
    html_to_text,
    page_date,
    page_soup,
    stated_date,
)
from .layout import PresidentLayout, load_layouts
from .model import CollectSummary, FetchError, ItemError, ListedItem, Page, RawReport, excerpt, paginate
from .transport import Document, Fetcher, normalize_url


def _html_validator(doc: Document) -> None:
    """An HTML page must at least decode to something with a body or paragraphs."""
    text = doc.text()
    if not re.search(r"<(body|p|h1|div)\b", text, re.IGNORECASE):
        raise ValueError("no HTML content")


class Akorda:
    """akorda.kz: the Russian events listing, newest first, then each article page.

    The listing (``listing_page``) shows one card per event (``listing_card``) with the link and
    title in ``card_link`` (an image link to the same article may precede it) and the date in
    ``card_date``; article URLs match ``article_url``, whose ``id`` group is the report's number.
    A page without cards is read by the older, generic rule (article links anywhere in the page,
    the date printed next to each), so a redesign degrades instead of yielding nothing. On an
    article page the title is the first ``article_title`` match (else the listing's title), the
    date the first ``article_date`` match that gives one (else the listing's), the body the first
    ``article_body`` match (else the whole page). Which of these are verified is in the layout.
    """

    website = "president"
    #: The layout part that yields each value a report's sanity rules look at (``sanity``).
    value_parts: ClassVar[dict[str, str]] = {"title": "article_title", "date": "article_date", "body": "article_body"}

    def __init__(
        self, base_url: str | None = None, max_pages: int | None = None, layout: PresidentLayout | None = None
    ):
        self.layout = layout or load_layouts().sites.president
        self.base_url = (base_url or self.layout.base_url).rstrip("/")
        self.max_pages = max_pages
        self.entity = self.layout.entity
        parts = self.layout.parts
        self.article_re = re.compile(parts.article_url.value)
        self.card_selectors = parts.listing_card.selectors()
        self.card_link_selectors = parts.card_link.selectors()
        self.card_date_selectors = parts.card_date.selectors()
        self.title_selectors = parts.article_title.selectors()
        self.date_selectors = parts.article_date.selectors()
        self.body_selectors = parts.article_body.selectors()

    @property
    def hosts(self) -> frozenset[str]:
        """Where a request or a redirect may go: the layout's hosts and the base URL's."""
        return frozenset({*self.layout.hosts, (urlsplit(self.base_url).hostname or "").lower()})

    def page_url(self, number: int) -> str:
        return self.base_url + self.layout.parts.listing_page.value.format(page=int(number))

    def rss_url(self) -> str:
        return self.base_url + self.layout.parts.rss_feed.value

    def listing(
        self,
        fetcher: Fetcher,
        start: dt.date,
        end: dt.date,
        summary: CollectSummary,
        refresh: bool = False,
        tick: Callable[[], None] = lambda: None,
    ) -> list[ListedItem]:
        """The RSS feed's reports first; the HTML listing for whatever the feed does not reach back to.

        Both give the same report the same id (the article number), so the one list holds each
        report once, with the feed's title and date where it has them. A feed that reaches back
        beyond ``start`` (so that it holds the whole first day) is enough (``sources``: ``rss``);
        a feed that cannot be had is a warning, and the HTML listing is read alone (``listing``).
        """
        feed = self.rss_listing(fetcher, summary, refresh, tick)
        dates = [item.date for item in feed if item.date is not None]
        if feed and dates and min(dates) < start:  # the whole first day is in the feed
            summary.sources[self.entity] = "rss"
            return [i for i in feed if i.date is None or start <= i.date <= end]
        if feed:
            summary.warnings.append(
                f"akorda.kz RSS feed: {len(feed)} reports back to {min(dates) if dates else '?'}; "
                "the HTML listing is read for the rest of the window"
            )
        html = self.html_listing(fetcher, start, end, summary, refresh, tick)
        merged = {item.source_id: item for item in feed}
        for item in html:
            merged.setdefault(item.source_id, item)
        summary.sources[self.entity] = "rss+listing" if feed else "listing"
        return [i for i in merged.values() if i.date is None or start <= i.date <= end]

    def rss_listing(
        self, fetcher: Fetcher, summary: CollectSummary, refresh: bool = False, tick: Callable[[], None] = lambda: None
    ) -> list[ListedItem]:
        """The feed's reports (each date in Almaty); [] with a warning when the feed cannot be had."""
        url = self.rss_url()
        try:
            doc = fetcher.get(url, _rss_validator, refresh=refresh)
        except (FetchError, ValueError) as err:  # Disallowed is a FetchError too
            summary.warnings.append(f"akorda.kz RSS feed {url} unavailable ({err}); the HTML listing is read alone")
            return []
        tick()
        skipped: list[str] = []
        items = self.parse_rss(doc.text(), skipped, summary)
        for message in skipped:
            summary.skip(f"akorda.kz RSS feed: {message}")
        return items

    def parse_rss(
        self, text: str, skipped: list[str] | None = None, summary: CollectSummary | None = None
    ) -> list[ListedItem]:
        """The feed's items whose link is an article of this site, in the feed's order."""
        import feedparser

        from .govkz import rss_entry_date

        items: dict[str, ListedItem] = {}
        for position, entry in enumerate(feedparser.parse(text).entries, start=1):
            found = self._link_url(str(entry.get("link") or ""), skipped)
            if found is None:
                continue
            url, number = found
            try:
                date = rss_entry_date(entry)
                title = html_to_text(str(entry.get("title") or ""))
            except (ItemError, ValueError, RecursionError) as err:
                if summary is not None:
                    summary.fail(f"akorda.kz RSS feed item {position}: {str(err)[:200]}")
                continue
            items.setdefault(f"akorda-{number}", ListedItem(f"akorda-{number}", url, self.entity, date, title))
        return list(items.values())

    def html_listing(
        self,
        fetcher: Fetcher,
        start: dt.date,
        end: dt.date,
        summary: CollectSummary,
        refresh: bool = False,
        tick: Callable[[], None] = lambda: None,
    ) -> list[ListedItem]:
        """The HTML events listing, newest first, back to ``start``."""

        def page(number: int) -> Page:
            url = self.page_url(number)
            doc = fetcher.get(url, _html_validator, refresh=refresh)
            tick()
            skipped: list[str] = []
            items = self.parse_listing(doc.text(), skipped)
            for message in skipped:
                summary.skip(f"akorda.kz events page {number}: {message}")
            if not items and number == first:
                fetcher.forget(url)  # a refusal or a changed page: ask again next time
                raise FetchError(empty_listing_message(doc, "listing_card, card_link, article_url"))
            return Page(items)

        first = self.layout.parts.listing_page.first
        return paginate(page, first, start, end, self.max_pages, summary, "akorda.kz events")

    def parse_listing(self, html: str, skipped: list[str] | None = None) -> list[ListedItem]:
        """The events of one listing page: its cards, else article links with a date beside each.

        A link whose article number has not the site's id shape is left out and named in ``skipped``.
        """
        soup = page_soup(html)
        for junk in soup.find_all(DROPPED_TAGS):
            junk.decompose()
        skipped = [] if skipped is None else skipped
        return self._cards(soup, skipped) or self._loose_links(soup, skipped)

    def select_one(self, scope: Tag | BeautifulSoup, selectors: list[str]) -> Tag | None:
        """The first node in ``scope`` that one of ``selectors`` (in order) matches, else None."""
        for selector in selectors:
            node = scope.select_one(selector)
            if node is not None:
                return node
        return None

    def cards(self, soup: BeautifulSoup) -> list[Tag]:
        """The listing's cards by the first card selector that finds any."""
        for selector in self.card_selectors:
            found = [c for c in soup.select(selector) if isinstance(c, Tag)]
            if found:
                return found
        return []

    def _cards(self, soup: BeautifulSoup, skipped: list[str]) -> list[ListedItem]:
        items: dict[str, ListedItem] = {}
        for card in self.cards(soup):
            anchor = self.select_one(card, self.card_link_selectors)
            found = self._link(anchor, skipped) if anchor is not None else None
            if anchor is None or found is None:
                continue
            url, number = found
            date_node = self.select_one(card, self.card_date_selectors)
            date = stated_date(date_node) if date_node is not None else None
            source_id = f"akorda-{number}"
            if source_id not in items:
                items[source_id] = ListedItem(
                    source_id, url, self.entity, date or stated_date(card), clean_text(anchor.get_text(" "))
                )
        return list(items.values())

    def _loose_links(self, soup: BeautifulSoup, skipped: list[str]) -> list[ListedItem]:
        main = soup.select_one("main")
        scope: Tag | BeautifulSoup = main if main is not None and self.article_links(main) else soup
        items: dict[str, ListedItem] = {}
        for anchor, url, number in self.article_links(scope, skipped):
            source_id = f"akorda-{number}"
            title = clean_text(anchor.get_text(" "))
            if source_id not in items or (title and not items[source_id].title):
                items[source_id] = ListedItem(source_id, url, self.entity, _nearby_date(anchor, self), title)
        return list(items.values())

    def _link(self, anchor: Tag, skipped: list[str] | None = None) -> tuple[str, str] | None:
        """(normalised URL, article number) of a link to an article of this site, else None."""
        return self._link_url(str(anchor.get("href", "")).strip(), skipped)

    def _link_url(self, href: str, skipped: list[str] | None = None) -> tuple[str, str] | None:
        """(normalised URL, article number) of an address of an article of this site, else None.

        A feed may name the site by another of its hosts (``akorda.kz`` for ``www.akorda.kz``):
        such a link is read as the same article on the base URL's host.
        """
        try:
            url = normalize_url(urljoin(self.base_url + "/", href))
        except (FetchError, ValueError):
            return None
        parts = urlsplit(url)
        match = self.article_re.match(parts.path)
        base = urlsplit(self.base_url)
        if match is None:
            return None
        if parts.netloc != base.netloc:
            if (parts.hostname or "") not in self.layout.hosts and parts.hostname != base.hostname:
                return None
            parts = parts._replace(scheme=base.scheme, netloc=base.netloc)  # the same article on our host
        number = match.group("id")
        if not self.layout.id_ok(number):
            if skipped is not None:
                skipped.append(
                    f"link {href[:120]!r}: article number {number[:40]!r} is not of the form "
                    f"{self.layout.report_id}; skipped"
                )
            return None
        return f"{parts.scheme}://{parts.netloc}{parts.path}", number

    def article_links(self, scope: Tag | BeautifulSoup, skipped: list[str] | None = None) -> list[tuple[Tag, str, str]]:
        """Every link in ``scope`` to an article of this site: (anchor, normalised URL, article number).

        A link whose article number has not the site's id shape is left out and named in ``skipped``.
        """
        out = []
        for anchor in scope.find_all("a", href=True):
            found = self._link(anchor, skipped)
            if found is not None:
                out.append((anchor, *found))
        return out

    def fetch(self, fetcher: Fetcher, item: ListedItem) -> RawReport:
        doc = fetcher.get(item.url, _html_validator)
        try:
            return self.parse_article(doc.text(), item)
        except Exception:  # unreadable as an article: not kept, so the next run asks again
            fetcher.forget(item.url)
            raise

    def parse_article(self, html: str, item: ListedItem) -> RawReport:
        """Title, date (else the listing's) and body by the layout's selectors."""
        soup = page_soup(html)
        for junk in soup.find_all(DROPPED_TAGS):
            junk.decompose()
        heading = self.select_one(soup, self.title_selectors)
        title = html_to_text(str(heading)) if heading is not None else ""
        title = title or item.title
        if not title:
            raise ItemError(f"no title ({', '.join(self.title_selectors)}) on the page")
        found_date = page_date(soup, self.date_selectors)
        date = found_date[0] if found_date else item.date
        if date is None:
            raise ItemError("no date on the page or in the listing")
        if heading is not None:
            heading.decompose()
        for _selector, node in date_nodes(soup, self.date_selectors):
            if node.name != "meta":
                node.decompose()
        body = self.select_one(soup, self.body_selectors) or soup
        paragraphs = html_to_paragraphs(str(body))
        if not paragraphs:
            raise ItemError("no article text on the page")
        text = "\n\n".join(paragraphs)
        return RawReport(item.source_id, self.website, item.entity, date, item.url, title, text)


def _rss_validator(doc: Document) -> None:
    import feedparser

    feed = feedparser.parse(doc.text())
    if not feed.entries and not feed.get("version"):
        raise ValueError("not an RSS/Atom feed")


def empty_listing_message(doc: Document, parts: str) -> str:
    """Why a first listing page with no report is an error, not an empty result; and which of the
    two it looks like (the ``--probe`` rules: a challenge page or a script shell is a refusal)."""
    from .probe import answer_verdict  # the probe reads the adapters; imported here, when needed

    decided = answer_verdict(doc)
    looks = (
        " It looks like a refusal: a challenge page or a script shell."
        if decided and decided[0] == "refused"
        else " It looks like a changed layout: the page has text but no card the layout finds."
    )
    return (
        f"the first listing page shows no report (HTTP {doc.status}, {len(doc.content)} bytes, "
        f"beginning {excerpt(doc.text())}): either the site's layout changed (data/sites.yaml: {parts}) "
        "or the site refused this client (a challenge page, a script shell, a redirect notice)."
        + looks
        + " Run `kzperception collect --probe` to tell which"
    )


def _nearby_date(anchor: Tag, site: Akorda) -> dt.date | None:
    """The date printed in the smallest block that holds this article's links and no other's.

    A block may link to the same article twice (image and title); a second article ends the search.
    """
    node: Tag | None = anchor
    for _ in range(4):
        if node is None:
            return None
        if len({number for _a, _u, number in site.article_links(node)}) > 1:
            return None
        date = stated_date(node)
        if date is not None:
            return date
        node = node.parent if isinstance(node.parent, Tag) else None
    return None
