"""The transport: HTTP client, rate limit, robots.txt, retries and the raw cache.

Everything a request goes through between a site adapter asking for a URL and the bytes coming
back, so that every request of a run, whichever adapter makes it, gets the same courtesies.
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
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from ..corpus import atomic_target
from .model import ROBOTS_AGENT, ROBOTS_MAX_AGE, USER_AGENT, CollectError, CollectSummary, Disallowed, FetchError


class _Transient(Exception):
    """A failure worth retrying: timeout, connection trouble, 5xx, 429, a body that is broken."""


@dataclass

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


