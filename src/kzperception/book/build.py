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

A chapter is re-executed only when something it depends on changed: its source, its parameters,
the corpus it reads, or one of the library modules and data files its kernel imported or opened
(recorded as it runs, :mod:`kzperception.book.chapter_deps`). The hashes are stored in the executed
notebook's metadata. Chapters run in parallel processes (one kernel each).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import yaml

from kzperception import paths
from kzperception.book import chapter_deps

CHAPTERS_PREFIX = f"{paths.CHAPTERS_DIR}/"
#: The pages of book/ that every staged book copies (chapters are executed into it, never copied).
STAGED_PAGES = ("index.md", "bibliography.md", "references.bib", "_static")


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
    """Copy the pages every book shares into a staged source (``index`` replaces the front page).

    The main book is its own source and is never staged. The copies keep the paths the top-level
    ``_config.yml`` names relative to the source folder (``references.bib``, ``_static``), so one
    configuration serves every book.
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
                found.append(f[len(CHAPTERS_PREFIX):])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(yaml.safe_load(toc.read_text(encoding="utf-8")))
    return found


def _hash_files(files: Iterable[Path], root: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(str(f.relative_to(root)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def execution_key(notebook: Path, params: dict[str, str]) -> str:
    """The part of a chapter's cache key known before it runs: its text, its parameters, its corpus.

    The rest is what the kernel turns out to import and read (:mod:`kzperception.book.chapter_deps`),
    recorded when the chapter runs and checked file by file on the next build.
    """
    h = hashlib.sha256()
    h.update(notebook.read_bytes())
    h.update(json.dumps(params, sort_keys=True).encode())
    source = params.get("source", "published")
    if source != "published":
        corpus = Path(source)
        h.update(_hash_files([p for p in corpus.glob("*.csv")], corpus).encode())
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


def execute_chapter(stem: str, params: dict[str, str], out_dir: str, key: str,
                    notebooks: str | None = None) -> ChapterRun:
    """Convert, execute and store one chapter (runs in a worker process)."""
    import jupytext
    import nbformat
    import papermill

    t0 = time.perf_counter()
    src = Path(notebooks or paths.NOTEBOOKS) / f"{stem}.md"
    out = Path(out_dir) / f"{stem}.ipynb"
    nb = jupytext.read(src)
    nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    chapter_deps.add_tracking(nb)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_in = Path(tmp) / f"{stem}.ipynb"
        tmp_out = Path(out_dir) / f".{stem}.partial.ipynb"
        nbformat.write(nb, tmp_in)
        for attempt in (1, 2):
            try:
                papermill.execute_notebook(
                    str(tmp_in), str(tmp_out), parameters=params, kernel_name="python3",
                    cwd=str(out_dir), progress_bar=False, log_output=False,
                    # The kernel's own log is a warning per chapter about local TCP transport; a kernel
                    # that dies or a cell that fails is reported through papermill, not that log.
                    extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
                )
                break
            except papermill.PapermillExecutionError as err:
                tmp_out.unlink(missing_ok=True)
                return ChapterRun(stem, "failed", time.perf_counter() - t0,
                                  f"cell {err.exec_count}: {err.ename}: {err.evalue}")
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
    missing = [s for s in stems if not (nb_dir / f"{s}.md").is_file()]
    if missing:
        raise BuildError(f"chapter source missing: {', '.join(str(nb_dir / f'{s}.md') for s in missing)}")
    runs: list[ChapterRun] = []
    todo: list[tuple[str, str]] = []
    for stem in stems:
        key = execution_key(nb_dir / f"{stem}.md", params)
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
        with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(todo)))) as pool:
            futures = [pool.submit(execute_chapter, s, params, str(out_dir), k, str(nb_dir)) for s, k in todo]
            for fut in as_completed(futures):
                run = fut.result()
                runs.append(run)
                if on_done:
                    on_done(run)
    order = {s: i for i, s in enumerate(stems)}
    return sorted(runs, key=lambda r: order[r.stem])


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


def jupyter_book(layout: BookLayout | None = None, config: Path | None = None, toc: Path | None = None,
                 strict: bool = True, root: Path | None = None, path_output: Path | None = None) -> float:
    """Run ``jupyter-book build`` on a book's source; warnings fail the build when ``strict``.

    The HTML lands in ``layout.built``; moving it elsewhere (a standalone book's ``OUT/html``) is
    the caller's step, so that it can be made atomic. (``root``/``path_output`` are the old call
    of a rerun that writes its own ``_config.yml`` and ``_toc.yml`` into its source.)
    """
    if root is not None:
        layout = BookLayout(root, root / "_build" / "html")
        config = config or (root / "_config.yml" if (root / "_config.yml").is_file() else None)
        toc = toc or (root / "_toc.yml" if (root / "_toc.yml").is_file() else None)
    layout = layout or BookLayout.main()
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe if exe.exists() else shutil.which("jupyter-book") or "jupyter-book"), "build",
           str(layout.source), "--path-output", str(layout.source), "--builder", "html",
           "--config", str(config or paths.CONFIG), "--toc", str(toc or paths.TOC)]
    if strict:
        cmd += ["--warningiserror", "--keep-going"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-30:])
        raise BuildError(f"jupyter-book build failed:\n{tail}")
    return time.perf_counter() - t0
