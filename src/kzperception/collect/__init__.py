"""Collect reports from akorda.kz and gov.kz for a date range, politely and resumably.

The thesis found its reports with a web search engine; a rerun on a new window needs its own
collector. Two site adapters know where each site lists its news and how a report looks; the
rest is shared and exists so that a long crawl of government sites is safe to run and to repeat:

* a per-host rate limit (default one request per second) and robots.txt, because these are
  public-service sites and a research tool must not be the reason they slow down;
* retries with exponential backoff on timeouts, 5xx, 429 and broken bodies, honouring
  ``Retry-After``, because a three-year crawl meets every one of those;
* a raw cache on disk (``OUT/raw/``), one file per request (a GET by its URL, a POST by its
  method, URL and body), written atomically, so a run that is killed or fails halfway is simply
  started again and downloads (or posts) nothing twice;
* text, never markup: pages are reduced to paragraphs of plain text (scripts dropped, escaped
  markup unescaped and stripped), so nothing downstream ever renders scraped HTML;
* one summary at the end (listed, fetched, from cache, failed, matched) that a researcher can
  compare with the site, and ``collected.csv`` written atomically only when the run ends.

The URL layouts (listing pages, the gov.kz GraphQL endpoint and content-manager API, RSS) are named
once in the adapters below; the sites change their front ends from time to time and this is the
one place to follow.

Evidence for the layouts. The adapters were first written without access to the sites and then
checked against public code that scrapes them (no live request was made); ``docs/fieldwork.md``
lists the sources. Verified that way: akorda.kz's listing ``/ru/events?page=N`` of ``div.card``
blocks (link in ``h3 a``, date in ``h5`` as "21 марта 2026 года"), article URLs
``/ru/<slug>-<digits>``; gov.kz's GraphQL endpoint ``POST /graphql`` with the query
``news(projects: "eq:<entity>", _lang: "ru", _page: N, _size: M, _sort: "created_date:desc")``
answering ``{"data": {"news": [...]}}`` (the Kazakh open-government organisation's scraper,
``opengov-kz/parse-gov-kz``, ``gov_kz_news_parser.py``); gov.kz's
``/api/v1/public/content-manager/news`` with ``sort-by=created_date:DESC&projects=eq:<entity>&page=N&size=M``
answering a bare JSON list of items (``id``, ``title``, ``body`` HTML, ``created_date``; GraphQL
items have the same fields), language chosen by ``Accept-Language``, and report pages
``/memleket/entities/<entity>/press/news/details/<id>``. NOT verified: the markup of an akorda
article page (title, date; the body's ``.content-text`` is seen on another akorda page only), the
gov.kz detail endpoint and RSS feed, whether the GraphQL endpoint answers a plain request today,
and whether the REST API does: one 2026 source reports HTTP 400 «notAllowed» unless a browser
session ticket is taken first, which this collector does not do. For each entity the gov.kz
adapter therefore tries GraphQL, then the REST API, then the RSS feed, and the summary says which
one served it.
"""

from __future__ import annotations

import codecs
import datetime as dt
import email.utils
import hashlib
import json
import os
import re
import ssl
import threading
import time
import urllib.robotparser
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urljoin, urlparse

import httpx
import pandas as pd
from bs4 import BeautifulSoup, NavigableString, Tag
from selectolax.lexbor import LexborHTMLParser
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from ..corpus import atomic_target, write_csv_atomic
from ..keywords import CountryMatcher

PRESIDENT_BASE = "https://www.akorda.kz"
GOVERNMENT_BASE = "https://www.gov.kz"
USER_AGENT = "kzperception/0.1 (academic research collector; polite: 1 request/s, honours robots.txt)"
ROBOTS_AGENT = "kzperception"
ROBOTS_MAX_AGE = 24 * 3600.0

#: gov.kz entities the thesis cites in its references; ``--entity`` adds or replaces them.
THESIS_ENTITIES: tuple[str, ...] = (
    "mfa", "mti", "mod", "ecogeo", "emer", "ardfm", "miid", "sci", "language", "zhetysu-oblysy",
)

COLLECTED_COLUMNS: tuple[str, ...] = (
    "id", "country", "matched", "website", "entity", "date", "url", "title_ru", "text_ru", "provenance",
)


# --------------------------------------------------------------------------------------------
# Errors and the run summary


class CollectError(RuntimeError):
    """A run that cannot start or go on (bad arguments, robots.txt unreachable): one line."""


class FetchError(Exception):
    """A document that could not be obtained: a permanent HTTP error or retries exhausted.

    ``status`` is the HTTP status of a permanent error (None when retries ran out).
    """

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class Disallowed(FetchError):
    """robots.txt forbids this URL; it is skipped and counted, never requested."""


class ItemError(ValueError):
    """A report whose page or API item lacks what a report needs (title, date, text)."""


class _Transient(Exception):
    """A failure worth retrying: timeout, connection trouble, 5xx, 429, a body that is broken."""


