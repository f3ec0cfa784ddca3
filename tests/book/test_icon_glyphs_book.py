"""Issue 20, in the browser: no page draws a private-use glyph of an icon font the book does not ship.

The CSS side (each theme icon gets a mask) is tests/unit/test_admonition_icons.py; here every
pseudo-element of every built page is read at a desktop's and a phone's width.
"""

from __future__ import annotations

import pytest

#: Every pseudo-element whose content holds a private-use character, and whether a mask draws it instead.
PRIVATE_USE_JS = r"""
() => {
  const out = [];
  for (const el of document.querySelectorAll('*')) {
    for (const pseudo of ['::before', '::after', '::marker']) {
      const cs = getComputedStyle(el, pseudo);
      const c = cs.content;
      if (!c || c === 'none' || c === 'normal') continue;
      const pua = [...c].filter(ch => { const cp = ch.codePointAt(0); return cp >= 0xE000 && cp <= 0xF8FF; });
      if (!pua.length) continue;
      const masked = [cs.maskImage, cs.webkitMaskImage].some(m => m && m !== 'none');
      if (cs.display === 'none' || masked) continue;
      const font = cs.fontFamily.split(',')[0].trim().replace(/"/g, '');
      const loaded = [...document.fonts].some(f => f.status === 'loaded' && f.family.replace(/"/g, '') === font);
      const where = `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}${pseudo}`;
      if (!loaded) out.push(`${where} U+${pua[0].codePointAt(0).toString(16).toUpperCase()}`);
    }
  }
  return [...new Set(out)];
}
"""


def _private_use(browser, url: str, width: int, height: int) -> list[str]:
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.goto(url)
        page.evaluate("() => document.fonts.ready")
        return page.evaluate(PRIVATE_USE_JS)
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)], ids=["1366", "390"])
def test_no_page_draws_a_private_use_glyph_without_its_font(html_root, browser, width: int, height: int) -> None:
    """An icon font the book does not ship draws its private-use glyph as an empty box: every such
    pseudo-element must be a mask (or use a font the page loaded)."""
    pages = [p for p in sorted(html_root.rglob("*.html")) if "_static" not in p.parts]
    found = {p.relative_to(html_root).as_posix(): _private_use(browser, p.as_uri(), width, height) for p in pages}
    assert {k: v for k, v in found.items() if v} == {}


@pytest.mark.browser
def test_the_glyph_check_sees_an_unmasked_icon(browser, tmp_path) -> None:
    page = tmp_path / "p.html"
    page.write_text(
        '<style>a.dl::before{content:"\\f019";font-family:"Font Awesome 6 Free"}</style><a class="dl" href="#">x</a>',
        encoding="utf-8",
    )
    assert _private_use(browser, page.as_uri(), 800, 600) == ["a.dl::before U+F019"]
