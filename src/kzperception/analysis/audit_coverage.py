"""Does the audit cover every number the thesis prints in sections 6.2-6.3.3?

Every number in those sections, in digits or as a word up to ten, is one of three things:

- a **statement** of ``statements.csv``: one with the same value whose locator (the few words in
  ``where``) is found in the same section within :data:`NEAR` characters of the number;
- a number a **rule** sets aside, each with its reason (:data:`RULES`: years, period labels,
  dates, labels of figures and tables, section numbers);
- a number listed in ``data/published/not_audited.csv`` with the passage it stands in and the
  reason it is not audited (inside a quoted report, "one" in "one of many", ...).

The thesis text is not part of the repository, so the functions take it as a string; the test
runs them on the seed when it is present. Russian passages in square brackets are skipped (they
repeat the English quotations).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kzperception import paths
from kzperception.analysis.audit_lang import read_rows

NOT_AUDITED = paths.PUBLISHED / "not_audited.csv"
NOT_AUDITED_COLUMNS: tuple[str, ...] = ("section", "value", "passage", "reason")
#: The sections the audit covers, and 6.1 for its footnote on the share of non-cooperation codes.
SECTIONS: tuple[str, ...] = ("6.1", "6.2", "6.3", "6.3.1", "6.3.2", "6.3.3")
AUDITED_SECTIONS: tuple[str, ...] = ("6.2", "6.3", "6.3.1", "6.3.2", "6.3.3")
#: How far (characters) a statement's locator may sit from the number it covers.
NEAR = 200
WORDS: dict[str, int] = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_NUMBER = re.compile(r"(?<![\w.,])(\d+(?:\.\d+)?)(?![\w])|\b(" + "|".join(WORDS) + r")\b", re.IGNORECASE)
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
#: Numbers set aside by their form, each with the reason; group ``n`` of the pattern is the number.
RULES: tuple[tuple[str, str, str], ...] = (
    ("year", r"(?<!\d)(?P<n>(?:19|20)\d\d)(?!\d)", "a year (of an event, of a cited source, or in a period label)"),
    ("period label", r"(?:19|20)\d\d[–-](?P<n>\d\d)(?!\d)", "the second half of a period label such as 2020–22"),
    (
        "date",
        rf"{_MONTH} (?P<n>\d{{1,2}})(?:[–-](?P<m>\d{{1,2}}))?(?=,)",
        "a day of a date; dates of cited reports are checked against the register",
    ),
    ("label", r"(?:Figure|Table) (?P<n>\d+)", "the label of a figure or a table"),
    ("section", r"(?P<n>\d\.\d)(?:\.\d)? [A-Z]", "a section number"),
)


@dataclass(frozen=True)
class Occurrence:
    """A number printed in a section: where (character offset), its value and the text around it."""

    section: str
    pos: int
    value: float
    raw: str
    context: str


def normalise(text: str) -> str:
    """The form locators are written against: whitespace collapsed, Markdown emphasis removed."""
    return " ".join(text.split()).replace("*", "")


def thesis_sections(text: str) -> dict[str, str]:
    """The body text of each section in :data:`SECTIONS` (after the table of contents), normalised."""
    lines = text.splitlines()
    heads: dict[str, int] = {}
    names = [*SECTIONS, "7."]
    start = next(
        (i for i, line in enumerate(lines) if line.startswith("1.1 ") and "....." not in line and "\t" not in line), 0
    )
    for i, line in enumerate(lines[start:], start=start):
        m = re.match(r"^(\d(?:\.\d)*\.?) \S", line)
        if m and m.group(1) in names and m.group(1) not in heads:
            heads[m.group(1)] = i
    out = {}
    for a, b in itertools.pairwise(names):
        if a in heads and b in heads:
            out[a] = normalise(" ".join(lines[heads[a] + 1 : heads[b]]))
    return out


def _blank_russian(text: str) -> str:
    """Square-bracketed passages holding Cyrillic, blanked to spaces (offsets are kept)."""
    return re.sub(r"\[[^\]]*[А-Яа-яЁё][^\]]*\]", lambda m: " " * len(m.group(0)), text)


def occurrences(section: str, text: str) -> list[Occurrence]:
    """Every number printed in a section's English text, in digits or as a word."""
    plain = _blank_russian(text)
    out = []
    for m in _NUMBER.finditer(plain):
        raw = m.group(0)
        value = float(m.group(1)) if m.group(1) else float(WORDS[raw.lower()])
        out.append(Occurrence(section, m.start(), value, raw, text[max(0, m.start() - 40) : m.end() + 40]))
    return out


