"""The whole chain with a third partner, in fresh interpreters: synth, validate, counts, tests, charts.

The vocabulary is read once, at import, so these runs happen in a child Python with ``KZP_PARTNERS``
pointing at a temporary copy of data/partners.yaml plus an EU item. The loader's checks are in
tests/unit/test_partners.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from kzperception import paths
from kzperception.book import palette
from tests.conftest import partner_env

BASE = "- id: china\n  label: China\n  keywords_ru: [Китай]\n"


def test_cli_with_a_broken_partner_file_prints_one_line_and_no_traceback(tmp_path):
    bad = tmp_path / "partners.yaml"
    bad.write_text(BASE + "- id: x\n  label: '[bold red]boom[/]'\n  keywords_ru: [Икс]\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "kzperception.cli", "counts", "reports", "--source", "published"],
        capture_output=True,
        text=True,
        env=partner_env(KZP_PARTNERS=str(bad)),
        cwd=paths.ROOT,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {bad}:5: item 2 (id 'x'): label:")
    assert "[bold red]boom[/]" in lines[0]  # printed literally, not read as markup
    assert proc.stdout == ""


# --- the whole chain with three partners -------------------------------------------------------------


PROBE = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    import numpy as np
    from scipy.stats import chi2_contingency
    from kzperception.book import charts, uncertainty_charts
    from kzperception.analysis import measures, sensitivity, slots, stats
    from kzperception.fieldwork import synth
    from kzperception.data import vocabulary
    from kzperception.data.corpus import load_corpus
    from kzperception.data.counts import load_counts

    folder = Path(sys.argv[1])
    counts = load_counts(folder)
    out = {"countries": list(vocabulary.COUNTRIES)}
    r = counts.reports
    out["n_by_partner"] = {c: int(r.loc[r["country"] == c, "n"].sum()) for c in vocabulary.COUNTRIES}
    att = stats.attention_tests(counts)
    out["att_columns"] = list(att.columns)
    out["att_all"] = {k: (None if isinstance(v, float) and np.isnan(v) else v)
                      for k, v in att.iloc[0].to_dict().items()}
    table = stats.attention_table(counts).to_numpy()
    out["att_all_scipy_p"] = float(chi2_contingency(table, correction=False).pvalue)
    pairs = stats.pairwise_attention_tests(counts)
    out["pairs"] = pairs[["website", "partner_a", "partner_b", "p_fisher", "p_holm"]].to_dict("records")
    cc = stats.category_country_tests(counts)
    out["cc_columns"] = list(cc.columns)
    out["cc_n"] = len(cc)
    ccp = stats.category_pairwise_tests(counts)
    out["ccp_n"] = len(ccp)
    out["ccp_holm_ok"] = bool((ccp["p_holm"] >= ccp["p_fisher"] - 1e-12).all())
    texts = stats.text_facts(counts)
    out["text_keys"] = sorted(k for k in texts if k.startswith(("pair_", "att_all", "cc_economic")))
    out["texts_all_str"] = all(isinstance(v, str) for v in texts.values())
    facts = stats.interval_facts(counts) | measures.reports_facts(counts) | measures.coding_facts(counts)
    out["eu_facts"] = {k: facts[k] for k in ("after_eu_share", "n_eu", "eu_government_share")}
    sweep = sensitivity.pivot_sweep(load_corpus(folder), "2022-01-06", "2022-03-24")
    out["sweep_partners"] = sorted(set(sweep["country"]))
    out["sweep_tests"] = sorted(set(sweep["test"]))
    sf = sensitivity.sensitivity_facts(sweep)
    out["ahead"] = {c: sf[f"{c}_ahead"] for c in vocabulary.COUNTRIES}
    out["n_pivots"] = sf["n_pivots"]
    out["summary_rows"] = len(sensitivity.summary_table(sweep))
    spec = charts.sensitivity_chart(sweep).to_dict()
    out["sweep_scale"] = spec["vconcat"][0]["layer"][2]["encoding"]["color"]["scale"]
    fig = charts.main_codes_figure(counts, "eu").to_dict()
    out["eu_figure"] = {"title": fig.get("title"), "description": fig["description"], "color": fig["encoding"]["color"]}
    every = charts.all_codes_figure(counts, "eu").to_dict()
    out["eu_all_codes"] = {"title": every.get("title"), "description": every["description"], "mark": every["mark"]}
    out["figures"] = sorted(charts.FIGURES)
    for number, draw in charts.FIGURES.items():
        draw(counts).to_dict()
    out["fig1_scale"] = charts.figure_1_country_website(counts).to_dict()["encoding"]["color"]["scale"]
    after = uncertainty_charts.after_share_intervals_chart(counts).to_dict()
    out["after_scale"] = after["layer"][1]["encoding"]["color"]["scale"]
    uncertainty_charts.category_share_intervals_chart(counts, "any").to_dict()
    out["table1_rows"] = len(charts.table_1_reports(counts))
    out["slot_facts"] = slots.partner_slot_facts(counts, "eu")
    from kzperception.readings import registry

    out["slot_texts"] = registry.partner_texts(counts, "eu")
    out["slot_rows"] = len(slots.slot_table(counts, "eu"))
    out["borrowed"] = synth.borrowed_partners()
    published = load_counts("published")
    out["published_att_all_or"] = stats.text_facts(published)["att_all_or"]
    out["published_cc_columns"] = list(stats.category_country_tests(published).columns)
    json.dump(out, sys.stdout, default=float)
""")


