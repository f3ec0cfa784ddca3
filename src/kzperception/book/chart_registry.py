"""The book's charts, registered once where they are drawn.

Every function that draws a chart the book shows is decorated with :func:`register` beside its
definition, under the name its chapter glues it by (``figure-1``, ``figure-sensitivity``). The
palette and text-alternative tests iterate :func:`registered_charts`, so a new chart is checked
for palette colours and a one-line description the moment it is registered, without a test naming
it; and a test reads the chapters' ``glue_figure`` calls, so a chart glued but never registered
fails rather than going unchecked.

A chart is drawn from one of a few kinds of input (:data:`Inputs`); the tests supply each kind
from the project's data. A chart with a new kind of input needs a new kind here, and the tests fail
until they know how to supply it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

__all__ = ["Inputs", "RegisteredChart", "register", "registered_charts"]

#: What a chart is drawn from: ``counts`` (a :class:`~kzperception.data.counts.Counts`),
#: ``context`` (the chapter 9 :class:`~kzperception.data.context.Context`), ``context and window``
#: (that context and the thesis :class:`~kzperception.data.window.Window`) or ``sweep`` (the pivot
#: sweep of :func:`kzperception.analysis.sensitivity.pivot_sweep`).
Inputs = Literal["counts", "context", "context and window", "sweep"]

Draw = TypeVar("Draw", bound=Callable[..., object])


@dataclass(frozen=True)
class RegisteredChart:
    """One chart of the book: the name its chapter glues it by, how it is drawn, and from what."""

    name: str
    draw: Callable[..., object]
    inputs: Inputs


_REGISTRY: dict[str, RegisteredChart] = {}


def register(name: str, inputs: Inputs = "counts") -> Callable[[Draw], Draw]:
    """Register the decorated drawing function as the book's chart ``name``; the function is unchanged.

    A name registered twice is a mistake (two charts glued by one name, or one chart under two
    entries); it raises ``ValueError`` at import time rather than letting one entry hide the other.
    """

    def decorate(draw: Draw) -> Draw:
        known = _REGISTRY.get(name)
        if known is not None and known.draw is not draw:
            raise ValueError(f"chart {name!r} is registered twice ({known.draw.__qualname__}, {draw.__qualname__})")
        _REGISTRY[name] = RegisteredChart(name, draw, inputs)
        return draw

    return decorate


def registered_charts() -> dict[str, RegisteredChart]:
    """Every registered chart by name, after importing the modules that draw the book's charts."""
    from kzperception.book import charts, uncertainty_charts  # noqa: F401  (their decorators register)

    return dict(_REGISTRY)
