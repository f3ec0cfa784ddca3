"""Verdicts: what a reading decides from the counts, as typed values.

A verdict holds the numbers it rests on, the test it carries and the decision it takes (leads /
ties / none, grows / falls / flat, beyond / within chance). Nothing here is English: the renderer
(:mod:`kzperception.readings.render`) turns a verdict into a sentence, and whether the thesis
"reads the same way" is decided by comparing two verdicts' :meth:`Verdict.decision`, never their
text. Verdicts are frozen so a page, the audit appendix and a test all see the same value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

#: The significance convention of chapter 6.4: a p-value below it is "beyond what chance alone would produce".
ALPHA = 0.05

Outcome = Literal["beyond", "within", "untestable"]


def is_nan(x: float | None) -> bool:
    """True for None and NaN: a number the counts cannot give."""
    return x is None or (isinstance(x, float) and math.isnan(x))


@dataclass(frozen=True)
class Test:
    """One significance test a verdict carries: its name, its p-value (NaN when it cannot be run), its table size."""

    name: Literal["fisher", "binomial", "chi2", "holm"]
    p: float
    n: int = 0

    @property
    def outcome(self) -> Outcome:
        if is_nan(self.p):
            return "untestable"
        return "beyond" if self.p < ALPHA else "within"


@dataclass(frozen=True)
class Verdict:
    """The base of every verdict: a stable key (the glue name's stem) and the rule that decided it."""

    key: str
    rule: str

    def decision(self) -> tuple[object, ...]:
        """The part of the verdict that a second corpus can agree or disagree with: no raw numbers."""
        raise NotImplementedError

    def numbers(self) -> dict[str, float]:
        """Every number a rendering of this verdict may print (tests check sentences against it)."""
        raise NotImplementedError


def agrees(ours: Verdict, thesis: Verdict | None) -> bool | None:
    """Whether the thesis's verdict on the same question is the same decision; None when there is none."""
    if thesis is None:
        return None
    return type(ours) is type(thesis) and ours.decision() == thesis.decision()


@dataclass(frozen=True)
class Ranking(Verdict):
    """Which of several labelled counts is largest: ``leads`` (one), ``ties`` (several equal), ``none`` (all zero).

    ``items`` are ids (partners or categories) in vocabulary order with their counts; ``unit`` is
    what is counted ("report", "main code"). A single leader carries the test of its lead over the
    runner-up (``test``), which the chapter that states the lead names.
    """

    kind: Literal["partner", "category"] = "category"
    unit: str = "report"
    items: tuple[tuple[str, float], ...] = ()
    scope: str = ""  # a partner id or period the ranking is within, "" for all
    test: Test | None = None

    @property
    def known(self) -> tuple[tuple[str, float], ...]:
        return tuple((k, v) for k, v in self.items if not is_nan(v))

    @property
    def top(self) -> float:
        return max((v for _, v in self.known), default=0.0)

    @property
    def outcome(self) -> Literal["leads", "ties", "none"]:
        if self.top <= 0:
            return "none"
        return "ties" if len(self.leaders) > 1 else "leads"

    @property
    def leaders(self) -> tuple[str, ...]:
        top = self.top
        return tuple(k for k, v in self.known if v == top) if top > 0 else ()

    @property
    def runner_up(self) -> tuple[str, float] | None:
        """The largest count below the top (None when every known count is the top)."""
        rest = [(v, k) for k, v in self.known if v < self.top]
        if not rest:
            return None
        best = max(v for v, _ in rest)
        return next(k for v, k in sorted(rest, key=lambda x: -x[0]) if v == best), best

    def place(self, item: str) -> tuple[int, tuple[str, ...]]:
        """One plus the number of items strictly ahead, and the items level with ``item`` (ties share a place)."""
        values = dict(self.known)
        mine = values[item]
        ahead = sum(1 for v in values.values() if v > mine)
        level = tuple(k for k, v in values.items() if v == mine and k != item)
        return ahead + 1, level

    def decision(self) -> tuple[object, ...]:
        return (self.outcome, self.leaders, None if self.test is None else self.test.outcome)

    def numbers(self) -> dict[str, float]:
        out = {k: float(v) for k, v in self.known}
        if self.test is not None and not is_nan(self.test.p):
            out["p"] = self.test.p
        return out


@dataclass(frozen=True)
class PeriodChange(Verdict):
    """How one partner's reports changed across the pivot, as counts and, when the periods differ, per day.

    ``direction`` compares the rates when the periods differ in length (:attr:`per_day`), else the
    counts: ``grows`` / ``falls`` / ``flat``; ``appears`` from zero, ``disappears`` to zero, ``absent``
    when both are zero.
    """

    partner: str = ""
    before: int = 0
    after: int = 0
    days_before: int = 1
    days_after: int = 1
    per_day: bool = False

    @property
    def rate_before(self) -> float:
        return self.before / self.days_before

    @property
    def rate_after(self) -> float:
        return self.after / self.days_after

    @property
    def change(self) -> float:
        """Percent change of the counts (``per_day`` False) or of the daily rates; NaN from zero."""
        if not self.before:
            return math.nan
        if self.per_day:
            return 100.0 * (self.rate_after - self.rate_before) / self.rate_before
        return 100.0 * (self.after - self.before) / self.before

    @property
    def direction(self) -> Literal["grows", "falls", "flat", "appears", "disappears", "absent"]:
        if self.before == 0 and self.after == 0:
            return "absent"
        if self.before == 0:
            return "appears"
        if self.after == 0:
            return "disappears"
        c = round(self.change, 1)
        return "grows" if c > 0 else "falls" if c < 0 else "flat"

    def decision(self) -> tuple[object, ...]:
        return (self.direction,)

    def numbers(self) -> dict[str, float]:
        out = {"before": float(self.before), "after": float(self.after)}
        if not is_nan(self.change):
            out["change"] = self.change
        if self.per_day:
            out |= {
                "rate_before": self.rate_before,
                "rate_after": self.rate_after,
                "days_before": float(self.days_before),
                "days_after": float(self.days_after),
            }
        return out


#: Two changes this many percentage points apart or closer read "about as fast".
ABOUT_AS_FAST = 10.0


@dataclass(frozen=True)
class GrowthContrast(Verdict):
    """How attention to partner ``a`` changed across the pivot beside partner ``b``, with the Fisher test.

    ``relation``: ``faster`` (same sign, more than :data:`ABOUT_AS_FAST` points apart; ``faster``
    names the partner), ``about`` (within it), ``opposite`` (one grows, the other falls), ``unsized``
    (a change from zero, which has no size). The test is the two-sided Fisher test of the 2 x 2
    table partner x period, which does not depend on the periods' lengths.
    """

    a: PeriodChange = field(default_factory=lambda: PeriodChange("", ""))
    b: PeriodChange = field(default_factory=lambda: PeriodChange("", ""))
    test: Test = field(default_factory=lambda: Test("fisher", math.nan))

    @property
    def relation(self) -> Literal["faster", "about", "opposite", "unsized"]:
        ca, cb = self.a.change, self.b.change
        if is_nan(ca) or is_nan(cb):
            return "unsized"
        if (ca > 0 > cb) or (cb > 0 > ca):
            return "opposite"
        if abs(ca - cb) <= ABOUT_AS_FAST:
            return "about"
        return "faster"

    @property
    def faster(self) -> str | None:
        """The partner whose change is larger in size, for ``faster``; None otherwise."""
        if self.relation != "faster":
            return None
        return self.a.partner if abs(self.a.change) > abs(self.b.change) else self.b.partner

    @property
    def sign(self) -> Literal["grows", "falls", "flat"]:
        total = sum(c for c in (self.a.change, self.b.change) if not is_nan(c))
        return "grows" if total > 0 else "falls" if total < 0 else "flat"

    def decision(self) -> tuple[object, ...]:
        return (
            self.relation,
            self.faster,
            self.sign if self.relation in ("faster", "about") else None,
            self.a.direction,
            self.b.direction,
            self.test.outcome,
        )

    def numbers(self) -> dict[str, float]:
        out = {f"a_{k}": v for k, v in self.a.numbers().items()} | {f"b_{k}": v for k, v in self.b.numbers().items()}
        if not is_nan(self.test.p):
            out["p"] = self.test.p
        return out


@dataclass(frozen=True)
class AttentionTest(Verdict):
    """Whether the partners' reports divide differently between the periods: one test over all partners.

    With two partners it is Fisher's exact test; with three or more Pearson's chi-squared test of the
    k x 2 table, beside the pairwise Fisher tests with Holm's adjustment (``pairs``: ``(a, b, p_holm)``).
    """

    partners: tuple[str, ...] = ()
    test: Test = field(default_factory=lambda: Test("fisher", math.nan))
    pairs: tuple[tuple[str, str, float], ...] = ()

    @property
    def differing_pairs(self) -> tuple[tuple[str, str], ...]:
        return tuple((a, b) for a, b, p in self.pairs if not is_nan(p) and p < ALPHA)

    def decision(self) -> tuple[object, ...]:
        return (len(self.partners), self.test.outcome, self.differing_pairs)

    def numbers(self) -> dict[str, float]:
        out = {} if is_nan(self.test.p) else {"p": self.test.p}
        tested = [p for _, _, p in self.pairs if not is_nan(p)]
        out |= {"pairs": float(len(tested)), "other_pairs": float(len(tested) - len(self.differing_pairs))}
        return out | {f"p_{a}_{b}": p for a, b, p in self.pairs if not is_nan(p)}


@dataclass(frozen=True)
class SlotGrowth(Verdict):
    """In how many of the partner x website slots with reports the count grows (per day when periods differ)."""

    growing: tuple[tuple[str, str], ...] = ()
    slots: tuple[tuple[str, str], ...] = ()
    per_day: bool = False

    @property
    def outcome(self) -> Literal["none", "some", "all"]:
        if not self.growing:
            return "none"
        return "all" if len(self.growing) == len(self.slots) else "some"

    def decision(self) -> tuple[object, ...]:
        return (self.outcome,)

    def numbers(self) -> dict[str, float]:
        return {"growing": float(len(self.growing)), "slots": float(len(self.slots))}


#: Fewer main codes than this in all, and the part security plays is not read at all.
FEW_CODES = 20
#: From this place down (third or lower by main codes) security plays "a much smaller part" than predicted.
SMALL_PART_FROM = 3


@dataclass(frozen=True)
class SecurityPart(Verdict):
    """How large a part security and military cooperation plays among the main codes: from its place.

    ``part``: ``none`` (no such code), ``few`` (fewer than :data:`FEW_CODES` main codes in all: too
    few to weigh), ``even`` (every category has as many main codes: a place shared by all says
    nothing of security), ``large`` (first or second, alone or jointly), ``small`` (third or lower).
    """

    n: float = 0.0
    place: int = 0
    joint: bool = False
    total: float = 0.0
    even: bool = False  # every category of the codebook has the same number of main codes

    @property
    def part(self) -> Literal["none", "few", "even", "large", "small"]:
        if is_nan(self.n) or self.n == 0:
            return "none"
        if self.total < FEW_CODES:
            return "few"
        if self.even:
            return "even"
        return "small" if self.place >= SMALL_PART_FROM else "large"

    def decision(self) -> tuple[object, ...]:
        return (self.part,)

    def numbers(self) -> dict[str, float]:
        return {"n": float(self.n), "place": float(self.place), "total": float(self.total)}


@dataclass(frozen=True)
class PivotLead(Verdict):
    """Which partner has the most reports before the pivot and which after: kept, passed on, tied or empty.

    A lead kept carries each period's binomial test against the next partner (in the rankings); a lead
    passing from one partner to another carries the Fisher test of the two partners' period table.
    """

    before: Ranking = field(default_factory=lambda: Ranking("", ""))
    after: Ranking = field(default_factory=lambda: Ranking("", ""))
    test: Test | None = None

    @property
    def outcome(self) -> Literal["kept", "passed", "tied", "empty"]:
        if self.before.outcome == "none" or self.after.outcome == "none":
            return "empty"
        if "ties" in (self.before.outcome, self.after.outcome):
            return "tied"
        return "kept" if self.before.leaders == self.after.leaders else "passed"

    def decision(self) -> tuple[object, ...]:
        return (self.outcome, self.before.leaders, self.after.leaders, None if self.test is None else self.test.outcome)

    def numbers(self) -> dict[str, float]:
        out = {f"before_{k}": v for k, v in self.before.numbers().items()}
        out |= {f"after_{k}": v for k, v in self.after.numbers().items()}
        if self.test is not None and not is_nan(self.test.p):
            out["p"] = self.test.p
        return out


@dataclass(frozen=True)
class CommonLeader(Verdict):
    """The leading category for each partner: one and the same single leader for all, or how they differ."""

    rankings: tuple[Ranking, ...] = ()

    @property
    def outcome(self) -> Literal["same", "differ", "none"]:
        leaders = {r.leaders for r in self.rankings if r.outcome != "none"}
        if not leaders:
            return "none"
        if len(leaders) == 1 and all(r.outcome == "leads" for r in self.rankings):
            return "same"
        return "differ"

    def decision(self) -> tuple[object, ...]:
        # each partner's lead carries its test in the sentence, so the thesis reads the same way only
        # when its leads are beyond (or within) chance for the same partners
        return (
            self.outcome,
            tuple((r.scope, r.outcome, r.leaders, None if r.test is None else r.test.outcome) for r in self.rankings),
        )

    def numbers(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for r in self.rankings:
            out |= {f"{r.scope}_{k}": v for k, v in r.numbers().items()}
        return out


#: Below this Fisher p-value (and at or above :data:`ALPHA`) an odds ratio whose interval contains 1 is a tendency.
TENDENCY = 0.10


@dataclass(frozen=True)
class OddsRatio(Verdict):
    """The odds ratio of two partners' period table with its 95 % interval and Fisher p.

    ``outcome``: ``differs`` (interval wholly above or below 1), ``tendency`` (contains 1, Fisher p below
    :data:`TENDENCY`), ``no_difference`` (contains 1, p at or above it), ``no_interval`` (a zero cell),
    ``untestable`` (an empty row or column).
    """

    a: str = ""
    b: str = ""
    ratio: float = math.nan
    low: float = math.nan
    high: float = math.nan
    test: Test = field(default_factory=lambda: Test("fisher", math.nan))

    @property
    def outcome(self) -> Literal["differs", "tendency", "no_difference", "no_interval", "untestable"]:
        if is_nan(self.ratio) or self.test.outcome == "untestable":
            return "untestable"
        if is_nan(self.low) or is_nan(self.high):
            return "no_interval"
        if self.low > 1 or self.high < 1:
            return "differs"
        return "tendency" if self.test.p < TENDENCY else "no_difference"

    def decision(self) -> tuple[object, ...]:
        side = None if is_nan(self.ratio) else (self.ratio > 1) - (self.ratio < 1)
        return (self.outcome, side)

    def numbers(self) -> dict[str, float]:
        return {
            k: v
            for k, v in (("ratio", self.ratio), ("low", self.low), ("high", self.high), ("p", self.test.p))
            if not is_nan(v)
        }


@dataclass(frozen=True)
class Direction(Verdict):
    """Read plainly: which of two partners' reports leaned more towards the after-period, and whether chance could.

    The odds ratio of :class:`OddsRatio` read as a direction: ``side`` is +1 when reports on ``odds.a``
    shifted towards the after-period more than reports on ``odds.b``, -1 the other way, 0 when they
    divide alike. ``outcome``: ``untestable`` (the test cannot be run), ``no_direction`` (no side),
    else the Fisher test's ``beyond`` / ``within``. A rerun agrees with the thesis when the side and
    the outcome are the same.
    """

    odds: OddsRatio | None = None

    @property
    def side(self) -> int:
        r = math.nan if self.odds is None else self.odds.ratio
        return 0 if is_nan(r) else (r > 1) - (r < 1)

    @property
    def outcome(self) -> Literal["untestable", "no_direction", "beyond", "within"]:
        if self.odds is None or self.odds.test.outcome == "untestable":
            return "untestable"
        if self.side == 0:
            return "no_direction"
        return "beyond" if self.odds.test.outcome == "beyond" else "within"

    def decision(self) -> tuple[object, ...]:
        return (self.outcome, self.side)

    def numbers(self) -> dict[str, float]:
        return {} if self.odds is None else self.odds.numbers()


@dataclass(frozen=True)
class CategoryShift(Verdict):
    """How the share of one partner's reports that carry a category (at a level) moved across the pivot.

    ``direction``: ``rises`` / ``falls`` / ``steady`` (equal to one decimal) / ``only_after`` /
    ``only_before`` (one period has no reports, so no share) / ``absent`` (neither has) / ``unknown``
    (an unpublished cell); the test is Fisher's on the category x period table, run only where both
    periods have reports.
    """

    partner: str = ""
    category: str = ""
    level: str = "main"
    k_before: float = 0.0
    n_before: int = 0
    k_after: float = 0.0
    n_after: int = 0
    test: Test = field(default_factory=lambda: Test("fisher", math.nan))

    @property
    def share_before(self) -> float:
        return math.nan if not self.n_before or is_nan(self.k_before) else 100.0 * self.k_before / self.n_before

    @property
    def share_after(self) -> float:
        return math.nan if not self.n_after or is_nan(self.k_after) else 100.0 * self.k_after / self.n_after

    @property
    def direction(self) -> Literal["rises", "falls", "steady", "only_after", "only_before", "absent", "unknown"]:
        """How the share moved; a period without reports has no share, so the partner's reports
        ``only_after`` / ``only_before`` the pivot (or ``absent`` from both) are said as such."""
        if not self.n_before or not self.n_after:
            if is_nan(self.k_before if self.n_before else self.k_after):
                return "unknown"
            return (
                "absent" if not self.n_before and not self.n_after else "only_after" if self.n_after else "only_before"
            )
        a, b = self.share_before, self.share_after
        if is_nan(a) or is_nan(b):
            return "unknown"
        if round(a, 1) == round(b, 1):
            return "steady"
        return "rises" if b > a else "falls"

    def decision(self) -> tuple[object, ...]:
        return (self.direction, self.test.outcome)

    def numbers(self) -> dict[str, float]:
        out = {
            "k_before": float(self.k_before),
            "k_after": float(self.k_after),
            "n_before": float(self.n_before),
            "n_after": float(self.n_after),
        }
        out |= {
            k: v
            for k, v in (("share_before", self.share_before), ("share_after", self.share_after), ("p", self.test.p))
            if not is_nan(v)
        }
        return out


@dataclass(frozen=True)
class SteadyPace(Verdict):
    """Where one group's share of reports after the pivot stands against a steady pace of publication.

    ``side``: ``above`` / ``below`` when the whole Wilson 95 % interval is, ``within`` when it holds the
    steady-pace share (the after-period's share of the window's days), ``unknown`` without reports.
    """

    partner: str = ""
    k: int = 0
    n: int = 0
    share: float = math.nan
    low: float = math.nan
    high: float = math.nan
    reference: float = 50.0
    website: str = ""  # a partner-and-website slot's pace; "" for all of the partner's reports

    @property
    def side(self) -> Literal["above", "below", "within", "unknown"]:
        if is_nan(self.low) or is_nan(self.high):
            return "unknown"
        return "above" if self.low > self.reference else "below" if self.high < self.reference else "within"

    def decision(self) -> tuple[object, ...]:
        return (self.side,)

    def numbers(self) -> dict[str, float]:
        return {
            k: v
            for k, v in (
                ("k", float(self.k)),
                ("n", float(self.n)),
                ("share", self.share),
                ("low", self.low),
                ("high", self.high),
                ("reference", self.reference),
            )
            if not is_nan(v)
        }


#: Pooling within websites "explains part of" a difference when it shrinks the log odds ratio below this fraction.
POOLED_CLOSER = 0.9


@dataclass(frozen=True)
class Pooling(Verdict):
    """Two partners' odds ratio over all reports against the one pooled within websites (Cochran–Mantel–Haenszel).

    ``effect``: ``explains_part`` (pooled closer to 1 by more than a tenth on the log scale, same side),
    ``barely_moves`` (closer by less), ``does_not_explain`` (not closer, or across 1), ``not_pooled``
    (an empty cell in a website). Breslow–Day (``stories``) says whether the websites differ.
    """

    a: str = ""
    b: str = ""
    crude: float = math.nan
    pooled: float = math.nan
    low: float = math.nan
    high: float = math.nan
    cmh: Test = field(default_factory=lambda: Test("chi2", math.nan))
    breslow_day: Test = field(default_factory=lambda: Test("chi2", math.nan))

    @property
    def effect(self) -> Literal["explains_part", "barely_moves", "does_not_explain", "not_pooled"]:
        if is_nan(self.pooled) or is_nan(self.crude) or self.crude in (0.0, math.inf) or self.pooled <= 0:
            return "not_pooled"
        lc, lp = math.log(self.crude), math.log(self.pooled)
        if lc * lp > 0 and abs(lp) < POOLED_CLOSER * abs(lc):
            return "explains_part"
        if lc * lp > 0 and abs(lp) <= abs(lc):
            return "barely_moves"
        return "does_not_explain"

    def decision(self) -> tuple[object, ...]:
        return (self.effect, self.breslow_day.outcome)

    def numbers(self) -> dict[str, float]:
        return {
            k: v
            for k, v in (
                ("crude", self.crude),
                ("pooled", self.pooled),
                ("low", self.low),
                ("high", self.high),
                ("p", self.cmh.p),
                ("p_bd", self.breslow_day.p),
            )
            if not is_nan(v)
        }


@dataclass(frozen=True)
class CategoryContrast(Verdict):
    """Whether a category reaches a larger share of the reports on one partner than on the others.

    ``shares``: per partner with reports, (k, n). ``outcome``: ``equal`` (every share the same to one
    decimal), ``differs`` (``highest`` names the partners with the largest share), ``unknown`` (an
    unpublished cell). The test: Fisher with two partners, chi-squared over all of them with more.
    """

    category: str = ""
    level: str = "main"
    shares: tuple[tuple[str, float, int], ...] = ()
    test: Test = field(default_factory=lambda: Test("fisher", math.nan))

    def share(self, partner: str) -> float:
        for p, k, n in self.shares:
            if p == partner:
                return math.nan if not n or is_nan(k) else 100.0 * k / n
        return math.nan

    @property
    def outcome(self) -> Literal["equal", "differs", "unknown", "single"]:
        values = [self.share(p) for p, _, _ in self.shares]
        if any(is_nan(v) for v in values) or not values:
            return "unknown"
        if len(values) == 1:
            return "single"
        return "equal" if len({round(v, 1) for v in values}) == 1 else "differs"

    @property
    def highest(self) -> tuple[str, ...]:
        if self.outcome != "differs":
            return ()
        top = max(round(self.share(p), 1) for p, _, _ in self.shares)
        return tuple(p for p, _, _ in self.shares if round(self.share(p), 1) == top)

    def decision(self) -> tuple[object, ...]:
        return (self.outcome, self.highest, self.test.outcome)

    def numbers(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for p, k, n in self.shares:
            out[f"{p}_k"], out[f"{p}_n"] = float(k), float(n)
            if not is_nan(self.share(p)):
                out[f"{p}_share"] = self.share(p)
        if not is_nan(self.test.p):
            out["p"] = self.test.p
        return out


@dataclass(frozen=True)
class LevelSplit(Verdict):
    """Whether a category is more often a main or a secondary code, for each partner with reports.

    Partners with the same verdict are said together: ``main`` / ``secondary`` / ``equal`` / ``never``
    / ``unknown`` per partner in ``splits`` (partner, main, secondary).
    """

    category: str = ""
    splits: tuple[tuple[str, float, float], ...] = ()

    @staticmethod
    def side(main: float, secondary: float) -> str:
        if is_nan(main) or is_nan(secondary):
            return "unknown"
        if main == secondary == 0:
            return "never"
        return "main" if main > secondary else "secondary" if secondary > main else "equal"

    def decision(self) -> tuple[object, ...]:
        return tuple((p, self.side(m, s)) for p, m, s in self.splits)

    def numbers(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for p, m, s in self.splits:
            if not is_nan(m):
                out[f"{p}_main"] = float(m)
            if not is_nan(s):
                out[f"{p}_secondary"] = float(s)
        return out


@dataclass(frozen=True)
class Place(Verdict):
    """One item's place in a ranking: one plus the items strictly ahead; equal counts share a place."""

    ranking: Ranking = field(default_factory=lambda: Ranking("", ""))
    item: str = ""
    what: str = ""  # "main codes", "main and secondary codes together"

    def decision(self) -> tuple[object, ...]:
        values = dict(self.ranking.known)
        if self.item not in values:
            return ("unknown",)
        if values[self.item] == 0:
            return ("uncoded",)
        place, level = self.ranking.place(self.item)
        return (place, bool(level))

    def numbers(self) -> dict[str, float]:
        values = dict(self.ranking.known)
        out = {k: float(v) for k, v in values.items()}
        if self.item in values:
            out["place"] = float(self.ranking.place(self.item)[0])
            out["of"] = float(len(values))
        return out


@dataclass(frozen=True)
class Standing(Verdict):
    """A category's place among the codebook's categories, over every partner with reports, by main
    codes and, where a page asks, by one more level (secondary codes, or both levels together).

    It exists so that the sentence naming the category is the renderer's, verb included: a category
    with no code at a level is "not coded at all" there, which cannot follow a "comes" written in a
    chapter, and whether a second level is joined by "but" depends on whether the places differ.
    """

    category: str = ""
    partners: tuple[str, ...] = ()
    places: tuple[Place, ...] = ()

    def decision(self) -> tuple[object, ...]:
        return tuple(p.decision() for p in self.places)

    def numbers(self) -> dict[str, float]:
        out: dict[str, float] = {"partners": float(len(self.partners))}
        for p in self.places:
            out |= {f"{p.key}_{k}": v for k, v in p.numbers().items()}
        return out


@dataclass(frozen=True)
class CodeTotals(Verdict):
    """How many codes the coding produced: main and secondary cooperation codes and non-cooperation codes.

    ``non_cooperation`` is the stated total where the source states one (the thesis places only 6 of
    its 8 in a slot). A total is a number, not a judgement: beside a rerun it is shown next to the
    thesis's in a table, so :meth:`decision` only says whether the totals are known.
    """

    main: float = 0.0
    secondary: float = 0.0
    non_cooperation: float = 0.0

    @property
    def known(self) -> bool:
        return not any(is_nan(x) for x in (self.main, self.secondary, self.non_cooperation))

    @property
    def total(self) -> float:
        return self.main + self.secondary + self.non_cooperation

    @property
    def non_cooperation_share(self) -> float:
        """Non-cooperation codes as a percentage of all codes (NaN with no code at all)."""
        return self.non_cooperation / self.total * 100 if self.total else float("nan")

    def decision(self) -> tuple[object, ...]:
        return (self.known,)

    def numbers(self) -> dict[str, float]:
        return {
            "main": self.main,
            "secondary": self.secondary,
            "non_cooperation": self.non_cooperation,
            "all": self.total,
        }


@dataclass(frozen=True)
class CategoryOrder(Verdict):
    """The categories in order of their main codes, each with its secondary count: who leads, what follows.

    ``main`` is the ranking by main codes (carrying the binomial test of a single lead over the
    runner-up); ``secondary`` the secondary count of each category in the same order. Equal
    counts form one group (a tie, never a rank); a category with no main code is named as such.
    """

    main: Ranking = field(default_factory=lambda: Ranking("", ""))
    secondary: tuple[tuple[str, float], ...] = ()

    @property
    def groups(self) -> tuple[tuple[float, tuple[str, ...]], ...]:
        """Categories with at least one main code, grouped by equal count, largest first."""
        by: dict[float, list[str]] = {}
        for cat, n in self.main.known:
            if n > 0:
                by.setdefault(n, []).append(cat)
        return tuple((n, tuple(cats)) for n, cats in sorted(by.items(), key=lambda kv: -kv[0]))

    @property
    def absent(self) -> tuple[str, ...]:
        return tuple(c for c, n in self.main.known if n == 0)

    @property
    def known(self) -> bool:
        return len(self.main.known) == len(self.main.items) and not any(is_nan(n) for _, n in self.secondary)

    def decision(self) -> tuple[object, ...]:
        test = None if self.main.test is None else self.main.test.outcome  # the lead's test is said with it
        return (self.known, self.main.outcome, self.main.leaders, test, tuple(cats for _, cats in self.groups))

    def numbers(self) -> dict[str, float]:
        out = {f"{c}_main": float(n) for c, n in self.main.known}
        out |= {f"{c}_secondary": float(n) for c, n in self.secondary if not is_nan(n)}
        if self.main.test is not None and not is_nan(self.main.test.p):
            out["p"] = self.main.test.p
        return out


@dataclass(frozen=True)
class LevelsOrder(Verdict):
    """How the order of the categories changes when main and secondary codes are counted together.

    ``main`` and ``both`` are the two rankings (by main codes; by main and secondary together),
    ``secondary`` each category's secondary count. A category rises when it has fewer categories
    strictly ahead of it counted together than by main codes alone.
    """

    main: Ranking = field(default_factory=lambda: Ranking("", ""))
    both: Ranking = field(default_factory=lambda: Ranking("", ""))
    secondary: tuple[tuple[str, float], ...] = ()

    @property
    def known(self) -> bool:
        return len(self.both.known) == len(self.both.items) and len(self.main.known) == len(self.main.items)

    def _moves(self, sign: int) -> tuple[str, ...]:
        if not self.known:
            return ()
        both = dict(self.both.known)
        moved = [c for c, n in self.both.known if n > 0 and (self.both.place(c)[0] - self.main.place(c)[0]) * sign > 0]
        return tuple(sorted(moved, key=lambda c: (self.both.place(c)[0], -both[c])))

    @property
    def risers(self) -> tuple[str, ...]:
        return self._moves(-1)

    @property
    def fallers(self) -> tuple[str, ...]:
        return self._moves(1)

    @property
    def keepers(self) -> tuple[str, ...]:
        moved = set(self.risers) | set(self.fallers)
        return tuple(
            sorted((c for c, n in self.both.known if n > 0 and c not in moved), key=lambda c: self.both.place(c)[0])
        )

    def decision(self) -> tuple[object, ...]:
        return (self.known, self.both.outcome, self.risers, self.fallers)

    def numbers(self) -> dict[str, float]:
        out = {f"{c}_any": float(n) for c, n in self.both.known}
        out |= {f"{c}_secondary": float(n) for c, n in self.secondary if not is_nan(n)}
        return out


#: A slot carries "most" of the rise when its gain is more than this fraction of all slots' gains.
MOST = 0.5


@dataclass(frozen=True)
class SlotRise(Verdict):
    """Which partner-and-website slot gained most across the pivot, and where its after-share stands.

    ``paces`` holds one :class:`SteadyPace` per slot with reports (``k`` after the pivot of ``n``).
    A slot's gain is its reports after less its reports before, or, when the periods differ in
    length (:attr:`per_day`), the change of its daily rate in reports per 100 days. ``outcome``:
    ``none`` (no slot gains), ``most`` (the largest gain is more than :data:`MOST` of all gains),
    ``part`` (the largest, not most), ``tie`` (two or more slots share the largest gain).
    """

    paces: tuple[SteadyPace, ...] = ()
    per_day: bool = False
    days_before: int = 1
    days_after: int = 1

    def gain(self, pace: SteadyPace) -> float:
        before, after = pace.n - pace.k, pace.k
        if self.per_day:  # unrounded: two slots tie only when their gains are equal, not when they print alike
            return 100 * (after / self.days_after - before / self.days_before)
        return float(after - before)

    @property
    def gained(self) -> float:
        return sum(g for g in (self.gain(p) for p in self.paces) if g > 0)

    @property
    def largest(self) -> tuple[SteadyPace, ...]:
        if self.gained <= 0:
            return ()
        top = max(self.gain(p) for p in self.paces)
        return tuple(p for p in self.paces if math.isclose(self.gain(p), top, rel_tol=1e-12, abs_tol=1e-12))

    @property
    def outcome(self) -> Literal["none", "most", "part", "tie"]:
        largest = self.largest
        if not largest:
            return "none"
        if len(largest) > 1:
            return "tie"
        return "most" if self.gain(largest[0]) > MOST * self.gained else "part"

    def decision(self) -> tuple[object, ...]:
        return (self.outcome, tuple((p.partner, p.website) for p in self.largest), tuple(p.side for p in self.largest))

    def numbers(self) -> dict[str, float]:
        out: dict[str, float] = {"slots": float(len(self.paces)), "gained": self.gained}
        for p in self.paces:
            out |= {f"{p.partner}_{p.website}_{k}": v for k, v in p.numbers().items()}
            out[f"{p.partner}_{p.website}_gain"] = self.gain(p)
        return out


@dataclass(frozen=True)
class SmallSite(Verdict):
    """The website with fewest reports, against the others, and whether its intervals settle anything.

    ``sizes`` are the reports per website (vocabulary order); ``paces`` the smallest website's
    partners' after-shares. ``outcome``: ``one_site`` (fewer than two websites have reports, nothing
    to set apart), ``level`` (the smallest is level with another), ``within`` (no interval of the
    small website leaves the steady pace), ``beyond`` (some do).
    """

    sizes: tuple[tuple[str, int], ...] = ()
    paces: tuple[SteadyPace, ...] = ()
    #: (partner, website, reports) on every other website with reports, for the partners of ``paces``.
    elsewhere: tuple[tuple[str, str, int], ...] = ()

    @property
    def wider(self) -> bool:
        """Whether each of the small website's intervals rests on fewer reports than the same partner's
        on every other website: only then are its intervals, as the thesis says, the wider ones. A
        site with fewer reports in all may still hold more on one partner (6,000 reports in all)."""
        return bool(self.paces) and all(
            pace.n < n for pace in self.paces for partner, _, n in self.elsewhere if partner == pace.partner
        )

    @property
    def website(self) -> str:
        present = [(w, n) for w, n in self.sizes if n > 0]
        return min(present, key=lambda x: x[1])[0] if present else ""

    @property
    def outcome(self) -> Literal["one_site", "level", "within", "beyond"]:
        present = [(w, n) for w, n in self.sizes if n > 0]
        if len(present) < 2:
            return "one_site"
        small = min(n for _, n in present)
        if sum(1 for _, n in present if n == small) > 1:
            return "level"
        return "beyond" if any(p.side in ("above", "below") for p in self.paces) else "within"

    def decision(self) -> tuple[object, ...]:
        return (self.outcome, self.website if self.outcome in ("within", "beyond") else "")

    def numbers(self) -> dict[str, float]:
        out: dict[str, float] = {f"n_{w}": float(n) for w, n in self.sizes}
        for p in self.paces:
            out |= {f"{p.partner}_{k}": v for k, v in p.numbers().items()}
        return out


@dataclass(frozen=True)
class PeriodTests(Verdict):
    """Every before-against-after comparison of a category's share, per partner: how many fall below :data:`ALPHA`.

    ``shifts`` are the comparisons the page's table holds (a partner and category whose counts per
    period are known), each with its uncorrected Fisher test. Among many comparisons some fall
    below 5 % by chance alone, which the rendering says with the number expected.
    """

    shifts: tuple[CategoryShift, ...] = ()

    @property
    def below(self) -> tuple[CategoryShift, ...]:
        return tuple(s for s in self.shifts if s.test.outcome == "beyond")

    def decision(self) -> tuple[object, ...]:
        return (len(self.shifts) > 0, tuple((s.partner, s.category, s.direction) for s in self.below))

    def numbers(self) -> dict[str, float]:
        out: dict[str, float] = {
            "n_tests": float(len(self.shifts)),
            "n_below": float(len(self.below)),
            "expected": round(len(self.shifts) * ALPHA, 1),
        }
        for s in self.below:
            out |= {f"{s.partner}_{s.category}_{k}": v for k, v in s.numbers().items()}
        return out


@dataclass(frozen=True)
class CategoryProfile(Verdict):
    """Whether the partners' category profiles differ: one test per category (Fisher with two partners,
    chi-squared with more), and the Holm correction over all of them.

    ``tests`` holds per category its p-value, its Holm-adjusted p-value and each partner's share of
    reports with it. ``outcome``: ``none`` (nothing to compare: one partner), ``untestable`` (no
    test could run), ``alike`` (no category below :data:`ALPHA` after Holm), ``differ``.
    """

    name: Literal["fisher", "chi2"] = "fisher"
    tests: tuple[tuple[str, float, float, tuple[tuple[str, float], ...]], ...] = ()

    @property
    def testable(self) -> tuple[tuple[str, float, float, tuple[tuple[str, float], ...]], ...]:
        return tuple(t for t in self.tests if not is_nan(t[1]))

    @property
    def smallest(self) -> tuple[str, float, float, tuple[tuple[str, float], ...]] | None:
        """The category with the smallest p-value (the first in codebook order among equals)."""
        rows = self.testable
        return min(rows, key=lambda t: t[1]) if rows else None

    @property
    def raw_below(self) -> tuple[str, ...]:
        return tuple(t[0] for t in self.testable if t[1] < ALPHA)

    @property
    def holm_below(self) -> tuple[str, ...]:
        return tuple(t[0] for t in self.testable if not is_nan(t[2]) and t[2] < ALPHA)

    @property
    def outcome(self) -> Literal["none", "untestable", "alike", "differ"]:
        if not self.tests:
            return "none"
        if not self.testable:
            return "untestable"
        return "differ" if self.holm_below else "alike"

    def decision(self) -> tuple[object, ...]:
        return (self.outcome, self.holm_below)

    def numbers(self) -> dict[str, float]:
        out: dict[str, float] = {
            "n_tests": float(len(self.tests)),
            "n_raw_below": float(len(self.raw_below)),
            "n_holm_below": float(len(self.holm_below)),
        }
        low = self.smallest
        if low is not None:
            out |= {"p_min": low[1], "p_min_holm": low[2]}
            out |= {f"{p}_share": s for p, s in low[3] if not is_nan(s)}
        return out


#: Under this many reports in all, the closing reading of 6.4 says the tests favour no reading of the counts.
FEW_REPORTS = 30


@dataclass(frozen=True)
class Scale(Verdict):
    """The closing reading of 6.4: which of its tests are beyond chance, and how far that carries.

    It rests on the other verdicts of the page (each partner's steady pace, the test over the
    partners, the category profile) and the number of reports. ``outcome``: ``few`` (under
    :data:`FEW_REPORTS` reports: no reading is favoured, the thesis's cautious one included),
    ``beyond`` (the partners' shifts or a category differ beyond chance: directions, not sizes),
    ``within`` (nothing beyond chance: the thesis's cautious conclusion fits best).
    """

    paces: tuple[SteadyPace, ...] = ()
    attention: Test = field(default_factory=lambda: Test("fisher", math.nan))
    profile: CategoryProfile = field(default_factory=lambda: CategoryProfile("", ""))
    total: int = 0

    @property
    def outcome(self) -> Literal["few", "beyond", "within"]:
        if self.total < FEW_REPORTS:
            return "few"
        return "beyond" if self.attention.outcome == "beyond" or self.profile.holm_below else "within"

    def decision(self) -> tuple[object, ...]:
        return (
            self.outcome,
            tuple(p.partner for p in self.paces if p.side == "above"),
            tuple(p.partner for p in self.paces if p.side == "below"),
            self.attention.outcome,
        )

    def numbers(self) -> dict[str, float]:
        out = {
            "total": float(self.total),
            "n_tests": float(len(self.profile.tests)),
            "n_holm_below": float(len(self.profile.holm_below)),
        }
        if not is_nan(self.attention.p):
            out["p"] = self.attention.p
        return out


# --- the pivot sweep (section 6.5): verdicts of a sweep frame, computed by readings.sweep -------------


@dataclass(frozen=True)
class SweepShape(Verdict):
    """One partner's per-day ratio over the sweep against 1, and where its largest ratio falls.

    ``outcome``: ``undefined`` (no report before any pivot), ``above`` / ``below`` (at every pivot
    where the ratio is defined), ``crosses``; ``near`` when the peak lies within ``near_days`` days of
    the window's pivot. ``n`` counts the pivots with a ratio, ``pivots`` all pivots of the sweep (a
    pivot before the partner's first report gives no ratio); ``low`` equal to ``peak`` is a flat
    line, which has no "largest" ratio to place.
    """

    partner: str = ""
    above: int = 0
    below: int = 0
    n: int = 0
    pivots: int = 0
    low: float = math.nan
    peak: float = math.nan
    peak_day: date | None = None
    days: int = 0
    near_days: int = 28
    demo: bool = False

    @property
    def outcome(self) -> Literal["undefined", "above", "below", "crosses"]:
        if self.n == 0:
            return "undefined"
        if self.above == self.n:
            return "above"
        return "below" if self.below == self.n else "crosses"

    @property
    def flat(self) -> bool:
        return self.n > 0 and self.low == self.peak

    @property
    def near(self) -> bool:
        return self.n > 0 and not self.flat and self.days <= self.near_days

    def decision(self) -> tuple[object, ...]:
        return (self.partner, self.outcome, self.near)

    def numbers(self) -> dict[str, float]:
        if self.n == 0:
            return {}
        return {
            "above": float(self.above),
            "n": float(self.n),
            "pivots": float(self.pivots),
            "low": self.low,
            "peak": self.peak,
            "days": float(self.days),
            "near_days": float(self.near_days),
            "one": 1.0,
        }


@dataclass(frozen=True)
class SweepAhead(Verdict):
    """At how many pivots the first partner's ratio is above every other partner's: ``all`` / ``none`` /
    ``some``, counted over the ``n`` pivots where every partner has a ratio (``undefined`` when none has)."""

    first: str = ""
    others: tuple[str, ...] = ()
    ahead: int = 0
    n: int = 0
    pivots: int = 0
    demo: bool = False

    @property
    def outcome(self) -> Literal["undefined", "all", "none", "some"]:
        if self.n == 0:
            return "undefined"
        return "all" if self.ahead == self.n else "none" if self.ahead == 0 else "some"

    def decision(self) -> tuple[object, ...]:
        return (self.first, self.others, self.outcome)

    def numbers(self) -> dict[str, float]:
        return {"ahead": float(self.ahead), "n": float(self.n), "pivots": float(self.pivots)}


@dataclass(frozen=True)
class SweepBalance(Verdict):
    """At how many pivots the partners' balance test falls below ALPHA: ``all`` / ``none`` / ``some`` / ``untested``."""

    below: int = 0
    n: int = 0
    p_at_pivot: float = math.nan
    demo: bool = False

    @property
    def outcome(self) -> Literal["untested", "all", "none", "some"]:
        if self.n == 0:
            return "untested"
        return "all" if self.below == self.n else "none" if self.below == 0 else "some"

    def decision(self) -> tuple[object, ...]:
        return (self.outcome,)

    def numbers(self) -> dict[str, float]:
        out = {"below": float(self.below), "n": float(self.n), "alpha": ALPHA}
        if not is_nan(self.p_at_pivot):
            out["p"] = self.p_at_pivot
        return out


@dataclass(frozen=True)
class SlotLead(Verdict):
    """Which categories lead the main codes of one slot (a partner in a period), with their share of its reports.

    ``items``: the known categories with at least one main code, largest first (codebook order
    among equals), as ``(category, count, share of the slot's reports)``. ``outcome``: ``none`` (no
    such category), ``leads`` (one largest) or ``ties`` (several equal at the top). The rendering
    names the leader(s) and the runner-up, never "ahead of" an equal count.
    """

    partner: str = ""
    period: str = "before"
    items: tuple[tuple[str, float, float], ...] = ()
    reports: int = -1  # the slot's reports; -1 when not given
    unknown: bool = False  # some category's count in the slot is not published

    @property
    def leaders(self) -> tuple[str, ...]:
        if not self.items:
            return ()
        top = self.items[0][1]
        return tuple(c for c, n, _ in self.items if n == top)

    @property
    def outcome(self) -> Literal["none", "leads", "ties"]:
        return "none" if not self.items else "leads" if len(self.leaders) == 1 else "ties"

    def decision(self) -> tuple[object, ...]:
        return (self.outcome, self.leaders)

    def numbers(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for i, (_, n, share) in enumerate(self.items[: len(self.leaders) + 1]):
            out[f"n{i}"] = float(n)
            out[f"share{i}"] = share
        return out


@dataclass(frozen=True)
class SlotPair(Verdict):
    """Two partners' slots compared, as the thesis's own slot passages compare them (its published figures).

    ``aspect`` is the question answered: ``before`` (which partner had more reports before the pivot),
    ``growth`` (how ``a``'s change compares with ``b``'s), ``attention`` (towards which partner the
    officials' attention moved) or ``sizes`` (which slot was larger in each period). Two changes within
    :data:`ABOUT_AS_FAST` points are "about as much"; a gap of more than five times that is "far more".
    """

    a: str = ""
    b: str = ""
    aspect: Literal["before", "growth", "attention", "sizes"] = "before"
    a_before: int = 0
    a_after: int = 0
    b_before: int = 0
    b_after: int = 0
    a_change: float = math.nan
    b_change: float = math.nan

    def larger(self, period: Literal["before", "after"]) -> str | None:
        """The partner with more reports in ``period``; None when the two are equal."""
        x, y = (self.a_before, self.b_before) if period == "before" else (self.a_after, self.b_after)
        return self.a if x > y else self.b if y > x else None

    @property
    def moved(self) -> Literal["unsized", "about", "a", "b"]:
        """Whose change is larger, signed: ``a`` / ``b``, ``about`` within ABOUT_AS_FAST, ``unsized`` from zero."""
        if is_nan(self.a_change) or is_nan(self.b_change):
            return "unsized"
        if abs(self.a_change - self.b_change) <= ABOUT_AS_FAST:
            return "about"
        return "a" if self.a_change > self.b_change else "b"

    @property
    def far(self) -> bool:
        return self.moved == "a" and self.a_change - self.b_change > 5 * ABOUT_AS_FAST

    def decision(self) -> tuple[object, ...]:
        if self.aspect == "before":
            return (self.aspect, self.larger("before"))
        if self.aspect == "sizes":
            return (self.aspect, self.larger("before"), self.larger("after"))
        who = {"a": self.a, "b": self.b}.get(self.moved, self.moved)
        if self.aspect == "attention":
            return (self.aspect, who)
        return (self.aspect, who, "far" if self.far else None)

    def numbers(self) -> dict[str, float]:
        out = {
            "a_before": float(self.a_before),
            "a_after": float(self.a_after),
            "b_before": float(self.b_before),
            "b_after": float(self.b_after),
        }
        return out | {k: v for k, v in (("a_change", self.a_change), ("b_change", self.b_change)) if not is_nan(v)}


# --- the window's shape -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodLengths(Verdict):
    """How long the window's two periods are, and, when they differ, each group's reports per day.

    ``outcome``: ``equal`` (the same number of days), ``about`` (within the window's tolerance,
    :data:`~kzperception.data.window.PERIOD_LENGTH_TOLERANCE`), ``differ`` (raw counts favour the
    longer period, so 6.2 compares reports per day). ``rates`` holds ``(partner, before, after)``
    per day: all reports first (partner ``""``), then each partner with reports when there are
    several. ``labels`` are the periods' labels (the years each covers).
    """

    days_before: int = 0
    days_after: int = 0
    differ: bool = False
    labels: tuple[str, str] = ("", "")
    rates: tuple[tuple[str, float, float], ...] = ()

    @property
    def outcome(self) -> Literal["equal", "about", "differ"]:
        if self.differ:
            return "differ"
        return "equal" if self.days_before == self.days_after else "about"

    def decision(self) -> tuple[object, ...]:
        return (self.outcome,)

    def numbers(self) -> dict[str, float]:
        out: dict[str, float] = {"days_before": float(self.days_before), "days_after": float(self.days_after)}
        for p, b, a in self.rates if self.differ else ():
            out |= {f"rate_before_{p}": b, f"rate_after_{p}": a}
        return out


@dataclass(frozen=True)
class WindowCoverage(Verdict):
    """Whether the window opens before the corpus's first report or closes after its last.

    Those days hold no report of the corpus, yet count towards their period's length. ``outcome``:
    ``no_dates`` (no report dates: the published figures), ``inside`` (the window lies within the
    corpus's dates), ``opens_before``, ``closes_after`` or ``both``.
    """

    start: date | None = None
    end: date | None = None
    first: date | None = None
    last: date | None = None

    @property
    def days_before_first(self) -> int:
        return 0 if self.start is None or self.first is None else max(0, (self.first - self.start).days)

    @property
    def days_after_last(self) -> int:
        return 0 if self.end is None or self.last is None else max(0, (self.end - self.last).days)

    @property
    def outcome(self) -> Literal["no_dates", "inside", "opens_before", "closes_after", "both"]:
        if self.first is None:
            return "no_dates"
        early, late = self.days_before_first > 0, self.days_after_last > 0
        if early and late:
            return "both"
        return "opens_before" if early else "closes_after" if late else "inside"

    def decision(self) -> tuple[object, ...]:
        return (self.outcome,)

    def numbers(self) -> dict[str, float]:
        return {"days_before_first": float(self.days_before_first), "days_after_last": float(self.days_after_last)}


@dataclass(frozen=True)
class PeriodRates(PeriodLengths):
    """:class:`PeriodLengths` said in full for 6.2: the lengths, then every group's reports per day when they differ."""
