"""The reading names a chapter may glue come from one registry, and a name nothing produces stops the build early."""

from __future__ import annotations

import pytest

from kzperception import paths
from kzperception.analysis import section_readings as sr
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


def test_the_legacy_list_is_what_the_legacy_readers_produce():
    """Every key the readers not yet moved produce is in the list, and the list holds no key they never produce."""
    produced: set[str] = set()
    for source in (None, str(paths.REGISTER)):
        counts = load_counts(source) if source else load_counts()
        produced |= {r.key for r in sr.all_readings(counts)}
    fixed = {k for k in produced if not k.startswith("sweep_")}
    assert fixed <= set(registry.LEGACY_READINGS)
    retired = set(registry.LEGACY_READINGS) - {"sweep_ahead", "sweep_p", "sweep_partners"} - fixed
    assert not retired, retired
    assert produced == fixed  # no per-partner family is left among them
    # sweep readings come from 6.5's sweep, not all_readings: their names are per partner plus two
    assert {"sweep_ahead", "sweep_p", "sweep_partners"} <= set(registry.LEGACY_READINGS)


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
