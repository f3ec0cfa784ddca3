"""Constraints the printed numbers imply: sums, shares to 100, counts and wholes bounded by shares."""

from __future__ import annotations

import pandas as pd
import pytest

from kzperception.analysis import audit
from kzperception.analysis import audit_constraints as ac
from kzperception.data.counts import load_counts


@pytest.fixture(scope="module")
def published():
    return load_counts("published")


@pytest.fixture(scope="module")
def table(published):
    return ac.constraints_table(published)


def _st(rows):
    return pd.DataFrame([dict(zip(audit.STATEMENT_COLUMNS, r, strict=True)) for r in rows])


def test_every_kind_is_derived_and_only_the_74_fails(table):
    assert set(table["kind"]) == set(ac.CONSTRAINT_KINDS)
    bad = table[table["verdict"] == "disagrees"]
    assert len(bad) == 2 and bad["rests on"].str.contains("6.3.1-08").all()
    assert table["id"].is_unique
    facts = ac.constraint_facts(table)
    assert facts["n_constraints"] == facts["n_constraints_agree"] + facts["n_constraints_disagree"]


def test_known_constraints(table):
    said = dict(zip(table["constraint"], table["implied"], strict=True))
    assert said["52.8 % of 218"] == "count = 115"
    assert said["18 at 48.6 %; 19 at 51.4 %, of a whole printed as 37"] == "whole = 37"
    assert said["110.8 % more than 37"] == "= 78"
    assert said["274 + 115 + 8 = 397 (main, secondary, non-cooperation)"] == "the parts add up to 397"
    assert "2 placed in no slot" in " ".join(table["implied"])


def test_a_wrong_printed_share_or_part_is_caught(published):
    rows = [
        ("a", "6.2: x", "s", "218", "count", "reports[]"),
        ("b", "6.2: x", "s", "115", "count", "reports[country=china]"),
        ("c", "6.2: x", "s", "104", "count", "reports[country=russia]"),
        ("d", "6.2: x", "s", "53.8", "percent", "share(reports[country=china], reports[])"),
        ("e", "6.2: x", "s", "46.2", "percent", "share(reports[country=russia], reports[])"),
    ]
    t = ac.constraints_table(published, _st(rows)).set_index("constraint")
    assert t.loc["115 + 104 = 218 (parts by country)", "verdict"] == "disagrees"
    assert t.loc["53.8 % of 218", "verdict"] == "disagrees"  # 115/218 is 52.8 %
    assert t.loc["53.8 + 46.2 = 100 %", "verdict"] == "agrees"  # the shares themselves sum to 100
    pair = t[t.index.str.startswith("115 at 53.8 %")]
    assert pair["verdict"].eq("disagrees").all()  # 115 at 53.8 % needs a whole of 214


def test_shares_that_do_not_add_to_100_disagree(published):
    rows = [
        ("a", "6.2: x", "s", "38.1", "percent", "share(reports[period=before], reports[])"),
        ("b", "6.2: x", "s", "62.1", "percent", "share(reports[period=after], reports[])"),
    ]
    t = ac.constraints_table(published, _st(rows)).set_index("constraint")
    assert t.loc["38.1 + 62.1 = 100 %", "verdict"] == "disagrees"
