"""The codebook (``data/codebook.yaml``) as validated data, and its tables and HTML for the book.

The codebook is what a second coder, or a researcher coding a new corpus, works from: the
categories with their definitions and inclusion rules, the levels and modes, the search terms.
Chapter 6.1 and the methodology chapter show it straight from the file, so the definitions a
reader sees are the ones the coding tools use. A malformed file must fail loudly and precisely,
hence pydantic models and an error that names the field (``categories[cultural].origin``).
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from kzperception import paths
from kzperception.data import yaml_text
from kzperception.data.errors import CodebookError
from kzperception.data.terms import LEVELS, MODE_LABELS, MODES, Id, Label, Partner

if TYPE_CHECKING:
    import pandas as pd  # imported by the table functions only: the vocabulary reads this module at import

Mode = Literal["cooperation", "non_cooperation"]
Level = Literal["main", "secondary"]
Origin = Literal["deductive", "inductive"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Category(_Strict):
    """One code category: what it covers, where it came from, and example reports of the register."""

    id: Id
    label: str = Field(min_length=1)
    #: What tables and charts call it ("Economic" for "Economic cooperation"); the label when absent.
    short_label: Label | None = None
    origin: Origin
    modes: list[Mode] = Field(min_length=1)
    definition: str = Field(min_length=1)
    includes: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)
    keywords_ru: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _modes_allowed(self) -> Category:
        if "cooperation" not in self.modes:
            raise ValueError("modes: every category has a cooperation mode")
        if len(set(self.modes)) != len(self.modes):
            raise ValueError("modes: repeated mode")
        return self

    @property
    def cooperation_only(self) -> bool:
        """True for a category with no non-cooperation variant (the thesis's cross-border)."""
        return "non_cooperation" not in self.modes

    @property
    def table_label(self) -> str:
        """The label tables, charts and sentences use: the short label, else the full one."""
        return self.short_label or self.label


class Codebook(_Strict):
    """The whole codebook file."""

    source: str
    inclusion_rule: str = Field(min_length=1)
    search_terms_ru: dict[str, list[str]]
    origin_rules: dict[Origin, str]
    levels: dict[Level, str]
    modes: dict[Mode, str]
    categories: list[Category] = Field(min_length=1)

    @field_validator("search_terms_ru")
    @classmethod
    def _known_countries(cls, value: dict[str, list[str]], info: ValidationInfo) -> dict[str, list[str]]:
        # The partners the codebook is checked against come with the call (parse_codebook), so a
        # corpus's own partners.yaml can add a partner whose search words its codebook lists.
        known = tuple((info.context or {}).get("partners") or ())
        unknown = sorted(set(value) - set(known)) if known else []
        if unknown:
            raise ValueError(f"unknown country id(s) {', '.join(map(repr, unknown))} ({'|'.join(known)})")
        empty = [c for c, words in value.items() if not words]
        if empty:
            raise ValueError(f"no search terms for {', '.join(empty)}")
        return value

    @field_validator("origin_rules")
    @classmethod
    def _both_origins(cls, value: dict[Origin, str]) -> dict[Origin, str]:
        # Chapter 6.1 quotes the inductive rule, also in a rerun on a corpus's own codebook.
        missing = [o for o in ("deductive", "inductive") if o not in value]
        if missing:
            raise ValueError(f"give the rule of both origins, deductive and inductive (missing: {', '.join(missing)})")
        return value

    @model_validator(mode="after")
    def _unique_categories(self) -> Codebook:
        ids = [c.id for c in self.categories]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"categories: repeated id(s) {', '.join(repeated)}")
        return self

    def category(self, category_id: str) -> Category:
        """One category by id; a KeyError naming the id and the known ids otherwise."""
        for cat in self.categories:
            if cat.id == category_id:
                return cat
        raise KeyError(f"unknown category {category_id!r}; the codebook has {', '.join(c.id for c in self.categories)}")

    @property
    def example_ids(self) -> list[str]:
        return [i for c in self.categories for i in c.examples]


def _loc(loc: tuple[int | str, ...], raw: object) -> str:
    """A pydantic error location as a readable path; list indices of categories become their ids."""
    out: list[str] = []
    node = raw
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            ident = item.get("id") if isinstance(item, dict) and item.get("id") else part
            out[-1] = f"{out[-1]}[{ident}]" if out else f"[{ident}]"
            node = item
        else:
            out.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(out)


