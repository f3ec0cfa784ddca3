"""The collector's first live run, rehearsed on the local imitation (issue 18).

What the real sites are reported to do and the imitation now serves: akorda.kz's RSS feed (with a
report published at 02:30 in Almaty, on the day before in GMT), gov.kz's REST API refusing a
plain client until it takes a session ticket, page numbering from 0, and the pages that mislead a
layout (a challenge page, a header ``h1``, a sidebar date), which ``--probe`` must call by their
names: refused, layout mismatch, unreachable. Also one deadline per request (a server that sends
its headers a byte at a time) and the page limit sized to the window. Every test is offline.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest
from fieldwork_server import END, FIXTURES, KEYWORDS, ROOT, START, TICKET_PATH, FakeSites
from typer.testing import CliRunner

from kzperception.cli.fieldwork import register
from kzperception.fieldwork.collect import CollectSummary, FetchPolicy, ListedItem, Page, collect, make_site, paginate
from kzperception.fieldwork.collect.model import PAGE_SLACK, REPORTS_PER_DAY, pages_for_window
from kzperception.fieldwork.keywords import CountryMatcher

FAST = FetchPolicy(rate=100, retries=2, backoff=0.01, backoff_max=0.05, timeout=0.5)
REST = "/api/v1/public/content-manager/news?sort-by=created_date:DESC&projects=eq:mfa&"


@pytest.fixture(scope="module")
def matcher() -> CountryMatcher:
    return CountryMatcher.from_yaml(KEYWORDS)


def _cli(*args: str):
    import typer

    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:  # a group, so that "collect" is a subcommand
        pass

    return CliRunner().invoke(app, ["collect", *args])


def _rows(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "collected.csv", dtype=str, keep_default_na=False).set_index("id")


def _articles() -> list[dict]:
    import yaml

    return yaml.safe_load((FIXTURES / "akorda" / "articles.yaml").read_text(encoding="utf-8"))["articles"]


# --- akorda.kz: the RSS feed first, the HTML listing for the rest ------------------------------


def test_the_akorda_feed_is_read_first_and_merged_with_the_listing(tmp_path: Path, matcher: CountryMatcher) -> None:
    with FakeSites() as sites:
        adapter = make_site("president", sites.base_url)
        summary = collect(adapter, START, END, tmp_path, policy=FAST, matcher=matcher)
        asked = [e.target for e in sites.log]
        feed = httpx.get(sites.base_url + "/ru/rss").text
    assert asked.index("/ru/rss") < asked.index("/ru/events?page=1")  # the feed first
    early = next(a for a in _articles() if a.get("time") == "02:30")
    assert f"{early['date'] - dt.timedelta(days=1):%d %b %Y} 20:30:00 GMT" in feed  # the day before, in GMT
    listed = {item.source_id: item.date for item in adapter.parse_rss(feed)}
    assert listed[f"akorda-{early['id']}"] == early["date"]  # the feed's item is dated in Almaty
    assert summary.sources == {"akorda": "rss+listing"}
    df = _rows(tmp_path)
    assert df.index.is_unique  # the feed's reports are also on the listing: each is kept once
    # published at 02:30 in Almaty: the feed's GMT pubDate is on the day before, the report is not
    assert df.loc[f"akorda-{early['id']}", "date"] == early["date"].isoformat()
    # every report the listing alone would give is there
    assert summary.failed == 0 and len(df) == summary.collected == 9


def test_a_feed_that_reaches_back_to_the_start_is_enough(tmp_path: Path, matcher: CountryMatcher) -> None:
    arts = _articles()
    start = (min(a["date"] for a in arts[:6]) + dt.timedelta(days=1)).isoformat()  # the feed reaches beyond it
    with FakeSites(rss_items=6) as sites:
        summary = collect(make_site("president", sites.base_url), start, END, tmp_path, policy=FAST, matcher=matcher)
        asked = [e.target for e in sites.log]
    assert summary.sources == {"akorda": "rss"}
    assert not [t for t in asked if t.startswith("/ru/events")]
    assert set(_rows(tmp_path).index) <= {f"akorda-{a['id']}" for a in arts[:6]}
    assert len(_rows(tmp_path)) == summary.collected > 0


def test_without_a_feed_the_listing_is_read_alone_with_a_warning(tmp_path: Path, matcher: CountryMatcher) -> None:
    with FakeSites(rss_items=0) as sites:
        summary = collect(make_site("president", sites.base_url), START, END, tmp_path, policy=FAST, matcher=matcher)
    assert summary.sources == {"akorda": "listing"} and summary.collected == 9 and summary.failed == 0
    assert any(w.startswith("akorda.kz RSS feed") and "HTTP 404" in w for w in summary.warnings)


# --- gov.kz: the session ticket and the page numbering -----------------------------------------


def test_the_rest_api_is_read_after_taking_a_session_ticket(tmp_path: Path, matcher: CountryMatcher) -> None:
    with FakeSites(ticket=True) as sites:
        adapter = make_site("government", sites.base_url, ["mfa"], page_size=3, gov_source="api")
        summary = collect(adapter, START, END, tmp_path, policy=FAST, matcher=matcher)
        tickets = [e for e in sites.requests(TICKET_PATH) if e.method == "POST"]
        pages = sites.requests(REST)
    assert summary.sources == {"mfa": "api"} and summary.collected > 3
    assert len(tickets) == 1  # once per run
    assert pages[0].status == 400 and all(p.status == 200 for p in pages[1:])  # refused, then answered


def test_a_refused_ticket_is_renewed_once(tmp_path: Path, matcher: CountryMatcher) -> None:
    with FakeSites(ticket=True) as sites:
        sites.inject(REST + "page=3", "expire")  # the session ends before the third page
        adapter = make_site("government", sites.base_url, ["mfa"], page_size=3, gov_source="api")
        summary = collect(adapter, START, END, tmp_path, policy=FAST, matcher=matcher)
        tickets = [e for e in sites.requests(TICKET_PATH) if e.method == "POST"]
    assert len(tickets) == 2
    assert any("refused the session ticket; a new one was taken" in w for w in summary.warnings)
    with FakeSites() as clean:  # the same reports as a server that never asks for a ticket
        plain = collect(
            make_site("government", clean.base_url, ["mfa"], page_size=3, gov_source="api"),
            START,
            END,
            tmp_path / "plain",
            policy=FAST,
            matcher=matcher,
        )
    assert summary.collected == plain.collected and summary.failed == plain.failed


def test_page_numbering_is_configured_per_endpoint(tmp_path: Path, matcher: CountryMatcher) -> None:
    text = (ROOT / "data" / "sites.yaml").read_text(encoding="utf-8")
    rest = "page={page}&size={size}\n        first_page: 1"
    assert rest in text
    zero = tmp_path / "sites-zero.yaml"
    zero.write_text(text.replace(rest, rest.replace("first_page: 1", "first_page: 0")), encoding="utf-8")
    results = {}
    with FakeSites(api_first_page=0) as sites:
        for name, layout in (("zero", zero), ("one", None)):
            adapter = make_site("government", sites.base_url, ["mfa"], page_size=3, gov_source="api", layout=layout)
            results[name] = collect(adapter, START, END, tmp_path / name, policy=FAST, matcher=matcher)
        first = sites.requests(REST)[0].target
    assert first.endswith("page=0&size=3")
    with FakeSites() as sites:
        want = collect(
            make_site("government", sites.base_url, ["mfa"], page_size=3, gov_source="api"),
            START,
            END,
            tmp_path / "want",
            policy=FAST,
            matcher=matcher,
        )
    assert results["zero"].collected == want.collected
    assert set(_rows(tmp_path / "zero").index) == set(_rows(tmp_path / "want").index)
    # read as 1-based, a 0-based API loses its newest page
    assert set(_rows(tmp_path / "one").index) < set(_rows(tmp_path / "want").index)


def test_first_page_is_only_for_paged_parts(tmp_path: Path) -> None:
    text = (ROOT / "data" / "sites.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("        value: h1\n", "        value: h1\n        first_page: 0\n"), encoding="utf-8")
    result = _cli("--probe", "--site", "president", "--out", str(tmp_path / "o"), "--layout", str(bad))
    assert result.exit_code == 1
    assert "article_title.value: first_page is for the paged parts only" in result.stderr


# --- --probe: one verdict per source, and an exit status that follows --------------------------


def _probe(sites: FakeSites, out: Path, site: str = "president", *extra: str):
    more = ["--entity", "mfa"] if site == "government" else []
    return _cli(
        "--probe",
        "--site",
        site,
        "--out",
        str(out),
        "--base-url",
        sites.base_url,
        "--rate",
        "100",
        "--retries",
        "0",
        "--timeout",
        "0.5",
        *more,
        *extra,
    )


def _verdicts(output: str) -> dict[str, str]:
    return {
        line.split()[1].rstrip(":"): line.split()[2].rstrip(":")
        for line in output.splitlines()
        if line.startswith("source  ")
    }


@pytest.mark.parametrize("variant", ["challenge", "shell"])
def test_probe_calls_a_challenge_page_or_script_shell_a_refusal(tmp_path: Path, variant: str) -> None:
    with FakeSites(variant=variant) as sites:
        result = _probe(sites, tmp_path)
    assert result.exit_code == 3, result.output
    assert _verdicts(result.stdout) == {"president.rss": "refused", "president.listing": "refused"}
    line = next(x for x in result.stdout.splitlines() if x.startswith("source  president.listing"))
    assert "HTTP 200" in line and "the user agent" in line and "not the layout" in line
    assert "refused this client" in result.stderr


def test_probe_calls_a_redirect_notice_a_layout_mismatch(tmp_path: Path) -> None:
    with FakeSites(variant="notice") as sites:
        result = _probe(sites, tmp_path)
    assert result.exit_code == 2, result.output
    assert _verdicts(result.stdout)["president.listing"] == "mismatch"
    assert "edit data/sites.yaml" in result.stdout


@pytest.mark.parametrize(
    ("variant", "part", "seen"),
    [
        ("header_h1", "article_title", "Официальный сайт Президента Республики Казахстан"),
        ("sidebar_date", "article_date", "2024-02-01 (listing "),
        ("short_body", "article_body", "Читать далее"),
    ],
)
def test_probe_marks_a_part_whose_values_break_the_sanity_rules(
    tmp_path: Path, variant: str, part: str, seen: str
) -> None:
    """The selector matches something on every page, so only the values tell that it is the wrong thing."""
    with FakeSites(variant=variant) as sites:
        result = _probe(sites, tmp_path)
    assert result.exit_code == 2, result.output
    line = next(x for x in result.stdout.splitlines() if x.startswith(f"FAIL  president.{part} "))
    assert "fail the sanity rules" in line and "values seen" in line and seen in line
    assert _verdicts(result.stdout) == {"president.rss": "ok", "president.listing": "mismatch"}


def test_probe_takes_the_session_ticket_for_the_rest_api(tmp_path: Path) -> None:
    with FakeSites(ticket=True) as sites:
        result = _probe(sites, tmp_path, "government")
    assert result.exit_code == 0, result.output
    assert "ok    government.session_ticket" in result.stdout and "taken (HTTP 200)" in result.stdout
    assert _verdicts(result.stdout)["government.news_api[mfa]"] == "ok"


def test_probe_reports_a_refusal_with_its_status_and_first_bytes(tmp_path: Path) -> None:
    with FakeSites() as sites:
        sites.refuse_graphql("mfa")
        result = _probe(sites, tmp_path, "government")
    assert result.exit_code == 3, result.output
    line = next(x for x in result.stdout.splitlines() if x.startswith("source  government.graphql[mfa]"))
    assert "refused: HTTP 400" in line and "notAllowed" in line and "the session" in line


def test_probe_of_a_site_that_does_not_answer_says_unreachable(tmp_path: Path) -> None:
    sites = FakeSites().start()
    sites.stop()  # the port is closed now
    result = _probe(sites, tmp_path)
    assert result.exit_code == 4, result.output
    assert set(_verdicts(result.stdout).values()) == {"unreachable"}


# --- one deadline per request; the page limit sized to the window -------------------------------


def test_headers_sent_a_byte_at_a_time_cost_one_report_within_the_deadline(
    tmp_path: Path, matcher: CountryMatcher
) -> None:
    art = _articles()[1]
    policy = FetchPolicy(rate=100, retries=0, backoff=0.01, timeout=0.5)  # 2 s for a whole request
    with FakeSites() as sites:
        sites.inject(f"/ru/{art['slug']}-{art['id']}", "slowheaders:0.1")  # each byte well within a read timeout
        began = time.monotonic()
        summary = collect(make_site("president", sites.base_url), START, END, tmp_path, policy=policy, matcher=matcher)
        took = time.monotonic() - began
    assert took < 10, took  # the headers alone would take 25 s
    (failure,) = summary.failures
    assert str(art["id"]) in failure and "timeout" in failure


def test_the_default_page_limit_is_sized_to_the_window() -> None:
    today = dt.date(2026, 12, 5)
    assert pages_for_window(dt.date(2023, 8, 25), 10, today) == 1199 * REPORTS_PER_DAY // 10 + PAGE_SLACK
    assert pages_for_window(today, 10, today) == 1 + PAGE_SLACK

    def endless(number: int) -> Page:  # every page new reports, all dated today
        return Page([ListedItem(f"x-{number}-{i}", f"https://x/{number}/{i}", "e", dt.date.today()) for i in range(5)])

    summary = CollectSummary("president", "", "")
    start = dt.date.today() - dt.timedelta(days=2)
    paginate(endless, 1, start, dt.date.today(), None, summary, "endless")
    limit = pages_for_window(start, 5)
    assert any(f"stopped after {limit} pages (sized to the window" in w for w in summary.warnings)


# --- the imitation by hand -----------------------------------------------------------------------


def test_the_imitation_starts_by_hand_and_serves_the_collector(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fieldwork_server.py"), "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        base = line.split(" at ")[1].split()[0]
        result = _cli(
            "--site",
            "president",
            "--start",
            START,
            "--end",
            END,
            "--out",
            str(tmp_path),
            "--base-url",
            base,
            "--rate",
            "100",
            "--no-progress",
        )
    finally:
        proc.terminate()
        proc.wait(10)
    assert result.exit_code == 0, result.output
    assert "listed 10" in result.stdout and "sources: rss+listing akorda" in result.stdout


def test_a_full_disk_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write to an open file fails with no file name in the error; the message names it anyway."""
    import errno

    from kzperception import atomic

    class Full:
        """A file opened on a full disk: its write fails, naming no file (as ``f.write`` does)."""

        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "open", Full, raising=False)  # the writes of kzperception.atomic
    with FakeSites() as sites:
        result = _cli(
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
            "--no-progress",
        )
    assert result.exit_code == 1
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert line.startswith(f"error: {tmp_path / 'raw'}") and line.endswith(": No space left on device (ENOSPC)")


