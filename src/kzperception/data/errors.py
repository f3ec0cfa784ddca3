"""Errors a caller must be able to catch before the module that raises them can be imported.

:mod:`kzperception.data.vocabulary` reads ``data/partners.yaml`` and ``data/websites.yaml`` when it
is imported, so with a broken file the import itself raises :class:`VocabularyError`. The command
line catches it around every command (:func:`kzperception.cli.main`); it needs the class without
importing the module that fails, hence this module with no imports of its own.
"""

from __future__ import annotations


class VocabularyError(ValueError):
    """A partners or websites file that cannot be used; the message names file, line, item and field.

    A notebook or script sees the error itself; the command line prints it as one ``error:`` line
    and exits 1. The library never prints or exits on its own.
    """

    def format_message(self) -> str:
        """The one-line message (the name click's exceptions use, so callers can treat both alike)."""
        return str(self)


class CodebookError(ValueError):
    """A codebook file that cannot be used; ``problems`` lists every ``file: field: problem``.

    Here rather than in :mod:`kzperception.data.codebook` for the same reason as
    :class:`VocabularyError`: the default vocabulary reads ``data/codebook.yaml`` at import.
    """

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))

    def format_message(self) -> str:
        return str(self)
