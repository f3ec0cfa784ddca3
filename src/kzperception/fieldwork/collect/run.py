"""The resumable run: list, fetch, extract, merge into ``collected.csv``, summarise."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
import pandas as pd

from kzperception.atomic import atomic_target, naming, write_bytes_atomic
from kzperception.fieldwork.keywords import CountryMatcher
from kzperception.fieldwork.sheet_cells import neutralise, restore

from .akorda import Akorda
from .cache import remove_stale_temps
from .govkz import GovKz
from .layout import Layouts, load_layouts
from .model import (
    COLLECTED_COLUMNS,
    CollectError,
    CollectSummary,
    Disallowed,
    FetchError,
    ItemError,
    ListedItem,
    RawReport,
    Site,
)
from .sanity import check_reports, describe
from .transport import Fetcher, FetchPolicy, RawCache, normalize_url


def make_site(
    site: str,
    base_url: str | None = None,
    entities: Sequence[str] = (),
    page_size: int = 50,
    max_pages: int | None = None,
    gov_source: str = "auto",
    layout: str | os.PathLike[str] | Layouts | None = None,
) -> Site:
    """The adapter for ``president`` (akorda.kz) or ``government`` (gov.kz), on the layout of
    ``layout`` (a file, or layouts already loaded; default ``data/sites.yaml``)."""
    if site not in ("president", "government"):
        raise CollectError(f"--site: {site!r} is not one of president|government")
    layouts = layout if isinstance(layout, Layouts) else load_layouts(layout)
    base = check_base_url(base_url) if base_url is not None else None
    if site == "president":
        if entities:
            raise CollectError("--entity: only gov.kz has entities; drop it for --site president")
        return Akorda(base, max_pages=max_pages, layout=layouts.sites.president)
    return GovKz(list(entities), base, page_size, max_pages, gov_source, layout=layouts.sites.government)


def check_base_url(value: str) -> str:
    """``--base-url`` as ``scheme://host[:port]``: a site root, nothing after it."""
    try:
        url = normalize_url(value)
    except FetchError as err:
        raise CollectError(f"--base-url: {err}") from None
    parts = urlsplit(url)
    if parts.path not in ("", "/") or parts.query:
        raise CollectError(f"--base-url: {value[:200]!r} must be a site root such as https://www.akorda.kz")
    return f"{parts.scheme}://{parts.netloc}"


# --------------------------------------------------------------------------------------------
# The run


class _Bar(Protocol):
    def add_task(self, description: str, *, total: float | None = ...) -> Any: ...
    def advance(self, task_id: Any, advance: float = ...) -> None: ...
    def update(self, task_id: Any, *, total: float | None = ..., completed: float | None = ...) -> None: ...


@contextmanager
def _progress(enabled: bool) -> Iterator[_Bar]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not enabled or not console.is_terminal,
        transient=False,
    ) as bar:
        yield bar


def _as_row(report: RawReport, matcher: CountryMatcher | None) -> dict[str, str]:
    matched = matcher.matches(report.title_ru + "\n\n" + report.text_ru) if matcher else []
    return {
        "id": report.source_id,
        "country": "",
        "matched": ";".join(matched),
        "website": report.website,
        "entity": report.entity,
        "date": report.date.isoformat(),
        "url": report.url,
        "title_ru": report.title_ru,
        "text_ru": report.text_ru,
        "provenance": "collected",
    }


