"""A chapter's report-level narrative as page content: the passage where its report is, a substitute elsewhere.

A chapter cell hands :meth:`Story.tell` a cited report's id and the prose the book says about it
(MyST: it may glue numbers and cite literature). On a page whose corpus holds that report
(:func:`kzperception.analysis.narrative.present`; always on the published figures) the cell
shows the prose and the report's quotation from the register, as the book always did. Anywhere
else it shows neither: a short note says the corpus does not hold the report, followed by one of
the corpus's own reports of the same kind, from its excerpts, or a plain statement that the
corpus has none. Everything that comes from the corpus (titles, excerpts, dates, URLs) reaches
the HTML through :func:`kzperception.book.display.html_text` only.

The cell that calls :meth:`Story.tell` carries ``mystnb: {markdown_format: myst}`` in its metadata,
so that myst-nb reads the prose as MyST (roles, glue, citations) rather than plain CommonMark.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

import pandas as pd
from IPython.display import HTML, Markdown, display

from kzperception.analysis import narrative
from kzperception.book.display import html_text
from kzperception.data.counts import Counts
from kzperception.data.register import Register, default_register, format_date, quote_html
from kzperception.data.vocabulary import WEBSITE_NAMES, partner_label


def example_html(row: pd.Series) -> str:
    """One corpus report as a quotation block: its excerpt(s), then title, site and date, all escaped."""

    def cell(name: str) -> str:
        value = row.get(name, "")
        return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)

    ru, en = html_text(cell("excerpt_ru")), html_text(cell("excerpt_en"))
    title = html_text(cell("title_en") or cell("title_ru") or cell("id"))
    url = cell("url").strip()
    if urlsplit(url).scheme in ("http", "https"):
        title = f'<a href="{html_text(url)}">{title}</a>'
    site = html_text(WEBSITE_NAMES.get(cell("website"), cell("website")))
    when = html_text(format_date(row["date"])) if not pd.isna(row["date"]) else ""
    quotes = "".join(
        f'<blockquote lang="{lang}"><p>{text}</p></blockquote>\n' for lang, text in (("ru", ru), ("en", en)) if text
    )
    return (
        f'<div class="kzp-quote kzp-corpus-example" data-corpus-report="{html_text(cell("id"))}">\n{quotes}'
        f'<p class="kzp-quote-source" style="grid-column: 1 / -1; margin: 0; font-size: 0.9em;">'
        f"{title}. {site}, {when}. From this corpus.</p>\n</div>"
    )


class Story:
    """The report-level narrative of one page: what it may tell, and which corpus examples it has shown.

    ``same_period`` is the slot chapters' rule (a passage belongs to the slot where the thesis
    discusses its report); section 6.3.1, which speaks of the whole window, passes False.
    """

    def __init__(self, counts: Counts, register: Register | None = None, same_period: bool = True):
        self.counts = counts
        self.register = register if register is not None else default_register()
        self.same_period = same_period
        self.shown: list[str] = []
        self.told: list[str] = []
        self._holds: dict[str, bool] = {}

    def holds(self, report_id: str) -> bool:
        """Whether this page may narrate ``report_id`` (asked once per report: the answer cannot change)."""
        if report_id not in self._holds:
            self._holds[report_id] = narrative.present(report_id, self.counts, self.register, self.same_period)
        return self._holds[report_id]

    def absent_html(self, report_id: str, kinds: Iterable[narrative.Kind] | None = None) -> str:
        """What stands in for a passage whose report the corpus does not hold (escaped HTML)."""
        place = narrative.placement(report_id, self.register, kinds)
        period = place.period if self.same_period else None
        where = html_text(partner_label(place.partner))
        if period is not None:
            where += " " + html_text(self.counts.window.label(period))
        slot = (
            f"this corpus's {where} slot" if period is not None else f"this corpus's reports on {where} in this window"
        )
        kind = html_text(narrative.kind_words(place.kinds))
        head = (
            f"The thesis's passage here is about a report (<cite>{html_text(place.cite)}</cite>) that is not "
            f"in {slot}, so it is not repeated."
        )
        found, total, with_text = narrative.examples(
            self.counts, place.partner, period, place.kinds, self.shown + self._told_here(place)
        )
        if not found.empty:
            row = found.iloc[0]
            self.shown.append(str(row["id"]))
            return (
                f'<p class="kzp-narrative-absent">{head} One of the corpus\'s own reports there with {kind}:</p>\n'
                + example_html(row)
            )
        if total == 0:
            tail = f"The corpus has no report there with {kind}."
        elif with_text:
            tail = f"The corpus's reports there with {kind} that carry an excerpt are quoted elsewhere on this page."
        else:
            tail = f"The corpus has {narrative.count_words(total)} there with {kind}, none with an excerpt to show."
        return f'<p class="kzp-narrative-absent">{head} {tail}</p>'

    def _told_here(self, place: narrative.Placement) -> list[str]:
        """Cited reports this page narrates in the same slot: never offered again as the corpus's own example."""
        if not self.same_period or self.counts.corpus is None:
            return []
        reg = self.register
        same = [
            i
            for i in reg.ids
            if str(reg.report(i)["country"]) == place.partner
            and narrative.placement(i, reg).period == place.period
            and self.holds(i)
        ]
        ids = []
        for i in same:
            row = narrative.corpus_row(i, self.counts, reg)
            if row is not None:
                ids.append(str(row["id"]))
        return ids

    def tell(
        self, report_id: str, prose: str, *, quote: bool = True, kinds: Iterable[narrative.Kind] | None = None
    ) -> None:
        """Show the passage about ``report_id`` and its quotation, or what stands in for them.

        ``prose`` is the book's own MyST text; ``kinds`` overrides the kind of report the passage
        stands for (default: the register's main codes of the report).
        """
        if self.holds(report_id):
            self.told.append(report_id)
            display(Markdown(prose.strip()))
            if quote:
                display(HTML(quote_html(report_id, self.register)))
            return
        display(HTML(self.absent_html(report_id, kinds)))


def story_of(chapter, same_period: bool = True) -> Story:
    """The :class:`Story` of a chapter opened with :func:`kzperception.book.chapter.open_chapter`."""
    return Story(chapter.counts, same_period=same_period)
