"""The register of cited primary sources, shown as quotations in the book.

The thesis quotes its Russian sources with English translations beside them. The register
(``data/register``) holds those reports as a corpus with two extra report columns (``cite``,
``bibkey``) and two extra code columns (``basis``, ``note``); this module loads it and renders a
report as HTML for a chapter: the Russian excerpt and the project's English translation in two
columns, with the report's titles, date, publisher, a link to the original and the author–year
citation.

Two choices shape the code:

* **URLs live in the bibliography.** A report's URL is a bibliographic fact, so it is kept once,
  in ``book/references.bib``, under the report's ``bibkey``; ``reports.csv`` leaves ``url`` empty
  and :func:`load_register` fills it from the BibTeX entry. A missing entry, an entry without a
  URL, or a URL on the wrong site is a loading error naming the report.
* **Everything is escaped.** Register text comes from scraped pages and hand-edited CSV files, so
  every string goes through :func:`html.escape` and only ``http(s)`` URLs become links; nothing
  from the data can run as markup in the book.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

from kzperception import paths
from kzperception.data.corpus import CorpusError, load_corpus
from kzperception.data.corpus_text import cell_str
from kzperception.data.vocabulary import (
    CATEGORY_LABELS,
    LEVEL_LABELS,
    MODE_LABELS,
    WEBSITE_HOSTS,
    WEBSITE_NAMES,
    partner_label,
)
from kzperception.data.window import THESIS_WINDOW, Window

BIBFILE = paths.BOOK / "references.bib"

#: Extra columns the register carries beyond the corpus interchange format.
REGISTER_REPORT_COLUMNS: tuple[str, ...] = ("cite", "bibkey")
REGISTER_CODE_COLUMNS: tuple[str, ...] = ("basis", "note")

# WEBSITE_HOSTS (the host a report's URL must be on, per website; ``www.`` and subdomains allowed)
# and WEBSITE_NAMES (how a source line names the site) come from data/websites.yaml, the one
# registry of websites; they are imported above and stay importable from here.
#: Reader-facing names of the publishing bodies (``entity`` ids of data/register/README.md).
ENTITY_LABELS: dict[str, str] = {
    "akorda": "Office of the President (Akorda)",
    "mfa": "Ministry of Foreign Affairs",
    "mti": "Ministry of Trade and Integration",
    "menr": "Ministry of Ecology and Natural Resources",
    "mes": "Ministry of Science and Higher Education",
    "clp": "Committee on Language Policy",
    "emer": "Ministry of Emergency Situations",
    "mod": "Ministry of Defence",
    "miid": "Ministry of Industry and Infrastructure Development",
    "ardfm": "Agency for Regulation and Development of the Financial Market",
    "zhetysu-akimat": "Akimat of Zhetysu region",
}
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class RegisterError(CorpusError):
    """The register broke a rule beyond the corpus format (bibliography, URLs, extra columns)."""


@dataclass(frozen=True)
class Register:
    """The cited reports (``url`` filled from the bibliography) and the codes the thesis gives them."""

    reports: pd.DataFrame
    codes: pd.DataFrame

    @property
    def ids(self) -> list[str]:
        return self.reports["id"].tolist()

    @cached_property
    def _rows(self) -> dict[str, int]:
        """Each id's first row: a page asks for cited reports by id hundreds of times."""
        rows: dict[str, int] = {}
        for position, report_id in enumerate(self.reports["id"].tolist()):
            rows.setdefault(report_id, position)
        return rows

    def report(self, report_id: str) -> pd.Series:
        """One report's row; a KeyError naming the id when the register does not hold it."""
        position = self._rows.get(report_id)
        if position is None:
            raise KeyError(f"unknown report id {report_id!r}: it is not in the register (data/register/reports.csv)")
        return self.reports.iloc[position]

    def codes_of(self, report_id: str) -> pd.DataFrame:
        self.report(report_id)
        return self.codes[self.codes["report_id"] == report_id]

    def has_excerpt(self, report_id: str) -> bool:
        return bool(cell_str(self.report(report_id)["excerpt_ru"]))


# --- loading -----------------------------------------------------------------------------------


def bib_urls(bibfile: str | os.PathLike[str] = BIBFILE) -> dict[str, str | None]:
    """``bibkey -> url`` for every entry of a BibTeX file (None when an entry has no url field)."""
    from pybtex.database import parse_file

    data = parse_file(str(bibfile), bib_format="bibtex")
    return {key: entry.fields.get("url") for key, entry in data.entries.items()}


