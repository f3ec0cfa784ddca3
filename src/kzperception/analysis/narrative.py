"""Report-level narrative: which cited reports a page may narrate, and what it shows instead.

The slot chapters (6.3.2, 6.3.3 and the partner template) and 6.3.1 tell the thesis's reading of
particular reports: the typical phone call, the one critical article, the quotation. That
narrative is true of the thesis's data. A rerun on another corpus or window must not print it as
if it were true of the rerun's data, so a passage about a report is shown only where the page's
corpus holds that report in the page's window (and, for a slot chapter, in the slot where the
thesis discusses it). Everywhere else the page shows the corpus's own examples of the same kind,
taken from its excerpts, or says plainly that it has none.

The rules, in one place:

- **On the published figures every cited report is present.** The thesis's 218 reports include
  the 34 it cites, so the main book narrates them all, exactly as before.
- **In a corpus, a report is present** when a row has the register report's ``id`` and the same
  country and date (an id reused for another text is not the report), or when a row has the same
  URL (a corpus collected by the project names reports by site and number, not by citation); and
  its date lies in the page's window. With ``same_period`` (the slot chapters) the row must also
  fall in the period in which the thesis discusses the report: a pivot moved past it puts it in
  another slot, where the passage's claims about "this slot" would be false.
- **The kind of a passage** is the register's main codes of its report (category and mode), or
  what the passage names. A corpus report is an example of that kind when it is about the same
  partner, falls in the same period of the page's window (any period without ``same_period``),
  has a code of that kind in the counted coder's codes, and carries an excerpt; examples already
  shown on the page are not shown twice.
- **Counts in words** never narrate zero or one as several: :func:`count_words` is
  :func:`kzperception.readings.words.count` (``no report`` / ``one report`` / ``4 reports``).
- **A quotation's codes** are the register's, main codes first, and a code the editors inferred
  is marked as theirs (:func:`quoted_codes`).

Nothing here renders: :mod:`kzperception.book.narrative` turns these results into page content,
escaping every value that comes from a corpus.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pandas as pd

from kzperception.data.corpus_text import cell_str
from kzperception.data.counts import Counts, choose_coder
from kzperception.data.vocabulary import CATEGORY_LABELS
from kzperception.data.window import THESIS_WINDOW
from kzperception.readings import words

if TYPE_CHECKING:
    from kzperception.data.register import Register

#: A kind of report: ``(category, mode, level)``, e.g. ``("security_military", "cooperation", "main")``;
#: level ``any`` for either (the thesis gives non-cooperation codes no level).
Kind = tuple[str, str, str]


@dataclass(frozen=True)
class Placement:
    """Where the thesis discusses a cited report: its partner, and its period under the thesis's window."""

    report_id: str
    partner: str
    period: str | None
    kinds: tuple[Kind, ...]
    cite: str


def placement(report_id: str, register, kinds: Iterable[Kind] | None = None) -> Placement:
    """The thesis's slot of a register report and the kinds a passage about it stands for.

    ``kinds`` default to the report's main codes in the register, cooperation codes first; a report
    with none (the thesis names only a non-cooperation code for some) stands for its
    non-cooperation codes. ``register`` is a :class:`kzperception.data.register.Register`.
    """
    row = register.report(report_id)
    period = _period_of(row["date"], THESIS_WINDOW)
    if kinds is None:
        codes = register.codes_of(report_id)
        main = codes[(codes["level"] == "main") & (codes["mode"] == "cooperation")]
        chosen = main if not main.empty else codes[codes["mode"] == "non_cooperation"]
        kinds = [
            (str(c), str(m), "main" if m == "cooperation" else "any")
            for c, m in zip(chosen["category"], chosen["mode"], strict=True)
        ]
    return Placement(
        report_id, str(row["country"]), period, tuple(dict.fromkeys(kinds)), cell_str(row.get("cite", "")) or report_id
    )


def _period_of(day: pd.Timestamp, window) -> str | None:
    """``before`` / ``after`` / None (outside) for one date, by the window's own rule."""
    period = window.period(pd.Series([day])).astype(object).iloc[0]
    return period if isinstance(period, str) else None


def _url_key(url: object) -> str:
    """A URL reduced to what names the page: host without ``www.``, path without a final slash, query."""
    text = cell_str(url)
    if not text:
        return ""
    parts = urlsplit(text)
    host = (parts.hostname or "").lower().removeprefix("www.")
    if not host:
        return ""
    return f"{host}{parts.path.rstrip('/')}?{parts.query}"


def corpus_row(report_id: str, counts: Counts, register) -> pd.Series | None:
    """The corpus's row for a register report, or None: same id, country and date, or the same URL."""
    corpus = counts.corpus
    if corpus is None:
        return None
    want = register.report(report_id)
    r = corpus.reports
    same_id = r[
        (r["id"].astype(str) == report_id)
        & (r["country"].astype(str) == str(want["country"]))
        & (r["date"] == want["date"])
    ]
    if not same_id.empty:
        return same_id.iloc[0]
    key = _url_key(want.get("url"))
    if key and "url" in r:
        same_url = r[r["url"].map(_url_key) == key]
        if not same_url.empty:
            return same_url.iloc[0]
    return None


