"""Which characters a reader cannot see, and which values mix scripts: the one definition.

Both the loader (:mod:`kzperception.data.corpus_text`, on Arrow arrays) and ``validate``'s
pandas-free fast path (:mod:`kzperception.data.corpus_clean`) ask the same questions of a key
field, and must get the same answers, or one path would accept a corpus the other refuses. So the
answers live here, in a module that imports only the standard library.

A character is *hidden* when it prints as nothing or reorders the text around it:

* Unicode's format, control, line- and paragraph-separator categories (Cf, Cc, Zl, Zp): zero-width
  space and joiner, byte-order mark, soft hyphen, the bidi overrides and isolates;
* every other ``Default_Ignorable_Code_Point`` (DerivedCoreProperties.txt): letters and marks that
  fonts draw as nothing, such as U+034F COMBINING GRAPHEME JOINER, the Hangul fillers U+115F,
  U+1160, U+3164 and U+FFA0, U+17B4/U+17B5, the variation selectors U+180B–U+180F, U+FE00–U+FE0F
  and U+E0100–U+E01EF, and the unassigned code points the property reserves;
* U+2800 BRAILLE PATTERN BLANK, which is not ignorable but renders as a blank in every font and is
  the usual "invisible name" trick where spaces are refused.

``r1`` and ``r1`` + U+034F are two ids that print alike, so one of them must be refused, never
counted as a second report.
"""

from __future__ import annotations

import unicodedata

__all__ = [
    "HIDDEN_RE2",
    "IGNORABLE_RANGES",
    "char_name",
    "is_hidden",
    "mixed_scripts",
    "mixed_scripts_message",
    "script",
    "shown",
    "terminal_text",
]

_HIDDEN_CATEGORIES = frozenset({"Cf", "Cc", "Zl", "Zp"})

#: Default_Ignorable_Code_Point ranges outside the categories above (Unicode 15.1
#: DerivedCoreProperties.txt; the Cf ones, such as U+200B or U+2060, are caught by category), and
#: U+2800 BRAILLE PATTERN BLANK.
IGNORABLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x034F, 0x034F),  # COMBINING GRAPHEME JOINER (Mn)
    (0x115F, 0x1160),  # HANGUL CHOSEONG FILLER, HANGUL JUNGSEONG FILLER (Lo)
    (0x17B4, 0x17B5),  # KHMER VOWEL INHERENT AQ, AA (Mn)
    (0x180B, 0x180F),  # MONGOLIAN FREE VARIATION SELECTORS (Mn; U+180E is Cf)
    (0x2065, 0x2065),  # reserved among the invisible operators (Cn)
    (0x2800, 0x2800),  # BRAILLE PATTERN BLANK (So): not ignorable, but blank in every font
    (0x3164, 0x3164),  # HANGUL FILLER (Lo)
    (0xFE00, 0xFE0F),  # VARIATION SELECTOR-1 to -16 (Mn)
    (0xFFA0, 0xFFA0),  # HALFWIDTH HANGUL FILLER (Lo)
    (0xFFF0, 0xFFF8),  # reserved before the specials (Cn)
    (0xE0000, 0xE0FFF),  # tags, VARIATION SELECTOR-17 to -256 (Mn), and their reserved neighbours
)


def _in_ranges(code: int) -> bool:
    return any(low <= code <= high for low, high in IGNORABLE_RANGES)


def is_hidden(char: str) -> bool:
    """Whether ``char`` is one a reader cannot see (or that reorders what is around it).

    NUL is not: it has its own message (the file is not text).
    """
    if char == "\x00":
        return False
    return unicodedata.category(char) in _HIDDEN_CATEGORIES or _in_ranges(ord(char))


#: The hidden characters as an RE2 class, for Arrow's regex kernel: control characters (NUL
#: excepted), the categories, and :data:`IGNORABLE_RANGES`.
HIDDEN_RE2 = (
    r"[\x01-\x1f\x7f-\x9f\p{Cf}\p{Zl}\p{Zp}"
    + "".join(
        f"\\x{{{low:04X}}}" if low == high else f"\\x{{{low:04X}}}-\\x{{{high:04X}}}" for low, high in IGNORABLE_RANGES
    )
    + "]"
)


def char_name(char: str) -> str:
    """``U+200B ZERO WIDTH SPACE``: a character named so a person can find it in any editor."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def shown(value: str) -> str:
    """``repr(value)`` with every hidden character escaped: ``'r1\\u034f'``, never ``'r1'`` + an
    invisible mark.

    :func:`repr` already escapes the characters Python calls unprintable (Cf, Cc, Zl, Zp), but
    prints a combining grapheme joiner, a variation selector, a Hangul filler or the braille blank
    as it is, so a message about one would show a value that looks exactly like the other.
    """
    return "".join(_escape(c) if is_hidden(c) else c for c in repr(value))


def terminal_text(value: object, keep: str = "") -> str:
    """``value`` with every hidden character shown as its code point in brackets, ``[U+202E]``.

    What a command prints from a corpus (``validate``'s provenance values, a folder name) goes to a
    terminal that obeys a right-to-left override like any other text: ``cited`` + U+202E printed
    before its count turned "12" into "21", and a line break in a value would split the one line.
    The book's pages show the same characters the same way (:mod:`kzperception.book.display`).
    Characters in ``keep`` are left as they are (``"\n"`` for a message meant to span lines).
    """
    text = str(value)
    if text.isascii() and text.isprintable():
        return text
    return "".join(f"[U+{ord(c):04X}]" if c not in keep and (c == "\x00" or is_hidden(c)) else c for c in text)


def script(char: str) -> str:
    """The script of a letter, from its Unicode name (``CYRILLIC SMALL LETTER ES`` -> Cyrillic)."""
    name = unicodedata.name(char, "")
    return name.split(" ")[0].title() if name else "unnamed"


def mixed_scripts(value: str) -> set[str]:
    """The scripts of the letters of ``value`` when there are several (``rа1``: Cyrillic and
    Latin), else an empty set. Digits, punctuation and hidden characters do not count."""
    if value.isascii():
        return set()
    scripts = {script(c) for c in value if c.isalpha() and not is_hidden(c)}
    return scripts if len(scripts) > 1 else set()


def mixed_scripts_message(value: str, scripts: set[str], what: str) -> str:
    """``'аnna' mixes scripts (Cyrillic, Latin): it contains Cyrillic 'а' (U+0430), which print
    like Latin letters; write the name in one script``, with ``what`` the name, the id..."""
    letters = ", ".join(
        f"{script(c)} {c!r} (U+{ord(c):04X})"
        for c in dict.fromkeys(value)
        if c.isalpha() and not c.isascii() and not is_hidden(c)
    )
    return (
        f"{value!r} mixes scripts ({', '.join(sorted(scripts))}): it contains {letters}, "
        f"which print like Latin letters; write the {what} in one script"
    )
