"""The collector run against a local fake of akorda.kz and gov.kz, with faults (kzperception.fieldwork.collect).

Every test is offline: ``fieldwork_server.FakeSites`` serves the fixtures on 127.0.0.1 and logs each
request, so the tests can check what was downloaded, when, and how often; some kill a collecting child
process and resume. The parsing, layouts and policies without a server are in tests/unit/test_collect.py.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
import yaml
from fieldwork_server import END, FIXTURES, KEYWORDS, ROBOTS, ROOT, START, FakeSites, graphql_request
from helpers.collect_runs import FAST, collect_app, collect_cli, layout_copy
from typer.testing import CliRunner

from kzperception.fieldwork.collect import (
    CollectError,
    CollectSummary,
    FetchPolicy,
    RateLimiter,
    collect,
    make_site,
)
from kzperception.fieldwork.keywords import CountryMatcher

ENTITIES = ["mfa", "mti", "rssonly"]


def collected(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "collected.csv", dtype=str, keep_default_na=False)


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


def gov_fixture(entities: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """The fixture's items of ``entities`` (default the test entities, ``ENTITIES``)."""
    ents = yaml.safe_load((FIXTURES / "govkz" / "news.yaml").read_text(encoding="utf-8"))["entities"]
    wanted = ENTITIES if entities is None else entities
    return {
        f"govkz-{e}-{i['id']}": {**i, "entity": e} for e, spec in ents.items() if e in wanted for i in spec["items"]
    }


def fate(items: dict[str, dict[str, Any]], which: str) -> set[str]:
    return {k for k, v in items.items() if v["expect"]["fate"] == which}


def matched(items: dict[str, dict[str, Any]]) -> set[str]:
    return {k for k, v in items.items() if v["expect"]["fate"] == "collected" and v["expect"]["verdicts"]}


def run(
    sites: FakeSites,
    site: str,
    out: Path,
    matcher: CountryMatcher,
    policy: FetchPolicy = FAST,
    source: str = "auto",
    entities: list[str] | None = None,
    **kw: Any,
) -> CollectSummary:
    entities = (entities or ENTITIES) if site == "government" else []
    adapter = make_site(site, sites.base_url, entities, page_size=3, gov_source=source)
    return collect(adapter, START, END, out, policy=policy, matcher=matcher, **kw)


def graphql_posts(sites: FakeSites, entity: str = "") -> list[Any]:
    """The POSTs to /graphql the server saw (for one entity, when named)."""
    return [e for e in sites.requests(f"/graphql?projects=eq:{entity}" if entity else "/graphql") if e.method == "POST"]


def rest_pages(sites: FakeSites, entity: str) -> list[Any]:
    return sites.requests(f"/api/v1/public/content-manager/news?sort-by=created_date:DESC&projects=eq:{entity}&")


def assert_government_rows_agree(out: Path, summary: CollectSummary, entities: list[str] = ENTITIES) -> None:
    """listed, collected, failed and matched counts, ids, dates and titles as the fixtures say."""
    items = {k: v for k, v in gov_fixture().items() if v["entity"] in entities}
    want = fate(items, "collected")
    assert summary.listed == len(want | fate(items, "failed"))
    assert (summary.collected, summary.failed) == (len(want), len(fate(items, "failed")))
    assert summary.matched == len(matched(items))
    df = collected(out).set_index("id")
    assert set(df.index) == want
    for sid in want:
        item = items[sid]
        assert df.loc[sid, "date"] == item["created_date"][:10]
        assert df.loc[sid, "title_ru"] == item["title"]
        assert df.loc[sid, "entity"] == item["entity"] and df.loc[sid, "website"] == "government"
        assert set(filter(None, df.loc[sid, "matched"].split(";"))) == set(item["expect"]["verdicts"])


# --- clean runs agree with the fixtures -------------------------------------------------------


def test_president_run_agrees_with_fixtures(sites: FakeSites, tmp_path: Path, matcher: CountryMatcher) -> None:
    items = akorda_fixture()
    summary = run(sites, "president", tmp_path, matcher)
    want = fate(items, "collected")
    assert summary.listed == len(want | fate(items, "disallowed"))
    assert (summary.collected, summary.failed, summary.disallowed) == (len(want), 0, 1)
    assert summary.matched == len(matched(items))
    assert summary.fetched == 1 + 4 + len(want)  # the RSS feed, four listing pages, each collected article once
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


def test_government_run_over_rest_and_rss_agrees_with_fixtures(
    sites: FakeSites, tmp_path: Path, matcher: CountryMatcher
) -> None:
    """GraphQL refused for every entity: the REST API serves mfa and mti, the RSS feed rssonly."""
    sites.refuse_graphql("mfa", "mti")  # rssonly's GraphQL and API are refused by the fixture itself
    items = gov_fixture()
    summary = run(sites, "government", tmp_path, matcher)
    assert summary.sources == {"mfa": "api", "mti": "api", "rssonly": "rss"}
    assert_government_rows_agree(tmp_path, summary)
    want = fate(items, "collected")
    assert summary.listed == len(want | fate(items, "failed"))
    assert (summary.collected, summary.failed) == (len(want), len(fate(items, "failed")))
    assert summary.matched == len(matched(items))
    assert "no title" in summary.failures[0]
    # rssonly's API answers 400 «notAllowed» (as reported without a session ticket): its RSS feed is read
    assert any("rssonly" in w and "HTTP 400" in w and "session ticket" in w and "RSS" in w for w in summary.warnings)
    # mfa: 4 API pages + 1 detail (item without body); mti: 1 page; rssonly: a session ticket taken
    # when its API refused (still refused after it), then the feed
    assert summary.fetched == 4 + 1 + 1 + 1 + 1

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


def test_scraped_markup_and_scripts_are_stored_as_plain_text(
    sites: FakeSites, tmp_path: Path, matcher: CountryMatcher
) -> None:
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


def test_wrong_charset_and_malformed_html_are_read(sites: FakeSites, tmp_path: Path, matcher: CountryMatcher) -> None:
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
    refused = ("mfa", "mti")  # GraphQL refused: these faults are on the REST and RSS paths
    with FakeSites(graphql_refused=refused) as clean:
        run(clean, "president", tmp_path / "clean", matcher)
        run(clean, "government", tmp_path / "clean", matcher)
    with FakeSites(overlap=2, timeout_delay=0.8, graphql_refused=refused) as sites:  # overlap: items repeated
        sites.inject("/robots.txt", "503")
        sites.inject("/ru/events?page=1", "timeout", "500")
        sites.inject("/ru/events?page=2", "truncate", "429:0.2")
        sites.inject("/ru/sostoyalsya-telefonnyy-razgovor", "reset", "502")
        sites.inject("/ru/kitay-nadezhnyy-partner", "truncate", "timeout")
        sites.inject(
            "/api/v1/public/content-manager/news?sort-by=created_date:DESC&projects=eq:mfa&page=2",
            "500",
            "truncate",
            "429",
        )
        sites.inject("/api/v1/public/content-manager/news/700004", "timeout")
        sites.inject("/memleket/entities/rssonly/press/news/rss", "truncate")
        pres = run(sites, "president", tmp_path / "faulty", matcher)
        gov = run(sites, "government", tmp_path / "faulty", matcher)
        assert sites.pending_faults() == {}
        assert all(n == 1 for n in sites.served().values()), "a document was downloaded twice"
    assert gov.sources == {"mfa": "api", "mti": "api", "rssonly": "rss"}
    assert pres.failed == 0 and gov.failed == len(fate(gov_fixture(), "failed"))
    assert pres.retries + gov.retries == 14  # one retry per injected fault
    assert pres.listed == 9 + 1 and pres.collected == 9
    pd.testing.assert_frame_equal(_comparable(tmp_path / "faulty"), _comparable(tmp_path / "clean"))


