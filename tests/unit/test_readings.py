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
from kzperception.analysis import narrative
from kzperception.data.counts import load_counts
from kzperception.data.window import THESIS_WINDOW
from kzperception.fieldwork.synth import write_synthetic
from kzperception.readings import compute, registry, render
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


def _verdict(n: dict[str, dict[str, int]], a: str, b: str) -> tuple[str, str | None]:
    """The growth relation of two partners, decided by hand: (relation, the faster partner)."""
    ca = 100 * (n[a]["after"] - n[a]["before"]) / n[a]["before"] if n[a]["before"] else None
    cb = 100 * (n[b]["after"] - n[b]["before"]) / n[b]["before"] if n[b]["before"] else None
    if ca is None or cb is None:
        return ("unsized", None)
    if ca * cb < 0:
        return ("opposite", None)
    if abs(ca - cb) <= 10:  # verdicts.ABOUT_AS_FAST, restated so the test is independent
        return ("about", None)
    return ("faster", a if abs(ca) > abs(cb) else b)


def _russia_grows_more(tmp_path: Path) -> Path:
    rows = [
        "china,government,mfa,2021-01-10",
        "china,government,mfa,2021-02-10",
        "china,government,mfa,2022-05-01",
        "china,president,akorda,2022-07-01",
        "china,president,akorda,2023-02-01",
        "russia,president,akorda,2021-03-01",
        "russia,president,akorda,2022-04-01",
        "russia,president,akorda,2022-06-01",
        "russia,government,mfa,2023-01-01",
    ]
    reports = "".join(f"r{i},{r},,,,,,synthetic\n" for i, r in enumerate(rows))
    codes = "".join(f"r{i},economic,cooperation,main,primary\n" for i in range(len(rows)))
    return write_corpus(tmp_path / "russia-grows", reports, codes)


def _both_grow_by_half(tmp_path: Path) -> Path:
    rows = [
        f"{c},government,mfa,{d}"
        for c in ("china", "russia")
        for d in ("2021-01-10", "2021-06-10", "2022-05-01", "2022-09-01", "2023-02-01")
    ]
    reports = "".join(f"r{i},{r},,,,,,synthetic\n" for i, r in enumerate(rows))
    codes = "".join(f"r{i},economic,cooperation,main,primary\n" for i in range(len(rows)))
    return write_corpus(tmp_path / "both-grow", reports, codes)


def _corpora(tmp_path: Path) -> list[Path]:
    return [
        paths.REGISTER,
        write_synthetic(1, tmp_path / "s1"),
        write_synthetic(7, tmp_path / "s7"),
        _russia_grows_more(tmp_path),
        _both_grow_by_half(tmp_path),
    ]


def _said(verdict) -> str:
    return render.sentence(verdict, render.Labels.of(None))


def test_the_growth_wording_is_the_one_the_numbers_call_for(tmp_path: Path) -> None:
    seen = set()
    for folder in _corpora(tmp_path):
        verdict = compute.growth_contrast(load_counts(folder, THESIS_WINDOW), "china", "russia")
        relation, faster = _verdict(_by_hand(folder), "china", "russia")
        seen.add(relation)
        assert (verdict.relation, verdict.faster) == (relation, faster), folder
        text = _said(verdict)
        if relation == "opposite":
            assert "while" in text and "faster" not in text, text
        elif relation == "about":
            assert "about as fast" in text, text
        elif relation == "faster":
            assert text.startswith(f"Attention to {faster.capitalize()} ") and "faster" in text, text
        else:
            assert "faster" not in text, text
    assert {"opposite", "faster", "about"} <= seen  # the register, Russia growing more, both +50 %


def test_the_register_is_never_told_that_china_grew_faster() -> None:
    text = _said(compute.growth_contrast(load_counts(paths.REGISTER, THESIS_WINDOW), "china", "russia"))
    assert "Attention to China falls by 22.2 %" in text and "attention to Russia grows by 25.0 %" in text
    assert "faster" not in text


def test_the_published_reading_keeps_the_thesis_direction_and_says_what_chance_allows() -> None:
    text = _said(compute.growth_contrast(load_counts("published"), "china", "russia"))
    assert text.startswith("Attention to China grows faster than attention to Russia")
    assert "within what chance alone could produce" in text  # Fisher p = 0.07 on the thesis's 2 x 2


