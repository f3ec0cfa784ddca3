"""The ``kzperception`` command line: counts, validation and the book build.

Errors are one line on stderr and a non-zero exit, never a traceback: a researcher running a
rerun on their own corpus needs to know which file, row and field to fix, not where in our code
the check lives.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kzperception.cli.common import Format, error, fail, note, one_line_errors, print_table
from kzperception.cli.interrupt import READ_ONLY, finished, interruptible, os_error_line

if TYPE_CHECKING:
    import pandas as pd

    from kzperception.book.execute import ChapterRun
    from kzperception.book.project import BookPlan
    from kzperception.data.project import ProjectSettings
    from kzperception.data.window import Window

# pandas and the library are imported inside the commands that use them: `kzperception build`
# (run after every edit) and `--help` then start in a fraction of a second.

__all__ = ["WARM_COMMANDS", "app", "main", "parse_window"]

#: The commands a warm process runs (:mod:`kzperception.cli.warm`): the one a researcher repeats with
#: another window. :func:`main` imports that module for these only, so ``--help`` and every other
#: command skip its imports (sockets, hashing: a hundredth of a second of ``--help``'s fifth).
WARM_COMMANDS = ("rerun",)

app = typer.Typer(
    help="Kazakhstan's official perception of China and Russia: counts, corpora and the computational book.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
counts_app = typer.Typer(
    help="Print the counts every table and figure is drawn from (docs/corpus.md).", no_args_is_help=True
)
app.add_typer(counts_app, name="counts")
Source = Annotated[str, typer.Option("--source", help="'published' (the thesis's figures) or a corpus folder.")]
Start = Annotated[str | None, typer.Option("--start", help="Window start, YYYY-MM-DD (default: the thesis's).")]
Pivot = Annotated[str | None, typer.Option("--pivot", help="First day of 'after', YYYY-MM-DD (default: the thesis's).")]
End = Annotated[str | None, typer.Option("--end", help="Last day of 'after', YYYY-MM-DD (default: the thesis's).")]
Coder = Annotated[
    str | None,
    typer.Option(
        "--coder",
        help="Whose codes to count on a corpus with several coders "
        "(a coder's name, or consensus); not needed with one coder.",
    ),
]
Fmt = Annotated[Format, typer.Option("--format", help="csv (machine-readable) or table (for reading).")]


def parse_window(start: str | None, pivot: str | None, end: str | None) -> Window | None:
    """None when no date is given (use the source's own window); otherwise the thesis's with these dates."""
    from kzperception.data.window import Window

    if start is None and pivot is None and end is None:
        return None
    return Window.from_options(start, pivot, end)


def _emit(df: pd.DataFrame, fmt: Format, title: str) -> None:
    if fmt is Format.csv:
        sys.stdout.write(df.to_csv(index=False, lineterminator="\n"))
        return
    print_table(df, title)


def _counts(
    kind: str, source: str, start: str | None, pivot: str | None, end: str | None, fmt: Format, coder: str | None = None
) -> None:
    from kzperception.data.counts import CODE_KEYS, REPORT_KEYS, SourceError, load_counts, require_reports
    from kzperception.data.window import WindowError

    with interruptible(READ_ONLY):  # a large corpus takes seconds to load
        with one_line_errors(WindowError, SourceError):
            counts = load_counts(source, parse_window(start, pivot, end), coder)
            require_reports(counts)
        if kind == "reports":
            _emit(counts.reports[[*REPORT_KEYS, "n"]], fmt, f"Reports per slot — {counts.source}, {counts.window}")
        else:
            _emit(counts.codes[[*CODE_KEYS, "n"]], fmt, f"Codes — {counts.source}, {counts.window}")


@counts_app.command("reports")
def counts_reports(
    source: Source = "published",
    start: Start = None,
    pivot: Pivot = None,
    end: End = None,
    fmt: Fmt = Format.table,
    coder: Coder = None,
) -> None:
    """Reports per slot: country,website,period,n (8 rows)."""
    _counts("reports", source, start, pivot, end, fmt, coder)


@counts_app.command("codes")
def counts_codes(
    source: Source = "published",
    start: Start = None,
    pivot: Pivot = None,
    end: End = None,
    fmt: Fmt = Format.table,
    coder: Coder = None,
) -> None:
    """Codes per cell: country,period,category,mode,level,n (period before/after/all)."""
    _counts("codes", source, start, pivot, end, fmt, coder)


@app.command()
def validate(folder: Annotated[Path, typer.Argument(help="Corpus folder with reports.csv and codes.csv.")]) -> None:
    """Check a corpus against every rule of the interchange format; list each problem as file:row: field."""
    with interruptible(READ_ONLY):  # a large corpus takes seconds to load
        _validate(folder)


def _validate(folder: Path) -> None:
    """The body of ``validate``, run under :func:`~kzperception.cli.interrupt.interruptible`."""
    # A valid corpus of ordinary size is recognised without pandas (about a third of the time); anything
    # else is loaded in full, and the loader words every problem (kzperception.data.corpus_clean).
    from kzperception.data.corpus_clean import clean_summary

    clean = clean_summary(folder)
    if clean is not None:
        _ok(clean.reports, clean.codes, clean.coders, clean.provenance_mix)
        return
    from kzperception.cli.common import report_problems
    from kzperception.data.corpus import CorpusError, load_corpus

    try:
        corpus = load_corpus(folder)
    except CorpusError as err:
        report_problems(err)
        note(f"{len(err.problems)} problem(s) in {folder}")
        raise typer.Exit(1) from None
    _ok(len(corpus.reports), len(corpus.codes), corpus.coders, corpus.provenance_mix)


def _ok(reports: int, codes: int, coders: list[str], provenance_mix: dict[str, int]) -> None:
    """``validate``'s line for a valid corpus, whichever path checked it.

    Provenance is free text: a value may hold a bidi override that would reorder the rest of the
    line (its count read backwards), so hidden characters are shown as ``[U+202E]``.
    """
    from kzperception.data.hidden_chars import terminal_text

    mix = ", ".join(f"{terminal_text(k)} {v}" for k, v in provenance_mix.items())
    names = ", ".join(map(terminal_text, coders))
    typer.echo(f"ok: {reports} reports, {codes} codes, coders: {names}; provenance: {mix}")


@app.command()
def build(
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Chapters executed at once.")] = 2,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Re-execute every chapter.")] = False,
    chapters: Annotated[str | None, typer.Option("--chapters", help="Comma-separated chapter stems.")] = None,
    strict: Annotated[bool, typer.Option("--strict/--no-strict", help="Sphinx warnings fail the build.")] = True,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Build the book into this folder (OUT/html) instead of "
            "book/_build/html: new, empty, or an earlier build's output.",
        ),
    ] = None,
    coder: Annotated[
        str | None,
        typer.Option(
            "--coder",
            help="In a book project whose kzperception-project.yml names a corpus: whose codes to count "
            "(a coder's name, or consensus), overriding the file's coder. The published figures have one coder.",
        ),
    ] = None,
) -> None:
    """Execute every chapter with papermill (cached, in parallel) and build the HTML book (make book).

    The book counts the thesis's published figures. Inside a book project made by kzperception
    init, its kzperception-project.yml may name a corpus of the project (corpus: corpus), a window
    (start:, pivot:, end:) and a coder (coder:): the chapters that count reports and the front
    page then run on that corpus, and the thesis's own chapters keep the published figures. With
    several coders and none named, the build is refused with the list of coders.

    With --out the same book is built outside the repository, with the same rules as a rerun's
    output folder; the main book's executed chapters serve as its cache.
    """
    from kzperception import paths
    from kzperception.book.layout import toc_chapters
    from kzperception.book.project import plan_book
    from kzperception.book.rerun import RerunError, check_out, parse_chapters
    from kzperception.data.counts import SourceError
    from kzperception.data.project import ProjectError, project_settings
    from kzperception.data.window import WindowError

    stems = toc_chapters()
    with one_line_errors(ProjectError, SourceError, WindowError, RerunError):
        stems = parse_chapters(chapters, stems) or stems
        settings = project_settings()
        plan = plan_book(stems, settings, coder)
        corpus_path = settings.corpus if settings is not None else None
        out_path = check_out(out, corpus_path) if out is not None else None
    if out_path is not None:
        kept = f"{out_path} left as it was; no partial book written, the temporary build folder removed"
    else:
        kept = (
            f"the chapters finished before it are kept in {paths.CHAPTERS} (the cache); "
            f"{paths.HTML} may be incomplete: run the build again"
        )
    if plan.on_corpus:
        note(_on_corpus_line(plan, settings))
    with interruptible(kept):
        _build(stems, jobs, no_cache, strict, out_path, bool(chapters), plan)


def _on_corpus_line(plan: BookPlan, settings: ProjectSettings | None) -> str:
    """The line a build on a project's corpus starts with: which file chose it, the corpus (by folder
    name and hash, as the pages name it), whose codes, and how many chapters run on it."""
    from kzperception.data.datapackage import corpus_label

    assert plan.corpus is not None and plan.corpus.path is not None and settings is not None
    n = len(plan.chapter_params)
    chapters = f"{n} chapter{'' if n == 1 else 's'} that count{'s' if n == 1 else ''} reports"
    who = f"coder {plan.coder}'s codes" if plan.coder else "no coder's codes (the corpus has none)"
    return (
        f"{settings.file.name}: the front page and {chapters} run on corpus "
        f"{corpus_label(plan.corpus.path)}, counting {who}"
    )


def _build(
    stems: list[str], jobs: int, no_cache: bool, strict: bool, out_path: Path | None, chosen: bool, plan: BookPlan
) -> None:
    """The body of ``build``, run under :func:`~kzperception.cli.interrupt.interruptible`."""
    import time

    from kzperception import paths
    from kzperception.book import build, bundle, execute, jupyterbook
    from kzperception.book.layout import BuildError
    from kzperception.book.rerun import RerunError, build_main_into
    from kzperception.cli.progress import ChapterProgress

    t0 = time.perf_counter()
    # A chapter not run on the project's corpus counts the published figures: nothing injected.
    params = plan.params
    if out_path is not None:
        if chosen:
            raise fail("--chapters: a book built with --out has every chapter; leave --chapters out")
        with ChapterProgress(len(stems)) as progress:
            try:
                runs, html_dir = build_main_into(
                    out_path,
                    stems,
                    params,
                    jobs=jobs,
                    use_cache=not no_cache,
                    strict=strict,
                    on_done=progress.done,
                    on_start=progress.started,
                    chapter_params=plan.chapter_params,
                    front_params=plan.front_params,
                )
            except (BuildError, RerunError) as err:
                raise fail(str(err)) from None
            except OSError as err:  # a full disk: the file and the errno, OUT as it was
                raise fail(os_error_line(err, out_path) + "; nothing was written to --out") from None
        if _report_failures(runs) or html_dir is None:
            raise typer.Exit(1)
        typer.echo(f"book built in {time.perf_counter() - t0:.1f}s: {html_dir / 'index.html'}")
        return
    bundle.ensure_bundle()
    jupyterbook.prepare()  # Sphinx imported while the chapters execute
    with ChapterProgress(len(stems)) as progress:
        try:
            runs = execute.execute_chapters(
                stems,
                params,
                paths.CHAPTERS,
                jobs,
                not no_cache,
                on_done=progress.done,
                on_start=progress.started,
                chapter_params=plan.chapter_params,
            )
        except BuildError as err:
            raise fail(str(err)) from None
    try:
        if _report_failures(runs):
            raise typer.Exit(1)
        secs = build.jupyter_book(strict=strict, front_params=plan.front_params)
    except BuildError as err:
        raise fail(str(err)) from None
    except OSError as err:
        raise fail(os_error_line(err, paths.HTML)) from None
    finally:
        jupyterbook.discard()
    note(f"Jupyter Book: {secs:.1f}s")
    typer.echo(f"book built in {time.perf_counter() - t0:.1f}s: {paths.HTML / 'index.html'}")


@app.command()
def rerun(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Folder for the standalone book (OUT/html/index.html): new, "
            "empty, or an earlier rerun's output, which is replaced.",
        ),
    ],
    corpus: Annotated[Path | None, typer.Option("--corpus", help="Corpus folder (reports.csv, codes.csv).")] = None,
    start: Annotated[str | None, typer.Option("--start", help="Window start, YYYY-MM-DD.")] = None,
    pivot: Annotated[str | None, typer.Option("--pivot", help="First day of 'after', YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last day of 'after', YYYY-MM-DD.")] = None,
    chapters: Annotated[
        str | None,
        typer.Option("--chapters", help="Comma-separated chapter stems, some of those below (default: all of them)."),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Chapters executed at once.")] = 2,
    from_marker: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="An earlier rerun's .kzperception-rerun.json: "
            "repeat it (corpus, window, chapters) into --out; refused "
            "if a corpus file has changed since.",
        ),
    ] = None,
    coder: Coder = None,
) -> None:
    """Execute every chapter that depends on the corpus, on a corpus and window, into a standalone book.

    By default a rerun executes all of them: 06-0-results, 06-2-reports, 06-3-coding,
    06-3-1-categories, the slot chapter of each partner with reports (06-3-2-china-slots,
    06-3-3-russia-slots, ...), 06-4-uncertainty, 06-5-sensitivity, 08-conclusion and appendix-audit;
    and 06-1-code-categories when the corpus carries a codebook.yaml that differs from the thesis's
    (it then shows that codebook and which categories it adds, renames or drops).
    With --chapters, a reference to a chapter left out names that section of the published book
    in words. The thesis's own chapters (abstracts, background, method, codebook, what followed
    the window) read no corpus and are not rerun. The main book is untouched.

    OUT must be new, empty, or an earlier rerun's output (it holds .kzperception-rerun.json); the
    book is built beside it and swapped in when complete, so a failed rerun leaves OUT as it was.
    That marker records the sha256 of every corpus file, the coders, window, chapters, package
    version and git commit; --from MARKER repeats the rerun and refuses if the corpus has changed.

    A rerun that succeeds leaves a warm process with the libraries imported: the next rerun from
    this folder and environment runs in a fresh fork of it and says what it reused (Linux; it
    leaves after 10 idle minutes; see `kzperception warm --help`; KZP_WARM=0 starts none).
    """
    import time

    from kzperception.book import rerun as r
    from kzperception.book.layout import BuildError
    from kzperception.cli.progress import ChapterProgress
    from kzperception.data.counts import SourceError
    from kzperception.data.window import WindowError

    with one_line_errors(WindowError, SourceError, r.RerunError):
        if from_marker is not None:
            if any(v is not None for v in (corpus, start, pivot, end, chapters)):
                raise r.RerunError("--from repeats a recorded rerun: give only --out (and --jobs) with it")
            corpus, window, recorded = r.replay(from_marker)
            if coder is None:  # the coder the recorded rerun counted, if it named one
                import json

                coder = json.loads(from_marker.read_text(encoding="utf-8")).get("coder")
            start, pivot, end, chapters = window["start"], window["pivot"], window["end"], ",".join(recorded)
        elif corpus is None or start is None or pivot is None or end is None:
            raise r.RerunError("give --corpus, --start, --pivot and --end (or --from an earlier rerun's marker)")
        wanted = r.parse_chapters(chapters, r.corpus_chapters(corpus))  # a corpus's own partners have chapters
        plan = r.plan(corpus, start, pivot, end, out, wanted, coder)
    kept = f"{plan.out} left as it was; no partial book written, the temporary build folder removed"
    try:
        t0 = time.perf_counter()
        with interruptible(kept), ChapterProgress(len(plan.chapters)) as progress:
            runs, html_dir = r.run(plan, jobs, on_done=progress.done, on_start=progress.started)
    except (r.RerunError, BuildError) as err:
        raise fail(str(err)) from None
    except OSError as err:  # a full disk, a folder made read-only meanwhile: say where, keep OUT as it was
        raise fail(f"--out: {os_error_line(err, plan.out)}; {plan.out} left as it was") from None
    if _report_failures(runs) or html_dir is None:
        note(f"nothing was written to {plan.out}")
        raise typer.Exit(1)
    typer.echo(f"rerun book in {time.perf_counter() - t0:.1f}s: {html_dir / 'index.html'}")
    from kzperception.cli.warm import reused_line

    reused = reused_line()
    if reused is not None:
        note(reused)


def _report_failures(runs: list[ChapterRun]) -> bool:
    """One ``error:`` line per failed chapter (the error as text, on one line); True if any failed."""
    failed = [x for x in runs if x.status == "failed"]
    for x in failed:
        error(f"chapter {x.stem}: {' '.join(x.error.split())}")
    return bool(failed)


def _register_optional() -> None:
    """Commands of later pipeline stages live in their own modules; add those that are present."""
    import importlib
    import importlib.util

    for name in ("fieldwork", "synth", "init", "warm_command"):
        if importlib.util.find_spec(f"{__package__}.{name}") is not None:
            importlib.import_module(f"{__package__}.{name}").register(app)


_register_optional()


def main() -> None:
    """The ``kzperception`` command: :data:`app`, with a broken partners, websites or codebook file as
    one error line.

    The default vocabulary is read when :mod:`kzperception.data.vocabulary` is first imported,
    which a command does lazily, inside its body; a broken file then raises
    :class:`~kzperception.data.errors.VocabularyError` (or, for ``data/codebook.yaml``,
    :class:`~kzperception.data.errors.CodebookError`) from wherever that import happens. A corpus
    folder's own ``partners.yaml`` and ``codebook.yaml`` are read with the corpus and refused as its
    problems. The library only raises (it never prints or exits), so this is the one place that
    turns the error into ``error: <file>:<line>: ...`` on stderr and exit status 1, without a traceback.
    """
    from kzperception.data.errors import CodebookError, VocabularyError

    # A rerun from the folder and environment of a warm process runs in a fresh fork of it, with
    # its libraries already imported (kzperception.cli.warm); otherwise it runs here.
    argv = sys.argv[1:]
    warm_command = bool(argv) and argv[0] in WARM_COMMANDS
    if warm_command:
        from kzperception.cli import warm

        with interruptible("nothing written (the rerun had not started)"):  # Ctrl-C while it waits for an answer
            delegated = warm.delegate(argv)
        if delegated is not None:
            raise SystemExit(delegated)

    # Each command that writes or runs long guards its own body with interruptible (and says what it
    # kept); this one covers the moments around it: the arguments being parsed, the last line printed.
    def kept() -> str:
        return "the command had finished; its output is whole" if finished() else "nothing written"

    try:
        with interruptible(kept):
            app()
    except SystemExit as done:
        if warm_command and done.code in (0, None):  # a rerun that succeeded here leaves a warm process
            from kzperception.cli import warm

            warm.after_command(argv)
        raise
    except (VocabularyError, CodebookError) as err:
        for line in str(err).splitlines():
            error(line)
        raise SystemExit(1) from None