def _virtual_limiter(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, float]]:
    """Make the collector's rate limiter run on a virtual clock; return the turns it gives out.

    The clock moves only when the limiter sleeps, so the spacing it enforces is checked exactly,
    without measuring wall time (which jitters under load).
    """
    import kzperception.fieldwork.collect.transport as collect_module

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
    return turns


@pytest.mark.parametrize(("site", "at_least"), [("president", 14), ("government", 10)])
def test_rate_limit_is_honoured(
    tmp_path: Path, matcher: CountryMatcher, monkeypatch: pytest.MonkeyPatch, site: str, at_least: int
) -> None:
    """Every request of a whole run (GETs and GraphQL POSTs) waits for its turn, turns one interval apart."""
    turns = _virtual_limiter(monkeypatch)
    policy = FetchPolicy(rate=20, retries=2, backoff=0.01, timeout=2)
    with FakeSites() as sites:
        run(sites, site, tmp_path, matcher, policy=policy)
        served = len(sites.log)
        posts = len(graphql_posts(sites))
    assert posts == (0 if site == "president" else 4 + 1 + 1)
    hosts = {h for h, _ in turns}
    assert served >= at_least and len(turns) == served and len(hosts) == 1  # one turn per request, nothing around it
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


def test_persistent_failure_is_counted_then_retried_by_the_next_run(tmp_path: Path, matcher: CountryMatcher) -> None:
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


def test_refresh_listings_fetches_only_listing_pages(sites: FakeSites, tmp_path: Path, matcher: CountryMatcher) -> None:
    run(sites, "president", tmp_path, matcher)
    n_requests = len(sites.log)
    again = run(sites, "president", tmp_path, matcher, refresh_listings=True)
    new = [e.target for e in sites.log[n_requests:]]
    assert new and all(t.startswith(("/ru/events?page=", "/ru/rss")) for t in new)
    assert again.fetched == len(new)


def test_two_sites_merge_into_one_collected_file(sites: FakeSites, tmp_path: Path, matcher: CountryMatcher) -> None:
    run(sites, "government", tmp_path, matcher)
    run(sites, "president", tmp_path, matcher)
    run(sites, "government", tmp_path, matcher)  # again: replaces its rows, keeps the others
    df = collected(tmp_path)
    assert df["id"].is_unique
    assert set(df["id"]) == fate(akorda_fixture(), "collected") | fate(gov_fixture(), "collected")
    assert (tmp_path / "summary-president.json").is_file()


def kill_collect_at(sites: FakeSites, held: str, out: Path, args: list[str], mid_body: bool = False) -> None:
    """Run ``kzperception collect`` in a process, kill it (-9) while the request ``held`` is being
    served, and check that the killed run left no collected.csv. With ``mid_body`` the server sends
    half the body first, and the kill waits until the download's temporary file exists."""
    hold = sites.hold(held, mid_body=mid_body)
    cmd = [
        sys.executable,
        "-m",
        "kzperception.cli.fieldwork",
        "collect",
        *args,
        "--start",
        START,
        "--end",
        END,
        "--out",
        str(out),
        "--base-url",
        sites.base_url,
        "--keywords",
        str(KEYWORDS),
        "--rate",
        "50",
        "--backoff",
        "0.01",
        "--timeout",
        "30",
        "--no-progress",
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT / "src")}
    )
    try:
        assert hold.reached.wait(60), proc.communicate(timeout=5)
        deadline = time.monotonic() + 10  # polls for a file, not a rate limit
        while mid_body and not list((out / "raw").rglob(".download.*.tmp")) and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        proc.kill()
        proc.wait()
        hold.release.set()
    assert not (out / "collected.csv").exists()  # nothing partial written
    if not mid_body:
        assert not list((out / "raw").rglob("*.tmp"))


def test_killed_run_resumes_with_nothing_lost_or_downloaded_twice(tmp_path: Path, matcher: CountryMatcher) -> None:
    out = tmp_path / "out"
    with FakeSites() as sites:
        kill_collect_at(
            sites,
            "/ru/glava-gosudarstva-prinyal-ministrov",
            out,  # the fifth article
            ["--site", "president"],
        )
        done_before = sum(sites.served().values())
        assert done_before == 1 + 1 + 4 + 4  # robots.txt, the feed, the listing pages, the first four articles

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


def test_government_run_via_graphql_agrees_with_fixtures(
    sites: FakeSites, tmp_path: Path, matcher: CountryMatcher
) -> None:
    summary = run(sites, "government", tmp_path, matcher)
    # rssonly refuses GraphQL and the API in the fixture; the others are served by GraphQL alone
    assert summary.sources == {"mfa": "graphql", "mti": "graphql", "rssonly": "rss"}
    assert_government_rows_agree(tmp_path, summary)
    assert "no title" in summary.failures[0]
    # mfa: 4 GraphQL pages + 1 detail (item without body); mti: 1 page; rssonly: a session ticket
    # (its API refused), then its feed
    assert summary.fetched == 4 + 1 + 1 + 1 + 1 and summary.from_cache == 0 and summary.retries == 0
    assert [e.target for e in graphql_posts(sites, "mfa")] == [
        f"/graphql?projects=eq:mfa&_page={n}&_size=3" for n in (1, 2, 3, 4)
    ]
    assert rest_pages(sites, "mfa") == [] and rest_pages(sites, "mti") == []  # the REST API was not needed
    args, fields = graphql_request(graphql_posts(sites, "mti")[0].body)
    assert args == {"projects": "eq:mti", "_lang": "ru", "_page": 1, "_size": 3, "_sort": "created_date:desc"}
    assert fields == ["id", "title", "body", "created_date"]

    df = collected(tmp_path).set_index("id")
    assert df.loc["govkz-mfa-700004", "text_ru"].startswith("Консультации прошли в Астане.")  # from the detail
    assert df.loc["govkz-mfa-700003", "text_ru"] == (
        "МИД Казахстана приветствует позицию Китайской Народной Республики.\n\n"
        "Заявление опубликовано на сайте министерства."
    )
    assert df.loc["govkz-mfa-700002", "url"].endswith("/memleket/entities/mfa/press/news/details/700002?lang=ru")
    assert "; sources: graphql mfa, mti; rss rssonly" in summary.line()
    saved = json.loads((tmp_path / "summary-government.json").read_text(encoding="utf-8"))
    assert saved["sources"] == summary.sources


