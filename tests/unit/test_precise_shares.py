"""A share the thesis prints at two decimals is printed at two decimals by the book.

The review of issue 12 found "2.02 %" (6.1, footnote 3: the non-cooperation share of all codes)
printed as "2.0 %", because every glued float is rounded to one place. These tests check the
text the prose pastes (``measures.precise_texts``) against the thesis's own statement in
``data/published/statements.csv``, read with the csv module, and that the chapters stating the
share paste that text rather than the one-decimal number.
"""

from __future__ import annotations

import csv
import math

import pytest

from kzperception import paths
from kzperception.analysis import measures
from kzperception.data.counts import load_counts

#: Chapters that paste the share themselves; 6.3's totals reading states it too (tested below).
CHAPTERS_STATING_THE_SHARE = ("06-1-code-categories",)


def _stated(statement_id: str) -> str:
    """The value column of one statement, as printed in the thesis."""
    with open(paths.DATA / "published" / "statements.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["id"] == statement_id:
                return row["value"]
    raise AssertionError(f"statement {statement_id} missing from statements.csv")


def test_the_published_non_cooperation_share_reads_as_the_thesis_prints_it() -> None:
    facts = measures.coding_facts(load_counts("published"))
    texts = measures.precise_texts(facts)
    assert texts["non_cooperation_share_precise"] == _stated("6.1-01") == "2.02"


@pytest.mark.parametrize(("value", "text"), [(2.0151, "2.02"), (0.0, "0.00"), (100.0, "100.00"), (math.nan, "n/a")])
def test_precision_and_an_empty_share(value: float, text: str) -> None:
    assert measures.precise_texts({"non_cooperation_share": value}) == {"non_cooperation_share_precise": text}


def test_facts_without_the_share_give_no_text() -> None:
    assert measures.precise_texts({"codes_all": 397}) == {}


@pytest.mark.parametrize("stem", CHAPTERS_STATING_THE_SHARE)
def test_chapters_paste_the_share_at_the_thesis_precision(stem: str) -> None:
    text = (paths.NOTEBOOKS / f"{stem}.md").read_text(encoding="utf-8")
    assert "{glue:md}`non_cooperation_share_precise`" in text
    assert "non_cooperation_share:.1f" not in text
    assert "measures.precise_texts(" in text


def test_the_totals_reading_states_the_share_at_the_thesis_precision_and_none_for_none() -> None:
    """6.3 says the share inside its totals reading: "8 non-cooperation codes (2.02 % of all)", as the
    thesis prints it; a corpus without non-cooperation codes is not told it has 0.00 % of them."""
    import dataclasses

    from kzperception.readings import compute, render

    totals = compute.code_totals(load_counts("published"))
    assert render.render(totals).endswith(f"and 8 non-cooperation codes ({_stated('6.1-01')} % of all)")
    assert render.render(dataclasses.replace(totals, non_cooperation=0.0)).endswith("and no non-cooperation code")
