"""The sites' layouts (``data/sites.yaml``): selectors, URL patterns and endpoints, as data.

The sites change their front ends from time to time; when one does, the fix is an edit of the data
file, and ``kzperception collect --probe`` says which entry no longer matches. The file is read
and validated once (pydantic), and every entry is checked for what it is before a request is made:
a CSS selector must compile, a regular expression must compile (``article_url`` with a named group
``id``), a path template must begin with ``/`` and use only its own placeholders, so an edited copy
can never point the collector at another host or a malformed URL. A problem is one line naming the
file, the physical line and the field.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Literal

import soupsieve
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kzperception import paths
from kzperception.data import yaml_text

from .model import CollectError

#: The default layout file, beside the project's other data.
SITES_FILE = paths.DATA / "sites.yaml"

Status = Literal["verified", "partly", "unverified", "doubtful"]

_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")
_HOST_RE = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")
_FIELD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class LayoutError(CollectError):
    """A layout file that cannot be used: ``file:line: field: problem``."""


class Part(BaseModel):
    """One layout entry: its value, how sure the project is of it, and where it comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: str = Field(min_length=1, max_length=1000)
    status: Status
    source: str = Field(min_length=1)
    #: The number of a paged endpoint's first page (0 or 1): public scrapers of gov.kz disagree,
    #: so it is data. Only the paged parts (``PAGED``) take it; absent, they start at 1.
    first_page: Literal[0, 1] | None = None

    @property
    def first(self) -> int:
        """The first page's number (1 when the layout does not say)."""
        return 1 if self.first_page is None else self.first_page

    def selectors(self) -> list[str]:
        """A selector list split at its top-level commas, each tried in turn (order matters)."""
        return [s.strip() for s in _split_selector_list(self.value)]


# What each part is: a CSS selector list, a regular expression, a path template with the
# placeholders it may use (and must use), or a list of field names.
_KINDS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {
    "listing_page": ("path", frozenset({"page"}), frozenset({"page"})),
    "listing_card": ("css", frozenset(), frozenset()),
    "card_link": ("css", frozenset(), frozenset()),
    "card_date": ("css", frozenset(), frozenset()),
    "article_url": ("regex", frozenset(), frozenset()),
    "article_title": ("css", frozenset(), frozenset()),
    "article_date": ("css", frozenset(), frozenset()),
    "article_body": ("css", frozenset(), frozenset()),
    "graphql": ("path", frozenset(), frozenset()),
    "item_fields": ("fields", frozenset(), frozenset()),
    "news_api": ("path", frozenset({"entity", "page", "size"}), frozenset({"entity", "page"})),
    "report_page": ("path", frozenset({"entity", "id"}), frozenset({"id"})),
    "detail_api": ("path", frozenset({"entity", "id"}), frozenset({"id"})),
    "rss_feed": ("path", frozenset({"entity"}), frozenset({"entity"})),
    "akorda_rss": ("path", frozenset(), frozenset()),
    "session_ticket": ("path", frozenset(), frozenset()),
}
#: The parts that are paged and may say where their numbering starts (``first_page``).
PAGED = frozenset({"listing_page", "graphql", "news_api"})
#: The item fields the gov.kz adapter reads; a layout may ask for more, never fewer.
REQUIRED_FIELDS = ("id", "title", "body", "created_date")


def _split_selector_list(value: str) -> list[str]:
    """Split ``a, b[x="1,2"], c`` at the commas outside brackets, quotes and parentheses."""
    out: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for char in value:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif char == "," and depth == 0:
            out.append("".join(current))
            current = []
            continue
        current.append(char)
    out.append("".join(current))
    return [s for s in out if s.strip()]


