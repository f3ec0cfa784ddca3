"""Audit of every number the thesis states in sections 6.2-6.3.3, recomputed from the published counts.

``data/published/statements.csv`` lists each count, percentage, rank and comparison printed in the
prose with an expression of :mod:`kzperception.analysis.audit_lang` saying how it follows from the
published counts; this module evaluates them and compares the result with the printed value.

Three rules shape the tally:

- **Distinct statements.** The same number about the same thing printed in several places (the
  115 reports on China appear four times) is one statement; the table keeps its first place and
  lists the others under ``also at``. A number printed twice cannot be wrong twice.
- **Charitable readings.** Where a printed number is ambiguous, ``statement_readings.csv`` gives
  the other plausible readings. A statement that disagrees as written is tried on each in turn; the
  first that agrees is chosen and named (verdict ``agrees on another reading``); when none agrees,
  the verdict stays and the note lists what was tried.
- **Verdicts.** ``agrees`` (counts, ranks and claims equal; percentages within half a unit of the
  last printed digit, i.e. 0.05 points for one decimal), ``agrees on another reading``,
  ``disagrees`` (with the difference) or ``not recomputable`` (with the reason).

The register checks (:mod:`kzperception.analysis.audit_register`) and the constraints the printed
shares imply (:mod:`kzperception.analysis.audit_constraints`) are audited apart.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from kzperception import paths
from kzperception.analysis.audit_lang import (  # noqa: F401  (re-exported: the language's names)
    FUNCTIONS,
    TABLE_KEYS,
    AuditData,
    Call,
    ExprError,
    Key,
    Node,
    NotRecomputable,
    Num,
    Select,
    Text,
    Value,
    bounds,
    decimals,
    evaluate,
    expr_problem,
    judge,
    parse,
    read_rows,
    tokenize,
)
from kzperception.data.counts import Counts
from kzperception.readings.verdicts import Verdict

STATEMENTS = paths.PUBLISHED / "statements.csv"
READINGS = paths.PUBLISHED / "statement_readings.csv"
STATEMENT_COLUMNS: tuple[str, ...] = ("id", "where", "subject", "value", "unit", "expr")
READING_COLUMNS: tuple[str, ...] = ("id", "reading", "expr")
UNITS: tuple[str, ...] = ("count", "percent", "rank", "claim")
VERDICTS: tuple[str, ...] = ("agrees", "agrees on another reading", "disagrees", "not recomputable")
#: Statements the audit appendix discusses by name (their printed and recomputed values are glued).
DISCUSSED: tuple[str, ...] = (
    "6.2-18",
    "6.2-46",
    "6.3.1-01",
    "6.3.1-02",
    "6.3.1-03",
    "6.3.1-05",
    "6.3.1-07",
    "6.3.1-08",
    "6.3.1-09",
    "6.3.1-14",
)
#: The subject of the four statements "economic and political lead the main codes" of a slot (6.3.2).
LEAD_SUBJECT = "economic and political lead the main codes"
#: How a claim (unit ``claim``) is shown: the thesis prints it as holding (value 1).
CLAIM_WORDS = {1.0: "holds", 0.0: "fails"}


def section_of(where: str) -> str:
    """The section a locator names: ``"6.3.1: out of eight"`` -> ``"6.3.1"``."""
    m = re.match(r"^(\d+(?:\.\d+)*)", where or "")
    return m.group(1) if m else ""


def load_statements(path: str | Path = STATEMENTS) -> pd.DataFrame:
    """The statements file, every value kept as printed (text), every expression checked."""
    path = Path(path)
    rows, problems = read_rows(path, STATEMENT_COLUMNS)
    seen: set[str] = set()
    for i, row in enumerate(rows, start=2):
        if row["id"] in seen:
            problems.append(f"{path.name}:{i}: id: duplicate {row['id']!r}")
        seen.add(row["id"])
        if row["unit"] not in UNITS:
            problems.append(f"{path.name}:{i}: unit: {row['unit']!r} not one of {'|'.join(UNITS)}")
        if not re.fullmatch(r"\d+(\.\d+)?", row["value"] or ""):
            problems.append(f"{path.name}:{i}: value: {row['value']!r} is not a number as printed")
        elif row["unit"] == "claim" and row["value"] != "1":
            problems.append(f"{path.name}:{i}: value: a claim is printed as 1 (the thesis says it holds)")
        if len((row["where"] or "").split()) > 14:
            problems.append(f"{path.name}:{i}: where: keep the locator short")
        if (bad := expr_problem(path, i, row["expr"])) is not None:
            problems.append(bad)
    if problems:
        raise ExprError("\n".join(problems))
    return pd.DataFrame(rows, columns=list(STATEMENT_COLUMNS))


def load_readings(path: str | Path = READINGS, statements: pd.DataFrame | None = None) -> pd.DataFrame:
    """The other readings of ambiguous statements: ``id`` (a statement), ``reading`` (in words), ``expr``."""
    path = Path(path)
    if not path.exists():
        return pd.DataFrame(columns=list(READING_COLUMNS))
    rows, problems = read_rows(path, READING_COLUMNS)
    ids = None if statements is None else set(statements["id"])
    for i, row in enumerate(rows, start=2):
        if ids is not None and row["id"] not in ids:
            problems.append(f"{path.name}:{i}: id: {row['id']!r} is not a statement")
        if not (row["reading"] or "").strip():
            problems.append(f"{path.name}:{i}: reading: say in words what the number is read as")
        if (bad := expr_problem(path, i, row["expr"])) is not None:
            problems.append(bad)
    if problems:
        raise ExprError("\n".join(problems))
    return pd.DataFrame(rows, columns=list(READING_COLUMNS))


def _describe(verdict: str, unit: str, diff: float) -> str:
    if verdict != "disagrees":
        return ""
    if unit == "claim":
        return "does not hold"
    return f"{diff:+.1f} points" if unit == "percent" else f"{diff:+.0f}"


def audit_statement(expr: str, printed: str, unit: str, data: AuditData) -> dict[str, Any]:
    """Recompute one statement: its value, verdict, difference and a note on what it rests on."""
    try:
        v = evaluate(expr, data)
    except NotRecomputable as err:
        return {"recomputed": math.nan, "verdict": "not recomputable", "difference": "", "note": err.reason}
    verdict, diff = judge(printed, unit, v.number)
    notes = []
    if v.derived:
        notes.append("rests on cells derived by subtraction (" + ", ".join(sorted(v.derived)) + ")")
    if v.stated:
        notes.append("uses a total stated by the thesis (" + ", ".join(sorted(v.stated)) + ")")
    if v.bounded:
        notes.append("settled by the bounds of unpublished cells (" + "; ".join(sorted(v.bounded)) + ")")
    return {
        "recomputed": v.number,
        "verdict": verdict,
        "difference": _describe(verdict, unit, diff),
        "note": "; ".join(notes),
    }


def _shown(value: float, unit: str) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "–"
    if unit == "claim":
        return CLAIM_WORDS.get(float(value), str(value))
    return f"{value:.2f}" if unit == "percent" else f"{value:.0f}"


def _charitable(row: dict[str, Any], st, alternatives: pd.DataFrame, data: AuditData) -> dict[str, Any]:
    """Try the other readings of a statement that does not agree as written; keep the first that agrees."""
    tried = []
    for alt in alternatives.itertuples(index=False):
        got = audit_statement(alt.expr, st.value, st.unit, data)
        tried.append(f"{alt.reading}: {_shown(got['recomputed'], st.unit)}")
        if got["verdict"] == "agrees":
            written = _shown(row["recomputed"], st.unit)
            note = f"as written it gives {written}; read as {alt.reading}"
            return {
                **got,
                "verdict": "agrees on another reading",
                "reading": alt.reading,
                "expr": alt.expr,
                "note": "; ".join(n for n in (note, str(got["note"])) if n),
            }
    note = "other readings tried, none agrees (" + "; ".join(tried) + ")"
    return {**row, "note": "; ".join(n for n in (str(row["note"]), note) if n)}


def _key(st) -> tuple[str, float, str]:
    """What makes two rows one statement: the same expression, value and unit. Rows no cell can
    check share their expression only by their reason, so their subject must match as well."""
    expr = re.sub(r"\s+", "", st.expr)
    if expr.startswith("unpublished("):
        expr += "|" + st.subject
    return expr, float(st.value), st.unit


def audit_table(
    counts: Counts,
    statements: pd.DataFrame | None = None,
    rerun: Counts | None = None,
    readings: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every distinct statement with its recomputed value and verdict (and a rerun's value beside it).

    A statement printed in several places is one row: its first place in ``where`` and ``id``, the
    others in ``also at``. ``reading`` names the other reading a verdict rests on, if any.
    """
    if readings is None:  # the readings file names statements of the statements file
        readings = load_readings(statements=load_statements() if statements is None else None)
    statements = load_statements() if statements is None else statements
    data = AuditData.from_counts(counts)
    rows: list[dict[str, Any]] = []
    first: dict[tuple[str, float, str], dict[str, Any]] = {}
    for st in statements.itertuples(index=False):
        key = _key(st)
        if key in first:
            first[key]["also at"].append(st.where)
            first[key]["also_ids"].append(st.id)
            continue
        row: dict[str, Any] = {
            "id": st.id,
            "section": section_of(st.where),
            "where": st.where,
            "also at": [],
            "also_ids": [],
            "subject": st.subject,
            "printed": st.value,
            "unit": st.unit,
            "expr": st.expr,
            "reading": "",
        }
        row.update(audit_statement(st.expr, st.value, st.unit, data))
        alternatives = readings[readings["id"] == st.id]
        if row["verdict"] != "agrees" and len(alternatives):
            row.update(_charitable(row, st, alternatives, data))
        first[key] = row
        rows.append(row)
    for row in rows:
        row["also at"] = "; ".join(row["also at"])
        row["also_ids"] = " ".join(row["also_ids"])
    cols = [
        "id",
        "section",
        "where",
        "also at",
        "subject",
        "printed",
        "unit",
        "expr",
        "reading",
        "recomputed",
        "verdict",
        "difference",
        "note",
        "also_ids",
    ]
    out = pd.DataFrame(rows, columns=cols)
    if rerun is not None:
        rdata = AuditData.from_counts(rerun)
        out["rerun"] = [_safe(expr, rdata) for expr in out["expr"]]
    return out


