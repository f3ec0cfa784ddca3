"""The collector against a local fake of akorda.kz and gov.kz, with faults (kzperception.collect).

Every test is offline: ``fieldwork_server.FakeSites`` serves the fixtures on 127.0.0.1 and logs each
request, so the tests can check what was downloaded, when, and how often.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
import yaml
from fieldwork_server import END, FIXTURES, KEYWORDS, ROOT, START, FakeSites
from typer.testing import CliRunner

from kzperception.cli_fieldwork import register
from kzperception.collect import (
    CollectError,
    CollectSummary,
    FetchPolicy,
    RateLimiter,
    RawCache,
    collect,
    decode_body,
    html_to_paragraphs,
    make_site,
    parse_date,
    parse_retry_after,
)
from kzperception.keywords import CountryMatcher

FAST = FetchPolicy(rate=100, retries=4, backoff=0.01, backoff_max=0.05, timeout=0.4)
ENTITIES = ["mfa", "mti", "rssonly"]


@pytest.fixture(scope="module")
def matcher() -> CountryMatcher:
    return CountryMatcher.from_yaml(KEYWORDS)


@pytest.fixture
def sites():
    with FakeSites(timeout_delay=0.8) as server:
        yield server


def akorda_fixture() -> dict[str, dict[str, Any]]:
    arts = yaml.safe_load((FIXTURES / "akorda" / "articles.yaml").read_text(encoding="utf-8"))["articles"]
    return {f"akorda-{a['id']}": a for a in arts}


def gov_fixture() -> dict[str, dict[str, Any]]:
    ents = yaml.safe_load((FIXTURES / "govkz" / "news.yaml").read_text(encoding="utf-8"))["entities"]
    return {f"govkz-{e}-{i['id']}": {**i, "entity": e} for e, spec in ents.items() for i in spec["items"]}


def fate(items: dict[str, dict[str, Any]], which: str) -> set[str]:
    return {k for k, v in items.items() if v["expect"]["fate"] == which}


def matched(items: dict[str, dict[str, Any]]) -> set[str]:
    return {k for k, v in items.items() if v["expect"]["fate"] == "collected" and v["expect"]["verdicts"]}


def run(sites: FakeSites, site: str, out: Path, matcher: CountryMatcher, policy: FetchPolicy = FAST,
        **kw: Any) -> CollectSummary:
    entities = ENTITIES if site == "government" else []
    adapter = make_site(site, sites.base_url, entities, page_size=3)
    return collect(adapter, START, END, out, policy=policy, matcher=matcher, **kw)


def collected(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "collected.csv", dtype=str, keep_default_na=False)


# --- clean runs agree with the fixtures -------------------------------------------------------


def test_president_run_agrees_with_fixtures(sites: FakeSites, tmp_path: Path, matcher: CountryMatcher) -> None:
    items = akorda_fixture()
    summary = run(sites, "president", tmp_path, matcher)
    want = fate(items, "collected")
    assert summary.listed == len(want | fate(items, "disallowed"))
    assert (summary.collected, summary.failed, summary.disallowed) == (len(want), 0, 1)
    assert summary.matched == len(matched(items))
    assert summary.fetched == 4 + len(want)  # four listing pages, each collected article once
    assert summary.from_cache == 0

    df = collected(tmp_path).set_index("id")
    assert set(df.index) == want
    for sid in want:
        art = items[sid]
        assert df.loc[sid, "date"] == art["date"].isoformat()
        assert df.loc[sid, "title_ru"] == art["title"]
        assert df.loc[sid, "website"] == "president" and df.loc[sid, "provenance"] == "collected"
        assert set(filter(None, df.loc[sid, "matched"].split(";"))) == set(art["expect"]["verdicts"])
        assert df.loc[sid, "country"] == ""
    # the listing is walked back to the window start and no further; robots.txt is obeyed
    assert sites.requests("/ru/events?page=5") == []
    assert sites.requests("/ru/private") == []
    assert not any("3100001" in e.target for e in sites.log)  # after the window: never fetched


def test_government_run_agrees_with_fixtures(sites: FakeSites, tmp_path: Path, matcher: CountryMatcher) -> None:
    items = gov_fixture()
    summary = run(sites, "government", tmp_path, matcher)
    want = fate(items, "collected")
    assert summary.listed == len(want | fate(items, "failed"))
    assert (summary.collected, summary.failed) == (len(want), len(fate(items, "failed")))
    assert summary.matched == len(matched(items))
    assert "no title" in summary.failures[0]
    # rssonly's API answers 400 «notAllowed» (as reported without a session ticket): its RSS feed is read
    assert any("rssonly" in w and "HTTP 400" in w and "session ticket" in w and "RSS" in w
               for w in summary.warnings)
    # mfa: 4 API pages + 1 detail (item without body); mti: 1 page; rssonly: the feed (API 404)
    assert summary.fetched == 4 + 1 + 1 + 1

    df = collected(tmp_path).set_index("id")
    assert set(df.index) == want
    assert df.loc["govkz-mfa-700004", "text_ru"].startswith("Консультации прошли в Астане.")
    assert df.loc["govkz-mfa-700003", "text_ru"] == (
        "МИД Казахстана приветствует позицию Китайской Народной Республики.\n\n"
        "Заявление опубликовано на сайте министерства."
    )
    assert df.loc["govkz-mfa-700002", "url"].endswith("/memleket/entities/mfa/press/news/details/700002?lang=ru")
    assert df.loc["govkz-rssonly-900001", "date"] == "2023-03-03"
    # the query string public code sends: sort-by, projects=eq:<entity>, page from 1, size
    assert sites.requests("/api/v1/public/content-manager/news?sort-by=created_date:DESC&projects=eq:mfa&page=1&size=3")


def test_scraped_markup_and_scripts_are_stored_as_plain_text(sites: FakeSites, tmp_path: Path,
                                                             matcher: CountryMatcher) -> None:
    run(sites, "president", tmp_path, matcher)
    run(sites, "government", tmp_path, matcher)
    df = collected(tmp_path).set_index("id")
    for col in ("title_ru", "text_ru"):
        for value in df[col]:
            assert "<" not in value and ">" not in value
            for bad in ("script", "alert", "document.write", "onerror", "color: red"):
                assert bad not in value
    assert df.loc["akorda-3100003", "matched"] == "china"  # "Россия" inside a <script> does not count
    assert df.loc["govkz-mfa-700007", "matched"] == "russia"
    assert "торгово-экономическом сотрудничестве" in df.loc["akorda-3100003", "text_ru"]


def test_wrong_charset_and_malformed_html_are_read(sites: FakeSites, tmp_path: Path,
                                                   matcher: CountryMatcher) -> None:
    run(sites, "president", tmp_path, matcher)
    df = collected(tmp_path).set_index("id")
    assert df.loc["akorda-3100008", "title_ru"] == akorda_fixture()["akorda-3100008"]["title"]
    assert "Санкт-Петербурге" in df.loc["akorda-3100008", "text_ru"]
    malformed = df.loc["akorda-3100007"]
    assert malformed["title_ru"] == "Китай – надежный партнер Казахстана"
    assert malformed["date"] == "2022-09-14"
    assert malformed["text_ru"].split("\n\n")[:2] == [
        "Глава государства принял делегацию провинции Ганьсу.",
        "Китайская сторона выразила готовность расширять поставки.",
    ]


# --- faults ----------------------------------------------------------------------------------


def _comparable(out: Path) -> pd.DataFrame:
    df = collected(out).drop(columns=["url"])
    return df.sort_values("id").reset_index(drop=True)


def test_every_fault_is_survived_with_nothing_lost(tmp_path: Path, matcher: CountryMatcher) -> None:
    with FakeSites() as clean:
        run(clean, "president", tmp_path / "clean", matcher)
        run(clean, "government", tmp_path / "clean", matcher)
    with FakeSites(overlap=2, timeout_delay=0.8) as sites:  # overlap: items repeated across pages
        sites.inject("/robots.txt", "503")
        sites.inject("/ru/events?page=1", "timeout", "500")
        sites.inject("/ru/events?page=2", "truncate", "429:0.2")
        sites.inject("/ru/sostoyalsya-telefonnyy-razgovor", "reset", "502")
        sites.inject("/ru/kitay-nadezhnyy-partner", "truncate", "timeout")
        sites.inject("/api/v1/public/content-manager/news?sort-by=created_date:DESC&projects=eq:mfa&page=2",
                     "500", "truncate", "429")
        sites.inject("/api/v1/public/content-manager/news/700004", "timeout")
        sites.inject("/memleket/entities/rssonly/press/news/rss", "truncate")
        pres = run(sites, "president", tmp_path / "faulty", matcher)
        gov = run(sites, "government", tmp_path / "faulty", matcher)
        assert sites.pending_faults() == {}
        assert all(n == 1 for n in sites.served().values()), "a document was downloaded twice"
    assert pres.failed == 0 and gov.failed == len(fate(gov_fixture(), "failed"))
    assert pres.retries + gov.retries == 14  # one retry per injected fault
    assert pres.listed == 9 + 1 and pres.collected == 9
    pd.testing.assert_frame_equal(_comparable(tmp_path / "faulty"), _comparable(tmp_path / "clean"))


def test_rate_limit_is_honoured(tmp_path: Path, matcher: CountryMatcher, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request of a whole run waits for its turn at the limiter, turns one interval apart.

    The limiter runs on a virtual clock that moves only when it sleeps, so the spacing it enforces
    is checked exactly, without measuring wall time (which jitters under load).
    """
    import kzperception.collect as collect_module

    now = [0.0]
    turns: list[tuple[str, float]] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    class VirtualLimiter(RateLimiter):
        def __init__(self, rate: float, **_: Any) -> None:
            super().__init__(rate, clock=lambda: now[0], sleep=sleep)

        def wait(self, host: str) -> float:
            delay = super().wait(host)
            turns.append((host, now[0]))
            return delay

    monkeypatch.setattr(collect_module, "RateLimiter", VirtualLimiter)
    policy = FetchPolicy(rate=20, retries=2, backoff=0.01, timeout=2)
    with FakeSites() as sites:
        run(sites, "president", tmp_path, matcher, policy=policy)
        served = len(sites.log)
    hosts = {h for h, _ in turns}
    assert served >= 14 and len(turns) == served and len(hosts) == 1  # one turn per request, nothing around it
    gaps = [b - a for (_, a), (_, b) in itertools.pairwise(turns)]
    assert min(gaps) == pytest.approx(1 / 20)


