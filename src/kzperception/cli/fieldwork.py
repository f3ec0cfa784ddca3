"""Fieldwork commands: ``collect``, ``screen``, ``code export|import`` and ``reliability``.

They take a researcher from an empty folder to a corpus in the interchange format, the way the
thesis built its own (search, keep what is about the country, code by hand) plus what it could
not do alone (a second coder and a reliability figure). ``register(app)`` adds them to the main
``kzperception`` command line.

Errors are ``error: ...`` lines on stderr and exit status 1, never a traceback, and nothing is
written when a command fails. ``collect`` exits with 2 when the run finished but some reports
could not be obtained: run the same command again to retry them (nothing is downloaded twice).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kzperception.cli.common import Format, fail, note, one_line_errors, print_table
from kzperception.cli.interrupt import READ_ONLY, files_kept, interruptible, os_error_line

if TYPE_CHECKING:
    from kzperception.fieldwork.keywords import CountryMatcher

MAX_LISTED_FAILURES = 20
#: The files of a corpus folder that ``write_corpus`` puts in place together.
CORPUS_WRITTEN = ("reports.csv", "codes.csv", "datapackage.json")


class SiteName(StrEnum):
    president = "president"
    government = "government"


class GovSource(StrEnum):
    auto = "auto"
    graphql = "graphql"
    api = "api"
    rss = "rss"


class SheetFormat(StrEnum):
    both = "both"
    xlsx = "xlsx"
    csv = "csv"
    qdpx = "qdpx"
    qdc = "qdc"


class Undecided(StrEnum):
    error = "error"
    exclude = "exclude"


def _errors(*one_line: type[Exception], where: object = "") -> AbstractContextManager[None]:
    """:func:`~kzperception.cli.common.one_line_errors` for fieldwork: a bad keyword file too.

    Commands name the further error types they expect (``one_line``); the collector's are passed
    by the commands that import it, so ``kzperception --help`` does not load the HTTP stack.
    """
    from kzperception.fieldwork.keywords import KeywordError

    return one_line_errors(KeywordError, *one_line, where=where)


def _matcher(keywords: Path | None) -> CountryMatcher:
    from kzperception.fieldwork.keywords import CountryMatcher

    return CountryMatcher.from_yaml(keywords)


KeywordsOpt = Annotated[
    Path | None,
    typer.Option(
        "--keywords",
        help="Search words: a file in the format of data/partners.yaml (default: the partners' own).",
        dir_okay=False,
    ),
]


def collect_cmd(
    site: Annotated[SiteName, typer.Option("--site", help="president (akorda.kz) or government (gov.kz).")],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Folder for collected.csv and the raw cache (OUT/raw); with --probe, for OUT/probe/SITE/.",
            file_okay=False,
        ),
    ],
    start: Annotated[str | None, typer.Option("--start", help="First day to collect, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last day to collect, YYYY-MM-DD.")] = None,
    entity: Annotated[
        list[str] | None,
        typer.Option("--entity", help="gov.kz entity, e.g. mfa (repeatable; default: the entities the thesis cites)."),
    ] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="Site root (default the real site).")] = None,
    keywords: KeywordsOpt = None,
    layout: Annotated[
        Path | None,
        typer.Option(
            "--layout", help="Site layout file: selectors and endpoints (default data/sites.yaml).", dir_okay=False
        ),
    ] = None,
    rate: Annotated[float, typer.Option("--rate", min=0.001, help="Requests per second per host.")] = 1.0,
    retries: Annotated[int, typer.Option("--retries", min=0, help="Retries per document.")] = 5,
    backoff: Annotated[float, typer.Option("--backoff", min=0.0, help="First retry delay (s), doubled.")] = 1.0,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            min=0.01,
            help="Seconds per network operation; "
            "a whole request (connect, headers and body) must be done "
            "within 4 times this.",
        ),
    ] = 30.0,
    max_bytes: Annotated[
        int,
        typer.Option(
            "--max-bytes",
            min=1024,
            help="Largest body accepted (bytes, after decoding); a larger one fails its report.",
        ),
    ] = 20_000_000,
    max_redirects: Annotated[
        int, typer.Option("--max-redirects", min=0, max=20, help="Redirect hops followed per request.")
    ] = 5,
    page_size: Annotated[int, typer.Option("--page-size", min=1, help="gov.kz items per GraphQL/API page.")] = 50,
    max_pages: Annotated[
        int | None,
        typer.Option(
            "--max-pages",
            min=1,
            help=(
                "Listing pages at most (default: sized to the window, enough for 10 reports a day from today back "
                "to --start at the first page's size, plus 10)."
            ),
        ),
    ] = None,
    gov_source: Annotated[
        GovSource,
        typer.Option(
            "--gov-source",
            help="gov.kz listing: graphql, api (REST), rss, or auto: GraphQL, then the API, then RSS, "
            "each only when the one before is refused or unavailable for the entity.",
        ),
    ] = GovSource.auto,
    refresh_listings: Annotated[
        bool, typer.Option("--refresh-listings", help="Download listing pages again (articles stay cached).")
    ] = False,
    probe: Annotated[
        bool,
        typer.Option(
            "--probe",
            help="Check the site layout instead of collecting: one listing page and a few reports, "
            "every layout entry reported, one verdict per source (ok, refused, mismatch, unreachable), the "
            "responses saved in OUT/probe/SITE/. Exit 0 all ok, 2 a layout mismatch, 3 refused by the site, "
            "4 unreachable.",
        ),
    ] = False,
    probe_reports: Annotated[
        int, typer.Option("--probe-reports", min=1, max=20, help="Reports (per gov.kz entity) the probe looks at.")
    ] = 3,
    force: Annotated[bool, typer.Option("--force", help="With --probe: replace an earlier probe's folder.")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on a terminal.")] = True,
    user_agent: Annotated[
        str | None,
        typer.Option(
            "--user-agent",
            help="User-Agent header sent to the sites (default: 'Mozilla/5.0 (compatible; "
            "kzperception/VERSION; +CONTACT-URL; ...)', naming the project and where to read about it).",
        ),
    ] = None,
) -> None:
    """Collect reports of one site between two dates into OUT/collected.csv (resumable, polite).

    Exit status 2 when the run finished but some reports failed (run it again to retry just those).
    With --probe: 0 when every source is ok, 2 a layout mismatch, 3 refused by the site, 4 unreachable.
    """
    from kzperception.fieldwork.collect import CollectError, FetchPolicy, collect, make_site

    if probe:
        _probe(
            site,
            out,
            entity,
            base_url,
            layout,
            rate,
            retries,
            backoff,
            timeout,
            max_bytes,
            max_redirects,
            page_size,
            probe_reports,
            force,
            user_agent,
        )
        return
    missing = [name for name, value in (("--start", start), ("--end", end)) if value is None]
    if missing:
        raise fail(f"{missing[0]}: required (YYYY-MM-DD), unless --probe")
    kept = (
        f"what was downloaded before it stays in {Path(out) / 'raw'}; run the same command again to resume "
        "(nothing already downloaded is fetched twice)"
    )
    with interruptible(kept), _errors(CollectError, where=out):  # a full disk names OUT
        matcher = _matcher(keywords)
        adapter = make_site(site.value, base_url, entity or [], page_size, max_pages, gov_source.value, layout)
        policy = FetchPolicy(
            rate=rate,
            retries=retries,
            backoff=backoff,
            timeout=timeout,
            max_bytes=max_bytes,
            max_redirects=max_redirects,
            user_agent=_agent(user_agent),
        )
        summary = collect(
            adapter,
            str(start),
            str(end),
            out,
            policy=policy,
            matcher=matcher,
            refresh_listings=refresh_listings,
            progress=progress,
        )
    for line in summary.failures[:MAX_LISTED_FAILURES]:
        note(f"failed: {line}")
    if len(summary.failures) > MAX_LISTED_FAILURES:
        note(f"... and {len(summary.failures) - MAX_LISTED_FAILURES} more (see summary json)")
    for line in summary.warnings:
        note(f"warning: {line}")
    typer.echo(summary.line())
    typer.echo(f"written: {Path(out) / 'collected.csv'}")
    if summary.failed:
        note(
            "some reports failed; run the same command again to retry them "
            "(nothing already downloaded is fetched twice)"
        )
        raise typer.Exit(2)


def _agent(user_agent: str | None) -> str:
    """``--user-agent`` as a FetchPolicy argument; absent, the policy's default stands."""
    from kzperception.fieldwork.collect.transport import USER_AGENT

    return USER_AGENT if user_agent is None else user_agent


