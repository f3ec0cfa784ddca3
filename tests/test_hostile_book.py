"""A corpus whose every text field is an attack: the rerun book shows it as text and runs none of it.

Two layers. The unit tests round-trip every MyST/CommonMark metacharacter through
:func:`myst_text` and the MyST parser (the text must come back as one plain text node, in every
place a page puts it), and every HTML metacharacter through :func:`html_text` and an HTML parser.
The book test writes a corpus with hostile values in every field the loader accepts (and in the
corpus folder's own name), reruns two chapters from it, and opens each page in headless Chromium
with the network closed: no dialog, no injected handler, script or ``javascript:`` link, nothing a
hostile field pointed at copied or included, and the hostile text visible as text.
"""

from __future__ import annotations

import csv
import html.parser
import re
import shutil
import string
import unicodedata
import uuid
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kzperception import paths
from kzperception.book.display import html_text, myst_text, show_table
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

# Values that try every way into a page: tags with handlers, MyST roles and directives that copy or
# include a local file (../ paths to the sentinel), eval-rst raw HTML, javascript: links in HTML,
# Markdown and autolink form, substitutions, math, comments, targets, list markers, entities, rich
# markup, a spreadsheet formula, a script end tag, line breaks.
HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(2)>",
    "{download}`../../sentinel/secret.txt`",
    "{download}`../../../sentinel/secret.txt`",
    "```{literalinclude} ../../sentinel/secret.txt\n```",
    ":::{literalinclude} ../../../sentinel/secret.txt\n:::",
    "```{eval-rst}\n.. raw:: html\n\n   <script>alert(3)</script>\n\n.. include:: ../../sentinel/secret.txt\n```",
    '<a href="javascript:alert(4)">click</a>',
    "[click](javascript:alert(5)) <javascript:alert(6)>",
    "{{ 7*7 }} $x^2$ *em* **strong** ~~del~~ \\*",
    "</script><script>alert(7)</script><!-- c -->",
    "% hidden comment",
    "(fake-target)=",
    "- list item",
    "1. ordered",
    "&lt;b&gt; &amp; entity",
    "{ref}`sec-methodology` {doc}`index` ![i](x.png)",
    "=1+1",
    "[/bold] [red]rich[/red]",
]
CODERS = ["primary", "<img src=y onerror=alert(8)>", "{download}`../../sentinel/secret.txt`", "[/bold]=1+1"]
FOLDER = "<img src=x onerror=alert(9)> {{ 7*7 }} `x` [a](javascript:alert(10)) & 'q' \"dq\""


def _shown(value: str) -> str:
    """What the reader sees of a value: the characters, on one line, spaces collapsed."""
    return " ".join("".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in value).split())


# --- MyST: every metacharacter, in every place a page puts text -------------------------------


def _doctree(source: str):
    from docutils.core import publish_doctree
    from myst_parser.parsers.docutils_ import Parser

    config = yaml.safe_load((paths.ROOT / "_config.yml").read_text(encoding="utf-8"))
    project = config.get("parse", {}).get("myst_enable_extensions", [])
    # The book's extensions and every other one that adds syntax (not the typographic ones,
    # which change how text looks, not what it is).
    extensions = sorted(
        {
            *project,
            "colon_fence",
            "deflist",
            "substitution",
            "dollarmath",
            "amsmath",
            "strikethrough",
            "tasklist",
            "fieldlist",
            "attrs_inline",
            "attrs_block",
            "html_image",
        }
    )
    return publish_doctree(
        source,
        parser=Parser(),
        settings_overrides={
            "myst_enable_extensions": extensions,
            "myst_substitutions": {"x": "SUBSTITUTED"},
            "report_level": 5,
            "halt_level": 5,
            "warning_stream": False,
        },
    )


PLAIN = {
    "document",
    "section",
    "title",
    "paragraph",
    "#text",
    "table",
    "tgroup",
    "colspec",
    "thead",
    "tbody",
    "row",
    "entry",
    "bullet_list",
    "list_item",
    "admonition",
}


def _last(tag: str, index: int = -1):
    return lambda doc: [n for n in doc.findall(lambda n: n.tagname == tag)][index].astext()


