"""Issue 20: every admonition title icon draws from a mask, not an unshipped icon font's private-use glyph."""

import re

from kzperception.book import sphinx_offline


def _fontawesome_js() -> str:
    scripts = sorted(sphinx_offline._theme_static().glob("vendor/fontawesome/*/js/all.min.js"))
    # The theme is pinned (requirements.lock) and ships the script: its absence is a failure, not a skip.
    assert scripts, "the pinned theme ships no FontAwesome script (vendor/fontawesome/*/js/all.min.js)"
    return scripts[-1].read_text(encoding="utf-8")


def test_every_admonition_kind_gets_a_mask_over_the_theme_glyph() -> None:
    css = sphinx_offline.icon_css([], _fontawesome_js())
    for kind in sphinx_offline.ADMONITION_ICONS:
        sel = re.escape(".admonition" + (f".{kind}" if kind else "") + ">.admonition-title::after")
        rule = re.search(sel + r"[^{]*\{([^}]*)\}", css)
        assert rule, f"no icon rule for admonition {kind or 'default'!r}"
        assert 'content:""' in rule.group(1) and "mask:url(" in rule.group(1)


def test_the_theme_download_icon_gets_a_mask() -> None:
    css = sphinx_offline.icon_css([], _fontawesome_js())
    rule = re.search(re.escape("a.reference.download::before") + r"\{([^}]*)\}", css)
    assert rule and 'content:""' in rule.group(1) and "mask:url(" in rule.group(1)
