"""The collector against a local fake of akorda.kz and gov.kz, with faults (kzperception.fieldwork.collect).

Here the parsing, layouts, policies and refusals, in process and without a server. The runs against
``fieldwork_server.FakeSites`` (the fixtures served on 127.0.0.1, each request logged, faults on
demand) are in tests/commands/test_collect_commands.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from fieldwork_server import END, KEYWORDS, ROOT, START, FakeSites
from helpers.collect_runs import FAST, collect_app, collect_cli, layout_copy
from typer.testing import CliRunner

from kzperception.fieldwork.collect import (
    COLLECTED_COLUMNS,
    CollectSummary,
    RateLimiter,
    RawCache,
    decode_body,
    html_to_paragraphs,
    make_site,
    parse_date,
    parse_retry_after,
    read_collected,
    write_collected,
)


@pytest.fixture
def sites():
    with FakeSites(timeout_delay=0.8) as server:
        yield server


# --- gov.kz through GraphQL, and the fallback to the REST API and RSS ---------------------------


def test_graphql_query_and_cache_keys_differ_per_page_and_entity() -> None:
    import hashlib

    site = make_site("government", "https://www.gov.kz", ["mfa", "mti"], page_size=50)
    url = site.graphql_url()
    assert url == "https://www.gov.kz/graphql"
    assert json.loads(site.graphql_body("mfa", 2)) == {
        "query": (
            'query { news(projects: "eq:mfa", _lang: "ru", _page: 2, _size: 50, _sort: "created_date:desc") '
            "{ id title body created_date } }"
        )
    }
    keys = {(e, n): RawCache.key(url, "POST", site.graphql_body(e, n)) for e in ("mfa", "mti") for n in (1, 2)}
    assert len(set(keys.values())) == 4  # per page and per entity
    assert RawCache.key(url, "POST", site.graphql_body("mfa", 1)) == keys["mfa", 1]  # stable across runs
    other_size = make_site("government", "https://www.gov.kz", ["mfa"], page_size=10)
    assert RawCache.key(url, "POST", other_size.graphql_body("mfa", 1)) != keys["mfa", 1]
    assert RawCache.key(url) not in keys.values()  # a GET of the same URL is another entry
    assert RawCache.key(url) == hashlib.sha256(url.encode()).hexdigest()  # GET keys unchanged: old caches valid


def test_fetcher_post_is_polite_and_cached_per_body(tmp_path: Path) -> None:
    """POST has GET's courtesies: robots.txt, retries with Retry-After, the raw cache (keyed by body)."""
    from kzperception.fieldwork.collect import Disallowed, Fetcher
    from kzperception.fieldwork.collect.govkz import _graphql_validator

    seen: list[tuple[str, bytes, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(200, text="User-agent: *\nDisallow: /private\n")
        seen.append((request.method, request.content, request.headers.get("content-type", "")))
        if len(seen) == 1:
            return httpx.Response(503, headers={"Retry-After": "0"})
        return httpx.Response(200, json={"data": {"news": [{"id": request.content.decode()}]}})

    url = "http://site.test/graphql"
    summary = CollectSummary("test", START, END)
    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        fetcher = Fetcher(FAST, RawCache(tmp_path), summary, client=client)
        a = fetcher.post(url, b'{"query":"a"}', _graphql_validator)
        again = fetcher.post(url, b'{"query":"a"}', _graphql_validator)
        b = fetcher.post(url, b'{"query":"b"}', _graphql_validator)
        with pytest.raises(Disallowed):
            fetcher.post("http://site.test/private", b"{}")
        resumed = Fetcher(FAST, RawCache(tmp_path), CollectSummary("test", START, END), client=client)
        assert resumed.post(url, b'{"query":"b"}', _graphql_validator).content == b.content
    assert [(m, body) for m, body, _ in seen] == [("POST", b'{"query":"a"}')] * 2 + [("POST", b'{"query":"b"}')]
    assert {ctype for _, _, ctype in seen} == {"application/json"}
    assert again.from_cache and again.content == a.content and b.content != a.content
    assert (summary.retries, summary.fetched, summary.from_cache) == (1, 2, 1)
    cache = RawCache(tmp_path)
    assert cache.get(url) is None  # a POST's answer is not a GET's
    assert cache.get(url, method="POST", body=b'{"query":"a"}') is not None


def test_graphql_answers_other_than_a_news_list_are_failures() -> None:
    from kzperception.fieldwork.collect.govkz import graphql_items

    assert graphql_items({"data": {"news": [{"id": 1}, "x"]}}) == [{"id": 1}]
    assert graphql_items({"data": {"news": []}}) == []
    for bad, message in [
        ({"errors": [{"message": "notAllowed"}], "data": None}, "GraphQL errors: notAllowed"),
        ({"errors": [{"message": "partial"}], "data": {"news": [{"id": 1}]}}, "GraphQL errors: partial"),
        ({"data": {"news": {"id": 1}}}, "data.news is a dict, not a list"),
        ({"data": None}, "data.news is a NoneType"),
        ([{"id": 1}], "not an object"),
    ]:
        with pytest.raises(ValueError, match=message):
            graphql_items(bad)


# --- units -----------------------------------------------------------------------------------


def test_rate_limiter_spaces_requests_per_host() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    limiter = RateLimiter(2.0, clock=lambda: now[0], sleep=sleep)
    limiter.wait("a")
    limiter.wait("a")
    limiter.wait("b")  # another host is not slowed by the first
    limiter.defer("a", 5)
    limiter.wait("a")
    assert slept == [0.5, 5.0]


def test_parse_retry_after() -> None:
    assert parse_retry_after("120") == 120
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    now = dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.UTC)
    assert parse_retry_after("Mon, 01 Jan 2024 12:00:30 GMT", now=now) == 30


def test_decode_body_survives_wrong_labels() -> None:
    text = "Глава государства"
    assert decode_body(text.encode("cp1251"), "text/html; charset=utf-8") == text
    assert decode_body(text.encode("utf-8"), "text/html; charset=windows-1251") == text
    assert decode_body(b'<meta charset="koi8-r">' + text.encode("koi8-r"), "").endswith(text)
    assert decode_body(b"\xef\xbb\xbf" + text.encode(), "") == text


def test_html_to_paragraphs_never_returns_markup() -> None:
    html = (
        "<div><p>Первый <b>абзац</b><script>alert(1)</script></p>текст<br>строка"
        "<p>&lt;script&gt;alert(2)&lt;/script&gt;&lt;i&gt;Второй&lt;/i&gt;</p><style>p{}</style></div>"
    )
    assert html_to_paragraphs(html) == ["Первый абзац", "текст", "строка", "Второй"]
    assert html_to_paragraphs("&lt;p&gt;a &amp;laquo;b&amp;raquo;&lt;/p&gt;") == ["a «b»"]
    assert html_to_paragraphs("") == []


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("24 августа 2023 года, 12:00", dt.date(2023, 8, 24)),
        ("3 мая 2022", dt.date(2022, 5, 3)),
        ("01.05.2022", dt.date(2022, 5, 1)),
        ("2023-02-20T10:00:00.000+06:00", dt.date(2023, 2, 20)),
        (1672531200000, dt.date(2023, 1, 1)),
        ("Сегодня", None),
        ("31.02.2022", None),
        # the Almaty calendar date whatever the form (UTC+6 until March 2024, UTC+5 since)
        ("21 марта 2026 года", dt.date(2026, 3, 21)),
        ("Wed, 23 Feb 2022 20:30:00 GMT", dt.date(2022, 2, 24)),  # 02:30 in Almaty on the pivot day
        ("Wed, 23 Feb 2022 17:59:00 GMT", dt.date(2022, 2, 23)),  # 23:59 the evening before
        ("Wed, 23 Feb 2022 18:00:00 +0000", dt.date(2022, 2, 24)),  # 00:00 local
        ("Thu, 24 Feb 2022 05:59:00 +0600", dt.date(2022, 2, 24)),
        ("Wed, 23 Feb 2022 21:30:00 +0300", dt.date(2022, 2, 24)),  # Moscow time, 00:30 in Almaty
        ("Wed, 23 Feb 2022 10:00:00 -0500", dt.date(2022, 2, 23)),
        ("Wed, 23 Feb 2022 13:30:00 -0500", dt.date(2022, 2, 24)),
        ("23 Feb 2022 23:59:59 -0000", dt.date(2022, 2, 24)),  # RFC 2822's "UTC, zone unknown"
        ("2022-02-23T20:30:00Z", dt.date(2022, 2, 24)),
        ("2022-02-23T20:30:00.000+00:00", dt.date(2022, 2, 24)),
        ("2022-02-24T02:30:00+06:00", dt.date(2022, 2, 24)),
        ("2022-02-24T00:10:00+0600", dt.date(2022, 2, 24)),
        ("2022-02-24 02:30:00", dt.date(2022, 2, 24)),  # no offset: Almaty time as written
        ("2022-02-24T05:59", dt.date(2022, 2, 24)),
        ("2024-06-01T19:30:00Z", dt.date(2024, 6, 2)),  # UTC+5 since 1 March 2024: 00:30
        ("2024-06-01T18:30:00Z", dt.date(2024, 6, 1)),  # 23:30
        (1645648200000, dt.date(2022, 2, 24)),  # 2022-02-23 20:30 UTC in ms
        (1645648200, dt.date(2022, 2, 24)),  # the same in seconds
        (1645639140000, dt.date(2022, 2, 23)),  # 17:59 UTC: 23:59 local
        ("1645648200000", dt.date(2022, 2, 24)),
        (dt.datetime(2022, 2, 23, 20, 30, tzinfo=dt.UTC), dt.date(2022, 2, 24)),
    ],
)
def test_parse_date(value: object, want: dt.date | None) -> None:
    assert parse_date(value) == want


