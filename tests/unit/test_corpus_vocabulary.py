"""A corpus folder's own partners.yaml and codebook.yaml: the vocabulary as a value, not import state.

Unlike tests/commands/test_partners_commands.py (which exports ``KZP_PARTNERS`` to fresh interpreters), these
corpora carry their vocabulary in their folder, and this very process, whose default vocabulary
is the thesis's two partners and seven categories, validates, counts and charts them. The corpora
are synthetic (``kzperception synth``), labelled so in their provenance column; the third
partner's reports are copies of China's with new ids. The command line reads them in
tests/commands/test_corpus_vocabulary_commands.py and a rerun book is built in
tests/book/test_corpus_vocabulary_book.py.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers.vocabulary_corpora import HEALTH, read_frame, write_eu_corpus, write_frame

from kzperception import paths
from kzperception.book import charts, palette
from kzperception.data import vocabulary
from kzperception.data.corpus import CorpusError, load_corpus
from kzperception.data.counts import load_counts
from kzperception.data.vocabulary import Vocabulary, vocabulary_for
from kzperception.fieldwork.synth import write_synthetic


@pytest.fixture(scope="module")
def eu_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_eu_corpus(tmp_path_factory)


@pytest.fixture(scope="module")
def health_corpus(tmp_path_factory) -> Path:
    """A synthetic corpus whose codebook.yaml adds the category ``health``, coded secondary on some reports."""
    folder = write_synthetic(5, tmp_path_factory.mktemp("health") / "corpus")
    codebook = yaml.safe_load(paths.CODEBOOK.read_text(encoding="utf-8"))
    codebook["categories"].append(HEALTH)
    (folder / "codebook.yaml").write_text(
        yaml.safe_dump(codebook, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    reports, codes = read_frame(folder, "reports.csv"), read_frame(folder, "codes.csv")
    chosen = reports["id"].iloc[::7]  # every seventh report gets a secondary health code
    extra = pd.DataFrame(
        {"report_id": chosen, "category": "health", "mode": "cooperation", "level": "secondary", "coder": "primary"}
    )
    write_frame(folder, "codes.csv", pd.concat([codes, extra], ignore_index=True)[codes.columns])
    return folder


# --- the value ----------------------------------------------------------------------------------------


def test_the_default_vocabulary_is_the_thesis_one_and_its_categories_come_from_the_codebook():
    v = Vocabulary.default()
    assert v.partner_ids == ("china", "russia") and v.website_ids == ("government", "president")
    book = yaml.safe_load(paths.CODEBOOK.read_text(encoding="utf-8"))["categories"]
    assert v.category_ids == tuple(c["id"] for c in book)
    assert v.cooperation_only == {c["id"] for c in book if "non_cooperation" not in c["modes"]} == {"cross_border"}
    assert v.category_label("economic") == "Economic" and v.partner_label("china") == "China"
    assert v.partner_label("turkey") == "turkey" and v.category_label("sports") == "sports"
    assert v.partner_colour("china") == "#e0263f"
    # The module names are that value, for code that meets only the project's own data.
    assert v.category_ids == vocabulary.CATEGORIES and v.category_labels == vocabulary.CATEGORY_LABELS
    assert vocabulary_for(paths.REGISTER) == v  # a folder with no files of its own


def test_a_folders_partners_replace_the_list_in_this_process(eu_corpus):
    v = vocabulary_for(eu_corpus)
    assert v.partner_ids == ("china", "russia", "eu") and v.partner_label("eu") == "European Union"
    assert v.category_ids == vocabulary.CATEGORIES
    assert vocabulary.COUNTRIES == ("china", "russia")  # the process's default is untouched
    assert hash(v) != hash(Vocabulary.default()) and v != Vocabulary.default()


# --- a third partner ------------------------------------------------------------------------------------


def test_a_third_partner_validates_and_counts_without_any_environment(eu_corpus):
    corpus = load_corpus(eu_corpus)
    assert corpus.vocabulary.partner_ids == ("china", "russia", "eu")
    counts = load_counts(eu_corpus)
    assert counts.vocabulary == corpus.vocabulary
    r = counts.reports
    assert len(r) == 3 * 2 * 2 and list(r["country"].drop_duplicates()) == ["china", "russia", "eu"]
    # Independent count: plain pandas on the CSV, thesis window.
    raw = read_frame(eu_corpus, "reports.csv")
    inside = raw[(raw["date"] >= "2020-08-24") & (raw["date"] <= "2023-08-24")]
    assert int(r.loc[r["country"] == "eu", "n"].sum()) == int((inside["country"] == "eu").sum()) > 0
    codes = counts.codes
    assert set(codes["country"]) == {"china", "russia", "eu"}
    both = codes[(codes["period"] == "all")].groupby("country")["n"].sum()
    assert both["eu"] == both["china"]


def test_without_its_partners_file_the_same_corpus_is_refused(eu_corpus, tmp_path):
    bare = tmp_path / "bare"
    shutil.copytree(eu_corpus, bare)
    (bare / "partners.yaml").unlink()
    with pytest.raises(CorpusError) as err:
        load_corpus(bare)
    assert any(re.match(r"reports\.csv:\d+: country: 'eu' is not one of china\|russia", p) for p in err.value.problems)


def test_charts_and_colours_follow_the_corpus_partners(eu_corpus):
    counts = load_counts(eu_corpus)
    colours = palette.partner_colours(vocabulary=counts.vocabulary)
    assert list(colours) == ["china", "russia", "eu"] and colours["eu"] == palette.PARTNER_SERIES[2]
    spec = charts.figure_2_time_by_country(counts).to_dict()
    assert spec["encoding"]["x"]["sort"] == ["China", "Russia", "European Union"]
    table = charts.table_1_reports(counts)
    assert ("European Union", "Total") in table.columns
    fig = charts.main_codes_figure(counts, "eu").to_dict()
    assert fig["encoding"]["color"] == {"value": palette.PARTNER_SERIES[2]}


# --- an added category -------------------------------------------------------------------------------


def test_a_codebook_category_is_counted(health_corpus):
    counts = load_counts(health_corpus)
    assert counts.vocabulary.category_ids[-1] == "health"
    assert counts.vocabulary.category_label("health") == "Health"
    assert "health" in counts.vocabulary.cooperation_only  # its modes lack non-cooperation
    c = counts.codes
    got = c[(c["category"] == "health") & (c["period"] == "all") & (c["level"] == "secondary")]
    # Independent count: the health codes of reports inside the thesis window, by partner.
    reports, codes = read_frame(health_corpus, "reports.csv"), read_frame(health_corpus, "codes.csv")
    inside = reports[(reports["date"] >= "2020-08-24") & (reports["date"] <= "2023-08-24")]
    want = codes[codes["category"] == "health"].merge(inside, left_on="report_id", right_on="id")
    want = want.groupby("country").size()
    assert dict(zip(got["country"], got["n"], strict=True)) == {k: int(want.get(k, 0)) for k in ("china", "russia")}
    assert not ((c["category"] == "health") & (c["mode"] == "non_cooperation")).any()
    spec = charts.figure_5_all_codes(counts).to_dict()
    assert spec["encoding"]["y"]["sort"][-1] == "Health"


def test_an_added_category_needs_the_codebook(health_corpus, tmp_path):
    bare = tmp_path / "bare"
    shutil.copytree(health_corpus, bare)
    (bare / "codebook.yaml").unlink()
    with pytest.raises(CorpusError) as err:
        load_corpus(bare)
    assert any(re.match(r"codes\.csv:\d+: category: 'health' is not one of economic\|", p) for p in err.value.problems)


def test_a_bad_corpus_codebook_is_refused_naming_the_file_and_field(health_corpus, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(health_corpus, bad)
    book = yaml.safe_load((bad / "codebook.yaml").read_text(encoding="utf-8"))
    book["categories"][-1]["modes"] = ["cooperation", "sometimes"]
    (bad / "codebook.yaml").write_text(yaml.safe_dump(book, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        load_corpus(bad)
    assert err.value.problems[0].startswith(f"{bad / 'codebook.yaml'}: categories[health].modes[1]: Input should be")
