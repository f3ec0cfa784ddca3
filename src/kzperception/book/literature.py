"""Numbers for the prose chapters (front matter and chapters 1-4), read from data, never typed.

The context chapters retell what the thesis says about Russia, China and Kazakhstan. Their
sentences still carry numbers (trade growth, pipeline stakes, survey shares), and the book's rule
is that a number in prose comes from data. Two sources feed them:

* ``data/background/figures.csv``: the figures the thesis itself states in chapters 2-3, each
  with the work it cites and its place in the thesis;
* ``data/context/*.csv``: figures from the 2024 article on the years after the window (another
  helper owns that folder; this module only reads it, by stable keys listed in
  :data:`CONTEXT_FACTS`, so a chapter's sentence keeps its meaning if rows are added there).

Figures are glued as formatted text (:func:`glue_figures`) rather than through
:func:`kzperception.book.display.glue_facts`, because that helper rounds to one decimal for the
thesis's shares, which would turn "5.99 billion" into "6.0".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kzperception import paths
from kzperception.data.window import Window

BACKGROUND = paths.DATA / "background"
FIGURES_CSV = BACKGROUND / "figures.csv"
THESIS_BIB = BACKGROUND / "thesis.bib"
THESIS_KEY = "leuchter2024"
FIGURE_COLUMNS = ("key", "value", "qualifier", "unit", "period", "what", "cite", "where", "note")
CONTEXT_FILES = ("economy", "indices", "surveys", "timeline", "un_votes")
BIBFILE = paths.BOOK / "references.bib"


class LiteratureDataError(ValueError):
    """A background or context file that a chapter cannot draw a number from."""


# --- the thesis's own background figures -------------------------------------------------------


def _read_str_csv(path: Path) -> pd.DataFrame:
    """Read every cell as text (empty cells as ""), so selectors compare exactly what the file says."""
    if not path.is_file():
        raise LiteratureDataError(f"{path}: file not found")
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def load_figures(path: Path = FIGURES_CSV) -> pd.DataFrame:
    """The thesis's background figures, checked: known columns, unique keys, numeric values.

    Every problem is reported at once as ``file:row: field: problem``, like the corpus loader,
    so a contributor adding rows sees all mistakes in one run.
    """
    df = _read_str_csv(path)
    missing = [c for c in FIGURE_COLUMNS if c not in df.columns]
    if missing:
        raise LiteratureDataError(f"{path}: missing columns {', '.join(missing)}")
    problems: list[str] = []
    seen: set[str] = set()
    for i, row in enumerate(df.itertuples(index=False), start=2):
        if not re.fullmatch(r"[a-z][a-z0-9_]*", row.key):
            problems.append(f"{path.name}:{i}: key: {row.key!r} is not a lowercase identifier")
        if row.key in seen:
            problems.append(f"{path.name}:{i}: key: duplicate {row.key!r}")
        seen.add(row.key)
        try:
            float(row.value)
        except ValueError:
            problems.append(f"{path.name}:{i}: value: {row.value!r} is not a number")
        if not row.cite:
            problems.append(f"{path.name}:{i}: cite: empty (every figure names the work it comes from)")
    if problems:
        raise LiteratureDataError("\n".join(problems))
    return df.assign(value=df["value"].astype(float))


def figure_facts(figures: pd.DataFrame | None = None) -> dict[str, float]:
    """``key -> value`` for every background figure, the names the chapters glue."""
    df = load_figures() if figures is None else figures
    return {row.key: float(row.value) for row in df.itertuples(index=False)}


# --- the 2024 article's figures (data/context) -------------------------------------------------


@dataclass(frozen=True)
class ContextFact:
    """Where one number lives in ``data/context``: a file, the cells that pick its row, a column."""

    file: str
    match: Mapping[str, str] = field(default_factory=dict)
    column: str = "value"


def _economy(indicator: str) -> ContextFact:
    """A row of ``economy.csv`` picked by its indicator (they are unique there)."""
    return ContextFact("economy", {"indicator": indicator})


CONTEXT_FACTS: dict[str, ContextFact] = {
    # Russia: the oil route through Novorossiysk and the missile range
    "cpc_global_oil_share": _economy("Share of global crude oil carried"),
    "cpc_kz_oil_export_share": _economy("Share of Kazakhstan's oil exports carried"),
    "cpc_budget_share": _economy("Share of Kazakhstan's state budget"),
    "bokeyorda_hectares": _economy("Land leased to Russia at Bokeyorda (missile range)"),
    "bokeyorda_price": _economy("Lease price of the Bokeyorda land"),
    "banned_war_goods": ContextFact("timeline", {"date": "2023-10-19", "topic": "sanctions"}, "figure"),
    # China
    "china_imports_from_kz": _economy("China's imports from Kazakhstan"),
    # the West, for the multi-vector balance
    "eu_fdi_share": _economy("Share of FDI stock in Kazakhstan"),
    "us_fdi_share": _economy("Share of FDI in Kazakhstan"),
    "eu_energy_exports_share": _economy("Share of oil, gas and uranium in exports to the EU"),
    # UN General Assembly voting
    "unga_cohesion_china": ContextFact("un_votes", {"partner": "China", "measure": "cohesion"}),
    "unga_cohesion_russia_rank": ContextFact("un_votes", {"partner": "Russia", "measure": "cohesion rank"}),
    "unga_cohesion_us": ContextFact("un_votes", {"partner": "United States", "measure": "cohesion"}),
    # public opinion (Central Asian Barometer)
    "survey_blame_russia_spring": ContextFact(
        "surveys", {"period": "2022 spring", "answer": "Russia"}, "share_pct"),
    "survey_blame_ukraine_spring": ContextFact(
        "surveys", {"period": "2022 spring", "answer": "Ukraine"}, "share_pct"),
    "survey_blame_ukraine_autumn": ContextFact(
        "surveys", {"period": "2022 autumn", "answer": "Ukraine"}, "share_pct"),
    "survey_unfavourable_18_29": ContextFact("surveys", {"group": "age 18-29"}, "share_pct"),
    "survey_unfavourable_50_59": ContextFact("surveys", {"group": "age 50-59"}, "share_pct"),
    # media freedom
    "press_freedom_rank": ContextFact("indices", {"index": "World Press Freedom Index"}, "rank"),
    "press_freedom_out_of": ContextFact("indices", {"index": "World Press Freedom Index"}, "out_of"),
}


def load_context(name: str, folder: Path = paths.CONTEXT) -> pd.DataFrame:
    """One file of ``data/context`` as text cells (``economy``, ``surveys``, ...)."""
    if name not in CONTEXT_FILES:
        raise LiteratureDataError(f"unknown context file {name!r}; known: {', '.join(CONTEXT_FILES)}")
    return _read_str_csv(folder / f"{name}.csv")


def context_value(fact: ContextFact, folder: Path = paths.CONTEXT) -> float:
    """The number a :class:`ContextFact` points at; an error unless exactly one row matches.

    Exactly one, because a second matching row (say, a new survey wave) would make the sentence
    that glues the number ambiguous: better to fail the build than to print the wrong figure.
    """
    df = load_context(fact.file, folder)
    sel = pd.Series(True, index=df.index)
    for col, want in fact.match.items():
        if col not in df.columns:
            raise LiteratureDataError(f"{fact.file}.csv: no column {col!r}")
        sel &= df[col] == want
    rows = df[sel]
    if len(rows) != 1:
        raise LiteratureDataError(f"{fact.file}.csv: {dict(fact.match)} matches {len(rows)} rows, not 1")
    cell = rows.iloc[0][fact.column]
    try:
        return float(cell)
    except ValueError:
        raise LiteratureDataError(f"{fact.file}.csv: {fact.column} {cell!r} is not a number") from None


def context_facts(keys: list[str] | None = None, folder: Path = paths.CONTEXT) -> dict[str, float]:
    """``key -> number`` for the listed context facts (all of :data:`CONTEXT_FACTS` by default)."""
    wanted = list(CONTEXT_FACTS) if keys is None else keys
    unknown = [k for k in wanted if k not in CONTEXT_FACTS]
    if unknown:
        raise LiteratureDataError(f"unknown context facts: {', '.join(unknown)}")
    return {k: context_value(CONTEXT_FACTS[k], folder) for k in wanted}


def survey_table(folder: Path = paths.CONTEXT) -> pd.DataFrame:
    """The Central Asian Barometer answers the 2024 article reports, in reading order."""
    df = load_context("surveys", folder)
    out = pd.DataFrame({
        "Question": df["question"],
        "Survey wave": df["period"].replace("", "not stated"),
        "Respondents": df["group"],
        "Answer": df["answer"],
        "Share (%)": df["share_pct"].astype(float),
    })
    return out.reset_index(drop=True)


def economy_table(partners: list[str], folder: Path = paths.CONTEXT) -> pd.DataFrame:
    """The article's economic figures for the given partners (e.g. the pipeline and China)."""
    df = load_context("economy", folder)
    rows = df[df["partner"].isin(partners)]
    return pd.DataFrame({
        "Indicator": rows["indicator"],
        "Partner": rows["partner"],
        "Year": rows["year"],
        "Value": [" ".join(x for x in (q, format_figure(float(v))) if x)
                  for q, v in zip(rows["qualifier"], rows["value"], strict=True)],
        "Unit": rows["unit"],
    }).reset_index(drop=True)


