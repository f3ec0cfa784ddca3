"""Constraints the printed numbers imply, derived from the statements and tested.

The statements audit asks whether each printed number follows from the published cells. This
module asks what the printed numbers say about one another, without the cells where it can:

``sum``
    counts printed for the parts of a whole (before and after, the two websites, the two
    countries, main and secondary, the seven categories) add up to the count printed for it;
``hundred``
    printed shares of the parts of one whole add up to 100, within the sum of their rounding
    margins (half a unit of the last printed digit each);
``share bounds count``
    a share printed to d decimals over a known whole admits only the counts whose share rounds to
    it; the printed (or published) count must be one of them;
``slot size``
    each pair of a printed count and its printed share bounds the whole it was taken of; the
    intersection over all pairs of one whole must hold the size printed in Table 1;
``change``
    a printed relative change from a printed count admits only some counts after; the printed
    one must be among them;
``bound``
    inequalities the coding rules impose: a category at one level in a slot cannot exceed the
    slot's reports (a report carries a category once), a country's main codes cannot fall short of
    its reports (every report has a main code), the non-cooperation codes placed in slots cannot
    exceed those stated.

Each constraint gets ``agrees`` or ``disagrees``; ``implied`` says what the constraint allows.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, TypedDict

import pandas as pd

from kzperception.analysis.audit import load_statements, section_of
from kzperception.analysis.audit_lang import (
    TABLE_KEYS,
    AuditData,
    Call,
    NotRecomputable,
    Select,
    decimals,
    evaluate,
    parse,
)
from kzperception.data.counts import Counts
from kzperception.data.vocabulary import CATEGORIES, CATEGORY_LABELS, COUNTRIES, LEVELS, PERIODS, partner_label

CONSTRAINT_KINDS: tuple[str, ...] = ("sum", "hundred", "share bounds count", "slot size", "change", "bound")


@dataclass(frozen=True)
class Printed:
    """A number as printed, with the statement that prints it."""

    value: float
    text: str
    id: str


def _canon(node) -> str:
    """A selector or expression in one spelling, so the same thing printed twice is found once."""
    if isinstance(node, Select):
        return node.table + "[" + ",".join(f"{k}={'|'.join(v)}" for k, v in sorted(node.filters)) + "]"
    return re.sub(r"\s+", "", str(node))


def _with(sel: Select, key: str, value: str) -> Select:
    return sel.with_filter(key, (value,))


def _counts_printed(statements: pd.DataFrame) -> dict[str, Printed]:
    out: dict[str, Printed] = {}
    for st in statements.itertuples(index=False):
        if st.unit != "count":
            continue
        node = parse(st.expr)
        key = _canon(node) if isinstance(node, Select) else _canon(st.expr)
        out.setdefault(key, Printed(float(st.value), st.value, st.id))
    return out


def _splits(sel: Select) -> list[tuple[str, list[Select]]]:
    """The ways a selector's whole falls into parts that differ in one key, each value once."""
    keys = TABLE_KEYS[sel.table]
    out = []
    for k in keys:
        have = sel.get(k)
        if sel.table == "codes" and k == "period":
            if have == ("all",):
                out.append((k, [_with(sel, k, p) for p in PERIODS]))
            continue
        if have is not None:
            continue
        values = keys[k]
        if sel.table == "codes" and k == "category":
            values = CATEGORIES if sel.get("mode") == ("cooperation",) else ()
        if sel.table == "codes" and k == "mode":
            continue
        if values:
            out.append((k, [_with(sel, k, v) for v in values]))
    return out


def _tol(text: str) -> float:
    return 0.5 * 10 ** -decimals(text) + 1e-9


# One constraint the printed figures must meet, before repeated statements are merged.
_Row = TypedDict(
    "_Row",
    {"kind": str, "section": str, "constraint": str, "implied": str, "verdict": str, "rests on": list[str]},
)


def _row(kind: str, section: str, constraint: str, implied: str, holds: bool, rests_on: list[str]) -> _Row:
    return {
        "kind": kind,
        "section": section,
        "constraint": constraint,
        "implied": implied,
        "verdict": "agrees" if holds else "disagrees",
        "rests on": [i for i in rests_on if i],
    }


def _ids(ids: list[str], most: int = 6) -> str:
    ids = list(dict.fromkeys(ids))
    return " ".join(ids) if len(ids) <= most else " ".join(ids[:most]) + f" and {len(ids) - most} more"


def _n(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:g}"


def _sums(printed: dict[str, Printed], selectors: dict[str, Select]) -> list[_Row]:
    rows = []
    for key, whole in printed.items():
        sel = selectors.get(key)
        if sel is None:
            continue
        for k, parts in _splits(sel):
            got = [g for g in (printed.get(_canon(p)) for p in parts) if g is not None]
            if len(got) < len(parts):  # a part no statement prints
                continue
            total = math.fsum(g.value for g in got)
            text = " + ".join(g.text for g in got)
            rows.append(
                _row(
                    "sum",
                    section_of_id(whole.id),
                    f"{text} = {whole.text} (parts by {k})",
                    f"the parts add up to {_n(total)}",
                    total == whole.value,
                    [g.id for g in got] + [whole.id],
                )
            )
    return rows


