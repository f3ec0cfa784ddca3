"""The pipeline's direction: data <- fieldwork <- analysis <- book <- cli.

The data and analysis layers compute; the book displays. If a loader or a statistic imported
IPython, altair or a book/cli module, a script or the CLI would drag the notebook machinery in
and the layers would no longer be separable. Each module is imported in a fresh interpreter
(so nothing imported by another test hides a violation) and the forbidden modules are looked
for in ``sys.modules``.
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

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


def _imports(path: Path) -> list[tuple[int, str, str]]:
    """Every ``from kzperception... import name`` in a file, at any depth: (line, module, name)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kzperception"):
            found += [(node.lineno, node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, "") for alias in node.names if alias.name.startswith("kzperception")]
    return found


DATA = Path(kzperception.data.__file__).parent
#: The stages of loading and writing a corpus; :mod:`kzperception.data.corpus` builds on them.
CORPUS_STAGES = sorted(p for p in DATA.glob("corpus_*.py"))


@pytest.mark.parametrize("stage", CORPUS_STAGES, ids=lambda p: p.stem)
def test_corpus_stages_never_import_the_loader(stage: Path) -> None:
    """corpus.py imports its stages; a stage importing corpus.py back (even inside a function) is
    the cycle issue 21 removed, and the re-export façade that came with it."""
    back = [f"{stage.name}:{line}" for line, module, _ in _imports(stage) if module == "kzperception.data.corpus"]
    assert back == []


@pytest.mark.parametrize("path", sorted(DATA.glob("*.py")), ids=lambda p: p.stem)
def test_data_modules_import_no_private_name(path: Path) -> None:
    """A name with a leading underscore is its module's own business: another module that needs
    it needs it made public (with a docstring that says why) or moved."""
    private = [
        f"{path.name}:{line}: {module}.{name}"
        for line, module, name in _imports(path)
        if name.startswith("_") and not name.startswith("__")
    ]
    assert private == []


def test_the_import_scan_sees_a_private_name(tmp_path: Path) -> None:
    """The scan itself can fail: it finds a private name imported inside a function."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from kzperception.data.corpus_read import _trimmed\n", encoding="utf-8")
    assert _imports(module) == [(2, "kzperception.data.corpus_read", "_trimmed")]
