"""What counts as a code name on a reader's page (snake_case ids, module paths, ASCII arrows), shared
by tests/unit/test_reader_text.py and tests/book/test_reader_text_book.py."""

from __future__ import annotations

import pkgutil
import re

import kzperception

#: lower-case words joined by underscores: ``security_military``, ``growth_china_russia``.
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


#: Addresses keep their own underscores (a URL is what it is).
URL = re.compile(r"(?:https?://|www\.)\S+")


ASCII_ARROW = "->"


def module_paths() -> list[str]:
    """Every module of the library as a dotted path, with and without the package's name
    (``kzperception.analysis.section_readings`` and ``analysis.section_readings``)."""
    names = [m.name for m in pkgutil.walk_packages(kzperception.__path__, "kzperception.")]
    return sorted(
        {n for name in names for n in (name, name.split(".", 1)[1])} | {"kzperception"}, key=len, reverse=True
    )


#: A module path in running text: the package's name followed by a dot or slash and a name, or any
#: dotted path of the library's own modules.
MODULE_PATH = re.compile(
    r"\bkzperception(?:[./]\w+)+|\b(?:" + "|".join(re.escape(p) for p in module_paths() if "." in p) + r")\b"
)


def code_names(text: str) -> list[str]:
    """Each snake_case token, module path and ASCII arrow in ``text``, with a little context."""
    plain = URL.sub(" ", text)
    found = []
    for what, pattern in (
        ("snake_case name", SNAKE_CASE),
        ("module path", MODULE_PATH),
        ("ASCII arrow", re.compile(re.escape(ASCII_ARROW))),
    ):
        for m in pattern.finditer(plain):
            context = " ".join(plain[max(0, m.start() - 40) : m.end() + 30].split())
            found.append(f"{what} {m.group(0)!r}: ...{context}...")
    return found