def _check_part(name: str, part: Part, kind_of: str | None = None) -> None:
    kind, allowed, required = _KINDS[kind_of or name]
    value = part.value
    if part.first_page is not None and name not in PAGED:
        raise ValueError(f"first_page is for the paged parts only ({', '.join(sorted(PAGED))})")
    if kind == "css":
        for selector in part.selectors():
            try:
                soupsieve.compile(selector)
            except Exception as err:  # soupsieve's SelectorSyntaxError, or a ValueError of its own
                raise ValueError(f"not a CSS selector: {selector!r} ({type(err).__name__})") from None
    elif kind == "regex":
        try:
            compiled = re.compile(value)
        except re.error as err:
            raise ValueError(f"not a regular expression ({err})") from None
        if "id" not in compiled.groupindex:
            raise ValueError("the regular expression needs a named group (?P<id>...) for the article number")
    elif kind == "path":
        if not value.startswith("/") or value.startswith("//") or "\\" in value or re.search(r"\s", value):
            raise ValueError(f"a path on the site must begin with a single '/', without spaces: found {value!r}")
        if re.search(r"(^|/)\.\.?(/|$|\?)", value.split("?")[0] + "?"):
            raise ValueError(f"a path must not contain '.' or '..' segments: found {value!r}")
        try:
            names = {f for _, f, _, _ in string.Formatter().parse(value) if f is not None}
        except ValueError as err:
            raise ValueError(f"not a path template ({err}): found {value!r}") from None
        bad = sorted(names - allowed)
        if bad:
            ok = ", ".join("{" + n + "}" for n in sorted(allowed)) or "none"
            raise ValueError(f"placeholder {{{bad[0]}}} is not one of {ok}")
        missing = sorted(required - names)
        if missing:
            raise ValueError(f"the path needs the placeholder {{{missing[0]}}}")
    elif kind == "fields":
        fields = value.split()
        bad_fields = [f for f in fields if not _FIELD_RE.fullmatch(f)]
        if bad_fields:
            raise ValueError(f"{bad_fields[0]!r} is not a field name")
        lacking = [f for f in REQUIRED_FIELDS if f not in fields]
        if lacking:
            raise ValueError(f"the fields must include {lacking[0]}")


class _Parts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    #: A part whose name means another kind on this site (akorda's ``rss_feed`` has no entity).
    _kind_of: ClassVar[dict[str, str]] = {}

    @model_validator(mode="after")
    def _kinds(self) -> _Parts:
        for name in type(self).model_fields:
            try:
                _check_part(name, getattr(self, name), self._kind_of.get(name))
            except ValueError as err:
                raise ValueError(f"@{name}.value@ {err}") from None
        return self

    def items(self) -> list[tuple[str, Part]]:
        return [(name, getattr(self, name)) for name in type(self).model_fields]


class PresidentParts(_Parts):
    _kind_of: ClassVar[dict[str, str]] = {"rss_feed": "akorda_rss"}

    rss_feed: Part
    listing_page: Part
    listing_card: Part
    card_link: Part
    card_date: Part
    article_url: Part
    article_title: Part
    article_date: Part
    article_body: Part


class GovernmentParts(_Parts):
    graphql: Part
    item_fields: Part
    news_api: Part
    session_ticket: Part
    report_page: Part
    detail_api: Part
    rss_feed: Part


