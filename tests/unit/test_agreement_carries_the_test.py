"""The thesis "reads the same way" only when its reading carries the same test outcome as the corpus's.

A sentence that states a lead "beyond what chance alone would produce" and then says the thesis's
counts read the same way tells the reader that the thesis's lead is beyond chance too. On the
thesis's published counts economic cooperation leads China's and Russia's main codes within chance
(binomial p about 0.05 and 0.12), so a corpus whose leads are beyond chance must read otherwise.
The thesis's p-values here come from data/published with scipy, apart from the library.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from scipy.stats import binomtest

from kzperception import paths
from kzperception.data.counts import load_counts
from kzperception.readings import registry
from tests.conftest import write_corpus


def _thesis_lead_p(country: str) -> float:
    """The binomial p of the leading main category over the runner-up, from the published counts."""
    df = pd.read_csv(paths.PUBLISHED / "codes_by_country.csv")
    sel = df[(df["country"] == country) & (df["period"] == "all") & (df["mode"] == "cooperation")]
    top, second = sorted(sel[sel["level"] == "main"]["n"], reverse=True)[:2]
    return float(binomtest(int(top), int(top + second), 0.5).pvalue)


def _strong_leads(tmp_path: Path) -> Path:
    # 40 reports on each partner: 34 with economic cooperation as main code, 6 with political
    rows, codes = "", ""
    for country in ("china", "russia"):
        for i in range(40):
            rid = f"{country}{i}"
            rows += f"{rid},{country},government,mfa,2021-0{1 + i % 9}-1{i % 10},,,,,,synthetic\n"
            codes += f"{rid},{'economic' if i < 34 else 'political_diplomatic'},cooperation,main,primary\n"
    return write_corpus(tmp_path / "strong", rows, codes)


def test_a_lead_beyond_chance_does_not_read_as_the_thesiss_lead_within_it(tmp_path: Path) -> None:
    assert _thesis_lead_p("china") >= 0.05 and _thesis_lead_p("russia") >= 0.05
    assert binomtest(34, 40, 0.5).pvalue < 0.05
    counts, published = load_counts(_strong_leads(tmp_path)), load_counts("published")
    text = registry.texts(counts, ["leader_main"], published)["said_leader_main"]
    assert "beyond what chance alone would produce" in text, text
    assert "reads the same way" not in text and "it reads otherwise" in text, text


def test_the_order_of_the_categories_reads_the_same_way_only_with_the_same_test(tmp_path: Path) -> None:
    # the thesis's order of the main codes (economic, political, cross-border, security, educational,
    # cultural, environmental: 112, 76, 26, 18, 17, 16, 9), with a lead of 20 over 19: within chance
    df = pd.read_csv(paths.PUBLISHED / "codes_by_country.csv")
    mains = df[(df["period"] == "all") & (df["mode"] == "cooperation") & (df["level"] == "main")]
    thesis = mains.groupby("category")["n"].sum().sort_values(ascending=False)
    assert binomtest(int(thesis.iloc[0]), int(thesis.iloc[0] + thesis.iloc[1]), 0.5).pvalue < 0.05
    ours = dict(zip(thesis.index, (20, 19, 10, 8, 7, 6, 5), strict=True))
    assert binomtest(20, 39, 0.5).pvalue >= 0.05
    rows, codes, i = "", "", 0
    for category, n in ours.items():
        for _ in range(n):
            country = "china" if i % 2 else "russia"
            rows += f"r{i},{country},government,mfa,2021-0{1 + i % 9}-1{i % 10},,,,,,synthetic\n"
            codes += f"r{i},{category},cooperation,main,primary\n"
            i += 1
    counts = load_counts(write_corpus(tmp_path / "order", rows, codes))
    text = registry.texts(counts, ["category_order"], load_counts("published"))["said_category_order"]
    assert "within what chance alone could produce" in text, text
    assert "reads the same way" not in text and "it reads otherwise" in text, text
