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


# --- section 6.3.1: categories between partners, levels and periods -------------------------------

def _published_by_hand() -> dict[tuple[str, str, str], int]:
    """(country, category, level) -> n for the whole window, read with the csv module from the published file."""
    out: dict[tuple[str, str, str], int] = {}
    with open(paths.DATA / "published" / "codes_by_country.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["period"] == "all" and row["mode"] == "cooperation":
                out[(row["country"], row["category"], row["level"])] = int(row["n"])
    return out


def _corpus(tmp_path: Path, name: str, reports: list[tuple[str, str, list[tuple[str, ...]]]]) -> Path:
    """A corpus from ``(country, date, [(category, level[, mode]), ...])`` rows, all on the MFA's site."""
    rows, codes = [], []
    for i, (country, day, cats) in enumerate(reports):
        rows.append(f"r{i},{country},government,mfa,{day},,,,,,synthetic\n")
        codes += [f"r{i},{c[0]},{c[2] if len(c) > 2 else 'cooperation'},{c[1]},primary\n" for c in cats]
    return write_corpus(tmp_path / name, "".join(rows), "".join(codes))


BEFORE, AFTER = "2021-05-01", "2022-06-01"


def test_the_published_economy_leads_for_both_by_the_published_counts() -> None:
    by_hand = _published_by_hand()
    counts = load_counts("published")
    for country in ("china", "russia"):
        main = {cat: n for (c, cat, level), n in by_hand.items() if c == country and level == "main"}
        assert max(main, key=main.get) == "economic"  # the independent side agrees before the reading is read
    text = readings.common_leader(counts).text
    assert text.startswith(f"economic cooperation is the leading main code for both China "
                           f"({by_hand[('china', 'economic', 'main')]} reports) and Russia "
                           f"({by_hand[('russia', 'economic', 'main')]} reports): a lead over the runner-up ")
    # the lead is tested: the exact binomial test of the leader against the runner-up, by hand
    from scipy.stats import binomtest

    for country in ("china", "russia"):
        main = sorted((n for (c, _, level), n in by_hand.items() if c == country and level == "main"), reverse=True)
        p = binomtest(main[0], main[0] + main[1], 0.5).pvalue
        assert p >= 0.05  # on the thesis's counts neither lead is beyond chance at the main level
        assert f"binomial p = {p:.3f}" in text or f"binomial p = {p:.4f}" in text
    assert "within what chance alone could produce for China" in text and "beyond" not in text


def test_for_both_is_never_said_when_the_leaders_differ_or_tie(tmp_path: Path) -> None:
    differ = _corpus(tmp_path, "differ", [("china", BEFORE, [("economic", "main")]),
                                          ("russia", BEFORE, [("political_diplomatic", "main")]),
                                          ("russia", AFTER, [("political_diplomatic", "main")])])
    text = readings.common_leader(load_counts(differ, THESIS_WINDOW)).text
    assert "for both" not in text
    assert text == ("no single category is the leading main code for every partner: for China economic "
                    "cooperation (one report); for Russia political and diplomatic cooperation (2 reports)")
    tie = _corpus(tmp_path, "tie", [("china", BEFORE, [("economic", "main"), ("cultural", "main")]),
                                    ("russia", BEFORE, [("economic", "main")])])
    text = readings.common_leader(load_counts(tie, THESIS_WINDOW)).text
    assert "for both" not in text and "economic cooperation and cultural cooperation tie (one report each)" in text
    nothing = _corpus(tmp_path, "nothing", [("china", BEFORE, [("economic", "main", "non_cooperation")]),
                                            ("russia", BEFORE, [("cultural", "main", "non_cooperation")])])
    assert readings.common_leader(load_counts(nothing, THESIS_WINDOW)).text == \
        "no category is coded as a main code at all"


def test_main_or_side_theme_follows_the_two_counts(tmp_path: Path) -> None:
    counts = load_counts("published")
    by_hand = _published_by_hand()
    china_main, china_sec = by_hand[("china", "cross_border", "main")], by_hand[("china", "cross_border", "secondary")]
    assert china_sec > china_main
    assert readings.main_versus_secondary(counts, "cross_border", "china").text == (
        f"cross-border cooperation in the reports on China is more often a secondary code than a main one "
        f"(secondary in {china_sec} reports, main in {china_main} reports)")
    assert "more often a main code" in readings.main_versus_secondary(counts, "cross_border", "russia").text
    few = _corpus(tmp_path, "few", [("china", BEFORE, [("cultural", "secondary"), ("economic", "main")]),
                                    ("russia", AFTER, [("economic", "main"), ("environmental", "secondary")]),
                                    ("russia", BEFORE, [("environmental", "main")])])
    fc = load_counts(few, THESIS_WINDOW)
    assert readings.main_versus_secondary(fc, "cultural").text.endswith("(secondary in one report, main in no report)")
    assert readings.main_versus_secondary(fc, "environmental").text.endswith("(one report at each level)")
    assert "never coded" in readings.main_versus_secondary(fc, "cross_border").text


def test_culture_is_sixth_by_main_codes_and_second_by_secondary_ones() -> None:
    counts = load_counts("published")
    by_hand = _published_by_hand()
    secondary = {cat: by_hand[("china", cat, "secondary")] + by_hand[("russia", cat, "secondary")]
                 for cat in ("economic", "cultural")}
    assert readings.level_place(counts, "cultural", "main").text == "sixth of the 7 categories by main codes (16)"
    assert readings.level_place(counts, "cultural", "secondary").text == (
        f"second of the 7 categories by secondary codes ({secondary['cultural']}), "
        f"after economic cooperation ({secondary['economic']})")
    # equal counts share a place: security and education both reach 32 reports at either level
    assert readings.level_place(counts, "security_military", "any").text.startswith(
        "joint fifth of the 7 categories by main and secondary codes together (32, level with educational")


def test_where_a_category_falls_in_time_is_said_majority_first(tmp_path: Path) -> None:
    counts = load_counts("published")
    assert readings.period_split(counts, "russia", "security_military").text == (
        "9 of the 13 reports on Russia with security and military cooperation as a main code date from "
        "2020–22, 4 reports from 2022–23")
    split = _corpus(tmp_path, "split", [("russia", BEFORE, [("economic", "main")]),
                                        ("russia", AFTER, [("economic", "main"), ("cultural", "main")]),
                                        ("china", AFTER, [("economic", "main")])])
    sc = load_counts(split, THESIS_WINDOW)
    assert readings.period_split(sc, "russia", "economic").text.startswith("the 2 reports on Russia with economic")
    assert "divide evenly, 1 in 2020–22 and 1 in 2022–23" in readings.period_split(sc, "russia", "economic").text
    assert readings.period_split(sc, "russia", "cultural").text == (
        "the one report on Russia with cultural cooperation as a main code dates from 2022–23")
    assert readings.period_split(sc, "china", "security_military").text.startswith("no report on China")
    # the thesis gives culture no slot counts: the page says so instead of inventing a zero
    assert "is not known" in readings.period_split(counts, "russia", "cultural").text


def test_partner_and_period_contrasts_carry_the_fisher_p_of_the_hand_made_table() -> None:
    from scipy.stats import fisher_exact

    counts = load_counts("published")
    by_hand = _published_by_hand()
    k_c, k_r = by_hand[("china", "economic", "main")], by_hand[("russia", "economic", "main")]
    p = fisher_exact([[k_c, 115 - k_c], [k_r, 103 - k_r]]).pvalue
    text = readings.partner_share_contrast(counts, "economic", "china", "russia").text
    assert text.startswith(f"as a main code, economic cooperation reaches a larger share of the reports on China "
                           f"({100 * k_c / 115:.1f} %) than of those on Russia ({100 * k_r / 103:.1f} %)")
    assert f"p = {p:.3f}" in text and "within what chance alone could produce" in text
    swapped = readings.partner_share_contrast(counts, "security_military", "china", "russia").text
    assert "larger share of the reports on Russia" in swapped  # the larger share is named first, whatever the order
    # Russia's political reports after the invasion: 18 of 46, then 16 of 57 (section 6.3.3's slot counts)
    p = fisher_exact([[16, 57 - 16], [18, 46 - 18]]).pvalue
    shift = readings.period_shift(counts, "russia", "political_diplomatic").text
    assert shift.startswith("the share of reports on Russia with political and diplomatic cooperation as a main code "
                            f"falls from {100 * 18 / 46:.1f} % in 2020–22 to {100 * 16 / 57:.1f} % in 2022–23")
    assert f"p = {p:.3f}" in shift
    assert "is not known" in readings.period_shift(counts, "russia", "cultural").text


@pytest.mark.parametrize("bad", ["[/bold]", "{download}`../x`", "=1+1", "<script>x</script>"])
def test_an_unknown_category_or_level_is_refused_in_one_line(bad: str) -> None:
    counts = load_counts("published")
    with pytest.raises(ValueError, match=r"^category: .* is not one of economic\|") as err:
        readings.main_versus_secondary(counts, bad)
    assert "\n" not in str(err.value) and repr(bad) in str(err.value)
    with pytest.raises(ValueError, match=r"^level: .* is not one of main\|secondary\|any$"):
        readings.common_leader(counts, bad)


def test_a_quotations_codes_are_the_registers_and_inferred_ones_are_marked() -> None:
    from kzperception.data.register import default_register

    reg = default_register()
    assert readings.quoted_codes("akorda-2022d", reg).text == (
        "economic cooperation and political and diplomatic cooperation as its main codes and "
        "cross-border cooperation as a secondary code")
    assert readings.quoted_codes("mfa-rk-2022b", reg).text.startswith(
        "political and diplomatic cooperation (inferred by the editors) as its main code")
    with pytest.raises(KeyError, match=r"unknown report id '\.\./x'"):
        readings.quoted_codes("../x", reg)


def test_the_chapter_readings_hold_for_a_corpus_without_one_partner(tmp_path: Path) -> None:
    only = _corpus(tmp_path, "only-china", [("china", BEFORE, [("economic", "main")]),
                                            ("china", AFTER, [("cultural", "main"), ("economic", "secondary")])])
    texts = readings.category_readings(load_counts(only, THESIS_WINDOW), "china", "russia")
    assert texts["leader_main_cap"] == ("No single category is the leading main code for every partner: for China "
                                        "economic cooperation and cultural cooperation tie (one report each)")
    assert "cannot be compared between China and Russia" in texts["contrast_economic_main"]
    assert texts["split_russia_economic"].startswith("no report on Russia")
    assert texts["reports_russia_economic_main"] == "no report" and texts["reports_china_cultural_main"] == "one report"
    assert "is not known" in texts["shift_russia_economic"]
    for text in texts.values():
        assert "nan" not in text.split() and "None" not in text and "several" not in text


def test_the_lead_across_the_pivot_follows_the_counts() -> None:
    published = readings.lead_across_the_pivot(load_counts("published")).text
    register = readings.lead_across_the_pivot(load_counts(paths.REGISTER, THESIS_WINDOW)).text
    assert published == ("Russia's lead before the pivot turned into China's lead after it, "
                         "a change within what chance alone could produce (Fisher p = 0.070)")
    n = _by_hand(paths.REGISTER)
    before = max(n, key=lambda c: n[c]["before"])
    after = max(n, key=lambda c: n[c]["after"])
    assert register.startswith(f"{before.capitalize()}'s lead before") or before == after
    assert f"{after.capitalize()}'s lead after it" in register or before == after


def test_the_conclusion_readings_are_the_corpus_readings() -> None:
    texts = readings.conclusion_texts(load_counts(paths.REGISTER, THESIS_WINDOW), "china", "russia")
    assert "faster" not in texts["reading_growth_sentence"]
    assert texts["reading_security_shift"].startswith("the share of reports on Russia with security")


def test_the_conclusion_states_the_lead_change_test_once() -> None:
    """The conclusion's lead sentence is followed by the growth contrast of the same two partners,
    which carries the same Fisher test: the lead sentence leaves it out, the growth sentence keeps it."""
    texts = readings.conclusion_texts(load_counts("published"), "china", "russia")
    assert "Fisher" not in texts["reading_lead"] and "turned into China's lead" in texts["reading_lead"]
    assert texts["reading_growth_sentence"].count("Fisher p = 0.070") == 1
    alone = readings.lead_across_the_pivot(load_counts("published")).text
    assert alone.endswith("(Fisher p = 0.070)")


def test_the_conclusion_weighs_security_by_its_place(tmp_path) -> None:
    """Security "plays a much smaller part than the literature would predict" only from the third
    place down; leading, it plays the large part; absent, none. Places recomputed here from the rows."""
    rows = [("russia", BEFORE, [("security_military", "main")]), ("russia", AFTER, [("security_military", "main")]),
            ("china", AFTER, [("security_military", "main")]), ("china", BEFORE, [("economic", "main")])]
    leading = load_counts(_corpus(tmp_path, "security-leads", rows), THESIS_WINDOW)
    texts = readings.conclusion_texts(leading, "china", "russia")
    assert texts["reading_security_part"] == ("Security plays the large part the literature would predict: with "
                                              "3 main codes in all, it comes first among the categories")
    assert texts["reading_leading_theme"].startswith("no single category is the leading main code for every partner")
    none = load_counts(_corpus(tmp_path, "no-security", [("russia", BEFORE, [("economic", "main")]),
                                                         ("china", AFTER, [("cultural", "main")])]), THESIS_WINDOW)
    assert readings.security_part(none).text.startswith("security plays no part at all")
    published = readings.conclusion_texts(load_counts("published"), "china", "russia")
    assert published["reading_security_part"].endswith(
        "18 main codes in all, it comes only fourth among the categories")
    assert published["reading_leading_theme"].startswith("economic cooperation is the leading main code for both")
