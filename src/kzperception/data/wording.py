"""Number words the prose uses, in one place: places as ordinals, never a bare rank inside a phrase.

"Russia (rank 2 among its partners)" and "only number 5 of 7" are what a template prints when
it pastes a number where English wants a word. Every rank that reaches a sentence goes through
:func:`ordinal` instead.
"""

from __future__ import annotations

_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


def ordinal(n: int | float | str) -> str:
    """``1 -> first`` ... ``10 -> tenth``, then ``11th``, ``22nd``; anything that is not a whole number is refused."""
    try:
        value = float(str(n).strip())
    except ValueError:
        raise ValueError(f"not a place: {n!r}") from None
    if not value.is_integer() or value < 1:
        raise ValueError(f"not a place: {n!r}")
    k = int(value)
    if k <= len(_ORDINALS):
        return _ORDINALS[k - 1]
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"
