"""The ``{exhibit}`` directive: a glued figure or table, numbered by the build, captioned, with its source.

A chapter's code cell glues an exhibit (:mod:`kzperception.book.exhibits`); the prose pastes it::

    ```{exhibit} figure-9
    :thesis: 9

    Main and secondary code categories in the reports on Russia.
    ```

The directive builds on myst-nb's ``glue:figure`` (:class:`PasteFigureDirective`: the glued
output pasted by mime priority, the first paragraph of the content as the caption, the rest as
a legend) and turns its figure into one of four enumerable nodes, so Sphinx's own numbering
(``numfig``, ``numfig_format``, ``{numref}``) numbers them in book order and an incremental build
renumbers them:

- an exhibit with ``:thesis: N`` is the thesis's Figure N or Table N and keeps that number; the
  build fails when two exhibits claim the same number or when the numbers do not rise in book
  order (a book of a few chapters may skip numbers, never reorder them);
- every other exhibit is the edition's own: "Figure E1", "Table E1" ..., counted in book order.

A figure is written as ``<figure>`` with ``<figcaption>`` (the chart box is named by the caption
and described by its text alternative); a table gets a ``<caption>`` inside its ``<table>``; both
carry two closed boxes, "Data" (a figure's data as a small table) and "Source" (the function, the
data files, the CSV download, the thesis section). The extension adds ``kzp-exhibits.css``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from myst_nb.core.variables import RetrievalError
from myst_nb.ext.glue.directives import PasteFigureDirective
from myst_nb.ext.glue.utils import glue_warning, retrieve_glue_data
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.errors import SphinxError
from sphinx.util import logging

from kzperception.book.exhibits import EXHIBIT_MIME

logger = logging.getLogger(__name__)

CSS = "kzp-exhibits.css"


class ExhibitNumberError(SphinxError):
    """Two exhibits claim one thesis number, or the thesis's numbers do not rise in book order."""

    category = "Exhibit numbering error"


class exhibit(nodes.figure):  # docutils names node classes in lower case
    """A glued figure or table with its caption (numbered through its subclass's figtype)."""

    figtype: ClassVar[str] = ""
    word: ClassVar[str] = ""


class edition_figure(exhibit):
    figtype, word = "kzp-figure", "Figure"


class thesis_figure(exhibit):
    figtype, word = "kzp-thesis-figure", "Figure"


class edition_table(exhibit):
    figtype, word = "kzp-table", "Table"


class thesis_table(exhibit):
    figtype, word = "kzp-thesis-table", "Table"


NODES: dict[tuple[str, bool], type[exhibit]] = {
    ("figure", False): edition_figure,
    ("figure", True): thesis_figure,
    ("table", False): edition_table,
    ("table", True): thesis_table,
}
#: How the build writes each kind's number ("Figure E3"); the thesis's kinds keep its numbers.
NUMFIG_FORMAT = {
    "kzp-figure": "Figure E%s",
    "kzp-thesis-figure": "Figure %s",
    "kzp-table": "Table E%s",
    "kzp-thesis-table": "Table %s",
}
THESIS_FIGTYPES = ("kzp-thesis-figure", "kzp-thesis-table")


class exhibit_box(nodes.General, nodes.Element):
    """A closed ``<details>`` box under an exhibit ("Data", "Source")."""


def _visit_box(self: Any, node: exhibit_box) -> None:
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="{classes}"><summary>{self.encode(node["summary"])}</summary>\n')


def _depart_box(self: Any, node: exhibit_box) -> None:
    self.body.append("</details>\n")


def _literal(text: str) -> nodes.literal:
    return nodes.literal(text, text)


