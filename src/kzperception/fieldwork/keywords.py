"""Find a country's keywords in Russian text, whatever their inflection.

The thesis searched with a web search engine, which quietly matches "Китая" for "Китай". A
reproducible collector has to do the same on its own: every token is lemmatised with pymorphy3
and compared with the keyword's lemma, so "Китая", "Китаю", "китайской" and "Москве" all match
their keywords. Abbreviations (РФ, КНР) are matched as exact tokens because they do not inflect
and their lowercase look-alikes are rarely the country. Hyphenated compounds
("российско-китайских") count for each of their parts.

The keyword lists are data: each partner of ``data/partners.yaml`` carries its ``keywords_ru``,
``adjectives_ru`` and ``abbreviations_ru``, so a researcher extends them or adds a partner in the
one file that defines partners, without touching code; ``--keywords FILE`` takes another file of
the same format (checked by the same loader, :func:`kzperception.data.vocabulary.load_partners`).
The same matcher lemmatises the codebook's keyword lists when a coding sheet shows suggested codes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kzperception.data.vocabulary import Partner

#: A word: letters or digits, hyphenated compounds kept together ("российско-китайских").
TOKEN_RE = re.compile(r"[0-9A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]+(?:-[0-9A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]+)*")


class KeywordError(ValueError):
    """A keyword file that cannot be used; the message names the file and the problem."""


def _fold(word: str) -> str:
    """Lowercase and fold ё to е: Russian texts use the two interchangeably."""
    return word.lower().replace("ё", "е")


@dataclass(frozen=True)
class Token:
    """One word of a text: its surface form, its hyphen parts, and every lemma it may have."""

    surface: str
    parts: tuple[str, ...]
    lemmas: frozenset[str]


class Lemmatizer:
    """pymorphy3 with a cache: official prose repeats a small vocabulary, so caching pays."""

    def __init__(self) -> None:
        import pymorphy3  # imported here: loading the dictionaries takes a noticeable moment

        self._morph = pymorphy3.MorphAnalyzer(lang="ru")
        self._cache: dict[str, frozenset[str]] = {}

    def lemma(self, word: str) -> str:
        """The most likely dictionary form of ``word`` (used for keywords written by people)."""
        folded = _fold(word)
        parses = self._morph.parse(folded)
        return _fold(parses[0].normal_form) if parses else folded

    def lemmas(self, word: str) -> frozenset[str]:
        """Every dictionary form ``word`` may have, plus the word itself.

        All parses are kept, not only the likeliest: screening is done by a person afterwards, so
        a missed inflection costs more than an extra candidate.
        """
        folded = _fold(word)
        cached = self._cache.get(folded)
        if cached is not None:
            return cached
        out = {folded} | {_fold(p.normal_form) for p in self._morph.parse(folded)}
        if "-" in folded:
            for part in folded.split("-"):
                out |= self.lemmas(part)
                if len(part) > 4 and part.endswith(("о", "е")):
                    out.add(part[:-1] + "ий")  # "российско-" is the combining form of "российский"
        result = frozenset(out)
        self._cache[folded] = result
        return result

    def tokens(self, text: str) -> list[Token]:
        """The words of ``text`` with their lemmas, in order."""
        out = []
        for match in TOKEN_RE.finditer(text or ""):
            surface = match.group(0)
            out.append(Token(surface, tuple(surface.split("-")), self.lemmas(surface)))
        return out


@lru_cache(maxsize=1)
def default_lemmatizer() -> Lemmatizer:
    """One shared analyser per process: loading pymorphy3's dictionaries is the slow part."""
    return Lemmatizer()


@dataclass(frozen=True)
class Term:
    """One word of a keyword: a set of lemmas to meet, or an exact (case-sensitive) token."""

    text: str
    lemmas: frozenset[str]
    exact: bool = False

    def matches(self, token: Token) -> bool:
        if self.exact:
            return token.surface == self.text or self.text in token.parts
        return not self.lemmas.isdisjoint(token.lemmas)


@dataclass(frozen=True)
class Keyword:
    """A keyword as written in the data file, and the terms (one per word) it matches."""

    source: str
    terms: tuple[Term, ...]

    def matches_at(self, tokens: Sequence[Token], i: int) -> bool:
        if i + len(self.terms) > len(tokens):
            return False
        return all(term.matches(tokens[i + k]) for k, term in enumerate(self.terms))


@dataclass(frozen=True)
class Hit:
    """Where a keyword was found: token position, the keyword, and the text as written."""

    position: int
    keyword: str
    surface: str


