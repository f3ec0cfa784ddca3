"""``kzperception init DIR``: a workspace a researcher fills and reruns the book from.

The rerun itself from such a workspace, with the package installed from its wheel, is in
``tests/book/test_wheel.py`` (slow); here the layout, its refusals and that its corpus is one the
loader reads once rows are added.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kzperception import paths
from kzperception.cli import app
from kzperception.data.corpus_format import CODE_COLUMNS, REPORT_COLUMNS
from kzperception.fieldwork import workspace
from tests.conftest import SMALL_CODES, SMALL_REPORTS

runner = CliRunner()


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_init_lays_out_an_empty_corpus_and_the_vocabulary_to_edit(tmp_path: Path) -> None:
    out = tmp_path / "study"
    done = runner.invoke(app, ["init", str(out)])
    assert done.exit_code == 0, done.output
    tree = _tree(out)
    assert sorted(tree) == sorted([*workspace.FILES, *workspace.project_files()])
    for rel in workspace.project_files():  # the book project: the package's files, byte for byte
        assert tree[rel] == (paths.ROOT / rel).read_bytes(), rel
    assert {"_config.yml", "_toc.yml", "notebooks/06-2-reports.md", "data/partners.yaml"} <= set(tree)
    assert tree["corpus/reports.csv"].decode() == ",".join(REPORT_COLUMNS) + "\n"
    assert tree["corpus/codes.csv"].decode() == ",".join(CODE_COLUMNS) + "\n"
    for source, target in workspace.VOCABULARY_COPIES:
        assert tree[target] == (paths.DATA / source).read_bytes(), target
    # An empty corpus is refused until rows are added, with the line that says so.
    empty = runner.invoke(app, ["validate", str(out / "corpus")])
    assert empty.exit_code == 1 and "reports.csv: no data rows" in empty.output


def test_the_workspace_corpus_reads_once_filled_with_its_own_vocabulary(tmp_path: Path) -> None:
    """Rows typed under the headers make a valid corpus, read with the partners and codebook beside it."""
    out = tmp_path / "study"
    workspace.init_workspace(out)
    corpus = out / "corpus"
    for name, rows in (("reports.csv", SMALL_REPORTS), ("codes.csv", SMALL_CODES)):
        with (corpus / name).open("a", encoding="utf-8") as handle:
            handle.write("".join(f"{row},\n" for row in rows.splitlines()))  # the note column left empty
    partners = corpus / "partners.yaml"
    partners.write_text(
        partners.read_text(encoding="utf-8").replace("label: China", "label: The PRC"), encoding="utf-8"
    )
    done = runner.invoke(app, ["validate", str(corpus)])
    assert done.exit_code == 0, done.output
    assert "ok: 8 reports" in done.output
    from kzperception.data.corpus import load_corpus

    assert load_corpus(corpus).vocabulary.partner_label("china") == "The PRC"
    counted = runner.invoke(app, ["counts", "reports", "--source", str(corpus), "--format", "csv"])
    assert counted.exit_code == 0, counted.output
    assert counted.output.splitlines()[0] == "country,website,period,n"


def test_the_corpus_readme_names_the_values_of_the_copies(tmp_path: Path) -> None:
    made = workspace.init_workspace(tmp_path / "study")
    text = (made.corpus / "README.md").read_text(encoding="utf-8")
    from kzperception.data.vocabulary import Vocabulary

    vocabulary = Vocabulary.default()
    for value in (*vocabulary.partner_ids, *vocabulary.category_ids, *vocabulary.website_ids, *REPORT_COLUMNS):
        assert f"`{value}`" in text, value


def test_every_command_the_readme_names_exists(tmp_path: Path) -> None:
    """The next steps are commands this version has, with options it takes (README true to the CLI)."""
    made = workspace.init_workspace(tmp_path / "study")
    text = (made.folder / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"kzperception ([a-z]+(?: [a-z]+)?)((?: --?[a-z-]+(?: [^\s`-][^\s`]*)?)*)", text)
    assert len(commands) >= 8
    for words, options in commands:
        helped = runner.invoke(app, [*words.split(), "--help"])
        if helped.exit_code != 0:  # "code import SHEETS": the second word is an argument
            helped = runner.invoke(app, [words.split()[0], "--help"])
        assert helped.exit_code == 0, words
        for option in re.findall(r"--[a-z-]+", options):
            if option != "--help":
                assert option in helped.output, f"kzperception {words}: {option}"


def test_a_folder_that_is_not_empty_is_refused_without_force(tmp_path: Path) -> None:
    out = tmp_path / "study"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    done = runner.invoke(app, ["init", str(out)])
    assert done.exit_code == 1
    assert f"{out}: is not empty" in done.output and "--force" in done.output
    assert _tree(out) == {"notes.txt": b"mine"}
    assert [p.name for p in tmp_path.iterdir()] == ["study"]  # no temporary folder left beside it


def test_a_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "study"
    out.write_text("x", encoding="utf-8")
    done = runner.invoke(app, ["init", str(out), "--force"])
    assert done.exit_code == 1 and "is not a folder" in done.output
    assert out.read_text(encoding="utf-8") == "x"


def test_force_refuses_a_folder_in_the_way_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "study"
    (out / "corpus" / "reports.csv").mkdir(parents=True)
    done = runner.invoke(app, ["init", str(out), "--force"])
    assert done.exit_code == 1 and "is a folder where the workspace writes a file" in done.output
    assert _tree(out) == {}


_names = st.text(string.ascii_lowercase + "-_.", min_size=1, max_size=8).filter(lambda s: s not in (".", ".."))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    mine=st.dictionaries(
        st.lists(_names, min_size=1, max_size=3).map("/".join), st.binary(max_size=20), min_size=1, max_size=5
    ),
    also_in_corpus=st.booleans(),
)
def test_force_replaces_the_workspace_files_and_keeps_every_other(
    tmp_path_factory, mine: dict[str, bytes], also_in_corpus: bool
) -> None:
    """Whatever a researcher keeps in the folder, --force writes the workspace's files and touches no other."""
    out = tmp_path_factory.mktemp("ws") / "study"
    kept = {(f"corpus/{k}" if also_in_corpus else k): v for k, v in mine.items()}
    # files that would sit where the workspace needs a folder (or the reverse) are another test's case
    ours = [*workspace.FILES, *workspace.project_files()]
    kept = {
        k: v
        for k, v in kept.items()
        if k not in ours
        and not any(f.startswith(k + "/") or k.startswith(f + "/") for f in ours)
        and not any(a != b and b.startswith(a + "/") for a in kept for b in kept)
    }
    if not kept:
        return
    for rel, data in kept.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    done = runner.invoke(app, ["init", str(out), "--force"])
    assert done.exit_code == 0, done.output
    tree = _tree(out)
    assert {k: tree[k] for k in kept} == kept
    assert set(tree) == set(kept) | set(ours)


