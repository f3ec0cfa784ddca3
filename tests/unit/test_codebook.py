"""The codebook file: validation with errors that name the field, and its rendering for the book."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from kzperception import paths
from kzperception.book.views import show_category
from kzperception.data import codebook as C
from kzperception.data.register import load_register
from kzperception.data.vocabulary import CATEGORIES, COUNTRIES


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(paths.CODEBOOK.read_text(encoding="utf-8"))


def test_project_codebook_is_valid_and_complete() -> None:
    cb = C.load_codebook()
    assert [c.id for c in cb.categories] == list(CATEGORIES)
    assert set(cb.search_terms_ru) == set(COUNTRIES)
    assert cb.category("cross_border").modes == ["cooperation"]
    assert {c.origin for c in cb.categories} == {"deductive", "inductive"}
    assert all(c.examples for c in cb.categories), "every category shows at least one example report"


def test_examples_are_register_reports_with_a_quotation() -> None:
    cb = C.load_codebook()
    reg = load_register()
    assert C.missing_examples(cb, reg.ids) == []
    assert all(reg.has_excerpt(i) for i in cb.example_ids)


def test_examples_carry_the_category_they_illustrate() -> None:
    cb = C.load_codebook()
    reg = load_register()
    for cat in cb.categories:
        for rid in cat.examples:
            assert cat.id in set(reg.codes_of(rid)["category"]), (cat.id, rid)


def test_missing_examples_named() -> None:
    cb = C.load_codebook()
    assert C.missing_examples(cb, {"akorda-2021a"})[0].startswith("categories[economic].examples: 'mti-rk-2022'")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: r["categories"][3].update(origin="abductive"), "categories[cultural].origin: Input should be"),
        (
            lambda r: r["categories"][5].update(modes=["non_cooperation"]),
            "categories[cross_border]: modes: every category has a cooperation mode",
        ),
        (lambda r: r.pop("inclusion_rule"), "inclusion_rule: Field required"),
        (lambda r: r["categories"][0].update(colour="red"), "categories[economic].colour: Extra inputs"),
        # The codebook defines the categories (a new id is a new category), so only the id's form is checked.
        (lambda r: r["categories"][1].update(id="Sports"), "categories[Sports].id: must be 1-32 lower-case"),
        (lambda r: r["categories"][1].update(id="all"), "categories[all].id: is reserved"),
        (lambda r: r["categories"][1].update(short_label="<b>x</b>"), ".short_label: must be plain text"),
        (lambda r: r["search_terms_ru"].update(japan=["Япония"]), "search_terms_ru: unknown country id(s) 'japan'"),
        (
            lambda r: r["categories"].append(copy.deepcopy(r["categories"][0])),
            "(top level): categories: repeated id(s) economic",
        ),
        (lambda r: r["levels"].update(tertiary="x"), "levels.tertiary"),
        # Chapter 6.1 quotes the inductive rule, on a corpus's own codebook too.
        (
            lambda r: r["origin_rules"].pop("inductive"),
            "origin_rules: give the rule of both origins, deductive and inductive (missing: inductive)",
        ),
    ],
)
def test_errors_name_the_field(raw: dict, change, expected: str) -> None:
    broken = copy.deepcopy(raw)
    change(broken)
    with pytest.raises(C.CodebookError) as err:
        C.parse_codebook(broken)
    assert any(expected in p for p in err.value.problems), err.value.problems
    assert all(p.startswith("codebook.yaml: ") for p in err.value.problems)


def test_every_problem_reported_at_once(raw: dict) -> None:
    broken = copy.deepcopy(raw)
    broken["categories"][0]["origin"] = "x"
    broken["categories"][2]["label"] = ""
    with pytest.raises(C.CodebookError) as err:
        C.parse_codebook(broken)
    assert len(err.value.problems) == 2


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(C.CodebookError, match="file missing"):
        C.load_codebook(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("categories: [\n", encoding="utf-8")
    with pytest.raises(C.CodebookError, match="not valid YAML"):
        C.load_codebook(bad)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("categories: [Экономика]\n".encode("cp1251"))
    with pytest.raises(C.CodebookError) as err:  # one line, not a UnicodeDecodeError traceback
        C.load_codebook(latin)
    assert err.value.problems == ["latin.yaml: not UTF-8 (invalid continuation byte at byte 13)"]
    with pytest.raises(C.CodebookError) as err:
        C.load_codebook(tmp_path)
    assert err.value.problems[0].startswith(f"{tmp_path}: cannot be read (")


def test_unknown_category_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="sports"):
        C.load_codebook().category("sports")


def test_category_card_is_escaped(raw: dict) -> None:
    broken = copy.deepcopy(raw)
    broken["categories"][0]["definition"] = "<script>alert(1)</script>"
    broken["categories"][0]["includes"] = ["<b>x</b>"]
    cb = C.parse_codebook(broken)
    out = C.category_html(cb.category("economic"))
    assert "<script>" not in out and "<b>" not in out
    assert "&lt;script&gt;" in out
    assert show_category("economic", cb).data == out


def test_tables() -> None:
    terms = C.search_terms_table()
    assert terms["search words (thesis)"].tolist() == ["Китай, КНР, Пекин", "Россия, РФ, Москва"]
    assert "китайский" in terms.iloc[0, 2]
    assert terms["added by this project's matcher"].tolist() == ["китайский, пекинский", "российский, московский"]
    assert C.search_terms("russia") == "Россия, РФ, Москва"
    assert len(C.overview_table()) == len(CATEGORIES)
    assert C.definitions_table("levels")["term"].tolist() == ["Main", "Secondary"]
    assert C.definitions_table("modes")["term"].tolist() == ["Cooperation", "Non-cooperation"]


def test_codebook_facts() -> None:
    facts = C.codebook_facts()
    assert facts["n_categories"] == facts["n_deductive"] + facts["n_inductive"] == len(CATEGORIES)
    assert (facts["n_deductive"], facts["n_inductive"]) == (2, 5)
    assert facts["n_cooperation_only"] == 1
    assert facts["n_search_terms"] == 6
