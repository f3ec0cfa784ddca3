"""CLI commands ``kzperception synth`` and ``kzperception sensitivity``.

Kept apart from :mod:`kzperception.cli` (which calls :func:`register`) so the synthetic-corpus and
sweep machinery loads only when asked for. Errors are one line on stderr and exit code 1, as in
the rest of the CLI; shared pieces come from :mod:`kzperception.cli.common`. SIGINT and SIGTERM
end either in one line too (:mod:`kzperception.cli.interrupt`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from kzperception.cli.common import Format as SweepFormat
from kzperception.cli.common import fail, one_line_errors, print_table
from kzperception.cli.interrupt import READ_ONLY, files_kept, interruptible

#: The files of a corpus folder that ``write_corpus`` puts in place together.
CORPUS_WRITTEN = ("reports.csv", "codes.csv", "datapackage.json")


def synth(
    seed: Annotated[int, typer.Option("--seed", help="Random seed: moves dates and code placement, never counts.")],
    out: Annotated[Path, typer.Option("--out", help="New (or empty) folder for reports.csv and codes.csv.")],
    reports: Annotated[
        int | None, typer.Option("--reports", min=1, help="Scale every margin to this many reports (default 218).")
    ] = None,
) -> None:
    """Write a synthetic corpus whose counts are the thesis's published figures (demonstrations, tests)."""
    # write_corpus fills a hidden folder beside --out and renames it into place; on a signal its
    # clean-up removes that folder, so --out is either the whole corpus or as it was.
    kept = files_kept(out, CORPUS_WRITTEN, f"no corpus written; {out} left as it was, the temporary folder removed")
    with interruptible(kept):
        from kzperception.data.corpus import write_corpus
        from kzperception.fieldwork.synth import SynthError, describe, synthesize

        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise fail(f"--out: {out} exists and is not empty; choose a new folder (nothing written)")
        with one_line_errors(SynthError, where=out):
            reports_df, codes_df = synthesize(seed, reports)
            write_corpus(reports_df, codes_df, out)
        typer.echo(f"wrote {out}: {describe(reports_df)}; {len(codes_df)} codes; seed {seed}")


def sensitivity(
    source: Annotated[
        str, typer.Option("--source", help="A corpus folder ('published' has no dates to sweep).")
    ] = "published",
    first: Annotated[str | None, typer.Option("--from", help="Earliest pivot (default 2021-08-26).")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Latest pivot, YYYY-MM-DD (default 2022-08-25).")] = None,
    step_days: Annotated[int, typer.Option("--step-days", help="Days between pivots, counted from --pivot.")] = 7,
    start: Annotated[str | None, typer.Option("--start", help="Window start, YYYY-MM-DD (default: thesis).")] = None,
    pivot: Annotated[
        str | None,
        typer.Option(
            "--pivot",
            help="The pivot the grid of pivots is anchored on (default: the thesis's when inside the window, "
            "else its middle); section 6.5 prints the value it used.",
        ),
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="Window end, YYYY-MM-DD (default: the thesis's).")] = None,
    fmt: Annotated[SweepFormat, typer.Option("--format", help="csv or table.")] = SweepFormat.csv,
) -> None:
    """Move the pivot across the window: reports before/after, per-day change and the country x period test."""
    with interruptible(READ_ONLY):
        from kzperception.analysis.sensitivity import pivot_sweep, sweep_corpus
        from kzperception.data.counts import SourceError
        from kzperception.data.window import WindowError

        with one_line_errors(SourceError, WindowError):
            window = _window(start, end, pivot)
            corpus, _ = sweep_corpus(source, allow_demo=False)
            df = pivot_sweep(corpus, first, last, step_days, window)
        df = df.assign(pivot=df["pivot"].dt.strftime("%Y-%m-%d"))
        if fmt is SweepFormat.csv:
            sys.stdout.write(df.to_csv(index=False, lineterminator="\n", float_format="%.6g"))
            return
        # the title holds the corpus path: print_table shows it literally (a folder may be named "[/bold]")
        print_table(df, f"Pivot sweep — {corpus.path}; change = reports per day after / before", width=200)


def _window(start: str | None, end: str | None, pivot: str | None = None):
    """The sweep's fixed start and end (thesis window by default) and the pivot its grid is anchored on."""
    from kzperception.data.window import Window

    return Window.spanning(start, end, pivot)


def register(app: typer.Typer) -> None:
    """Add ``synth`` and ``sensitivity`` to the ``kzperception`` app."""
    app.command("synth")(synth)
    app.command("sensitivity")(sensitivity)