def _partner_ids(partners: Sequence[str] | None) -> tuple[str, ...]:
    if partners is not None:
        return tuple(partners)
    from kzperception.data.terms import load_partners

    return tuple(p.id for p in load_partners())


def parse_codebook(raw: object, name: str = "codebook.yaml", partners: Sequence[str] | None = None) -> Codebook:
    """Validate already-parsed YAML; :class:`CodebookError` lists every problem as ``name: field: msg``.

    ``partners`` are the partner ids ``search_terms_ru`` may name (default: the project's
    partners file, or ``$KZP_PARTNERS``); a corpus's codebook is checked against its own partners.
    """
    try:
        return Codebook.model_validate(raw, context={"partners": _partner_ids(partners)})
    except ValidationError as err:
        problems = []
        for e in err.errors():
            where = _loc(tuple(e["loc"]), raw) or "(top level)"
            msg = str(e["msg"]).removeprefix("Value error, ")
            problems.append(f"{name}: {where}: {msg}")
        raise CodebookError(problems) from None


def load_codebook(
    path: str | os.PathLike[str] = paths.CODEBOOK, partners: Sequence[str] | None = None, name: str | None = None
) -> Codebook:
    """Read and validate a codebook file (default ``data/codebook.yaml``).

    ``partners`` as for :func:`parse_codebook`; ``name`` is how problems name the file (default:
    its file name; a corpus's codebook is named by its path, so the researcher knows which one).
    """
    path = Path(path)
    try:
        raw = yaml_text.load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CodebookError([f"{path}: file missing"]) from None
    except UnicodeDecodeError as bad:
        raise CodebookError([f"{name or path.name}: not UTF-8 ({bad.reason} at byte {bad.start})"]) from None
    except OSError as err:  # a folder, no permission: one line, as for every other codebook problem
        raise CodebookError([f"{path}: cannot be read ({err.strerror or err})"]) from None
    except yaml.YAMLError as err:
        raise CodebookError([f"{name or path.name}: not valid YAML ({err})"]) from None
    return parse_codebook(raw, name or path.name, partners)


@lru_cache(maxsize=1)
def default_codebook() -> Codebook:
    """The project's codebook, read once per process."""
    return load_codebook()


def missing_examples(codebook: Codebook, report_ids: set[str] | list[str]) -> list[str]:
    """Example ids that the register does not hold, as ``categories[id].examples: 'x' ...`` lines."""
    known = set(report_ids)
    return [
        f"categories[{c.id}].examples: {i!r} is not a report of the register"
        for c in codebook.categories
        for i in c.examples
        if i not in known
    ]


# --- for the book ------------------------------------------------------------------------------


def _esc(text: str) -> str:
    """A codebook value as HTML text: escaped, and a hidden character (a right-to-left override, a
    zero-width space) shown as its code point, since a corpus's own codebook is the researcher's text."""
    from kzperception.data.hidden_chars import terminal_text

    return html.escape(terminal_text(text), quote=True)


def category_html(category: Category) -> str:
    """A category's card: origin, modes, definition and what it includes (all text escaped)."""
    modes = ", ".join(MODE_LABELS[m] for m in category.modes)
    items = "".join(f"<li>{_esc(x)}</li>" for x in category.includes)
    includes = f"<p><strong>Includes</strong></p><ul>{items}</ul>" if items else ""
    return (
        f'<div class="kzp-category" data-category="{_esc(category.id)}">'
        f"<p><strong>{_esc(category.label)}</strong> · origin: {_esc(category.origin)} · "
        f"modes: {_esc(modes)}</p>"
        f"<p>{_esc(category.definition)}</p>{includes}</div>"
    )


def added_categories(codebook: Codebook, base: Codebook | None = None) -> list[Category]:
    """The categories of ``codebook`` that ``base`` (default: the project's) does not have, in order.

    A corpus's own codebook may add an inductive category; sections 6.1 and 6.3 of its rerun
    (``06-1-code-categories``, ``06-3-coding``, through
    :func:`kzperception.book.views.show_added_categories`) present these with their definitions.
    In the main book, with the project's codebook, there are none.
    """
    known = {c.id for c in (base or default_codebook()).categories}
    return [c for c in codebook.categories if c.id not in known]