def test_akorda_cards_give_link_title_and_date() -> None:
    """A card links its article twice (image, then title in h3) and prints the date in h5."""
    site = make_site("president", "https://www.akorda.kz")
    html = """<html><body><header><div>01.02.2024</div><a href="/ru/kontakty-20190">Контакты</a></header>
      <div class="card"><a href="/ru/glava-gosudarstva-prinyal-ministra-483750"><img class="card-img-top"></a>
        <div class="card-body"><h5>21 марта 2023 года</h5>
        <h3><a href="/ru/glava-gosudarstva-prinyal-ministra-483750">Глава государства принял министра</a></h3>
      </div></div>
      <div class="card"><div class="card-body"><h5>20 марта 2023 года</h5>
        <h3><a href="https://www.akorda.kz/ru/vstrecha-s-delegaciey-483749">Встреча с делегацией</a></h3></div></div>
      </body></html>"""
    items = site.parse_listing(html)
    assert [(i.source_id, i.date, i.title) for i in items] == [
        ("akorda-483750", dt.date(2023, 3, 21), "Глава государства принял министра"),
        ("akorda-483749", dt.date(2023, 3, 20), "Встреча с делегацией"),
    ]
    assert items[1].url == "https://www.akorda.kz/ru/vstrecha-s-delegaciey-483749"


