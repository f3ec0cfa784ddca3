"""Every narrative fact the book states about a cited report matches that report's entry in the register.

The passages are extracted from the chapters' prose (every ``story.tell("<id>", <triple-quoted prose>)`` cell of
the slot fragments and of 6.3.1). Each fact is a row of :data:`CLAIMS`: the words of the passage
that state it, the register field that supports it and the words there that do. A passage whose
report has no claim row fails (a new passage needs its facts checked), and so does a claim whose
words left the prose (the table would check nothing). :data:`CONTRADICTED` keeps the slips this
table was written to fix from coming back: each is a wording the register contradicts. Russian
quoted in the prose must be the register's words verbatim.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kzperception import paths
from kzperception.data.register import default_register

SOURCES = [
    paths.NOTEBOOKS / "_fragments" / "china-slots.md",
    paths.NOTEBOOKS / "_fragments" / "russia-slots.md",
    paths.NOTEBOOKS / "06-3-1-categories.md",
]
_TELL = re.compile(r'story\.tell\(\s*"([^"]+)",\s*"""(.*?)"""', re.S)

#: (report id, words of the passage, register field, words of the field that support them).
#: ``date`` rows give the ISO prefix the date must have.
CLAIMS: list[tuple[str, str, str, str]] = [
    ("mfa-rk-2022a", "On 8 January 2022", "date", "2022-01-08"),
    (
        "mfa-rk-2022a",
        "Kazakhstan's foreign minister met China's ambassador",
        "title_ru",
        "О встрече главы МИД Казахстана с Послом КНР",
    ),
    (
        "mfa-rk-2022a",
        "counter-terrorist operation with CSTO forces",
        "excerpt_ru",
        "контртеррористической операции, проводимой с участием сил ОДКБ",
    ),
    (
        "mfa-rk-2022a",
        "China firmly opposes any forces undermining Kazakhstan's stability and security",
        "excerpt_ru",
        "решительно выступает против любых сил, подрывающих стабильность и безопасность в Казахстане",
    ),
    (
        "akorda-2021b",
        "telephone conversation between President Tokayev and PRC Chairman Xi Jinping",
        "title_ru",
        "телефонный разговор Президента Казахстана Касым-Жомарта Токаева с Председателем КНР Си Цзиньпином",
    ),
    ("akorda-2021b", "in June 2021", "date", "2021-06"),
    ("mfa-rk-2021a", "In December 2021", "date", "2021-12"),
    ("mfa-rk-2021a", "thirty years of independence", "excerpt_ru", "30-летию Независимости Казахстана"),
    (
        "mfa-rk-2021a",
        "approaching thirty years of diplomatic relations with the PRC",
        "excerpt_ru",
        "в преддверии 30-летия установления дипломатических отношений",
    ),
    (
        "mfa-rk-2021a",
        "its diplomatic mission in Beijing",
        "excerpt_ru",
        "казахстанском дипломатическом представительстве в Пекине",
    ),
    ("mfa-rk-2021a", "Club of Friends of Kazakhstan in China", "excerpt_ru", "Клуба друзей Казахстана в Китае"),
    (
        "akorda-2022d",
        "letter of congratulation from President Tokayev to Xi Jinping",
        "title_ru",
        "направил поздравительное письмо Председателю КНР Си Цзиньпину",
    ),
    ("akorda-2022d", "letter of congratulation to Xi Jinping of January 2022", "date", "2022-01"),
    ("akorda-2022d", "in January 2022", "date", "2022-01"),
    ("akorda-2022d", "the settled common border", "excerpt_ru", "решены все вопросы, связанные с нашей общей границей"),
    ("akorda-2022d", "the talks on the rivers along it", "excerpt_ru", "переговоров по рекам на границе"),
    (
        "mti-rk-2020",
        "Kazakhstan's pavilion at the import fair in Shanghai",
        "excerpt_ru",
        "казахстанского павильона на Международной выставке импортных товаров",
    ),
    ("mti-rk-2020", "in November 2020", "date", "2020-11"),
    ("mti-rk-2021", "Receiving citizens in May 2021", "date", "2021-05"),
    ("mti-rk-2021", "Receiving citizens", "title_ru", "провёл приём граждан"),
    ("mti-rk-2021", "Kairat Torebaev", "title_ru", "Кайрат Торебаев"),
    ("mti-rk-2021", "Vice-Minister", "excerpt_ru", "вице-министр"),
    (
        "mti-rk-2021",
        "the limited capacity of the border crossing",
        "excerpt_ru",
        "ограниченная пропускная способность пограничного перехода",
    ),
    (
        "mti-rk-2021",
        "Chinese restrictions on reloading bulk freight from 1520 mm to 1435 mm gauge wagons",
        "excerpt_ru",
        "ограничения с китайской стороны на перегрузку массовых грузов с вагонов колеи 1520 мм в вагоны колеи 1435 мм",
    ),
    (
        "mti-rk-2021",
        "tariffs of China Railways for carrying Kazakh coal",
        "excerpt_ru",
        "тарифы «Китайские железные дороги» на перевозку по китайским железным дорогам каменного угля из Казахстана",
    ),
    (
        "clp-2021",
        "Kazakh-language page of the *People's Daily*",
        "excerpt_ru",
        "страницы «Жэньминь жибао» на казахском",
    ),
    ("clp-2021", "an instrument of soft power", "title_ru", "«Мягкая сила»?"),
    ("clp-2021", "One sees nothing political in it", "excerpt_ru", "не является событием политического плана"),
    (
        "clp-2021",
        "a large investor that now wants to promote Chinese policy in Kazakh",
        "excerpt_ru",
        "Теперь они хотят пропагандировать китайскую политику на казахском языке",
    ),
    (
        "clp-2021",
        "suspected pressure on the Kazakh-language press in Xinjiang",
        "excerpt_ru",
        "предположения об ужесточении давления на казахоязычную прессу внутри Синьцзяна",
    ),
    ("clp-2021", "comparison of the region to a concentration camp", "excerpt_ru", "сравнивают с огромным концлагерем"),
    ("akorda-2023a", "In May 2023", "date", "2023-05"),
    (
        "akorda-2023a",
        "the president opened Kazakhstan's consulate general in Xi'an",
        "title_ru",
        "Президент открыл Генеральное консульство Казахстана в Сиане",
    ),
    (
        "mfa-rk-2022b",
        "Kazakhstan hosted the third meeting of Central Asian and Chinese foreign ministers",
        "title_ru",
        "Казахстан принял третье совещание министров иностранных дел стран Центральной Азии и Китая",
    ),
    ("mfa-rk-2022b", "in June 2022", "date", "2022-06"),
    ("mfa-rk-2022b", "adopted a roadmap", "excerpt_ru", "принятие формата Дорожной карты"),
    ("mfa-rk-2022b", "culture appears among the fields a new Roadmap covers", "excerpt_ru", "культура"),
    (
        "akorda-2022e",
        "Meeting President Tokayev in September 2022, Xi Jinping",
        "title_ru",
        "провел встречу с Председателем КНР Си Цзиньпином",
    ),
    ("akorda-2022e", "in September 2022", "date", "2022-09"),
    (
        "akorda-2022e",
        "defending its independence, sovereignty and territorial integrity",
        "excerpt_ru",
        "в защите независимости, суверенитета и территориальной целостности",
    ),
    (
        "akorda-2022e",
        "however the international situation changes",
        "excerpt_ru",
        "Как бы ни менялась международная конъюнктура",
    ),
    (
        "akorda-2022e",
        '"any forces" in its internal affairs',
        "excerpt_ru",
        "вмешательства каких-либо сил во внутренние дела",
    ),
    (
        "mfa-rk-2023a",
        "Kazakhstan's Foreign Ministry welcomed it in a statement",
        "title_ru",
        "Заявление МИД РК по позиции КНР",
    ),
    ("mfa-rk-2023a", "welcomed", "excerpt_ru", "приветствует позицию Китайской Народной Республики"),
    ("mfa-rk-2023a", "In February 2023", "date", "2023-02"),
    (
        "mfa-rk-2023a",
        "territorial integrity, independence and sovereignty of states",
        "excerpt_ru",
        "территориальной целостности, независимости и суверенитета государств",
    ),
    ("azr-2023", "In June 2023", "date", "2023-06"),
    (
        "azr-2023",
        "Zhetysu region and China's Ili Kazakh Autonomous Prefecture",
        "excerpt_ru",
        "областью Жетысу и Иле-Кзахской автономной областью Китая",
    ),
    (
        "azr-2023",
        "a framework agreement on trade and economic cooperation",
        "excerpt_ru",
        "рамочное соглашение о торгово-экономическом сотрудничестве",
    ),
    (
        "akorda-2022a",
        "telephone conversation with Vladimir Putin on 8 January 2022",
        "title_ru",
        "телефонный разговор с Президентом России Владимиром Путиным",
    ),
    ("akorda-2022a", "on 8 January 2022", "date", "2022-01-08"),
    ("akorda-2022a", "a telephone conversation of 8 January 2022", "date", "2022-01-08"),
    ("akorda-2022a", "thanked him", "excerpt_ru", "выразил признательность российскому лидеру"),
    (
        "akorda-2022a",
        "for his support in the decision to send the joint CSTO peacekeeping contingent",
        "excerpt_ru",
        "за поддержку в решении вопроса о направлении объединенного миротворческого контингента ОДКБ",
    ),
    ("akorda-2022a", '"peacekeeping contingent"', "excerpt_ru", "миротворческого контингента"),
    (
        "akorda-2022f",
        "Tokayev met Prime Minister Mikhail Mishustin",
        "title_ru",
        "встретился с Председателем Правительства России Михаилом Мишустиным",
    ),
    ("akorda-2022f", "in February 2022", "date", "2022-02"),
    (
        "akorda-2022f",
        'a partnership that is strategic and "truly allied"',
        "excerpt_ru",
        "стратегического партнерства и поистине союзнических отношений",
    ),
    ("akorda-2021c", "In December 2021", "date", "2021-12"),
    (
        "akorda-2021c",
        "Vladimir Putin was among those who sent the president warm congratulations on\nIndependence Day",
        "excerpt_ru",
        "Президент России Владимир Путин сердечно поздравив Главу государства с Днем Независимости",
    ),
    (
        "mfa-rk-2021b",
        "the Order of Dostyk awarded to a well-known Russian journalist",
        "title_ru",
        "Известный российский журналист удостоен ордена «Достык»",
    ),
    (
        "mfa-rk-2021c",
        "Ravil Gainutdin, head of the Spiritual Administration of Muslims of Russia and of Russia's Council\nof Muftis",
        "title_ru",
        "Председатель Духовного управления мусульман РФ и Совета муфтиев России Равиль Гайнутдин",
    ),
    (
        "mfa-rk-2021c",
        "congratulating Kazakhstanis on thirty years of independence",
        "title_ru",
        "поздравил казахстанцев с 30-летием Независимости",
    ),
    ("mfa-rk-2021c", "discussed dialogue\nbetween religions", "excerpt_ru", "развитии межрелигиозного диалога"),
    (
        "akorda-2022g",
        "the Central Asia–Russia summit of October 2022",
        "title_ru",
        "саммита «Центральная Азия – Россия»",
    ),
    ("akorda-2022g", "of October 2022", "date", "2022-10"),
    (
        "akorda-2022g",
        "fighting terrorism, extremism and the illegal trade in arms and drugs together",
        "excerpt_ru",
        "совместной борьбы с терроризмом, экстремизмом, незаконным оборотом оружия и наркотиков",
    ),
    ("md-kz-2022", "working consultations in Nur-Sultan", "excerpt_ru", "Рабочие консультации"),
    ("md-kz-2022", "in Nur-Sultan", "excerpt_ru", "проведены в Нур-Султане"),
    ("md-kz-2022", "in March 2022", "date", "2022-03"),
    (
        "md-kz-2022",
        "the defence ministry's international cooperation department",
        "excerpt_ru",
        "Департамента международного сотрудничества Министерства обороны Казахстана",
    ),
    (
        "md-kz-2022",
        "the office\nof the defence attaché at the Russian embassy",
        "excerpt_ru",
        "Аппарата атташе по вопросам обороны при Посольстве Российской Федерации",
    ),
    ("akorda-2023b", "On 25 June", "date", "2023-06-25"),
    (
        "akorda-2023b",
        "an extraordinary\nsession of the Security Council",
        "title_ru",
        "внеочередное заседание Совета Безопасности",
    ),
    ("akorda-2023b", "calls the events Russia's internal affair", "excerpt_ru", "является ее внутренним делом"),
    ("akorda-2023b", "watched with concern", "excerpt_ru", "с обеспокоенностью восприняли"),
    ("akorda-2023b", "a friendly neighbour", "excerpt_ru", "в дружественной стране"),
    ("akorda-2023b", "the longest border in the world", "excerpt_ru", "самую протяженную границу в мире"),
    (
        "akorda-2023c",
        "In a telephone conversation with Putin on 24 June",
        "title_ru",
        "телефонный разговор с Президентом России Владимиром Путиным",
    ),
    ("akorda-2023c", "on 24 June", "date", "2023-06-24"),
    ("akorda-2022h", "from April 2022", "date", "2022-04"),
    (
        "akorda-2022h",
        "again a telephone conversation between the presidents",
        "title_ru",
        "провел телефонный разговор с Президентом России Владимиром Путиным",
    ),
    (
        "akorda-2022h",
        "Putin briefed Tokayev on them",
        "excerpt_ru",
        "Владимир Путин проинформировал Касым-Жомарта Токаева",
    ),
    ("akorda-2022h", "the negotiations between Russia and Ukraine", "excerpt_ru", "российско-украинских переговоров"),
    (
        "akorda-2022h",
        "a neutral, non-aligned and nuclear-free status",
        "excerpt_ru",
        "нейтрального, внеблокового, безъядерного статуса",
    ),
    ("akorda-2022h", "of exceptional importance", "excerpt_ru", "исключительной важности"),
    ("akorda-2022c", "In a telephone conversation in September 2022", "date", "2022-09"),
    (
        "akorda-2022c",
        "a telephone conversation between the two presidents in September\n2022",
        "title_ru",
        "телефонный разговор Главы государства Касым-Жомарта Токаева с Президентом России Владимиром Путиным",
    ),
    (
        "akorda-2022c",
        '"strategic\npartnership and alliance"',
        "excerpt_ru",
        "стратегического партнерства и союзничества",
    ),
    (
        "akorda-2022i",
        "Meeting Putin in June 2022",
        "title_ru",
        "провел встречу с Президентом России Владимиром Путиным",
    ),
    ("akorda-2022i", "in June 2022", "date", "2022-06"),
    (
        "akorda-2022i",
        '"despite the difficult\ngeopolitical situation"',
        "excerpt_ru",
        "несмотря на непростую геополитическую обстановку",
    ),
    ("akorda-2022i", "developing dynamically", "excerpt_ru", "развивается динамично"),
    (
        "ardfm-2022",
        "the current situation of\nKazakhstan's financial market",
        "title_ru",
        "О текущей ситуации на финансовом рынке Казахстана",
    ),
    ("ardfm-2022", "issued in the first days of the invasion", "date", "2022-02-2"),
    ("ardfm-2022", '"the\nsituation in Ukraine"', "excerpt_ru", "ситуации в Украине"),
    ("ardfm-2022", "the geopolitical background worldwide", "excerpt_ru", "на фоне геополитической обстановки в мире"),
]

#: (report id, wording that must not describe it, why the register contradicts it).
CONTRADICTED: list[tuple[str, str, str]] = [
    ("clp-2021", "prison camp", "the article says концлагерь, a concentration camp"),
    ("clp-2021", "edition of", "the article is about a page (страница) of the newspaper in Kazakh"),
    ("akorda-2022f", "received Prime Minister", "the title says встретился (met); Tokayev was in Russia that day"),
    ("akorda-2021b", "two presidents", "the title calls Xi Jinping Председатель КНР (PRC Chairman)"),
    ("azr-2023", "of Xinjiang", "the report says the prefecture is China's (автономной областью Китая)"),
    ("akorda-2023b", "land border", "the report says the longest border in the world, not land border"),
    ("mti-rk-2020", "stand at", "the report speaks of a pavilion (павильон)"),
    ("mfa-rk-2021a", "embassy", "the report says diplomatic mission (дипломатическое представительство)"),
    (
        "mfa-rk-2021c",
        "ambassador in Moscow met",
        "the register does not say who met; the thesis's reading is named as such",
    ),
    ("ardfm-2022", "assures readers", "the register's text does not say so; the thesis's reading is named as such"),
    (
        "akorda-2022c",
        "стратегическое партнерство",
        "not in the report's text as registered (стратегического партнерства)",
    ),
]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'")).strip()


def passages() -> dict[str, list[tuple[Path, str]]]:
    """Every ``story.tell`` passage of the narrated chapters, by report id."""
    out: dict[str, list[tuple[Path, str]]] = {}
    for path in SOURCES:
        for m in _TELL.finditer(path.read_text(encoding="utf-8")):
            out.setdefault(m[1], []).append((path, m[2]))
    return out


@pytest.fixture(scope="module")
def register():
    return default_register()


def test_the_chapters_narrate_reports_through_story_tell_only() -> None:
    found = passages()
    assert len(found) >= 25, sorted(found)
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^quote\(", text, re.M), (
            f"{path.name}: a bare quote() cell shows a report in every corpus"
        )


def test_every_narrated_report_is_in_the_register_and_has_its_facts_checked(register) -> None:
    found = passages()
    unknown = sorted(set(found) - set(register.ids))
    assert not unknown, unknown
    unchecked = sorted(set(found) - {c[0] for c in CLAIMS})
    assert not unchecked, f"passages with no row in CLAIMS: {unchecked}"


@pytest.mark.parametrize(
    ("report_id", "words", "field", "support"), CLAIMS, ids=[f"{c[0]}:{c[1][:30]}" for c in CLAIMS]
)
def test_a_claim_is_in_the_prose_and_the_register_supports_it(register, report_id, words, field, support) -> None:
    texts = [_norm(p) for _, p in passages().get(report_id, [])]
    assert any(_norm(words) in t for t in texts), f"{report_id}: {words!r} is no longer in its passage"
    row = register.report(report_id)
    if field == "date":
        assert row["date"].strftime("%Y-%m-%d").startswith(support), (report_id, row["date"], support)
    else:
        assert _norm(support).lower() in _norm(str(row[field])).lower(), (report_id, field, support)


@pytest.mark.parametrize(("report_id", "wording", "why"), CONTRADICTED, ids=[f"{c[0]}:{c[1]}" for c in CONTRADICTED])
def test_no_passage_says_what_the_register_contradicts(report_id, wording, why) -> None:
    texts = [_norm(p) for _, p in passages().get(report_id, [])]
    assert texts, f"{report_id}: no passage"
    assert not any(wording.lower() in t.lower() for t in texts), why


def test_russian_in_the_prose_is_the_registers_words_verbatim(register) -> None:
    """Cyrillic in a passage (a bracketed quotation) must occur as such in its report's title or excerpt."""
    bad = []
    for report_id, found in passages().items():
        row = register.report(report_id)
        source = _norm(f"{row['title_ru']} {row['excerpt_ru']}")
        for _, prose in found:
            for run in re.findall(r"\[([^\]]*[А-Яа-яЁё][^\]]*)\]", prose):
                if _norm(run) not in source:
                    bad.append((report_id, run))
    assert not bad, bad


def test_the_checks_can_fail(register) -> None:
    """A wrong date, a wrong word and a paraphrased Russian phrase are caught by the same comparisons."""
    row = register.report("akorda-2022f")
    assert not row["date"].strftime("%Y-%m-%d").startswith("2022-03")
    assert _norm("принял").lower() not in _norm(str(row["title_ru"])).lower()
    assert _norm("стратегическое партнерство") not in _norm(str(register.report("akorda-2022c")["excerpt_ru"]))