def _safe(expr: str, data: AuditData) -> float:
    try:
        return evaluate(expr, data).number
    except NotRecomputable:
        return math.nan


def verdict_counts(table: pd.DataFrame) -> dict[str, int]:
    """Distinct statements per verdict (``n_agrees``, ``n_disagrees``, ...), places and related totals."""
    facts = {"n_statements": len(table)}
    for v in VERDICTS:
        facts["n_" + v.replace(" ", "_")] = int((table["verdict"] == v).sum())
    agrees = table["verdict"].str.startswith("agrees")
    facts["n_agrees_derived"] = int((agrees & table["note"].str.contains("derived")).sum())
    facts["n_agrees_stated"] = int((agrees & table["note"].str.contains("stated")).sum())
    facts["n_agrees_bounded"] = int((agrees & table["note"].str.contains("bounds")).sum())
    for unit in UNITS:
        facts[f"n_{unit}_statements"] = int((table["unit"] == unit).sum())
    if "also_ids" in table:
        repeats = table["also_ids"].str.split().str.len().fillna(0).astype(int)
    else:  # no statement is repeated elsewhere: a zero per row, not a bare 0 to call .sum() on
        repeats = pd.Series(0, index=table.index, dtype=int)
    facts["n_places"] = int(len(table) + repeats.sum())
    facts["n_repeated"] = int((repeats > 0).sum())
    facts["n_sections"] = table["where"].str.extract(r"^(\d(?:\.\d)*)")[0].nunique()
    leads = table["subject"].str.startswith(LEAD_SUBJECT)
    facts["n_lead_slots"] = int(leads.sum())
    facts["n_lead_slots_agree"] = int((leads & agrees).sum())
    return facts


