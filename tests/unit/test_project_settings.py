"""A book project's kzperception-project.yml: what it may name (corpus, window, coder), how every
problem with it is refused in one line naming the file, line and field, and the plan a build makes
of it (which chapters run on the corpus, with which parameters).

The command itself, run inside a project made by `kzperception init`, is in
tests/commands/test_project_build_commands.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kzperception.book import rerun
from kzperception.book.chapter_templates import chapter_source
from kzperception.book.execute import execution_key
from kzperception.book.layout import toc_chapters
from kzperception.book.project import plan_book
from kzperception.data.counts import SourceError
from kzperception.data.project import MARKER_TEXT, SETTINGS, ProjectError, load_project_settings
from kzperception.data.window import Window, WindowError
from tests.conftest import SMALL_CODES, SMALL_REPORTS, write_corpus

SECOND = SMALL_CODES.replace(",primary\n", ",anna\n")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with a one-coder corpus (``corpus``), a two-coder one (``two``) and a file."""
    root = tmp_path / "study"
    write_corpus(root / "corpus", SMALL_REPORTS, SMALL_CODES)
    write_corpus(root / "two", SMALL_REPORTS, SMALL_CODES + SECOND)
    (root / "README.md").write_text("a file, not a folder\n", encoding="utf-8")
    return root


def _settings(root: Path, text: str | bytes):
    marker = root / "kzperception-project.yml"
    if isinstance(text, bytes):
        marker.write_bytes(text)
    else:
        marker.write_text(text, encoding="utf-8")
    return load_project_settings(marker)


def test_the_marker_init_writes_names_every_setting_commented_out(project):
    settings = _settings(project, MARKER_TEXT)
    assert (settings.corpus, settings.window, settings.coder) == (None, None, None)
    for name in SETTINGS:
        assert f"\n# {name}: " in MARKER_TEXT, name
    uncommented = "\n".join(line.removeprefix("# ") for line in MARKER_TEXT.splitlines() if ": " in line[:12])
    settings = _settings(project, uncommented)
    assert settings.corpus == (project / "corpus").resolve()
    assert settings.window == Window.from_options()
    assert settings.coder == "primary"


def test_a_corpus_window_and_coder_are_read(project):
    settings = _settings(project, "corpus: corpus\nstart: 2021-01-01\npivot: '2022-01-05'\ncoder: ' anna '\n")
    assert settings.corpus == (project / "corpus").resolve()
    assert settings.window == Window(dt.date(2021, 1, 1), dt.date(2022, 1, 5), dt.date(2023, 8, 24))
    assert settings.coder == "anna"
    assert settings.where("pivot") == f"{project / 'kzperception-project.yml'}:3: pivot"


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        ("corpus: corpus\ncolour: red\n", ":2: colour", "unknown setting (known: corpus, start, pivot, end, coder)"),
        ("corpus: corpus\n'co\u202eder': x\n", ":2: 'co\\u202eder'", "unknown setting"),
        ("corpus: corpus\ncorpus: two\n", ":2: corpus", "given twice (first on line 1)"),
        ("corpus: ../\n", ":1: corpus", "leads outside the project"),
        ("corpus: corpus/../..\n", ":1: corpus", "leads outside the project"),
        ("corpus: /etc\n", ":1: corpus", "is an absolute path"),
        ("corpus: nowhere\n", ":1: corpus", "'nowhere' does not exist in the project"),
        ("corpus: README.md\n", ":1: corpus", "is not a folder"),
        ("corpus: 12\n", ":1: corpus", "must be a folder of this project"),
        ("corpus:\n", ":1: corpus", "must be a folder of this project"),
        ("corpus: [corpus]\n", ":1: corpus", "must be a folder of this project"),
        ('corpus: "cor\\u200bpus"\n', ":1: corpus", "holds a control character"),
        ("corpus: corpus\nstart: 2020-8-24\n", ":2: start", "'2020-8-24' is not a date (YYYY-MM-DD)"),
        ("corpus: corpus\nend: 2023-08-24 10:00:00\n", ":2: end", "is not a date (YYYY-MM-DD)"),
        ("corpus: corpus\nstart: true\n", ":2: start", "is not a date (YYYY-MM-DD)"),
        ("corpus: corpus\nstart: 2024-01-01\n", ":2: start", "start 2024-01-01 must be before pivot 2022-02-24"),
        ("start: 2020-08-24\n", ":1: start", "the published figures exist only for the thesis's window"),
        ("coder: anna\n", ":1: coder", "the published figures have one coder"),
        ("corpus: corpus\ncoder: 7\n", ":2: coder", "must be a coder's name"),
        ("- corpus\n", ":1: (top level)", "not as a list"),
        ("corpus: [corpus\n", ":2", "not valid YAML"),
        ("corpus: !!python/object:os.system x\n", ":1", "not valid YAML (could not determine a constructor"),
        ("corpus: corpus\n---\ncoder: x\n", ":2", "not valid YAML (but found another document)"),
    ],
)
def test_every_problem_is_one_line_naming_the_file_line_and_field(project, text, where, problem):
    with pytest.raises(ProjectError) as err:
        _settings(project, text)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{project / 'kzperception-project.yml'}{where}"), message
    assert problem in message


