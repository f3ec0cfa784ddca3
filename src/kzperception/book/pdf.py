"""The book as one print-quality PDF: ``make pdf`` (``python -m kzperception.book.pdf``).

A thesis is read, cited and archived as a PDF, so the web book has a printed edition made from
the same executed chapters. The engine is headless Chromium printing a single-page build:

1. the book's source (``book/``, with the chapters ``make book`` executed) is staged in a
   temporary folder and built by Jupyter Book with the ``singlehtml`` builder;
2. that page is opened in Chromium from file:// with the network closed; the charts are drawn by
   the bundled Vega as SVG, so they print as vector figures;
3. the landing page and each chapter are marked as chapters (each on a named page of its own,
   so it opens a new page and carries its running head); the thesis's title page (``print_edition``
   in ``_config.yml``), the contents and the print stylesheet (``src/kzperception/book/print/kzp-print.css``: A4,
   serif text in DejaVu/Liberation, which cover Cyrillic) are added; each Data box is opened,
   clauses of captions that only work on a screen ("hover a bar") are left out, and each table
   wider than the portrait page is set on landscape pages with its words kept whole; Chromium
   prints it with page numbers, running heads and PDF bookmarks;
4. the pages where chapters start are read back from the first print (``pdftotext``) and written
   into the contents, and the book is printed again.

Nothing is downloaded. The PDF is written whole or not at all (a temporary file renamed into
place); an existing file other than the default output is replaced only with ``--force``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path

import yaml

from kzperception import paths
from kzperception.atomic import atomic_target, write_text_atomic
from kzperception.data import yaml_text

#: Where ``make pdf`` writes the book, and the name the landing page links to.
PDF_NAME = "perception-of-chinese-and-russian-influence.pdf"
DEFAULT_OUT = paths.BUILD / "pdf" / PDF_NAME
#: CSS pixels of the printable width of A4 with the margins below (170 mm at 96 px per inch):
#: the page is laid out at this width, so charts are drawn to fit it.
PRINT_WIDTH_PX = 642
MARGINS = {"top": "20mm", "bottom": "22mm", "left": "20mm", "right": "20mm"}
CHART_TIMEOUT_MS = 60_000
#: The print stylesheet. It lives beside this module, not in book/_static: Jupyter Book links every
#: stylesheet in _static into every web page, and these rules hide the web book's navigation.
PRINT_CSS = Path(__file__).parent / "print" / "kzp-print.css"


class PdfError(RuntimeError):
    """The PDF cannot be made; the message says why in one line."""


@dataclass(frozen=True)
class Chapter:
    """One entry of the printed contents: its anchor in the single page and its title."""

    anchor: str
    title: str


def chapters_in_toc(toc: Path = paths.TOC) -> list[str]:
    """The documents of the table of contents, in order (``chapters/<stem>``, ``bibliography``)."""
    try:
        data = yaml_text.load(toc.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PdfError(f"{toc}: cannot read the table of contents ({type(exc).__name__})") from exc
    files: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                files.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                walk(node.get(key))
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return files


def check_executed(book: Path = paths.BOOK, toc: Path = paths.TOC) -> None:
    """Every chapter of the contents must have been executed (``make book``) before printing."""
    if not book.is_dir():
        raise PdfError(f"{book} is not a folder: --book names the book's source (book/, or OUT/src)")
    missing = [
        f
        for f in chapters_in_toc(toc)
        if f.startswith(f"{paths.CHAPTERS_DIR}/") and not (book / f"{f}.ipynb").is_file()
    ]
    if missing:
        raise PdfError(
            f"{len(missing)} chapter(s) not executed yet, first {book / missing[0]}.ipynb: "
            "run `make book` before `make pdf`"
        )


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise PdfError(
            "no chromium on this machine: the PDF is printed by headless Chromium (apt-get install chromium)"
        )
    return found


def build_singlehtml(work: Path, book: Path = paths.BOOK, config: Path = paths.CONFIG, toc: Path = paths.TOC) -> Path:
    """Stage the book's source in ``work`` and build it as one HTML page; returns the page."""
    src = work / "src"
    shutil.copytree(book, src, ignore=shutil.ignore_patterns("_build", ".*.tmp", ".ipynb_checkpoints"))
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [
        str(exe if exe.exists() else shutil.which("jupyter-book") or "jupyter-book"),
        "build",
        str(src),
        "--path-output",
        str(src),
        "--builder",
        "singlehtml",
        "--config",
        str(config),
        "--toc",
        str(toc),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    page = src / "_build" / "singlehtml" / "index.html"
    if proc.returncode != 0 or not page.is_file():
        from kzperception.book.jupyterbook import os_error_in

        cause = os_error_in(proc.stdout + proc.stderr)  # a full disk: the file and errno, not "look above"
        if cause:
            raise PdfError(f"jupyter-book could not build the single page: {cause}")
        tail = " | ".join((proc.stdout + proc.stderr).strip().splitlines()[-5:])
        raise PdfError(f"jupyter-book could not build the single page: {tail}")
    return page


@dataclass(frozen=True)
class TitlePage:
    """What the printed title page says: the thesis's own title page, read from ``_config.yml``.

    The facts (title, subtitle, author, supervisor, faculty, year) are data, kept under
    ``print_edition`` in the book's configuration beside the web book's ``title`` and ``author``.
    ``landing_heading`` is the printed heading of the landing page, which the web book opens with
    the book's title (already on the title page).
    """

    title: str
    subtitle: str
    author: str
    supervisor: str
    university: str
    faculty: str
    year: str
    landing_heading: str
    institute: str = ""
    degree: str = ""
    place: str = ""
    edition: str = ""
    copyright: str = ""


REQUIRED = ("title", "subtitle", "author", "supervisor", "university", "faculty", "year", "landing_heading")


def _book_meta(config: Path = paths.CONFIG) -> TitlePage:
    """The title page's facts from ``print_edition`` in ``config``; one line naming the field if one is missing."""
    try:
        data = yaml_text.load(config.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PdfError(f"{config}: cannot read the book's configuration ({type(exc).__name__})") from exc
    if not isinstance(data, dict):
        raise PdfError(f"{config}: the book's configuration is not a mapping")
    edition = data.get("print_edition")
    if not isinstance(edition, dict):
        raise PdfError(f"{config}: print_edition: missing (the PDF's title page: title, subtitle, author ...)")
    known = {f.name for f in fields(TitlePage)}
    unknown = sorted(str(k) for k in edition if k not in known)
    if unknown:
        raise PdfError(f"{config}: print_edition: {unknown[0]}: unknown field (known: {', '.join(sorted(known))})")
    values = {k: "" if v is None else str(v).strip() for k, v in edition.items()}
    for name in REQUIRED:
        if not values.get(name):
            raise PdfError(f"{config}: print_edition: {name}: missing or empty")
    values.setdefault("copyright", str(data.get("copyright") or ""))
    return TitlePage(**values)


def print_css(sheet: Path = PRINT_CSS) -> str:
    """The print stylesheet (:data:`PRINT_CSS`)."""
    try:
        return sheet.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PdfError(f"{sheet}: cannot read the print stylesheet ({type(exc).__name__})") from exc


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal (quotes and backslashes escaped, one line)."""
    flat = " ".join(text.split())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


HEAD = 'font-family: "DejaVu Sans", "Liberation Sans", sans-serif; font-size: 8pt; color: #000;'


def page_rules(book_title: str, chapters: list[Chapter]) -> str:
    """The ``@page`` rules: A4, page numbers, and running heads from named pages.

    Chromium has no ``string-set``, so a chapter's title cannot be carried into the margin from
    its heading; instead each chapter prints on a named page of its own (``kzp-ch<i>``, and
    ``kzp-ch<i>-wide`` in landscape for its wide tables) whose margin boxes say its title. A
    left-hand page carries the book's title at its outer edge, a right-hand page the chapter's.
    The title page (the first) has no number and no head; the contents carry a number only.
    """
    folio = f"@bottom-center {{ content: counter(page); {HEAD} }}"
    margin = " ".join(MARGINS[side] for side in ("top", "right", "bottom", "left"))
    rules = [
        f"@page {{ size: A4; margin: {margin}; {folio} }}",
        "@page :first { @bottom-center { content: none; } }",
    ]
    book = _css_string(book_title)
    for i, c in enumerate(chapters):
        chapter = _css_string(c.title)
        for name, size in (
            (f"kzp-ch{i}", ""),
            (f"kzp-ch{i}-wide", f"size: A4 landscape; margin: {MARGINS['top']} 15mm {MARGINS['bottom']}; "),
        ):
            rules.append(f"@page {name} {{ {size}}}")
            rules.append(f"@page {name}:left {{ @top-left {{ content: {book}; {HEAD} }} }}")
            rules.append(f"@page {name}:right {{ @top-right {{ content: {chapter}; {HEAD} }} }}")
        rules.append(f'[data-kzp-chapter="{i}"] {{ page: kzp-ch{i}; }}')
        rules.append(f'[data-kzp-chapter="{i}"] .kzp-print-landscape {{ page: kzp-ch{i}-wide; }}')
    return "\n".join(rules) + "\n"


#: Words that only mean something on a screen; a caption's clause that uses one is left out of print.
SCREEN_ONLY = r"\b(hover(s|ing)?|click(s|ing)?|tap(s|ping)?|mouse|zoom|scroll(s|ing)?|drag(s|ging)?)\b"


#: Marks the printed chapters in the single page and returns them: the landing page (the root
#: section's own text, before the chapters, under ``landing_heading``), then each document of the
#: contents. Each gets ``data-kzp-chapter`` (its named page) and the class that opens a new page.
_CHAPTERS_JS = """(landing) => {
  const article = document.querySelector('.bd-article') || document.body;
  const root = article.querySelector(':scope > section');
  const found = [];
  const wrapper = root && root.querySelector(':scope > .toctree-wrapper');
  if (root && wrapper) {
    const box = document.createElement('section');
    box.id = 'kzp-landing';
    const nodes = [];
    for (let n = root.firstChild; n && n !== wrapper; n = n.nextSibling) nodes.push(n);
    box.append(...nodes);
    const h1 = box.querySelector(':scope > h1');
    const heading = document.createElement('h1');
    heading.textContent = landing;
    if (h1) h1.replaceWith(heading); else box.prepend(heading);
    root.insertBefore(box, wrapper);
    found.push({element: box, title: landing});
  }
  for (const span of document.querySelectorAll('span[id^="document-"]')) {
    const section = span.nextElementSibling;
    const h = section && section.querySelector(':scope > h1, :scope > h2');
    if (!h) continue;
    section.prepend(span);  // an anchor left between two chapters would print as a page of its own
    const title = [...h.childNodes].filter(n => !(n.classList && n.classList.contains('headerlink')))
      .map(n => n.textContent).join('').trim();
    found.push({element: section, title});
  }
  return found.map((c, i) => {
    c.element.dataset.kzpChapter = String(i);
    c.element.classList.add('kzp-print-chapter');
    if (!c.element.id) c.element.id = `kzp-chapter-${i}`;
    return {anchor: c.element.id, title: c.title};
  });
}"""

#: Adds the stylesheet and the front matter, opens the Data boxes, leaves screen-only clauses of
#: captions out, and sets each table wider than the portrait page on landscape pages.
_PRINT_JS = r"""([css, front, screenOnly]) => {
  const style = document.createElement('style'); style.textContent = css; document.head.appendChild(style);
  document.documentElement.dataset.theme = 'light'; document.documentElement.dataset.mode = 'light';
  const article = document.querySelector('.bd-article') || document.body;
  const box = document.createElement('div'); box.innerHTML = front;
  article.prepend(...box.childNodes);
  // A Data box is kept whole with its figure; a long one (the figure and the box taller than 75 %
  // of an A4 page's text) follows the figure instead, label and first rows together, and may run on.
  const pageHeight = 0.75 * (297 - 42) * 96 / 25.4;
  for (const data of document.querySelectorAll('details.kzp-data')) {
    data.open = true;
    const figure = data.closest('figure.kzp-exhibit');
    if (figure && figure.getBoundingClientRect().height > pageHeight) {
      data.classList.add('kzp-print-long');
      figure.after(data);
    }
  }
  const screen = new RegExp(screenOnly, 'i');
  for (const cap of document.querySelectorAll('figcaption, caption')) {
    const walker = document.createTreeWalker(cap, NodeFilter.SHOW_TEXT);
    const texts = []; while (walker.nextNode()) texts.push(walker.currentNode);
    for (const t of texts) {
      if (!screen.test(t.data)) continue;
      // sentences, and clauses after a semicolon: the ones that speak of the screen go
      const kept = t.data.split(/(?<=[.!?])\s+/).map(sentence => {
        const clauses = sentence.split(/;\s*/);
        const rest = clauses.filter(c => !screen.test(c));
        if (!rest.length) return '';
        const joined = rest.join('; ');
        return /[.!?]$/.test(joined) ? joined : joined.replace(/[,:\s]*$/, '') + '.';
      }).filter(Boolean).join(' ');
      t.data = kept;
    }
  }
  // A table's words never break: a token joined by a hyphen or a dash ("6.2-07", "2020–22") is kept
  // whole (a compound of words, "non-cooperation", may break at its hyphen, as in any text), and a
  // long run without spaces (an expression) may break only after , ; = / ( or [.
  const tables = [...document.querySelectorAll('[data-kzp-chapter] table')]
    .filter(t => !t.closest('details.kzp-provenance'));
  for (const table of tables) {
    const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
    const texts = []; while (walker.nextNode()) texts.push(walker.currentNode);
    for (const t of texts) {
      if (!/[\w][-–—‐][\w]|\S{21,}/.test(t.data)) continue;
      const frag = document.createDocumentFragment();
      for (const part of t.data.split(/(\s+)/)) {
        if (/^[A-Za-z]{3,}(-[A-Za-z]{3,})+[.,;:)]?$/.test(part)) {
          frag.append(document.createTextNode(part));  // a compound of words may break at its hyphen
        } else if (/[\w][-–—‐][\w]/.test(part) && part.length <= 20) {
          const keep = document.createElement('span'); keep.className = 'kzp-nobreak'; keep.textContent = part;
          frag.append(keep);
        } else if (part.length > 20 && /\S/.test(part)) {
          for (const piece of part.split(/(?<=[,;=\/([])/)) {
            frag.append(document.createTextNode(piece), document.createElement('wbr'));
          }
        } else frag.append(document.createTextNode(part));
      }
      t.replaceWith(frag);
    }
  }
  // A table wider than the portrait page goes on landscape pages (267 mm wide inside their margins).
  const room = article.clientWidth;
  const wide = [];
  for (const table of tables) {
    if (table.scrollWidth <= room + 1) continue;
    const holder = table.closest('details.kzp-print-long, .kzp-exhibit, .cell_output, .output') || table;
    holder.classList.add('kzp-print-landscape');
    wide.push([holder, table]);
  }
  const tooWide = [];
  for (const [holder, table] of wide) {
    if (table.scrollWidth > holder.clientWidth + 1) {
      const cap = table.querySelector('caption');
      tooWide.push((cap ? cap.textContent : table.textContent).trim().slice(0, 60));
    }
  }
  return tooWide;
}"""


def title_page_html(meta: TitlePage, printed: str) -> str:
    """The title page as the thesis's own gives it, and a line on this edition (no page number: its named page)."""
    e = html.escape
    facts = [("Author", meta.author), ("Supervisor", meta.supervisor)]
    rows = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts if v)
    institute = f'<p class="kzp-institute">{e(meta.institute)}</p>' if meta.institute else ""
    degree = f'<p class="kzp-degree">{e(meta.degree)}</p>' if meta.degree else ""
    place = ", ".join(x for x in (meta.place, meta.year) if x)
    edition = f"{e(meta.edition)}. " if meta.edition else ""
    copyright = f" © {e(meta.copyright)}" if meta.copyright else ""
    return (
        f'<section class="kzp-title-page">'
        f'<p class="kzp-university">{e(meta.university)}</p>'
        f'<p class="kzp-faculty">{e(meta.faculty)}</p>{institute}'
        f"<h1>{e(meta.title)}</h1>"
        f'<p class="kzp-subtitle">{e(meta.subtitle)}</p>{degree}'
        f"<dl>{rows}</dl>"
        f'<p class="kzp-place-year">{e(place)}</p>'
        f'<p class="kzp-small">{edition}PDF edition printed {printed} from the executed chapters; '
        f"every table and figure is computed from the data in the repository.{copyright}</p></section>"
    )


def contents_html(chapters: list[Chapter], pages: dict[str, int], heading: str = "Contents") -> str:
    """The printed contents: every chapter with the page it starts on (when the first print told it)."""
    items = []
    for c in chapters:
        number = pages.get(c.anchor)
        items.append(
            f'<li><a href="#{html.escape(c.anchor)}">{html.escape(c.title)}</a>'
            f'<span class="kzp-leader"></span><span>{number if number else ""}</span></li>'
        )
    return f'<nav class="kzp-print-toc"><h2>{html.escape(heading)}</h2><ol>{"".join(items)}</ol></nav>'


#: A folded table (``exhibits.fold_rows``: the audit's long tables open with the rows to check, every
#: row in a ``<template class="kzp-rows">``) prints every row: ``kzp-filter.js`` does it on
#: ``beforeprint``, which an emulated print never fires, so the PDF build unfolds them itself; it
#: needs no script of the page, and returns how many tables it unfolded.
_UNFOLD_JS = """() => {
  if (window.kzpExpandAll) window.kzpExpandAll();
  let n = 0;
  for (const table of document.querySelectorAll('table.kzp-folded')) {
    const template = table.querySelector('template.kzp-rows');
    if (!template) continue;
    const body = template.parentNode;
    body.replaceChildren(template.content);
    table.classList.remove('kzp-folded');
    n += 1;
  }
  for (const note of document.querySelectorAll('.kzp-fold-note')) note.remove();
  return n;
}"""


def _decorate(page, meta: TitlePage, pages: dict[str, int]) -> list[Chapter]:
    """Unfold folded tables, mark the chapters, add the print stylesheet, the title page and the contents."""
    page.evaluate(_UNFOLD_JS)
    chapters = [Chapter(**c) for c in page.evaluate(_CHAPTERS_JS, meta.landing_heading)]
    css = print_css() + page_rules(meta.title, chapters)
    front = title_page_html(meta, dt.date.today().isoformat()) + contents_html(chapters, pages)
    too_wide = page.evaluate(_PRINT_JS, [css, front, SCREEN_ONLY])
    if too_wide:
        raise PdfError(f"{len(too_wide)} table(s) wider than a landscape page, first: {too_wide[0]!r}")
    return chapters


def _print(single: Path, out: Path, meta: TitlePage, pages: dict[str, int]) -> list[Chapter]:
    from playwright.sync_api import sync_playwright

    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=args, headless=True)
        try:
            context = browser.new_context(viewport={"width": PRINT_WIDTH_PX, "height": 900}, color_scheme="light")
            page = context.new_page()
            page.route(
                "**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "blob:")) else r.abort()
            )
            page.goto(single.as_uri(), wait_until="load")
            # kzp-charts.js loads the Vega bundle only when a chart nears the viewport: have it
            # load the bundle and draw every chart now (failures show in the wait below).
            page.evaluate("() => { if (window.kzpDrawAll) window.kzpDrawAll().catch(() => {}); }")
            try:
                page.wait_for_function(
                    "() => [...document.querySelectorAll('.kzp-chart')].every(d => d.querySelector('svg'))",
                    timeout=CHART_TIMEOUT_MS,
                )
            except Exception as exc:  # playwright's TimeoutError; the message names the fault
                raise PdfError(f"the charts of {single} were not drawn within {CHART_TIMEOUT_MS // 1000} s") from exc
            chapters = _decorate(page, meta, pages)
            page.emulate_media(media="print")
            # The page size, margins, page numbers and running heads come from the @page rules.
            page.pdf(path=str(out), prefer_css_page_size=True, print_background=True, outline=True, tagged=True)
        finally:
            browser.close()
    return chapters


def chapter_pages(pdf: Path, chapters: list[Chapter]) -> dict[str, int]:
    """The page where each chapter starts, read from the printed text (chapters open a new page)."""
    pdftotext = shutil.which("pdftotext")
    if not pdftotext:
        return {}
    proc = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True)
    if proc.returncode != 0:
        return {}
    page_texts = proc.stdout.split("\f")
    found: dict[str, int] = {}
    start = 2  # after the title page and the first page of the contents
    for c in chapters:
        key = " ".join(c.title.split())
        for number in range(start, len(page_texts)):
            # a chapter's heading opens its first page, under the running head (the book's title
            # on a left-hand page, the chapter's own on a right-hand one)
            lines = [line for line in page_texts[number].splitlines() if line.strip()]
            head = " ".join(" ".join(lines[:3]).split())
            if key in head:
                found[c.anchor] = number + 1
                start = number + 1
                break
    return found


