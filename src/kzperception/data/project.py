"""A book project's settings: the corpus, window and coder its book counts (``kzperception-project.yml``).

``kzperception init`` writes :data:`~kzperception.paths.PROJECT_MARKER` at the top of a book project
(:func:`kzperception.paths.project_root`). Besides marking the folder, the file may name what the
project's book is built on; ``kzperception build`` run inside the project reads it:

- ``corpus``: a corpus folder inside the project, relative to it (``corpus``); left out, the book
  counts the thesis's published figures, as the main book does;
- ``start``, ``pivot``, ``end``: the window (``YYYY-MM-DD``; a date left out is the thesis's);
- ``coder``: whose codes are counted on a corpus with several coders (``--coder`` overrides it).

The file is the researcher's (or anyone's who sent the folder): it is read as untrusted input.
Every problem is refused in one line naming the file, the line and the field, before anything is
written: a key this module does not know (a typo would otherwise be silently ignored), a key given
twice, a value of the wrong type, a date that is not one, a window out of order, a corpus path that
leaves the project (``..``, an absolute path, a link pointing outside) or is not a folder, and a
window or coder without a corpus (the published figures have the thesis's window and one coder).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kzperception import paths
from kzperception.data import yaml_text
from kzperception.data.window import Window, WindowError, parse_date

__all__ = ["MARKER_TEXT", "SETTINGS", "ProjectError", "ProjectSettings", "load_project_settings", "project_settings"]

#: The settings a project file may hold, in the order ``init`` writes them.
SETTINGS = ("corpus", "start", "pivot", "end", "coder")
_DATES = ("start", "pivot", "end")

#: What ``kzperception init`` writes into a new project's marker: what it is, and every setting,
#: commented out, so a researcher finds them where they are used.
MARKER_TEXT = """# A kzperception book project, made by `kzperception init`.
# Every kzperception command run in this folder (or below it) reads the chapters, configuration
# and data here instead of the installed package's. Delete this file to stop that.
#
# What `kzperception build` builds the book on. As it stands (every setting commented out) the book
# counts the thesis's published figures. Name a corpus folder of this project to run the chapters
# that count reports on it instead (the thesis's own chapters keep the thesis's figures):
#
# corpus: corpus          # a folder inside this project, relative to it
# start: 2020-08-24       # the window, YYYY-MM-DD; a date left out is the thesis's
# pivot: 2022-02-24
# end: 2023-08-24
# coder: primary          # whose codes to count when the corpus has several coders
#                         # (a coder's name, or consensus); `kzperception build --coder NAME` overrides it
"""


class ProjectError(ValueError):
    """A project file that cannot be used; the message is one line naming the file, line and field."""


@dataclass(frozen=True)
class ProjectSettings:
    """What a project file says: the corpus (an existing folder inside the project), window and coder."""

    file: Path
    corpus: Path | None = None
    window: Window | None = None
    coder: str | None = None
    #: The line of each setting in the file, for messages about it.
    lines: dict[str, int] = field(default_factory=dict, compare=False)

    def where(self, setting: str) -> str:
        """``FILE:LINE: setting`` (``FILE: setting`` for a setting the file does not hold); a setting
        name holding anything but plain printable ASCII is shown quoted, its escapes visible."""
        line = self.lines.get(setting)
        shown = setting if setting.isascii() and setting.isprintable() else repr(setting)
        return f"{self.file}:{line}: {shown}" if line else f"{self.file}: {shown}"


def project_settings(root: Path | None = None) -> ProjectSettings | None:
    """The settings of the book project at ``root`` (default: the project's root), or None when
    ``root`` is no book project (a checkout, an installed package: no marker file there)."""
    root = paths.ROOT if root is None else root
    marker = root / paths.PROJECT_MARKER
    return load_project_settings(marker) if marker.is_file() else None


def _keys(node: yaml.Node, file: Path) -> tuple[dict[str, int], dict[str, str]]:
    """The top-level keys of a composed mapping with their lines, and each plain value as written
    (a date is checked as typed: YAML would also read ``2020-8-24`` as a date); a key given twice
    is refused."""
    lines: dict[str, int] = {}
    written: dict[str, str] = {}
    if not isinstance(node, yaml.MappingNode):
        return lines, written
    for key, value in node.value:
        name = str(key.value) if isinstance(key, yaml.ScalarNode) else "(a key that is not text)"
        line = key.start_mark.line + 1
        if name in lines:
            raise ProjectError(f"{file}:{line}: {name}: given twice (first on line {lines[name]}); keep one")
        lines[name] = line
        if isinstance(value, yaml.ScalarNode):
            written[name] = str(value.value)
    return lines, written


def load_project_settings(file: str | Path) -> ProjectSettings:
    """Read and check a project file; :class:`ProjectError` (one line) for anything it cannot use."""
    file = Path(file)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as bad:
        raise ProjectError(f"{file}: not UTF-8 ({bad.reason} at byte {bad.start})") from None
    except OSError as err:
        raise ProjectError(f"{file}: cannot be read ({err.strerror or err})") from None
    try:
        node = yaml_text.compose(text)
        lines, written = _keys(node, file) if node is not None else ({}, {})
        raw = yaml_text.load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{file}:{mark.line + 1}" if mark is not None else str(file)
        problem = getattr(err, "problem", None) or type(err).__name__
        raise ProjectError(f"{where}: not valid YAML ({' '.join(str(problem).split())})") from None
    if raw is None:  # only comments: a marker with no settings
        return ProjectSettings(file)
    if not isinstance(raw, dict):
        raise ProjectError(
            f"{file}:1: (top level): settings are written as 'name: value' lines "
            f"({', '.join(SETTINGS)}), not as a {type(raw).__name__}"
        )
    settings = ProjectSettings(file, lines=lines)
    unknown = [str(k) for k in raw if k not in SETTINGS]
    if unknown:
        raise ProjectError(f"{settings.where(unknown[0])}: unknown setting (known: {', '.join(SETTINGS)})")
    corpus = _corpus(raw.get("corpus"), settings, file.parent) if "corpus" in raw else None
    dates = {name: _date(raw[name], written.get(name), settings, name) for name in _DATES if name in raw}
    coder = _coder(raw["coder"], settings) if "coder" in raw else None
    if corpus is None:
        given = [name for name in (*_DATES, "coder") if name in raw]
        if given:
            what = (
                "a coder is chosen among a corpus's coders; the published figures have one coder, the thesis's author"
                if given[0] == "coder"
                else "the published figures exist only for the thesis's window"
            )
            raise ProjectError(f"{settings.where(given[0])}: {what}; name a corpus folder with 'corpus:' first")
    window = None
    if dates:
        try:
            window = Window.from_options(dates.get("start"), dates.get("pivot"), dates.get("end"))
        except WindowError as err:
            last = max(dates, key=lambda name: lines.get(name, 0))
            raise ProjectError(f"{settings.where(last)}: {str(err).removeprefix('window: ')}") from None
    return ProjectSettings(file, corpus, window, coder, lines)


def _corpus(value: object, settings: ProjectSettings, root: Path) -> Path:
    """The corpus folder a project file names: relative, inside the project, an existing folder."""
    where = settings.where("corpus")
    if not isinstance(value, str) or not value.strip():
        raise ProjectError(f"{where}: must be a folder of this project, written relative to it (e.g. corpus)")
    if "\x00" in value or not value.isprintable():
        raise ProjectError(f"{where}: {value!r} holds a control character; write the folder's plain name")
    given = Path(value.strip())
    if given.is_absolute():
        raise ProjectError(f"{where}: {value!r} is an absolute path; write the folder relative to the project")
    top = root.resolve()
    try:
        folder = (top / given).resolve()
    except (OSError, RuntimeError) as err:  # a loop of links
        raise ProjectError(f"{where}: {value!r} cannot be resolved ({err})") from None
    if folder != top and top not in folder.parents:
        raise ProjectError(f"{where}: {value!r} leads outside the project {top}; keep the corpus inside it")
    if not folder.exists():
        raise ProjectError(f"{where}: {value!r} does not exist in the project {top}")
    if not folder.is_dir():
        raise ProjectError(f"{where}: {value!r} is not a folder; name the folder holding reports.csv and codes.csv")
    return folder


def _date(value: object, written: str | None, settings: ProjectSettings, name: str) -> dt.date:
    """A window date of a project file: ``YYYY-MM-DD``, written bare (YAML reads it as a date) or
    quoted; checked as written, so ``2020-8-24`` is refused as on the command line."""
    shown = written if written is not None else value
    if isinstance(value, dt.datetime) or not isinstance(value, (dt.date, str)) or written is None:
        raise ProjectError(f"{settings.where(name)}: {shown!r} is not a date (YYYY-MM-DD)")
    try:
        return parse_date(name, written)
    except WindowError:
        raise ProjectError(f"{settings.where(name)}: {shown!r} is not a date (YYYY-MM-DD)") from None


def _coder(value: object, settings: ProjectSettings) -> str:
    """The coder a project file names: text (whether the corpus has that coder is checked with the corpus)."""
    if not isinstance(value, str) or not value.strip():
        raise ProjectError(f"{settings.where('coder')}: must be a coder's name (or consensus)")
    return value.strip()
