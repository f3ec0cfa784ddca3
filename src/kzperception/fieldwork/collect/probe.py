"""``kzperception collect --probe``: does each entry of the site's layout still match the site?

A changed front end shows up as a crawl that quietly collects nothing. The probe asks for one
listing page and a few reports per site and source (through the same polite transport as a run:
robots.txt, rate limit, redirects, size cap), checks every part of the layout
(``data/sites.yaml``, the table in ``docs/fieldwork.md``) against what came back, and says for each
whether it matched and, when not, what the page had instead ("article_title h1.article-title: no
match; first h1 was <h1 class="article__title"> '…'"). Every response is saved, with an index, in
a folder a user can attach to a bug report; the run's raw cache is not touched.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from bs4 import BeautifulSoup, Tag

from .akorda import Akorda
from .extract import _DROP, MalformedPage, _soup, html_to_paragraphs, page_date, parse_date
from .govkz import GovKz, _api_items, _graphql_items
from .model import CollectError, CollectSummary, Disallowed, FetchError
from .transport import Document, Fetcher, FetchPolicy, RawCache

#: Reports looked at per site (and per gov.kz entity) unless ``--probe-reports`` says otherwise.
PROBE_REPORTS = 3
_SAFE_RE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass
class ProbeRow:
    """One layout part: what it says, whether the site still matches it, and what was found."""

    site: str
    part: str
    value: str
    matched: bool
    found: str
    status: str = ""

    def line(self) -> str:
        return f"{'ok  ' if self.matched else 'FAIL'}  {self.site}.{self.part}  {self.value}: {self.found}"


@dataclass
class ProbeReport:
    """Every row of one site's probe and the folder its responses were saved in."""

    site: str
    folder: Path
    rows: list[ProbeRow] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and all(row.matched for row in self.rows)

    def lines(self) -> list[str]:
        return [row.line() for row in self.rows]


class _Prober:
    """Asks, saves every answer, and records rows; a failed request becomes a row, never an error."""

    def __init__(self, site_name: str, layout_parts: Any, fetcher: Fetcher, folder: Path):
        self.site = site_name
        self.parts = layout_parts
        self.fetcher = fetcher
        self.folder = folder
        self.rows: list[ProbeRow] = []
        self.files: list[dict[str, Any]] = []

    def row(self, part: str, matched: bool, found: str, value: str | None = None) -> None:
        spec = getattr(self.parts, part, None)
        shown = value if value is not None else (spec.value if spec is not None else "")
        self.rows.append(ProbeRow(self.site, part, shown, matched, found, spec.status if spec is not None else ""))

    def ask(self, label: str, url: str, body: bytes | None = None) -> Document | str:
        """The document (4xx included, as evidence), or the reason there is none."""
        try:
            if body is None:
                doc = self.fetcher.get(url, refresh=True, tolerate_4xx=True)
            else:
                doc = self.fetcher.post(url, body, refresh=True, tolerate_4xx=True)
        except Disallowed as err:
            return str(err)
        except FetchError as err:
            return f"{url}: {err}"
        self._save(label, doc)
        return doc

    def _save(self, label: str, doc: Document) -> None:
        ctype = doc.content_type.lower()
        ext = "json" if "json" in ctype else "xml" if "xml" in ctype or "rss" in ctype else (
            "html" if "html" in ctype else "txt")
        name = f"{len(self.files) + 1:02d}-{_SAFE_RE.sub('_', label)[:60]}.{ext}"
        (self.folder / name).write_bytes(doc.content)
        entry: dict[str, Any] = {"file": name, "method": doc.method, "url": doc.url, "status": doc.status,
                                 "content_type": doc.content_type, "bytes": len(doc.content)}
        if doc.final_url and doc.final_url != doc.url:
            entry["final_url"] = doc.final_url
        if doc.request_body:
            entry["request"] = doc.request_body.decode("utf-8", "replace")
        self.files.append(entry)


