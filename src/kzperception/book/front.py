"""The front page's headline findings: the book's main results in four sentences, chosen from the counts.

A reader who opens the book should meet its results before its method, and those results must be
the book's own numbers, not a summary typed once and left to drift. So the findings block is
computed here from the counts the book is built on, with the readings of
:mod:`kzperception.analysis.readings` and the tests of :mod:`kzperception.analysis.stats`:

- **the reports**: how many reports there are on each partner, before and after the pivot (6.2);
- **the growth**: the growth reading of 6.2 (:func:`~kzperception.analysis.readings.report_readings`);
- **the leading categories**: the main code that leads for each partner
  (:func:`~kzperception.analysis.readings.common_leader`, 6.3.1);
- **the test**: the main statistical result of 6.4, the odds ratio of the partner x period table
  with its 95 % interval, and what that interval says (with three or more partners, the
  chi-square test of the whole table).

The main book's landing page (``notebooks/index.md``, executed into the book's root document)
glues the block with :func:`glue_findings`; a rerun's generated front page writes the same block
for its own corpus with :func:`findings_myst`, so both say the same things about their own numbers.
Every sentence is plain text until :func:`findings_myst` escapes it with
:func:`~kzperception.book.display.myst_text`: a partner's label is data, and data never becomes markup.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

from kzperception.analysis import stats
from kzperception.analysis.readings import ALPHA, capitalised, common_leader, count_phrase, growth_contrast
from kzperception.book.display import myst_text
from kzperception.data.counts import Counts
from kzperception.data.vocabulary import COUNTRIES, partner_label

#: Below this Fisher p-value (and above the 5 % line) an odds ratio whose interval contains 1 is
#: read as a tendency; above it, the counts show no difference worth the name.
TENDENCY = 0.10


@dataclass(frozen=True)
class Finding:
    """One headline finding: a short title, its sentence (plain text), and the chapter that shows the evidence."""

    key: str
    title: str
    text: str
    chapter: str
    section: str


def partners_with_reports(counts: Counts) -> list[str]:
    """The partners the counts have at least one report on, in data/partners.yaml's order.

    A corpus's grid holds rows of zero for every partner; a partner without a report has no
    shift to compare and no place in the findings.
    """
    r = counts.reports
    present = set(r.loc[r["n"] > 0, "country"])
    return [c for c in COUNTRIES if c in present]


def _reports(counts: Counts, partner: str, period: str | None = None) -> int:
    r = counts.reports
    sel = r["country"] == partner
    if period is not None:
        sel &= r["period"] == period
    return int(r.loc[sel, "n"].sum())


def reports_finding(counts: Counts) -> Finding:
    """How many reports there are in all, on each partner, and in each period (the numbers of 6.2)."""
    labels = counts.window.labels
    partners = partners_with_reports(counts)
    total = int(counts.reports["n"].sum())
    parts = [f"{count_phrase(_reports(counts, p))} on {partner_label(p)} "
             f"({_reports(counts, p, 'before')} in {labels['before']}, {_reports(counts, p, 'after')} in "
             f"{labels['after']})" for p in partners]
    body = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else "".join(parts)
    text = capitalised(f"{count_phrase(total, 'coded report')} in all") + (f": {body}." if body else ".")
    return Finding("reports", "The reports", text, "06-2-reports", "6.2")


def growth_findings(counts: Counts) -> list[Finding]:
    """The growth reading of 6.2 for each pair of partners with reports, as sentences (none for a single partner).

    The pairs are those of :func:`~kzperception.analysis.readings.report_readings`, in the same
    order, but only between partners the counts have reports on.
    """
    present = partners_with_reports(counts)
    readings = [growth_contrast(counts, a, b) for i, a in enumerate(present) for b in present[i + 1:]]
    return [Finding("growth" if i == 0 else f"growth_{i + 1}", "The shift after the pivot",
                    capitalised(r.text) + ".", "06-2-reports", "6.2")
            for i, r in enumerate(readings)]


def leaders_finding(counts: Counts) -> Finding:
    """Which category leads the main codes for each partner (the reading of 6.3.1)."""
    return Finding("leaders", "The leading categories", capitalised(common_leader(counts, "main").text) + ".",
                   "06-3-1-categories", "6.3.1")


def chance_finding(counts: Counts) -> Finding:
    """The main result of 6.4 in words: the partner x period test over all reports.

    With two partners it is the odds ratio with its 95 % interval: an interval wholly above or
    below 1 says the two partners' shifts differ by more than chance alone would easily produce,
    an interval containing 1 says chance could produce the gap. With three or more partners the
    table has no single odds ratio and the chi-square test of the whole table is stated instead.
    """
    partners = partners_with_reports(counts)
    row = stats.attention_tests(counts).iloc[0]  # the first scope: all reports
    title, chapter, section = "The test against chance", "06-4-uncertainty", "6.4"
    if len(partners) < 2:
        return Finding("test", title, "With reports on a single partner there is no contrast to test.",
                       chapter, section)
    if len(partners) > 2:
        p = float(row["p_chi2"])
        if math.isnan(p):
            text = "The partners' reports are too few to test whether their split across the pivot differs."
        else:
            verdict = ("more than chance alone would easily produce" if p < ALPHA
                       else "no more than chance alone could produce")
            text = (f"Across the {len(partners)} partners, the split of reports before and after the pivot "
                    f"differs by {verdict} (chi-square {stats.fmt_num(float(row['chi2']))}, "
                    f"p = {stats.fmt_p(p)}).")
        return Finding("test", title, text, chapter, section)
    a, b = (partner_label(p) for p in partners)
    ratio, low, high = (float(row[k]) for k in ("odds_ratio", "or_low", "or_high"))
    p = stats.fmt_p(float(row["p_fisher"]))
    if math.isnan(ratio):
        return Finding("test", title, "The reports are too few to test whether the two partners' shifts differ.",
                       chapter, section)
    odds = (f"The odds that a report on {a} falls after the pivot are {stats.fmt_num(ratio)} times "
            f"the same odds for {b}")
    if math.isnan(low) or math.isnan(high):
        text = f"{odds} (Fisher p = {p}); with an empty cell the ratio has no interval."
    else:
        interval = f"{odds} (95 % interval {stats.fmt_num(low)} to {stats.fmt_num(high)}, Fisher p = {p})"
        if low > 1 or high < 1:
            text = (f"{interval}. The interval lies wholly {'above' if low > 1 else 'below'} 1: the two shifts "
                    "differ by more than chance alone would easily produce.")
        elif float(row["p_fisher"]) < TENDENCY:
            text = (f"{interval}. The interval contains 1: chance alone could produce a gap of this size, "
                    "so the difference is a tendency, not an established one.")
        else:
            text = (f"{interval}. The interval contains 1 and the p-value is large: the counts show no "
                    "difference between the two shifts that chance alone could not easily produce.")
    return Finding("test", title, text, chapter, section)


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
        where = (f" See {{doc}}`section {f.section} <chapters/{f.chapter}>`."
                 if chapters is None or f.chapter in chapters else "")
        items.append(f"- **{myst_text(f.title, at_line_start=False)}.** "
                     f"{myst_text(f.text, at_line_start=False)}{where}")
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
