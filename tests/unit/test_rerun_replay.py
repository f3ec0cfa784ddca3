"""Reproducible reruns: the marker records the corpus's hashes, coders, window, chapters, version and
commit, and ``rerun --from MARKER`` refuses, in one line naming the file, a corpus changed since.
The replay of a one-chapter rerun builds a book: tests/book/test_rerun_replay_book.py."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kzperception import __version__
from kzperception.book import rerun
from kzperception.cli import app
from kzperception.data.datapackage import corpus_label
from kzperception.data.window import THESIS_WINDOW
from kzperception.fieldwork.synth import write_synthetic

runner = CliRunner()


@pytest.fixture
def recorded(tmp_path) -> tuple[Path, Path]:
    """A synthetic corpus and the marker a one-chapter rerun of it would leave (no book built)."""
    corpus = write_synthetic(5, tmp_path / "my-corpus")
    plan = rerun.plan(corpus, *THESIS_WINDOW.as_params().values(), tmp_path / "out", ["06-2-reports"])
    marker = tmp_path / rerun.MARKER
    marker.write_text(rerun._marker(rerun.rerun_record(plan)), encoding="utf-8")
    return corpus, marker


def test_the_marker_records_hashes_coders_window_chapters_version_and_commit(recorded):
    corpus, marker = recorded
    record = json.loads(marker.read_text(encoding="utf-8"))
    for name in ("reports.csv", "codes.csv"):
        assert record["corpus_sha256"][name] == hashlib.sha256((corpus / name).read_bytes()).hexdigest()
    assert record["corpus_name"] == "my-corpus"
    assert record["coders"]
    assert record["window"] == THESIS_WINDOW.as_params()
    assert record["chapters"] == ["06-2-reports"]
    assert record["version"] == __version__
    git = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False)
    if git.returncode == 0:
        assert record["commit"] == git.stdout.strip()


def test_replay_gives_back_what_was_recorded(recorded):
    corpus, marker = recorded
    assert rerun.replay(marker) == (corpus.resolve(), THESIS_WINDOW.as_params(), ["06-2-reports"])


@pytest.mark.parametrize("name", ["reports.csv", "codes.csv"])
def test_a_changed_corpus_file_is_refused_in_one_line_naming_it(recorded, name, tmp_path):
    corpus, marker = recorded
    with open(corpus / name, "a", encoding="utf-8") as handle:
        handle.write("\n")
    with pytest.raises(rerun.RerunError, match=f"{name}: has changed"):
        rerun.replay(marker)
    result = runner.invoke(app, ["rerun", "--from", str(marker), "--out", str(tmp_path / "again")])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and name in lines[0] and "Traceback" not in result.output
    assert not (tmp_path / "again").exists()


def test_an_added_vocabulary_file_is_refused(recorded):
    corpus, marker = recorded
    shutil.copy(Path(rerun.paths.ROOT) / "data" / "codebook.yaml", corpus / "codebook.yaml")
    with pytest.raises(rerun.RerunError, match=r"codebook\.yaml: was not in the corpus"):
        rerun.replay(marker)


def test_pages_name_the_corpus_by_folder_and_short_hash_not_its_absolute_path(recorded):
    corpus, _ = recorded
    label = corpus_label(corpus)
    assert label.startswith("my-corpus (") and str(corpus.parent) not in label
    before = label
    with open(corpus / "codes.csv", "a", encoding="utf-8") as handle:
        handle.write("\n")
    assert corpus_label(corpus) != before  # the hash follows the content


@pytest.fixture
def recorded_with_own_partners(tmp_path, monkeypatch) -> tuple[Path, Path, Path]:
    """As :func:`recorded`, with the project's partners read from a copy outside the corpus
    (``KZP_PARTNERS``), so a test can change a vocabulary file the corpus folder does not hold."""
    partners = tmp_path / "project" / "partners.yaml"
    partners.parent.mkdir()
    shutil.copy(rerun.paths.ROOT / "data" / "partners.yaml", partners)
    monkeypatch.setenv("KZP_PARTNERS", str(partners))
    corpus = write_synthetic(5, tmp_path / "my-corpus")
    plan = rerun.plan(corpus, *THESIS_WINDOW.as_params().values(), tmp_path / "out", ["06-2-reports"])
    marker = tmp_path / rerun.MARKER
    marker.write_text(rerun._marker(rerun.rerun_record(plan)), encoding="utf-8")
    return corpus, marker, partners


def test_the_marker_hashes_every_vocabulary_file_used(recorded_with_own_partners):
    _, marker, partners = recorded_with_own_partners
    record = json.loads(marker.read_text(encoding="utf-8"))
    digests = record["vocabulary_sha256"]
    codebook = (rerun.paths.ROOT / "data" / "codebook.yaml").resolve()
    websites = (rerun.paths.ROOT / "data" / "websites.yaml").resolve()
    for path in (partners.resolve(), codebook, websites):
        assert digests[str(path)] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_changed_project_vocabulary_file_is_refused_naming_it(recorded_with_own_partners, tmp_path):
    corpus, marker, partners = recorded_with_own_partners
    assert rerun.replay(marker)[0] == corpus.resolve()
    with open(partners, "a", encoding="utf-8") as handle:
        handle.write("# edited after the rerun\n")
    with pytest.raises(rerun.RerunError, match="^" + re.escape(f"{partners.resolve()}: has changed since the rerun")):
        rerun.replay(marker)
    result = runner.invoke(app, ["rerun", "--from", str(marker), "--out", str(tmp_path / "again")])
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 1 and len(lines) == 1 and str(partners.resolve()) in lines[0]
    assert not (tmp_path / "again").exists()


def test_a_replay_that_would_read_other_vocabulary_files_is_refused(recorded_with_own_partners, monkeypatch):
    _, marker, _ = recorded_with_own_partners
    monkeypatch.delenv("KZP_PARTNERS")  # the replay would read data/partners.yaml, not the recorded copy
    project = (rerun.paths.ROOT / "data" / "partners.yaml").resolve()
    with pytest.raises(rerun.RerunError, match="^" + re.escape(f"{project}: is not among the vocabulary files")):
        rerun.replay(marker)