# --- the window, in words ----------------------------------------------------------------------


def whole_months(a: dt.date, b: dt.date) -> int:
    """Whole calendar months from ``a`` to ``b`` (24 Aug 2020 -> 24 Feb 2022 is 18)."""
    return (b.year - a.year) * 12 + (b.month - a.month) - (1 if b.day < a.day else 0)


def window_facts(window: Window) -> dict[str, float]:
    """How long each side of the window is, so the introduction's "eighteen months" follows a rerun."""
    return {
        "months_before": whole_months(window.start, window.pivot),
        "months_after": whole_months(window.pivot, window.end),
    }


# --- glue --------------------------------------------------------------------------------------


def format_figure(value: float) -> str:
    """A figure as the thesis prints it: thousands separators, no trailing zeros (5.99, 17.9, 1,000,000)."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def glue_figures(facts: dict[str, float]) -> None:
    """Glue each figure as text at its own precision; the prose shows it with ``{glue:md}`key```."""
    from kzperception.book.display import glue_text

    for key, value in facts.items():
        glue_text(key, format_figure(value))


# --- the thesis's own record --------------------------------------------------------------------


def thesis_record(path: Path = THESIS_BIB, key: str = THESIS_KEY) -> dict[str, str]:
    """The thesis's title-page facts (titles, author, school, supervisor...) from its BibTeX record.

    The title page is data like any other: kept as a bibliographic record, it is shown by glue and
    can be reused by a rerun that retells another thesis. Authors come out as "First Last".
    """
    from pybtex.database import parse_file

    if not Path(path).is_file():  # checked first: pybtex would go looking with kpsewhich
        raise LiteratureDataError(f"{path}: file not found")
    try:
        entry = parse_file(str(path)).entries[key]
    except KeyError:
        raise LiteratureDataError(f"{path}: no entry {key!r}") from None
    record = {name.lower(): str(value) for name, value in entry.fields.items()}
    authors = [" ".join([*p.first_names, *p.middle_names, *p.prelast_names, *p.last_names])
               for p in entry.persons.get("author", [])]
    record["author"] = " and ".join(authors)
    record["key"] = key
    return record


def glue_record(record: dict[str, str], prefix: str = "thesis_") -> None:
    """Glue every field of :func:`thesis_record` as text (``{glue:md}`thesis_title```)."""
    from kzperception.book.display import glue_text

    for name, value in record.items():
        glue_text(f"{prefix}{name}", value)


# --- citations -----------------------------------------------------------------------------------


def bib_keys(path: Path = BIBFILE) -> set[str]:
    """Every entry key in the book's BibTeX file (tests check each cited key against it)."""
    text = path.read_text(encoding="utf-8")
    return set(re.findall(r"^@\w+\{([^,\s]+),", text, flags=re.MULTILINE))


def cited_keys(markdown: str) -> set[str]:
    """The keys a MyST page cites with ``{cite:p}`` / ``{cite:t}`` (comma-separated lists split)."""
    keys: set[str] = set()
    for group in re.findall(r"\{cite:[a-z]+\}`([^`]+)`", markdown):
        keys.update(k.strip() for k in group.split(",") if k.strip())
    return keys