def _probe(
    site: SiteName,
    out: Path,
    entity: list[str] | None,
    base_url: str | None,
    layout: Path | None,
    rate: float,
    retries: int,
    backoff: float,
    timeout: float,
    max_bytes: int,
    max_redirects: int,
    page_size: int,
    reports: int,
    force: bool,
    user_agent: str | None = None,
) -> None:
    """``collect --probe``: one line per layout entry, the responses saved; exit 2 on a mismatch."""
    from kzperception.fieldwork.collect import CollectError, FetchPolicy, make_site
    from kzperception.fieldwork.collect.probe import probe

    kept = f"no probe written; {Path(out) / 'probe' / site.value} left as it was, the partial folder removed"
    with interruptible(kept), _errors(CollectError, where=out):
        adapter = make_site(site.value, base_url, entity or [], page_size, 1, "auto", layout)
        policy = FetchPolicy(
            rate=rate,
            retries=retries,
            backoff=backoff,
            timeout=timeout,
            max_bytes=max_bytes,
            max_redirects=max_redirects,
            user_agent=_agent(user_agent),
        )
        report = probe(
            adapter,  # type: ignore[arg-type]  # make_site gives one of probe's two site kinds
            out,
            policy=policy,
            reports=reports,
            force=force,
            entities=getattr(adapter, "entities", None) if entity else None,
        )
    for line in report.lines():
        typer.echo(line)
    typer.echo(f"saved: {report.folder} ({len(report.files)} responses, index.json, report.txt)")
    code = report.exit_code
    if code == 2:
        note(
            "some layout entries no longer match the site: edit the layout file (--layout, "
            "default data/sites.yaml) and attach the saved folder to a bug report"
        )
    elif code == 3:
        note(
            "the site refused this client (see the 'source' lines): a session or user-agent matter, not the "
            "layout; send the saved folder and the output (docs/fieldwork.md, 'The first live run')"
        )
    elif code == 4:
        note("a source could not be reached: try again later; if it persists, send the saved folder")
    if code:
        raise typer.Exit(code)


