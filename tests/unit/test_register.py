"""The register of cited reports: loading, URLs from the bibliography, and safe HTML quotations."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest

from kzperception import paths
from kzperception.book import views
from kzperception.data import register as R
from kzperception.data.corpus import CorpusError
from kzperception.data.window import Window


@pytest.fixture(scope="module")
def reg() -> R.Register:
    return R.load_register()


def _bib(entries: dict[str, str | None]) -> str:
    out = []
    for key, url in entries.items():
        field = f"  url = {{{url}}},\n" if url else ""
        out.append(f"@online{{{key},\n  author = {{{{Test}}}},\n  title = {{T}},\n{field}  year = {{2021}}\n}}\n")
    return "\n".join(out)


def _mini(tmp: Path, rows: list[dict[str, str]], bib: dict[str, str | None]) -> tuple[Path, Path]:
    """A tiny register folder and bibliography written from the given report rows."""
    folder = tmp / "reg"
    folder.mkdir()
    base = {
        "entity": "akorda",
        "url": "",
        "title_ru": "Заголовок",
        "title_en": "Title",
        "excerpt_ru": "Текст",
        "excerpt_en": "Text",
        "provenance": "cited",
        "cite": "Akorda, 2021a",
    }
    reports = pd.DataFrame([{**base, **r} for r in rows])
    reports.to_csv(folder / "reports.csv", index=False)
    codes = pd.DataFrame(
        [
            {
                "report_id": r["id"],
                "category": "economic",
                "mode": "cooperation",
                "level": "main",
                "coder": "thesis",
                "basis": "stated",
                "note": "n",
            }
            for r in rows
        ]
    )
    codes.to_csv(folder / "codes.csv", index=False)
    bibfile = tmp / "refs.bib"
    bibfile.write_text(_bib(bib), encoding="utf-8")
    return folder, bibfile


def test_register_loads_with_extra_columns(reg: R.Register) -> None:
    assert len(reg.reports) >= 30
    for col in ("cite", "bibkey"):
        assert reg.reports[col].notna().all()
    for col in ("basis", "note"):
        assert col in reg.codes.columns
    assert set(reg.codes["basis"]) <= {"stated", "implied"}


def test_every_report_gets_its_url_from_the_bibliography(reg: R.Register) -> None:
    urls = R.bib_urls()
    for row in reg.reports.itertuples():
        host = urlsplit(row.url).hostname or ""
        want = "akorda.kz" if row.website == "president" else "gov.kz"
        assert host == want or host.endswith("." + want), (row.id, row.url)
        assert row.url == urls[row.bibkey]


def test_csv_holds_no_urls() -> None:
    raw = pd.read_csv(paths.REGISTER / "reports.csv", dtype=str, keep_default_na=False)
    assert (raw["url"] == "").all(), "URLs belong in book/references.bib, not in reports.csv"


def test_missing_bib_entry_and_url_are_reported(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "country": "china", "website": "president", "date": "2021-01-01", "bibkey": "a2021"},
        {"id": "b", "country": "china", "website": "president", "date": "2021-01-02", "bibkey": "b2021"},
        {"id": "c", "country": "china", "website": "government", "date": "2021-01-03", "bibkey": "c2021"},
        {
            "id": "d",
            "country": "china",
            "website": "president",
            "date": "2021-01-04",
            "bibkey": "d2021",
            "url": "https://www.akorda.kz/other",
        },
    ]
    bib = {"b2021": None, "c2021": "https://www.akorda.kz/x", "d2021": "https://www.akorda.kz/d"}
    folder, bibfile = _mini(tmp_path, rows, bib)
    with pytest.raises(R.RegisterError) as err:
        R.load_register(folder, bibfile)
    text = str(err.value)
    assert "reports.csv:2: bibkey: 'a2021' is not an entry of refs.bib" in text
    assert "reports.csv:3: bibkey: entry 'b2021' of refs.bib has no url field" in text
    assert "reports.csv:4: url:" in text and "gov.kz" in text
    assert "reports.csv:5: url: 'https://www.akorda.kz/other' differs" in text
    assert isinstance(err.value, CorpusError)


def test_corpus_rules_still_apply(tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(paths.REGISTER, folder)
    codes = pd.read_csv(folder / "codes.csv", dtype=str, keep_default_na=False)
    codes.loc[0, "category"] = "sports"
    codes.to_csv(folder / "codes.csv", index=False)
    with pytest.raises(CorpusError, match=re.escape("codes.csv:2: category: 'sports'")):
        R.load_register(folder)


def test_quote_has_both_languages_titles_link_and_citation(reg: R.Register) -> None:
    out = R.quote_html("akorda-2022a", reg)
    row = reg.report("akorda-2022a")
    assert 'class="kzp-quote"' in out
    assert '<blockquote lang="ru">' in out and '<blockquote lang="en">' in out
    assert out.count("<blockquote") == 2
    assert "миротворческого контингента ОДКБ" in out
    assert f'href="{row.url}"' in out
    assert "Akorda, 2022a" in out
    assert "8 January 2022" in out
    assert "akorda.kz" in out
    assert views.quote("akorda-2022a", reg).data == out


def test_unknown_id_is_a_key_error_naming_it(reg: R.Register) -> None:
    with pytest.raises(KeyError, match="no-such-report"):
        views.quote("no-such-report", reg)


def test_report_without_excerpt_gets_source_only(reg: R.Register) -> None:
    out = R.quote_html("akorda-2023a", reg)
    assert "<blockquote" not in out
    assert "without quoting" in out
    assert "akorda.kz" in out


def test_register_text_is_escaped(tmp_path: Path) -> None:
    rows = [
        {
            "id": "x",
            "country": "russia",
            "website": "president",
            "date": "2021-05-01",
            "bibkey": "x2021",
            "title_ru": "<script>alert(1)</script>",
            "title_en": 'a "quoted" & <b>bold</b>',
            "excerpt_ru": "<img src=x onerror=alert(1)>",
            "excerpt_en": "</blockquote><script>x</script>",
            "cite": "<i>Akorda</i>",
        }
    ]
    folder, bibfile = _mini(tmp_path, rows, {"x2021": 'https://www.akorda.kz/a?b=1&c="2"'})
    out = R.quote_html("x", R.load_register(folder, bibfile))
    assert "<script>" not in out and "<img" not in out and "<i>" not in out and "<b>" not in out
    assert "&lt;script&gt;" in out and "&lt;img" in out
    assert 'href="https://www.akorda.kz/a?b=1&amp;c=&quot;2&quot;"' in out


def test_non_http_url_is_never_a_link() -> None:
    assert R._safe_href("javascript:alert(1)") is None
    assert R._safe_href("https://gov.kz/x") == "https://gov.kz/x"


def test_select_filters_by_code_country_and_period(reg: R.Register) -> None:
    security_ru_after = R.select(category="security_military", country="russia", period="after", register=reg)
    assert {"akorda-2022g", "md-kz-2022", "emer-2022"} <= set(security_ru_after)
    assert "akorda-2022a" not in security_ru_after
    noncoop = R.select(mode="non_cooperation", country="russia", register=reg)
    assert noncoop == ["akorda-2022h", "akorda-2023b"]  # akorda-2023c has no quoted passage
    assert "akorda-2023c" in R.select(mode="non_cooperation", country="russia", quoted_only=False, register=reg)
    dates = reg.reports.set_index("id").loc[noncoop, "date"]
    assert dates.is_monotonic_increasing


def test_select_follows_the_window(reg: R.Register) -> None:
    early = Window.parse("2020-01-01", "2021-01-01", "2023-12-31")
    assert R.select(period="before", window=early, register=reg) == ["mfa-rk-2020", "mti-rk-2020", "menr-rk-2020"]
    with pytest.raises(ValueError, match="period"):
        R.select(period="during", register=reg)


def test_register_table(reg: R.Register) -> None:
    table = R.register_table(reg)
    assert len(table) == len(reg.reports)
    assert table["id"].is_unique
    row = table.set_index("id").loc["akorda-2022d"]
    assert row["codes"] == "Economic (main); Political and diplomatic (main); Cross-border (secondary)"
    assert table.set_index("id").loc["clp-2021", "codes"].endswith("non-cooperation")
    assert set(table["period"]) == {"2020–22", "2022–23"}
    html = views.show_register_table(table).to_html()
    assert "akorda-2022d" in html


def test_codes_the_editors_inferred_are_marked_as_inferred() -> None:
    from kzperception.data.register import register_table

    t = register_table().set_index("id")
    assert "code inferred by the editors" in t.loc["miid-rk-2021", "codes"]  # basis 'implied'
    assert "level inferred by the editors" in t.loc["akorda-2021b", "codes"]  # stated category, level inferred
    assert "inferred" not in t.loc["akorda-2021a", "codes"]  # stated outright in 6.1