@dataclass
class CollectSummary:
    """What a run did, in numbers a researcher can check against the site.

    ``listed``: distinct reports the listings show within the window (or undated there).
    ``fetched`` / ``from_cache``: documents (listing pages, API pages, articles) downloaded in this
    run / read from the raw cache. ``failed``: reports or listing pages that could not be obtained
    or read. ``matched``: collected reports that mention at least one country's keywords.
    ``sources``: for gov.kz, which listing served each entity (``graphql``, ``api``, ``rss``, or
    ``none`` when every source failed); a fallback also leaves a warning saying why.
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
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    def fail(self, message: str) -> None:
        self.failed += 1
        self.failures.append(message)

    def line(self) -> str:
        text = (
            f"{self.site} {self.start}..{self.end}: listed {self.listed}, fetched {self.fetched}, "
            f"from cache {self.from_cache}, failed {self.failed}, matched {self.matched} "
            f"(collected {self.collected}, retries {self.retries}, disallowed {self.disallowed})"
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
# Politeness: rate limit, fetch policy


@dataclass(frozen=True)
class FetchPolicy:
    """How hard the collector may push a site; tests shrink the delays, never the rules."""

    rate: float = 1.0              # requests per second per host
    retries: int = 5               # further attempts after the first
    backoff: float = 1.0           # first backoff in seconds, doubled each retry
    backoff_max: float = 60.0
    timeout: float = 30.0
    max_retry_after: float = 600.0  # a longer Retry-After gives the document up instead
    user_agent: str = USER_AGENT
    respect_robots: bool = True

    def __post_init__(self) -> None:
        if self.rate <= 0:
            raise CollectError(f"--rate: {self.rate} must be positive")
        if self.retries < 0:
            raise CollectError(f"--retries: {self.retries} must not be negative")


class RateLimiter:
    """At most one request per ``interval`` per host, and none before a host's Retry-After ends."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._min_interval: dict[str, float] = {}
        self._lock = threading.Lock()

    def set_min_interval(self, host: str, seconds: float) -> None:
        """A host's own Crawl-delay, when longer than ours."""
        self._min_interval[host] = max(seconds, self.interval)

    def wait(self, host: str) -> float:
        """Block until ``host`` may be asked again; return the seconds slept."""
        with self._lock:
            now = self._clock()
            at = max(now, self._next.get(host, 0.0))
            self._next[host] = at + self._min_interval.get(host, self.interval)
        delay = at - now
        if delay > 0:
            self._sleep(delay)
        return delay

    def defer(self, host: str, seconds: float) -> None:
        """Honour a Retry-After: no request to ``host`` for ``seconds`` from now."""
        with self._lock:
            self._next[host] = max(self._next.get(host, 0.0), self._clock() + seconds)


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


# --------------------------------------------------------------------------------------------
# Documents and the raw cache


@dataclass(frozen=True)
class Document:
    """A downloaded body as bytes; decoding is deferred because sites mislabel charsets.

    ``method`` and ``request_body`` say how it was asked for: a GET of ``url``, or a POST of
    ``request_body`` to ``url`` (the gov.kz GraphQL endpoint answers many queries at one URL).
    """

    url: str
    status: int
    content: bytes
    content_type: str = ""
    from_cache: bool = False
    method: str = "GET"
    request_body: bytes | None = None

    def text(self) -> str:
        return decode_body(self.content, self.content_type)

    def json(self) -> Any:
        return json.loads(self.text())


_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _declared_charset(content_type: str, head: bytes) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type or "", re.IGNORECASE)
    if match:
        return match.group(1)
    meta = _CHARSET_RE.search(head)
    return meta.group(1).decode("ascii", "replace") if meta else None


def decode_body(content: bytes, content_type: str = "") -> str:
    """Decode a Russian-language body whatever its label says.

    Valid UTF-8 is taken as UTF-8 (Cyrillic in windows-1251 is practically never valid UTF-8),
    otherwise the declared charset is tried, then windows-1251, the usual legacy charset of
    Russian-language sites. A wrong ``charset=utf-8`` header thus still yields readable text.
    """
    if content.startswith(codecs.BOM_UTF8):
        return content[len(codecs.BOM_UTF8):].decode("utf-8", "replace")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _declared_charset(content_type, content[:4096])
    for encoding in (declared, "cp1251"):
        if not encoding or encoding.lower().replace("-", "") in ("utf8", "utf_8"):
            continue
        try:
            return content.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return content.decode("cp1251", "replace")


