"""The transport: HTTP client, rate limit, robots.txt, retries, redirects, size cap, raw cache.

Everything a request goes through between a site adapter asking for a URL and the bytes coming
back, so that every request of a run, whichever adapter makes it, gets the same courtesies and
the same limits:

* every URL is normalised first (dot segments removed, percent-encoding normalised, fragment
  dropped), so robots.txt judges the URL that is really sent and the URL saved is that one;
* redirects are followed here, not by the HTTP client, one hop at a time: each hop waits for its
  host's turn at the rate limiter and is checked against its own host's robots.txt; a hop to a
  scheme other than http(s), off the site's hosts, back to a URL already visited or past the hop
  limit fails that document;
* bodies are streamed into a temporary file in the cache folder and given up as soon as they pass
  the size cap (``--max-bytes``) or the time limit, so one huge page costs neither the memory
  nor the hours it would;
* every fault of the HTTP stack (timeouts, resets, a body whose ``Content-Encoding`` does not
  decode, an invalid URL) becomes a ``FetchError`` of that document, never an exception that
  ends the run.

The documents and the raw cache are in ``cache``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
import re
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from protego import Protego
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from .cache import Document, RawCache, decode_body
from .model import (
    ROBOTS_AGENT,
    ROBOTS_MAX_AGE,
    USER_AGENT,
    CollectError,
    CollectSummary,
    Disallowed,
    FetchError,
    excerpt,
)

__all__ = [
    "Document",
    "FetchPolicy",
    "Fetcher",
    "RateLimiter",
    "RawCache",
    "decode_body",
    "normalize_url",
    "parse_retry_after",
]

#: The default size cap of one body (decoded), in bytes: a report page is well under 1 MB.
MAX_BYTES = 20_000_000
#: Redirect hops followed at most (RFC 9309 asks robots.txt readers for at least five).
MAX_REDIRECTS = 5
#: The longest Crawl-delay honoured, in seconds. A site may ask for a pause between requests and
#: the collector grants it, up to this: a larger value (``Crawl-delay: 1000000000`` is 31 years) is
#: capped here, with a warning naming the robots.txt, rather than putting the run to sleep for good.
MAX_CRAWL_DELAY = 60.0
_REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 64 * 1024


class _Transient(Exception):
    """A failure worth retrying: timeout, connection trouble, 5xx, 429, a body that is broken."""


class _RobotsUnreadable(FetchError):
    """A host's robots.txt could not be read: that host is off-limits for now."""


# --------------------------------------------------------------------------------------------
# Politeness and limits: fetch policy, rate limit


@dataclass(frozen=True)
class FetchPolicy:
    """How hard the collector may push a site; tests shrink the delays, never the rules."""

    rate: float = 1.0  # requests per second per host
    retries: int = 5  # further attempts after the first
    backoff: float = 1.0  # first backoff in seconds, doubled each retry
    backoff_max: float = 60.0
    timeout: float = 30.0  # seconds per network operation (connect, each read)
    max_retry_after: float = 600.0  # a longer Retry-After gives the document up instead
    user_agent: str = USER_AGENT
    respect_robots: bool = True
    max_bytes: int = MAX_BYTES  # a longer body (after decoding) fails its document
    max_redirects: int = MAX_REDIRECTS
    body_seconds: float | None = None  # a whole request (connect, headers, body) must be done in this time
    #                                   (default 4 x timeout)

    def __post_init__(self) -> None:
        if self.rate <= 0:
            raise CollectError(f"--rate: {self.rate} must be positive")
        if self.retries < 0:
            raise CollectError(f"--retries: {self.retries} must not be negative")
        if self.max_bytes < 1:
            raise CollectError(f"--max-bytes: {self.max_bytes} must be positive")
        if self.max_redirects < 0:
            raise CollectError(f"--max-redirects: {self.max_redirects} must not be negative")
        agent = self.user_agent
        if not agent.strip() or len(agent) > 300 or any(not (32 <= ord(c) < 127) for c in agent):
            raise CollectError(f"--user-agent: {agent[:80]!r} must be 1-300 printable ASCII characters")

    @property
    def body_deadline(self) -> float:
        """Seconds one request may take, connect, headers and body together (one hop of a redirect)."""
        return self.body_seconds if self.body_seconds is not None else 4 * self.timeout


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
# URLs


