"""The counts contract: one tidy frame that every table, figure and sentence is drawn from.

``report_counts`` gives ``country, website, period, n`` (8 rows: every slot, zeros included).
``code_counts`` gives ``country, period, category, mode, level, n`` with period ``before``,
``after`` or ``all``. Both accept a corpus (counted under a window) or the published figures
(the thesis's own numbers, at the granularity it prints them). The frames look the same either
way, so chart and table functions never ask where their numbers came from; ``frame.attrs``
records the source and window for captions.

The unit of a code count is a report: a report coded ``economic`` main counts once in that cell
however many paragraphs discuss trade. With several coders, one coder's decisions are counted
(the one named; with several coders and none named, counting refuses), because mixing coders would
double-count reports.
"""

from __future__ import annotations

import os
import time
from collections.abc import Hashable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from kzperception import paths
from kzperception.data.corpus import Corpus, Signature, file_signature, load_corpus, settled
from kzperception.data.vocabulary import LEVELS, MODES, PERIODS, Vocabulary
from kzperception.data.window import THESIS_WINDOW, Window, WindowError

REPORT_KEYS = ["country", "website", "period"]
CODE_KEYS = ["country", "period", "category", "mode", "level"]
PUBLISHED = "published"


class SourceError(ValueError):
    """A counts source that cannot be used with the requested window or coder."""


def _report_grid(vocabulary: Vocabulary) -> pd.DataFrame:
    """Every slot (partner x website x period) of ``vocabulary``, so empty slots count 0."""
    idx = pd.MultiIndex.from_product([vocabulary.partner_ids, vocabulary.website_ids, PERIODS], names=REPORT_KEYS)
    return idx.to_frame(index=False)


def _code_grid(vocabulary: Vocabulary, periods: tuple[str, ...] = (*PERIODS, "all")) -> pd.DataFrame:
    """Every code cell of ``vocabulary``: its categories and the modes each has, at both levels."""
    rows = [
        (c, p, cat, m, lvl)
        for c in vocabulary.partner_ids
        for p in periods
        for cat, m in vocabulary.code_cells()
        for lvl in LEVELS
    ]
    return pd.DataFrame(rows, columns=CODE_KEYS)


def _ordered(df: pd.DataFrame, vocabulary: Vocabulary) -> pd.DataFrame:
    """Vocabulary order (partners and categories as their files list them), not alphabetical."""
    order = {
        "country": list(vocabulary.partner_ids),
        "website": list(vocabulary.website_ids),
        "period": [*PERIODS, "all"],
        "category": list(vocabulary.category_ids),
        "mode": list(MODES),
        "level": list(LEVELS),
    }
    keys = [k for k in order if k in df.columns]
    out = df.copy()
    for k in keys:
        out[k] = pd.Categorical(out[k].astype(str), categories=order[k])
    out = out.sort_values(keys, kind="stable").reset_index(drop=True)
    for k in keys:
        out[k] = out[k].astype(str)
    out["n"] = out["n"].astype("int64")
    return out


def in_window(corpus: Corpus, window: Window) -> pd.DataFrame:
    """The corpus's reports with a ``period`` column, reports outside the window dropped."""
    reports = corpus.reports.assign(period=window.period(corpus.reports["date"]))
    return reports[reports["period"].notna()]


def choose_coder(corpus: Corpus, coder: str | None = None) -> str:
    """The coder whose decisions are counted: ``coder`` when named, else the corpus's only coder.

    A named coder must code something in the corpus, or a :class:`SourceError` lists those who do.
    On a corpus with several coders and none named nothing is chosen silently, not the first and
    not the default coder ``primary`` either: two coders' codes can change a headline (a tie on one
    coder's codes, a lead on the other's), so a SourceError asks for ``--coder NAME`` (or
    ``consensus`` once a consensus sheet is imported). A corpus with no code at all has no coder:
    with none named the answer is ``""`` and its counts are all zero.
    """
    coders = list(corpus.coders)
    if coder is not None:
        if coder not in coders:
            raise SourceError(f"--coder: {coder!r} is not a coder of the corpus (coders: {', '.join(coders)})")
        return coder
    if len(coders) > 1:
        raise SourceError(
            f"--coder: the corpus has {len(coders)} coders ({', '.join(coders)}); "
            "choose whose codes to count with --coder NAME"
        )
    return coders[0] if coders else ""


def corpus_report_counts(corpus: Corpus, window: Window) -> pd.DataFrame:
    reports = in_window(corpus, window)
    n = reports.groupby(REPORT_KEYS, observed=False).size().rename("n").reset_index()
    n = n.astype({k: str for k in REPORT_KEYS})
    out = _report_grid(corpus.vocabulary).merge(n, on=REPORT_KEYS, how="left").fillna({"n": 0})
    return _ordered(out, corpus.vocabulary)


