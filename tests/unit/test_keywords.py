"""Keyword matching with Russian morphology (kzperception.fieldwork.keywords)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kzperception.fieldwork.keywords import CountryMatcher, KeywordError, KeywordSet

PARTNERS = Path(__file__).resolve().parents[2] / "data" / "partners.yaml"


@pytest.fixture(scope="module")
def matcher() -> CountryMatcher:
    return CountryMatcher.from_yaml(PARTNERS)


@pytest.mark.parametrize(
    "text",
    [
        "Китай",
        "в Китае",
        "экспорт в Китай",
        "из Китая",
        "Китаю",
        "с Китаем",
        "КНР",
        "Председатель КНР",
        "в Пекине",
        "из Пекина",
        "китайская сторона",
        "китайской делегации",
        "Китайской Народной Республики",
        "китайскими компаниями",
        "российско-китайских отношений",
    ],
)
def test_china_matches_every_inflection(matcher: CountryMatcher, text: str) -> None:
    assert "china" in matcher.matches(text)


@pytest.mark.parametrize(
    "text",
    [
        "Россия",
        "в России",
        "с Россией",
        "Россию",
        "РФ",
        "Президент РФ",
        "Москва",
        "в Москве",
        "из Москвы",
        "Москву",
        "Российская Федерация",
        "Российской Федерации",
        "российским партнерам",
        "московского",
        "Казахстан-РФ",
    ],
)
def test_russia_matches_every_inflection(matcher: CountryMatcher, text: str) -> None:
    assert "russia" in matcher.matches(text)


@pytest.mark.parametrize(
    "text",
    [
        "русский язык",
        "Казахстан и Узбекистан",
        "рф",
        "кнр",
        "Китайгород",
        "мировой рынок",
        "",
    ],
)
def test_no_false_matches(matcher: CountryMatcher, text: str) -> None:
    assert matcher.matches(text) == []


def test_counts_every_occurrence(matcher: CountryMatcher) -> None:
    text = "Россия и Китай. В Москве и в Пекине обсудили российско-китайские связи с РФ."
    # Россия, Москве, российско-китайские, РФ / Китай, Пекине, российско-китайские
    assert matcher.counts(text) == {"china": 3, "russia": 4}


def test_thesis_keywords_are_in_the_data_file() -> None:
    text = PARTNERS.read_text(encoding="utf-8")
    assert "section 5.1" in text
    m = CountryMatcher.from_yaml(PARTNERS)
    sources = {c: {k.source for k in ks.keywords} for c, ks in m.countries.items()}
    assert {"Китай", "КНР", "Пекин"} <= sources["china"]
    assert {"Россия", "РФ", "Москва"} <= sources["russia"]


def test_the_default_is_the_vocabularys_partners() -> None:
    from kzperception.data.vocabulary import COUNTRIES

    m = CountryMatcher.from_yaml()
    assert tuple(m.countries) == COUNTRIES
    assert {k.source for k in m.countries["china"].keywords} == {
        k.source for k in CountryMatcher.from_yaml(PARTNERS).countries["china"].keywords
    }


def test_the_search_words_live_only_in_the_partners_file() -> None:
    assert not (PARTNERS.parent / "keywords.yaml").exists()


def test_a_partners_file_extends_to_another_country(tmp_path: Path) -> None:
    path = tmp_path / "kw.yaml"
    path.write_text(
        "- id: usa\n  label: United States\n  keywords_ru: [США, Вашингтон]\n"
        "  adjectives_ru: [американский]\n  abbreviations_ru: [США]\n"
        "- id: china\n  label: China\n  keywords_ru: [Китай]\n",
        encoding="utf-8",
    )
    m = CountryMatcher.from_yaml(path)
    assert m.matches("американской стороной в Вашингтоне") == ["usa"]
    assert m.matches("делегация США и Китая") == ["usa", "china"]
    assert m.matches("сша") == []  # an abbreviation matches only as written


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("countries:\n  china: {keywords: [Китай]}", ":1: expected a non-empty YAML list of partners, found a dict"),
        ("- id: china\n  label: China\n  keywords_ru: Китай\n", ":3: item 1 (id 'china'): keywords_ru:"),
        (
            "- id: china\n  label: China\n  keywords_ru: [Китай]\n  keywords: [x]\n",
            ":4: item 1 (id 'china'): keywords: unknown field",
        ),
        ("- id: china\n  label: China\n  keywords_ru: []\n", ":3: item 1 (id 'china'): keywords_ru:"),
        ("- id: china\n  label: China\n  keywords_ru: ['[/bold]']\n", "found '[/bold]'"),
        ("- id: china\n  label: '{download}`../x`'\n  keywords_ru: [Китай]\n", "found '{download}`../x`'"),
        ("- id: china\n  label: '=1+1'\n  keywords_ru: [Китай]\n", "found '=1+1'"),
        ("- id: china\n  label: China\n  keywords_ru: ['<script>']\n", "found '<script>'"),
        ("[china, {id: [", "not valid YAML"),
    ],
)
def test_bad_keyword_files_name_the_problem(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "kw.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(KeywordError) as info:
        CountryMatcher.from_yaml(path)
    assert str(info.value).startswith(str(path)), info.value
    assert message in str(info.value), info.value
    assert "\n" not in str(info.value)


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
