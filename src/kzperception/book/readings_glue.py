"""Glue the readings of :mod:`kzperception.readings` by name, and the one banner of 6.5.

The verdicts are computed and rendered in the readings package; this module only names them for
the page. Each reading is glued as ``reading_<name>`` (to continue a sentence), ``reading_<name>_cap``
(to open one) and ``said_<name>``: the whole sentence, capitalised and closed, followed on a rerun
by what the thesis's published counts decide on the same question, as the thesis's reading, never
as the rerun's finding. Every text goes through :func:`kzperception.book.display.glue_text`, so a
label from a vocabulary file cannot become markup.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from IPython.display import HTML

from kzperception.book.chapter import Chapter
from kzperception.book.display import glue_text, html_text
from kzperception.data.corpus import Corpus


def glue_sweep_readings(
    sweep: pd.DataFrame, pivot: str | dt.date, demo: bool, facts: dict[str, float]
) -> dict[str, str]:
    """Section 6.5: what the sweep shows, in words chosen from it (each said as a demonstration when it is one).

    ``facts`` are the page's :func:`~kzperception.analysis.sensitivity.sensitivity_facts`; the count
    of pivots below 0.05 is glued as a phrase (``no pivot``, ``one pivot``, ``12 pivots (...)``).
    Every partner's shape is said in one paragraph (``said_sweep_partners``), so the page names each
    partner the sweep has; with one partner nobody is ahead and ``sweep_ahead`` is empty.
    """
    from kzperception.readings import render, words
    from kzperception.readings import sweep as sweeping

    labels = render.Labels(partners=sweeping.partner_labels(sweep))
    verdicts = sweeping.verdicts(sweep, pivot, demo)
    out: dict[str, str] = {}
    for key in ("sweep_ahead", "sweep_p"):
        out |= {f"reading_{key}": "", f"reading_{key}_cap": "", f"said_{key}": ""}
    for v in verdicts:
        text = render.render(v, labels)
        out[f"reading_{v.key}"] = text
        out[f"reading_{v.key}_cap"] = words.capitalised(text)
        out[f"said_{v.key}"] = render.sentence(v, labels)
    shapes = [v for v in verdicts if v.key not in ("sweep_ahead", "sweep_p")]
    out["said_sweep_partners"] = " ".join(render.sentence(v, labels) for v in shapes)
    out["describe_sweep"] = sweeping.ranges(sweep, facts)
    out["describe_sweep_test"] = sweeping.test_line(facts)
    out["near_days"] = str(sweeping.NEAR_DAYS)
    out["significant_pivots"] = sweeping.significant_pivots(facts)
    for name, said in out.items():
        glue_text(name, said)
    return out


def sweep_banner(ch: Chapter, corpus: Corpus, demo: bool) -> HTML | None:
    """The one banner of section 6.5: what the page's numbers come from, said once.

    On the thesis's page the sweep runs on the synthetic demonstration corpus while the per-day
    changes of the Method section come from the published counts; a single warning says both. On
    a rerun the sweep runs on the page's own corpus, so the chapter's source note is the banner
    (a synthetic corpus is flagged there; None where the chapter has no note).
    """
    if not demo:
        return ch.source_note()
    from kzperception.analysis.sensitivity import DEMO_SEED

    n = int(ch.counts.reports["n"].sum())
    text = (
        f"<strong>The sweep on this page is a demonstration on synthetic data.</strong> The thesis publishes "
        f"counts per period ({n} coded reports), not the date of each report, so its pivot cannot be moved. "
        f"The sweep, its chart, its table and the sentences that read them run on {len(corpus.reports)} "
        f"synthetic reports (<code>kzperception.fieldwork.synth.synthesize(seed={html_text(DEMO_SEED)})</code>) "
        "whose counts match the thesis's at its own pivot and whose dates are spread evenly within each "
        "period: they show how the method behaves, not what Kazakhstan's websites published. Only the per-day "
        f"changes in the Method section come from the thesis's published counts (window {html_text(ch.window)})."
    )
    return HTML(
        f'<div class="admonition warning kzp-synthetic"><p class="admonition-title">'
        f"Synthetic data — demonstration only</p><p>{text}</p></div>"
    )


# --- the readings package: verdicts rendered and glued by name ---------------------------------------


def glue_readings(ch: Chapter, *names: str) -> dict[str, str]:
    """Glue the registered readings ``names`` (:mod:`kzperception.readings.registry`) for this page.

    Each is glued as ``reading_<name>``, ``reading_<name>_cap`` and ``said_<name>``; beside a rerun,
    ``said_<name>`` adds what the thesis's published counts decide on the same question, compared
    as verdicts.
    """
    from kzperception.readings import registry

    out = registry.texts(ch.counts, names, ch.baseline)
    for k, v in out.items():
        glue_text(k, v)
    return out


def glue_descriptions(ch: Chapter) -> dict[str, str]:
    """Glue the sentences that list the page's counts per partner and website (:mod:`.readings.describe`)."""
    from kzperception.readings import describe

    c = ch.counts
    out = {
        "describe_partners_or": describe.partners_or(c),
        "describe_slots": describe.slots(c),
        "describe_totals": describe.totals(c),
        "describe_websites": describe.websites(c),
        "describe_periods": describe.periods(c),
        "describe_slot_changes": describe.slot_changes(c),
        "describe_pace": describe.pace(c),
    }
    for k, v in out.items():
        glue_text(k, v)
    return out


def glue_categories(ch: Chapter) -> dict[str, str]:
    """Section 6.3.1: for every category of the codebook, its reach per partner and its registered readings.

    Glues ``reach_<category>`` (how many reports on each partner carry it), ``describe_partner_reports``
    and the readings ``contrast_``, ``levels_``, ``standing_`` (the place by main codes),
    ``standing_any_`` (and at either level) and ``standing_secondary_`` (and by secondary codes) of
    every category.
    """
    from kzperception.readings import compute, describe, registry, words

    c = ch.counts
    cats = compute.category_ids(c)
    out = {f"reach_{cat}": describe.category_reach(c, cat) for cat in cats}
    labels = registry.render.Labels.of(c)
    out["describe_partner_reports"] = words.together(
        [f"{words.count(compute.reports(c, p))} on {labels.partner(p)}" for p in compute.partners(c)]
    )
    families = ("contrast", "levels", "standing", "standing_any", "standing_secondary")
    out |= registry.texts(c, [f"{family}_{cat}" for family in families for cat in cats], ch.baseline)
    for k, v in out.items():
        glue_text(k, v)
    return out
