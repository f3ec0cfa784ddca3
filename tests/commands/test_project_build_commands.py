"""`kzperception build` inside a book project made by `kzperception init`, in a child Python run from
the project's folder (the project root is found when the package is first imported).

The project file may name a corpus, window and coder (kzperception.data.project); `build` then runs
the chapters that count reports and the front page on that corpus, and `--coder` chooses whose codes
they count. The parsing of the file and the plan of a build are tested in-process in
tests/unit/test_project_settings.py; here, the command: its refusals (one line, exit 1, nothing
written) and a small book built twice with two coders.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kzperception.fieldwork import workspace
from tests.conftest import SMALL_CODES, SMALL_REPORTS, partner_env, write_corpus

SECOND = SMALL_CODES.replace(",primary\n", ",anna\n").replace("r1,economic,", "r1,political_diplomatic,")
#: The small book the build test makes: the front page, one of the thesis's own chapters and one
#: chapter that counts reports (the project's _toc.yml is the researcher's to trim).
SMALL_TOC = """format: jb-book
root: index
chapters:
  - file: chapters/00-abstract
  - file: chapters/06-2-reports
"""


def _env() -> dict[str, str]:
    """The child's environment: the project found from its folder, not from KZP_ROOT."""
    return {k: v for k, v in partner_env().items() if k != "KZP_ROOT"}


def _build(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kzperception.cli", "build", *args],
        capture_output=True,
        text=True,
        cwd=project,
        env=_env(),
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project laid out by init, with a two-coder corpus in ``corpus`` and the small contents."""
    root = tmp_path_factory.mktemp("project") / "study"
    workspace.init_workspace(root)
    write_corpus(root / "corpus", SMALL_REPORTS, SMALL_CODES + SECOND)
    (root / "_toc.yml").write_text(SMALL_TOC, encoding="utf-8")
    return root


def _marker(project: Path, text: str) -> Path:
    marker = project / "kzperception-project.yml"
    marker.write_text(workspace.MARKER_TEXT + text, encoding="utf-8")
    return marker


def _nothing_built(project: Path) -> bool:
    return not (project / "book" / "chapters").exists() and not (project / "book" / "_build").exists()


def _one_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0].removeprefix("error: ")


@pytest.mark.parametrize(
    ("text", "args", "starts", "says"),
    [
        ("", ["--coder", "anna"], "--coder: the published figures have one coder", "kzperception-project.yml"),
        ("corpus: corpus\n", [], "--coder: the corpus has 2 coders (anna, primary)", "--coder NAME"),
        ("corpus: corpus\ncolor: blue\n", [], "{marker}:{second}: color: unknown setting", "(known: corpus,"),
        (
            "corpus: ../..\n",
            [],
            "{marker}:{first}: corpus: '../..' leads outside the project",
            "keep the corpus inside",
        ),
        ("corpus: missing\n", [], "{marker}:{first}: corpus: 'missing' does not exist", ""),
        ("corpus: corpus\nstart: [2021]\n", [], "{marker}:{second}: start: [2021] is not a date", "YYYY-MM-DD"),
        (
            "corpus: corpus\ncoder: bob\n",
            [],
            "{marker}:{second}: coder: 'bob' is not a coder of the corpus",
            "anna, primary",
        ),
    ],
)
def test_a_build_that_cannot_run_is_refused_in_one_line_and_writes_nothing(project, text, args, starts, says):
    marker = _marker(project, text)
    line = _one_error(_build(project, *args))
    first = len(workspace.MARKER_TEXT.splitlines()) + 1  # the settings follow init's commented ones
    assert line.startswith(starts.format(marker=marker, first=first, second=first + 1)), line
    assert says in line
    assert _nothing_built(project)


def test_a_project_book_counts_the_chosen_coder_and_another_coder_re_executes_only_what_counts(project):
    _marker(project, "corpus: corpus\ncoder: anna\n")
    first = _build(project, "--no-strict")
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-3000:]
    assert re.search(r"kzperception-project\.yml: .*corpus \(\w{12}\).*coder anna", first.stderr)
    html = project / "book" / "_build" / "html"

    def text(page: str) -> str:
        body = (html / page).read_text(encoding="utf-8")
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))

    reports = text("chapters/06-2-reports.html")
    assert re.search(
        r"Numbers on this page from corpus corpus \(\w{12}\) \(synthetic: 8\); codes of coder anna", reports
    )
    assert "Numbers on this page" not in text("chapters/00-abstract.html")  # the thesis's own chapter
    front = text("index.html")
    assert "run on the corpus that the book project names in its kzperception-project.yml" in front
    assert "codes of coder anna" in front and "from the counts the thesis publishes" not in front

    # --coder overrides the file: the chapter that counts is executed again, the thesis's own is not.
    second = _build(project, "--no-strict", "--coder", "primary")
    assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-3000:]
    assert "finished 06-2-reports: executed" in second.stderr
    assert "finished 00-abstract: from cache" in second.stderr
    assert "codes of coder primary" in text("chapters/06-2-reports.html")
    assert "codes of coder primary" in text("index.html")

    # The same book outside the project (--out), on the file's coder, says in its marker what it counted.
    out = project.parent / "elsewhere"
    third = _build(project, "--no-strict", "--out", str(out))
    assert third.returncode == 0, third.stdout[-2000:] + third.stderr[-3000:]
    marker = json.loads((out / ".kzperception-rerun.json").read_text(encoding="utf-8"))
    assert marker["corpus"] == str((project / "corpus").resolve()) and marker["coder"] == "anna"
    assert marker["data_chapters"] == ["06-2-reports"] and marker["window"]["pivot"] == "2022-02-24"
    assert "codes of coder <code>anna</code>" in (out / "html" / "chapters" / "06-2-reports.html").read_text("utf-8")


def test_the_checkout_refuses_a_coder_too(tmp_path):
    """Outside a book project the book counts the published figures: --coder is refused, naming where a
    corpus is chosen."""
    env = {k: v for k, v in os.environ.items() if k != "KZP_ROOT"}
    proc = subprocess.run(
        [sys.executable, "-m", "kzperception.cli", "build", "--coder", "anna", "--chapters", "06-2-reports"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    line = _one_error(proc)
    assert line.startswith("--coder: the published figures have one coder, the thesis's author")
    assert "kzperception init" in line and "kzperception rerun --corpus DIR --coder NAME" in line
