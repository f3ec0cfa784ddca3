"""Sentences that state the counts without judging them, for any number of partners and websites.

A chapter that says "115 of them concern China and 103 concern Russia" in hand-written prose
breaks on the first corpus with a third partner. So the sentences that list numbers per partner
or per slot are written here, from the counts, one clause per partner with reports, and the page
glues them. They judge nothing (which partner grew faster is a verdict, :mod:`.render`).
"""

from __future__ import annotations

from kzperception.analysis.measures import share
from kzperception.data.counts import Counts
from kzperception.data.vocabulary import WEBSITE_NAMES
from kzperception.readings import compute, words
from kzperception.readings.render import Labels


def partners_or(counts: Counts, labels: Labels | None = None) -> str:
    """``China or Russia`` / ``China, Russia or the European Union``: the partners of the counts' vocabulary."""
    labels = labels or Labels.of(counts)
    ids = compute.partners(counts) or compute.partner_ids(counts)
    names = [labels.partner(p) for p in ids]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def slots(counts: Counts) -> str:
    """``eight slots`` / ``12 slots``: partners with reports x websites x two periods, as the thesis counts them."""
    n = max(1, len(compute.partners(counts))) * len(compute.website_ids(counts)) * 2
    return f"{_word(n)} slots"


def _word(n: int) -> str:
    small = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
    return small[n] if 0 <= n < len(small) else f"{n:,}"


def totals(counts: Counts, labels: Labels | None = None) -> str:
    """How many reports in all and on each partner, with each partner's share of the whole."""
    labels = labels or Labels.of(counts)
    total = compute.reports(counts)
    ps = compute.partners(counts)
    head = f"The collection holds {words.count(total)}."
    if not ps:
        return head
    if len(ps) == 1:
        return f"{head} All of them concern {labels.partner(ps[0])}."
    parts = [
        f"{compute.reports(counts, p):,} ({words.percent(share(compute.reports(counts, p), total))}) "
        f"{'concern ' if i == 0 else ''}{labels.partner(p)}"
        for i, p in enumerate(ps)
    ]
    return f"{head} Of these, {words.together(parts)}."


def websites(counts: Counts) -> str:
    """How the reports divide between the websites, and each partner's share on each website."""
    total = compute.reports(counts)
    ws = [w for w in compute.website_ids(counts)]
    sizes = {w: compute.reports(counts, website=w) for w in ws}
    parts = [
        f"{sizes[w]:,} ({words.percent(share(sizes[w], total))}) "
        f"{'come ' if i == 0 else ''}from {WEBSITE_NAMES.get(w, w)}"
        for i, w in enumerate(ws)
    ]
    text = f"By publisher, {words.together(parts)}."
    ps = compute.partners(counts)
    if len(ws) > 1 and ps:
        first = ws[0]
        per = [
            f"{words.percent(share(compute.reports(counts, p, website=first), compute.reports(counts, p)))} "
            f"for {Labels.of(counts).partner(p)}"
            for p in ps
        ]
        text += f" The share of {WEBSITE_NAMES.get(first, first)} in each partner's reports is {words.together(per)}."
    return text


def periods(counts: Counts, labels: Labels | None = None) -> str:
    """How many reports fall before and after the pivot, in all and for each partner, with the periods' lengths."""
    labels = labels or Labels.of(counts)
    lb, la = counts.window.label("before"), counts.window.label("after")
    total = compute.reports(counts)
    nb, na = compute.reports(counts, period="before"), compute.reports(counts, period="after")
    text = (
        f"Of all reports, {nb:,} ({words.percent(share(nb, total))}) date from {lb} and {na:,} "
        f"({words.percent(share(na, total))}) from {la}."
    )
    if compute.periods_differ(counts.window):
        text += " Because the periods differ in length, each change below is a change in reports per day."
    for p in compute.partners(counts):
        n = compute.reports(counts, p)
        b, a = compute.reports(counts, p, "before"), compute.reports(counts, p, "after")
        text += (
            f" {labels.partner(p)}: {b:,} before ({words.percent(share(b, n))}) and {a:,} after "
            f"({words.percent(share(a, n))})."
        )
    return text


def slot_changes(counts: Counts, labels: Labels | None = None) -> str:
    """Each partner's reports on each website before and after the pivot, one sentence per partner."""
    labels = labels or Labels.of(counts)
    out = []
    for p in compute.partners(counts):
        parts = []
        for w in compute.website_ids(counts):
            b, a = compute.reports(counts, p, "before", w), compute.reports(counts, p, "after", w)
            if a + b == 0:
                parts.append(f"none on {WEBSITE_NAMES.get(w, w)}")
                continue
            parts.append(
                f"on {WEBSITE_NAMES.get(w, w)} from {b:,} ({words.percent(share(b, a + b))}) to {a:,} "
                f"({words.percent(share(a, a + b))})"
            )
        out.append(f"Reports on {labels.partner(p)}: {words.together(parts)}.")
    return " ".join(out)


def pace(counts: Counts) -> str:
    """How long the two periods are, and the share of reports a steady pace of publication would put after the pivot."""
    from kzperception.analysis.stats import after_share_expected

    days_before, days_after = compute.period_days(counts.window)
    expected = words.percent(after_share_expected(counts))
    if days_before == days_after:
        length = f"The two periods are equally long ({days_before:,} days each)"
    elif not compute.periods_differ(counts.window):
        length = f"The two periods are nearly equally long ({days_before:,} and {days_after:,} days)"
    else:
        length = f"The two periods differ in length ({days_before:,} days before the pivot, {days_after:,} after it)"
    return (
        f"{length}, so if the websites had kept publishing about a partner at the same pace, about {expected} "
        "of its reports would fall after the pivot."
    )


def category_reach(counts: Counts, category: str, labels: Labels | None = None) -> str:
    """How many reports on each partner carry ``category`` as a main code and at either level, with shares."""
    labels = labels or Labels.of(counts)
    from kzperception.readings.compute import level_count

    name = words.capitalised(labels.category(category))
    main, anyl = [], []
    for p in compute.partners(counts):
        n = compute.reports(counts, p)
        km, ka = level_count(counts, category, "main", p), level_count(counts, category, "any", p)
        who = labels.partner(p)
        main.append(f"{words.count(km)} on {who}" + ("" if km != km or not km else f" ({words.percent(share(km, n))})"))
        anyl.append(f"{words.count(ka)} on {who}" + ("" if ka != ka or not ka else f" ({words.percent(share(ka, n))})"))
    if not main:
        return f"{name} has no report to reach."
    return f"{name} is a main code in {words.together(main)}; at either level it reaches {words.together(anyl)}."


def count_beside(counts: Counts, x: str, y: str, period: str = "before") -> str:
    """``fewer than the 46 on Russia`` / ``more than`` / ``as many as``: ``x``'s reports in ``period`` beside ``y``'s.

    Describes, does not judge: which neighbour that makes the officials' concern is a verdict
    (:class:`~kzperception.readings.verdicts.SlotPair`, aspect ``before``).
    """
    nx, ny = compute.reports(counts, x, period), compute.reports(counts, y, period)
    relation = "more than" if nx > ny else "fewer than" if nx < ny else "as many as"
    return f"{relation} the {ny:,} on {counts.vocabulary.partner_label(y)}"
