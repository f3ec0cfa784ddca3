"""The pipeline's direction: data <- fieldwork <- analysis <- book <- cli.

The data and analysis layers compute; the book displays. If a loader or a statistic imported
IPython, altair or a book/cli module, a script or the CLI would drag the notebook machinery in
and the layers would no longer be separable. Each module is imported in a fresh interpreter
(so nothing imported by another test hides a violation) and the forbidden modules are looked
for in ``sys.modules``.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import kzperception.analysis
import kzperception.data

FORBIDDEN = ("IPython", "altair", "typer", "kzperception.book", "kzperception.cli", "kzperception.fieldwork")
#: analysis may use fieldwork.synth (the demonstration corpus), but only inside a function.
MODULES = [f"kzperception.data.{m.name}" for m in pkgutil.iter_modules(kzperception.data.__path__)] + [
    f"kzperception.analysis.{m.name}" for m in pkgutil.iter_modules(kzperception.analysis.__path__)
]

PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
bad = sorted({m for m in sys.modules for f in json.loads(sys.argv[2]) if m == f or m.startswith(f + ".")})
print(json.dumps(bad))
"""


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_no_display_or_later_stage(module: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, module, json.dumps(FORBIDDEN)], capture_output=True, text=True, check=True
    )
    assert json.loads(proc.stdout) == [], f"{module} imports {proc.stdout.strip()}"


def test_the_probe_sees_a_violation() -> None:
    """The check itself can fail: the book's charts module does import altair."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, "kzperception.book.charts", json.dumps(FORBIDDEN)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "altair" in json.loads(proc.stdout)
