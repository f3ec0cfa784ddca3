"""What every ``kzperception`` command shares: the output format, one error style, one table style.

The command modules (:mod:`kzperception.cli`, :mod:`kzperception.cli.fieldwork`,
:mod:`kzperception.cli.synth`) import this rather than each other: ``cli`` registers the others, so
they cannot import it back.

Messages and tables carry values from files, sheets and paths (a cell may read ``[/bold]`` or
``[link=https://x]y[/link]``, a corpus folder may be named ``[/bold]``), so everything is printed as
:class:`rich.text.Text` or with ``markup=False``: rich never reads markup from a value, and the
user sees exactly the value that is wrong. Every error goes through :func:`error` (one
``error: ...`` line on stderr) and every table through :func:`print_table`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

    from kzperception.data.corpus import CorpusError

# rich is imported when something is printed through it, not when a command starts: a command
# that succeeds quietly (``kzperception validate`` on a valid corpus) never loads it.


@cache
def error_console() -> Console:
    """The one console on stderr every error, note and progress display prints to (made on first use)."""
    from rich.console import Console

    return Console(stderr=True)


def __getattr__(name: str) -> Console:
    """``err_console``, the name callers import, is :func:`error_console`'s console, made on first use."""
    if name == "err_console":
        return error_console()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Problems printed one per line before a refused corpus is summarised per rule.
PROBLEM_LIMIT = 50


class Format(StrEnum):
    csv = "csv"
    table = "table"


def error(message: str) -> None:
    """Print ``error: message`` on stderr; the message is literal text, never markup.

    A hidden character that reached the message raw (a folder or file name, a value quoted
    without ``repr``) is shown as its code point, ``[U+202E]``, so it cannot reorder or split the line.
    """
    from rich.text import Text

    from kzperception.data.hidden_chars import terminal_text

    error_console().print(
        Text.assemble(("error:", "bold red"), " ", terminal_text(message, keep="\n")), highlight=False, soft_wrap=True
    )


def note(message: str) -> None:
    """Print a line of information on stderr (a warning, a next step), literally, never as markup;
    hidden characters shown as their code points, as in :func:`error`."""
    from rich.text import Text

    from kzperception.data.hidden_chars import terminal_text

    error_console().print(Text(terminal_text(message, keep="\n")), highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print the error and return the Exit to raise (``raise fail(...) from None``)."""
    error(message)
    return typer.Exit(code)


def report_problems(err: CorpusError, limit: int = PROBLEM_LIMIT) -> None:
    """Print the problems of a refused corpus, one ``error:`` line each; past ``limit``, the first
    few of each kind and how many more (:meth:`CorpusError.summary`)."""
    for line in err.summary(limit):
        error(line)


@contextmanager
def one_line_errors(*expected: type[Exception], where: object = "") -> Iterator[None]:
    """Turn the library's errors into ``error:`` lines and exit status 1, never a traceback.

    A refused corpus lists its problems (:func:`report_problems`); the ``expected`` error types
    a command names print their message's first line; an :class:`OSError` names its file and its
    errno (``PATH: No space left on device (ENOSPC)``). A write to an open file that fails (a full
    disk) carries no file name: then ``where``, the folder the command writes to, is named.
    Commands pass the error types of the modules they import, so ``--help`` loads none of them.
    """
    from kzperception.data.corpus import CorpusError

    try:
        yield
    except CorpusError as err:
        report_problems(err)
        raise typer.Exit(1) from None
    except expected as err:
        raise fail(first_line(err)) from None
    except OSError as err:
        from kzperception.cli.interrupt import os_error_line  # it imports this module

        raise fail(os_error_line(err, where)) from None


def first_line(err: Exception) -> str:
    """An error's message on one line: its first line, and how many more lines it had."""
    lines = str(err).splitlines() or [type(err).__name__]
    return lines[0] + (f" (and {len(lines) - 1} more)" if len(lines) > 1 else "")


def cell_text(value: object, float_format: str = ".4g") -> str:
    """A table cell as text: None is empty, a missing number a dash, a float with ``float_format``."""
    if value is None:
        return ""
    if isinstance(value, float):
        return "—" if math.isnan(value) else format(value, float_format)
    return str(value)


def print_table(df: pd.DataFrame, title: str, float_format: str = ".4g", width: int | None = None) -> None:
    """Print ``df`` as a rich table on stdout; the title, headers and cells are literal text.

    Numeric columns are right-aligned, text columns left-aligned; floats use ``float_format``.
    """
    import pandas as pd
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(str(title)))
    for col in df.columns:
        numeric = pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col])
        table.add_column(Text(str(col)), justify="right" if numeric else "left")
    for row in df.itertuples(index=False, name=None):
        table.add_row(*(Text(cell_text(v, float_format)) for v in row))
    Console(width=width).print(table)