_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PCT_RE = re.compile(r"%([0-9A-Fa-f]{2})")


def _normalise_escapes(text: str) -> str:
    """``%7e`` -> ``~`` (an unreserved character is never escaped), other escapes in upper case."""

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return _PCT_RE.sub(fix, text)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986, section 5.2.4: ``/a/b/../c/./d`` -> ``/a/c/d``; never above the root."""
    out: list[str] = []
    segments = path.split("/")
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        elif segment == ".":
            if last:
                out.append("")
        else:
            out.append(segment)
    result = "/".join(out)
    return result if result.startswith("/") else "/" + result


def normalize_url(url: str) -> str:
    """The URL as it will be sent: the one robots.txt is asked about and the one that is saved.

    The HTTP client would itself remove dot segments (``/ru/a/../../admin``) after any check made
    on the URL as written; so the URL is normalised first, and the result is one the client sends
    unchanged. Raises ``FetchError`` for a URL that is not absolute http(s), carries credentials,
    or cannot be parsed.
    """
    shown = repr(url[:200])
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, ValueError, TypeError, UnicodeError) as err:
        raise FetchError(f"invalid URL {shown} ({err})") from None
    if parsed.scheme not in ("http", "https"):
        raise FetchError(f"not an http(s) URL: {shown}")
    if not parsed.host:
        raise FetchError(f"URL without a host: {shown}")
    if parsed.userinfo:
        raise FetchError(f"URL with credentials refused: {shown}")
    raw = parsed.raw_path.decode("ascii")
    path, _, query = raw.partition("?")
    path = _remove_dot_segments(_normalise_escapes(path) or "/")
    query = _normalise_escapes(query)
    host = parsed.raw_host.decode("ascii").lower()
    host = f"[{host}]" if ":" in host else host
    port = parsed.port if parsed.port not in (None, {"http": 80, "https": 443}[parsed.scheme]) else None
    text = f"{parsed.scheme}://{host}{f':{port}' if port else ''}{path}" + (f"?{query}" if query else "")
    try:
        sent = str(httpx.URL(text))
    except (httpx.InvalidURL, ValueError, UnicodeError) as err:
        raise FetchError(f"invalid URL {shown} ({err})") from None
    if sent != text:  # the client would send something else than what was checked: refuse it
        raise FetchError(f"URL {shown} does not normalise to a stable form")
    return text


def host_of(url: str) -> str:
    """The host name of ``url``, lower case, without port: what the allowed-host rule compares."""
    return (urlsplit(url).hostname or "").lower()


# --------------------------------------------------------------------------------------------
# The fetcher: cache, robots.txt, rate limit, retries, redirects, size cap


Validator = Callable[[Document], object]


@lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the CA bundle costs a tenth of a second."""
    return httpx.create_ssl_context()


@dataclass
class _Request:
    method: str
    url: str
    body: bytes | None
    content_type: str | None


