"""Ranks reach prose as ordinal words, never as a bare number inside a phrase."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kzperception import paths
from kzperception.data.context import format_figure
from kzperception.data.wording import ordinal
from kzperception.readings.words import place_texts


@pytest.mark.parametrize(
    ("n", "word"),
    [
        (1, "first"),
        (2, "second"),
        ("7", "seventh"),
        (10, "tenth"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (103, "103rd"),
        (111, "111th"),
        (134.0, "134th"),
    ],
)
def test_ordinals(n, word) -> None:
    assert ordinal(n) == word


@pytest.mark.parametrize("bad", ["x", 0, -3, 2.5, ""])
def test_what_is_not_a_place_is_refused(bad) -> None:
    with pytest.raises(ValueError, match="not a place"):
        ordinal(bad)


def test_a_rank_fact_becomes_a_place_word() -> None:
    assert place_texts({"security_military_main_rank": 5, "n_categories": 7}) == {
        "security_military_main_place": "fifth"
    }
    assert format_figure("2", "place") == "second"
    # named keys keep their names, and an unknown rank is left out rather than said
    assert place_texts(
        {"s631_01_printed": 4, "s631_02_printed": float("nan")}, ["s631_01_printed", "s631_02_printed"]
    ) == {"s631_01_printed_place": "fourth"}


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


# --- template artefacts in the built chapters -------------------------------------------------------
#
# The prose of an executed chapter is its Markdown with every glue role replaced by the value the
# kernel glued (and the Markdown its cells printed, e.g. the slot readings' passages). Two kinds of
# artefact are caught there, in the words a reader gets:
#
# * a rank pasted as a number into a phrase: "followed by Russia (rank 2 among its partners)",
#   "with Russia in place 2", "only number 4 of 7";
# * a sentence glued from bare values: a glued value followed, within the same clause, by a
#   parenthesis holding nothing but another glued value of a different subject ("the government's
#   share is 78.3 % of the reports, and for Russia (61.2 %)"). A parenthesis that restates the
#   same figure as a share ("18 reports (48.6 %)") is the ordinary form and passes.

_GLUE = re.compile(r"\{glue(?::(text|md))?\}`([^`:]+)(?::([^`]*))?`")
_RANK = re.compile(r"\b(?:rank|place|position)\s+\d+\b(?!\.\d)|\bnumber\s+\d+\s+(?:of|out of|among)\b", re.I)
#: A parenthesis holding one glued value and at most its unit.
_BARE = re.compile(r"\(\s*(?P<g>\{glue(?::(?:text|md))?\}`[^`]+`)\s*(?:%|per cent|reports?|codes?)?\s*\)")
_AFFIX = re.compile(r"^(?:n_|reports_|partner_)|(?:_share|_pct|_reports|_codes)$")


def _subject_and_measure(key: str) -> tuple[frozenset[str], str]:
    """Who a glued key is about (partners, websites, periods named in it) and what it measures."""
    from kzperception.data.vocabulary import COUNTRIES, WEBSITES

    subjects = set(COUNTRIES) | set(WEBSITES) | {"before", "after"}
    words = [w for w in key.split("_") if w]
    who = frozenset(w for w in words if w in subjects)
    measure = "_".join(w for w in words if w not in subjects)
    prev = None
    while prev != measure:
        prev, measure = measure, _AFFIX.sub("", measure)
    return who, measure


def rank_artefacts(text: str) -> list[str]:
    """Phrases of rendered prose that paste a rank as a number ("rank 2 among", "in place 2")."""
    return [text[max(0, m.start() - 30) : m.end() + 20] for m in _RANK.finditer(text)]


def glued_sentence_artefacts(markdown: str) -> list[str]:
    """Clauses of MyST prose where a bare glued value in parentheses stands for another subject's figure.

    The artefact: the clause states a glued value in its running text, then gives the same measure
    for another partner, website or period only as a parenthesis ("... is 78.3 % of the reports, and
    for Russia (61.2 %)"): the words that should carry the second value are missing. Values that
    are all in parentheses ("economic (40) and political (37)") and a parenthesis restating the
    same figure as a share pass.
    """
    found = []
    for m in _BARE.finditer(markdown):
        inner = _GLUE.search(m["g"])
        clause = re.split(r"[.;:!?]\s|\n\n", markdown[: m.start()])[-1]
        prior = list(_GLUE.finditer(clause))
        if not prior:
            continue
        last = prior[-1]
        in_parens = clause[: last.start()].count("(") > clause[: last.start()].count(")")
        (who_a, what_a), (who_b, what_b) = _subject_and_measure(last[2]), _subject_and_measure(inner[2])
        if not in_parens and what_a == what_b and who_a != who_b:
            found.append((clause[last.start() :] + m[0]).replace("\n", " "))
    return found


def _format(value: object, spec: str | None) -> str:
    if spec:
        try:
            return format(float(value), spec)
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def executed_prose(nb: dict) -> str:
    """An executed notebook's Markdown and printed Markdown, with every glue role replaced by its value."""
    import json

    values: dict[str, str] = {}
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                data = out.get("data", {})
                md = data.get("application/papermill.record/text/markdown")
                plain = data.get("application/papermill.record/text/plain")
                values[name] = md if md is not None else (json.loads(plain) if False else plain)
    parts = []
    for cell in nb.get("cells", []):
        if cell["cell_type"] == "markdown":
            parts.append("".join(cell["source"]))
        for out in cell.get("outputs", []):
            if "scrapbook" not in out.get("metadata", {}) and "text/markdown" in out.get("data", {}):
                parts.append("".join(out["data"]["text/markdown"]))

    def paste(m: re.Match) -> str:
        value = values.get(m[2], m[0])
        value = re.sub(r"\\(.)", r"\1", value) if m[1] == "md" else value
        return _format(value, m[3])

    return _GLUE.sub(paste, "\n\n".join(parts))


def _executed_chapters() -> list[Path]:
    """The chapters as built: this checkout's executed chapters, else the stored nbval references."""
    built = sorted((paths.ROOT / "book" / "chapters").glob("*.ipynb"))
    return built or sorted((paths.ROOT / "tests" / "regression").glob("*.ipynb"))


THE_THREE = [
    "Attention is spread unevenly: China first, followed by Russia (rank 2 among its partners).",
    "The second slot grows most, with Russia in place 2 after China.",
    "Within each country the government's share is 78.3 % of the reports, and for Russia (61.2 %).",
]


def test_the_three_artefacts_of_issue_12_are_caught() -> None:
    assert rank_artefacts(THE_THREE[0]) and rank_artefacts(THE_THREE[1])
    source = (
        "Within each country the government's share is {glue:text}`china_government_share:.1f` % of the "
        "reports, and for Russia ({glue:text}`russia_government_share:.1f` %)."
    )
    assert glued_sentence_artefacts(source)
    assert re.search(r"\b(?:and )?for [A-Z][a-z]+ \(\d+(?:\.\d+)? ?%\)", THE_THREE[2])


@pytest.mark.parametrize(
    "fine",
    [
        "The first slot holds {glue:text}`n_china_before` reports, {glue:text}`china_before_economic_main` of them "
        "economic ({glue:text}`china_before_economic_main_share:.1f` %).",
        "the government's websites supply {glue:text}`n_government` reports ({glue:text}`government_share:.1f` %)",
        "is a main code in {glue:md}`reports_china_economic_main` on China ({glue:text}`china_economic_main_share:.1f` %)",  # noqa: E501
        "({glue:text}`n_russia_before` against {glue:text}`n_china_before` reports)",
        "economic ({glue:text}`economic_any`) and political and diplomatic ({glue:text}`political_diplomatic_any`)",
        "grows to {glue:text}`n_china_after` ({glue:text}`china_change:+.1f` %)",
    ],
)
def test_ordinary_glued_sentences_pass(fine) -> None:
    assert glued_sentence_artefacts(fine) == []
    assert (
        rank_artefacts(
            "Figure 2 and Table 1 of section 6.3; it comes second of the seven; the reports on Russia "
            "number 22 (55.0 %)."
        )
        == []
    )


#: Artefacts in chapters this test's author does not own, reported to their owner; each is a known
#: offender, not an allowed form: the list must shrink, never grow.
KNOWN: dict[str, str] = {}


def test_no_built_chapter_has_a_template_artefact() -> None:
    """The executed chapters (or their stored references) read without pasted ranks or glued bare values."""
    import json

    chapters = _executed_chapters()
    assert chapters, "no executed chapter found"
    offenders = []
    for path in chapters:
        nb = json.loads(path.read_text(encoding="utf-8"))
        source = "\n\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
        offenders += [f"{path.name}: {x}" for x in glued_sentence_artefacts(source)]
        prose = executed_prose(nb)
        offenders += [
            f"{path.name}: {x}"
            for x in rank_artefacts(prose)
            if not (path.name in KNOWN and KNOWN[path.name] in re.sub(r"\s+", " ", x))
        ]
        offenders += [f"{path.name}: {m[0]}" for m in re.finditer(r"\band for [A-Z][a-z]+ \(\d+(?:\.\d+)? ?%\)", prose)]
    assert not offenders, offenders


def test_the_built_check_fails_on_an_artefact(tmp_path) -> None:
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": ["It ranks {glue:text}`r`."]},
            {
                "cell_type": "code",
                "source": [],
                "outputs": [
                    {
                        "output_type": "display_data",
                        "metadata": {"scrapbook": {"name": "r"}},
                        "data": {
                            "application/papermill.record/text/markdown": "China first, Russia (rank 2 among "
                            "its partners)"
                        },
                    }
                ],
            },
        ]
    }
    assert rank_artefacts(executed_prose(nb)) != []
