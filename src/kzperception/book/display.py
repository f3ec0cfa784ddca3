"""How a chapter shows its results in the web book: offline charts, tables with CSV downloads, glue.

Altair's default HTML loads Vega from a CDN; the book must work with the network closed. So a
chart is emitted as a ``<div>`` plus a call to ``vegaEmbed`` from one bundle that the build
writes to ``book/_static`` (vl-convert bundles Vega, Vega-Lite and Vega-Embed with no network),
and Sphinx loads that bundle on every page. The ids are derived from the figure's name, so an
executed notebook is byte-for-byte the same on every run (nbval compares them).

Text from outside the project (a corpus's provenance or coder, a folder name, a sheet cell) reaches
a page through exactly two doors: :func:`myst_text` where it is written into MyST source (a
generated page, a glued text) and :func:`html_text` where it is written into HTML (a cell's HTML
output, a theme option). Both make the text literal: the reader sees what the corpus says, and no
role, directive, substitution, tag or entity in it is ever interpreted. Both also keep the value's
direction to itself: a bidi control is shown as its code point and right-to-left text is isolated
(:func:`isolated`; :func:`html_value` wraps a value in ``<bdi>``), so no value can reorder the
text around it.
"""

from __future__ import annotations

import html
import json
import math
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd

    from kzperception.data.vocabulary import Vocabulary

#: JSON escapes for the characters that could end or alter a <script> element's text.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})
_EMBED_OPTIONS = {"renderer": "svg", "actions": {"export": True, "source": False, "compiled": False, "editor": False}}


#: Characters that start or close inline MyST/CommonMark markup anywhere on a line: code spans and
#: role bodies (`), emphasis (* _), roles and substitutions ({ }), links and images ([ ] !), raw
#: HTML and autolinks (< >), entities (&), math ($), strike-through and fences (~), table cells
#: (|), heading marks (#) and the escape itself (\\). Other punctuation only matters at the start
#: of a line (see :data:`_MYST_LINE_START`).
_MYST_INLINE = frozenset("\\`*_{}[]<>!&$~|#")
#: Block constructs that the first characters of a line can open: a comment (%), a target
#: ``(name)=``, a block break (+++), a bullet (- or + then a space), a thematic break (---), a
#: colon fence (:::), a definition (: ), an ordered-list marker (``12.`` or ``12)``).
_MYST_LINE_START = re.compile(r"^(?:([%(:=])|([-+])(?=[\s+-]|$)|(\d{1,20})([.)])(?=\s|$))")


#: Explicit bidirectional formatting characters (embeddings, overrides, isolates and their ends):
#: invisible, and able to reorder the text around them ("12" shown as "21").
_BIDI_CONTROLS = frozenset({"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"})
#: Bidirectional classes of right-to-left letters and Arabic digits: a value holding one is isolated.
_RTL = frozenset({"R", "AL", "AN"})
#: First-strong isolate and pop-directional-isolate: the plain-text form of HTML's ``<bdi>``.
FSI, PDI = "\u2068", "\u2069"


def _visible(ch: str) -> str:
    """A character as shown: a bidi control as its code point in brackets, the rest as it is."""
    return f"[U+{ord(ch):04X}]" if unicodedata.bidirectional(ch) in _BIDI_CONTROLS else ch


def _one_line(value: object) -> str:
    """The value as a string on one line: line breaks, tabs and other control characters become
    spaces, runs of spaces one space, and the ends are trimmed (an HTML page shows no more).

    A bidirectional control (a right-to-left override, an isolate) is shown as its code point,
    ``[U+202E]``: it would otherwise be invisible and reorder the text after it, so that a
    provenance value ending in U+202E made the count beside it read 21 instead of 12.
    """
    text = "" if value is None else str(value)
    text = _UNSEEN.sub(_seen, text)
    return re.sub(" {2,}", " ", text).strip()


#: Every character :func:`_one_line` changes: the control characters (category Cc), the line and
#: paragraph separators (Zl, Zp) and the bidirectional controls (:data:`_BIDI_CONTROLS`), found by one
#: regular expression instead of asking unicodedata about each character of every cell
#: (``tests/unit/test_display_one_line.py`` checks the set against unicodedata over every code point).
_UNSEEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _seen(match: re.Match[str]) -> str:
    ch = match.group()
    return " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else _visible(ch)


