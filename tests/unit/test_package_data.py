"""The installed package's files: what a wheel ships, and where ``kzperception.paths`` finds them.

The slow end-to-end check (build the wheel, install it in a fresh venv, run every command from an
empty folder) is ``tests/book/test_wheel.py``; these tests check the two halves it rests on in
seconds: ``setup.py``'s list of shipped files, and ``paths`` on an installed layout made by hand.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from kzperception import paths
from kzperception.book import layout

CHECKOUT = Path(__file__).resolve().parents[2]


def _setup_module() -> ModuleType:
    """``setup.py`` imported as a module (its ``setup()`` runs only as ``__main__``)."""
    spec = importlib.util.spec_from_file_location("kzp_setup", CHECKOUT / "setup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _git_files(*folders: str) -> set[str]:
    done = subprocess.run(
        ["git", "-C", str(CHECKOUT), "ls-files", "--", *folders], capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


def test_checkout_reads_its_own_files() -> None:
    """Run from a checkout (an editable install), every path is the checkout's, as before wheels."""
    assert not paths.INSTALLED
    assert paths.ROOT == CHECKOUT
    assert paths.BOOK == CHECKOUT / "book"
    assert paths.DATA == CHECKOUT / "data"


def test_wheel_ships_every_file_the_commands_read() -> None:
    """The data, notebooks, configuration and shared pages: each tracked file, none generated."""
    shipped = set(_setup_module().project_files(CHECKOUT))
    tracked = _git_files("data", "notebooks", "book/_static")
    assert tracked <= shipped, sorted(tracked - shipped)
    for name in ("_config.yml", "_toc.yml"):
        assert name in shipped
    for page in layout.STAGED_PAGES:  # what every staged book (a rerun, build --out) copies from book/
        assert f"book/{page}" in shipped or any(f.startswith(f"book/{page}/") for f in shipped), page
    for generated in paths.NOT_SHIPPED:
        assert generated not in shipped
    assert not any("/chapters/" in f or f.startswith("book/_build") for f in shipped)


def test_sdist_manifest_carries_the_shipped_files() -> None:
    """MANIFEST.in grafts each shipped folder, so a wheel built from the sdist carries the same files."""
    manifest = (CHECKOUT / "MANIFEST.in").read_text(encoding="utf-8").split()
    for entry in paths.SHIPPED:
        assert entry in manifest, f"MANIFEST.in does not name {entry}"


def _installed_layout(site: Path) -> Path:
    """A site-packages folder holding the package as a wheel installs it: code, dist-info, project data."""
    package = site / "kzperception"
    shutil.copytree(CHECKOUT / "src" / "kzperception", package, ignore=shutil.ignore_patterns("__pycache__"))
    for rel in _setup_module().project_files(CHECKOUT):
        target = package / paths.PACKAGE_PROJECT / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CHECKOUT / rel, target)
    info = site / "kzperception-0.1.0.dist-info"
    info.mkdir()
    (info / "RECORD").write_text("kzperception/__init__.py,sha256=one,1\n", encoding="utf-8")
    return package


PROBE = (
    "import json, kzperception.paths as p; print(json.dumps({k: str(getattr(p, k)) for k in "
    "('ROOT', 'INSTALLED', 'DATA', 'NOTEBOOKS', 'CONFIG', 'BOOK', 'CHAPTERS', 'HTML', 'STATIC')}))"
)


def _probe(site: Path, cwd: Path, **env: str) -> dict[str, str]:
    """``kzperception.paths`` as a fresh interpreter sees it with only ``site`` on its path."""
    clean = {k: v for k, v in os.environ.items() if k not in ("KZP_ROOT", "KZP_HOME", "PYTHONPATH")}
    done = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r}); {PROBE}"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=clean | env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_installed_package_reads_shipped_files_and_writes_its_book_elsewhere(tmp_path: Path) -> None:
    """Installed from a wheel, outside any checkout: data and notebooks from the package (found with
    importlib.resources), the book a build writes in a copy under KZP_HOME, never in the package."""
    site = tmp_path / "site"
    package = _installed_layout(site)
    home, cwd = tmp_path / "home", tmp_path / "empty"
    cwd.mkdir()
    seen = _probe(site, cwd, KZP_HOME=str(home))
    project = package / paths.PACKAGE_PROJECT
    assert seen["INSTALLED"] == "True"
    assert Path(seen["ROOT"]) == project
    assert Path(seen["DATA"]) == project / "data" and (project / "data" / "partners.yaml").is_file()
    assert Path(seen["NOTEBOOKS"]) == project / "notebooks"
    assert Path(seen["CONFIG"]) == project / "_config.yml"
    book = Path(seen["BOOK"])
    assert book.parent == home
    assert Path(seen["CHAPTERS"]).is_relative_to(book) and Path(seen["HTML"]).is_relative_to(book)
    assert sorted(p.name for p in (book / "_static").iterdir()) == sorted(
        p.name
        for p in (CHECKOUT / "book" / "_static").iterdir()
        if p.name not in {Path(f).name for f in paths.NOT_SHIPPED}
    )
    assert (book / "references.bib").read_bytes() == (CHECKOUT / "book" / "references.bib").read_bytes()
    assert (book / paths.COPY_DONE).is_file()
    # The same build finds the same copy (the chapters' cache lives there); other code, another copy.
    assert _probe(site, cwd, KZP_HOME=str(home))["BOOK"] == seen["BOOK"]
    (site / "kzperception-0.1.0.dist-info" / "RECORD").write_text("kzperception/__init__.py,sha256=two,1\n")
    assert _probe(site, cwd, KZP_HOME=str(home))["BOOK"] != seen["BOOK"]
    # KZP_ROOT still names a project folder of one's own.
    assert _probe(site, cwd, KZP_HOME=str(home), KZP_ROOT=str(CHECKOUT))["BOOK"] == str(CHECKOUT / "book")


def test_an_interrupted_copy_is_made_again(tmp_path: Path) -> None:
    """A copy without its completion mark (a process killed while copying) is replaced, not used."""
    home = tmp_path / "home"
    first = paths._book_copy(CHECKOUT / "book", home)
    (first / paths.COPY_DONE).unlink()
    shutil.rmtree(first / "_static")
    again = paths._book_copy(CHECKOUT / "book", home)
    assert again == first
    assert (again / "_static" / "kzperception.css").is_file() and (again / paths.COPY_DONE).is_file()
    assert [p.name for p in home.iterdir()] == [first.name]  # no temporary folder left beside it


def test_an_unwritable_home_leaves_the_error_to_the_first_write(tmp_path: Path) -> None:
    """Where no copy can be made (KZP_HOME is a file), importing paths still works: the command that
    writes into the book names the folder it could not write."""
    home = tmp_path / "home"
    home.write_text("not a folder", encoding="utf-8")
    book = paths._book_copy(CHECKOUT / "book", home)
    assert book.parent == home and not book.exists()