@pytest.fixture(scope="module")
def three_partner_run(three_partners, tmp_path_factory):
    """Synthesize, validate and count a three-partner corpus through the CLI, then probe the library."""
    env = partner_env(KZP_PARTNERS=str(three_partners))
    folder = tmp_path_factory.mktemp("corpus") / "syn"
    cli = [sys.executable, "-m", "kzperception.cli"]
    runs = {}
    for name, args in (
        ("synth", ["synth", "--seed", "4", "--out", str(folder)]),
        ("validate", ["validate", str(folder)]),
        ("counts", ["counts", "reports", "--source", str(folder), "--format", "csv"]),
        ("codes", ["counts", "codes", "--source", str(folder), "--format", "csv"]),
    ):
        runs[name] = subprocess.run(cli + args, capture_output=True, text=True, env=env, cwd=paths.ROOT)
        assert runs[name].returncode == 0, (name, runs[name].stdout, runs[name].stderr)
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, str(folder)], capture_output=True, text=True, env=env, cwd=paths.ROOT
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    return runs, json.loads(probe.stdout)


def test_synth_validate_and_counts_with_three_partners(three_partner_run):
    runs, out = three_partner_run
    assert "European Union borrows China's margins with the periods swapped" in runs["synth"].stdout
    assert out["countries"] == ["china", "russia", "eu"]
    assert out["borrowed"] == {"eu": "china"}
    lines = runs["counts"].stdout.strip().splitlines()
    assert lines[0] == "country,website,period,n" and len(lines) == 1 + 3 * 2 * 2
    assert sum(line.startswith("eu,") for line in lines) == 4
    assert any(line.startswith("eu,all,economic,cooperation,main,") for line in runs["codes"].stdout.splitlines())
    # The EU borrows China's 115 reports (periods swapped); China and Russia keep the thesis's counts.
    assert out["n_by_partner"] == {"china": 115, "russia": 103, "eu": 115}


