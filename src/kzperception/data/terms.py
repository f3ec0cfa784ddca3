"""The vocabulary's items and their checks: partners, websites, periods, modes and levels.

Stateless: nothing here is read at import. :mod:`kzperception.data.vocabulary` builds the
:class:`~kzperception.data.vocabulary.Vocabulary` value from these loaders (the project's files or
a corpus folder's own ``partners.yaml``), and :mod:`kzperception.data.codebook` validates a
codebook's ids with the same rules, so both can import this module without importing each other.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from kzperception import paths
from kzperception.data import yaml_text
from kzperception.data.errors import VocabularyError

PERIODS: tuple[str, ...] = ("before", "after")
MODES: tuple[str, ...] = ("cooperation", "non_cooperation")
LEVELS: tuple[str, ...] = ("main", "secondary")
LEVEL_LABELS = {"main": "Main", "secondary": "Secondary"}
MODE_LABELS = {"cooperation": "cooperation", "non_cooperation": "non-cooperation"}

PARTNERS_FILE = paths.DATA / "partners.yaml"
WEBSITES_FILE = paths.DATA / "websites.yaml"
PARTNERS_ENV = "KZP_PARTNERS"
WEBSITES_ENV = "KZP_WEBSITES"

#: The Okabe-Ito palette (colour-blind safe) without black: default colours, in list order.
PALETTE: tuple[str, ...] = ("#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7")

#: Ids that would collide with the other parts of a glued number's name (``after_all_share``,
#: ``china_before_economic_main``), so neither a partner nor a website may take them.
RESERVED_IDS = frozenset({"all", "before", "after", "main", "secondary", "any", "change", "share", "n", "both"})

_ID_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")
# A label is plain text: letters of any script, digits, blanks and a little punctuation. Nothing
# that MyST, HTML, rich or a spreadsheet reads as markup or a formula (<, [, {, `, *, =, :, |, $).
_LABEL_RE = re.compile(r"[^\W_][\w .,()'’&/–-]{0,79}")
_WORD_RE = re.compile(r"[^\W\d_][\w-]*(?: [^\W\d_][\w-]*)*")
_HOST_RE = re.compile(r"(?=.{1,253}\Z)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+")
_COLOUR_RE = re.compile(r"#[0-9a-fA-F]{6}")


def _id(value: str) -> str:
    if not _ID_RE.fullmatch(value):
        raise ValueError("must be 1-32 lower-case letters, digits or _, starting with a letter")
    if value in RESERVED_IDS:
        raise ValueError(f"is reserved (one of {'|'.join(sorted(RESERVED_IDS))})")
    return value


def _label(value: str) -> str:
    if not _LABEL_RE.fullmatch(value):
        raise ValueError(
            "must be plain text of up to 80 letters, digits, blanks and . , ( ) ' & / - –, "
            "starting with a letter or digit"
        )
    return value


def _word(value: str) -> str:
    if not _WORD_RE.fullmatch(value):
        raise ValueError("must be a word or phrase of letters (and hyphens)")
    return value


def _host(value: str) -> str:
    if not _HOST_RE.fullmatch(value):
        raise ValueError("must be a lower-case host name such as gov.kz")
    return value


def _colour(value: str) -> str:
    if not _COLOUR_RE.fullmatch(value):
        raise ValueError("must be a colour #rrggbb")
    return value.lower()


Id = Annotated[str, AfterValidator(_id)]
Label = Annotated[str, AfterValidator(_label)]
Word = Annotated[str, AfterValidator(_word)]
Host = Annotated[str, AfterValidator(_host)]
Colour = Annotated[str, AfterValidator(_colour)]


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Id
    label: Label
    colour: Colour | None = None


class Partner(_Item):
    """One perceived country: its id, the label a reader sees, its Russian search words, its colour."""

    keywords_ru: tuple[Word, ...] = Field(min_length=1)
    adjectives_ru: tuple[Word, ...] = ()
    abbreviations_ru: tuple[Word, ...] = ()


class Website(_Item):
    """One official website: id, label, the host its report URLs are on, and the name a citation uses."""

    host: Host
    name: Label | None = None

    @property
    def display_name(self) -> str:
        return self.name or self.host


# --- loading -----------------------------------------------------------------------------------


def _lines(text: str) -> dict[tuple[Any, ...], int]:
    """1-based line of every item (``(i,)``), field (``(i, field)``) and list entry (``(i, field, j)``)."""
    out: dict[tuple[Any, ...], int] = {}
    try:
        root = yaml_text.compose(text)
    except yaml.YAMLError:
        return out
    if not isinstance(root, yaml.SequenceNode):
        return out
    for i, item in enumerate(root.value):
        out[(i,)] = item.start_mark.line + 1
        if isinstance(item, yaml.MappingNode):
            for key, value in item.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else None
                out[(i, name)] = key.start_mark.line + 1
                if isinstance(value, yaml.SequenceNode):
                    for j, entry in enumerate(value.value):
                        out[(i, name, j)] = entry.start_mark.line + 1
    return out


def _read(path: Path, what: str) -> tuple[list[Any], dict[tuple[Any, ...], int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise VocabularyError(f"{path}: file missing (the list of {what})") from None
    except (OSError, UnicodeDecodeError) as err:
        raise VocabularyError(f"{path}: cannot be read as UTF-8 text ({type(err).__name__})") from None
    try:
        data = yaml_text.load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or "syntax error"
        raise VocabularyError(f"{path}{line}: not valid YAML ({problem})") from None
    if not isinstance(data, list) or not data:
        found = "nothing" if data is None else f"a {type(data).__name__}"
        raise VocabularyError(f"{path}:1: expected a non-empty YAML list of {what}, found {found}")
    return data, _lines(text)


def _first_error(
    path: Path, i: int, raw: dict[str, Any], err: ValidationError, lines: dict[tuple[Any, ...], int]
) -> VocabularyError:
    e = err.errors(include_url=False)[0]
    loc = tuple(e["loc"])
    field = ".".join(str(x) for x in loc) or "item"
    line = lines.get((i, *loc)) or lines.get((i, *loc[:1])) or lines.get((i,), 1)
    msg = str(e["msg"]).removeprefix("Value error, ")
    if e["type"] == "missing":
        found = "nothing (required field missing)"
    elif e["type"] == "extra_forbidden":
        msg = "unknown field"
        found = repr(loc[0])
    else:
        found = repr(e.get("input"))
    ident = raw.get("id")
    who = f"item {i + 1}" + (f" (id {ident!r})" if isinstance(ident, str) else "")
    return VocabularyError(f"{path}:{line}: {who}: {field}: {msg}; found {found}")


def _load(path: Path, model: type[_Item], what: str) -> tuple[Any, ...]:
    data, lines = _read(path, what)
    items: list[_Item] = []
    seen: dict[str, dict[Any, int]] = {"id": {}, "label": {}, "host": {}}
    for i, raw in enumerate(data):
        if not isinstance(raw, dict):
            raise VocabularyError(
                f"{path}:{lines.get((i,), 1)}: item {i + 1}: expected a mapping with id, label, ...; found {raw!r}"
            )
        try:
            item = model.model_validate(raw)
        except ValidationError as err:
            raise _first_error(path, i, raw, err, lines) from None
        for field, where in seen.items():
            value = getattr(item, field, None)
            if value is None:
                continue
            key = value.casefold() if isinstance(value, str) else value
            if key in where:
                raise VocabularyError(
                    f"{path}:{lines.get((i, field), lines.get((i,), 1))}: item {i + 1} "
                    f"(id {item.id!r}): {field}: duplicate of item {where[key] + 1}; "
                    f"found {value!r}"
                )
            where[key] = i
        items.append(item)
    return tuple(_with_colours(items))


def _with_colours(items: Sequence[_Item]) -> list[_Item]:
    """Give every item without a colour the next palette colour no other item uses."""
    taken = {it.colour for it in items if it.colour}
    free = iter([c for c in PALETTE if c not in taken] + list(PALETTE) * len(items))
    return [it if it.colour else it.model_copy(update={"colour": next(free)}) for it in items]


def _path(path: str | os.PathLike[str] | None, env: str, default: Path) -> Path:
    if path is not None:
        return Path(path)
    chosen = os.environ.get(env)
    return Path(chosen).expanduser() if chosen else default


def partners_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The partners file read: ``path``, else ``$KZP_PARTNERS``, else ``data/partners.yaml``."""
    return _path(path, PARTNERS_ENV, PARTNERS_FILE)


def websites_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The websites file read: ``path``, else ``$KZP_WEBSITES``, else ``data/websites.yaml``."""
    return _path(path, WEBSITES_ENV, WEBSITES_FILE)


def load_partners(path: str | os.PathLike[str] | None = None) -> tuple[Partner, ...]:
    """The partners of ``path`` (default: ``$KZP_PARTNERS``, else ``data/partners.yaml``), checked.

    Raises :class:`VocabularyError` naming file, line, item and field for the first problem.
    """
    return _load(partners_path(path), Partner, "partners")


def load_websites(path: str | os.PathLike[str] | None = None) -> tuple[Website, ...]:
    """The websites of ``path`` (default: ``$KZP_WEBSITES``, else ``data/websites.yaml``), checked."""
    return _load(websites_path(path), Website, "websites")


def check_disjoint(partners: Sequence[Partner], websites: Sequence[Website]) -> None:
    """A partner and a website may not share an id: glued names such as ``china_government_share`` join them."""
    clash = sorted({p.id for p in partners} & {w.id for w in websites})
    if clash:
        raise VocabularyError(f"partners and websites: id {clash[0]!r} is used by both; give one another id")
