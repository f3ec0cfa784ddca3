"""Exhibits: the glued record, the text alternative and data table, and the build's numbering.

The numbering tests (tests/commands/test_exhibits_commands.py) build small Sphinx projects of two or
three notebooks holding glued exhibits (the outputs :func:`kzperception.book.exhibits.glue_table` /
``glue_figure`` store) with the ``{exhibit}`` directive, so they check Sphinx's real numbering: the
thesis's numbers kept, the edition's numbered in book order, a duplicate or disorder failing the
build, and an incremental build renumbering when the book's order changes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
from helpers.exhibit_pages import GLUE_PREFIX, small_chart, write_page, write_project

from kzperception.book import exhibits
from kzperception.book.exhibits import EXHIBIT_MIME, Provenance
from kzperception.book.sphinx_exhibits import ExhibitNumberError, thesis_numbers

# --- the library ------------------------------------------------------------------------------------


def test_a_figure_is_tied_to_its_caption_and_described_by_its_data():
    ex = exhibits.figure("Figure 1", small_chart(title="Reports by country"), Provenance("m.draw"))
    bundle = ex._repr_mimebundle_()
    record = bundle[EXHIBIT_MIME]
    assert record["kind"] == "figure" and record["name"] == "figure-1"
    assert record["caption_id"] == "kzp-caption-figure-1"
    assert 'aria-labelledby="kzp-caption-figure-1"' in bundle["text/html"]
    assert 'aria-describedby="kzp-alt-figure-1"' in bundle["text/html"] and 'role="img"' in bundle["text/html"]
    assert ex.description == "Reports by country. Reports: 115; Country: China. Reports: 103; Country: Russia."
    assert '<p class="kzp-alt" id="kzp-alt-figure-1" hidden>' in bundle["text/html"]
    assert '<th class="kzp-num" scope="col">Reports</th>' in record["data_html"]
    assert '<td class="kzp-num">115</td>' in record["data_html"]


def test_the_charts_own_description_wins():
    ex = exhibits.figure("f", small_chart(description="Two bars: China 115, Russia 103."), Provenance("m.draw"))
    assert ex.description == "Two bars: China 115, Russia 103."


def test_hostile_labels_in_a_charts_data_stay_text():
    df = pd.DataFrame({"country": ["<script>x</script>", "{glue}`y` & z"], "n": [1, 2]})
    ex = exhibits.figure("f", small_chart(df), Provenance("m.draw"))
    assert "<script>x" not in ex.data_html and "&lt;script&gt;x&lt;/script&gt;" in ex.data_html
    alt_text = re.search(r'<p class="kzp-alt"[^>]*>(.*?)</p>', ex.body).group(1)
    assert "<script>" not in alt_text and "&amp; z" in alt_text


def test_a_long_data_table_is_cut_with_a_note():
    df = pd.DataFrame({"country": [f"c{i}" for i in range(80)], "n": range(80)})
    html = exhibits.data_table_html(df, limit=10)
    assert html.count("<tr>") == 11 and "The first 10 of 80 rows" in html


def test_glue_table_records_function_files_csv_and_section(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    stored = {}
    monkeypatch.setattr("myst_nb.glue", lambda name, value, display: stored.update({name: value}))

    def make() -> pd.DataFrame:
        return pd.DataFrame({"category": ["Economic"], "main": [112.0]})

    ex = exhibits.glue_table(
        "Table 1", make, make(), thesis="6.2", data=["data/published/table1_reports.csv"], csv="table_1_reports"
    )
    assert stored == {"table-1": ex}
    record = ex.record()
    assert record["made_by"].endswith("test_glue_table_records_function_files_csv_and_section.<locals>.make")
    assert record | {"made_by": ""} == {
        "kind": "table",
        "name": "table-1",
        "caption_id": "kzp-caption-table-1",
        "description": None,
        "data_html": None,
        "made_by": "",
        "data": ["data/published/table1_reports.csv"],
        "thesis": "6.2",
        "csv": "table_1_reports.csv",
    }
    assert (tmp_path / "table_1_reports.csv").read_text() == "category,main\nEconomic,112.0\n"
    # a build that copies executed chapters copies the CSVs they name as <file.csv> (execute._copy_chapter)
    assert ex._repr_mimebundle_()["text/plain"] == "<table table-1> <table_1_reports.csv>"
    assert '<td class="kzp-num" >112</td>' in ex.body  # no per-cell ids or position classes: page weight
    assert 'id="T_table_1"' in ex.body and "_row0_col" not in ex.body


def test_counts_files_name_the_published_files_or_the_corpus(small_corpus):
    from kzperception.data.counts import load_counts

    assert exhibits.counts_files(load_counts("published")) == ("data/published/table1_reports.csv",)
    counts = load_counts(small_corpus)
    name = Path(counts.source).name
    assert exhibits.counts_files(counts, "both") == (f"{name}/reports.csv", f"{name}/codes.csv")
    assert not any(str(Path(counts.source).parent) in f for f in exhibits.counts_files(counts, "both"))
    with pytest.raises(ValueError):
        exhibits.counts_files(counts, "everything")


def test_table_1_is_a_cross_tab_with_margins_that_reproduces_the_thesis():
    from kzperception.book.charts import table_1_reports
    from kzperception.data.counts import load_counts

    t = table_1_reports(load_counts("published"))
    published = pd.read_csv(Path(__file__).parents[2] / "data" / "published" / "table1_reports.csv")
    assert list(t[("Website", "")]) == ["Government (gov.kz)", "President (akorda.kz)", "Total"]
    labels = {
        "china": "China",
        "russia": "Russia",
        "government": 0,
        "president": 1,
        "before": "2020–22",
        "after": "2022–23",
    }
    for row in published.itertuples():
        assert t.loc[labels[row.website], (labels[row.country], labels[row.period])] == row.n
    assert t[("China", "Total")].tolist() == [90, 25, 115] and t[("Russia", "Total")].tolist() == [63, 40, 103]
    assert t.loc[2, ("China", "2020–22")] == 37 and t[("All reports", "")].tolist() == [153, 65, 218]


def test_a_cross_tab_saves_one_header_row(tmp_path):
    from kzperception.book.charts import table_1_reports
    from kzperception.book.display import save_csv
    from kzperception.data.counts import load_counts

    path = save_csv(table_1_reports(load_counts("published")), "t1", tmp_path)
    head, first = path.read_text(encoding="utf-8").splitlines()[:2]
    assert head == (
        "Website,China 2020–22,China 2022–23,China Total,Russia 2020–22,Russia 2022–23,Russia Total,All reports"
    )
    assert first == "Government (gov.kz),25,65,90,24,39,63,153"


@pytest.mark.parametrize(
    ("numbers", "error"),
    [([1, 2, 2], "thesis number 2 is given twice"), ([1, 3, 2], "thesis number 2 is out of the thesis's order")],
)
def test_thesis_numbers_fail_on_a_duplicate_or_disorder(numbers, error):
    order = [("doc", f"f{i}", n, f"f{i}", i) for i, n in enumerate(numbers)]
    with pytest.raises(ExhibitNumberError, match=error):
        thesis_numbers(order)


def test_thesis_numbers_may_skip_but_keep_their_own_number():
    order = [("a", "x", 4, "x", 1), ("b", "y", 9, "y", 2)]
    assert thesis_numbers(order) == {("a", "x"): 4, ("b", "y"): 9}


# --- the build ----------------------------------------------------------------------------------------


@pytest.fixture
def book(tmp_path: Path) -> Path:
    write_page(
        tmp_path / "a.ipynb", "A", [("fig-x", "figure", None), ("table-1", "table", 1), ("figure-1", "figure", 1)]
    )
    # the thesis's Figure 5 may follow its Figure 1 (a book of some chapters): it keeps its number
    write_page(
        tmp_path / "b.ipynb", "B", [("fig-y", "figure", None), ("tab-y", "table", None), ("figure-5", "figure", 5)]
    )
    write_project(tmp_path, ["a", "b"])
    return tmp_path


def test_the_record_survives_the_notebook_round_trip(tmp_path):
    write_page(tmp_path / "a.ipynb", "A", [("fig-x", "figure", None)])
    out = json.loads((tmp_path / "a.ipynb").read_text())["cells"][0]["outputs"][0]
    assert out["data"][GLUE_PREFIX + EXHIBIT_MIME]["kind"] == "figure"


def test_tables_right_align_numbers_and_show_labels_for_ids():
    from kzperception.book.display import show_table

    html = show_table(
        pd.DataFrame({"country": ["china", "<b>x</b>"], "website": ["government", "president"], "n": [1, 2]}), "t"
    ).to_html()
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    assert cells == ["China", "Government (gov.kz)", "1", "&lt;b&gt;x&lt;/b&gt;", "President (akorda.kz)", "2"]
    assert 'class="data row0 col2 kzp-num" >1<' in html and 'class="data row0 col0" >China<' in html
    assert "th.col_heading.level0.col2 {\n  text-align: right;" in html and 'class="kzp-table"' in html


def test_a_stacked_chart_is_described_by_its_parts_titles_and_dates_read_as_dates():
    df = pd.DataFrame({"pivot": pd.to_datetime(["2022-02-24", "2022-03-24"]), "n": [1, 2]})
    top = alt.Chart(df, title="Ratio").mark_line().encode(x="pivot:T", y="n:Q")
    ex = exhibits.figure("f", alt.vconcat(top, top.properties(title="p-value")), Provenance("m.draw"))
    assert ex.description == "Ratio; p-value. Pivot: 2022-02-24; n: 1. Pivot: 2022-03-24; n: 2."


def test_a_reference_with_its_own_words_to_an_edition_exhibit_keeps_the_e():
    """``{numref}`Figures %s <figure-x>``` replaces the exhibit's format ("Figure E%s") with its own
    words, so the number alone ("1") would print: an edition exhibit's reference must write the E
    itself, or it names the thesis's Figure 1, which shows other numbers."""
    from kzperception import paths

    pages = sorted(paths.NOTEBOOKS.rglob("*.md"))
    texts = {p: p.read_text(encoding="utf-8") for p in pages}
    exhibit = re.compile(r"```\{exhibit\}\s+(\S+)\s*\n((?::[^\n]*\n)*)")
    edition = {m[1] for t in texts.values() for m in exhibit.finditer(t) if ":thesis:" not in m[2]}
    assert "figure-main-by-partner" in edition  # the pattern finds the directives
    explicit = re.compile(r"\{numref\}`([^`<]*%s[^`<]*)<([^`>]+)>`")
    wrong = [
        (p.name, m[0])
        for p, t in texts.items()
        for m in explicit.finditer(t)
        if m[2].strip() in edition and not re.search(r"E%s", m[1])
    ]
    assert wrong == []


def test_the_data_table_keeps_the_precision_the_chart_gives_a_field():
    """A per-day rate of 0.012 that the chart's tooltip shows as 0.012 must not read 0.0 in the Data
    table or the text alternative; fields without a format keep one decimal."""
    df = pd.DataFrame({"rate": [0.012, 0.0345], "p": [0.000123, 0.5], "n": [3.5, 4.25]})
    chart = (
        alt.Chart(df)
        .mark_point()
        .encode(
            x=alt.X("n:Q", title="Reports"),
            y=alt.Y("rate:Q", title="Per day", axis=alt.Axis(format=".3f")),
            tooltip=[alt.Tooltip("p:Q", title="p", format=".3g"), alt.Tooltip("rate:Q", format=".3f")],
        )
    )
    spec = chart.to_dict()
    html = exhibits.data_table_html(exhibits.chart_frame(spec))
    assert '<td class="kzp-num">0.012</td>' in html and "0.035" in html
    assert "0.000123" in html and ">3.5<" in html
    text = exhibits.chart_description(spec)
    assert "Per day: 0.012" in text and "P: 0.000123" in text
