"""Executing chapters with papermill, each in a fresh kernel, and reusing those whose inputs did not change.

Chapters are jupytext MyST notebooks in ``notebooks/``. Each is converted, its parameters injected
by papermill, executed in a fresh kernel, and written to the ``chapters/`` folder of a book's
source, where ``_toc.yml`` points. Jupyter Book itself executes nothing (``execute_notebooks:
off``): the book is exactly what papermill produced.

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
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kzperception import paths
from kzperception.atomic import atomic_target
from kzperception.book import chapter_deps, warm_kernel
from kzperception.book.chapter_templates import ChapterSource, chapter_notebook, chapter_source, source_vocabulary
from kzperception.book.layout import FRONT_PAGE, BookLayout, BuildError

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from kzperception.data.vocabulary import Vocabulary

__all__ = [
    "ChapterRun",
    "check_glue_names",
    "execute_chapter",
    "execute_chapters",
    "execute_front_page",
    "execution_key",
    "is_fresh",
    "recorded_seconds",
]


@dataclass
class ChapterRun:
    """The outcome of one chapter: executed, reused from cache, or failed (with the reason)."""

    stem: str
    status: str
    seconds: float = 0.0
    error: str = ""


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
    corpus_source = params.get("source", "published")
    if corpus_source != "published":
        corpus = Path(corpus_source)
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
    stem: str,
    params: dict[str, str],
    out_dir: str,
    key: str,
    notebooks: str | None = None,
    prepared: NotebookNode | None = None,
) -> ChapterRun:
    """Convert, execute and store one chapter (runs in a worker process).

    ``prepared`` is the chapter's notebook as :func:`chapter_notebook` makes it, with ``params``
    already holding the chapter's own (its partner): the command converted it to check its glue
    names, and the worker need not convert it again.
    """
    import nbformat
    import papermill

    t0 = time.perf_counter()
    out = Path(out_dir) / f"{stem}.ipynb"
    if prepared is not None:
        nb = prepared
    else:
        source = chapter_source(stem, Path(notebooks) if notebooks else None, source_vocabulary(params))
        params = params | source.parameters
        try:
            nb = chapter_notebook(source, params)
        except BuildError as err:
            return ChapterRun(stem, "failed", time.perf_counter() - t0, str(err))
    nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    chapter_deps.add_tracking(nb)
    # In a warm pool worker the kernel is a fork of it (kzperception.book.warm_kernel); else a new process.
    # A forked kernel that does not start is retried as a new process, papermill's own way.
    forked = {"kernel_manager_class": warm_kernel.ForkedKernelManager} if warm_kernel.is_warm() else {}
    warm_kernel.expect_chapter(params)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_in = Path(tmp) / f"{stem}.ipynb"
        nbformat.write(nb, tmp_in)
        done = None
        for attempt in (1, 2):
            try:
                # No output path: papermill would rewrite (and validate) the whole notebook on disk as each
                # cell starts and ends, about a third of a chapter's cost outside its kernel; the executed
                # notebook it returns is the same, and only the finished chapter is written, once, below.
                done = papermill.execute_notebook(
                    str(tmp_in),
                    None,
                    request_save_on_cell_execute=False,
                    **(forked if attempt == 1 else {}),
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
                return ChapterRun(
                    stem, "failed", time.perf_counter() - t0, f"cell {err.exec_count}: {err.ename}: {err.evalue}"
                )
            except Exception as err:  # the kernel did not start (e.g. a TCP port taken meanwhile): retry once
                if attempt == 2:
                    return ChapterRun(stem, "failed", time.perf_counter() - t0, f"kernel: {err}")
        assert done is not None
        try:
            depends_on = chapter_deps.hashes(chapter_deps.take_tracking(done))
        except ValueError as err:
            return ChapterRun(stem, "failed", time.perf_counter() - t0, str(err))
        unglued = unglued_names(done)
        if unglued:
            return ChapterRun(
                stem,
                "failed",
                time.perf_counter() - t0,
                f"its text uses glue name(s) no cell glued on this corpus: {', '.join(unglued)}",
            )
        for cell in done.cells:  # papermill's injected parameters are for the record, not the reader
            tags = cell.metadata.get("tags", [])
            if "injected-parameters" in tags and "remove-cell" not in tags:
                cell.metadata["tags"] = [*tags, "remove-cell"]
        done.metadata["kzperception"] = {"cache_key": key, "parameters": params, "depends_on": depends_on}
        with atomic_target(out) as target, open(target, "x", encoding="utf-8") as handle:
            nbformat.write(done, handle)
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
    for source in sources:
        _check_glue(source, chapter_notebook(source, params), vocabulary)


#: A glue role in a chapter's text (``{glue:md}`name```, ``{glue:text}`name:.1f```) and a glue
#: directive's name (a fenced ``{glue:figure} name``).
_GLUE_ROLE = re.compile(r"\{glue(?::[a-z]+)?\}`([^`]+)`")
_GLUE_DIRECTIVE = re.compile(r"^\s*(?:`{3,}|:{3,})\{glue(?::[a-z]+)?\}\s+(\S+)", re.M)


def unglued_names(nb: NotebookNode) -> list[str]:
    """The glue names an executed chapter's text uses that none of its cells glued, in order.

    A book built strictly fails on them in Sphinx; a rerun is built without ``--strict`` (its
    chapters point at labels of chapters it does not hold), where Sphinx only warns and the page
    shows a sentence with a hole where a number or reading was. So the executor refuses the
    chapter instead, naming the names. A name of another page (``page::name``) is not checked here.
    """
    glued = {
        str(out.get("metadata", {}).get("scrapbook", {}).get("name"))
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if out.get("metadata", {}).get("scrapbook")
    }
    seen: list[str] = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for name in [*_GLUE_ROLE.findall(cell.source), *_GLUE_DIRECTIVE.findall(cell.source)]:
            base = name.split(":")[0] if "::" not in name else None
            if base is not None and base not in glued and base not in seen:
                seen.append(base)
    return seen


def _check_glue(source: ChapterSource, nb: NotebookNode, vocabulary: Vocabulary) -> None:
    """:func:`check_glue_names` for one chapter already converted."""
    from kzperception.readings.registry import unknown_glue_names

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
    on_start: Callable[[str], None] | None = None,
    chapter_params: Mapping[str, dict[str, str]] | None = None,
) -> list[ChapterRun]:
    """Execute chapters whose inputs changed, ``jobs`` at a time; unchanged ones are reused.

    ``seed`` is another book's chapters folder (the main book's, for a book built elsewhere): a
    chapter stored there under the same cache key is copied instead of executed again.
    ``on_start(stem)`` is called as a chapter is handed to a worker (no more than ``jobs`` run at
    once, so that is when it starts), ``on_done(run)`` as it ends or is found in the cache.
    ``chapter_params`` gives some chapters parameters of their own instead of ``params`` (a book
    project's data chapters run on its corpus, its other chapters on the published figures); the
    parameters are part of each chapter's cache key, so a chapter whose parameters changed (another
    coder, another window) is executed again.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    nb_dir = notebooks or paths.NOTEBOOKS
    given = {s: (chapter_params or {}).get(s, params) for s in stems}
    vocabularies: dict[str, Vocabulary] = {}
    for p in given.values():
        if p.get("source", "published") not in vocabularies:
            vocabularies[p.get("source", "published")] = source_vocabulary(p)
    sources = {s: chapter_source(s, nb_dir, vocabularies[given[s].get("source", "published")]) for s in stems}
    missing = [str(f) for s in stems for f in sources[s].missing()]
    if missing:
        raise BuildError(f"chapter source missing: {', '.join(missing)}")
    keys = {s: execution_key(sources[s], given[s]) for s in stems}
    with warm_kernel.kernel_sockets():  # the forked kernels' Unix sockets, removed however this ends
        pool = None
        if any(not (use_cache and _reusable(out_dir, seed, s, keys[s])) for s in stems):
            # Start the workers now: they fork and import their libraries while this process converts
            # the chapters below, instead of after it.
            pool = ProcessPoolExecutor(
                max_workers=max(1, min(jobs, len(stems))), initializer=_start_worker, initargs=(_worker_parent(),)
            )
            with _signals_held():
                pool.submit(os.getpid)
        try:
            prepared: dict[str, NotebookNode] = {}
            for s in stems:
                own = given[s] | sources[s].parameters
                prepared[s] = chapter_notebook(sources[s], own)
                _check_glue(sources[s], prepared[s], vocabularies[given[s].get("source", "published")])
            return _run_chapters(
                stems, given, sources, keys, prepared, out_dir, jobs, use_cache, nb_dir, on_done, seed, on_start, pool
            )
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)


