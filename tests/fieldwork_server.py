"""A fake akorda.kz + gov.kz on 127.0.0.1 for offline collector tests, with injectable faults.

It serves the fixtures of ``tests/fixtures/sites/`` in the sites' public formats (the akorda.kz
events listing and article pages, the gov.kz GraphQL endpoint and content-manager API, an entity's
RSS feed and robots.txt) and logs every request with its arrival time, so tests can check the rate
limit, Retry-After and that nothing was downloaded twice. What is taken from public code that
scrapes the real sites and what is still assumed is listed in ``tests/fixtures/sites/README.md``; in
short: the akorda listing (``div.card``, ``h3 a``, ``h5`` date), the gov.kz GraphQL query
(``news(projects: "eq:<entity>", _lang, _page, _size, _sort)`` answering ``{"data": {"news": [...]}}``)
and the news API (query string, bare JSON list, item fields) follow that evidence; the akorda
article page's title/date markup, the gov.kz detail endpoint and RSS feed, and how gov.kz refuses
a GraphQL request (here: HTTP 400 with a GraphQL ``errors`` «notAllowed») are assumptions.

A GraphQL request is ``POST /graphql``; all share one URL, so the log and the faults know it by its
arguments written as a query string, ``/graphql?projects=eq:mfa&_page=2&_size=3`` (its raw body is
kept in ``Entry.body``). Faults are queued per request target (a prefix of that, or of path + query
for a GET) and used up one per request::

    sites.inject("/ru/events?page=2", "500", "429:1", "timeout")
    sites.inject("/graphql?projects=eq:mfa&_page=2&", "errors", "truncate")

Kinds: ``timeout`` (no answer until the client gives up), ``reset`` (connection closed without
an answer), ``truncate`` (half the body, then the connection closes under a full Content-Length),
``500``/``502``/``503`` and ``429`` or ``429:<seconds>`` (with Retry-After), ``errors`` (200 with a
GraphQL ``errors`` answer and no data), ``garbage`` (200 with a cut-off JSON body),
``redirect:<location>`` (302 to it; ``redirect307:`` / ``redirect308:`` keep the method),
``badencoding`` (``Content-Encoding: gzip`` over a body that is not gzip), ``huge:<bytes>`` /
``hugechunked:<bytes>`` (the page padded with an HTML comment to that size, with or without a
Content-Length; ``Entry.sent`` counts what went out before the client hung up), ``drip:<seconds>``
(the body in small pieces spread over that time), ``deep:<n>`` (a page of n nested divs),
``id:<value>`` (a JSON answer whose first item has that id), ``field:<name>=<JSON>`` (its first
item's field set to that JSON value: ``NaN``, ``1e20``, a list, a title nested 1,200 tags deep).
``bomb:<MiB>`` (``Content-Encoding: gzip, gzip``, a few kB inflating to that many MiB).
``hold`` freezes the n-th matching request until released (``mid_body=True``: after half its
body): the test kills the collector while it waits. ``robots_by_host`` serves another robots.txt
to a request whose Host header names that host (``localhost`` and ``127.0.0.1`` are two hosts of
one server).
``refuse_graphql(entity)`` (or ``graphql: refused`` in ``news.yaml``) makes an entity's GraphQL
answer 400 «notAllowed» for good, so the collector's fallback to the REST API and RSS is tested.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import functools
import gzip
import json
import math
import re
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

FIXTURES = Path(__file__).parent / "fixtures" / "sites"
ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = ROOT / "data" / "partners.yaml"  # --keywords takes a partners file
#: The window the fixture sites' reports are collected for.
START, END = "2022-01-01", "2023-06-30"
ROBOTS = "User-agent: *\nDisallow: /ru/private\nDisallow: /admin/\n"
MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


@dataclass
class Entry:
    """One request as the server saw it."""

    t: float
    target: str
    status: int | None = None
    fault: str | None = None
    completed: bool = False
    method: str = "GET"
    body: bytes = b""
    host: str = ""
    sent: int = 0
    agent: str = ""


@dataclass
class Hold:
    prefix: str
    nth: int
    mid_body: bool = False
    seen: int = 0
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


def ru_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]} {day.year} года"


class FakeSites:
    """Both sites on one local server; ``base_url`` serves as either site's base URL."""

    def __init__(
        self,
        fixtures: Path = FIXTURES,
        page_size: int = 5,
        overlap: int = 0,
        robots: str = ROBOTS,
        timeout_delay: float = 1.0,
        graphql_refused: tuple[str, ...] = (),
        robots_by_host: dict[str, str] | None = None,
        variant: str = "",
        rss_items: int = 5,
        ticket: bool = False,
        api_first_page: int = 1,
    ):
        self.fixtures = fixtures
        #: How the whole akorda imitation misleads a layout (``VARIANTS``); "" is the normal site.
        self.variant = variant
        #: How many of the newest akorda articles its RSS feed holds (0: the feed answers 404).
        self.rss_items = rss_items
        #: Whether gov.kz's REST API wants a session ticket (``POST /api/v1/public/_/c/k6`` sets a
        #: cookie; without a valid one the API answers 400 «notAllowed», as a 2026 source reports).
        self.ticket = ticket
        self.tickets: set[str] = set()
        self._set_cookie = ""
        #: The number of the REST API's first page (public scrapers disagree: 0 or 1).
        self.api_first_page = api_first_page
        self.page_size = page_size
        self.overlap = overlap
        self.robots = robots
        self.robots_by_host = dict(robots_by_host or {})
        self.timeout_delay = timeout_delay
        self.articles: list[dict[str, Any]] = yaml.safe_load(
            (fixtures / "akorda" / "articles.yaml").read_text(encoding="utf-8")
        )["articles"]
        self.entities: dict[str, dict[str, Any]] = yaml.safe_load(
            (fixtures / "govkz" / "news.yaml").read_text(encoding="utf-8")
        )["entities"]
        self.templates = {
            name: Template((fixtures / rel).read_text(encoding="utf-8"))
            for name, rel in (
                ("listing", "akorda/listing.html"),
                ("article", "akorda/article.html"),
                ("rss", "govkz/rss.xml"),
            )
        }
        self.graphql_refused = {e for e, spec in self.entities.items() if spec.get("graphql") == "refused"}
        self.graphql_refused.update(graphql_refused)
        self.log: list[Entry] = []
        self.faults: dict[str, list[str]] = {}
        self.holds: list[Hold] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle ---------------------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeSites:
        server = _QuietServer(("127.0.0.1", port), _Handler)
        server.daemon_threads = True
        server.sites = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        for hold in self.holds:
            hold.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeSites:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # fault injection and the log -----------------------------------------------------------------

    def inject(self, prefix: str, *kinds: str) -> None:
        with self._lock:
            self.faults.setdefault(prefix, []).extend(kinds)

    def refuse_graphql(self, *entities: str) -> None:
        """From now on these entities' GraphQL requests answer 400 «notAllowed»."""
        with self._lock:
            self.graphql_refused.update(entities)

    def hold(self, prefix: str, nth: int = 1, mid_body: bool = False) -> Hold:
        hold = Hold(prefix, nth, mid_body)
        self.holds.append(hold)
        return hold

    def _take(
        self, target: str, method: str = "GET", body: bytes = b"", host: str = ""
    ) -> tuple[Entry, str | None, Hold | None]:
        with self._lock:
            entry = Entry(time.monotonic(), target, method=method, body=body, host=host)
            self.log.append(entry)
            fault = None
            for prefix, queue in self.faults.items():
                if target.startswith(prefix) and queue:
                    fault = queue.pop(0)
                    break
            entry.fault = fault
            for hold in self.holds:
                if target.startswith(hold.prefix):
                    hold.seen += 1
                    if hold.seen == hold.nth:
                        return entry, fault, hold
            return entry, fault, None

    def requests(self, prefix: str = "") -> list[Entry]:
        with self._lock:
            return [e for e in self.log if e.target.startswith(prefix)]

    def served(self, prefix: str = "") -> dict[str, int]:
        """Complete 200 answers per target: what a client actually downloaded."""
        out: dict[str, int] = {}
        for e in self.requests(prefix):
            if e.completed and e.status == 200:
                out[e.target] = out.get(e.target, 0) + 1
        return out

    def pending_faults(self) -> dict[str, list[str]]:
        with self._lock:
            return {k: list(v) for k, v in self.faults.items() if v}

    # the two sites -----------------------------------------------------------------------------

    def expire_tickets(self) -> None:
        """Every session ticket handed out so far stops working (the API refuses it from now on)."""
        with self._lock:
            self.tickets.clear()

    def _take_ticket(self) -> tuple[int, str, bytes]:
        import secrets

        token = secrets.token_hex(8)
        with self._lock:
            self.tickets.add(token)
        self._set_cookie = f"k6={token}; Path=/; HttpOnly"
        return 200, "application/json", b'{"status": "ok"}'

    def _has_ticket(self, cookie: str) -> bool:
        found = re.search(r"(?:^|;\s*)k6=([0-9a-f]+)", cookie or "")
        with self._lock:
            return found is not None and found.group(1) in self.tickets

    def _akorda_rss(self) -> tuple[int, str, bytes]:
        """akorda.kz's feed: the newest ``rss_items`` articles, each ``pubDate`` in GMT."""
        if self.rss_items <= 0:
            return 404, "text/html; charset=utf-8", b"<html><body><h1>404</h1></body></html>"
        if self.variant in ("challenge", "shell"):
            return 200, "text/html; charset=utf-8", VARIANTS[self.variant].encode()
        almaty = dt.timezone(dt.timedelta(hours=6))
        items = []
        for art in self.articles[: self.rss_items]:
            hh, mm = (int(x) for x in str(art.get("time", "12:00")).split(":"))
            when = dt.datetime(art["date"].year, art["date"].month, art["date"].day, hh, mm, tzinfo=almaty)
            link = f"{self.base_url}/ru/{art['slug']}-{art['id']}"
            items.append(
                f"<item><title>{art['title']}</title><link>{link}</link><guid>{link}</guid>"
                f"<pubDate>{email.utils.format_datetime(when.astimezone(dt.UTC), usegmt=True)}</pubDate>"
                f"<description>{art['paragraphs'][0]}</description></item>"
            )
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Акорда</title>'
            f"<link>{self.base_url}/ru</link><description>События</description>{''.join(items)}"
            "</channel></rss>"
        )
        return 200, "application/rss+xml; charset=utf-8", xml.encode()

    def route(
        self, target: str, method: str = "GET", body: bytes = b"", host: str = "", cookie: str = ""
    ) -> tuple[int, str, bytes]:
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        if path == "/graphql":
            if method != "POST":
                return 405, "application/json", b'{"errors": [{"message": "POST a GraphQL query"}]}'
            return self._graphql(body)
        if path == TICKET_PATH and method == "POST":
            return self._take_ticket()
        if method != "GET":
            return 405, "text/html; charset=utf-8", b"<html><body><h1>405</h1></body></html>"
        if path == "/robots.txt":
            robots = self.robots_by_host.get(host.rsplit(":", 1)[0], self.robots)
            return 200, "text/plain; charset=utf-8", robots.encode()
        if path == "/ru/events":
            return self._listing(int(query.get("page", ["1"])[0]))
        if path == "/ru/rss":
            return self._akorda_rss()
        if path.startswith("/ru/"):
            article = self._article_by_path(path)
            if article is not None:
                return self._article(article)
        if path.startswith("/api/v1/public/content-manager/news"):
            projects = query.get("projects", [""])[0]
            if not projects.startswith("eq:"):  # the filter syntax seen in public code: projects=eq:mfa
                return 400, "application/json", json.dumps({"error": f"bad filter {projects!r}"}).encode()
            entity = projects.removeprefix("eq:")
            if self.ticket and not self._has_ticket(cookie):  # refused as a 2026 source reports
                return 400, "application/json", json.dumps({"status": 400, "error": "notAllowed"}).encode()
            if path == "/api/v1/public/content-manager/news":
                size = int(query.get("size", ["10"])[0])
                page = int(query.get("page", [str(self.api_first_page)])[0]) + 1 - self.api_first_page
                return self._api_page(entity, page, size)
            return self._api_detail(entity, path.rsplit("/", 1)[-1])
        if path.startswith("/memleket/entities/") and path.endswith("/press/news/rss"):
            return self._rss(path.split("/")[3])
        if path.startswith("/memleket/entities/") and "/press/news/details/" in path:
            return self._report_page(path.split("/")[3], path.rsplit("/", 1)[-1])
        return 404, "text/html; charset=utf-8", b"<html><body><h1>404</h1></body></html>"

    def _slice(self, items: list[Any], page: int, size: int) -> list[Any]:
        """Page ``page`` (1-based); later pages repeat ``overlap`` items of the page before."""
        start = max(0, (page - 1) * size - (self.overlap if page > 1 else 0))
        return items[start : page * size] if page >= 1 else []

    def _listing(self, page: int) -> tuple[int, str, bytes]:
        if self.variant in ("challenge", "shell", "notice"):
            return 200, "text/html; charset=utf-8", VARIANTS[self.variant].encode()
        items = []
        for art in self._slice(self.articles, page, self.page_size):
            href = f"/ru/{art['slug']}-{art['id']}"
            # div.card, image link, h5 date, h3 a title: as in public scrapers of akorda.kz/ru/events
            items.append(
                f'    <div class="col-md-4">\n      <div class="card">\n'
                f'        <a href="{href}"><img class="card-img-top image_main_block" '
                f'src="/assets/media/{art["id"]}_mediumThumb.jpg" alt=""></a>\n'
                f'        <div class="card-body">\n'
                f"          <h5>{ru_date(art['date'])}</h5>\n"
                f'          <h3><a href="{href}">{art["title"]}</a></h3>\n'
                f"        </div>\n      </div>\n    </div>"
            )
        last = math.ceil(len(self.articles) / self.page_size)
        pagination = "\n".join(f'    <li><a href="/ru/events?page={n}">{n}</a></li>' for n in range(1, last + 1))
        html = self.templates["listing"].substitute(items="\n".join(items), pagination=pagination)
        return 200, "text/html; charset=utf-8", html.encode()

    def _article_by_path(self, path: str) -> dict[str, Any] | None:
        for art in self.articles:
            if path.rstrip("/") == f"/ru/{art['slug']}-{art['id']}":
                return art
        return None

    def _article(self, art: dict[str, Any]) -> tuple[int, str, bytes]:
        variant = art.get("variant", "normal")
        body = "\n".join(f"      <p>{p}</p>" for p in art["paragraphs"])
        if variant == "malformed":
            paras = "".join(f"<p>{p}" for p in art["paragraphs"])
            html = (
                f"<html><head><title>{art['title']}</title><body><article class=article>"
                f"<h1 class=article__title>{art['title']}<h1><div class='article__date'>{ru_date(art['date'])}"
                f"<div class=content-text>{paras}<b>незакрытый тег<i></div></td></span>"
            )
            return 200, "text/html; charset=utf-8", html.encode()
        if self.variant in ("challenge", "shell", "notice"):
            return 200, "text/html; charset=utf-8", VARIANTS[self.variant].encode()
        if self.variant == "short_body":
            body = "<p>Читать далее</p>"
        html = self.templates["article"].substitute(
            charset="utf-8",
            title=art["title"],
            iso_date=f"{art['date']}T{art.get('time', '12:00')}:00+06:00",
            id=art["id"],
            date_ru=ru_date(art["date"]),
            body=body,
            slug=art["slug"],
        )
        if self.variant == "header_h1":  # the site's name in an h1 before the article's own
            html = html.replace(
                '<header class="header">',
                '<header class="header"><h1 class="logo">Официальный сайт Президента Республики Казахстан</h1>',
            )
        elif self.variant == "sidebar_date":  # the article's date gone; a sidebar's date is all there is
            html = re.sub(r'<meta property="article:published_time"[^>]*>', "", html)
            html = re.sub(r'<div class="article__date">[^<]*</div>', "", html)
            html = html.replace(
                "<main", '<aside class="sidebar"><span class="news-date">01.02.2024</span></aside>\n<main'
            )
        if variant == "cp1251":
            return 200, "text/html; charset=utf-8", html.encode("cp1251")
        return 200, "text/html; charset=utf-8", html.encode()

    def _api_item(self, entity: str, item: dict[str, Any], detail: bool = False) -> dict[str, Any]:
        """One news item with the fields public code reads from the API (id, title, body, created_date);
        short_description and heropic are other fields it names, left empty here."""
        created: Any = item["created_date"]
        if self.entities.get(entity, {}).get("created_ms"):  # epoch milliseconds, as some APIs send
            created = int(dt.datetime.fromisoformat(created).timestamp() * 1000)
        out: dict[str, Any] = {
            "id": item["id"],
            "title": item.get("title"),
            "short_description": None,
            "heropic": None,
            "created_date": created,
        }
        body = item.get("detail_body") if detail else item.get("body")
        out["body"] = body if body else (item.get("body") if detail else None)
        return out

    def _api_page(self, entity: str, page: int, size: int) -> tuple[int, str, bytes]:
        spec = self.entities.get(entity)
        if spec is None or spec.get("api") is False:
            return 404, "application/json", json.dumps({"status": 404, "error": "Not Found"}).encode()
        if spec.get("api") == "refused":  # what a 2026 source reports without a browser session ticket
            return 400, "application/json", json.dumps({"status": 400, "error": "notAllowed"}).encode()
        payload = [self._api_item(entity, i) for i in self._slice(spec["items"], page, size)]
        return 200, "application/json;charset=UTF-8", json.dumps(payload, ensure_ascii=False).encode()

    def _api_detail(self, entity: str, news_id: str) -> tuple[int, str, bytes]:
        """An assumed detail endpoint (news/<id>): no public code seen uses it."""
        for item in self.entities.get(entity, {}).get("items", []):
            if str(item["id"]) == news_id:
                data = json.dumps(self._api_item(entity, item, detail=True), ensure_ascii=False)
                return 200, "application/json;charset=UTF-8", data.encode()
        return 404, "application/json", b'{"status": 404}'

    def _graphql(self, body: bytes) -> tuple[int, str, bytes]:
        """``news(...)`` of the public GraphQL endpoint: the fields asked for, one page, newest first."""
        parsed = graphql_request(body)
        if parsed is None:
            return _graphql_error("request is not a GraphQL news(...) query", status=400)
        args, fields = parsed
        projects = str(args.get("projects", ""))
        if not projects.startswith("eq:"):
            return _graphql_error(f"bad projects filter {projects!r}")
        unknown = [f for f in fields if f not in GRAPHQL_FIELDS]
        if unknown:
            return _graphql_error(f'Cannot query field "{unknown[0]}" on type "News"')
        entity = projects.removeprefix("eq:")
        if entity in self.graphql_refused:  # assumed: refused the way the REST API is reported to be
            return _graphql_error("notAllowed", status=400)
        spec = self.entities.get(entity, {"items": []})
        if spec.get("graphql") is False:
            return 404, "text/html; charset=utf-8", b"<html><body><h1>404</h1></body></html>"
        items = list(spec["items"]) if args.get("_lang", "ru") == "ru" else []  # the fixtures are Russian
        if str(args.get("_sort", "created_date:desc")).lower() == "created_date:asc":
            items.reverse()
        page, size = int(args.get("_page", 1)), int(args.get("_size", 10))
        news = [{f: self._api_item(entity, i)[f] for f in fields} for i in self._slice(items, page, size)]
        data = json.dumps({"data": {"news": news}}, ensure_ascii=False)
        return 200, "application/json; charset=utf-8", data.encode()

    def _report_page(self, entity: str, news_id: str) -> tuple[int, str, bytes]:
        """A report's page on the portal: a script-driven shell (assumed), its title in <title>."""
        for item in self.entities.get(entity, {}).get("items", []):
            if str(item["id"]) == news_id:
                html = (
                    f"<!DOCTYPE html><html><head><title>{item.get('title') or ''}</title></head>"
                    f'<body><div id="root"></div><script src="/static/app.js"></script></body></html>'
                )
                return 200, "text/html; charset=utf-8", html.encode()
        return 404, "text/html; charset=utf-8", b"<html><body><h1>404</h1></body></html>"

    def _rss(self, entity: str) -> tuple[int, str, bytes]:
        """An entity's RSS feed at an assumed address (no public code seen reads one)."""
        spec = self.entities.get(entity)
        if spec is None:
            return 404, "text/html", b"not found"
        items = []
        for item in spec["items"]:
            when = dt.datetime.fromisoformat(item["created_date"])
            link = f"{self.base_url}/memleket/entities/{entity}/press/news/details/{item['id']}?lang=ru"
            items.append(
                f"<item><title>{item.get('title', '')}</title><link>{link}</link><guid>{link}</guid>"
                # in GMT, as many feeds write it: the collector must turn it back into Almaty's date
                f"<pubDate>{email.utils.format_datetime(when.astimezone(dt.UTC), usegmt=True)}</pubDate>"
                f"<description><![CDATA[{item.get('body') or ''}]]></description></item>"
            )
        xml = self.templates["rss"].substitute(entity=entity, base=self.base_url, items="\n".join(items))
        return 200, "application/rss+xml; charset=utf-8", xml.encode()


