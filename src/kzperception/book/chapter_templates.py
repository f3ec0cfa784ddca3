"""Chapter sources: which notebook a chapter stem is executed from, and the instances made from templates.

Most chapters are one notebook each. A chapter *instance* is made from a template, once per
partner of ``data/partners.yaml`` (:data:`PARTNER_CHAPTERS`, the one table of such templates): the
slot chapter ``06-3-<n>-<partner>-slots`` is ``notebooks/06-3-partner-slots.md`` with ``partner``
injected as a parameter, its heading filled from the partner's entry, and the partner's reading
(``notebooks/_fragments/<partner>-slots.md``, the thesis's own prose) spliced in when it has one.
:func:`chapter_source` resolves a stem, :func:`chapter_notebook` assembles what is executed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kzperception import paths
from kzperception.book.layout import BuildError

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from kzperception.data.vocabulary import Vocabulary

__all__ = [
    "COMPUTED_TAG",
    "FIELD",
    "PARTNER_CHAPTERS",
    "READING_NOTE_TAG",
    "READING_TAG",
    "RERUN_ONLY_TAG",
    "THESIS_ONLY_TAG",
    "ChapterSource",
    "PartnerChapters",
    "chapter_notebook",
    "chapter_source",
    "is_published",
    "partner_chapters",
    "source_vocabulary",
]


@dataclass(frozen=True)
class PartnerChapters:
    """A template notebook that makes one chapter per partner, and how its instances are named.

    ``stem`` and ``number`` are patterns with ``{n}`` (the instance's position, ``first`` for the
    first partner of data/partners.yaml) and ``{partner}`` (the partner's id); ``reading`` names the
    partner's own prose, relative to the notebooks folder, used when that file exists.
    """

    template: str
    stem: str
    number: str
    first: int
    reading: str

    def stem_of(self, partner: str, index: int) -> str:
        return self.stem.format(n=self.first + index, partner=partner)

    def parse(self, stem: str, vocabulary: Vocabulary | None = None) -> tuple[str, int] | None:
        """``(partner, index)`` when ``stem`` is an instance of a partner of ``vocabulary`` (default:
        the project's; a rerun passes its corpus's); else None.

        A stem of the right shape with a number that is not the partner's place in the list
        (``06-3-9-china-slots``) is no instance: every partner has exactly one stem.
        """
        partners = _partners(vocabulary)
        pattern = (
            re.escape(self.stem)
            .replace(r"\{n\}", "(?P<n>[0-9]+)")
            .replace(r"\{partner\}", "(?P<partner>[a-z][a-z0-9_]*)")
        )
        m = re.fullmatch(pattern, stem)
        if m is None or m["partner"] not in partners:
            return None
        index = partners.index(m["partner"])
        return (m["partner"], index) if int(m["n"]) == self.first + index else None


#: Every template that makes chapter instances. The main book's _toc.yml lists the thesis's two
#: (chapters/06-3-2-china-slots, chapters/06-3-3-russia-slots); a rerun makes one per partner in its corpus.
PARTNER_CHAPTERS: tuple[PartnerChapters, ...] = (
    PartnerChapters(
        template="06-3-partner-slots",
        stem="06-3-{n}-{partner}-slots",
        number="6.3.{n}",
        first=2,
        reading="_fragments/{partner}-slots.md",
    ),
)
#: Cell tags of a template: the computed section (left out where the reading alone is the page), the
#: note that introduces the reading beside a rerun's numbers, and the cell the reading replaces.
COMPUTED_TAG, READING_NOTE_TAG, READING_TAG = "computed-section", "reading-note", "reading"
#: Cell tag of any chapter: a passage about the thesis's own material that holds only where the page
#: shows the thesis's published figures (a note on a number the thesis prints, what the thesis did
#: with its reports). It is left out of a page run on a corpus, whose numbers it does not describe.
THESIS_ONLY_TAG = "thesis-only"
#: Cell tag of any chapter: the edition's exhibit or passage that takes the place of a thesis-only
#: one on a corpus (every partner's codes where the thesis drew China's and Russia's); left out of
#: the page on the published figures, where the thesis's own exhibit stands.
RERUN_ONLY_TAG = "rerun-only"
#: A template's Markdown field, ``{{label}}``: filled for an instance, or named in words where it is absent.
FIELD = re.compile(r"\{\{\s*([^{}\s]*)\s*\}\}")


@dataclass(frozen=True)
class ChapterSource:
    """What one chapter stem is executed from: its own notebook, or a template filled for a partner."""

    stem: str
    notebook: Path
    partner: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    reading: Path | None = None

    @property
    def parameters(self) -> dict[str, str]:
        """What papermill injects besides the book's parameters: the partner of an instance."""
        return {"partner": self.partner} if self.partner is not None else {}

    def missing(self) -> list[Path]:
        return [] if self.notebook.is_file() else [self.notebook]


def _partners(vocabulary: Vocabulary | None) -> tuple[str, ...]:
    if vocabulary is None:
        from kzperception.data.vocabulary import Vocabulary

        vocabulary = Vocabulary.default()
    return vocabulary.partner_ids


def partner_chapters(partners: Iterable[str] | None = None, vocabulary: Vocabulary | None = None) -> list[str]:
    """The instance stems for ``partners`` (default: all of the vocabulary's), in the vocabulary's order.

    ``vocabulary`` is the project's unless given: a rerun passes its corpus's, so a partner its
    ``partners.yaml`` adds gets a slot chapter numbered after the others.
    """
    every = _partners(vocabulary)
    wanted = set(every if partners is None else partners)
    return [t.stem_of(p, i) for t in PARTNER_CHAPTERS for i, p in enumerate(every) if p in wanted]


def source_vocabulary(params: dict[str, str]) -> Vocabulary:
    """The vocabulary a chapter's ``source`` parameter names: a corpus folder's own, else the project's."""
    from kzperception.data.vocabulary import Vocabulary, vocabulary_for

    return Vocabulary.default() if is_published(params) else vocabulary_for(params["source"])


def chapter_source(stem: str, notebooks: Path | None = None, vocabulary: Vocabulary | None = None) -> ChapterSource:
    """Resolve a chapter stem: an instance of a :data:`PARTNER_CHAPTERS` template for a partner of
    ``vocabulary`` (default: the project's), or ``<notebooks>/<stem>.md``."""
    nb_dir = Path(notebooks or paths.NOTEBOOKS)
    for template in PARTNER_CHAPTERS:
        found = template.parse(stem, vocabulary)
        if found is None:
            continue
        from kzperception.book.display import myst_text
        from kzperception.data.vocabulary import Vocabulary

        partner, index = found
        label = (vocabulary or Vocabulary.default()).partner_label(partner)
        reading = nb_dir / template.reading.format(partner=partner)
        # Labels are plain text by data/partners.yaml's rules; escaped all the same, as any file's value.
        fields = {
            "partner": partner,
            "label": myst_text(label, at_line_start=False),
            "anchor": f"sec-{partner}-slots",
            "number": template.number.format(n=template.first + index),
        }
        return ChapterSource(
            stem, nb_dir / f"{template.template}.md", partner, fields, reading if reading.is_file() else None
        )
    return ChapterSource(stem, nb_dir / f"{stem}.md")


def is_published(params: dict[str, str]) -> bool:
    return params.get("source", "published") == "published"


def _demote(markdown: str) -> str:
    """One heading level down for every ATX heading outside a fence (the reading under its own heading)."""
    out, fence = [], None
    for line in markdown.splitlines(keepends=True):
        m = re.match(r"\s*(`{3,}|:{3,})", line)
        if m and (fence is None or m[1].startswith(fence)):
            fence = None if fence is not None else m[1]
        elif fence is None and re.match(r"#{1,5} ", line):
            line = "#" + line
        out.append(line)
    return "".join(out)


def _uncomment(markdown: str) -> str:
    """A cell without the MyST comment lines (``% ...``) that open it: notes to a template's or reading's editor."""
    lines = markdown.splitlines(keepends=True)
    while lines and lines[0].startswith("%"):
        lines.pop(0)
    while lines and not lines[0].strip():
        lines.pop(0)
    return "".join(lines)


#: A reference to one of the thesis's own exhibits: ``{numref}`figure-2``` or ``{numref}`Figures %s <figure-6>```.
_THESIS_NUMREF = re.compile(r"\{numref\}`(?:([^`<]*?)\s*<)?(figure|table)-([1-9][0-9]*)>?`")


def _thesis_exhibits(markdown: str) -> str:
    """The thesis's reading with its references to its own figures and tables as words ("Figure 2 of the thesis").

    Beside a rerun's numbers, ``{numref}`figure-2``` would link the thesis's sentence to the
    rerun's Figure 2, which shows other numbers. The thesis's figure is the one it speaks of.
    """

    def words(m: re.Match[str]) -> str:
        title = m[1] if m[1] else f"{m[2].capitalize()} %s"
        return f"{title.replace('%s', m[3]).replace('{number}', m[3])} of the thesis"

    return _THESIS_NUMREF.sub(words, markdown)


def chapter_notebook(source: ChapterSource, params: dict[str, str]) -> NotebookNode:
    """The notebook executed for a chapter, before papermill: the chapter's own, or its instance assembled.

    For an instance, the template's Markdown fields (``{{label}}`` ...) are filled; the partner's
    reading replaces the ``reading`` cell when there is one. On the published figures the reading
    is the page (the computed section and the note are left out, so 6.3.2 and 6.3.3 read as the
    thesis wrote them); beside a rerun's numbers it follows the computed section under the note,
    its headings one level down. A partner without a reading gets the computed section alone.
    """
    import jupytext

    nb = jupytext.read(source.notebook)
    if not is_published(params):
        nb.cells = [c for c in nb.cells if THESIS_ONLY_TAG not in c.metadata.get("tags", [])]
    else:
        nb.cells = [c for c in nb.cells if RERUN_ONLY_TAG not in c.metadata.get("tags", [])]
    for cell in nb.cells:
        _drop_assembly_tags(cell)
    if source.partner is None:
        return nb
    reading = jupytext.read(source.reading).cells if source.reading is not None else None
    alone = reading is not None and is_published(params)
    cells = []
    for part in reading or []:
        if part.cell_type == "markdown":
            part.source = _uncomment(part.source)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "markdown":
            cell.source = FIELD.sub(lambda m: _fill(source, m[1]), _uncomment(cell.source))
        if (COMPUTED_TAG in tags and alone) or (READING_NOTE_TAG in tags and (reading is None or alone)):
            continue
        if READING_TAG in tags:
            for part in reading or []:
                if part.cell_type == "markdown" and not alone:
                    part.source = _thesis_exhibits(_demote(part.source))
                cells.append(part)
            continue
        cells.append(cell)
    nb.cells = cells
    return nb


def _drop_assembly_tags(cell: NotebookNode) -> None:
    """Take :data:`THESIS_ONLY_TAG` and :data:`RERUN_ONLY_TAG` off a cell the assembly kept.

    They say which book a cell belongs in and are spent once the cell is chosen. Left on, myst-nb
    would write them into the page as classes (``tag_thesis-only``), so tagging a shown cell of the
    main book would change its page; taken off, a page is the same whether its cells carry them or not.
    """
    tags = cell.metadata.get("tags")
    if not tags or not ({THESIS_ONLY_TAG, RERUN_ONLY_TAG} & set(tags)):
        return
    kept = [t for t in tags if t not in (THESIS_ONLY_TAG, RERUN_ONLY_TAG)]
    if kept:
        cell.metadata["tags"] = kept
    else:
        del cell.metadata["tags"]


def _fill(source: ChapterSource, name: str) -> str:
    if name not in source.fields:
        raise BuildError(
            f"{source.notebook}: unknown field {{{{{name}}}}} in the template "
            f"(known: {', '.join(sorted(source.fields))})"
        )
    return source.fields[name]
