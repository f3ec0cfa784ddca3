"""The registry of readings: every name a chapter may glue, and the verdicts behind it.

A reading here is a name (``growth``, ``security_part`` ...) and a function of the counts that
returns its verdicts. A page glues ``reading_<name>`` (the rendering, to continue a sentence),
``reading_<name>_cap`` (to open one) and ``said_<name>`` (closed sentences, followed on a rerun by
what the thesis's published counts say of the same question). Because the names come from here,
:func:`unknown_names` can tell, before a chapter runs, that it uses a name nothing produces.

Readings that name several verdicts (every pair of partners, every partner) are said in one
paragraph, so a page needs no name per partner and works for one partner or five.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from kzperception.readings import render, words
from kzperception.readings.verdicts import Verdict

if TYPE_CHECKING:
    from kzperception.data.counts import Counts
    from kzperception.data.vocabulary import Vocabulary


class _Compute:
    """:mod:`kzperception.readings.compute`, imported on first use: the build asks this registry
    which names exist (:func:`glue_names`) before any chapter runs, and should not pay for scipy."""

    def __getattr__(self, name: str) -> Any:
        from kzperception.readings import compute as module

        return getattr(module, name)


compute: Any = _Compute()


@dataclass(frozen=True)
class Reading:
    """One registered reading: its name, what it answers, and the function giving its verdicts."""

    name: str
    question: str
    verdicts: Callable[[Counts], list[Verdict]]
    empty: str | None = None  # said when there is no verdict (e.g. no pair of partners); None says nothing
    beside: bool = True  # False: a rerun's page shows the thesis's numbers in a table, not its verdict in words
    lead: str = ""  # opens the said sentences when there is a verdict ("Read plainly: "), never the empty one


def _pairs_or_all(counts: Counts) -> list[Verdict]:
    ps = compute.partners(counts)
    if len(ps) == 2:
        return [compute.odds_ratio(counts, *ps)]
    return [compute.attention_test(counts)]


def _coverage(counts: Counts) -> list[Verdict]:
    """The window against the corpus's dates, only where it is wider than the corpus (else nothing to say)."""
    v = compute.window_coverage(counts)
    return [] if v.outcome in ("no_dates", "inside") else [v]


