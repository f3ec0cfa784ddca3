"""Each module keeps its private names to itself, and each package says what it exports (issue 21).

A name with a leading underscore is free to change with its module; another module that imports it,
or calls a private method of a class it defines, breaks silently when it does. These tests read the
source (``ast``), so they see every import, including those inside functions.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import kzperception

SRC = Path(kzperception.__file__).parent

# Private names still imported across modules, each waiting for the owner of its files to make it
# public (module, imported module, name). The test fails when one is fixed and still listed here,
# so the list only shrinks.
KNOWN: set[tuple[str, str, str]] = set()


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_imports(source: str, where: str) -> set[tuple[str, str, str]]:
    """Every private name the module at ``where`` (under src/kzperception) takes from another module.

    Both forms count: ``from m import _x`` (relative too) and ``m._x`` of an imported module ``m``.
    """
    tree = ast.parse(source)
    package = ".".join(("kzperception", *Path(where).parent.parts))
    modules: dict[str, str] = {}  # a local name bound to a kzperception module -> that module
    found: set[tuple[str, str, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from .x import y
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], *([base] if base else [])]
                )
            if not base.startswith("kzperception"):
                continue
            for alias in node.names:
                if _private(alias.name):
                    found.add((where, base, alias.name))
                modules[alias.asname or alias.name] = f"{base}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("kzperception") and alias.asname:
                    modules[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            found.add((where, modules[node.value.id], node.attr))
    return found


def test_no_module_imports_another_modules_private_name() -> None:
    found = set().union(
        *(private_imports(p.read_text(encoding="utf-8"), p.relative_to(SRC).as_posix()) for p in SRC.rglob("*.py"))
    )
    assert sorted(found - KNOWN) == [], "make the name public (with a docstring) or move the code that needs it"
    assert sorted(KNOWN - found) == [], "fixed: strike these from KNOWN"


def test_the_check_sees_both_forms_of_private_import() -> None:
    """The scanner itself: a from-import, a relative import and an attribute of an imported module."""
    source = (
        "import json\n"
        "from kzperception.data import terms\n"
        "from .extract import _PARA, __doc__\n"
        "from kzperception.data.window import _x, THESIS_WINDOW\n"
        "terms._path(None, 'A', None)\n"
        "json._default_encoder\n"
    )
    where = "fieldwork/collect/probe.py"
    assert private_imports(source, where) == {
        (where, "kzperception.fieldwork.collect.extract", "_PARA"),
        (where, "kzperception.data.window", "_x"),
        (where, "kzperception.data.terms", "_path"),
    }


def _defined(tree: ast.AST) -> set[str]:
    """The names a module defines: functions, classes, assigned names and attributes, parameters."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def foreign_private_attributes(sources: dict[str, str]) -> set[tuple[str, str]]:
    """Private attributes a module reaches into on another module's objects: ``obj._name`` where
    ``obj`` is not ``self`` or ``cls`` and ``_name`` is defined by another module of ``sources`` but
    not by this one (a method of a class that module defines, say). An imported module's name is
    :func:`private_imports`' to find; a name no module here defines (``os._exit``, a namedtuple's
    ``_replace``) is another library's, and ``_repr_html_``-style protocol names are meant to be used.
    """
    trees = {where: ast.parse(source) for where, source in sources.items()}
    defined = {where: _defined(tree) for where, tree in trees.items()}
    anywhere = set().union(*defined.values())  # a name this module does not define is defined elsewhere
    found: set[tuple[str, str]] = set()
    for where, tree in trees.items():
        elsewhere = anywhere - defined[where]
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and _private(node.attr)
                and not node.attr.endswith("_")
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
                and node.attr in elsewhere
            ):
                found.add((where, node.attr))
    return found


def test_no_module_reaches_into_another_modules_private_attributes() -> None:
    sources = {p.relative_to(SRC).as_posix(): p.read_text(encoding="utf-8") for p in SRC.rglob("*.py")}
    assert sorted(foreign_private_attributes(sources)) == [], "make the method public (with a docstring)"


def test_the_check_sees_a_private_method_called_from_another_module() -> None:
    sources = {
        "site.py": "class Site:\n    def _links(self):\n        return self._select()\n    def _select(self): ...\n"
        "def near(site):\n    return site._links()\n",
        "probe.py": "import os\ndef probe(site, row):\n    os._exit(0)\n    row._replace(a=1)\n"
        "    site._repr_html_()\n    return site._links()\n",
    }
    assert foreign_private_attributes(sources) == {("probe.py", "_links")}


def _packages() -> list[str]:
    names = ["kzperception"]
    names += [m.name for m in pkgutil.walk_packages(kzperception.__path__, "kzperception.") if m.ispkg]
    return names


@pytest.mark.parametrize(
    "name",
    _packages(),
)
def test_every_package_defines_its_public_names(name: str) -> None:
    package = importlib.import_module(name)
    assert isinstance(getattr(package, "__all__", None), list | tuple), f"{name} has no __all__"
    assert [n for n in package.__all__ if not hasattr(package, n)] == []
