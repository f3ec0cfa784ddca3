"""Charts: Figures 6/7 and 8/9 share their scale and category order, every chart has a text alternative."""

from __future__ import annotations

import json
import re

import pytest
from conftest import registered_chart_specs

from kzperception import paths
from kzperception.book import charts
from kzperception.data.counts import load_counts
from kzperception.data.vocabulary import CATEGORIES, CATEGORY_LABELS


@pytest.fixture(scope="module")
def published():
    return load_counts("published")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from kzperception.fieldwork import synth

    folder = synth.write_synthetic(7, tmp_path_factory.mktemp("synth") / "corpus", reports=90)
    return load_counts(folder)


#: ``glue_figure("figure-1", charts.figure_1_country_website, ...)`` in a chapter: name and function.
GLUE_FIGURE = re.compile(r'glue_figure\(\s*"([^"]+)",\s*([\w.]+)')


def _axis(spec: dict) -> tuple[list, list]:
    enc = spec["encoding"]
    return enc["x"]["scale"]["domain"], enc["y"]["sort"]


def _largest_bar(spec: dict) -> float:
    rows = next(iter(spec["datasets"].values()))
    totals: dict[str, float] = {}
    for row in rows:
        totals[row["Category"]] = totals.get(row["Category"], 0) + row["n"]
    return max(totals.values())


@pytest.mark.parametrize("corpus", ["published", "synthetic"])
@pytest.mark.parametrize("pair", [(6, 7), (8, 9)], ids=["figures 6 and 7", "figures 8 and 9"])
def test_partner_figures_share_scale_and_order(corpus, pair, request):
    counts = request.getfixturevalue(corpus)
    a, b = (charts.FIGURES[n](counts).to_dict() for n in pair)
    (dom_a, sort_a), (dom_b, sort_b) = _axis(a), _axis(b)
    assert dom_a == dom_b and sort_a == sort_b
    assert sort_a == [CATEGORY_LABELS[c] for c in CATEGORIES]  # the codebook's order
    assert a["encoding"]["x"]["scale"]["nice"] is False
    # the shared axis holds the longer bar of the two, and no more than one step beyond it
    top = max(_largest_bar(a), _largest_bar(b))
    assert dom_a[0] == 0 and top <= dom_a[1] < top + 10
    # every category has a row in both, so the two charts list the same categories
    assert {r["Category"] for r in next(iter(a["datasets"].values()))} == set(sort_a)


def test_shared_domain_follows_the_partner_with_the_longer_bar(published):
    # China's economic main codes (63) are the longest bar of Figures 6 and 7, so Russia's
    # figure (49 at most) is drawn on China's axis rather than its own
    assert charts.codes_domain(published, ("main",)) == [0, 70]
    assert _axis(charts.figure_7_main_codes_russia(published).to_dict())[0] == [0, 70]
    assert charts.codes_domain(published, ("main", "secondary")) == [0, 80]


def test_nice_top():
    assert [charts.nice_top(v) for v in (0, 1, 5, 6, 49, 50, 63, 141)] == [5, 5, 5, 10, 50, 50, 70, 150]


@pytest.mark.parametrize("corpus", ["published", "synthetic"])
def test_every_chart_has_a_one_line_text_alternative(corpus, request):
    for name, spec in registered_chart_specs(request.getfixturevalue(corpus)).items():
        text = spec.get("description")
        assert text and "\n" not in text and len(text) <= charts.DESCRIPTION_LIMIT, name
        assert "nan" not in text.split() and "None" not in text, name


def test_every_chart_a_chapter_glues_is_registered():
    """A chart glued in a chapter but not registered would skip the palette and text checks."""
    from kzperception.book.chart_registry import registered_charts

    registered = {name: chart.draw.__name__ for name, chart in registered_charts().items()}
    glued = {}
    for page in sorted((paths.ROOT / "notebooks").glob("*.md")):
        for name, function in GLUE_FIGURE.findall(page.read_text(encoding="utf-8")):
            glued[name] = function.rsplit(".", 1)[-1]
    assert len(glued) >= 15  # the scan finds the book's figures
    assert glued == {name: registered.get(name) for name in glued}
    assert set(registered) <= set(glued), "registered charts that no chapter glues"


def test_text_alternative_names_the_largest_values(published):
    text = charts.figure_6_main_codes_china(published).to_dict()["description"]
    assert "China" in text and "Economic 63" in text and "Political and diplomatic 42" in text
    fig1 = charts.figure_1_country_website(published).to_dict()["description"]
    assert "China 115" in fig1 and "Russia 103" in fig1


def test_context_and_sweep_charts_have_text_alternatives():
    from kzperception.analysis import sensitivity
    from kzperception.data.context import load_context
    from kzperception.data.corpus import load_corpus
    from kzperception.data.window import THESIS_WINDOW

    ctx = load_context()
    assert "events" in charts.timeline_chart(ctx, THESIS_WINDOW).to_dict()["description"]
    assert "Spring 2022" in charts.survey_chart(ctx).to_dict()["description"]
    sweep = sensitivity.pivot_sweep(load_corpus("data/register"), "2022-01-06", "2022-03-24")
    text = charts.sensitivity_chart(sweep).to_dict()["description"]
    assert "2022-02-24" in text and "p =" in text


def test_description_text_is_plain_and_cut():
    assert charts.plain("a\nb\t\x00c\u2028d  e") == "a b c d e"
    long = charts.describe("word " * 200)
    assert len(long) == charts.DESCRIPTION_LIMIT and long.endswith("…")


def test_the_description_reaches_the_vega_view(published):
    # Vega sets the view's description as the aria-label of the chart's container in the page
    # (tests/book/test_dark_mode.py sees it in the browser); here: it survives compilation to Vega.
    import vl_convert

    spec = charts.figure_6_main_codes_china(published).to_dict()
    assert vl_convert.vegalite_to_vega(spec)["description"] == spec["description"]


def test_long_labels_wrap_and_quotes_cannot_break_the_expression():
    assert charts._wrapped("Educational and scientific") == ["Educational", "and scientific"]
    assert charts._wrapped("Cultural") == ["Cultural"]
    expr = charts.wrap_label_expr(['Say "hi" and goodbye now', "Short"])
    assert json.dumps('Say "hi" and goodbye now') in expr and "Short" not in expr
    # the expression compiles and draws the two lines
    import vl_convert

    spec = {
        "data": {"values": [{"c": 'Say "hi" and goodbye now', "n": 1}]},
        "mark": "bar",
        "encoding": {
            "y": {"field": "c", "type": "nominal", "axis": {"labelExpr": expr}},
            "x": {"field": "n", "type": "quantitative"},
        },
    }
    svg = vl_convert.vegalite_to_svg(spec)
    assert "goodbye now" in svg and "Say &quot;hi&quot; and" in svg


def test_a_text_alternative_calls_no_zero_largest() -> None:
    """A corpus where two categories hold every main code: the bar chart's text alternative names
    those two and no category with no code ("Largest: ..., Political and diplomatic 0" was printed)."""
    import pandas as pd

    df = pd.DataFrame({"Category": ["Economic", "Security", "Political"], "n": [6, 6, 0]})
    assert charts._largest(df, "Category", "n") == "Largest: Economic 6, Security 6."
    assert charts._largest(df.assign(n=0), "Category", "n") == "Nothing is counted."
