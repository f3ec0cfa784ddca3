"""What every part of the collector shares: its errors, the run summary, listed items and reports.

Kept apart from the transport and the site adapters so that each of them can import it without
importing the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .transport import Fetcher

#: Where a site's administrator reads who is crawling and why: the collector's documentation in the
#: project's repository (``[project.urls] Repository`` in pyproject.toml). Whoever runs a crawl of
#: their own may pass ``--user-agent`` with their own address. See docs/fieldwork.md, "first live run".
CONTACT_URL = "https://github.com/kzperception/kzperception/blob/main/docs/fieldwork.md"


def _user_agent() -> str:
    from kzperception import __version__

    return f"Mozilla/5.0 (compatible; kzperception/{__version__}; +{CONTACT_URL}; academic research, 1 request/s)"


#: The default User-Agent: the ``Mozilla/5.0 (compatible; ...)`` form that crawlers which identify
#: themselves use (a bare ``name/version`` is refused by some front ends as a script), naming the
#: project, its version (from the package metadata) and a contact address, so the sites can tell a
#: polite research crawl from a bot.
USER_AGENT = _user_agent()
ROBOTS_AGENT = "kzperception"
ROBOTS_MAX_AGE = 24 * 3600.0

COLLECTED_COLUMNS: tuple[str, ...] = (
    "id",
    "country",
    "matched",
    "website",
    "entity",
    "date",
    "url",
    "title_ru",
    "text_ru",
    "provenance",
)


# --------------------------------------------------------------------------------------------
# Errors and the run summary


def excerpt(text: str | bytes, limit: int = 120) -> str:
    """A short, escaped quotation of what a server sent, for a message: never more than ``limit``
    characters of it, control characters and markup shown as escapes by ``repr``."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    cut = text[:limit]
    return repr(cut) + (f" (+{len(text) - limit} more)" if len(text) > limit else "")


class CollectError(RuntimeError):
    """A run that cannot start or go on (bad arguments, robots.txt unreachable): one line."""


class FetchError(Exception):
    """A document that could not be obtained: a permanent HTTP error or retries exhausted.

    ``status`` is the HTTP status of a permanent error (None when retries ran out).
    """

    def __init__(self, message: str, status: int | None = None, head: bytes = b""):
        super().__init__(message)
        self.status = status
        #: The first bytes of a refusal's answer (what the site said instead), for the record.
        self.head = head


class Disallowed(FetchError):
    """robots.txt forbids this URL; it is skipped and counted, never requested."""


class ItemError(ValueError):
    """A report whose page or API item lacks what a report needs (title, date, text)."""


@dataclass
class CollectSummary:
    """What a run did, in numbers a researcher can check against the site.

    ``listed``: distinct reports the listings show within the window (or undated there).
    ``fetched`` / ``from_cache``: documents (listing pages, API pages, articles) downloaded in this
    run / read from the raw cache. ``failed``: reports or listing pages that could not be obtained
    or read. ``matched``: collected reports that mention at least one country's keywords.
    ``sources``: for gov.kz, which listing served each entity (``graphql``, ``api``, ``rss``, or
    ``none`` when every source failed); a fallback also leaves a warning saying why.
    ``skipped``: listed items passed over because their id has not the site's id shape (each with a
    warning naming it); they are not failures, since asking again would give the same id.
    """

    site: str
    start: str
    end: str
    listed: int = 0
    fetched: int = 0
    from_cache: int = 0
    failed: int = 0
    matched: int = 0
    collected: int = 0
    out_of_window: int = 0
    disallowed: int = 0
    retries: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    #: Each listing source that refused: ``{"entity", "source", "status", "begins"}`` (the answer's
    #: first bytes, escaped), so a researcher can tell a refusal of the client from a changed layout.
    refusals: list[dict[str, Any]] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.failed += 1
        self.failures.append(message)

    def skip(self, message: str) -> None:
        self.skipped += 1
        self.warnings.append(message)

    def line(self) -> str:
        text = (
            f"{self.site} {self.start}..{self.end}: listed {self.listed}, fetched {self.fetched}, "
            f"from cache {self.from_cache}, failed {self.failed}, matched {self.matched} "
            f"(collected {self.collected}, retries {self.retries}, disallowed {self.disallowed}"
            + (f", skipped {self.skipped})" if self.skipped else ")")
        )
        if self.sources:
            by_source: dict[str, list[str]] = {}
            for entity, source in self.sources.items():
                by_source.setdefault(source, []).append(entity)
            text += "; sources: " + "; ".join(f"{src} {', '.join(ents)}" for src, ents in by_source.items())
        return text

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------------------------
# Site adapters


