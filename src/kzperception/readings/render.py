"""The renderer: verdicts into English sentences, by the rules of :mod:`kzperception.readings.words`.

One function per verdict type (:func:`render` dispatches on the type). A rendering contains no
number the verdict does not hold (the property tests check it) and uses only the vocabulary's
labels for partners and categories, so no id reaches a reader. Sentences come back without the
closing full stop and uncapitalised, so a page may open a sentence with them or continue one.
"""

from __future__ import annotations

import math
from functools import singledispatch

from kzperception.analysis.measures import THESIS_DECIMALS
from kzperception.data.vocabulary import CATEGORY_LABELS, COUNTRY_LABELS, WEBSITE_HOSTS
from kzperception.readings import words
from kzperception.readings.verdicts import (
    ALPHA,
    AttentionTest,
    CategoryContrast,
    CategoryOrder,
    CategoryProfile,
    CategoryShift,
    CodeTotals,
    CommonLeader,
    Direction,
    GrowthContrast,
    LevelsOrder,
    LevelSplit,
    OddsRatio,
    PeriodChange,
    PeriodLengths,
    PeriodRates,
    PeriodTests,
    PivotLead,
    Place,
    Pooling,
    Ranking,
    Scale,
    SecurityPart,
    SlotGrowth,
    SlotLead,
    SlotPair,
    SlotRise,
    SmallSite,
    Standing,
    SteadyPace,
    SweepAhead,
    SweepBalance,
    SweepShape,
    Verdict,
    WindowCoverage,
    agrees,
    is_nan,
)


class Labels:
    """How ids read: the vocabulary's labels (an unknown id reads as itself, never a KeyError)."""

    def __init__(
        self,
        partners: dict[str, str] | None = None,
        categories: dict[str, str] | None = None,
        websites: dict[str, str] | None = None,
    ) -> None:
        self.partners = dict(COUNTRY_LABELS) | (partners or {})
        self.categories = dict(CATEGORY_LABELS) | (categories or {})
        self.websites = dict(WEBSITE_HOSTS) | (websites or {})  # prose names a website by its host

    @classmethod
    def of(cls, counts: object) -> Labels:
        """The labels of the vocabulary the counts carry (a corpus's own partners and codebook)."""
        vocab = getattr(counts, "vocabulary", None)
        if vocab is None:
            return LABELS
        return cls(dict(vocab.partner_labels), dict(vocab.category_labels), dict(vocab.website_hosts))

    def partner(self, pid: str) -> str:
        return self.partners.get(pid, pid)

    def category(self, cid: str) -> str:
        """``economic cooperation``: a category as prose names it."""
        return f"{self.categories.get(cid, cid).lower()} cooperation"

    def website(self, wid: str) -> str:
        return self.websites.get(wid, wid)

    def item(self, kind: str, iid: str) -> str:
        return self.partner(iid) if kind == "partner" else self.category(iid)


LABELS = Labels()


@singledispatch
def render(verdict: Verdict, labels: Labels = LABELS) -> str:
    """The verdict in words."""
    raise TypeError(f"no renderer for {type(verdict).__name__}")


def _change_words(c: PeriodChange, labels: Labels) -> str:
    who = labels.partner(c.partner)
    span = f"from {c.before:,} to {words.count(c.after)}"
    if c.direction == "absent":
        return f"there is no report on {who} in either period"
    if c.direction == "appears":
        return f"reports on {who} appear only after the pivot ({span})"
    if c.direction == "disappears":
        return f"reports on {who} stop after the pivot ({span.replace('to no report', 'to none')})"
    if c.per_day:
        rates = " against ".join(words.rates(c.rate_before, c.rate_after))
        if c.direction == "flat":
            return f"attention to {who} keeps the same daily rate ({rates}; {span})"
        verb = "grows" if c.direction == "grows" else "falls"
        return f"attention to {who} {verb} by {abs(c.change):.1f} % in reports per day ({rates}; {span})"
    if c.direction == "flat":
        return f"attention to {who} holds steady at {words.count(c.after)}"
    verb = "grows" if c.direction == "grows" else "falls"
    return f"attention to {who} {verb} by {abs(c.change):.1f} % ({span})"


@render.register
def _(v: PeriodChange, labels: Labels = LABELS) -> str:
    return _change_words(v, labels)


@render.register
def _(v: GrowthContrast, labels: Labels = LABELS) -> str:
    la, lb = labels.partner(v.a.partner), labels.partner(v.b.partner)
    per = " per day" if v.a.per_day else ""
    relation = v.relation
    # a partner whose reports appear or stop has no rate to set against another's: each is said as it is
    whole = {"appears", "disappears", "absent"}
    if (
        relation == "unsized"
        or ("flat" in (v.a.direction, v.b.direction) and relation == "faster")
        or v.a.direction in whole
        or v.b.direction in whole
    ):
        text = f"{_change_words(v.a, labels)}, and {_change_words(v.b, labels)}"
    elif relation == "opposite":
        text = f"{_change_words(v.a, labels)}, while {_change_words(v.b, labels)}"
    elif relation == "about" and v.a.direction == v.b.direction == "flat":
        # no contrast between equal values: two steady partners are said to be steady
        return (
            f"attention to {la} and to {lb} holds steady{per} ({la} from {v.a.before:,} to {v.a.after:,}, "
            f"{lb} from {v.b.before:,} to {v.b.after:,}): {words.chance(v.test, 'a difference between them')}"
        )
    elif relation == "about":
        verb = {"grows": "grow", "falls": "fall", "flat": "change"}[v.sign]
        text = (
            f"attention to {la} and to {lb} {verb} about as fast{per} "
            f"({la} {words.signed(v.a.change)}, {lb} {words.signed(v.b.change)})"
        )
    else:
        fast = v.faster
        slow = v.b.partner if fast == v.a.partner else v.a.partner
        verb = "grows faster" if v.sign == "grows" else "falls faster"
        text = (
            f"attention to {labels.partner(fast or '')} {verb}{per} than attention to {labels.partner(slow)} "
            f"({la} {words.signed(v.a.change)}, {lb} {words.signed(v.b.change)})"
        )
    return f"{text}: {words.chance(v.test)}"