def statement_key(statement_id: str) -> str:
    """Glue name of a statement: ``6.3.1-08`` -> ``s631_08``."""
    return "s" + re.sub(r"[^0-9a-z_]", "", statement_id.lower().replace("-", "_"))


def statement_facts(table: pd.DataFrame, ids: Iterable[str] | None = None) -> dict[str, float]:
    """Printed and recomputed value of each statement, for prose that discusses them by id."""
    facts: dict[str, float] = {}
    chosen = table if ids is None else table[table["id"].isin(list(ids))]
    for row in chosen.itertuples(index=False):
        key = statement_key(row.id)
        printed = float(row.printed)
        facts[f"{key}_printed"] = printed if row.unit == "percent" else int(printed)
        facts[f"{key}_recomputed"] = row.recomputed
    return facts


def disagreements(table: pd.DataFrame) -> pd.DataFrame:
    """The statements the published counts contradict, with what each should read."""
    cols = ["id", "where", "subject", "printed", "recomputed", "difference"]
    return table.loc[table["verdict"] == "disagrees", cols].reset_index(drop=True)


def not_recomputable(table: pd.DataFrame) -> pd.DataFrame:
    """The statements no published cell can check, with the reason."""
    cols = ["id", "where", "subject", "printed", "note"]
    return table.loc[table["verdict"] == "not recomputable", cols].reset_index(drop=True)