def test_graphql_and_rest_runs_collect_the_same_rows(tmp_path: Path, matcher: CountryMatcher) -> None:
    with FakeSites() as sites:
        run(sites, "government", tmp_path / "graphql", matcher)
    with FakeSites(graphql_refused=("mfa", "mti")) as sites:
        run(sites, "government", tmp_path / "rest", matcher)
    pd.testing.assert_frame_equal(_comparable(tmp_path / "graphql"), _comparable(tmp_path / "rest"))


def test_every_graphql_fault_is_survived_with_nothing_lost(tmp_path: Path, matcher: CountryMatcher) -> None:
    with FakeSites() as clean:
        run(clean, "government", tmp_path / "clean", matcher)
    with FakeSites(overlap=2, timeout_delay=0.8) as sites:  # overlap: items repeated across pages
        sites.inject("/graphql?projects=eq:mfa&_page=1&", "timeout", "errors")
        sites.inject("/graphql?projects=eq:mfa&_page=2&", "500", "truncate", "429:0.2")
        sites.inject("/graphql?projects=eq:mfa&_page=3&", "garbage", "reset", "503")
        sites.inject("/graphql?projects=eq:mti&_page=1&", "errors", "502", "429")
        gov = run(sites, "government", tmp_path / "faulty", matcher)
        assert sites.pending_faults() == {}
        assert all(n == 1 for n in sites.served().values()), "a document was downloaded twice"
        assert rest_pages(sites, "mfa") == [] and rest_pages(sites, "mti") == []  # no fallback was needed
    assert gov.sources == {"mfa": "graphql", "mti": "graphql", "rssonly": "rss"}
    assert gov.retries == 11  # one retry per injected fault
    assert gov.failed == len(fate(gov_fixture(), "failed"))
    assert not [w for w in gov.warnings if w.startswith(("gov.kz mfa", "gov.kz mti"))]
    pd.testing.assert_frame_equal(_comparable(tmp_path / "faulty"), _comparable(tmp_path / "clean"))


