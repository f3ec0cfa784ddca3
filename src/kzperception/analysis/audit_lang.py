"""The audit's expression language: how a number the thesis prints follows from the published counts.

``data/published/statements.csv`` gives each stated number an expression in a tiny language of
its own, parsed and evaluated here, never by Python ``eval``: the statements file is data and
must not be able to run code.

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
Comparisons, for the thesis's "more than", "the only", "down from": ``gt(x, y)``, ``lt(x, y)``,
``eq(x, y)`` and ``and(c, ...)`` give 1 when they hold and 0 when they do not.

A rank needs every sibling; where the thesis publishes only some slot cells, the others are
*bounded* (by the whole-window cell minus the other period's, or by the slot's report count, since
a report carries a category at one level at most once). When the bounds settle the rank it is
given, with the bounded cells named; when they do not, the rank is not recomputable and the reason
gives the range.
"""

from __future__ import annotations

import csv
import functools
import itertools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kzperception.analysis.measures import change, share
from kzperception.data.counts import Counts, published_totals, published_where
from kzperception.data.vocabulary import CATEGORIES, COOPERATION_ONLY, COUNTRIES, LEVELS, MODES, PERIODS, WEBSITES

#: The keys each table accepts and the values each key may take.
TABLE_KEYS: dict[str, dict[str, tuple[str, ...]]] = {
    "reports": {"country": COUNTRIES, "website": WEBSITES, "period": PERIODS},
    "codes": {
        "country": COUNTRIES,
        "period": (*PERIODS, "all"),
        "category": CATEGORIES,
        "mode": MODES,
        "level": LEVELS,
    },
}
FUNCTIONS: dict[str, tuple[int, int | None]] = {  # name -> (min args, max args)
    "sum": (1, None),
    "diff": (2, 2),
    "share": (2, 2),
    "change": (2, 2),
    "rank": (2, 2),
    "count": (2, None),
    "growing": (2, None),
    "unpublished": (1, 1),
    "gt": (2, 2),
    "lt": (2, 2),
    "eq": (2, 2),
    "and": (1, None),
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
        extra = self.peek()
        if extra is not None:
            raise ExprError(f"unexpected {extra[1]!r} after a complete expression in {self.text!r}")
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
            raise ExprError(
                f"{node.name}() takes {lo}{'' if hi == lo else '+' if hi is None else f'-{hi}'} "
                f"arguments, got {len(node.args)}"
            )
        if node.name == "unpublished":
            if not isinstance(node.args[0], Text):
                raise ExprError("unpublished() takes one quoted reason")
            return
        if node.name in ("rank", "count", "growing"):
            sel, keys = node.args[0], node.args[1:]
            if not isinstance(sel, Select) or sel.table not in TABLE_KEYS:
                raise ExprError(f"{node.name}() needs a reports[...] or codes[...] selector first")
            _check(sel, top=False)
            names = []
            for k in keys:
                if not isinstance(k, Key) or k.name not in TABLE_KEYS[sel.table]:
                    raise ExprError(f"{node.name}(): {k!r} is not a key of {sel.table}")
                names.append(k.name)
            fixed = sel.get(names[0])
            if node.name == "rank" and (fixed is None or len(fixed) != 1):
                raise ExprError(f"rank(): the selector must fix {names[0]}= to one value")
            if node.name == "growing" and (sel.table != "reports" or sel.get("period") is not None):
                raise ExprError("growing() takes a reports[...] selector without period=")
            return
        for arg in node.args:
            _check(arg, top=False)
            if isinstance(arg, Key | Text):
                raise ExprError(f"{node.name}() takes numbers, selectors or functions, not {arg!r}")


@functools.lru_cache(maxsize=4096)
def parse(text: str) -> Node:
    """Parse and check an expression; raises :class:`ExprError` with a one-line message.

    Remembered per text: the audit parses each statement's expression several times (its
    constraints, its check, its sums), and the nodes are frozen, so one parse serves them all."""
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
    #: Unpublished cells a rank was settled with by their bounds, not their values.
    bounded: frozenset[str] = field(default_factory=frozenset)

    def join(self, *others: Value, number: float) -> Value:
        d, s, b = set(self.derived), set(self.stated), set(self.bounded)
        for o in others:
            d |= o.derived
            s |= o.stated
            b |= o.bounded
        return Value(number, frozenset(d), frozenset(s), frozenset(b))


@dataclass(frozen=True)
class AuditData:
    """What expressions are evaluated against: the counts frames, stated totals, derived cells."""

    reports: pd.DataFrame
    codes: pd.DataFrame
    stated: dict[str, int] | None
    derived: frozenset[tuple[str, ...]]
    #: The partners a key left out sums over: those the counts have reports for. The thesis's
    #: statements speak of its own partners; a partner added to the project's vocabulary, of which
    #: the published figures know nothing, would otherwise make every such sum "not recomputable".
    #: Empty: the vocabulary's partners.
    countries: tuple[str, ...] = ()

    @classmethod
    def from_counts(cls, counts: Counts) -> AuditData:
        """The published counts carry stated totals and derived cells; a rerun has neither."""
        present = set(counts.reports["country"].astype(str))
        known = [c for c in counts.vocabulary.partner_ids if c in present]
        countries = tuple(known + sorted(present - set(known)))
        if not counts.is_published:
            return cls(counts.reports, counts.codes, None, frozenset(), countries)
        where = published_where()
        basis = where.get("basis", pd.Series("", index=where.index)).fillna("")
        der = where[basis.str.startswith("derived")]
        keys = [k for k in TABLE_KEYS["codes"]]
        derived = frozenset(tuple(str(x) for x in row) for row in der[keys].itertuples(index=False))
        return cls(counts.reports, counts.codes, published_totals(), derived, countries)

    def lookup(self, table: str) -> dict[tuple[str, ...], int]:
        """Each cell of ``table`` (``reports`` or ``codes``) by its keys: built once per table, since an
        audit evaluates hundreds of selectors against the same frames (never changed once read)."""
        cache: dict[str, dict[tuple[str, ...], int]] = self.__dict__.setdefault("_lookups", {})
        if table not in cache:
            frame = self.reports if table == "reports" else self.codes
            keys = list(TABLE_KEYS[table])
            cache[table] = {
                tuple(str(x) for x in row[:-1]): int(row[-1]) for row in frame[[*keys, "n"]].itertuples(index=False)
            }
        return cache[table]

    def sums(self, table: str) -> dict[tuple[str, ...], int]:
        """Each cell of ``table`` by its keys, rows with the same keys summed (:func:`_cell`'s reading)."""
        cache: dict[str, dict[tuple[str, ...], int]] = self.__dict__.setdefault("_sums", {})
        if table not in cache:
            frame = self.reports if table == "reports" else self.codes
            out: dict[tuple[str, ...], int] = {}
            for row in frame[[*TABLE_KEYS[table], "n"]].itertuples(index=False):
                key = tuple(str(x) for x in row[:-1])
                out[key] = out.get(key, 0) + int(row[-1])
            cache[table] = out
        return cache[table]


def _axes(table: str, data: AuditData) -> dict[str, tuple[str, ...]]:
    """The values each key of ``table`` spans: the vocabulary's, with ``data``'s partners for ``country``."""
    return dict(TABLE_KEYS[table]) | ({"country": data.countries} if data.countries else {})


def _grid(sel: Select, data: AuditData) -> list[tuple[str, ...]]:
    """Every cell the selector spans, in vocabulary order (cross-border has no non-cooperation);
    a country left out spans the partners of ``data`` (:attr:`AuditData.countries`)."""
    keys = _axes(sel.table, data)
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
    lookup = data.lookup(sel.table)
    cells = _grid(sel, data)
    missing = [c for c in cells if c not in lookup]
    if missing:
        partial = sum(lookup[c] for c in cells if c in lookup)
        found = f"; the {len(cells) - len(missing)} published sum to {partial}" if len(missing) < len(cells) else ""
        raise NotRecomputable(
            f"{len(missing)} of {len(cells)} {sel.table} cells not published (e.g. {'/'.join(missing[0])}){found}"
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
    if name == "unpublished":  # _check made sure of one Text, a selector and keys below
        reason = args[0]
        raise NotRecomputable(reason.value if isinstance(reason, Text) else repr(reason))
    if name in ("rank", "count", "growing"):
        sel, keys = args[0], [k for k in args[1:] if isinstance(k, Key)]
        if not isinstance(sel, Select) or len(keys) != len(args) - 1:
            raise ExprError(f"{name}() needs a selector and keys; {node!r} was not checked")
        return _grouped(name, sel, [k.name for k in keys], data)
    vals = [evaluate(a, data) for a in args]
    first, rest = vals[0], vals[1:]
    if name == "and":
        return first.join(*rest, number=float(all(v.number == 1 for v in vals)))
    if name in ("gt", "lt", "eq"):
        a, b = first.number, rest[0].number
        holds = a > b if name == "gt" else a < b if name == "lt" else a == b
        return first.join(*rest, number=float(holds))
    if name == "sum":
        return first.join(*rest, number=math.fsum(v.number for v in vals))
    if name == "diff":
        return first.join(*rest, number=first.number - rest[0].number)
    if name == "share":
        return first.join(*rest, number=share(first.number, rest[0].number))
    return first.join(*rest, number=change(first.number, rest[0].number))


def _position(values: tuple[str, ...], value: str) -> int:
    """Where ``value`` stands in ``values`` for sorting; a value not among them comes last."""
    return values.index(value) if value in values else len(values)


def _grouped(name: str, sel: Select, keys: list[str], data: AuditData) -> Value:
    axes = _axes(sel.table, data)
    combos = sorted(
        {tuple(cell[list(axes).index(k)] for k in keys) for cell in _grid(sel, data)},
        # a value the selector fixes need not be among the data's partners (a corpus without Russia)
        key=lambda combo: [_position(axes[k], v) for k, v in zip(keys, combo, strict=True)],
    )
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
    best = 1 + sum(s.number > own.number for s in siblings)
    worst, bounded = best, []
    for v in missing:
        lo, hi = bounds(sel.with_filter(key, (v,)), data)
        if hi is None:
            raise NotRecomputable(
                f"a rank needs all {len(TABLE_KEYS[sel.table][key])} values of {key}; "
                f"{len(missing)} not published here ({', '.join(missing)})"
            )
        best += lo > own.number
        worst += hi > own.number
        bounded.append(f"{v} {lo}-{hi}")
    if best != worst:
        raise NotRecomputable(
            f"rank between {best} and {worst}: {len(missing)} {key} values not published "
            f"here, only bounded ({'; '.join(bounded)})"
        )
    out = own.join(*siblings, number=float(best))
    return Value(out.number, out.derived, out.stated, out.bounded | frozenset(bounded))


def _cell(table: str, cell: tuple[str, ...], data: AuditData) -> int | None:
    """One cell's count (rows with its keys summed), None when the frame has no row for it."""
    return data.sums(table).get(tuple(cell))


def bounds(sel: Select, data: AuditData) -> tuple[int, int | None]:
    """Lowest and highest value an unpublished ``codes`` selector can take (None: no upper bound).

    A published cell is its value. An unpublished slot cell (one period) lies between the
    whole-window cell minus the other period's highest value and the whole-window cell minus the
    other period's lowest; without a whole-window cell, below the slot's report count (a report
    carries a category at one level at most once).
    """
    if sel.table != "codes":
        return 0, None
    names = list(TABLE_KEYS["codes"])
    lo_sum, hi_sum = 0, 0
    for cell in _grid(sel, data):
        c = dict(zip(names, cell, strict=True))
        own = _cell("codes", cell, data)
        if own is not None:
            lo_sum, hi_sum = lo_sum + own, hi_sum + own
            continue
        reports = [
            _cell("reports", (c["country"], w, p), data)
            for w in WEBSITES
            for p in (PERIODS if c["period"] == "all" else (c["period"],))
        ]
        cap = None if any(r is None for r in reports) else sum(r for r in reports if r is not None)
        lo, hi = 0, cap
        if c["period"] in PERIODS:
            other = next(p for p in PERIODS if p != c["period"])
            whole = _cell("codes", tuple({**c, "period": "all"}.values()), data)
            known = _cell("codes", tuple({**c, "period": other}.values()), data)
            other_cap = sum(_cell("reports", (c["country"], w, other), data) or 0 for w in WEBSITES)
            if whole is not None:
                hi = whole - (known or 0) if hi is None else min(hi, whole - (known or 0))
                lo = max(0, whole - (known if known is not None else other_cap))
        if hi is None:
            return 0, None
        lo_sum, hi_sum = lo_sum + lo, hi_sum + hi
    return lo_sum, hi_sum


# --- statements and verdicts --------------------------------------------------------------------


def decimals(printed: str) -> int:
    """Digits after the decimal point as printed (``"52.8"`` -> 1, ``"48"`` -> 0)."""
    return len(printed.split(".")[1]) if "." in printed else 0


def judge(printed: str, unit: str, recomputed: float) -> tuple[str, float]:
    """Verdict and signed difference (recomputed minus printed) for one statement.

    Counts and ranks must be equal. A percentage agrees when it lies within half a unit of its
    last printed digit (0.05 points for one decimal), i.e. when it is the recomputed share rounded.
    A claim (printed as 1: the thesis says it holds) agrees when its comparison holds.
    """
    value = float(printed)
    diff = recomputed - value
    if unit == "percent":
        tolerance = 0.5 * 10 ** -decimals(printed) + 1e-9
        return ("agrees" if abs(diff) <= tolerance else "disagrees"), diff
    return ("agrees" if recomputed == value else "disagrees"), diff


def read_rows(path: Path, columns: tuple[str, ...]) -> tuple[list[dict[str, str]], list[str]]:
    """The rows of one of the audit's CSV files, and a problem if its header is not ``columns``.

    Every file of the audit (statements, readings, register checks, numbers not audited) is read
    as text and reported as ``file:row: field: problem``; this is the part they share.
    """
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    problems = []
    if rows and tuple(rows[0]) != columns:
        problems.append(f"{path.name}:1: header: expected {','.join(columns)}")
    return rows, problems


def expr_problem(path: Path, row: int, expr: str) -> str | None:
    """``file:row: expr: why`` when ``expr`` does not parse, else None."""
    try:
        parse(expr or "")
    except ExprError as err:
        return f"{path.name}:{row}: expr: {err}"
    return None
