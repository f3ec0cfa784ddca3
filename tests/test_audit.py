"""The audit's mini-language (parser, evaluation) and the verdicts on the thesis's statements."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kzperception.analysis import audit
from kzperception.analysis.audit import Call, ExprError, Key, NotRecomputable, Num, Select, Text, parse
from kzperception.data.counts import load_counts


@pytest.fixture(scope="module")
def published():
    return load_counts("published")


@pytest.fixture(scope="module")
def data(published):
    return audit.AuditData.from_counts(published)


@pytest.fixture(scope="module")
def table(published):
    return audit.audit_table(published)


# --- parser -------------------------------------------------------------------------------------

def test_parse_selector_with_alternatives():
    node = parse("codes[country=china,period=before|after,category=economic,mode=cooperation,level=main]")
    assert isinstance(node, Select)
    assert node.table == "codes"
    assert node.get("period") == ("before", "after")
    assert node.get("website") is None


def test_parse_nested_calls_and_keys():
    node = parse("share(reports[country=china], sum(reports[], 0))")
    assert isinstance(node, Call) and node.name == "share"
    assert node.args[0] == Select("reports", (("country", ("china",)),))
    inner = node.args[1]
    assert isinstance(inner, Call) and inner.args == (Select("reports", ()), Num(0.0))
    grouped = parse("count(reports[], country, website)")
    assert grouped.args[1:] == (Key("country"), Key("website"))
    assert parse("unpublished('no cell')").args == (Text("no cell"),)


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("reports[country=china", "expected"),
        ("reports[country=japan]", "not one of"),
        ("reports[colour=red]", "unknown key"),
        ("codes[country=china,category=economic]", "needs period="),
        ("tables[country=china]", "unknown table"),
        ("mean(reports[])", "unknown function"),
        ("share(reports[])", "takes 2"),
        ("reports[] reports[]", "after a complete expression"),
        ("country", "bare name"),
        ("rank(codes[period=all,mode=cooperation,level=main], category)", "fix category"),
        ("growing(reports[period=before], country)", "without period"),
        ("reports[country=china;website=president]", "unexpected character"),
        ("__import__('os')", "unknown function"),
        ("os.system(1)", "unexpected character"),
        ("stated[measure=a,measure=b]", "exactly one filter"),
        ("", "empty"),
    ],
)
def test_parse_errors_are_one_line(expr, message):
    with pytest.raises(ExprError, match=message) as info:
        parse(expr)
    assert "\n" not in str(info.value)


# --- evaluation ---------------------------------------------------------------------------------

def test_selectors_sum_published_cells(data):
    assert audit.evaluate("reports[]", data).number == 218
    assert audit.evaluate("reports[country=china]", data).number == 115
    assert audit.evaluate("reports[country=russia,website=president,period=before]", data).number == 22
    cell = "codes[country=china,period=all,category=economic,mode=cooperation,level=main]"
    assert audit.evaluate(cell, data).number == 63
    assert audit.evaluate("codes[period=all,mode=cooperation,level=main]", data).number == 274


def test_functions(data):
    v = audit.evaluate("share(reports[country=china], reports[])", data).number
    assert v == pytest.approx(100 * 115 / 218)
    growth = "change(reports[country=china,period=before], reports[country=china,period=after])"
    assert audit.evaluate(growth, data).number == pytest.approx(100 * (78 - 37) / 37)
    assert audit.evaluate("sum(reports[period=before], reports[period=after], 1)", data).number == 219
    assert audit.evaluate("diff(reports[country=china], reports[country=russia])", data).number == 12
    assert audit.evaluate("count(reports[], country, website, period)", data).number == 8
    assert audit.evaluate("growing(reports[], country, website)", data).number == 3


def test_rank_is_competition_rank_largest_first(data):
    sec = "rank(codes[period=all,category=security_military,mode=cooperation,level=main], category)"
    edu = "rank(codes[period=all,category=educational_scientific,mode=cooperation,level=main], category)"
    assert audit.evaluate(sec, data).number == 4  # 18 main codes
    assert audit.evaluate(edu, data).number == 5  # 17 main codes


def test_partly_published_grid_is_refused_not_summed_short(data):
    with pytest.raises(NotRecomputable, match=r"not published.*published sum to 6"):
        audit.evaluate("codes[period=before|after,mode=non_cooperation,level=main]", data)
    with pytest.raises(NotRecomputable, match="no cell here"):
        audit.evaluate("unpublished('no cell here')", data)


def test_derived_and_stated_cells_are_reported(data):
    v = audit.evaluate("codes[country=china,period=all,category=political_diplomatic,mode=cooperation]", data)
    assert v.number == 48
    assert any("political_diplomatic" in d for d in v.derived)
    s = audit.evaluate("stated[measure=codes_non_cooperation]", data)
    assert s.number == 8 and s.stated == frozenset({"codes_non_cooperation"})


def test_a_rerun_has_no_stated_totals(small_corpus):
    rerun = audit.AuditData.from_counts(load_counts(small_corpus))
    with pytest.raises(NotRecomputable, match="rerun"):
        audit.evaluate("stated[measure=codes_all]", rerun)
    assert audit.evaluate("reports[]", rerun).number == 6


# --- verdicts -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("printed", "unit", "recomputed", "verdict"),
    [
        ("52.8", "percent", 52.75229, "agrees"),
        ("52.8", "percent", 52.74, "disagrees"),
        ("33", "percent", 33.0097, "agrees"),
        ("2.02", "percent", 2.0151, "agrees"),
        ("74", "count", 79.0, "disagrees"),
        ("4", "rank", 4.0, "agrees"),
    ],
)
def test_judge(printed, unit, recomputed, verdict):
    assert audit.judge(printed, unit, recomputed)[0] == verdict


def test_a_deliberately_wrong_statement_disagrees(data):
    row = audit.audit_statement("reports[country=china]", "116", "count", data)
    assert row["verdict"] == "disagrees" and row["difference"] == "-1"
    pct = audit.audit_statement("share(reports[country=china], reports[])", "53.8", "percent", data)
    assert pct["verdict"] == "disagrees" and pct["difference"].startswith("-1.0")


def test_every_statement_row_parses_and_is_judged(table):
    statements = audit.load_statements()
    assert 120 <= len(statements) <= 240
    assert statements["id"].is_unique
    for expr in statements["expr"]:
        parse(expr)
    assert set(table["verdict"]) <= set(audit.VERDICTS)
    assert (table.loc[table["verdict"] != "not recomputable", "recomputed"].notna()).all()


def test_known_disagreements(table):
    bad = table.set_index("id").loc[table["verdict"].eq("disagrees").to_numpy()]
    subjects = " ".join(bad["subject"])
    assert "China economic at either level" in subjects  # 74 printed, 63 + 16 = 79
    assert "educational and scientific" in subjects  # tied fourth, but 17 < 18 main codes
    assert table["verdict"].eq("agrees").sum() > 0.9 * len(table)


def test_load_statements_reports_every_problem(tmp_path):
    path = tmp_path / "statements.csv"
    path.write_text(
        "id,where,subject,value,unit,expr\n"
        "a,6.2: x,s,1,count,reports[]\n"
        "a,6.2: x,s,one,pounds,reports[colour=red]\n",
        encoding="utf-8",
    )
    with pytest.raises(ExprError) as info:
        audit.load_statements(path)
    problems = str(info.value).splitlines()
    assert any(":3: id: duplicate" in p for p in problems)
    assert any(":3: unit:" in p for p in problems)
    assert any(":3: value:" in p for p in problems)
    assert any(":3: expr:" in p for p in problems)


def test_facts_and_rerun_column(table, published, small_corpus):
    facts = audit.verdict_counts(table)
    assert facts["n_statements"] == facts["n_agrees"] + facts["n_disagrees"] + facts["n_not_recomputable"]
    keyed = audit.statement_facts(table, ["6.3.1-08"])
    assert keyed == {"s631_08_printed": 74, "s631_08_recomputed": 79.0}
    small = pd.DataFrame([{"id": "x", "where": "6.2: x", "subject": "all", "value": "218", "unit": "count",
                           "expr": "reports[]"}])
    out = audit.audit_table(published, small, rerun=load_counts(small_corpus))
    assert out.loc[0, "verdict"] == "agrees" and out.loc[0, "rerun"] == 6
    assert math.isnan(audit.audit_table(published, small.assign(expr="unpublished('x')")).loc[0, "recomputed"])


def test_the_readings_part_lists_each_reading_with_its_numbers_and_rule() -> None:
    from kzperception import paths
    from kzperception.analysis.audit import readings_table
    from kzperception.data.counts import load_counts
    from kzperception.data.window import THESIS_WINDOW

    published = readings_table(load_counts("published")).set_index("reading")
    register = readings_table(load_counts(paths.REGISTER, THESIS_WINDOW)).set_index("reading")
    assert published.loc["growth_china_russia", "wording"].startswith("attention to China grows faster")
    assert "china_before = 37" in published.loc["growth_china_russia", "rests on"]
    assert "while" in register.loc["growth_china_russia", "wording"]  # the register reads otherwise
    assert (published["rule"] != "").all() and published.index.is_unique