@render.register
def _(v: AttentionTest, labels: Labels = LABELS) -> str:
    names = [labels.partner(p) for p in v.partners]
    if len(names) < 2:
        return "with reports on one partner only, there is nothing to compare across the pivot"
    shows = "cannot be tested: " if v.test.outcome == "untestable" else "shows "
    if len(names) == 2:
        return (
            f"how the reports on {names[0]} and on {names[1]} divide between the two periods {shows}"
            f"{words.chance(v.test)}"
        )
    text = (
        f"for {words.group(len(names))} partners ({words.together(names)}), how the reports divide between "
        f"the two periods {shows}{words.chance(v.test)}"
    )
    differing = v.differing_pairs
    tested = [p for p in v.pairs if p[2] == p[2]]
    if not tested:
        return f"{text}; no pair of partners can be tested on its own"
    if not differing:
        return f"{text}; taken two at a time with Holm's adjustment, no pair of partners differs beyond chance"
    said = [
        f"{labels.partner(a)} and {labels.partner(b)} (Holm-adjusted {words.p_value(p)})"
        for a, b, p in v.pairs
        if (a, b) in differing
    ]
    rest = len(tested) - len(differing)
    tail = "" if rest == 0 else f"; {words.count(rest, 'other pair')} {'does' if rest == 1 else 'do'} not"
    also = "" if len(said) == 1 else ", as do " + ", and ".join(said[1:])
    return f"{text}; taken two at a time with Holm's adjustment, {said[0]} differ beyond chance{also}{tail}"


def _ranking_words(v: Ranking, labels: Labels, lead_test: bool = True) -> str:
    unit = v.unit
    if v.outcome == "none":
        return (
            f"no partner has any {unit}"
            if v.kind == "partner"
            else f"no category is coded {'as a ' + unit if unit != 'code' else 'at all'}"
        )
    names = {k: labels.item(v.kind, k) for k, _ in v.known}
    if v.kind == "partner" and len(v.known) == 1:
        k, n = v.known[0]
        return f"every report concerns {names[k]} ({words.count(n, unit)})"
    if v.outcome == "ties":
        return f"{words.together([names[k] for k in v.leaders])} tie for the lead with {words.count(v.top, unit)} each"
    leader = v.leaders[0]
    text = f"{names[leader]} leads with {words.count(v.top, unit)}"
    runner = v.runner_up
    if runner is not None:
        second = runner[1]
        also = [names[k] for k, n in v.known if n == second]
        each = " each" if len(also) > 1 else ""
        text += (
            f", ahead of {words.together(also)} ({int(second):,}{each})"
            if second > 0
            else ", and nothing else is coded"
            if v.kind == "category"
            else ""
        )
    if lead_test and v.test is not None:
        text += f": {words.chance(v.test, 'a lead')}"
    return text


@render.register
def _(v: Ranking, labels: Labels = LABELS) -> str:
    return _ranking_words(v, labels)


def place(v: Ranking, item: str, labels: Labels = LABELS, what: str = "", counted: bool = True) -> str:
    """``second of the 7 categories by main codes (64), after economic cooperation (120)``; ties share a place.

    A category with no code has no place: it is said to be uncoded, never "last". ``counted=False``
    leaves out "of the 7 categories" (a second place in the same sentence).
    """
    values = dict(v.known)
    mine = values.get(item)
    what = what or f"{v.unit}s"
    if mine is None:
        return f"the place of {labels.item(v.kind, item)} by {what} is not known"
    if mine == 0:
        return f"not coded at all by {what}"
    rank, level = v.place(item)
    among = f" of the {len(values)} categories" if counted else ""
    text = f"{'joint ' if level else ''}{words.ordinal(rank)}{among} by {what} ({int(mine):,}"
    if level:
        text += f", level with {words.together([labels.item(v.kind, k) for k in level])}"
    text += ")"
    ahead = sorted(((n, k) for k, n in values.items() if n > mine), key=lambda x: -x[0])
    if ahead and len(ahead) <= 2:
        text += ", after " + words.together([f"{labels.item(v.kind, k)} ({int(n):,})" for n, k in ahead])
    return text


@render.register
def _(v: CommonLeader, labels: Labels = LABELS) -> str:
    if v.outcome == "none":
        return "no category is coded as a main code at all"
    if v.outcome == "same":
        cat = labels.category(v.rankings[0].leaders[0])
        unit = v.rankings[0].unit
        each = words.together([f"{labels.partner(r.scope)} ({words.count(r.top, unit)})" for r in v.rankings])
        group = words.group(len(v.rankings))
        who = f"{group} partners, " if len(v.rankings) > 2 else f"{group} " if group else ""
        tests = [(labels.partner(r.scope), r.test) for r in v.rankings if r.test is not None]
        text = f"{cat} is the leading {unit} for {who}{each}"
        if tests:
            by: dict[str, list[str]] = {}
            for who_, t in tests:
                by.setdefault(t.outcome, []).append(f"{who_} ({words.p_value(t.p)})")
            side = {
                "beyond": "beyond what chance alone would produce",
                "within": "within what chance alone could produce",
                "untestable": "that cannot be tested",
            }
            text += (
                ": a lead over the runner-up "
                + "; ".join(f"{side[o]} for {words.together(w)}" for o, w in by.items())
                + " (binomial tests)"
            )
        return text
    # partners whose rankings end alike are said together ("for China and Russia all 7 categories tie")
    alike: dict[tuple[str, tuple[str, ...], float, str, int], list[str]] = {}
    for r in v.rankings:
        alike.setdefault((r.outcome, r.leaders, r.top, r.unit, len(r.known)), []).append(labels.partner(r.scope))
    parts = []
    for (outcome, leaders, top, unit, known), whos in alike.items():
        who = words.together(whos)
        if outcome == "none":
            parts.append(f"for {who} no category is coded as a {unit}")
        elif outcome == "ties":
            cats = (
                f"all {known} categories"
                if len(leaders) == known
                else words.together([labels.category(c) for c in leaders])
            )
            parts.append(f"for {who} {cats} tie ({words.count(top, unit)} each)")
        else:
            parts.append(f"for {who} {labels.category(leaders[0])} ({words.count(top, unit)})")
    if len(v.rankings) == 1:  # one partner with reports: nothing to be common to
        return "no single category leads: " + parts[0]
    return "no single category leads for every partner: " + "; ".join(parts)