@dataclass(frozen=True)
class CodebookChanges:
    """How a codebook differs from a base one (the thesis's), category by category.

    Categories are matched by id, as the corpus's ``codes.csv`` names them: an id only the codebook
    has is *added*, an id only the base has is *dropped*, an id in both under another label (or
    short label) is *renamed*, and one under the same names with another definition or other modes
    is *redefined*. ``kept`` are the categories exactly as the base has them. The order is the
    codebook's (the base's for dropped ones).
    """

    added: tuple[Category, ...] = ()
    #: (the base's category, the codebook's) for each renamed id.
    renamed: tuple[tuple[Category, Category], ...] = ()
    dropped: tuple[Category, ...] = ()
    redefined: tuple[Category, ...] = ()
    kept: tuple[Category, ...] = ()

    def __bool__(self) -> bool:
        """True when the codebooks differ in a category a reader sees: added, renamed, dropped or redefined."""
        return bool(self.added or self.renamed or self.dropped or self.redefined)

    def status(self, category_id: str) -> str:
        """What happened to one category of the codebook, in words for a table cell."""
        if any(c.id == category_id for c in self.added):
            return "added"
        for old, _ in self.renamed:
            if old.id == category_id:
                return f"renamed (the thesis: {old.label})"
        if any(c.id == category_id for c in self.redefined):
            return "redefined"
        return "as in the thesis"


def compare_codebooks(codebook: Codebook, base: Codebook | None = None) -> CodebookChanges:
    """The categories ``codebook`` adds, renames, drops or redefines against ``base`` (default: the project's).

    Why: a corpus's own ``codebook.yaml`` changes what its counts mean; a rerun book says how, in
    chapter 6.1 (:func:`kzperception.book.views.show_codebook_changes`), and includes that chapter
    only when there is something to say (:func:`kzperception.book.rerun.codebook_differs`).
    """
    base = base or default_codebook()
    old = {c.id: c for c in base.categories}
    new_ids = {c.id for c in codebook.categories}
    added, renamed, redefined, kept = [], [], [], []
    for cat in codebook.categories:
        before = old.get(cat.id)
        if before is None:
            added.append(cat)
        elif (cat.label, cat.table_label) != (before.label, before.table_label):
            renamed.append((before, cat))
        elif (cat.definition, tuple(cat.modes)) != (before.definition, tuple(before.modes)):
            redefined.append(cat)
        else:
            kept.append(cat)
    dropped = [c for c in base.categories if c.id not in new_ids]
    return CodebookChanges(tuple(added), tuple(renamed), tuple(dropped), tuple(redefined), tuple(kept))


_SMALL = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


def _count(n: int, singular: str, plural: str) -> str:
    return f"{_SMALL[n] if n < len(_SMALL) else f'{n:,}'} {singular if n == 1 else plural}"


def _names(items: list[str], text: Callable[[str], str]) -> str:
    """``A``, ``A and B``, ``A, B and C``, the joining words passed through ``text``."""
    if len(items) == 1:
        return items[0]
    return text(", ").join(items[:-1]) + text(" and ") + items[-1]


def changes_sentence(
    changes: CodebookChanges, value: Callable[[str], str] = str, text: Callable[[str], str] = str
) -> str:
    """One sentence saying which categories a corpus's codebook adds, renames, drops and redefines.

    The labels come from the codebook file, which is the researcher's text: each goes through
    ``value`` and every word around them through ``text`` (:func:`kzperception.book.views.show_codebook_changes`
    passes HTML escapes, each label isolated in ``<bdi>``); with the defaults, plain text.
    """

    def quoted(label: str) -> str:
        return text("“") + value(label) + text("”")

    def label_of(cat: Category) -> str:
        return quoted(cat.label)

    parts: list[str] = []
    if changes.added:
        n = len(changes.added)
        head = text(f"adds {_count(n, 'category', 'categories')}, ") if n > 1 else text("adds ")
        parts.append(head + _names([label_of(c) for c in changes.added], text))
    if changes.renamed:

        def renaming(pair: tuple[Category, Category]) -> str:
            old, new = pair
            names = (old.label, new.label) if old.label != new.label else (old.table_label, new.table_label)
            return quoted(names[0]) + text(" to ") + quoted(names[1])

        parts.append(text("renames ") + _names([renaming(p) for p in changes.renamed], text))
    if changes.dropped:
        parts.append(text("drops ") + _names([label_of(c) for c in changes.dropped], text))
    if changes.redefined:
        parts.append(
            text("gives ")
            + _names([label_of(c) for c in changes.redefined], text)
            + text(" another definition" if len(changes.redefined) == 1 else " other definitions")
        )
    if not parts:
        return text("This corpus's codebook has the thesis's categories, under the same names and definitions.")
    kept = len(changes.kept)
    tail = (
        f"; its other {_count(kept, 'category is', 'categories are')} the thesis's as they stand."
        if kept
        else "; none of the thesis's categories is kept as it stands."
    )
    return text("Compared with the thesis's codebook, this corpus's codebook ") + _names(parts, text) + text(tail)