def isolated(text: str) -> str:
    """``text`` inside a first-strong isolate (U+2068 ... U+2069) when it holds right-to-left letters.

    A Hebrew or Arabic value next to a number can take the number into its own direction; isolated,
    it is laid out on its own and nothing around it moves (Unicode's bidi algorithm, rule X5c; the
    plain-text equivalent of ``<bdi>``). Text without such letters comes back unchanged, so the
    book's own labels are byte-for-byte what they were. Bidi controls in ``text`` have already been
    made visible by :func:`_one_line`, so none can end the isolate early.
    """
    if not text.isascii() and any(unicodedata.bidirectional(ch) in _RTL for ch in text):
        return FSI + text + PDI
    return text


def myst_text(value: object, *, at_line_start: bool = True) -> str:
    """Untrusted text made literal for MyST source, on one line, wherever it is placed.

    Every character that can open inline markup is backslash-escaped (CommonMark lets any ASCII
    punctuation be escaped, and MyST's roles, substitutions and fences are built from those). The
    text is put on one line first, so no directive fence or HTML block can start inside it. When
    it may begin a line (``at_line_start``, the default: a page's paragraph, a directive's title),
    its first characters are escaped too if they could open a block (``%`` comment, ``(x)=``
    target, list marker, colon fence); text parsed as inline content only (a ``{glue:md}`` role)
    does not need that. Plain words, dates and numbers come back unchanged, so the thesis's glued
    labels are byte-for-byte what they were.
    """
    text = "".join("\\" + ch if ch in _MYST_INLINE else ch for ch in isolated(_one_line(value)))
    m = _MYST_LINE_START.match(text) if at_line_start else None
    if m is None:
        return text
    if m.group(3) is not None:  # "12. " or "12) ": escape the delimiter
        return f"{m.group(3)}\\{m.group(4)}{text[m.end(4) :]}"
    return "\\" + text


def html_text(value: object, *, quote: bool = True) -> str:
    """Untrusted text made literal for HTML (element content or a quoted attribute), on one line.

    ``html.escape`` turns every ``<``, ``>`` and ``&`` (and, with ``quote``, ``"`` and ``'``) into
    an entity, so no tag, attribute or entity in the value is ever read by the browser. Quotes
    only matter inside an attribute; ``quote=False`` is for element content such as a table cell,
    where an apostrophe stays one. Line breaks become spaces as in :func:`myst_text`, so the value
    can also sit inside a one-line HTML block.
    """
    return html.escape(isolated(_one_line(value)), quote=quote)


def html_value(value: object) -> str:
    """Untrusted text as an HTML element of its own: ``<bdi class="kzp-value">…</bdi>``, escaped.

    ``<bdi>`` isolates the value's direction from the text around it, and the class lets a long
    unbroken value (a 400-letter provenance) wrap instead of widening the page (kzperception.css).
    """
    return f'<bdi class="kzp-value">{html_text(value, quote=False)}</bdi>'


def vega_bundle_js() -> str:
    """Vega + Vega-Lite + Vega-Embed as one script defining ``window.vegaEmbed`` (no network)."""
    import altair as alt
    import vl_convert

    version = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    # vl-convert's stub marks `snippet` required, but at run time it defaults to the snippet that sets
    # window.vegaEmbed, which is the one wanted here.
    bundle = vl_convert.javascript_bundle(vl_version=f"v{version}")  # type: ignore[call-arg]
    # Top-level declarations of the bundle (e.g. `_`) would collide with Sphinx's globals in a
    # classic <script>; a function scope keeps them private (the bundle sets window.vegaEmbed).
    return "(function () {\n" + bundle + "\n})();\n"


