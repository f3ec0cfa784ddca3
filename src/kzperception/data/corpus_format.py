"""The corpus interchange format (docs/corpus.md): its files, columns, vocabularies and error.

Kept apart from the reader, the checks and the writer so that each of them (and the coding-sheet
importer) names the columns from one place, and :class:`CorpusError` can be raised by any of them
without importing the others.
"""

from __future__ import annotations

import re

from kzperception.data.vocabulary import CATEGORIES, COUNTRIES, LEVELS, MODES, WEBSITES, Vocabulary

REPORT_COLUMNS: tuple[str, ...] = (
    "id",
    "country",
    "website",
    "entity",
    "date",
    "url",
    "title_ru",
    "title_en",
    "excerpt_ru",
    "excerpt_en",
    "provenance",
    "note",
)
REPORT_REQUIRED: tuple[str, ...] = ("id", "country", "website", "date")
CODE_COLUMNS: tuple[str, ...] = ("report_id", "category", "mode", "level", "coder", "note")
CODE_REQUIRED: tuple[str, ...] = ("report_id", "category", "mode", "level")
DEFAULT_CODER = "primary"
#: Fields whose surrounding whitespace is removed on reading (docs/corpus.md); the rest is free text.
TRIMMED_COLUMNS: tuple[str, ...] = (
    "id",
    "country",
    "website",
    "entity",
    "date",
    "provenance",
    "report_id",
    "category",
    "mode",
    "level",
    "coder",
)
#: The files of a corpus folder.
CORPUS_FILES: tuple[str, ...] = ("reports.csv", "codes.csv")


class CorpusError(ValueError):
    """A corpus broke one or more rules; ``problems`` lists every violation, one per line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))

    def summary(self, limit: int = 50) -> list[str]:
        """The lines to print: every problem up to ``limit``; past it, the first few of each kind.

        A sheet with a million bad dates should print a screenful that says what is wrong and how
        often, not a million lines: each kind (the rule broken, with values and line numbers left
        out, see :func:`problem_kind`) shows its first examples, then ``… and N more 'kind'
        problems``, and a last line gives the total. Kinds are found by Arrow's regex kernels, so a
        million problems are summarised in well under a second.
        """
        if len(self.problems) <= limit:
            return list(self.problems)
        # Imported here: this module is read by the pandas-free fast path of ``validate``
        # (:mod:`kzperception.data.corpus_clean`), which never summarises.
        import numpy as np
        import pyarrow as pa_arrow
        import pyarrow.compute as pc

        kinds = pa_arrow.array(self.problems, type=pa_arrow.large_string())
        for pattern, replacement, count in _KIND_REWRITES:
            kinds = pc.replace_substring_regex(kinds, pattern, replacement, max_replacements=count)
        encoded = (
            pc.dictionary_encode(kinds).combine_chunks()
            if isinstance(kinds, pa_arrow.ChunkedArray)
            else pc.dictionary_encode(kinds)
        )
        names = encoded.dictionary.to_pylist()  # in order of first appearance
        index = encoded.indices.to_numpy(zero_copy_only=False)
        sizes = np.bincount(index, minlength=len(names))
        order = np.argsort(index, kind="stable")  # each kind's problems together, in file order
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        per_kind = max(1, min(5, limit // len(names)))
        out: list[str] = []
        for k, kind in enumerate(names):
            if len(out) >= limit:
                rest = int(sizes[k:].sum())
                out.append(f"… and {rest:,} more problems of {len(names) - k:,} other kinds")
                break
            out += [self.problems[i] for i in order[starts[k] : starts[k] + min(per_kind, sizes[k])]]
            if sizes[k] > per_kind:
                out.append(f"… and {int(sizes[k]) - per_kind:,} more '{kind}' problems")
        out.append(f"{len(self.problems):,} problems in all")
        return out


#: How a problem line becomes its kind: drop the line number after the file name, put ``…`` for
#: each quoted value, ``line N`` for line references. Written for RE2 (Arrow) and Python's re alike.
_KIND_REWRITES: tuple[tuple[str, str, int], ...] = (
    (r"^([^:\n]*):[0-9]+: ", r"\1: ", 1),
    (r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"", "…", -1),
    (r"\bline [0-9]+", "line N", -1),
)


def problem_kind(problem: str) -> str:
    """The rule a problem line breaks: its file and message without line number or quoted values.

    ``reports.csv:7: date: '2022-2-5' is not YYYY-MM-DD`` and the same on line 9 with another value
    are one kind, ``reports.csv: date: … is not YYYY-MM-DD``. (:meth:`CorpusError.summary` applies
    the same rewrites to all problems at once.)
    """
    for pattern, replacement, count in _KIND_REWRITES:
        problem = re.sub(pattern, replacement, problem, count=max(count, 0))
    return problem


#: Per-field rules, stated once: the pandera schemas below and the vectorised pre-pass of
#: :func:`validate_frames` are both built from these, so they cannot drift apart.
#: These two are the project's default vocabulary; a corpus is checked against its own
#: (:func:`report_vocabulary`, :func:`code_vocabulary` of its :class:`Vocabulary`).
REPORT_VOCABULARY: dict[str, tuple[str, ...]] = {"country": COUNTRIES, "website": WEBSITES}
CODE_VOCABULARY: dict[str, tuple[str, ...]] = {"category": CATEGORIES, "mode": MODES, "level": LEVELS}


def report_vocabulary(vocabulary: Vocabulary | None = None) -> dict[str, tuple[str, ...]]:
    """The allowed values of reports.csv's vocabulary columns under ``vocabulary`` (default: the project's)."""
    if vocabulary is None:
        return REPORT_VOCABULARY
    return {"country": vocabulary.partner_ids, "website": vocabulary.website_ids}


def code_vocabulary(vocabulary: Vocabulary | None = None) -> dict[str, tuple[str, ...]]:
    """The allowed values of codes.csv's vocabulary columns under ``vocabulary`` (default: the project's)."""
    if vocabulary is None:
        return CODE_VOCABULARY
    return {"category": vocabulary.category_ids, "mode": MODES, "level": LEVELS}