def test_akorda_page_without_cards_is_read_by_links_and_nearby_dates() -> None:
    site = make_site("president", "https://www.akorda.kz")
    html = """<main>
      <div><a href="/ru/a-100001"><img></a><a href="/ru/a-100001">Первое</a><span>3 мая 2022 года</span></div>
      <div><a href="/ru/b-100002">Второе</a><span>02.05.2022</span></div></main>"""
    items = site.parse_listing(html)
    assert [(i.source_id, i.date, i.title) for i in items] == [
        ("akorda-100001", dt.date(2022, 5, 3), "Первое"),
        ("akorda-100002", dt.date(2022, 5, 2), "Второе"),
    ]


def test_govkz_api_url_and_list_answers() -> None:
    from kzperception.fieldwork.collect.govkz import api_items

    site = make_site("government", "https://www.gov.kz", ["mfa"], page_size=50)
    assert site.api_url("mfa", 2) == (
        "https://www.gov.kz/api/v1/public/content-manager/news?sort-by=created_date:DESC&projects=eq:mfa&page=2&size=50"
    )
    assert api_items([{"id": 1}, "x"]) == [{"id": 1}]
    with pytest.raises(ValueError, match="not a list"):
        api_items({"content": [{"id": 1}]})  # a page object is not what the API answers


