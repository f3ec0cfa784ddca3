"""Chapter kernels forked from a warm worker (kzperception.book.warm_kernel): same outputs, fresh state each."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from kzperception.book import execute, warm_kernel

HEADER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  name: python3
  display_name: Python 3
  language: python
---

"""

#: Leaves a variable, a changed library module and a changed preloaded module behind, as a chapter may.
LEAKS = (
    HEADER
    + """# A chapter that leaves things behind

```{code-cell} ipython3
import pandas
import kzperception.paths

leaked_variable = 42
pandas.kzp_leaked = True
kzperception.paths.KZP_LEAKED = True
```
"""
)

#: Fails when it sees anything the other chapter left.
CHECKS = (
    HEADER
    + """# A chapter that must start afresh

```{code-cell} ipython3
import pandas
import kzperception.paths

assert "leaked_variable" not in globals(), "a variable of the chapter before"
assert not hasattr(pandas, "kzp_leaked"), "a preloaded module changed by the chapter before"
assert not hasattr(kzperception.paths, "KZP_LEAKED"), "a library module changed by the chapter before"
print("fresh")
```
"""
)

#: What chapters show: a glued number, a table, HTML, a chart, printed text.
SHOWS = (
    HEADER
    + """# A chapter that shows things

```{code-cell} ipython3
:tags: [parameters]
source = "published"
```

```{code-cell} ipython3
import altair as alt
import pandas as pd
from IPython.display import HTML, display
from myst_nb import glue

df = pd.DataFrame({"category": ["Economic", "Political"], "reports": [112, 35]})
glue("kzp_total", int(df.reports.sum()), display=False)
display(HTML("<p>two categories</p>"))
print(df.to_string())
df
```

```{code-cell} ipython3
alt.Chart(df).mark_bar().encode(x="category", y="reports").properties(title="Reports")
```
"""
)