@render.register
def _(v: PivotLead, labels: Labels = LABELS) -> str:
    if len(v.before.known) < 2 and len(v.after.known) < 2 and v.outcome != "empty":
        return "with reports on one partner only, no partner can lead another"
    if v.outcome == "empty":
        return "one period has no reports, so neither period has a lead"
    if v.outcome == "tied":

        def say(r: Ranking) -> str:
            names = words.together([labels.partner(k) for k in r.leaders])
            return f"{names} tie" if r.outcome == "ties" else f"{names} leads"

        return f"before the pivot {say(v.before)}, after it {say(v.after)}"
    if v.outcome == "kept":
        who = labels.partner(v.before.leaders[0])
        tests = [
            (when, r.test) for when, r in (("before the pivot", v.before), ("after it", v.after)) if r.test is not None
        ]
        text = f"{who} has the most reports both before and after the pivot"
        if tests:
            text += ": its lead over the next partner is " + ", ".join(
                f"{words.chance(t, 'a lead').removeprefix('a lead ')} {when}" for when, t in tests
            )
        return text
    first, second = labels.partner(v.before.leaders[0]), labels.partner(v.after.leaders[0])
    text = f"{first}'s lead before the pivot passed to {second} after it"
    return f"{text}: {words.chance(v.test, 'a change')}" if v.test is not None else text


@render.register
def _(v: SlotGrowth, labels: Labels = LABELS) -> str:
    n, k = len(v.slots), len(v.growing)
    what = "the daily rate of reports" if v.per_day else "the number of reports"
    slots = f"partner-and-website slot{'s' if n != 1 else ''} with reports"
    if n == 0:
        return "no partner-and-website slot has any report"
    if k == 0:
        return f"{what} grows in none of the {n} {slots}"
    if k == n:
        return f"{what} grows in {'the one' if n == 1 else 'all ' + str(n)} {slots}"
    return f"{what} grows in {k} of the {n} {slots}"


@render.register
def _(v: SecurityPart, labels: Labels = LABELS) -> str:
    name = labels.category("security_military")
    if v.part == "none":
        return f"no report has {name} as its main theme"
    if v.part == "few":
        return (
            f"with {words.count(v.total, 'main code')} in all ({words.count(v.n, 'main code')} for {name}), "
            "the counts are too few to weigh how large a part security plays"
        )
    if v.part == "even":
        return (
            f"every category has as many main codes as {name} ({words.count(v.n, 'main code')} each), so the "
            "counts do not set security apart: they neither bear out nor refute the large part the realist "
            "literature would predict"
        )
    place = f"{'joint ' if v.joint else ''}{words.ordinal(v.place)}"
    if v.part == "small":
        return (
            f"security plays a much smaller part than the realist literature would predict: {name} comes "
            f"only {place} among the categories, with {words.count(v.n, 'main code')}"
        )
    return (
        f"security plays the large part the realist literature would predict: {name} comes {place} "
        f"among the categories, with {words.count(v.n, 'main code')}"
    )


def sentence(verdict: Verdict, labels: Labels = LABELS) -> str:
    """The rendering as a closed sentence: capitalised, one full stop."""
    return words.capitalised(render(verdict, labels)).rstrip(".") + "."


def beside_thesis(ours: Verdict, thesis: Verdict | None, labels: Labels = LABELS) -> str:
    """What a rerun's page adds after its own verdict: the thesis's verdict agrees, or is given as the thesis's.

    Empty when there is no thesis verdict on the same question (the thesis's own pages, or a pair of
    partners the thesis never compared).
    """
    same = agrees(ours, thesis)
    if same is None:
        return ""
    if same:
        return "On the thesis's published counts the same question reads the same way."
    return f"On the thesis's published counts it reads otherwise: {render(thesis, labels)}."  # type: ignore[arg-type]


def _num(x: float) -> str:
    return f"{x:.2f}"


def _ratio(x: float) -> str:
    """An odds ratio as a reader takes it in: a number, or in words where an empty cell makes it 0 or infinite."""
    if math.isinf(x):
        return "infinite"
    if x == 0:
        return "zero"
    return _num(x)


def _empty_cell(ratio: float) -> bool:
    """A ratio that an empty cell of the 2x2 table sets to zero or infinity: not a size to print as a number."""
    return math.isinf(ratio) or ratio == 0


@render.register
def _(v: Direction, labels: Labels = LABELS) -> str:
    if v.odds is None or v.outcome == "untestable":
        return "these counts are too few for the test to say anything"
    a, b = labels.partner(v.odds.a), labels.partner(v.odds.b)
    if v.outcome == "no_direction":
        return f"these counts give no direction: {a}'s and {b}'s reports divide between the periods alike"
    lead, lag = (a, b) if v.side > 0 else (b, a)
    size = (
        ("an infinite odds ratio" if math.isinf(v.odds.ratio) else "an odds ratio of zero") + ", set by an empty cell"
        if _empty_cell(v.odds.ratio)
        else f"an odds ratio of {_num(v.odds.ratio)}"
    )
    text = (
        f"reports on {lead} shifted towards the after-period more than reports on {lag} "
        f"({size}), by {words.chance(v.odds.test, 'a margin')}"
    )
    if v.outcome == "within":
        return (
            f"{text}. Under the simple model a gap of this size would turn up by chance in a fair share of cases, "
            f"so the counts fit a real difference in how attention to {a} and to {b} changed across the "
            "pivot as well as none: this part of the finding rests on a modest number of reports and reads better "
            "as a tendency than as an established difference"
        )
    return (
        f"{text}. Under the simple model a gap this large would rarely arise by chance alone; since the real "
        "uncertainty is larger than the model's, this supports the direction without settling its size"
    )


@render.register
def _(v: OddsRatio, labels: Labels = LABELS) -> str:
    a, b = labels.partner(v.a), labels.partner(v.b)
    if v.outcome == "untestable":
        return f"the reports on {a} and {b} are too few to test whether their shifts differ"
    if v.outcome == "no_interval" and _empty_cell(v.ratio):
        return (
            f"an empty cell makes the odds ratio of a report on {a} falling after the pivot, against the same "
            f"odds for {b}, {_ratio(v.ratio)}, so it has no interval (Fisher {words.p_value(v.test.p)})"
        )
    odds = f"the odds that a report on {a} falls after the pivot are {_num(v.ratio)} times the same odds for {b}"
    if v.outcome == "no_interval":
        return f"{odds} (Fisher {words.p_value(v.test.p)}); with an empty cell the ratio has no interval"
    interval = f"{odds} (95 % interval {_num(v.low)} to {_num(v.high)}, Fisher {words.p_value(v.test.p)})"
    if v.outcome == "differs":
        return (
            f"{interval}. The interval lies wholly {'above' if v.low > 1 else 'below'} 1: the two shifts differ "
            "by more than chance alone would easily produce"
        )
    if v.outcome == "tendency":
        return (
            f"{interval}. The interval contains 1: chance alone could produce a gap of this size, so the "
            "difference is a tendency, not an established one"
        )
    return (
        f"{interval}. The interval contains 1 and the p-value is not small: the counts show no difference "
        "between the two shifts that chance alone could not easily produce"
    )


