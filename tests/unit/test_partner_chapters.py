"""One slot chapter per partner, made from one template: stems, assembly, cache key, rerun defaults, a book.

The main book's 6.3.2 and 6.3.3 are instances of notebooks/06-3-partner-slots.md for China and
Russia, each with the thesis's reading; a partner added to data/partners.yaml gets an instance of
its own in a rerun, with the computed section only. Three-partner runs happen in a fresh
interpreter with ``KZP_PARTNERS`` exported, so the kernels papermill starts read the same file:
tests/commands/test_partner_chapters_commands.py and tests/book/test_partner_chapters_book.py.
"""

from __future__ import annotations

import re
import shutil

import pytest

from kzperception import paths
from kzperception.analysis import slots
from kzperception.book import chapter_templates, execute, layout, rerun
from kzperception.book.display import myst_text
from kzperception.data import vocabulary
from kzperception.data.corpus import load_corpus
from tests.conftest import SMALL_CODES, SMALL_REPORTS, write_corpus

TEMPLATE = paths.NOTEBOOKS / "06-3-partner-slots.md"


def _tags(nb) -> list[list[str]]:
    return [c.metadata.get("tags", []) for c in nb.cells]


def _markdown(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


# --- stems ------------------------------------------------------------------------------------------


def test_the_main_books_slot_chapters_are_instances_of_one_template():
    assert chapter_templates.partner_chapters() == ["06-3-2-china-slots", "06-3-3-russia-slots"]
    assert {"06-3-2-china-slots", "06-3-3-russia-slots"} <= set(layout.toc_chapters())
    for stem, partner, number in (("06-3-2-china-slots", "china", "6.3.2"), ("06-3-3-russia-slots", "russia", "6.3.3")):
        src = chapter_templates.chapter_source(stem)
        assert src.notebook == TEMPLATE and src.partner == partner and src.parameters == {"partner": partner}
        assert src.fields["number"] == number and src.fields["anchor"] == f"sec-{partner}-slots"
        assert src.reading == paths.NOTEBOOKS / "_fragments" / f"{partner}-slots.md"
    assert not (paths.NOTEBOOKS / "06-3-2-china-slots.md").exists()  # no second copy of the chapter


@pytest.mark.parametrize(
    "stem",
    [
        "06-3-9-china-slots",
        "06-3-3-china-slots",
        "06-3-4-eu-slots",
        "06-3-2-../x-slots",
        "06-3-2-China-slots",
        "06-3-2-china-slots.md",
    ],
)
def test_a_stem_that_is_no_partners_instance_is_a_plain_notebook(stem):
    src = chapter_templates.chapter_source(stem)
    assert src.partner is None and src.notebook == paths.NOTEBOOKS / f"{stem}.md"


def test_rerun_knows_every_partners_chapter_and_refuses_others():
    assert "06-3-4-eu-slots" not in rerun.available_chapters()
    with pytest.raises(rerun.RerunError, match=re.escape("unknown chapter(s) 06-3-4-eu-slots")):
        rerun.parse_chapters("06-3-4-eu-slots", rerun.available_chapters())


def test_default_rerun_chapters_follow_the_partners_in_the_corpus(tmp_path):
    both = load_corpus(write_corpus(tmp_path / "both", SMALL_REPORTS, SMALL_CODES))
    known = rerun.available_chapters()
    assert rerun.default_chapters(both, known) == [
        "06-0-results",
        "06-2-reports",
        "06-3-coding",
        "06-3-1-categories",
        "06-3-2-china-slots",
        "06-3-3-russia-slots",
        "06-4-uncertainty",
        "06-5-sensitivity",
        "08-conclusion",
        "appendix-audit",
    ]
    only_russia = "".join(line + "\n" for line in SMALL_REPORTS.splitlines() if ",russia," in line)
    codes = "".join(line + "\n" for line in SMALL_CODES.splitlines() if line.split(",")[0] in {"r4", "r5", "r6", "r7"})
    russia = load_corpus(write_corpus(tmp_path / "russia", only_russia, codes))
    assert rerun.default_chapters(russia, known) == [
        "06-0-results",
        "06-2-reports",
        "06-3-coding",
        "06-3-1-categories",
        "06-3-3-russia-slots",
        "06-4-uncertainty",
        "06-5-sensitivity",
        "08-conclusion",
        "appendix-audit",
    ]


# --- what is executed ---------------------------------------------------------------------------------


def test_on_the_published_figures_the_reading_is_the_page():
    nb = chapter_templates.chapter_notebook(chapter_templates.chapter_source("06-3-2-china-slots"), {})
    text = _markdown(nb)
    assert "(sec-china-slots)=\n# 6.3.2 Comparison of slots: perception of China" in text
    assert "{{" not in text and "The thesis's reading" not in text
    assert not any(
        chapter_templates.COMPUTED_TAG in t
        or chapter_templates.READING_NOTE_TAG in t
        or chapter_templates.READING_TAG in t
        for t in _tags(nb)
    )
    assert "\n## China {glue:md}`thesis_label_before`" in text  # the thesis's headings, at their level
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    # Passages about single reports are told through the page's Story (shown when the page's figures hold them).
    assert any(c.startswith('story.tell("clp-2021"') for c in code)
    assert any(c.startswith('story.tell("mfa-rk-2023a"') for c in code)
    assert code[0].endswith("partner = None  # a partner id of data/partners.yaml; the build always injects it")


def test_beside_a_reruns_numbers_the_reading_follows_the_computed_section_under_its_note():
    nb = chapter_templates.chapter_notebook(
        chapter_templates.chapter_source("06-3-3-russia-slots"), {"source": "/some/corpus"}
    )
    text = _markdown(nb)
    computed = text.index("```{exhibit} russia-slots\n")
    note = text.index("## The thesis's reading")
    reading = text.index("The two remaining large slots follow Russia")
    assert computed < note < reading
    assert "\n### Russia {glue:md}`thesis_label_after`" in text and "\n### What changed" in text
    assert "\n## Russia {glue:md}`label_after`" in text  # the computed section's own headings stay
    assert sum(chapter_templates.COMPUTED_TAG in t for t in _tags(nb)) == 3


def test_a_partner_without_a_reading_gets_the_computed_section_only(tmp_path):
    shutil.copyfile(TEMPLATE, tmp_path / TEMPLATE.name)  # no _fragments/ beside it
    for params in ({}, {"source": "/some/corpus"}):
        nb = chapter_templates.chapter_notebook(
            chapter_templates.chapter_source("06-3-2-china-slots", tmp_path), params
        )
        text = _markdown(nb)
        assert "## China {glue:md}`label_before`" in text and "## What changed" in text
        assert "The thesis's reading" not in text and "notebooks/_fragments" not in text
        assert not any(chapter_templates.READING_TAG in t or chapter_templates.READING_NOTE_TAG in t for t in _tags(nb))


def test_an_unknown_field_in_a_template_fails_that_chapter_in_one_line(tmp_path):
    text = TEMPLATE.read_text(encoding="utf-8").replace("# {{number}}", "# {{number}} {{colour}}")
    (tmp_path / TEMPLATE.name).write_text(text, encoding="utf-8")
    src = chapter_templates.chapter_source("06-3-2-china-slots", tmp_path)
    with pytest.raises(layout.BuildError, match=re.escape("unknown field {{colour}} in the template (known: anchor")):
        chapter_templates.chapter_notebook(src, {})
    run = execute.execute_chapter("06-3-2-china-slots", {}, str(tmp_path), "k", str(tmp_path))
    assert run.status == "failed" and "{{colour}}" in run.error and "\n" not in run.error
    assert not (tmp_path / "06-3-2-china-slots.ipynb").exists()


def test_a_missing_template_is_named(tmp_path):
    with pytest.raises(layout.BuildError, match=re.escape(f"chapter source missing: {tmp_path / TEMPLATE.name}")):
        execute.execute_chapters(["06-3-2-china-slots"], {}, tmp_path / "out", notebooks=tmp_path)


def test_a_label_is_put_into_the_heading_as_literal_text():
    import dataclasses

    hostile = "Turkey_x_ *y* [/bold] {download}`../x`"
    # A label the partners file's checks would refuse, built past them, as a vocabulary value.
    default = vocabulary.Vocabulary.default()
    china = default.partners[0].model_copy(update={"label": hostile})
    vocab = dataclasses.replace(default, partners=(china, *default.partners[1:]))
    src = chapter_templates.chapter_source("06-3-2-china-slots", None, vocab)
    assert src.fields["label"] == myst_text(hostile, at_line_start=False) != hostile
    heading = chapter_templates.chapter_notebook(src, {}).cells[0].source
    assert heading.endswith(f"# 6.3.2 Comparison of slots: perception of {myst_text(hostile, at_line_start=False)}")


def test_the_cache_key_holds_the_partner_the_template_and_the_reading(tmp_path):
    for name in (TEMPLATE.name, "_fragments"):
        (shutil.copytree if name == "_fragments" else shutil.copyfile)(paths.NOTEBOOKS / name, tmp_path / name)
    china, russia = (
        chapter_templates.chapter_source(s, tmp_path) for s in ("06-3-2-china-slots", "06-3-3-russia-slots")
    )
    key = execute.execution_key(china, {})
    assert key == execute.execution_key(chapter_templates.chapter_source("06-3-2-china-slots", tmp_path), {})
    assert key != execute.execution_key(russia, {})
    reading = tmp_path / "_fragments" / "china-slots.md"
    reading.write_text(reading.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    assert execute.execution_key(china, {}) != key
    changed = execute.execution_key(china, {})
    (tmp_path / TEMPLATE.name).write_text(TEMPLATE.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert execute.execution_key(china, {}) != changed
    reading.unlink()
    assert execute.execution_key(chapter_templates.chapter_source("06-3-2-china-slots", tmp_path), {}) != changed


def test_the_template_refuses_a_missing_partner():
    with pytest.raises(ValueError, match=re.escape("partner: None is not one of china|russia")):
        slots.check_partner(None)  # type: ignore[arg-type]