READINGS: dict[str, Reading] = {
    r.name: r
    for r in (
        Reading("partners", "which partner has the most reports", lambda c: [compute.partner_ranking(c)]),
        Reading(
            "changes",
            "how each partner's reports changed across the pivot",
            lambda c: [compute.period_change(c, p) for p in compute.partners(c)],
        ),
        Reading(
            "growth",
            "whose attention grew faster, for every pair of partners",
            lambda c: compute.growth_contrasts(c),
            "with reports on one partner only, there is no pair of partners whose growth could be compared",
        ),
        Reading(
            "attention",
            "whether the partners' reports divide differently between the periods",
            lambda c: [compute.attention_test(c)],
        ),
        Reading(
            "attention_beyond_pairs",
            "with three or more partners, the test over all of them and each pair",
            lambda c: [compute.attention_test(c)] if len(compute.partners(c)) > 2 else [],
        ),
        Reading(
            "test",
            "the headline test of 6.4: the odds ratio of two partners, or the test over all of them",
            _pairs_or_all,
        ),
        Reading(
            "test_plainly",
            "with two partners, the headline test read plainly: whose reports leaned more towards the after-period",
            lambda c: [compute.direction(c, *compute.partners(c))] if len(compute.partners(c)) == 2 else [],
            "there is no single pair of partners to read plainly here: that needs reports on exactly two partners",
            lead="Read plainly: ",
        ),
        Reading(
            "steady_pace",
            "for each partner, whether its share after the pivot leaves a steady pace",
            lambda c: compute.steady_pace(c),
        ),
        Reading(
            "pooling",
            "for each pair of partners, what pooling within the websites does to the odds ratio",
            lambda c: compute.poolings(c),
            "with reports on one partner only, there is no pair to pool",
        ),
        Reading(
            "lead_across_the_pivot", "which partner leads before and after the pivot", lambda c: [compute.pivot_lead(c)]
        ),
        Reading(
            "slot_growth", "in how many partner-and-website slots the reports grow", lambda c: [compute.slot_growth(c)]
        ),
        Reading(
            "categories_main",
            "which category leads the main codes over all partners",
            lambda c: [compute.category_ranking(c, "main")],
        ),
        Reading(
            "leader_main",
            "which category leads the main codes for each partner",
            lambda c: [compute.common_leader(c, "main")],
        ),
        Reading(
            "leader_any",
            "which category leads at either level for each partner",
            lambda c: [compute.common_leader(c, "any")],
        ),
        Reading(
            "security_shifts",
            "how the share of security and military main codes moved, for each partner",
            lambda c: [
                compute.category_shift(c, p, "security_military")
                for p in compute.partners(c)
                if "security_military" in compute.category_ids(c)
            ],
        ),
        Reading(
            "economic_shifts",
            "how the share of economic main codes moved, for each partner",
            lambda c: [
                compute.category_shift(c, p, "economic")
                for p in compute.partners(c)
                if "economic" in compute.category_ids(c)
            ],
        ),
        Reading(
            "security_part",
            "how large a part security plays among the main codes",
            lambda c: [compute.security_part(c)],
        ),
        Reading(
            "slot_rise", "which partner-and-website slot gained most across the pivot", lambda c: [compute.slot_rise(c)]
        ),
        Reading(
            "small_site",
            "the website with fewest reports and whether its intervals settle anything",
            lambda c: [v for v in [compute.small_site(c)] if v.outcome != "one_site"],
        ),
        Reading(
            "category_profile",
            "whether the partners' category profiles differ, with Holm's correction",
            lambda c: [compute.category_profile(c)],
        ),
        Reading(
            "period_tests",
            "how many before-and-after comparisons of a category's share fall below 5 %",
            lambda c: [compute.period_tests(c)],
        ),
        Reading(
            "uncertainty_summary",
            "the closing reading of 6.4: what its intervals and tests add",
            lambda c: [compute.scale(c)],
        ),
        Reading(
            "period_lengths",
            "how long the window's two periods are",
            lambda c: [compute.period_lengths(c)],
            beside=False,
        ),
        Reading(
            "period_rates",
            "how long the window's two periods are and, when they differ, the reports per day of each",
            lambda c: [compute.period_rates(c)],
            beside=False,
        ),
        Reading(
            "window_coverage",
            "whether the window opens before the corpus's first report or closes after its last",
            _coverage,
            beside=False,
        ),
        Reading(
            "totals",
            "how many codes the coding produced, by level and mode",
            lambda c: [compute.code_totals(c)],
            beside=False,
        ),
        Reading(
            "category_order",
            "the order of the categories by main codes, with their secondary codes",
            lambda c: [compute.category_order(c)],
        ),
        Reading(
            "both_levels_order",
            "how the order changes when both levels are counted together",
            lambda c: [compute.levels_order(c)],
        ),
    )
}


#: Readings asked of every category of the codebook: ``<family>_<category>`` (``contrast_economic``).
FAMILIES: dict[str, tuple[str, Callable[[Counts, str], list[Verdict]]]] = {
    "contrast": (
        "whether the category reaches a larger share of one partner's reports (main codes)",
        lambda c, cat: [compute.category_contrast(c, cat, "main")],
    ),
    "levels": (
        "whether the category is more often a main or a secondary code, per partner",
        lambda c, cat: [compute.level_split(c, cat)],
    ),
    "standing": (
        "the category's place among the categories by main codes, over all partners",
        lambda c, cat: [compute.standing(c, cat)],
    ),
    "standing_any": (
        "the category's place by main codes, and by main and secondary codes together",
        lambda c, cat: [compute.standing(c, cat, ("main", "any"))],
    ),
    "standing_secondary": (
        "the category's place by main codes, and by secondary codes",
        lambda c, cat: [compute.standing(c, cat, ("main", "secondary"))],
    ),
    "shifts": (
        "how the share of the category's main codes moved across the pivot, for each partner",
        lambda c, cat: [compute.category_shift(c, p, cat) for p in compute.partners(c)],
    ),
}