@pytest.mark.parametrize("fault", ["truncate", "huge:3000000"])
def test_messages_quote_at_most_a_short_excerpt(tmp_path: Path, matcher: CountryMatcher, fault: str) -> None:
    """A body cut short under its Content-Length, or one over the cap: the failure line stays short."""
    art = _articles()[1]
    policy = FetchPolicy(rate=100, retries=0, backoff=0.01, timeout=1, max_bytes=1_000_000)
    with FakeSites() as sites:
        sites.inject(f"/ru/{art['slug']}-{art['id']}", fault)
        summary = collect(make_site("president", sites.base_url), START, END, tmp_path, policy=policy, matcher=matcher)
    (failure,) = summary.failures
    assert str(art["id"]) in failure and len(failure) < 400, failure


@pytest.mark.parametrize(
    ("variant", "looks"),
    [
        ("challenge", "It looks like a refusal"),
        ("shell", "It looks like a refusal"),
        ("notice", "It looks like a changed layout"),
    ],
)
def test_an_empty_first_listing_page_says_which_it_looks_like(tmp_path: Path, variant: str, looks: str) -> None:
    with FakeSites(variant=variant) as sites:
        result = _cli(
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
            "--no-progress",
        )
    assert result.exit_code == 2, result.output
    assert "listed 0, failed 0" not in result.output
    (line,) = [x for x in result.output.splitlines() if "the first listing page shows no report" in x]
    assert looks in line and "--probe" in line


