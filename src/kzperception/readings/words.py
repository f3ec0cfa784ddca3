"""The wording rules every rendered verdict follows, in one place.

- a count: 0 is "no report", 1 "one report", otherwise the number ("7 reports"); never "1 reports";
- a p-value: "p = 0.070", "p < 0.001" (never "p = < 0.001"); four decimals where three would print
  0.050 for a value on either side of the line; an untestable test says so;
- names: "A", "A and B", "A, B and C"; "both" only of two, "all k" of more;
- places: "first" ... "tenth", "11th"; equal values share a place ("joint second");
- no contrast between equal values, no rank where values tie, no superlative on zero (enforced by
  the renderer, which never asks for them, and by the property tests).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping

from kzperception.data.wording import ordinal
from kzperception.readings.verdicts import ALPHA, Test, is_nan

__all__ = [
    "capitalised",
    "chance",
    "count",
    "count_texts",
    "group",
    "number",
    "ordinal",
    "p_value",
    "percent",
    "place_texts",
    "possessive",
    "ratio",
    "signed",
    "together",
]


def count(n: float | None, singular: str = "report", plural: str | None = None) -> str:
    """``no report`` / ``one report`` / ``7 reports``; an unknown count is said to be unknown."""
    plural = plural or f"{singular}s"
    if is_nan(n):
        return f"an unknown number of {plural}"
    k = int(n)  # type: ignore[arg-type]
    if k == 0:
        return f"no {singular}"
    if k == 1:
        return f"one {singular}"
    return f"{k:,} {plural}"


def number(x: float) -> str:
    """``12`` / ``1,204`` / ``3.5``: a whole number without decimals, any other with one."""
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,.1f}"


def possessive(name: str) -> str:
    """``China's``, ``United States'``: a name ending in s takes the apostrophe alone."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def ratio(x: float) -> str:
    """``2.2`` / ``0.8``: a ratio to one decimal, with more where one decimal would print ``1.0`` for a
    ratio above or below 1 (a curve said to cross 1 never peaks at "1.0")."""
    for digits in (1, 2, 3):
        text = f"{x:.{digits}f}"
        if x == 1.0 or float(text) != 1.0:
            return text
    return f"{x:.3f}"


def p_value(p: float) -> str:
    """``p = 0.070`` / ``p < 0.001``; NaN says the test cannot be run."""
    if is_nan(p):
        return "no p-value: the test cannot be run"
    if p < 0.001:
        return "p < 0.001"
    text = f"{p:.4f}" if f"{p:.3f}" == f"{ALPHA:.3f}" else f"{p:.3f}"
    return f"p = {text}"


def together(names: list[str] | tuple[str, ...]) -> str:
    """``A``, ``A and B``, ``A, B and C``; nothing for no names."""
    names = list(names)
    if not names:
        return ""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def group(n: int) -> str:
    """How a sentence names a group of ``n`` partners: ``both`` of two, ``all 3`` of three, nothing of one."""
    return "both" if n == 2 else f"all {n}" if n > 2 else ""


_TEST_NAMES = {"fisher": "Fisher", "binomial": "binomial", "chi2": "chi-squared", "holm": "Holm-adjusted Fisher"}


def chance(test: Test, what: str = "a difference") -> str:
    """``a difference beyond what chance alone would produce (Fisher p = 0.007)`` and its siblings."""
    if test.outcome == "untestable":
        return f"too few reports to test the {what.removeprefix('a ')} against chance"
    side = (
        "beyond what chance alone would produce"
        if test.outcome == "beyond"
        else "within what chance alone could produce"
    )
    return f"{what} {side} ({_TEST_NAMES[test.name]} {p_value(test.p)})"


def percent(x: float) -> str:
    """``14.3 %``; an unknown share reads ``n/a``, never ``nan %``."""
    return "n/a" if is_nan(x) else f"{x:.1f} %"


def signed(x: float) -> str:
    """``+21.6 %`` / ``-3.0 %``; an unknown change reads ``n/a``."""
    return "n/a" if is_nan(x) or math.isinf(x) else f"{x:+.1f} %"


def rate(per_day: float) -> str:
    """Reports per 100 days, the unit a reader can picture for counts in the tens: ``6.7 per 100 days``."""
    return f"{100 * per_day:.1f} per 100 days"


def rates(*per_day: float) -> list[str]:
    """Rates to be read side by side (:func:`rate`), with the fewest decimals (one to four) that keep
    different rates apart: ``0.92 per 100 days against 0.89 per 100 days``, never "0.9 against 0.9"
    for two rates that differ. Equal rates print alike."""
    values = [100 * x for x in per_day]
    for decimals in range(1, 5):
        shown = [f"{x:.{decimals}f}" for x in values]
        if all(
            (a == b) == math.isclose(x, y, rel_tol=1e-12)
            for (a, x), (b, y) in itertools.combinations(zip(shown, values, strict=True), 2)
        ):
            break
    return [f"{x} per 100 days" for x in shown]


def capitalised(text: str) -> str:
    """A rendering as the start of a sentence."""
    return text[:1].upper() + text[1:]


# --- numbers a page glues in words, by name --------------------------------------------------------


def count_texts(facts: Mapping[str, float], prefix: str = "") -> dict[str, str]:
    """``<key>_reports`` (and ``<key>_codes`` for code counts) in words, for every count of ``facts``.

    Counts reach the prose in words, so zero and one are never narrated as several. Shares and
    changes are left out; an unknown count (NaN, a cell the thesis does not publish) becomes "an
    unknown number of reports", never a number.
    """
    out: dict[str, str] = {}
    for key, value in facts.items():
        if "share" in key or "change" in key:
            continue
        if not is_nan(value) and float(value) != int(value):
            continue
        out[f"{prefix}{key}_reports"] = count(value)
        if key.endswith("non_cooperation"):
            out[f"{prefix}{key}_codes"] = count(value, "code")
        elif key.endswith("_main"):
            out[f"{prefix}{key}_codes"] = count(value, "main code")
    return out


def place_texts(facts: Mapping[str, float], keys: Iterable[str] | None = None) -> dict[str, str]:
    """Ranks as place words under ``<key>_place`` (5 -> ``fifth``): every ``*_rank`` fact, or the named ``keys``.

    A rank pasted as a number reads "only number 5 of 7" or "at rank 4 among", like a template;
    the prose says "only the fifth of 7". A ``*_rank`` key loses its suffix (``x_rank`` ->
    ``x_place``); a named key keeps its name (``s631_01_printed`` -> ``s631_01_printed_place``).
    Unknown ranks are left out.
    """
    if keys is None:
        chosen = {k.removesuffix("_rank"): v for k, v in facts.items() if k.endswith("_rank")}
    else:
        chosen = {k: facts[k] for k in keys if k in facts}
    return {f"{k}_place": ordinal(v) for k, v in chosen.items() if not is_nan(v)}