def section_of_id(statement_id: str) -> str:
    return statement_id.rsplit("-", 1)[0]


def _value(node, printed: dict[str, Printed], data: AuditData) -> tuple[float, str, str] | None:
    """A count as printed (text and statement id) or, when no statement prints it, as published."""
    key = _canon(node)
    if key in printed:
        p = printed[key]
        return p.value, p.text, p.id
    try:
        v = evaluate(node, data).number
    except NotRecomputable:
        return None
    return v, _n(v), ""


def _shares(statements: pd.DataFrame, printed: dict[str, Printed], data: AuditData) -> list[_Row]:
    rows: list[_Row] = []
    by_whole: dict[str, dict[str, Any]] = {}  # a whole's bounds from each printed count and its share
    partitions: dict[tuple[str, str], dict[str, Any]] = {}  # the shares printed of one split of a whole
    for st in statements.itertuples(index=False):
        if st.unit != "percent":
            continue
        node = parse(st.expr)
        if not (isinstance(node, Call) and node.name in ("share", "change")):
            continue
        a, b = node.args
        p, tol = float(st.value), _tol(st.value)
        sec = section_of(st.where)
        if node.name == "change":
            base, after = _value(a, printed, data), _value(b, printed, data)
            if base is None or after is None or not base[0]:
                continue
            lo = math.ceil(base[0] * (1 + (p - tol) / 100) - 1e-9)
            hi = math.floor(base[0] * (1 + (p + tol) / 100) + 1e-9)
            rows.append(
                _row(
                    "change",
                    sec,
                    f"{st.value} % more than {base[1]}",
                    _range(lo, hi),
                    lo <= after[0] <= hi,
                    [st.id, base[2], after[2]],
                )
            )
            continue
        part, whole = _value(a, printed, data), _value(b, printed, data)
        if part is None or whole is None or not whole[0]:
            continue
        lo = math.ceil(whole[0] * (p - tol) / 100 - 1e-9)
        hi = math.floor(whole[0] * (p + tol) / 100 + 1e-9)
        rows.append(
            _row(
                "share bounds count",
                sec,
                f"{st.value} % of {whole[1]}",
                f"count {_range(lo, hi)}",
                lo <= part[0] <= hi,
                [st.id, part[2], whole[2]],
            )
        )
        if part[2]:  # the count is printed: it and its share bound the whole
            nlo = math.ceil(100 * part[0] / (p + tol) - 1e-9)
            nhi = math.floor(100 * part[0] / (p - tol) + 1e-9) if p - tol > 0 else 10**9
            entry = by_whole.setdefault(_canon(b), {"whole": whole, "pairs": [], "lo": 0, "hi": 10**9, "sec": sec})
            entry["pairs"].append(f"{part[1]} at {st.value} %")
            entry["ids"] = [*entry.get("ids", []), st.id, part[2]]
            entry["lo"], entry["hi"] = max(entry["lo"], nlo), min(entry["hi"], nhi)
        if isinstance(a, Select) and isinstance(b, Select):
            for k, parts in _splits(b):
                if _canon(a) in {_canon(x) for x in parts}:
                    group = partitions.setdefault(
                        (_canon(b), k), {"parts": {_canon(x) for x in parts}, "got": {}, "sec": sec}
                    )
                    group["got"][_canon(a)] = (st.value, st.id)
    for entry in by_whole.values():
        whole, pairs = entry["whole"], entry["pairs"]
        said = "; ".join(pairs) if len(pairs) <= 3 else f"{len(pairs)} counts with their shares (from {pairs[0]})"
        rows.append(
            _row(
                "slot size",
                entry["sec"],
                f"{said}, of a whole printed as {whole[1]}",
                f"whole {_range(entry['lo'], entry['hi'])}",
                entry["lo"] <= whole[0] <= entry["hi"],
                [*entry["ids"], whole[2]],
            )
        )
    for group in partitions.values():
        if set(group["got"]) != group["parts"]:
            continue
        texts = [t for t, _ in group["got"].values()]
        total = math.fsum(float(t) for t in texts)
        margin = math.fsum(_tol(t) for t in texts)
        rows.append(
            _row(
                "hundred",
                group["sec"],
                " + ".join(texts) + " = 100 %",
                f"sum {total:g} % (margin ±{margin:.2g})",
                abs(total - 100) <= margin,
                [i for _, i in group["got"].values()],
            )
        )
    return rows


def _range(lo: int, hi: int) -> str:
    if lo > hi:
        return "none possible"
    return f"= {lo}" if lo == hi else f"in {lo}-{hi}"