def screen_cmd(
    collected: Annotated[Path, typer.Argument(help="collected.csv written by `kzperception collect`.", dir_okay=False)],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for screening.csv/.xlsx (default: beside collected.csv).", file_okay=False),
    ] = None,
    keywords: KeywordsOpt = None,
    country: Annotated[list[str] | None, typer.Option("--country", help="Screen only this country.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite a sheet that holds decisions.")] = False,
) -> None:
    """Write the screening sheet: each report x country mentioned, the paragraphs, a suggested verdict."""
    # Each sheet is written whole by a rename; a signal between the two leaves one new, one as it was.
    with interruptible(files_kept(out or collected.parent, ("screening.csv", "screening.xlsx"))):
        from kzperception.fieldwork.collect import CollectError, read_collected
        from kzperception.fieldwork.screen import screen, write_screening

        with _errors(CollectError, where=out or collected.parent):
            sheet = screen(read_collected(collected), _matcher(keywords), country)
            targets = write_screening(sheet, out or collected.parent, force=force)
        counts = sheet["suggested"].value_counts()
        mix = ", ".join(f"{v} {int(counts.get(v, 0))}" for v in ("devoted_report", "devoted_paragraph", "mere_mention"))
        typer.echo(f"screening: {len(sheet)} report x country rows ({mix})")
        typer.echo("written: " + ", ".join(str(t) for t in targets))
        typer.echo("next: fill the decision column (include/exclude), then `kzperception code export`")