@render.register
def _(v: CategoryShift, labels: Labels = LABELS) -> str:
    what = f"the share of reports on {labels.partner(v.partner)} with {labels.category(v.category)} as a {v.level} code"
    who, name = labels.partner(v.partner), labels.category(v.category)
    if v.direction == "unknown":
        return f"{what} is not known for both periods"
    if v.direction == "absent":
        return f"there is no report on {who} in either period, so no share with {name} as a {v.level} code"
    if v.direction == "only_after":
        return (
            f"reports on {who} appear only after the pivot, so there is no earlier share to compare: after it, "
            + _share_in(name, v.level, v.k_after, v.n_after, "is")
        )
    if v.direction == "only_before":
        return f"reports on {who} stop after the pivot, so there is no later share to compare: before it, " + _share_in(
            name, v.level, v.k_before, v.n_before, "was"
        )
    counts = (
        f"{words.count(v.k_before)} of {v.n_before:,} before the pivot, {words.count(v.k_after)} of "
        f"{v.n_after:,} after it"
    )
    if v.direction == "steady":
        text = f"{what} stays at {words.percent(v.share_after)} ({counts})"
    else:
        verb = "rises" if v.direction == "rises" else "falls"
        text = f"{what} {verb} from {words.percent(v.share_before)} to {words.percent(v.share_after)} ({counts})"
    return f"{text}: {words.chance(v.test)}"


def _share_in(name: str, level: str, k: float, n: int, verb: str) -> str:
    """``economic cooperation is a main code in 2 reports of 3 (66.7 %)``, ``… in one report of 3``, in
    the style of every other share of the book ("one report of 37 before the pivot"); ``… in its one
    report``; ``… is not a main code of any of its 4 reports``: never "in no report of 1"."""
    if not k:
        return f"{name} {verb} not a {level} code of {'its one report' if n == 1 else f'any of its {n:,} reports'}"
    whole = "its one report" if n == 1 else f"{words.count(k)} of {n:,}"
    return f"{name} {verb} a {level} code in {whole} ({words.percent(100.0 * k / n)})"


@render.register
def _(v: SteadyPace, labels: Labels = LABELS) -> str:
    who = labels.partner(v.partner)
    if v.side == "unknown":
        return f"for {who} the share after the pivot is not known, for lack of reports"
    where = {"above": "lies wholly above", "below": "lies wholly below", "within": "contains"}[v.side]
    return (
        f"for {who}, {words.percent(v.share)} of the reports date from after the pivot (interval "
        f"{v.low:.1f} to {v.high:.1f} %), an interval that {where} the steady pace of {v.reference:.1f} %"
    )


@render.register
def _(v: Pooling, labels: Labels = LABELS) -> str:
    pair = f"{labels.partner(v.a)} against {labels.partner(v.b)}"
    if v.effect == "not_pooled":
        return f"for {pair} the odds ratios cannot be pooled over the websites: a website has an empty cell"
    bd = (
        "the Breslow–Day test finds that the websites tell different stories"
        if v.breslow_day.outcome == "beyond"
        else "the Breslow–Day test finds no sign that the websites tell different stories"
    )
    ratios = (
        f"pooled within the websites the odds ratio of {pair} is {_num(v.pooled)} (interval {_num(v.low)} to "
        f"{_num(v.high)}, CMH {words.p_value(v.cmh.p)}) against {_num(v.crude)} over all reports"
    )
    effect = {
        "explains_part": "so part of the difference between the two shifts comes from where the reports appear",
        "barely_moves": "so the mix of websites accounts for little of the difference",
        "does_not_explain": "so the mix of websites does not account for the difference",
    }[v.effect]
    return f"{ratios}, {effect}; {bd} ({words.p_value(v.breslow_day.p)})"


@render.register
def _(v: CategoryContrast, labels: Labels = LABELS) -> str:
    what = f"as a {v.level} code, {labels.category(v.category)}"
    if v.outcome == "unknown":
        return f"{what} cannot be compared between the partners: a count is not published"
    if v.outcome == "single":
        p = v.shares[0][0]
        return f"{what} reaches {words.percent(v.share(p))} of the reports on {labels.partner(p)}"
    if v.outcome == "equal":
        everyone = words.together([labels.partner(p) for p, _, _ in v.shares])
        return (
            f"{what} reaches the same share of the reports on {everyone} "
            f"({words.percent(v.share(v.shares[0][0]))}): there is no difference to test"
        )
    top = v.highest
    others = [p for p, _, _ in v.shares if p not in top]
    hi = words.together([f"{labels.partner(p)} ({words.percent(v.share(p))})" for p in top])
    lo = words.together([f"{labels.partner(p)} ({words.percent(v.share(p))})" for p in others])
    if len(v.shares) == 2:
        text = f"{what} reaches a larger share of the reports on {hi} than of those on {lo}"
    else:
        text = f"{what} reaches the largest share of the reports on {hi}, against {lo}"
    return f"{text}: {words.chance(v.test)}"


_LEVEL_SIDES = {
    "main": "more often a main code than a secondary one",
    "secondary": "more often a secondary code than a main one",
    "equal": "as often a main code as a secondary one",
    "never": "never coded, at either level",
    "unknown": "of unknown split between the levels",
}


@render.register
def _(v: LevelSplit, labels: Labels = LABELS) -> str:
    groups: dict[str, list[str]] = {}
    for p, m, s in v.splits:
        side = v.side(m, s)
        detail = "" if side in ("never", "unknown") else f" (main {int(m):,}, secondary {int(s):,})"
        groups.setdefault(side, []).append(f"{labels.partner(p)}{detail}")
    name = labels.category(v.category)
    if not groups:
        return f"{name} has no partner with reports to be split by level"
    if len(groups) == 1 and len(v.splits) > 1:
        side, who = next(iter(groups.items()))
        if side == "never":
            return f"{name} is never coded, at either level, for any partner ({words.together(who)})"
        return f"{name} is {_LEVEL_SIDES[side]} for every partner: {words.together(who)}"
    parts = [
        f"in the reports on {words.together(who)} {name if i == 0 else 'it'} is {_LEVEL_SIDES[side]}"
        for i, (side, who) in enumerate(groups.items())
    ]
    return "; ".join(parts)


