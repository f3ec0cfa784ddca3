"""``kzperception collect --probe``: does each entry of the site's layout still match the site?

A changed front end shows up as a crawl that quietly collects nothing. The probe asks for one
listing page and a few reports per site and source (through the same polite transport as a run:
robots.txt, rate limit, redirects, size cap), checks every part of the layout
(``data/sites.yaml``, the table in ``docs/fieldwork.md``) against what came back, and says for each
whether it matched and, when not, what the page had instead ("article_title h1.article-title: no
match; first h1 was <h1 class="article__title"> '…'"). A part that matches is not yet right: the
values it gives pass the run's sanity rules (``sanity``) or the part FAILs with the values seen.
Then each listing source gets one verdict (``SourceVerdict``): ``ok``; ``refused`` by the site (a
4xx that means "not this client", a challenge page, a script shell, robots.txt: the status and
first bytes, and the advice that it is the session or the agent, not the layout); layout
``mismatch`` (the part and what was found: edit ``data/sites.yaml``); ``unreachable``. The exit
status follows the most actionable verdict (``VERDICTS``). Every response is saved, with an index,
in a folder a user can attach to a bug report; the run's raw cache is not touched.
"""

from __future__ import annotations

import contextlib
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
from .extract import DROPPED_TAGS, MalformedPage, html_to_paragraphs, page_date, page_soup, parse_date
from .govkz import GovKz, api_items, graphql_items, item_date, item_title
from .model import CollectError, CollectSummary, Disallowed, FetchError, ListedItem, RawReport, excerpt
from .sanity import Suspect, check_reports
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


#: What a probe says about one listing source, with the exit status each verdict gives.
#: ``mismatch`` wins over ``refused`` over ``unreachable``: the most actionable verdict decides.
VERDICTS: dict[str, int] = {"ok": 0, "mismatch": 2, "refused": 3, "unreachable": 4}
ADVICE = {
    "ok": "",
    "refused": "the site refuses this client: the session (gov.kz's ticket) or the user agent (--user-agent), "
    "not the layout; send the saved folder",
    "robots": "the site's robots.txt disallows this address: the collector will not ask for it",
    "mismatch": "the site answers but the layout no longer matches: edit data/sites.yaml (or a copy, --layout) "
    "at the part named",
    "unreachable": "no answer (connection, timeout, server errors after the retries): try again later",
}


@dataclass
class SourceVerdict:
    """One listing source of a site (akorda's RSS or HTML listing, a gov.kz entity's GraphQL, REST
    API or RSS): ``ok``, ``refused`` by the site, layout ``mismatch``, or ``unreachable``."""

    site: str
    source: str
    verdict: str
    detail: str
    advice: str = ""

    def line(self) -> str:
        text = f"source  {self.site}.{self.source}: {self.verdict}"
        if self.detail:
            text += f": {self.detail}"
        return text + (f" (advice: {self.advice})" if self.advice else "")


