"""The Frictionless data packages: committed descriptors match the generator, validate with
frictionless, and frictionless and ``kzperception validate`` agree on which corpora are bad."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml
from frictionless import Package, system
from typer.testing import CliRunner

from kzperception import paths
from kzperception.cli import app
from kzperception.data import vocabulary
from kzperception.data.datapackage import DESCRIPTOR, descriptor_text, folder_descriptor, write_descriptor
from kzperception.data.vocabulary import default_vocabulary, vocabulary_for
from kzperception.fieldwork.synth import write_synthetic
from tests.conftest import EU

runner = CliRunner()
DATA = Path(paths.__file__).resolve().parents[2] / "data"
COMMITTED = {"register": ("kzperception-register", True), "published": ("kzperception-published", False)}


def frictionless_valid(folder: Path) -> bool:
    """Whether frictionless (alone, from the descriptor) finds the folder's package valid."""
    with system.use_context(trusted=True):
        return bool(Package(str(folder / DESCRIPTOR)).validate().valid)


def kzperception_valid(folder: Path) -> bool:
    result = runner.invoke(app, ["validate", str(folder)])
    assert "Traceback" not in result.output
    return result.exit_code == 0


@pytest.mark.parametrize("folder", sorted(COMMITTED))
def test_the_committed_descriptor_is_what_the_generator_writes(folder):
    name, corpus = COMMITTED[folder]
    committed = (DATA / folder / DESCRIPTOR).read_text(encoding="utf-8")
    generated = descriptor_text(folder_descriptor(DATA / folder, default_vocabulary(), name=name, corpus=corpus))
    assert committed == generated, f"data/{folder}/{DESCRIPTOR} drifted: regenerate it with write_descriptor"


@pytest.mark.parametrize("folder", sorted(COMMITTED))
def test_the_committed_packages_are_valid_for_frictionless(folder):
    assert frictionless_valid(DATA / folder)


def test_the_register_descriptor_states_the_key_and_the_vocabulary():
    package = json.loads((DATA / "register" / DESCRIPTOR).read_text(encoding="utf-8"))
    codes = next(r for r in package["resources"] if r["name"] == "codes")
    assert codes["schema"]["foreignKeys"] == [
        {"fields": ["report_id"], "reference": {"resource": "reports", "fields": ["id"]}}
    ]
    category = next(f for f in codes["schema"]["fields"] if f["name"] == "category")
    assert category["constraints"]["enum"] == list(default_vocabulary().category_ids)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    return write_synthetic(3, tmp_path_factory.mktemp("dp") / "corpus")


def test_every_written_corpus_carries_a_valid_descriptor(synthetic):
    assert (synthetic / DESCRIPTOR).is_file()
    assert frictionless_valid(synthetic)
    assert kzperception_valid(synthetic)


def test_a_corpus_with_its_own_partners_gets_them_as_allowed_values(synthetic, tmp_path):
    folder = tmp_path / "eu"
    folder.mkdir()
    for name in ("reports.csv", "codes.csv"):
        (folder / name).write_text((synthetic / name).read_text(encoding="utf-8"), encoding="utf-8")
    items = [*yaml.safe_load(vocabulary.PARTNERS_FILE.read_text(encoding="utf-8")), EU]
    (folder / "partners.yaml").write_text(yaml.safe_dump(items, allow_unicode=True, sort_keys=False), encoding="utf-8")
    reports = pd.read_csv(folder / "reports.csv", dtype=str, keep_default_na=False)
    reports.loc[0, "country"] = "eu"
    reports.to_csv(folder / "reports.csv", index=False)
    write_descriptor(folder, default_vocabulary(), name="c", corpus=True)
    assert not frictionless_valid(folder)  # the project's vocabulary has no 'eu'
    write_descriptor(folder, vocabulary_for(folder), name="c", corpus=True)
    assert frictionless_valid(folder) and kzperception_valid(folder)


def _edit(name: str, change: Callable[[pd.DataFrame, random.Random], pd.DataFrame]):
    def apply(folder: Path, rng: random.Random) -> None:
        frame = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        change(frame, rng).to_csv(folder / name, index=False)

    return apply


def _set(column: str, value: str):
    def change(frame: pd.DataFrame, rng: random.Random) -> pd.DataFrame:
        frame.loc[rng.randrange(len(frame)), column] = value
        return frame

    return change


BREAKAGES = {
    "wrong category": _edit("codes.csv", _set("category", "sports")),
    "unknown report id": _edit("codes.csv", _set("report_id", "no-such-report")),
    "bad date": _edit("reports.csv", _set("date", "2021-02-30")),
    "unparsable date": _edit("reports.csv", _set("date", "5 May 2021")),
    "unknown country": _edit("reports.csv", _set("country", "japan")),
    "unknown website": _edit("reports.csv", _set("website", "blog")),
    "wrong mode": _edit("codes.csv", _set("mode", "maybe")),
    "empty id": _edit("reports.csv", _set("id", "")),
    "missing column": _edit("codes.csv", lambda f, _: f.drop(columns="category")),
    "duplicate report id": _edit("reports.csv", lambda f, rng: pd.concat([f, f.iloc[[rng.randrange(len(f))]]])),
}


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_frictionless_and_validate_agree_on_a_bad_corpus(synthetic, tmp_path, breakage, seed):
    folder = tmp_path / "bad"
    folder.mkdir()
    for name in ("reports.csv", "codes.csv", DESCRIPTOR):
        (folder / name).write_bytes((synthetic / name).read_bytes())
    assert frictionless_valid(folder) and kzperception_valid(folder)  # the good corpus, before breaking it
    BREAKAGES[breakage](folder, random.Random(seed))
    assert (frictionless_valid(folder), kzperception_valid(folder)) == (False, False)