@render.register
def _(v: Place, labels: Labels = LABELS) -> str:
    return place(v.ranking, v.item, labels, v.what)


#: How a level is named where a category has no code at it.
_AT_LEVEL = {
    "main codes": "as a main code",
    "secondary codes": "as a secondary code",
    "main and secondary codes together": "at either level",
}


def _predicate(p: Place, labels: Labels, counted: bool = True) -> tuple[str, str]:
    """The state of one place (``placed`` / ``uncoded`` / ``unknown``) and what the category does there, verb first."""
    d = p.decision()
    if d == ("unknown",):
        return "unknown", f"has no known place by {p.what}"
    if d == ("uncoded",):
        return "uncoded", f"is not coded at all {_AT_LEVEL.get(p.what, 'by ' + p.what)}"
    return "placed", "comes " + place(p.ranking, p.item, labels, p.what, counted)


@render.register
def _(v: Standing, labels: Labels = LABELS) -> str:
    name = labels.category(v.category)
    if not v.partners:
        return f"{name} has no report to be placed in"
    names = [labels.partner(p) for p in v.partners]
    over = (
        f"for {names[0]}"
        if len(names) == 1
        else f"taking {words.together(names)} together"
        if len(names) == 2
        else f"over all {len(names)} partners"
    )
    state, first = _predicate(v.places[0], labels)
    if len(v.places) == 1:
        return f"{over}, {name} {first}"
    other = v.places[1]
    state2, second = _predicate(other, labels, counted=state != "placed")
    if state == state2 == "uncoded":
        return f"{over}, {name} is not coded at all, at either level"
    if other.what == "main and secondary codes together":
        return f"{over}, {name} {first}; counting the secondary codes as well, it {second}"
    # "but" only between places that differ: sixth by main codes but second by secondary ones
    if state == state2 == "placed":
        differ = v.places[0].ranking.place(v.category)[0] != other.ranking.place(v.category)[0]
        second = second.removeprefix("comes ")  # sixth by main codes (16), but second by secondary codes
    else:
        differ = state != state2 and "unknown" not in (state, state2)
    return f"{over}, {name} {first}, {'but' if differ else 'and'} {second}"


@render.register
def _(v: CodeTotals, labels: Labels = LABELS) -> str:
    if not v.known:
        return "the number of codes is not known for every category"
    return (
        f"{words.count(v.total, 'code')}: {words.count(v.main, 'main cooperation code')}, "
        f"{words.count(v.secondary, 'secondary cooperation code')} and "
        f"{words.count(v.non_cooperation, 'non-cooperation code')}"
        # at the precision the thesis gives this share (6.1: "2.02%"); none to give for none
        + (
            f" ({v.non_cooperation_share:.{THESIS_DECIMALS['non_cooperation_share']}f} % of all)"
            if v.non_cooperation > 0
            else ""
        )
    )


def _with_levels(labels: Labels, cat: str, main: float, secondary: float) -> str:
    """``economic cooperation (120 main, 42 secondary)``; "no secondary" for none."""
    return f"{labels.category(cat)} ({int(main):,} main, {int(secondary) or 'no'} secondary)"


@render.register
def _(v: CategoryOrder, labels: Labels = LABELS) -> str:
    if not v.known:
        return "the codes per category are not all known"
    groups = v.groups
    if not groups:
        return "no category is coded as a main code"
    main, sec = dict(v.main.known), dict(v.secondary)

    def item(c: str) -> str:
        return _with_levels(labels, c, main[c], sec.get(c, 0.0))

    _, first = groups[0]
    if len(first) > 1:
        text = f"{words.together([item(c) for c in first])} tie for the lead by main codes"
    else:
        text = f"by main codes {item(first[0])} leads"
        if v.main.test is not None:
            text += f", {words.chance(v.main.test, 'a lead over the runner-up')}"
    rest = groups[1:]
    if rest:
        parts = [
            words.together([item(c) for c in cats]) + (", level with each other" if len(cats) > 1 else "")
            for _, cats in rest
        ]
        text += "; then come " + "; ".join(parts)
    if v.absent:
        names = [labels.category(c) for c in v.absent]
        text += f"; {words.together(names)} {'is' if len(names) == 1 else 'are'} never a main code"
    return text


def _codes_of_which_secondary(total: float, secondary: float) -> str:
    """``42 codes, 26 of them secondary`` / ``its one code, a secondary one``."""
    t, k = int(total), int(secondary)
    if t == 1:
        return f"its one code, a {'secondary' if k else 'main'} one"
    return f"{t:,} codes, {'none' if k == 0 else 'one' if k == 1 else 'all' if k == t else f'{k:,}'} of them secondary"


@render.register
def _(v: LevelsOrder, labels: Labels = LABELS) -> str:
    if not v.known:
        return "the codes per category are not all known"
    if v.both.outcome == "none":
        return "no category is coded at either level"
    both, sec = dict(v.both.known), dict(v.secondary)

    def place(c: str, ranking: Ranking) -> str:
        rank, level = ranking.place(c)
        return f"{'joint ' if level else ''}{words.ordinal(rank)}"

    mains = dict(v.main.known)
    parts = [
        (
            f"{labels.category(c)} rises from {place(c, v.main)} to {place(c, v.both)} place "
            if mains.get(c, 0.0) > 0
            else f"{labels.category(c)}, never a main code, reaches {place(c, v.both)} place "  # no rank for zero
        )
        + f"({_codes_of_which_secondary(both[c], sec.get(c, 0.0))})"
        for c in v.risers
    ]
    parts += [
        f"{labels.category(c)} falls from {place(c, v.main)} to {place(c, v.both)} ({int(both[c]):,})"
        for c in v.fallers
    ]
    if not parts:
        return "counting main and secondary codes together leaves every category in its place"
    text = "counting main and secondary codes together, " + "; ".join(parts)
    if v.keepers:
        kept = [f"{labels.category(c)} ({int(both[c]):,})" for c in v.keepers]
        text += f"; {words.together(kept)} {'keeps its place' if len(kept) == 1 else 'keep their places'}"
    return text