def audit_chapter(chapter) -> pd.DataFrame:
    """The audit a chapter shows: always of the published figures (the statements are the thesis's),
    with a ``rerun`` column when the chapter runs on a corpus, so a reader sees what each sentence
    would say on the new data."""
    counts = chapter.counts
    if counts.is_published:
        return audit_table(counts)
    return audit_table(chapter.baseline, rerun=counts)


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """The audit table for the page: values as text (counts whole, percentages to 2 decimals, claims
    as holds / fails), without the bookkeeping column of repeated ids."""
    out = table.drop(columns=[c for c in ("also_ids",) if c in table.columns]).copy()
    if "printed" in out.columns and "unit" in out.columns:
        out["printed"] = [
            CLAIM_WORDS[1.0] if u == "claim" else p for p, u in zip(out["printed"], out["unit"], strict=True)
        ]
    for col in [c for c in ("recomputed", "rerun") if c in out.columns]:
        out[col] = [_shown(v, u) for v, u in zip(out[col], out["unit"], strict=True)]
    return out


def charitable_readings(table: pd.DataFrame, counts: Counts, readings: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every reading tried for the ambiguous statements: as written and each alternative, with its
    value and whether the audit chose it (the first that agrees, and none when none does)."""
    readings = load_readings() if readings is None else readings
    data = AuditData.from_counts(counts)
    statements = load_statements().set_index("id")
    rows = []
    for sid in dict.fromkeys(readings["id"]):
        st = statements.loc[sid]
        chosen = table.loc[table["id"] == sid, "reading"]
        chosen_label = chosen.iloc[0] if len(chosen) else ""
        others = readings.loc[readings["id"] == sid, ["reading", "expr"]].itertuples(index=False, name=None)
        options = [("as written", st["expr"]), *others]
        for label, expr in options:
            got = audit_statement(expr, st["value"], st["unit"], data)
            pick = label == chosen_label or (label == "as written" and not chosen_label and got["verdict"] == "agrees")
            rows.append(
                {
                    "id": sid,
                    "where": st["where"],
                    "printed": st["value"],
                    "reading": label,
                    "expr": expr,
                    "gives": _shown(got["recomputed"], st["unit"]),
                    "verdict": got["verdict"],
                    "chosen": "yes" if pick else "",
                }
            )
    return pd.DataFrame(rows, columns=["id", "where", "printed", "reading", "expr", "gives", "verdict", "chosen"])


def charitable_facts(readings: pd.DataFrame) -> dict[str, float]:
    """The value each reading of an ambiguous statement gives, for the prose: ``s631_03_reading0`` is
    the statement as written, ``s631_03_reading1`` its first other reading, ... (numbers only)."""
    facts: dict[str, float] = {}
    for sid, group in readings.groupby("id", sort=False):
        for i, gives in enumerate(group["gives"]):
            if re.fullmatch(r"\d+(\.\d+)?", str(gives)):
                facts[f"{statement_key(str(sid))}_reading{i}"] = float(gives)
    return facts


def rerun_note(counts: Counts) -> str:
    """The sentence on reruns, for a book built on a corpus only (the main book has no rerun column)."""
    if counts.is_published:
        return ""
    return (
        "This book was built on a corpus, not on the published figures. The audit still checks the "
        "thesis's statements against the thesis's own counts, and the `rerun` column gives what each "
        "expression yields on this corpus: a quick way to see which sentences of chapter 6 would read "
        "differently here."
    )


# --- readings -----------------------------------------------------------------------------------


def readings_table(counts: Counts, sweep: pd.DataFrame | None = None, demo: bool = False) -> pd.DataFrame:
    """Every reading the book can glue, on ``counts``: what it asks, what it says, its numbers, its decision.

    The registry's readings (:mod:`kzperception.readings.registry`, every verdict of each: one per
    pair of partners, per partner, per category of the codebook), each partner's slot readings,
    each ordered pair's slot comparisons and, when ``sweep`` is given, the pivot sweep's verdicts
    (:func:`kzperception.readings.sweep.verdicts` of that frame at the counts' pivot, ``demo`` when
    it sweeps the demonstration corpus; section 6.5 glues the same ones: they need report dates,
    which the counts do not hold). Applied to the counts
    the book was built on, so a reader can check each interpreted sentence against its numbers,
    and a rerun shows where its decisions part from the thesis's. Every cell is in words: labels
    for partners and categories, never their ids.
    """
    from kzperception.readings import registry, render

    labels = render.Labels.of(counts)

    def word(x: object) -> str:
        if isinstance(x, tuple):
            return ", ".join(word(y) for y in x) or "none"
        text = str(x)
        if text in labels.partners:
            return labels.partner(text)
        if text in labels.categories:
            return labels.categories[text].lower()
        return text.replace("_", " ")

    def numbers(values: dict[str, float]) -> str:
        return "; ".join(f"{k.replace('_', ' ')} = {_number(v)}" for k, v in values.items())

    rows = []
    categories = list(counts.vocabulary.category_ids)
    present = list(registry.compute.partners(counts))
    asked = [registry.reading(name, categories) for name in registry.names(categories)]
    asked += [registry.partner_reading(family, p) for p in present for family in registry.PARTNER_FAMILIES]
    asked += [
        registry.Reading(
            name, f"{registry.PAIR_ASPECTS[name.split('_')[1]]}: {pair}", functools.partial(_pair_verdicts, name)
        )
        for name, pair in zip(
            registry.pair_names(present),
            [
                f"{labels.partner(a)} beside {labels.partner(b)}"
                for _ in registry.PAIR_ASPECTS
                for a in present
                for b in present
                if a != b
            ],
            strict=True,
        )
    ]
    said: list[tuple[str, Verdict, render.Labels]] = []
    for reading in asked:
        for v in reading.verdicts(counts):
            question, _, category = reading.question.partition(": ")
            said.append((f"{question}: {word(category)}" if category else question, v, labels))
    if sweep is not None:
        from kzperception.readings import sweep as sweeping

        swept = render.Labels(partners=sweeping.partner_labels(sweep))
        for v in sweeping.verdicts(sweep, counts.window.pivot, demo):
            partner = getattr(v, "partner", "")
            question = sweeping.question(v)
            said.append((f"{question}: {swept.partner(partner)}" if partner else question, v, swept))
    for question, v, lab in said:
        rows.append(
            {
                "reading": question,
                "wording": render.sentence(v, lab),
                "rests on": numbers(v.numbers()),
                "rule": "; ".join(word(x) for x in v.decision() if x is not None) or "none",
            }
        )
    return pd.DataFrame(rows, columns=["reading", "wording", "rests on", "rule"])


def _pair_verdicts(name: str, counts: Counts) -> list[Verdict]:
    """:func:`_pair_verdict` as a reading's list of verdicts."""
    return [_pair_verdict(counts, name)]


def _pair_verdict(counts: Counts, name: str) -> Verdict:
    """The verdict of ``pair_<aspect>_<a>_<b>``, split by the known partners (an id may hold an underscore)."""
    from kzperception.readings import compute

    _, aspect, rest = name.split("_", 2)
    for a in compute.partners(counts):
        if rest.startswith(f"{a}_"):
            return compute.slot_pair(counts, a, rest.removeprefix(f"{a}_"), aspect)
    raise KeyError(name)


def _number(v: float) -> str:
    if isinstance(v, float) and math.isnan(v):
        return "unknown"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:.3f}" if abs(v) < 1 else f"{v:.1f}"
    return str(int(v))
