"""Keyword matching with Russian morphology (kzperception.fieldwork.keywords)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kzperception.fieldwork.keywords import CountryMatcher, KeywordError, KeywordSet

KEYWORDS = Path(__file__).resolve().parents[1] / "data" / "keywords.yaml"


@pytest.fixture(scope="module")
def matcher() -> CountryMatcher:
    return CountryMatcher.from_yaml(KEYWORDS)


@pytest.mark.parametrize("text", [
    "Китай", "в Китае", "экспорт в Китай", "из Китая", "Китаю", "с Китаем",
    "КНР", "Председатель КНР", "в Пекине", "из Пекина",
    "китайская сторона", "китайской делегации", "Китайской Народной Республики", "китайскими компаниями",
    "российско-китайских отношений",
])
def test_china_matches_every_inflection(matcher: CountryMatcher, text: str) -> None:
    assert "china" in matcher.matches(text)


@pytest.mark.parametrize("text", [
    "Россия", "в России", "с Россией", "Россию", "РФ", "Президент РФ", "Москва", "в Москве", "из Москвы",
    "Москву", "Российская Федерация", "Российской Федерации", "российским партнерам", "московского",
    "Казахстан-РФ",
])
def test_russia_matches_every_inflection(matcher: CountryMatcher, text: str) -> None:
    assert "russia" in matcher.matches(text)


@pytest.mark.parametrize("text", [
    "русский язык", "Казахстан и Узбекистан", "рф", "кнр", "Китайгород", "мировой рынок", "",
])
def test_no_false_matches(matcher: CountryMatcher, text: str) -> None:
    assert matcher.matches(text) == []


def test_counts_every_occurrence(matcher: CountryMatcher) -> None:
    text = "Россия и Китай. В Москве и в Пекине обсудили российско-китайские связи с РФ."
    # Россия, Москве, российско-китайские, РФ / Китай, Пекине, российско-китайские
    assert matcher.counts(text) == {"china": 3, "russia": 4}


def test_thesis_keywords_are_in_the_data_file() -> None:
    text = KEYWORDS.read_text(encoding="utf-8")
    assert "section 5.1" in text
    m = CountryMatcher.from_yaml(KEYWORDS)
    sources = {c: {k.source for k in ks.keywords} for c, ks in m.countries.items()}
    assert {"Китай", "КНР", "Пекин"} <= sources["china"]
    assert {"Россия", "РФ", "Москва"} <= sources["russia"]


def test_keyword_lists_extend_to_another_country(tmp_path: Path) -> None:
    path = tmp_path / "kw.yaml"
    path.write_text(
        "countries:\n"
        "  usa:\n    keywords: [США, Вашингтон]\n    adjectives: [американский]\n    abbreviations: [США]\n"
        "  china:\n    keywords: [Китай]\n",
        encoding="utf-8",
    )
    m = CountryMatcher.from_yaml(path)
    assert m.matches("американской стороной в Вашингтоне") == ["usa"]
    assert m.matches("делегация США и Китая") == ["usa", "china"]


@pytest.mark.parametrize(("content", "message"), [
    ("countries: [a, b]", "expected a mapping"),
    ("countries:\n  china: {keywords: Китай}", "expected a list of words"),
    ("countries:\n  china: {keywords: [Китай], colour: red}", "unknown key"),
    ("countries:\n  china: {keywords: []}", "no keywords"),
    ("countries: {china: [", "not valid YAML"),
])
def test_bad_keyword_files_name_the_problem(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "kw.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(KeywordError, match=message) as info:
        CountryMatcher.from_yaml(path)
    assert str(path) in str(info.value)


def test_missing_keyword_file(tmp_path: Path) -> None:
    with pytest.raises(KeywordError, match="file missing"):
        CountryMatcher.from_yaml(tmp_path / "nope.yaml")


def test_phrases_match_inflected_word_sequences() -> None:
    ks = KeywordSet.from_words("transport", ["железная дорога", "транзит"])
    assert ks.count("по железным дорогам и через транзитный узел") == 1  # транзитный is another lemma
    assert ks.count("по железным дорогам, транзитом") == 2
    assert ks.count("железо и дорога") == 0


def test_lemmatised_codebook_style_keywords() -> None:
    ks = KeywordSet.from_words("security", ["одкб", "безопасность", "миротворческий"])
    assert ks.count("контингент ОДКБ обеспечил безопасности миротворческими силами") == 3
