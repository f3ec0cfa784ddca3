"""The public site in headless Chromium, from file://, network closed: search, languages, the 404 page.

Search must work where a reader opens the book from disk: Sphinx's own search page fetched every
result page to cut a snippet (a CORS error per result over file://) and cut it from the printed
contents list. ``kzperception.book.sphinx_site`` gives the search page the pages' text instead.
Screenshots go to book/_build/screenshots/site/ (git-ignored). ``KZP_TEST_HTML=DIR`` reuses a built book.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kzperception import paths

pytestmark = [pytest.mark.book, pytest.mark.browser]

SHOTS = paths.BUILD / "screenshots" / "site"






class Opened:
    """A page opened from disk: what it requested, what left the machine, and its console errors."""

    def __init__(self, browser, url: str, width: int = 1366, height: int = 900) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.requested: list[str] = []
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        self.page.goto(url, wait_until="load")

    def _route(self, route) -> None:
        url = route.request.url
        self.requested.append(url)
        if url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def close(self) -> None:
        self.context.close()


def _search(browser, root: Path, query: str) -> tuple[Opened, list[dict[str, str]]]:
    opened = Opened(browser, (root / "search.html").as_uri() + f"?q={query}")
    page = opened.page
    page.wait_for_function(
        "() => { const h = document.querySelector('#search-results h2');"
        " return h && !h.textContent.startsWith('Searching'); }", timeout=30_000)
    # snippets arrive as each listed page's text loads
    page.wait_for_function(
        "() => [...document.querySelectorAll('#search-results ul.search li')]"
        ".every(li => li.querySelector(':scope > span, :scope > p.context'))", timeout=15_000)
    results = page.eval_on_selector_all(
        "#search-results ul.search li",
        "els => els.map(li => ({href: li.querySelector('a').getAttribute('href'),"
        " snippet: (li.querySelector('p.context') || {textContent: ''}).textContent}))")
    return opened, results


@pytest.mark.parametrize(("query", "chapter"), [
    ("constructivism", "chapters/04-theoretical-framework.html"),
    ("Zhenis", "bibliography.html"),   # a word found only in the page's body, not in a title
])
def test_search_over_file_shows_snippets_from_the_text(html_root: Path, browser, query: str, chapter: str) -> None:
    opened, results = _search(browser, html_root, query)
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
        opened.page.screenshot(path=str(SHOTS / f"search-{query}.png"), full_page=True)
        hits = [r for r in results if r["href"].split("#")[0] == chapter]
        assert hits, f"{chapter} not among the results: {[r['href'] for r in results]}"
        assert query.lower() in hits[0]["snippet"].lower(), hits[0]
        contents = [r for r in results if r["snippet"].lstrip("… ").startswith("Contents")]
        assert not contents, f"snippets cut from the contents list: {contents[:2]}"
        fetched = [u for u in opened.requested if u.endswith(".html") and not u.split("?")[0].endswith("search.html")]
        assert not fetched, f"the search page fetched result pages: {fetched[:3]}"
        assert not opened.errors, opened.errors[:5]
        assert not opened.outside, opened.outside[:5]
    finally:
        opened.close()


def test_russian_in_snippets_is_marked(html_root: Path, browser) -> None:
    opened, results = _search(browser, html_root, "Токаев")
    try:
        assert any("Токаев" in r["snippet"] for r in results), results[:3]
        unmarked = opened.page.eval_on_selector_all(
            "#search-results p.context",
            "ps => ps.flatMap(p => [...p.childNodes].filter(n => n.nodeType === 3 && /[\u0400-\u04ff]/.test(n.data))"
            ".map(n => n.data))")
        assert not unmarked, unmarked[:3]
        assert opened.page.locator("#search-results p.context span[lang=ru]").count() > 0
        assert not opened.errors, opened.errors[:5]
    finally:
        opened.close()


def test_czech_pages_are_czech(html_root: Path, browser) -> None:
    for rel, title in [("chapters/00-abstrakt-cs.html", "Český abstrakt"), ("chapters/10-summary-cs.html",
                                                                            "České shrnutí")]:
        opened = Opened(browser, (html_root / rel).as_uri())
        try:
            page = opened.page
            assert page.evaluate("document.documentElement.lang") == "cs"
            assert page.locator("article h1").first.inner_text().strip().rstrip("#").strip() == title
            assert page.evaluate("document.querySelector('.bd-sidebar-primary').closest('[lang]').lang") == "en"
            assert not opened.errors, opened.errors[:5]
        finally:
            opened.close()
    opened = Opened(browser, (html_root / "chapters/05-methodology.html").as_uri())
    try:
        langs = opened.page.eval_on_selector_all(
            ".bd-sidebar-primary a.reference", "els => els.filter(a => a.querySelector('[lang=cs]'))"
            ".map(a => a.textContent.trim())")
        assert set(langs) == {"Český abstrakt", "České shrnutí"}
        assert opened.page.evaluate("document.documentElement.lang") == "en"
    finally:
        opened.close()


def test_not_found_page_reads_offline(html_root: Path, browser) -> None:
    opened = Opened(browser, (html_root / "404.html").as_uri(), 390, 844)
    try:
        page = opened.page
        assert page.locator("article h1").first.inner_text().strip().startswith("Page not found")
        assert page.evaluate("document.querySelectorAll('base').length") == 0   # from disk: links as they are
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "404-phone.png"), full_page=True)
        assert not opened.errors, opened.errors[:5]
        assert not opened.outside, opened.outside[:5]
    finally:
        opened.close()
