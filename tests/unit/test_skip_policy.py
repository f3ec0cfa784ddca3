"""A test never skips because something it needs is missing, unless KZP_ALLOW_SKIP=1 (issue 21).

`make test` on a machine without Chromium used to pass while most of its book and browser tests
skipped. Since then a missing tool fails its test in one line (``tests/conftest.py``'s
:func:`missing`, which skips only under ``KZP_ALLOW_SKIP=1``), and what the tests import comes with
the ``[dev]`` extra. ``pytest.importorskip`` would bring the silent skip back: a test that needs
Playwright, say, would pass unseen where it is not installed. So no test calls it; a missing import
is an error, as any other.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def importorskips(source: str) -> list[int]:
    """The lines of ``source`` that call ``pytest.importorskip`` (or an ``importorskip`` imported by name)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Attribute) and node.func.attr == "importorskip")
            or (isinstance(node.func, ast.Name) and node.func.id == "importorskip")
        )
    ]


def test_no_test_skips_on_a_missing_import() -> None:
    found = [
        f"{path.relative_to(TESTS)}:{line}"
        for path in sorted(TESTS.rglob("*.py"))
        if "regression" not in path.relative_to(TESTS).parts
        for line in importorskips(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "import it (a [dev] dependency), or call conftest.missing() for a tool outside Python"


def test_the_check_sees_both_spellings() -> None:
    source = (
        "import pytest\nfrom pytest import importorskip\n"
        "def test_a():\n    api = pytest.importorskip('playwright.sync_api')\n"
        "def test_b():\n    importorskip('pypdf')\n"
        "def test_c():\n    import pypdf\n"
    )
    assert importorskips(source) == [4, 6]