def _write(folder: Path, chapters: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for stem, text in chapters.items():
        (folder / f"{stem}.md").write_text(text, encoding="utf-8")
    return folder


def _outputs(path: Path) -> str:
    """The code cells' outputs as stored, less what differs every run in any kernel: papermill's
    timings and the random element id of Altair's default HTML renderer."""
    nb = nbformat.read(path, as_version=4)
    cells = [(c.source, c.get("outputs", []), c.get("execution_count")) for c in nb.cells if c.cell_type == "code"]
    text = re.sub(r"\d+\.\d+ ?s(econds)?", "DURATION", json.dumps(cells, sort_keys=True))
    return re.sub(r"altair-viz-[0-9a-f]+", "altair-viz-ID", text)


@pytest.mark.skipif(not warm_kernel.enabled(), reason="no fork() on this system: kernels are new processes")
@pytest.mark.timeout(180)  # a kernel handed from one chapter to the next can also hang the second: a failure too
def test_a_chapter_never_sees_what_the_chapter_before_it_left_in_the_same_worker(tmp_path, monkeypatch):
    """Both chapters run in one worker, one after the other: a reused kernel would fail the second."""
    monkeypatch.delenv("KZP_FORK_KERNELS", raising=False)
    notebooks = _write(tmp_path / "notebooks", {"a-leaks": LEAKS, "b-checks": CHECKS})
    runs = execute.execute_chapters(["a-leaks", "b-checks"], {}, tmp_path / "out", jobs=1, notebooks=notebooks)
    assert [(r.stem, r.status, r.error) for r in runs] == [("a-leaks", "executed", ""), ("b-checks", "executed", "")]
    assert "fresh" in _outputs(tmp_path / "out" / "b-checks.ipynb")


@pytest.mark.skipif(not warm_kernel.enabled(), reason="no fork() on this system: kernels are new processes")
def test_a_forked_kernel_stores_the_same_notebook_as_a_new_kernel_process(tmp_path, monkeypatch):
    """Glue, tables, HTML, charts and printed text: byte for byte what papermill's own kernel gives.

    The worker has imported the library's charts (as a build's process does), which enables its
    Altair theme: the forked kernel must not inherit it (this chapter never imports the library).
    """
    importlib.import_module("kzperception.book.charts")
    notebooks = _write(tmp_path / "notebooks", {"shows": SHOWS})
    stored = {}
    for fork in ("0", "1"):
        monkeypatch.setenv("KZP_FORK_KERNELS", fork)
        out = tmp_path / f"out-{fork}"
        runs = execute.execute_chapters(["shows"], {}, out, jobs=1, notebooks=notebooks)
        assert [r.status for r in runs] == ["executed"], runs[0].error
        stored[fork] = _outputs(out / "shows.ipynb")
    assert "kzp_total" in stored["1"] and "alt.Chart" in stored["1"] and "two categories" in stored["1"]
    assert stored["1"] == stored["0"]


#: Says whether the library came preloaded, then uses a module whose import reads the vocabulary files.
USES_LIBRARY = (
    HEADER
    + """# A chapter that uses the library

```{code-cell} ipython3
import sys

print("preloaded:", "kzperception.book.display" in sys.modules)
import kzperception.book.display
```
"""
)


@pytest.mark.skipif(not warm_kernel.enabled(), reason="no fork() on this system: kernels are new processes")
def test_a_kernel_forked_by_the_zygote_has_the_library_and_its_record_lists_what_its_import_read(tmp_path, monkeypatch):
    """The zygote imported the library before the chapter ran, so the kernel's own audit hook never saw
    the vocabulary files that import reads; the chapter's cache record must list them all the same,
    or a changed ``data/partners.yaml`` would leave the chapter cached."""
    monkeypatch.delenv("KZP_FORK_KERNELS", raising=False)
    monkeypatch.delenv("KZP_ZYGOTE", raising=False)
    notebooks = _write(tmp_path / "notebooks", {"uses": USES_LIBRARY, "uses-2": USES_LIBRARY})
    runs = execute.execute_chapters(["uses", "uses-2"], {}, tmp_path / "out", jobs=1, notebooks=notebooks)
    assert [r.status for r in runs] == ["executed", "executed"], [r.error for r in runs]
    for stem in ("uses", "uses-2"):
        assert "preloaded: True" in _outputs(tmp_path / "out" / f"{stem}.ipynb")
        nb = nbformat.read(tmp_path / "out" / f"{stem}.ipynb", as_version=4)
        depends_on = nb.metadata["kzperception"]["depends_on"]
        assert "data/partners.yaml" in depends_on and "data/codebook.yaml" in depends_on, sorted(depends_on)
        assert "src/kzperception/book/display.py" in depends_on


@pytest.mark.skipif(not warm_kernel.enabled(), reason="no fork() on this system: kernels are new processes")
def test_no_zygote_or_kernel_outlives_the_chapters(tmp_path, monkeypatch):
    """Kernels forked by a zygote are not the worker's children, and a zygote outlives its worker by
    design until the worker's pipe closes: every process this run started must still end. They are
    found by their working folder (the chapters'), since an orphan is no longer this process's
    descendant, and a fork's changed environment is not what /proc shows."""
    import time

    import psutil

    monkeypatch.delenv("KZP_FORK_KERNELS", raising=False)
    monkeypatch.delenv("KZP_ZYGOTE", raising=False)
    notebooks = _write(tmp_path / "notebooks", {"uses": USES_LIBRARY, "uses-2": USES_LIBRARY})
    sockets = []
    made = warm_kernel.kernel_sockets

    @contextlib.contextmanager
    def recorded():
        with made() as folder:
            sockets.append(folder)
            yield folder

    monkeypatch.setattr(warm_kernel, "kernel_sockets", recorded)
    runs = execute.execute_chapters(["uses", "uses-2"], {}, tmp_path / "out", jobs=2, notebooks=notebooks)
    assert [r.status for r in runs] == ["executed", "executed"], [r.error for r in runs]
    assert "preloaded: True" in _outputs(tmp_path / "out" / "uses.ipynb")  # the zygote ran them
    assert len(sockets) == 1 and not Path(sockets[0]).exists()  # the kernels' socket folder is gone too

    def marked() -> list[int]:
        found = []
        for p in psutil.process_iter():
            try:
                if p.pid != os.getpid() and p.status() != "zombie" and Path(p.cwd()).is_relative_to(tmp_path):
                    found.append(p.pid)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return found

    deadline = time.monotonic() + 10
    left = marked()
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = marked()
    for pid in left:  # do not leave them to the next test
        os.kill(pid, 9)
    assert left == []


#: Loads its corpus and says whether the loader opened the corpus's files to do it.
LOADS_CORPUS = (
    HEADER
    + """# A chapter that loads its corpus

```{code-cell} ipython3
:tags: [parameters]
source = "published"
```

```{code-cell} ipython3
import sys
from kzperception.data.corpus import load_corpus

opened = []
sys.addaudithook(lambda event, args: event == "open" and opened.append(str(args[0])))
corpus = load_corpus(source)
print("reports:", len(corpus.reports), "read reports.csv:", any(p.endswith("reports.csv") for p in opened))
```
"""
)


@pytest.mark.skipif(not warm_kernel.enabled(), reason="no fork() on this system: kernels are new processes")
def test_the_zygote_loads_the_chapters_corpus_once_and_each_kernel_finds_it_loaded(tmp_path, monkeypatch):
    """Every chapter of a rerun reads the same corpus: the zygote loads it once, and a kernel forked
    from it gets it from the loader's cache (which compares the files' signatures first). The
    corpus's own files stay out of the chapter's record (they are in its base key); a kernel the
    worker forks itself (no zygote) reads the corpus as before."""
    from kzperception import paths

    monkeypatch.delenv("KZP_FORK_KERNELS", raising=False)
    notebooks = _write(tmp_path / "notebooks", {"loads": LOADS_CORPUS, "loads-2": LOADS_CORPUS})
    params = {"source": str(paths.REGISTER.resolve())}
    seen = {}
    for zygote in ("1", "0"):
        monkeypatch.setenv("KZP_ZYGOTE", zygote)
        out = tmp_path / f"out-{zygote}"
        runs = execute.execute_chapters(["loads", "loads-2"], params, out, jobs=1, notebooks=notebooks)
        assert [r.status for r in runs] == ["executed", "executed"], [r.error for r in runs]
        seen[zygote] = [_outputs(out / f"{stem}.ipynb") for stem in ("loads", "loads-2")]
        for stem in ("loads", "loads-2"):
            depends_on = nbformat.read(out / f"{stem}.ipynb", as_version=4).metadata["kzperception"]["depends_on"]
            corpus_files = [p for p in depends_on if p.startswith("data/register/")]
            assert corpus_files == ([] if zygote == "1" else ["data/register/codes.csv", "data/register/reports.csv"])
            assert "data/partners.yaml" in depends_on
    assert all("read reports.csv: False" in text for text in seen["1"]), seen["1"]
    assert all("read reports.csv: True" in text for text in seen["0"]), seen["0"]
    count = re.findall(r"reports: (\d+)", seen["1"][0])
    assert count and count == re.findall(r"reports: (\d+)", seen["0"][0])


#: Opens its chapter as every data chapter does, says whether the counts came prepared, and shows a reading.
OPENS_CHAPTER = (
    HEADER
    + """# A chapter that opens its counts

```{code-cell} ipython3
:tags: [parameters]
source = None
start = None
pivot = None
end = None
```

```{code-cell} ipython3
from kzperception.book.chapter import open_chapter
from kzperception.readings import registry

ch = open_chapter(source, start, pivot, end)
print("prepared:", "code_index" in vars(ch.counts), "code_index" in vars(ch.baseline))
print(registry.texts(ch.counts, ["changes", "leader_main"], ch.baseline))
print(int(ch.counts.reports["n"].sum()), int(ch.counts.codes["n"].sum()))
```
"""
)


@pytest.mark.skipif(not warm_kernel.enabled(), reason="no fork() on this system: kernels are new processes")
def test_the_zygote_prepares_the_chapters_counts_and_each_kernel_opens_them_with_the_same_result(tmp_path, monkeypatch):
    """The zygote loads the chapter's counts and builds their indexes before any kernel is forked;
    each kernel's ``open_chapter`` gets them (once), and the page says exactly what a kernel that
    loaded and computed everything itself says. The published tables the zygote read are in the
    chapter's record, as a kernel's own reads would be."""
    from kzperception import paths

    monkeypatch.delenv("KZP_FORK_KERNELS", raising=False)
    notebooks = _write(tmp_path / "notebooks", {"opens": OPENS_CHAPTER, "opens-2": OPENS_CHAPTER})
    window = {"start": "2021-01-01", "pivot": "2022-02-24", "end": "2023-06-30"}
    params = {"source": str(paths.REGISTER.resolve()), **window}
    seen = {}
    for zygote in ("1", "0"):
        monkeypatch.setenv("KZP_ZYGOTE", zygote)
        out = tmp_path / f"out-{zygote}"
        runs = execute.execute_chapters(["opens", "opens-2"], params, out, jobs=1, notebooks=notebooks)
        assert [r.status for r in runs] == ["executed", "executed"], [r.error for r in runs]
        seen[zygote] = [_outputs(out / f"{stem}.ipynb") for stem in ("opens", "opens-2")]
        for stem in ("opens", "opens-2"):
            depends_on = nbformat.read(out / f"{stem}.ipynb", as_version=4).metadata["kzperception"]["depends_on"]
            assert "data/published/totals.csv" in depends_on, sorted(depends_on)
    assert all("prepared: True True" in text for text in seen["1"]), seen["1"]
    assert all("prepared: False False" in text for text in seen["0"]), seen["0"]
    said = [re.sub(r"prepared: \w+ \w+", "", text) for text in seen["1"] + seen["0"]]
    assert len(set(said)) == 1 and "said_changes" in said[0], said


#: Glues one name and uses another in its text.
HOLE = (
    HEADER
    + """# A chapter with a hole in a sentence

```{code-cell} ipython3
from myst_nb import glue

glue("n_here", 3, display=False)
```

There are {glue:text}`n_here` reports, and {glue:md}`n_never_glued`.
"""
)


def test_a_chapter_whose_text_uses_a_name_no_cell_glued_fails_naming_it(tmp_path):
    """A rerun's Sphinx pass is not strict, so without this the page would show the sentence with a hole."""
    notebooks = _write(tmp_path / "notebooks", {"hole": HOLE})
    runs = execute.execute_chapters(["hole"], {}, tmp_path / "out", jobs=1, notebooks=notebooks)
    assert [(r.status, r.error) for r in runs] == [
        ("failed", "its text uses glue name(s) no cell glued on this corpus: n_never_glued")
    ]
    assert not (tmp_path / "out" / "hole.ipynb").exists()


#: Says whether the kernel watches the process that forked it: ipykernel's poller (its parent
#: handle) and Linux's parent-death signal (``PR_GET_PDEATHSIG``).
WATCHES_PARENT = (
    HEADER
    + """# A chapter that asks its kernel what it watches

```{code-cell} ipython3
import ctypes, os
from ipykernel.kernelapp import IPKernelApp

death = ctypes.c_int(0)
ctypes.CDLL(None).prctl(2, ctypes.byref(death), 0, 0, 0)
print("parent handle is the parent:", IPKernelApp.instance().parent_handle == os.getppid())
print("parent-death signal:", death.value)
```
"""
)


@pytest.mark.skipif(not warm_kernel.enabled(), reason="no fork() on this system: kernels are new processes")
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
@pytest.mark.parametrize("zygote", ["1", "0"])
def test_a_forked_kernel_ends_with_the_process_that_forked_it(tmp_path, monkeypatch, zygote):
    """A kernel forked by the zygote (or by the worker) must not outlive it: a command killed outright
    (SIGKILL) runs no clean-up. ipykernel's own poller read its parent from the environment when the
    worker imported it, before any kernel existed, and watched nothing; the kernel is given its
    parent, and Linux kills it (SIGKILL, 9) the moment that parent ends."""
    monkeypatch.delenv("KZP_FORK_KERNELS", raising=False)
    monkeypatch.setenv("KZP_ZYGOTE", zygote)
    notebooks = _write(tmp_path / "notebooks", {"watches": WATCHES_PARENT})
    runs = execute.execute_chapters(["watches"], {}, tmp_path / "out", jobs=1, notebooks=notebooks)
    assert [r.status for r in runs] == ["executed"], runs[0].error
    shown = _outputs(tmp_path / "out" / "watches.ipynb")
    assert "parent handle is the parent: True" in shown
    assert "parent-death signal: 9" in shown


@pytest.mark.skipif(not warm_kernel.enabled(), reason="no fork() on this system: kernels are new processes")
def test_chapters_run_where_a_server_process_starts_the_workers(tmp_path):
    """Where workers are not forked by the command (``forkserver``, Linux's default from Python 3.14),
    their parent is the server: a worker asking to die with the command would find another parent
    and exit, breaking the pool. It asks only when the command forked it."""
    notebooks = _write(tmp_path / "notebooks", {"shows": SHOWS})
    code = (
        "import multiprocessing, sys\n"
        "from pathlib import Path\n"
        "from kzperception.book import execute\n"
        "if __name__ == '__main__':\n"
        "    multiprocessing.set_start_method('forkserver', force=True)\n"
        "    runs = execute.execute_chapters(['shows'], {}, Path(sys.argv[1]), jobs=1, notebooks=Path(sys.argv[2]))\n"
        "    print([(r.status, r.error) for r in runs])\n"
    )
    script = tmp_path / "run.py"
    script.write_text(code, encoding="utf-8")
    command = [sys.executable, str(script), str(tmp_path / "out"), str(notebooks)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "[('executed', '')]", done.stdout + done.stderr[-2000:]


def test_a_worker_asks_to_die_with_the_command_only_when_the_command_forks_it(monkeypatch):
    import multiprocessing

    monkeypatch.setattr(multiprocessing, "get_start_method", lambda allow_none=False: "fork")
    assert execute._worker_parent() == os.getpid()
    for method in ("forkserver", "spawn"):
        monkeypatch.setattr(multiprocessing, "get_start_method", lambda allow_none=False, m=method: m)
        assert execute._worker_parent() is None