def test_a_link_out_of_the_project_is_refused_like_a_path(project, tmp_path):
    outside = write_corpus(tmp_path / "elsewhere", SMALL_REPORTS, SMALL_CODES)
    (project / "linked").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ProjectError, match="'linked' leads outside the project"):
        _settings(project, "corpus: linked\n")


def test_a_file_that_is_not_utf8_is_refused(project):
    with pytest.raises(ProjectError, match=r"kzperception-project.yml: not UTF-8"):
        _settings(project, b"corpus: \xff\n")


# --- the plan a build makes ---------------------------------------------------------------------


def test_the_published_figures_take_no_coder(project):
    assert plan_book(toc_chapters(), None).chapter_params == {}
    settings = _settings(project, MARKER_TEXT)
    with pytest.raises(ProjectError) as err:
        plan_book(toc_chapters(), settings, "anna")
    message = str(err.value)
    assert message.startswith("--coder: the published figures have one coder, the thesis's author")
    assert str(settings.file) in message and "rerun --coder" not in message and "rerun --corpus DIR --coder" in message
    with pytest.raises(ProjectError, match="kzperception init makes one"):
        plan_book(toc_chapters(), None, "anna")


def test_the_data_chapters_and_the_front_page_run_on_the_corpus_the_others_on_the_published_figures(project):
    stems = toc_chapters()
    plan = plan_book(stems, _settings(project, "corpus: corpus\n"))
    expected = _params_for(project / "corpus", "primary")
    assert plan.front_params == expected and plan.coder == "primary"
    assert set(plan.chapter_params) == {s for s in stems if s in rerun.available_chapters()}
    assert all(p == expected for p in plan.chapter_params.values())
    assert {"05-methodology", "06-1-code-categories", "00-abstract"}.isdisjoint(plan.chapter_params)
    assert plan.params == {}


def _params_for(corpus: Path, coder: str) -> dict[str, str]:
    from kzperception.book.params import ChapterParams

    return ChapterParams(str(corpus.resolve()), None, coder).papermill()


def test_several_coders_and_none_chosen_is_refused_as_counts_and_rerun_do(project):
    settings = _settings(project, "corpus: two\n")
    with pytest.raises(SourceError) as err:
        plan_book(["06-2-reports"], settings)
    assert (
        str(err.value)
        == "--coder: the corpus has 2 coders (anna, primary); choose whose codes to count with --coder NAME"
    )
    assert plan_book(["06-2-reports"], settings, "anna").chapter_params["06-2-reports"]["coder"] == "anna"
    # The file's coder is the default, --coder overrides it, and a coder the corpus lacks is named where it was written.
    settings = _settings(project, "corpus: two\ncoder: anna\n")
    assert plan_book(["06-2-reports"], settings).coder == "anna"
    assert plan_book(["06-2-reports"], settings, "primary").coder == "primary"
    with pytest.raises(SourceError, match=r"kzperception-project.yml:2: coder: 'bob' is not a coder of the corpus"):
        plan_book(["06-2-reports"], _settings(project, "corpus: two\ncoder: bob\n"))


def test_a_window_without_reports_is_refused(project):
    with pytest.raises(WindowError, match="no report"):
        plan_book(
            ["06-2-reports"],
            _settings(project, "corpus: corpus\nstart: 2019-01-01\npivot: 2019-06-01\nend: 2019-12-31\n"),
        )


def test_another_coder_is_another_cache_key(project):
    settings = _settings(project, "corpus: two\n")
    source = chapter_source("06-2-reports")
    keys = {
        coder: execution_key(source, plan_book(["06-2-reports"], settings, coder).chapter_params["06-2-reports"])
        for coder in ("anna", "primary")
    }
    assert keys["anna"] != keys["primary"]
    assert execution_key(source, {}) not in keys.values()
