"""Every folder of the project, named once.

Everything else imports these names, so no path is spelled twice (the showyourwork! habit).

Where the project's files are, in this order:

- ``KZP_ROOT``: a folder laid out like a checkout (tests and reruns point it elsewhere);
- a book project that ``kzperception init`` made: the current folder, or the nearest folder above
  it, holding :data:`PROJECT_MARKER` beside ``_config.yml`` and ``data/`` (its chapters and
  configuration are a copy to edit, and its book is built inside it);
- an installed wheel: the files the wheel ships as package data under ``kzperception/project``
  (``_config.yml``, ``_toc.yml``, ``data/``, ``notebooks/`` and the book's shared pages; the
  build step in ``setup.py`` copies them there, see :data:`SHIPPED`), found with
  :mod:`importlib.resources`. They are only read. The book a build writes (executed chapters,
  the Vega bundle, ``_build/``) cannot go into an installed package, so :data:`BOOK` is then a
  writable copy of the shipped book pages in :data:`HOME` (``KZP_HOME``, default
  ``~/.cache/kzperception``), one per installed build (:func:`_book_copy`);
- a checkout (the package installed in editable mode, or run from ``src/``): the folder above
  this file that holds ``_config.yml`` and ``data/``; every path is the checkout's, as always;
- otherwise the current folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

#: The folder inside the installed package that holds the project files a wheel ships.
PACKAGE_PROJECT = "project"
#: What a wheel ships from the checkout, relative to its root (``setup.py`` copies exactly these; a
#: folder means every file in it, except the generated files in :data:`NOT_SHIPPED`).
SHIPPED = (
    "_config.yml",
    "_toc.yml",
    "data",
    "notebooks",
    "book/bibliography.md",
    "book/references.bib",
    "book/_static",
)
#: Generated or git-ignored files under :data:`SHIPPED` folders that a wheel never carries.
NOT_SHIPPED = ("book/_static/vega-bundle.js", "book/_static/vega-bundle.js.version")
#: The writable home of an installed package (the main book's working copy lives there).
HOME_ENV = "KZP_HOME"
#: Written last into a working copy of the book pages: a copy without it is incomplete.
COPY_DONE = ".kzperception-book-copy"


def shipped_project() -> Path | None:
    """The project files an installed wheel carries (``kzperception/project``), or None.

    An editable install or a checkout has no such folder: its files are the checkout's.
    """
    from importlib.resources import files

    found = files(__package__ or "kzperception") / PACKAGE_PROJECT
    # A wheel is installed as plain files, so the resource is a folder on disk.
    return Path(str(found)) if found.is_dir() else None


#: The file ``kzperception init`` writes at the top of a book project (see :func:`project_root`).
PROJECT_MARKER = "kzperception-project.yml"


def project_root(start: Path) -> Path | None:
    """The book project ``start`` lies in: the nearest folder from ``start`` up that holds
    :data:`PROJECT_MARKER`, ``_config.yml`` and ``data/``; None outside one."""
    for folder in (start, *start.parents):
        if (folder / PROJECT_MARKER).is_file() and (folder / "_config.yml").is_file() and (folder / "data").is_dir():
            return folder
    return None


def find_root() -> tuple[Path, bool]:
    """The project's root and whether it is an installed wheel's shipped (read-only) files, as found now.

    :data:`ROOT` is what it found when this module was imported; a warm process that imported it
    earlier compares the two before each run (:mod:`kzperception.cli.warm`)."""
    env = os.environ.get("KZP_ROOT")
    if env:
        return Path(env).resolve(), False
    try:
        project = project_root(Path.cwd().resolve())
    except OSError:  # the current folder was removed under the process
        project = None
    if project is not None:
        return project, False
    shipped = shipped_project()
    if shipped is not None:
        return shipped.resolve(), True
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "_config.yml").exists() and (parent / "data").is_dir():
            return parent, False
    return Path.cwd().resolve(), False


def _home() -> Path:
    """Where an installed package writes: ``$KZP_HOME``, else ``$XDG_CACHE_HOME/kzperception``
    (``~/.cache/kzperception``)."""
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser().resolve()
    cache = os.environ.get("XDG_CACHE_HOME")
    if not cache:
        try:
            cache = str(Path.home() / ".cache")
        except RuntimeError:  # no home folder known (a bare service account): the system's temporary folder
            cache = tempfile.gettempdir()
    return Path(cache).expanduser().resolve() / "kzperception"


def _build_id() -> str:
    """Twelve hex digits naming this installed build: the hash of its wheel's ``RECORD`` (every
    file's own hash), so reinstalling other code or data gives a fresh book copy and a cold cache."""
    from kzperception import __version__

    package = Path(__file__).resolve().parent
    records = sorted(package.parent.glob(f"{package.name}-*.dist-info/RECORD"))
    text = records[0].read_bytes() if len(records) == 1 else __version__.encode()
    return hashlib.sha256(text).hexdigest()[:12]


def _book_copy(shipped_book: Path, home: Path) -> Path:
    """A writable copy of the shipped book pages for an installed package (made once per build).

    Jupyter Book's source folder receives the executed chapters, the front page, the Vega bundle
    and ``_build/``; an installed package is never written into, so the main book is built from
    this copy. It is made in a temporary sibling and renamed into place, so two processes starting
    at once (the command and its chapter kernels) never see half a copy. Where it cannot be made
    (no writable home), the path is returned all the same and the first write names it.
    """
    target = home / f"book-{_build_id()}"
    if (target / COPY_DONE).is_file():
        return target
    try:
        home.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=home))
        try:
            shutil.copytree(shipped_book, work, dirs_exist_ok=True)
            (work / COPY_DONE).write_text(
                "a working copy of the book pages of an installed kzperception\n", encoding="utf-8"
            )
            try:
                os.rename(work, target)
            except OSError:  # another process made it first (or a stale incomplete one is there)
                if not (target / COPY_DONE).is_file():
                    shutil.rmtree(target, ignore_errors=True)
                    os.rename(work, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    except OSError:
        pass
    return target


ROOT, INSTALLED = find_root()
#: Where an installed package writes (see :func:`_home`); unused in a checkout.
HOME = _home()
DATA = ROOT / "data"
PUBLISHED = DATA / "published"
REGISTER = DATA / "register"
CONTEXT = DATA / "context"
CODEBOOK = DATA / "codebook.yaml"
NOTEBOOKS = ROOT / "notebooks"
#: Jupyter Book's source folder: pages that are not notebooks, references.bib, _static/, chapters/.
#: In an installed package, a writable copy of the shipped pages in :data:`HOME`.
BOOK = _book_copy(ROOT / "book", HOME) if INSTALLED else ROOT / "book"
#: The executed chapters of the main book (git-ignored); every book keeps them in ``chapters/``.
CHAPTERS_DIR = "chapters"
CHAPTERS = BOOK / CHAPTERS_DIR
BUILD = BOOK / "_build"
HTML = BUILD / "html"
STATIC = BOOK / "_static"
#: Jupyter Book's configuration and table of contents stay at the top level (the design card).
CONFIG = ROOT / "_config.yml"
TOC = ROOT / "_toc.yml"
#: The offline Vega bundle the book loads (written into STATIC at build time, never committed).
VEGA_BUNDLE_NAME = "vega-bundle.js"
TESTS = ROOT / "tests"
REGRESSION = TESTS / "regression"
SRC = ROOT / "src" / "kzperception"
