"""The thesis's statements about particular reports, checked against the register's texts.

Sections 6.3.1-6.3.3 say things about reports that no count can check: when a report appeared,
who met whom, what it calls an event, which codes it carries, that the reports of a kind all (or
only one of them) mention the war. The register (``data/register``) holds the reports the thesis
cites, with their Russian titles and the passages it quotes, so some of these statements can be
checked there. ``data/published/register_checks.csv`` lists them, one check each:

``date``
    the report's publication date begins with ``expect`` (``2022-01-08``, ``2022-09``);
``period``
    the report falls ``before`` or ``after`` the pivot of the thesis window;
``text``
    the report's Russian title or quoted passage contains ``terms``: groups joined by ``&`` must
    all be present, alternatives within a group are joined by ``|`` (case-insensitive substrings);
``codes``
    the report carries exactly the codes in ``terms`` (``category/mode/level`` joined by ``|``),
    a check that two passages of the thesis describe the report alike;
``count``
    among the register reports of a selection (``reports`` as ``key=value`` pairs: country,
    period, category, mode, level), how many contain ``terms``; ``expect`` is ``all``, ``none``,
    ``=N``, ``<=N`` or ``>=N``.

Verdicts: ``agrees``; ``disagrees`` when the register contradicts the statement (another date,
another code, more reports than "only one"); ``not confirmed`` when the register cannot show it:
it holds only the passages the thesis quotes and only the reports it cites, so a missing word or
a missing report is no evidence against the thesis.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from kzperception import paths
from kzperception.analysis.audit_lang import read_rows
from kzperception.data.register import Register, default_register, select
from kzperception.data.window import THESIS_WINDOW, Window

CHECKS = paths.PUBLISHED / "register_checks.csv"
CHECK_COLUMNS: tuple[str, ...] = ("id", "where", "claim", "check", "reports", "terms", "expect")
KINDS: tuple[str, ...] = ("date", "period", "text", "codes", "count")
REGISTER_VERDICTS: tuple[str, ...] = ("agrees", "disagrees", "not confirmed")
SELECTION_KEYS: tuple[str, ...] = ("country", "period", "category", "mode", "level")
_EXPECT_COUNT = re.compile(r"^(all|none|(=|<=|>=)\d+)$")


class CheckError(ValueError):
    """A register check that is malformed (unknown kind, bad expectation, unknown selection key)."""


def load_checks(path: str | Path = CHECKS) -> pd.DataFrame:
    """The register checks, every problem reported as ``file:row: field: problem``."""
    path = Path(path)
    rows, problems = read_rows(path, CHECK_COLUMNS)
    seen: set[str] = set()
    for i, row in enumerate(rows, start=2):
        kind, expect, reports = row.get("check", ""), row.get("expect", ""), row.get("reports", "")
        if row["id"] in seen:
            problems.append(f"{path.name}:{i}: id: duplicate {row['id']!r}")
        seen.add(row["id"])
        if kind not in KINDS:
            problems.append(f"{path.name}:{i}: check: {kind!r} not one of {'|'.join(KINDS)}")
        elif kind == "count":
            if not _EXPECT_COUNT.match(expect):
                problems.append(f"{path.name}:{i}: expect: {expect!r} is not all|none|=N|<=N|>=N")
            for pair in reports.split():
                key = pair.split("=", 1)[0]
                if "=" not in pair or key not in SELECTION_KEYS:
                    problems.append(f"{path.name}:{i}: reports: {pair!r} is not key=value ({'|'.join(SELECTION_KEYS)})")
        else:
            if not reports.split() or "=" in reports:
                problems.append(f"{path.name}:{i}: reports: give the report ids, separated by spaces")
            if kind in ("text", "codes") and not row.get("terms", "").strip():
                problems.append(f"{path.name}:{i}: terms: a {kind} check needs terms")
            if kind == "period" and expect not in ("before", "after"):
                problems.append(f"{path.name}:{i}: expect: {expect!r} is not before|after")
            if kind == "date" and not re.fullmatch(r"\d{4}(-\d{2}){0,2}", expect):
                problems.append(f"{path.name}:{i}: expect: {expect!r} is not an ISO date or its beginning")
    if problems:
        raise CheckError("\n".join(problems))
    return pd.DataFrame(rows, columns=list(CHECK_COLUMNS))


def _text(register: Register, report_id: str) -> str:
    row = register.report(report_id)
    parts = [row.get("title_ru"), row.get("excerpt_ru")]
    return " ".join(str(p) for p in parts if isinstance(p, str)).casefold()


def matches(text: str, terms: str) -> list[str] | None:
    """The terms found in ``text`` (one per ``&`` group), or None when a group has no alternative in it."""
    found = []
    for group in terms.split("&"):
        hit = next((t.strip() for t in group.split("|") if t.strip() and t.strip().casefold() in text), None)
        if hit is None:
            return None
        found.append(hit)
    return found


def _codes(register: Register, report_id: str) -> set[str]:
    c = register.codes_of(report_id)
    return {f"{r.category}/{r.mode}/{r.level}" for r in c.itertuples(index=False)}


def _count_verdict(expect: str, hits: int, total: int) -> str:
    if expect == "all":
        return "agrees" if hits == total and total else "not confirmed"
    if expect == "none":
        return "agrees" if hits == 0 else "disagrees"
    bound = re.match(r"(=|<=|>=)(\d+)", expect)
    if bound is None:  # load_checks refuses such a file; a check built by hand can still carry one
        raise CheckError(f"expect: {expect!r} is not all|none|=N|<=N|>=N")
    op, n = bound[1], int(bound[2])
    if op == ">=":
        return "agrees" if hits >= n else "not confirmed"
    if op == "<=":
        return "agrees" if hits <= n else "disagrees"
    return "agrees" if hits == n else "disagrees" if hits > n else "not confirmed"


def run_check(check, register: Register, window: Window = THESIS_WINDOW) -> dict[str, str]:
    """One check: what the register shows (``found``), the verdict and a note."""
    kind, expect, terms = check.check, check.expect, check.terms
    if kind == "count":
        sel = dict(pair.split("=", 1) for pair in check.reports.split())
        ids = select(window=window, quoted_only=False, register=register, **sel)
        hits = [i for i in ids if not terms or matches(_text(register, i), terms) is not None]
        verdict = _count_verdict(expect, len(hits), len(ids))
        found = f"{len(hits)} of {len(ids)} register reports" + (f" ({', '.join(hits)})" if hits else "")
        note = "" if verdict != "not confirmed" else "the register holds only the reports and passages the thesis cites"
        return {"found": found, "verdict": verdict, "note": note}
    ids = check.reports.split()
    found_in: list[str] = []
    verdicts: list[str] = []
    notes: list[str] = []
    for rid in ids:
        if kind == "date":
            date = register.report(rid)["date"].strftime("%Y-%m-%d")
            found_in.append(f"{rid}: {date}")
            verdicts.append("agrees" if date.startswith(expect) else "disagrees")
        elif kind == "period":
            period = str(window.period(pd.Series([register.report(rid)["date"]])).astype(object).iloc[0])
            found_in.append(f"{rid}: {period}")
            verdicts.append("agrees" if period == expect else "disagrees")
        elif kind == "codes":
            have, want = _codes(register, rid), {t.strip() for t in terms.split("|") if t.strip()}
            found_in.append(f"{rid}: {', '.join(sorted(have))}")
            verdicts.append("agrees" if have == want else "disagrees")
        else:
            hit = matches(_text(register, rid), terms)
            found_in.append(f"{rid}: " + (", ".join(hit) if hit else "not in its title or quoted passage"))
            verdicts.append("agrees" if hit else "not confirmed")
            if not hit and not register.has_excerpt(rid):
                notes.append(f"{rid}: the thesis quotes nothing from it; the register has its title only")
    verdict = "disagrees" if "disagrees" in verdicts else "not confirmed" if "not confirmed" in verdicts else "agrees"
    return {"found": "; ".join(found_in), "verdict": verdict, "note": "; ".join(notes)}


def register_audit(
    register: Register | None = None, window: Window = THESIS_WINDOW, checks: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every register check with what the register shows and its verdict.

    Always on the register and the thesis window: the statements are about the thesis's reports,
    whatever corpus a book is built on.
    """
    register = default_register() if register is None else register
    checks = load_checks() if checks is None else checks
    rows = []
    for c in checks.itertuples(index=False):
        rows.append(
            {
                "id": c.id,
                "section": c.where.split(":", 1)[0],
                "where": c.where,
                "claim": c.claim,
                "check": c.check,
                **run_check(c, register, window),
            }
        )
    return pd.DataFrame(rows, columns=["id", "section", "where", "claim", "check", "found", "verdict", "note"])


def register_facts(table: pd.DataFrame) -> dict[str, int]:
    """Checks per verdict, for the prose: ``n_register_checks``, ``n_register_agrees``, ..."""
    facts = {"n_register_checks": len(table)}
    for v in REGISTER_VERDICTS:
        facts["n_register_" + v.replace(" ", "_")] = int((table["verdict"] == v).sum())
    for row in table.itertuples(index=False):  # counted checks: how many of how many, for the prose
        m = re.match(r"^(\d+) of (\d+) ", row.found) if row.check == "count" else None
        if m:
            key = "r" + re.sub(r"\D", "", row.id)
            facts[f"{key}_hits"], facts[f"{key}_of"] = int(m.group(1)), int(m.group(2))
    return facts
