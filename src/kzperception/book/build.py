"""Execute the chapters with papermill and assemble the web book with Jupyter Book.

Chapters are jupytext MyST notebooks in ``notebooks/``. Each is converted, its parameters injected
by papermill, executed in a fresh kernel, and written to the ``chapters/`` folder of a book's
source, where ``_toc.yml`` points. Jupyter Book itself executes nothing (``execute_notebooks:
off``): the book is exactly what papermill produced.

Every book has one shape (:class:`BookLayout`): a Sphinx source folder holding the pages that are
not notebooks, ``references.bib``, ``_static/`` and ``chapters/``, built with the top-level
``_config.yml`` and a table of contents. The main book's source is ``book/`` itself; a book built
elsewhere (``kzperception build --out``, a rerun) gets a staged copy of those pages in ``OUT/src``
and its HTML in ``OUT/html``. So a page is ``chapters/<stem>.html`` in every book.

Most chapters are one notebook each. A chapter *instance* is made from a template, once per
partner of ``data/partners.yaml`` (:data:`PARTNER_CHAPTERS`, the one table of such templates): the
slot chapter ``06-3-<n>-<partner>-slots`` is ``notebooks/06-3-partner-slots.md`` with ``partner``
injected as a parameter, its heading filled from the partner's entry, and the partner's reading
(``notebooks/_fragments/<partner>-slots.md``, the thesis's own prose) spliced in when it has one.
:func:`chapter_source` resolves a stem, :func:`chapter_notebook` assembles what is executed.

A chapter is re-executed only when something it depends on changed: its source, its parameters,
the corpus it reads, or one of the library modules and data files its kernel imported or opened
(recorded as it runs, :mod:`kzperception.book.chapter_deps`). The hashes are stored in the executed
notebook's metadata. Chapters run in parallel processes (one kernel each).

The front page is a notebook too (``notebooks/index.md``): its headline findings are glued from
the counts like any chapter's numbers. It is executed, with the same cache, into the source's root
document ``index.ipynb`` (:func:`execute_front_page`) just before Jupyter Book runs; a book whose
source already holds an ``index.md`` (a rerun's generated front page) keeps that page.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from kzperception import paths
from kzperception.book import chapter_deps

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from kzperception.data.vocabulary import Vocabulary

CHAPTERS_PREFIX = f"{paths.CHAPTERS_DIR}/"
#: The pages of book/ that every staged book copies (chapters and the front page are executed into it,
#: never copied).
STAGED_PAGES = ("bibliography.md", "references.bib", "_static")
#: The front page's notebook in notebooks/, executed into the book's root document ``<source>/index.ipynb``.
FRONT_PAGE = "index"


class BuildError(RuntimeError):
    """A chapter failed to execute or the book failed to build; the message says which and why."""


@dataclass
class ChapterRun:
    """The outcome of one chapter: executed, reused from cache, or failed (with the reason)."""

    stem: str
    status: str
    seconds: float = 0.0
    error: str = ""


@dataclass(frozen=True)
class BookLayout:
    """Where one book's Sphinx source, executed chapters and HTML live.

    One shape for every book, so a test, a link check or a reader finds a chapter at
    ``chapters/<stem>.html`` whichever book it is; only the folders differ.
    """

    source: Path
    html: Path

    @classmethod
    def main(cls) -> BookLayout:
        """The thesis's book: its source is ``book/``, its HTML ``book/_build/html``."""
        return cls(paths.BOOK, paths.HTML)

    @classmethod
    def standalone(cls, out: Path) -> BookLayout:
        """A book of its own outside the repository: staged source in ``OUT/src``, HTML in ``OUT/html``."""
        return cls(out / "src", out / "html")

    @property
    def chapters(self) -> Path:
        return self.source / paths.CHAPTERS_DIR

    @property
    def built(self) -> Path:
        """Where Jupyter Book writes the HTML (``--path-output`` is the source folder)."""
        return self.source / "_build" / "html"

    @property
    def is_main(self) -> bool:
        return self.source.resolve() == paths.BOOK.resolve()