@pytest.mark.parametrize(("n", "phrase"), [(0, "no report"), (1, "one report"), (2, "2 reports"), (31, "31 reports")])
def test_zero_and_one_are_never_several(n: int, phrase: str) -> None:
    from kzperception.readings import words

    assert narrative.count_words(n) == phrase == words.count(n)


def test_beside_the_thesis_compares_verdicts_not_words() -> None:
    ours = compute.growth_contrast(load_counts(paths.REGISTER, THESIS_WINDOW), "china", "russia")
    thesis = compute.growth_contrast(load_counts("published"), "china", "russia")
    labels = render.Labels.of(None)
    assert render.beside_thesis(ours, thesis, labels).startswith("On the thesis's published counts it reads otherwise")
    assert render.beside_thesis(thesis, thesis, labels).endswith("reads the same way.")


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
    from scipy.stats import binomtest

    by_hand = _published_by_hand()
    for country in ("china", "russia"):
        main = {cat: n for (c, cat, level), n in by_hand.items() if c == country and level == "main"}
        assert max(main, key=main.get) == "economic"  # the independent side agrees before the reading is read
    verdict = compute.common_leader(load_counts("published"))
    # each lead carries its test (within chance for both, checked by hand below), so a corpus whose leads
    # are beyond chance does not read "the same way"
    assert verdict.decision() == (
        "same",
        (("china", "leads", ("economic",), "within"), ("russia", "leads", ("economic",), "within")),
    )
    text = _said(verdict)
    assert text.startswith(
        f"Economic cooperation is the leading main code for both China "
        f"({by_hand[('china', 'economic', 'main')]} main codes) and Russia "
        f"({by_hand[('russia', 'economic', 'main')]} main codes): a lead over the runner-up "
    )
    for country in ("china", "russia"):  # the lead is the exact binomial test of leader against runner-up, by hand
        main = sorted((n for (c, _, level), n in by_hand.items() if c == country and level == "main"), reverse=True)
        p = binomtest(main[0], main[0] + main[1], 0.5).pvalue
        assert p >= 0.05
        assert f"p = {p:.3f}" in text or f"p = {p:.4f}" in text
    assert "within what chance alone could produce for China" in text and "beyond" not in text


def test_for_both_is_never_said_when_the_leaders_differ_or_tie(tmp_path: Path) -> None:
    differ = _corpus(
        tmp_path,
        "differ",
        [
            ("china", BEFORE, [("economic", "main")]),
            ("russia", BEFORE, [("political_diplomatic", "main")]),
            ("russia", AFTER, [("political_diplomatic", "main")]),
        ],
    )
    verdict = compute.common_leader(load_counts(differ, THESIS_WINDOW))
    assert verdict.decision()[0] != "same" and "for both" not in _said(verdict)
    assert "economic cooperation (one main code)" in _said(verdict)
    assert "political and diplomatic cooperation (2 main codes)" in _said(verdict)
    tie = _corpus(
        tmp_path,
        "tie",
        [("china", BEFORE, [("economic", "main"), ("cultural", "main")]), ("russia", BEFORE, [("economic", "main")])],
    )
    text = _said(compute.common_leader(load_counts(tie, THESIS_WINDOW)))
    assert "for both" not in text and "tie" in text
    nothing = _corpus(
        tmp_path,
        "nothing",
        [
            ("china", BEFORE, [("economic", "main", "non_cooperation")]),
            ("russia", BEFORE, [("cultural", "main", "non_cooperation")]),
        ],
    )
    verdict = compute.common_leader(load_counts(nothing, THESIS_WINDOW))
    assert verdict.decision()[0] == "none" and "lead" not in _said(verdict).replace("leading", "")


