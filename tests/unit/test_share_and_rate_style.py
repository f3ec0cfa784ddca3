"""Shares and rates in the book's one style, checked against counts made with plain pandas.

A share in the only period with reports reads "one report of 3", as every other share of the book
("one report of 37 before the pivot"); reports per day keep three significant digits with their
trailing zeros, so that two rates set side by side read alike ("3.70 against 3.55").
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from kzperception.data.counts import load_counts
from kzperception.data.window import Window
from kzperception.readings import compute, registry
from kzperception.readings.render import LABELS, render
from tests.conftest import write_corpus


def test_a_share_in_the_only_period_with_reports_reads_like_every_other_share(tmp_path: Path) -> None:
    # China has reports only after the pivot: 3 of them, one with economic cooperation as its main code
    rows = "a1,china,government,mfa,2022-05-01,,,,,,synthetic\na2,china,government,mfa,2022-06-01,,,,,,synthetic\n"
    rows += "a3,china,government,mfa,2022-07-01,,,,,,synthetic\nb1,russia,government,mfa,2021-01-01,,,,,,synthetic\n"
    codes = "a1,economic,cooperation,main,primary\na2,cultural,cooperation,main,primary\n"
    codes += "a3,cultural,cooperation,main,primary\nb1,economic,cooperation,main,primary\n"
    folder = write_corpus(tmp_path / "after", rows, codes)
    frame = pd.read_csv(folder / "codes.csv")
    china = frame[frame["report_id"].str.startswith("a")]
    k, n = int(((china["category"] == "economic") & (china["level"] == "main")).sum()), china["report_id"].nunique()
    said = render(compute.category_shift(load_counts(folder), "china", "economic"), LABELS)
    assert said.endswith(f"is a main code in one report of {n} ({100 * k / n:.1f} %)"), said
    assert "of its" not in said, said


def test_reports_per_day_keep_three_significant_digits_side_by_side(tmp_path: Path) -> None:
    # 37 reports in the 100 days before the pivot and 71 in the 200 days from it: 0.370 against 0.355
    start, pivot = dt.date(2020, 1, 1), dt.date(2020, 4, 10)
    end = pivot + dt.timedelta(days=199)
    days = [start + dt.timedelta(days=i * 2) for i in range(37)] + [pivot + dt.timedelta(days=i * 2) for i in range(71)]
    reports = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(len(days))],
            "country": "china",
            "website": "government",
            "date": [d.isoformat() for d in days],
            "provenance": "generated",
        }
    )
    folder = tmp_path / "unequal"
    folder.mkdir()
    reports.to_csv(folder / "reports.csv", index=False)
    codes = pd.DataFrame({"report_id": reports["id"], "category": "economic", "mode": "cooperation"})
    codes.assign(level="main", coder="primary").to_csv(folder / "codes.csv", index=False)
    counts = load_counts(folder, Window.parse(start.isoformat(), pivot.isoformat(), end.isoformat()))
    said = registry.texts(counts, ["period_rates"])["said_period_rates"]
    on = pd.to_datetime(reports["date"]).dt.date
    before = (on < pivot).sum() / (pivot - start).days
    after = ((on >= pivot) & (on <= end)).sum() / ((end - pivot).days + 1)
    assert f"{before:#.3g}" == "0.370"  # the case the rule is for: a trailing zero
    assert f"all reports {before:#.3g} against {after:#.3g}" in said, said


def test_counts_glued_for_the_prose_carry_thousands_separators(tmp_path: Path) -> None:
    # "how the 6000 reports are spread" on a large corpus: a glued count reads 1,200, as every sentence's
    from myst_nb.core.variables import format_plain_text

    from kzperception.analysis import measures
    from kzperception.book.display import glued_value

    n = 1200
    reports = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(n)],
            "country": ["china", "russia"] * (n // 2),
            "website": "government",
            "date": [(dt.date(2020, 9, 1) + dt.timedelta(days=i % 900)).isoformat() for i in range(n)],
            "provenance": "generated",
        }
    )
    folder = tmp_path / "large"
    folder.mkdir()
    reports.to_csv(folder / "reports.csv", index=False)
    codes = pd.DataFrame({"report_id": reports["id"], "category": "economic", "mode": "cooperation"})
    codes = pd.concat([codes.assign(level="main"), codes.assign(category="cultural", level="secondary")])
    codes.assign(coder="primary").to_csv(folder / "codes.csv", index=False)
    counts = load_counts(folder)
    facts = {**measures.reports_facts(counts), **measures.coding_facts(counts)}
    inside = reports[(reports["date"] >= "2020-08-24") & (reports["date"] <= "2023-08-24")]
    # {glue:text} prints the glued text/plain read back with ast.literal_eval, as myst-nb does
    shown = [format_plain_text(repr(glued_value(k, facts[k])), "s") for k in ("n_reports", "codes_all")]
    assert shown == [f"{len(inside):,}", f"{2 * len(inside):,}"] == ["1,200", "2,400"]
    assert format_plain_text(repr(glued_value("n_reports", 218)), "s") == repr(glued_value("n_reports", 218)) == "218"
    assert glued_value("n_reports", 1200) == 1200  # still a number for every other use
    # and the source note of every chapter: "(generated: 1,200)", not "(generated: 1200)"
    from kzperception.book.chapter import Chapter

    note = Chapter(counts, load_counts("published")).source_note()
    assert note is not None and f"generated: {len(reports):,})" in note.data, note.data


def test_the_only_slot_that_grew_carries_the_whole_rise_not_most_of_it(tmp_path: Path) -> None:
    # "(4.0 of the 4.0 reports per 100 days gained ...)" read "carry most of the rise"
    slots = {("china", "government"): (5, 9), ("china", "president"): (6, 3), ("russia", "government"): (4, 4)}
    rows, codes, i = "", "", 0
    for (country, website), (before, after) in slots.items():
        for k in range(before + after):
            day = f"2021-0{1 + k % 9}-1{k % 10}" if k < before else f"2022-0{3 + k % 7}-1{k % 10}"
            rows += f"r{i},{country},{website},mfa,{day},,,,,,synthetic\n"
            codes += f"r{i},economic,cooperation,main,primary\n"
            i += 1
    folder = write_corpus(tmp_path / "one-grows", rows, codes)
    frame = pd.read_csv(folder / "reports.csv", header=0)
    frame["after"] = frame["date"] >= "2022-02-24"
    gains = frame.groupby(["country", "website"])["after"].agg(lambda a: int(a.sum()) - int((~a).sum()))
    grew = gains[gains > 0]
    assert list(grew.index) == [("china", "government")] and int(grew.iloc[0]) == 4
    said = registry.texts(load_counts(folder), ["slot_rise"])["said_slot_rise"]
    assert "only the reports on China on gov.kz grow, by 4 reports" in said, said
    assert "most of the rise" not in said, said