def test_raw_cache_ignores_half_written_entries(tmp_path: Path) -> None:
    from kzperception.fieldwork.collect import Document

    cache = RawCache(tmp_path)
    cache.put(Document("http://x/a", 200, b"body", "text/html"))
    assert cache.get("http://x/a") is not None
    _meta, body = cache._paths("http://x/a")
    body.write_bytes(b"bo")  # a body that does not match its metadata is not trusted
    assert cache.get("http://x/a") is None


def test_fetch_through_a_mock_transport(tmp_path: Path) -> None:
    """The fetcher works with any httpx client (here without sockets): 503 then 200."""
    from kzperception.fieldwork.collect import Fetcher

    answers = iter([httpx.Response(503, headers={"Retry-After": "0"}), httpx.Response(200, text="ok")])
    transport = httpx.MockTransport(
        lambda request: httpx.Response(404) if request.url.path == "/robots.txt" else next(answers)
    )
    summary = CollectSummary("test", START, END)
    with httpx.Client(transport=transport) as client:
        fetcher = Fetcher(FAST, RawCache(tmp_path), summary, client=client)
        doc = fetcher.get("http://site.test/page")
    assert doc.text() == "ok" and summary.retries == 1 and summary.fetched == 1


# --- the command --------------------------------------------------------------------------------


def test_collect_help_names_the_gov_sources() -> None:
    result = CliRunner().invoke(collect_app(), ["collect", "--help"], env={"COLUMNS": "200", "TERM": "dumb"})
    assert result.exit_code == 0
    assert "auto|graphql|api|rss" in result.output
    assert "GraphQL, then the API, then RSS" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2022-13-01"], "--start: '2022-13-01' is not a date"),
        (["--start", "2023-01-01", "--end", "2022-01-01"], "is after --end"),
        (["--entity", "mfa"], "--entity: only gov.kz has entities"),
    ],
)
def test_collect_command_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    base = [
        "collect",
        "--site",
        "president",
        "--start",
        START,
        "--end",
        END,
        "--out",
        str(tmp_path / "o"),
        "--base-url",
        "http://127.0.0.1:9",
        "--keywords",
        str(KEYWORDS),
    ]
    result = CliRunner().invoke(collect_app(), base + args)
    assert result.exit_code == 1
    assert message in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


# --- URLs and ids -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "want"),
    [
        ("http://h/ru/a/../../admin/x", "http://h/admin/x"),
        ("http://h/ru/%2e%2e/admin/x", "http://h/admin/x"),
        ("http://h/ru/%2E%2e/%2e/x", "http://h/x"),
        ("http://h/../../../etc", "http://h/etc"),
        ("HTTP://H:80/%7ea%2fb?q=%7e%2f#frag", "http://h/~a%2Fb?q=~%2F"),
        ("http://h", "http://h/"),
        ("http://h/ru/Привет", "http://h/ru/%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82"),
    ],
)
def test_urls_are_normalised_to_what_the_client_sends(url: str, want: str) -> None:
    from kzperception.fieldwork.collect import normalize_url

    got = normalize_url(url)
    assert got == want
    assert str(httpx.URL(got)) == got and normalize_url(got) == got


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "file:///etc/passwd", "ftp://h/x", "http://u:p@h/x", "/relative", "http://[::1/x", "=1+1"],
)
def test_urls_that_are_not_plain_http_are_refused(url: str) -> None:
    from kzperception.fieldwork.collect import FetchError, normalize_url

    with pytest.raises(FetchError):
        normalize_url(url)