def _reusable(out_dir: Path, seed: Path | None, stem: str, key: str) -> bool:
    """Whether a chapter is in the cache already (here, or in the seed's chapters)."""
    return is_fresh(out_dir / f"{stem}.ipynb", key) or (seed is not None and is_fresh(seed / f"{stem}.ipynb", key))


#: Beside the chapters' sources: how long each took in a build of the main book, for ordering a
#: first rerun that finds no last run of its own (written by ``benchmarks/chapter_seconds.py``).
RECORDED_SECONDS = "_last_seconds.json"


def _last_seconds(stem: str, *folders: Path | None, recorded: Path | None = None) -> float:
    """How long the chapter took the last time it was executed into one of ``folders``, else in
    ``recorded`` (a :data:`RECORDED_SECONDS` file); 0 if unknown."""
    for folder in folders:
        if folder is None:
            continue
        try:
            nb = json.loads((folder / f"{stem}.ipynb").read_text(encoding="utf-8"))
            return float(nb["metadata"]["papermill"]["duration"] or 0)
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return recorded_seconds(recorded).get(stem, 0.0) if recorded is not None else 0.0


def recorded_seconds(path: Path) -> dict[str, float]:
    """The chapter timings in ``path`` (:data:`RECORDED_SECONDS`); what is not a positive finite
    number of seconds under a chapter's name is left out, and an unreadable file gives none:
    they only order the chapters, so a bad file costs time, never a build."""
    import math

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(stem): float(secs)
        for stem, secs in data.items()
        if isinstance(secs, (int, float)) and not isinstance(secs, bool) and math.isfinite(secs) and secs > 0
    }