_PACE_SIDES = {"above": "lies wholly above", "below": "lies wholly below", "within": "contains"}


def _slot(labels: Labels, pace: SteadyPace) -> str:
    return f"the reports on {labels.partner(pace.partner)} on {labels.website(pace.website)}"


@render.register
def _(v: SlotRise, labels: Labels = LABELS) -> str:
    n = len(v.paces)
    slots = f"{'the one' if n == 1 else f'the {n}'} partner-and-website slot{'s' if n != 1 else ''} with reports"
    if v.outcome == "none":
        grow = (
            "gains in its daily rate after the pivot" if v.per_day else "has more reports after the pivot than before"
        )
        return f"none of {slots} {grow}" if n != 1 else f"{slots} does not grow"

    gains = [v.gain(p) for p in v.paces] + [v.gained]
    # per 100 days, with the decimals that keep different gains apart ("0.05" and "0.13", not "0.1" twice)
    shown = dict(
        zip(gains, (r.removesuffix(" per 100 days") for r in words.rates(*(g / 100 for g in gains))), strict=True)
    )

    def amount(x: float) -> str:
        if v.per_day:
            return f"{shown[x]} reports per 100 days"
        return words.count(x)

    def number(x: float) -> str:
        return shown[x] if v.per_day else words.number(x)

    if v.outcome == "tie":
        who = words.together([_slot(labels, p) for p in v.largest])
        return f"of {slots}, {who} share the largest gain ({amount(v.gain(v.largest[0]))} each)"
    pace = v.largest[0]
    gain = v.gain(pace)
    if n == 1:
        head = f"{_slot(labels, pace)}, the one slot with reports, gain {amount(gain)}"
    elif math.isclose(gain, v.gained, rel_tol=1e-12):  # the only slot that grew: all of the rise, not "most"
        head = f"of {slots}, only {_slot(labels, pace)} grow, by {amount(gain)}"
    else:
        part = "most" if v.outcome == "most" else "the largest part"
        head = (
            f"of {slots}, {_slot(labels, pace)} carry {part} of the rise ({number(gain)} of the "
            f"{amount(v.gained)} gained by the slots that grew)"
        )
    if pace.side == "unknown":
        return head
    return (
        f"{head}: {words.percent(pace.share)} of them date from after the pivot, an interval of {pace.low:.1f} to "
        f"{pace.high:.1f} % that {_PACE_SIDES[pace.side]} the steady pace of {pace.reference:.1f} %"
    )


@render.register
def _(v: SmallSite, labels: Labels = LABELS) -> str:
    if v.outcome == "one_site":
        return ""
    present = [(w, n) for w, n in v.sizes if n > 0]
    if v.outcome == "level":
        small = min(n for _, n in present)
        level = [labels.website(w) for w, n in present if n == small]
        return f"{words.together(level)} publish the fewest reports, {words.count(small)} each"
    w = v.website
    sizes = dict(v.sizes)
    others = words.together([f"{n:,}" for x, n in present if x != w])
    ranges = [f"for {labels.partner(p.partner)} {p.low:.1f} to {p.high:.1f} %" for p in v.paces if p.side != "unknown"]
    intervals = "so its intervals are wider" if v.wider else "and its intervals are"
    head = (
        f"the site {labels.website(w)} publishes fewer reports ({sizes[w]:,} against {others}), {intervals}: "
        f"{'; '.join(ranges) if ranges else 'none can be computed'}"
    )
    if v.outcome == "within":
        who = "either partner" if len(v.paces) == 2 else "its one partner" if len(v.paces) == 1 else "any partner"
        tail = f"on these counts alone one cannot tell whether {labels.website(w)}'s attention to {who} moved at all"
    else:
        moved = words.together([labels.partner(p.partner) for p in v.paces if p.side in ("above", "below")])
        tail = f"even so, the share after the pivot moves beyond a steady pace for {moved}"
    return f"{head}. {words.capitalised(tail)}"


def _k_of_n(k: int, n: int, noun: str, one: str, many: str) -> str:
    """``none of the 7 comparisons falls`` / ``one of the 7 comparisons falls`` / ``3 of the 7 comparisons fall``."""
    nouns = noun if n == 1 else f"{noun}s"
    if k == 0:
        return f"none of the {n} {nouns} {one}" if n > 1 else f"the one {noun} does not {one.removesuffix('s')}"
    if k == 1:
        return f"the one {nouns} {one}" if n == 1 else f"one of the {n} {nouns} {one}"
    return f"{k} of the {n} {nouns} {many}"


@render.register
def _(v: PeriodTests, labels: Labels = LABELS) -> str:
    n, below = len(v.shifts), v.below
    if not n:
        return "no category has counts per period to compare"
    if n == 1:
        text = f"the one before-and-after comparison the table tests {'falls' if below else 'does not fall'}"
    else:
        said = {0: "none falls", 1: "one falls"}.get(len(below), f"{len(below)} fall")
        text = f"of the {n} before-and-after comparisons the table tests, {said}"
    text += " below 5 % before any correction"
    items = []
    for s in below:
        what = f"the share of reports on {labels.partner(s.partner)} with {labels.category(s.category)} as a main code"
        item = (
            f"{what} {s.direction} from {words.percent(s.share_before)} to {words.percent(s.share_after)} "
            f"({words.p_value(s.test.p)})"
        )
        if s.direction == "falls" and s.k_after > s.k_before:
            item += (
                f", while the number of such reports rises from {int(s.k_before):,} to {int(s.k_after):,}: the "
                "share falls because the other reports grew faster, not because there are fewer of these"
            )
        elif s.direction == "rises" and s.k_after < s.k_before:
            item += f", while the number of such reports falls from {int(s.k_before):,} to {int(s.k_after):,}"
        items.append(item)
    if items:
        text += ": " + "; ".join(items)
    if n > 1 and below:
        text += f". Among {n} comparisons, chance alone would put about {n * ALPHA:.1f} below 5 %"
    return text


def _profile_shares(shares: tuple[tuple[str, float], ...], labels: Labels) -> str:
    known = [(p, x) for p, x in shares if not is_nan(x)]
    if len({round(x, 1) for _, x in known}) <= 1:
        return "the same share of the reports on every partner"
    top = max(x for _, x in known)
    hi = [p for p, x in known if x == top]
    rest = ", ".join(f"{words.percent(x)} for {labels.partner(p)}" for p, x in known if x != top)
    who = words.together([labels.partner(p) for p in hi])
    each = " each" if len(hi) > 1 else ""
    size = "a larger" if len(known) == 2 else "the largest"
    return f"{size} share of the reports on {who} ({words.percent(top)}{each} against {rest})"