def build_pdf(
    out: Path = DEFAULT_OUT, *, force: bool = False, book: Path = paths.BOOK, keep_html: Path | None = None
) -> Path:
    """Print the executed book to ``out``; returns it. Raises :class:`PdfError` with one line.

    ``book`` is the Sphinx source with executed chapters: ``book/`` after ``make book``, or the
    ``OUT/src`` of a book built with ``kzperception build --out OUT``.
    """
    out = Path(out)
    if out.is_dir():
        raise PdfError(f"{out} is a folder: give a file name ending in .pdf")
    if out.suffix.lower() != ".pdf":
        raise PdfError(f"{out} does not end in .pdf: give the PDF's file name")
    if out.exists() and out.resolve() != DEFAULT_OUT.resolve() and not force:
        raise PdfError(f"{out} exists: pass --force to replace it")
    check_executed(book)
    _chromium()
    meta = _book_meta()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kzp-pdf-") as tmp:
        work = Path(tmp)
        single = build_singlehtml(work, book)
        first = work / "first.pdf"
        chapters = _print(single, first, meta, {})
        pages = chapter_pages(first, chapters)
        final = work / "book.pdf"
        if pages:
            _print(single, final, meta, pages)
        else:
            final = first
        if keep_html is not None:
            shutil.copytree(single.parent, keep_html, dirs_exist_ok=True)
        with atomic_target(out) as partial:  # a full disk or a signal mid-copy: no half PDF beside the old one
            shutil.copyfile(final, partial)
    return out