def probe(site: Akorda | GovKz, out: str | os.PathLike[str], *, policy: FetchPolicy | None = None,
          reports: int = PROBE_REPORTS, force: bool = False, client: httpx.Client | None = None,
          entities: Sequence[str] | None = None) -> ProbeReport:
    """Probe ``site``'s layout; save the responses in ``out/probe/<site>/`` (``--force`` replaces them).

    For gov.kz, ``entities`` are probed one after the other (default: the site's first entity).

    Nothing is written unless the probe could run: the responses go to a temporary folder beside
    the target, renamed into place at the end. A target that exists but holds no probe's
    ``index.json`` is never replaced, even with ``force``.
    """
    policy = policy or FetchPolicy()
    target = Path(out) / "probe" / site.website
    if target.exists():
        if not force:
            raise CollectError(f"{target}: already holds a probe; use --force to replace it")
        if not (target / "index.json").is_file():
            raise CollectError(f"{target}: exists and is not a probe folder; choose another --out")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{site.website}.{os.getpid()}.{secrets.token_hex(4)}.partial"
    staging.mkdir()
    try:
        summary = CollectSummary(site.website, "", "")
        with tempfile.TemporaryDirectory(prefix="kzp-probe-") as scratch, \
                Fetcher(policy, RawCache(scratch), summary, client, allowed_hosts=site.hosts) as fetcher:
            prober = _Prober(site.website, site.layout.parts, fetcher, staging)
            if isinstance(site, Akorda):
                _probe_akorda(site, prober, reports)
            else:
                for entity in list(entities or [])[:20] or site.entities[:1]:
                    _probe_entity(site, entity, prober, reports)
        report = ProbeReport(site.website, target, prober.rows, prober.files)
        (staging / "index.json").write_text(json.dumps(
            {"site": site.website, "base_url": site.base_url, "layout": site.layout.model_dump(),
             "files": report.files}, ensure_ascii=False, indent=2), encoding="utf-8")
        (staging / "report.json").write_text(json.dumps(
            {"ok": report.ok, "rows": [asdict(r) for r in report.rows]}, ensure_ascii=False, indent=2),
            encoding="utf-8")
        (staging / "report.txt").write_text("\n".join(report.lines()) + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
        return report
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# akorda.kz


def _probe_akorda(site: Akorda, p: _Prober, reports: int) -> None:
    url = site.page_url(1)
    doc = p.ask("listing-page-1", url)
    dependent = ("listing_card", "card_link", "card_date", "article_url", "report_id",
                 "article_title", "article_date", "article_body")
    if isinstance(doc, str) or doc.status >= 400:
        p.row("listing_page", False, doc if isinstance(doc, str) else f"HTTP {doc.status} for {url}")
        for part in dependent:
            p.row(part, False, "not checked: no listing page", _value(site, part))
        return
    html = doc.text()
    p.row("listing_page", True, f"HTTP {doc.status}, {len(doc.content)} bytes from {url}")
    try:
        soup = _clean_soup(html)
    except MalformedPage as err:
        for part in dependent:
            p.row(part, False, f"not checked: {err}", _value(site, part))
        return
    cards = site.cards(soup)
    sel = site.layout.parts
    p.row("listing_card", bool(cards), f"{len(cards)} found" if cards else
          f"no match; {_instead(soup, sel.listing_card.value)}")
    linked = [c for c in cards if site._select_one(c, site.card_link_selectors) is not None]
    if not cards:
        p.row("card_link", False, "not checked: no card matched")
    elif len(linked) < len(cards):
        without = next(c for c in cards if c not in linked)
        p.row("card_link", False, f"{len(linked)} of {len(cards)} cards; in the first card without one: "
              f"{_instead(without, sel.card_link.value)}")
    else:
        p.row("card_link", True, f"{len(linked)} of {len(cards)} cards")
    dated = [c for c in cards if _card_date(site, c) is not None]
    first_date = _card_date(site, dated[0]) if dated else None
    p.row("card_date", bool(cards) and len(dated) == len(cards),
          (f"{len(dated)} of {len(cards)} cards give a date" + (f", first {first_date}" if first_date else "")
           + ("" if dated or not cards else f"; {_instead(cards[0], sel.card_date.value)}"))
          if cards else "not checked: no card matched")
    skipped: list[str] = []
    article_links = site._links(soup, skipped)
    numbers = sorted({n for _a, _u, n in article_links})
    if article_links:
        p.row("article_url", True, f"{len(numbers)} article links, e.g. {article_links[0][1]}")
    else:
        hrefs = [str(a.get("href"))[:60] for a in soup.find_all("a", href=True)[:5]]
        p.row("article_url", False, f"no link matched; first links on the page: {hrefs!r}")
    p.row("report_id", not skipped and bool(numbers),
          f"{len(numbers)} article numbers of that form" if not skipped else f"{len(skipped)} did not fit: "
          + skipped[0], site.layout.report_id)
    items = site.parse_listing(html)[:reports]
    if not items:
        for part in ("article_title", "article_date", "article_body"):
            p.row(part, False, "not checked: the listing gave no article", _value(site, part))
        return
    checks: dict[str, list[tuple[bool, str]]] = {"article_title": [], "article_date": [], "article_body": []}
    for item in items:
        page = p.ask(f"article-{item.source_id}", item.url)
        if isinstance(page, str) or page.status >= 400:
            why = page if isinstance(page, str) else f"HTTP {page.status} for {item.url}"
            for results in checks.values():
                results.append((False, why))
            continue
        try:
            article = _clean_soup(page.text())
        except MalformedPage as err:
            for results in checks.values():
                results.append((False, f"{item.url}: {err}"))
            continue
        _check_article(site, article, checks)
    for part, results in checks.items():
        good = [text for ok, text in results if ok]
        bad = [text for ok, text in results if not ok]
        found = f"{len(good)} of {len(results)} pages" + (f": {good[0]}" if good and not bad else "")
        if bad:
            found += f"; {bad[0]}"
        p.row(part, not bad, found)


def _check_article(site: Akorda, soup: BeautifulSoup, checks: dict[str, list[tuple[bool, str]]]) -> None:
    heading = site._select_one(soup, site.title_selectors)
    value = site.layout.parts.article_title.value
    checks["article_title"].append(
        (True, repr(heading.get_text(" ", strip=True)[:60])) if heading is not None
        else (False, f"{value}: no match; {_instead(soup, value)}"))
    dated = page_date(soup, site.date_selectors)
    value = site.layout.parts.article_date.value
    checks["article_date"].append((True, f"{dated[0]} by {dated[1]}") if dated
                                  else (False, f"no date found; {_instead(soup, value)}"))
    first = site.body_selectors[0]
    for selector in site.body_selectors:
        node = soup.select_one(selector)
        if node is not None:
            paragraphs = html_to_paragraphs(str(node))
            note = "" if selector == first else f" (fallback; {first}: no match)"
            checks["article_body"].append((bool(paragraphs), f"by {selector}{note}, {len(paragraphs)} paragraphs"))
            return
    value = site.layout.parts.article_body.value
    checks["article_body"].append((False, f"{value}: no match; {_instead(soup, value)}"))


def _card_date(site: Akorda, card: Tag) -> Any:
    node = site._select_one(card, site.card_date_selectors)
    return parse_date(node.get_text(" ")) if node is not None else None


def _value(site: Akorda | GovKz, part: str) -> str:
    if part == "report_id":
        return site.layout.report_id
    return str(getattr(site.layout.parts, part).value)


# --------------------------------------------------------------------------------------------
# gov.kz


def _probe_entity(site: GovKz, entity: str, p: _Prober, reports: int) -> None:
    listed: dict[str, list[dict[str, Any]]] = {}
    sources: list[tuple[str, str, Callable[[], Document | str], Callable[[Any], list[dict[str, Any]]]]] = [
        ("graphql", site.graphql_url(), lambda: p.ask(f"{entity}-graphql-1", site.graphql_url(),
                                                     site.graphql_body(entity, 1)), _graphql_items),
        ("news_api", site.api_url(entity, 1), lambda: p.ask(f"{entity}-api-1", site.api_url(entity, 1)), _api_items),
        ("rss_feed", site.rss_url(entity), lambda: p.ask(f"{entity}-rss", site.rss_url(entity)), _rss_items),
    ]
    for part, url, ask, items_of in sources:
        doc = ask()
        label = f"[{entity}] "
        if isinstance(doc, str):
            p.row(part, False, label + doc, _shown(site, part, entity))
            continue
        try:
            items = items_of(doc.json() if part != "rss_feed" else doc.text())
        except Exception as err:  # an answer of another shape is exactly what the probe reports
            p.row(part, False, f"{label}HTTP {doc.status}: not what the layout expects ({_short(err)}); "
                  f"the answer begins {_begin(doc)}", _shown(site, part, entity))
            continue
        if doc.status >= 400 or not items:
            p.row(part, False, f"{label}HTTP {doc.status}, {len(items)} items; the answer begins {_begin(doc)}",
                  _shown(site, part, entity))
            continue
        listed[part] = items
        p.row(part, True, f"{label}HTTP {doc.status}, {len(items)} items from {url}", _shown(site, part, entity))
    first = next(iter(listed.values()), [])
    wanted = site.graphql_fields
    if first:
        keys = sorted({k for item in first for k in item})
        lacking = [f for f in wanted if not any(f in item for item in first)]
        p.row("item_fields", not lacking, f"[{entity}] " + ("all present in " + ", ".join(listed)
              if not lacking else f"missing {', '.join(lacking)}; the items have: {', '.join(keys)[:200]}"))
    else:
        p.row("item_fields", False, f"[{entity}] not checked: no source gave items")
    summary = CollectSummary(site.website, "", "")
    ids = [site.news_id(item.get("id"), f"[{entity}] item", summary) for item in first[:reports]]
    p.row("report_id", bool(first) and not summary.skipped,
          f"[{entity}] {len(ids)} ids of that form" if not summary.skipped else summary.warnings[0],
          site.layout.report_id)
    good_ids = [i for i in ids if i is not None]
    for part, url_of, check in (("report_page", site.page_url, _html_ok), ("detail_api", site.detail_url, _detail_ok)):
        if not good_ids:
            p.row(part, False, f"[{entity}] not checked: no item id", _shown(site, part, entity))
            continue
        results = []
        for news_id in good_ids:
            doc = p.ask(f"{entity}-{part}-{news_id}", url_of(entity, news_id))
            results.append((False, doc) if isinstance(doc, str) else check(doc))
        bad = [text for ok, text in results if not ok]
        p.row(part, not bad, f"[{entity}] {len(results) - len(bad)} of {len(results)} answered"
              + (f"; {bad[0]}" if bad else ""), _shown(site, part, entity))


def _rss_items(text: str) -> list[dict[str, Any]]:
    import feedparser

    feed = feedparser.parse(text)
    if not feed.entries and not feed.get("version"):
        raise ValueError("not an RSS/Atom feed")
    out = []
    for entry in feed.entries:
        match = re.search(r"/details/([^/?#]+)", str(entry.get("link") or ""))
        out.append({"id": match.group(1) if match else None, "title": entry.get("title"),
                    "body": entry.get("summary"), "created_date": entry.get("published")})
    return out


def _html_ok(doc: Document) -> tuple[bool, str]:
    if doc.status >= 400:
        return False, f"HTTP {doc.status} for {doc.url}"
    ok = bool(re.search(r"<(html|body)\b", doc.text(), re.IGNORECASE))
    return ok, f"HTTP {doc.status}" if ok else f"HTTP {doc.status}, not HTML: {_begin(doc)}"


def _detail_ok(doc: Document) -> tuple[bool, str]:
    if doc.status >= 400:
        return False, f"HTTP {doc.status} for {doc.url}: {_begin(doc)}"
    try:
        data = doc.json()
    except ValueError:
        return False, f"HTTP {doc.status}, not JSON: {_begin(doc)}"
    data = data.get("data", data) if isinstance(data, dict) else data
    ok = isinstance(data, dict) and bool(data.get("body") or data.get("title"))
    return ok, "a news object" if ok else f"no title or body in {_begin(doc)}"


def _shown(site: GovKz, part: str, entity: str) -> str:
    value = str(getattr(site.layout.parts, part).value)
    return value.replace("{entity}", entity)


# --------------------------------------------------------------------------------------------
# What a page had instead


def _clean_soup(html: str) -> BeautifulSoup:
    soup = _soup(html)
    for junk in soup.find_all(_DROP):
        if junk.name != "head":
            junk.decompose()
    return soup


def _describe(node: Tag) -> str:
    classes = node.get("class") or []
    cls = f' class="{" ".join(classes)}"' if classes else ""
    text = node.get_text(" ", strip=True)
    return f"<{node.name}{cls}> {text[:60]!r}"


def _instead(scope: Tag | BeautifulSoup, selectors: str) -> str:
    """What the page has where a selector found nothing: the first element of the selector's own
    tag, else the largest block of text (so a renamed class is seen at once)."""
    first = selectors.split(",")[0].strip()
    last = re.split(r"[\s>+~]+", first)[-1]
    tag = re.match(r"[A-Za-z][A-Za-z0-9]*", last)
    if tag and tag.group(0).lower() != "meta":
        node = scope.find(tag.group(0).lower())
        if isinstance(node, Tag):
            return f"first {tag.group(0).lower()} was {_describe(node)}"
        return f"the page has no {tag.group(0).lower()} at all"
    blocks = [n for n in scope.find_all(["div", "section", "article", "main", "td"]) if isinstance(n, Tag)]
    if not blocks:
        return "the page has no block of text"
    best = max(blocks, key=lambda n: sum(len(p.get_text(" ", strip=True)) for p in n.find_all("p", recursive=False)))
    return f"largest text block was {_describe(best)}"


def _short(err: Exception) -> str:
    return f"{type(err).__name__}: {str(err)[:120]}"


def _begin(doc: Document) -> str:
    return repr(doc.text()[:120])


__all__ = ["PROBE_REPORTS", "ProbeReport", "ProbeRow", "probe"]