def test_retry_after_is_honoured(tmp_path: Path, matcher: CountryMatcher) -> None:
    with FakeSites() as sites:
        sites.inject("/ru/events?page=2", "429:1")
        summary = run(sites, "president", tmp_path, matcher)
        log = sites.log
    i = next(k for k, e in enumerate(log) if e.status == 429)
    assert log[i + 1].target == "/ru/events?page=2"
    assert log[i + 1].t - log[i].t >= 1.0
    assert summary.failed == 0 and summary.retries == 1


def test_too_long_retry_after_gives_the_document_up(tmp_path: Path, matcher: CountryMatcher) -> None:
    policy = FetchPolicy(rate=50, retries=3, backoff=0.01, timeout=1, max_retry_after=5)
    with FakeSites() as sites:
        sites.inject("/ru/sostoyalsya-telefonnyy-razgovor", "429:3600")
        summary = run(sites, "president", tmp_path, matcher, policy=policy)
    assert summary.failed == 1 and "wait 3600 s" in summary.failures[0]
    assert summary.collected == 8


def test_persistent_failure_is_counted_then_retried_by_the_next_run(tmp_path: Path,
                                                                    matcher: CountryMatcher) -> None:
    with FakeSites() as sites:
        sites.inject("/ru/glava-gosudarstva-vystupil", *["500"] * 5)
        first = run(sites, "president", tmp_path, matcher)
        assert first.failed == 1 and "gave up after 5 attempts" in first.failures[0]
        assert "akorda-3100005" not in set(collected(tmp_path)["id"])
        second = run(sites, "president", tmp_path, matcher)
        assert second.failed == 0 and second.fetched == 1  # only the failed article
        assert all(n == 1 for n in sites.served().values())
    assert "akorda-3100005" in set(collected(tmp_path)["id"])


