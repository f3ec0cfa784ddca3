"""The larger-slot table of 6.3.2-6.3.3: published gaps stay gaps, corpora fill every cell."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from kzperception.analysis import measures, slots
from kzperception.book import views
from kzperception.data.counts import load_counts
from kzperception.readings import registry


def test_published_china_slots_match_the_slot_facts() -> None:
    counts = load_counts("published")
    table = slots.slot_table(counts, "china").set_index("category")
    facts = measures.slot_facts(counts)
    assert table.loc["All reports in the slot", "2020–22 n"] == facts["n_china_before"]
    assert table.loc["Economic (main)", "2022–23 n"] == facts["china_after_economic_main"]
    assert math.isclose(table.loc["Economic (main)", "2022–23 %"], facts["china_after_economic_main_share"])
    assert math.isnan(table.loc["Educational and scientific (main)", "2020–22 n"])
    assert "Cultural (main)" not in table.index  # unknown in both periods: dropped, not shown as 0


def test_unknown_rows_kept_on_request_and_shown_as_dash() -> None:
    counts = load_counts("published")
    full = slots.slot_table(counts, "russia", drop_unknown=False)
    assert len(full) == 8
    html = views.show_slot_table(full, "russia-slots").to_html()
    assert "nan" not in html.lower()
    assert "–" in html


def test_corpus_fills_every_cell(small_corpus: Path) -> None:
    counts = load_counts(small_corpus)
    table = slots.slot_table(counts, "china")
    assert len(table) == 8
    assert table.drop(columns="category").notna().all().all()
    row = table.set_index("category").loc["Economic (main)"]
    assert row["2020–22 n"] == 1 and row["2022–23 n"] == 1


def test_partner_slot_template_functions_match_the_chapter_facts() -> None:
    """One template chapter could render 6.3.2 or 6.3.3: the neutral names carry the same numbers."""
    counts = load_counts("published")
    facts = measures.slot_facts(counts)
    for partner in ("china", "russia"):
        mine = slots.partner_slot_facts(counts, partner)
        for key, value in mine.items():
            theirs = facts[f"n_{partner}_{key[2:]}" if key.startswith("n_") else f"{partner}_{key}"]
            assert value == theirs or (math.isnan(value) and math.isnan(theirs)), key
    texts = registry.partner_texts(counts, "china")
    assert texts["reading_slot_lead_before"].startswith(
        "political and diplomatic cooperation is the main code of 19 reports"
    )
    assert texts["reading_slot_lead_after"].startswith("economic cooperation is the main code of 45 reports")
    assert texts["reading_slot_change"] == "attention to China grows by 110.8 % (from 37 to 78 reports)"
    assert 'id="T_china_slots"' in views.show_partner_slots(counts, "china").to_html()
    with pytest.raises(ValueError, match=re.escape("partner: 'turkey' is not one of china|russia")):
        slots.partner_slot_facts(counts, "turkey")


def test_a_slot_lead_counts_in_words_and_never_puts_a_tie_ahead() -> None:
    """A slot led by one report says "one report", and two categories with equal counts tie."""
    from kzperception.readings import render
    from kzperception.readings.verdicts import SlotLead

    def said(*items: tuple[str, float, float]) -> str:
        return render.render(SlotLead("k", "r", partner="china", items=items))

    assert said() == "no main cooperation code is known for this slot"
    assert said(("economic", 1.0, 50.0), ("political_diplomatic", 1.0, 50.0)) == (
        "economic cooperation and political and diplomatic cooperation tie as the main code, "
        "with one report each (50.0 %)"
    )
    assert said(("economic", 1.0, 100.0)) == "economic cooperation is the main code of one report (100.0 %)"
    assert "of 3 reports (75.0 %), ahead of security and military cooperation with 1 (25.0 %)" in said(
        ("economic", 3.0, 75.0), ("security_military", 1.0, 25.0)
    )