#: Readings asked of one partner's slots, for the slot chapter of that partner (its template names them
#: without the partner: ``reading_slot_lead_before``); registered as ``<family>_<partner>``.
PARTNER_FAMILIES: dict[str, tuple[str, Callable[[Counts, str], list[Verdict]], str | None]] = {
    "slot_lead_before": (
        "which categories lead the main codes of the partner's slot before the pivot",
        lambda c, p: [compute.slot_lead(c, p, "before")],
        None,
    ),
    "slot_lead_after": (
        "which categories lead the main codes of the partner's slot after the pivot",
        lambda c, p: [compute.slot_lead(c, p, "after")],
        None,
    ),
    "slot_change": (
        "how the partner's slot changed in size across the pivot",
        lambda c, p: [compute.period_change(c, p)],
        None,
    ),
    "slot_moved_most": (
        "which category's share of the partner's main codes moved most across the pivot",
        lambda c, p: [v] if (v := compute.moved_most(c, p)) is not None else [],
        "no category's share of main codes can be compared across the pivot, "
        "for want of reports (or of published figures) in one of the periods",
    ),
}


def partner_reading(family: str, partner: str) -> Reading:
    """The reading ``family`` of :data:`PARTNER_FAMILIES` asked of ``partner``, registered as ``<family>_<partner>``."""
    question, fn, empty = PARTNER_FAMILIES[family]
    return Reading(f"{family}_{partner}", f"{question}: {partner}", lambda c: fn(c, partner), empty)


def partner_texts(counts: Counts, partner: str, baseline: Counts | None = None) -> dict[str, str]:
    """Every partner-family reading of ``partner``'s slots, under names without the partner (for the template).

    Beside a rerun each ``said_`` adds the thesis's verdict on the same partner, when the thesis's
    published counts have reports on it.
    """
    labels = render.Labels.of(counts)
    theirs_partners = compute.partners(baseline) if baseline is not None else ()
    out: dict[str, str] = {}
    for family in PARTNER_FAMILIES:
        r = partner_reading(family, partner)
        vs = r.verdicts(counts)
        thesis = r.verdicts(baseline) if baseline is not None and partner in theirs_partners else None
        text = "; ".join(render.render(v, labels) for v in vs) if vs else (r.empty or "")
        out[f"reading_{family}"] = text
        out[f"reading_{family}_cap"] = words.capitalised(text)
        if vs:
            theirs = {v.key: v for v in thesis or []}
            said = []
            for v in vs:
                beside = render.beside_thesis(v, theirs.get(v.key), labels) if thesis is not None else ""
                said.append(f"{render.sentence(v, labels)} {beside}".strip())
            out[f"said_{family}"] = " ".join(said)
        else:
            out[f"said_{family}"] = words.capitalised(r.empty) + "." if r.empty else ""
    return out


#: Questions asked of an ordered pair of partners' slots, as the thesis's own slot passages compare
#: them (on its published figures): ``pair_<aspect>_<a>_<b>`` (:class:`~.verdicts.SlotPair`).
PAIR_ASPECTS: dict[str, str] = {
    "before": "which of the two partners had more reports before the pivot",
    "growth": "how the first partner's change across the pivot compares with the second's",
    "attention": "towards which of the two partners the officials' attention moved",
    "sizes": "which of the two partners' slots was larger in each period",
}


def pair_names(partners: Iterable[str]) -> list[str]:
    """Every ``pair_<aspect>_<a>_<b>`` reading name for the ordered pairs of ``partners``."""
    ps = list(partners)
    return [f"pair_{aspect}_{a}_{b}" for aspect in PAIR_ASPECTS for a in ps for b in ps if a != b]