def stage_pages(layout: BookLayout, index: str | None = None) -> None:
    """Copy the pages every book shares into a staged source; ``index`` is a generated front page (MyST).

    The main book is its own source and is never staged. The copies keep the paths the top-level
    ``_config.yml`` names relative to the source folder (``references.bib``, ``_static``), so one
    configuration serves every book. Without ``index`` the book gets the executed front page
    (:func:`execute_front_page`).
    """
    if layout.is_main:
        raise BuildError("the main book's source is book/ itself; it is not staged")
    layout.chapters.mkdir(parents=True, exist_ok=True)
    for name in STAGED_PAGES:
        src, dst = paths.BOOK / name, layout.source / name
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copyfile(src, dst)
    if index is not None:
        (layout.source / "index.md").write_text(index, encoding="utf-8")


def toc_chapters(toc: Path | None = None) -> list[str]:
    """Stems of the executed chapters listed in ``_toc.yml``, in reading order."""
    toc = toc or paths.TOC
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            f = node.get("file")
            if isinstance(f, str) and f.startswith(CHAPTERS_PREFIX):
                found.append(f[len(CHAPTERS_PREFIX) :])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(yaml.safe_load(toc.read_text(encoding="utf-8")))
    return found


# --- chapter instances: one chapter per partner from one template ---------------------------------


@dataclass(frozen=True)
class PartnerChapters:
    """A template notebook that makes one chapter per partner, and how its instances are named.

    ``stem`` and ``number`` are patterns with ``{n}`` (the instance's position, ``first`` for the
    first partner of data/partners.yaml) and ``{partner}`` (the partner's id); ``reading`` names the
    partner's own prose, relative to the notebooks folder, used when that file exists.
    """

    template: str
    stem: str
    number: str
    first: int
    reading: str

    def stem_of(self, partner: str, index: int) -> str:
        return self.stem.format(n=self.first + index, partner=partner)

    def parse(self, stem: str, vocabulary: Vocabulary | None = None) -> tuple[str, int] | None:
        """``(partner, index)`` when ``stem`` is an instance of a partner of ``vocabulary`` (default:
        the project's; a rerun passes its corpus's); else None.

        A stem of the right shape with a number that is not the partner's place in the list
        (``06-3-9-china-slots``) is no instance: every partner has exactly one stem.
        """
        partners = _partners(vocabulary)
        pattern = (
            re.escape(self.stem)
            .replace(r"\{n\}", "(?P<n>[0-9]+)")
            .replace(r"\{partner\}", "(?P<partner>[a-z][a-z0-9_]*)")
        )
        m = re.fullmatch(pattern, stem)
        if m is None or m["partner"] not in partners:
            return None
        index = partners.index(m["partner"])
        return (m["partner"], index) if int(m["n"]) == self.first + index else None


#: Every template that makes chapter instances. The main book's _toc.yml lists the thesis's two
#: (chapters/06-3-2-china-slots, chapters/06-3-3-russia-slots); a rerun makes one per partner in its corpus.
PARTNER_CHAPTERS: tuple[PartnerChapters, ...] = (
    PartnerChapters(
        template="06-3-partner-slots",
        stem="06-3-{n}-{partner}-slots",
        number="6.3.{n}",
        first=2,
        reading="_fragments/{partner}-slots.md",
    ),
)
#: Cell tags of a template: the computed section (left out where the reading alone is the page), the
#: note that introduces the reading beside a rerun's numbers, and the cell the reading replaces.
COMPUTED_TAG, READING_NOTE_TAG, READING_TAG = "computed-section", "reading-note", "reading"
#: Cell tag of any chapter: a passage about the thesis's own material that holds only where the page
#: shows the thesis's published figures (a note on a number the thesis prints, what the thesis did
#: with its reports). It is left out of a page run on a corpus, whose numbers it does not describe.
THESIS_ONLY_TAG = "thesis-only"
#: Cell tag of any chapter: the edition's exhibit or passage that takes the place of a thesis-only
#: one on a corpus (every partner's codes where the thesis drew China's and Russia's); left out of
#: the page on the published figures, where the thesis's own exhibit stands.
RERUN_ONLY_TAG = "rerun-only"
_FIELD = re.compile(r"\{\{\s*([^{}\s]*)\s*\}\}")


