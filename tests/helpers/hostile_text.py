"""A corpus whose every text field is an attack, what a reader sees of a value, and MyST parsed as the
book parses it; shared by tests/unit/test_hostile_book.py, tests/book/test_hostile_book_built.py and
tests/book/test_bidi_book.py."""

from __future__ import annotations

import csv
import functools
import unicodedata
import uuid
from pathlib import Path

import yaml

from kzperception import paths

# Values that try every way into a page: tags with handlers, MyST roles and directives that copy or
# include a local file (../ paths to the sentinel), eval-rst raw HTML, javascript: links in HTML,
# Markdown and autolink form, substitutions, math, comments, targets, list markers, entities, rich
# markup, a spreadsheet formula, a script end tag, line breaks.
HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(2)>",
    "{download}`../../sentinel/secret.txt`",
    "{download}`../../../sentinel/secret.txt`",
    "```{literalinclude} ../../sentinel/secret.txt\n```",
    ":::{literalinclude} ../../../sentinel/secret.txt\n:::",
    "```{eval-rst}\n.. raw:: html\n\n   <script>alert(3)</script>\n\n.. include:: ../../sentinel/secret.txt\n```",
    '<a href="javascript:alert(4)">click</a>',
    "[click](javascript:alert(5)) <javascript:alert(6)>",
    "{{ 7*7 }} $x^2$ *em* **strong** ~~del~~ \\*",
    "</script><script>alert(7)</script><!-- c -->",
    "% hidden comment",
    "(fake-target)=",
    "- list item",
    "1. ordered",
    "&lt;b&gt; &amp; entity",
    "{ref}`sec-methodology` {doc}`index` ![i](x.png)",
    "=1+1",
    "[/bold] [red]rich[/red]",
]


CODERS = ["primary", "<img src=y onerror=alert(8)>", "{download}`../../sentinel/secret.txt`", "[/bold]=1+1"]


FOLDER = "<img src=x onerror=alert(9)> {{ 7*7 }} `x` [a](javascript:alert(10)) & 'q' \"dq\""


def shown_text(value: str) -> str:
    """What the reader sees of a value: the characters, on one line, spaces collapsed."""
    return " ".join("".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in value).split())


def write_hostile_corpus(base: Path) -> tuple[Path, str]:
    """A valid corpus with a hostile value in every free-text field and in the folder name.

    Returns the folder and the sentinel string kept in ``base/sentinel/secret.txt``, which the
    hostile fields point at through ``../`` paths from the rerun's source and chapters folders.
    """
    secret = "KZP-SENTINEL-" + uuid.uuid4().hex
    (base / "sentinel").mkdir(parents=True)
    (base / "sentinel" / "secret.txt").write_text(secret + "\n", encoding="utf-8")
    try:
        folder = base / FOLDER
        folder.mkdir()
    except OSError:  # a filesystem that refuses such a name: keep the rest of the test
        folder = base / "hostile corpus"
        folder.mkdir()
    reports, codes = [], []
    slots = [
        (c, w, d)
        for c in ("china", "russia")
        for w in ("president", "government")
        for d in ("2021-03-01", "2022-06-01")
    ]
    n = 0
    for country, website, date in slots:
        for _ in range(3):
            value = HOSTILE[n % len(HOSTILE)]
            rid = f"r{n}" if n % 4 else f"<svg onload=alert({n})>-{n}"
            reports.append(
                [rid, country, website, value, date, "javascript:alert(11)", value, value, value, value, value]
            )
            for coder in CODERS:
                codes.append([rid, "economic", "cooperation", "main", coder])
                if n % 2:
                    codes.append([rid, "cultural", "cooperation", "secondary", coder])
            n += 1
    assert n >= len(HOSTILE)  # every hostile value is some report's provenance
    write_rows(folder, reports, codes)
    return folder, secret


@functools.cache
def myst_extensions() -> tuple[str, ...]:
    """The book's MyST extensions (``_config.yml``) and every other one that adds syntax (not the
    typographic ones, which change how text looks, not what it is); read once per session."""
    config = yaml.safe_load((paths.ROOT / "_config.yml").read_text(encoding="utf-8"))
    project = config.get("parse", {}).get("myst_enable_extensions", [])
    return tuple(
        sorted(
            {
                *project,
                "colon_fence",
                "deflist",
                "substitution",
                "dollarmath",
                "amsmath",
                "strikethrough",
                "tasklist",
                "fieldlist",
                "attrs_inline",
                "attrs_block",
                "html_image",
            }
        )
    )


@functools.cache
def _myst_settings() -> object:
    """The settings ``publish_doctree`` would build for :func:`myst_doctree`, built once: docutils
    assembles them with optparse on every call, most of a short document's time."""
    from docutils import io
    from docutils.core import Publisher
    from myst_parser.parsers.docutils_ import Parser

    publisher = Publisher(parser=Parser(), source_class=io.StringInput, destination_class=io.NullOutput)
    publisher.set_components("standalone", None, "null")
    return publisher.get_settings(
        myst_enable_extensions=list(myst_extensions()),
        myst_substitutions={"x": "SUBSTITUTED"},
        report_level=5,
        halt_level=5,
        warning_stream=False,
    )


def myst_doctree(source: str):
    """``source`` parsed as the book parses MyST, with :func:`myst_extensions`.

    Each call gets a shallow copy of the settings (a deep copy would duplicate myst's "unset"
    marker, which it recognises by identity, and turn every unset option into an error).
    """
    import copy

    from docutils.core import publish_doctree
    from myst_parser.parsers.docutils_ import Parser

    return publish_doctree(source, parser=Parser(), settings=copy.copy(_myst_settings()))


def write_rows(folder: Path, reports: list[list[str]], codes: list[list[str]]) -> None:
    """``reports.csv`` and ``codes.csv`` of the interchange format from rows, written by the csv module
    (so any value, a hostile one included, is quoted as a researcher's spreadsheet would)."""
    report_columns = ["id", "country", "website", "entity", "date", "url", "title_ru", "title_en"]
    with open(folder / "reports.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([*report_columns, "excerpt_ru", "excerpt_en", "provenance"])
        w.writerows(reports)
    with open(folder / "codes.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["report_id", "category", "mode", "level", "coder"])
        w.writerows(codes)