def pair_texts(counts: Counts, a: str, b: str) -> dict[str, str]:
    """The glue texts of every :data:`PAIR_ASPECTS` reading of ``a`` beside ``b`` (and ``b`` beside ``a``)."""
    labels = render.Labels.of(counts)
    out: dict[str, str] = {}
    for x, y in ((a, b), (b, a)):
        for aspect in PAIR_ASPECTS:
            v = compute.slot_pair(counts, x, y, aspect)
            text = render.render(v, labels)
            out[f"reading_{v.key}"] = text
            out[f"reading_{v.key}_cap"] = words.capitalised(text)
            out[f"said_{v.key}"] = render.sentence(v, labels)
    return out


def _categories(categories: Iterable[str] | None) -> tuple[str, ...]:
    """The categories asked for, or the project's codebook's (read when asked, not at import)."""
    if categories is not None:
        return tuple(categories)
    from kzperception.data.vocabulary import default_vocabulary

    return default_vocabulary().category_ids


def _asked_of(fn: Callable[[Counts, str], list[Verdict]], subject: str, counts: Counts) -> list[Verdict]:
    """``fn`` asked of one category or partner: a family's question bound to its subject."""
    return fn(counts, subject)


def reading(name: str, categories: Iterable[str] | None = None) -> Reading:
    """The registered reading ``name``: a fixed one, or ``<family>_<category>`` of a codebook category
    (of ``categories``; the project's codebook when not given)."""
    categories = _categories(categories)
    if name in READINGS:
        return READINGS[name]
    for family, (question, fn) in FAMILIES.items():
        category = name.removeprefix(f"{family}_")
        if name.startswith(f"{family}_") and category in categories:
            return Reading(name, f"{question}: {category}", functools.partial(_asked_of, fn, category))
    raise KeyError(
        f"unknown reading {name!r}; registered: {', '.join(READINGS)}, and "
        f"{', '.join(f'{f}_<category>' for f in FAMILIES)}"
    )


def names(categories: Iterable[str] | None = None) -> list[str]:
    """Every reading name the registry answers for a codebook with ``categories``."""
    cats = _categories(categories)
    return [*READINGS, *(f"{family}_{cat}" for family in FAMILIES for cat in cats)]


def verdicts(counts: Counts, names: Iterable[str] | None = None) -> dict[str, list[Verdict]]:
    """The verdicts of each reading (all registered ones by default) on ``counts``.

    A reading's verdicts depend on the counts alone, so each is computed once per :class:`Counts`
    (kept in its :attr:`~kzperception.data.counts.Counts.memo`); every caller gets its own list.
    """
    chosen = list(READINGS) if names is None else list(names)
    cats = compute.category_ids(counts)
    memo = counts.memo
    out: dict[str, list[Verdict]] = {}
    for n in chosen:
        rd = reading(n, cats)
        key = _memo_key(rd)
        try:
            kept = key in memo
        except TypeError:  # a reading made with an argument that cannot be a key: computed each time
            out[n] = rd.verdicts(counts)
            continue
        if not kept:
            memo[key] = rd.verdicts(counts)
        out[n] = list(cast("list[Verdict]", memo[key]))
    return out


def _memo_key(rd: Reading) -> Hashable:
    """A reading's key in :attr:`Counts.memo`: its name and the function that gives its verdicts, so
    that a reading defined anew (a family's, made on each call; one a test replaces) is never
    answered with another's verdicts."""
    fn = rd.verdicts
    if isinstance(fn, functools.partial):
        return ("verdicts", rd.name, fn.func, fn.args, tuple(sorted(fn.keywords.items())))
    return ("verdicts", rd.name, fn)


def said(name: str, ours: list[Verdict], thesis: list[Verdict] | None, labels: render.Labels = render.LABELS) -> str:
    """The reading's closed sentences; beside a rerun, each followed by the thesis's verdict on the same question."""
    if not ours:
        empty = READINGS[name].empty if name in READINGS else None
        return "" if empty is None else words.capitalised(empty) + "."
    theirs = {v.key: v for v in thesis or []}
    out = []
    for v in ours:
        text = render.sentence(v, labels)
        beside = render.beside_thesis(v, theirs.get(v.key), labels) if thesis is not None else ""
        out.append(f"{text} {beside}".strip())
    lead = READINGS[name].lead if name in READINGS else ""
    return lead + " ".join(out)