def corpus_code_counts(corpus: Corpus, window: Window, coder: str | None = None) -> pd.DataFrame:
    who = choose_coder(corpus, coder)
    vocab = corpus.vocabulary
    partners, categories = vocab.partner_ids, vocab.category_ids
    period = window.period(corpus.reports["date"]).cat.codes.to_numpy()  # -1 outside the window
    country = corpus.reports["country"].cat.codes.to_numpy()
    codes = corpus.codes[(corpus.codes["coder"] == who).to_numpy()]
    rows = codes["report_row"].to_numpy()  # the loader forbids repeated codes, so no de-duplication here
    keep = period[rows] >= 0
    # One integer per cell (country, period, category, mode, level), counted with bincount.
    dims = [
        (country[rows], len(partners)),
        (period[rows], len(PERIODS)),
        (codes["category"].cat.codes.to_numpy(), len(categories)),
        (codes["mode"].cat.codes.to_numpy(), len(MODES)),
        (codes["level"].cat.codes.to_numpy(), len(LEVELS)),
    ]
    cell = np.zeros(int(keep.sum()), dtype=np.int64)
    for values, size in dims:
        cell = cell * size + values[keep]
    shape = tuple(size for _, size in dims)
    n = np.bincount(cell, minlength=int(np.prod(shape))).reshape(shape)
    n = np.concatenate([n, n.sum(axis=1, keepdims=True)], axis=1)  # period "all"
    idx = pd.MultiIndex.from_product([partners, [*PERIODS, "all"], categories, MODES, LEVELS], names=CODE_KEYS)
    counted = pd.DataFrame({"n": n.ravel()}, index=idx).reset_index()
    out = _code_grid(vocab).merge(counted, on=CODE_KEYS, how="left").fillna({"n": 0})
    return _ordered(out, vocab)


#: The published tables read so far in this process, by path, with the file's signature then.
_published_frames: dict[Path, tuple[Signature, pd.DataFrame]] = {}


def _published_csv(name: str) -> pd.DataFrame:
    """One of the thesis's published tables, read once per process while its file is unchanged.

    Each chapter and command asks for the published figures several times (the counts, the
    synthetic corpus's margins, the audit); the file is read again whenever its signature changes,
    as :func:`~kzperception.data.corpus.load_corpus` does for a corpus. Every caller gets its own copy.
    """
    path = paths.PUBLISHED / name
    started = time.time_ns()
    signature = file_signature([path])
    hit = _published_frames.get(path)
    if hit is not None and hit[0] == signature:
        return hit[1].copy()
    frame = pd.read_csv(path, dtype={"n": "int64"})
    if settled(signature, started):
        _published_frames[path] = (signature, frame.copy())
    return frame


def published_report_counts() -> pd.DataFrame:
    """The thesis's Table 1, in the default vocabulary's order."""
    return _ordered(_published_csv("table1_reports.csv")[[*REPORT_KEYS, "n"]], Vocabulary.default())


def published_code_counts() -> pd.DataFrame:
    """The thesis's code counts (by partner, and by slot where it prints them), in the default order."""
    frames = [_published_csv("codes_by_country.csv"), _published_csv("codes_by_slot.csv")]
    return _ordered(pd.concat(frames, ignore_index=True)[[*CODE_KEYS, "n"]], Vocabulary.default())


def published_totals() -> dict[str, int]:
    """The totals the thesis states (e.g. ``codes_main`` = 274), by measure name."""
    df = _published_csv("totals.csv")
    return dict(zip(df["measure"], df["n"].astype(int), strict=True))


