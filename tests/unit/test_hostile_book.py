"""A corpus whose every text field is an attack: the rerun book shows it as text and runs none of it.

Two layers. These unit tests round-trip every MyST/CommonMark metacharacter through
:func:`myst_text` and the MyST parser (the text must come back as one plain text node, in every
place a page puts it), and every HTML metacharacter through :func:`html_text` and an HTML parser.
The book test (tests/book/test_hostile_book_built.py) writes a corpus with hostile values in every
field the loader accepts (and in the corpus folder's own name), reruns two chapters from it, and
opens each page in headless Chromium with the network closed: no dialog, no injected handler, script
or ``javascript:`` link, nothing a hostile field pointed at copied or included, and the hostile text
visible as text."""

from __future__ import annotations

import html.parser
import string

import pytest
from helpers.hostile_text import CODERS, FOLDER, HOSTILE, myst_doctree, shown_text, write_hostile_corpus

from kzperception.book.display import html_text, myst_text, show_table

# --- MyST: every metacharacter, in every place a page puts text -------------------------------


PLAIN = {
    "document",
    "section",
    "title",
    "paragraph",
    "#text",
    "table",
    "tgroup",
    "colspec",
    "thead",
    "tbody",
    "row",
    "entry",
    "bullet_list",
    "list_item",
    "admonition",
}


def _last(tag: str, index: int = -1):
    return lambda doc: [n for n in doc.findall(lambda n: n.tagname == tag)][index].astext()


# Each place a page puts untrusted text: the MyST around it, how to read it back, what it must read.
CONTEXTS = {
    "paragraph": (lambda t: myst_text(t) + "\n", _last("paragraph"), lambda w: w),
    "mid-line": (
        lambda t: "Before " + myst_text(t, at_line_start=False) + " after\n",
        _last("paragraph"),
        lambda w: f"Before {w} after",
    ),
    "heading": (
        lambda t: "# Rerun: " + myst_text(t, at_line_start=False) + "\n",
        _last("title"),
        lambda w: f"Rerun: {w}",
    ),
    "table cell": (
        lambda t: "| a | b |\n| --- | --- |\n| " + myst_text(t, at_line_start=False) + " | 1 |\n",
        _last("entry", -2),
        lambda w: w,
    ),
    "list item": (
        lambda t: "- **Corpus:** " + myst_text(t, at_line_start=False) + " (1 report)\n",
        _last("list_item"),
        lambda w: f"Corpus: {w} (1 report)",
    ),
    "admonition": (
        lambda t: "```{admonition} About\n:class: note\n\n" + myst_text(t) + "\n```\n",
        _last("paragraph"),
        lambda w: w,
    ),
}
ALLOWED = {"list item": PLAIN | {"strong"}}

PUNCTUATION = list(string.punctuation)
SAMPLES = (
    [*PUNCTUATION]
    + [c * 3 for c in PUNCTUATION]
    + [c + " x" for c in PUNCTUATION]
    + [c + "x" + c for c in PUNCTUATION]
    + [
        "12. x",
        "12) x",
        "1.5",
        "-18,2",
        "+++",
        "--- x",
        "a\nb",
        "\tx\r\n\r\ny",
        "x  y",
        "\\",
        "\\\\",
        "a\\",
        " lead",
        "x\u2028y",
        "a\x00b",
    ]
    + HOSTILE
    + [FOLDER, *CODERS]
)


@pytest.mark.parametrize("context", list(CONTEXTS))
def test_myst_text_is_literal_for_every_metacharacter(context):
    write, read, wrap = CONTEXTS[context]
    problems = []
    for sample in SAMPLES:
        doc = myst_doctree(write(sample))
        extra = {n.tagname for n in doc.findall()} - ALLOWED.get(context, PLAIN)
        text, want = shown_text(read(doc)), shown_text(wrap(shown_text(sample)))
        if extra or text != want:
            problems.append(f"{sample!r}: extra nodes {sorted(extra)}, read {text!r}, want {want!r}")
    assert not problems, "\n".join(problems)


def test_myst_text_leaves_plain_labels_byte_for_byte():
    # Glued labels, dates and numbers of the main book must not change (nbval compares them).
    for plain in ("2020–22", "2020-08-24", "-18,2", "24. srpna 2020", "63.9", "Kazakhstan's", "1.5 (n = 3)"):
        assert myst_text(plain, at_line_start=False) == plain
    assert myst_text("24. srpna 2020") == "24\\. srpna 2020"  # at a line's start it would be a list


# --- HTML: element content and attribute values ------------------------------------------------