def texts(
    counts: Counts, names: Iterable[str], baseline: Counts | None = None, labels: render.Labels | None = None
) -> dict[str, str]:
    """Every glue name of the chosen readings and its text: ``reading_<name>``, ``reading_<name>_cap``, ``said_<name>``.

    ``reading_<name>`` joins several verdicts with "; " so it can continue a sentence.
    """
    names = list(names)
    labels = labels or render.Labels.of(counts)
    ours = verdicts(counts, names)
    theirs = verdicts(baseline, names) if baseline is not None else None
    out: dict[str, str] = {}
    for n in names:
        vs = ours[n]
        beside = theirs is not None and (n not in READINGS or READINGS[n].beside)
        text = (
            "; ".join(render.render(v, labels) for v in vs)
            if vs
            else ((READINGS[n].empty if n in READINGS else None) or "")
        )
        out[f"reading_{n}"] = text
        out[f"reading_{n}_cap"] = words.capitalised(text)
        out[f"said_{n}"] = said(n, vs, theirs[n] if beside and theirs is not None else None, labels)
    return out


def glue_names(chosen: Iterable[str] | None = None, categories: Iterable[str] | None = None) -> set[str]:
    """Every glue name the registry produces for the chosen readings (all, for ``categories``, by default)."""
    chosen = names(categories) if chosen is None else list(chosen)
    return {
        f"{prefix}_{n}{suffix}"
        for n in chosen
        for prefix, suffix in (("reading", ""), ("reading", "_cap"), ("said", ""))
    }


_GLUE_RE = re.compile(r"\{glue(?::[a-z]+)?\}`((?:reading|said)_[A-Za-z0-9_]+)")


def unknown_names(source: str, produced: set[str]) -> list[str]:
    """The ``reading_*`` / ``said_*`` glue names a chapter's text uses that ``produced`` does not hold, in order."""
    seen: list[str] = []
    for name in _GLUE_RE.findall(source):
        base = name.split(":")[0]
        if base not in produced and base not in seen:
            seen.append(base)
    return seen


# --- the names a chapter may glue, known before any chapter runs ------------------------------------


def producible_names(vocabulary: Vocabulary, thesis: Vocabulary | None = None) -> set[str]:
    """Every ``reading_*`` / ``said_*`` glue name a chapter run on ``vocabulary`` can be given.

    The registry's readings (:func:`glue_names` for the vocabulary's categories), the slot
    template's partner readings (:data:`PARTNER_FAMILIES`, named without the partner), the thesis's
    slot passages' pair readings (:func:`pair_names`) and the pivot sweep's
    (:mod:`kzperception.readings.sweep`: its fixed names and ``sweep_<partner>``).

    The thesis's slot passages read the thesis's published counts, whatever partners the corpus
    has, so their pair names come from ``thesis`` (the project's vocabulary unless given): a corpus
    whose own ``partners.yaml`` lacks Russia still gets the thesis's China-beside-Russia readings.
    """
    from kzperception.data.vocabulary import default_vocabulary
    from kzperception.readings.sweep import NAMES as SWEEP_NAMES

    thesis_partners = (thesis or default_vocabulary()).partner_ids
    sweep = [
        *SWEEP_NAMES,
        *(f"sweep_{p}" for p in vocabulary.partner_ids),
        *PARTNER_FAMILIES,
        *pair_names(vocabulary.partner_ids),
        *pair_names(thesis_partners),
    ]
    return glue_names(categories=vocabulary.category_ids) | {
        f"{prefix}_{n}{suffix}"
        for n in sweep
        for prefix, suffix in (("reading", ""), ("reading", "_cap"), ("said", ""))
    }


def unknown_glue_names(markdown: str, vocabulary: Vocabulary) -> list[str]:
    """The reading glue names ``markdown`` uses that no reading produces on ``vocabulary``, in order.

    A misspelt or retired reading name would otherwise surface only as Sphinx's "glue key not
    found" after every chapter has run, or not at all on a page whose cell is optional.
    """
    return unknown_names(markdown, producible_names(vocabulary))