@render.register
def _(v: CategoryProfile, labels: Labels = LABELS) -> str:
    if v.outcome == "none":
        return "with reports on one partner only, no category can be compared between partners"
    if v.outcome == "untestable":
        return "no category can be tested between the partners: a partner or a category has no report"
    low = v.smallest
    assert low is not None
    n, raw, holm = len(v.tests), len(v.raw_below), len(v.holm_below)  # every row of the page's table
    text = (
        f"taken one at a time, the smallest p-value belongs to {labels.category(low[0])}, "
        f"{_profile_shares(low[3], labels)}, with {words.p_value(low[1])}; "
        f"{_k_of_n(raw, n, 'comparison', 'falls', 'fall')} below 5 % before any correction"
    )
    if n > 1:
        text += (
            f". But {n} categories were compared, and with that many comparisons one is likely to look unusual "
            f"by chance alone. After the Holm correction for the whole set, that p-value becomes "
            f"{words.p_value(low[2]).removeprefix('p = ').removeprefix('p ')}, and "
            f"{_k_of_n(holm, n, 'comparison', 'stays', 'stay')} below the 5 % line"
        )
    if not holm:
        return (
            f"{text}. Under this model the category profiles of the partners are hard to tell apart, which fits "
            "the thesis's reading of its own figures that the profiles are broadly alike"
        )
    names = words.together([labels.category(c) for c in v.holm_below])
    return (
        f"{text}. Even after the correction, {names} {'differs' if holm == 1 else 'differ'} between the partners "
        "by more than chance alone would produce, against the thesis's reading of its own figures that the "
        "profiles are broadly alike"
    )


@render.register
def _(v: Scale, labels: Labels = LABELS) -> str:
    above = [labels.partner(p.partner) for p in v.paces if p.side == "above"]
    below = [labels.partner(p.partner) for p in v.paces if p.side == "below"]
    parts = []
    pace = "large relative to a steady pace of publication"
    if above:
        parts.append(f"the rise in reports on {words.together(above)} is {pace}")
    if below:
        parts.append(f"the fall in reports on {words.together(below)} is {pace}")
    if not above and not below:
        parts.append("no partner's share after the pivot leaves the range a steady pace plus chance could give")
    if len(v.paces) < 2:
        parts.append("with one partner there is no difference between partners' shifts to test")
    elif v.attention.outcome == "untestable":
        parts.append("the difference between the partners' shifts could not be tested")
    else:
        side = (
            "beyond what chance alone would produce"
            if v.attention.outcome == "beyond"
            else "within what chance alone could produce"
        )
        parts.append(f"the difference between the partners' shifts is {side}")
    n, holm = len(v.profile.tests), len(v.profile.holm_below)
    if n:
        parts.append(
            f"no category difference between the partners survives the correction for testing {n} at once"
            if holm == 0
            else f"{words.count(holm, 'category difference')} between the partners "
            f"{'survives' if holm == 1 else 'survive'} the correction for testing {n} at once"
        )
    text = "what the intervals and tests add is a sense of scale: " + "; ".join(parts) + ". "
    if v.outcome == "few":
        return (
            text + f"With {words.count(v.total)} in all, these tests are too weak to favour any reading of the "
            "counts, the thesis's cautious one or a stronger one"
        )
    if v.outcome == "beyond":
        return (
            text + "Because the real uncertainty is larger than the model's, even the differences beyond chance "
            "here are better read as directions than as measured sizes"
        )
    return (
        text + "Because the real uncertainty is larger than the model's, the thesis's cautious conclusion, that "
        "the official picture of China and Russia changed little apart from a few telling reports, fits these "
        "numbers better than any stronger reading"
    )


# --- the pivot sweep (section 6.5) ---------------------------------------------------------------------

_DEMO = "in the demonstration corpus, "


@render.register
def _(v: SweepShape, labels: Labels = LABELS) -> str:
    who = labels.partner(v.partner)
    where = _DEMO if v.demo else ""
    if v.outcome == "undefined":
        return f"{where}{who} has no report before any pivot, so its ratio is not defined"
    every = "every pivot of the sweep" if v.n == v.pivots else f"each of the {v.n} pivots where it is defined"
    wherever = "wherever the boundary is placed" if v.n == v.pivots else "wherever the boundary leaves it a ratio"
    if v.outcome == "above":
        shape = f"{words.possessive(who)} ratio stays above 1 at {every}, so attention to {who} grew {wherever}"
    elif v.outcome == "below":
        shape = f"{words.possessive(who)} ratio stays below 1 at {every}, so attention to {who} fell {wherever}"
    else:
        shape = (
            f"{words.possessive(who)} ratio crosses 1: above it at {v.above} of the {v.n} pivots"
            f"{'' if v.n == v.pivots else ' where it is defined'}, so the direction of the change depends on "
            "where the boundary is placed"
        )
    if v.n < v.pivots:
        shape += f" (before the other {v.pivots - v.n} there is no report on {who}, so no ratio)"
    if v.flat:
        return f"{where}{shape}; the ratio is {words.ratio(v.peak)} at each of them, so no pivot stands out"
    day = v.peak_day.isoformat() if v.peak_day is not None else "an unknown day"
    shape += f"; its largest ratio ({words.ratio(v.peak)}) falls on {day}, " + (
        f"within {v.near_days} days of the window's pivot, as a break at that moment would make it"
        if v.near
        else f"{v.days} days from the window's pivot"
    )
    return where + shape


@render.register
def _(v: SweepAhead, labels: Labels = LABELS) -> str:
    who = labels.partner(v.first)
    others = words.together([words.possessive(labels.partner(o)) for o in v.others])
    where = _DEMO if v.demo else ""
    if v.outcome == "undefined":
        return f"{where}no pivot gives every partner a ratio, so {words.possessive(who)} cannot be set against {others}"
    defined = "" if v.n == v.pivots else " where all are defined"
    if v.outcome == "all":
        return f"{where}{words.possessive(who)} ratio is higher than {others} at every pivot{defined}"
    if v.outcome == "none":
        return f"{where}{words.possessive(who)} ratio is higher than {others} at no pivot{defined}"
    return f"{where}{words.possessive(who)} ratio is higher than {others} at {v.ahead} of the {v.n} pivots{defined}"