class _Collect(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


@pytest.mark.parametrize("quote", [True, False])
def test_html_text_is_literal_in_content_and_attributes(quote):
    for sample in [*PUNCTUATION, *HOSTILE, FOLDER, "a\nb", "<<>>&&\"\"''"]:
        p = _Collect()
        p.feed(f"<p>{html_text(sample, quote=quote)}</p>")
        p.close()
        assert [t for t, _ in p.tags] == ["p"], sample
        assert "".join(p.text) == shown_text(sample), sample
        if quote:
            p = _Collect()
            p.feed(f"<span title=\"{html_text(sample)}\" class='{html_text(sample)}'></span>")
            assert p.tags == [("span", [("title", shown_text(sample)), ("class", shown_text(sample))])], sample


def test_tables_escape_text_cells_and_headers():
    import pandas as pd

    df = pd.DataFrame({"<i onmouseover=alert(1)>h</i>": HOSTILE[:3], "n": [1.25, 2.0, 3.5]})
    out = show_table(df, "t").to_html()
    p = _Collect()
    p.feed(out)
    assert {t for t, _ in p.tags} <= {"style", "table", "thead", "tbody", "tr", "th", "td"}
    assert "<img" not in out and "<svg" not in out and "<i " not in out
    assert "1.2" in out  # numbers keep the precision
    assert shown_text(HOSTILE[0]) in "".join(p.text)


# --- the hostile corpus -----------------------------------------------------------------------


def test_hostile_corpus_is_accepted_by_the_loader(tmp_path):
    from kzperception.data.corpus import load_corpus

    folder, _ = write_hostile_corpus(tmp_path)
    corpus = load_corpus(folder)
    assert set(corpus.provenance_mix) == set(HOSTILE)
    assert corpus.coders == sorted(CODERS)


def test_front_page_and_source_note_show_hostile_values_as_text(tmp_path):
    from kzperception.book import rerun
    from kzperception.book.chapter import open_chapter

    folder, _ = write_hostile_corpus(tmp_path)
    # The counted coder is named on the page: a hostile name, so it must be shown as text too.
    p = rerun.plan(folder, "2020-08-24", "2022-02-24", "2023-08-24", tmp_path / "out", ["06-2-reports"], CODERS[1])
    page = rerun.front_page(p).split("```{tableofcontents}")[0]  # a Sphinx directive docutils lacks
    doc = myst_doctree(page)
    kinds = {n.tagname for n in doc.findall()}
    assert kinds <= PLAIN | {"strong", "literal", "container"}, kinds  # **Corpus:** and the fixed `kzperception ...`
    cells = [e.astext() for e in doc.findall(lambda n: n.tagname == "entry")]
    for value in HOSTILE:
        assert shown_text(value) in cells
    text = shown_text(doc.astext())
    for coder in CODERS:
        assert shown_text(coder) in text
    assert shown_text(folder.name) in text and str(folder.parent) not in text  # named, never by its local path
    assert folder.name not in shown_text(doc.children[0].children[0].astext())  # never in the page title

    note = open_chapter(str(folder), coder=CODERS[1]).source_note().data
    parsed = _Collect()
    parsed.feed(note)
    assert {t for t, _ in parsed.tags} == {"div", "p", "code"}
    shown = "".join(parsed.text)
    assert shown_text(folder.name) in shown
    assert f"codes of coder {shown_text(CODERS[1])}" in shown
    for value in HOSTILE:
        assert f"{shown_text(value)}: " in shown


def test_a_code_block_is_one_literal_block_for_every_sample():
    """6.5's command is glued as a fenced code block: whatever it holds (backticks, fences, roles,
    dashes, lines that would open a directive) reaches the reader as the same characters, line by
    line, in one literal block, never as markup."""
    from kzperception.book.display import code_block

    problems = []
    for sample in [*SAMPLES, "kzperception sensitivity --source DIR --from 2021-08-26", "```", "a ```` b"]:
        doc = myst_doctree(f"run this:\n\n{code_block(sample)}\n\nnow")
        blocks = list(doc.findall(lambda n: n.tagname == "literal_block"))
        got = blocks[0].astext() if len(blocks) == 1 else None
        if got != _one_line_of(sample):
            problems.append(f"{sample!r}: {got!r}")
    assert not problems, "\n".join(problems)


def _one_line_of(sample: str) -> str:
    from kzperception.book.display import _one_line

    return "\n".join(" " * (len(line) - len(line.lstrip(" "))) + _one_line(line) for line in sample.split("\n"))
