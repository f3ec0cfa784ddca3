"""The project's controlled vocabulary (docs/corpus.md) as one value: partners, websites, categories.

Code, data and prose use ids; labels are what a reader sees. Partners (the perceived countries),
websites and the codebook's categories are data: ``data/partners.yaml``, ``data/websites.yaml`` and
``data/codebook.yaml``. A study of the EU, the US or Turkey adds a partner there, or in a
``partners.yaml`` inside its own corpus folder; a researcher who finds an inductive category adds
it to a ``codebook.yaml`` beside the corpus. Nobody edits code.

A :class:`Vocabulary` is a frozen value handed to whatever needs it: :func:`vocabulary_for` gives
a corpus folder's (its own files where it has them, the project's otherwise), and
:meth:`Vocabulary.default` the project's (``KZP_PARTNERS`` and ``KZP_WEBSITES`` point at other
files, as before). A loaded corpus and its counts carry theirs (``Corpus.vocabulary``,
``Counts.vocabulary``), so a chapter rerun on a corpus with a third partner needs no state set
at import.

The module-level names (``COUNTRIES``, ``CATEGORIES``, ``CATEGORY_LABELS`` ...) are the default
vocabulary, read once at import, for code that works on the project's own data only (the
published figures, the audit, the register). Code that can meet a corpus takes the corpus's value.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from kzperception import paths
from kzperception.data import terms
from kzperception.data.errors import VocabularyError
from kzperception.data.terms import (  # re-exported: callers import the vocabulary's names from here
    LEVEL_LABELS,
    LEVELS,
    MODE_LABELS,
    MODES,
    PALETTE,
    PARTNERS_ENV,
    PARTNERS_FILE,
    PERIODS,
    RESERVED_IDS,
    WEBSITES_ENV,
    WEBSITES_FILE,
    Partner,
    Website,
    check_disjoint,
    load_partners,
    load_websites,
)

if TYPE_CHECKING:
    from kzperception.data.codebook import Codebook

__all__ = [
    "CATEGORIES",
    "CATEGORY_LABELS",
    "COOPERATION_ONLY",
    "CORPUS_CODEBOOK",
    "CORPUS_PARTNERS",
    "COUNTRIES",
    "COUNTRY_COLORS",
    "COUNTRY_LABELS",
    "LEVELS",
    "LEVEL_LABELS",
    "MODES",
    "MODE_LABELS",
    "PALETTE",
    "PARTNERS",
    "PARTNERS_ENV",
    "PARTNERS_FILE",
    "PERIODS",
    "RESERVED_IDS",
    "WEBSITES",
    "WEBSITES_ENV",
    "WEBSITES_FILE",
    "WEBSITE_COLORS",
    "WEBSITE_HOSTS",
    "WEBSITE_ITEMS",
    "WEBSITE_LABELS",
    "WEBSITE_NAMES",
    "CategoryTerm",
    "Partner",
    "Vocabulary",
    "VocabularyError",
    "Website",
    "check_disjoint",
    "default_vocabulary",
    "load_partners",
    "load_websites",
    "partner_label",
    "vocabulary_for",
    "website_label",
]

#: The files a corpus folder may carry beside reports.csv and codes.csv to replace the project's.
CORPUS_PARTNERS = "partners.yaml"
CORPUS_CODEBOOK = "codebook.yaml"


@dataclass(frozen=True)
class CategoryTerm:
    """One category as counts and charts need it: its id, the short label a table shows, its modes."""

    id: str
    label: str
    cooperation_only: bool = False


@dataclass(frozen=True)
class Vocabulary:
    """Partners, websites and the codebook's categories of one study, in file order.

    A value: two vocabularies read from the same files are equal, and one can be hashed (the
    corpus checks cache their schemas by it). ``codebook`` is the whole validated codebook
    (definitions, examples), for the chapters that show it (a rerun's 6.3 presents the categories
    it adds) and the coding tools; equality looks at the categories derived from it.
    """

    partners: tuple[Partner, ...]
    websites: tuple[Website, ...]
    categories: tuple[CategoryTerm, ...]
    codebook: Codebook | None = field(default=None, compare=False, repr=False)
    #: The files this value was read from (partners, websites, codebook), for captions and markers.
    files: tuple[Path, ...] = field(default=(), compare=False)

    #: The same in every study: the window's two periods, the codes' modes and levels.
    periods: ClassVar[tuple[str, ...]] = PERIODS
    modes: ClassVar[tuple[str, ...]] = MODES
    levels: ClassVar[tuple[str, ...]] = LEVELS

    def __post_init__(self) -> None:
        check_disjoint(self.partners, self.websites)
        taken = {p.id for p in self.partners} | {w.id for w in self.websites}
        clash = sorted(taken & {c.id for c in self.categories})
        if clash:
            raise VocabularyError(
                f"codebook and partners or websites: id {clash[0]!r} is used by both; give one another id"
            )

    # --- building --------------------------------------------------------------------------------

    @staticmethod
    def default() -> Vocabulary:
        """The project's: ``data/partners.yaml`` (or ``$KZP_PARTNERS``), ``data/websites.yaml``
        (or ``$KZP_WEBSITES``) and ``data/codebook.yaml``; read once per process and set of files."""
        # Asked for once per table cell by the display layer: the files are resolved once per
        # setting of the variables that choose them (and folder they are relative to), not per call.
        return _default_for(
            os.environ.get(terms.PARTNERS_ENV), os.environ.get(terms.WEBSITES_ENV), _cwd(), str(paths.CODEBOOK)
        )

    @staticmethod
    def from_codebook(
        partners: tuple[Partner, ...], websites: tuple[Website, ...], codebook: Codebook, files: tuple[Path, ...] = ()
    ) -> Vocabulary:
        """A vocabulary whose categories are the codebook's, in its order."""
        cats = tuple(CategoryTerm(c.id, c.table_label, c.cooperation_only) for c in codebook.categories)
        return Vocabulary(partners, websites, cats, codebook, files)

    def with_codebook(self, codebook: Codebook, path: str | os.PathLike[str] | None = None) -> Vocabulary:
        """This vocabulary's partners and websites with ``codebook``'s categories (read from ``path``).

        Why: an import given a researcher's ``--codebook`` validates and describes the corpus it
        writes with that codebook's categories, and the rest of the study's vocabulary unchanged.
        """
        files = list(self.files)
        if path is not None:
            if len(files) == 3:
                files[2] = Path(path)
            else:
                files.append(Path(path))
        return Vocabulary.from_codebook(self.partners, self.websites, codebook, tuple(files))

    # --- partners --------------------------------------------------------------------------------

    @property
    def partner_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.partners)

    def partner(self, partner_id: str) -> Partner:
        """One partner by id; a KeyError naming the known ids otherwise."""
        for p in self.partners:
            if p.id == partner_id:
                return p
        raise KeyError(f"unknown partner {partner_id!r}; the vocabulary has {'|'.join(self.partner_ids)}")

    def partner_label(self, partner_id: str) -> str:
        """The reader's label of a partner id; an unknown id is shown as itself, never a KeyError."""
        return next((p.label for p in self.partners if p.id == partner_id), partner_id)

    def partner_colour(self, partner_id: str) -> str:
        """The colour its file gives a partner (or the next free default); charts snap it to the
        book's partner series with :func:`kzperception.book.palette.partner_colours`."""
        return str(self.partner(partner_id).colour)

    @property
    def partner_labels(self) -> dict[str, str]:
        return {p.id: p.label for p in self.partners}

    @property
    def partner_colours(self) -> dict[str, str]:
        return {p.id: str(p.colour) for p in self.partners}

    # --- websites --------------------------------------------------------------------------------

    @property
    def website_ids(self) -> tuple[str, ...]:
        return tuple(w.id for w in self.websites)

    def website_label(self, website_id: str) -> str:
        """The reader's label of a website id; an unknown id is shown as itself."""
        return next((w.label for w in self.websites if w.id == website_id), website_id)

    @property
    def website_labels(self) -> dict[str, str]:
        return {w.id: w.label for w in self.websites}

    @property
    def website_colours(self) -> dict[str, str]:
        return {w.id: str(w.colour) for w in self.websites}

    @property
    def website_hosts(self) -> dict[str, str]:
        return {w.id: w.host for w in self.websites}

    @property
    def website_names(self) -> dict[str, str]:
        return {w.id: w.display_name for w in self.websites}

    # --- categories ------------------------------------------------------------------------------

    @property
    def category_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories)

    def category_label(self, category_id: str) -> str:
        """The short label tables and charts show ("Economic"); an unknown id is shown as itself."""
        return next((c.label for c in self.categories if c.id == category_id), category_id)

    @property
    def category_labels(self) -> dict[str, str]:
        return {c.id: c.label for c in self.categories}

    @property
    def cooperation_only(self) -> frozenset[str]:
        """Categories with no non-cooperation variant (the thesis's cross-border)."""
        return frozenset(c.id for c in self.categories if c.cooperation_only)

    def code_cells(self) -> tuple[tuple[str, str], ...]:
        """Every (category, mode) a code may take, in codebook order."""
        return tuple(
            (c.id, m) for c in self.categories for m in MODES if not (m == "non_cooperation" and c.cooperation_only)
        )


