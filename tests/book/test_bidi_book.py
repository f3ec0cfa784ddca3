"""No corpus value can reorder the text around it, and a long one wraps (issue 19): the rerun book
of the corpus tests/unit/test_bidi.py builds, opened in Chromium at two widths (marked ``browser``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from docutils.core import publish_parts
from helpers.bidi_values import write_bidi_corpus
from helpers.hostile_text import myst_doctree

from kzperception import paths
from kzperception.book import rerun


def _page(tmp_path: Path) -> Path:
    """The rerun's announcement and front-page box, as the book lays them out, in one page."""
    p = rerun.plan(
        write_bidi_corpus(tmp_path), "2020-08-24", "2022-02-24", "2023-08-24", tmp_path / "out", ["06-2-reports"]
    )
    source = rerun.front_page(p).split("## What this rerun finds")[0]
    assert myst_doctree(source) is not None  # the MyST settings the book's tests parse with
    from myst_parser.parsers.docutils_ import Parser

    body = publish_parts(
        source,
        parser=Parser(),
        writer_name="html5",
        settings_overrides={"report_level": 5, "halt_level": 5, "warning_stream": False},
    )["body"]
    css = (paths.ROOT / "book" / "_static" / "kzperception.css").as_uri()
    page = tmp_path / "page.html"
    page.write_text(
        f"""<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="{css}">
<style>body {{ margin: 0; font: 16px sans-serif; }} .bd-article {{ padding: 0 8px; }}</style></head>
<body><div class="bd-header-announcement" id="banner">{rerun.banner_html(p.corpus)}</div>
<article class="bd-article" id="box">{body}</article></body></html>""",
        encoding="utf-8",
    )
    return page


#: For an element and a count, whether the count's digits are laid out left to right, and whether
#: the count comes after (to the right of, or below) the value it belongs to, on the screen.
_READ = """([id, count, value]) => {
  const root = document.getElementById(id);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const found = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const re = new RegExp('(^|[^0-9])(' + count + ')(?![0-9])', 'g');
    for (const m of node.data.matchAll(re)) {
      const start = m.index + m[1].length;
      const rects = [...count].map((_, i) => {
        const r = document.createRange(); r.setStart(node, start + i); r.setEnd(node, start + i + 1);
        return r.getBoundingClientRect();
      });
      const inOrder = rects.every((r, i) => i === 0 || r.left >= rects[i - 1].left);
      let after = null;
      const prev = node.previousSibling;
      if (prev && prev.nodeType === 1 && prev.tagName === 'BDI') {
        const lines = prev.getClientRects();  // a wrapped value: its last line
        const v = lines[lines.length - 1];
        after = rects[0].left >= v.right - 0.5 || rects[0].top >= v.bottom - 0.5;
      }
      found.push({inOrder, after, text: node.data});
    }
  }
  return found;
}"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1366, 390])
def test_the_banner_and_the_box_show_the_corpus_counts_at_every_width(tmp_path, browser, width):
    page_path = _page(tmp_path)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(page_path.as_uri())
    for count in ("12", "3", "5"):
        banner = page.evaluate(_READ, ["banner", count, None])
        assert banner, f"count {count} not found in the banner"
        assert all(b["inOrder"] and b["after"] is not False for b in banner), (count, banner)
        box = page.evaluate(_READ, ["box", count, None])
        assert box and all(b["inOrder"] for b in box), (count, box)
    text = " ".join(page.inner_text("#banner").split())
    assert "[U+202E] 12" in text and "21" not in text
    # A 400-letter value wraps: nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()