# Each place a page puts untrusted text: the MyST around it, how to read it back, what it must read.
CONTEXTS = {
    "paragraph": (lambda t: myst_text(t) + "\n", _last("paragraph"), lambda w: w),
    "mid-line": (
        lambda t: "Before " + myst_text(t, at_line_start=False) + " after\n",
        _last("paragraph"),
        lambda w: f"Before {w} after",
    ),
    "heading": (
        lambda t: "# Rerun: " + myst_text(t, at_line_start=False) + "\n",
        _last("title"),
        lambda w: f"Rerun: {w}",
    ),
    "table cell": (
        lambda t: "| a | b |\n| --- | --- |\n| " + myst_text(t, at_line_start=False) + " | 1 |\n",
        _last("entry", -2),
        lambda w: w,
    ),
    "list item": (
        lambda t: "- **Corpus:** " + myst_text(t, at_line_start=False) + " (1 report)\n",
        _last("list_item"),
        lambda w: f"Corpus: {w} (1 report)",
    ),
    "admonition": (
        lambda t: "```{admonition} About\n:class: note\n\n" + myst_text(t) + "\n```\n",
        _last("paragraph"),
        lambda w: w,
    ),
}
ALLOWED = {"list item": PLAIN | {"strong"}}

PUNCTUATION = list(string.punctuation)
SAMPLES = (
    [*PUNCTUATION]
    + [c * 3 for c in PUNCTUATION]
    + [c + " x" for c in PUNCTUATION]
    + [c + "x" + c for c in PUNCTUATION]
    + [
        "12. x",
        "12) x",
        "1.5",
        "-18,2",
        "+++",
        "--- x",
        "a\nb",
        "\tx\r\n\r\ny",
        "x  y",
        "\\",
        "\\\\",
        "a\\",
        " lead",
        "x\u2028y",
        "a\x00b",
    ]
    + HOSTILE
    + [FOLDER, *CODERS]
)


@pytest.mark.parametrize("context", list(CONTEXTS))
def test_myst_text_is_literal_for_every_metacharacter(context):
    write, read, wrap = CONTEXTS[context]
    problems = []
    for sample in SAMPLES:
        doc = _doctree(write(sample))
        extra = {n.tagname for n in doc.findall()} - ALLOWED.get(context, PLAIN)
        text, want = _shown(read(doc)), _shown(wrap(_shown(sample)))
        if extra or text != want:
            problems.append(f"{sample!r}: extra nodes {sorted(extra)}, read {text!r}, want {want!r}")
    assert not problems, "\n".join(problems)


def test_myst_text_leaves_plain_labels_byte_for_byte():
    # Glued labels, dates and numbers of the main book must not change (nbval compares them).
    for plain in ("2020–22", "2020-08-24", "-18,2", "24. srpna 2020", "63.9", "Kazakhstan's", "1.5 (n = 3)"):
        assert myst_text(plain, at_line_start=False) == plain
    assert myst_text("24. srpna 2020") == "24\\. srpna 2020"  # at a line's start it would be a list


# --- HTML: element content and attribute values ------------------------------------------------