def test_robots_txt_judges_the_normalised_url(tmp_path: Path) -> None:
    """``/ru/%2e%2e/admin/`` would reach /admin/ once the client resolved it: it is refused unasked."""
    from kzperception.fieldwork.collect import Disallowed, Fetcher

    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(200, text="User-agent: *\nDisallow: /admin/\n")
        asked.append(str(request.url))
        return httpx.Response(200, text="<html><body>ok</body></html>")

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        fetcher = Fetcher(FAST, RawCache(tmp_path), CollectSummary("t", START, END), client=client)
        for bad in (
            "http://site.test/ru/../admin/x",
            "http://site.test/ru/%2e%2e/admin/x",
            "http://site.test/ru/a/%2E%2E/%2e%2e/admin/",
        ):
            with pytest.raises(Disallowed, match=r"robots\.txt disallows http://site\.test/admin/"):
                fetcher.get(bad)
        fetcher.get("http://site.test/ru/%7Eok")
    assert asked == ["http://site.test/ru/~ok"]


@pytest.mark.parametrize(
    "value",
    [
        "../1",
        "1/../../admin",
        "%2e%2e",
        "1?x=2",
        "<script>",
        "=1+1",
        "[/bold]",
        "",
        "12" * 10,
        True,
        1.5,
        None,
        [1],
        {"id": 1},
    ],
)
def test_govkz_news_ids_must_be_digits(value: object) -> None:
    site = make_site("government", "https://www.gov.kz", ["mfa"])
    summary = CollectSummary("government", START, END)
    assert site.news_id(value, "here", summary) is None
    assert summary.skipped == 1 and summary.warnings[0].startswith("here: id ")
    assert site.news_id(700001, "here", summary) == "700001" and site.news_id("42", "here", summary) == "42"


# --- the site layout is data ----------------------------------------------------------------------


