"""What every ``kzperception`` command shares: the output format choice and one-line errors.

The command modules (:mod:`cli`, :mod:`cli_fieldwork`, :mod:`cli_synth`) import this rather than
each other: ``cli`` registers the others, so they cannot import it back.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from .corpus import CorpusError

err_console = Console(stderr=True)


class Format(StrEnum):
    csv = "csv"
    table = "table"


def error(message: str) -> None:
    """Print ``error: message`` on stderr (no markup is read from the message)."""
    from rich.text import Text

    err_console.print(Text.assemble(("error:", "bold red"), " ", message), highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print the error and return the Exit to raise."""
    error(message)
    return typer.Exit(code)


def report_problems(err: CorpusError) -> None:
    """Print every problem of a refused corpus, one ``error:`` line each."""
    for line in err.problems:
        error(line)
