"""LICENSE and the landing page's licence section say the same five things about who owns what.

Code MIT; the edition's prose and figures CC BY 4.0; the thesis its author's; the quoted official texts
in the public domain where the law treats them as official documents of state bodies, otherwise
official documents quoted under the quotation right. Each statement is a pattern within one sentence
(no full stop between subject and licence), so dropping or contradicting it in either file fails.
"""

from __future__ import annotations

import re

import pytest

from kzperception import paths

#: statement -> the pattern both texts must match within one sentence
STATEMENTS = {
    "code is MIT": r"\bcode\b[^.;]*\bMIT licence\b",
    "prose and figures are CC BY 4.0": r"\bprose and figures\b[^.;]*\bCC BY 4\.0\b",
    "the thesis is its author's": r"\bthesis\b[^.;]*\bremains its author's",
    "quoted official texts are quoted under the quotation right": r"\bofficial documents quoted under the quotation right\b",  # noqa: E501
    "official documents of state bodies are public domain where the law says so": (
        r"\bpublic domain\b[^.]*\bofficial documents of state bodies\b|"
        r"\bofficial documents of state bodies\b[^.]*\bpublic domain\b"
    ),
}


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def licence_file() -> str:
    return _flat((paths.ROOT / "LICENSE").read_text(encoding="utf-8"))


def landing_licence() -> str:
    """The landing page's "## Licence" section, up to the next heading of its level."""
    page = (paths.ROOT / "notebooks" / "index.md").read_text(encoding="utf-8")
    found = re.search(r"^## Licence\n(.*?)(?=^## |\Z)", page, re.M | re.S)
    assert found, "notebooks/index.md has no '## Licence' section"
    return _flat(found.group(1))


@pytest.mark.parametrize("statement", STATEMENTS)
@pytest.mark.parametrize("where", ["LICENSE", "landing page"])
def test_licence_statement_is_made(where: str, statement: str):
    text = licence_file() if where == "LICENSE" else landing_licence()
    assert re.search(STATEMENTS[statement], text, re.I), f"{where} does not say: {statement}"


@pytest.mark.parametrize("where", ["LICENSE", "landing page"])
def test_prose_is_never_put_under_mit(where: str):
    """No clause (up to a comma) names the prose and MIT together."""
    text = licence_file() if where == "LICENSE" else landing_licence()
    assert not re.search(r"\bprose\b[^.;,]*\bMIT\b|\bMIT\b[^.;,]*\bprose\b", text), where