def mark_pdf(html_root: Path) -> bool | None:
    """Show the landing page's PDF link when the PDF sits next to it, else the line that says how to make it.

    The landing page holds both (``kzp-pdf-made`` and ``kzp-pdf-missing``); the one that does not
    apply carries ``hidden``, so no reader meets a link to a file that is not there. For the main
    book a PDF that ``make pdf`` wrote earlier is put in place first. Returns whether the PDF is
    linked, or None when the page has no PDF paragraph (a rerun's front page).
    """
    page = html_root / "index.html"
    try:
        text = page.read_text(encoding="utf-8")
    except OSError:
        return None
    if "kzp-pdf-made" not in text:
        return None
    target = html_root / PDF_NAME
    if not target.is_file() and html_root.resolve() == paths.HTML.resolve() and DEFAULT_OUT.is_file():
        shutil.copyfile(DEFAULT_OUT, target)
    made = target.is_file()
    marked = re.sub(
        r'<span class="(kzp-pdf-made|kzp-pdf-missing)"(?: hidden)?>',
        lambda m: f'<span class="{m[1]}"' + ("" if (m[1] == "kzp-pdf-made") == made else " hidden") + ">",
        text,
    )
    if marked != text:
        write_text_atomic(page, marked)
    return made


def publish(pdf: Path, html_root: Path = paths.HTML) -> Path | None:
    """Put the PDF next to the web book's landing page, where its link points (if the book is built)."""
    if not (html_root / "index.html").is_file():
        return None
    target = html_root / PDF_NAME
    shutil.copyfile(pdf, target)
    mark_pdf(html_root)  # the landing page now links the PDF instead of saying how to make it
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m kzperception.book.pdf", description="Print the executed book as one PDF (headless Chromium)."
    )
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"the PDF to write (default {DEFAULT_OUT})")
    ap.add_argument("--force", action="store_true", help="replace an existing --out file")
    ap.add_argument(
        "--book",
        type=Path,
        default=paths.BOOK,
        help="the book's source with executed chapters (default book/; or OUT/src of build --out)",
    )
    args = ap.parse_args(argv)
    from kzperception.cli.interrupt import interruptible, os_error_line

    kept = f"no PDF written; {args.out} as it was, Chromium stopped and its temporary folder removed"
    try:
        with interruptible(kept):  # SIGINT/SIGTERM: one line, exit 130/143 (SystemExit)
            pdf = build_pdf(args.out, force=args.force, book=args.book)
    except PdfError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # the disk: a folder that cannot be written, no space left
        print(f"error: {os_error_line(exc, args.out)}; no PDF written", file=sys.stderr)
        return 1
    except SystemExit as stop:
        return int(stop.code or 0)
    linked = publish(pdf) if pdf.resolve() == DEFAULT_OUT.resolve() else None
    print(f"wrote {pdf}" + (f" and {linked}" if linked else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