def _write_bytes_atomic(path: Path, data: bytes) -> None:
    with atomic_target(path) as tmp:
        tmp.write_bytes(data)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class RawCache:
    """One body and one metadata file per request under ``folder``, named by its key (a SHA-256).

    A GET is keyed by its URL alone (as before POSTs existed, so older caches stay valid); any
    other request by its method, URL and body together, so the GraphQL endpoint's pages, each a
    different query POSTed to the same URL, never collide and a resumed run re-posts none of them.
    The metadata records what was asked (method, URL, the body's hash and, for a short body, the
    body itself) and is checked on every read.

    The body is written first and the metadata last, both atomically: an entry exists only when
    its metadata does, so a run killed mid-write leaves no half entry behind.
    """

    def __init__(self, folder: str | os.PathLike[str]):
        self.folder = Path(folder)

    @staticmethod
    def key(url: str, method: str = "GET", body: bytes | None = None) -> str:
        method = method.upper()
        if method == "GET" and not body:
            return _sha256(url.encode("utf-8"))
        # a URL holds neither a space nor a line break, so the three parts cannot run together
        return _sha256(method.encode("ascii") + b" " + url.encode("utf-8") + b"\n" + (body or b""))

    def _paths(self, url: str, method: str = "GET", body: bytes | None = None) -> tuple[Path, Path]:
        key = self.key(url, method, body)
        base = self.folder / key[:2] / key
        return base.with_suffix(".json"), base.with_suffix(".body")

    def get(self, url: str, max_age: float | None = None, method: str = "GET",
            body: bytes | None = None) -> Document | None:
        """The cached document, or None (absent, half written, or older than ``max_age`` seconds)."""
        method = method.upper()
        meta_path, body_path = self._paths(url, method, body)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            content = body_path.read_bytes()
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        if meta.get("url") != url or len(content) != meta.get("size"):
            return None
        if meta.get("method", "GET") != method or meta.get("request_sha256") != (_sha256(body) if body else None):
            return None
        if max_age is not None:
            fetched = dt.datetime.fromisoformat(meta.get("fetched_at", "1970-01-01T00:00:00+00:00"))
            if (dt.datetime.now(dt.UTC) - fetched).total_seconds() > max_age:
                return None
        return Document(url, int(meta["status"]), content, meta.get("content_type", ""), from_cache=True,
                        method=method, request_body=body)

    def put(self, doc: Document) -> None:
        meta_path, body_path = self._paths(doc.url, doc.method, doc.request_body)
        meta: dict[str, Any] = {
            "url": doc.url, "status": doc.status, "content_type": doc.content_type,
            "size": len(doc.content), "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        if doc.method.upper() != "GET" or doc.request_body:
            meta["method"] = doc.method.upper()
            meta["request_sha256"] = _sha256(doc.request_body) if doc.request_body else None
            if doc.request_body and len(doc.request_body) <= 4096:  # a GraphQL query: readable in raw/
                meta["request"] = doc.request_body.decode("utf-8", "replace")
        _write_bytes_atomic(body_path, doc.content)
        _write_bytes_atomic(meta_path, json.dumps(meta, ensure_ascii=False).encode("utf-8"))

    def drop(self, url: str, method: str = "GET", body: bytes | None = None) -> None:
        for path in self._paths(url, method, body):
            path.unlink(missing_ok=True)

    def __contains__(self, url: str) -> bool:
        return self.get(url) is not None


# --------------------------------------------------------------------------------------------
# The fetcher: cache, robots.txt, rate limit, retries


Validator = Callable[[Document], object]


@lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the CA bundle costs a tenth of a second."""
    return httpx.create_ssl_context()


class Fetcher:
    """GET and POST with every courtesy: cache first, robots.txt, rate limit, retries with backoff.

    ``post`` is ``get`` with a request body (the gov.kz GraphQL endpoint): the same robots.txt
    check of the URL, the same per-host turn at the rate limiter, the same retries and Retry-After,
    and the raw cache keyed by method, URL and body. Only read-only queries are ever POSTed, so
    retrying one is safe.
    """

    def __init__(
        self,
        policy: FetchPolicy,
        cache: RawCache,
        summary: CollectSummary,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.policy = policy
        self.cache = cache
        self.summary = summary
        self.limiter = RateLimiter(policy.rate, sleep=sleep)
        self._sleep = sleep
        self._own_client = client is None
        self.client = client or httpx.Client(
            timeout=policy.timeout,
            follow_redirects=True,
            headers={"User-Agent": policy.user_agent, "Accept-Language": "ru"},
            verify=_ssl_context(),
        )
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, validate: Validator | None = None, refresh: bool = False) -> Document:
        """The document at ``url``, from the cache when there, else downloaded and cached."""
        return self._fetch("GET", url, None, None, validate, refresh)

    def post(self, url: str, body: bytes, validate: Validator | None = None, refresh: bool = False,
             content_type: str = "application/json") -> Document:
        """The answer to POSTing ``body`` to ``url``, from the cache when there, else asked and cached."""
        return self._fetch("POST", url, body, content_type, validate, refresh)

    def _fetch(self, method: str, url: str, body: bytes | None, content_type: str | None,
               validate: Validator | None, refresh: bool) -> Document:
        if not refresh:
            cached = self.cache.get(url, method=method, body=body)
            if cached is not None and _valid(cached, validate):
                self.summary.from_cache += 1
                return cached
        if not self.allowed(url):
            raise Disallowed(f"robots.txt disallows {url}")
        doc = self._download(url, validate, method=method, body=body, content_type=content_type)
        self.cache.put(doc)
        self.summary.fetched += 1
        return doc

    def forget(self, url: str, method: str = "GET", body: bytes | None = None) -> None:
        """Drop a cached document that turned out unreadable, so the next run fetches it anew."""
        self.cache.drop(url, method, body)

    # robots.txt -------------------------------------------------------------------------------

    def allowed(self, url: str) -> bool:
        if not self.policy.respect_robots:
            return True
        parts = urlparse(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = self._load_robots(origin)
        parser = self._robots[origin]
        return True if parser is None else parser.can_fetch(ROBOTS_AGENT, url)

    def _load_robots(self, origin: str) -> urllib.robotparser.RobotFileParser | None:
        """Read robots.txt as RFC 9309 asks: 4xx means no rules, unreachable means stay out.

        A cached copy is used for a day (the RFC's longest caching period), so a resumed run does
        not ask again but a run next week does.
        """
        url = origin + "/robots.txt"
        doc = self.cache.get(url, max_age=ROBOTS_MAX_AGE)
        if doc is None:
            try:
                doc = self._download(url, None, tolerate_4xx=True)
            except FetchError as err:
                raise CollectError(
                    f"{url} could not be read ({err}); the site is treated as off-limits, try again later"
                ) from None
            self.cache.put(doc)
        if doc.status in (401, 403):
            parser = urllib.robotparser.RobotFileParser(url)
            parser.disallow_all = True
            return parser
        if doc.status >= 400:
            return None
        parser = urllib.robotparser.RobotFileParser(url)
        parser.parse(doc.text().splitlines())
        delay = parser.crawl_delay(ROBOTS_AGENT)
        if delay:
            self.limiter.set_min_interval(urlparse(origin).netloc, float(delay))
        return parser

    # download with retries --------------------------------------------------------------------

    def _download(self, url: str, validate: Validator | None, tolerate_4xx: bool = False, *,
                  method: str = "GET", body: bytes | None = None, content_type: str | None = None) -> Document:
        retrying = Retrying(
            stop=stop_after_attempt(self.policy.retries + 1),
            wait=wait_exponential(multiplier=self.policy.backoff, max=self.policy.backoff_max)
            + wait_random(0, self.policy.backoff / 4),
            retry=retry_if_exception_type(_Transient),
            sleep=self._sleep,
            before_sleep=self._count_retry,
            reraise=True,
        )
        try:
            return retrying(self._attempt, url, validate, tolerate_4xx, method, body, content_type)
        except _Transient as err:
            raise FetchError(f"gave up after {self.policy.retries + 1} attempts: {err}") from None

    def _count_retry(self, state: RetryCallState) -> None:
        self.summary.retries += 1

    def _attempt(self, url: str, validate: Validator | None, tolerate_4xx: bool, method: str = "GET",
                 body: bytes | None = None, content_type: str | None = None) -> Document:
        host = urlparse(url).netloc
        self.limiter.wait(host)
        headers = {"Content-Type": content_type, "Accept": "application/json"} if content_type else None
        try:
            response = self.client.request(method, url, content=body, headers=headers)
        except httpx.TimeoutException as err:
            raise _Transient(f"timeout ({type(err).__name__})") from None
        except httpx.TransportError as err:
            raise _Transient(f"{type(err).__name__}: {err}") from None
        status = response.status_code
        if status in (429, 503) or (status >= 500 and "retry-after" in response.headers):
            wait = parse_retry_after(response.headers.get("retry-after"))
            if wait is not None:
                if wait > self.policy.max_retry_after:
                    raise FetchError(f"HTTP {status}: server asks to wait {wait:.0f} s, more than allowed",
                                     status=status)
                self.limiter.defer(host, wait)
            raise _Transient(f"HTTP {status}")
        if status >= 500 or status in (408, 425):
            raise _Transient(f"HTTP {status}")
        if status >= 400 and not tolerate_4xx:
            raise FetchError(f"HTTP {status}", status=status)
        doc = Document(url, status, response.content, response.headers.get("content-type", ""),
                       method=method, request_body=body)
        if validate is not None and status < 400:
            try:
                validate(doc)
            except Exception as err:  # a validator's complaint of any kind means "body unusable"
                raise _Transient(f"unusable body ({type(err).__name__}: {err})") from None
        return doc


def _valid(doc: Document, validate: Validator | None) -> bool:
    if validate is None:
        return True
    try:
        validate(doc)
    except Exception:
        return False
    return True


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


def _soup(html: str) -> BeautifulSoup:
    """Parse as a browser would (lexbor, HTML5 rules), then walk it with BeautifulSoup.

    Python's own parser nests unclosed tags (``<h1>a<h1>b`` swallows the page); lexbor repairs
    malformed pages the way browsers do, and its output is well-formed for BeautifulSoup.
    """
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

    def listing(self, fetcher: Fetcher, start: dt.date, end: dt.date, summary: CollectSummary,
                refresh: bool, tick: Callable[[], None]) -> list[ListedItem]: ...

    def fetch(self, fetcher: Fetcher, item: ListedItem) -> RawReport: ...


def paginate(
    pages: Callable[[int], Page],
    first: int,
    start: dt.date,
    end: dt.date,
    max_pages: int,
    summary: CollectSummary,
    label: str,
) -> list[ListedItem]:
    """Walk a newest-first listing back to ``start``; items seen twice count once.

    Listings shift while they are read (a new report pushes the others down a page), so the
    same item may appear on two pages; it is kept once, in the position first seen. The walk ends
    at an empty page, a page whose dated items are all older than ``start``, the site's last
    page, or two pages in a row with nothing new (a listing that ignores the page number).
    """
    seen: dict[str, ListedItem] = {}
    stale = 0
    for number in range(first, first + max_pages):
        try:
            page = pages(number)
        except Disallowed as err:
            summary.disallowed += 1
            summary.warnings.append(f"{label}: {err}; listing stopped at page {number}")
            break
        except FetchError as err:
            summary.fail(f"{label} page {number}: {err}")
            summary.warnings.append(f"{label}: listing stopped at page {number}; older reports may be lost")
            break
        if not page.items:
            break
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
    else:
        summary.warnings.append(f"{label}: stopped after {max_pages} pages (--max-pages)")
    return [item for item in seen.values() if item.date is None or start <= item.date <= end]


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


def _date_in(node: Tag) -> dt.date | None:
    time_tag = node.find("time") if node.name != "time" else node
    if isinstance(time_tag, Tag) and time_tag.get("datetime"):
        found = parse_date(str(time_tag["datetime"]))
        if found:
            return found
    return parse_date(node.get_text(" "))


def _date_nodes(scope: Tag | BeautifulSoup) -> list[Tag]:
    nodes = list(scope.find_all("time"))
    nodes += [n for n in scope.find_all(class_=re.compile(r"date", re.IGNORECASE))
              if isinstance(n, Tag) and len(n.get_text(" ")) < 80]
    return nodes


def _page_date(soup: BeautifulSoup) -> dt.date | None:
    """An article's own date: in the article before the page (a header may print today's date)."""
    scopes = [s for s in (soup.select_one("article"), soup.select_one("main")) if s is not None] + [soup]
    for scope in scopes:
        for node in _date_nodes(scope):
            found = _date_in(node)
            if found:
                return found
    for prop in ("article:published_time", "og:article:published_time", "date", "pubdate"):
        meta = soup.find("meta", attrs={"property": prop}) or soup.find("meta", attrs={"name": prop})
        if isinstance(meta, Tag) and meta.get("content"):
            found = parse_date(str(meta["content"]))
            if found:
                return found
    return None


def _api_items(payload: Any) -> list[dict[str, Any]]:
    """The news items of one content-manager page: the API answers a bare JSON list."""
    if isinstance(payload, list):
        return [x for x in payload if isinstance(x, dict)]
    raise ValueError(f"the news API answered a {type(payload).__name__}, not a list of items")


def _json_validator(doc: Document) -> None:
    _api_items(doc.json())


def _graphql_items(payload: Any) -> list[dict[str, Any]]:
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
    _graphql_items(doc.json())


def _text_of(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return "" if value is None else str(value)


#: gov.kz listing sources, in the order ``auto`` tries them, with the names warnings use.
GOV_SOURCES: dict[str, str] = {"graphql": "GraphQL endpoint", "api": "news API", "rss": "RSS feed"}


class GovKz:
    """gov.kz: each entity's press news through the public GraphQL endpoint, the content-manager
    REST API or the entity's RSS feed, tried in that order (``source="auto"``).

    GraphQL layout as seen in public code calling it (``opengov-kz/parse-gov-kz``,
    ``gov_kz_news_parser.py``; see ``docs/fieldwork.md``): ``POST /graphql`` with the JSON body
    ``{"query": "query { news(projects: \"eq:<entity>\", _lang: \"ru\", _page: N, _size: M,
    _sort: \"created_date:desc\") { id title body created_date } }"}`` (pages from 1, newest
    first) answers ``{"data": {"news": [...]}}``, the items having the REST API's fields; an answer
    with ``errors`` is a failure; a page shorter than ``_size`` (or empty) is the last.

    REST layout as seen in public code calling it:
    ``/api/v1/public/content-manager/news?sort-by=created_date:DESC&projects=eq:<entity>&page=N&size=M``
    (pages from 1, newest first) answers a bare JSON list; each item has ``id``, ``title``, ``body``
    (the report's HTML) and ``created_date`` (``2023-06-01T11:30:00.000+06:00``); the language
    follows the ``Accept-Language`` header; a report's page is
    ``/memleket/entities/<entity>/press/news/details/<id>``. A page shorter than ``size`` (or empty)
    is the last.

    Items from either go through ``parse_item``; one without a body is completed from the detail
    endpoint. ``auto`` moves to the next source only when the one before is refused, unreachable,
    disallowed by robots.txt or answers no usable first page for that entity; the summary records
    the source that served each entity (``CollectSummary.sources``) and warns about each fallback.
    A source that fails on a later page is not abandoned: the listing stops there and says so.

    NOT verified: whether the GraphQL endpoint answers a plain request today (no live request was
    made; the public scraper sends a browser-like user agent, this collector its own), the detail
    endpoint (``/news/<id>``) and the RSS feed's address. One 2026 source reports that the REST API
    answers HTTP 400 «notAllowed» unless the client first takes a browser session ticket; this
    collector takes none. An entity that ends on its RSS feed only reaches back a few weeks: the
    summary then warns how far back it got.
    """

    website = "government"
    graphql_path = "/graphql"
    graphql_fields: tuple[str, ...] = ("id", "title", "body", "created_date")
    graphql_lang = "ru"
    graphql_sort = "created_date:desc"
    api_path = "/api/v1/public/content-manager/news"
    page_path = "/memleket/entities/{entity}/press/news/details/{id}?lang=ru"
    rss_path = "/memleket/entities/{entity}/press/news/rss?lang=ru"  # unverified
    first_page = 1

    def __init__(
        self,
        entities: Sequence[str] = THESIS_ENTITIES,
        base_url: str = GOVERNMENT_BASE,
        page_size: int = 50,
        max_pages: int = 10_000,
        source: str = "auto",
    ):
        if not entities:
            raise CollectError("--entity: at least one gov.kz entity is needed")
        bad = [e for e in entities if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", e)]
        if bad:
            raise CollectError(f"--entity: {bad[0]!r} is not a gov.kz entity name (e.g. mfa, mti)")
        if source != "auto" and source not in GOV_SOURCES:
            raise CollectError(f"--gov-source: {source!r} is not one of auto|{'|'.join(GOV_SOURCES)}")
        self.entities = list(dict.fromkeys(entities))
        self.base_url = base_url.rstrip("/")
        self.page_size = page_size
        self.max_pages = max_pages
        self.source = source

    @property
    def sources(self) -> tuple[str, ...]:
        """The listing sources tried for each entity, in order."""
        return tuple(GOV_SOURCES) if self.source == "auto" else (self.source,)

    def graphql_url(self) -> str:
        return self.base_url + self.graphql_path

    def graphql_query(self, entity: str, number: int) -> str:
        args = (f"projects: {json.dumps('eq:' + entity)}, _lang: {json.dumps(self.graphql_lang)}, "
                f"_page: {int(number)}, _size: {int(self.page_size)}, _sort: {json.dumps(self.graphql_sort)}")
        return f"query {{ news({args}) {{ {' '.join(self.graphql_fields)} }} }}"

    def graphql_body(self, entity: str, number: int) -> bytes:
        """The POST body for one page: the same bytes every time, so the raw cache finds it again."""
        return json.dumps({"query": self.graphql_query(entity, number)}, separators=(",", ":")).encode("utf-8")

    def api_url(self, entity: str, number: int) -> str:
        return (f"{self.base_url}{self.api_path}?sort-by=created_date:DESC&projects=eq:{entity}"
                f"&page={number}&size={self.page_size}")

    def detail_url(self, entity: str, news_id: str) -> str:
        return f"{self.base_url}{self.api_path}/{news_id}?projects=eq:{entity}"  # unverified

    def page_url(self, entity: str, news_id: str) -> str:
        return self.base_url + self.page_path.format(entity=entity, id=news_id)

    def rss_url(self, entity: str) -> str:
        return self.base_url + self.rss_path.format(entity=entity)

    def listing(self, fetcher: Fetcher, start: dt.date, end: dt.date, summary: CollectSummary,
                refresh: bool = False, tick: Callable[[], None] = lambda: None) -> list[ListedItem]:
        out: list[ListedItem] = []
        for entity in self.entities:
            out += self._entity_listing(fetcher, entity, start, end, summary, refresh, tick)
        return out

    def _entity_listing(self, fetcher: Fetcher, entity: str, start: dt.date, end: dt.date,
                        summary: CollectSummary, refresh: bool, tick: Callable[[], None]) -> list[ListedItem]:
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
        if err.status not in (400, 401, 403):
            return str(err)
        if source == "api":
            return (f"{err}: refused; the live API is reported to want a browser session ticket, which "
                    "this collector does not take (docs/fieldwork.md)")
        return f"{err}: refused"

    def _listing_from(self, source: str, fetcher: Fetcher, entity: str, start: dt.date, end: dt.date,
                      summary: CollectSummary, refresh: bool, tick: Callable[[], None]) -> list[ListedItem]:
        """One source's listing; raises FetchError or Disallowed when its first page cannot be had."""
        if source == "rss":
            return self._rss_listing(fetcher, entity, start, end, summary, refresh, tick)

        def page(number: int) -> Page:
            if source == "graphql":
                doc = fetcher.post(self.graphql_url(), self.graphql_body(entity, number), _graphql_validator,
                                   refresh=refresh)
                raw_items = _graphql_items(doc.json())
            else:
                doc = fetcher.get(self.api_url(entity, number), _json_validator, refresh=refresh)
                raw_items = _api_items(doc.json())
            tick()
            return self._items_page(raw_items, entity, number, summary, GOV_SOURCES[source])

        first = page(self.first_page)  # its failure means: this source is not available for the entity

        def pages(number: int) -> Page:
            return first if number == self.first_page else page(number)

        label = f"gov.kz {entity} {GOV_SOURCES[source]}"
        return paginate(pages, self.first_page, start, end, self.max_pages, summary, label)

    def _items_page(self, raw_items: list[dict[str, Any]], entity: str, number: int, summary: CollectSummary,
                    source_name: str) -> Page:
        items = []
        for position, raw in enumerate(raw_items, start=1):
            news_id = raw.get("id")
            if news_id in (None, ""):
                summary.fail(f"gov.kz {entity} {source_name} page {number} item {position}: no id")
                continue
            date = parse_date(raw.get("created_date"))
            title = html_to_text(_text_of(raw, "title"))
            items.append(ListedItem(
                f"govkz-{entity}-{news_id}", self.page_url(entity, str(news_id)), entity, date, title,
                payload=raw, fetch_url=self.detail_url(entity, str(news_id)),
            ))
        return Page(items, last=len(raw_items) < self.page_size)

    def _rss_listing(self, fetcher: Fetcher, entity: str, start: dt.date, end: dt.date,
                     summary: CollectSummary, refresh: bool, tick: Callable[[], None]) -> list[ListedItem]:
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
            news_id = match.group(1)
            body = (entry.get("content") or [{}])[0].get("value") or entry.get("summary") or ""
            date = _entry_date(entry)
            payload = {"id": news_id, "title": entry.get("title", ""), "body": body, "created_date": date}
            items.append(ListedItem(f"govkz-{entity}-{news_id}", self.page_url(entity, news_id), entity,
                                    date, html_to_text(entry.get("title", "")), payload=payload,
                                    fetch_url=self.detail_url(entity, news_id)))
        dates = [i.date for i in items if i.date]
        if dates and min(dates) > start:
            summary.warnings.append(
                f"gov.kz {entity}: the RSS feed reaches back only to {min(dates)}; older reports are lost"
            )
        return [i for i in items if i.date is None or start <= i.date <= end]

    def fetch(self, fetcher: Fetcher, item: ListedItem) -> RawReport:
        raw = dict(item.payload or {})
        if not _text_of(raw, "body").strip():
            doc = fetcher.get(item.fetch_url, _detail_validator)
            detail = doc.json()
            raw.update(detail.get("data", detail) if isinstance(detail, dict) else {})
        return self.parse_item(raw, item)

    def parse_item(self, raw: dict[str, Any], item: ListedItem) -> RawReport:
        title = html_to_text(_text_of(raw, "title"))
        if not title:
            raise ItemError("no title in the API item")
        date = parse_date(raw.get("created_date")) or item.date
        if date is None:
            raise ItemError("no date in the API item")
        paragraphs = html_to_paragraphs(_text_of(raw, "body"))
        if not paragraphs:
            raise ItemError("no text (body) in the API item")
        text = "\n\n".join(paragraphs)
        return RawReport(item.source_id, self.website, item.entity, date, item.url, title, text)


def _detail_validator(doc: Document) -> None:
    if not isinstance(doc.json(), dict):
        raise ValueError("detail response is not an object")


def _rss_validator(doc: Document) -> None:
    import feedparser

    feed = feedparser.parse(doc.text())
    if not feed.entries and not feed.get("version"):
        raise ValueError("not an RSS/Atom feed")


def _entry_date(entry: Any) -> dt.date | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed:
        return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
    return parse_date(entry.get("published") or entry.get("updated"))


def make_site(site: str, base_url: str | None = None, entities: Sequence[str] = (),
              page_size: int = 50, max_pages: int = 10_000, gov_source: str = "auto") -> Site:
    """The adapter for ``president`` (akorda.kz) or ``government`` (gov.kz)."""
    if site == "president":
        if entities:
            raise CollectError("--entity: only gov.kz has entities; drop it for --site president")
        return Akorda(base_url or PRESIDENT_BASE, max_pages=max_pages)
    if site == "government":
        return GovKz(list(entities) or THESIS_ENTITIES, base_url or GOVERNMENT_BASE, page_size, max_pages,
                     gov_source)
    raise CollectError(f"--site: {site!r} is not one of president|government")


# --------------------------------------------------------------------------------------------
# The run


class _Bar(Protocol):
    def add_task(self, description: str, total: float | None = ...) -> Any: ...
    def advance(self, task_id: Any, advance: float = ...) -> None: ...
    def update(self, task_id: Any, *, total: float | None = ..., completed: float | None = ...) -> None: ...


@contextmanager
def _progress(enabled: bool) -> Iterator[_Bar]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, disable=not enabled or not console.is_terminal, transient=False,
    ) as bar:
        yield bar


def _as_row(report: RawReport, matcher: CountryMatcher | None) -> dict[str, str]:
    matched = matcher.matches(report.title_ru + "\n\n" + report.text_ru) if matcher else []
    return {
        "id": report.source_id, "country": "", "matched": ";".join(matched), "website": report.website,
        "entity": report.entity, "date": report.date.isoformat(), "url": report.url,
        "title_ru": report.title_ru, "text_ru": report.text_ru, "provenance": "collected",
    }


def read_collected(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A ``collected.csv`` as all-text columns (empty strings, never NaN)."""
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise CollectError(f"{path}: file missing (run `kzperception collect` first)") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise CollectError(f"{path}: not a readable collected.csv ({type(err).__name__})") from None
    missing = [c for c in ("id", "website", "entity", "date", "url", "title_ru", "text_ru") if c not in df]
    if missing:
        raise CollectError(f"{path}: {missing[0]}: required column missing")
    return df


def _merge(existing: pd.DataFrame | None, rows: Iterable[dict[str, str]]) -> pd.DataFrame:
    """New rows replace old ones with the same id; the rest of an earlier run is kept."""
    new = pd.DataFrame(list(rows), columns=list(COLLECTED_COLUMNS))
    if existing is not None and len(existing):
        keep = existing[~existing["id"].isin(set(new["id"]))]
        keep = keep.reindex(columns=list(COLLECTED_COLUMNS), fill_value="")
        new = pd.concat([keep, new], ignore_index=True)
    return new.sort_values(["website", "date", "id"], kind="stable").reset_index(drop=True)


def collect(
    site: Site,
    start: str | dt.date,
    end: str | dt.date,
    out: str | os.PathLike[str],
    *,
    policy: FetchPolicy | None = None,
    matcher: CountryMatcher | None = None,
    refresh_listings: bool = False,
    progress: bool = False,
    client: httpx.Client | None = None,
) -> CollectSummary:
    """Collect every report ``site`` lists between ``start`` and ``end`` into ``out/collected.csv``.

    Safe to stop and run again: documents already in ``out/raw/`` are read from there, and
    ``collected.csv`` (merged with an earlier run's rows) is written only at the end.
    """
    start_d, end_d = _window(start, end)
    policy = policy or FetchPolicy()
    out = Path(out)
    summary = CollectSummary(getattr(site, "website", "site"), start_d.isoformat(), end_d.isoformat())
    rows: list[dict[str, str]] = []
    with Fetcher(policy, RawCache(out / "raw"), summary, client) as fetcher, _progress(progress) as bar:
        pages = bar.add_task("listing pages", total=None)
        seen_pages = [0]

        def tick() -> None:
            seen_pages[0] += 1
            bar.advance(pages)

        listed = site.listing(fetcher, start_d, end_d, summary, refresh_listings, tick)
        bar.update(pages, total=seen_pages[0], completed=seen_pages[0])
        summary.listed = len(listed)
        task = bar.add_task("reports", total=len(listed))
        for item in listed:
            report = _fetch_one(site, fetcher, item, summary)
            if report is not None and start_d <= report.date <= end_d:
                rows.append(_as_row(report, matcher))
            elif report is not None:
                summary.out_of_window += 1
            bar.advance(task)
    summary.collected = len(rows)
    summary.matched = sum(1 for r in rows if r["matched"])
    existing = read_collected(out / "collected.csv") if (out / "collected.csv").is_file() else None
    write_csv_atomic(_merge(existing, rows), out / "collected.csv")
    _write_bytes_atomic(out / f"summary-{summary.site}.json",
                        json.dumps(summary.as_dict(), ensure_ascii=False, indent=2).encode("utf-8"))
    return summary


def _fetch_one(site: Site, fetcher: Fetcher, item: ListedItem, summary: CollectSummary) -> RawReport | None:
    try:
        return site.fetch(fetcher, item)
    except Disallowed:
        summary.disallowed += 1
    except (FetchError, ItemError) as err:
        summary.fail(f"{item.url}: {err}")
    return None


def _window(start: str | dt.date, end: str | dt.date) -> tuple[dt.date, dt.date]:
    dates = []
    for name, value in (("start", start), ("end", end)):
        try:
            dates.append(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip()))
        except ValueError:
            raise CollectError(f"--{name}: {value!r} is not a date (YYYY-MM-DD)") from None
    if dates[0] > dates[1]:
        raise CollectError(f"--start {dates[0]} is after --end {dates[1]}")
    return dates[0], dates[1]