def codebook_table(codebook: Codebook, changes: CodebookChanges | None = None) -> pd.DataFrame:
    """One row per category of ``codebook``: the name tables use, the full label, the definition,
    and (with ``changes``) how it compares with the thesis's."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "Category": [c.table_label for c in codebook.categories],
            "Label": [c.label for c in codebook.categories],
            "Definition": [c.definition for c in codebook.categories],
        }
    )
    if changes is not None:
        frame["Against the thesis"] = [changes.status(c.id) for c in codebook.categories]
    return frame


def examples_of(category_id: str, codebook: Codebook | None = None) -> list[str]:
    """The register ids the codebook gives as examples of a category."""
    return list((codebook or default_codebook()).category(category_id).examples)


def overview_table(codebook: Codebook | None = None) -> pd.DataFrame:
    """One row per category: label, origin, modes and the number of example reports."""
    import pandas as pd

    cb = codebook or default_codebook()
    return pd.DataFrame(
        {
            "category": [c.label for c in cb.categories],
            "origin": [c.origin for c in cb.categories],
            "non-cooperation variant": ["yes" if "non_cooperation" in c.modes else "no" for c in cb.categories],
            "examples": [", ".join(c.examples) for c in cb.categories],
        }
    )


def definitions_table(
    kind: Literal["levels", "modes", "origin_rules"], codebook: Codebook | None = None
) -> pd.DataFrame:
    """The codebook's definitions of levels, modes or origins as a two-column table.

    Terms are labels with a capital ("Main", "Non-cooperation"), as every table and chart of the book
    writes them (docs/architecture.md, "Numbers and labels"), never the codebook's ids.
    """
    import pandas as pd

    cb = codebook or default_codebook()
    mapping: dict[str, str] = dict(getattr(cb, kind))
    order = {"levels": LEVELS, "modes": MODES, "origin_rules": ("deductive", "inductive")}[kind]
    keys = [k for k in order if k in mapping]
    return pd.DataFrame(
        {"term": [k.replace("_", "-").capitalize() for k in keys], "meaning": [mapping[k] for k in keys]}
    )


def search_terms(country: str, codebook: Codebook | None = None) -> str:
    """The thesis's Russian search words for a country, comma-separated (``Китай, КНР, Пекин``)."""
    cb = codebook or default_codebook()
    if country not in cb.search_terms_ru:
        raise KeyError(f"no search terms for {country!r} in the codebook")
    return ", ".join(cb.search_terms_ru[country])


def search_terms_table(
    codebook: Codebook | None = None,
    partners: Sequence[Partner] | None = None,
) -> pd.DataFrame:
    """Search words per partner: the thesis's three, plus the forms this project's matcher adds.

    The additions are the partner's ``keywords_ru`` and ``adjectives_ru`` (``data/partners.yaml``,
    default: the vocabulary's partners) that the codebook's ``search_terms_ru`` does not list,
    so the table shows exactly the words ``kzperception collect`` and ``screen`` search for.
    """
    import pandas as pd

    from kzperception.data.vocabulary import Vocabulary

    cb = codebook or default_codebook()
    every = Vocabulary.default().partners if partners is None else partners
    chosen = [p for p in every if p.id in cb.search_terms_ru]
    return pd.DataFrame(
        {
            "country": [p.label for p in chosen],
            "search words (thesis)": [", ".join(cb.search_terms_ru[p.id]) for p in chosen],
            "added by this project's matcher": [
                ", ".join(w for w in (*p.keywords_ru, *p.adjectives_ru) if w not in cb.search_terms_ru[p.id])
                for p in chosen
            ],
        }
    )


def codebook_facts(codebook: Codebook | None = None) -> dict[str, float]:
    """How many categories the codebook has, by origin and mode (the prose glues these)."""
    cb = codebook or default_codebook()
    cats = cb.categories
    return {
        "n_categories": len(cats),
        "n_deductive": sum(c.origin == "deductive" for c in cats),
        "n_inductive": sum(c.origin == "inductive" for c in cats),
        "n_non_cooperation_categories": sum("non_cooperation" in c.modes for c in cats),
        "n_cooperation_only": sum("non_cooperation" not in c.modes for c in cats),
        "n_search_terms": sum(len(v) for v in cb.search_terms_ru.values()),
    }
