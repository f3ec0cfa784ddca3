"""Screen collected reports: which mention a country enough to be kept.

The thesis kept a report only when the whole report, or at least one paragraph of it, is about
China or Russia; a passing mention of a keyword was not enough. That decision stays with the
researcher. This module prepares it: for every report and country whose keywords it contains, it
lists the paragraphs that mention the country and suggests a verdict from how much of the text is
about it. The screening sheet (CSV and XLSX) has an empty ``decision`` column for the researcher;
reading it back keeps only the reports marked ``include`` and refuses a sheet with rows undecided,
so nothing is dropped silently.

The suggestion is a heuristic, stated here so it can be argued with:

* ``devoted_report``: the title names the country, or at least half the paragraphs do;
* ``devoted_paragraph``: otherwise, one paragraph names it at least twice;
* ``mere_mention``: anything less.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kzperception.data.corpus import CorpusError
from kzperception.fieldwork.keywords import CountryMatcher
from kzperception.fieldwork.sheet_cells import read_table, write_csv_sheet, write_xlsx_atomic

VERDICTS: tuple[str, ...] = ("devoted_report", "devoted_paragraph", "mere_mention")
DEVOTED_SHARE = 0.5  # share of paragraphs naming the country that makes a report "devoted"
PARAGRAPH_HITS = 2  # keyword hits within one paragraph that make it "devoted"
EXCERPT_CHARS = 1200  # longest excerpt carried into a corpus

SCREENING_COLUMNS: tuple[str, ...] = (
    "id",
    "source_id",
    "country",
    "website",
    "entity",
    "date",
    "title_ru",
    "suggested",
    "decision",
    "note",
    "mentions",
    "paragraphs_with_mentions",
    "paragraphs_total",
    "paragraphs_ru",
    "url",
)
INCLUDE = frozenset({"include", "included", "yes", "y", "1", "true", "+", "да", "devoted_report", "devoted_paragraph"})
EXCLUDE = frozenset({"exclude", "excluded", "no", "n", "0", "false", "-", "нет", "mere_mention"})


class ScreeningError(CorpusError):
    """A screening sheet that cannot be read back; ``problems`` are ``file:row: field: problem``."""


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of a collected text (the collector separates them by a blank line)."""
    return [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]


@dataclass(frozen=True)
class Assessment:
    """How much of one report is about one country."""

    country: str
    title_hits: int
    paragraph_hits: tuple[int, ...]

    @property
    def mentions(self) -> int:
        return self.title_hits + sum(self.paragraph_hits)

    @property
    def mentioning(self) -> list[int]:
        """Indexes of the paragraphs that name the country."""
        return [i for i, n in enumerate(self.paragraph_hits) if n]

    @property
    def share(self) -> float:
        return len(self.mentioning) / len(self.paragraph_hits) if self.paragraph_hits else 0.0

    @property
    def suggested(self) -> str:
        if self.title_hits or self.share >= DEVOTED_SHARE:
            return "devoted_report"
        if any(n >= PARAGRAPH_HITS for n in self.paragraph_hits):
            return "devoted_paragraph"
        return "mere_mention"


def assess(title: str, paragraphs: Sequence[str], country: str, matcher: CountryMatcher) -> Assessment:
    keywords = matcher.countries[country]
    return Assessment(country, keywords.count(title or ""), tuple(keywords.count(p) for p in paragraphs))


def report_id(source_id: str, country: str) -> str:
    """A corpus id per report and country: one text may be screened in for both countries."""
    return f"{source_id}-{country}"


