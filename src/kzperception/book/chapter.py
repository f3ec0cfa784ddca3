"""What every parameterised chapter does first: read its parameters, load its counts, glue labels.

A chapter notebook's parameters are ``source`` (``published`` or a corpus folder) and the window
dates. :func:`open_chapter` validates them with the same rules as the CLI, loads the counts and
glues the labels the prose uses (the period labels follow the window), so a chapter's first code
cell is one line and runs unchanged on the thesis's figures or on a rerun's corpus.
"""

from __future__ import annotations

from dataclasses import dataclass

from IPython.display import HTML

from kzperception.analysis.measures import codes_beside_thesis, reports_beside_thesis
from kzperception.book.display import PAGE_VOCABULARY, glue_text, html_text, show_table
from kzperception.book.params import ChapterParams
from kzperception.data.codebook import Codebook, default_codebook
from kzperception.data.counts import PUBLISHED, Counts, load_counts, require_coded, require_reports
from kzperception.data.datapackage import corpus_label
from kzperception.data.window import Window


@dataclass(frozen=True)
class Chapter:
    """The counts a chapter draws from, and the published baseline beside a rerun."""

    counts: Counts
    baseline: Counts | None

    @property
    def window(self) -> Window:
        return self.counts.window

    @property
    def codebook(self) -> Codebook:
        """The codebook the page's counts use: a corpus's own ``codebook.yaml``, else the project's."""
        return self.counts.vocabulary.codebook or default_codebook()

    def source_note(self) -> HTML | None:
        """What the page's numbers come from, where a reader needs telling: only in a rerun book.

        The main book's numbers are the thesis's published counts on every page, and its landing
        page says so once; a banner repeating it on every chapter (pages without a figure
        included) only stands between the reader and the text, so there is none (None shows
        nothing). A rerun page names its corpus and window, and a synthetic corpus is labelled a
        demonstration, on every page that shows its numbers. Every value from the corpus (its
        folder, its provenance values) goes through :func:`~kzperception.book.display.html_text`:
        the note shows them as text.
        """
        c = self.counts
        if c.is_published:
            return None
        # The corpus's folder and provenance values are the researcher's text: escaped, never markup.
        mix = ", ".join(f"{html_text(k)}: {v:,}" for k, v in c.corpus.provenance_mix.items()) if c.corpus else ""
        synthetic = c.corpus is not None and c.corpus.is_synthetic
        cls = "warning kzp-synthetic" if synthetic else "note kzp-source"
        head = (
            "Synthetic corpus — demonstration only: these numbers describe no real reports. "
            if synthetic
            else "Rerun: "
        )
        # The corpus is named by folder and short hash, never by an absolute local path.
        name = corpus_label(c.corpus.path) if c.corpus is not None and c.corpus.path else str(c.source)
        who = f"; codes of coder <code>{html_text(c.coder)}</code>" if c.coder else ""
        text = f"{head}Numbers on this page from corpus <code>{html_text(name)}</code> ({mix}){who}, window {c.window}."
        return HTML(f'<div class="admonition {cls}"><p>{text}</p></div>')

    def baseline_reports(self):
        """Report counts per slot beside the thesis's Table 1 (nothing when the page shows the thesis).

        Each side's columns carry its own window's labels: the thesis's counts are for 2020–22 and
        2022–23 whatever window the rerun uses.
        """
        if self.baseline is None:
            return None
        return show_table(
            reports_beside_thesis(self.counts, self.baseline), "baseline-reports", vocabulary=self.counts.vocabulary
        )

    def baseline_codes(self):
        """Main and secondary codes per country beside the thesis's, each over its own window (none on the thesis)."""
        if self.baseline is None:
            return None
        return show_table(
            codes_beside_thesis(self.counts, self.baseline), "baseline-codes", vocabulary=self.counts.vocabulary
        )

    def glue_thesis_note(self, key: str, text: str, rerun: str = "") -> None:
        """Glue ``text`` under ``key`` on a page of the thesis's own figures, and nothing on a rerun's.

        Some sentences speak of the thesis's material (what the thesis did or did not test); under a
        rerun's numbers they would describe work the rerun did not do, so a rerun's page shows
        ``rerun`` (nothing by default).
        """
        glue_text(key, text if self.counts.is_published else rerun)

    def reliability(self):
        """Agreement between coders per category, when the corpus has more than one coder (else nothing).

        The thesis was coded by one person and names that as a limit; a corpus coded by two or more
        researchers shows Krippendorff's alpha (and Cohen's kappa for two coders) here; the
        consensus, made from their codes, is not one of the coders compared.
        """
        corpus = self.counts.corpus
        if corpus is None or len(corpus.coders) < 2:
            return None
        from kzperception.fieldwork.reliability import compared_coders, reliability_table

        if len(compared_coders(corpus)) < 2:  # one coder and the consensus: nobody to agree with
            return None

        return show_table(reliability_table(corpus), "reliability", precision=3)