class Fetcher:
    """GET and POST with every courtesy: cache first, robots.txt, rate limit, retries with backoff.

    ``post`` is ``get`` with a request body (the gov.kz GraphQL endpoint): the same robots.txt
    check of the URL, the same per-host turn at the rate limiter, the same retries and Retry-After,
    and the raw cache keyed by method, URL and body. Only read-only queries are ever POSTed, so
    retrying one is safe.

    ``allowed_hosts`` (host names, ports ignored) are the hosts a request or a redirect may go to;
    None allows any http(s) host. Starting a fetcher removes the temporary files a killed run left
    in the cache folder.
    """

    def __init__(
        self,
        policy: FetchPolicy,
        cache: RawCache,
        summary: CollectSummary,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        allowed_hosts: Collection[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.policy = policy
        self.cache = cache
        self.summary = summary
        self.limiter = RateLimiter(policy.rate, sleep=sleep)
        self.allowed_hosts = None if allowed_hosts is None else frozenset(h.lower() for h in allowed_hosts)
        self._sleep = sleep
        self._clock = clock
        self._own_client = client is None
        self.client = client or httpx.Client(
            timeout=policy.timeout,
            follow_redirects=False,  # followed in _attempt, hop by hop, with every check
            # only the codings the collector inflates itself, bounded (Inflater)
            headers={"User-Agent": policy.user_agent, "Accept-Language": "ru", "Accept-Encoding": "gzip, deflate"},
            transport=_deadline_transport(),
        )
        self._robots: dict[str, Protego | object | None] = {}
        cache.clean()  # temporary files a killed run left behind

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(
        self, url: str, validate: Validator | None = None, refresh: bool = False, tolerate_4xx: bool = False
    ) -> Document:
        """The document at ``url``, from the cache when there, else downloaded and cached.

        ``tolerate_4xx`` returns a 4xx answer as a document instead of raising (``--probe`` keeps
        a refusal's body as evidence); a normal run never asks for that.
        """
        return self._fetch("GET", url, None, None, validate, refresh, tolerate_4xx)

    def post(
        self,
        url: str,
        body: bytes,
        validate: Validator | None = None,
        refresh: bool = False,
        content_type: str = "application/json",
        tolerate_4xx: bool = False,
        store: bool = True,
    ) -> Document:
        """The answer to POSTing ``body`` to ``url``, from the cache when there, else asked and cached.

        ``store=False`` neither reads nor writes the cache (a session ticket: worth nothing tomorrow).
        """
        return self._fetch("POST", url, body, content_type, validate, refresh or not store, tolerate_4xx, store)

    def _fetch(
        self,
        method: str,
        url: str,
        body: bytes | None,
        content_type: str | None,
        validate: Validator | None,
        refresh: bool,
        tolerate_4xx: bool = False,
        store: bool = True,
    ) -> Document:
        url = normalize_url(url)
        if not refresh:
            cached = self.cache.get(url, method=method, body=body)
            if cached is not None and _valid(cached, validate):
                self.summary.from_cache += 1
                return cached
        self._check_host(url, url)
        try:
            allowed = self.allowed(url)
        except _RobotsUnreadable as err:  # the site's own robots.txt: the whole run stops
            raise CollectError(f"{err}; the site is treated as off-limits, try again later") from None
        if not allowed:
            raise Disallowed(f"robots.txt disallows {url}")
        doc = self._download(_Request(method, url, body, content_type), validate, tolerate_4xx=tolerate_4xx)
        if doc.status < 400 and store:
            self.cache.put(doc)
        self.summary.fetched += 1
        return doc

    def forget(self, url: str, method: str = "GET", body: bytes | None = None) -> None:
        """Drop a cached document that turned out unreadable, so the next run fetches it anew."""
        self.cache.drop(normalize_url(url), method, body)

    def _check_host(self, url: str, asked: str) -> None:
        if self.allowed_hosts is not None and host_of(url) not in self.allowed_hosts:
            via = "" if url == asked else f" (redirected from {asked})"
            raise FetchError(f"{url} is off the site's hosts ({', '.join(sorted(self.allowed_hosts))}){via}")

    # robots.txt -------------------------------------------------------------------------------

    def allowed(self, url: str) -> bool:
        """Whether robots.txt of the URL's own host allows it; raises _RobotsUnreadable.

        The rules are read by protego, an RFC 9309 parser: ``*`` and ``$`` in paths, and the
        longest matching rule wins (``Allow`` on a tie). Python's own ``urllib.robotparser`` takes
        neither into account and would allow ``/ru/news?print=1`` under ``Disallow: /*?print=``.
        """
        if not self.policy.respect_robots:
            return True
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = self._load_robots(origin)
        rules = self._robots[origin]
        if rules is None:
            return True
        if rules is _DISALLOW_ALL:
            return False
        return isinstance(rules, Protego) and bool(rules.can_fetch(url, ROBOTS_AGENT))

    def _load_robots(self, origin: str) -> Protego | object | None:
        """Read robots.txt by RFC 9309's status rules.

        2xx: its rules. 4xx: no rules (the RFC's "unavailable"), except 401 and 403, which this
        collector reads as "stay out" (the RFC allows crawling then; a site that refuses its
        robots.txt to this client is taken to refuse the client). 5xx or unreachable after the
        retries: the site is off-limits for now (the RFC's "unreachable"). Redirects are followed
        (up to ``max_redirects``, at least the five the RFC asks for). A cached copy is used for a
        day (the RFC's longest caching period), so a resumed run does not ask again but a run next
        week does.
        """
        url = origin + "/robots.txt"
        doc = self.cache.get(url, max_age=ROBOTS_MAX_AGE)
        if doc is None:
            try:
                doc = self._download(_Request("GET", url, None, None), None, tolerate_4xx=True, robots=True)
            except FetchError as err:
                raise _RobotsUnreadable(f"{url} could not be read ({err})") from None
            self.cache.put(doc)
        if doc.status in (401, 403):
            return _DISALLOW_ALL
        if doc.status >= 400:
            return None
        # RFC 9309 asks parsers to read at least 500 KiB; what lies beyond is ignored
        rules = Protego.parse(doc.text()[:ROBOTS_MAX_CHARS])
        self._crawl_delay(url, urlsplit(origin).netloc, rules)
        return rules

    def _crawl_delay(self, url: str, host: str, rules: Protego) -> None:
        """Honour the host's Crawl-delay when longer than ours, capped at ``MAX_CRAWL_DELAY``."""
        try:
            delay = rules.crawl_delay(ROBOTS_AGENT)
        except (TypeError, ValueError, OverflowError):
            delay = None
        if delay is None:
            return
        try:
            seconds = float(delay)
        except (TypeError, ValueError, OverflowError):
            return
        if math.isnan(seconds) or seconds <= 0:
            return
        if seconds > MAX_CRAWL_DELAY:
            shown = f"{seconds:.3g}" if math.isfinite(seconds) else "infinity"
            self.summary.warnings.append(
                f"{url} asks for a Crawl-delay of {shown} s; capped at {MAX_CRAWL_DELAY:g} s (one request "
                f"per {MAX_CRAWL_DELAY:g} s to that host)"
            )
            seconds = MAX_CRAWL_DELAY
        self.limiter.set_min_interval(host, seconds)

    # download with retries --------------------------------------------------------------------

    def _download(
        self, request: _Request, validate: Validator | None, tolerate_4xx: bool = False, robots: bool = False
    ) -> Document:
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
            return retrying(self._attempt, request, validate, tolerate_4xx, robots)
        except _Transient as err:
            raise FetchError(f"gave up after {self.policy.retries + 1} attempts: {err}") from None

    def _count_retry(self, state: RetryCallState) -> None:
        self.summary.retries += 1

    def _attempt(self, request: _Request, validate: Validator | None, tolerate_4xx: bool, robots: bool) -> Document:
        """One try: the request and its redirect hops, each hop with its own checks and turn."""
        hop = request
        visited = [request.url]
        for number in range(self.policy.max_redirects + 1):
            if number:  # a hop: its own host, its own robots.txt (the first URL was checked before)
                self._check_host(hop.url, request.url)
                _check_hop(hop.url, request.url)
                if not robots and not self.allowed(hop.url):
                    raise Disallowed(f"robots.txt disallows {hop.url} (redirected from {request.url})")
            host = urlsplit(hop.url).netloc
            self.limiter.wait(host)
            answer = self._exchange(hop, host, tolerate_4xx)
            if answer.location:
                if answer.location in visited:
                    raise FetchError(f"redirect loop: {' -> '.join([*visited, answer.location])}")
                visited.append(answer.location)
                hop = _redirected(hop, answer.location, answer.status)
                continue
            doc = Document(
                request.url,
                answer.status,
                answer.content,
                answer.content_type,
                method=request.method,
                request_body=request.body,
                final_url=hop.url,
            )
            if validate is not None and answer.status < 400:
                try:
                    validate(doc)
                except Exception as err:  # a validator's complaint of any kind means "body unusable"
                    raise _Transient(f"unusable body ({type(err).__name__}: {excerpt(str(err), 160)})") from None
            return doc
        raise FetchError(f"more than {self.policy.max_redirects} redirects: {' -> '.join(visited)}")

    def _exchange(self, hop: _Request, host: str, tolerate_4xx: bool) -> _Answer:
        """Send one request and read its answer: a redirect's target (normalised), or the body."""
        headers = {"Content-Type": hop.content_type, "Accept": "application/json"} if hop.content_type else None
        _DEADLINE.at = time.monotonic() + self.policy.body_deadline  # connect, headers and body together
        try:
            with self.client.stream(hop.method, hop.url, content=hop.body, headers=headers) as response:
                status = response.status_code
                if status in _REDIRECTS:
                    return _Answer(status, location=self._location(hop.url, response))
                self._check_status(status, response, host, tolerate_4xx)
                content = self._read_body(response)
                return _Answer(status, content, response.headers.get("content-type", ""))
        except (FetchError, _Transient):
            raise
        except httpx.TimeoutException as err:
            raise _Transient(f"timeout ({type(err).__name__})") from None
        except httpx.TransportError as err:  # quoted short: some errors carry the bytes received
            raise _Transient(f"{type(err).__name__}: {excerpt(str(err), 160)}") from None
        except (httpx.HTTPError, httpx.InvalidURL, ValueError, UnicodeError) as err:
            raise FetchError(f"{type(err).__name__}: {excerpt(str(err), 160)}") from None
        finally:
            _DEADLINE.at = None

    def _location(self, url: str, response: httpx.Response) -> str:
        location = response.headers.get("location")
        if not location:
            raise FetchError(f"HTTP {response.status_code} redirect without a Location", status=response.status_code)
        try:
            target = urljoin(url, location.strip())
        except ValueError as err:
            raise FetchError(f"redirect to an invalid URL {location[:200]!r} ({err})") from None
        if urlsplit(target).scheme.lower() not in ("http", "https"):
            raise FetchError(f"redirect to a non-http(s) URL {location[:200]!r} (from {url})")
        return normalize_url(target)

    def _check_status(self, status: int, response: httpx.Response, host: str, tolerate_4xx: bool) -> None:
        if status in (429, 503) or (status >= 500 and "retry-after" in response.headers):
            wait = parse_retry_after(response.headers.get("retry-after"))
            if wait is not None:
                if wait > self.policy.max_retry_after:
                    raise FetchError(
                        f"HTTP {status}: server asks to wait {wait:.0f} s, more than allowed", status=status
                    )
                self.limiter.defer(host, wait)
            raise _Transient(f"HTTP {status}")
        if status >= 500 or status in (408, 425):
            raise _Transient(f"HTTP {status}")
        if 300 <= status < 400:
            raise FetchError(f"HTTP {status}", status=status)
        if status >= 400 and not tolerate_4xx:
            head = _head(response)
            raise FetchError(
                f"HTTP {status}" + (f"; the answer begins {excerpt(head, 80)}" if head else ""),
                status=status,
                head=head,
            )

    def _read_body(self, response: httpx.Response) -> bytes:
        """The decoded body, streamed to a spool file and given up past the size or time limit.

        The body is read raw and inflated here, never by the HTTP client: the client inflates a
        whole network chunk at once, so 2 kB of ``Content-Encoding: gzip, gzip`` become a gigabyte
        in memory before any cap is looked at. Here every stage gives out at most 64 kB at a time
        and every byte it gives is counted against ``--max-bytes`` as it comes.
        """
        cap = self.policy.max_bytes
        declared = response.headers.get("content-length", "").strip()
        encoding = response.headers.get("content-encoding", "").strip()
        if declared.isdigit() and int(declared) > cap and not encoding:
            raise FetchError(f"body of {int(declared)} bytes is over the {cap}-byte limit (--max-bytes)")
        inflater = Inflater(encoding, cap)
        deadline = self._clock() + self.policy.body_deadline
        size = 0
        with self.cache.spool() as (path, handle):

            def keep(pieces: Iterator[bytes]) -> None:
                nonlocal size
                for piece in pieces:
                    size += len(piece)
                    if size > cap:
                        raise FetchError(
                            f"body over the {cap}-byte limit (--max-bytes); stopped at {size} bytes"
                            + (f" after decoding {encoding[:40]!r}" if encoding else "")
                        )
                    handle.write(piece)

            if response.is_stream_consumed:  # an in-memory answer (a mock transport): already decoded
                inflater = Inflater("", cap)
                chunks: Iterator[bytes] = iter([response.content])
            else:
                chunks = response.iter_raw(_CHUNK)
            for chunk in chunks:
                keep(inflater.feed(chunk))
                if self._clock() > deadline:
                    raise _Transient(f"body still arriving after {self.policy.body_deadline:g} s ({size} bytes)")
            keep(inflater.finish())
            handle.close()
            return path.read_bytes()


class Inflater:
    """``Content-Encoding`` undone stage by stage (``gzip``, ``deflate``, ``identity``; several in a
    row), each stage giving at most ``_CHUNK`` bytes at a time and counted against ``cap``, so the
    memory a body can take is bounded whatever it inflates to."""

    MAX_CODINGS = 3

    def __init__(self, header: str, cap: int):
        codings = [c.strip().lower() for c in header.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        bad = [c for c in codings if c not in ("gzip", "x-gzip", "deflate")]
        if bad:
            raise FetchError(f"Content-Encoding {bad[0][:40]!r} is not one this collector asked for (gzip, deflate)")
        if len(codings) > self.MAX_CODINGS:
            raise FetchError(f"{len(codings)} Content-Encodings in a row; at most {self.MAX_CODINGS} are read")
        self.header = header
        self.cap = cap
        self.stages = [_Stage(c) for c in reversed(codings)]  # the last coding applied is undone first

    def feed(self, data: bytes) -> Iterator[bytes]:
        return self._through(0, data, final=False)

    def finish(self) -> Iterator[bytes]:
        return self._through(0, b"", final=True)

    def _through(self, index: int, data: bytes, final: bool) -> Iterator[bytes]:
        if index == len(self.stages):
            if data:
                yield data
            return
        stage = self.stages[index]
        try:
            for piece in stage.feed(data):
                stage.total += len(piece)
                if stage.total > self.cap:
                    raise FetchError(
                        f"body over the {self.cap}-byte limit (--max-bytes) while decoding {self.header[:40]!r}"
                    )
                yield from self._through(index + 1, piece, final=False)
            if final:
                for piece in stage.flush():
                    yield from self._through(index + 1, piece, final=False)
                yield from self._through(index + 1, b"", final=True)
        except zlib.error as err:
            raise FetchError(
                f"the body does not decode as its Content-Encoding {self.header[:40]!r} says ({str(err)[:80]})"
            ) from None


class _Stage:
    """One coding being undone, with bounded output per call."""

    def __init__(self, coding: str):
        self.coding = coding
        self.total = 0
        self.started = False
        self.raw_deflate = False
        self._d = self._new()

    def _new(self) -> Any:
        if self.coding == "deflate":
            return zlib.decompressobj(-zlib.MAX_WBITS if self.raw_deflate else zlib.MAX_WBITS)
        return zlib.decompressobj(16 + zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self.coding == "deflate" and not self.started and data:
            self.started = True
            try:  # "deflate" is zlib-wrapped by the RFC, raw deflate by some servers: try one, then the other
                zlib.decompressobj(zlib.MAX_WBITS).decompress(data[:64], 1)
            except zlib.error:
                self.raw_deflate = True
                self._d = self._new()
        while True:
            if self._d.eof:
                rest = self._d.unused_data + data
                if self.coding == "deflate" or not rest.strip(b"\0"):
                    return  # trailing bytes after the stream: ignored, as browsers do
                self._d = self._new()  # gzip: a further member
                data = rest
            out = self._d.decompress(data, _CHUNK)
            data = self._d.unconsumed_tail
            if out:
                yield out
            if not data and len(out) < _CHUNK:
                return

    def flush(self) -> Iterator[bytes]:
        yield from self.feed(b"")


#: robots.txt answered 401 or 403: nothing on that host may be asked for.
_DISALLOW_ALL = object()
#: The part of a robots.txt that is read (RFC 9309: at least 500 KiB).
ROBOTS_MAX_CHARS = 512 * 1024


@dataclass
class _Answer:
    status: int
    content: bytes = b""
    content_type: str = ""
    location: str = ""


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _check_hop(target: str, first: str) -> None:
    """A redirect keeps the scheme (https never turns to http) and goes to the scheme's default port
    or the first URL's own port: a hop to ``http://127.0.0.1:<another port>/`` reaches another
    service on the same machine, whose page would be saved as the report."""
    to, origin = urlsplit(target), urlsplit(first)
    if origin.scheme == "https" and to.scheme != "https":
        raise FetchError(f"redirect from https to {to.scheme} refused: {first} -> {target}")
    port = to.port or _DEFAULT_PORTS[to.scheme]
    own = origin.port or _DEFAULT_PORTS[origin.scheme]
    if port != _DEFAULT_PORTS[to.scheme] and port != own:
        raise FetchError(
            f"redirect to port {port} refused (only {_DEFAULT_PORTS[to.scheme]} or the site's own "
            f"{own}): {first} -> {target}"
        )


def _redirected(hop: _Request, target: str, status: int) -> _Request:
    """The next hop: 307/308 repeat the request; the others turn a POST into a GET without body."""
    if status in (307, 308):
        return _Request(hop.method, target, hop.body, hop.content_type)
    return _Request("GET", target, None, None)


def _valid(doc: Document, validate: Validator | None) -> bool:
    if validate is None:
        return True
    try:
        validate(doc)
    except Exception:
        return False
    return True


def _head(response: httpx.Response, limit: int = 512) -> bytes:
    """The first bytes of a refusal's body (inflated, bounded), for a message; b"" when unreadable."""
    try:
        if response.is_stream_consumed:
            return response.content[:limit]
        inflater = Inflater(response.headers.get("content-encoding", ""), 64 * limit)
        out = b""
        for chunk in response.iter_raw(4096):
            for piece in inflater.feed(chunk):
                out += piece
                if len(out) >= limit:
                    return out[:limit]
            if len(out) >= limit:
                break
        return out[:limit]
    except Exception:  # the status is the message; the bytes only illustrate it
        return b""


# --------------------------------------------------------------------------------------------
# One deadline per request: connect, headers and body together

#: The moment (time.monotonic) by which the request being sent on this thread must be done, or None.
_DEADLINE = threading.local()


def _left(error: type[Exception], timeout: float | None) -> float | None:
    """``timeout`` shortened to what is left before the request's deadline; ``error`` once it passed.

    httpx's timeouts are per network operation: a server that sends its status line one byte every
    half second never trips a one-second read timeout, and a run would wait for it without end.
    Every read, write and connect of a request is given at most what is left of one deadline.
    """
    at = getattr(_DEADLINE, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error("the request's deadline passed (connect, headers and body together)")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every operation ends by the request's deadline (``_left``)."""

    def __init__(self, stream: httpcore.NetworkStream):
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(httpcore.ReadTimeout, timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(httpcore.WriteTimeout, timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self._stream.start_tls(ssl_context, server_hostname, _left(httpcore.ConnectTimeout, timeout))
        )

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's own backend, each connection wrapped in a ``_DeadlineStream``."""

    def __init__(self, inner: httpcore.NetworkBackend):
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self._inner.connect_tcp(host, port, _left(httpcore.ConnectTimeout, timeout), local_address, socket_options)
        )

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:  # pragma: no cover
        return _DeadlineStream(
            self._inner.connect_unix_socket(path, _left(httpcore.ConnectTimeout, timeout), socket_options)
        )

    def sleep(self, seconds: float) -> None:  # pragma: no cover
        self._inner.sleep(seconds)


def _deadline_transport() -> httpx.HTTPTransport:
    """httpx's transport (verifying TLS), its connections under one deadline per request.

    httpx has no total timeout; its pool's network backend is the one place every byte passes.
    """
    transport = httpx.HTTPTransport(verify=_ssl_context())
    pool = getattr(transport, "_pool", None)
    inner = getattr(pool, "_network_backend", None)
    if inner is not None:
        pool._network_backend = _DeadlineBackend(inner)  # type: ignore[union-attr]
    return transport