def read_collected(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A ``collected.csv`` as all-text columns (empty strings, never NaN), each value as the site gave it.

    The file is written formula-safe (:func:`write_collected`), because researchers open it in a
    spreadsheet; reading takes the one protective quote off again.
    """
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise CollectError(f"{path}: file missing (run `kzperception collect` first)") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise CollectError(f"{path}: not a readable collected.csv ({type(err).__name__})") from None
    missing = [c for c in ("id", "website", "entity", "date", "url", "title_ru", "text_ru") if c not in df]
    if missing:
        raise CollectError(f"{path}: {missing[0]}: required column missing")
    return df.map(restore)


def write_collected(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``collected.csv`` atomically, every cell formula-safe and quoted.

    A scraped title or text is the site's text: one that begins with ``=``, ``+``, ``-`` or ``@``
    would run as a formula in Excel or LibreOffice. The OWASP rule of the coding sheets applies
    (:func:`kzperception.fieldwork.sheet_cells.neutralise`), and :func:`read_collected` undoes it
    exactly, so a value survives any number of collect runs unchanged.
    """
    with naming(Path(path)), atomic_target(path) as tmp, open(tmp, "x", encoding="utf-8", newline="") as handle:
        df.astype(str).map(neutralise).to_csv(handle, index=False, quoting=csv.QUOTE_ALL)
    return Path(path)


def _merge(existing: pd.DataFrame | None, rows: Iterable[dict[str, str]]) -> pd.DataFrame:
    """New rows replace old ones with the same id; the rest of an earlier run is kept."""
    new = pd.DataFrame(list(rows), columns=list(COLLECTED_COLUMNS))
    if existing is not None and len(existing):
        keep = existing[~existing["id"].isin(set(new["id"]))]
        keep = keep.reindex(columns=list(COLLECTED_COLUMNS), fill_value="")
        new = pd.concat([keep, new], ignore_index=True)
    return new.sort_values(["website", "date", "id"], kind="stable").reset_index(drop=True)


def collect(
    site: Site,
    start: str | dt.date,
    end: str | dt.date,
    out: str | os.PathLike[str],
    *,
    policy: FetchPolicy | None = None,
    matcher: CountryMatcher | None = None,
    refresh_listings: bool = False,
    progress: bool = False,
    client: httpx.Client | None = None,
) -> CollectSummary:
    """Collect every report ``site`` lists between ``start`` and ``end`` into ``out/collected.csv``.

    Safe to stop and run again: documents already in ``out/raw/`` are read from there, and
    ``collected.csv`` (merged with an earlier run's rows) is written only at the end. A report
    that cannot be had or read (any fault of its own: redirect loop, undecodable or oversized body,
    timeouts, a page no parser reads) is counted as failed and the run goes on; it is not cached,
    so the next run asks for it again and reads every success from the cache. What a killed run
    left half written is removed first.
    """
    start_d, end_d = _window(start, end)
    policy = policy or FetchPolicy()
    out = Path(out)
    remove_stale_temps(out, recursive=False)  # a killed run's half-written collected.csv or summary
    existing = read_collected(out / "collected.csv") if (out / "collected.csv").is_file() else None
    summary = CollectSummary(getattr(site, "website", "site"), start_d.isoformat(), end_d.isoformat())
    rows: list[dict[str, str]] = []
    hosts = getattr(site, "hosts", None)
    with (
        Fetcher(policy, RawCache(out / "raw"), summary, client, allowed_hosts=hosts) as fetcher,
        _progress(progress) as bar,
    ):
        pages = bar.add_task("listing pages", total=None)
        seen_pages = [0]

        def tick() -> None:
            seen_pages[0] += 1
            bar.advance(pages)

        listed = site.listing(fetcher, start_d, end_d, summary, refresh_listings, tick)
        bar.update(pages, total=seen_pages[0], completed=seen_pages[0])
        summary.listed = len(listed)
        task = bar.add_task("reports", total=len(listed))
        pairs: list[tuple[ListedItem, RawReport]] = []
        for item in listed:
            report = _fetch_one(site, fetcher, item, summary)
            if report is not None:
                pairs.append((item, report))
            bar.advance(task)
    suspects = {s.source_id: s for s in check_reports(pairs, _site_names(site))}
    parts = getattr(site, "value_parts", {})
    for item, report in pairs:
        suspect = suspects.get(report.source_id)
        if suspect is not None:
            summary.fail(f"{item.url}: {describe(suspect, parts)}")
        elif start_d <= report.date <= end_d:
            rows.append(_as_row(report, matcher))
        else:
            summary.out_of_window += 1
            if item.date is not None and start_d <= item.date <= end_d:  # within a day: see sanity
                summary.warnings.append(
                    f"{item.url}: {parts.get('date', 'date')}: the page dates it {report.date}, outside the "
                    f"window, while the listing dates it {item.date}, inside; not collected"
                )
    summary.collected = len(rows)
    summary.matched = sum(1 for r in rows if r["matched"])
    write_collected(_merge(existing, rows), out / "collected.csv")
    write_bytes_atomic(
        out / f"summary-{summary.site}.json",
        json.dumps(summary.as_dict(), ensure_ascii=False, indent=2).encode("utf-8"),
    )
    return summary


def _site_names(site: Site) -> list[str]:
    """The names a site calls itself (its layout's ``name`` and ``site_names``): no report's title."""
    layout = getattr(site, "layout", None)
    return [layout.name, *layout.site_names] if layout is not None else []


def _fetch_one(site: Site, fetcher: Fetcher, item: ListedItem, summary: CollectSummary) -> RawReport | None:
    try:
        return site.fetch(fetcher, item)
    except Disallowed:
        summary.disallowed += 1
    except (FetchError, ItemError) as err:
        summary.fail(f"{item.url}: {err}")
    except CollectError:
        raise
    except Exception as err:  # a page that breaks a parser is that report's failure, not the run's
        summary.fail(f"{item.url}: unreadable ({type(err).__name__}: {str(err)[:200]})")
    return None


def _window(start: str | dt.date, end: str | dt.date) -> tuple[dt.date, dt.date]:
    dates = []
    for name, value in (("start", start), ("end", end)):
        try:
            dates.append(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip()))
        except ValueError:
            raise CollectError(f"--{name}: {value!r} is not a date (YYYY-MM-DD)") from None
    if dates[0] > dates[1]:
        raise CollectError(f"--start {dates[0]} is after --end {dates[1]}")
    return dates[0], dates[1]
