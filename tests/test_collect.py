"""The collector against a local fake of akorda.kz and gov.kz, with faults (kzperception.collect).

Every test is offline: ``fieldwork_server.FakeSites`` serves the fixtures on 127.0.0.1 and logs each
request, so the tests can check what was downloaded, when, and how often.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
import yaml
from fieldwork_server import END, FIXTURES, KEYWORDS, ROBOTS, ROOT, START, FakeSites, graphql_request
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
        source: str = "auto", entities: list[str] | None = None, **kw: Any) -> CollectSummary:
    entities = (entities or ENTITIES) if site == "government" else []
    adapter = make_site(site, sites.base_url, entities, page_size=3, gov_source=source)
    return collect(adapter, START, END, out, policy=policy, matcher=matcher, **kw)


def graphql_posts(sites: FakeSites, entity: str = "") -> list[Any]:
    """The POSTs to /graphql the server saw (for one entity, when named)."""
    return [e for e in sites.requests(f"/graphql?projects=eq:{entity}" if entity else "/graphql")
            if e.method == "POST"]


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


def test_government_run_over_rest_and_rss_agrees_with_fixtures(sites: FakeSites, tmp_path: Path,
                                                               matcher: CountryMatcher) -> None:
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
        sites.inject("/api/v1/public/content-manager/news?sort-by=created_date:DESC&projects=eq:mfa&page=2",
                     "500", "truncate", "429")
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
    import kzperception.collect.transport as collect_module

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
def test_rate_limit_is_honoured(tmp_path: Path, matcher: CountryMatcher, monkeypatch: pytest.MonkeyPatch,
                                site: str, at_least: int) -> None:
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


def kill_collect_at(sites: FakeSites, held: str, out: Path, args: list[str]) -> None:
    """Run ``kzperception collect`` in a process, kill it while the request ``held`` is being served,
    and check that the killed run left nothing partial behind."""
    hold = sites.hold(held)
    cmd = [sys.executable, "-m", "kzperception.cli_fieldwork", "collect", *args,
           "--start", START, "--end", END, "--out", str(out), "--base-url", sites.base_url,
           "--keywords", str(KEYWORDS), "--rate", "50", "--backoff", "0.01", "--timeout", "30", "--no-progress"]
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


def test_killed_run_resumes_with_nothing_lost_or_downloaded_twice(tmp_path: Path,
                                                                  matcher: CountryMatcher) -> None:
    out = tmp_path / "out"
    with FakeSites() as sites:
        kill_collect_at(sites, "/ru/glava-gosudarstva-prinyal-ministrov", out,  # the fifth article
                        ["--site", "president"])
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


# --- gov.kz through GraphQL, and the fallback to the REST API and RSS ---------------------------


def test_government_run_via_graphql_agrees_with_fixtures(sites: FakeSites, tmp_path: Path,
                                                         matcher: CountryMatcher) -> None:
    summary = run(sites, "government", tmp_path, matcher)
    # rssonly refuses GraphQL and the API in the fixture; the others are served by GraphQL alone
    assert summary.sources == {"mfa": "graphql", "mti": "graphql", "rssonly": "rss"}
    assert_government_rows_agree(tmp_path, summary)
    assert "no title" in summary.failures[0]
    # mfa: 4 GraphQL pages + 1 detail (item without body); mti: 1 page; rssonly: its feed
    assert summary.fetched == 4 + 1 + 1 + 1 and summary.from_cache == 0 and summary.retries == 0
    assert [e.target for e in graphql_posts(sites, "mfa")] == [
        f"/graphql?projects=eq:mfa&_page={n}&_size=3" for n in (1, 2, 3, 4)]
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


def test_retry_after_on_a_graphql_page_is_honoured(tmp_path: Path, matcher: CountryMatcher,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
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
        kill_collect_at(sites, "/graphql?projects=eq:mfa&_page=3&", out,
                        ["--site", "government", "--entity", "mfa", "--entity", "mti", "--page-size", "3"])
        assert sorted(sites.served()) == ["/graphql?projects=eq:mfa&_page=1&_size=3",
                                          "/graphql?projects=eq:mfa&_page=2&_size=3", "/robots.txt"]

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


def test_fallback_graphql_then_rest_then_rss_is_reported(sites: FakeSites, tmp_path: Path,
                                                         matcher: CountryMatcher) -> None:
    sites.refuse_graphql("mti")  # rssonly refuses GraphQL and the API in the fixture
    summary = run(sites, "government", tmp_path, matcher)
    assert summary.sources == {"mfa": "graphql", "mti": "api", "rssonly": "rss"}
    assert_government_rows_agree(tmp_path, summary)
    assert not [w for w in summary.warnings if w.startswith("gov.kz mfa")]
    assert [w for w in summary.warnings if w.startswith("gov.kz mti")] == [
        "gov.kz mti: GraphQL endpoint unavailable (HTTP 400: refused); served by the news API"]
    (rss,) = [w for w in summary.warnings if w.startswith("gov.kz rssonly")]
    assert rss.startswith("gov.kz rssonly: GraphQL endpoint unavailable (HTTP 400: refused); "
                          "news API unavailable (HTTP 400: refused; the live API is reported to want a "
                          "browser session ticket")
    assert rss.endswith("; served by the RSS feed")
    assert "; sources: graphql mfa; api mti; rss rssonly" in summary.line()
    # each source asked once, in order; a refusal (400) is not retried
    assert summary.retries == 0
    assert [e.status for e in graphql_posts(sites, "mti")] == [400] and len(rest_pages(sites, "mti")) == 1
    assert rest_pages(sites, "mfa") == []
    asked = [e.target.split("?")[0] for e in sites.log if "rssonly" in e.target]
    assert asked == ["/graphql", "/api/v1/public/content-manager/news", "/memleket/entities/rssonly/press/news/rss"]


def test_graphql_that_keeps_answering_errors_falls_back_after_its_retries(sites: FakeSites, tmp_path: Path,
                                                                          matcher: CountryMatcher) -> None:
    sites.inject("/graphql?projects=eq:mfa&_page=1&", *["errors"] * 5)
    summary = run(sites, "government", tmp_path, matcher, entities=["mfa"])
    assert sites.pending_faults() == {} and summary.retries == 4
    assert summary.sources == {"mfa": "api"}
    (warning,) = [w for w in summary.warnings if w.startswith("gov.kz mfa")]
    assert "GraphQL endpoint unavailable (gave up after 5 attempts: unusable body" in warning
    assert "GraphQL errors: Internal server error (injected)" in warning and warning.endswith("news API")
    assert_government_rows_agree(tmp_path, summary, ["mfa"])


def test_graphql_failing_on_a_later_page_stops_that_listing_without_falling_back(
        sites: FakeSites, tmp_path: Path, matcher: CountryMatcher) -> None:
    sites.inject("/graphql?projects=eq:mfa&_page=2&", *["500"] * 5)
    summary = run(sites, "government", tmp_path, matcher, entities=["mfa"])
    assert summary.sources == {"mfa": "graphql"} and rest_pages(sites, "mfa") == []
    assert any(f.startswith("gov.kz mfa GraphQL endpoint page 2: gave up") for f in summary.failures)
    assert "gov.kz mfa GraphQL endpoint: listing stopped at page 2; older reports may be lost" in summary.warnings
    assert set(collected(tmp_path)["id"]) == {"govkz-mfa-700002", "govkz-mfa-700003"}  # page 1, in the window


@pytest.mark.parametrize("source", ["graphql", "api", "rss"])
def test_an_explicit_gov_source_is_used_alone(sites: FakeSites, tmp_path: Path, matcher: CountryMatcher,
                                              source: str) -> None:
    from kzperception.collect import GOV_SOURCES

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


def test_graphql_query_and_cache_keys_differ_per_page_and_entity() -> None:
    import hashlib

    site = make_site("government", "https://www.gov.kz", ["mfa", "mti"], page_size=50)
    url = site.graphql_url()
    assert url == "https://www.gov.kz/graphql"
    assert json.loads(site.graphql_body("mfa", 2)) == {"query": (
        'query { news(projects: "eq:mfa", _lang: "ru", _page: 2, _size: 50, _sort: "created_date:desc") '
        "{ id title body created_date } }")}
    keys = {(e, n): RawCache.key(url, "POST", site.graphql_body(e, n)) for e in ("mfa", "mti") for n in (1, 2)}
    assert len(set(keys.values())) == 4  # per page and per entity
    assert RawCache.key(url, "POST", site.graphql_body("mfa", 1)) == keys["mfa", 1]  # stable across runs
    other_size = make_site("government", "https://www.gov.kz", ["mfa"], page_size=10)
    assert RawCache.key(url, "POST", other_size.graphql_body("mfa", 1)) != keys["mfa", 1]
    assert RawCache.key(url) not in keys.values()  # a GET of the same URL is another entry
    assert RawCache.key(url) == hashlib.sha256(url.encode()).hexdigest()  # GET keys unchanged: old caches valid


def test_fetcher_post_is_polite_and_cached_per_body(tmp_path: Path) -> None:
    """POST has GET's courtesies: robots.txt, retries with Retry-After, the raw cache (keyed by body)."""
    from kzperception.collect import Disallowed, Fetcher
    from kzperception.collect.govkz import _graphql_validator

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
    from kzperception.collect.govkz import _graphql_items

    assert _graphql_items({"data": {"news": [{"id": 1}, "x"]}}) == [{"id": 1}]
    assert _graphql_items({"data": {"news": []}}) == []
    for bad, message in [
        ({"errors": [{"message": "notAllowed"}], "data": None}, "GraphQL errors: notAllowed"),
        ({"errors": [{"message": "partial"}], "data": {"news": [{"id": 1}]}}, "GraphQL errors: partial"),
        ({"data": {"news": {"id": 1}}}, "data.news is a dict, not a list"),
        ({"data": None}, "data.news is a NoneType"),
        ([{"id": 1}], "not an object"),
    ]:
        with pytest.raises(ValueError, match=message):
            _graphql_items(bad)