def code_export_cmd(
    screening: Annotated[
        Path | None,
        typer.Argument(
            help="The screening sheet with decisions (.xlsx or .csv); leave out with --corpus or --format qdc.",
            dir_okay=False,
        ),
    ] = None,
    coder: Annotated[
        list[str] | None,
        typer.Option(
            "--coder", help="Coder name (repeatable), e.g. --coder anna; required for sheets, users of a .qdpx."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Folder for coding-<coder>.xlsx/.csv; with --format qdpx or qdc, the file to write."
        ),
    ] = None,
    collected: Annotated[
        Path | None,
        typer.Option("--collected", help="collected.csv (default: beside the screening sheet).", dir_okay=False),
    ] = None,
    codebook: Annotated[
        Path | None,
        typer.Option(
            "--codebook",
            help="Codebook of the sheets' columns and suggestions, or of a .qdpx's codes (default "
            "data/codebook.yaml; with --corpus, the corpus's own codebook.yaml where it has one).",
            dir_okay=False,
        ),
    ] = None,
    fmt: Annotated[
        SheetFormat,
        typer.Option(
            "--format",
            help="Sheet files to write (xlsx, csv, both), a REFI-QDA project (qdpx) for QualCoder, "
            "MAXQDA, NVivo or ATLAS.ti, or the REFI-QDA codebook alone (qdc).",
        ),
    ] = SheetFormat.both,
    corpus: Annotated[
        Path | None,
        typer.Option(
            "--corpus",
            help="With --format qdpx: a coded corpus folder instead of the screening sheet (its codes, "
            "coders and notes go into the project, to recode or check it).",
            file_okay=False,
        ),
    ] = None,
    undecided: Annotated[
        Undecided, typer.Option("--undecided", help="Rows without a decision: an error, or excluded.")
    ] = Undecided.error,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing coding sheets or the --out file.")] = False,
    manifest_only: Annotated[
        bool,
        typer.Option(
            "--manifest-only",
            help="Write only coding-manifest.json, for sheets exported without one (same "
            "screening, collected.csv and coders as their export); no sheet is touched.",
        ),
    ] = False,
    consensus: Annotated[
        bool,
        typer.Option(
            "--consensus",
            help="With --corpus DIR (every coder's sheet imported) and --out the folder of their "
            "sheets: write coding-consensus, pre-filled where the coders agree, each disagreement named in its "
            "row's note; imported, its codes get the coder 'consensus'.",
        ),
    ] = False,
) -> None:
    """Write one coding sheet per coder, a consensus sheet, or a REFI-QDA project (.qdpx) or codebook (.qdc)."""
    if out is None:
        raise fail("--out: required (a folder for sheets, a file for --format qdpx or qdc)")
    # Every sheet, the manifest and a project file are written whole by a rename: a signal leaves
    # some of them new and whole, the rest as they were.
    one_file = fmt in (SheetFormat.qdpx, SheetFormat.qdc) and not consensus
    with interruptible(files_kept(out.parent, (out.name,)) if one_file else files_kept(out)):
        _code_export(
            screening, coder, out, collected, codebook, fmt, corpus, undecided, force, manifest_only, consensus
        )


def _code_export(
    screening: Path | None,
    coder: list[str] | None,
    out: Path,
    collected: Path | None,
    codebook: Path | None,
    fmt: SheetFormat,
    corpus: Path | None,
    undecided: Undecided,
    force: bool,
    manifest_only: bool,
    consensus: bool,
) -> None:
    """The body of ``code export``, run under :func:`~kzperception.cli.interrupt.interruptible`."""
    from kzperception.fieldwork.collect import CollectError, read_collected
    from kzperception.fieldwork.screen import included_reports, read_screening
    from kzperception.fieldwork.sheets import export_coding_sheets

    if consensus:
        _export_consensus(screening, corpus, coder, out, fmt, force)
        return
    if fmt in (SheetFormat.qdpx, SheetFormat.qdc):
        _export_refi(fmt, screening, corpus, coder or [], out, collected, codebook, undecided, force)
        return
    if corpus is not None:
        raise fail("--corpus: only with --format qdpx (coding sheets are made from a screening sheet)")
    if screening is None:
        raise fail("SCREENING: required (the screening sheet with decisions)")
    if not coder:
        raise fail("--coder: name at least one coder")
    formats = ("xlsx", "csv") if fmt is SheetFormat.both else (fmt.value,)
    with _errors(CollectError, where=out):
        decided = read_screening(screening, undecided.value)
        reports = included_reports(decided, read_collected(collected or screening.parent / "collected.csv"))
        targets = export_coding_sheets(reports, coder, out, codebook, formats, force=force, manifest_only=manifest_only)
    what = "manifest" if manifest_only else "coding sheets"
    typer.echo(f"{what}: {len(reports)} included reports for {len(coder)} coder(s)")
    typer.echo("written: " + ", ".join(str(t) for t in targets))


