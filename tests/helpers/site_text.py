"""Cyrillic text without a language mark, and case-and-accent folding, shared by
tests/unit/test_site.py, tests/commands/test_site_commands.py and tests/book/test_site_book.py."""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

CYRILLIC = re.compile(r"[\u0400-\u04ff]")


class _LangCheck(HTMLParser):
    """Every text with Cyrillic letters, with the nearest ``lang`` around it (scripts and titles aside)."""

    VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    )

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.texts: list[tuple[str | None, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if CYRILLIC.search(data) and not any(t in ("script", "style", "title") for t, _ in self.stack):
            self.texts.append((next((lg for _, lg in reversed(self.stack) if lg), None), data.strip()))


def unmarked_cyrillic(markup: str) -> list[str]:
    parser = _LangCheck()
    parser.feed(markup)
    return [text for lang, text in parser.texts if lang != "ru"]


def fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()
