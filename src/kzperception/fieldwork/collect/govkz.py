"""The gov.kz adapter: each entity's press news through GraphQL, the REST API or RSS.

The endpoints, the item fields and the report-id shape come from the site's layout
(``data/sites.yaml``, section ``government``); ``kzperception collect --probe`` says which entry
stopped matching.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

from .extract import html_to_paragraphs, html_to_text, local_date, parse_date
from .layout import GovernmentLayout, load_layouts
from .model import (
    CollectError,
    CollectSummary,
    Disallowed,
    FetchError,
    ItemError,
    ListedItem,
    Page,
    RawReport,
    excerpt,
    paginate,
)
from .transport import Document, Fetcher, normalize_url


def api_items(payload: Any) -> list[dict[str, Any]]:
    """The news items of one content-manager page: the API answers a bare JSON list."""
    if isinstance(payload, list):
        return [x for x in payload if isinstance(x, dict)]
    raise ValueError(f"the news API answered a {type(payload).__name__}, not a list of items")


def _json_validator(doc: Document) -> None:
    api_items(doc.json())


def graphql_items(payload: Any) -> list[dict[str, Any]]:
    """The news items of one GraphQL answer, ``{"data": {"news": [...]}}``; anything else is an error.

    An answer carrying ``errors`` is a failure even when it also carries data (GraphQL servers send
    partial data with errors), as is a ``news`` that is not a list.
    """
    if not isinstance(payload, dict):
        raise ValueError(f"the GraphQL endpoint answered a {type(payload).__name__}, not an object")
    errors = payload.get("errors")
    if errors:
        first = errors[0] if isinstance(errors, list) and errors else errors
        message = first.get("message", first) if isinstance(first, dict) else first
        raise ValueError(f"GraphQL errors: {str(message)[:200]}")
    data = payload.get("data")
    news = data.get("news") if isinstance(data, dict) else None
    if not isinstance(news, list):
        raise ValueError(f"GraphQL data.news is a {type(news).__name__}, not a list of items")
    return [x for x in news if isinstance(x, dict)]


def _graphql_validator(doc: Document) -> None:
    graphql_items(doc.json())


def _text_of(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return "" if value is None else str(value)


class TicketRefused(FetchError):
    """The session-ticket request itself failed: the news API cannot be asked this run."""


#: gov.kz listing sources, in the order ``auto`` tries them, with the names warnings use.
GOV_SOURCES: dict[str, str] = {"graphql": "GraphQL endpoint", "api": "news API", "rss": "RSS feed"}


class GovKz:
    """gov.kz: each entity's press news through the public GraphQL endpoint, the content-manager
    REST API or the entity's RSS feed, tried in that order (``source="auto"``).

    GraphQL layout as seen in public code calling it (``opengov-kz/parse-gov-kz``,
    ``gov_kz_news_parser.py``; see ``docs/fieldwork.md``): ``POST /graphql`` with the JSON body
    ``{"query": "query { news(projects: \"eq:<entity>\", _lang: \"ru\", _page: N, _size: M,
    _sort: \"created_date:desc\") { id title body created_date } }"}`` (pages from ``first_page``, 1
    by default, newest first) answers ``{"data": {"news": [...]}}``, the items having the REST API's fields; an answer
    with ``errors`` is a failure; a page shorter than ``_size`` (or empty) is the last.

    REST layout as seen in public code calling it:
    ``/api/v1/public/content-manager/news?sort-by=created_date:DESC&projects=eq:<entity>&page=N&size=M``
    (pages from ``first_page``, 1 by default, newest first) answers a bare JSON list; each item has
    ``id``, ``title``, ``body`` (the report's HTML) and ``created_date``
    (``2023-06-01T11:30:00.000+06:00``); the language follows the ``Accept-Language`` header; a report's page is
    ``/memleket/entities/<entity>/press/news/details/<id>``. A page shorter than ``size`` (or empty)
    is the last.

    The paths above are the defaults of ``data/sites.yaml``, which the adapter reads them from.

    Items from either go through ``parse_item``; one without a body is completed from the detail
    endpoint. ``auto`` moves to the next source only when the one before is refused, unreachable,
    disallowed by robots.txt or answers no usable first page for that entity; the summary records
    the source that served each entity (``CollectSummary.sources``) and warns about each fallback.
    A source that fails on a later page is not abandoned: the listing stops there and says so.

    NOT verified: whether the GraphQL endpoint answers a plain request today (no live request was
    made; the public scraper sends a browser-like user agent, this collector its own), the detail
    endpoint (``/news/<id>``) and the RSS feed's address. One 2026 source reports that the REST API
    answers HTTP 400 «notAllowed» unless the client first takes a session ticket (``POST
    /api/v1/public/_/c/k6``, layout part ``session_ticket``, which sets a cookie): the adapter takes
    one when the API first refuses, keeps it for the run and renews it when refused again
    (``rest_get``). Page numbers start where each endpoint's ``first_page`` says (0 or 1: public
    scrapers disagree). An entity that ends on its RSS feed only reaches back a few weeks: the
    summary then warns how far back it got.
    """

    website = "government"
    #: The layout part that yields each value a report's sanity rules look at (``sanity``).
    value_parts: ClassVar[dict[str, str]] = {
        "title": "item_fields (title)",
        "date": "item_fields (created_date)",
        "body": "item_fields (body)",
    }
    source_parts: ClassVar[dict[str, str]] = {"graphql": "graphql", "api": "news_api", "rss": "rss_feed"}
    graphql_lang = "ru"
    graphql_sort = "created_date:desc"

    def __init__(
        self,
        entities: Sequence[str] = (),
        base_url: str | None = None,
        page_size: int = 50,
        max_pages: int | None = None,
        source: str = "auto",
        layout: GovernmentLayout | None = None,
    ):
        self.layout = layout or load_layouts().sites.government
        entities = list(entities) or list(self.layout.entities)
        bad = [e for e in entities if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", e)]
        if bad:
            raise CollectError(f"--entity: {bad[0]!r} is not a gov.kz entity name (e.g. mfa, mti)")
        if source != "auto" and source not in GOV_SOURCES:
            raise CollectError(f"--gov-source: {source!r} is not one of auto|{'|'.join(GOV_SOURCES)}")
        self.entities = list(dict.fromkeys(entities))
        self.base_url = (base_url or self.layout.base_url).rstrip("/")
        self.page_size = page_size
        self.max_pages = max_pages
        self.source = source
        self.graphql_fields: tuple[str, ...] = tuple(self.layout.parts.item_fields.value.split())
        #: The fetcher (by id) that holds a session ticket, and how many tickets this run took.
        self._ticket_for: int | None = None
        self.tickets = 0

    def first_page(self, source: str) -> int:
        """Where a paged source's numbering starts (``first_page`` of its layout part: 0 or 1)."""
        return self.layout.parts.graphql.first if source == "graphql" else self.layout.parts.news_api.first

    def ticket_url(self) -> str:
        return self.base_url + self.layout.parts.session_ticket.value

    def take_ticket(self, fetcher: Fetcher, renew: bool = False) -> None:
        """POST the session-ticket request (its cookie stays in the client): once per run, or again
        with ``renew`` when the API refused the ticket it has. Under the rate limit and robots.txt
        like every request; never cached (a ticket is worth nothing tomorrow)."""
        if self._ticket_for == id(fetcher) and not renew:
            return
        if renew and self._ticket_for is not None:
            fetcher.summary.warnings.append("gov.kz news API refused the session ticket; a new one was taken")
        url = self.ticket_url()
        try:
            fetcher.post(url, b"{}", store=False)
        except Disallowed:
            raise
        except FetchError as err:
            raise TicketRefused(
                f"the session ticket ({url}) was refused: {err}", status=err.status, head=err.head
            ) from None
        self._ticket_for = id(fetcher)
        self.tickets += 1

    def rest_get(
        self, fetcher: Fetcher, url: str, validate: Callable[[Document], object] | None, refresh: bool = False
    ) -> Document:
        """A GET of the REST API, with a session ticket when it wants one.

        The ticket is taken when the API first refuses (400, 401, 403: a plain client gets 400
        «notAllowed»), so a run that the API answers without one, or that reads every page from the
        cache, asks for none; it is kept for the rest of the run, renewed when a later request is
        refused, and each refusal is asked again once, with the new ticket. A refusal that
        survives a fresh ticket is the source's refusal (status and first bytes in the message).
        """
        try:
            return fetcher.get(url, validate, refresh=refresh)
        except Disallowed:
            raise
        except FetchError as err:
            if err.status not in (400, 401, 403):
                raise
        self.take_ticket(fetcher, renew=True)
        return fetcher.get(url, validate, refresh=refresh)  # a FetchError now is a refusal with a ticket

    @property
    def hosts(self) -> frozenset[str]:
        """Where a request or a redirect may go: the layout's hosts and the base URL's."""
        return frozenset({*self.layout.hosts, (urlsplit(self.base_url).hostname or "").lower()})

    @property
    def sources(self) -> tuple[str, ...]:
        """The listing sources tried for each entity, in order."""
        return tuple(GOV_SOURCES) if self.source == "auto" else (self.source,)

    def graphql_url(self) -> str:
        return self.base_url + self.layout.parts.graphql.value

    def graphql_query(self, entity: str, number: int) -> str:
        args = (
            f"projects: {json.dumps('eq:' + entity)}, _lang: {json.dumps(self.graphql_lang)}, "
            f"_page: {int(number)}, _size: {int(self.page_size)}, _sort: {json.dumps(self.graphql_sort)}"
        )
        return f"query {{ news({args}) {{ {' '.join(self.graphql_fields)} }} }}"

    def graphql_body(self, entity: str, number: int) -> bytes:
        """The POST body for one page: the same bytes every time, so the raw cache finds it again."""
        return json.dumps({"query": self.graphql_query(entity, number)}, separators=(",", ":")).encode("utf-8")

    def api_url(self, entity: str, number: int) -> str:
        return self.base_url + self.layout.parts.news_api.value.format(
            entity=entity, page=int(number), size=int(self.page_size)
        )

    def detail_url(self, entity: str, news_id: str) -> str:
        return self.base_url + self.layout.parts.detail_api.value.format(entity=entity, id=quote(news_id, safe=""))

    def page_url(self, entity: str, news_id: str) -> str:
        return self.base_url + self.layout.parts.report_page.value.format(entity=entity, id=quote(news_id, safe=""))

    def rss_url(self, entity: str) -> str:
        return self.base_url + self.layout.parts.rss_feed.value.format(entity=entity)

    def news_id(self, value: object, where: str, summary: CollectSummary) -> str | None:
        """The item's id as text when it has the site's id shape; else a warning naming it, and None.

        An id goes into the report's URL and the corpus; ``../`` or a query in it would make the
        HTTP client ask for another page than the one robots.txt was asked about.
        """
        text = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else None
        if text is not None and self.layout.id_ok(text):
            return text
        shown = repr(value)[:80]
        summary.skip(f"{where}: id {shown} is not of the form {self.layout.report_id}; skipped")
        return None

    def listing(
        self,
        fetcher: Fetcher,
        start: dt.date,
        end: dt.date,
        summary: CollectSummary,
        refresh: bool = False,
        tick: Callable[[], None] = lambda: None,
    ) -> list[ListedItem]:
        out: list[ListedItem] = []
        for entity in self.entities:
            out += self._entity_listing(fetcher, entity, start, end, summary, refresh, tick)
        return out

    def _entity_listing(
        self,
        fetcher: Fetcher,
        entity: str,
        start: dt.date,
        end: dt.date,
        summary: CollectSummary,
        refresh: bool,
        tick: Callable[[], None],
    ) -> list[ListedItem]:
        """The entity's items from the first source that answers; each one passed over is explained."""
        label = f"gov.kz {entity}"
        at = len(summary.warnings)  # the fallback warning goes before the listing's own warnings
        passed: list[str] = []
        only_disallowed = True
        for source in self.sources:
            try:
                items = self._listing_from(source, fetcher, entity, start, end, summary, refresh, tick)
            except Disallowed as err:
                summary.disallowed += 1
                passed.append(f"{GOV_SOURCES[source]} skipped ({err})")
                continue
            except FetchError as err:
                only_disallowed = False
                passed.append(f"{GOV_SOURCES[source]} unavailable ({self._why(source, err)})")
                summary.refusals.append(
                    {
                        "entity": entity,
                        "source": source,
                        "status": err.status,
                        "begins": excerpt(err.head, 120) if err.head else "",
                        "message": str(err)[:300],
                    }
                )
                continue
            summary.sources[entity] = source
            if passed:
                summary.warnings.insert(at, f"{label}: {'; '.join(passed)}; served by the {GOV_SOURCES[source]}")
            return items
        summary.sources[entity] = "none"
        if only_disallowed:
            summary.warnings.append(f"{label}: {'; '.join(passed)}; entity skipped")
        else:
            summary.fail(f"{label}: {'; '.join(passed)}; no listing source left")
        return []

    @staticmethod
    def _why(source: str, err: FetchError) -> str:
        """A source's refusal in words: its status, what it means, and the first bytes of the answer."""
        if err.status not in (400, 401, 403) or isinstance(err, TicketRefused):
            return str(err)
        begins = f"; the answer begins {excerpt(err.head, 80)}" if err.head else ""
        if source == "api":
            return f"HTTP {err.status}: refused even with a fresh session ticket{begins}"
        return f"HTTP {err.status}: refused{begins}"

    def _listing_from(
        self,
        source: str,
        fetcher: Fetcher,
        entity: str,
        start: dt.date,
        end: dt.date,
        summary: CollectSummary,
        refresh: bool,
        tick: Callable[[], None],
    ) -> list[ListedItem]:
        """One source's listing; raises FetchError or Disallowed when its first page cannot be had."""
        if source == "rss":
            return self._rss_listing(fetcher, entity, start, end, summary, refresh, tick)

        def page(number: int) -> Page:
            if source == "graphql":
                doc = fetcher.post(
                    self.graphql_url(), self.graphql_body(entity, number), _graphql_validator, refresh=refresh
                )
                raw_items = graphql_items(doc.json())
            else:
                doc = self.rest_get(fetcher, self.api_url(entity, number), _json_validator, refresh=refresh)
                raw_items = api_items(doc.json())
            tick()
            return self._items_page(raw_items, entity, number, summary, GOV_SOURCES[source])

        number_one = self.first_page(source)
        first = page(number_one)  # its failure means: this source is not available for the entity
        if not first.items:
            raise FetchError(
                f"its first page has no item (an entity without news, a refusal or a changed "
                f"answer; data/sites.yaml: {self.source_parts[source]})"
            )

        def pages(number: int) -> Page:
            return first if number == number_one else page(number)

        label = f"gov.kz {entity} {GOV_SOURCES[source]}"
        return paginate(pages, number_one, start, end, self.max_pages, summary, label)

    def _items_page(
        self, raw_items: list[dict[str, Any]], entity: str, number: int, summary: CollectSummary, source_name: str
    ) -> Page:
        """The page's items; an item with a field no report can have fails alone, named with its field."""
        items = []
        for position, raw in enumerate(raw_items, start=1):
            where = f"gov.kz {entity} {source_name} page {number} item {position}"
            if raw.get("id") in (None, ""):
                summary.fail(f"{where}: no id")
                continue
            news_id = self.news_id(raw.get("id"), where, summary)
            if news_id is None:
                continue
            try:
                date, title = item_date(raw), item_title(raw)
            except ItemError as err:
                summary.fail(f"{where} (id {news_id}): {err}")
                continue
            items.append(self._item(entity, news_id, date, title, raw))
        return Page(items, last=len(raw_items) < self.page_size)

    def _item(self, entity: str, news_id: str, date: dt.date | None, title: str, payload: dict[str, Any]) -> ListedItem:
        """A listed report; its page URL normalised now, so the URL saved is the URL a reader opens."""
        return ListedItem(
            f"govkz-{entity}-{news_id}",
            normalize_url(self.page_url(entity, news_id)),
            entity,
            date,
            title,
            payload=payload,
            fetch_url=self.detail_url(entity, news_id),
        )

    def _rss_listing(
        self,
        fetcher: Fetcher,
        entity: str,
        start: dt.date,
        end: dt.date,
        summary: CollectSummary,
        refresh: bool,
        tick: Callable[[], None],
    ) -> list[ListedItem]:
        import feedparser

        doc = fetcher.get(self.rss_url(entity), _rss_validator, refresh=refresh)
        tick()
        feed = feedparser.parse(doc.text())
        items: list[ListedItem] = []
        for position, entry in enumerate(feed.entries, start=1):
            link = str(entry.get("link") or "")
            match = re.search(r"/details/(\d+)", link) or re.search(r"(\d+)\D*$", str(entry.get("id") or ""))
            if match is None:
                summary.fail(f"gov.kz {entity} RSS item {position}: no news id in its link")
                continue
            news_id = self.news_id(match.group(1), f"gov.kz {entity} RSS item {position}", summary)
            if news_id is None:
                continue
            body = (entry.get("content") or [{}])[0].get("value") or entry.get("summary") or ""
            title = str(entry.get("title", ""))
            try:
                date = rss_entry_date(entry)
                shown_title = item_title({"title": title})
            except ItemError as err:
                summary.fail(f"gov.kz {entity} RSS item {position} (id {news_id}): {err}")
                continue
            payload = {"id": news_id, "title": title, "body": body, "created_date": date}
            items.append(self._item(entity, news_id, date, shown_title, payload))
        dates = [i.date for i in items if i.date]
        if dates and min(dates) > start:
            summary.warnings.append(
                f"gov.kz {entity}: the RSS feed reaches back only to {min(dates)}; older reports are lost"
            )
        return [i for i in items if i.date is None or start <= i.date <= end]

    def fetch(self, fetcher: Fetcher, item: ListedItem) -> RawReport:
        raw = dict(item.payload or {})
        if not _text_of(raw, "body").strip():
            doc = self.rest_get(fetcher, item.fetch_url, _detail_validator)
            detail = doc.json()
            raw.update(detail.get("data", detail) if isinstance(detail, dict) else {})
        return self.parse_item(raw, item)

    def parse_item(self, raw: dict[str, Any], item: ListedItem) -> RawReport:
        title = item_title(raw)
        if not title:
            raise ItemError("field title: no title in the API item")
        date = item_date(raw) or item.date
        if date is None:
            raise ItemError("field created_date: no date in the API item")
        paragraphs = _field_html(raw, "body", html_to_paragraphs)
        if not paragraphs:
            raise ItemError("field body: no text in the API item")
        text = "\n\n".join(paragraphs)
        return RawReport(item.source_id, self.website, item.entity, date, item.url, title, text)


