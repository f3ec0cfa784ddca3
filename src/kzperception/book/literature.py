"""Numbers for the prose chapters (front matter and chapters 1-4), read from data, never typed.

The context chapters retell what the thesis says about Russia, China and Kazakhstan. Their
sentences still carry numbers (trade growth, pipeline stakes, survey shares), and the book's rule
is that a number in prose comes from data. Two sources feed them:

* ``data/background/figures.csv``: the figures the thesis itself states in chapters 2-3, each
  with the work it cites and its place in the thesis (this module loads and checks it);
* ``data/context/*.csv``: figures from the 2024 article on the years after the window. They are
  read only through :mod:`kzperception.data.context`, whose one table of facts
  (:data:`~kzperception.data.context.FACTS`) names every figure for every chapter; this module
  lays two of its files out as tables.

Figures are glued as formatted text (:func:`glue_figures`, one formatter:
:func:`kzperception.data.context.format_figure`) rather than through
:func:`kzperception.book.display.glue_facts`, because that helper rounds to one decimal for the
thesis's shares, which would turn "5.99 billion" into "6.0".
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from kzperception import paths
from kzperception.data.context import Context, format_figure, load_context
from kzperception.data.window import Window

BACKGROUND = paths.DATA / "background"
FIGURES_CSV = BACKGROUND / "figures.csv"
THESIS_BIB = BACKGROUND / "thesis.bib"
THESIS_KEY = "leuchter2024"
FIGURE_COLUMNS = ("key", "value", "qualifier", "unit", "period", "what", "cite", "where", "note")
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


# --- the 2024 article's tables (data/context) ----------------------------------------------------


def survey_table(ctx: Context | None = None) -> pd.DataFrame:
    """The Central Asian Barometer answers the 2024 article reports, in reading order.

    Read through :func:`kzperception.data.context.load_context`, the one gate to ``data/context``,
    so the table shows only rows that passed its checks.
    """
    df = (ctx or load_context()).surveys
    out = pd.DataFrame(
        {
            "Question": df["question"],
            "Survey wave": df["period"].replace("", "not stated"),
            "Respondents": df["group"],
            "Answer": df["answer"],
            "Share (%)": df["share_pct"].astype(float),
        }
    )
    return out.reset_index(drop=True)


def economy_table(partners: list[str], ctx: Context | None = None) -> pd.DataFrame:
    """The article's economic figures for the given partners (e.g. the pipeline and China)."""
    df = (ctx or load_context()).economy
    rows = df[df["partner"].isin(partners)]
    return pd.DataFrame(
        {
            "Indicator": rows["indicator"],
            "Partner": rows["partner"],
            "Year": rows["year"],
            "Value": [
                " ".join(x for x in (q, format_figure(v)) if x)
                for q, v in zip(rows["qualifier"], rows["value"], strict=True)
            ],
            "Unit": rows["unit"],
        }
    ).reset_index(drop=True)


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
    authors = [
        " ".join([*p.first_names, *p.middle_names, *p.prelast_names, *p.last_names])
        for p in entry.persons.get("author", [])
    ]
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