def test_the_docs_layout_table_has_one_row_per_layout_part() -> None:
    from kzperception.fieldwork.collect import load_layouts

    doc = (ROOT / "docs" / "fieldwork.md").read_text(encoding="utf-8")
    rows = {
        (s, part): (value, status)
        for s, part, value, status in re.findall(
            r"^\| `(president|government)\.([a-z_]+)` \| `(.+?)` \| (\w+) \|", doc, re.MULTILINE
        )
    }
    layouts = load_layouts()
    want = {
        (s, name): (p.value, p.status) for s in ("president", "government") for name, p in layouts.site(s).parts.items()
    }
    assert {k: v for k, v in rows.items() if k[1] != "report_id"} == want
    assert {k[0]: v[0] for k, v in rows.items() if k[1] == "report_id"} == {
        s: layouts.site(s).report_id for s in ("president", "government")
    }


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("value: h3 a[href]", "value: h3 a[href", "sites.president.parts.card_link.value: not a CSS selector"),
        (
            "value: /ru/events?page={page}",
            "value: https://evil.example/{page}",
            "listing_page.value: a path on the site must begin with a single '/'",
        ),
        (
            "value: /ru/events?page={page}",
            "value: /ru/events?page={page}&x={__class__}",
            "listing_page.value: placeholder {__class__} is not one of {page}",
        ),
        ("value: /ru/events?page={page}", "value: /ru/../admin?page={page}", "must not contain '.' or '..' segments"),
        ("(?P<id>[0-9]{4,})", "([0-9]{4,})", "needs a named group (?P<id>...)"),
        (
            "status: partly\n        source: >-\n          .content-text",
            "status: '[/bold]'\n        source: >-\n          .content-text",
            "article_body.status: Input should be 'verified'",
        ),
        ("version: 1", "version: !!python/object/apply:os.system ['echo hi']", "not a YAML layout file"),
        ("      card_date:", "      card_date_typo:", "sites.president.parts.card_date: Field required"),
        ("entities: [mfa,", "entities: ['../x',", "'../x' is not a gov.kz entity name"),
    ],
)
def test_a_bad_layout_file_is_one_line_naming_file_line_and_field(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    layout = layout_copy(tmp_path, old, new)
    result = collect_cli(
        "--site",
        "president",
        "--start",
        START,
        "--end",
        END,
        "--out",
        str(tmp_path / "o"),
        "--base-url",
        "http://127.0.0.1:9",
        "--layout",
        str(layout),
    )
    assert result.exit_code == 1, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {layout}:") and message in line, line
    assert re.match(rf"error: {re.escape(str(layout))}:\d+: ", line)
    assert "Traceback" not in result.output and not (tmp_path / "o").exists()


def test_the_layout_line_number_points_at_the_field(tmp_path: Path) -> None:
    from kzperception.fieldwork.collect import LayoutError, load_layouts

    layout = layout_copy(tmp_path, "value: h3 a[href]", "value: h3 a[href")
    line = next(i for i, text in enumerate(layout.read_text(encoding="utf-8").splitlines(), 1) if "h3 a[href" in text)
    with pytest.raises(LayoutError, match=rf":{line}: sites\.president\.parts\.card_link\.value"):
        load_layouts(layout)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base-url", "javascript:alert(1)"], "--base-url: not an http(s) URL"),
        (
            ["--base-url", "http://127.0.0.1:9/ru/[/bold]"],
            "--base-url: 'http://127.0.0.1:9/ru/[/bold]' must be a site root",
        ),
        (["--layout", "/nonexistent/sites.yaml"], "/nonexistent/sites.yaml: layout file missing"),
    ],
)
def test_collect_refuses_bad_base_urls_and_layouts_in_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = collect_cli("--site", "president", "--start", START, "--end", END, "--out", str(tmp_path / "o"), *args)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {message}" or message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "o").exists()


def test_collect_without_dates_needs_probe(tmp_path: Path) -> None:
    result = collect_cli("--site", "president", "--out", str(tmp_path / "o"))
    assert result.exit_code == 1 and result.stderr.strip() == "error: --start: required (YYYY-MM-DD), unless --probe"


FORMULAS = [
    '=HYPERLINK("http://127.0.0.1/x","click")',
    "+1+1",
    "-2",
    "@SUM(A1)",
    "\tTab",
    "'quoted",
    "''two",
    "plain",
    "",
    "=1;2",
    "\r=carriage",
]


def test_collected_csv_is_formula_safe_and_reads_back_exactly(tmp_path: Path) -> None:
    """A scraped title that looks like a formula never runs when collected.csv is opened in a
    spreadsheet, and every value, quotes included, comes back as the site gave it."""
    rows = [
        dict.fromkeys(COLLECTED_COLUMNS, "x") | {"id": f"r{i}", "title_ru": v, "text_ru": v}
        for i, v in enumerate(FORMULAS)
    ]
    target = tmp_path / "collected.csv"
    write_collected(pd.DataFrame(rows, columns=list(COLLECTED_COLUMNS)), target)
    import csv

    with open(target, encoding="utf-8", newline="") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert target.read_text(encoding="utf-8").startswith('"id"')  # every cell quoted: no ; split
    back = read_collected(target)
    assert back["title_ru"].tolist() == FORMULAS
    assert back["text_ru"].tolist() == FORMULAS
    write_collected(back, target)  # a second run's merge keeps them unchanged
    assert read_collected(target)["title_ru"].tolist() == FORMULAS


