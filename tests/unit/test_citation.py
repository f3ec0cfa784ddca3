"""How the edition is cited and released: CITATION.cff, .zenodo.json, CHANGELOG.md and pyproject agree.

The version is set in one place, pyproject.toml's ``[project] version``; every other file that states it
is checked against that, so a release that bumps one and forgets another fails here.
"""

from __future__ import annotations

import json
import re
import tomllib
from importlib.metadata import version as installed_version

import jsonschema
import yaml

import kzperception
from kzperception import paths

CFF = paths.ROOT / "CITATION.cff"
ZENODO = paths.ROOT / ".zenodo.json"
CHANGELOG = paths.ROOT / "CHANGELOG.md"
PYPROJECT = paths.ROOT / "pyproject.toml"
#: The Citation File Format 1.2.0 JSON schema (https://citation-file-format.github.io/1.2.0/schema.json,
#: CC BY 4.0), byte for byte the copy cffconvert 2.0.0 bundles and `cffconvert --validate` checks against.
#: cffconvert itself cannot be a dev dependency: it requires jsonschema<4, frictionless jsonschema>=4.20.
CFF_SCHEMA = paths.ROOT / "tests" / "fixtures" / "cff-1.2.0.schema.json"


def _project() -> dict:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]


def _cff() -> dict:
    return yaml.safe_load(CFF.read_text(encoding="utf-8"))


def _zenodo() -> dict:
    return json.loads(ZENODO.read_text(encoding="utf-8"))


def _names(authors: list[dict]) -> list[str]:
    """Authors as Zenodo names them: an entity by its name, a person as "Family, Given"."""
    return [a["name"] if "name" in a else f"{a['family-names']}, {a['given-names']}" for a in authors]


def test_citation_cff_validates_as_cffconvert_validates():
    """What `cffconvert --validate` does: the YAML, safely loaded, against the CFF 1.2.0 schema, with formats."""
    cff = _cff()
    assert cff["cff-version"] == "1.2.0", "the schema kept in tests/fixtures is 1.2.0's"
    schema = json.loads(CFF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(instance=cff, schema=schema, format_checker=jsonschema.FormatChecker())


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


def test_zenodo_gives_the_same_metadata_as_citation_cff():
    cff, zenodo = _cff(), _zenodo()
    assert zenodo["title"] == cff["title"]
    assert zenodo["version"] == str(cff["version"])
    assert [c["name"] for c in zenodo["creators"]] == _names(cff["authors"])
    assert zenodo["publication_date"] == str(cff["date-released"])
    assert zenodo["license"] == cff["license"] == _project()["license"]
    assert zenodo["keywords"] == cff["keywords"]
    assert cff["repository-code"] in [r["identifier"] for r in zenodo["related_identifiers"]]


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
