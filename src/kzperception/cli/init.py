"""CLI command ``kzperception init``: a new workspace for a study of one's own.

Kept apart from :mod:`kzperception.cli` (which calls :func:`register`), like the other commands
of later stages; the layout itself is :mod:`kzperception.fieldwork.workspace`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kzperception.cli.common import fail, one_line_errors
from kzperception.cli.interrupt import files_kept, interruptible, os_error_line


def init(
    folder: Annotated[Path, typer.Argument(help="New or empty folder for the workspace.")],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Write into a folder that is not empty, replacing the "
            "workspace's own files there (README.md, corpus/..., websites.yaml, the book project's copies).",
        ),
    ] = False,
) -> None:
    """Lay out a workspace to rerun the book on a corpus of one's own: a README saying what to do next,
    an empty corpus (corpus/reports.csv and codes.csv, header rows only, and its README), copies
    of the partners, codebook and websites to edit, and a copy of the book (configuration,
    contents, chapters, data) marked as a project, which every command run inside FOLDER reads.

    Then `kzperception build` inside FOLDER builds its book; fill the corpus and run
    `kzperception rerun --corpus corpus ...`, or name the corpus (and window, coder) in FOLDER's
    kzperception-project.yml, where init writes those settings commented out, for `build` to run
    the book on it (the README gives the commands). A folder that is not empty is refused unless
    --force.
    """
    from kzperception.fieldwork.workspace import FILES, WorkspaceError, init_workspace

    # The files are written into a hidden folder beside FOLDER and renamed into place (each one,
    # with --force); the clean-up removes that folder when a signal comes.
    kept = files_kept(
        folder.expanduser(), FILES, f"no workspace written; {folder} left as it was, the temporary folder removed"
    )
    with interruptible(kept):
        with one_line_errors(WorkspaceError):
            try:
                made = init_workspace(folder, force)
            except OSError as err:
                raise fail(os_error_line(err, folder) + "; nothing was written") from None
        typer.echo(f"workspace: {made.folder} ({len(made.files)} files); next steps in {made.folder / 'README.md'}")


def register(app: typer.Typer) -> None:
    """Add ``init`` to the ``kzperception`` app."""
    app.command("init")(init)