def test_main_or_side_theme_follows_the_two_counts(tmp_path: Path) -> None:
    by_hand = _published_by_hand()
    china_main, china_sec = by_hand[("china", "cross_border", "main")], by_hand[("china", "cross_border", "secondary")]
    assert china_sec > china_main
    verdict = compute.level_split(load_counts("published"), "cross_border")
    assert verdict.decision() == (("china", "secondary"), ("russia", "main"))
    assert _said(verdict).startswith(
        f"In the reports on China (main {china_main}, secondary {china_sec}) cross-border cooperation is more "
        "often a secondary code than a main one; in the reports on Russia"
    )
    few = _corpus(
        tmp_path,
        "few",
        [
            ("china", BEFORE, [("cultural", "secondary"), ("economic", "main")]),
            ("russia", AFTER, [("economic", "main"), ("environmental", "secondary")]),
            ("russia", BEFORE, [("environmental", "main")]),
        ],
    )
    fc = load_counts(few, THESIS_WINDOW)
    assert dict(compute.level_split(fc, "environmental").decision())["russia"] == "equal"
    assert dict(compute.level_split(fc, "cultural").decision())["china"] == "secondary"


def test_culture_is_sixth_by_main_codes_and_second_by_secondary_ones() -> None:
    counts = load_counts("published")
    by_hand = _published_by_hand()
    secondary = {
        cat: by_hand[("china", cat, "secondary")] + by_hand[("russia", cat, "secondary")]
        for cat in ("economic", "cultural")
    }
    assert _said(compute.place(counts, "cultural", "main")) == "Sixth of the 7 categories by main codes (16)."
    assert _said(compute.place(counts, "cultural", "secondary")) == (
        f"Second of the 7 categories by secondary codes ({secondary['cultural']}), "
        f"after economic cooperation ({secondary['economic']})."
    )
    # equal counts share a place: security and education both reach 32 reports at either level
    assert _said(compute.place(counts, "security_military", "any")).startswith(
        "Joint fifth of the 7 categories by main and secondary codes together (32, level with educational"
    )


def test_partner_and_period_contrasts_carry_the_fisher_p_of_the_hand_made_table() -> None:
    from scipy.stats import fisher_exact

    counts = load_counts("published")
    by_hand = _published_by_hand()
    k_c, k_r = by_hand[("china", "economic", "main")], by_hand[("russia", "economic", "main")]
    p = fisher_exact([[k_c, 115 - k_c], [k_r, 103 - k_r]]).pvalue
    text = _said(compute.category_contrast(counts, "economic"))
    assert text.startswith(
        f"As a main code, economic cooperation reaches a larger share of the reports on China "
        f"({100 * k_c / 115:.1f} %) than of those on Russia ({100 * k_r / 103:.1f} %)"
    )
    assert f"p = {p:.3f}" in text and "within what chance alone could produce" in text
    swapped = _said(compute.category_contrast(counts, "security_military"))
    assert "larger share of the reports on Russia" in swapped  # the larger share is named first
    # Russia's political reports after the invasion: 18 of 46, then 16 of 57 (section 6.3.3's slot counts)
    p = fisher_exact([[16, 57 - 16], [18, 46 - 18]]).pvalue
    shift = _said(compute.category_shift(counts, "russia", "political_diplomatic"))
    assert shift.startswith(
        "The share of reports on Russia with political and diplomatic cooperation as a main code "
        f"falls from {100 * 18 / 46:.1f} % to {100 * 16 / 57:.1f} %"
    )
    assert f"p = {p:.3f}" in shift
    unknown = compute.category_shift(counts, "russia", "cultural")  # the thesis gives culture no slot counts
    assert unknown.decision()[0] == "unknown" and "not known" in _said(unknown)


def test_a_quotations_codes_are_the_registers_and_inferred_ones_are_marked() -> None:
    from kzperception.data.register import default_register

    reg = default_register()
    assert narrative.quoted_codes("akorda-2022d", reg) == (
        "economic cooperation and political and diplomatic cooperation as its main codes and "
        "cross-border cooperation as a secondary code"
    )
    assert narrative.quoted_codes("mfa-rk-2022b", reg).startswith(
        "political and diplomatic cooperation (inferred by the editors) as its main code"
    )
    with pytest.raises(KeyError, match=r"unknown report id '\.\./x'"):
        narrative.quoted_codes("../x", reg)


