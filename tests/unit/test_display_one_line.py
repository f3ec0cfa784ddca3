"""The one-line form of untrusted text finds the characters it changes with one regular expression.

The set is checked against unicodedata over every code point, so a character the regular expression
missed (a control character a value could carry, a bidi control that would reorder a table row) or
one it took wrongly would fail here, not on a reader's page.
"""

from __future__ import annotations

import sys
import unicodedata

from kzperception.book import display

BIDI_CONTROLS = {"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}


def changed_by_definition(ch: str) -> bool:
    """What the docstring of ``_one_line`` promises to change, asked of unicodedata directly."""
    return unicodedata.category(ch) in ("Cc", "Zl", "Zp") or unicodedata.bidirectional(ch) in BIDI_CONTROLS


def test_the_pattern_finds_exactly_the_characters_the_rule_names() -> None:
    found = {cp for cp in range(sys.maxunicode + 1) if display._UNSEEN.fullmatch(chr(cp))}
    wanted = {cp for cp in range(sys.maxunicode + 1) if changed_by_definition(chr(cp))}
    assert found == wanted


def test_each_changed_character_reads_as_the_rule_says() -> None:
    assert display._one_line("a\tb\u2028c\x85d") == "a b c d"
    assert display._one_line("12\u202e34") == "12[U+202E]34"
    assert display._one_line("  Москва \n\n Астана  ") == "Москва Астана"
    assert display.isolated("abc") == "abc" and display.isolated("שלום 12") == "\u2068שלום 12\u2069"
