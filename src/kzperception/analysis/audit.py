"""Audit of every number the thesis states in sections 6.2-6.3.3, recomputed from the published counts.

``data/published/statements.csv`` lists each count or percentage printed in the prose with a
small expression saying how it follows from the published counts. This module parses those
expressions (a tiny language of its own, never Python ``eval``: the statements file is data and
must not be able to run code), evaluates them and compares the result with the printed value.

The language
------------
``reports[country=china,period=before]``
    Sum of the report counts matching the filters (keys ``country``, ``website``, ``period``).
``codes[country=china,period=all,category=economic,mode=cooperation,level=main]``
    Sum of the code counts matching the filters (keys ``country``, ``period``, ``category``,
    ``mode``, ``level``). ``period`` is required, because ``all`` repeats ``before`` + ``after``.
``stated[measure=codes_non_cooperation]``
    A total the thesis states (``data/published/totals.csv``). Used only where no cell can say it.
``a|b`` in a filter selects several values (``period=before|after``). A key left out is summed
over every value of the vocabulary, and *every* such cell must be published; a sum over a
partly published grid is refused rather than silently short.

Functions: ``sum(x, ...)``, ``diff(x, y)`` (x - y), ``share(part, whole)`` (percent),
``change(before, after)`` (relative change in percent), ``rank(selector, key)`` (competition
rank of the selected cell among its siblings that differ only in ``key``, largest first),
``count(selector, key, ...)`` (number of distinct ``key`` combinations the selector spans),
``growing(selector, key, ...)`` (how many of those combinations have more ``after`` than
``before``) and ``unpublished('reason')`` (a statement no published cell can check).

Verdicts: ``agrees`` (counts and ranks equal; percentages within half a unit of the last printed
digit, i.e. 0.05 points for one decimal), ``disagrees`` (with the difference) or
``not recomputable`` (with the reason).
"""

from __future__ import annotations

import csv
import itertools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kzperception import paths
from kzperception.analysis.measures import change, share
from kzperception.data.counts import Counts, published_totals, published_where
from kzperception.data.vocabulary import CATEGORIES, COOPERATION_ONLY, COUNTRIES, LEVELS, MODES, PERIODS, WEBSITES

STATEMENTS = paths.PUBLISHED / "statements.csv"
STATEMENT_COLUMNS: tuple[str, ...] = ("id", "where", "subject", "value", "unit", "expr")
UNITS: tuple[str, ...] = ("count", "percent", "rank")
VERDICTS: tuple[str, ...] = ("agrees", "disagrees", "not recomputable")
#: Statements the audit appendix discusses by name (their printed and recomputed values are glued).
DISCUSSED: tuple[str, ...] = ("6.2-18", "6.2-46", "6.3.1-01", "6.3.1-02", "6.3.1-03", "6.3.1-05", "6.3.1-07",
                              "6.3.1-08", "6.3.1-09")

#: The keys each table accepts and the values each key may take.
TABLE_KEYS: dict[str, dict[str, tuple[str, ...]]] = {
    "reports": {"country": COUNTRIES, "website": WEBSITES, "period": PERIODS},
    "codes": {
        "country": COUNTRIES, "period": (*PERIODS, "all"), "category": CATEGORIES,
        "mode": MODES, "level": LEVELS,
    },
}
FUNCTIONS: dict[str, tuple[int, int | None]] = {  # name -> (min args, max args)
    "sum": (1, None), "diff": (2, 2), "share": (2, 2), "change": (2, 2),
    "rank": (2, 2), "count": (2, None), "growing": (2, None), "unpublished": (1, 1),
}


class ExprError(ValueError):
    """An expression that does not parse or names an unknown table, key, value or function."""