@dataclass(frozen=True)
class ListedItem:
    """A report as a listing shows it: enough to fetch it and to decide whether it is in range."""

    source_id: str
    url: str
    entity: str
    date: dt.date | None = None
    title: str = ""
    payload: dict[str, Any] | None = None
    fetch_url: str = ""


@dataclass(frozen=True)
class RawReport:
    """A collected report: plain-text title and body (paragraphs separated by a blank line)."""

    source_id: str
    website: str
    entity: str
    date: dt.date
    url: str
    title_ru: str
    text_ru: str


@dataclass
class Page:
    """One listing page: its items and whether the site said it is the last one."""

    items: list[ListedItem]
    last: bool = False


class Site(Protocol):
    website: str

    @property
    def hosts(self) -> frozenset[str]: ...

    def listing(
        self,
        fetcher: Fetcher,
        start: dt.date,
        end: dt.date,
        summary: CollectSummary,
        refresh: bool,
        tick: Callable[[], None],
    ) -> list[ListedItem]: ...

    def fetch(self, fetcher: Fetcher, item: ListedItem) -> RawReport: ...


#: What the default page limit assumes a listing holds at most per day (akorda.kz publishes a few
#: events a day, a ministry fewer): pages beyond that are an endless listing, not news.
REPORTS_PER_DAY = 10
#: Pages allowed beyond that estimate.
PAGE_SLACK = 10


def pages_for_window(start: dt.date, per_page: int, today: dt.date | None = None) -> int:
    """The default page limit: a listing walks from today back to ``start``, so enough pages for
    ``REPORTS_PER_DAY`` reports a day over those days at the first page's size, plus ``PAGE_SLACK``.

    A fixed 10,000 pages is 2.8 hours of an endless listing at one request a second; this is what
    the window can need (from 2023-08-25 to a day in 2026, ten to a page: 1,000 pages or so).
    """
    days = max(1, ((today or dt.date.today()) - start).days + 1)
    return -(-days * REPORTS_PER_DAY // max(1, per_page)) + PAGE_SLACK


def paginate(
    pages: Callable[[int], Page],
    first: int,
    start: dt.date,
    end: dt.date,
    max_pages: int | None,
    summary: CollectSummary,
    label: str,
) -> list[ListedItem]:
    """Walk a newest-first listing back to ``start``; items seen twice count once.

    Listings shift while they are read (a new report pushes the others down a page), so the
    same item may appear on two pages; it is kept once, in the position first seen. The walk ends
    at an empty page, a page whose dated items are all older than ``start``, the site's last
    page, or two pages in a row with nothing new (a listing that ignores the page number). A page
    that cannot be had or read ends the walk there and counts as a failure (a resume retries it).
    """
    seen: dict[str, ListedItem] = {}
    stale = 0
    limit = max_pages
    number = first - 1
    while True:
        number += 1
        if limit is not None and number >= first + limit:
            how = (
                "--max-pages"
                if max_pages is not None
                else (
                    f"sized to the window: {REPORTS_PER_DAY} reports a day back to {start}; raise it with --max-pages"
                )
            )
            summary.warnings.append(f"{label}: stopped after {limit} pages ({how})")
            break
        try:
            page = pages(number)
        except Disallowed as err:
            summary.disallowed += 1
            summary.warnings.append(f"{label}: {err}; listing stopped at page {number}")
            break
        except CollectError:
            raise
        except Exception as err:  # FetchError, or a page no parser can read: that page fails, not the run
            why = str(err) if isinstance(err, FetchError) else f"unreadable page ({type(err).__name__}: {err})"
            summary.fail(f"{label} page {number}: {why}")
            summary.warnings.append(f"{label}: listing stopped at page {number}; older reports may be lost")
            break
        if not page.items:
            break
        if limit is None:
            limit = pages_for_window(start, len(page.items))
        new = [item for item in page.items if item.source_id not in seen]
        for item in new:
            seen[item.source_id] = item
        stale = 0 if new else stale + 1
        dates = [item.date for item in page.items if item.date is not None]
        if page.last or (dates and max(dates) < start):
            break
        if stale >= 2:
            summary.warnings.append(f"{label}: pages {number - 1}-{number} added nothing new; stopped")
            break
    return [item for item in seen.values() if item.date is None or start <= item.date <= end]