def test_second_run_downloads_nothing(sites: FakeSites, tmp_path: Path, matcher: CountryMatcher) -> None:
    first = run(sites, "president", tmp_path, matcher)
    n_requests = len(sites.log)
    second = run(sites, "president", tmp_path, matcher)
    assert len(sites.log) == n_requests
    assert second.fetched == 0 and second.from_cache == first.fetched
    assert second.collected == first.collected


def test_refresh_listings_fetches_only_listing_pages(sites: FakeSites, tmp_path: Path,
                                                     matcher: CountryMatcher) -> None:
    run(sites, "president", tmp_path, matcher)
    n_requests = len(sites.log)
    again = run(sites, "president", tmp_path, matcher, refresh_listings=True)
    new = [e.target for e in sites.log[n_requests:]]
    assert new and all(t.startswith("/ru/events?page=") for t in new)
    assert again.fetched == len(new)


def test_two_sites_merge_into_one_collected_file(sites: FakeSites, tmp_path: Path,
                                                 matcher: CountryMatcher) -> None:
    run(sites, "government", tmp_path, matcher)
    run(sites, "president", tmp_path, matcher)
    run(sites, "government", tmp_path, matcher)  # again: replaces its rows, keeps the others
    df = collected(tmp_path)
    assert df["id"].is_unique
    assert set(df["id"]) == fate(akorda_fixture(), "collected") | fate(gov_fixture(), "collected")
    assert (tmp_path / "summary-president.json").is_file()