def test_k_by_two_tests_and_pairwise_holm(three_partner_run):
    _, out = three_partner_run
    assert out["att_columns"][:7] == [
        "reports",
        "china_before",
        "china_after",
        "russia_before",
        "russia_after",
        "eu_before",
        "eu_after",
    ]
    att = out["att_all"]
    assert att["dof"] == 2 and att["p_fisher"] is None and att["odds_ratio"] is None
    assert att["p_chi2"] == pytest.approx(out["att_all_scipy_p"])
    assert att["eu_before"] == att["china_after"] and att["eu_after"] == att["china_before"]
    pairs = out["pairs"]
    assert len(pairs) == 3 * 3  # three pairs in each of three scopes (all reports, two websites)
    assert {(p["partner_a"], p["partner_b"]) for p in pairs} == {("china", "russia"), ("china", "eu"), ("russia", "eu")}
    assert all(p["p_holm"] >= p["p_fisher"] - 1e-12 for p in pairs)
    for scope in ("", "government", "president"):  # Holm: the smallest of three p-values is tripled
        mine = [p for p in pairs if p["website"] == scope]
        smallest = min(mine, key=lambda p: p["p_fisher"])
        assert smallest["p_holm"] == pytest.approx(min(1.0, 3 * smallest["p_fisher"]))
    assert "pair_all_china_eu_p_holm" in out["text_keys"] and "pair_president_russia_eu_or" in out["text_keys"]
    assert out["texts_all_str"]


def test_per_category_tests_across_partners(three_partner_run):
    _, out = three_partner_run
    assert {"eu", "eu_share", "chi2", "p_chi2", "p_holm"} <= set(out["cc_columns"])
    assert "p_fisher" not in out["cc_columns"] and out["cc_n"] == 7
    assert out["ccp_n"] == 7 * 3 and out["ccp_holm_ok"]
    # The published figures know only the thesis's two partners: their tests are unchanged.
    assert out["published_att_all_or"] == "1.70"
    assert "p_fisher" in out["published_cc_columns"] and "eu" not in out["published_cc_columns"]


def test_sensitivity_with_three_partners(three_partner_run):
    _, out = three_partner_run
    assert out["sweep_partners"] == ["china", "eu", "russia"]
    assert out["sweep_tests"] == ["chi2"]
    assert set(out["ahead"]) == {"china", "russia", "eu"}
    assert sum(out["ahead"].values()) <= out["n_pivots"]
    assert out["summary_rows"] == 3
    assert out["sweep_scale"] == {
        "domain": ["China", "Russia", "European Union"],
        "range": ["#e0263f", "#3b78e7", palette.PARTNER_SERIES[2]],
    }


def test_charts_with_three_partners(three_partner_run):
    _, out = three_partner_run
    # the caption is the title (no chart title repeats it); the text alternative names the partner
    assert out["eu_figure"]["title"] is None and "reports on European Union" in out["eu_figure"]["description"]
    assert out["eu_figure"]["color"] == {"value": palette.PARTNER_SERIES[2]}
    assert out["eu_all_codes"]["title"] is None and "European Union" in out["eu_all_codes"]["description"]
    assert out["eu_all_codes"]["mark"]["stroke"] == palette.PARTNER_SERIES[2]  # its own colour at both levels
    assert out["figures"] == list(range(1, 10))
    assert out["fig1_scale"] == {
        "domain": ["Government (gov.kz)", "President (akorda.kz)"],
        "range": ["#2e8b57", "#8e63c4"],
    }
    assert out["after_scale"]["domain"] == ["China", "Russia", "European Union", "All partners"]
    assert out["table1_rows"] == 3  # the two websites and the Total row; partners are columns
    assert out["eu_facts"]["n_eu"] == 115


def test_slot_template_functions_for_a_third_partner(three_partner_run):
    _, out = three_partner_run
    facts, texts = out["slot_facts"], out["slot_texts"]
    assert (facts["n_before"], facts["n_after"]) == (78, 37)
    assert facts["change"] == pytest.approx(100 * (37 - 78) / 78)
    assert texts["reading_slot_change"] == (
        f"attention to European Union falls by {abs(100 * (37 - 78) / 78):.1f} % (from 78 to 37 reports)"
    )
    assert "European Union" in texts["said_slot_moved_most"] and "main code of" in texts["reading_slot_lead_before"]
    assert out["slot_rows"] == 8  # a counted corpus knows every category