@dataclass(frozen=True)
class ChapterSource:
    """What one chapter stem is executed from: its own notebook, or a template filled for a partner."""

    stem: str
    notebook: Path
    partner: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    reading: Path | None = None

    @property
    def parameters(self) -> dict[str, str]:
        """What papermill injects besides the book's parameters: the partner of an instance."""
        return {"partner": self.partner} if self.partner is not None else {}

    def missing(self) -> list[Path]:
        return [] if self.notebook.is_file() else [self.notebook]


def _partners(vocabulary: Vocabulary | None) -> tuple[str, ...]:
    if vocabulary is None:
        from kzperception.data.vocabulary import Vocabulary

        vocabulary = Vocabulary.default()
    return vocabulary.partner_ids


def partner_chapters(partners: Iterable[str] | None = None, vocabulary: Vocabulary | None = None) -> list[str]:
    """The instance stems for ``partners`` (default: all of the vocabulary's), in the vocabulary's order.

    ``vocabulary`` is the project's unless given: a rerun passes its corpus's, so a partner its
    ``partners.yaml`` adds gets a slot chapter numbered after the others.
    """
    every = _partners(vocabulary)
    wanted = set(every if partners is None else partners)
    return [t.stem_of(p, i) for t in PARTNER_CHAPTERS for i, p in enumerate(every) if p in wanted]


def source_vocabulary(params: dict[str, str]) -> Vocabulary:
    """The vocabulary a chapter's ``source`` parameter names: a corpus folder's own, else the project's."""
    from kzperception.data.vocabulary import Vocabulary, vocabulary_for

    return Vocabulary.default() if _is_published(params) else vocabulary_for(params["source"])


def chapter_source(stem: str, notebooks: Path | None = None, vocabulary: Vocabulary | None = None) -> ChapterSource:
    """Resolve a chapter stem: an instance of a :data:`PARTNER_CHAPTERS` template for a partner of
    ``vocabulary`` (default: the project's), or ``<notebooks>/<stem>.md``."""
    nb_dir = Path(notebooks or paths.NOTEBOOKS)
    for template in PARTNER_CHAPTERS:
        found = template.parse(stem, vocabulary)
        if found is None:
            continue
        from kzperception.book.display import myst_text
        from kzperception.data.vocabulary import Vocabulary

        partner, index = found
        label = (vocabulary or Vocabulary.default()).partner_label(partner)
        reading = nb_dir / template.reading.format(partner=partner)
        # Labels are plain text by data/partners.yaml's rules; escaped all the same, as any file's value.
        fields = {
            "partner": partner,
            "label": myst_text(label, at_line_start=False),
            "anchor": f"sec-{partner}-slots",
            "number": template.number.format(n=template.first + index),
        }
        return ChapterSource(
            stem, nb_dir / f"{template.template}.md", partner, fields, reading if reading.is_file() else None
        )
    return ChapterSource(stem, nb_dir / f"{stem}.md")


def _is_published(params: dict[str, str]) -> bool:
    return params.get("source", "published") == "published"


def _demote(markdown: str) -> str:
    """One heading level down for every ATX heading outside a fence (the reading under its own heading)."""
    out, fence = [], None
    for line in markdown.splitlines(keepends=True):
        m = re.match(r"\s*(`{3,}|:{3,})", line)
        if m and (fence is None or m[1].startswith(fence)):
            fence = None if fence is not None else m[1]
        elif fence is None and re.match(r"#{1,5} ", line):
            line = "#" + line
        out.append(line)
    return "".join(out)


def _uncomment(markdown: str) -> str:
    """A cell without the MyST comment lines (``% ...``) that open it: notes to a template's or reading's editor."""
    lines = markdown.splitlines(keepends=True)
    while lines and lines[0].startswith("%"):
        lines.pop(0)
    while lines and not lines[0].strip():
        lines.pop(0)
    return "".join(lines)


#: A reference to one of the thesis's own exhibits: ``{numref}`figure-2``` or ``{numref}`Figures %s <figure-6>```.
_THESIS_NUMREF = re.compile(r"\{numref\}`(?:([^`<]*?)\s*<)?(figure|table)-([1-9][0-9]*)>?`")


