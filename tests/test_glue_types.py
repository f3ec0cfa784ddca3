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


def _chapters() -> list[str]:
    return sorted(p.stem for p in paths.REGRESSION.glob("*.ipynb"))


@pytest.mark.parametrize("stem", _chapters())
def test_every_glue_reference_matches_the_type_it_was_glued_with(stem: str) -> None:
    nb = json.loads((paths.REGRESSION / f"{stem}.ipynb").read_text(encoding="utf-8"))
    glued = _glued(nb)
    problems = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for role, name in ROLE.findall("".join(cell["source"])):
            mimes = glued.get(name)
            if mimes is None:
                problems.append(f"{{glue:{role}}}`{name}`: nothing of that name is glued")
            elif role == "text" and "text/markdown" in mimes:
                problems.append(f"{{glue:text}}`{name}` would print the repr of a Markdown value: use {{glue:md}}")
            elif role == "md" and "text/markdown" not in mimes:
                problems.append(f"{{glue:md}}`{name}` pastes a value glued without Markdown (a number?)")
    assert not problems, "\n".join(problems)
