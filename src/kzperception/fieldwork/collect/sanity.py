"""Extracted values checked, not just found: the rules that tell a report from a layout mistake.

A selector that matches the wrong element does not fail; it finds something. The first ``h1`` of a
page may be the site's header, so every report gets the same title; ``[class*=date]`` may match a
sidebar's date; a challenge page or a script shell gives every report the same short text. Each of
these leaves a trace across the reports of a run, and the rules below look for it:

* a **title** equal to the site's name, or shared by several reports while the listing gave them
  other titles (reports that the listing itself titles alike are left alone: a weekly
  "Брифинг" is a real repetition);
* a **date** more than a day away from the date the listing printed for the report;
* a **body** shorter than ``MIN_BODY_CHARS``, or the same text in several reports.

A report that breaks a rule is that report's failure, with a message naming the layout part and
the value seen, so a run over a broken layout ends with status 2 and the parts to fix instead of a
``collected.csv`` of headers. ``--probe`` applies the same rules to the reports it looks at.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .model import ListedItem, RawReport

#: A report's text shorter than this (characters) is no report: a challenge page, a cookie notice.
MIN_BODY_CHARS = 20
#: How far (days) a report page's date may be from its listing's date (a report filed after midnight).
DATE_SLACK_DAYS = 1

_WS_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class Suspect:
    """One report that breaks a rule: which value (``title``, ``date``, ``body``), why, what was seen."""

    source_id: str
    url: str
    value: str
    message: str


def _norm(text: str) -> str:
    return _WS_RE.sub(" ", text).strip().casefold()


def _excerpt(text: str, limit: int = 60) -> str:
    return repr(text[:limit] + ("…" if len(text) > limit else ""))


def check_reports(pairs: Sequence[tuple[ListedItem, RawReport]], site_names: Iterable[str] = ()) -> list[Suspect]:
    """The reports among ``pairs`` (listed item, extracted report) whose values look like layout faults."""
    names = {_norm(n) for n in site_names if n.strip()}
    out: dict[str, Suspect] = {}

    def flag(item: ListedItem, report: RawReport, value: str, message: str) -> None:
        out.setdefault(report.source_id, Suspect(report.source_id, report.url, value, message))

    titles = Counter(_norm(r.title_ru) for _i, r in pairs)
    bodies = Counter(_norm(r.text_ru) for _i, r in pairs)
    for item, report in pairs:
        title = _norm(report.title_ru)
        if title in names:
            flag(item, report, "title", f"the title is the site's name {_excerpt(report.title_ru)}")
        elif titles[title] > 1 and item.title and _norm(item.title) != title:
            flag(
                item,
                report,
                "title",
                f"the title {_excerpt(report.title_ru)} repeats in {titles[title]} "
                f"reports while the listing titles this one {_excerpt(item.title)}",
            )
        if item.date is not None and abs((report.date - item.date).days) > DATE_SLACK_DAYS:
            flag(item, report, "date", f"the page's date {report.date} is not the listing's {item.date}")
        body = _norm(report.text_ru)
        if len(body) < MIN_BODY_CHARS:
            flag(
                item,
                report,
                "body",
                f"the text is {len(body)} characters, under {MIN_BODY_CHARS}: {_excerpt(report.text_ru)}",
            )
        elif bodies[body] > 1:
            flag(item, report, "body", f"the same text in {bodies[body]} reports: {_excerpt(report.text_ru)}")
    return list(out.values())


def describe(suspect: Suspect, parts: Mapping[str, str]) -> str:
    """``article_title: the title ... (layout part of data/sites.yaml)`` for a failure line."""
    return (
        f"{parts.get(suspect.value, suspect.value)}: {suspect.message}; the layout may have changed "
        f"(check it with --probe)"
    )


def in_window(day: dt.date, start: dt.date, end: dt.date) -> bool:
    return start <= day <= end