def _thesis_exhibits(markdown: str) -> str:
    """The thesis's reading with its references to its own figures and tables as words ("Figure 2 of the thesis").

    Beside a rerun's numbers, ``{numref}`figure-2``` would link the thesis's sentence to the
    rerun's Figure 2, which shows other numbers. The thesis's figure is the one it speaks of.
    """

    def words(m: re.Match[str]) -> str:
        title = m[1] if m[1] else f"{m[2].capitalize()} %s"
        return f"{title.replace('%s', m[3]).replace('{number}', m[3])} of the thesis"

    return _THESIS_NUMREF.sub(words, markdown)


def chapter_notebook(source: ChapterSource, params: dict[str, str]) -> NotebookNode:
    """The notebook executed for a chapter, before papermill: the chapter's own, or its instance assembled.

    For an instance, the template's Markdown fields (``{{label}}`` ...) are filled; the partner's
    reading replaces the ``reading`` cell when there is one. On the published figures the reading
    is the page (the computed section and the note are left out, so 6.3.2 and 6.3.3 read as the
    thesis wrote them); beside a rerun's numbers it follows the computed section under the note,
    its headings one level down. A partner without a reading gets the computed section alone.
    """
    import jupytext

    nb = jupytext.read(source.notebook)
    if not _is_published(params):
        nb.cells = [c for c in nb.cells if THESIS_ONLY_TAG not in c.metadata.get("tags", [])]
    else:
        nb.cells = [c for c in nb.cells if RERUN_ONLY_TAG not in c.metadata.get("tags", [])]
    if source.partner is None:
        return nb
    reading = jupytext.read(source.reading).cells if source.reading is not None else None
    alone = reading is not None and _is_published(params)
    cells = []
    for part in reading or []:
        if part.cell_type == "markdown":
            part.source = _uncomment(part.source)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "markdown":
            cell.source = _FIELD.sub(lambda m: _fill(source, m[1]), _uncomment(cell.source))
        if (COMPUTED_TAG in tags and alone) or (READING_NOTE_TAG in tags and (reading is None or alone)):
            continue
        if READING_TAG in tags:
            for part in reading or []:
                if part.cell_type == "markdown" and not alone:
                    part.source = _thesis_exhibits(_demote(part.source))
                cells.append(part)
            continue
        cells.append(cell)
    nb.cells = cells
    return nb


def _fill(source: ChapterSource, name: str) -> str:
    if name not in source.fields:
        raise BuildError(
            f"{source.notebook}: unknown field {{{{{name}}}}} in the template "
            f"(known: {', '.join(sorted(source.fields))})"
        )
    return source.fields[name]


