"""The one build step of the wheel: the project's files become package data.

The library reads the thesis's data, the chapter notebooks and the book's configuration and
shared pages from files. In a checkout they are the checkout's (``kzperception.paths`` finds
it); a wheel carries a copy of them under ``kzperception/project`` (which ``paths`` finds with
:mod:`importlib.resources`), made here at build time rather than kept twice in git. What is
copied is ``kzperception.paths.SHIPPED``, read from that file as text so that building imports
nothing of the package. The metadata is all in ``pyproject.toml``; ``MANIFEST.in`` puts the same
files into the sdist, so a wheel built from the sdist carries them too.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
PATHS = HERE / "src" / "kzperception" / "paths.py"


def _constant(name: str) -> object:
    """A literal assigned at the top level of ``paths.py`` (read, not imported)."""
    for node in ast.parse(PATHS.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise SystemExit(f"{PATHS}: no constant {name}")


def project_files(root: Path = HERE) -> list[str]:
    """Every file a wheel ships, relative to ``root`` (``paths.SHIPPED`` less ``paths.NOT_SHIPPED``)."""
    skipped = set(_constant("NOT_SHIPPED"))  # type: ignore[call-overload]
    found: list[str] = []
    for entry in _constant("SHIPPED"):  # type: ignore[attr-defined]
        path = root / entry
        if path.is_dir():
            files = [p for p in sorted(path.rglob("*")) if p.is_file()]
        elif path.is_file():
            files = [path]
        else:
            raise SystemExit(f"{path}: named in kzperception.paths.SHIPPED but missing")
        found += [rel for p in files
                  if (rel := p.relative_to(root).as_posix()) not in skipped
                  and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts]
    return found


class BuildWithProject(build_py):
    """``build_py`` that also copies the project's files into ``kzperception/project``."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout itself
            return
        target = Path(self.build_lib) / "kzperception" / str(_constant("PACKAGE_PROJECT"))
        shutil.rmtree(target, ignore_errors=True)
        for rel in project_files():
            dest = target / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(HERE / rel, dest)


if __name__ == "__main__":
    setup(cmdclass={"build_py": BuildWithProject})
