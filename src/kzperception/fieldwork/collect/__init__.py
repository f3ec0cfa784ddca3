"""Collect reports from akorda.kz and gov.kz for a date range, politely and resumably.

The thesis found its reports with a web search engine; a rerun on a new window needs its own
collector. Two site adapters know where each site lists its news and how a report looks; the
rest is shared and exists so that a long crawl of government sites is safe to run and to repeat:

* a per-host rate limit (default one request per second) and robots.txt, because these are
  public-service sites and a research tool must not be the reason they slow down; redirects are
  followed hop by hop, each hop under the same rules, and every URL is normalised first;
* retries with exponential backoff on timeouts, 5xx, 429 and broken bodies, honouring
  ``Retry-After``, because a three-year crawl meets every one of those;
* a raw cache on disk (``OUT/raw/``), one file per request (a GET by its URL, a POST by its
  method, URL and body), written atomically, so a run that is killed or fails halfway is simply
  started again and downloads (or posts) nothing twice;
* text, never markup: pages are reduced to paragraphs of plain text (scripts dropped, escaped
  markup unescaped and stripped), so nothing downstream ever renders scraped HTML;
* a fault of one report (a redirect loop, a body that will not decode, one over ``--max-bytes``,
  timeouts, a page no parser should read) fails that report only: the run goes on, and a resume
  retries just the failures;
* one summary at the end (listed, fetched, from cache, failed, matched) that a researcher can
  compare with the site, and ``collected.csv`` written atomically only when the run ends.

The sites' selectors and endpoints are data (``data/sites.yaml``, loaded by ``layout``), and
``probe`` (``kzperception collect --probe``) says which of them still match the live site.

The package's modules: ``transport`` (HTTP client, rate limit, robots.txt, retries, redirects,
size cap) with ``cache`` (documents, the raw cache), ``extract`` (HTML to plain text, dates),
``layout`` (the data file), one adapter per site (``akorda``, ``govkz``), ``run`` (the resumable
run and its summary), ``probe``, and ``model`` (errors, summary, items shared by all).

Evidence for the layouts. The adapters were first written without access to the sites and then
checked against public code that scrapes them (no live request was made); ``data/sites.yaml`` and
``docs/fieldwork.md`` list the evidence of each part (its ``source``). Verified that way:
akorda.kz's listing ``/ru/events?page=N`` of ``div.card``
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
and whether the REST API does: one 2026 source reports HTTP 400 «notAllowed» unless a session
ticket is taken first (``POST /api/v1/public/_/c/k6``, which sets a cookie); the adapter takes one
when the API refuses and renews it when refused again. For each entity the gov.kz adapter tries
GraphQL, then the REST API, then the RSS feed, and the summary says which one served it (and
records each refusal with its status and first bytes). akorda.kz's RSS feed (``/ru/rss``) is read
before its HTML listing, which fills in what the feed does not reach back to.
"""

from __future__ import annotations

from .akorda import Akorda
from .extract import html_to_paragraphs, html_to_text, parse_date
from .govkz import GOV_SOURCES, GovKz
from .layout import SITES_FILE, LayoutError, Layouts, load_layouts
from .model import (
    COLLECTED_COLUMNS,
    CollectError,
    CollectSummary,
    Disallowed,
    FetchError,
    ItemError,
    ListedItem,
    Page,
    RawReport,
    Site,
    paginate,
)
from .run import collect, make_site, read_collected, write_collected
from .transport import (
    MAX_BYTES,
    Document,
    Fetcher,
    FetchPolicy,
    RateLimiter,
    RawCache,
    decode_body,
    normalize_url,
    parse_retry_after,
)

__all__ = [
    "COLLECTED_COLUMNS",
    "GOV_SOURCES",
    "MAX_BYTES",
    "SITES_FILE",
    "Akorda",
    "CollectError",
    "CollectSummary",
    "Disallowed",
    "Document",
    "FetchError",
    "FetchPolicy",
    "Fetcher",
    "GovKz",
    "ItemError",
    "LayoutError",
    "Layouts",
    "ListedItem",
    "Page",
    "RateLimiter",
    "RawCache",
    "RawReport",
    "Site",
    "collect",
    "decode_body",
    "html_to_paragraphs",
    "html_to_text",
    "load_layouts",
    "make_site",
    "normalize_url",
    "paginate",
    "parse_date",
    "parse_retry_after",
    "read_collected",
    "write_collected",
]