class ChartHTML:
    """A chart as HTML for the book (and a short text for plain-text consumers such as nbval diffs)."""

    def __init__(
        self, chart: alt.TopLevelMixin, name: str, *, labelledby: str | None = None, describedby: str | None = None
    ):
        self.name = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
        self.spec = chart.to_dict()
        #: Ids of the figure's caption and of its text alternative (:mod:`kzperception.book.exhibits`):
        #: the chart box is an image to assistive technology, named by the caption, described by the text.
        self.labelledby = labelledby
        self.describedby = describedby

    def _aria(self) -> str:
        if not (self.labelledby or self.describedby):
            return ""
        attrs = ' role="img"'
        if self.labelledby:
            attrs += f' aria-labelledby="{html.escape(self.labelledby)}"'
        if self.describedby:
            attrs += f' aria-describedby="{html.escape(self.describedby)}"'
        return attrs

    def _repr_html_(self) -> str:
        # The spec sits inside a <script>: no <, > or & may reach the HTML parser from a label in it.
        spec = json.dumps(self.spec, sort_keys=True, ensure_ascii=False).translate(_SCRIPT_SAFE)
        opts = json.dumps(_EMBED_OPTIONS, sort_keys=True)
        div = f"vega-{self.name}"
        return (
            f'<div class="kzp-chart" id="{div}" data-figure="{html.escape(self.name)}"{self._aria()}></div>\n'
            f'<script type="text/javascript">(function () {{\n'
            f'  var el = document.getElementById("{div}");\n'
            f"  if (window.vegaEmbed) {{ vegaEmbed(el, {spec}, {opts})"
            f".catch(function (e) {{ console.error(e); }}); }}\n"
            f'  else {{ el.textContent = "Chart {html.escape(self.name)}: the Vega bundle is not loaded."; }}\n'
            f"}})();</script>"
        )

    def __repr__(self) -> str:
        return f"<chart {self.name}>"


def save_csv(df: pd.DataFrame, name: str, folder: str | Path = ".") -> Path:
    """Write a table's data beside the chapter so the page can offer it as a download."""
    path = Path(folder) / f"{name}.csv"
    if df.columns.nlevels > 1:  # a cross-tab's two header rows become one: "China 2020–22", "All reports"
        df = df.set_axis([" ".join(str(p) for p in c if str(p)) for c in df.columns], axis=1)
    df.to_csv(path, index=False)
    return path


class UndefinedFactError(ValueError):
    """A fact about to be glued is not a finite number (NaN, infinity): prose would print ``nan``."""


def defined_facts(facts: dict[str, float]) -> dict[str, float]:
    """``facts`` without the numbers that are not defined (NaN, infinity), for :func:`glue_facts`.

    A share of an empty period, a change from nothing, a slot the thesis never printed: the
    measures return NaN for "not known" rather than a number, and such a value must never reach
    prose as ``nan``. A chapter whose corpus may leave some facts undefined glues only the defined
    ones; a sentence that needs an undefined one is chosen or worded by the readings instead (a
    reference to a fact that is not glued fails the build loudly, never prints ``nan``).
    """
    return {key: value for key, value in facts.items() if not _undefined(value)}


def _undefined(value: object) -> bool:
    """Whether ``value`` is a number that is not finite (NaN, ±infinity, ``pd.NA``), including numpy's."""
    if value is None or isinstance(value, (str, bool)):
        return False
    try:
        return not math.isfinite(value)  # type: ignore[arg-type]
    except TypeError:  # pd.NA and other values that are neither numbers nor text
        return str(value) in {"<NA>", "NaT"}


def glue_facts(facts: dict[str, float], prefix: str = "") -> None:
    """Glue every named number for the chapter's prose (``{glue:text}`name``` in MyST).

    Counts are glued as ints (:class:`Count`, shown with thousands separators); shares and changes
    as floats rounded to one decimal, the precision the thesis prints, so the prose formats them
    with ``:.1f``. Rates per day (``*_per_day``) are
    glued whole: 37 reports in 549 days is 0.067 a day, which one decimal would make 0.1.

    A number that is not finite (NaN, infinity) is refused with :class:`UndefinedFactError` naming
    the fact, before anything is glued: on a page it would read ``nan``. Callers whose facts can be
    undefined (a tiny corpus, an empty period) pass them through :func:`defined_facts` first.
    """
    from myst_nb import glue

    undefined = [key for key, value in facts.items() if _undefined(value)]
    if undefined:
        shown = ", ".join(f"'{prefix}{key}' ({facts[key]})" for key in undefined[:5])
        more = f" and {len(undefined) - 5} more" if len(undefined) > 5 else ""
        raise UndefinedFactError(
            f"glue_facts: {shown}{more} is not a finite number; a page would show it as "
            "'nan': drop it with display.defined_facts or word it as not known first"
        )
    for key, value in facts.items():
        glue(f"{prefix}{key}", glued_value(key, value), display=False)


