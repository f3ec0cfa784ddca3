"""Ranks reach prose as ordinal words, never as a bare number inside a phrase."""

from __future__ import annotations

import re

import pytest

from kzperception import paths
from kzperception.analysis.measures import place_texts
from kzperception.data.context import format_figure
from kzperception.data.wording import ordinal


@pytest.mark.parametrize(("n", "word"), [(1, "first"), (2, "second"), ("7", "seventh"), (10, "tenth"),
                                         (11, "11th"), (12, "12th"), (13, "13th"), (21, "21st"), (22, "22nd"),
                                         (103, "103rd"), (111, "111th"), (134.0, "134th")])
def test_ordinals(n, word) -> None:
    assert ordinal(n) == word


@pytest.mark.parametrize("bad", ["x", 0, -3, 2.5, ""])
def test_what_is_not_a_place_is_refused(bad) -> None:
    with pytest.raises(ValueError, match="not a place"):
        ordinal(bad)


def test_a_rank_fact_becomes_a_place_word() -> None:
    assert place_texts({"security_military_main_rank": 5, "n_categories": 7}) == {"security_military_main_place":
                                                                                     "fifth"}
    assert format_figure("2", "place") == "second"


def test_no_chapter_pastes_a_rank_into_its_prose() -> None:
    """A glued ``*_rank`` value in a sentence reads 'rank 2 among its partners': prose must glue a place word.

    Context facts of kind ``place`` (e.g. ``press_rank``) are words already and are allowed.
    """
    from kzperception.data.context import FACTS

    words = {k for k, f in FACTS.items() if f.kind == "place"}
    offenders = []
    for md in paths.NOTEBOOKS.rglob("*.md"):
        for m in re.finditer(r"\{glue:(?:text|md)\}`([a-z0-9_]+_rank)(?::[^`]*)?`", md.read_text(encoding="utf-8")):
            if m.group(1) not in words:
                offenders.append(f"{md.name}: {m.group(0)}")
    assert not offenders, offenders