def _export_consensus(
    screening: Path | None, corpus: Path | None, coders: list[str] | None, out: Path, fmt: SheetFormat, force: bool
) -> None:
    """``code export --consensus``: the consensus sheet beside the coders' sheets."""
    from kzperception.data.corpus import load_corpus
    from kzperception.fieldwork.consensus import export_consensus

    if corpus is None:
        raise fail("--consensus: needs --corpus DIR, the corpus every coder's sheet was imported into")
    if screening is not None or coders:
        raise fail("--consensus: leave out the screening sheet and --coder (the coders are the corpus's)")
    if fmt in (SheetFormat.qdpx, SheetFormat.qdc):
        raise fail("--consensus: writes a coding sheet (--format xlsx, csv or both)")
    formats = ("xlsx", "csv") if fmt is SheetFormat.both else (fmt.value,)
    with _errors():
        written, open_cells = export_consensus(out, load_corpus(corpus), formats, force=force)
    typer.echo(f"consensus sheet: {open_cells} cell(s) to settle (named in each row's note); the rest pre-filled")
    typer.echo("written: " + ", ".join(str(t) for t in written))


def _export_refi(
    fmt: SheetFormat,
    screening: Path | None,
    corpus: Path | None,
    coders: list[str],
    out: Path,
    collected: Path | None,
    codebook_path: Path | None,
    undecided: Undecided,
    force: bool,
) -> None:
    """``code export --format qdpx|qdc``: a REFI-QDA project from a screening sheet or a corpus, or the
    codebook alone."""
    import pandas as pd

    from kzperception import __version__
    from kzperception.data.corpus import load_corpus
    from kzperception.fieldwork import refi
    from kzperception.fieldwork.collect import CollectError, read_collected
    from kzperception.fieldwork.screen import included_reports, read_screening
    from kzperception.fieldwork.sheets import check_coders, sheet_codebook

    origin = f"kzperception {__version__}"
    with _errors(CollectError, where=out):
        both = screening is not None and corpus is not None  # refused below, before any corpus is read
        loaded = load_corpus(corpus) if corpus is not None and fmt is SheetFormat.qdpx and not both else None
        if loaded is not None and codebook_path is None and loaded.vocabulary.codebook is not None:
            # A corpus is exported with its own codebook (its codebook.yaml, else the project's), so
            # every code it holds has its Code in the project: no CodeRef points at nothing.
            book = loaded.vocabulary.codebook
            used = next((f for f in loaded.vocabulary.files if Path(f).name == "codebook.yaml"), None)
        else:
            book = sheet_codebook(codebook_path)
            used = codebook_path
        book_name = str(used) if used is not None else "data/codebook.yaml"
        if fmt is SheetFormat.qdc:
            if screening is not None or corpus is not None:
                raise fail("--format qdc writes the codebook alone: leave out the screening sheet and --corpus")
            refi.write_codebook(book, out, origin=origin, force=force)
            typer.echo(f"codebook: {len(book.categories)} categories -> {out}")
            return
        if (screening is None) == (corpus is None):
            raise fail("--format qdpx: give either the screening sheet or --corpus DIR (not both)")
        names = check_coders(coders) if coders else []
        if loaded is not None:
            assert corpus is not None
            reports = loaded.reports.assign(date=loaded.reports["date"].dt.strftime("%Y-%m-%d"))
            codes = loaded.codes.drop(columns="report_row")
            name = corpus.resolve().name
        else:
            assert screening is not None
            decided = read_screening(screening, undecided.value)
            reports = included_reports(decided, read_collected(collected or screening.parent / "collected.csv"))
            codes = pd.DataFrame(columns=["report_id", "category", "mode", "level", "coder", "note"])
            name = screening.stem
        refi.write_project(
            refi.ProjectInput(reports, codes, names, name),
            book,
            out,
            origin=origin,
            force=force,
            codebook_name=book_name,
        )
    users = list(dict.fromkeys([*names, *codes["coder"].astype(str)]))
    typer.echo(f"project: {len(reports)} reports, {len(codes)} codes, users: {', '.join(users) or 'none'} -> {out}")
    typer.echo(
        "next: open it in a QDA tool, code with the <category>/<mode>/<level> codes, export a .qdpx, then "
        "`kzperception code import FILE.qdpx --out DIR`"
    )