class Count(int):
    """A whole number that a page shows with thousands separators: "how the 6,000 reports are spread".

    ``{glue:text}`` prints the text/plain a value is glued with, after ``ast.literal_eval``, which
    would read a bare ``6,000`` as the tuple ``(6, 0)``; so from 1,000 up the repr is the quoted
    text (``'6,000'``), read back as that string. Below 1,000 it is the plain number, as before.
    It is an ``int`` for every other use; no count is glued with a format spec (shares and
    changes are, and stay floats).
    """

    def __repr__(self) -> str:
        return f"{int(self)}" if abs(self) < 1000 else repr(f"{int(self):,}")


def glued_value(key: str, value: float) -> float:
    """What :func:`glue_facts` glues for ``key``: a rate whole, a count as a :class:`Count`, else one decimal."""
    if key.endswith("_per_day"):
        return value
    if isinstance(value, bool):
        return value
    if "share" not in key and "change" not in key and (isinstance(value, int) or float(value).is_integer()):
        return Count(int(value))
    if isinstance(value, float):
        return round(value, 1)
    return value


def glue_texts(texts: dict[str, str]) -> None:
    """Glue several short texts at once (see :func:`glue_text`)."""
    for key, text in texts.items():
        glue_text(key, text)


def glue_text(key: str, text: str) -> None:
    """Glue a short piece of text (a label such as ``2020–22``) so prose can show it unquoted.

    Prose pastes it with ``{glue:md}``, which parses the glued Markdown as inline MyST; the text
    goes through :func:`myst_text` first, so whatever it holds is shown as the characters it is
    and never read as a role, link, tag or substitution.
    """
    from IPython.display import Markdown
    from myst_nb import glue

    # IPython's display objects read a string that names an existing path ("." or "data") as that
    # file; the text is set after construction so it is always the text itself.
    shown = Markdown("")
    shown.data = myst_text(text, at_line_start=False)
    glue(key, shown, display=False)


def glue_code(key: str, text: str) -> None:
    """Glue ``text`` as a code block (a command a reader copies), pasted with a ``{glue:md}`` block
    (``:format: myst``).

    A fenced block is literal in MyST (no role, link or typographic dash is read inside it) and
    scrolls rather than breaking a long command mid-option on a phone; the fence is one backtick
    longer than any run inside the text, so no text can close it.
    """
    from IPython.display import Markdown
    from myst_nb import glue

    shown = Markdown("")
    shown.data = code_block(text)
    glue(key, shown, display=False)


def code_block(text: str, language: str = "bash") -> str:
    """``text`` as a fenced MyST code block whose fence no backtick run inside can close; its lines
    are kept, each made one line of visible characters with its indent."""
    # each line as one line of visible characters, its indent kept (a continued command's options)
    body = "\n".join(" " * (len(line) - len(line.lstrip(" "))) + _one_line(line) for line in text.split("\n"))
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", body)), default=0))
    return f"{fence}{language}\n{body}\n{fence}"


def _html_cell(value: object, precision: int) -> str:
    """A cell of a text column: text escaped, numbers as the Styler's default shows them."""
    if isinstance(value, str):
        return html_text(value, quote=False)
    import numpy as np

    if isinstance(value, float | np.floating):
        return "–" if value != value else f"{value:.{precision}f}"  # NaN: no value, never "nan"
    if value is None:
        return "–"
    return html_text(value, quote=False)


#: Header words a reader knows by another name (statistics, abbreviations); ids of partners and
#: websites become their labels through the vocabulary.
HEADER_WORDS = {
    "chi2": "χ²",
    "p": "p",
    "or": "OR",
    "n": "n",
    "pct": "%",
    "fisher": "Fisher",
    "holm": "Holm",
    "cmh": "CMH",
    "min": "min.",
    "ru": "(Russian)",
    "en": "(English)",
}
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$|^[a-z]+[0-9]*$")


