"""Open every page of the built book in headless Chromium with the network closed.

Each page must load with no console error, no request may leave 127.0.0.1, and every chart
placeholder must hold a drawn SVG (Vega ran from the bundled script). Screenshots go to
book/_build/screenshots/ for a human to look at. Uses the Debian chromium package (`.ci/run`
installs it); skipped with a reason when no Chromium is on the machine.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from kzperception import paths

pytestmark = [pytest.mark.book, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served_book(built_book: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _pages(html_root: Path) -> list[str]:
    skip = {"genindex.html", "search.html"}
    return sorted(str(p.relative_to(html_root)) for p in html_root.rglob("*.html")
                  if p.name not in skip and "_static" not in p.parts and "_sources" not in p.parts)


def test_every_page_renders_offline(built_book: Path, served_book: str, browser) -> None:
    shots = paths.BUILD / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    pages = _pages(built_book)
    assert len(pages) >= 3
    charts_seen = 0
    for rel in pages:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        outside: list[str] = []
        errors: list[str] = []

        def route(r, outside=outside):
            host = urlparse(r.request.url).hostname
            if r.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
                r.continue_()
            else:
                outside.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        page.goto(f"{served_book}/{rel}", wait_until="load")
        n_charts = page.locator(".kzp-chart").count()
        if n_charts:
            page.wait_for_function(
                "() => [...document.querySelectorAll('.kzp-chart')].every(d => d.querySelector('svg, canvas'))",
                timeout=15_000,
            )
            charts_seen += n_charts
        page.screenshot(path=str(shots / (rel.replace("/", "__").removesuffix(".html") + ".png")), full_page=True)
        problems += [f"{rel}: request left 127.0.0.1: {u}" for u in outside]
        problems += [f"{rel}: console error: {e}" for e in errors]
        context.close()
    assert not problems, "\n".join(problems)
    assert charts_seen >= 9


def test_chart_tooltip_appears_on_hover(served_book: str, browser) -> None:
    page = browser.new_page()
    page.goto(f"{served_book}/chapters/06-2-reports.html", wait_until="load")
    page.wait_for_selector("#vega-figure-1 svg")
    mark = page.locator("#vega-figure-1 svg .mark-rect path").first
    mark.hover()
    page.wait_for_selector("#vg-tooltip-element.visible", timeout=5_000)
    assert "Reports" in page.locator("#vg-tooltip-element").inner_text()
    page.close()