def test_retry_after_on_a_graphql_page_is_honoured(
    tmp_path: Path, matcher: CountryMatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    turns = _virtual_limiter(monkeypatch)
    policy = FetchPolicy(rate=20, retries=2, backoff=0.01, timeout=2)
    with FakeSites() as sites:
        sites.inject("/graphql?projects=eq:mfa&_page=2&", "429:7")
        summary = run(sites, "government", tmp_path, matcher, policy=policy, entities=["mfa"])
        log = list(sites.log)
    assert len(turns) == len(log)
    i = next(k for k, e in enumerate(log) if e.status == 429)
    assert log[i].method == "POST" and log[i + 1].target == log[i].target
    assert turns[i + 1][1] - turns[i][1] >= 7  # on the limiter's clock: the server's Retry-After
    assert summary.retries == 1 and summary.sources == {"mfa": "graphql"}


def test_killed_graphql_run_resumes_posting_nothing_twice(tmp_path: Path, matcher: CountryMatcher) -> None:
    out = tmp_path / "out"
    with FakeSites() as sites:
        kill_collect_at(
            sites,
            "/graphql?projects=eq:mfa&_page=3&",
            out,
            ["--site", "government", "--entity", "mfa", "--entity", "mti", "--page-size", "3"],
        )
        assert sorted(sites.served()) == [
            "/graphql?projects=eq:mfa&_page=1&_size=3",
            "/graphql?projects=eq:mfa&_page=2&_size=3",
            "/robots.txt",
        ]

        summary = run(sites, "government", out, matcher, entities=["mfa", "mti"])
        served = sites.served()
        posts = graphql_posts(sites)
    assert all(n == 1 for n in served.values()), "a document was downloaded twice"
    per_target: dict[str, list[Any]] = {}
    for e in posts:
        per_target.setdefault(e.target, []).append(e)
    assert len(per_target) == 4 + 1  # mfa's four pages, mti's one
    for target, entries in per_target.items():
        if target == "/graphql?projects=eq:mfa&_page=3&_size=3":  # the POST the kill cut off: asked again
            assert [e.completed for e in entries] == [False, True]
        else:
            assert [e.completed for e in entries] == [True], target
    assert summary.from_cache == 2 and summary.fetched == 2 + 1 + 1  # mfa pages 3-4, mti page 1, one detail
    assert summary.sources == {"mfa": "graphql", "mti": "graphql"}
    assert_government_rows_agree(out, summary, ["mfa", "mti"])


def test_fallback_graphql_then_rest_then_rss_is_reported(
    sites: FakeSites, tmp_path: Path, matcher: CountryMatcher
) -> None:
    sites.refuse_graphql("mti")  # rssonly refuses GraphQL and the API in the fixture
    summary = run(sites, "government", tmp_path, matcher)
    assert summary.sources == {"mfa": "graphql", "mti": "api", "rssonly": "rss"}
    assert_government_rows_agree(tmp_path, summary)
    assert not [w for w in summary.warnings if w.startswith("gov.kz mfa")]
    assert [w for w in summary.warnings if w.startswith("gov.kz mti")] == [
        "gov.kz mti: GraphQL endpoint unavailable (HTTP 400: refused; the answer begins "
        '\'{"errors": [{"message": "notAllowed"}], "data": null}\'); served by the news API'
    ]
    (rss,) = [w for w in summary.warnings if w.startswith("gov.kz rssonly")]
    assert rss.startswith("gov.kz rssonly: GraphQL endpoint unavailable (HTTP 400: refused; the answer begins")
    assert (
        "news API unavailable (HTTP 400: refused even with a fresh session ticket; the answer begins "
        '\'{"status": 400, "error": "notAllowed"}\')'
    ) in rss
    # each refusal is recorded with its status and the first bytes of the answer
    assert [(r["entity"], r["source"], r["status"]) for r in summary.refusals] == [
        ("mti", "graphql", 400),
        ("rssonly", "graphql", 400),
        ("rssonly", "api", 400),
    ]
    assert all("notAllowed" in r["begins"] for r in summary.refusals)
    assert rss.endswith("; served by the RSS feed")
    assert "; sources: graphql mfa; api mti; rss rssonly" in summary.line()
    # each source asked once, in order; a refusal (400) is not retried
    assert summary.retries == 0
    assert [e.status for e in graphql_posts(sites, "mti")] == [400] and len(rest_pages(sites, "mti")) == 1
    assert rest_pages(sites, "mfa") == []
    asked = [e.target.split("?")[0] for e in sites.log if "rssonly" in e.target or "/_/c/k6" in e.target]
    # the API refused: a session ticket was taken and the page asked once more, then the feed
    assert asked == [
        "/graphql",
        "/api/v1/public/content-manager/news",
        "/api/v1/public/_/c/k6",
        "/api/v1/public/content-manager/news",
        "/memleket/entities/rssonly/press/news/rss",
    ]


def test_graphql_that_keeps_answering_errors_falls_back_after_its_retries(
    sites: FakeSites, tmp_path: Path, matcher: CountryMatcher
) -> None:
    sites.inject("/graphql?projects=eq:mfa&_page=1&", *["errors"] * 5)
    summary = run(sites, "government", tmp_path, matcher, entities=["mfa"])
    assert sites.pending_faults() == {} and summary.retries == 4
    assert summary.sources == {"mfa": "api"}
    (warning,) = [w for w in summary.warnings if w.startswith("gov.kz mfa")]
    assert "GraphQL endpoint unavailable (gave up after 5 attempts: unusable body" in warning
    assert "GraphQL errors: Internal server error (injected)" in warning and warning.endswith("news API")
    assert_government_rows_agree(tmp_path, summary, ["mfa"])


def test_graphql_failing_on_a_later_page_stops_that_listing_without_falling_back(
    sites: FakeSites, tmp_path: Path, matcher: CountryMatcher
) -> None:
    sites.inject("/graphql?projects=eq:mfa&_page=2&", *["500"] * 5)
    summary = run(sites, "government", tmp_path, matcher, entities=["mfa"])
    assert summary.sources == {"mfa": "graphql"} and rest_pages(sites, "mfa") == []
    assert any(f.startswith("gov.kz mfa GraphQL endpoint page 2: gave up") for f in summary.failures)
    assert "gov.kz mfa GraphQL endpoint: listing stopped at page 2; older reports may be lost" in summary.warnings
    assert set(collected(tmp_path)["id"]) == {"govkz-mfa-700002", "govkz-mfa-700003"}  # page 1, in the window


@pytest.mark.parametrize("source", ["graphql", "api", "rss"])
def test_an_explicit_gov_source_is_used_alone(
    sites: FakeSites, tmp_path: Path, matcher: CountryMatcher, source: str
) -> None:
    from kzperception.fieldwork.collect import GOV_SOURCES

    summary = run(sites, "government", tmp_path, matcher, source=source)
    asked = {e.target.split("?")[0].split("/")[-1] for e in sites.log if e.target != "/robots.txt"}
    if source == "rss":
        assert summary.sources == {"mfa": "rss", "mti": "rss", "rssonly": "rss"}
        assert_government_rows_agree(tmp_path, summary)
        assert graphql_posts(sites) == [] and not any("content-manager/news?" in e.target for e in sites.log)
        return
    assert summary.sources == {"mfa": source, "mti": source, "rssonly": "none"}
    (refused,) = [f for f in summary.failures if f.startswith("gov.kz rssonly")]
    assert refused.startswith(f"gov.kz rssonly: {GOV_SOURCES[source]} unavailable (HTTP 400: refused")
    assert refused.endswith("; no listing source left")
    summary.failed -= 1  # what is left agrees with the fixtures for mfa and mti
    assert_government_rows_agree(tmp_path, summary, ["mfa", "mti"])
    assert "rss" not in asked and ("graphql" in asked) == (source == "graphql")


def test_robots_txt_disallowing_graphql_is_obeyed_and_reported(tmp_path: Path, matcher: CountryMatcher) -> None:
    with FakeSites(robots=ROBOTS + "Disallow: /graphql\n") as sites:
        summary = run(sites, "government", tmp_path, matcher)
        assert sites.requests("/graphql") == []  # never posted
    assert summary.sources == {"mfa": "api", "mti": "api", "rssonly": "rss"}
    assert summary.disallowed == 3
    assert any(w.startswith("gov.kz mfa: GraphQL endpoint skipped (robots.txt disallows ") for w in summary.warnings)
    assert_government_rows_agree(tmp_path, summary)


def test_fake_graphql_pages_filters_and_refuses(sites: FakeSites) -> None:
    site = make_site("government", sites.base_url, ["mfa"], page_size=3)

    def post(entity: str, page: int) -> httpx.Response:
        return httpx.post(
            site.graphql_url(), content=site.graphql_body(entity, page), headers={"Content-Type": "application/json"}
        )

    assert [i["id"] for i in post("mfa", 2).json()["data"]["news"]] == [700004, 700005, 700006]
    assert set(post("mti", 1).json()["data"]["news"][0]) == {"id", "title", "body", "created_date"}
    assert post("mfa", 5).json() == {"data": {"news": []}}
    refused = post("rssonly", 1)
    assert refused.status_code == 400 and refused.json()["errors"][0]["message"] == "notAllowed"
    assert httpx.get(site.graphql_url()).status_code == 405


def test_fake_api_rejects_the_old_filter_syntax(sites: FakeSites) -> None:
    old = httpx.get(sites.base_url + "/api/v1/public/content-manager/news?projects=eq.mfa&page=1&size=3")
    new = httpx.get(sites.base_url + "/api/v1/public/content-manager/news?projects=eq:mfa&page=1&size=3")
    assert old.status_code == 400
    assert new.status_code == 200 and [i["id"] for i in new.json()] == [700001, 700002, 700003]


def test_collect_command_prints_the_summary(sites: FakeSites, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        collect_app(),
        [
            "collect",
            "--site",
            "president",
            "--start",
            START,
            "--end",
            END,
            "--out",
            str(tmp_path),
            "--base-url",
            sites.base_url,
            "--keywords",
            str(KEYWORDS),
            "--rate",
            "50",
            "--backoff",
            "0.01",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "listed 10, fetched 14, from cache 0, failed 0, matched 8" in result.stdout  # feed, 4 pages, 9


def test_collect_command_exits_2_when_reports_failed(sites: FakeSites, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        collect_app(),
        [
            "collect",
            "--site",
            "government",
            "--entity",
            "mfa",
            "--page-size",
            "3",
            "--start",
            START,
            "--end",
            END,
            "--out",
            str(tmp_path),
            "--base-url",
            sites.base_url,
            "--keywords",
            str(KEYWORDS),
            "--rate",
            "50",
        ],
    )
    assert result.exit_code == 2
    assert "failed 1" in result.stdout and "no title" in result.stderr


def test_collect_command_names_the_source_of_each_entity(sites: FakeSites, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        collect_app(),
        [
            "collect",
            "--site",
            "government",
            "--entity",
            "mti",
            "--entity",
            "rssonly",
            "--page-size",
            "3",
            "--start",
            START,
            "--end",
            END,
            "--out",
            str(tmp_path),
            "--base-url",
            sites.base_url,
            "--keywords",
            str(KEYWORDS),
            "--rate",
            "50",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "; sources: graphql mti; rss rssonly" in result.stdout
    assert (
        "warning: gov.kz rssonly: GraphQL endpoint unavailable (HTTP 400: refused; the answer begins" in result.stderr
    )


# --- one report's fault is that report's failure; a resume retries only the failures ------------


ART = {
    a["id"]: f"/ru/{a['slug']}-{a['id']}"
    for a in yaml.safe_load((FIXTURES / "akorda" / "articles.yaml").read_text(encoding="utf-8"))["articles"]
}


def test_each_fault_of_one_report_fails_it_and_a_resume_retries_only_those(
    tmp_path: Path, matcher: CountryMatcher
) -> None:
    """Redirect loop, bad Content-Encoding, bodies over the cap (with and without Content-Length),
    timeouts, a page no parser should read, redirects to another scheme or host: each fails its own
    report; the run writes collected.csv and exits 2; the next run asks for those reports only."""
    with FakeSites() as clean:
        run(clean, "president", tmp_path / "clean", matcher)
    out = tmp_path / "faulty"
    with FakeSites(timeout_delay=0.8) as sites:
        args = [
            "--site",
            "president",
            "--start",
            START,
            "--end",
            END,
            "--out",
            str(out),
            "--rate",
            "100",
            "--retries",
            "4",
            "--backoff",
            "0.01",
            "--timeout",
            "0.4",
            "--max-bytes",
            "100000",
            "--base-url",
            sites.base_url,
        ]
        sites.inject(ART[3100002], "redirect:/ru/loop-b-1")
        sites.inject("/ru/loop-b-1", f"redirect:{ART[3100002]}")
        sites.inject(ART[3100003], "badencoding")
        sites.inject(ART[3100004], "huge:300000")
        sites.inject(ART[3100005], "hugechunked:5000000")
        sites.inject(ART[3100006], *["timeout"] * 5)
        sites.inject(ART[3100007], "deep:5000")
        sites.inject(ART[3100008], "redirect:ftp://127.0.0.1/etc/passwd")
        sites.inject(ART[3100009], "redirect:http://evil.example/ru/x-3100009")
        sites.inject(ART[3100010], "drip:4")  # slower than 4 x timeout: retried once, then fine
        first = collect_cli(*args)
        assert first.exit_code == 2, first.output
        assert sites.pending_faults() == {}
        assert "Traceback" not in first.output, first.output
        failures = [line for line in first.stderr.splitlines() if line.startswith("failed: ")]
        assert len(failures) == 8, first.stderr
        text = "\n".join(failures)
        for needle in (
            f"redirect loop: {sites.base_url}{ART[3100002]} -> {sites.base_url}/ru/loop-b-1 -> ",
            "does not decode as its Content-Encoding 'gzip'",
            "body of 300",
            "over the 100000-byte limit (--max-bytes)",
            "gave up after 5 attempts: timeout",
            "malformed page: elements nested more than 1000 deep",
            "redirect to a non-http(s) URL 'ftp://127.0.0.1/etc/passwd'",
            "http://evil.example/ru/x-3100009 is off the site's hosts",
        ):
            assert needle in text, needle
        assert not [e for e in sites.log if "passwd" in e.target or e.host.startswith("evil")]
        assert set(collected(out)["id"]) == {"akorda-3100010"}  # written although 8 reports failed
        n_before = len(sites.log)

        second = collect_cli(*args)
        assert second.exit_code == 0, second.output
        again = {e.target for e in sites.log[n_before:]}
    assert again == {ART[n] for n in range(3100002, 3100010)}  # the eight failures, nothing else
    assert "fetched 8, from cache 6, failed 0" in second.stdout  # the feed, 4 listing pages, the drip article
    pd.testing.assert_frame_equal(_comparable(out), _comparable(tmp_path / "clean"))


def test_body_cap_keeps_memory_bounded(tmp_path: Path, matcher: CountryMatcher) -> None:
    """A 40 MB page without Content-Length is read only up to the cap, in chunks: memory stays small."""
    import tracemalloc

    policy = FetchPolicy(rate=100, retries=0, backoff=0.01, timeout=5, max_bytes=1_000_000)
    with FakeSites() as sites:
        sites.inject(ART[3100002], "hugechunked:40000000")
        tracemalloc.start()
        try:
            summary = run(sites, "president", tmp_path, matcher, policy=policy)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        (big,) = sites.requests(ART[3100002])
    assert summary.failed == 1 and "over the 1000000-byte limit" in summary.failures[0]
    assert peak < 8_000_000, peak
    assert big.sent < 20_000_000


def test_a_large_body_under_a_raised_cap_is_collected(tmp_path: Path, matcher: CountryMatcher) -> None:
    with FakeSites() as sites:
        sites.inject(ART[3100002], "hugechunked:3000000")
        low = run(
            sites,
            "president",
            tmp_path,
            matcher,
            policy=FetchPolicy(rate=100, retries=0, backoff=0.01, timeout=5, max_bytes=1_000_000),
        )
        sites.inject(ART[3100002], "hugechunked:3000000")
        high = run(
            sites,
            "president",
            tmp_path,
            matcher,
            policy=FetchPolicy(rate=100, retries=0, backoff=0.01, timeout=5, max_bytes=4_000_000),
        )
    assert low.failed == 1 and high.failed == 0 and high.fetched == 1
    text = collected(tmp_path).set_index("id").loc["akorda-3100002", "text_ru"]
    assert "xxxx" not in text and text  # the padding was a comment


# --- redirects: each hop polite, checked and bounded --------------------------------------------


def test_every_redirect_hop_waits_its_turn(
    tmp_path: Path, matcher: CountryMatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    turns = _virtual_limiter(monkeypatch)
    policy = FetchPolicy(rate=20, retries=2, backoff=0.01, timeout=2)
    with FakeSites() as sites:
        sites.inject(ART[3100002], f"redirect:{ART[3100002]}?hop=1")
        sites.inject(f"{ART[3100002]}?hop=1", f"redirect308:{ART[3100002]}?hop=2")
        summary = run(sites, "president", tmp_path, matcher, policy=policy)
        served = len(sites.log)
    assert summary.failed == 0 and summary.collected == 9
    assert len(turns) == served  # the two hops took a turn each, like every other request
    gaps = [b - a for (_, a), (_, b) in itertools.pairwise(turns)]
    assert min(gaps) == pytest.approx(1 / 20)
    row = collected(tmp_path).set_index("id").loc["akorda-3100002"]
    assert row["url"].endswith(ART[3100002])  # the report's own URL, not a hop's


def test_a_hop_is_checked_against_robots_txt_of_its_own_host(
    tmp_path: Path, matcher: CountryMatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """127.0.0.1 and localhost are two hosts here: a hop to localhost reads localhost's robots.txt."""
    turns = _virtual_limiter(monkeypatch)
    layout = tmp_path / "sites.yaml"
    layout.write_text(
        (ROOT / "data" / "sites.yaml")
        .read_text(encoding="utf-8")
        .replace("hosts: [www.akorda.kz, akorda.kz]", "hosts: [www.akorda.kz, akorda.kz, localhost]"),
        encoding="utf-8",
    )
    robots = {"localhost": "User-agent: *\nDisallow: /ru/glava-gosudarstva-provel-peregovory\n"}
    with FakeSites(robots_by_host=robots) as sites:
        port = sites.base_url.rsplit(":", 1)[1]
        sites.inject(ART[3100002], f"redirect:http://localhost:{port}{ART[3100002]}")  # allowed there
        sites.inject(ART[3100003], f"redirect:http://localhost:{port}{ART[3100003]}")  # disallowed there
        sites.inject(ART[3100004], f"redirect:{sites.base_url}/ru/private/{ART[3100004][4:]}")  # our robots
        adapter = make_site("president", sites.base_url, layout=layout)
        summary = collect(adapter, START, END, tmp_path / "out", policy=FAST, matcher=matcher)
        hosts = [(e.host.split(":")[0], e.target) for e in sites.log]
    assert ("localhost", "/robots.txt") in hosts and ("localhost", ART[3100002]) in hosts
    assert ("localhost", ART[3100003]) not in hosts and not any("/ru/private" in t for _, t in hosts)
    assert summary.disallowed == 1 + 2 and summary.failed == 0  # the fixture's own, and the two hops
    assert {h.split(":")[0] for h, _ in turns} == {"127.0.0.1", "localhost"}
    assert set(collected(tmp_path / "out")["id"]) == fate(akorda_fixture(), "collected") - {
        "akorda-3100003",
        "akorda-3100004",
    }


def test_redirect_limits(tmp_path: Path, matcher: CountryMatcher) -> None:
    policy = FetchPolicy(rate=100, retries=0, backoff=0.01, timeout=2, max_redirects=2)
    with FakeSites() as sites:
        sites.inject(ART[3100002], "redirect:/ru/a-1001")
        sites.inject("/ru/a-1001", "redirect:/ru/a-1002")
        sites.inject("/ru/a-1002", "redirect:/ru/a-1003")
        sites.inject(ART[3100003], "redirect:")  # a redirect without a Location
        sites.inject(ART[3100004], "redirect:http://localhost/ru/x-1")  # off the hosts: not in the layout
        summary = run(sites, "president", tmp_path, matcher, policy=policy)
        asked = [e.target for e in sites.log]
    assert summary.failed == 3
    text = "\n".join(summary.failures)
    assert "more than 2 redirects" in text and "redirect without a Location" in text
    assert "http://localhost/ru/x-1 is off the site's hosts" in text
    assert "/ru/a-1003" not in asked


def test_a_307_keeps_the_graphql_post_and_its_body(tmp_path: Path, matcher: CountryMatcher) -> None:
    with FakeSites() as sites:
        sites.inject("/graphql?projects=eq:mti&_page=1&", "redirect307:/graphql?moved=1")
        summary = run(sites, "government", tmp_path, matcher, entities=["mti"])
        posts = graphql_posts(sites, "mti")
    assert summary.sources == {"mti": "graphql"} and summary.failed == 0
    assert [e.method for e in posts] == ["POST", "POST"] and posts[0].body == posts[1].body


def test_a_govkz_id_of_another_shape_is_skipped_with_a_warning(
    sites: FakeSites, tmp_path: Path, matcher: CountryMatcher
) -> None:
    sites.inject("/graphql?projects=eq:mfa&_page=1&", "id:../../ru/private/1")
    sites.inject("/graphql?projects=eq:mti&_page=1&", "id:800001?lang=kz")
    summary = run(sites, "government", tmp_path, matcher, entities=["mfa", "mti"])
    assert summary.skipped == 2
    (mfa,) = [w for w in summary.warnings if "'../../ru/private/1'" in w]
    assert mfa.startswith("gov.kz mfa GraphQL endpoint page 1 item 1: id") and mfa.endswith("skipped")
    assert any("'800001?lang=kz' is not of the form [0-9]{1,12}" in w for w in summary.warnings)
    assert not [e for e in sites.log if "private" in e.target or ".." in e.target or "lang=kz" in e.target]
    ids = set(collected(tmp_path)["id"])
    assert not [i for i in ids if "/" in i or "?" in i]
    assert "skipped 2" in summary.line()


# --- kill -9 leaves nothing behind once resumed --------------------------------------------------


def test_kill_mid_body_leaves_a_temp_that_the_resume_removes(tmp_path: Path, matcher: CountryMatcher) -> None:
    out = tmp_path / "out"
    with FakeSites() as sites:
        kill_collect_at(sites, ART[3100004], out, ["--site", "president"], mid_body=True)
        assert list((out / "raw").rglob(".download.*.tmp")), "the kill was meant to land mid-download"
        summary = run(sites, "president", out, matcher)
        served = sites.served()
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert all(n == 1 for n in served.values())
    assert summary.failed == 0 and set(collected(out)["id"]) == fate(akorda_fixture(), "collected")


def test_stale_temps_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    import time as _time

    from kzperception.fieldwork.collect.cache import remove_stale_temps

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    dead = int(gone.stdout)
    alive = os.getppid()
    (tmp_path / "ab").mkdir()
    dead_tmp = tmp_path / "ab" / f".abc.body.{dead}.0a1b2c3d.tmp"
    live_tmp = tmp_path / "ab" / f".abc.json.{alive}.0a1b2c3d.tmp"
    old_tmp = tmp_path / f".collected.csv.{alive}.deadbeef.tmp"
    user = tmp_path / "notes.tmp"  # not ours: never touched
    for path in (dead_tmp, live_tmp, old_tmp, user):
        path.write_bytes(b"x")
    hours_ago = _time.time() - 7200
    os.utime(old_tmp, (hours_ago, hours_ago))
    assert remove_stale_temps(tmp_path) == 2
    assert not dead_tmp.exists() and not old_tmp.exists() and live_tmp.exists() and user.exists()


def test_probe_reports_every_layout_row_and_saves_the_responses(sites: FakeSites, tmp_path: Path) -> None:
    from kzperception.fieldwork.collect import load_layouts

    for site, extra in (("president", []), ("government", ["--entity", "mfa"])):
        result = collect_cli(
            "--probe", "--site", site, "--out", str(tmp_path), "--base-url", sites.base_url, "--rate", "100", *extra
        )
        assert result.exit_code == 0, result.output
        parts = [name for name, _ in load_layouts().site(site).parts.items()] + ["report_id"]
        lines = [line for line in result.stdout.splitlines() if line.startswith(("ok", "FAIL"))]
        assert sorted(line.split()[1].split(".", 1)[1] for line in lines) == sorted(parts)
        assert all(line.startswith("ok  ") for line in lines)
        folder = tmp_path / "probe" / site
        index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
        assert index["files"] and all((folder / f["file"]).is_file() for f in index["files"])
        report = (folder / "report.txt").read_text(encoding="utf-8").splitlines()
        assert [line for line in report if line.startswith(("ok", "FAIL"))] == lines
        verdicts = [line for line in result.stdout.splitlines() if line.startswith("source  ")]
        assert verdicts and all(": ok" in line for line in verdicts), verdicts
        assert [line for line in report if line.startswith("source  ")] == verdicts
    assert not list(tmp_path.glob("raw")) and not (tmp_path / "collected.csv").exists()  # nothing collected
    again = collect_cli("--probe", "--site", "president", "--out", str(tmp_path), "--base-url", sites.base_url)
    assert again.exit_code == 1 and "already holds a probe; use --force" in again.stderr
    forced = collect_cli(
        "--probe",
        "--site",
        "president",
        "--out",
        str(tmp_path),
        "--base-url",
        sites.base_url,
        "--rate",
        "100",
        "--force",
    )
    assert forced.exit_code == 0


@pytest.mark.parametrize(
    ("site", "old", "new", "want"),
    [
        (
            "president",
            "      article_title:\n        value: h1\n",
            "      article_title:\n        value: h1.article-title\n",
            "FAIL  president.article_title  h1.article-title: 0 of 3 pages; h1.article-title: no match; first h1 was "
            '<h1 class="article__title"> \'',
        ),
        (
            "president",
            "value: div.card",
            "value: div.news-card",
            'FAIL  president.listing_card  div.news-card: no match; first div was <div class="header__date"> ',
        ),
        (
            "government",
            "value: /graphql\n",
            "value: /graphql/v2\n",
            "FAIL  government.graphql  /graphql/v2: [mfa] HTTP 405: not what the layout expects",
        ),
        (
            "government",
            "value: id title body created_date",
            "value: id title body created_date summary",
            "FAIL  government.item_fields  id title body created_date summary: [mfa] missing summary",
        ),
    ],
)
def test_probe_on_a_changed_layout_says_what_it_found_instead(
    sites: FakeSites, tmp_path: Path, site: str, old: str, new: str, want: str
) -> None:
    layout = layout_copy(tmp_path, old, new)
    extra = ["--entity", "mfa"] if site == "government" else []
    result = collect_cli(
        "--probe",
        "--site",
        site,
        "--out",
        str(tmp_path / "o"),
        "--base-url",
        sites.base_url,
        "--rate",
        "100",
        "--layout",
        str(layout),
        *extra,
    )
    assert result.exit_code == 2, result.output
    assert any(line.startswith(want) for line in result.stdout.splitlines()), result.stdout
    assert "some layout entries no longer match the site" in result.stderr
    assert (tmp_path / "o" / "probe" / site / "report.txt").is_file()


def test_a_changed_layout_is_a_data_change_for_the_run_too(
    sites: FakeSites, tmp_path: Path, matcher: CountryMatcher
) -> None:
    """The fake site keeps its markup; a layout naming another title selector falls back to the listing's
    title, and one whose card selector matches nothing reads the page by its links."""
    layout = layout_copy(tmp_path, "value: div.card", "value: div.no-such-card")
    adapter = make_site("president", sites.base_url, layout=layout)
    summary = collect(adapter, START, END, tmp_path / "out", policy=FAST, matcher=matcher)
    assert summary.collected == 9 and summary.failed == 0


def test_an_unexpected_parser_crash_is_that_reports_failure(
    sites: FakeSites, tmp_path: Path, matcher: CountryMatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kzperception.fieldwork.collect import Akorda

    original = Akorda.parse_article

    def crash_on_one(self: Akorda, html: str, item: Any) -> Any:
        if item.source_id == "akorda-3100003":
            raise RecursionError("maximum recursion depth exceeded [/bold]")
        return original(self, html, item)

    monkeypatch.setattr(Akorda, "parse_article", crash_on_one)
    summary = run(sites, "president", tmp_path, matcher)
    assert summary.failed == 1 and summary.collected == 8
    assert summary.failures[0].endswith("unreadable (RecursionError: maximum recursion depth exceeded [/bold])")
    assert "akorda-3100003" not in set(collected(tmp_path)["id"])


def test_a_run_obeys_wildcard_and_anchored_robots_rules(tmp_path: Path, matcher: CountryMatcher) -> None:
    """Served: the imitation's robots.txt forbids page 2 of the listing by a wildcard rule."""
    robots = "User-agent: *\nDisallow: /*?page=2$\nDisallow: /ru/events?page=3\n"
    with FakeSites(robots=robots) as sites:
        summary = run(sites, "president", tmp_path, matcher)
        asked = {e.target for e in sites.log}
    assert "/ru/events?page=1" in asked and "/ru/events?page=2" not in asked
    assert summary.disallowed == 1
    assert any("robots.txt disallows" in w and "page=2" in w for w in summary.warnings)


@pytest.mark.parametrize("source", ["graphql", "api", "rss"])
def test_pivot_day_reports_are_dated_in_almaty_from_every_gov_source(
    sites: FakeSites, tmp_path: Path, matcher: CountryMatcher, source: str
) -> None:
    """Served: created_date as epoch milliseconds (GraphQL, REST) and pubDate in GMT (RSS)."""
    summary = run(sites, "government", tmp_path, matcher, source=source, entities=["pivot"])
    items = gov_fixture(["pivot"])
    assert summary.failed == 0 and summary.collected == len(items)
    df = collected(tmp_path).set_index("id")
    for sid, item in items.items():
        assert df.loc[sid, "date"] == item["created_date"][:10], sid
    if source != "rss":
        answer = httpx.get(sites.base_url + "/api/v1/public/content-manager/news?projects=eq:pivot&page=1&size=9")
        assert all(isinstance(i["created_date"], int) for i in answer.json())
    else:
        feed = httpx.get(sites.base_url + "/memleket/entities/pivot/press/news/rss").text
        assert "Wed, 23 Feb 2022 20:30:00 GMT" in feed


# --- hostile API items fail alone -------------------------------------------------------------


DEEP_TITLE = json.dumps("<div>" * 1200 + "Заголовок" + "</div>" * 1200)


@pytest.mark.parametrize(
    ("value", "field", "message"),
    [
        ("NaN", "created_date", "field created_date: nan is not a timestamp"),
        ("1e20", "created_date", "field created_date: 1e+20 is not a plausible report date"),
        ("Infinity", "created_date", "field created_date: inf is not a timestamp"),
        ('["2023-06-01"]', "created_date", "field created_date: a list"),
        ('{"ru": "x"}', "created_date", "field created_date: an object"),
        ('"в прошлом году"', "created_date", "field created_date: no date in"),
        (DEEP_TITLE, "title", "field title: malformed page: elements nested more than"),
        ('["Заголовок"]', "title", "field title: a list"),
        ("12345", "title", "field title: a number"),
    ],
)
def test_one_hostile_item_fails_alone_and_the_run_writes_collected_csv(
    tmp_path: Path, value: str, field: str, message: str
) -> None:
    """Served: the first GraphQL item of mfa's first page carries the hostile value; the CLI exits 2."""
    with FakeSites() as sites:
        sites.inject("/graphql?projects=eq:mfa&_page=1&", f"field:{field}={value}")
        result = collect_cli(
            "--site",
            "government",
            "--start",
            START,
            "--end",
            END,
            "--out",
            str(tmp_path),
            "--entity",
            "mfa",
            "--base-url",
            sites.base_url,
            "--rate",
            "100",
            "--page-size",
            "3",
            "--gov-source",
            "graphql",
        )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    want = f"failed: gov.kz mfa GraphQL endpoint page 1 item 1 (id 700001): {message}"
    assert want in result.output, result.output
    df = collected(tmp_path)
    items = gov_fixture(["mfa"])
    assert set(df["id"]) == fate(items, "collected")  # the hostile item is out of the window anyway
    assert len(result.output) < 4000


@pytest.mark.parametrize("variant", ["challenge", "shell", "notice"])
def test_a_first_listing_page_without_reports_exits_2_saying_why(tmp_path: Path, variant: str) -> None:
    """Served: the listing is a challenge page, a script shell or a redirect notice (HTTP 200)."""
    with FakeSites(variant=variant) as sites:
        result = collect_cli(
            "--site",
            "president",
            "--start",
            START,
            "--end",
            END,
            "--out",
            str(tmp_path),
            "--base-url",
            sites.base_url,
            "--rate",
            "100",
            "--retries",
            "0",
        )
    assert result.exit_code == 2, result.output
    assert "listed 0, failed 0" not in result.output
    assert "failed: akorda.kz events page 1: the first listing page shows no report" in result.output
    assert "layout changed" in result.output and "refused this client" in result.output
    assert "--probe" in result.output
    assert (tmp_path / "collected.csv").is_file()


@pytest.mark.parametrize(
    ("variant", "part", "message"),
    [
        ("header_h1", "article_title", "the title is the site's name"),
        ("sidebar_date", "article_date", "is not the listing's"),
        ("short_body", "article_body", "characters, under 20"),
    ],
)
def test_a_layout_that_finds_the_wrong_element_fails_each_report(
    tmp_path: Path, matcher: CountryMatcher, variant: str, part: str, message: str
) -> None:
    """Served: every article misleads one selector; each report fails naming the part, nothing is kept."""
    with FakeSites(variant=variant) as sites:
        summary = run(sites, "president", tmp_path, matcher)
    arts = akorda_fixture()
    untouched = {k for k in fate(arts, "collected") if arts[k].get("variant") == "malformed"}  # own markup
    assert set(collected(tmp_path)["id"]) == untouched
    assert summary.failed == len(fate(arts, "collected") - untouched) > 5
    assert all(f": {part}: " in line and message in line for line in summary.failures), summary.failures[:2]


def test_a_redirect_to_another_port_of_an_allowed_host_is_refused(tmp_path: Path, matcher: CountryMatcher) -> None:
    """Served: a 302 to another service on 127.0.0.1 ("INTERNAL SERVICE") is never followed."""
    policy = FetchPolicy(rate=100, retries=0, backoff=0.01, timeout=2)
    with FakeSites() as sites, FakeSites(robots="") as internal:
        port = internal.base_url.rsplit(":", 1)[1]
        sites.inject(ART[3100002], f"redirect:http://127.0.0.1:{port}/ru/events?page=1")
        summary = run(sites, "president", tmp_path, matcher, policy=policy)
        assert internal.log == []
    assert summary.failed == 1
    assert f"redirect to port {port} refused" in summary.failures[0]
    assert "akorda-3100002" not in set(collected(tmp_path)["id"])


def test_the_user_agent_names_the_project_and_can_be_replaced(tmp_path: Path) -> None:
    from kzperception.fieldwork.collect.model import CONTACT_URL, USER_AGENT

    assert USER_AGENT.startswith("Mozilla/5.0 (compatible; kzperception/") and f"+{CONTACT_URL}" in USER_AGENT
    with FakeSites() as sites:
        result = collect_cli(
            "--site",
            "president",
            "--start",
            "2023-06-01",
            "--end",
            END,
            "--out",
            str(tmp_path / "a"),
            "--base-url",
            sites.base_url,
            "--rate",
            "100",
            "--max-pages",
            "1",
        )
        assert result.exit_code == 0, result.output
        assert {e.agent for e in sites.log} == {USER_AGENT}
    with FakeSites() as sites:
        mine = "Mozilla/5.0 (compatible; my-study/1.0; +mailto:me@example.org)"
        result = collect_cli(
            "--site",
            "president",
            "--start",
            "2023-06-01",
            "--end",
            END,
            "--out",
            str(tmp_path / "b"),
            "--base-url",
            sites.base_url,
            "--rate",
            "100",
            "--max-pages",
            "1",
            "--user-agent",
            mine,
        )
        assert result.exit_code == 0, result.output
        assert {e.agent for e in sites.log} == {mine}
    result = collect_cli(
        "--site",
        "president",
        "--start",
        START,
        "--end",
        END,
        "--out",
        str(tmp_path / "c"),
        "--user-agent",
        "bad\r\nX-Injected: 1",
    )
    assert result.exit_code == 1 and "--user-agent" in result.output


# --- hostile servers: decompression bombs -----------------------------------------------------


def _peak_run(tmp_path: Path, matcher: CountryMatcher, fault: str | None) -> tuple[int, CollectSummary]:
    import tracemalloc

    policy = FetchPolicy(rate=100, retries=0, backoff=0.01, timeout=5, max_bytes=2_000_000)
    with FakeSites() as sites:
        if fault:
            sites.inject(ART[3100002], fault)
        tracemalloc.start()
        try:
            summary = run(sites, "president", tmp_path, matcher, policy=policy)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return peak, summary


def test_a_gzip_bomb_costs_its_report_not_the_memory(tmp_path: Path, matcher: CountryMatcher) -> None:
    """Served: 'Content-Encoding: gzip, gzip', a few kB inflating to 128 MiB (64 times the cap); peak memory is measured
    against a normal run and must stay within twice it (the client's own inflation took 3.2 GB for 1 GiB)."""
    from fieldwork_server import gzip_bomb

    assert len(gzip_bomb(128)) < 20_000
    normal, _ = _peak_run(tmp_path / "normal", matcher, None)
    peak, summary = _peak_run(tmp_path / "bomb", matcher, "bomb:128")
    assert summary.failed == 1
    assert "over the 2000000-byte limit (--max-bytes)" in summary.failures[0]
    assert "gzip, gzip" in summary.failures[0]
    assert peak < 2 * normal, (peak, normal)
    assert "akorda-3100002" not in set(collected(tmp_path / "bomb")["id"])


@pytest.mark.parametrize("encoding", ["br", "gzip, gzip, gzip, gzip", "compress"])
def test_codings_the_collector_did_not_ask_for_fail_the_document(
    tmp_path: Path, matcher: CountryMatcher, encoding: str
) -> None:
    """Served: a Content-Encoding the collector does not inflate itself fails that report only."""
    policy = FetchPolicy(rate=100, retries=0, backoff=0.01, timeout=2)
    with FakeSites() as sites:
        sites.inject(ART[3100002], f"encoding:{encoding}")
        summary = run(sites, "president", tmp_path, matcher, policy=policy)
    assert summary.failed == 1 and "Content-Encoding" in summary.failures[0]