def test_the_chapter_readings_hold_for_a_corpus_without_one_partner(tmp_path: Path) -> None:
    only = _corpus(
        tmp_path,
        "only-china",
        [
            ("china", BEFORE, [("economic", "main")]),
            ("china", AFTER, [("cultural", "main"), ("economic", "secondary")]),
        ],
    )
    counts = load_counts(only, THESIS_WINDOW)
    texts = registry.texts(counts, registry.names(compute.category_ids(counts)))
    assert "Russia" not in " ".join(texts.values())  # a partner with no report is no finding
    assert "tie (one main code each)" in texts["said_leader_main"]
    for text in texts.values():
        assert "nan" not in text.split() and "None" not in text and "several" not in text
        assert "both" not in text


def test_the_lead_across_the_pivot_follows_the_counts() -> None:
    published = _said(compute.pivot_lead(load_counts("published")))
    assert published == (
        "Russia's lead before the pivot passed to China after it: a change within what chance "
        "alone could produce (Fisher p = 0.070)."
    )
    n = _by_hand(paths.REGISTER)
    before = max(n, key=lambda c: n[c]["before"])
    after = max(n, key=lambda c: n[c]["after"])
    verdict = compute.pivot_lead(load_counts(paths.REGISTER, THESIS_WINDOW))
    assert verdict.decision()[1:3] == ((before,), (after,))


def test_the_conclusion_weighs_security_by_its_place(tmp_path) -> None:
    """Security "plays a much smaller part than the literature would predict" only from the third
    place down, and never on too few codes to weigh; absent, none. Places recomputed here from the rows."""
    rows = [
        ("russia", BEFORE, [("security_military", "main")]),
        ("russia", AFTER, [("security_military", "main")]),
        ("china", AFTER, [("security_military", "main")]),
        ("china", BEFORE, [("economic", "main")]),
    ]
    leading = compute.security_part(load_counts(_corpus(tmp_path, "security-leads", rows), THESIS_WINDOW))
    assert leading.decision() == ("few",) and "large part" not in _said(leading)  # 4 main codes: too few to weigh
    none = compute.security_part(
        load_counts(
            _corpus(
                tmp_path,
                "no-security",
                [("russia", BEFORE, [("economic", "main")]), ("china", AFTER, [("cultural", "main")])],
            ),
            THESIS_WINDOW,
        )
    )
    assert none.decision() == ("none",)
    published = compute.security_part(load_counts("published"))
    assert published.decision() == ("small",)
    assert _said(published).endswith("comes only fourth among the categories, with 18 main codes.")


def test_security_is_not_weighed_where_every_category_ties(tmp_path) -> None:
    """Every category with 4 main codes: security shares first place with all of them, which says
    nothing of its part ("plays the large part the literature would predict" was printed)."""
    cats = ["economic", "security_military", "political_diplomatic", "cultural", "educational_scientific"]
    cats += ["cross_border", "environmental"]
    rows = [(country, day, [(c, "main")]) for c in cats for country in ("china", "russia") for day in (BEFORE, AFTER)]
    verdict = compute.security_part(load_counts(_corpus(tmp_path, "all-tied", rows), THESIS_WINDOW))
    assert verdict.decision() == ("even",)
    said = _said(verdict)
    assert "(4 main codes each)" in said and "plays the large part" not in said and "smaller part" not in said, said


def test_partners_whose_categories_all_tie_are_said_once(tmp_path) -> None:
    """Every category with one main code per partner and period: the reading names no category
    seven times over per partner, it says the partners' categories all tie, once for both."""
    cats = ["economic", "security_military", "political_diplomatic", "cultural", "educational_scientific"]
    cats += ["cross_border", "environmental"]
    rows = [(country, day, [(c, "main")]) for c in cats for country in ("china", "russia") for day in (BEFORE, AFTER)]
    counts = load_counts(_corpus(tmp_path, "all-tied", rows), THESIS_WINDOW)
    said = _said(compute.common_leader(counts, "main"))
    assert (
        said
        == "No single category leads for every partner: for China and Russia all 7 categories tie (2 main codes each)."
    )
    steady = _said(compute.growth_contrast(counts, "china", "russia"))
    assert steady.startswith("Attention to China and to Russia holds steady (China from 7 to 7, Russia from 7 to 7)")