def test_killed_run_resumes_with_nothing_lost_or_downloaded_twice(tmp_path: Path,
                                                                  matcher: CountryMatcher) -> None:
    out = tmp_path / "out"
    with FakeSites() as sites:
        hold = sites.hold("/ru/glava-gosudarstva-prinyal-ministrov")  # the fifth article
        cmd = [sys.executable, "-m", "kzperception.cli_fieldwork", "collect", "--site", "president",
               "--start", START, "--end", END, "--out", str(out), "--base-url", sites.base_url,
               "--keywords", str(KEYWORDS), "--rate", "50", "--backoff", "0.01", "--timeout", "30",
               "--no-progress"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        try:
            assert hold.reached.wait(60), proc.communicate(timeout=5)
        finally:
            proc.kill()
            proc.wait()
            hold.release.set()
        assert not (out / "collected.csv").exists()  # nothing partial written
        assert not list((out / "raw").rglob("*.tmp"))
        done_before = sum(sites.served().values())
        assert done_before == 1 + 4 + 4  # robots.txt, the listing pages and the first four articles

        summary = run(sites, "president", out, matcher)
        served = sites.served()
    assert all(n == 1 for n in served.values()), "a document was downloaded twice"
    assert summary.from_cache == done_before - 1 and summary.fetched == 5  # robots.txt is not counted
    assert set(collected(out)["id"]) == fate(akorda_fixture(), "collected")


def test_unreachable_robots_txt_stops_the_run(tmp_path: Path, matcher: CountryMatcher) -> None:
    with FakeSites() as sites:
        sites.inject("/robots.txt", *["500"] * 5)
        with pytest.raises(CollectError, match=r"robots\.txt could not be read"):
            run(sites, "president", tmp_path, matcher)
        assert {e.target for e in sites.log} == {"/robots.txt"}
    assert not (tmp_path / "collected.csv").exists()


def test_robots_txt_without_rules_allows_everything(tmp_path: Path, matcher: CountryMatcher) -> None:
    with FakeSites(robots="") as sites:
        summary = run(sites, "president", tmp_path, matcher)
    assert summary.disallowed == 0 and summary.collected == 10


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
    assert decode_body(b'<meta charset="koi8-r">' + text.encode("koi8-r"), "") .endswith(text)
    assert decode_body(b"\xef\xbb\xbf" + text.encode(), "") == text


def test_html_to_paragraphs_never_returns_markup() -> None:
    html = ("<div><p>Первый <b>абзац</b><script>alert(1)</script></p>текст<br>строка"
            "<p>&lt;script&gt;alert(2)&lt;/script&gt;&lt;i&gt;Второй&lt;/i&gt;</p><style>p{}</style></div>")
    assert html_to_paragraphs(html) == ["Первый абзац", "текст", "строка", "Второй"]
    assert html_to_paragraphs("&lt;p&gt;a &amp;laquo;b&amp;raquo;&lt;/p&gt;") == ["a «b»"]
    assert html_to_paragraphs("") == []


@pytest.mark.parametrize(("value", "want"), [
    ("24 августа 2023 года, 12:00", dt.date(2023, 8, 24)),
    ("3 мая 2022", dt.date(2022, 5, 3)),
    ("01.05.2022", dt.date(2022, 5, 1)),
    ("2023-02-20T10:00:00.000+06:00", dt.date(2023, 2, 20)),
    (1672531200000, dt.date(2023, 1, 1)),
    ("Сегодня", None),
    ("31.02.2022", None),
])
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
        ("akorda-100001", dt.date(2022, 5, 3), "Первое"), ("akorda-100002", dt.date(2022, 5, 2), "Второе")]