#: The longest value of a text field taken from an item (characters): a report's body is far shorter.
MAX_FIELD_CHARS = 2_000_000


def _field_text(raw: dict[str, Any], key: str) -> str:
    """An item's text field: text or absent. A number, list, object or oversized value fails the item."""
    value = raw.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ItemError(f"field {key}: {_kind(value)} ({excerpt(repr(value), 60)}), not text")
    if len(value) > MAX_FIELD_CHARS:
        raise ItemError(f"field {key}: {len(value)} characters, over {MAX_FIELD_CHARS}")
    return value


def _kind(value: object) -> str:
    """What a JSON value is, in words, for a message."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return {"list": "a list", "dict": "an object"}.get(type(value).__name__, f"a {type(value).__name__}")


def _field_html(raw: dict[str, Any], key: str, reader: Callable[[str], Any]) -> Any:
    """A text field read as HTML; a value no parser should read (nested too deep) fails the item."""
    text = _field_text(raw, key)
    try:
        return reader(text)
    except ItemError as err:
        raise ItemError(f"field {key}: {err}") from None
    except (ValueError, RecursionError) as err:
        raise ItemError(f"field {key}: unreadable ({type(err).__name__})") from None


def item_title(raw: dict[str, Any]) -> str:
    """An item's title as plain text ('' when absent); raises ``ItemError`` naming the field."""
    return str(_field_html(raw, "title", html_to_text))