def published_where() -> pd.DataFrame:
    """Every published cell with its location in the thesis, for captions and the audit."""
    frames = [
        _published_csv("table1_reports.csv").assign(table="reports"),
        _published_csv("codes_by_country.csv").assign(table="codes"),
        _published_csv("codes_by_slot.csv").assign(table="codes"),
    ]
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class Counts:
    """Both frames of the contract for one source and window, with what a caption needs to say."""

    reports: pd.DataFrame
    codes: pd.DataFrame
    window: Window
    source: str
    corpus: Corpus | None = None
    #: Totals stated by the source itself; the published figures state some (e.g. 8 non-cooperation
    #: codes) that no published cell breaks down, so they cannot be summed from the frames.
    stated: dict[str, int] | None = None
    #: The partners, websites and categories the frames are counted in (a corpus's own, or the
    #: project's for the published figures): tables, charts and sentences take their order, labels
    #: and colours from here, never from state loaded at import.
    vocabulary: Vocabulary = field(default_factory=Vocabulary.default)
    #: Whose codes are counted (None for the published figures, which name no coder).
    coder: str | None = None

    @property
    def is_published(self) -> bool:
        return self.source == PUBLISHED

    @cached_property
    def code_index(self) -> dict[tuple[str | None, str, str, str, str], tuple[float, int]]:
        """Every cell of ``codes`` by ``(country, period, category, level, mode)``: its count summed (NaN
        counts left out, as pandas sums) and how many rows hold it; ``country`` None sums the partners.

        A chapter asks for hundreds of single cells (:func:`kzperception.analysis.measures.code_cell`);
        filtering the frame for each took most of a rerun's chapter time. The frames of a Counts are
        never changed after it is made, so the index is built once, on first use.
        """
        out: dict[tuple[str | None, str, str, str, str], tuple[float, int]] = {}
        c = self.codes
        for country, period, category, level, mode, n in zip(
            c["country"], c["period"], c["category"], c["level"], c["mode"], c["n"], strict=True
        ):
            value = 0.0 if n != n else float(n)
            for key in (
                (str(country), str(period), str(category), str(level), str(mode)),
                (None, str(period), str(category), str(level), str(mode)),
            ):
                total, rows = out.get(key, (0.0, 0))
                out[key] = (total + value, rows + 1)
        return out

    @cached_property
    def report_index(self) -> dict[tuple[str | None, str, str | None], int]:
        """Reports by ``(country, period, website)``, each of them also summed over (``None``, and
        ``"all"`` for the period): what :func:`kzperception.readings.compute.reports` asks, hundreds of
        times a chapter, read from one pass over the frame (never changed once made)."""
        out: dict[tuple[str | None, str, str | None], int] = {}
        r = self.reports
        for country, period, website, n in zip(r["country"], r["period"], r["website"], r["n"], strict=True):
            value = 0 if n != n else int(n)
            for c in (str(country), None):
                for p in (str(period), "all"):
                    for w in (str(website), None):
                        out[(c, p, w)] = out.get((c, p, w), 0) + value
        return out

    @cached_property
    def memo(self) -> dict[Hashable, object]:
        """What a module derived from these counts alone, by a key of its own: computed once per Counts.

        The frames of a Counts are never changed after it is made (see :attr:`code_index`), so a
        result that depends on nothing else (a reading's verdicts, :mod:`kzperception.readings.registry`)
        can be kept with them: a page asks for the same readings several times (its sentences, the
        thesis's beside them, its notes).
        """
        return {}

    @cached_property
    def partners_counted(self) -> int:
        """How many partners the report counts hold (a sum over partners needs a cell of each)."""
        return int(self.reports["country"].nunique())

    @property
    def labels(self) -> dict[str, str]:
        return self.window.labels


def resolve_source(source: str | os.PathLike[str]) -> str | Path:
    """``published`` or a corpus folder (relative paths are taken from the working directory)."""
    if str(source) == PUBLISHED:
        return PUBLISHED
    return Path(source).expanduser().resolve()


def _corpus_counts(corpus: Corpus, window: Window, coder: str | None, source: str | None = None) -> Counts:
    """Both frames of one corpus under ``window``; ``source`` names it in captions (its folder)."""
    if source is None:
        source = str(corpus.path) if corpus.path is not None else "corpus in memory"
    who = choose_coder(corpus, coder)
    return Counts(
        corpus_report_counts(corpus, window),
        corpus_code_counts(corpus, window, who),
        window,
        source,
        corpus,
        vocabulary=corpus.vocabulary,
        coder=who,
    )


#: The published tables the published counts are read from (their signature guards prepared counts).
PUBLISHED_TABLES = ("table1_reports.csv", "codes_by_country.csv", "codes_by_slot.csv", "totals.csv")

#: Counts loaded ahead by :func:`prepare_counts`, by the arguments :func:`load_counts` will be asked
#: with, each with the signature of the published tables it was read under (None for a corpus).
_prepared: dict[tuple[str, Window, str | None], tuple[Counts, Signature | None]] = {}


def _prepared_key(
    source: str | os.PathLike[str], window: Window | None, coder: str | None
) -> tuple[str, Window, str | None]:
    return str(resolve_source(source)), window or THESIS_WINDOW, coder


def _published_signature() -> Signature:
    return file_signature([paths.PUBLISHED / name for name in PUBLISHED_TABLES])


def prepare_counts(
    source: str | os.PathLike[str] = PUBLISHED, window: Window | None = None, coder: str | None = None
) -> Counts:
    """Load the counts now and hand them to the next :func:`load_counts` with the same arguments in this process.

    Why: every chapter of a rerun opens the same counts, and each chapter's kernel is forked from
    one process per worker (:class:`kzperception.book.warm_kernel.Zygote`); counts prepared there
    reach every kernel already made. Each kernel gets them once: a second call loads them afresh, so
    no two callers in one process share the object. They are handed out only while their source is
    unchanged: a corpus whose loader returns the same :class:`Corpus` (its files' signature is
    unchanged, :func:`~kzperception.data.corpus.load_corpus`), published tables with the same signature.
    """
    published = resolve_source(source) == PUBLISHED
    signature = _published_signature() if published else None
    counts = load_counts(source, window, coder)
    # Under the coder asked for and the one counted (a corpus with one coder counts that coder's
    # codes whether a chapter names them or not): the same counts either way.
    for who in {coder, counts.coder}:
        _prepared[_prepared_key(source, window, who)] = (counts, signature)
    return counts