def rule_for(occ: Occurrence, text: str) -> str | None:
    """The name of the rule that sets a number aside, if any."""
    lo = max(0, occ.pos - 30)
    for name, pattern, _ in RULES:
        for m in re.finditer(pattern, text[lo : occ.pos + 30]):
            starts = [m.start(g) for g in ("n", "m") if g in m.re.groupindex and m.group(g) is not None]
            if lo + min(starts, default=-1) == occ.pos or any(lo + st == occ.pos for st in starts):
                return name
    return None


def locator(where: str) -> tuple[str, str]:
    """``("6.3.1", "out of eight in the main")`` from a ``where``; a leading "footnote 3, " or
    "Table 1, " names the place and is not part of the quoted words."""
    section, _, words = (where or "").partition(": ")
    return section.strip(), re.sub(r"^(?:footnote|Table) \d+, ", "", words.strip())


def load_not_audited(path: str | Path = NOT_AUDITED) -> pd.DataFrame:
    """The numbers deliberately left out of the audit, each with its passage and reason."""
    path = Path(path)
    rows, problems = read_rows(path, NOT_AUDITED_COLUMNS)
    for i, row in enumerate(rows, start=2):
        if row["section"] not in AUDITED_SECTIONS:
            problems.append(f"{path.name}:{i}: section: {row['section']!r} is not one the audit covers")
        if not row["reason"].strip():
            problems.append(f"{path.name}:{i}: reason: say why the number is not audited")
        if row["value"].lower() not in WORDS and not re.fullmatch(r"\d+(\.\d+)?", row["value"]):
            problems.append(f"{path.name}:{i}: value: {row['value']!r} is not a number as printed")
        elif row["value"] not in row["passage"]:
            problems.append(f"{path.name}:{i}: passage: does not contain {row['value']!r}")
    if problems:
        raise ValueError("\n".join(problems))
    return pd.DataFrame(rows, columns=list(NOT_AUDITED_COLUMNS))


def _spans(text: str, words: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(re.escape(words), text)] if words else []


def coverage(sections: dict[str, str], statements: pd.DataFrame, not_audited: pd.DataFrame) -> pd.DataFrame:
    """Every number of the audited sections with how it is covered: ``statement`` (with its id),
    ``rule`` (with its name), ``not audited`` (with its passage) or ``uncovered``."""
    located: dict[str, list[tuple[float, str, list[tuple[int, int]]]]] = {}
    for st in statements.itertuples(index=False):
        sec, words = locator(st.where)
        if sec in sections:
            located.setdefault(sec, []).append((float(st.value), st.id, _spans(sections[sec], words)))
    rows = []
    for sec in AUDITED_SECTIONS:
        text = sections.get(sec, "")
        listed = [
            (float(WORDS.get(r.value.lower(), 0) or r.value), r.passage, _spans(text, r.passage))
            for r in not_audited[not_audited["section"] == sec].itertuples(index=False)
        ]
        for occ in occurrences(sec, text):
            how, by = "uncovered", ""
            hits = [
                sid
                for value, sid, spans in located.get(sec, [])
                if value == occ.value and any(a - NEAR <= occ.pos <= b + NEAR for a, b in spans)
            ]
            rule = rule_for(occ, text)
            passage = next(
                (p for value, p, spans in listed if value == occ.value and any(a <= occ.pos < b for a, b in spans)),
                None,
            )
            if hits:
                how, by = "statement", " ".join(hits)
            elif rule:
                how, by = "rule", rule
            elif passage is not None:
                how, by = "not audited", passage
            rows.append(
                {"section": sec, "pos": occ.pos, "number": occ.raw, "how": how, "by": by, "context": occ.context}
            )
    return pd.DataFrame(rows, columns=["section", "pos", "number", "how", "by", "context"])


def locator_problems(sections: dict[str, str], statements: pd.DataFrame) -> list[str]:
    """Statements whose locator words are not in their section of the thesis."""
    out = []
    for st in statements.itertuples(index=False):
        sec, words = locator(st.where)
        if sec not in sections or words not in sections[sec]:
            out.append(f"{st.id}: {st.where!r} not found in section {sec}")
    return out


def not_audited_facts(not_audited: pd.DataFrame) -> dict[str, int]:
    """How many numbers are left out by name and how many rules set numbers aside, for the prose."""
    return {"n_not_audited": len(not_audited), "n_coverage_rules": len(RULES)}
