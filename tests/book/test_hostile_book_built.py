"""The rerun book of a corpus whose every text field is an attack: built and opened in Chromium, it
shows the attacks as text and runs none of them (marked ``book`` and ``browser``). The unit layer,
every MyST/HTML metacharacter through the escaping functions, is tests/unit/test_hostile_book.py."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from helpers.hostile_text import CODERS, HOSTILE, shown_text, write_hostile_corpus
from typer.testing import CliRunner

from kzperception import paths
from kzperception.cli import app

runner = CliRunner()


WINDOW = ["--start", "2020-08-24", "--pivot", "2022-02-24", "--end", "2023-08-24"]


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


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


# --- the book, in a browser ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_book(tmp_path_factory) -> tuple[Path, str, Path]:
    base = tmp_path_factory.mktemp("hostile")
    folder, secret = write_hostile_corpus(base)
    out = base / "out"
    result = runner.invoke(
        app,
        [
            "rerun",
            "--corpus",
            str(folder),
            "--out",
            str(out),
            *WINDOW,
            "--chapters",
            "06-2-reports,06-3-coding",
            "--coder",
            CODERS[3],
        ],
    )
    assert result.exit_code == 0, result.output
    return out, secret, folder


@pytest.mark.book
def test_no_built_file_holds_what_a_hostile_field_pointed_at(hostile_book):
    out, secret, _ = hostile_book
    for f in out.rglob("*"):
        if f.is_file():
            assert secret.encode() not in f.read_bytes(), f
    downloads = out / "html" / "_downloads"
    written = {f.name for f in (out / "src" / paths.CHAPTERS_DIR).glob("*.csv")}
    offered = {f.name for f in downloads.rglob("*") if f.is_file()} if downloads.exists() else set()
    assert offered <= written, offered - written  # only the tables' CSV files the chapters wrote
    assert not any("secret" in f.name for f in out.rglob("*"))


@pytest.mark.book
@pytest.mark.browser
def test_hostile_book_runs_nothing_and_shows_the_text(hostile_book):
    out, _, folder = hostile_book
    from playwright import sync_api  # a dev dependency: the browser checks must run, never skip

    html_root = out / "html"
    pages = sorted(
        p
        for p in html_root.rglob("*.html")
        if "_static" not in p.parts and "_sources" not in p.parts and p.name not in ("genindex.html", "search.html")
    )
    assert {"index.html", "06-2-reports.html", "06-3-coding.html"} <= {p.name for p in pages}
    problems: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for page_path in pages:
            rel = page_path.relative_to(html_root)
            context = browser.new_context(java_script_enabled=True)
            page = context.new_page()
            dialogs: list[str] = []
            outside: list[str] = []

            def route(r, outside=outside):
                if r.request.url.startswith(("file:", "data:", "blob:")):
                    r.continue_()
                else:
                    outside.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.on("dialog", lambda d, dialogs=dialogs: (dialogs.append(d.message), d.dismiss()))
            page.goto(page_path.as_uri(), wait_until="load")
            page.wait_for_timeout(300)  # let onerror/onload handlers of any injected element fire
            injected = page.evaluate("""() => {
                const THEME = ['window.print()', 'toggleFullScreen()'];  // the theme's own buttons
                const bad = [];
                for (const el of document.querySelectorAll('*')) {
                    for (const a of el.attributes) {
                        if (a.name.startsWith('on') && !THEME.includes(a.value)) {
                            bad.push(`${el.tagName} ${a.name}=${a.value}`);
                        }
                    }
                    const href = el.getAttribute('href') || el.getAttribute('xlink:href') || '';
                    if (/^\\s*javascript:/i.test(href)) bad.push(`${el.tagName} href=${href}`);
                    if (el.tagName === 'SCRIPT' && /alert\\(/.test(el.textContent)) bad.push('corpus script');
                    if (el.tagName === 'IMG' && /^[xy]$/.test(el.getAttribute('src') || '')) bad.push('corpus img');
                }
                return bad;
            }""")
            body = " ".join(page.inner_text("body").split())
            problems += [f"{rel}: dialog {m!r}" for m in dialogs]
            problems += [f"{rel}: request left the machine: {u}" for u in outside]
            problems += [f"{rel}: injected {x}" for x in injected]
            for value in HOSTILE:
                if shown_text(value) not in body:
                    problems.append(f"{rel}: provenance not shown as text: {value!r}")
            if rel.name == "index.html":
                for value in [*CODERS, folder.name]:  # the corpus by its folder name, never its local path
                    if shown_text(value) not in body:
                        problems.append(f"{rel}: not shown as text: {value!r}")
                if re.search(r"\b49\b", body):
                    problems.append(f"{rel}: a {{{{ 7*7 }}}} substitution was evaluated")
            context.close()
        browser.close()
    assert not problems, "\n".join(problems)