class _PageVocabulary:
    """The vocabulary of the corpus a chapter page is run on, for the labels of its tables.

    A chapter is one kernel on one corpus; :func:`kzperception.book.chapter.open_chapter` sets it
    once, so a table whose columns are partner ids (``alpha_before``) reads "Alphaland before" with
    a corpus's own partners.yaml, without every table function passing the vocabulary along.
    Unset (a library call outside a chapter), tables use the project's vocabulary.
    """

    def __init__(self) -> None:
        self._value: Vocabulary | None = None

    def get(self) -> Vocabulary | None:
        return self._value

    def set(self, vocabulary: Vocabulary | None) -> None:
        self._value = vocabulary


PAGE_VOCABULARY = _PageVocabulary()


def reader_header(column: object, vocabulary: Vocabulary | None = None) -> str:
    """A column name as a reader should see it: ``p_chi2`` -> ``p (χ²)``, ``china_before`` -> ``China before``.

    Only names written as ids (lower-case words joined by ``_``) are rewritten; a header a table
    function already wrote for readers ("this corpus", "Category") is left as it is. Partner and
    website ids are labelled by ``vocabulary`` (a corpus's; default: the project's).
    """

    partner_label, website_label = _labeller(vocabulary, "partner"), _labeller(vocabulary, "website")

    text = str(column)
    if not _SNAKE.match(text) or text in ("n",):
        return text
    words = text.split("_")
    if words[0] == "p" and len(words) == 2:
        return f"p ({HEADER_WORDS.get(words[1], words[1])})"
    out = []
    for i, w in enumerate(words):
        if w == "share":
            out.append("share (%)" if i == 0 else "(%)")
            continue
        label = HEADER_WORDS.get(w)
        if label is None:
            label = partner_label(w) if partner_label(w) != w else website_label(w) if website_label(w) != w else w
        out.append(label)
    joined = " ".join(out)
    return joined[:1].upper() + joined[1:] if joined[:1].isascii() else joined


def _id_label(value: object, vocabulary: Vocabulary | None = None) -> object:
    """A partner or website id in a table cell shown as its label (``china`` -> ``China``), else the value."""

    if not isinstance(value, str) or not _SNAKE.match(value):
        return value
    for kind in ("partner", "website", "category"):
        label = _labeller(vocabulary, kind)(value)
        if label != value:
            return label
    return value