# --- robots.txt by RFC 9309 (protego) ---------------------------------------------------------

RFC_ROBOTS = (
    "User-agent: *\nDisallow: /*?print=\nDisallow: /ru/search$\nDisallow: /ru/\nAllow: /ru/events\nAllow: /ru/*-[0-9]\n"
)


def _robots_fetcher(tmp_path: Path, robots: str, status: int = 200) -> tuple[Any, list[str]]:
    from kzperception.fieldwork.collect import Fetcher

    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(status, text=robots)
        asked.append(str(request.url))
        return httpx.Response(200, text="<html><body>ok</body></html>")

    client = httpx.Client(transport=httpx.MockTransport(answer))
    return Fetcher(FAST, RawCache(tmp_path), CollectSummary("t", START, END), client=client), asked


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/ru/events?print=1", False),  # "*" in a path: the standard library's parser allowed this
        ("/kz/news/5?print=yes", False),
        ("/kz/news/5?x=1&print=yes", True),  # the rule names "?print=", not "&print="
        ("/ru/search", False),  # "$" anchors the end
        ("/ru/search?q=china", False),  # .. and also falls under the shorter /ru/ rule
        ("/kz/search", True),
        ("/ru/events", True),  # longest match: Allow /ru/events beats Disallow /ru/
        ("/ru/events?page=2", True),
        ("/ru/other", False),
        ("/en/search", True),
    ],
)
def test_robots_txt_wildcards_end_anchor_and_longest_match(tmp_path: Path, path: str, allowed: bool) -> None:
    from kzperception.fieldwork.collect import Disallowed

    fetcher, asked = _robots_fetcher(tmp_path, RFC_ROBOTS)
    url = "http://site.test" + path
    assert fetcher.allowed(url) is allowed
    if allowed:
        fetcher.get(url)
        assert asked == [url]
    else:
        with pytest.raises(Disallowed):
            fetcher.get(url)
        assert asked == []


@pytest.mark.parametrize(("status", "allowed"), [(404, True), (410, True), (401, False), (403, False)])
def test_robots_txt_status_rules(tmp_path: Path, status: int, allowed: bool) -> None:
    fetcher, _ = _robots_fetcher(tmp_path, "User-agent: *\nDisallow: /\n", status=status)
    assert fetcher.allowed("http://site.test/ru/events") is allowed


@pytest.mark.parametrize("delay", ["1000000000", "99999999999999999999", "1e20"])
def test_a_huge_crawl_delay_is_capped_with_a_warning(tmp_path: Path, delay: str) -> None:
    from kzperception.fieldwork.collect.transport import MAX_CRAWL_DELAY

    fetcher, _ = _robots_fetcher(tmp_path, f"User-agent: *\nCrawl-delay: {delay}\n")
    assert fetcher.allowed("http://site.test/ru/events")
    assert fetcher.limiter._min_interval["site.test"] == MAX_CRAWL_DELAY
    assert any("Crawl-delay" in w and "robots.txt" in w and "capped" in w for w in fetcher.summary.warnings)


def test_a_modest_crawl_delay_is_honoured_without_a_warning(tmp_path: Path) -> None:
    fetcher, _ = _robots_fetcher(tmp_path, "User-agent: *\nCrawl-delay: 3\n")
    assert fetcher.allowed("http://site.test/ru/events")
    assert fetcher.limiter._min_interval["site.test"] == 3.0
    assert not fetcher.summary.warnings


@pytest.mark.parametrize("delay", ["1e400", "inf", "nan", "-5", "soon"])
def test_an_unreadable_crawl_delay_is_ignored(tmp_path: Path, delay: str) -> None:
    fetcher, _ = _robots_fetcher(tmp_path, f"User-agent: *\nCrawl-delay: {delay}\n")
    assert fetcher.allowed("http://site.test/ru/events")
    assert "site.test" not in fetcher.limiter._min_interval


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 1e20, -1e15, 10**400, 1e300, 100])
def test_parse_date_refuses_numbers_that_are_no_timestamp(value: object) -> None:
    from kzperception.fieldwork.collect import ItemError

    with pytest.raises(ItemError, match=r"timestamp|plausible"):
        parse_date(value)


