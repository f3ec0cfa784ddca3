"""Partners and websites are data: the loader's checks, and the whole chain with a third partner.

The vocabulary is read once, at import, so the three-partner runs happen in a fresh interpreter
(tests/commands/test_partners_commands.py) with ``KZP_PARTNERS`` pointing at a temporary copy of
data/partners.yaml plus an EU item: the project's own file is never edited, and this test process
keeps the thesis's two partners."""

from __future__ import annotations

import re

import pytest

from kzperception.data import vocabulary
from kzperception.data.vocabulary import VocabularyError, load_partners, load_websites

# --- the published edition --------------------------------------------------------------------------


BASE = "- id: china\n  label: China\n  keywords_ru: [Китай]\n"


def test_published_partners_and_websites_are_the_thesis_ones():
    assert vocabulary.COUNTRIES == ("china", "russia")
    assert vocabulary.COUNTRY_LABELS == {"china": "China", "russia": "Russia"}
    assert vocabulary.COUNTRY_COLORS == {"china": "#e0263f", "russia": "#3b78e7"}
    assert vocabulary.WEBSITES == ("government", "president")
    assert vocabulary.WEBSITE_LABELS == {"government": "Government (gov.kz)", "president": "President (akorda.kz)"}
    assert vocabulary.WEBSITE_HOSTS == {"government": "gov.kz", "president": "akorda.kz"}
    assert vocabulary.WEBSITE_COLORS == {"government": "#2e8b57", "president": "#8e63c4"}
    # The thesis's search words (section 5.1) are in the partners file.
    assert vocabulary.PARTNERS[0].keywords_ru == ("Китай", "КНР", "Пекин")
    assert vocabulary.PARTNERS[1].keywords_ru == ("Россия", "РФ", "Москва")


def test_reverse_lookups_never_key_error():
    assert vocabulary.partner_label("turkey") == "turkey"
    assert vocabulary.website_label("parliament") == "parliament"


def test_a_third_partner_gets_a_palette_colour(three_partners):
    partners = load_partners(three_partners)
    assert [p.id for p in partners] == ["china", "russia", "eu"]
    assert partners[2].colour == vocabulary.PALETTE[0]
    assert partners[0].colour == "#e0263f"


def test_environment_variable_chooses_the_file(three_partners, monkeypatch):
    monkeypatch.setenv(vocabulary.PARTNERS_ENV, str(three_partners))
    assert [p.id for p in load_partners()] == ["china", "russia", "eu"]


# --- bad partner and website files -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "expect"),
    [
        ("- id: china\n\tlabel: China\n", ":2", "not valid YAML"),
        ("china: {label: China}\n", ":1", "expected a non-empty YAML list of partners, found a dict"),
        ("", ":1", "found nothing"),
        (BASE + "- just a string\n", ":4", "item 2: expected a mapping"),
        (BASE + "- label: Turkey\n  keywords_ru: [Турция]\n", ":4", "item 2: id: Field required; found nothing"),
        (BASE + "- id: Turkey\n  label: Turkey\n  keywords_ru: [Турция]\n", ":4", "id: must be 1-32 lower-case"),
        (BASE + "- id: all\n  label: All\n  keywords_ru: [Все]\n", ":4", "id: is reserved"),
        (BASE + "- id: ../x\n  label: X\n  keywords_ru: [Икс]\n", ":4", "found '../x'"),
        (
            BASE + "- id: china\n  label: PRC\n  keywords_ru: [КНР]\n",
            ":4",
            "item 2 (id 'china'): id: duplicate of item 1",
        ),
        (BASE + "- id: prc\n  label: china\n  keywords_ru: [КНР]\n", ":5", "label: duplicate of item 1"),
        (
            BASE + "- id: x\n  label: <script>alert(1)</script>\n  keywords_ru: [Икс]\n",
            ":5",
            "label: must be plain text",
        ),
        (BASE + "- id: x\n  label: '[/bold]Turkey'\n  keywords_ru: [Икс]\n", ":5", "found '[/bold]Turkey'"),
        (BASE + "- id: x\n  label: '{download}`../x`'\n  keywords_ru: [Икс]\n", ":5", "label: must be plain text"),
        (BASE + "- id: x\n  label: '=1+1'\n  keywords_ru: [Икс]\n", ":5", "found '=1+1'"),
        (BASE + "- id: x\n  label: X\n  keywords_ru: []\n", ":6", "keywords_ru: Tuple should have at least 1 item"),
        (BASE + "- id: x\n  label: X\n  keywords_ru: [Икс, '<b>']\n", ":6", "keywords_ru.1: must be a word"),
        (
            BASE + "- id: x\n  label: X\n  keywords_ru: [Икс]\n  colour: red\n",
            ":7",
            "colour: must be a colour #rrggbb; found 'red'",
        ),
        (BASE + "- id: x\n  label: X\n  keywords_ru: [Икс]\n  colur: '#ffffff'\n", ":7", "colur: unknown field"),
        (BASE + "- id: 7\n  label: X\n  keywords_ru: [Икс]\n", ":4", "id: Input should be a valid string; found 7"),
    ],
)
def test_bad_partner_files_are_refused_with_file_line_item_and_field(tmp_path, text, where, expect):
    path = tmp_path / "partners.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(VocabularyError) as err:
        load_partners(path)
    message = err.value.format_message()
    assert message.startswith(f"{path}{where}: "), message
    assert expect in message, message
    assert "\n" not in message


def test_missing_partner_file(tmp_path):
    with pytest.raises(VocabularyError, match="file missing"):
        load_partners(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("host", "expect"),
    [
        ("https://gov.kz", "host: must be a lower-case host name"),
        ("../etc", "host: must be a lower-case host name"),
        ("Gov.KZ", "found 'Gov.KZ'"),
    ],
)
def test_bad_website_hosts(tmp_path, host, expect):
    path = tmp_path / "websites.yaml"
    path.write_text(f"- id: government\n  label: Government\n  host: '{host}'\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match=re.escape("websites.yaml:3: item 1 (id 'government')")) as err:
        load_websites(path)
    assert expect in err.value.format_message()


def test_duplicate_host_and_partner_website_clash(tmp_path):
    path = tmp_path / "websites.yaml"
    path.write_text("- {id: a, label: A, host: gov.kz}\n- {id: b, label: B, host: gov.kz}\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match=re.escape(":2: item 2 (id 'b'): host: duplicate of item 1")):
        load_websites(path)
    with pytest.raises(VocabularyError, match="id 'china' is used by both"):
        vocabulary.check_disjoint(vocabulary.PARTNERS, [vocabulary.Website(id="china", label="C", host="c.kz")])
