"""A rerun is the whole argument: which chapters it runs, and how it speaks of what it did not run.

- the default chapter set is every chapter whose content depends on the corpus, and only those;
- a reference to a chapter or exhibit the rerun does not hold names the published book's part in
  words (no raw label, no link to a missing page);
- the thesis's reading beside a rerun's numbers points at the thesis's figures, not the rerun's;
- a passage about the thesis's own material (``thesis-only``) is not shown under a corpus's numbers.

The built rerun book (the register, three chapters) is read in tests/book/test_rerun_argument_book.py.
"""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from kzperception.book import chapter_templates, layout, rerun
from kzperception.book.sphinx_published import main_book_targets, published_targets, reference_words
from kzperception.cli import app
from kzperception.data.corpus import load_corpus
from tests.conftest import SMALL_CODES, SMALL_REPORTS, write_corpus

runner = CliRunner()
WINDOW = ["--start", "2020-08-24", "--pivot", "2022-02-24", "--end", "2023-08-24"]
#: Chapters that read the counts only to tell the thesis's own method and material (checked below
#: against the refusal list): the method's "the rule yielded N reports", the codebook's "the largest
#: category by far", "In the thesis's data, reports on China rose ...".
READS_COUNTS_FOR_THE_THESIS = {"05-methodology", "06-1-code-categories", "09-after-the-window"}


def _code(stem: str) -> str:
    """The code cells of a chapter's source (a partner chapter: its template)."""
    text = chapter_templates.chapter_source(stem).notebook.read_text(encoding="utf-8")
    return "\n".join(re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, re.S))


def _reads_counts(stem: str) -> bool:
    return re.search(r"\bch\.(counts|baseline)\b", _code(stem)) is not None


# --- the chapter set ----------------------------------------------------------------------------


def test_every_chapter_of_the_book_is_either_rerun_or_the_thesiss_own():
    toc = [s for s in layout.toc_chapters() if s not in chapter_templates.partner_chapters()]
    rerun_set, summaries, own = set(rerun.DEFAULT_CHAPTERS), set(rerun.THESIS_SUMMARIES), set(rerun.THESIS_CHAPTERS)
    assert not (rerun_set & summaries or rerun_set & own or summaries & own)
    assert set(toc) == rerun_set | summaries | own  # a new chapter must be placed in one of them


def test_the_default_set_is_every_chapter_that_reads_the_corpus():
    """Found from the notebooks' code, not from the list under test."""
    toc = [s for s in layout.toc_chapters() if s not in chapter_templates.partner_chapters()]
    reads = {s for s in toc if _reads_counts(s)}
    assert reads >= READS_COUNTS_FOR_THE_THESIS and set(rerun.THESIS_CHAPTERS) >= READS_COUNTS_FOR_THE_THESIS
    assert set(rerun.DEFAULT_CHAPTERS) == reads - set(rerun.THESIS_SUMMARIES) - READS_COUNTS_FOR_THE_THESIS
    assert all(_reads_counts(s) for s in chapter_templates.partner_chapters())  # the slot chapters read it too


def test_a_default_rerun_runs_the_corpus_dependent_chapters_in_book_order(tmp_path):
    corpus = load_corpus(write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES))
    chosen = rerun.default_chapters(corpus, rerun.available_chapters())
    toc = layout.toc_chapters()
    expected = [s for s in toc if s in rerun.DEFAULT_CHAPTERS or s in chapter_templates.partner_chapters()]
    assert chosen == expected
    assert {"06-4-uncertainty", "06-5-sensitivity", "08-conclusion"} <= set(chosen)


@pytest.mark.parametrize("stem", ["05-methodology", "09-after-the-window", "00-introduction"])
def test_a_chapter_of_the_thesiss_own_is_refused_by_a_rerun_with_the_reason(tmp_path, stem):
    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    out = tmp_path / "out"
    result = runner.invoke(app, ["rerun", "--corpus", str(corpus), "--out", str(out), *WINDOW, "--chapters", stem])
    assert result.exit_code == 1
    assert f"{stem} is {rerun.THESIS_CHAPTERS[stem]}: it reads no corpus and is not rerun" in result.stderr
    assert not out.exists()


def test_the_main_books_build_still_takes_every_chapter():
    toc = layout.toc_chapters()
    assert rerun.parse_chapters("05-methodology,00-abstract", toc) == ["00-abstract", "05-methodology"]  # toc order


def test_the_cli_says_where_a_reruns_results_are():
    result = runner.invoke(app, ["rerun", "--help"], terminal_width=200)
    text = re.sub(r"[\s│]+", " ", result.output)
    for stem in (*rerun.DEFAULT_CHAPTERS, "06-3-2-china-slots"):
        assert stem in text, stem


# --- references to what the rerun does not hold ----------------------------------------------------


