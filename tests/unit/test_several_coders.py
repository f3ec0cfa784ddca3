"""A book on a corpus with several coders: whose codes it counts, and what it says of their agreement.

Each expected figure below is computed here from the rows written, with pandas and arithmetic, never
with the library's counts: the reliability of two coders beside their consensus, the reports a coder
left without a main code, and the corpus's and the counted coder's code totals on a rerun's front page.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from kzperception.book.chapter import open_chapter
from kzperception.book.rerun import front_page, plan
from kzperception.data.corpus import corpus_from_frames
from kzperception.data.counts import SourceError
from kzperception.fieldwork.reliability import reliability_table
from tests.conftest import SMALL_CODES, SMALL_REPORTS, write_corpus

WINDOW = ("2020-08-24", "2022-02-24", "2023-08-24")


def _reports(n: int, country: str = "china", first: str = "2020-09-01", step: int = 1) -> pd.DataFrame:
    day = dt.date.fromisoformat(first)
    return pd.DataFrame(
        {
            "id": [f"r{i:05d}" for i in range(n)],
            "country": country,
            "website": ["government", "president"] * (n // 2) + ["government"] * (n % 2),
            "date": [(day + dt.timedelta(days=(i * step) % 1000)).isoformat() for i in range(n)],
            "provenance": "generated",
        }
    )


def _codes(ids: list[str], coder: str, categories: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"report_id": ids, "category": categories, "mode": "cooperation", "level": "main", "coder": coder}
    )


def _kappa(a: pd.Series, b: pd.Series) -> float:
    """Cohen's kappa of two 0/1 series, by its definition."""
    observed = (a == b).mean()
    expected = a.mean() * b.mean() + (1 - a.mean()) * (1 - b.mean())
    return float((observed - expected) / (1 - expected))


def test_reliability_compares_the_coders_not_their_consensus() -> None:
    reports = _reports(40)
    ids = reports["id"].tolist()
    anna = ["economic" if i % 3 else "cultural" for i in range(40)]
    boris = ["economic" if i % 4 else "cultural" for i in range(40)]
    codes = pd.concat([_codes(ids, "anna", anna), _codes(ids, "boris", boris), _codes(ids, "consensus", anna)])
    table = reliability_table(corpus_from_frames(reports.astype(str), codes.astype(str)))
    row = table.set_index(["category", "mode"]).loc[("economic", "cooperation")]
    a = pd.Series([c == "economic" for c in anna], dtype=float)
    b = pd.Series([c == "economic" for c in boris], dtype=float)
    # two coders (the consensus is made from their codes, not a third reading): kappa is given
    assert row["kappa"] == pytest.approx(_kappa(a, b))
    assert "kappa is for exactly two coders" not in row["note"], row["note"]
    coders = codes[codes["coder"] != "consensus"]
    without = reliability_table(corpus_from_frames(reports.astype(str), coders.astype(str)))
    pd.testing.assert_frame_equal(table, without)


def _sampled(tmp_path: Path) -> Path:
    # primary codes every report; carol, a second coder, coded only r1 and r3 (a reliability sample)
    carol = "r1,economic,cooperation,main,carol\nr3,political_diplomatic,cooperation,main,carol\n"
    return write_corpus(tmp_path / "sampled", SMALL_REPORTS, SMALL_CODES + carol)


def test_a_coder_who_coded_only_a_sample_is_not_counted_as_if_she_coded_every_report(tmp_path: Path) -> None:
    folder = _sampled(tmp_path)
    reports = pd.read_csv(folder / "reports.csv", dtype=str)
    codes = pd.read_csv(folder / "codes.csv", dtype=str)
    inside = reports[(reports["date"] >= WINDOW[0]) & (reports["date"] <= WINDOW[2])]
    hers = codes[(codes["coder"] == "carol") & (codes["level"] == "main")]["report_id"]
    missing = int((~inside["id"].isin(hers)).sum())
    assert missing == 4  # r2, r4, r7, r8 of the six reports inside
    with pytest.raises(SourceError, match=rf"carol gave no main code to {missing} of the {len(inside)} reports"):
        plan(folder, *WINDOW, tmp_path / "out", ["06-2-reports"], "carol")
    with pytest.raises(SourceError, match=r"count a coder who coded every one of them \(primary\)"):
        open_chapter(str(folder), *WINDOW, coder="carol")
    assert plan(folder, *WINDOW, tmp_path / "out", ["06-2-reports"], "primary").coder == "primary"
    assert not (tmp_path / "out").exists()


def test_a_rerun_front_page_says_whose_codes_of_how_many_it_counts(tmp_path: Path) -> None:
    reports = _reports(1200)
    ids = reports["id"].tolist()
    both = ["economic"] * 1200
    codes = pd.concat([_codes(ids, "anna", both), _codes(ids[:1100], "boris", both[:1100])])
    folder = tmp_path / "big"
    folder.mkdir()
    reports.to_csv(folder / "reports.csv", index=False)
    codes.to_csv(folder / "codes.csv", index=False)
    page = front_page(plan(folder, "2020-09-01", "2022-01-01", "2023-06-30", tmp_path / "out", None, "anna"))
    n_codes, n_anna = len(codes), int((codes["coder"] == "anna").sum())
    assert f"({len(reports):,} reports, {n_codes:,} codes; coders: anna, boris;" in page, page
    assert f"counted: anna, {n_anna:,} of these codes)" in page, page
    assert f"generated {len(reports):,}" in page  # the banner and the provenance table
