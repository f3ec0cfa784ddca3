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
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kzperception import paths
from kzperception.data.vocabulary import (
    CATEGORIES,
    COOPERATION_ONLY,
    COUNTRIES,
    LEVELS,
    MODE_LABELS,
    MODES,
    PARTNERS,
    Partner,
)

Mode = Literal["cooperation", "non_cooperation"]
Level = Literal["main", "secondary"]
Origin = Literal["deductive", "inductive"]


class CodebookError(ValueError):
    """A codebook file that cannot be used; ``problems`` lists every ``file: field: problem``."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Category(_Strict):
    """One code category: what it covers, where it came from, and example reports of the register."""

    id: str
    label: str = Field(min_length=1)
    origin: Origin
    modes: list[Mode] = Field(min_length=1)
    definition: str = Field(min_length=1)
    includes: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)
    keywords_ru: list[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _known_id(cls, value: str) -> str:
        if value not in CATEGORIES:
            raise ValueError(f"{value!r} is not a category of the vocabulary ({'|'.join(CATEGORIES)})")
        return value

    @model_validator(mode="after")
    def _modes_allowed(self) -> Category:
        if self.id in COOPERATION_ONLY and "non_cooperation" in self.modes:
            raise ValueError(f"modes: {self.id!r} has no non-cooperation variant")
        if len(set(self.modes)) != len(self.modes):
            raise ValueError("modes: repeated mode")
        return self


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
    def _known_countries(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted(set(value) - set(COUNTRIES))
        if unknown:
            raise ValueError(f"unknown country id(s) {', '.join(map(repr, unknown))} ({'|'.join(COUNTRIES)})")
        empty = [c for c, words in value.items() if not words]
        if empty:
            raise ValueError(f"no search terms for {', '.join(empty)}")
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


def parse_codebook(raw: object, name: str = "codebook.yaml") -> Codebook:
    """Validate already-parsed YAML; :class:`CodebookError` lists every problem as ``name: field: msg``."""
    try:
        return Codebook.model_validate(raw)
    except ValidationError as err:
        problems = []
        for e in err.errors():
            where = _loc(tuple(e["loc"]), raw) or "(top level)"
            msg = str(e["msg"]).removeprefix("Value error, ")
            problems.append(f"{name}: {where}: {msg}")
        raise CodebookError(problems) from None


def load_codebook(path: str | os.PathLike[str] = paths.CODEBOOK) -> Codebook:
    """Read and validate a codebook file (default ``data/codebook.yaml``)."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CodebookError([f"{path}: file missing"]) from None
    except UnicodeDecodeError as bad:
        raise CodebookError([f"{path.name}: not UTF-8 ({bad.reason} at byte {bad.start})"]) from None
    except OSError as err:  # a folder, no permission: one line, as for every other codebook problem
        raise CodebookError([f"{path}: cannot be read ({err.strerror or err})"]) from None
    except yaml.YAMLError as err:
        raise CodebookError([f"{path.name}: not valid YAML ({err})"]) from None
    return parse_codebook(raw, path.name)


@lru_cache(maxsize=1)
def default_codebook() -> Codebook:
    """The project's codebook, read once per process."""
    return load_codebook()


def missing_examples(codebook: Codebook, report_ids: set[str] | list[str]) -> list[str]:
    """Example ids that the register does not hold, as ``categories[id].examples: 'x' ...`` lines."""
    known = set(report_ids)
    return [f"categories[{c.id}].examples: {i!r} is not a report of the register"
            for c in codebook.categories for i in c.examples if i not in known]


# --- for the book ------------------------------------------------------------------------------


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def category_html(category: Category) -> str:
    """A category's card: origin, modes, definition and what it includes (all text escaped)."""
    modes = ", ".join(MODE_LABELS[m] for m in category.modes)
    items = "".join(f"<li>{_esc(x)}</li>" for x in category.includes)
    includes = f"<p><strong>Includes</strong></p><ul>{items}</ul>" if items else ""
    return (f'<div class="kzp-category" data-category="{_esc(category.id)}">'
            f"<p><strong>{_esc(category.label)}</strong> · origin: {_esc(category.origin)} · "
            f"modes: {_esc(modes)}</p>"
            f"<p>{_esc(category.definition)}</p>{includes}</div>")


def examples_of(category_id: str, codebook: Codebook | None = None) -> list[str]:
    """The register ids the codebook gives as examples of a category."""
    return list((codebook or default_codebook()).category(category_id).examples)


def overview_table(codebook: Codebook | None = None) -> pd.DataFrame:
    """One row per category: label, origin, modes and the number of example reports."""
    cb = codebook or default_codebook()
    return pd.DataFrame({
        "category": [c.label for c in cb.categories],
        "origin": [c.origin for c in cb.categories],
        "non-cooperation variant": ["yes" if "non_cooperation" in c.modes else "no" for c in cb.categories],
        "examples": [", ".join(c.examples) for c in cb.categories],
    })


def definitions_table(kind: Literal["levels", "modes", "origin_rules"],
                      codebook: Codebook | None = None) -> pd.DataFrame:
    """The codebook's definitions of levels, modes or origins as a two-column table."""
    cb = codebook or default_codebook()
    mapping: dict[str, str] = dict(getattr(cb, kind))
    order = {"levels": LEVELS, "modes": MODES, "origin_rules": ("deductive", "inductive")}[kind]
    keys = [k for k in order if k in mapping]
    return pd.DataFrame({"term": [k.replace("_", "-") for k in keys], "meaning": [mapping[k] for k in keys]})


def search_terms(country: str, codebook: Codebook | None = None) -> str:
    """The thesis's Russian search words for a country, comma-separated (``Китай, КНР, Пекин``)."""
    cb = codebook or default_codebook()
    if country not in cb.search_terms_ru:
        raise KeyError(f"no search terms for {country!r} in the codebook")
    return ", ".join(cb.search_terms_ru[country])


def search_terms_table(codebook: Codebook | None = None, partners: Sequence[Partner] | None = None,
                       ) -> pd.DataFrame:
    """Search words per partner: the thesis's three, plus the forms this project's matcher adds.

    The additions are the partner's ``keywords_ru`` and ``adjectives_ru`` (``data/partners.yaml``,
    default: the vocabulary's partners) that the codebook's ``search_terms_ru`` does not list,
    so the table shows exactly the words ``kzperception collect`` and ``screen`` search for.
    """
    cb = codebook or default_codebook()
    chosen = [p for p in (PARTNERS if partners is None else partners) if p.id in cb.search_terms_ru]
    return pd.DataFrame({
        "country": [p.label for p in chosen],
        "search words (thesis)": [", ".join(cb.search_terms_ru[p.id]) for p in chosen],
        "added by this project's matcher": [
            ", ".join(w for w in (*p.keywords_ru, *p.adjectives_ru) if w not in cb.search_terms_ru[p.id])
            for p in chosen],
    })


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