class KeywordSet:
    """The keywords of one country (or one codebook category), matched by lemma."""

    def __init__(self, name: str, keywords: Sequence[Keyword], lemmatizer: Lemmatizer):
        if not keywords:
            raise KeywordError(f"{name}: no keywords")
        self.name = name
        self.keywords = tuple(keywords)
        self._lemmatizer = lemmatizer
        self._index: tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]], tuple[int, ...]] | None = None

    def _first_terms(self) -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]], tuple[int, ...]]:
        """Keywords by what their first word must be: a lemma, an exact token, or anything.

        Only a keyword whose first word fits a token can start there, so :meth:`hits` tries those
        few instead of every keyword at every word (a coding sheet of long texts was minutes).
        """
        if self._index is None:
            by_lemma: dict[str, list[int]] = {}
            by_exact: dict[str, list[int]] = {}
            always: list[int] = []
            for n, keyword in enumerate(self.keywords):
                if not keyword.terms:
                    always.append(n)
                elif keyword.terms[0].exact:
                    by_exact.setdefault(keyword.terms[0].text, []).append(n)
                else:
                    for lemma in keyword.terms[0].lemmas:
                        by_lemma.setdefault(lemma, []).append(n)
            self._index = (
                {k: tuple(v) for k, v in by_lemma.items()},
                {k: tuple(v) for k, v in by_exact.items()},
                tuple(always),
            )
        return self._index

    @classmethod
    def from_words(
        cls,
        name: str,
        words: Iterable[str],
        exact: Iterable[str] = (),
        lemmatizer: Lemmatizer | None = None,
    ) -> KeywordSet:
        """Build from words or phrases; those in ``exact`` match only as written (abbreviations)."""
        lem = lemmatizer or default_lemmatizer()
        exact_set = {str(e).strip() for e in exact}
        keywords: list[Keyword] = []
        seen: set[str] = set()
        for word in [*words, *exact_set]:
            source = str(word).strip()
            if not source or source in seen:
                continue
            seen.add(source)
            terms = []
            for part in source.split():
                if source in exact_set:
                    terms.append(Term(part, frozenset(), exact=True))
                else:
                    terms.append(Term(part, frozenset({_fold(part), lem.lemma(part)})))
            keywords.append(Keyword(source, tuple(terms)))
        return cls(name, keywords, lem)

    def hits(self, text: str | Sequence[Token]) -> list[Hit]:
        """Every place a keyword occurs (one hit per position, the first keyword that fits)."""
        tokens = self._lemmatizer.tokens(text) if isinstance(text, str) else text
        by_lemma, by_exact, always = self._first_terms()
        out = []
        for i, token in enumerate(tokens):
            lemmas = token.lemmas & by_lemma.keys()
            forms = [f for f in (token.surface, *token.parts) if f in by_exact]
            if not (lemmas or forms or always):
                continue  # most words start no keyword
            candidates = set(always)
            for lemma in lemmas:
                candidates.update(by_lemma[lemma])
            for form in forms:
                candidates.update(by_exact[form])
            for n in sorted(candidates):  # keyword order: the first keyword that fits wins, as before
                keyword = self.keywords[n]
                if keyword.matches_at(tokens, i):
                    surface = " ".join(t.surface for t in tokens[i : i + len(keyword.terms)])
                    out.append(Hit(i, keyword.source, surface))
                    break
        return out

    def count(self, text: str | Sequence[Token]) -> int:
        return len(self.hits(text))

    def found(self, text: str | Sequence[Token]) -> bool:
        return bool(self.hits(text))

    def __repr__(self) -> str:
        return f"KeywordSet({self.name!r}, {[k.source for k in self.keywords]!r})"


class CountryMatcher:
    """Which partners a text mentions, by the search words of the partners file."""

    def __init__(self, countries: Mapping[str, KeywordSet], lemmatizer: Lemmatizer | None = None):
        if not countries:
            raise KeywordError("no countries defined")
        self.countries = dict(countries)
        self.lemmatizer = lemmatizer or default_lemmatizer()

    @classmethod
    def from_yaml(
        cls, path: str | os.PathLike[str] | None = None, lemmatizer: Lemmatizer | None = None
    ) -> CountryMatcher:
        """The matcher of a partners file (default: the project's partners); KeywordError if unusable.

        ``path`` has the format of ``data/partners.yaml`` and is checked by the same loader, so a
        keyword file for a run is never a second format with rules of its own; the loader's
        message (file, line, item, field, what was found) is passed on as it is.
        """
        if path is None:
            return cls.from_partners(lemmatizer=lemmatizer)
        from kzperception.data.errors import VocabularyError
        from kzperception.data.vocabulary import load_partners

        try:
            partners = load_partners(path)
        except VocabularyError as err:
            raise KeywordError(str(err)) from None
        return cls.from_partners(partners, lemmatizer)

    @classmethod
    def from_partners(
        cls, partners: Sequence[Partner] | None = None, lemmatizer: Lemmatizer | None = None
    ) -> CountryMatcher:
        """The matcher of ``partners`` (default: those of :mod:`kzperception.data.vocabulary`), in their order."""
        if partners is None:
            from kzperception.data.vocabulary import PARTNERS

            partners = PARTNERS
        lem = lemmatizer or default_lemmatizer()
        sets = {}
        for p in partners:
            exact = set(p.abbreviations_ru)
            words = [w for w in (*p.keywords_ru, *p.adjectives_ru) if w not in exact]
            sets[p.id] = KeywordSet.from_words(p.id, words, exact, lem)
        return cls(sets, lem)

    def tokens(self, text: str) -> list[Token]:
        return self.lemmatizer.tokens(text)

    def count(self, text: str | Sequence[Token], country: str) -> int:
        return self.countries[country].count(text)

    def counts(self, text: str | Sequence[Token]) -> dict[str, int]:
        """Keyword hits per country (zero included), tokenising the text once."""
        tokens = self.tokens(text) if isinstance(text, str) else text
        return {c: ks.count(tokens) for c, ks in self.countries.items()}

    def matches(self, text: str | Sequence[Token]) -> list[str]:
        """The partners ``text`` mentions at least once, in the order of the partners file."""
        return [c for c, n in self.counts(text).items() if n]