def test_the_published_books_labels_are_read_from_its_chapters():
    targets = main_book_targets()
    assert targets["sec-uncertainty"] == {"kind": "section", "words": "6.4"}
    assert targets["sec-limits"] == {"kind": "section", "words": "5.3"}
    assert targets["sec-russia-slots"] == {"kind": "section", "words": "6.3.3"}  # from the partner template
    assert targets["sec-conclusion"] == {"kind": "section", "words": "“Conclusion”"}
    assert targets["attention-tests"] == {"kind": "table", "words": "6.4"}
    assert targets["figure-sensitivity"] == {"kind": "figure", "words": "6.5"}


def test_published_targets_take_the_heading_under_each_label():
    page = (
        "(sec-x)=\n# 7.2 Something\n\ntext\n\n(sec-y)=\n\n## Untitled part\n\n"
        "```{code-cell}\nglue_table(\"t-a\", f)\nglue_figure('f-b', g)\n```\n\n```{exhibit} t-a\n\nCap.\n```\n"
        "```{exhibit} f-b\n```\n```{exhibit} unglued\n```\n"
    )
    assert published_targets([("x", page)]) == {
        "sec-x": {"kind": "section", "words": "7.2"},
        "sec-y": {"kind": "section", "words": "“Untitled part”"},
        "t-a": {"kind": "table", "words": "7.2"},
        "f-b": {"kind": "figure", "words": "7.2"},
    }


@pytest.mark.parametrize(
    ("target", "reftype", "explicit", "words"),
    [
        ("sec-uncertainty", "ref", None, "6.4 of the published book"),
        ("sec-methodology", "ref", "chapter 5", "chapter 5 of the published book"),
        ("sec-conclusion", "ref", None, "“Conclusion” in the published book"),
        ("figure-2", "numref", None, "Figure 2 of the published book"),
        ("figure-6", "numref", "Figures %s", "Figures 6 of the published book"),
        ("table-1", "numref", None, "Table 1 of the published book"),
        ("attention-tests", "numref", None, "a table in section 6.4 of the published book"),
        ("no-such-label", "ref", None, None),
    ],
)
def test_a_reference_to_the_published_book_is_said_in_words(target, reftype, explicit, words):
    assert reference_words(target, reftype, explicit, main_book_targets()) == words


def test_the_thesiss_reading_beside_a_rerun_names_the_thesiss_figures():
    assert chapter_templates._thesis_exhibits(
        "grew ({numref}`figure-2`), see {numref}`Figures %s <figure-6>` and "
        "{numref}`table-1`; {numref}`attention-tests`"
    ) == (
        "grew (Figure 2 of the thesis), see Figures 6 of the thesis and Table 1 of the thesis; "
        "{numref}`attention-tests`"
    )
    for stem in ("06-3-2-china-slots", "06-3-3-russia-slots"):
        published = _markdown(chapter_templates.chapter_notebook(chapter_templates.chapter_source(stem), {}))
        beside = _markdown(
            chapter_templates.chapter_notebook(chapter_templates.chapter_source(stem), {"source": "/some/corpus"})
        )
        reading = beside[beside.index("## The thesis's reading") :]
        assert "{numref}`figure-" not in reading and "{numref}`table-" not in reading
        assert " of the thesis" in reading
        assert "{numref}`figure-" in published  # the thesis's own page keeps its links
        assert "{numref}`table-1`" in beside[: beside.index("## The thesis's reading")]  # the rerun's Table 1


# --- passages about the thesis's own material --------------------------------------------------


@pytest.mark.parametrize(
    ("stem", "passage"),
    [
        ("08-conclusion", "Typical reports were described and quoted"),
        ("06-3-1-categories", "the total the thesis prints differs"),
    ],
)
def test_a_thesis_only_passage_is_left_out_of_a_page_on_a_corpus(stem, passage):
    published = _markdown(chapter_templates.chapter_notebook(chapter_templates.chapter_source(stem), {}))
    corpus = _markdown(
        chapter_templates.chapter_notebook(chapter_templates.chapter_source(stem), {"source": "/some/corpus"})
    )
    assert passage in published
    assert passage not in corpus


@pytest.mark.parametrize(
    ("stem", "thesis", "edition"),
    [
        ("06-3-1-categories", "figure-6", "figure-main-by-partner"),
        ("06-3-coding", "<figure-6>", "<figure-main-by-partner>"),
    ],
)
def test_the_edition_exhibit_takes_the_place_of_a_two_partner_figure_on_a_corpus(stem, thesis, edition):
    """Figures 6-9 draw China and Russia: the main book keeps them, a corpus gets every partner's codes."""
    published = _markdown(chapter_templates.chapter_notebook(chapter_templates.chapter_source(stem), {}))
    corpus = _markdown(
        chapter_templates.chapter_notebook(chapter_templates.chapter_source(stem), {"source": "/some/corpus"})
    )
    assert thesis in published and edition not in published
    assert edition in corpus and thesis not in corpus


def _markdown(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
