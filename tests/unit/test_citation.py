"""How the edition is cited and released: CITATION.cff, .zenodo.json, CHANGELOG.md and pyproject agree.

The version is set in one place, pyproject.toml's ``[project] version``; every other file that states it
is checked against that, so a release that bumps one and forgets another fails here.

CITATION.cff is checked by cffconvert itself (``cffconvert --validate``, and ``--format zenodo`` against
.zenodo.json), run from ``.venv-tools/``: cffconvert requires jsonschema<4 and the project's environment
has jsonschema 4, so ``make setup`` gives it a venv of its own, pinned by requirements-tools.lock. Where
that venv is missing the cffconvert tests fail in one line saying how to make it, unless
``KZP_ALLOW_SKIP=1`` (as the Chromium gate in conftest.py does).
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from importlib.metadata import version as installed_version
from pathlib import Path

import yaml

import kzperception
from kzperception import paths
from tests.conftest import ALLOW_SKIP_ENV, missing

CFF = paths.ROOT / "CITATION.cff"
ZENODO = paths.ROOT / ".zenodo.json"
CHANGELOG = paths.ROOT / "CHANGELOG.md"
PYPROJECT = paths.ROOT / "pyproject.toml"
CHECKOUT = Path(__file__).resolve().parents[2]
TOOLS_LOCK = CHECKOUT / "requirements-tools.lock"
CFFCONVERT = CHECKOUT / ".venv-tools" / "bin" / "cffconvert"
NO_CFFCONVERT = (
    f"cffconvert is missing: the citation tests run it from .venv-tools (make setup creates it from "
    f"requirements-tools.lock); {ALLOW_SKIP_ENV}=1 skips them instead"
)


def _cffconvert(*args: str) -> subprocess.CompletedProcess[str]:
    """``cffconvert ARGS`` from .venv-tools, or the one missing-tool line where it is not installed."""
    if not CFFCONVERT.is_file():
        missing(NO_CFFCONVERT)
    return subprocess.run(
        [str(CFFCONVERT), *args], capture_output=True, text=True, cwd=CHECKOUT, timeout=120, check=False
    )


def _project() -> dict:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]


def _cff() -> dict:
    return yaml.safe_load(CFF.read_text(encoding="utf-8"))


def _zenodo() -> dict:
    return json.loads(ZENODO.read_text(encoding="utf-8"))


def test_cffconvert_is_the_pinned_one():
    """.venv-tools holds the cffconvert requirements-tools.lock pins (a venv left from an older lock fails)."""
    pinned = re.search(r"^cffconvert==(\S+)$", TOOLS_LOCK.read_text(encoding="utf-8"), re.M)
    assert pinned is not None, "requirements-tools.lock pins no cffconvert"
    done = _cffconvert("--version")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == pinned.group(1), "re-run make setup"


def test_cffconvert_validates_citation_cff():
    done = _cffconvert("--validate", "--infile", str(CFF))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "valid according to schema version 1.2.0" in done.stdout


def test_cffconvert_rejects_an_unexpected_key(tmp_path: Path):
    """The check can fail: ``language`` under preferred-citation (the schema's key is ``languages``),
    which the CITATION.cff of issue 21 had and ``cffconvert --validate`` refused."""
    text = CFF.read_text(encoding="utf-8")
    assert "\n  languages:\n" in text
    broken = tmp_path / "CITATION.cff"
    broken.write_text(text.replace("\n  languages:\n", "\n  language: en\n  languages:\n"), encoding="utf-8")
    done = _cffconvert("--validate", "--infile", str(broken))
    assert done.returncode != 0
    assert "'language' was unexpected" in done.stderr


def _license_id(value: object) -> object:
    """Zenodo's licence as an id: cffconvert writes ``{"id": "MIT"}``, .zenodo.json the id alone."""
    return value["id"] if isinstance(value, dict) else value


def test_zenodo_json_holds_what_cffconvert_makes_of_citation_cff():
    """Every field ``cffconvert --format zenodo`` writes (title, version, creators, description, keywords,
    licence, publication date) is in .zenodo.json with the same value."""
    done = _cffconvert("--format", "zenodo", "--infile", str(CFF))
    assert done.returncode == 0, done.stdout + done.stderr
    converted, zenodo = json.loads(done.stdout), _zenodo()
    assert {"title", "version", "creators", "publication_date"} <= set(converted)
    for field, value in converted.items():
        ours = zenodo.get(field)
        if field == "license":
            ours, value = _license_id(ours), _license_id(value)
        assert ours == value, f".zenodo.json's {field!r} is not what cffconvert makes of CITATION.cff"


def test_zenodo_json_names_the_repository_and_the_projects_licence():
    """What cffconvert does not carry over: the repository, and the licence is pyproject's."""
    cff, zenodo = _cff(), _zenodo()
    assert cff["repository-code"] in [r["identifier"] for r in zenodo["related_identifiers"]]
    assert _license_id(zenodo["license"]) == cff["license"] == _project()["license"]


def test_citation_cff_names_the_release_and_the_repository():
    cff = _cff()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(cff["date-released"])), cff.get("date-released")
    assert cff["repository-code"] == _project()["urls"]["Repository"]


def test_the_version_is_pyprojects_everywhere():
    version = _project()["version"]
    assert str(_cff()["version"]) == version, "CITATION.cff"
    assert _zenodo()["version"] == version, ".zenodo.json"
    assert kzperception.__version__ == version, "src/kzperception/__init__.py"
    assert installed_version("kzperception") == version, "installed metadata (re-run make setup)"


def test_changelog_records_the_current_release():
    """The first release heading (``## [X.Y.Z] - YYYY-MM-DD``) is the current version on its release date."""
    releases = re.findall(r"^## \[([^\]]+)\] - (\d{4}-\d{2}-\d{2})$", CHANGELOG.read_text(encoding="utf-8"), re.M)
    assert releases, "CHANGELOG.md has no release heading"
    assert releases[0] == (_project()["version"], str(_cff()["date-released"]))


def test_the_build_backend_is_new_enough_for_the_licence_expression():
    """``license = "MIT"`` (an SPDX expression, PEP 639) needs setuptools 77; older ones fail to build."""
    requires = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["build-system"]["requires"]
    pins = [re.fullmatch(r"setuptools\s*>=\s*(\d+)(?:\.\d+)*", r) for r in requires]
    floors = [int(m.group(1)) for m in pins if m]
    assert floors and floors[0] >= 77, requires