@pytest.mark.parametrize("local_hour", range(7))
def test_a_report_published_in_the_small_hours_keeps_its_almaty_date(local_hour: int) -> None:
    """00:00-06:00 in Almaty on the pivot day is the evening before in UTC: still the 24th."""
    moment = dt.datetime(2022, 2, 24, local_hour, 30, tzinfo=dt.timezone(dt.timedelta(hours=6)))
    utc = moment.astimezone(dt.UTC)
    assert utc.date() == (dt.date(2022, 2, 23) if local_hour < 6 else dt.date(2022, 2, 24))
    import email.utils

    for form in (
        email.utils.format_datetime(utc, usegmt=True),
        utc.isoformat(),
        moment.isoformat(),
        int(utc.timestamp() * 1000),
        str(int(utc.timestamp())),
    ):
        assert parse_date(form) == dt.date(2022, 2, 24), form


def test_an_akorda_time_tag_in_utc_is_dated_in_almaty() -> None:
    from bs4 import BeautifulSoup

    from kzperception.fieldwork.collect.extract import page_date

    soup = BeautifulSoup('<article><time datetime="2022-02-23T21:30:00Z">23.02.2022</time></article>', "html.parser")
    assert page_date(soup, ["time"]) == (dt.date(2022, 2, 24), "time")


# --- silent failure modes: a page that misleads the layout ------------------------------------


def test_identical_bodies_and_repeating_titles_are_suspects() -> None:
    from kzperception.fieldwork.collect.model import ListedItem, RawReport
    from kzperception.fieldwork.collect.sanity import check_reports

    day = dt.date(2022, 2, 24)

    def pair(n: int, title: str, text: str, listed_title: str = "") -> tuple[ListedItem, RawReport]:
        return (
            ListedItem(f"r{n}", f"u{n}", "e", day, listed_title),
            RawReport(f"r{n}", "president", "e", day, f"u{n}", title, text),
        )

    long = "Глава государства провел совещание по вопросам развития."
    pairs = [
        pair(1, "Брифинг", long + " 1", "Брифинг"),
        pair(2, "Брифинг", long + " 2", "Брифинг"),
        pair(3, "Новости", long + " 3", "Встреча с послом"),
        pair(4, "Новости", long + " 4", "Визит"),
        pair(5, "Визит", "Cookie notice text here", ""),
        pair(6, "Другое", "Cookie notice text here", ""),
    ]
    found = {s.source_id: (s.value, s.message) for s in check_reports(pairs, ["Акорда"])}
    assert set(found) == {"r3", "r4", "r5", "r6"}  # r1/r2: the listing itself titles both "Брифинг"
    assert found["r3"][0] == "title" and "repeats in 2 reports" in found["r3"][1]
    assert found["r5"][0] == "body" and "the same text in 2 reports" in found["r5"][1]
    assert check_reports([pair(7, "акорда ", long)], ["Акорда"])[0].value == "title"


# --- hostile servers: redirects, user agent ---------------------------------------------------


def test_a_redirect_from_https_to_http_is_refused(tmp_path: Path) -> None:
    from kzperception.fieldwork.collect import Fetcher, FetchError

    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        if request.url.scheme == "https":
            return httpx.Response(302, headers={"Location": "http://site.test/ru/x-1"})
        return httpx.Response(200, text="<html><body>INTERNAL SERVICE secret</body></html>")

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        fetcher = Fetcher(FAST, RawCache(tmp_path), CollectSummary("t", START, END), client=client)
        with pytest.raises(FetchError, match="redirect from https to http refused"):
            fetcher.get("https://site.test/ru/a-1")
    assert "http://site.test/ru/x-1" not in asked