def _injected_coder() -> str | None:
    """The ``coder`` papermill injected into the running kernel, if any (None outside a kernel).

    A rerun passes the coder in :class:`ChapterParams` like the source and window; papermill
    writes it as a variable in the injected-parameters cell. Reading it here, rather than from a
    fourth argument of every chapter's ``open_chapter(...)`` call, keeps the chapters' code as it
    is: a chapter never names a coder itself.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of every kernel
        return None
    shell = get_ipython()
    value = shell.user_ns.get("coder") if shell is not None else None
    return value if isinstance(value, str) else None


def open_chapter(
    source: str | None = None,
    start: str | None = None,
    pivot: str | None = None,
    end: str | None = None,
    coder: str | None = None,
) -> Chapter:
    """Validate the parameters, load counts (and the published baseline for a corpus), glue labels.

    A parameter left ``None`` (every chapter's default) means the thesis's: the published figures
    and the thesis's window (:meth:`Window.from_options`), so no chapter spells out a date.
    ``coder`` (else the ``coder`` papermill injected) says whose codes a corpus's counts are; a
    corpus with several coders and none named is refused, as on the command line.
    """
    params = ChapterParams.from_cells(source, start, pivot, end, coder if coder is not None else _injected_coder())
    window = params.resolved_window
    counts = load_counts(params.source, window, params.coder)  # prepared ahead where prepare_chapter ran
    require_reports(counts)
    require_coded(counts)
    baseline = None if counts.is_published else load_counts(PUBLISHED)
    PAGE_VOCABULARY.set(counts.vocabulary)
    for period, label in window.labels.items():
        glue_text(f"label_{period}", label)
    for name, day in window.as_params().items():
        glue_text(f"window_{name}", day)
    return Chapter(counts, baseline)


def prepare_chapter(params: ChapterParams) -> None:
    """Load ahead what :func:`open_chapter` will load with ``params``, with the indexes every page reads.

    Called in the process chapter kernels are forked from (:class:`kzperception.book.warm_kernel.Zygote`),
    before any chapter runs: the counts and the published baseline are loaded once
    (:func:`~kzperception.data.counts.prepare_counts`, handed to each kernel's first
    :func:`open_chapter` while their files are unchanged), with their cell indexes built. The
    readings' verdicts are left to the pages (kept with the counts once a page asks,
    :attr:`~kzperception.data.counts.Counts.memo`): all of them on both counts took the zygote 0.4 s,
    more than the ten pages spend on the ones they use. Nothing is glued or shown here, and nothing
    a chapter defines is touched: a kernel still starts with the state a fresh import leaves, plus
    the results of the same loading it would do. A parameter the chapter would refuse raises here
    as there; the caller leaves it to the chapter.
    """
    from kzperception.data.counts import prepare_counts

    counts = prepare_counts(params.source, params.resolved_window, params.coder)
    baseline = None if counts.is_published else prepare_counts(PUBLISHED)
    for prepared in (counts, baseline):
        if prepared is not None:
            prepared.code_index  # noqa: B018 - built now, kept with the counts
            prepared.report_index  # noqa: B018
