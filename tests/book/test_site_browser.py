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
        " return h && !h.textContent.startsWith('Searching'); }",
        timeout=30_000,
    )
    # snippets arrive as each listed page's text loads
    page.wait_for_function(
        "() => [...document.querySelectorAll('#search-results ul.search li')]"
        ".every(li => li.querySelector(':scope > span, :scope > p.context'))",
        timeout=15_000,
    )
    results = page.eval_on_selector_all(
        "#search-results ul.search li",
        "els => els.map(li => ({href: li.querySelector('a').getAttribute('href'),"
        " snippet: (li.querySelector('p.context') || {textContent: ''}).textContent}))",
    )
    return opened, results


@pytest.mark.parametrize(
    ("query", "chapter"),
    [
        ("constructivism", "chapters/04-theoretical-framework.html"),
        ("Zhenis", "bibliography.html"),  # a word found only in the page's body, not in a title
    ],
)
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
            ".map(n => n.data))",
        )
        assert not unmarked, unmarked[:3]
        assert opened.page.locator("#search-results p.context span[lang=ru]").count() > 0
        assert not opened.errors, opened.errors[:5]
    finally:
        opened.close()


def test_czech_pages_are_czech(html_root: Path, browser) -> None:
    for rel, title in [
        ("chapters/00-abstrakt-cs.html", "Český abstrakt"),
        ("chapters/10-summary-cs.html", "České shrnutí"),
    ]:
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
            ".bd-sidebar-primary a.reference",
            "els => els.filter(a => a.querySelector('[lang=cs]')).map(a => a.textContent.trim())",
        )
        assert set(langs) == {"Český abstrakt", "České shrnutí"}
        assert opened.page.evaluate("document.documentElement.lang") == "en"
    finally:
        opened.close()


def test_not_found_page_reads_offline(html_root: Path, browser) -> None:
    opened = Opened(browser, (html_root / "404.html").as_uri(), 390, 844)
    try:
        page = opened.page
        assert page.locator("article h1").first.inner_text().strip().startswith("Page not found")
        assert page.evaluate("document.querySelectorAll('base').length") == 0  # from disk: links as they are
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "404-phone.png"), full_page=True)
        assert not opened.errors, opened.errors[:5]
        assert not opened.outside, opened.outside[:5]
    finally:
        opened.close()


# --- search understands Russian word forms, and its field shows what is typed ----------------------


def _pages_with_word(root: Path, word: str) -> set[str]:
    """The pages whose text (as the search page holds it) has ``word`` as a whole word, as docnames."""
    import re

    pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.I)
    folder = root / "_static" / "kzp-search"
    return {
        str(p.relative_to(folder).with_suffix(""))
        for p in folder.rglob("*.js")
        if pattern.search(p.read_text(encoding="utf-8"))
    }


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("партнерство", "партнерства"),  # the pair: the query form occurs nowhere in the book
        ("стратегический", "стратегического"),
    ],
)
def test_search_finds_russian_word_forms(html_root: Path, browser, query: str, form: str) -> None:
    """A Russian query finds the pages that hold another form of the word (Snowball's Russian
    stemmer, inline in language_data.js: nothing fetched, and it works from file://)."""
    with_form = _pages_with_word(html_root, form)
    assert with_form, f"no page holds {form!r}: pick another pair"
    assert not _pages_with_word(html_root, query), f"{query!r} itself occurs: the pair proves no stemming"
    opened, results = _search(browser, html_root, query)
    try:
        found = {r["href"].split("#")[0].removesuffix(".html") for r in results}
        assert with_form <= found, f"{query!r} misses pages with {form!r}: {sorted(with_form - found)}"
        assert not [u for u in opened.requested if "stemmer" in u], "a stemmer was fetched"
        assert not opened.errors and not opened.outside, (opened.errors[:3], opened.outside[:3])
    finally:
        opened.close()


_FIELD = """() => [...document.querySelectorAll("form.bd-search")].filter(f => f.checkVisibility()).map(f => {
  const input = f.querySelector("input"), cs = getComputedStyle(input), box = input.getBoundingClientRect();
  const text = {left: box.left + parseFloat(cs.borderLeftWidth) + parseFloat(cs.paddingLeft),
                right: box.right - parseFloat(cs.borderRightWidth) - parseFloat(cs.paddingRight)};
  const covers = [...f.querySelectorAll("i, .search-button__kbd-shortcut")].filter(e => e.checkVisibility())
    .map(e => e.getBoundingClientRect())
    .filter(r => r.width > 0 && r.top < box.bottom && r.bottom > box.top)
    .filter(r => r.right > text.left + 0.5 && r.left < text.right - 0.5)
    .map(r => `${Math.round(r.left)}-${Math.round(r.right)} px over the text's `
              + `${Math.round(text.left)}-${Math.round(text.right)} px`);
  return {width: text.right - text.left, covers};
})"""