#: Pages that mislead a layout, served for every akorda page by ``FakeSites(variant=...)``:
#: a challenge page and a script shell (what an anti-bot front or a single-page application gives
#: a plain client), a redirect notice; for articles also ``header_h1`` (the site's name in an h1
#: before the title), ``sidebar_date`` (no date but a sidebar's) and ``short_body`` (a teaser only).
VARIANTS = {
    "challenge": (
        '<!DOCTYPE html><html><head><title>Just a moment...</title></head><body><div class="cf">'
        "<h2>Checking your browser before accessing www.akorda.kz</h2><p>Please enable JavaScript "
        'and cookies to continue.</p></div><script src="/cdn-cgi/challenge.js"></script></body></html>'
    ),
    "shell": (
        '<!DOCTYPE html><html><head><title>akorda.kz</title></head><body><div id="root"></div>'
        '<script src="/static/js/main.4f1a.js"></script></body></html>'
    ),
    "notice": ('<html><body><p>Страница перемещена. <a href="https://new.akorda.kz/ru">Перейти</a></p></body></html>'),
}

#: gov.kz's session-ticket endpoint (a POST sets the cookie the REST API wants).
TICKET_PATH = "/api/v1/public/_/c/k6"
GRAPHQL_FIELDS = ("id", "title", "body", "created_date", "short_description", "heropic")
_NEWS_RE = re.compile(r"\bnews\s*\(([^)]*)\)\s*\{([^{}]*)\}")
_ARG_RE = re.compile(r'(\w+)\s*:\s*("(?:[^"\\]|\\.)*"|[-\w.]+)')


