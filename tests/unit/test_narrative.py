"""Report-level narrative appears only for reports in the page's corpus and window; elsewhere the corpus's own.

Corpora: the register itself (every cited report, thesis window and a moved pivot), a synthetic
corpus (none of the thesis's reports, no excerpts), a corpus with an empty slot, and a corpus whose
excerpts, titles and URLs are hostile (script, MyST roles, ``../`` paths).
"""

from __future__ import annotations

import math
from html.parser import HTMLParser

import pandas as pd
import pytest

from kzperception.analysis import narrative
from kzperception.book import narrative as book_narrative
from kzperception.book.narrative import Story, example_html
from kzperception.data.corpus import load_corpus, write_corpus
from kzperception.data.counts import PUBLISHED, load_counts
from kzperception.data.register import default_register
from kzperception.data.window import Window
from kzperception.fieldwork.synth import synthesize
from kzperception.readings import words

MOVED = Window.parse("2020-08-24", "2022-01-01", "2023-08-24")


@pytest.fixture(scope="module")
def register():
    return default_register()


@pytest.fixture(scope="module")
def register_corpus():
    from kzperception import paths

    return paths.REGISTER


@pytest.fixture(scope="module")
def synth_corpus(tmp_path_factory):
    reports, codes = synthesize(seed=3)
    return write_corpus(reports, codes, tmp_path_factory.mktemp("synth") / "c")


def _corpus(tmp_path, reports: pd.DataFrame, codes: pd.DataFrame):
    return write_corpus(reports, codes, tmp_path / "c")


def _register_frames():
    from kzperception import paths

    c = load_corpus(paths.REGISTER)
    reports = c.reports.copy()
    reports["date"] = reports["date"].dt.strftime("%Y-%m-%d")
    return reports, c.codes.copy()


def _shown(monkeypatch) -> list:
    out: list = []
    monkeypatch.setattr(book_narrative, "display", out.append)
    return out


# --- which reports a page may narrate -------------------------------------------------------------


def test_on_the_published_figures_every_cited_report_is_narrated(register) -> None:
    counts = load_counts(PUBLISHED)
    assert all(narrative.present(i, counts, register) for i in register.ids)
    with pytest.raises(KeyError, match="not in the register"):
        narrative.present("no-such-report", counts, register)


def test_the_register_corpus_in_the_thesis_window_holds_every_report(register, register_corpus) -> None:
    counts = load_counts(register_corpus)
    assert [i for i in register.ids if not narrative.present(i, counts, register)] == []


def test_a_moved_pivot_takes_a_report_out_of_its_slot_but_not_out_of_the_window(register, register_corpus) -> None:
    counts = load_counts(register_corpus, MOVED)
    # The CSTO call of 8 January 2022 falls after a pivot of 1 January 2022: not the thesis's "before" slot.
    assert not narrative.present("akorda-2022a", counts, register, same_period=True)
    assert narrative.present("akorda-2022a", counts, register, same_period=False)
    assert narrative.present("akorda-2021b", counts, register, same_period=True)
    moved = {i for i in register.ids if not narrative.present(i, counts, register)}
    expected = {
        i for i in register.ids if pd.Timestamp("2022-01-01") <= register.report(i)["date"] < pd.Timestamp("2022-02-24")
    }
    assert moved == expected and moved


def test_a_window_that_ends_early_leaves_the_later_reports_out(register, register_corpus) -> None:
    counts = load_counts(register_corpus, Window.parse("2020-08-24", "2021-06-01", "2022-01-01"))
    for i in register.ids:
        assert narrative.present(i, counts, register, same_period=False) == (
            register.report(i)["date"] <= pd.Timestamp("2022-01-01")
        ), i


def test_a_synthetic_corpus_holds_none_of_the_thesiss_reports(register, synth_corpus) -> None:
    counts = load_counts(synth_corpus)
    assert not any(narrative.present(i, counts, register, same_period=False) for i in register.ids)


