"""The front page's headline findings: the book's main results in four sentences, chosen from the counts.

A reader who opens the book should meet its results before its method, and those results must be
the book's own numbers, not a summary typed once and left to drift. So the findings block is
rendered here from verdicts of the readings registry (:mod:`kzperception.readings.registry`), on
the counts the book is built on, for any number of partners:

- **the reports**: how many reports there are on each partner, before and after the pivot (6.2);
- **the growth**: the ``growth`` reading of 6.2, every pair of partners (per day when the periods
  differ in length);
- **the leading categories**: the ``leader_main`` reading of 6.3.1;
- **the test**: the ``test`` reading of 6.4: with two partners the odds ratio of the partner x
  period table with its 95 % interval (a tendency when the interval contains 1 and Fisher's p is
  below :data:`~kzperception.readings.verdicts.TENDENCY`), with more the test over all partners
  and each pair with Holm's adjustment.

These are the edition's tests, not the thesis's findings: the landing page says what the thesis
found in its own words first, and labels this block as the edition's. The main book's landing
page (``notebooks/index.md``) glues the block with :func:`glue_findings`; a rerun's generated front
page writes the same block for its own corpus with :func:`findings_myst`. Every sentence is plain
text until :func:`findings_myst` escapes it with :func:`~kzperception.book.display.myst_text`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from kzperception.book.display import myst_text
from kzperception.data.counts import Counts
from kzperception.readings import compute, registry, words
from kzperception.readings.render import Labels
from kzperception.readings.verdicts import TENDENCY

__all__ = ["TENDENCY", "Finding", "findings_myst", "glue_findings", "headline_findings", "partners_with_reports"]


@dataclass(frozen=True)
class Finding:
    """One headline finding: a short title, its sentence (plain text), and the chapter that shows the evidence."""

    key: str
    title: str
    text: str
    chapter: str
    section: str


def partners_with_reports(counts: Counts) -> list[str]:
    """The partners the counts have at least one report on, in the vocabulary's order."""
    return list(compute.partners(counts))


def reports_finding(counts: Counts) -> Finding:
    """How many reports there are in all, on each partner, and in each period (the numbers of 6.2)."""
    labels = counts.window.labels
    parts = [
        f"{words.count(compute.reports(counts, p))} on {Labels.of(counts).partner(p)} "
        f"({compute.reports(counts, p, 'before'):,} in {labels['before']}, "
        f"{compute.reports(counts, p, 'after'):,} in {labels['after']})"
        for p in compute.partners(counts)
    ]
    total = compute.reports(counts)
    text = words.capitalised(f"{words.count(total, 'coded report')} in all") + (
        f": {words.together(parts)}." if parts else "."
    )
    return Finding("reports", "The reports", text, "06-2-reports", "6.2")


def _said(counts: Counts, name: str) -> str:
    return registry.texts(counts, [name])[f"said_{name}"]


def growth_findings(counts: Counts) -> list[Finding]:
    """The growth verdict of 6.2 for each pair of partners with reports, one finding each (none for one partner)."""
    from kzperception.readings.render import sentence

    labels = Labels.of(counts)
    return [
        Finding(
            "growth" if i == 0 else f"growth_{i + 1}",
            "The shift after the pivot",
            sentence(v, labels),
            "06-2-reports",
            "6.2",
        )
        for i, v in enumerate(compute.growth_contrasts(counts))
    ]


def leaders_finding(counts: Counts) -> Finding:
    """Which category leads the main codes for each partner (the reading of 6.3.1)."""
    return Finding("leaders", "The leading categories", _said(counts, "leader_main"), "06-3-1-categories", "6.3.1")


def chance_finding(counts: Counts) -> Finding:
    """The main result of 6.4 in words: the odds ratio of two partners, or the test over all of them."""
    text = (
        _said(counts, "test")
        if len(compute.partners(counts)) > 1
        else "With reports on a single partner there is no contrast to test."
    )
    return Finding("test", "The test against chance", text, "06-4-uncertainty", "6.4")


def headline_findings(counts: Counts) -> list[Finding]:
    """The findings block, in reading order: the reports, the shift, the leading categories, the test."""
    return [reports_finding(counts), *growth_findings(counts), leaders_finding(counts), chance_finding(counts)]


def findings_myst(findings: list[Finding], chapters: Collection[str] | None = None) -> str:
    """The findings as a MyST list, each sentence escaped, each linked to its chapter when the book has it.

    ``chapters`` are the stems the book holds (a rerun executes only some); None means every
    chapter a finding names. The links are ``{doc}`` references, so Sphinx checks them and the
    PDF's single page resolves them too.
    """
    items = []
    for f in findings:
        where = (
            f" See {{doc}}`section {f.section} <chapters/{f.chapter}>`."
            if chapters is None or f.chapter in chapters
            else ""
        )
        items.append(
            f"- **{myst_text(f.title, at_line_start=False)}.** {myst_text(f.text, at_line_start=False)}{where}"
        )
    return "\n".join(items) + "\n"


def glue_findings(counts: Counts, chapters: Collection[str] | None = None) -> list[Finding]:
    """Glue the findings block as ``findings`` (MyST, for ``{glue:md}`` with ``:format: myst``); returns the findings.

    Each finding's sentence is also glued alone as ``finding_<key>`` (escaped like every glued
    text), so prose elsewhere on the page can quote one.
    """
    from IPython.display import Markdown
    from myst_nb import glue

    from kzperception.book.display import glue_text

    findings = headline_findings(counts)
    glue("findings", Markdown(findings_myst(findings, chapters)), display=False)
    for f in findings:
        glue_text(f"finding_{f.key}", f.text)
    return findings