def test_probe_gives_each_entity_and_source_its_own_verdict(tmp_path: Path) -> None:
    with FakeSites() as sites:
        sites.refuse_graphql("mti")
        result = _probe(sites, tmp_path, "government", "--entity", "mti")
    verdicts = _verdicts(result.stdout)
    assert verdicts["government.graphql[mfa]"] == "ok" and verdicts["government.graphql[mti]"] == "refused"
    assert verdicts["government.news_api[mti]"] == "ok" and verdicts["government.rss_feed[mti]"] == "ok"
    assert result.exit_code == 3, result.output
    report = json.loads((tmp_path / "probe" / "government" / "report.json").read_text(encoding="utf-8"))
    assert report["exit_code"] == 3
    assert {(v["source"], v["verdict"]) for v in report["sources"]} >= {("graphql[mti]", "refused")}


def test_probe_calls_a_graphql_errors_answer_saying_not_allowed_a_refusal(tmp_path: Path) -> None:
    """HTTP 200 with {"errors": [{"message": "notAllowed"}]}: refused; another error: a mismatch."""
    with FakeSites() as sites:
        sites.inject("/graphql?projects=eq:mfa", "errors")  # "Internal server error (injected)"
        other = _probe(sites, tmp_path / "a", "government")
    assert _verdicts(other.stdout)["government.graphql[mfa]"] == "mismatch"
    with FakeSites() as sites:
        original = sites.route

        def refusing(target: str, method: str = "GET", body: bytes = b"", host: str = "", cookie: str = ""):
            if target == "/graphql":
                return 200, "application/json", b'{"errors": [{"message": "notAllowed"}], "data": null}'
            return original(target, method, body, host, cookie)

        sites.route = refusing  # type: ignore[method-assign]
        refused = _probe(sites, tmp_path / "b", "government")
    assert _verdicts(refused.stdout)["government.graphql[mfa]"] == "refused"
    assert refused.exit_code == 3, refused.output