@render.register
def _(v: SweepBalance, labels: Labels = LABELS) -> str:
    where = _DEMO if v.demo else ""
    if v.outcome == "untested":
        text = "the test of the partners' balance cannot be run at any pivot"
    elif v.outcome == "all":
        text = "the balance between the partners differs by more than chance alone would produce at every pivot"
    elif v.outcome == "none":
        text = "the balance between the partners stays within what chance alone could produce at every pivot"
    else:
        text = (
            f"the p-value moves above and below {ALPHA} as the pivot shifts (below it at {v.below} of the {v.n} "
            "pivots), so a single pivot's p-value is best read together with its neighbours"
        )
    if not is_nan(v.p_at_pivot):
        text += f"; at the window's own pivot {words.p_value(v.p_at_pivot)}"
    return where + text


@render.register
def _(v: SlotLead, labels: Labels = LABELS) -> str:
    if v.outcome == "none":
        if v.reports == 0:
            return "nothing is coded"
        if v.unknown or v.reports < 0:
            return "no main cooperation code is known for this slot"
        return "no report has a main cooperation code"
    leaders = v.leaders
    _, n, share = v.items[0]
    if v.outcome == "ties":
        names = words.together([labels.category(c) for c in leaders])
        text = f"{names} tie as the main code, with {words.count(n)} each ({words.percent(share)})"
    else:
        text = f"{labels.category(leaders[0])} is the main code of {words.count(n)} ({words.percent(share)})"
    rest = v.items[len(leaders) :]
    if rest:
        cat, k, s = rest[0]
        text += f", ahead of {labels.category(cat)} with {words.number(k)} ({words.percent(s)})"
    return text


@render.register
def _(v: SlotPair, labels: Labels = LABELS) -> str:
    la, lb = labels.partner(v.a), labels.partner(v.b)
    if v.aspect == "before":
        lead = v.larger("before")
        if lead is None:
            return "at that point the officials wrote about the two neighbours equally often"
        even = "" if lead == v.a else "even "
        return f"{even}at that point {labels.partner(lead)} was the neighbour the officials wrote about more"
    if v.aspect == "growth":
        if v.moved == "unsized":
            return f"the change cannot be set beside {lb}'s, as a first period holds no report"
        if v.moved == "about":
            return (
                f"about as much as the number on {lb} changed, so neither drew markedly more of the officials' "
                "attention"
            )
        if v.moved == "a":
            far = "far " if v.far else ""
            much = "much " if v.far else ""
            return f"{far}more than the number on {lb} changed, so {la} drew {much}more of the officials' attention"
        return f"less than the number on {lb} changed, so {lb} drew more of the officials' attention"
    if v.aspect == "attention":
        if v.moved in ("unsized", "about"):
            return "attention did not move markedly towards either partner across the pivot"
        return f"after the pivot the officials' attention moved towards {la if v.moved == 'a' else lb}"
    first, second = v.larger("before"), v.larger("after")
    if first is not None and first == second:
        return f"{labels.partner(first)} had the larger slot in both periods"

    def period(which: str, big: str | None, x: int, y: int) -> str:
        if big is None:
            return f"{which} the two slots were the same size ({words.count(x)} each)"
        return f"{which} {labels.partner(big)} had the larger slot ({max(x, y):,} against {words.count(min(x, y))})"

    return (
        f"{period('before the pivot', first, v.a_before, v.b_before)}, "
        f"{period('after it', second, v.a_after, v.b_after)}"
    )


# --- the window's shape -------------------------------------------------------------------------------


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n:,} days"


def _per_day(x: float) -> str:
    """Reports per day to three significant digits, trailing zeros kept so that the rates set side by
    side read alike (``3.70`` against ``3.55``, not ``3.7``; ``0.0123``; ``1,235``); ``0`` for none,
    ``n/a`` unknown."""
    if is_nan(x):
        return "n/a"
    if x == 0:
        return "0"
    decimals = max(0, 2 - math.floor(math.log10(abs(x))))
    text = f"{x:,.{decimals}f}"
    if decimals and float(text.replace(",", "")) >= 10 ** (3 - decimals):  # 9.996 rounds up to 10.00
        text = f"{x:,.{decimals - 1}f}"
    return text


@render.register
def _(v: PeriodLengths, labels: Labels = LABELS) -> str:
    """The lengths as a clause a page continues (6.4: "..., so if the websites had kept publishing ...")."""
    return _lengths_clause(v)


def _lengths_clause(v: PeriodLengths) -> str:
    b, a = v.days_before, v.days_after
    if v.outcome == "differ":
        return f"the two periods of the window differ in length ({_days(b)} before the pivot, {_days(a)} after)"
    lengths = f"{_days(b)} each" if v.outcome == "equal" else f"{b:,} and {a:,} days"
    return f"the two periods of the window are about equally long ({lengths})"


@render.register
def _(v: PeriodRates, labels: Labels = LABELS) -> str:
    """6.2's sentences on the periods: their lengths and, when they differ, every group's reports per day."""
    head = _lengths_clause(v)
    if v.outcome != "differ":
        return f"{head}, so their counts compare as they stand"
    rates = "; ".join(
        f"{labels.partner(p) if p else 'all reports'} {_per_day(b)} against {_per_day(a)}" for p, b, a in v.rates
    )
    lb, la = v.labels
    return (
        f"{head}, so raw counts favour the longer period. Per day, {lb} against {la}, the reports compare as "
        f"follows: {rates}"
    )


@render.register
def _(v: WindowCoverage, labels: Labels = LABELS) -> str:
    """A window wider than the corpus, named; empty when it is not (or when there are no report dates)."""
    if v.outcome in ("no_dates", "inside"):
        return ""
    opens = f"opens on {v.start}, {_days(v.days_before_first)} before the corpus's first report ({v.first})"
    closes = f"closes on {v.end}, {_days(v.days_after_last)} after"
    said = {
        "both": f"{opens}, and {closes} its last ({v.last})",
        "opens_before": opens,
        "closes_after": f"{closes} the corpus's last report ({v.last})",
    }[v.outcome]
    return (
        f"the window {said}. The corpus holds no report from those days, whether none was published or none "
        "was collected, yet they count towards their period's length"
    )
