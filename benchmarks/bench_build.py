"""Time the book build, side by side in one run, and report ratios.

Measured (dependencies already installed, same machine, same run):
  1. clean full build      - `kzperception build` with no executed chapters and no HTML;
  2. cached rebuild        - the same command again with nothing changed;
  3. one-chapter rerun     - one chapter's source touched, the rest cached;
  4. plain Jupyter Book    - `jupyter-book build` executing the same chapters itself (no papermill,
                             no cache, one kernel after another), in a staging copy of the book.
  5. the floor             - what no scheduler can beat: one chapter's fixed cost as the executor
                             pays it (a kernel forked from a warm worker, the library imported, the
                             counts opened), times the chapters, divided by the cores, plus one full
                             Sphinx pass over executed chapters (HTML removed).
Each timing is the best of ``--repeat`` runs (default 1). Results go to stdout and, as JSON, to
benchmarks/results/build.json. Timings are reported, never asserted by tests.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kzperception import paths  # noqa: E402
from kzperception.book.chapter_templates import PARTNER_CHAPTERS, chapter_notebook, chapter_source  # noqa: E402
from kzperception.book.layout import toc_chapters  # noqa: E402

KZP = [sys.executable, "-m", "kzperception.cli"]


def timed(cmd: list[str], cwd: Path = ROOT) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    secs = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return secs


def clean() -> None:
    shutil.rmtree(paths.BUILD, ignore_errors=True)
    shutil.rmtree(paths.CHAPTERS, ignore_errors=True)


def plain_jupyter_book(stage: Path) -> float:
    """The same chapters executed by Jupyter Book itself, from a staging copy (the repo is untouched)."""
    shutil.rmtree(stage, ignore_errors=True)
    stage.parent.mkdir(parents=True, exist_ok=True)
    # The same layout as every book: book/'s pages, and the chapter sources where the executed
    # chapters would be (chapters/), so the table of contents is used unchanged.
    shutil.copytree(paths.BOOK, stage, ignore=shutil.ignore_patterns("_build", paths.CHAPTERS_DIR))
    templates = [f"{t.template}.md" for t in PARTNER_CHAPTERS]
    shutil.copytree(
        paths.NOTEBOOKS, stage / paths.CHAPTERS_DIR, ignore=shutil.ignore_patterns("_fragments", *templates)
    )
    for stem in toc_chapters():  # a chapter instance: its template assembled, its partner set after the parameters
        source = chapter_source(stem)
        if source.partner is not None:
            import jupytext
            import nbformat

            nb = chapter_notebook(source, {})
            at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])) + 1
            nb.cells.insert(
                at, nbformat.v4.new_code_cell(f"partner = {source.partner!r}", metadata={"tags": ["remove-cell"]})
            )
            jupytext.write(nb, stage / paths.CHAPTERS_DIR / f"{stem}.md", fmt="md:myst")
    config = yaml.safe_load(paths.CONFIG.read_text())
    config["execute"] = {"execute_notebooks": "force", "timeout": 600}
    (stage / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    shutil.copy(paths.STATIC / "vega-bundle.js", stage / "_static" / "vega-bundle.js")
    exe = Path(sys.executable).with_name("jupyter-book")
    return timed(
        [
            str(exe),
            "build",
            str(stage),
            "--path-output",
            str(stage),
            "--config",
            str(stage / "_config.yml"),
            "--toc",
            str(paths.TOC),
        ],
        cwd=stage,
    )


FLOOR_CELL = """\
from kzperception.book.chapter import open_chapter
from kzperception.book import charts, display, views
from kzperception.analysis import measures, stats
ch = open_chapter()
"""


def kernel_and_import(stage: Path) -> float:
    """A chapter's fixed cost as the executor pays it: its kernel started (forked from a warm worker,
    :mod:`kzperception.book.warm_kernel`), the library imported and the counts opened.

    Two one-cell chapters in one worker; the second is timed, as every chapter but a worker's first.
    """
    from kzperception.book.execute import execute_chapters

    notebooks = stage / "nb"
    notebooks.mkdir(parents=True, exist_ok=True)
    head = "---\nkernelspec:\n  name: python3\n  display_name: Python 3\n  language: python\n---\n\n"
    for stem in ("floor", "floor2"):
        (notebooks / f"{stem}.md").write_text(f"{head}```{{code-cell}} ipython3\n{FLOOR_CELL}```\n", encoding="utf-8")
    runs = execute_chapters(["floor", "floor2"], {}, stage / "out", jobs=1, notebooks=notebooks)
    if any(r.status != "executed" for r in runs):
        raise SystemExit(f"floor run failed: {runs}")
    return runs[1].seconds


def sphinx_pass() -> float:
    """One full Sphinx pass: executed chapters kept, HTML and doctrees removed."""
    shutil.rmtree(paths.BUILD, ignore_errors=True)
    return timed([*KZP, "build"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    # The package's bytecode, as a first run writes it where Python may (see bench_rerun.compile_bytecode):
    # under PYTHONDONTWRITEBYTECODE every kernel of both builds would compile the library again.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(paths.ROOT / "src")], check=True, capture_output=True)
    chapters = toc_chapters()
    one = "06-2-reports" if "06-2-reports" in chapters else chapters[0]
    results: dict[str, float] = {}
    best = lambda key, secs: results.__setitem__(key, min(secs, results.get(key, float("inf"))))  # noqa: E731
    for _ in range(args.repeat):
        clean()
        best("clean_full_build", timed([*KZP, "build", "--jobs", str(args.jobs)]))
        best("cached_rebuild", timed([*KZP, "build", "--jobs", str(args.jobs)]))
        src = paths.NOTEBOOKS / f"{one}.md"
        original = src.read_bytes()
        try:
            src.write_bytes(original + b"\n")  # a change to the source: only this chapter re-executes
            best("one_chapter_rerun", timed([*KZP, "build", "--jobs", str(args.jobs)]))
        finally:
            src.write_bytes(original)
            os.utime(src)
        timed([*KZP, "build"])  # back to the committed state
        with tempfile.TemporaryDirectory() as tmp:
            best("plain_jupyter_book", plain_jupyter_book(Path(tmp) / "stage"))
            best("kernel_and_import", kernel_and_import(Path(tmp) / "floor"))
        best("sphinx_pass", sphinx_pass())
    cores = os.cpu_count() or 1
    results["floor"] = results["kernel_and_import"] * len(chapters) / cores + results["sphinx_pass"]
    plain = results["plain_jupyter_book"]
    print(f"chapters: {len(chapters)}, jobs: {args.jobs}, cores: {cores}, best of {args.repeat}")
    print(f"{'measure':<22}{'seconds':>9}{'vs plain jupyter-book':>24}")
    for key, secs in results.items():
        print(f"{key:<22}{secs:>9.1f}{plain / secs:>23.2f}x")
    print(
        f"clean full build is {results['clean_full_build'] / results['floor']:.2f}x the floor "
        f"({results['kernel_and_import']:.1f} s per chapter x {len(chapters)} / {cores} cores "
        f"+ {results['sphinx_pass']:.1f} s Sphinx)"
    )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "build.json").write_text(json.dumps({"chapters": len(chapters), "jobs": args.jobs, **results}, indent=2))


if __name__ == "__main__":
    main()