@dataclass
class ProbeReport:
    """Every row of one site's probe, each source's verdict and the folder its responses were saved in."""

    site: str
    folder: Path
    rows: list[ProbeRow] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    sources: list[SourceVerdict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and all(row.matched for row in self.rows) and self.exit_code == 0

    @property
    def exit_code(self) -> int:
        """0 when every source is ok; else the status of the most actionable verdict (``VERDICTS``)."""
        codes = [VERDICTS[s.verdict] for s in self.sources]
        if not codes:
            return 2 if any(not row.matched for row in self.rows) else 0
        for verdict in ("mismatch", "refused", "unreachable"):
            if VERDICTS[verdict] in codes:
                return VERDICTS[verdict]
        return 0

    def lines(self) -> list[str]:
        return [row.line() for row in self.rows] + [s.line() for s in self.sources]


class _Prober:
    """Asks, saves every answer, and records rows; a failed request becomes a row, never an error."""

    def __init__(self, site_name: str, layout_parts: Any, fetcher: Fetcher, folder: Path):
        self.site = site_name
        self.parts = layout_parts
        self.fetcher = fetcher
        self.folder = folder
        self.rows: list[ProbeRow] = []
        self.files: list[dict[str, Any]] = []
        self.sources: list[SourceVerdict] = []

    def verdict(self, source: str, verdict: str, detail: str, advice: str | None = None) -> None:
        """Record one source's verdict; ``advice`` defaults to the verdict's own (``ADVICE``)."""
        self.sources.append(
            SourceVerdict(self.site, source, verdict, detail, ADVICE[verdict] if advice is None else advice)
        )

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
        except (FetchError, CollectError) as err:  # CollectError: the site's robots.txt unreadable
            return f"{url}: {err}"
        self._save(label, doc)
        return doc

    def _save(self, label: str, doc: Document) -> None:
        ctype = doc.content_type.lower()
        ext = (
            "json"
            if "json" in ctype
            else "xml"
            if "xml" in ctype or "rss" in ctype
            else ("html" if "html" in ctype else "txt")
        )
        name = f"{len(self.files) + 1:02d}-{_SAFE_RE.sub('_', label)[:60]}.{ext}"
        (self.folder / name).write_bytes(doc.content)
        entry: dict[str, Any] = {
            "file": name,
            "method": doc.method,
            "url": doc.url,
            "status": doc.status,
            "content_type": doc.content_type,
            "bytes": len(doc.content),
        }
        if doc.final_url and doc.final_url != doc.url:
            entry["final_url"] = doc.final_url
        if doc.request_body:
            entry["request"] = doc.request_body.decode("utf-8", "replace")
        self.files.append(entry)


def probe(
    site: Akorda | GovKz,
    out: str | os.PathLike[str],
    *,
    policy: FetchPolicy | None = None,
    reports: int = PROBE_REPORTS,
    force: bool = False,
    client: httpx.Client | None = None,
    entities: Sequence[str] | None = None,
) -> ProbeReport:
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
        with (
            tempfile.TemporaryDirectory(prefix="kzp-probe-") as scratch,
            Fetcher(policy, RawCache(scratch), summary, client, allowed_hosts=site.hosts) as fetcher,
        ):
            prober = _Prober(site.website, site.layout.parts, fetcher, staging)
            if isinstance(site, Akorda):
                _probe_akorda(site, prober, reports)
            else:
                for entity in list(entities or [])[:20] or site.entities[:1]:
                    _probe_entity(site, entity, prober, reports)
        report = ProbeReport(site.website, target, prober.rows, prober.files, prober.sources)
        (staging / "index.json").write_text(
            json.dumps(
                {
                    "site": site.website,
                    "base_url": site.base_url,
                    "layout": site.layout.model_dump(),
                    "files": report.files,
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
        (staging / "report.json").write_text(
            json.dumps(
                {
                    "ok": report.ok,
                    "exit_code": report.exit_code,
                    "rows": [asdict(r) for r in report.rows],
                    "sources": [asdict(v) for v in report.sources],
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
        (staging / "report.txt").write_text("\n".join(report.lines()) + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
        return report
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Verdicts: what an answer says before the layout is looked at

#: Words of the pages an anti-bot front, a login wall or a refusal gives instead of content.
_REFUSAL_RE = re.compile(
    r"captcha|challenge|checking your browser|just a moment|enable javascript|access denied|"
    r"not ?allowed|forbidden|unauthori[sz]ed|доступ (?:запрещ|огранич)|вы не робот",
    re.IGNORECASE,
)
#: A page with a script, fewer than three links and less visible text than this is a script shell (a single-page
#: application's frame), which a plain client cannot read: the site gives its content to browsers only.
SHELL_TEXT_CHARS = 200
#: Statuses that mean "this client may not", not "this address is wrong".
_REFUSED_STATUSES = frozenset({400, 401, 403, 407, 429, 451})


def answer_verdict(answer: Document | str) -> tuple[str, str, str | None] | None:
    """``(verdict, detail, advice)`` when the answer alone decides the source's verdict, else None.

    No answer: ``unreachable`` (or ``refused`` by robots.txt). 400, 401, 403, 429, 451, or a 200 that
    is a challenge page or a script shell: ``refused``, quoting the status and the first bytes. 404,
    405 and 410: ``mismatch`` (the layout's address is wrong). Anything else is looked at part by part.
    """
    if isinstance(answer, str):
        if "robots.txt disallows" in answer:
            return "refused", answer, ADVICE["robots"]
        return "unreachable", answer, None
    begins = _begin(answer)
    if answer.status in _REFUSED_STATUSES:
        return "refused", f"HTTP {answer.status} from {answer.url}; the answer begins {begins}", None
    if answer.status >= 400:
        return "mismatch", f"HTTP {answer.status} from {answer.url}; the answer begins {begins}", None
    text = answer.text()
    if "html" in answer.content_type.lower() or re.match(r"\s*<(!doctype|html)", text, re.IGNORECASE):
        visible = _visible_text(text)
        if _REFUSAL_RE.search(visible[:2000]) and len(visible) < 2000:
            return "refused", f"HTTP {answer.status}, a challenge or refusal page: {excerpt(visible, 100)}", None
        links = len(re.findall(r"<a\s[^>]*href", text, re.IGNORECASE))
        if len(visible) < SHELL_TEXT_CHARS and links < 3 and re.search(r"<script\b", text, re.IGNORECASE):
            return (
                "refused",
                (
                    f"HTTP {answer.status}, a script shell ({len(visible)} characters of text, the "
                    f"content is drawn by scripts): the answer begins {begins}"
                ),
                None,
            )
    return None


def _visible_text(html: str) -> str:
    try:
        soup = _clean_soup(html)
    except MalformedPage:
        return ""
    body = soup.body or soup
    return " ".join(body.get_text(" ", strip=True).split())


# --------------------------------------------------------------------------------------------
# akorda.kz


def _probe_akorda(site: Akorda, p: _Prober, reports: int) -> None:
    _probe_akorda_rss(site, p)
    url = site.page_url(1)
    doc = p.ask("listing-page-1", url)
    dependent = (
        "listing_card",
        "card_link",
        "card_date",
        "article_url",
        "report_id",
        "article_title",
        "article_date",
        "article_body",
    )
    decided = answer_verdict(doc)
    if decided is not None:
        verdict, detail, advice = decided
        p.row("listing_page", False, f"{verdict}: {detail}")
        for part in dependent:
            p.row(part, False, f"not checked: the listing page was {verdict}", _value(site, part))
        p.verdict("listing", verdict, detail, advice)
        return
    assert isinstance(doc, Document)
    html = doc.text()
    p.row("listing_page", True, f"HTTP {doc.status}, {len(doc.content)} bytes from {url}")
    try:
        soup = _clean_soup(html)
    except MalformedPage as err:
        for part in dependent:
            p.row(part, False, f"not checked: {err}", _value(site, part))
        p.verdict("listing", "mismatch", f"listing page: {err}")
        return
    cards = site.cards(soup)
    sel = site.layout.parts
    p.row(
        "listing_card",
        bool(cards),
        f"{len(cards)} found" if cards else f"no match; {_instead(soup, sel.listing_card.value)}",
    )
    linked = [c for c in cards if site.select_one(c, site.card_link_selectors) is not None]
    if not cards:
        p.row("card_link", False, "not checked: no card matched")
    elif len(linked) < len(cards):
        without = next(c for c in cards if c not in linked)
        p.row(
            "card_link",
            False,
            f"{len(linked)} of {len(cards)} cards; in the first card without one: "
            f"{_instead(without, sel.card_link.value)}",
        )
    else:
        p.row("card_link", True, f"{len(linked)} of {len(cards)} cards")
    dated = [c for c in cards if _card_date(site, c) is not None]
    first_date = _card_date(site, dated[0]) if dated else None
    p.row(
        "card_date",
        bool(cards) and len(dated) == len(cards),
        (
            f"{len(dated)} of {len(cards)} cards give a date"
            + (f", first {first_date}" if first_date else "")
            + ("" if dated or not cards else f"; {_instead(cards[0], sel.card_date.value)}")
        )
        if cards
        else "not checked: no card matched",
    )
    skipped: list[str] = []
    article_links = site.article_links(soup, skipped)
    numbers = sorted({n for _a, _u, n in article_links})
    if article_links:
        p.row("article_url", True, f"{len(numbers)} article links, e.g. {article_links[0][1]}")
    else:
        hrefs = [str(a.get("href"))[:60] for a in soup.find_all("a", href=True)[:5]]
        p.row("article_url", False, f"no link matched; first links on the page: {hrefs!r}")
    p.row(
        "report_id",
        not skipped and bool(numbers),
        f"{len(numbers)} article numbers of that form" if not skipped else f"{len(skipped)} did not fit: " + skipped[0],
        site.layout.report_id,
    )
    items = site.parse_listing(html)[:reports]
    if not items:
        for part in ("article_title", "article_date", "article_body"):
            p.row(part, False, "not checked: the listing gave no article", _value(site, part))
        _listing_verdict(p)
        return
    checks: dict[str, list[tuple[bool, str]]] = {"article_title": [], "article_date": [], "article_body": []}
    pairs: list[tuple[ListedItem, RawReport]] = []
    answers: list[tuple[str, str, str | None]] = []
    for item in items:
        page = p.ask(f"article-{item.source_id}", item.url)
        refused = answer_verdict(page)
        if refused is not None:
            answers.append(refused)
            for results in checks.values():
                results.append((False, f"{item.url}: {refused[0]}: {refused[1]}"))
            continue
        assert isinstance(page, Document)
        try:
            article = _clean_soup(page.text())
        except MalformedPage as err:
            for results in checks.values():
                results.append((False, f"{item.url}: {err}"))
            continue
        _check_article(site, article, checks)
        with contextlib.suppress(Exception):  # the rows above already say what the page lacks
            pairs.append((item, site.parse_article(page.text(), item)))
    for part, results in checks.items():
        good = [text for ok, text in results if ok]
        bad = [text for ok, text in results if not ok]
        found = f"{len(good)} of {len(results)} pages" + (f": {good[0]}" if good and not bad else "")
        if bad:
            found += f"; {bad[0]}"
        p.row(part, not bad, found)
    _mark_suspects(p, pairs, check_reports(pairs, [site.layout.name, *site.layout.site_names]), site.value_parts)
    _listing_verdict(p, answers)


def _probe_akorda_rss(site: Akorda, p: _Prober) -> None:
    """The feed: answered, a feed, with items linking to articles of the ``article_url`` shape."""
    url = site.rss_url()
    doc = p.ask("rss", url)
    decided = answer_verdict(doc)
    if decided is not None:
        verdict, detail, advice = decided
        p.row("rss_feed", False, f"{verdict}: {detail}")
        p.verdict("rss", verdict, detail, advice)
        return
    assert isinstance(doc, Document)
    try:
        _rss_items(doc.text())
    except ValueError:
        detail = f"HTTP {doc.status}, not an RSS/Atom feed: the answer begins {_begin(doc)}"
        p.row("rss_feed", False, detail)
        p.verdict("rss", "mismatch", f"rss_feed {url}: {detail}")
        return
    items = site.parse_rss(doc.text())
    if not items:
        detail = f"HTTP {doc.status}, a feed without links of the article_url shape: the answer begins {_begin(doc)}"
        p.row("rss_feed", False, detail)
        p.verdict("rss", "mismatch", f"rss_feed {url}: {detail}")
        return
    dates = [i.date for i in items if i.date is not None]
    span = f", {min(dates)} to {max(dates)}" if dates else ", undated"
    p.row("rss_feed", True, f"HTTP {doc.status}, {len(items)} reports{span}")
    p.verdict("rss", "ok", f"{len(items)} reports{span}")


def _listing_verdict(p: _Prober, answers: Sequence[tuple[str, str, str | None]] = ()) -> None:
    """The HTML listing's verdict: refused or unreachable articles first, then any failed part."""
    for kind in ("refused", "unreachable"):
        found = next((a for a in answers if a[0] == kind), None)
        if found is not None:
            p.verdict("listing", kind, f"article pages: {found[1]}", found[2])
            return
    failed = [row for row in p.rows if not row.matched and row.part not in ("rss_feed",)]
    if failed:
        first = failed[0]
        p.verdict(
            "listing",
            "mismatch",
            f"{first.part} {first.value}: {first.found}"
            + (f" (and {len(failed) - 1} more parts)" if len(failed) > 1 else ""),
        )
    else:
        p.verdict("listing", "ok", f"{len([r for r in p.rows if r.matched])} parts match")


def _mark_suspects(
    p: _Prober,
    pairs: Sequence[tuple[ListedItem, RawReport]],
    suspects: Sequence[Suspect],
    value_parts: dict[str, str],
    prefix: str = "",
) -> None:
    """A part whose values break the sanity rules FAILs, with the values it gave (``sanity``).

    ``prefix`` (``[mfa] ``) keeps a gov.kz entity's verdict on that entity's row.
    """
    by_value: dict[str, list[Suspect]] = {}
    for suspect in suspects:
        by_value.setdefault(suspect.value, []).append(suspect)
    reports = {report.source_id: (item, report) for item, report in pairs}
    for value, found in by_value.items():
        part = value_parts.get(value, value).split()[0]
        seen = []
        for suspect in found[:3]:
            item, report = reports[suspect.source_id]
            seen.append(
                report.title_ru[:60]
                if value == "title"
                else f"{report.date} (listing {item.date})"
                if value == "date"
                else report.text_ru[:40]
            )
        text = (
            f"{prefix}{len(found)} of {len(pairs)} reports fail the sanity rules: {found[0].message}; "
            f"values seen: {seen!r}"
        )
        for row in p.rows:
            if row.part == part and row.found.startswith(prefix):
                row.matched = False
                row.found = text
                break
        else:
            p.row(part, False, text)


def _check_article(site: Akorda, soup: BeautifulSoup, checks: dict[str, list[tuple[bool, str]]]) -> None:
    heading = site.select_one(soup, site.title_selectors)
    value = site.layout.parts.article_title.value
    checks["article_title"].append(
        (True, repr(heading.get_text(" ", strip=True)[:60]))
        if heading is not None
        else (False, f"{value}: no match; {_instead(soup, value)}")
    )
    dated = page_date(soup, site.date_selectors)
    value = site.layout.parts.article_date.value
    checks["article_date"].append(
        (True, f"{dated[0]} by {dated[1]}") if dated else (False, f"no date found; {_instead(soup, value)}")
    )
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
    node = site.select_one(card, site.card_date_selectors)
    return parse_date(node.get_text(" ")) if node is not None else None


def _value(site: Akorda | GovKz, part: str) -> str:
    if part == "report_id":
        return site.layout.report_id
    return str(getattr(site.layout.parts, part).value)


# --------------------------------------------------------------------------------------------
# gov.kz


def _probe_entity(site: GovKz, entity: str, p: _Prober, reports: int) -> None:
    listed: dict[str, list[dict[str, Any]]] = {}
    graphql_page, api_page = site.first_page("graphql"), site.first_page("api")
    sources: list[tuple[str, str, Callable[[], Document | str], Callable[[Any], list[dict[str, Any]]]]] = [
        (
            "graphql",
            site.graphql_url(),
            lambda: p.ask(
                f"{entity}-graphql-{graphql_page}", site.graphql_url(), site.graphql_body(entity, graphql_page)
            ),
            graphql_items,
        ),
        (
            "news_api",
            site.api_url(entity, api_page),
            lambda: p.ask(f"{entity}-api-{api_page}", site.api_url(entity, api_page)),
            api_items,
        ),
        ("rss_feed", site.rss_url(entity), lambda: p.ask(f"{entity}-rss", site.rss_url(entity)), _rss_items),
    ]
    at = len(p.sources)
    for part, url, ask, items_of in sources:
        doc = ask()
        label = f"[{entity}] "
        source = f"{part}[{entity}]"
        if part == "news_api":
            doc = _with_ticket(site, entity, p, doc, ask)
        decided = answer_verdict(doc)
        if decided is not None and decided[0] != "mismatch":
            verdict, detail, advice = decided
            p.row(part, False, f"{label}{verdict}: {detail}", _shown(site, part, entity))
            p.verdict(source, verdict, detail, advice)
            continue
        if isinstance(doc, str):  # pragma: no cover - answer_verdict decides every missing answer
            continue
        try:
            items = items_of(doc.json() if part != "rss_feed" else doc.text())
        except Exception as err:  # an answer of another shape is exactly what the probe reports
            found = f"HTTP {doc.status}: not what the layout expects ({_short(err)}); the answer begins {_begin(doc)}"
            p.row(part, False, label + found, _shown(site, part, entity))
            if _REFUSAL_RE.search(str(err)) or _REFUSAL_RE.search(doc.text()[:300]):
                # a 200 that says "not allowed" (a GraphQL errors answer): a refusal, not a layout change
                p.verdict(source, "refused", f"HTTP {doc.status}, a refusal in the answer: it begins {_begin(doc)}")
            else:
                p.verdict(source, "mismatch", f"{part} {_shown(site, part, entity)}: {found}")
            continue
        if doc.status >= 400 or not items:
            found = f"HTTP {doc.status}, {len(items)} items; the answer begins {_begin(doc)}"
            p.row(part, False, label + found, _shown(site, part, entity))
            p.verdict(source, "mismatch", f"{part} {_shown(site, part, entity)}: {found}")
            continue
        listed[part] = items
        p.row(part, True, f"{label}HTTP {doc.status}, {len(items)} items from {url}", _shown(site, part, entity))
        p.verdict(source, "ok", f"HTTP {doc.status}, {len(items)} items")
    _probe_items(site, entity, p, reports, listed)
    failed = [
        row
        for row in p.rows
        if not row.matched
        and row.found.startswith(f"[{entity}]")
        and row.part in ("item_fields", "report_id", "report_page", "detail_api")
    ]
    if failed:  # the sources answer, but what they give does not fit the layout
        for checked in p.sources[at:]:
            if checked.verdict == "ok":
                checked.verdict, checked.advice = "mismatch", ADVICE["mismatch"]
                checked.detail = f"{failed[0].part} {failed[0].value}: {failed[0].found}"


def _with_ticket(
    site: GovKz, entity: str, p: _Prober, doc: Document | str, ask: Callable[[], Document | str]
) -> Document | str:
    """The news API's answer, asked again with a session ticket when it refused; a row either way."""
    if isinstance(doc, str) or doc.status not in (400, 401, 403):
        status = f"HTTP {doc.status}" if isinstance(doc, Document) else "no answer"
        p.row(
            "session_ticket",
            True,
            f"[{entity}] not needed: the news API did not refuse ({status})",
            site.layout.parts.session_ticket.value,
        )
        return doc
    ticket = p.ask(f"{entity}-session-ticket", site.ticket_url(), b"{}")
    if isinstance(ticket, str) or ticket.status >= 300:
        why = ticket if isinstance(ticket, str) else f"HTTP {ticket.status}; the answer begins {_begin(ticket)}"
        p.row(
            "session_ticket",
            False,
            f"[{entity}] the ticket request failed: {why}",
            site.layout.parts.session_ticket.value,
        )
        return doc
    again = ask()
    took = isinstance(again, Document) and again.status < 400
    p.row(
        "session_ticket",
        took,
        f"[{entity}] taken (HTTP {ticket.status}); the news API then answered "
        + (f"HTTP {again.status}" if isinstance(again, Document) else again),
        site.layout.parts.session_ticket.value,
    )
    return again


def _probe_items(site: GovKz, entity: str, p: _Prober, reports: int, listed: dict[str, list[dict[str, Any]]]) -> None:
    first = next(iter(listed.values()), [])
    wanted = site.graphql_fields
    if first:
        keys = sorted({k for item in first for k in item})
        lacking = [f for f in wanted if not any(f in item for item in first)]
        p.row(
            "item_fields",
            not lacking,
            f"[{entity}] "
            + (
                "all present in " + ", ".join(listed)
                if not lacking
                else f"missing {', '.join(lacking)}; the items have: {', '.join(keys)[:200]}"
            ),
        )
    else:
        p.row("item_fields", False, f"[{entity}] not checked: no source gave items")
    pairs: list[tuple[ListedItem, RawReport]] = []
    for raw in first[: max(reports, 2)]:
        try:
            item = ListedItem(f"govkz-{entity}-{raw.get('id')}", "", entity, item_date(raw), item_title(raw))
            pairs.append((item, site.parse_item(raw, item)))
        except Exception:  # an item without a body or title: the rows say what is missing
            continue
    _mark_suspects(
        p, pairs, check_reports(pairs, [site.layout.name, *site.layout.site_names]), site.value_parts, f"[{entity}] "
    )
    summary = CollectSummary(site.website, "", "")
    ids = [site.news_id(item.get("id"), f"[{entity}] item", summary) for item in first[:reports]]
    p.row(
        "report_id",
        bool(first) and not summary.skipped,
        f"[{entity}] {len(ids)} ids of that form" if not summary.skipped else summary.warnings[0],
        site.layout.report_id,
    )
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
        p.row(
            part,
            not bad,
            f"[{entity}] {len(results) - len(bad)} of {len(results)} answered" + (f"; {bad[0]}" if bad else ""),
            _shown(site, part, entity),
        )


def _rss_items(text: str) -> list[dict[str, Any]]:
    import feedparser

    feed = feedparser.parse(text)
    if not feed.entries and not feed.get("version"):
        raise ValueError("not an RSS/Atom feed")
    out = []
    for entry in feed.entries:
        match = re.search(r"/details/([^/?#]+)", str(entry.get("link") or ""))
        out.append(
            {
                "id": match.group(1) if match else None,
                "title": entry.get("title"),
                "body": entry.get("summary"),
                "created_date": entry.get("published"),
            }
        )
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
    soup = page_soup(html)
    for junk in soup.find_all(DROPPED_TAGS):
        if junk.name != "head":
            junk.decompose()
    return soup


def _describe(node: Tag) -> str:
    classes = node.get_attribute_list("class")
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
