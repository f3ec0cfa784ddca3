"""References from a rerun to what only the published book holds, said in words.

A rerun builds some chapters of the book; their prose still points at the others ("section
{ref}`sec-uncertainty`", "{numref}`table-1`", "chapter {ref}`sec-methodology`"). Left to Sphinx,
a reference to a page the rerun does not hold prints its raw label ("sec-uncertainty") and no
link. This extension answers Sphinx's ``missing-reference`` event for the labels of the published
(main) book: the reference becomes unlinked words naming that part of the published book
("6.4 of the published book", "Figure 2 of the published book", "a table in section 6.4 of the
published book"), never a raw label and never a link to a page that is not there.

The labels and what they name are data: :func:`published_targets` reads them from the main
book's chapter sources (every ``(label)=`` line and the heading under it, every ``{exhibit}`` and
whether its glue call makes a figure or a table), and the rerun writes them into its Sphinx
configuration as ``kzp_published_targets`` (:func:`kzperception.book.rerun.stage`). The main book
does not load this extension: there a missing reference is an error of the build, and its strict
build fails on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

#: The words after a reference to a part of the published book.
OF_PUBLISHED = "of the published book"
#: The class of the words that replace such a reference (kzperception.css may style it).
CLASS = "kzp-published-ref"

_LABEL = re.compile(r"^\(([A-Za-z0-9][\w.:-]*)\)=[ \t]*\n+(#{1,6})[ \t]+(.+?)[ \t]*$", re.M)
_HEADING_NUMBER = re.compile(r"^([0-9]+(?:\.[0-9]+)*)\s+\S")
_EXHIBIT = re.compile(r"^[`:]{3,}\{exhibit\}[ \t]+(\S+)[ \t]*$", re.M)
_GLUED = re.compile(r"\bglue_(figure|table)\(\s*[\"']([^\"']+)[\"']")
_THESIS_EXHIBIT = re.compile(r"^(figure|table)-([1-9][0-9]*)$")


def section_words(heading: str) -> str:
    """How a reference names a section of the published book: its number, or its title in quotes.

    The prose around a reference supplies "section" or "chapter" (as it does where Sphinx writes
    the title), so a numbered heading gives its number alone: "6.4", "5.3".
    """
    m = _HEADING_NUMBER.match(heading)
    return m.group(1) if m else f"“{heading}”"


def published_targets(chapters: Iterable[tuple[str, str]]) -> dict[str, dict[str, str]]:
    """The labels of the published book's chapters and what each names, from their MyST sources.

    ``chapters`` holds ``(stem, text)`` pairs in book order (a partner chapter's text with its
    fields filled). A section label maps to ``{"kind": "section", "words": ...}``; an exhibit to
    ``{"kind": "figure" | "table", "words": <its chapter's words>}``. The first label of a chapter
    names it; an exhibit takes the chapter's words (its number or title).
    """
    targets: dict[str, dict[str, str]] = {}
    for _stem, text in chapters:
        chapter_words = None
        for label, _hashes, heading in _LABEL.findall(text):
            words = section_words(heading.strip())
            chapter_words = chapter_words or words
            targets.setdefault(label, {"kind": "section", "words": words})
        if chapter_words is None:
            continue
        glued = {name: kind for kind, name in _GLUED.findall(text)}
        for name in _EXHIBIT.findall(text):
            if "{" not in name and name in glued:
                targets.setdefault(name, {"kind": glued[name], "words": chapter_words})
    return targets


def main_book_targets(notebooks: Path | None = None) -> dict[str, dict[str, str]]:
    """:func:`published_targets` of the main book: every chapter of its table of contents, partners' included."""
    from kzperception.book.chapter_templates import FIELD, chapter_source, partner_chapters
    from kzperception.book.layout import toc_chapters

    stems = [*toc_chapters(), *(s for s in partner_chapters() if s not in toc_chapters())]
    pages: list[tuple[str, str]] = []
    for stem in stems:
        source = chapter_source(stem, notebooks)
        if source.missing():
            continue
        text = source.notebook.read_text(encoding="utf-8")
        if source.fields:
            text = FIELD.sub(partial(_field_or_itself, source.fields), text)
        pages.append((stem, text))
    return published_targets(pages)


def reference_words(target: str, reftype: str, explicit: str | None, targets: dict[str, dict[str, str]]) -> str | None:
    """The words that stand for a reference to ``target`` of the published book; None when it names nothing there.

    ``explicit`` is the reference's own title, if it has one ("chapter 5", "Figures %s").
    """
    thesis = _THESIS_EXHIBIT.match(target) if reftype == "numref" else None
    if thesis is not None:
        number = thesis.group(2)
        title = explicit if explicit else f"{thesis.group(1).capitalize()} %s"
        return f"{title.replace('%s', number).replace('{number}', number)} {OF_PUBLISHED}"
    found = targets.get(target)
    if found is None:
        return None
    if found["kind"] == "section":
        if explicit and reftype == "ref":
            return f"{explicit} {OF_PUBLISHED}"
        words = found["words"]
        return f"{words} {OF_PUBLISHED}" if not words.startswith("“") else f"{words} in the published book"
    where = found["words"]
    where = f"section {where}" if not where.startswith("“") else where
    return f"a {found['kind']} in {where} {OF_PUBLISHED}"


def _missing_reference(
    app: Sphinx, env: BuildEnvironment, node: addnodes.pending_xref, contnode: nodes.Element
) -> nodes.Node | None:
    """Answer a reference to a label this book lacks with words naming the published book's part."""
    targets = app.config.kzp_published_targets or {}
    if node.get("refdomain") != "std" or node.get("reftype") not in ("ref", "numref") or not targets:
        return None
    explicit = contnode.astext() if node.get("refexplicit") else None
    text = reference_words(str(node.get("reftarget", "")), node["reftype"], explicit, targets)
    if text is None:
        return None
    return nodes.inline(text, text, classes=[CLASS])


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("kzp_published_targets", {}, "env", [dict])
    # Before kzperception.book.sphinx_exhibits' own answer for the thesis's exhibits (priority 500).
    app.connect("missing-reference", _missing_reference, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}


def _field_or_itself(fields: Mapping[str, str], m: re.Match[str]) -> str:
    """The value of the ``{{ field }}`` matched, or the placeholder as written where the chapter has no such field."""
    return fields.get(m[1], m[0])
