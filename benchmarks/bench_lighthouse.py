"""Lighthouse performance of every page of the built book, served with gzip as a host would.

Each page is served from a local HTTP server on 127.0.0.1 that compresses text responses
(``Content-Encoding: gzip`` for HTML, CSS, JS, JSON and SVG, as GitHub Pages, Netlify or nginx do)
and audited by Lighthouse (npm, pinned in package.json / package-lock.json, run from
``node_modules/.bin/lighthouse``) in its default mobile mode: an emulated mid-range phone with
simulated slow 4G and a 4x slower CPU. Lighthouse drives ``/usr/bin/chromium`` (``CHROME_PATH``);
nothing leaves the machine. Issue 20's goal: a performance score of at least 90 on every page, and
the audit appendix under 2,000 elements until a reader expands it.

    python benchmarks/bench_lighthouse.py [--html book/_build/html] [--label after]
        [--before DIR --before-label a1d87a7] [--page chapters/06-2-reports.html ...]

Prints a Markdown table (for benchmarks/RESULTS.md; two books side by side with ``--before``) and
writes benchmarks/results/lighthouse-LABEL.json. Exits 1 when a page scores under 90, 2 when a folder
holds no built book or Lighthouse is missing (``make setup`` installs it).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from kzperception import paths

GOAL = 90
#: Lighthouse's own DOM-size audit warns from 800 elements and fails from 1,400; the issue's bound.
DOM_GOAL = 2000
LIGHTHOUSE = paths.ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run"
#: Responses a host compresses; fonts and images are compressed already.
COMPRESSED = {".html", ".css", ".js", ".json", ".svg", ".txt", ".xml", ".map", ".csv"}
LIMIT_S = 180


@dataclass
class PageScore:
    """One page's Lighthouse run: the score and the measures behind it."""

    page: str
    score: int | None
    fcp_s: float | None = None
    lcp_s: float | None = None
    tbt_ms: float | None = None
    cls: float | None = None
    elements: int | None = None
    unused_css_kb: float | None = None
    unused_js_kb: float | None = None
    error: str = ""


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, text ones gzipped when the browser accepts it (a host's default)."""

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and path.is_file() and path.suffix in COMPRESSED):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        import io

        return io.BytesIO(body)


def serve(html: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """A gzip static server over ``html`` on a free port of 127.0.0.1, in a daemon thread."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(GzipHandler, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def pages_of(html: Path) -> list[str]:
    """Every page a reader can open: the HTML files of the book, search, the index and 404 included."""
    skip = {"_sources", "_static", "_images", "_downloads"}
    return sorted(
        p.relative_to(html).as_posix() for p in html.rglob("*.html") if not (set(p.relative_to(html).parts) & skip)
    )


def _kb(report: dict, audit: str) -> float | None:
    details = report["audits"].get(audit, {}).get("details") or {}
    waste = details.get("overallSavingsBytes")
    return None if waste is None else round(waste / 1000, 1)


def score_page(url: str, page: str) -> PageScore:
    """Run Lighthouse (performance only, mobile) on one URL and read its report."""
    with tempfile.TemporaryDirectory(prefix="kzp-lh-") as tmp:
        out = Path(tmp) / "report.json"
        cmd = [
            str(LIGHTHOUSE),
            url,
            "--only-categories=performance",
            "--output=json",
            f"--output-path={out}",
            f"--chrome-flags={CHROME_FLAGS} --user-data-dir={tmp}/profile",
            "--quiet",
            "--max-wait-for-load=60000",
        ]
        env = {**os.environ, "CHROME_PATH": CHROMIUM}
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=LIMIT_S, env=env, check=False)
        except subprocess.TimeoutExpired:
            return PageScore(page, None, error=f"lighthouse ran over {LIMIT_S} s")
        if run.returncode != 0 or not out.is_file():
            tail = (run.stderr or run.stdout).strip().splitlines()[-1:] or ["no report"]
            return PageScore(page, None, error=tail[0][:200])
        report = json.loads(out.read_text(encoding="utf-8"))
    audits = report["audits"]

    def num(name: str) -> float | None:
        return audits.get(name, {}).get("numericValue")

    perf = report["categories"]["performance"]["score"]
    fcp, lcp = num("first-contentful-paint"), num("largest-contentful-paint")
    return PageScore(
        page,
        None if perf is None else round(perf * 100),
        fcp_s=None if fcp is None else round(fcp / 1000, 1),
        lcp_s=None if lcp is None else round(lcp / 1000, 1),
        tbt_ms=num("total-blocking-time"),
        cls=None if num("cumulative-layout-shift") is None else round(num("cumulative-layout-shift"), 3),
        elements=None if num("dom-size") is None else int(num("dom-size")),
        unused_css_kb=_kb(report, "unused-css-rules"),
        unused_js_kb=_kb(report, "unused-javascript"),
        error=report.get("runtimeError", {}).get("message", ""),
    )


def measure(html: Path, pages: list[str]) -> list[PageScore]:
    """Lighthouse every page of one built book, one page at a time (the machine has two cores)."""
    server, base = serve(html)
    try:
        results = []
        for page in pages:
            got = score_page(f"{base}/{page}", page)
            print(f"  {page}: {got.score} {got.error}", file=sys.stderr, flush=True)
            results.append(got)
        return results
    finally:
        server.shutdown()


def _cell(score: PageScore | None) -> str:
    if score is None:
        return "–"
    if score.score is None:
        return f"failed ({score.error})"
    return f"{score.score} ({score.lcp_s} s, {score.elements:,} el.)" if score.elements else str(score.score)


def table(after: list[PageScore], label: str, before: list[PageScore] | None = None, before_label: str = "") -> str:
    """A Markdown table: per page, score (largest paint, elements), the earlier book beside it."""
    old = {s.page: s for s in before or []}
    head = (
        f"| page | {before_label} | {label} |\n| --- | ---: | ---: |"
        if before
        else f"| page | {label} |\n| --- | ---: |"
    )
    lines = [head]
    for s in after:
        lines.append(
            f"| {s.page} | {_cell(old.get(s.page))} | {_cell(s)} |" if before else f"| {s.page} | {_cell(s)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=paths.ROOT / "book" / "_build" / "html")
    parser.add_argument("--label", default="this")
    parser.add_argument("--before", type=Path, help="an earlier build to score beside it")
    parser.add_argument("--before-label", default="before")
    parser.add_argument("--page", action="append", help="a page (relative to the book); default: every page")
    args = parser.parse_args(argv)
    for folder in [args.html, *([args.before] if args.before else [])]:
        if not (folder / "index.html").is_file():
            print(f"error: {folder} holds no built book (index.html); run make book", file=sys.stderr)
            return 2
    if not LIGHTHOUSE.is_file():
        print(f"error: {LIGHTHOUSE} is missing; make setup installs it from package-lock.json", file=sys.stderr)
        return 2
    pages = args.page or pages_of(args.html)
    before = measure(args.before, pages) if args.before else None
    after = measure(args.html, pages)
    out = paths.ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    record = {"after": [asdict(s) for s in after], "before": [asdict(s) for s in before or []]}
    (out / f"lighthouse-{args.label}.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
    print(table(after, args.label, before, args.before_label))
    low = [s.page for s in after if s.score is None or s.score < GOAL]
    if low:
        print(f"under {GOAL}: {', '.join(low)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