def present(report_id: str, counts: Counts, register, same_period: bool = True) -> bool:
    """Whether a page on ``counts`` may narrate the cited report ``report_id`` (rules in the module docstring)."""
    if counts.is_published:
        register.report(report_id)  # an unknown id is an error, not a silent "absent"
        return True
    row = corpus_row(report_id, counts, register)
    if row is None:
        return False
    period = _period_of(row["date"], counts.window)
    if period is None:
        return False
    return not same_period or period == _period_of(register.report(report_id)["date"], THESIS_WINDOW)


def examples(
    counts: Counts, partner: str, period: str | None, kinds: Iterable[Kind], exclude: Iterable[str] = ()
) -> tuple[pd.DataFrame, int, int]:
    """The corpus's reports of a kind with an excerpt, oldest first, leaving out ``exclude``; and two counts.

    The counts are all reports of the kind and those of them with an excerpt (``exclude``
    included), so a page can say "4 such reports, none with an excerpt" or "shown above" rather
    than "none". ``period`` None means the whole window. Nothing on the published figures (they
    hold no report texts).
    """
    corpus = counts.corpus
    if corpus is None:
        return pd.DataFrame(), 0, 0
    r = corpus.reports
    periods = counts.window.period(r["date"]).astype(object)
    keep = (r["country"].astype(str) == partner) & periods.isin([period] if period else ["before", "after"])
    # the page's coder (chosen with --coder); asking again without a name would refuse a corpus of several
    who = counts.coder if counts.coder is not None else choose_coder(corpus, None)
    c = corpus.codes
    c = c[(c["coder"] == who).to_numpy()]
    match = pd.Series(False, index=c.index)
    for category, mode, level in kinds:
        sel = (c["category"].astype(str) == category) & (c["mode"].astype(str) == mode)
        if level != "any":
            sel &= c["level"].astype(str) == level
        match |= sel
    keep &= r["id"].isin(set(c.loc[match, "report_id"].astype(str)))
    of_kind = r[keep]
    has_text = pd.Series(False, index=of_kind.index)
    for col in ("excerpt_ru", "excerpt_en"):
        if col in of_kind:
            has_text |= of_kind[col].map(cell_str) != ""
    shown = of_kind[has_text & ~of_kind["id"].astype(str).isin(set(exclude))]
    return shown.sort_values(["date", "id"], kind="stable"), len(of_kind), int(has_text.sum())


def kind_words(kinds: Iterable[Kind]) -> str:
    """``security and military cooperation as a main code`` / ``a code of non-cooperation in the cultural field``."""
    kinds = list(kinds)
    non = [CATEGORY_LABELS[c].lower() for c, m, _ in kinds if m != "cooperation"]
    parts = []
    for level in ("main", "secondary", "any"):
        coop = [CATEGORY_LABELS[c].lower() for c, m, lv in kinds if m == "cooperation" and lv == level]
        if coop:
            names = " or ".join(f"{n} cooperation" for n in coop)
            parts.append(f"{names} as a {level} code" if level != "any" else f"a code of {names}")
    if non:
        parts.append("a code of non-cooperation in the " + " or ".join(non) + " field")
    return " or ".join(parts) if parts else "any code"


def count_words(n: float, singular: str = "report", plural: str | None = None) -> str:
    """A count as a reader says it; zero and one are never plural (``no report``, ``one report``)."""
    return words.count(n, singular, plural)


def quoted_codes(report_id: str, register: Register) -> str:
    """The codes the register gives a quoted report, in words: main codes first, then secondary ones.

    A code the editors inferred (``basis`` ``implied``) is marked as theirs, so a quotation's
    codes are never passed off as the thesis's where the thesis gives none. ``register`` is a
    :class:`kzperception.data.register.Register`; an unknown id is its KeyError naming the id.
    """
    codes = register.codes_of(report_id)
    coop = codes[codes["mode"] == "cooperation"]
    parts = []
    for level, one, many in (
        ("main", "as its main code", "as its main codes"),
        ("secondary", "as a secondary code", "as secondary codes"),
    ):
        rows = coop[coop["level"] == level]
        if rows.empty:
            continue
        names = [
            _category_name(str(r.category)) + (" (inferred by the editors)" if str(r.basis) == "implied" else "")
            for r in rows.itertuples(index=False)
        ]
        parts.append(f"{words.together(names)} {one if len(names) == 1 else many}")
    return words.together(parts) if parts else "no cooperation code"


def _category_name(category: str) -> str:
    """``economic cooperation``: a register category as prose names it; an unknown id is refused."""
    if category not in CATEGORY_LABELS:
        raise ValueError(f"category: {category!r} is not one of {'|'.join(CATEGORY_LABELS)}")
    return f"{CATEGORY_LABELS[category].lower()} cooperation"