class _Collect(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


@pytest.mark.parametrize("quote", [True, False])
def test_html_text_is_literal_in_content_and_attributes(quote):
    for sample in [*PUNCTUATION, *HOSTILE, FOLDER, "a\nb", "<<>>&&\"\"''"]:
        p = _Collect()
        p.feed(f"<p>{html_text(sample, quote=quote)}</p>")
        p.close()
        assert [t for t, _ in p.tags] == ["p"], sample
        assert "".join(p.text) == _shown(sample), sample
        if quote:
            p = _Collect()
            p.feed(f"<span title=\"{html_text(sample)}\" class='{html_text(sample)}'></span>")
            assert p.tags == [("span", [("title", _shown(sample)), ("class", _shown(sample))])], sample


def test_tables_escape_text_cells_and_headers():
    import pandas as pd

    df = pd.DataFrame({"<i onmouseover=alert(1)>h</i>": HOSTILE[:3], "n": [1.25, 2.0, 3.5]})
    out = show_table(df, "t").to_html()
    p = _Collect()
    p.feed(out)
    assert {t for t, _ in p.tags} <= {"style", "table", "thead", "tbody", "tr", "th", "td"}
    assert "<img" not in out and "<svg" not in out and "<i " not in out
    assert "1.2" in out  # numbers keep the precision
    assert _shown(HOSTILE[0]) in "".join(p.text)


# --- the hostile corpus -----------------------------------------------------------------------


def write_hostile_corpus(base: Path) -> tuple[Path, str]:
    """A valid corpus with a hostile value in every free-text field and in the folder name.

    Returns the folder and the sentinel string kept in ``base/sentinel/secret.txt``, which the
    hostile fields point at through ``../`` paths from the rerun's source and chapters folders.
    """
    secret = "KZP-SENTINEL-" + uuid.uuid4().hex
    (base / "sentinel").mkdir(parents=True)
    (base / "sentinel" / "secret.txt").write_text(secret + "\n", encoding="utf-8")
    try:
        folder = base / FOLDER
        folder.mkdir()
    except OSError:  # a filesystem that refuses such a name: keep the rest of the test
        folder = base / "hostile corpus"
        folder.mkdir()
    reports, codes = [], []
    slots = [
        (c, w, d)
        for c in ("china", "russia")
        for w in ("president", "government")
        for d in ("2021-03-01", "2022-06-01")
    ]
    n = 0
    for country, website, date in slots:
        for _ in range(3):
            value = HOSTILE[n % len(HOSTILE)]
            rid = f"r{n}" if n % 4 else f"<svg onload=alert({n})>-{n}"
            reports.append(
                [rid, country, website, value, date, "javascript:alert(11)", value, value, value, value, value]
            )
            for coder in CODERS:
                codes.append([rid, "economic", "cooperation", "main", coder])
                if n % 2:
                    codes.append([rid, "cultural", "cooperation", "secondary", coder])
            n += 1
    assert n >= len(HOSTILE)  # every hostile value is some report's provenance
    with open(folder / "reports.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "id",
                "country",
                "website",
                "entity",
                "date",
                "url",
                "title_ru",
                "title_en",
                "excerpt_ru",
                "excerpt_en",
                "provenance",
            ]
        )
        w.writerows(reports)
    with open(folder / "codes.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["report_id", "category", "mode", "level", "coder"])
        w.writerows(codes)
    return folder, secret


def test_hostile_corpus_is_accepted_by_the_loader(tmp_path):
    from kzperception.data.corpus import load_corpus

    folder, _ = write_hostile_corpus(tmp_path)
    corpus = load_corpus(folder)
    assert set(corpus.provenance_mix) == set(HOSTILE)
    assert corpus.coders == sorted(CODERS)


def test_front_page_and_source_note_show_hostile_values_as_text(tmp_path):
    from kzperception.book import rerun
    from kzperception.book.chapter import open_chapter

    folder, _ = write_hostile_corpus(tmp_path)
    # The counted coder is named on the page: a hostile name, so it must be shown as text too.
    p = rerun.plan(folder, "2020-08-24", "2022-02-24", "2023-08-24", tmp_path / "out", ["06-2-reports"], CODERS[1])
    page = rerun.front_page(p).split("```{tableofcontents}")[0]  # a Sphinx directive docutils lacks
    doc = _doctree(page)
    kinds = {n.tagname for n in doc.findall()}
    assert kinds <= PLAIN | {"strong", "literal", "container"}, kinds  # **Corpus:** and the fixed `kzperception ...`
    cells = [e.astext() for e in doc.findall(lambda n: n.tagname == "entry")]
    for value in HOSTILE:
        assert _shown(value) in cells
    text = _shown(doc.astext())
    for coder in CODERS:
        assert _shown(coder) in text
    assert _shown(folder.name) in text and str(folder.parent) not in text  # named, never by its local path
    assert folder.name not in _shown(doc.children[0].children[0].astext())  # never in the page title

    note = open_chapter(str(folder), coder=CODERS[1]).source_note().data
    parsed = _Collect()
    parsed.feed(note)
    assert {t for t, _ in parsed.tags} == {"div", "p", "code"}
    shown = "".join(parsed.text)
    assert _shown(folder.name) in shown
    assert f"codes of coder {_shown(CODERS[1])}" in shown
    for value in HOSTILE:
        assert f"{_shown(value)}: " in shown


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
    sync_api = pytest.importorskip("playwright.sync_api")
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
                if _shown(value) not in body:
                    problems.append(f"{rel}: provenance not shown as text: {value!r}")
            if rel.name == "index.html":
                for value in [*CODERS, folder.name]:  # the corpus by its folder name, never its local path
                    if _shown(value) not in body:
                        problems.append(f"{rel}: not shown as text: {value!r}")
                if re.search(r"\b49\b", body):
                    problems.append(f"{rel}: a {{{{ 7*7 }}}} substitution was evaluated")
            context.close()
        browser.close()
    assert not problems, "\n".join(problems)
