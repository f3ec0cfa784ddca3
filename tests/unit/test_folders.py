"""Each test lives in the folder of its kind, which is what the make targets run (see tests/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import misplaced


@pytest.fixture
def tests(tmp_path: Path) -> Path:
    """A tests folder laid out as the project's."""
    for kind in ("unit", "commands", "book", "regression"):
        (tmp_path / "tests" / kind).mkdir(parents=True)
    return tmp_path / "tests"


@dataclass
class Item:
    """What :func:`misplaced` reads of a collected test."""

    path: Path
    marks: tuple[str, ...] = ()

    @property
    def nodeid(self) -> str:
        return f"{self.path}::test_x"

    def get_closest_marker(self, name: str) -> object | None:
        return name if name in self.marks else None


@pytest.mark.parametrize(
    ("path", "marks", "said"),
    [
        ("unit/test_a.py", (), None),
        ("commands/test_a.py", (), None),
        ("book/test_a.py", ("book",), None),
        ("book/test_a.py", ("browser",), None),
        ("regression/ch.ipynb", (), None),
        ("unit/test_a.py", ("book",), "belongs in tests/book"),
        ("commands/test_a.py", ("browser",), "belongs in tests/book"),
        ("book/test_a.py", (), "marked neither book nor browser"),
        ("test_a.py", (), "would not run it"),
        ("other/test_a.py", (), "would not run it"),
    ],
)
def test_a_test_in_the_wrong_folder_is_named(tests: Path, path: str, marks: tuple[str, ...], said: str | None) -> None:
    line = misplaced(Item(tests / path, marks), tests)  # type: ignore[arg-type]
    assert (line is None) if said is None else (said in (line or "") and path in (line or ""))


def test_a_test_outside_the_folder_or_beside_a_copied_conftest_is_not_judged(tests: Path, tmp_path: Path) -> None:
    assert misplaced(Item(tmp_path / "test_tiny.py", ("book",)), tests) is None  # type: ignore[arg-type]
    assert misplaced(Item(tmp_path / "test_tiny.py", ("book",)), tmp_path) is None  # type: ignore[arg-type]
