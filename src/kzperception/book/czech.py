"""Numbers for the Czech summary, written the Czech way (decimal comma, no thousands comma).

The English chapters glue numbers and format them in the page (``{glue:text}`x:.1f```), which
always prints a decimal point. The Czech summary needs ``110,8`` rather than ``110.8``, so its
numbers are formatted here and glued as text.
"""

from __future__ import annotations

import datetime as dt
import math

from kzperception.data.window import Window

#: Month names in the genitive, as a Czech date needs them ("24. února 2022").
MONTHS_GENITIVE = (
    "ledna",
    "února",
    "března",
    "dubna",
    "května",
    "června",
    "července",
    "srpna",
    "září",
    "října",
    "listopadu",
    "prosince",
)


def czech_number(value: float, digits: int = 1) -> str:
    """``110.81 -> "110,8"``; integers without decimals (``218``); NaN as an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if float(value).is_integer() and not isinstance(value, float):
        return str(int(value))
    text = f"{float(value):,.{digits}f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def czech_facts(facts: dict[str, float], digits: int = 1) -> dict[str, str]:
    """Every fact formatted for Czech prose: counts as integers, shares and changes with a comma."""
    out = {}
    for key, value in facts.items():
        as_count = isinstance(value, int) or (
            isinstance(value, float)
            and not math.isnan(value)
            and value.is_integer()
            and "share" not in key
            and "change" not in key
        )
        out[key] = czech_number(int(value), digits) if as_count else czech_number(float(value), digits)
    return out


def glue_czech(facts: dict[str, float], prefix: str = "cs_") -> None:
    """Glue each fact as Czech text under ``prefix + key`` (shown with ``{glue:md}`cs_key```)."""
    from kzperception.book.display import glue_text

    for key, text in czech_facts(facts).items():
        glue_text(f"{prefix}{key}", text)


def czech_date(day: dt.date) -> str:
    """``2022-02-24 -> "24. února 2022"``."""
    return f"{day.day}. {MONTHS_GENITIVE[day.month - 1]} {day.year}"


def glue_czech_window(window: Window, prefix: str = "cs_") -> None:
    """Glue the window's dates in Czech (``cs_window_start``, ``cs_window_pivot``, ``cs_window_end``)."""
    from kzperception.book.display import glue_text

    for name in ("start", "pivot", "end"):
        glue_text(f"{prefix}window_{name}", czech_date(getattr(window, name)))
