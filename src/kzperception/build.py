"""Execute the chapters with papermill and assemble the web book with Jupyter Book.

Chapters are jupytext MyST notebooks in ``notebooks/``. Each is converted, its parameters injected
by papermill, executed in a fresh kernel, and written to ``book/_build/executed/`` where
``_toc.yml`` points. Jupyter Book itself executes nothing (``execute_notebooks: off``): the book is
exactly what papermill produced.

A chapter is re-executed only when something it depends on changed: its source, its parameters,
the project's data, the library's code, or the corpus it reads. The hash of those is stored in
the executed notebook's metadata. Chapters run in parallel processes (one kernel each).
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
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import paths

EXECUTED_PREFIX = "book/_build/executed/"


class BuildError(RuntimeError):
    """A chapter failed to execute or the book failed to build; the message says which and why."""


@dataclass
class ChapterRun:
    """The outcome of one chapter: executed, reused from cache, or failed (with the reason)."""

    stem: str
    status: str
    seconds: float = 0.0
    error: str = ""


@dataclass
class BuildReport:
    runs: list[ChapterRun] = field(default_factory=list)
    book_seconds: float = 0.0

    @property
    def failed(self) -> list[ChapterRun]:
        return [r for r in self.runs if r.status == "failed"]


def toc_chapters(toc: Path | None = None) -> list[str]:
    """Stems of the executed chapters listed in ``_toc.yml``, in reading order."""
    toc = toc or paths.ROOT / "_toc.yml"
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            f = node.get("file")
            if isinstance(f, str) and f.startswith(EXECUTED_PREFIX):
                found.append(f[len(EXECUTED_PREFIX):])
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


def fingerprint(source: str) -> str:
    """What every chapter depends on besides its own text: data, library code, and the corpus."""
    data = [p for p in paths.DATA.rglob("*") if p.is_file()]
    code = list(paths.SRC.rglob("*.py"))
    parts = [_hash_files(data, paths.ROOT), _hash_files(code, paths.ROOT)]
    if source != "published":
        corpus = Path(source)
        parts.append(_hash_files([p for p in corpus.glob("*.csv")], corpus))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def cache_key(notebook: Path, params: dict[str, str], shared: str) -> str:
    h = hashlib.sha256()
    h.update(notebook.read_bytes())
    h.update(json.dumps(params, sort_keys=True).encode())
    h.update(shared.encode())
    return h.hexdigest()


def _stored_key(executed: Path) -> str | None:
    try:
        nb = json.loads(executed.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return nb.get("metadata", {}).get("kzperception", {}).get("cache_key")


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
        for cell in done.cells:  # papermill's injected parameters are for the record, not the reader
            tags = cell.metadata.get("tags", [])
            if "injected-parameters" in tags and "remove-cell" not in tags:
                cell.metadata["tags"] = [*tags, "remove-cell"]
        done.metadata["kzperception"] = {"cache_key": key, "parameters": params}
        nbformat.write(done, tmp_out)
        os.replace(tmp_out, out)
    return ChapterRun(stem, "executed", time.perf_counter() - t0)


def execute_chapters(
    stems: list[str],
    params: dict[str, str],
    out_dir: Path = paths.EXECUTED,
    jobs: int = 2,
    use_cache: bool = True,
    notebooks: Path | None = None,
    on_done: Callable[[ChapterRun], None] | None = None,
) -> list[ChapterRun]:
    """Execute chapters whose inputs changed, ``jobs`` at a time; unchanged ones are reused."""
    out_dir.mkdir(parents=True, exist_ok=True)
    nb_dir = notebooks or paths.NOTEBOOKS
    missing = [s for s in stems if not (nb_dir / f"{s}.md").is_file()]
    if missing:
        raise BuildError(f"chapter source missing: {', '.join(str(nb_dir / f'{s}.md') for s in missing)}")
    shared = fingerprint(params.get("source", "published"))
    runs: list[ChapterRun] = []
    todo: list[tuple[str, str]] = []
    for stem in stems:
        key = cache_key(nb_dir / f"{stem}.md", params, shared)
        if use_cache and _stored_key(out_dir / f"{stem}.ipynb") == key:
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
        from .display import vega_bundle_js

        tmp = target.with_suffix(".tmp")
        tmp.write_text(vega_bundle_js(), encoding="utf-8")
        os.replace(tmp, target)
        stamp.write_text(expected)
    return target


def jupyter_book(root: Path = paths.ROOT, path_output: Path = paths.BOOK, config: Path | None = None,
                 toc: Path | None = None, strict: bool = True) -> float:
    """Run ``jupyter-book build``; warnings fail the build when ``strict`` (missing citations etc.)."""
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe if exe.exists() else shutil.which("jupyter-book") or "jupyter-book"), "build", str(root),
           "--path-output", str(path_output), "--builder", "html"]
    if config:
        cmd += ["--config", str(config)]
    if toc:
        cmd += ["--toc", str(toc)]
    if strict:
        cmd += ["--warningiserror", "--keep-going"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-30:])
        raise BuildError(f"jupyter-book build failed:\n{tail}")
    return time.perf_counter() - t0