class NotRecomputable(Exception):
    """The published counts cannot say this number; ``reason`` says why."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


# --- syntax -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Text:
    value: str


@dataclass(frozen=True)
class Key:
    name: str


@dataclass(frozen=True)
class Select:
    table: str
    filters: tuple[tuple[str, tuple[str, ...]], ...]

    def get(self, key: str) -> tuple[str, ...] | None:
        return dict(self.filters).get(key)

    def with_filter(self, key: str, values: tuple[str, ...]) -> Select:
        kept = tuple((k, v) for k, v in self.filters if k != key)
        return Select(self.table, (*kept, (key, values)))


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


Node = Num | Text | Key | Select | Call

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<name>[a-z_][a-z0-9_]*)|'(?P<text>[^']*)'|(?P<punct>[\[\](),=|]))"
)


def tokenize(text: str) -> list[tuple[str, str]]:
    """Split an expression into ``(kind, text)`` tokens; anything else is an error with its position."""
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ExprError(f"unexpected character {text[pos:].lstrip()[:1]!r} at {pos} in {text!r}")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


class _Parser:
    """Recursive descent over the token list: ``expr := NUMBER | TEXT | NAME ('[' filters ']' | '(' args ')')?``."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, kind: str, value: str | None = None) -> str:
        tok = self.peek()
        if tok is None or tok[0] != kind or (value is not None and tok[1] != value):
            want = value or kind
            got = "end of expression" if tok is None else repr(tok[1])
            raise ExprError(f"expected {want!r}, got {got} in {self.text!r}")
        self.i += 1
        return tok[1]

    def at(self, value: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[0] == "punct" and tok[1] == value

    def parse(self) -> Node:
        node = self.expr()
        if self.peek() is not None:
            raise ExprError(f"unexpected {self.peek()[1]!r} after a complete expression in {self.text!r}")
        return node

    def expr(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise ExprError(f"empty expression in {self.text!r}")
        if tok[0] == "number":
            return Num(float(self.take("number")))
        if tok[0] == "text":
            return Text(self.take("text"))
        name = self.take("name")
        if self.at("["):
            return self.selector(name)
        if self.at("("):
            return self.call(name)
        return Key(name)

    def selector(self, table: str) -> Select:
        self.take("punct", "[")
        filters: list[tuple[str, tuple[str, ...]]] = []
        while not self.at("]"):
            if filters:
                self.take("punct", ",")
            key = self.take("name")
            self.take("punct", "=")
            values = [self.take("name")]
            while self.at("|"):
                self.take("punct", "|")
                values.append(self.take("name"))
            filters.append((key, tuple(values)))
        self.take("punct", "]")
        return Select(table, tuple(filters))

    def call(self, name: str) -> Call:
        self.take("punct", "(")
        args: list[Node] = []
        while not self.at(")"):
            if args:
                self.take("punct", ",")
            args.append(self.expr())
        self.take("punct", ")")
        return Call(name, tuple(args))


def _check(node: Node, top: bool = True) -> None:
    """Refuse unknown tables, keys, values and functions, and arguments of the wrong kind."""
    if isinstance(node, Key):
        if top:
            raise ExprError(f"a bare name ({node.name!r}) is only allowed as a grouping key of a function")
        return
    if isinstance(node, Text) and top:
        raise ExprError("a quoted text is only allowed as the reason of unpublished()")
    if isinstance(node, Select):
        if node.table == "stated":
            if [k for k, _ in node.filters] != ["measure"] or len(node.filters[0][1]) != 1:
                raise ExprError("stated[...] takes exactly one filter: measure=<name>")
            return
        if node.table not in TABLE_KEYS:
            raise ExprError(f"unknown table {node.table!r} (reports, codes, stated)")
        allowed = TABLE_KEYS[node.table]
        seen = set()
        for key, values in node.filters:
            if key not in allowed:
                raise ExprError(f"{node.table}: unknown key {key!r} (one of {', '.join(allowed)})")
            if key in seen:
                raise ExprError(f"{node.table}: key {key!r} given twice")
            seen.add(key)
            for v in values:
                if v not in allowed[key]:
                    raise ExprError(f"{node.table}: {key}={v!r} is not one of {'|'.join(allowed[key])}")
        if node.table == "codes" and "period" not in seen:
            raise ExprError("codes[...] needs period= (period=all already sums before and after)")
        return
    if isinstance(node, Call):
        if node.name not in FUNCTIONS:
            raise ExprError(f"unknown function {node.name!r} (one of {', '.join(FUNCTIONS)})")
        lo, hi = FUNCTIONS[node.name]
        if len(node.args) < lo or (hi is not None and len(node.args) > hi):
            raise ExprError(f"{node.name}() takes {lo}{'' if hi == lo else '+' if hi is None else f'-{hi}'} "
                            f"arguments, got {len(node.args)}")
        if node.name == "unpublished":
            if not isinstance(node.args[0], Text):
                raise ExprError("unpublished() takes one quoted reason")
            return
        if node.name in ("rank", "count", "growing"):
            sel, keys = node.args[0], node.args[1:]
            if not isinstance(sel, Select) or sel.table not in TABLE_KEYS:
                raise ExprError(f"{node.name}() needs a reports[...] or codes[...] selector first")
            _check(sel, top=False)
            for k in keys:
                if not isinstance(k, Key) or k.name not in TABLE_KEYS[sel.table]:
                    raise ExprError(f"{node.name}(): {k!r} is not a key of {sel.table}")
            if node.name == "rank" and (sel.get(keys[0].name) is None or len(sel.get(keys[0].name)) != 1):
                raise ExprError(f"rank(): the selector must fix {keys[0].name}= to one value")
            if node.name == "growing" and (sel.table != "reports" or sel.get("period") is not None):
                raise ExprError("growing() takes a reports[...] selector without period=")
            return
        for arg in node.args:
            _check(arg, top=False)
            if isinstance(arg, Key | Text):
                raise ExprError(f"{node.name}() takes numbers, selectors or functions, not {arg!r}")


def parse(text: str) -> Node:
    """Parse and check an expression; raises :class:`ExprError` with a one-line message."""
    node = _Parser(text).parse()
    _check(node)
    return node


# --- evaluation ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Value:
    """A recomputed number and the published cells it rests on that are not printed as such."""

    number: float
    derived: frozenset[str] = field(default_factory=frozenset)
    stated: frozenset[str] = field(default_factory=frozenset)

    def join(self, *others: Value, number: float) -> Value:
        d, s = set(self.derived), set(self.stated)
        for o in others:
            d |= o.derived
            s |= o.stated
        return Value(number, frozenset(d), frozenset(s))


@dataclass(frozen=True)
class AuditData:
    """What expressions are evaluated against: the counts frames, stated totals, derived cells."""

    reports: pd.DataFrame
    codes: pd.DataFrame
    stated: dict[str, int] | None
    derived: frozenset[tuple[str, ...]]

    @classmethod
    def from_counts(cls, counts: Counts) -> AuditData:
        """The published counts carry stated totals and derived cells; a rerun has neither."""
        if not counts.is_published:
            return cls(counts.reports, counts.codes, None, frozenset())
        where = published_where()
        basis = where.get("basis", pd.Series("", index=where.index)).fillna("")
        der = where[basis.str.startswith("derived")]
        keys = [k for k in TABLE_KEYS["codes"]]
        derived = frozenset(tuple(str(x) for x in row) for row in der[keys].itertuples(index=False))
        return cls(counts.reports, counts.codes, published_totals(), derived)


def _grid(sel: Select) -> list[tuple[str, ...]]:
    """Every cell the selector spans, in vocabulary order (cross-border has no non-cooperation)."""
    keys = TABLE_KEYS[sel.table]
    axes = [sel.get(k) or keys[k] for k in keys]
    cells = list(itertools.product(*axes))
    if sel.table == "codes":
        names = list(keys)
        ci, mi = names.index("category"), names.index("mode")
        cells = [c for c in cells if not (c[mi] == "non_cooperation" and c[ci] in COOPERATION_ONLY)]
    return cells


def _select(sel: Select, data: AuditData) -> Value:
    if sel.table == "stated":
        measure = sel.filters[0][1][0]
        if data.stated is None:
            raise NotRecomputable("a total stated by the thesis; a rerun has no stated totals")
        if measure not in data.stated:
            raise NotRecomputable(f"the thesis states no total named {measure!r}")
        return Value(float(data.stated[measure]), stated=frozenset({measure}))
    frame = data.reports if sel.table == "reports" else data.codes
    keys = list(TABLE_KEYS[sel.table])
    lookup = {tuple(str(x) for x in row[:-1]): int(row[-1])
              for row in frame[[*keys, "n"]].itertuples(index=False)}
    cells = _grid(sel)
    missing = [c for c in cells if c not in lookup]
    if missing:
        partial = sum(lookup[c] for c in cells if c in lookup)
        found = f"; the {len(cells) - len(missing)} published sum to {partial}" if len(missing) < len(cells) else ""
        raise NotRecomputable(
            f"{len(missing)} of {len(cells)} {sel.table} cells not published "
            f"(e.g. {'/'.join(missing[0])}){found}"
        )
    derived = frozenset("/".join(c) for c in cells if c in data.derived)
    return Value(float(sum(lookup[c] for c in cells)), derived=derived)


def evaluate(node: Node | str, data: AuditData) -> Value:
    """The value of an expression; raises :class:`NotRecomputable` when the counts cannot say it."""
    if isinstance(node, str):
        node = parse(node)
    if isinstance(node, Num):
        return Value(node.value)
    if isinstance(node, Select):
        return _select(node, data)
    if not isinstance(node, Call):
        raise ExprError(f"cannot evaluate {node!r} on its own")
    name, args = node.name, node.args
    if name == "unpublished":
        raise NotRecomputable(args[0].value)
    if name in ("rank", "count", "growing"):
        return _grouped(name, args[0], [k.name for k in args[1:]], data)
    vals = [evaluate(a, data) for a in args]
    first, rest = vals[0], vals[1:]
    if name == "sum":
        return first.join(*rest, number=math.fsum(v.number for v in vals))
    if name == "diff":
        return first.join(*rest, number=first.number - rest[0].number)
    if name == "share":
        return first.join(*rest, number=share(first.number, rest[0].number))
    return first.join(*rest, number=change(first.number, rest[0].number))


def _grouped(name: str, sel: Select, keys: list[str], data: AuditData) -> Value:
    combos = sorted({tuple(cell[list(TABLE_KEYS[sel.table]).index(k)] for k in keys) for cell in _grid(sel)},
                    key=lambda combo: [TABLE_KEYS[sel.table][k].index(v) for k, v in zip(keys, combo, strict=True)])
    if name == "count":
        return Value(float(len(combos)))
    if name == "growing":
        grows, parts = 0, []
        for combo in combos:
            base = sel
            for k, v in zip(keys, combo, strict=True):
                base = base.with_filter(k, (v,))
            before = _select(base.with_filter("period", ("before",)), data)
            after = _select(base.with_filter("period", ("after",)), data)
            grows += after.number > before.number
            parts += [before, after]
        return Value(0).join(*parts, number=float(grows))
    key = keys[0]
    own = _select(sel, data)
    siblings, missing = [], []
    for v in TABLE_KEYS[sel.table][key]:
        try:
            siblings.append(_select(sel.with_filter(key, (v,)), data))
        except NotRecomputable:
            missing.append(v)
    if missing:
        raise NotRecomputable(
            f"a rank needs all {len(TABLE_KEYS[sel.table][key])} values of {key}; "
            f"{len(missing)} not published here ({', '.join(missing)})"
        )
    rank = 1 + sum(s.number > own.number for s in siblings)
    return own.join(*siblings, number=float(rank))


# --- statements and verdicts --------------------------------------------------------------------

def decimals(printed: str) -> int:
    """Digits after the decimal point as printed (``"52.8"`` -> 1, ``"48"`` -> 0)."""
    return len(printed.split(".")[1]) if "." in printed else 0


def judge(printed: str, unit: str, recomputed: float) -> tuple[str, float]:
    """Verdict and signed difference (recomputed minus printed) for one statement.

    Counts and ranks must be equal. A percentage agrees when it lies within half a unit of its
    last printed digit (0.05 points for one decimal), i.e. when it is the recomputed share rounded.
    """
    value = float(printed)
    diff = recomputed - value
    if unit == "percent":
        tolerance = 0.5 * 10 ** -decimals(printed) + 1e-9
        return ("agrees" if abs(diff) <= tolerance else "disagrees"), diff
    return ("agrees" if recomputed == value else "disagrees"), diff


def load_statements(path: str | Path = STATEMENTS) -> pd.DataFrame:
    """The statements file, every value kept as printed (text), every expression checked."""
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    problems = []
    if rows and tuple(rows[0]) != STATEMENT_COLUMNS:
        problems.append(f"{path.name}:1: header: expected {','.join(STATEMENT_COLUMNS)}")
    seen: set[str] = set()
    for i, row in enumerate(rows, start=2):
        if row["id"] in seen:
            problems.append(f"{path.name}:{i}: id: duplicate {row['id']!r}")
        seen.add(row["id"])
        if row["unit"] not in UNITS:
            problems.append(f"{path.name}:{i}: unit: {row['unit']!r} not one of {'|'.join(UNITS)}")
        if not re.fullmatch(r"\d+(\.\d+)?", row["value"] or ""):
            problems.append(f"{path.name}:{i}: value: {row['value']!r} is not a number as printed")
        if len((row["where"] or "").split()) > 14:
            problems.append(f"{path.name}:{i}: where: keep the locator short")
        try:
            parse(row["expr"] or "")
        except ExprError as err:
            problems.append(f"{path.name}:{i}: expr: {err}")
    if problems:
        raise ExprError("\n".join(problems))
    return pd.DataFrame(rows, columns=list(STATEMENT_COLUMNS))


def _describe(verdict: str, unit: str, diff: float) -> str:
    if verdict != "disagrees":
        return ""
    suffix = " points" if unit == "percent" else ""
    return f"{diff:+.1f}{suffix}" if unit == "percent" else f"{diff:+.0f}"


def audit_statement(expr: str, printed: str, unit: str, data: AuditData) -> dict[str, object]:
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
    return {"recomputed": v.number, "verdict": verdict, "difference": _describe(verdict, unit, diff),
            "note": "; ".join(notes)}


def audit_table(counts: Counts, statements: pd.DataFrame | None = None,
                rerun: Counts | None = None) -> pd.DataFrame:
    """Every statement with its recomputed value and verdict (and a rerun's value beside it)."""
    statements = load_statements() if statements is None else statements
    data = AuditData.from_counts(counts)
    rows = []
    for st in statements.itertuples(index=False):
        row = {"id": st.id, "where": st.where, "subject": st.subject, "printed": st.value, "unit": st.unit,
               "expr": st.expr}
        row.update(audit_statement(st.expr, st.value, st.unit, data))
        rows.append(row)
    out = pd.DataFrame(rows)
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
    """Statements per verdict (``n_agrees``, ``n_disagrees``, ``n_not_recomputable``) and related totals."""
    facts = {"n_statements": len(table)}
    for v in VERDICTS:
        facts["n_" + v.replace(" ", "_")] = int((table["verdict"] == v).sum())
    agrees = table["verdict"] == "agrees"
    facts["n_agrees_derived"] = int((agrees & table["note"].str.contains("derived")).sum())
    facts["n_agrees_stated"] = int((agrees & table["note"].str.contains("stated")).sum())
    for unit in UNITS:
        facts[f"n_{unit}_statements"] = int((table["unit"] == unit).sum())
    facts["n_sections"] = table["where"].str.extract(r"^(\d(?:\.\d)*)")[0].nunique()
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
    """The audit table for the page: recomputed values as text (counts whole, percentages to 2 decimals)."""
    out = table.copy()

    def show(value: float, unit: str) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        return f"{value:.2f}" if unit == "percent" else f"{value:.0f}"

    for col in [c for c in ("recomputed", "rerun") if c in out.columns]:
        out[col] = [show(v, u) for v, u in zip(out[col], out["unit"], strict=True)]
    return out


# --- readings -----------------------------------------------------------------------------------

def readings_table(counts: Counts) -> pd.DataFrame:
    """Every reading the chapters choose from ``counts``: its key, its wording, the numbers it rests on, its rule.

    The same functions the chapters glue (:mod:`kzperception.analysis.readings`), applied to the
    counts the book was built on, so a reader can check each interpreted sentence against its
    numbers, and a rerun shows where its wording parts from the thesis's.
    """
    from kzperception.analysis import readings as rd

    partners = [c for c in COUNTRIES if (counts.reports["country"] == c).any()]
    found: list[rd.Reading] = [*rd.report_readings(counts), rd.lead_across_the_pivot(counts)]
    found += [rd.common_leader(counts, level) for level in LEVELS]
    for cat in CATEGORIES:
        found.append(rd.main_versus_secondary(counts, cat))
        for a, b in itertools.combinations(partners, 2):
            found.append(rd.partner_share_contrast(counts, cat, a, b))
        for p in partners:
            found.append(rd.period_shift(counts, p, cat))

    def numbers(r: rd.Reading) -> str:
        return "; ".join(f"{k} = {_number(v)}" for k, v in r.rests_on.items())

    return pd.DataFrame({"reading": [r.key for r in found], "wording": [r.text for r in found],
                         "rests on": [numbers(r) for r in found], "rule": [r.rule for r in found]})


def _number(v: float) -> str:
    if isinstance(v, float) and math.isnan(v):
        return "unknown"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:.3f}" if abs(v) < 1 else f"{v:.1f}"
    return str(int(v))