def test_an_id_reused_for_another_text_is_not_the_report_but_the_same_url_is(tmp_path, register) -> None:
    reports, codes = _register_frames()
    reports.loc[reports["id"] == "clp-2021", "date"] = "2021-11-17"  # same id, another day: another text
    reports["url"] = ""
    row = reports["id"] == "mti-rk-2021"
    reports.loc[row, "url"] = (
        str(register.report("mti-rk-2021")["url"]).replace("https://www.", "http://").replace("?", "/?")
    )
    codes.loc[codes["report_id"] == "mti-rk-2021", "report_id"] = "collected-123"
    reports.loc[row, "id"] = "collected-123"
    counts = load_counts(_corpus(tmp_path, reports, codes))
    assert not narrative.present("clp-2021", counts, register)
    assert narrative.present("mti-rk-2021", counts, register)


# --- what a page shows ------------------------------------------------------------------------------


def test_a_present_report_gets_its_prose_and_quotation(monkeypatch, register_corpus) -> None:
    shown = _shown(monkeypatch)
    Story(load_counts(register_corpus)).tell("clp-2021", "\nThe *People's Daily* passage.\n")
    assert [type(x).__name__ for x in shown] == ["Markdown", "HTML"]
    assert shown[0].data == "The *People's Daily* passage."
    assert 'data-report="clp-2021"' in shown[1].data


def test_an_absent_report_gets_a_plain_note_and_no_prose(monkeypatch, synth_corpus) -> None:
    shown = _shown(monkeypatch)
    Story(load_counts(synth_corpus)).tell("mfa-rk-2022a", "Kazakhstan's foreign minister met China's ambassador")
    assert len(shown) == 1 and type(shown[0]).__name__ == "HTML"
    html = shown[0].data
    assert "ambassador" not in html and 'data-report="' not in html
    assert "(<cite>MFA RK, 2022a</cite>) that is not in this corpus's China 2020–22 slot" in html
    # synth writes no excerpts: its report of the kind is counted, and the page says there is nothing to show.
    assert (
        "The corpus has one report there with security and military cooperation as a main code, none with an "
        "excerpt to show." in html
    )


def test_a_slot_with_no_reports_is_said_to_have_none(tmp_path, register) -> None:
    reports, codes = _register_frames()
    drop = set(reports.loc[(reports["country"] == "china") & (reports["date"] < "2022-02-24"), "id"])
    counts = load_counts(_corpus(tmp_path, reports[~reports["id"].isin(drop)], codes[~codes["report_id"].isin(drop)]))
    note = Story(counts, register).absent_html("mti-rk-2020")
    assert "The corpus has no report there with economic cooperation as a main code." in note
    assert not narrative.present("mti-rk-2020", counts, register)


def _renamed(reports: pd.DataFrame, codes: pd.DataFrame, names: dict[str, str]):
    """The frames with some reports under ids of the corpus's own (the register no longer recognises them)."""
    return reports.assign(id=reports["id"].replace(names)), codes.assign(report_id=codes["report_id"].replace(names))


def test_the_corpus_own_example_is_shown_once_then_referred_to(tmp_path, register) -> None:
    reports, codes = _register_frames()
    keep = reports["id"] != "akorda-2021b"  # a political report of China 2020-22 left out
    reports, codes = _renamed(
        reports[keep], codes[codes["report_id"] != "akorda-2021b"], {"akorda-2021a": "own-1", "mfa-rk-2021a": "own-2"}
    )
    story = Story(load_counts(_corpus(tmp_path, reports, codes)), register)
    first = story.absent_html("akorda-2021b")
    # Its substitute is the slot's oldest political report of the corpus's own with an excerpt (27 April 2021).
    assert 'data-corpus-report="own-1"' in first and "From this corpus." in first
    second = story.absent_html("akorda-2021b")
    assert 'data-corpus-report="own-1"' not in second and 'data-corpus-report="own-2"' in second
    third = story.absent_html("akorda-2021b")
    assert "that carry an excerpt are quoted elsewhere on this page" in third and "data-corpus-report" not in third