def code_import_cmd(
    sheets: Annotated[
        list[Path],
        typer.Argument(
            help="Coded sheets, one per coder (.xlsx or .csv), or one REFI-QDA project (.qdpx) coded in a QDA tool.",
            dir_okay=False,
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Corpus folder to write (reports.csv, codes.csv).", file_okay=False)
    ],
    manifest: Annotated[
        Path | None,
        typer.Option(
            "--manifest",
            help="coding-manifest.json written by `code export` (default: beside the first sheet).",
            dir_okay=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a corpus already in --out.")] = False,
    codebook: Annotated[
        Path | None,
        typer.Option(
            "--codebook",
            help="The codebook the sheets were exported with, or a .qdpx's codes are mapped to "
            "(default data/codebook.yaml); written into the corpus as its codebook.yaml, so validate, "
            "counts and rerun use it.",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Read coded sheets (one coder per sheet) or a coded .qdpx project (one coder per user) into a corpus."""
    # The corpus is written into a hidden folder beside --out and renamed into place (write_corpus).
    kept = files_kept(out, CORPUS_WRITTEN, f"no corpus written; {out} left as it was, the temporary folder removed")
    with interruptible(kept):
        from kzperception.fieldwork.sheets import write_imported

        projects = [p for p in sheets if p.suffix.lower() in (".qdpx", ".qde")]
        with _errors(where=out):
            if projects:
                if len(sheets) != 1:
                    raise fail("code import: one .qdpx project at a time, without sheets")
                from kzperception.fieldwork.refi import write_project_import

                corpus = write_project_import(projects[0], out, codebook, force=force)
            else:
                corpus = write_imported(sheets, out, force=force, manifest=manifest, codebook=codebook)
        coders = ", ".join(corpus.coders)
        typer.echo(f"corpus: {len(corpus.reports)} reports, {len(corpus.codes)} codes, coders: {coders} -> {out}")


def reliability_cmd(
    folder: Annotated[Path, typer.Argument(help="Corpus folder coded by two or more coders.")],
    fmt: Annotated[Format, typer.Option("--format", help="csv (machine-readable) or table.")] = Format.table,
    disagreements_out: Annotated[
        Path | None,
        typer.Option(
            "--disagreements",
            help="Write every report, category and mode where coders differ, with each coder's "
            "level and note, to this CSV.",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Krippendorff's alpha with a 95% bootstrap interval, and Cohen's kappa with its standard error, per category.

    Alpha's interval comes from 1000 seeded resamples of the reports (the same corpus always gives
    the same interval); kappa (two coders only) and its standard error from statsmodels. Where a
    coefficient is undefined the table says why (the reliability table's note), rather than
    showing a bare dash.
    """
    # The bootstrap takes seconds on a large corpus; --disagreements is written whole by a rename.
    kept: str | Callable[[], str] = READ_ONLY
    if disagreements_out is not None:
        kept = files_kept(
            disagreements_out.parent,
            (disagreements_out.name,),
            f"no table printed; {disagreements_out} left as it was",
        )
    with interruptible(kept):
        from kzperception.atomic import write_text_atomic
        from kzperception.data.corpus import load_corpus
        from kzperception.fieldwork.reliability import disagreements, reliability_table

        with _errors():
            corpus = load_corpus(folder)
            table = reliability_table(corpus)
        if disagreements_out is not None:
            found = disagreements(corpus)
            try:
                write_text_atomic(disagreements_out, found.to_csv(index=False, lineterminator="\n"))
            except OSError as err:
                raise fail(f"--disagreements: {os_error_line(err, disagreements_out)}") from None
            note(
                f"{found[['report_id', 'category', 'mode']].drop_duplicates().shape[0]} disagreement(s) "
                f"-> {disagreements_out}"
            )
        if fmt is Format.csv:
            sys.stdout.write(table.to_csv(index=False, float_format="%.6f", lineterminator="\n"))
            return
        print_table(table, f"Inter-coder reliability — {folder}", float_format=".3f")


COMMANDS: dict[str, Callable[..., None]] = {
    "collect": collect_cmd,
    "screen": screen_cmd,
    "reliability": reliability_cmd,
}


def register(app: typer.Typer) -> None:
    """Add ``collect``, ``screen``, ``code export|import`` and ``reliability`` to ``app``."""
    for name, func in COMMANDS.items():
        app.command(name)(func)
    code_app = typer.Typer(
        help="Coding sheets: export one per coder, import coded sheets as a corpus.", no_args_is_help=True
    )
    code_app.command("export")(code_export_cmd)
    code_app.command("import")(code_import_cmd)
    app.add_typer(code_app, name="code")


def _standalone() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True)
    register(app)
    return app


if __name__ == "__main__":  # `python -m kzperception.cli.fieldwork ...` (tests run it as a process)
    _standalone()()