def graphql_request(body: bytes) -> tuple[dict[str, Any], list[str]] | None:
    """(arguments, fields) of a ``{"query": "query { news(...) { ... } }"}`` body, else None."""
    try:
        query = json.loads(body.decode("utf-8"))["query"]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None
    match = _NEWS_RE.search(query) if isinstance(query, str) else None
    if match is None:
        return None
    args: dict[str, Any] = {}
    for name, value in _ARG_RE.findall(match.group(1)):
        args[name] = json.loads(value) if value.startswith('"') else (int(value) if value.isdigit() else value)
    return args, match.group(2).split()


def graphql_target(body: bytes) -> str:
    """How the log and the faults name a GraphQL request: its arguments as a query string."""
    parsed = graphql_request(body)
    if parsed is None:
        return "/graphql"
    args = parsed[0]
    return f"/graphql?projects={args.get('projects', '')}&_page={args.get('_page', '')}&_size={args.get('_size', '')}"


def _graphql_error(message: str, status: int = 200) -> tuple[int, str, bytes]:
    data = json.dumps({"errors": [{"message": message}], "data": None}, ensure_ascii=False)
    return status, "application/json; charset=utf-8", data.encode()


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (the collector giving up on a huge body) is no error of the server's."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        sites: FakeSites = self.server.sites  # type: ignore[attr-defined]
        entry, fault, hold = sites._take(self.path, host=self.headers.get("Host", ""))
        entry.agent = self.headers.get("User-Agent", "")
        self._safely(sites, entry, fault, hold)

    def do_POST(self) -> None:
        sites: FakeSites = self.server.sites  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        target = graphql_target(body) if urlsplit(self.path).path == "/graphql" else self.path
        entry, fault, hold = sites._take(target, "POST", body, host=self.headers.get("Host", ""))
        self._safely(sites, entry, fault, hold)

    def _safely(self, sites: FakeSites, entry: Entry, fault: str | None, hold: Hold | None) -> None:
        try:
            self._answer(sites, entry, fault, hold)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    def _answer(self, sites: FakeSites, entry: Entry, fault: str | None, hold: Hold | None) -> None:
        if kind_of(fault) == "expire":  # every session ticket stops working before this answer
            sites.expire_tickets()
        if kind_of(fault) == "slowheaders":  # the status line and headers one byte at a time
            self._send_slow_headers(entry, float((fault or "").partition(":")[2] or 0.5))
            return
        if hold is not None and not hold.mid_body:
            hold.reached.set()
            hold.release.wait(30)
            self.close_connection = True
            return
        if fault in ("timeout", "reset"):
            if fault == "timeout":
                time.sleep(sites.timeout_delay)
            self.close_connection = True
            return
        kind, _, arg = (fault or "").partition(":")
        if kind.startswith("redirect"):
            code = int(kind.removeprefix("redirect") or 302)
            self._send(entry, code, {"Location": arg, "Content-Type": "text/html"}, b"<html><body>moved</body></html>")
            return
        status, ctype, body = sites.route(
            self.path, entry.method, entry.body, entry.host, self.headers.get("Cookie", "")
        )
        headers = {"Content-Type": ctype}
        if urlsplit(self.path).path == TICKET_PATH and status == 200:
            headers["Set-Cookie"] = sites._set_cookie
        if fault == "errors":  # a GraphQL error answer with no data
            status, ctype, body = _graphql_error("Internal server error (injected)")
            headers = {"Content-Type": ctype}
        elif fault == "garbage":  # a 200 whose JSON stops short (under a Content-Length that fits it)
            status, body = 200, b'{"data": {"news": [{"id": 7'
            headers = {"Content-Type": "application/json; charset=utf-8"}
        elif kind == "id":
            body = _with_first_id(body, arg)
        elif kind == "field":  # field:<name>=<JSON value>: the first item's field replaced
            name, _, value = arg.partition("=")
            body = _with_first_field(body, name, json.loads(value))
        elif kind == "deep":
            depth = int(arg)
            body = (
                "<html><body><h1>Глубокая страница</h1><div class=content-text>"
                + "<div>" * depth
                + "<p>текст</p>"
                + "</div>" * depth
                + "</div></body></html>"
            ).encode()
        elif kind in ("huge", "hugechunked"):
            pad = max(0, int(arg) - len(body) - 9)
            self._send_huge(entry, status, headers, body, pad, chunked=kind == "hugechunked")
            return
        if fault and fault.split(":")[0] in ("429", "500", "502", "503"):
            status = int(fault.split(":")[0])
            body = f"<html><body>Error {status}</body></html>".encode()
            headers = {"Content-Type": "text/html"}
            if ":" in fault:
                headers["Retry-After"] = fault.split(":", 1)[1]
        if fault == "badencoding":
            headers["Content-Encoding"] = "gzip"
        if kind == "encoding":  # encoding:<value>: that Content-Encoding header over the plain page
            headers["Content-Encoding"] = arg
        if kind == "bomb":  # bomb:<MiB>: a few kB of "gzip, gzip" that inflate to that many MiB of zeros
            body = gzip_bomb(int(arg))
            headers = {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip, gzip"}
        if kind == "drip":
            self._send_drip(entry, status, headers, body, float(arg))
            return
        if hold is not None:  # mid_body: half the body, then wait (the test kills the client now)
            self._send_headers(entry, status, {**headers, "Content-Length": str(len(body))})
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            hold.reached.set()
            hold.release.wait(30)
            self.close_connection = True
            return
        entry.status = status
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        if fault == "truncate":
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        entry.completed = fault is None or kind in ("id", "field")

    def _send_slow_headers(self, entry: Entry, seconds: float) -> None:
        """``HTTP/1.1 200 OK`` and headers sent one byte every ``seconds`` (at most 60 s in all): a
        server that never trips a per-read timeout; only a deadline for the whole request ends it."""
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nX-Padding: " + b"x" * 200 + b"\r\n"
        began = time.monotonic()
        self.close_connection = True
        for byte in head:
            if time.monotonic() - began > 60:
                break
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            entry.sent += 1
            time.sleep(seconds)

    def _send_headers(self, entry: Entry, status: int, headers: dict[str, str]) -> None:
        entry.status = status
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()

    def _send(self, entry: Entry, status: int, headers: dict[str, str], body: bytes) -> None:
        self._send_headers(entry, status, {**headers, "Content-Length": str(len(body))})
        self.wfile.write(body)
        self.wfile.flush()

    def _send_huge(
        self, entry: Entry, status: int, headers: dict[str, str], body: bytes, pad: int, chunked: bool
    ) -> None:
        """The page with ``pad`` bytes of comment before ``</body>``, in 64 kB writes; stops when the
        client hangs up, counting what went out in ``entry.sent``."""
        cut = body.rfind(b"</body>")
        head, tail = (body[:cut], body[cut:]) if cut >= 0 else (body, b"")
        extra = {"Transfer-Encoding": "chunked"} if chunked else {"Content-Length": str(len(body) + pad + 9)}
        self.close_connection = True
        self._send_headers(entry, status, {**headers, **extra, "Connection": "close"})
        block = b"x" * 65536

        def pieces() -> Any:
            yield head + b"<!-- "
            left = pad
            while left > 0:
                yield block[: min(left, len(block))]
                left -= min(left, len(block))
            yield b" -->" + tail

        for piece in pieces():
            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece)
            entry.sent += len(piece)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()
        entry.completed = True

    def _send_drip(self, entry: Entry, status: int, headers: dict[str, str], body: bytes, seconds: float) -> None:
        self._send_headers(entry, status, {**headers, "Content-Length": str(len(body))})
        step = max(1, len(body) // 20)
        for at in range(0, len(body), step):
            self.wfile.write(body[at : at + step])
            self.wfile.flush()
            entry.sent += len(body[at : at + step])
            time.sleep(seconds / 20)
        entry.completed = True


def kind_of(fault: str | None) -> str:
    return (fault or "").partition(":")[0]


@functools.lru_cache(maxsize=4)
def gzip_bomb(mebibytes: int) -> bytes:
    """``mebibytes`` MiB of zeros, gzipped twice: a small body that inflates without end."""
    inner = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    once = b"".join(inner.compress(block) for _ in range(mebibytes)) + inner.flush()
    return gzip.compress(once, 9)


def _with_first_field(body: bytes, name: str, value: Any) -> bytes:
    """The same JSON answer with its first item's ``name`` set to ``value`` (NaN written as NaN)."""
    payload = json.loads(body.decode("utf-8"))
    items = payload if isinstance(payload, list) else (payload.get("data") or {}).get("news") or []
    if items:
        items[0][name] = value
    return json.dumps(payload, ensure_ascii=False).encode()


def _with_first_id(body: bytes, value: str) -> bytes:
    """The same JSON answer (API list or GraphQL data.news) with its first item's id replaced."""
    payload = json.loads(body.decode("utf-8"))
    items = payload if isinstance(payload, list) else (payload.get("data") or {}).get("news") or []
    if items:
        items[0]["id"] = value
    return json.dumps(payload, ensure_ascii=False).encode()


def main(argv: list[str] | None = None) -> None:
    """Serve the imitation by hand, to try the collector offline (docs/fieldwork.md)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python tests/fieldwork_server.py",
        description="A fake akorda.kz and gov.kz on 127.0.0.1, serving the test fixtures, for trying "
        "`kzperception collect --base-url ...` offline. Ctrl-C stops it.",
    )
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000; 0: any free)")
    parser.add_argument(
        "--variant",
        default="",
        choices=["", *VARIANTS, "header_h1", "sidebar_date", "short_body"],
        help="serve every akorda page as this misleading page (default: the normal site)",
    )
    parser.add_argument(
        "--ticket",
        action="store_true",
        help="gov.kz's REST API refuses (400 notAllowed) until a session ticket is taken",
    )
    parser.add_argument("--rss-items", type=int, default=5, help="akorda.kz feed size (0: the feed answers 404)")
    args = parser.parse_args(argv)
    sites = FakeSites(variant=args.variant, ticket=args.ticket, rss_items=args.rss_items).start(args.port)
    print(f"serving the fake akorda.kz and gov.kz at {sites.base_url} (Ctrl-C stops)")
    print(
        f"  kzperception collect --site president --start {START} --end {END} --out /tmp/fw "
        f"--base-url {sites.base_url} --rate 50"
    )
    print(f"  kzperception collect --probe --site government --entity mfa --out /tmp/fw --base-url {sites.base_url}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sites.stop()


if __name__ == "__main__":
    main()