def item_date(raw: dict[str, Any]) -> dt.date | None:
    """An item's ``created_date`` (text, epoch seconds or milliseconds) as Almaty's date, None when
    absent; raises ``ItemError`` naming the field for a value no report can have (NaN, 1e20, a list)."""
    value = raw.get("created_date")
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):  # an RSS item's date, already read (rss_entry_date)
        return value if not isinstance(value, dt.datetime) else local_date(value)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ItemError(f"field created_date: {_kind(value)} ({excerpt(repr(value), 60)}), not a date")
    try:
        found = parse_date(value if not isinstance(value, str) else value[:200])
    except ItemError as err:
        raise ItemError(f"field created_date: {err}") from None
    if found is None:
        raise ItemError(f"field created_date: no date in {excerpt(str(value), 60)}")
    return found


def _detail_validator(doc: Document) -> None:
    if not isinstance(doc.json(), dict):
        raise ValueError("detail response is not an object")


def _rss_validator(doc: Document) -> None:
    import feedparser

    feed = feedparser.parse(doc.text())
    if not feed.entries and not feed.get("version"):
        raise ValueError("not an RSS/Atom feed")


def rss_entry_date(entry: Any) -> dt.date | None:
    """An RSS item's date in Almaty, from the text of its ``pubDate`` (any offset).

    feedparser's ``published_parsed`` is the moment in UTC: its calendar date is the day before
    for everything published in Almaty between midnight and 06:00 (05:00 since March 2024). It
    is used only when the text itself cannot be read, and then converted too.
    """
    for key in ("published", "updated"):
        text = entry.get(key)
        if text:
            found = parse_date(str(text))
            if found is not None:
                return found
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed:
        year, month, day, hour, minute, second = parsed[:6]
        moment = dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
        return local_date(moment)
    return None
