"""Glue the readings of the registry by name, the older readings of sections 6.4 and 6.5, and the one banner of 6.5.

The readings themselves are chosen in :mod:`kzperception.analysis.section_readings`; this module
only names them for the page. Each reading is glued as ``reading_<key>`` (and ``_cap`` to open a
sentence), and as ``said_<key>``: the whole sentence, capitalised and closed, followed on a rerun
by what the thesis's published counts say of the same thing, as the thesis's reading, never as
the rerun's finding. Every text goes through :func:`kzperception.book.display.glue_text`, so a
label from a vocabulary file cannot become markup.
"""

from __future__ import annotations

from IPython.display import HTML

from kzperception.analysis import section_readings as sr
from kzperception.analysis.readings import Reading, capitalised
from kzperception.book.chapter import Chapter
from kzperception.book.display import glue_text, html_text
from kzperception.data.corpus import Corpus


def sentence(reading: Reading, thesis: Reading | None = None) -> str:
    """The reading as a closed sentence, then, beside a rerun, the thesis's reading of the same thing;
    nothing for a reading with nothing to say (no pair of partners to read plainly)."""
    if not reading.text:
        return ""
    text = capitalised(reading.text).rstrip(".") + "."
    beside = sr.thesis_beside(reading, thesis)
    return f"{text} {beside}" if beside else text


def _glue(ours: list[Reading], theirs: list[Reading] | None) -> dict[str, str]:
    by_key = {r.key: r for r in theirs or []}
    out: dict[str, str] = {}
    for r in ours:
        out[f"reading_{r.key}"] = r.text
        out[f"reading_{r.key}_cap"] = capitalised(r.text)
        out[f"said_{r.key}"] = sentence(r, by_key.get(r.key) if theirs is not None else None)
    for k, v in out.items():
        glue_text(k, v)
    return out


def glue_uncertainty_readings(ch: Chapter) -> list[Reading]:
    """Section 6.4: every interpretive sentence, chosen from the intervals and tests of this page's counts.

    Beside a rerun the thesis's direction (of the odds ratios) is the published counts'; the
    sentences say so where they compare with it.
    """
    ours = sr.uncertainty_readings(ch.counts, ch.baseline)
    _glue(ours, None)
    plain = next((r.text for r in ours if r.key == "attention_verdict"), "")
    glue_text("attention_plainly", f"Read plainly, {plain}." if plain else "")  # two partners only
    return ours


def glue_sweep_readings(sweep, pivot, demo: bool, facts: dict[str, float]) -> list[Reading]:
    """Section 6.5: what the sweep shows, in words chosen from it (prefixed as a demonstration when it is one).

    ``facts`` are the page's :func:`~kzperception.analysis.sensitivity.sensitivity_facts`; the count
    of pivots below 0.05 is glued as a phrase (``no pivot``, ``one pivot``, ``12 pivots (...)``).
    """
    ours = sr.sweep_readings(sweep, pivot, demo)
    _glue(ours, None)
    # every partner's shape in one paragraph, so the page names each partner the sweep has
    shapes = [sentence(r) for r in ours if r.key.startswith("sweep_") and r.key not in ("sweep_ahead", "sweep_p")]
    glue_text("said_sweep_partners", " ".join(shapes))
    glue_text("describe_sweep", sr.sweep_ranges(sweep, facts))
    glue_text("describe_sweep_test", sr.sweep_test(facts))
    if not any(r.key == "sweep_ahead" for r in ours):  # one partner: nobody to be ahead of
        for key in ("reading_sweep_ahead", "reading_sweep_ahead_cap", "said_sweep_ahead"):
            glue_text(key, "")
    glue_text("near_days", str(sr.NEAR_DAYS))
    glue_text("significant_pivots", sr.significant_pivots(facts))
    return ours


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

    Glues ``reach_<category>`` (how many reports on each partner carry it), ``over_partners``
    ("Over both partners", "Over all 3 partners", "For China"), ``describe_partner_reports`` and the
    readings ``contrast_``, ``levels_``, ``place_main_``, ``place_secondary_`` and ``place_any_`` of
    every category.
    """
    from kzperception.readings import compute, describe, registry, words

    c = ch.counts
    cats = compute.category_ids(c)
    out = {f"reach_{cat}": describe.category_reach(c, cat) for cat in cats}
    out["over_partners"] = describe.over_partners(c)
    labels = registry.render.Labels.of(c)
    out["describe_partner_reports"] = words.together(
        [f"{words.count(compute.reports(c, p))} on {labels.partner(p)}" for p in compute.partners(c)]
    )
    families = ("contrast", "levels", "place_main", "place_secondary", "place_any")
    out |= registry.texts(c, [f"{family}_{cat}" for family in families for cat in cats], ch.baseline)
    for k, v in out.items():
        glue_text(k, v)
    return out
