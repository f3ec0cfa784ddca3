"""No corpus value can reorder the text around it, and a long one wraps (issue 19).

The corpus here is synthetic test data (its provenance values are attacks, not real labels): 12
reports whose provenance ends in a right-to-left override, 3 with a 400-letter provenance, 5 with
a Hebrew one (tests/helpers/bidi_values.py). Here the banner's and the front page's markup; in
tests/book/test_bidi_book.py the rerun's real banner (the theme's announcement bar) and the real
front-page box are laid out by Chromium with the book's CSS, at a desktop and a phone width, and
each count is read off the screen by the position of its digits.
"""

from __future__ import annotations

from helpers.bidi_values import HEBREW_VALUE, RLO_VALUE, write_bidi_corpus

from kzperception.book import rerun
from kzperception.book.display import html_text, html_value, isolated, myst_text


def test_bidi_controls_are_shown_and_right_to_left_values_isolated():
    assert html_text("collected\u202e") == "collected[U+202E]"
    assert myst_text("a\u2066b\u2069") == "a\\[U+2066\\]b\\[U+2069\\]"
    assert isolated(HEBREW_VALUE) == "\u2068" + HEBREW_VALUE + "\u2069"
    assert isolated("Economic cooperation") == "Economic cooperation"  # the book's labels unchanged
    assert html_value("<b>" + RLO_VALUE) == '<bdi class="kzp-value">&lt;b&gt;collected[U+202E]</bdi>'


def test_the_banner_isolates_every_value(tmp_path):
    p = rerun.plan(
        write_bidi_corpus(tmp_path), "2020-08-24", "2022-02-24", "2023-08-24", tmp_path / "out", ["06-2-reports"]
    )
    html = rerun.banner_html(p.corpus)
    assert html.count('<bdi class="kzp-value">') == 3
    assert "\u202e" not in html and "\u202e" not in rerun.front_page(p)