def provenance_box(record: dict[str, Any], docname: str) -> exhibit_box:
    """The "Source" box: made by which function, from which files, the CSV, the thesis section.

    Every value is put in a text node (never parsed as markup): a corpus folder named in it is shown
    as the characters it is.
    """
    box = exhibit_box(summary="Source", classes=["kzp-provenance"])
    items = nodes.bullet_list()
    made = nodes.paragraph("", "Made by ")
    made += _literal(str(record.get("made_by") or "?"))
    items += nodes.list_item("", made)
    files = [str(f) for f in record.get("data") or []]
    if files:
        para = nodes.paragraph("", "From " if len(files) == 1 else "From the files ")
        for i, f in enumerate(files):
            if i:
                para += nodes.Text(", ")
            para += _literal(f)
        items += nodes.list_item("", para)
    if record.get("csv"):
        csv = str(record["csv"])
        para = nodes.paragraph("", "Download the data as CSV: ")
        para += addnodes.download_reference(
            "",
            "",
            _literal(csv),
            reftarget=csv,
            refdoc=docname,
            refdomain="",
            reftype="download",
            refexplicit=True,
            refwarn=False,
        )
        items += nodes.list_item("", para)
    thesis = record.get("thesis")
    text = f"Reproduces the thesis, section {thesis}." if thesis else "Added by this edition (not in the thesis)."
    items += nodes.list_item("", nodes.paragraph("", text))
    box += items
    return box


def data_box(record: dict[str, Any]) -> exhibit_box | None:
    """The "Data" box of a figure: its data as a small table (HTML written, and escaped, by the library)."""
    table = record.get("data_html")
    if not table:
        return None
    box = exhibit_box(summary="Data", classes=["kzp-data"])
    box += nodes.raw("", str(table), format="html")
    return box


class ExhibitDirective(PasteFigureDirective):
    """Paste a glued exhibit with its caption (the content); ``:thesis: N`` keeps the thesis's number."""

    option_spec: ClassVar[dict[str, Any]] = {
        "name": directives.unchanged,
        "thesis": directives.positive_int,
        "class": directives.class_option,
    }

    def add_name(self, node: nodes.Element) -> None:
        """The target goes on the exhibit node made below, not on the figure the base class builds."""

    def run(self) -> list[nodes.Node]:
        key = self.arguments[0]
        try:
            glued = retrieve_glue_data(self.document, key)
        except RetrievalError as exc:
            return [glue_warning(str(exc), self.document, self.line)]
        record = glued.data.get(EXHIBIT_MIME)
        if not isinstance(record, dict) or record.get("kind") not in ("figure", "table"):
            return [
                glue_warning(
                    f"{key!r} was not glued as an exhibit (kzperception.book.exhibits.glue_figure or glue_table)",
                    self.document,
                    self.line,
                )
            ]
        if record.get("empty"):  # a table that only a rerun shows (kzperception.book.exhibits.glue_table)
            return []
        if not self.content:
            return [glue_warning(f"exhibit {key!r} has no caption", self.document, self.line)]
        thesis = self.options.pop("thesis", None)
        name = self.options.pop("name", key)
        classes = self.options.pop("class", None) or []
        pasted = super().run()
        figure, rest = pasted[0], pasted[1:]
        if not isinstance(figure, nodes.figure):
            return pasted
        cls = NODES[(record["kind"], thesis is not None)]
        node = cls(
            "",
            *figure.children,
            classes=["kzp-exhibit", f"kzp-exhibit-{record['kind']}", *classes],
            thesis=thesis,
            record=copy.deepcopy(dict(record)),
        )
        self.set_source_info(node)
        env = self.state.document.settings.env
        if record["kind"] == "figure" and (box := data_box(record)) is not None:
            node += box
        node += provenance_box(record, env.docname)
        self.options["name"] = name
        super().add_name(node)
        if thesis is not None and node["ids"]:
            store = env.__dict__.setdefault("kzp_thesis_exhibits", {})
            store.setdefault(env.docname, {})[node["ids"][0]] = (cls.figtype, thesis, name)
        return [node, *rest]


