"""``code export --consensus``: the agreed codes pre-filled, the disagreements named, imported as ``consensus``.

The command line itself runs in tests/commands/test_consensus_commands.py.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from helpers.sheets import fill_csv, two_coders, write_codebook

from kzperception.data.corpus import CorpusError, load_corpus
from kzperception.data.counts import load_counts
from kzperception.fieldwork.consensus import CONSENSUS, TO_SETTLE, export_consensus
from kzperception.fieldwork.manifest import MANIFEST, read_manifest
from kzperception.fieldwork.sheets import export_coding_sheets, write_imported


@pytest.fixture
def codebook(tmp_path: Path) -> Path:
    return write_codebook(tmp_path)


def test_agreed_codes_are_filled_and_disagreements_named(tmp_path: Path, codebook: Path) -> None:
    corpus = two_coders(tmp_path, codebook)
    written, open_cells = export_consensus(tmp_path, load_corpus(corpus), ("csv",))
    assert tmp_path / "coding-consensus.csv" in written and open_cells == 3
    sheet = pd.read_csv(tmp_path / "coding-consensus.csv", dtype=str, keep_default_na=False).set_index("id")
    assert sheet.loc["r1-china", "economic"] == "main"  # both said main
    assert sheet.loc["r1-china", "cultural"] == ""  # anna secondary, boris none
    label = dict(load_corpus(corpus).vocabulary.category_labels)
    assert sheet.loc["r1-china", "note"] == TO_SETTLE + f"{label['cultural']}: anna secondary, boris none"
    assert sheet.loc["r2-russia", "political_diplomatic"] == "" and sheet.loc["r2-russia", "economic"] == ""
    assert f"{label['political_diplomatic']}: anna main, boris secondary" in sheet.loc["r2-russia", "note"]
    assert (sheet["coder"] == CONSENSUS).all()
    assert CONSENSUS in read_manifest(tmp_path / MANIFEST).coders
    # the researchers settle the open cells; the import gives those codes the coder consensus
    fill_csv(
        tmp_path / "coding-consensus.csv",
        {
            "r1-china": {"cultural": "secondary", "note": "settled"},
            "r2-russia": {"political_diplomatic": "main", "note": ""},
        },
    )
    write_imported(
        [tmp_path / "coding-anna.csv", tmp_path / "coding-boris.csv", tmp_path / "coding-consensus.csv"],
        tmp_path / "corpus2",
    )
    agreed = load_corpus(tmp_path / "corpus2")
    assert CONSENSUS in agreed.coders
    mine = agreed.codes[agreed.codes["coder"] == CONSENSUS]
    assert sorted(zip(mine["report_id"], mine["category"], mine["level"], strict=True)) == [
        ("r1-china", "cultural", "secondary"),
        ("r1-china", "economic", "main"),
        ("r2-russia", "political_diplomatic", "main"),
    ]
    counts = load_counts(tmp_path / "corpus2", coder=CONSENSUS)
    assert int(counts.codes[(counts.codes["period"] == "all") & (counts.codes["level"] == "main")]["n"].sum()) > 0


def test_refusals_write_nothing(tmp_path: Path, codebook: Path) -> None:
    corpus = two_coders(tmp_path, codebook)
    export_consensus(tmp_path, load_corpus(corpus), ("csv",))
    before = (tmp_path / "coding-consensus.csv").read_bytes()
    with pytest.raises(CorpusError, match="already exists"):
        export_consensus(tmp_path, load_corpus(corpus), ("csv",))
    assert (tmp_path / "coding-consensus.csv").read_bytes() == before
    with pytest.raises(CorpusError, match="missing; --out must be the folder"):
        export_consensus(tmp_path / "corpus", load_corpus(corpus), ("csv",))


def test_the_consensus_sheet_has_the_added_categorys_column(tmp_path: Path) -> None:
    """Sheets exported with a codebook that adds health: the consensus sheet has their columns, the
    coders' health disagreement is named under its label, and it imports with that codebook."""
    from kzperception.data.codebook import load_codebook
    from kzperception.fieldwork.sheets import import_coding_sheets
    from tests.conftest import write_health_codebook
    from tests.unit.test_screen_sheets import _health_reports

    book = write_health_codebook(tmp_path / "cb" / "codebook.yaml")
    export_coding_sheets(_health_reports(), ["anna", "boris"], tmp_path, book, formats=("csv",))
    main = {"r1-china": {"economic": "main"}, "r2-russia": {"political_diplomatic": "main"}}
    fill_csv(tmp_path / "coding-anna.csv", {**main, "r3-china": {"health": "main"}})
    fill_csv(tmp_path / "coding-boris.csv", {**main, "r3-china": {"health": "secondary", "economic": "main"}})
    sheets = [tmp_path / "coding-anna.csv", tmp_path / "coding-boris.csv"]
    reports, codes = import_coding_sheets(sheets, codebook=load_codebook(book))
    corpus = tmp_path / "corpus"  # written by hand here: the corpus carries the codebook it was coded with
    corpus.mkdir()
    reports.to_csv(corpus / "reports.csv", index=False)
    codes.to_csv(corpus / "codes.csv", index=False)
    (corpus / "codebook.yaml").write_bytes(book.read_bytes())
    _, open_cells = export_consensus(tmp_path, load_corpus(corpus), ("csv",))
    sheet = pd.read_csv(tmp_path / "coding-consensus.csv", dtype=str, keep_default_na=False).set_index("id")
    assert "health" in sheet.columns and open_cells == 2
    assert sheet.loc["r3-china", "health"] == ""
    assert "Health: anna main, boris secondary" in sheet.loc["r3-china", "note"]
    fill_csv(tmp_path / "coding-consensus.csv", {"r3-china": {"health": "main", "economic": "secondary"}})
    _, agreed = import_coding_sheets([*sheets, tmp_path / "coding-consensus.csv"], codebook=load_codebook(book))
    mine = agreed[agreed["coder"] == CONSENSUS]
    assert ("r3-china", "health", "main") in set(zip(mine["report_id"], mine["category"], mine["level"], strict=True))
