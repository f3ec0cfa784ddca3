"""The audit language (kzperception.analysis.audit_lang): which partners a sum spans."""

from __future__ import annotations


def test_sums_span_the_partners_the_counts_have_and_a_fixed_absent_partner_does_not_crash():
    """A key left out sums over the partners the counts have reports for (the published figures:
    China and Russia, whatever the project's vocabulary adds); a selector that fixes a partner the
    data lacks (a corpus without Russia) is counted, not refused with a ValueError."""
    import dataclasses

    from kzperception.analysis.audit_lang import AuditData, evaluate
    from kzperception.data.counts import load_counts

    data = AuditData.from_counts(load_counts())
    assert data.countries == ("china", "russia")
    both = evaluate("codes[period=all,category=economic,mode=cooperation,level=main]", data).number
    china = evaluate("codes[country=china,period=all,category=economic,mode=cooperation,level=main]", data).number
    russia = evaluate("codes[country=russia,period=all,category=economic,mode=cooperation,level=main]", data).number
    assert both == china + russia
    only_china = dataclasses.replace(data, countries=("china",))
    expr = "count(codes[country=russia,period=all,mode=cooperation,level=main], country, category)"
    assert evaluate(expr, only_china).number == evaluate(expr, data).number == 7