@pytest.mark.parametrize("width", [1366, 390])
def test_search_field_icons_never_cover_the_text(html_root: Path, browser, width: int) -> None:
    """The magnifying glass and the Ctrl+K hint sit beside the typed text, never over it: on the
    search page's field and in the search dialog a chapter page opens."""
    opened = Opened(browser, (html_root / "search.html").as_uri() + "?q=partnership", width, 844)
    try:
        fields = opened.page.evaluate(_FIELD)
        assert fields and all(f["width"] > 100 for f in fields), fields
        assert not [c for f in fields for c in f["covers"]], fields
    finally:
        opened.close()
    opened = Opened(browser, (html_root / "chapters" / "06-2-reports.html").as_uri(), width, 844)
    try:
        page = opened.page
        page.locator(".search-button__button:visible, button.search-button:visible").first.click()
        page.wait_for_selector(".search-button__search-container input", state="visible", timeout=5_000)
        page.keyboard.type("партнерство")
        fields = page.evaluate(_FIELD)
        assert fields and all(f["width"] > 100 for f in fields), fields
        assert not [c for f in fields for c in f["covers"]], fields
        assert not opened.errors, opened.errors[:3]
    finally:
        opened.close()


# --- the 404 page served by a host, at its root and under the base URL ----------------------------

#: The host the tests pretend to be (Playwright answers its requests; nothing leaves the machine).
HOST = "http://book.test"


def _host(root: Path, mount: str):
    """A static host serving ``root`` at ``mount`` ("/" or "/base/path/"), answering every missing
    address with the book's 404.html and status 404 (as GitHub Pages and most hosts do), as a
    Playwright route handler."""
    import mimetypes
    from urllib.parse import unquote, urlsplit

    def answer(route) -> None:
        parts = urlsplit(route.request.url)
        if f"{parts.scheme}://{parts.netloc}" != HOST:
            route.abort()
            return
        path = unquote(parts.path)
        target = root / path[len(mount) :] if path.startswith(mount) else None
        if target is not None and target.is_dir():
            target = target / "index.html"
        if target is not None and target.is_file() and root.resolve() in target.resolve().parents:
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            route.fulfill(status=200, body=target.read_bytes(), content_type=kind)
        else:
            route.fulfill(status=404, body=(root / "404.html").read_bytes(), content_type="text/html; charset=utf-8")

    return answer


def _base_path(root: Path) -> str:
    """The path of the base URL the book was built for (its canonical links say it)."""
    import re
    from urllib.parse import urlsplit

    m = re.search(r'<link rel="canonical" href="([^"]+)"', (root / "index.html").read_text(encoding="utf-8"))
    assert m, "index.html has no canonical link: the base URL is not known"
    path = urlsplit(m.group(1)).path
    return path[: path.rfind("/") + 1]


@pytest.mark.parametrize("where", ["host root", "base URL"])
def test_not_found_page_is_styled_on_a_host(html_root: Path, browser, where: str) -> None:
    """Served for a missed address, deep or shallow, at the host's root or under the base URL's
    path, the 404 page is styled with no failed request, passes axe, and its links (the front page,
    every chapter) lead to the book's pages."""
    from tests.book.test_accessibility import axe_source, axe_violations

    mount = "/" if where == "host root" else _base_path(html_root)
    assert where == "host root" or mount != "/", "the book's base URL has no path: nothing to test under it"
    for missed in ("no-such-page", "chapters/no/such/page.html"):
        url = f"{HOST}{mount}{missed}"
        failed: list[str] = []
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.route("**/*", _host(html_root, mount))
        page.on("requestfailed", lambda r, failed=failed: failed.append(r.url))
        page.on(
            "response",
            lambda r, failed=failed, url=url: (
                failed.append(f"{r.status} {r.url}") if r.status >= 400 and r.url != url else None
            ),
        )
        try:
            response = page.goto(url, wait_until="load")
            assert response is not None and response.status == 404
            page.wait_for_timeout(300)
            assert not failed, f"{where}, {missed}: {len(failed)} failed requests: {failed[:5]}"
            assert page.locator("article h1").first.inner_text().strip().startswith("Page not found")
            # styled: its own stylesheet applies (a measure for the text, not the browser's serif default)
            style = page.evaluate(
                "[getComputedStyle(document.querySelector('main')).maxWidth,"
                " getComputedStyle(document.body).fontFamily]"
            )
            assert style[0] != "none" and "Times" not in style[1], f"{where}, {missed}: unstyled: {style}"
            front = page.evaluate("new URL(document.querySelector('article a[href=\"index.html\"]').href).pathname")
            chapters = page.evaluate(
                "[...document.querySelectorAll('ul.contents a')].map(a => new URL(a.href).pathname)"
            )
            assert len(chapters) >= 20 and f"{mount}chapters/06-2-reports.html" in chapters, chapters[:5]
            assert front == mount + "index.html", (where, missed, front)
            assert not axe_violations(page, axe_source()), f"{where}, {missed}: accessibility"
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"404-{where.replace(' ', '-')}.png"), full_page=True)
        finally:
            context.close()