def _cwd() -> str:
    """The working folder, part of the cache key of relative ``$KZP_PARTNERS`` / ``$KZP_WEBSITES``
    paths; a folder removed under the process reads as none (the paths then resolve as before)."""
    try:
        return os.getcwd()
    except OSError:
        return ""


@lru_cache(maxsize=8)
def _default_for(partners_env: str | None, websites_env: str | None, cwd: str, codebook: str) -> Vocabulary:
    """:meth:`Vocabulary.default` for one setting of ``$KZP_PARTNERS``, ``$KZP_WEBSITES``, the working
    folder and the codebook path (the arguments are the cache key; the files are resolved here)."""
    return _default(terms.partners_path().resolve(), terms.websites_path().resolve(), Path(codebook).resolve())


@lru_cache(maxsize=8)
def _default(partners_file: Path, websites_file: Path, codebook_file: Path) -> Vocabulary:
    from kzperception.data.codebook import load_codebook

    partners, websites = load_partners(partners_file), load_websites(websites_file)
    codebook = load_codebook(codebook_file, partners=[p.id for p in partners])
    return Vocabulary.from_codebook(partners, websites, codebook, (partners_file, websites_file, codebook_file))


def default_vocabulary() -> Vocabulary:
    """The project's vocabulary (:meth:`Vocabulary.default`); a function, for ``default_factory``."""
    return Vocabulary.default()