def _run_chapters(
    stems: list[str],
    given: dict[str, dict[str, str]],
    sources: dict[str, ChapterSource],
    keys: dict[str, str],
    prepared: dict[str, NotebookNode],
    out_dir: Path,
    jobs: int,
    use_cache: bool,
    nb_dir: Path,
    on_done: Callable[[ChapterRun], None] | None,
    seed: Path | None,
    on_start: Callable[[str], None] | None,
    pool: ProcessPoolExecutor | None,
) -> list[ChapterRun]:
    """The cache's chapters reused, the others executed in ``pool`` (see :func:`execute_chapters`)."""
    runs: list[ChapterRun] = []
    todo: list[tuple[str, str]] = []
    for stem in stems:
        key = keys[stem]
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
    started_here = todo and pool is None  # a chapter found cached before is gone since: workers after all
    if started_here:
        pool = ProcessPoolExecutor(
            max_workers=max(1, min(jobs, len(todo))), initializer=_start_worker, initargs=(_worker_parent(),)
        )
    try:
        _hand_out(todo, given, sources, prepared, out_dir, jobs, nb_dir, seed, on_start, on_done, pool, runs)
    finally:
        if started_here and pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    order = {s: i for i, s in enumerate(stems)}
    return sorted(runs, key=lambda r: order[r.stem])


def _hand_out(
    todo: list[tuple[str, str]],
    given: dict[str, dict[str, str]],
    sources: dict[str, ChapterSource],
    prepared: dict[str, NotebookNode],
    out_dir: Path,
    jobs: int,
    nb_dir: Path,
    seed: Path | None,
    on_start: Callable[[str], None] | None,
    on_done: Callable[[ChapterRun], None] | None,
    pool: ProcessPoolExecutor | None,
    runs: list[ChapterRun],
) -> None:
    """Execute ``todo`` in ``pool``, one chapter per free worker, appending to ``runs``."""
    if todo and pool is not None:
        workers = max(1, min(jobs, len(todo)))
        # The longest chapters first (by their last run, here or in the main book, else as recorded
        # beside the sources), so that the last one to finish is a short one and no worker waits
        # long for the other at the end.
        recorded = nb_dir / RECORDED_SECONDS
        last = {stem: _last_seconds(stem, out_dir, seed, paths.CHAPTERS, recorded=recorded) for stem, _ in todo}
        waiting, running = sorted(todo, key=lambda t: -last[t[0]]), set[Future[ChapterRun]]()
        while waiting or running:
            while waiting and len(running) < workers:  # hand out one chapter per free worker
                stem, key = waiting.pop(0)
                if on_start:
                    on_start(stem)
                own = given[stem] | sources[stem].parameters
                with _signals_held():  # the pool may fork a worker here
                    running.add(
                        pool.submit(execute_chapter, stem, own, str(out_dir), key, str(nb_dir), prepared.get(stem))
                    )
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for fut in finished:
                run = fut.result()
                runs.append(run)
                if on_done:
                    on_done(run)


#: The signals the command stops on (:mod:`kzperception.cli.interrupt`).
_STOPPING = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM while the pool may fork a worker; a signal that came meanwhile is taken
    when they are released.

    Taken inside the fork, the command's handler runs in one of the interpreter's at-fork hooks
    (logging's lock release), where the ``Interrupted`` it raises is printed as "Exception ignored"
    and dropped: the rerun went on, lost its pool and exited 1 with a traceback instead of its one
    line and 143. The worker starts with them held and releases them first (:func:`_start_worker`).
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _worker_parent() -> int | None:
    """The process id a pool worker started now will have as its parent: this process's, where
    workers are forked from it (Linux's default before Python 3.14); None where a server process
    starts them (``forkserver``, ``spawn``), whose end is not the command's."""
    import multiprocessing

    return os.getpid() if multiprocessing.get_start_method() == "fork" else None


def _start_worker(command: int | None) -> None:
    """A pool worker's start: end with the command (``command``, its process id, when it forked the
    worker) however it ends, leave Ctrl-C to the command, and import the heavy libraries once when
    chapter kernels are forked from it (:mod:`kzperception.book.warm_kernel`).

    A worker waits for its next chapter on a queue whose writing end it holds itself, so a command
    killed outright (SIGKILL, the out-of-memory killer) would leave it waiting forever
    (:func:`kzperception.children.die_with_parent`)."""
    if command is not None:
        from kzperception.children import die_with_parent

        die_with_parent(command)
    _leave_ctrl_c_to_the_command()
    if hasattr(signal, "pthread_sigmask"):  # forked while the command held them (_signals_held)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPPING)
    if warm_kernel.enabled():
        warm_kernel.preload()


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
    # A forked worker inherits the command's own SIGTERM handler (kzperception.cli.interrupt), which
    # would stop the command's other children from inside the worker and print a traceback there;
    # the command stops the worker and its kernels itself, so the worker just ends.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
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