def _bounds(data: AuditData, printed: dict[str, Printed]) -> list[_Row]:
    rows = []
    codes, reports = data.codes, data.reports
    partners = [c for c in COUNTRIES if (reports["country"] == c).any()]
    coop = codes[codes["mode"] == "cooperation"]
    for c in partners:
        name = partner_label(c)
        n_reports = int(reports.loc[reports["country"] == c, "n"].sum())
        main = coop[(coop["country"] == c) & (coop["period"] == "all") & (coop["level"] == "main")]
        if len(main) == len(CATEGORIES):
            total = int(main["n"].sum())
            rows.append(
                _row(
                    "bound",
                    "6.3.1",
                    f"main codes on {name} ({total}) at least its reports ({n_reports})",
                    "every report has a main code",
                    total >= n_reports,
                    [],
                )
            )
        either = coop[(coop["country"] == c) & (coop["period"] == "all")].groupby("category")["n"].agg(["sum", "size"])
        either = either[either["size"] == len(LEVELS)]
        if len(either):
            cat, n = either["sum"].idxmax(), int(either["sum"].max())
            rows.append(
                _row(
                    "bound",
                    "6.3.1",
                    f"{CATEGORY_LABELS.get(cat, cat)} on {name} at either level ({n}) at "
                    f"most its reports ({n_reports})",
                    "a report carries a category once",
                    n <= n_reports,
                    [],
                )
            )
        for per in PERIODS:
            slot = int(reports.loc[(reports["country"] == c) & (reports["period"] == per), "n"].sum())
            cells = coop[(coop["country"] == c) & (coop["period"] == per)]
            if len(cells):
                top = cells.loc[cells["n"].idxmax()]
                label = CATEGORY_LABELS.get(top["category"], top["category"])
                rows.append(
                    _row(
                        "bound",
                        "6.3.2" if c == partners[0] else "6.3.3",
                        f"largest slot cell, {name} {per}: {label} "
                        f"{top['level']} ({int(top['n'])}) at most the slot's reports ({slot})",
                        "a report carries a category once",
                        int(top["n"]) <= slot,
                        [],
                    )
                )
    if data.stated and "codes_non_cooperation" in data.stated:
        stated = data.stated["codes_non_cooperation"]
        placed = int(codes.loc[(codes["mode"] == "non_cooperation") & (codes["period"].isin(PERIODS)), "n"].sum())
        rows.append(
            _row(
                "bound",
                "6.3",
                f"non-cooperation codes placed in a slot ({placed}) at most those stated ({stated})",
                f"{stated - placed} placed in no slot: any slot may hold up to {stated - placed} more",
                placed <= stated,
                [],
            )
        )
    return rows


def constraints_table(counts: Counts, statements: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every constraint the printed numbers imply, with what it allows and its verdict.

    Always on the thesis's statements and the published figures: the constraints are about what
    the thesis prints, whatever corpus a book is built on.
    """
    statements = load_statements() if statements is None else statements
    data = AuditData.from_counts(counts)
    printed = _counts_printed(statements)
    selectors: dict[str, Select] = {}
    for st in statements.itertuples(index=False):
        node = parse(st.expr)
        if st.unit == "count" and isinstance(node, Select):
            selectors.setdefault(_canon(node), node)
    rows = _sums(printed, selectors) + _shares(statements, printed, data) + _bounds(data, printed)
    parts = (
        "codes[period=all,mode=cooperation,level=main]",
        "codes[period=all,mode=cooperation,level=secondary]",
        "codes[period=before|after,mode=non_cooperation,level=main]",
    )
    total = [t for t in (printed.get(_canon(parse(e))) for e in parts) if t is not None]
    grand = next((p for k, p in printed.items() if "stated[measure=codes_non_cooperation]" in k), None)
    if len(total) == len(parts) and grand is not None:
        s = math.fsum(t.value for t in total)
        rows.insert(
            0,
            _row(
                "sum",
                "6.3",
                " + ".join(t.text for t in total) + f" = {grand.text} (main, secondary, non-cooperation)",
                f"the parts add up to {_n(s)}",
                s == grand.value,
                [t.id for t in total] + [grand.id],
            ),
        )
    merged: dict[tuple[str, str], _Row] = {}
    for row in rows:  # the same constraint from a repeated statement is one row
        key = (row["kind"], row["constraint"])
        if key in merged:
            merged[key]["rests on"] += row["rests on"]
        else:
            merged[key] = row
    table = [{**r, "rests on": _ids(r["rests on"])} for r in merged.values()]
    out = pd.DataFrame(table, columns=["kind", "section", "constraint", "implied", "verdict", "rests on"])
    out.insert(0, "id", [f"C-{i:02d}" for i in range(1, len(out) + 1)])
    return out


def constraint_facts(table: pd.DataFrame) -> dict[str, int]:
    """Constraints per verdict and kind, for the prose."""
    facts = {
        "n_constraints": len(table),
        "n_constraints_agree": int((table["verdict"] == "agrees").sum()),
        "n_constraints_disagree": int((table["verdict"] == "disagrees").sum()),
    }
    for kind in CONSTRAINT_KINDS:
        facts["n_constraints_" + kind.replace(" ", "_")] = int((table["kind"] == kind).sum())
    return facts
