"""A corpus folder's own partners.yaml and codebook.yaml: the vocabulary as a value, not import state.

Unlike tests/test_partners.py (which exports ``KZP_PARTNERS`` to fresh interpreters), these
corpora carry their vocabulary in their folder, and this very process, whose default vocabulary
is the thesis's two partners and seven categories, validates, counts and charts them. The corpora
are synthetic (``kzperception synth``), labelled so in their provenance column; the third
partner's reports are copies of China's with new ids.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from kzperception import paths
from kzperception.book import charts, palette
from kzperception.data import vocabulary
from kzperception.data.corpus import CorpusError, load_corpus
from kzperception.data.counts import load_counts
from kzperception.data.vocabulary import Vocabulary, VocabularyError, vocabulary_for
from kzperception.fieldwork.synth import write_synthetic
from tests.conftest import EU, partner_env

CLI = [sys.executable, "-m", "kzperception.cli"]
#: An inductive category a researcher might add (synthetic test data, not a finding).
HEALTH = {
    "id": "health",
    "label": "Health cooperation",
    "short_label": "Health",
    "origin": "inductive",
    "modes": ["cooperation"],
    "definition": "Joint work on public health (a test category).",
    "examples": [],
}


def _csv(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def _write(folder: Path, name: str, frame: pd.DataFrame) -> None:
    frame.to_csv(folder / name, index=False, lineterminator="\n")


def _partners_with_eu() -> str:
    items = [*yaml.safe_load(vocabulary.PARTNERS_FILE.read_text(encoding="utf-8")), EU]
    return yaml.safe_dump(items, allow_unicode=True, sort_keys=False)


@pytest.fixture(scope="module")
def eu_corpus(tmp_path_factory) -> Path:
    """A synthetic corpus of three partners: the EU's reports and codes copy China's under new ids."""
    folder = write_synthetic(4, tmp_path_factory.mktemp("eu") / "corpus")
    reports, codes = _csv(folder, "reports.csv"), _csv(folder, "codes.csv")
    china = reports[reports["country"] == "china"]
    eu = china.assign(id="eu-" + china["id"], country="eu")
    eu_codes = codes[codes["report_id"].isin(china["id"])]
    eu_codes = eu_codes.assign(report_id="eu-" + eu_codes["report_id"])
    _write(folder, "reports.csv", pd.concat([reports, eu], ignore_index=True))
    _write(folder, "codes.csv", pd.concat([codes, eu_codes], ignore_index=True))
    (folder / "partners.yaml").write_text(_partners_with_eu(), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def health_corpus(tmp_path_factory) -> Path:
    """A synthetic corpus whose codebook.yaml adds the category ``health``, coded secondary on some reports."""
    folder = write_synthetic(5, tmp_path_factory.mktemp("health") / "corpus")
    codebook = yaml.safe_load(paths.CODEBOOK.read_text(encoding="utf-8"))
    codebook["categories"].append(HEALTH)
    (folder / "codebook.yaml").write_text(
        yaml.safe_dump(codebook, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    reports, codes = _csv(folder, "reports.csv"), _csv(folder, "codes.csv")
    chosen = reports["id"].iloc[::7]  # every seventh report gets a secondary health code
    extra = pd.DataFrame(
        {"report_id": chosen, "category": "health", "mode": "cooperation", "level": "secondary", "coder": "primary"}
    )
    _write(folder, "codes.csv", pd.concat([codes, extra], ignore_index=True)[codes.columns])
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
    raw = _csv(eu_corpus, "reports.csv")
    inside = raw[(raw["date"] >= "2020-08-24") & (raw["date"] <= "2023-08-24")]
    assert int(r.loc[r["country"] == "eu", "n"].sum()) == int((inside["country"] == "eu").sum()) > 0
    codes = counts.codes
    assert set(codes["country"]) == {"china", "russia", "eu"}
    both = codes[(codes["period"] == "all")].groupby("country")["n"].sum()
    assert both["eu"] == both["china"]


def test_the_cli_counts_a_third_partner_from_the_folder_alone(eu_corpus):
    env = partner_env()  # no KZP_PARTNERS: the corpus's own file is all there is
    ok = subprocess.run([*CLI, "validate", str(eu_corpus)], capture_output=True, text=True, env=env, cwd=paths.ROOT)
    assert ok.returncode == 0, ok.stderr
    proc = subprocess.run(
        [*CLI, "counts", "reports", "--source", str(eu_corpus), "--format", "csv"],
        capture_output=True,
        text=True,
        env=env,
        cwd=paths.ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == "country,website,period,n" and len(lines) == 1 + 12
    assert [line.split(",")[0] for line in lines[1:]] == ["china"] * 4 + ["russia"] * 4 + ["eu"] * 4


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


def test_a_corpus_partners_file_with_errors_is_refused_naming_file_line_and_field(eu_corpus, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(eu_corpus, bad)
    text = (bad / "partners.yaml").read_text(encoding="utf-8").replace("label: European Union", "label: <b>EU</b>")
    (bad / "partners.yaml").write_text(text, encoding="utf-8")
    line = next(i for i, ln in enumerate(text.splitlines(), start=1) if "<b>EU</b>" in ln)
    with pytest.raises(VocabularyError):
        vocabulary_for(bad)
    with pytest.raises(CorpusError) as err:
        load_corpus(bad)
    assert err.value.problems == [err.value.problems[0]]
    assert err.value.problems[0].startswith(f"{bad / 'partners.yaml'}:{line}: item 3 (id 'eu'): label: must be plain")
    proc = subprocess.run(
        [*CLI, "validate", str(bad)], capture_output=True, text=True, env=partner_env(), cwd=paths.ROOT
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"partners.yaml:{line}: item 3 (id 'eu'): label:" in proc.stderr
    counts = subprocess.run(
        [*CLI, "counts", "reports", "--source", str(bad), "--format", "csv"],
        capture_output=True,
        text=True,
        env=partner_env(),
        cwd=paths.ROOT,
    )
    assert counts.returncode == 1 and counts.stdout == ""


# --- an added category -------------------------------------------------------------------------------


def test_a_codebook_category_is_counted(health_corpus):
    counts = load_counts(health_corpus)
    assert counts.vocabulary.category_ids[-1] == "health"
    assert counts.vocabulary.category_label("health") == "Health"
    assert "health" in counts.vocabulary.cooperation_only  # its modes lack non-cooperation
    c = counts.codes
    got = c[(c["category"] == "health") & (c["period"] == "all") & (c["level"] == "secondary")]
    # Independent count: the health codes of reports inside the thesis window, by partner.
    reports, codes = _csv(health_corpus, "reports.csv"), _csv(health_corpus, "codes.csv")
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


# --- a rerun book on a corpus that carries both files ----------------------------------------------------


@pytest.mark.book
def test_a_rerun_on_a_corpus_with_its_own_partners_and_codebook_builds(eu_corpus, tmp_path):
    """6.2 names the third partner in its Table 1, the partner has its slot chapter 6.3.4, and 6.3
    (the rerun's coding chapter; 6.1 is the thesis's own codebook and is not rerun) presents the
    corpus's added category."""
    corpus = tmp_path / "corpus"
    shutil.copytree(eu_corpus, corpus)
    codebook = yaml.safe_load(paths.CODEBOOK.read_text(encoding="utf-8"))
    codebook["categories"].append(HEALTH)
    (corpus / "codebook.yaml").write_text(
        yaml.safe_dump(codebook, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    reports, codes = _csv(corpus, "reports.csv"), _csv(corpus, "codes.csv")
    extra = pd.DataFrame(
        {
            "report_id": reports["id"].iloc[::5],
            "category": "health",
            "mode": "cooperation",
            "level": "secondary",
            "coder": "primary",
        }
    )
    _write(corpus, "codes.csv", pd.concat([codes, extra], ignore_index=True)[codes.columns])
    out = tmp_path / "rerun"
    proc = subprocess.run(
        [
            *CLI,
            "rerun",
            "--corpus",
            str(corpus),
            "--out",
            str(out),
            "--start",
            "2020-08-24",
            "--pivot",
            "2022-02-24",
            "--end",
            "2023-08-24",
            "--chapters",
            "06-2-reports,06-3-coding,06-3-4-eu-slots",
        ],
        capture_output=True,
        text=True,
        env=partner_env(),
        cwd=paths.ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]

    def text(stem: str) -> str:
        page = (out / "html" / paths.CHAPTERS_DIR / f"{stem}.html").read_text(encoding="utf-8")
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))

    reports_page = text("06-2-reports")
    assert "European Union" in reports_page
    n_eu = int((reports["country"] == "eu").sum())
    assert re.search(rf"European Union .{{0,400}}\b{n_eu}\b", reports_page)
    slots_page = text("06-3-4-eu-slots")
    assert "6.3.4 Comparison of slots: perception of European Union" in slots_page
    categories_page = text("06-3-coding")
    assert "Added by this corpus" in categories_page and "Health cooperation" in categories_page
    assert "Joint work on public health (a test category)." in categories_page