def screen(collected: pd.DataFrame, matcher: CountryMatcher, countries: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per report and country mentioned, with the suggestion and an empty decision."""
    wanted = list(countries) if countries else list(matcher.countries)
    unknown = [c for c in wanted if c not in matcher.countries]
    if unknown:
        raise ScreeningError([f"--country: {unknown[0]!r} has no keywords (known: {', '.join(matcher.countries)})"])
    rows = []
    for rec in collected.fillna("").to_dict("records"):
        paragraphs = split_paragraphs(rec["text_ru"])
        for country in wanted:
            a = assess(rec["title_ru"], paragraphs, country, matcher)
            if a.mentions:
                rows.append(_row(rec, paragraphs, a))
    sheet = pd.DataFrame(rows, columns=list(SCREENING_COLUMNS))
    return sheet.sort_values(["country", "website", "date", "id"], kind="stable").reset_index(drop=True)


def _row(rec: dict[str, str], paragraphs: list[str], a: Assessment) -> dict[str, object]:
    quoted = "\n\n".join(f"[¶{i + 1}] {paragraphs[i]}" for i in a.mentioning)
    return {
        "id": report_id(rec["id"], a.country),
        "source_id": rec["id"],
        "country": a.country,
        "website": rec["website"],
        "entity": rec["entity"],
        "date": rec["date"],
        "title_ru": rec["title_ru"],
        "suggested": a.suggested,
        "decision": "",
        "note": "",
        "mentions": a.mentions,
        "paragraphs_with_mentions": len(a.mentioning),
        "paragraphs_total": len(paragraphs),
        "paragraphs_ru": quoted,
        "url": rec["url"],
    }


def write_screening(sheet: pd.DataFrame, folder: str | os.PathLike[str], force: bool = False) -> list[Path]:
    """Write ``screening.csv`` and ``screening.xlsx``; never over a sheet that holds decisions.

    Both are formula-safe (see :mod:`kzperception.fieldwork.sheet_cells`): a scraped title such as
    ``=HYPERLINK(...)`` stays text in any spreadsheet. A sheet that exists but cannot be read is
    not overwritten either (it may hold decisions nobody can see): ``force`` overwrites both.
    """
    folder = Path(folder)
    targets = [folder / "screening.csv", folder / "screening.xlsx"]
    if not force:
        for path in targets:
            if path.exists():
                decided = _decided_count(path)
                if decided is None:
                    raise ScreeningError(
                        [
                            f"{path}: exists and cannot be read to check it for decisions; use --force to "
                            "overwrite it or --out for another folder"
                        ]
                    )
                if decided:
                    raise ScreeningError(
                        [
                            f"{path}: already holds {decided} decision(s); use --force to overwrite "
                            "or --out for another folder"
                        ]
                    )
    write_csv_sheet(sheet, targets[0])
    write_xlsx_atomic(
        {"screening": sheet},
        targets[1],
        choices={"decision": ("include", "exclude")},
        widths={"title_ru": 50, "paragraphs_ru": 90, "note": 30, "url": 30},
        wrap=("title_ru", "paragraphs_ru"),
    )
    return targets


def _decided_count(path: Path) -> int | None:
    """How many rows of an existing sheet hold a decision; None when it cannot be read."""
    try:
        table = read_table(path)
    except CorpusError:
        return None
    if "decision" not in table:
        return None
    return int((table["decision"].str.strip() != "").sum())


def read_screening(path: str | os.PathLike[str], undecided: str = "error") -> pd.DataFrame:
    """The screening sheet with a boolean ``include``; every bad or missing decision is a problem.

    ``undecided="exclude"`` treats blank decisions as exclusions (for a partial first pass).
    """
    path = Path(path)
    table = read_table(path)
    problems = [f"{path.name}: {c}: required column missing" for c in ("id", "country", "decision") if c not in table]
    if problems:
        raise ScreeningError(problems)
    include = []
    for rec in table.to_dict("records"):
        value = str(rec["decision"]).strip().lower()
        if value in INCLUDE:
            include.append(True)
        elif value in EXCLUDE or (not value and undecided == "exclude"):
            include.append(False)
        else:
            what = "no decision" if not value else f"{rec['decision']!r} is not include|exclude"
            problems.append(f"{path.name}:{rec['_row']}: decision: {what}")
            include.append(False)
    dup = table["id"].duplicated(keep="first")
    problems += [
        f"{path.name}:{r}: id: duplicate id {i!r}"
        for r, i in zip(table.loc[dup, "_row"], table.loc[dup, "id"], strict=True)
    ]
    if problems:
        raise ScreeningError(problems)
    return table.assign(include=include)


def included_reports(screening: pd.DataFrame, collected: pd.DataFrame) -> pd.DataFrame:
    """Corpus report rows for the included (report, country) pairs, with text and an excerpt.

    The excerpt is the first paragraph that names the country: the passage that got the report in.
    An included row whose ``id`` is not ``<source_id>-<country>`` (an id or country edited in the
    sheet) is refused, so an edit cannot invent a report.
    """
    if "source_id" not in screening:
        raise ScreeningError(["screening: source_id: required column missing"])
    chosen = screening[screening["include"]]
    bad = []
    for rec in chosen.to_dict("records"):
        expected = report_id(str(rec["source_id"]), str(rec["country"]))
        if str(rec["id"]) != expected:
            bad.append(
                f"screening:{rec.get('_row', '?')}: id: {rec['id']!r} is not {expected!r}, the id of its "
                "source_id and country (an edited id, source_id or country?)"
            )
    if bad:
        raise ScreeningError(bad)
    source = collected.fillna("").set_index("id")
    missing = sorted(set(chosen["source_id"]) - set(source.index))
    if missing:
        raise ScreeningError(
            [
                f"screening: source_id: {missing[0]!r} is not in the collected reports"
                + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
            ]
        )
    rows = []
    for rec in chosen.to_dict("records"):
        src = source.loc[rec["source_id"]]
        excerpt = _excerpt(str(rec.get("paragraphs_ru", "")), str(src["text_ru"]))
        rows.append(
            {
                "id": rec["id"],
                "country": rec["country"],
                "website": src["website"],
                "entity": src["entity"],
                "date": src["date"],
                "url": src["url"],
                "title_ru": src["title_ru"],
                "excerpt_ru": excerpt,
                "text_ru": src["text_ru"],
                "provenance": src.get("provenance", "") or "collected",
                "note": str(rec.get("note", "") or ""),
            }
        )
    columns = [
        "id",
        "country",
        "website",
        "entity",
        "date",
        "url",
        "title_ru",
        "excerpt_ru",
        "text_ru",
        "provenance",
        "note",
    ]
    return pd.DataFrame(rows, columns=columns)


def _excerpt(quoted: str, text: str) -> str:
    first = split_paragraphs(quoted)[:1] or split_paragraphs(text)[:1]
    excerpt = re.sub(r"^\[¶\d+\]\s*", "", first[0]) if first else ""
    return excerpt if len(excerpt) <= EXCERPT_CHARS else excerpt[: EXCERPT_CHARS - 1].rstrip() + "…"
