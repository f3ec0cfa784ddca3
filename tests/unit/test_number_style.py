"""One style for numbers, labels, periods and colours across the book (docs/architecture.md, "Numbers and labels").

The rules: a share prints with one decimal even when whole ("48.0" beside "27.8"); labels, never
ids, in every table (the code level reads "Main" in Figure 4's data as in Figure 5's); periods in
time order (2020–22 before 2022–23) in every chart's data table; one colour per partner in every
chart (China red in Figure 8 as in Figure 6, never the main level's slate); no chart title that
repeats its caption (the caption is the figure's title). Checked over the chart registry
(:func:`kzperception.book.chart_registry.registered_charts`: every chart the book glues) and
over the built pages (tests/book/test_number_style_book.py).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from conftest import registered_chart_specs

from kzperception.book import charts, exhibits, palette
from kzperception.book.display import show_table
from kzperception.data.counts import load_counts


@pytest.fixture(scope="module")
def published():
    return load_counts("published")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from kzperception.fieldwork import synth

    folder = synth.write_synthetic(7, tmp_path_factory.mktemp("synth") / "corpus", reports=90)
    return load_counts(folder)


def _registry(counts) -> dict[str, dict]:
    """Every registered chart's spec (the chart registry, so a new chart is checked without naming it)."""
    return registered_chart_specs(counts)


def _colours(node: Any) -> set[str]:
    """Every colour a spec draws with: values, mark colours and fills, scale ranges."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"color", "fill", "stroke", "value"} and isinstance(value, str) and value.startswith("#"):
                found.add(value.lower())
            elif key == "range" and isinstance(value, list):
                found |= {v.lower() for v in value if isinstance(v, str) and v.startswith("#")}
            else:
                found |= _colours(value)
    elif isinstance(node, list):
        for value in node:
            found |= _colours(value)
    return found


@pytest.mark.parametrize("corpus", ["published", "synthetic"])
def test_no_chart_carries_a_title_its_caption_gives(corpus, request):
    for name, spec in _registry(request.getfixturevalue(corpus)).items():
        assert not spec.get("title"), f"{name}: the caption is the title, not {spec.get('title')!r}"


def test_a_stacked_figure_titles_its_panels_by_partner_alone(published):
    spec = charts.codes_by_partner_all_levels(published).to_dict()
    assert [panel["title"] for panel in spec["vconcat"]] == ["China", "Russia"]


@pytest.mark.parametrize("corpus", ["published", "synthetic"])
def test_one_colour_per_partner_in_every_chart_about_one_partner(corpus, request):
    counts = request.getfixturevalue(corpus)
    partners = {p: palette.partner_colour(p, counts.vocabulary).lower() for p in counts.vocabulary.partner_ids}
    levels = {c.lower() for c in palette.LEVEL.values()}
    for partner, colour in partners.items():
        for draw in (charts.main_codes_figure, charts.all_codes_figure):
            used = _colours(draw(counts, partner).to_dict())
            others = (set(partners.values()) - {colour}) | levels
            assert colour in used and not used & others, f"{draw.__name__}({partner}): {sorted(used)}"
    for panel, partner in zip(
        charts.codes_by_partner_all_levels(counts).to_dict()["vconcat"], counts.vocabulary.partner_ids, strict=False
    ):
        assert _colours(panel) == {partners[partner]}


def test_the_thesis_figures_of_one_partner_share_its_colour(published):
    china, russia = (palette.partner_colour(p, published.vocabulary).lower() for p in ("china", "russia"))
    assert _colours(charts.figure_6_main_codes_china(published).to_dict()) == {china}
    assert _colours(charts.figure_8_all_codes_china(published).to_dict()) == {china}
    assert _colours(charts.figure_9_all_codes_russia(published).to_dict()) == {russia}


@pytest.mark.parametrize("corpus", ["published", "synthetic"])
def test_periods_in_time_order_in_every_charts_data(corpus, request):
    counts = request.getfixturevalue(corpus)
    order = [counts.labels["before"], counts.labels["after"]]
    for name, spec in _registry(counts).items():
        frame = exhibits.chart_frame(spec)
        period = next((c for c in frame.columns if c in {"Period", "Thesis period"}), None)
        if period is None or not set(frame[period]) <= set(order):
            continue
        keys = [c for c in frame.columns if c != period and not pd.api.types.is_numeric_dtype(frame[c])]
        for _, group in frame.groupby(keys, sort=False) if keys else [(None, frame)]:
            ranks = [order.index(p) for p in group[period]]
            assert ranks == sorted(ranks), f"{name}: {list(group[period])}"


def test_figure_2_lists_each_country_before_then_after(published):
    frame = exhibits.chart_frame(charts.figure_2_time_by_country(published).to_dict())
    assert list(zip(frame["Country"], frame["Period"], strict=True)) == [
        ("China", "2020–22"),
        ("China", "2022–23"),
        ("Russia", "2020–22"),
        ("Russia", "2022–23"),
    ]


@pytest.mark.parametrize("corpus", ["published", "synthetic"])
def test_labels_never_ids_in_a_charts_data(corpus, request):
    counts = request.getfixturevalue(corpus)
    for name, spec in _registry(counts).items():
        frame = exhibits.chart_frame(spec)
        if "Level" in frame:
            assert set(frame["Level"]) <= set(charts.LEVEL_LABELS.values()), name


def test_a_whole_share_keeps_its_decimal_in_data_and_tables():
    frame = pd.DataFrame({"Category": ["a", "b"], "Codes": [48.0, 12.0], "Share (%)": [48.0, 27.8]})
    data = exhibits.data_table_html(frame)
    assert ">48.0<" in data and ">27.8<" in data and ">48<" in data  # the count stays whole
    html = show_table(frame.assign(**{"Share (%)": [48.0, 12.0]}), "t").to_html()
    assert ">48.0<" in html and ">12.0<" in html and ">48<" in html