def test_a_cited_report_the_page_narrates_is_not_offered_again_as_an_example(tmp_path, register) -> None:
    reports, codes = _register_frames()
    keep = reports["id"] != "akorda-2021b"
    counts = load_counts(_corpus(tmp_path, reports[keep], codes[codes["report_id"] != "akorda-2021b"]))
    note = Story(counts, register).absent_html("akorda-2021b")
    # akorda-2021a, mfa-rk-2021a and akorda-2022d are in the slot, and the page tells them itself.
    assert "data-corpus-report" not in note and "quoted elsewhere on this page" in note
    assert 'data-corpus-report="akorda-2021a"' in Story(counts, register, same_period=False).absent_html("akorda-2021b")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data) -> None:
        self.text.append(data)


HOSTILE = {
    "excerpt_ru": "<script>alert(1)</script> {glue:md}`x` ```{eval-rst}``` &amp; [a](javascript:alert(2))",
    "excerpt_en": "</blockquote><img src=x onerror=alert(3)> {ref}`sec-x` $x$ %comment",
    "title_en": '../../etc/passwd " onmouseover="alert(4)',
    "title_ru": "{{label}} <b>bold</b>",
}


@pytest.mark.parametrize("url", ["javascript:alert(5)", "../../../etc/passwd", 'https://example.org/a?b=<c>&d="e"'])
def test_hostile_excerpts_titles_and_urls_stay_text(tmp_path, register, url) -> None:
    reports, codes = _register_frames()
    others = (reports["country"] == "china") & (reports["date"] < "2022-02-24") & (reports["id"] != "mfa-rk-2022a")
    sec = codes[codes["report_id"] == "mfa-rk-2022a"].copy()
    codes = codes[codes["report_id"] != "mfa-rk-2022a"]
    target = reports[others].index[0]
    hostile_id = str(reports.loc[target, "id"])
    codes = pd.concat([codes[codes["report_id"] != hostile_id], sec.assign(report_id="own-hostile")])
    reports.loc[target, "id"] = "own-hostile"
    for col, value in HOSTILE.items():
        reports.loc[target, col] = value
    reports.loc[target, "url"] = url
    reports = reports[reports["id"] != "mfa-rk-2022a"]
    counts = load_counts(_corpus(tmp_path, reports, codes))
    html = Story(counts, register).absent_html("mfa-rk-2022a")
    p = _Tags()
    p.feed(html)
    tags = {t for t, _ in p.tags}
    assert tags <= {"p", "cite", "div", "blockquote", "a"}, tags
    assert all(not k.startswith("on") for _, a in p.tags for k in a)
    hrefs = [a["href"] for t, a in p.tags if t == "a"]
    assert hrefs == ([url] if url.startswith("https://") else []), hrefs
    text = "".join(p.text)
    assert "<script>alert(1)</script>" in text and "{glue:md}`x`" in text and "../../etc/passwd" in text
    assert "{{label}} <b>bold</b>" not in text  # title_en is shown, not title_ru, when both are given


def test_example_html_escapes_a_bare_row() -> None:
    row = pd.Series(
        {
            "id": "<x>",
            "date": pd.Timestamp("2022-01-02"),
            "website": "<w>",
            "excerpt_ru": "",
            "excerpt_en": "",
            "title_en": "",
            "title_ru": "",
            "url": "ftp://x",
        }
    )
    html = example_html(row)
    assert "&lt;x&gt;" in html and "<x>" not in html and "<a " not in html and "2 January 2022" in html


# --- counts in words, and comparisons chosen from the numbers -------------------------------------


def test_zero_and_one_are_never_several() -> None:
    texts = words.count_texts(
        {
            "n_china_before": 0,
            "china_before_security_military_main": 1.0,
            "china_after_non_cooperation": 1,
            "china_before_cultural_main": math.nan,
            "china_before_economic_main_share": 12.5,
            "china_change": 3.0,
        }
    )
    assert texts == {
        "n_china_before_reports": "no report",
        "china_before_security_military_main_reports": "one report",
        "china_before_security_military_main_codes": "one main code",
        "china_after_non_cooperation_reports": "one report",
        "china_after_non_cooperation_codes": "one code",
        "china_before_cultural_main_reports": "an unknown number of reports",
        "china_before_cultural_main_codes": "an unknown number of main codes",
    }