#: An id written into a longer text (an audit formula, a note naming cells): lower-case words joined
#: by ``_``, not inside a URL (a URL's own underscores are the address, not a code name).
_ID_IN_TEXT = re.compile(r"(?:https?://|www\.)\S+|\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
#: Words of the codebook's ids that a reader writes with a hyphen.
_ID_WORDS = {"non_cooperation": "non-cooperation", "cross_border": "cross-border"}
#: The ASCII arrow of a change ("37 -> 78") as a reader's arrow.
_ASCII_ARROW = re.compile(r"(?<=\S) -> (?=\S)")


def reader_text(value: object, vocabulary: Vocabulary | None = None) -> object:
    """A text cell as a reader should see it: every id in it by its label, and no ASCII arrow.

    A cell that is an id is labelled whole by :func:`_id_label`; this is for ids written into a
    longer text, such as the audit's formulas (``codes[category=cross_border,mode=non_cooperation]``
    reads ``codes[category=Cross-border,mode=non-cooperation]``) and notes that name cells
    (``china/all/political_diplomatic/...``). A category, partner or website id becomes its label; any
    other id (a measure's name) its words, so no code name reaches the page; "37 -> 78" reads "37 → 78".
    """
    if not isinstance(value, str) or ("_" not in value and "->" not in value):
        return value

    def label(m: re.Match[str]) -> str:
        token = m.group(0)
        if token.startswith(("http", "www.")):
            return token
        found = _id_label(token, vocabulary)
        if found != token:
            return str(found)
        text = token
        for word, said in _ID_WORDS.items():
            text = text.replace(word, said)
        return text.replace("_", " ")

    return _ASCII_ARROW.sub(" → ", _ID_IN_TEXT.sub(label, value))


def _labeller(vocabulary: Vocabulary | None, kind: str) -> Callable[[str], str]:
    """``kind``'s label of an id: from ``vocabulary`` (or the page's), then the project's (a rerun's
    tables set the thesis's published counts, China and Russia, beside the corpus's partners)."""
    from kzperception.data.vocabulary import Vocabulary

    chain = [v for v in (vocabulary, PAGE_VOCABULARY.get(), Vocabulary.default()) if v is not None]

    def label(value: str) -> str:
        for v in chain:
            if kind == "category":
                found = dict(v.category_labels).get(value, value)
            else:
                found = v.partner_label(value) if kind == "partner" else v.website_label(value)
            if found != value:
                return found
        return value

    return label


#: A column of shares (percentages) by its name or title: "share", "Share (%)", "pct", "percent".
_SHARE = re.compile(r"share|%|\bpct\b|percent", re.IGNORECASE)


def is_share(column: object) -> bool:
    """Whether a column holds shares, which the book prints with one decimal even when whole
    (docs/architecture.md, "Numbers"): a share of 48 % beside one of 27.8 % reads "48.0"."""
    return bool(_SHARE.search(str(column)))


def _whole(series: pd.Series) -> bool:
    """A column of counts: integers (not flags), or floats that hold only whole numbers (counts stored
    as floats because of a missing cell)."""
    import pandas as pd

    if pd.api.types.is_integer_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return True
    values = series.dropna()
    return pd.api.types.is_float_dtype(series) and len(values) > 0 and bool((values == values.round()).all())


#: The class of every table the book typesets (``book/_static/kzp-exhibits.css``): padded cells,
#: a rule under the header, and numeric columns (cells of class ``kzp-num``) right-aligned.
TABLE_CLASS = "kzp-table"
NUM_CLASS = "kzp-num"


def show_table(df: pd.DataFrame, name: str, precision: int = 1, vocabulary: Vocabulary | None = None):
    """A table for the book: no index, fixed precision, escaped text, and a stable element id (no
    random uuid), so the executed notebook is identical on every run. Partner and website ids in
    cells and headers are shown by their labels in ``vocabulary`` (default: the project's).

    A Styler writes cells and headers into HTML as they are; the text columns and the headers go
    through :func:`html_text` (an apostrophe is harmless in element content and stays one). Numeric
    columns carry the class ``kzp-num`` on their cells and headers, so a reader's eye can run down
    a column of right-aligned figures; counts stored as floats print as whole numbers.
    """
    import pandas as pd
    from pandas.io.formats.style import Styler

    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    # cell_ids=False: an id only on a cell a style rule selects (none here: numeric cells are styled
    # by class); on the audit's 5,000 cells the ids of every cell were 180 KB of the page.
    styler = Styler(df, cell_ids=False).hide(axis="index")
    styler = styler.format(precision=precision, na_rep="–")  # never "nan" in a cell
    whole = [c for c in df.columns if _whole(df[c]) and not is_share(c)]
    if whole:  # counts are whole numbers, never 112.0, and 4,967 as the prose writes it
        styler = styler.format(lambda v: "–" if v != v else f"{int(v):,}", subset=whole)
    numeric = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in df.columns]
    text_columns = [
        c
        for c, num in zip(df.columns, numeric, strict=True)
        if not (num or pd.api.types.is_datetime64_any_dtype(df[c]))
    ]
    if text_columns:
        styler = styler.format(
            lambda v: _html_cell(reader_text(_id_label(v, vocabulary), vocabulary), precision), subset=text_columns
        )
    if any(numeric):
        classes = pd.DataFrame(
            [[NUM_CLASS if num else "" for num in numeric]] * len(df), index=df.index, columns=df.columns
        )
        styler = styler.set_td_classes(classes)
        styler = styler.set_table_styles(
            [
                {"selector": f"th.col_heading.level{df.columns.nlevels - 1}.col{i}", "props": "text-align: right;"}
                for i, num in enumerate(numeric)
                if num
            ],
            overwrite=False,
        )
    styler = styler.set_table_attributes(f'class="{TABLE_CLASS}"')
    return styler.format_index(lambda v: html_text(reader_header(v, vocabulary), quote=False), axis=1).set_uuid(slug)