def test_a_report_the_listing_puts_in_the_window_and_its_page_outside_is_named(
    tmp_path: Path, matcher: CountryMatcher
) -> None:
    """The listing prints the day after the page's date, and the window begins that day: the report
    is not collected, and a warning names it and the layout part its date came from."""
    from fieldwork_server import ru_date

    art = next(a for a in _articles() if a.get("time") == "02:30")
    day, next_day = ru_date(art["date"]).encode(), ru_date(art["date"] + dt.timedelta(days=1)).encode()
    with FakeSites(rss_items=0) as sites:
        original = sites.route

        def shifted(target: str, method: str = "GET", body: bytes = b"", host: str = "", cookie: str = ""):
            status, ctype, page = original(target, method, body, host, cookie)
            return status, ctype, page.replace(day, next_day) if target.startswith("/ru/events") else page

        sites.route = shifted  # type: ignore[method-assign]
        start = (art["date"] + dt.timedelta(days=1)).isoformat()
        summary = collect(make_site("president", sites.base_url), start, END, tmp_path, policy=FAST, matcher=matcher)
    assert f"akorda-{art['id']}" not in set(_rows(tmp_path).index)
    assert any(
        str(art["id"]) in w and "article_date: the page dates it" in w and "outside the window" in w
        for w in summary.warnings
    ), summary.warnings


def test_the_session_ticket_obeys_robots_txt(tmp_path: Path, matcher: CountryMatcher) -> None:
    """robots.txt disallows the ticket's address: no ticket is asked for, the entity is read from RSS."""
    robots = "User-agent: *\nDisallow: /api/v1/public/_/\n"
    with FakeSites(ticket=True, robots=robots) as sites:
        adapter = make_site("government", sites.base_url, ["mfa"], page_size=3, gov_source="auto")
        sites.refuse_graphql("mfa")
        summary = collect(adapter, START, END, tmp_path, policy=FAST, matcher=matcher)
        tickets = sites.requests(TICKET_PATH)
    assert tickets == [] and summary.disallowed >= 1
    assert summary.sources == {"mfa": "rss"}
    assert any("robots.txt disallows" in w and TICKET_PATH in w for w in summary.warnings), summary.warnings