def _host_ok(url: str, website: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    want = WEBSITE_HOSTS.get(website, "")
    return bool(want) and (host == want or host.endswith("." + want))


def url_problems(reports: pd.DataFrame, urls: dict[str, str | None], bibname: str = "references.bib") -> list[str]:
    """Every reason the reports cannot get their URL from the bibliography, as ``file:row: field: problem``.

    A URL still typed in ``reports.csv`` must agree with the bibliography: two places for one fact
    is how they drift apart, so a disagreement is an error rather than a silent override.
    """
    problems: list[str] = []
    for line, row in zip(range(2, len(reports) + 2), reports.itertuples(index=False), strict=True):
        where = f"reports.csv:{line}"
        key = cell_str(getattr(row, "bibkey", ""))
        if not key:
            problems.append(f"{where}: bibkey: missing value (report {row.id!r} needs a {bibname} entry)")
            continue
        if key not in urls:
            problems.append(f"{where}: bibkey: {key!r} is not an entry of {bibname} (report {row.id!r})")
            continue
        url = cell_str(urls[key])
        if not url:
            problems.append(f"{where}: bibkey: entry {key!r} of {bibname} has no url field (report {row.id!r})")
            continue
        typed = cell_str(getattr(row, "url", ""))
        if typed and typed != url:
            problems.append(f"{where}: url: {typed!r} differs from the url of {key!r} in {bibname} ({url!r})")
        if urlsplit(url).scheme not in ("http", "https"):
            problems.append(f"{where}: url: {url!r} (from {key!r}) is not an http(s) address")
        elif not _host_ok(url, str(row.website)):
            problems.append(
                f"{where}: url: {url!r} (from {key!r}) is not on "
                f"{WEBSITE_HOSTS.get(str(row.website), '?')} (website {row.website!r})"
            )
    return problems


def load_register(
    folder: str | os.PathLike[str] = paths.REGISTER, bibfile: str | os.PathLike[str] = BIBFILE
) -> Register:
    """Load and validate the register, filling each report's ``url`` from its BibTeX entry.

    The corpus rules are checked by :func:`kzperception.data.corpus.load_corpus`; on top of them the
    register needs its ``cite`` and ``bibkey`` columns and a usable URL in the bibliography for
    every report. Every problem is reported at once (:class:`RegisterError`).
    """
    corpus = load_corpus(folder)
    reports = corpus.reports.copy()
    missing = [f"reports.csv: {c}: required column missing" for c in REGISTER_REPORT_COLUMNS if c not in reports]
    if missing:
        raise RegisterError(missing)
    urls = bib_urls(bibfile)
    problems = url_problems(reports, urls, Path(bibfile).name)
    if problems:
        raise RegisterError(problems)
    reports["url"] = [urls[cell_str(k)] for k in reports["bibkey"]]
    codes = corpus.codes.copy()
    for col in REGISTER_CODE_COLUMNS:
        if col not in codes:
            codes[col] = pd.NA
    return Register(reports=reports.reset_index(drop=True), codes=codes.reset_index(drop=True))


@lru_cache(maxsize=1)
def default_register() -> Register:
    """The project's register, loaded once per process (chapters quote from it many times)."""
    return load_register()


def _reg(register: Register | None) -> Register:
    return register if register is not None else default_register()


# --- rendering ---------------------------------------------------------------------------------


def format_date(value: dt.date | pd.Timestamp) -> str:
    """``27 April 2021``: spelled out, independent of the machine's locale."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def _esc(value: object) -> str:
    return html.escape(cell_str(value), quote=True)


def _safe_href(url: str) -> str | None:
    """The URL escaped for an attribute, or None unless it is http(s) (no ``javascript:`` links)."""
    return html.escape(url, quote=True) if urlsplit(url).scheme in ("http", "https") else None


def source_html(row: pd.Series) -> str:
    """The line under a quotation: titles (linked), publisher, site, date and the citation.

    The citation links to the report's entry in the bibliography (``bib-<bibkey>``, the id
    ``bibtex_cite_id`` gives it, on the page beside the chapters); the book's Sphinx extension
    (``kzperception.book.sphinx_site``) re-points the link from ``data-bibkey`` for the page and
    builder it lands in, and warns when the key has no entry.
    """
    entity = cell_str(row["entity"])
    publisher = ENTITY_LABELS.get(entity, entity)
    site = WEBSITE_NAMES.get(str(row["website"]), cell_str(row["website"]))
    title_ru = _esc(row["title_ru"]) or _esc(row["id"])
    href = _safe_href(cell_str(row["url"]))
    title = f'<a href="{href}" lang="ru" hreflang="ru">{title_ru}</a>' if href else f'<span lang="ru">{title_ru}</span>'
    title_en = _esc(row["title_en"])
    english = f" [<em>{title_en}</em>]" if title_en else ""
    cite = _esc(row.get("cite", ""))
    key = cell_str(row.get("bibkey", ""))
    cite_html = f" (<cite>{cite}</cite>)" if cite else ""
    if cite and key:
        href = html.escape("../bibliography.html#bib-" + key, quote=True)
        cite_html = (
            f' (<a class="kzp-cite" href="{href}" data-bibkey="{html.escape(key, quote=True)}"><cite>{cite}</cite></a>)'
        )
    return (
        f"{title}{english}. {html.escape(publisher)}, {html.escape(site)}, "
        f"{html.escape(format_date(row['date']))}{cite_html}."
    )


def quote_html(report_id: str, register: Register | None = None) -> str:
    """One report as HTML: Russian excerpt beside the English translation, then its source line.

    A report the thesis cites without quoting gets the source line alone, with a note saying so.
    """
    row = _reg(register).report(report_id)
    rid = _esc(report_id)
    source = (
        f'<p class="kzp-quote-source" style="grid-column: 1 / -1; margin: 0; font-size: 0.9em;">'
        f"{source_html(row)} English translation: this project.</p>"
    )
    ru, en = _esc(row["excerpt_ru"]), _esc(row["excerpt_en"])
    if not ru:
        note = (
            '<p class="kzp-quote-source" style="grid-column: 1 / -1; margin: 0;">'
            "The thesis cites this report without quoting it.</p>"
        )
        return f'<div class="kzp-quote kzp-quote-unquoted" data-report="{rid}">\n{note}\n{source}\n</div>'
    return (
        f'<div class="kzp-quote" data-report="{rid}">\n'
        f'<blockquote lang="ru"><p>{ru}</p></blockquote>\n'
        f'<blockquote lang="en"><p>{en}</p></blockquote>\n'
        f"{source}\n</div>"
    )


def select(
    category: str | None = None,
    country: str | None = None,
    period: str | None = None,
    window: Window = THESIS_WINDOW,
    level: str | None = None,
    mode: str | None = None,
    quoted_only: bool = True,
    register: Register | None = None,
) -> list[str]:
    """Ids of register reports matching every filter given, oldest first.

    ``category``, ``level`` and ``mode`` filter on the codes the thesis gives (a report matches
    when one of its codes fits all three); ``period`` is ``before``/``after`` under ``window``.
    """
    reg = _reg(register)
    r = reg.reports
    keep = pd.Series(True, index=r.index)
    if country is not None:
        keep &= r["country"] == country
    if period is not None:
        if period not in ("before", "after"):
            raise ValueError(f"period: {period!r} is not one of before|after")
        keep &= window.period(r["date"]).astype(object) == period
    if category is not None or level is not None or mode is not None:
        c = reg.codes
        sel = pd.Series(True, index=c.index)
        for col, want in (("category", category), ("level", level), ("mode", mode)):
            if want is not None:
                sel &= c[col] == want
        keep &= r["id"].isin(set(c.loc[sel, "report_id"]))
    if quoted_only:
        keep &= r["excerpt_ru"].map(cell_str) != ""
    return r[keep].sort_values(["date", "id"], kind="stable")["id"].tolist()


def _inference(row) -> str:
    """What of a code the editors inferred rather than read in the thesis: the code, its level, or nothing.

    ``basis`` is ``implied`` when the thesis gives no code for the report at all; a ``stated``
    code whose note says its level was inferred (the thesis names the category, not the level)
    is marked as such too, so the register never passes an editors' reading off as the thesis's.
    """
    basis = str(getattr(row, "basis", "") or "")
    note = str(getattr(row, "note", "") or "")
    if basis == "implied":
        return "code inferred by the editors"
    if re.search(r"\b(level (main |secondary )?inferred|main inferred|secondary inferred)\b", note):
        return "level inferred by the editors"
    return ""


def _codes_text(codes: pd.DataFrame) -> str:
    """Codes in words, each marked when the editors inferred it; non-cooperation codes without a level
    (the thesis never gives one)."""
    parts = []
    for row in codes.itertuples(index=False):
        label = CATEGORY_LABELS.get(str(row.category), str(row.category))
        inferred = _inference(row)
        if row.mode == "cooperation":
            level = LEVEL_LABELS.get(str(row.level), str(row.level)).lower()
            parts.append(f"{label} ({level}{'; ' + inferred if inferred else ''})")
        else:
            parts.append(
                f"{label} {MODE_LABELS.get(str(row.mode), str(row.mode))}" + (f" ({inferred})" if inferred else "")
            )
    return "; ".join(parts)


def register_table(register: Register | None = None, window: Window = THESIS_WINDOW) -> pd.DataFrame:
    """One row per register report: where and when it appeared, its English title, codes and citation."""
    reg = _reg(register)
    r = reg.reports.sort_values(["country", "date", "id"], kind="stable")
    period = window.period(r["date"]).astype(object).map(lambda p: window.label(p) if isinstance(p, str) else "")
    return pd.DataFrame(
        {
            "id": r["id"],
            "country": r["country"].astype(str).map(partner_label),
            "website": r["website"].astype(str).map(lambda w: WEBSITE_NAMES.get(w, w)),
            "date": r["date"].dt.strftime("%Y-%m-%d"),
            "period": period,
            "title (English)": r["title_en"].map(cell_str),
            "codes": [_codes_text(reg.codes[reg.codes["report_id"] == i]) for i in r["id"]],
            "quoted": r["excerpt_ru"].map(lambda x: "yes" if cell_str(x) else "no"),
            "citation": r["cite"].map(cell_str),
        }
    ).reset_index(drop=True)