def test_fake_graphql_pages_filters_and_refuses(sites: FakeSites) -> None:
    site = make_site("government", sites.base_url, ["mfa"], page_size=3)

    def post(entity: str, page: int) -> httpx.Response:
        return httpx.post(site.graphql_url(), content=site.graphql_body(entity, page),
                          headers={"Content-Type": "application/json"})

    assert [i["id"] for i in post("mfa", 2).json()["data"]["news"]] == [700004, 700005, 700006]
    assert set(post("mti", 1).json()["data"]["news"][0]) == {"id", "title", "body", "created_date"}
    assert post("mfa", 5).json() == {"data": {"news": []}}
    refused = post("rssonly", 1)
    assert refused.status_code == 400 and refused.json()["errors"][0]["message"] == "notAllowed"
    assert httpx.get(site.graphql_url()).status_code == 405


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
    from kzperception.collect.govkz import _api_items

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


def test_collect_command_names_the_source_of_each_entity(sites: FakeSites, tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), [
        "collect", "--site", "government", "--entity", "mti", "--entity", "rssonly", "--page-size", "3",
        "--start", START, "--end", END, "--out", str(tmp_path), "--base-url", sites.base_url,
        "--keywords", str(KEYWORDS), "--rate", "50", "--no-progress",
    ])
    assert result.exit_code == 0, result.output
    assert "; sources: graphql mti; rss rssonly" in result.stdout
    assert "warning: gov.kz rssonly: GraphQL endpoint unavailable (HTTP 400: refused); news API" in result.stderr


def test_collect_help_names_the_gov_sources() -> None:
    result = CliRunner().invoke(_app(), ["collect", "--help"], env={"COLUMNS": "200", "TERM": "dumb"})
    assert result.exit_code == 0
    assert "auto|graphql|api|rss" in result.output
    assert "GraphQL, then the API, then RSS" in result.output


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
