"""The reading names a chapter may glue come from one registry, and a name nothing produces stops the build early."""

from __future__ import annotations

import pytest

from kzperception import paths
from kzperception.book.chapter_templates import chapter_source
from kzperception.book.execute import check_glue_names
from kzperception.book.layout import BuildError
from kzperception.data.counts import load_counts
from kzperception.data.vocabulary import Vocabulary
from kzperception.readings import registry


def test_every_reading_name_in_the_chapters_is_produced():
    vocab = Vocabulary.default()
    produced = registry.producible_names(vocab)
    for page in sorted(paths.NOTEBOOKS.rglob("*.md")):
        assert registry.unknown_names(page.read_text(encoding="utf-8"), produced) == [], page.name


def test_the_sweep_and_slot_readings_give_only_names_the_registry_lists():
    """The readings outside the counts-based registry (the sweep's, a slot template's) name only what
    :func:`registry.producible_names` promises, for every partner of the corpus."""
    from kzperception.analysis.sensitivity import pivot_sweep
    from kzperception.data.corpus import load_corpus
    from kzperception.readings import sweep

    counts = load_counts(str(paths.REGISTER))
    produced = registry.producible_names(counts.vocabulary)
    for partner in counts.vocabulary.partner_ids:
        texts = registry.partner_texts(counts, partner, load_counts())
        assert set(texts) <= produced
        assert all(texts[f"said_{f}"] for f in registry.PARTNER_FAMILIES), partner
    swept = pivot_sweep(load_corpus(paths.REGISTER), window=counts.window)
    keys = {v.key for v in sweep.verdicts(swept, counts.window.pivot)}
    assert {f"said_{k}" for k in keys} <= produced
    assert {"sweep_ahead", "sweep_p"} <= keys


def test_a_misspelt_reading_stops_the_build_before_any_chapter_runs(tmp_path):
    page = tmp_path / "06-9-test.md"
    page.write_text(
        "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n---\n\n"
        "# A page\n\nThe growth: {glue:md}`said_growht`. The pace: {glue:md}`said_steady_pace`.\n",
        encoding="utf-8",
    )
    source = chapter_source("06-9-test", tmp_path)
    with pytest.raises(BuildError, match=r"06-9-test\.md: no reading produces the glue name\(s\) said_growht"):
        check_glue_names([source], {"source": ""}, Vocabulary.default())


def test_a_corpus_category_gives_its_family_names():
    vocab = Vocabulary.default()
    assert "said_contrast_economic" in registry.producible_names(vocab)
    assert "said_contrast_health" not in registry.producible_names(vocab)


@pytest.mark.parametrize("text", [".", "data", "src", ""])
def test_a_glued_text_that_names_a_path_is_the_text_not_the_file(text, monkeypatch):
    """IPython reads a display string that names an existing file or folder as that file."""
    from kzperception.book import display

    seen = {}
    monkeypatch.setattr("myst_nb.glue", lambda key, obj, display=False: seen.update({key: obj.data}))
    monkeypatch.chdir(paths.ROOT)
    display.glue_text("k", text)
    assert seen["k"] == display.myst_text(text, at_line_start=False)


@pytest.mark.parametrize("own", [["china", "eu"], ["eu"], ["russia", "turkey", "eu"]])
def test_a_corpus_without_the_thesis_pair_still_passes_the_check(tmp_path, own):
    """The slot chapter's thesis passage glues the thesis's China-beside-Russia readings from the
    published counts: a corpus whose own ``partners.yaml`` lacks China or Russia must not be
    refused for names that come from the thesis, not from the corpus."""
    from kzperception.book.chapter_templates import partner_chapters
    from kzperception.data.vocabulary import vocabulary_for

    labels = {"china": "China", "eu": "European Union", "russia": "Russia", "turkey": "Turkey"}
    words = {"china": "Китай", "eu": "Евросоюз", "russia": "Россия", "turkey": "Турция"}
    (tmp_path / "partners.yaml").write_text(
        "".join(f"- id: {p}\n  label: {labels[p]}\n  keywords_ru: [{words[p]}]\n" for p in own), encoding="utf-8"
    )
    vocab = vocabulary_for(tmp_path)
    assert vocab.partner_ids == tuple(own)
    stems = partner_chapters(vocabulary=vocab)
    assert stems
    sources = [chapter_source(s, vocabulary=vocab) for s in stems]
    check_glue_names(sources, {"source": ""}, vocab)
