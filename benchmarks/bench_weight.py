"""Page weight of the built book, as a reader's browser receives it.

Every page is loaded in headless Chromium from a local HTTP server with the cache disabled; the
bytes are what Chromium reports as transferred (``encodedDataLength`` of every response, via the
DevTools protocol). Chosen pages are loaded again over a throttled link (1.6 Mb/s down, 150 ms
latency: a slow mobile connection) and their first contentful paint is read from the page. The
``<head>`` of each page is read for scripts that block rendering (no ``defer``/``async``) and their
sizes on disk. The budgets are issue 11's: a page without charts loads no chart library and
transfers at most 1 MB, a chart page at most 2 MB, no render-blocking script over 100 KB.

    python benchmarks/bench_weight.py [--html book/_build/html] [--label this] [--paint PAGE ...]

Prints a Markdown table (for benchmarks/RESULTS.md) and writes benchmarks/results/weight-LABEL.json.
Exits 1 when a budget is broken, 2 when the folder holds no built book. Needs /usr/bin/chromium
and playwright (the dev extra).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import re
import shutil
import sys
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kzperception import paths

MB = 1_000_000
BUDGET_TEXT_PAGE = 1 * MB
BUDGET_CHART_PAGE = 2 * MB
BUDGET_BLOCKING_SCRIPT = 100_000
#: 1.6 Mb/s down, 0.75 Mb/s up, 150 ms round trip, in the units of Network.emulateNetworkConditions.
SLOW_LINK = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}
DEFAULT_PAINT = ["index.html", "chapters/01-literature-review.html", "chapters/06-2-reports.html"]
CHART_LIBRARY = "vega-bundle.js"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

_HEAD = re.compile(r"<head\b.*?</head>", re.S | re.I)
_SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
_SRC = re.compile(r"""\bsrc\s*=\s*["']([^"'?#]+)""", re.I)


@dataclass
class PageWeight:
    """One page: what it transferred, whether it loaded the chart library, what blocks its render."""

    page: str
    has_chart: bool
    transferred: int = 0
    requests: int = 0
    chart_library: bool = False
    blocking_scripts: dict[str, int] = field(default_factory=dict)
    first_paint_ms: float | None = None

    @property
    def budget(self) -> int:
        return BUDGET_CHART_PAGE if self.has_chart else BUDGET_TEXT_PAGE

    def faults(self) -> list[str]:
        out = []
        if self.transferred > self.budget:
            out.append(f"{self.page}: transfers {self.transferred / MB:.2f} MB, budget {self.budget / MB:.0f} MB")
        if self.chart_library and not self.has_chart:
            out.append(f"{self.page}: loads {CHART_LIBRARY} but has no chart")
        out += [
            f"{self.page}: render-blocking script {name} is {size / 1000:.0f} KB"
            for name, size in self.blocking_scripts.items()
            if size > BUDGET_BLOCKING_SCRIPT
        ]
        return out


def pages_of(html: Path) -> list[str]:
    skip = {"genindex.html", "search.html"}
    return sorted(
        str(p.relative_to(html))
        for p in html.rglob("*.html")
        if p.name not in skip and "_static" not in p.parts and "_sources" not in p.parts
    )


def blocking_scripts(html: Path, rel: str) -> dict[str, int]:
    """Scripts in <head> without defer/async (they stop the parser), with their size on disk."""
    text = (html / rel).read_text(encoding="utf-8")
    head = _HEAD.search(text)
    found: dict[str, int] = {}
    for attrs in _SCRIPT.findall(head.group(0) if head else ""):
        src = _SRC.search(attrs)
        if not src or re.search(r"\b(defer|async)\b|type\s*=\s*[\"']module", attrs, re.I):
            continue
        target = (html / rel).parent / src.group(1)
        found[src.group(1).rsplit("/", 1)[-1]] = target.stat().st_size if target.is_file() else 0
    return found


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def measure(html: Path, paint: list[str]) -> list[PageWeight]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("bench_weight: no chromium on this machine (apt-get install chromium)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    results = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
            for rel in pages_of(html):
                w = PageWeight(rel, 'class="kzp-chart"' in (html / rel).read_text(encoding="utf-8"))
                w.blocking_scripts = blocking_scripts(html, rel)
                w.transferred, w.requests, urls = _load(browser, f"{base}/{rel}", throttle=False)
                w.chart_library = any(u.split("?")[0].endswith(CHART_LIBRARY) for u in urls)
                if rel in paint:
                    w.first_paint_ms = _first_paint(browser, f"{base}/{rel}")
                results.append(w)
            browser.close()
    finally:
        server.shutdown()
    return results


def _session(browser, throttle: bool):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if throttle:
        cdp.send("Network.emulateNetworkConditions", SLOW_LINK)
    return context, page, cdp


def _load(browser, url: str, throttle: bool) -> tuple[int, int, list[str]]:
    context, page, cdp = _session(browser, throttle)
    sizes: dict[str, float] = {}
    urls: dict[str, str] = {}
    cdp.on("Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(url, wait_until="load")
    page.wait_for_timeout(1500)  # deferred work: charts drawn, fonts the CSS asks for
    context.close()
    return int(sum(sizes.values())), len(sizes), list(urls.values())


def _first_paint(browser, url: str) -> float | None:
    context, page, _ = _session(browser, throttle=True)
    page.goto(url, wait_until="load", timeout=120_000)
    value = page.evaluate("() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime")
    context.close()
    return round(value) if value is not None else None


def table(results: list[PageWeight], label: str) -> str:
    rows = [
        f"| page ({label}) | chart | transferred KB | requests | Vega loaded | largest blocking script KB "
        "| first paint at 1.6 Mb/s, s |",
        "| --- | --- | ---: | ---: | --- | ---: | ---: |",
    ]
    for w in results:
        largest = max(w.blocking_scripts.values(), default=0)
        paint = f"{w.first_paint_ms / 1000:.1f}" if w.first_paint_ms is not None else ""
        rows.append(
            f"| {w.page} | {'yes' if w.has_chart else 'no'} | {w.transferred / 1000:.0f} | {w.requests} "
            f"| {'yes' if w.chart_library else 'no'} | {largest / 1000:.0f} | {paint} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--html", type=Path, default=paths.HTML, help="the built book's HTML folder")
    ap.add_argument("--label", default="this", help="names the result file and the table's column")
    ap.add_argument("--paint", nargs="*", default=DEFAULT_PAINT, help="pages to load over the slow link")
    args = ap.parse_args(argv)
    html = args.html.resolve()
    if not (html / "index.html").is_file():
        print(f"bench_weight: {html} holds no built book (index.html); run `make book` first", file=sys.stderr)
        return 2
    results = measure(html, list(args.paint))
    print(table(results, args.label))
    out = Path(__file__).with_name("results")
    out.mkdir(exist_ok=True)
    label = re.sub(r"[^A-Za-z0-9_.-]+", "-", args.label)
    (out / f"weight-{label}.json").write_text(json.dumps([asdict(w) for w in results], indent=1), encoding="utf-8")
    faults = [f for w in results for f in w.faults()]
    text = [w for w in results if not w.has_chart]
    charts = [w for w in results if w.has_chart]
    for name, group in (("pages without a chart", text), ("chart pages", charts)):
        if group:
            print(
                f"\n{name}: {len(group)}, transferred {min(w.transferred for w in group) / 1000:.0f}"
                f"-{max(w.transferred for w in group) / 1000:.0f} KB"
            )
    print("\n" + ("budget broken:\n" + "\n".join(faults) if faults else "every page within budget"))
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main())
