"""A corpus folder's own partners.yaml read by the command line in a child process: a third partner
counted from the folder alone, a broken file refused naming file, line and field."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.vocabulary_corpora import write_eu_corpus

from kzperception import paths
from kzperception.data.corpus import CorpusError, load_corpus
from kzperception.data.vocabulary import VocabularyError, vocabulary_for
from tests.conftest import partner_env

CLI = [sys.executable, "-m", "kzperception.cli"]


@pytest.fixture(scope="module")
def eu_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_eu_corpus(tmp_path_factory)


def test_the_cli_counts_a_third_partner_from_the_folder_alone(eu_corpus):
    env = partner_env()  # no KZP_PARTNERS: the corpus's own file is all there is
    ok = subprocess.run([*CLI, "validate", str(eu_corpus)], capture_output=True, text=True, env=env, cwd=paths.ROOT)
    assert ok.returncode == 0, ok.stderr
    proc = subprocess.run(
        [*CLI, "counts", "reports", "--source", str(eu_corpus), "--format", "csv"],
        capture_output=True,
        text=True,
        env=env,
        cwd=paths.ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == "country,website,period,n" and len(lines) == 1 + 12
    assert [line.split(",")[0] for line in lines[1:]] == ["china"] * 4 + ["russia"] * 4 + ["eu"] * 4


def test_a_corpus_partners_file_with_errors_is_refused_naming_file_line_and_field(eu_corpus, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(eu_corpus, bad)
    text = (bad / "partners.yaml").read_text(encoding="utf-8").replace("label: European Union", "label: <b>EU</b>")
    (bad / "partners.yaml").write_text(text, encoding="utf-8")
    line = next(i for i, ln in enumerate(text.splitlines(), start=1) if "<b>EU</b>" in ln)
    with pytest.raises(VocabularyError):
        vocabulary_for(bad)
    with pytest.raises(CorpusError) as err:
        load_corpus(bad)
    assert err.value.problems == [err.value.problems[0]]
    assert err.value.problems[0].startswith(f"{bad / 'partners.yaml'}:{line}: item 3 (id 'eu'): label: must be plain")
    proc = subprocess.run(
        [*CLI, "validate", str(bad)], capture_output=True, text=True, env=partner_env(), cwd=paths.ROOT
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"partners.yaml:{line}: item 3 (id 'eu'): label:" in proc.stderr
    counts = subprocess.run(
        [*CLI, "counts", "reports", "--source", str(bad), "--format", "csv"],
        capture_output=True,
        text=True,
        env=partner_env(),
        cwd=paths.ROOT,
    )
    assert counts.returncode == 1 and counts.stdout == ""