def test_inside_the_project_every_path_is_the_projects(tmp_path: Path) -> None:
    """The marker makes the folder (and any folder below it) the project's root, ahead of the
    package's own files; outside it, or without the marker, the root is what it was."""
    out = tmp_path / "study"
    workspace.init_workspace(out)
    assert paths.project_root(out) == out
    assert paths.project_root(out / "corpus") == out
    assert paths.project_root(tmp_path) is None
    (out / paths.PROJECT_MARKER).unlink()
    assert paths.project_root(out) is None


def test_commands_run_in_the_project_read_its_chapters(tmp_path: Path) -> None:
    """A chapter edited in the project is the one a command inside it resolves (a new process, as a
    researcher runs it: the root is found when the package is first imported)."""
    import subprocess
    import sys

    out = tmp_path / "study"
    workspace.init_workspace(out)
    code = "from kzperception import paths; print(paths.ROOT); print(paths.NOTEBOOKS); print(paths.BOOK)"
    env = {k: v for k, v in __import__("os").environ.items() if k != "KZP_ROOT"}
    seen = subprocess.run(
        [sys.executable, "-c", code], cwd=out / "corpus", capture_output=True, text=True, env=env, check=True
    ).stdout.split()
    assert seen == [str(out), str(out / "notebooks"), str(out / "book")]
