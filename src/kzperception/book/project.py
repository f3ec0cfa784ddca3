"""What ``kzperception build`` builds the book on: the published figures, or a book project's corpus.

The main book (a checkout, an installed package) counts the thesis's published figures in every
chapter. A book project made by ``kzperception init`` may name a corpus, a window and a coder in
its ``kzperception-project.yml`` (:mod:`kzperception.data.project`); its book then runs the chapters
that count reports (those a rerun would run on that corpus, :func:`kzperception.book.rerun.available_chapters`)
and the front page on the corpus, with the same :class:`~kzperception.book.params.ChapterParams` a
rerun injects, while the thesis's own chapters (abstracts, background, method, codebook, what
followed the window) keep the published figures. Each chapter's parameters are part of its cache
key, so another coder or window re-executes exactly the chapters that count.

Everything is checked here, before a chapter runs: the corpus is loaded and validated, the coder is
chosen (several coders and none named is refused, as by ``counts`` and ``rerun``), and the window
must hold reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kzperception.book.params import ChapterParams
from kzperception.data.project import ProjectError, ProjectSettings

if TYPE_CHECKING:
    from kzperception.data.corpus import Corpus

__all__ = ["BookPlan", "plan_book", "published_coder_refusal"]


@dataclass(frozen=True)
class BookPlan:
    """The parameters of every chapter of one build, and of its front page."""

    #: The parameters of a chapter not named in :attr:`chapter_params`: the published figures (none injected).
    params: dict[str, str] = field(default_factory=dict)
    #: The chapters run on the project's corpus, with its parameters.
    chapter_params: dict[str, dict[str, str]] = field(default_factory=dict)
    #: The front page's parameters (None: the published figures).
    front_params: dict[str, str] | None = None
    corpus: Corpus | None = None
    #: Whose codes the corpus chapters count.
    coder: str | None = None

    @property
    def on_corpus(self) -> bool:
        return self.corpus is not None


def published_coder_refusal(settings: ProjectSettings | None) -> str:
    """The line ``build --coder`` is refused with where the book counts the published figures."""
    where = (
        f"name a corpus in {settings.file} ('corpus:' and 'coder:')"
        if settings is not None
        else "name a corpus in a book project's kzperception-project.yml (kzperception init makes one)"
    )
    return (
        "--coder: the published figures have one coder, the thesis's author; to count a coder of "
        f"your own corpus, {where}, or run kzperception rerun --corpus DIR --coder NAME"
    )


def plan_book(stems: Sequence[str], settings: ProjectSettings | None, coder: str | None = None) -> BookPlan:
    """Which of ``stems`` run on the project's corpus and with what parameters; checked before any run.

    ``coder`` (``build --coder``) overrides the file's ``coder``. Raises :class:`ProjectError` for
    ``--coder`` where the book counts the published figures, :class:`~kzperception.data.corpus.CorpusError`
    for an invalid corpus, :class:`~kzperception.data.counts.SourceError` for a coder that cannot be
    chosen (its message lists the corpus's coders) and :class:`~kzperception.data.window.WindowError`
    for a window without reports. All are one line (a corpus's problems one per line).
    """
    if settings is None or settings.corpus is None:
        if coder is not None:
            raise ProjectError(published_coder_refusal(settings))
        return BookPlan()
    from kzperception.book.rerun import available_chapters
    from kzperception.data.corpus import load_corpus
    from kzperception.data.counts import SourceError, load_counts, require_coded, require_reports

    corpus = load_corpus(settings.corpus)
    who = coder if coder is not None else settings.coder
    try:
        counts = load_counts(corpus, settings.window, who)
    except SourceError as err:
        if coder is None and settings.coder is not None:  # the file named it: say where
            raise SourceError(f"{settings.where('coder')}: {str(err).removeprefix('--coder: ')}") from None
        raise
    require_reports(counts)
    require_coded(counts)
    params = ChapterParams(str(settings.corpus), settings.window, counts.coder).papermill()
    known = set(available_chapters(corpus.vocabulary))
    return BookPlan(
        chapter_params={s: params for s in stems if s in known},
        front_params=params,
        corpus=corpus,
        coder=counts.coder,
    )
