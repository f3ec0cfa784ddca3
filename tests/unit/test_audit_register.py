"""Register checks: what the thesis says about cited reports, against the register's texts."""

from __future__ import annotations

import pandas as pd
import pytest

from kzperception.analysis import audit_register as ar
from kzperception.data.register import default_register


@pytest.fixture(scope="module")
def register():
    return default_register()


@pytest.fixture(scope="module")
def table(register):
    return ar.register_audit(register)


def _check(**kw) -> pd.DataFrame:
    row = {"id": "T-1", "where": "6.3.3: x", "claim": "c", "check": "text", "reports": "", "terms": "", "expect": ""}
    row.update(kw)
    return pd.DataFrame([row], columns=list(ar.CHECK_COLUMNS))


def test_every_check_loads_and_gets_a_verdict(table):
    checks = ar.load_checks()
    assert len(table) == len(checks) >= 40 and checks["id"].is_unique
    assert set(table["verdict"]) <= set(ar.REGISTER_VERDICTS)
    assert (table["verdict"] == "agrees").mean() > 0.85


def test_known_verdicts(table):
    v = table.set_index("id")["verdict"]
    assert v["R-47"] == "disagrees"  # ARDFM 2022: 25 February in the text, 26 in the references
    assert v["R-48"] == "agrees"  # ... after the pivot either way
    assert v["R-50"] == "not confirmed"  # "all of them addressing the war": one of three names Ukraine
    assert v["R-36"] == "agrees"  # only one military report (register: md-kz-2022)
    facts = ar.register_facts(table)
    assert (facts["r50_hits"], facts["r50_of"]) == (1, 3)
    assert facts["n_register_checks"] == sum(facts["n_register_" + k.replace(" ", "_")] for k in ar.REGISTER_VERDICTS)


def test_a_wrong_date_or_code_disagrees_and_a_missing_word_is_not_confirmed(register):
    wrong_date = ar.register_audit(register, checks=_check(check="date", reports="akorda-2022a", expect="2022-02"))
    assert wrong_date.loc[0, "verdict"] == "disagrees" and "2022-01-08" in wrong_date.loc[0, "found"]
    wrong_code = ar.register_audit(
        register, checks=_check(check="codes", reports="clp-2021", terms="cultural/non_cooperation/main")
    )
    assert wrong_code.loc[0, "verdict"] == "disagrees"
    missing = ar.register_audit(register, checks=_check(reports="akorda-2023c", terms="внутренн"))
    assert missing.loc[0, "verdict"] == "not confirmed" and "title only" in missing.loc[0, "note"]
    period = ar.register_audit(register, checks=_check(check="period", reports="ardfm-2022", expect="before"))
    assert period.loc[0, "verdict"] == "disagrees"


def test_count_expectations(register):
    sel = "country=russia period=after category=security_military mode=non_cooperation"

    def verdict(terms, expect):
        return ar.register_audit(register, checks=_check(check="count", reports=sel, terms=terms, expect=expect)).loc[
            0, "verdict"
        ]

    assert verdict("", "=3") == "agrees"
    assert verdict("", "=2") == "disagrees"  # more than "only two"
    assert verdict("украин", ">=2") == "not confirmed"
    assert verdict("украин", "<=1") == "agrees"
    assert verdict("украин", "none") == "disagrees"
    assert verdict("", "all") == "agrees"


def test_terms_need_every_group(register):
    text = "телефонный разговор с президентом россии"
    assert ar.matches(text, "телефонный разговор&президентом россии|путин") == [
        "телефонный разговор",
        "президентом россии",
    ]
    assert ar.matches(text, "телефонный&посол") is None


def test_malformed_checks_are_refused(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        "id,where,claim,check,reports,terms,expect\n"
        "a,6.3: x,c,smell,akorda-2022a,,\n"
        "a,6.3: x,c,count,colour=red,,most\n"
        "b,6.3: x,c,date,akorda-2022a,,January\n",
        encoding="utf-8",
    )
    with pytest.raises(ar.CheckError) as info:
        ar.load_checks(path)
    text = str(info.value)
    assert ":2: check:" in text and ":3: id: duplicate" in text and ":3: expect:" in text
    assert ":3: reports:" in text and ":4: expect:" in text


def test_an_unknown_report_is_named(register):
    with pytest.raises(KeyError, match="no-such"):
        ar.register_audit(register, checks=_check(reports="no-such-report", terms="x"))