# --- numbering ------------------------------------------------------------------------------------


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    env.__dict__.get("kzp_thesis_exhibits", {}).pop(docname, None)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    mine = env.__dict__.setdefault("kzp_thesis_exhibits", {})
    for docname, items in other.__dict__.get("kzp_thesis_exhibits", {}).items():
        if docname in docnames:
            mine[docname] = items


def thesis_numbers(order: list[tuple[str, str, int, str, int]]) -> dict[tuple[str, str], int]:
    """Check the thesis's numbers against book order; ``order`` holds (docname, id, number, name, position).

    Returns the number of each (docname, id). Raises :class:`ExhibitNumberError` on a number claimed
    twice or a number lower than one before it in the book.
    """
    out: dict[tuple[str, str], int] = {}
    previous: tuple[str, str, int, str, int] | None = None
    for item in sorted(order, key=lambda x: x[4]):
        docname, node_id, number, name, _ = item
        if previous is not None and number <= previous[2]:
            why = "is given twice" if number == previous[2] else "is out of the thesis's order"
            raise ExhibitNumberError(
                f"thesis number {number} {why}: {docname} ({name}) comes after {previous[0]} ({previous[3]}), "
                f"numbered {previous[2]}"
            )
        out[(docname, node_id)] = number
        previous = item
    return out


