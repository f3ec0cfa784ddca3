"""The package as pip installs it: a built wheel in a fresh venv, every command run from an empty folder.

Issue 21: ``pip install .`` gave a CLI whose commands all failed with ``data/partners.yaml: file
missing``, because the data, notebooks and book configuration were not package data. Here the
wheel is built from the checkout (``pip wheel``, so ``setup.py``'s build step runs as it does for
PyPI), installed into a new venv in a temporary folder, and the commands run from an empty folder
outside the checkout with nothing pointing back at it: counts, validate, synth, sensitivity,
init, ``build`` inside the book project ``init`` laid out (with a chapter edited there), and a
one-chapter rerun from it, whose warm process (the installed package's) runs a second rerun and is
then stopped, so the test leaves no process behind.

Downloading every dependency again takes minutes, so the new venv reuses the project venv's
installed dependencies through a ``.pth`` line (appended to ``sys.path`` after the venv's own
site-packages, its ``.pth`` files, among them the editable install's, not read); the package
itself comes from the wheel, which the test asserts. The release workflow installs the wheel with
its dependencies from PyPI.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from importlib.metadata import distribution
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kzperception.cli import app

CHECKOUT = Path(__file__).resolve().parents[2]
WINDOW = ["--start", "2020-08-24", "--pivot", "2022-02-24", "--end", "2023-08-24"]
#: The cheapest chapter a rerun allows (rerun.DEFAULT_CHAPTERS): one table and one chart of the counts.
CHAPTER = "06-2-reports"
#: Console scripts of dependencies that the package runs as programs (build.jupyter_book).
DEPENDENCY_SCRIPTS = (("jupyter-book", "jupyter-book"),)


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"{' '.join(map(str, done.args))}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _fresh_venv(root: Path, wheel: Path) -> Path:
    """A venv made by the project's Python holding the wheel, with the project venv's dependencies."""
    venv = root / "venv"
    _ok(_run([sys.executable, "-m", "venv", str(venv)], root, dict(os.environ)))
    python = venv / "bin" / "python"
    _ok(
        _run(
            [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
            root,
            dict(os.environ),
        )
    )
    purelib = Path(
        _ok(
            _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], root, dict(os.environ))
        ).strip()
    )
    (purelib / "zz-kzp-project-venv.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    for dist, name in DEPENDENCY_SCRIPTS:  # what pip writes for a console script, with the new venv's Python
        point = next(e for e in distribution(dist).entry_points if e.group == "console_scripts" and e.name == name)
        module, _, func = point.value.partition(":")
        script = venv / "bin" / name
        script.write_text(
            f"#!{python}\nimport sys\nfrom {module} import {func}\nsys.exit({func}())\n", encoding="utf-8"
        )
        script.chmod(0o755)
    return venv


def _tree(folder: Path) -> dict[str, int]:
    """Every file under ``folder`` with its modification time (bytecode caches left out)."""
    return {
        p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.mark.book
def test_installed_wheel_runs_every_command_outside_the_checkout(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    _ok(
        _run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dist), str(CHECKOUT)],
            tmp_path,
            dict(os.environ),
        )
    )
    (wheel,) = dist.glob("kzperception-*.whl")
    venv = _fresh_venv(tmp_path, wheel)
    home, work = tmp_path / "home", tmp_path / "work"
    work.mkdir()
    keep = ("LANG", "LC_ALL", "TMPDIR", "TZ")
    env = {k: v for k, v in os.environ.items() if k in keep} | {
        "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "KZP_HOME": str(home / "kzp"),
        # The rerun below leaves a warm process: in a folder of this test's, leaving soon if the
        # test fails before it stops it (a short path: a socket's may not pass 107 bytes).
        "KZP_WARM_DIR": tempfile.mkdtemp(prefix="kzw-", dir="/tmp"),
        "KZP_WARM_IDLE": "60",
    }
    kzp = str(venv / "bin" / "kzperception")

    where = _ok(
        _run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import kzperception, kzperception.paths as p; "
                "print(kzperception.__file__); print(p.ROOT); print(p.BOOK)",
            ],
            work,
            env,
        )
    ).split()
    package, root, book = (Path(x) for x in where)
    assert package.is_relative_to(venv), f"kzperception imported from {package}, not from the wheel"
    assert root.is_relative_to(venv) and book.is_relative_to(home / "kzp")
    installed = venv / "lib"
    before = _tree(installed)

    # The counts of the published figures: the same as the checkout's.
    for kind in ("reports", "codes"):
        printed = _ok(_run([kzp, "counts", kind, "--source", "published", "--format", "csv"], work, env))
        expected = CliRunner().invoke(app, ["counts", kind, "--source", "published", "--format", "csv"])
        assert expected.exit_code == 0
        assert printed == expected.output

    # synth, validate, sensitivity on a synthetic corpus
    assert "synthetic reports" in _ok(_run([kzp, "synth", "--seed", "3", "--out", "synth"], work, env))
    assert _ok(_run([kzp, "validate", "synth"], work, env)).startswith("ok: ")
    sweep = _ok(_run([kzp, "sensitivity", "--source", "synth", "--format", "csv"], work, env))
    assert sweep.splitlines()[0].startswith("pivot,") and len(sweep.splitlines()) > 2
    register = root / "data" / "register"
    assert _ok(_run([kzp, "validate", str(register)], work, env)).startswith("ok: ")

    # init: a workspace; a second init into it is refused
    _ok(_run([kzp, "init", "study"], work, env))
    again = _run([kzp, "init", "study"], work, env)
    assert again.returncode == 1 and "is not empty" in again.stderr
    for name in ("reports.csv", "codes.csv"):
        shutil.copyfile(work / "synth" / name, work / "study" / "corpus" / name)
    assert _ok(_run([kzp, "validate", "corpus"], work / "study", env)).startswith("ok: ")

    # the workspace is a book project: `build` inside it builds its book, from its own chapters
    title = work / "study" / "notebooks" / "00-abstract.md"
    title.write_text(title.read_text(encoding="utf-8").replace("# Abstract", "# Abstract (edited here)", 1), "utf-8")
    built = _ok(_run([kzp, "build"], work / "study", env))
    main_html = work / "study" / "book" / "_build" / "html"
    assert str(main_html / "index.html") in built
    assert "Abstract (edited here)" in (main_html / "chapters" / "00-abstract.html").read_text(encoding="utf-8")

    # a one-chapter rerun from the workspace; it leaves a warm process, and a second rerun runs in it
    rerun = [kzp, "rerun", "--corpus", "corpus", *WINDOW, "--chapters", CHAPTER, "--out"]
    try:
        first = _run([*rerun, "rerun"], work / "study", env)
        done = _ok(first)
        assert "a warm process now keeps the libraries imported" in first.stderr
        for _ in range(300):  # it answers once its imports are done
            if _ok(_run([kzp, "warm", "status"], work / "study", env)).startswith("pid "):
                break
            time.sleep(0.2)
        second = _run([*rerun, "second"], work / "study", env)
        _ok(second)
        assert "reused: the warm process" in second.stderr
    finally:
        stopped = _ok(_run([kzp, "warm", "stop"], work / "study", env))
        shutil.rmtree(env["KZP_WARM_DIR"], ignore_errors=True)
    assert stopped.startswith("stopped 1 warm process(es): ")
    pid = int(stopped.rsplit(" ", 1)[1])
    for _ in range(150):  # it leaves once it has answered; the test leaves no process behind
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        os.kill(pid, signal.SIGKILL)
        raise AssertionError(f"the warm process {pid} was asked to stop and did not leave within 30 s")
    html = work / "study" / "rerun" / "html"
    assert str(html / "index.html") in done
    page = (html / "chapters" / f"{CHAPTER}.html").read_text(encoding="utf-8")
    assert "demonstration" in page.lower()  # a synthetic corpus is flagged on its pages
    assert (html / "_static" / "vega-bundle.js").is_file()  # charts work offline
    # The chapter's kernel read the project's data (the wheel's, copied by init) and ran the wheel's
    # code: the files its cache watches are the project's data, and none is a module of a checkout.
    executed = json.loads((work / "study" / "rerun" / "src" / "chapters" / f"{CHAPTER}.ipynb").read_text("utf-8"))
    watched = executed["metadata"]["kzperception"]["depends_on"]
    assert watched and all((work / "study" / f).is_file() for f in watched)
    assert all((root / f).read_bytes() == (work / "study" / f).read_bytes() for f in watched if f.startswith("data/"))
    assert any(f.startswith("data/published/") for f in watched) and not any(f.startswith("src/") for f in watched)

    assert _tree(installed) == before, "a command wrote into the installed package"
