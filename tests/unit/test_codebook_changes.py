"""A corpus's own codebook against the thesis's: which categories it adds, renames, drops or
redefines (kzperception.data.codebook.compare_codebooks), the sentence and table a rerun's 6.1
shows (views.show_codebook_changes), and when a rerun includes 6.1 at all (rerun.codebook_differs).

The built 6.1 page of such a rerun is read in tests/book/test_codebook_chapter_book.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kzperception import paths
from kzperception.book import chapter_templates, rerun, views
from kzperception.cli import app
from kzperception.data.codebook import (
    Codebook,
    changes_sentence,
    codebook_table,
    compare_codebooks,
    default_codebook,
    parse_codebook,
)
from kzperception.data.corpus import load_corpus
from kzperception.data.vocabulary import vocabulary_for
from tests.conftest import HEALTH, SMALL_CODES, SMALL_REPORTS, write_corpus

runner = CliRunner()
WINDOW = ["--start", "2020-08-24", "--pivot", "2022-02-24", "--end", "2023-08-24"]


def _raw() -> dict:
    return yaml.safe_load(paths.CODEBOOK.read_text(encoding="utf-8"))


def _codebook(edit=None) -> Codebook:
    raw = _raw()
    if edit is not None:
        edit(raw)
    return parse_codebook(raw)


def _category(raw: dict, category_id: str) -> dict:
    return next(c for c in raw["categories"] if c["id"] == category_id)


# --- the comparison -----------------------------------------------------------------------------


def test_the_thesiss_own_codebook_differs_in_nothing():
    changes = compare_codebooks(_codebook())
    assert not changes
    assert [c.id for c in changes.kept] == [c.id for c in default_codebook().categories]
    assert changes_sentence(changes) == (
        "This corpus's codebook has the thesis's categories, under the same names and definitions."
    )


def test_an_added_category_is_added_and_the_rest_kept():
    changes = compare_codebooks(_codebook(lambda raw: raw["categories"].append(HEALTH)))
    assert changes and [c.id for c in changes.added] == ["health"]
    assert not (changes.renamed or changes.dropped or changes.redefined)
    assert len(changes.kept) == 7
    assert changes_sentence(changes) == (
        "Compared with the thesis's codebook, this corpus's codebook adds “Health cooperation”; "
        "its other seven categories are the thesis's as they stand."
    )


def test_a_renamed_a_dropped_and_a_redefined_category_are_each_said():
    def edit(raw: dict) -> None:
        _category(raw, "economic")["label"] = "Trade and investment"
        _category(raw, "cultural")["definition"] = "Culture, read narrowly."
        raw["categories"] = [c for c in raw["categories"] if c["id"] != "environmental"]
        raw["categories"].append(HEALTH)
        raw["categories"].append({**HEALTH, "id": "digital", "label": "Digital cooperation", "short_label": None})

    changes = compare_codebooks(_codebook(edit))
    assert [c.id for c in changes.added] == ["health", "digital"]
    assert [(old.label, new.label) for old, new in changes.renamed] == [
        ("Economic cooperation", "Trade and investment")
    ]
    assert [c.id for c in changes.dropped] == ["environmental"]
    assert [c.id for c in changes.redefined] == ["cultural"]
    assert len(changes.kept) == 4
    assert changes_sentence(changes) == (
        "Compared with the thesis's codebook, this corpus's codebook adds two categories, “Health cooperation” "
        "and “Digital cooperation”, renames “Economic cooperation” to “Trade and investment”, drops "
        "“Environmental cooperation” and gives “Cultural cooperation” another definition; its other four "
        "categories are the thesis's as they stand."
    )


def test_a_new_short_label_is_a_rename_and_new_modes_a_redefinition():
    def edit(raw: dict) -> None:
        _category(raw, "economic")["short_label"] = "Trade"
        _category(raw, "cross_border")["modes"] = ["cooperation", "non_cooperation"]

    changes = compare_codebooks(_codebook(edit))
    assert [new.table_label for _, new in changes.renamed] == ["Trade"]
    assert "renames “Economic” to “Trade”" in changes_sentence(changes)
    assert [c.id for c in changes.redefined] == ["cross_border"]


def test_a_codebook_of_none_of_the_thesiss_categories_says_so():
    def edit(raw: dict) -> None:
        raw["categories"] = [HEALTH]

    changes = compare_codebooks(_codebook(edit))
    assert len(changes.dropped) == 7 and not changes.kept
    assert changes_sentence(changes).endswith("; none of the thesis's categories is kept as it stands.")


def test_the_words_and_the_labels_go_through_their_own_escapes():
    changes = compare_codebooks(_codebook(lambda raw: raw["categories"].append(HEALTH)))
    sentence = changes_sentence(changes, value=lambda v: f"<v>{v}</v>", text=lambda t: t.upper())
    assert sentence.startswith(
        "COMPARED WITH THE THESIS'S CODEBOOK, THIS CORPUS'S CODEBOOK ADDS “<v>Health cooperation</v>”"
    )


def test_the_table_gives_every_category_with_its_label_definition_and_standing():
    codebook = _codebook(
        lambda raw: (raw["categories"].append(HEALTH), _category(raw, "economic").update(label="Trade"))
    )
    table = codebook_table(codebook, compare_codebooks(codebook))
    assert list(table.columns) == ["Category", "Label", "Definition", "Against the thesis"]
    rows = table.set_index("Category")
    assert rows.loc["Health", "Label"] == "Health cooperation"
    assert rows.loc["Health", "Definition"] == HEALTH["definition"]
    assert rows.loc["Health", "Against the thesis"] == "added"
    assert rows.loc["Economic", "Against the thesis"] == "renamed (the thesis: Economic cooperation)"
    assert rows.loc["Cultural", "Against the thesis"] == "as in the thesis"


# --- what a rerun's 6.1 shows ----------------------------------------------------------------------


def test_the_page_shows_the_sentence_and_the_table_with_the_files_text_escaped():
    hostile = {
        **HEALTH,
        "label": "Health <script>alert(1)</script> {sub}`x`",
        "definition": "Care & *cure* \u202e12 <b>bold</b>",
    }
    shown = views.show_codebook_changes(_codebook(lambda raw: raw["categories"].append(hostile)))
    assert shown is not None
    html = shown.data
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert "\u202e" not in html and "[U+202E]12" in html  # the override shown, never obeyed
    assert '<bdi class="kzp-value">Health &lt;script&gt;alert(1)&lt;/script&gt; {sub}`x`</bdi>' in html
    assert "class=\"kzp-codebook-changes\">Compared with the thesis's codebook, this corpus's codebook adds" in html
    assert "Care &amp; *cure*" in html and "<table" in html


def test_the_thesiss_own_codebook_shows_nothing():
    assert views.show_codebook_changes(default_codebook()) is None


def test_an_added_categorys_card_shows_hidden_characters_as_code_points():
    from kzperception.data.codebook import category_html

    card = category_html(
        _codebook(lambda raw: raw["categories"].append({**HEALTH, "label": "Health\u202e"})).category("health")
    )
    assert "\u202e" not in card and "Health[U+202E]" in card


# --- which chapters a rerun runs --------------------------------------------------------------------


@pytest.fixture
def health_corpus(tmp_path: Path) -> Path:
    folder = write_corpus(tmp_path / "health", SMALL_REPORTS, SMALL_CODES + "r7,health,cooperation,secondary,primary\n")
    raw = _raw()
    raw["categories"].append(HEALTH)
    (folder / "codebook.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def test_a_rerun_includes_6_1_only_on_a_corpus_whose_codebook_differs(health_corpus, tmp_path):
    plain = load_corpus(write_corpus(tmp_path / "plain", SMALL_REPORTS, SMALL_CODES))
    assert not rerun.codebook_differs(plain.vocabulary)
    assert rerun.CODEBOOK_CHAPTER not in rerun.default_chapters(plain, rerun.available_chapters(plain.vocabulary))
    own = load_corpus(health_corpus)
    assert rerun.codebook_differs(own.vocabulary)
    chosen = rerun.default_chapters(own, rerun.corpus_chapters(health_corpus))
    assert chosen[:3] == ["06-0-results", rerun.CODEBOOK_CHAPTER, "06-2-reports"]
    # A copy of the thesis's codebook beside the corpus is no other codebook.
    same = write_corpus(tmp_path / "same", SMALL_REPORTS, SMALL_CODES)
    (same / "codebook.yaml").write_bytes(paths.CODEBOOK.read_bytes())
    assert not rerun.codebook_differs(vocabulary_for(same))


def test_6_1_on_a_corpus_with_the_thesiss_codebook_is_refused_saying_when_it_is_not(tmp_path):
    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["rerun", "--corpus", str(corpus), "--out", str(out), *WINDOW, "--chapters", rerun.CODEBOOK_CHAPTER]
    )
    assert result.exit_code == 1 and not out.exists()
    line = result.stderr.strip()
    assert "\n" not in line
    assert "it reads no corpus and is not rerun unless the corpus carries a codebook.yaml" in line


def test_6_1_can_be_chosen_on_a_corpus_with_its_own_codebook(health_corpus, tmp_path):
    plan = rerun.plan(health_corpus, *WINDOW[1::2], tmp_path / "out", [rerun.CODEBOOK_CHAPTER])
    assert plan.chapters == [rerun.CODEBOOK_CHAPTER]


# --- the chapter as each book assembles it ------------------------------------------------------------


def _assembled(params: dict[str, str]):
    return chapter_templates.chapter_notebook(chapter_templates.chapter_source(rerun.CODEBOOK_CHAPTER), params)


def test_the_main_books_6_1_keeps_the_thesiss_text_and_no_assembly_tag():
    nb = _assembled({})
    text = "\n".join(c.source for c in nb.cells)
    assert "show_codebook_changes" not in text and "The largest category by far" in text
    tags = {t for c in nb.cells for t in c.metadata.get("tags", [])}
    assert not tags & {chapter_templates.THESIS_ONLY_TAG, chapter_templates.RERUN_ONLY_TAG}


def test_a_reruns_6_1_shows_the_corpuss_codebook_and_none_of_the_thesiss_counts():
    nb = _assembled({"source": "/some/corpus"})
    text = "\n".join(c.source for c in nb.cells)
    assert "show_codebook_changes(cb)" in text and "show_added_categories(cb)" in text
    for thesis in ("The largest category by far", "economic_main", 'show_category("economic"', "register_table(window"):
        assert thesis not in text, thesis
    tags = {t for c in nb.cells for t in c.metadata.get("tags", [])}
    assert not tags & {chapter_templates.THESIS_ONLY_TAG, chapter_templates.RERUN_ONLY_TAG}