def test_govkz_api_url_and_list_answers() -> None:
    from kzperception.collect import _api_items

    site = make_site("government", "https://www.gov.kz", ["mfa"], page_size=50)
    assert site.api_url("mfa", 2) == ("https://www.gov.kz/api/v1/public/content-manager/news"
                                      "?sort-by=created_date:DESC&projects=eq:mfa&page=2&size=50")
    assert _api_items([{"id": 1}, "x"]) == [{"id": 1}]
    with pytest.raises(ValueError, match="not a list"):
        _api_items({"content": [{"id": 1}]})  # a page object is not what the API answers


def test_fake_api_rejects_the_old_filter_syntax(sites: FakeSites) -> None:
    old = httpx.get(sites.base_url + "/api/v1/public/content-manager/news?projects=eq.mfa&page=1&size=3")
    new = httpx.get(sites.base_url + "/api/v1/public/content-manager/news?projects=eq:mfa&page=1&size=3")
    assert old.status_code == 400
    assert new.status_code == 200 and [i["id"] for i in new.json()] == [700001, 700002, 700003]


def test_raw_cache_ignores_half_written_entries(tmp_path: Path) -> None:
    from kzperception.collect import Document

    cache = RawCache(tmp_path)
    cache.put(Document("http://x/a", 200, b"body", "text/html"))
    assert cache.get("http://x/a") is not None
    _meta, body = cache._paths("http://x/a")
    body.write_bytes(b"bo")  # a body that does not match its metadata is not trusted
    assert cache.get("http://x/a") is None


def test_fetch_through_a_mock_transport(tmp_path: Path) -> None:
    """The fetcher works with any httpx client (here without sockets): 503 then 200."""
    from kzperception.collect import Fetcher

    answers = iter([httpx.Response(503, headers={"Retry-After": "0"}), httpx.Response(200, text="ok")])
    transport = httpx.MockTransport(
        lambda request: httpx.Response(404) if request.url.path == "/robots.txt" else next(answers))
    summary = CollectSummary("test", START, END)
    with httpx.Client(transport=transport) as client:
        fetcher = Fetcher(FAST, RawCache(tmp_path), summary, client=client)
        doc = fetcher.get("http://site.test/page")
    assert doc.text() == "ok" and summary.retries == 1 and summary.fetched == 1


# --- the command --------------------------------------------------------------------------------


def _app():
    import typer

    app = typer.Typer()
    register(app)
    return app


def test_collect_command_prints_the_summary(sites: FakeSites, tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), [
        "collect", "--site", "president", "--start", START, "--end", END, "--out", str(tmp_path),
        "--base-url", sites.base_url, "--keywords", str(KEYWORDS), "--rate", "50", "--backoff", "0.01",
    ])
    assert result.exit_code == 0, result.output
    assert "listed 10, fetched 13, from cache 0, failed 0, matched 8" in result.stdout


def test_collect_command_exits_2_when_reports_failed(sites: FakeSites, tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), [
        "collect", "--site", "government", "--entity", "mfa", "--page-size", "3", "--start", START, "--end", END,
        "--out", str(tmp_path), "--base-url", sites.base_url, "--keywords", str(KEYWORDS), "--rate", "50",
    ])
    assert result.exit_code == 2
    assert "failed 1" in result.stdout and "no title" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--start", "2022-13-01"], "--start: '2022-13-01' is not a date"),
    (["--start", "2023-01-01", "--end", "2022-01-01"], "is after --end"),
    (["--entity", "mfa"], "--entity: only gov.kz has entities"),
])
def test_collect_command_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    base = ["collect", "--site", "president", "--start", START, "--end", END, "--out", str(tmp_path / "o"),
            "--base-url", "http://127.0.0.1:9", "--keywords", str(KEYWORDS)]
    result = CliRunner().invoke(_app(), base + args)
    assert result.exit_code == 1
    assert message in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()