def _take_prepared(source: str | os.PathLike[str], window: Window | None, coder: str | None) -> Counts | None:
    """The prepared counts for these arguments, if any and still current (removed either way)."""
    found = _prepared.pop(_prepared_key(source, window, coder), None) if _prepared else None
    if found is None:
        return None
    counts, signature = found
    # Handed out once, whatever it is asked as (the coder named, or the one counted).
    for key in [k for k, (other, _) in _prepared.items() if other is counts]:
        del _prepared[key]
    if signature is not None:
        return counts if _published_signature() == signature else None
    try:
        current = counts.corpus is not None and load_corpus(resolve_source(source)) is counts.corpus
    except Exception:  # the corpus is broken now: load_counts below says how, with the loader's message
        return None
    return counts if current else None


def load_counts(
    source: str | os.PathLike[str] | Corpus = PUBLISHED,
    window: Window | None = None,
    coder: str | None = None,
) -> Counts:
    """The counts frames for a source; the published figures exist only for the thesis window.

    ``source`` is ``published``, a corpus folder, or a :class:`Corpus` already loaded (a caller that
    has one, such as a rerun's plan, need not have the folder looked up again). Counts loaded ahead
    with the same arguments (:func:`prepare_counts`) are returned instead of loading them again.
    """
    if not isinstance(source, Corpus):
        prepared = _take_prepared(source, window, coder)
        if prepared is not None:
            return prepared
    if isinstance(source, Corpus):
        counts = _corpus_counts(source, window or THESIS_WINDOW, coder)
    elif (resolved := resolve_source(source)) == PUBLISHED:
        if coder is not None:
            raise SourceError(
                "--coder: the published figures are the thesis author's codes; --coder applies to a corpus folder"
            )
        if window is not None and window != THESIS_WINDOW:
            raise WindowError(
                f"window: the published figures exist only for the thesis window {THESIS_WINDOW}; "
                "to count another window, pass a corpus folder as --source"
            )
        counts = Counts(
            published_report_counts(), published_code_counts(), THESIS_WINDOW, PUBLISHED, stated=published_totals()
        )
    else:
        counts = _corpus_counts(load_corpus(resolved), window or THESIS_WINDOW, coder, str(resolved))
    for frame in (counts.reports, counts.codes):
        frame.attrs.update(source=counts.source, window=str(counts.window))
    return counts


def require_reports(counts: Counts) -> None:
    """Refuse a window that holds no report: every share and chart would be empty or divide by 0."""
    if int(counts.reports["n"].sum()) == 0:
        raise WindowError(f"window: no report of {counts.source} falls within {counts.window}")


def _main_coded(corpus: Corpus, coder: str) -> pd.Series:
    """The ids of the reports to which ``coder`` gave a main code."""
    codes = corpus.codes
    mains = codes[((codes["coder"] == coder) & (codes["level"].astype(str) == "main")).to_numpy()]
    return mains["report_id"].astype(str)


def require_coded(counts: Counts) -> None:
    """Refuse to count a coder who left reports of the window without a main code.

    A book's shares of 6.3 to 6.5 divide a category's reports by all the reports on a partner, so a
    report the counted coder never coded would be read as a report with no category, and a coder
    who coded a sample (a second coder checking reliability on a few dozen reports) would have the
    book say "218 coded reports" and print shares of all 218. The format asks a main code of every
    report (:mod:`kzperception.data.corpus_rules`); on a corpus with several coders the counted one
    must meet that rule alone. The refusal names the coders who do.
    """
    corpus, who = counts.corpus, counts.coder
    if corpus is None or not who or len(corpus.coders) < 2:  # one coder: the loader requires it already
        return
    ids = in_window(corpus, counts.window)["id"].astype(str)
    missing = ids[~ids.isin(set(_main_coded(corpus, who)))]
    if missing.empty:
        return
    complete = [c for c in corpus.coders if c != who and ids.isin(set(_main_coded(corpus, c))).all()]
    first = ", ".join(missing.head(3))
    advice = (
        f"count a coder who coded every one of them ({', '.join(complete)})"
        if complete
        else "no coder coded every one of them: add the missing codes, or settle them in the consensus sheet"
    )
    raise SourceError(
        f"--coder: {who} gave no main code to {len(missing):,} of the {len(ids):,} reports in the window "
        f"({first}{', ...' if len(missing) > 3 else ''}); the book would read each as a report with no "
        f"category, so {advice}"
    )
