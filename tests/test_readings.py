"""Readings are chosen from the numbers: each wording is checked against an independent computation.

The independent side reads reports.csv with the csv module and decides the verdict by hand
(opposite signs, about as fast, who is faster), so a bug in the counts pipeline or in the
readings cannot agree with itself.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kzperception import paths
from kzperception.analysis import readings
from kzperception.data.counts import load_counts
from kzperception.data.window import THESIS_WINDOW
from kzperception.fieldwork.synth import write_synthetic
from tests.conftest import write_corpus


def _by_hand(folder: Path) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    with open(folder / "reports.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            day = row["date"].strip()
            if not THESIS_WINDOW.start.isoformat() <= day <= THESIS_WINDOW.end.isoformat():
                continue
            period = "before" if day < THESIS_WINDOW.pivot.isoformat() else "after"
            out.setdefault(row["country"].strip(), {"before": 0, "after": 0})[period] += 1
    return out


def _verdict(n: dict[str, dict[str, int]], a: str, b: str) -> str:
    ca = 100 * (n[a]["after"] - n[a]["before"]) / n[a]["before"] if n[a]["before"] else None
    cb = 100 * (n[b]["after"] - n[b]["before"]) / n[b]["before"] if n[b]["before"] else None
    if ca is None or cb is None:
        return "no size"
    if ca * cb < 0:
        return "while"
    if abs(ca - cb) <= readings.ABOUT_AS_FAST:
        return "about as fast"
    return f"attention to {a.capitalize()} " if abs(ca) > abs(cb) else f"attention to {b.capitalize()} "


def _russia_grows_more(tmp_path: Path) -> Path:
    rows = ["china,government,mfa,2021-01-10", "china,government,mfa,2021-02-10", "china,government,mfa,2022-05-01",
            "china,president,akorda,2022-07-01", "china,president,akorda,2023-02-01",
            "russia,president,akorda,2021-03-01", "russia,president,akorda,2022-04-01",
            "russia,president,akorda,2022-06-01", "russia,government,mfa,2023-01-01"]
    reports = "".join(f"r{i},{r},,,,,,synthetic\n" for i, r in enumerate(rows))
    codes = "".join(f"r{i},economic,cooperation,main,primary\n" for i in range(len(rows)))
    return write_corpus(tmp_path / "russia-grows", reports, codes)


def _both_grow_by_half(tmp_path: Path) -> Path:
    rows = [f"{c},government,mfa,{d}" for c in ("china", "russia")
            for d in ("2021-01-10", "2021-06-10", "2022-05-01", "2022-09-01", "2023-02-01")]
    reports = "".join(f"r{i},{r},,,,,,synthetic\n" for i, r in enumerate(rows))
    codes = "".join(f"r{i},economic,cooperation,main,primary\n" for i in range(len(rows)))
    return write_corpus(tmp_path / "both-grow", reports, codes)


def _corpora(tmp_path: Path) -> list[Path]:
    return [paths.REGISTER, write_synthetic(1, tmp_path / "s1"), write_synthetic(7, tmp_path / "s7"),
            _russia_grows_more(tmp_path), _both_grow_by_half(tmp_path)]


def test_the_growth_wording_is_the_one_the_numbers_call_for(tmp_path: Path) -> None:
    seen = set()
    for folder in _corpora(tmp_path):
        reading = readings.growth_contrast(load_counts(folder, THESIS_WINDOW), "china", "russia")
        expected = _verdict(_by_hand(folder), "china", "russia")
        seen.add(expected)
        if expected == "no size":
            assert "faster" not in reading.text, (folder, reading.text)
        elif expected in ("while", "about as fast"):
            assert expected in reading.text, (folder, reading.text)
        else:
            assert reading.text.startswith(expected) and "faster" in reading.text, (folder, reading.text)
    assert "while" in seen  # the register: China falls, Russia grows
    assert "attention to Russia " in seen  # the corpus built so that Russia grows more
    assert "about as fast" in seen  # both +50 %


def test_the_register_is_never_told_that_china_grew_faster() -> None:
    text = readings.growth_contrast(load_counts(paths.REGISTER, THESIS_WINDOW), "china", "russia").text
    assert "attention to China falls by 22.2 %" in text and "attention to Russia grows by 25.0 %" in text
    assert "faster" not in text


def test_the_published_reading_keeps_the_thesis_direction_and_says_what_chance_allows() -> None:
    text = readings.growth_contrast(load_counts("published"), "china", "russia").text
    assert text.startswith("attention to China grows faster than attention to Russia")
    assert "within what chance alone could produce" in text  # Fisher p = 0.07 on the thesis's 2 x 2


@pytest.mark.parametrize(("n", "phrase"), [(0, "no report"), (1, "one report"), (2, "2 reports"), (31, "31 reports")])
def test_zero_and_one_are_never_several(n: int, phrase: str) -> None:
    assert readings.count_phrase(n) == phrase


def test_leads_ties_and_none() -> None:
    assert readings.leader({"Economic": 1, "Political": 3}).text.startswith("Political leads with 3")
    assert readings.leader({"Economic": 3, "Political": 3}).text.startswith("Economic and Political tie")
    assert readings.leader({"Economic": 0, "Political": 0}).text == "none of them has any reports"


def test_beside_the_thesis_quotes_a_disagreeing_thesis_as_the_thesis() -> None:
    ours = readings.growth_contrast(load_counts(paths.REGISTER, THESIS_WINDOW), "china", "russia")
    thesis = readings.growth_contrast(load_counts("published"), "china", "russia")
    said = readings.beside_the_thesis(ours, thesis)
    assert said.startswith("On the thesis's published counts the same comparison reads otherwise")
    assert readings.beside_the_thesis(thesis, thesis).endswith("reads the same way.")
