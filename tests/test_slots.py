"""The larger-slot table of 6.3.2-6.3.3: published gaps stay gaps, corpora fill every cell."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from kzperception.analysis import measures, slots
from kzperception.book import views
from kzperception.data.counts import load_counts


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
    texts = slots.partner_slot_texts(counts, "china")
    assert texts["title"] == "Comparison of slots: perception of China" and texts["anchor"] == "sec-china-slots"
    assert texts["lead_before"].startswith("political and diplomatic cooperation is the main code of 19 reports")
    assert texts["lead_after"].startswith("economic cooperation is the main code of 45 reports")
    assert texts["growth"] == "grows by 110.8 %"
    assert 'id="T_china_slots"' in views.show_partner_slots(counts, "china").to_html()
    assert 'data-report="' in views.slot_quotes("china", "before").data
    with pytest.raises(ValueError, match=re.escape("partner: 'turkey' is not one of china|russia")):
        slots.partner_slot_facts(counts, "turkey")
