"""The pipeline's direction: data <- fieldwork <- analysis <- book <- cli.

The data and analysis layers compute; the book displays. If a loader or a statistic imported
IPython, altair or a book/cli module, a script or the CLI would drag the notebook machinery in
and the layers would no longer be separable. Each module is imported in a fresh process (so
nothing imported by another test or module hides a violation) and the forbidden modules are looked
for in its ``sys.modules``.

One child interpreter serves every module: it imports the third-party libraries the layers import
at module level (numpy, pandas, scipy.stats, ...; most of each import's time), checks that they
load nothing forbidden, then forks one process per module, which imports that module alone and
reports. A fork starts from that interpreter, so a module is judged on exactly what a fresh
interpreter would load for it, at a fraction of the cost of starting 31 interpreters.
"""

from __future__ import annotations

import ast
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import kzperception.analysis
import kzperception.data

#: One xdist worker runs this module (``make unit`` schedules with ``--dist loadgroup``), so the probe
#: below runs once, not once in each worker.
pytestmark = pytest.mark.xdist_group("layers")

FORBIDDEN = ("IPython", "altair", "typer", "kzperception.book", "kzperception.cli", "kzperception.fieldwork")
#: analysis may use fieldwork.synth (the demonstration corpus), but only inside a function.
MODULES = [f"kzperception.data.{m.name}" for m in pkgutil.iter_modules(kzperception.data.__path__)] + [
    f"kzperception.analysis.{m.name}" for m in pkgutil.iter_modules(kzperception.analysis.__path__)
]

#: The child interpreter: argv[1] the forbidden prefixes, argv[2] the libraries to load first,
#: argv[3:] the modules to judge. It prints {module: [forbidden modules it loaded]} as JSON, or
#: {module: {"error": ...}} for a module that did not import.
PROBE = """
import importlib, json, os, sys

forbidden = json.loads(sys.argv[1])


def loaded():
    return sorted({m for m in sys.modules for f in forbidden if m == f or m.startswith(f + ".")})


for name in json.loads(sys.argv[2]):
    try:
        importlib.import_module(name)
    except ModuleNotFoundError:  # ``from x import y`` where y is not a module: take it as the layer does
        parent, _, attribute = name.rpartition(".")
        getattr(importlib.import_module(parent), attribute, None)  # loads what a lazy package defers
if loaded():
    print(json.dumps({"preloaded": loaded()}))
    sys.exit(0)
found = {}
for module in sys.argv[3:]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            importlib.import_module(module)
            answer = loaded()
        except BaseException as e:
            answer = {"error": f"{type(e).__name__}: {e}"}
        os.write(write, json.dumps(answer).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        said = pipe.read()
    _, status = os.waitpid(pid, 0)
    found[module] = json.loads(said) if said else {"error": f"no answer (wait status {status})"}
print(json.dumps(found))
"""


def layer_libraries() -> list[str]:
    """The third-party modules the data and analysis layers import at module level (``import x`` and
    ``from x import y``, y tried as a submodule too): what the probe loads before it forks."""
    names: set[str] = set()
    for package in (kzperception.data, kzperception.analysis):
        for path in sorted(Path(package.__path__[0]).glob("*.py")):
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                if isinstance(node, ast.Import):
                    names |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return sorted(
        n
        for n in names
        if n.split(".")[0] not in sys.stdlib_module_names
        and n.split(".")[0] != "kzperception"
        and not any(n == f or n.startswith(f + ".") for f in FORBIDDEN)
    )


def probe(modules: list[str]) -> dict[str, object]:
    """What each of ``modules`` loads of :data:`FORBIDDEN`, each imported in a fork of one child
    interpreter that has loaded only :func:`layer_libraries` (one thread each: forks of a process
    running BLAS threads could hang)."""
    env = os.environ | {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(FORBIDDEN), json.dumps(layer_libraries()), *modules],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=600,
    )
    found = json.loads(proc.stdout)
    assert "preloaded" not in found, f"the libraries the layers import load {found.get('preloaded')} themselves"
    return found


@pytest.fixture(scope="module")
def imported() -> dict[str, object]:
    """Every layer module judged, and the book's charts module (which does import altair)."""
    return probe([*MODULES, "kzperception.book.charts"])


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_no_display_or_later_stage(module: str, imported: dict[str, object]) -> None:
    assert imported[module] == [], f"{module} imports {imported[module]}"


def test_the_probe_sees_a_violation(imported: dict[str, object]) -> None:
    """The check itself can fail: the book's charts module does import altair."""
    assert isinstance(imported["kzperception.book.charts"], list) and "altair" in imported["kzperception.book.charts"]


def test_the_preloaded_libraries_are_the_layers_own_and_load_nothing_forbidden() -> None:
    """What the probe loads before it forks is third-party code the layers import (pandas, scipy, ...),
    never the project's own modules; and a preload that loads a forbidden module is refused."""
    libraries = layer_libraries()
    assert "pandas" in libraries and not any(n.startswith("kzperception") for n in libraries)
    env = os.environ | {"OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(FORBIDDEN), json.dumps(["typer"]), "kzperception.data.window"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert "typer" in json.loads(proc.stdout)["preloaded"]


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