def _pair(cb, ca, rb, ra):
    """The thesis's slot comparisons (registry pair readings) on counts with these report numbers."""
    import pandas as pd

    from kzperception.data.counts import Counts
    from kzperception.data.window import THESIS_WINDOW
    from kzperception.readings import describe, registry

    rep = pd.DataFrame(
        [
            ("china", "president", "before", cb),
            ("china", "president", "after", ca),
            ("russia", "president", "before", rb),
            ("russia", "president", "after", ra),
        ],
        columns=["country", "website", "period", "n"],
    )
    codes = pd.DataFrame(columns=["country", "period", "category", "mode", "level", "n"])
    counts = Counts(rep, codes, THESIS_WINDOW, "generated")
    texts = registry.pair_texts(counts, "china", "russia")
    return {
        "russia_versus_china_before": describe.count_beside(counts, "russia", "china"),
        "china_russia_attention": texts["reading_pair_attention_china_russia"],
        "china_versus_russia_growth": texts["reading_pair_growth_china_russia"],
        "china_russia_sizes": texts["reading_pair_sizes_china_russia"],
    }


@pytest.mark.parametrize(
    ("numbers", "towards"),
    [((37, 78, 46, 57), "China"), ((50, 40, 40, 50), "Russia"), ((40, 44, 40, 45), None), ((0, 5, 10, 12), None)],
)
def test_comparisons_follow_the_numbers(numbers, towards) -> None:
    cb, ca, rb, ra = numbers
    t = _pair(*numbers)
    # An independent reading of the same predicates.
    assert t["russia_versus_china_before"].startswith(
        "more than" if rb > cb else "fewer than" if rb < cb else "as many"
    )
    changes = (100 * (ca - cb) / cb if cb else math.nan, 100 * (ra - rb) / rb if rb else math.nan)
    if towards is None:
        assert "moved towards" not in t["china_russia_attention"]
    else:
        assert t["china_russia_attention"] == f"after the pivot the officials' attention moved towards {towards}"
        more = "China" if changes[0] > changes[1] else "Russia"
        assert t["china_versus_russia_growth"].startswith(
            "far more" if more == "China" and changes[0] - changes[1] > 50 else "more" if more == "China" else "less"
        )
    bigger_before = "Russia" if rb > cb else "China"
    bigger_after = "Russia" if ra > ca else "China"
    sizes = t["china_russia_sizes"]
    if bigger_before == bigger_after and rb != cb and ra != ca:
        assert sizes == f"{bigger_before} had the larger slot in both periods"
    elif rb != cb and ra != ca:
        assert sizes.startswith(f"before the pivot {bigger_before} had the larger slot")


def test_examples_follow_the_coder_the_page_counts(tmp_path) -> None:
    """On a corpus of several coders the examples are the chosen coder's, not a refusal or another's."""
    from tests.conftest import SMALL_CODES, SMALL_REPORTS
    from tests.conftest import write_corpus as write_csv_corpus

    # r1 and r3 get an English excerpt, so they can be shown; boris reads r3 as cultural, not economic
    reports = SMALL_REPORTS.replace("2020-08-24,,,,,", "2020-08-24,,,,x,").replace(
        "2022-02-24,,,,,", "2022-02-24,,,,y,"
    )
    anna = SMALL_CODES.replace(",primary", ",anna")
    boris = anna.replace("r3,economic,cooperation,main", "r3,cultural,cooperation,main").replace(",anna", ",boris")
    folder = write_csv_corpus(tmp_path / "two", reports, anna + boris)
    economic = [("economic", "cooperation", "any")]
    for coder, ids in (("anna", ["r1", "r3"]), ("boris", ["r1"])):
        shown, total, _ = narrative.examples(load_counts(folder, coder=coder), "china", None, economic)
        assert shown["id"].tolist() == ids and total == len(ids), coder