class _Site(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    base_url: str
    hosts: tuple[str, ...] = Field(min_length=1)
    report_id: str
    #: How the site names itself in its pages' headers: a report "titled" so is a selector that
    #: matched the header (the sanity rules of ``sanity``). ``name`` counts too.
    site_names: tuple[str, ...] = ()

    @field_validator("base_url")
    @classmethod
    def _base(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?", value):
            raise ValueError(f"must be http(s)://host[:port] with no path: found {value!r}")
        return value.rstrip("/")

    @field_validator("hosts")
    @classmethod
    def _hosts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for host in value:
            if not _HOST_RE.fullmatch(host):
                raise ValueError(f"{host!r} is not a host name (lower case, no scheme, no port)")
        return value

    @field_validator("report_id")
    @classmethod
    def _report_id(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as err:
            raise ValueError(f"not a regular expression ({err})") from None
        return value

    def id_ok(self, value: str) -> bool:
        """Whether ``value`` has this site's report-id shape (the whole value, nothing around it)."""
        return re.fullmatch(self.report_id, value) is not None


class PresidentLayout(_Site):
    entity: str = Field(pattern=_NAME_RE.pattern)
    parts: PresidentParts


class GovernmentLayout(_Site):
    entities: tuple[str, ...] = Field(min_length=1)
    parts: GovernmentParts

    @field_validator("entities")
    @classmethod
    def _entities(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entity in value:
            if not _NAME_RE.fullmatch(entity):
                raise ValueError(f"{entity!r} is not a gov.kz entity name (e.g. mfa, mti)")
        return value


class _Sites(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    president: PresidentLayout
    government: GovernmentLayout


class Layouts(BaseModel):
    """The whole file: a version and one layout per site."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    sites: _Sites
    path: str = ""

    def site(self, name: str) -> PresidentLayout | GovernmentLayout:
        if name == "president":
            return self.sites.president
        if name == "government":
            return self.sites.government
        raise CollectError(f"--site: {name!r} is not one of president|government")


def load_layouts(path: str | os.PathLike[str] | None = None) -> Layouts:
    """The layouts of ``path`` (default ``data/sites.yaml``), read and validated once per file version."""
    path = Path(path) if path is not None else SITES_FILE
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise LayoutError(f"{path}: layout file missing") from None
    except OSError as err:
        raise LayoutError(f"{path}: cannot be read ({err.strerror or err})") from None
    if not path.is_file():
        raise LayoutError(f"{path}: not a file")
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _load(path: str, _mtime_ns: int, _size: int) -> Layouts:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise LayoutError(f"{path}: not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise LayoutError(f"{path}: cannot be read ({err.strerror or err})") from None
    try:
        node = yaml_text.compose(text)
        raw = yaml_text.load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or type(err).__name__
        raise LayoutError(f"{path}{where}: not a YAML layout file ({problem})") from None
    if not isinstance(raw, dict):
        raise LayoutError(
            f"{path}:1: the file must be a mapping with 'version' and 'sites'; found {type(raw).__name__}"
        )
    try:
        return Layouts.model_validate({**raw, "path": path})
    except ValidationError as err:
        raise LayoutError(_first_error(path, node, err)) from None


def _first_error(path: str, root: yaml.Node | None, err: ValidationError) -> str:
    """``file:line: a.b.c: message (found ...)`` for the first problem pydantic reports."""
    first = err.errors()[0]
    loc = [str(x) for x in first["loc"]]
    message = str(first["msg"]).removeprefix("Value error, ")
    tail = re.match(r"@([\w.]+)@ (.*)", message, re.DOTALL)
    if tail:  # a part's own check names the part it failed on
        loc += tail.group(1).split(".")
        message = tail.group(2)
    line = _line_of(root, loc)
    found = ""
    if (
        first["type"] not in ("value_error", "missing")
        and "input" in first
        and not isinstance(first["input"], Mapping | list | tuple)
    ):
        found = f" (found {str(first['input'])[:80]!r})"
    return f"{path}:{line}: {'.'.join(loc) or 'file'}: {message}{found}"


def _line_of(node: Any, loc: list[str]) -> int:
    """The physical line of the deepest YAML node ``loc`` reaches (1-based)."""
    line = 1
    for key in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            found = next(((k, v) for k, v in node.value if getattr(k, "value", None) == key), None)
            if found is None:
                break
            line = found[0].start_mark.line + 1
            node = found[1]
        elif isinstance(node, yaml.SequenceNode) and key.isdigit() and int(key) < len(node.value):
            node = node.value[int(key)]
            line = node.start_mark.line + 1
        else:
            break
    else:
        if node is not None and not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            line = node.start_mark.line + 1
    return line