def vocabulary_for(folder: str | os.PathLike[str] | None) -> Vocabulary:
    """The vocabulary of a corpus folder: its own ``partners.yaml`` and ``codebook.yaml`` where present.

    A folder's ``partners.yaml`` replaces the partner list (same format and checks as
    ``data/partners.yaml``; a problem raises :class:`VocabularyError` naming file, line, item and
    field); its ``codebook.yaml`` replaces the categories (checked by
    :func:`kzperception.data.codebook.load_codebook` against the folder's partners; a problem
    raises :class:`~kzperception.data.codebook.CodebookError` naming the file and field). The
    websites, and whatever the folder does not carry, are the project's (:meth:`Vocabulary.default`).
    """
    base = Vocabulary.default()
    if folder is None:
        return base
    folder = Path(folder)
    own_partners, own_codebook = folder / CORPUS_PARTNERS, folder / CORPUS_CODEBOOK
    if not own_partners.exists() and not own_codebook.exists():
        return base
    from kzperception.data.codebook import load_codebook

    partners = load_partners(own_partners) if own_partners.exists() else base.partners
    check_disjoint(partners, base.websites)
    files = list(base.files)
    if own_partners.exists():
        files[0] = own_partners
    if own_codebook.exists():
        codebook = load_codebook(own_codebook, partners=[p.id for p in partners], name=str(own_codebook))
        files[2] = own_codebook
    else:
        assert base.codebook is not None
        codebook = base.codebook
    return Vocabulary.from_codebook(partners, base.websites, codebook, tuple(files))


# --- the default vocabulary as module names, for code that only meets the project's own data ----

DEFAULT: Vocabulary = Vocabulary.default()
PARTNERS: tuple[Partner, ...] = DEFAULT.partners
WEBSITE_ITEMS: tuple[Website, ...] = DEFAULT.websites

COUNTRIES: tuple[str, ...] = DEFAULT.partner_ids
WEBSITES: tuple[str, ...] = DEFAULT.website_ids

#: Category ids in the order of ``data/codebook.yaml`` (the thesis's: two deductive, five inductive).
CATEGORIES: tuple[str, ...] = DEFAULT.category_ids
#: Categories with no non-cooperation variant (their ``modes`` in the codebook lack it).
COOPERATION_ONLY: frozenset[str] = DEFAULT.cooperation_only

COUNTRY_LABELS: dict[str, str] = DEFAULT.partner_labels
#: Colours by partner id (never by label: two partners could be relabelled alike in a translation).
COUNTRY_COLORS: dict[str, str] = DEFAULT.partner_colours
WEBSITE_LABELS: dict[str, str] = DEFAULT.website_labels
WEBSITE_COLORS: dict[str, str] = DEFAULT.website_colours
#: The host a report's URL must be on, per website (``www.`` and subdomains allowed).
WEBSITE_HOSTS: dict[str, str] = DEFAULT.website_hosts
#: How a quotation's source line names each website.
WEBSITE_NAMES: dict[str, str] = DEFAULT.website_names
#: Short labels of the categories (the codebook's ``short_label``), as tables and charts show them.
CATEGORY_LABELS: dict[str, str] = DEFAULT.category_labels


def partner_label(partner: str) -> str:
    """The reader's label of a partner id of the default vocabulary; an unknown id is shown as itself."""
    return COUNTRY_LABELS.get(partner, partner)


def website_label(website: str) -> str:
    """The reader's label of a website id; an unknown id is shown as itself."""
    return WEBSITE_LABELS.get(website, website)
