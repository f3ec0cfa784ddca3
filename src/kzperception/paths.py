"""Every folder of the project, named once.

Everything else imports these names, so no path is spelled twice (the showyourwork! habit).
The root is found from this file when the package is installed in editable mode from a
checkout; ``KZP_ROOT`` overrides it (tests and reruns point it elsewhere).
"""

from __future__ import annotations

import os
from pathlib import Path


def _find_root() -> Path:
    env = os.environ.get("KZP_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "_config.yml").exists() and (parent / "data").is_dir():
            return parent
    return Path.cwd().resolve()


ROOT = _find_root()
DATA = ROOT / "data"
PUBLISHED = DATA / "published"
REGISTER = DATA / "register"
CONTEXT = DATA / "context"
CODEBOOK = DATA / "codebook.yaml"
NOTEBOOKS = ROOT / "notebooks"
#: Jupyter Book's source folder: pages that are not notebooks, references.bib, _static/, chapters/.
BOOK = ROOT / "book"
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
