"""The book as one print-quality PDF: ``make pdf`` (``python -m kzperception.book.pdf``).

A thesis is read, cited and archived as a PDF, so the web book has a printed edition made from
the same executed chapters. The engine is headless Chromium printing a single-page build:

1. the book's source (``book/``, with the chapters ``make book`` executed) is staged in a
   temporary folder and built by Jupyter Book with the ``singlehtml`` builder;
2. that page is opened in Chromium from file:// with the network closed; the charts are drawn by
   the bundled Vega as SVG, so they print as vector figures;
3. a title page, a table of contents and a print stylesheet (A4, serif text in DejaVu/Liberation,
   which cover Cyrillic, each chapter on a new page) are added, and Chromium prints it with page
   numbers in the footer and PDF bookmarks;
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
from dataclasses import dataclass
from pathlib import Path

import yaml

from kzperception import paths
from kzperception.atomic import atomic_target, write_text_atomic

#: Where ``make pdf`` writes the book, and the name the landing page links to.
PDF_NAME = "perception-of-chinese-and-russian-influence.pdf"
DEFAULT_OUT = paths.BUILD / "pdf" / PDF_NAME
#: CSS pixels of the printable width of A4 with the margins below (170 mm at 96 px per inch):
#: the page is laid out at this width, so charts are drawn to fit it.
PRINT_WIDTH_PX = 642
MARGINS = {"top": "20mm", "bottom": "22mm", "left": "20mm", "right": "20mm"}
CHART_TIMEOUT_MS = 60_000


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
        data = yaml.safe_load(toc.read_text(encoding="utf-8")) or {}
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


def _book_meta(config: Path = paths.CONFIG) -> dict[str, str]:
    try:
        data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PdfError(f"{config}: cannot read the book's configuration ({type(exc).__name__})") from exc
    if not isinstance(data, dict):
        raise PdfError(f"{config}: the book's configuration is not a mapping")
    return {
        "title": str(data.get("title") or ""),
        "author": str(data.get("author") or ""),
        "copyright": str(data.get("copyright") or ""),
    }


PRINT_CSS = """
@page { size: A4; }
html, body { background: #fff !important; color: #000; }
/* Skia prints a shadow as a raster image: none, so every figure and box stays vector. */
html:root body *, html:root body *::before, html:root body *::after {
  box-shadow: none !important; text-shadow: none !important; filter: none !important; }
body, .bd-article { font-family: "DejaVu Serif", "Liberation Serif", serif; font-size: 10.5pt; line-height: 1.45; }
h1, h2, h3, h4, .kzp-title-page, .kzp-print-toc { font-family: "DejaVu Sans", "Liberation Sans", sans-serif; }
h1, h2, h3, h4 { break-after: avoid; color: #000 !important; }
.bd-header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer, .bd-footer-article,
.bd-footer-content, .prev-next-area, .headerlink, .kzp-scroll-hint, .vega-embed details, #pst-back-to-top,
#pst-skip-link, .onlyprint, #jb-print-docs-body, .bd-header-announcement, .kzp-pdf-link { display: none !important; }
.bd-page-width, .bd-container, .bd-container__inner, .bd-main, .bd-content, .bd-article-container, .bd-article {
  max-width: none !important; width: auto !important; min-width: 0 !important; margin: 0 !important;
  padding: 0 !important; }
span[id^="document-"] + section { break-before: page; }
.output, .cell_output, .pst-scrollable-table-container, .kzp-scrolls, .kzp-chart { overflow: visible !important;
  background: none !important; }
table { font-size: 8.5pt; width: 100%; border-collapse: collapse; }
th, td { padding: 1pt 4pt !important; overflow-wrap: break-word; word-break: normal; hyphens: auto; }
.bd-article code.literal, .bd-article code.literal span.pre { overflow-wrap: break-word; }
/* A table wider than the page (marked by _decorate) is set in fixed columns in small type. */
table.kzp-print-wide { table-layout: fixed; font-size: 6.8pt; }
table.kzp-print-wide th, table.kzp-print-wide td { overflow-wrap: anywhere; hyphens: auto; }
tr, .kzp-chart, figure, blockquote, .kzp-quote { break-inside: avoid; }
a { color: inherit !important; text-decoration: none; }
/* Exhibits (kzperception.book.sphinx_exhibits): a figure stays with its caption; a figure's "Data"
   box prints open (_decorate opens it) as a small table under the caption, the "Source" box not. */
figure.kzp-exhibit { break-inside: avoid; margin: 4mm 0; }
.kzp-exhibit caption, .kzp-exhibit figcaption { font-size: 9pt; break-after: avoid; }
.kzp-table-box { container-type: normal !important; overflow: visible !important; }
.kzp-table-box caption { position: static !important; min-width: 0 !important; max-width: none !important; }
.kzp-exhibit details.kzp-provenance { display: none !important; }
.kzp-exhibit details.kzp-data { display: block !important; font-size: 8pt; }
.kzp-exhibit details.kzp-data > summary { list-style: none; font-weight: 600; }
.kzp-exhibit details.kzp-data > summary::-webkit-details-marker { display: none; }
.kzp-exhibit details.kzp-data table { width: auto; }
.kzp-title-page { break-after: page; text-align: center; padding-top: 55mm; }
.kzp-title-page h1 { display: block !important; font-size: 24pt; font-weight: 600; margin: 0 0 8mm; }
.kzp-title-page p { font-size: 12pt; margin: 3mm 0; }
.kzp-title-page .kzp-small { font-size: 9.5pt; color: #333; margin-top: 60mm; }
.kzp-print-toc { break-after: page; }
.kzp-print-toc h2 { font-size: 16pt; margin-bottom: 6mm; }
.kzp-print-toc ol { list-style: none; padding: 0; margin: 0; }
.kzp-print-toc li { display: flex; gap: 2mm; margin: 1.6mm 0; font-size: 10.5pt; }
.kzp-print-toc li .kzp-leader { flex: 1; border-bottom: 1px dotted #777; margin-bottom: 1.2mm; }
"""

FOOTER = (
    '<div style="font-size:8pt; width:100%; text-align:center; color:#444; '
    'font-family: DejaVu Sans, sans-serif;"><span class="pageNumber"></span></div>'
)


def _decorate(page, meta: dict[str, str], contents_title: str, pages: dict[str, int]) -> list[Chapter]:
    """Add the print stylesheet, a title page and the contents (with page numbers when known)."""
    chapters = [
        Chapter(**c)
        for c in page.evaluate("""() => [...document.querySelectorAll('span[id^="document-"]')]
        .map(s => { const h = s.nextElementSibling && s.nextElementSibling.querySelector('h1, h2');
                    return h ? {anchor: s.id, title: h.textContent.replace(/#$/, '').trim()} : null; })
        .filter(Boolean)""")
    ]
    items = []
    for c in chapters:
        number = pages.get(c.anchor)
        items.append(
            f'<li><a href="#{html.escape(c.anchor)}">{html.escape(c.title)}</a>'
            f'<span class="kzp-leader"></span><span>{number if number else ""}</span></li>'
        )
    built = dt.date.today().isoformat()
    title_page = (
        f'<section class="kzp-title-page"><h1>{html.escape(meta["title"])}</h1>'
        f"<p>{html.escape(meta['author'])}</p>"
        f'<p class="kzp-small">PDF edition of the computational book, printed {built} from the executed chapters. '
        f"Every table and figure is computed from the data in the repository."
        f"{' © ' + html.escape(meta['copyright']) if meta['copyright'] else ''}</p></section>"
        f'<nav class="kzp-print-toc"><h2>{html.escape(contents_title)}</h2><ol>{"".join(items)}</ol></nav>'
    )
    page.evaluate(
        """([css, front]) => {
        const style = document.createElement('style'); style.textContent = css; document.head.appendChild(style);
        document.documentElement.dataset.theme = 'light'; document.documentElement.dataset.mode = 'light';
        const article = document.querySelector('.bd-article') || document.body;
        const box = document.createElement('div'); box.innerHTML = front;
        article.prepend(...box.childNodes);
        for (const data of document.querySelectorAll('details.kzp-data')) data.open = true;
        for (const table of document.querySelectorAll('table')) {
          const room = (table.parentElement || article).clientWidth;
          if (table.scrollWidth > room + 1) table.classList.add('kzp-print-wide');
        }
    }""",
        [PRINT_CSS, title_page],
    )
    return chapters


def _print(single: Path, out: Path, meta: dict[str, str], pages: dict[str, int]) -> list[Chapter]:
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
            try:
                page.wait_for_function(
                    "() => [...document.querySelectorAll('.kzp-chart')].every(d => d.querySelector('svg'))",
                    timeout=CHART_TIMEOUT_MS,
                )
            except Exception as exc:  # playwright's TimeoutError; the message names the fault
                raise PdfError(f"the charts of {single} were not drawn within {CHART_TIMEOUT_MS // 1000} s") from exc
            chapters = _decorate(page, meta, "Contents", pages)
            page.emulate_media(media="print")
            page.pdf(
                path=str(out),
                format="A4",
                margin=MARGINS,  # type: ignore[arg-type]  # a plain dict of the TypedDict playwright declares
                print_background=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=FOOTER,
                outline=True,
                tagged=True,
            )
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
            head = " ".join(page_texts[number].split())[: len(key) + 40]
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