def _renumber(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """After Sphinx counts exhibits in book order, put the thesis's own numbers on the thesis's exhibits.

    Sphinx's count of a thesis kind is its position in the book; it becomes the number the
    ``:thesis:`` option gives, once checked. Returns the pages whose numbers changed since the
    last build, so an incremental build rewrites them.
    """
    if not env.config.numfig:
        return []
    store = env.__dict__.get("kzp_thesis_exhibits", {})
    for figtype in THESIS_FIGTYPES:
        order = []
        for docname, items in store.items():
            numbered = env.toc_fignumbers.get(docname, {}).get(figtype, {})
            for node_id, (kind, number, name) in items.items():
                if kind == figtype and node_id in numbered:
                    order.append((docname, node_id, number, name, numbered[node_id][-1]))
        for (docname, node_id), number in thesis_numbers(order).items():
            env.toc_fignumbers[docname][figtype][node_id] = (number,)
    before = env.__dict__.get("kzp_fignumbers", {})
    changed = [
        d for d, nums in env.toc_fignumbers.items() if any(t in NUMFIG_FORMAT for t in nums) and nums != before.get(d)
    ]
    changed += [d for d in before if d not in env.toc_fignumbers and d in env.all_docs]
    env.__dict__["kzp_fignumbers"] = copy.deepcopy(  # an attribute of ours, pickled with the environment
        {d: n for d, n in env.toc_fignumbers.items() if any(t in NUMFIG_FORMAT for t in n)}
    )
    return changed


def _config(app: Sphinx, config: Config) -> None:
    """Numbering on (the exhibits are the book's only numbered things), and the exhibits' formats."""
    config.numfig = True
    fmt = dict(config.numfig_format or {})
    for figtype, text in NUMFIG_FORMAT.items():
        fmt.setdefault(figtype, text)
    config.numfig_format = fmt


_THESIS_LABEL = re.compile(r"^(figure|table)-([1-9][0-9]*)$")


def _absent_thesis_exhibit(
    app: Sphinx, env: BuildEnvironment, node: addnodes.pending_xref, contnode: nodes.Element
) -> nodes.Node | None:
    """A reference to the thesis's Table 1 or Figure N that a book of some chapters does not hold.

    A rerun of a few chapters keeps prose such as "the slots of Table 1"; the target is not in that
    book, but its number is the thesis's, so the reference reads as the number, unlinked, instead of
    the bare label.
    """
    if node.get("refdomain") != "std" or node.get("reftype") != "numref":
        return None
    m = _THESIS_LABEL.match(str(node.get("reftarget", "")))
    if m is None:
        return None
    number = m.group(2)
    title = contnode.astext() if node.get("refexplicit") else f"{m.group(1).capitalize()} %s"
    text = title.replace("%s", number).replace("{number}", number)
    return nodes.inline(text, text, classes=["kzp-absent-exhibit"])


# --- HTML -----------------------------------------------------------------------------------------


def _number(self: Any, node: exhibit) -> str:
    key = f"{self.docnames[-1]}/{node.figtype}" if self.builder.name == "singlehtml" else node.figtype
    number = self.builder.fignumbers.get(key, {}).get(node["ids"][0]) if node["ids"] else None
    if not number:
        return ""
    return self.config.numfig_format[node.figtype] % ".".join(map(str, number))


def _render(self: Any, children: Iterable[nodes.Node]) -> str:
    saved, self.body = self.body, []
    try:
        for child in children:
            child.walkabout(self)
        return "".join(self.body)
    finally:
        self.body = saved


_TABLE_OPEN = re.compile(r"<table\b[^>]*>")


def _visit_exhibit(self: Any, node: exhibit) -> None:
    record = node.get("record") or {}
    caption = next((c for c in node.children if isinstance(c, nodes.caption)), None)
    legend = [c for c in node.children if isinstance(c, nodes.legend)]
    boxes = [c for c in node.children if isinstance(c, exhibit_box)]
    body = [c for c in node.children if c is not caption and c not in legend and c not in boxes]
    number = _number(self, node)
    cap_id = self.encode(str(record.get("caption_id") or ""))
    label = (
        f'<span class="caption-number">{self.encode(number)}.</span> ' if number else ""
    ) + f'<span class="caption-text">{_render(self, caption.children) if caption else ""}</span>'
    legend_html = _render(self, legend)
    boxes_html = _render(self, boxes)
    body_html = _render(self, body)
    ids = node["ids"]
    extra = "".join(f'<span id="{self.encode(i)}"></span>' for i in ids[1:])
    classes = " ".join(node["classes"])
    if isinstance(node, edition_table | thesis_table):
        cap = f'<caption id="{cap_id}">{label}</caption>'
        m = _TABLE_OPEN.search(body_html)
        body_html = (body_html[: m.end()] + cap + body_html[m.end() :]) if m else cap + body_html
        self.body.append(
            f'<div class="{classes}" id="{self.encode(ids[0]) if ids else ""}">{extra}\n'
            f'<div class="kzp-table-box">{body_html}</div>\n{legend_html}{boxes_html}</div>\n'
        )
    else:
        self.body.append(
            f'<figure class="{classes}" id="{self.encode(ids[0]) if ids else ""}">{extra}\n{body_html}\n'
            f'<figcaption><p id="{cap_id}">{label}</p>{legend_html}{boxes_html}</figcaption>\n'
            f"</figure>\n"
        )
    raise nodes.SkipNode


def _skip(self: Any, node: nodes.Node) -> None:
    raise nodes.SkipNode


def _never_departed(self: Any, node: nodes.Node) -> None:
    """The depart handler: never called, since both visitors raise SkipNode (Sphinx wants one all the same)."""


def _css(app: Sphinx) -> None:
    app.add_css_file(CSS)


def setup(app: Sphinx) -> dict[str, Any]:
    for cls in NODES.values():
        app.add_enumerable_node(
            cls,
            cls.figtype,
            html=(_visit_exhibit, _never_departed),
            latex=(_skip, _never_departed),
            text=(_skip, _never_departed),
            man=(_skip, _never_departed),
            texinfo=(_skip, _never_departed),
        )
    app.add_node(
        exhibit_box,
        html=(_visit_box, _depart_box),
        latex=(_skip, None),
        text=(_skip, None),
        man=(_skip, None),
        texinfo=(_skip, None),
    )
    app.add_directive("exhibit", ExhibitDirective)
    app.connect("config-inited", _config, priority=900)
    app.connect("builder-inited", _css)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-updated", _renumber, priority=900)
    app.connect("missing-reference", _absent_thesis_exhibit)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