def _hash_files(files: Iterable[Path], root: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(str(f.relative_to(root)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def execution_key(source: ChapterSource | Path, params: dict[str, str]) -> str:
    """The part of a chapter's cache key known before it runs: its text, its parameters, its corpus.

    An instance's text is its template, its filled fields and its partner's reading; its
    parameters include the partner. The rest is what the kernel turns out to import and read
    (:mod:`kzperception.book.chapter_deps`), recorded when the chapter runs and checked file by
    file on the next build.
    """
    if isinstance(source, Path):
        source = ChapterSource(source.stem, source)
    h = hashlib.sha256()
    h.update(source.notebook.read_bytes())
    if source.partner is not None:
        h.update(json.dumps(source.fields, sort_keys=True).encode())
        h.update(source.reading.read_bytes() if source.reading is not None else b"\0no reading")
    h.update(json.dumps(params | source.parameters, sort_keys=True).encode())
    source = params.get("source", "published")
    if source != "published":
        corpus = Path(source)
        own = [corpus / name for name in ("partners.yaml", "codebook.yaml") if (corpus / name).is_file()]
        h.update(_hash_files([*corpus.glob("*.csv"), *own], corpus).encode())
    return h.hexdigest()


def _stored(executed: Path) -> dict:
    try:
        nb = json.loads(executed.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return nb.get("metadata", {}).get("kzperception", {})


def is_fresh(executed: Path, key: str) -> bool:
    """An executed chapter can be reused: same text, parameters and corpus, and every file it read unchanged."""
    stored = _stored(executed)
    return stored.get("cache_key") == key and chapter_deps.unchanged(stored.get("depends_on"))


def execute_chapter(
    stem: str, params: dict[str, str], out_dir: str, key: str, notebooks: str | None = None
) -> ChapterRun:
    """Convert, execute and store one chapter (runs in a worker process)."""
    import nbformat
    import papermill

    t0 = time.perf_counter()
    source = chapter_source(stem, Path(notebooks) if notebooks else None, source_vocabulary(params))
    params = params | source.parameters
    out = Path(out_dir) / f"{stem}.ipynb"
    try:
        nb = chapter_notebook(source, params)
    except BuildError as err:
        return ChapterRun(stem, "failed", time.perf_counter() - t0, str(err))
    nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    chapter_deps.add_tracking(nb)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_in = Path(tmp) / f"{stem}.ipynb"
        tmp_out = Path(out_dir) / f".{stem}.partial.ipynb"
        nbformat.write(nb, tmp_in)
        for attempt in (1, 2):
            try:
                papermill.execute_notebook(
                    str(tmp_in),
                    str(tmp_out),
                    parameters=params,
                    kernel_name="python3",
                    cwd=str(out_dir),
                    progress_bar=False,
                    log_output=False,
                    # The kernel's own log is a warning per chapter about local TCP transport; a kernel
                    # that dies or a cell that fails is reported through papermill, not that log.
                    extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
                )
                break
            except papermill.PapermillExecutionError as err:
                tmp_out.unlink(missing_ok=True)
                return ChapterRun(
                    stem, "failed", time.perf_counter() - t0, f"cell {err.exec_count}: {err.ename}: {err.evalue}"
                )
            except Exception as err:  # the kernel did not start (e.g. a TCP port taken meanwhile): retry once
                tmp_out.unlink(missing_ok=True)
                if attempt == 2:
                    return ChapterRun(stem, "failed", time.perf_counter() - t0, f"kernel: {err}")
        done = nbformat.read(tmp_out, as_version=4)
        try:
            depends_on = chapter_deps.hashes(chapter_deps.take_tracking(done))
        except ValueError as err:
            tmp_out.unlink(missing_ok=True)
            return ChapterRun(stem, "failed", time.perf_counter() - t0, str(err))
        for cell in done.cells:  # papermill's injected parameters are for the record, not the reader
            tags = cell.metadata.get("tags", [])
            if "injected-parameters" in tags and "remove-cell" not in tags:
                cell.metadata["tags"] = [*tags, "remove-cell"]
        done.metadata["kzperception"] = {"cache_key": key, "parameters": params, "depends_on": depends_on}
        nbformat.write(done, tmp_out)
        os.replace(tmp_out, out)
    return ChapterRun(stem, "executed", time.perf_counter() - t0)


def _copy_chapter(seed: Path, out_dir: Path, stem: str) -> None:
    """Copy an executed chapter and the files it offers for download (the CSVs its cells wrote).

    The downloads are the ``{download}`` targets the chapter names; a copied chapter without
    them would point at files that are not there.
    """
    text = (seed / f"{stem}.ipynb").read_text(encoding="utf-8")
    shutil.copyfile(seed / f"{stem}.ipynb", out_dir / f"{stem}.ipynb")
    for f in seed.glob("*.csv"):
        if f.is_file() and not f.is_symlink() and f"<{f.name}>" in text:
            shutil.copyfile(f, out_dir / f.name)


def check_glue_names(sources: Iterable[ChapterSource], params: dict[str, str], vocabulary: Vocabulary) -> None:
    """Refuse, before any chapter runs, a chapter whose text glues a reading no reading produces.

    The reading names (``reading_*``, ``said_*``) come from one registry
    (:func:`kzperception.readings.registry.producible_names`); a chapter that uses another would
    run for minutes and then fail in Sphinx, or show an empty sentence.
    """
    from kzperception.readings.registry import unknown_glue_names

    for source in sources:
        nb = chapter_notebook(source, params)
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        unknown = unknown_glue_names(text, vocabulary)
        if unknown:
            raise BuildError(
                f"{source.notebook}: no reading produces the glue name(s) {', '.join(unknown)} "
                "(the readings are listed in docs/architecture.md, section Readings)"
            )


def execute_chapters(
    stems: list[str],
    params: dict[str, str],
    out_dir: Path = paths.CHAPTERS,
    jobs: int = 2,
    use_cache: bool = True,
    notebooks: Path | None = None,
    on_done: Callable[[ChapterRun], None] | None = None,
    seed: Path | None = None,
) -> list[ChapterRun]:
    """Execute chapters whose inputs changed, ``jobs`` at a time; unchanged ones are reused.

    ``seed`` is another book's chapters folder (the main book's, for a book built elsewhere): a
    chapter stored there under the same cache key is copied instead of executed again.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    nb_dir = notebooks or paths.NOTEBOOKS
    vocabulary = source_vocabulary(params)
    sources = {s: chapter_source(s, nb_dir, vocabulary) for s in stems}
    missing = [str(f) for s in stems for f in sources[s].missing()]
    if missing:
        raise BuildError(f"chapter source missing: {', '.join(missing)}")
    check_glue_names([sources[s] for s in stems], params, vocabulary)
    runs: list[ChapterRun] = []
    todo: list[tuple[str, str]] = []
    for stem in stems:
        key = execution_key(sources[stem], params)
        target = out_dir / f"{stem}.ipynb"
        if use_cache and seed is not None and not is_fresh(target, key) and is_fresh(seed / target.name, key):
            _copy_chapter(seed, out_dir, stem)
        if use_cache and is_fresh(target, key):
            run = ChapterRun(stem, "cached")
            runs.append(run)
            if on_done:
                on_done(run)
        else:
            todo.append((stem, key))
    if todo:
        with ProcessPoolExecutor(
            max_workers=max(1, min(jobs, len(todo))), initializer=_leave_ctrl_c_to_the_command
        ) as pool:
            futures = [pool.submit(execute_chapter, s, params, str(out_dir), k, str(nb_dir)) for s, k in todo]
            for fut in as_completed(futures):
                run = fut.result()
                runs.append(run)
                if on_done:
                    on_done(run)
    order = {s: i for i, s in enumerate(stems)}
    return sorted(runs, key=lambda r: order[r.stem])


#: An OS error as Python prints it: ``OSError: [Errno 28] No space left on device: '/x/y.html'``.
_OS_ERROR = re.compile(r"\[Errno (\d+)\] ([^:\n]+?)(?:: '([^'\n]*)')?\s*$", re.MULTILINE)


def os_error_in(output: str) -> str | None:
    """The last OS error a subprocess printed, as ``PATH: message (ENOSPC)``, or None.

    Jupyter Book ends a failed build with "Look above for the cause", which a command showing a
    tail of the output may cut off; the errno line is the cause.
    """
    import errno

    found = list(_OS_ERROR.finditer(output))
    if not found:
        return None
    number, message, where = found[-1].groups()
    name = errno.errorcode.get(int(number), number)
    return f"{where + ': ' if where else ''}{message.strip()} ({name})"


def _leave_ctrl_c_to_the_command() -> None:
    """In a pool worker: ignore SIGINT. Ctrl-C reaches the whole process group; the command itself
    stops every worker and kernel (``kzperception.cli.interrupt``), so a worker has nothing to add
    but a traceback.

    The same holds for SIGTERM, which nbclient catches in the worker to shut its kernel down: the
    cell it was running then ends in a ``DeadKernelError`` that asyncio reports as "Task exception
    was never retrieved" with a traceback, though the command is already stopping. A chapter's own
    failure reaches the command through the pool's future, never through asyncio's log, so the
    worker silences that log.
    """
    import logging

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)


def execute_front_page(
    layout: BookLayout | None = None,
    params: dict[str, str] | None = None,
    use_cache: bool = True,
    seed: Path | None = None,
) -> ChapterRun | None:
    """Execute ``notebooks/index.md`` into the book's root document ``<source>/index.ipynb``, unless fresh.

    The landing page glues its headline findings from the counts, so it is executed like a
    chapter, with the same cache key and the same record of what its kernel read. ``seed`` is
    another book's source folder whose executed front page may be copied instead (the main
    book's, for a book built elsewhere). Returns None, executing nothing, when the source holds
    a generated ``index.md`` (a rerun's front page) or when there is no front-page notebook.
    """
    layout = layout or BookLayout.main()
    source = chapter_source(FRONT_PAGE)
    if (layout.source / f"{FRONT_PAGE}.md").exists() or source.missing():
        return None
    params = params or {}
    key = execution_key(source, params)
    target = layout.source / f"{FRONT_PAGE}.ipynb"
    if use_cache and seed is not None and not is_fresh(target, key) and is_fresh(seed / target.name, key):
        shutil.copyfile(seed / target.name, target)
    if use_cache and is_fresh(target, key):
        return ChapterRun(FRONT_PAGE, "cached")
    layout.source.mkdir(parents=True, exist_ok=True)
    return execute_chapter(FRONT_PAGE, params, str(layout.source), key, str(source.notebook.parent))


def mark_pdf(html_root: Path) -> bool | None:
    """Show the landing page's PDF link when the PDF sits next to it, else the line that says how to make it.

    The landing page holds both (``kzp-pdf-made`` and ``kzp-pdf-missing``); the one that does not
    apply carries ``hidden``, so no reader meets a link to a file that is not there. For the main
    book a PDF that ``make pdf`` wrote earlier is put in place first. Returns whether the PDF is
    linked, or None when the page has no PDF paragraph (a rerun's front page).
    """
    from kzperception.book import pdf

    page = html_root / "index.html"
    try:
        text = page.read_text(encoding="utf-8")
    except OSError:
        return None
    if "kzp-pdf-made" not in text:
        return None
    target = html_root / pdf.PDF_NAME
    if not target.is_file() and html_root.resolve() == paths.HTML.resolve() and pdf.DEFAULT_OUT.is_file():
        shutil.copyfile(pdf.DEFAULT_OUT, target)
    made = target.is_file()
    marked = re.sub(
        r'<span class="(kzp-pdf-made|kzp-pdf-missing)"(?: hidden)?>',
        lambda m: f'<span class="{m[1]}"' + ("" if (m[1] == "kzp-pdf-made") == made else " hidden") + ">",
        text,
    )
    if marked != text:
        page.write_text(marked, encoding="utf-8")
    return made


def ensure_bundle(static: Path = paths.STATIC) -> Path:
    """Write the offline Vega bundle into the book's static folder unless it is already there.

    The stamp names the installed altair and vl-convert versions, read from package metadata so a
    build with the bundle in place does not import altair (half a second on every rebuild).
    """
    from importlib.metadata import version

    static.mkdir(parents=True, exist_ok=True)
    target = static / paths.VEGA_BUNDLE_NAME
    stamp = static / f"{paths.VEGA_BUNDLE_NAME}.version"
    expected = f"altair {version('altair')}; vl-convert-python {version('vl-convert-python')}"
    if not target.exists() or not stamp.exists() or stamp.read_text() != expected:
        from kzperception.book.display import vega_bundle_js

        tmp = target.with_suffix(".tmp")
        tmp.write_text(vega_bundle_js(), encoding="utf-8")
        os.replace(tmp, target)
        stamp.write_text(expected)
    return target


def jupyter_book(
    layout: BookLayout | None = None, config: Path | None = None, toc: Path | None = None, strict: bool = True
) -> float:
    """Run ``jupyter-book build`` on a book's source; warnings fail the build when ``strict``.

    The front page is executed first when it is stale (:func:`execute_front_page`): every caller
    builds a book whose root document is current. The HTML lands in ``layout.built``; moving it
    elsewhere (a standalone book's ``OUT/html``) is the caller's step, so that it can be made
    atomic. The landing page's PDF line is set for what sits beside it (:func:`mark_pdf`).
    """
    layout = layout or BookLayout.main()
    front = execute_front_page(layout, seed=None if layout.is_main else paths.BOOK)
    if front is not None and front.status == "failed":
        raise BuildError(f"the front page ({paths.NOTEBOOKS / (FRONT_PAGE + '.md')}) failed: {front.error}")
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [
        str(exe if exe.exists() else shutil.which("jupyter-book") or "jupyter-book"),
        "build",
        str(layout.source),
        "--path-output",
        str(layout.source),
        "--builder",
        "html",
        "--config",
        str(config or paths.CONFIG),
        "--toc",
        str(toc or paths.TOC),
    ]
    if strict:
        cmd += ["--warningiserror", "--keep-going"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        output = proc.stdout + proc.stderr
        cause = os_error_in(output)
        if cause:  # a full disk or an unwritable folder: the cause in one line, not "look above"
            raise BuildError(f"jupyter-book build failed: {cause}")
        tail = "\n".join(output.strip().splitlines()[-30:])
        raise BuildError(f"jupyter-book build failed:\n{tail}")
    mark_pdf(layout.built)
    return time.perf_counter() - t0
