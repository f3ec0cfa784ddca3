"""Corpora that carry their own vocabulary, shared by tests/unit/test_corpus_vocabulary.py and its
tests/commands and tests/book companions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import EU

from kzperception.data import vocabulary
from kzperception.fieldwork.synth import write_synthetic

#: An inductive category a researcher might add (synthetic test data, not a finding).
HEALTH = {
    "id": "health",
    "label": "Health cooperation",
    "short_label": "Health",
    "origin": "inductive",
    "modes": ["cooperation"],
    "definition": "Joint work on public health (a test category).",
    "examples": [],
}


def read_frame(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def write_frame(folder: Path, name: str, frame: pd.DataFrame) -> None:
    frame.to_csv(folder / name, index=False, lineterminator="\n")


def partners_with_eu() -> str:
    items = [*yaml.safe_load(vocabulary.PARTNERS_FILE.read_text(encoding="utf-8")), EU]
    return yaml.safe_dump(items, allow_unicode=True, sort_keys=False)


def write_eu_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic corpus of three partners: the EU's reports and codes copy China's under new ids
    (each test module's ``eu_corpus`` fixture makes one)."""
    folder = write_synthetic(4, tmp_path_factory.mktemp("eu") / "corpus")
    reports, codes = read_frame(folder, "reports.csv"), read_frame(folder, "codes.csv")
    china = reports[reports["country"] == "china"]
    eu = china.assign(id="eu-" + china["id"], country="eu")
    eu_codes = codes[codes["report_id"].isin(china["id"])]
    eu_codes = eu_codes.assign(report_id="eu-" + eu_codes["report_id"])
    write_frame(folder, "reports.csv", pd.concat([reports, eu], ignore_index=True))
    write_frame(folder, "codes.csv", pd.concat([codes, eu_codes], ignore_index=True))
    (folder / "partners.yaml").write_text(partners_with_eu(), encoding="utf-8")
    return folder
