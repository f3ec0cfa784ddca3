"""What every ``kzperception`` command shares: the output format choice and one-line errors.

The command modules (:mod:`cli`, :mod:`cli_fieldwork`, :mod:`cli_synth`) import this rather than
each other: ``cli`` registers the others, so they cannot import it back.

Messages carry values from files, sheets and paths (a cell may read ``[/bold]`` or
``[link=https://x]y[/link]``), so they are printed as :class:`rich.text.Text`: rich never reads
markup from them, and the user sees exactly the value that is wrong.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from kzperception.data.corpus import CorpusError

err_console = Console(stderr=True)

#: Problems printed one per line before a refused corpus is summarised per rule.
PROBLEM_LIMIT = 50


class Format(StrEnum):
    csv = "csv"
    table = "table"


def error(message: str) -> None:
    """Print ``error: message`` on stderr; the message is literal text, never markup."""
    err_console.print(Text.assemble(("error:", "bold red"), " ", str(message)), highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print the error and return the Exit to raise."""
    error(message)
    return typer.Exit(code)


def report_problems(err: CorpusError, limit: int = PROBLEM_LIMIT) -> None:
    """Print the problems of a refused corpus, one ``error:`` line each; past ``limit``, the first
    few of each kind and how many more (:meth:`CorpusError.summary`)."""
    for line in err.summary(limit):
        error(line)
