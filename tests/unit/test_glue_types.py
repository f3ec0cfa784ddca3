"""Glue is typed: a value glued as text is pasted with {glue:md}, a number with {glue:text}, and every key exists.

The last round printed `<IPython.core.display.Markdown object>` in 6.4 because ``{glue:text}`` was
used on values glued as Markdown: ``glue:text`` shows a value's text/plain form, which for a
Markdown object is its repr. This reads every chapter's stored executed notebook (the nbval
references, kept in step with the sources by test_regression_store) and checks each reference in
its prose against what the chapter glued.
"""

from __future__ import annotations

import json
import re

import pytest

from kzperception import paths

ROLE = re.compile(r"\{glue:(text|md)\}`([A-Za-z0-9_]+)(?::[^`]*)?`")


def _glued(nb: dict) -> dict[str, set[str]]:
    """Each glued name and the mime types it was glued with."""
    out: dict[str, set[str]] = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            scrap = output.get("metadata", {}).get("scrapbook")
            if scrap:
                out[scrap["name"]] = {k.removeprefix("application/papermill.record/") for k in output["data"]}
    return out


def _reference(stem: str) -> tuple[dict[str, set[str]], list[str]]:
    """A stored chapter's glued names (with their mime types) and the text of its markdown cells."""
    nb = json.loads((paths.REGRESSION / f"{stem}.ipynb").read_text(encoding="utf-8"))
    return _glued(nb), ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


def _chapters() -> list[str]:
    return sorted(p.stem for p in paths.REGRESSION.glob("*.ipynb"))


@pytest.mark.parametrize("stem", _chapters())
def test_every_glue_reference_matches_the_type_it_was_glued_with(stem: str) -> None:
    glued, prose = _reference(stem)
    problems = []
    for text in prose:
        for role, name in ROLE.findall(text):
            mimes = glued.get(name)
            if mimes is None:
                problems.append(f"{{glue:{role}}}`{name}`: nothing of that name is glued")
            elif role == "text" and "text/markdown" in mimes:
                problems.append(f"{{glue:text}}`{name}` would print the repr of a Markdown value: use {{glue:md}}")
            elif role == "md" and "text/markdown" not in mimes:
                problems.append(f"{{glue:md}}`{name}` pastes a value glued without Markdown (a number?)")
    assert not problems, "\n".join(problems)


EXHIBIT = re.compile(r"^```\{exhibit\} (\S+)$", re.M)


@pytest.mark.parametrize("stem", _chapters())
def test_every_exhibit_directive_pastes_a_glued_exhibit(stem: str) -> None:
    """``{exhibit} name`` needs ``name`` glued by kzperception.book.exhibits (a record, not a bare HTML output)."""
    from kzperception.book.exhibits import EXHIBIT_MIME

    glued, prose = _reference(stem)
    problems = []
    for text in prose:
        for name in EXHIBIT.findall(text):
            if name not in glued:
                problems.append(f"{{exhibit}} {name}: nothing of that name is glued")
            elif EXHIBIT_MIME not in glued[name]:
                problems.append(f"{{exhibit}} {name}: glued without an exhibit record (use glue_figure / glue_table)")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("column", "header"),
    [
        ("p_chi2", "p (χ²)"),
        ("china_before", "China before"),
        ("odds_ratio", "Odds ratio"),
        ("main_share", "Main (%)"),
        ("this corpus", "this corpus"),
        ("Category", "Category"),
        ("government", "Government (gov.kz)"),
    ],
)
def test_table_headers_are_for_readers(column: str, header: str) -> None:
    from kzperception.book.display import reader_header

    assert reader_header(column) == header


def test_counts_stored_as_floats_print_as_whole_numbers() -> None:
    import pandas as pd

    from kzperception.book.display import show_table

    html = show_table(
        pd.DataFrame({"category": ["Economic", "Cultural"], "main": [112.0, float("nan")], "main_share": [51.4, 2.02]}),
        "t",
    ).to_html()
    assert ">112<" in html and "112.0" not in html and ">51.4<" in html
    assert "main_share" not in html and "Main (%)" in html


def test_a_table_writes_counts_as_the_prose_does():
    """Counts of 1,000 and more carry thousands separators in a table as in the prose beside it ("4,967
    against 5,033"), stored as integers or as whole floats; shares and flags are left as they are."""
    import pandas as pd

    from kzperception.book.display import show_table

    df = pd.DataFrame(
        {
            "slot": ["a", "b"],
            "n": [4967, 12],
            "codes": [14063.0, float("nan")],
            "share": [1234.5, 1.0],
            "ok": [True, False],
        }
    )
    html = show_table(df, "t").to_html()
    for shown in (">4,967<", ">12<", ">14,063<", ">–<", ">1234.5<", ">True<"):
        assert shown in html.replace(" ", ""), shown
