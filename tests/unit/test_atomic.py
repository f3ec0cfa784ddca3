"""One atomic-write helper (kzperception.atomic): whole files or none, and names no two writers share."""

from __future__ import annotations

import ast
import errno
import multiprocessing
import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kzperception.atomic import atomic_target, naming, temporary_name, write_text_atomic
from kzperception.fieldwork.collect.cache import remove_stale_temps


def _name_in_child(path, queue):
    queue.put(str(temporary_name(path)))


def test_two_processes_writing_the_same_file_never_share_a_temporary_name(tmp_path):
    """Two builds writing the same bundle at once: the fixed ``.tmp`` name they once shared is gone."""
    target = tmp_path / "vega.js"
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    children = [ctx.Process(target=_name_in_child, args=(target, queue)) for _ in range(2)]
    for child in children:
        child.start()
    names = {queue.get(timeout=30) for _ in children}
    for child in children:
        child.join()
    names.add(str(temporary_name(target)))
    assert len(names) == 3
    assert all(os.path.dirname(n) == str(tmp_path) for n in names)  # same folder: rename is atomic


@given(st.text(min_size=0, max_size=200))
def test_a_write_is_whole_and_leaves_no_temporary_file(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("w")
    write_text_atomic(folder / "page.html", "old")
    write_text_atomic(folder / "page.html", text)
    assert (folder / "page.html").read_bytes() == text.encode("utf-8")  # byte for byte, newlines as given
    assert sorted(p.name for p in folder.iterdir()) == ["page.html"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_half(tmp_path):
    target = tmp_path / "book.pdf"
    target.write_bytes(b"old")
    with pytest.raises(OSError), atomic_target(target) as tmp:
        tmp.write_bytes(b"half")
        raise OSError(28, "No space left on device")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.pdf"]


def test_a_killed_writers_leftover_is_recognised_by_its_process_id(tmp_path):
    """The name carries the writer's pid, so the collector's sweep removes it once that process is gone."""
    leftover = temporary_name(tmp_path / "reports.csv")
    assert re.fullmatch(rf"\.reports\.csv\.{os.getpid()}\.[0-9a-f]+\.tmp", leftover.name)
    dead = leftover.with_name(leftover.name.replace(f".{os.getpid()}.", ".999999999."))
    dead.write_text("half")
    leftover.write_text("mine, still writing")
    assert remove_stale_temps(tmp_path) == 1
    assert not dead.exists() and leftover.exists()


def test_an_error_with_no_file_name_names_the_file_being_written(tmp_path):
    """A write to an open file on a full disk names no file; ``naming`` (and so every write helper) adds it."""
    target = tmp_path / "raw" / "ab.body"
    with pytest.raises(OSError) as caught, naming(target):
        raise OSError(errno.ENOSPC, "No space left on device")
    assert (caught.value.errno, caught.value.filename) == (errno.ENOSPC, str(target))
    with pytest.raises(OSError) as kept, naming(target):
        raise OSError(errno.EACCES, "Permission denied", "/elsewhere")
    assert kept.value.filename == "/elsewhere"  # an error that names its file is left as it is


def helpers_imported_elsewhere(source: str) -> list[str]:
    """The atomic-write helpers ``source`` imports from a module other than kzperception.atomic."""
    from kzperception import atomic

    return [
        f"{node.module}.{alias.name}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module != "kzperception.atomic"
        for alias in node.names
        if alias.name in atomic.__all__
    ]


def test_every_module_takes_the_helper_from_kzperception_atomic():
    """One helper, one place to find it: no module reaches it through another's re-export."""
    import kzperception

    src = Path(kzperception.__file__).parent
    found = {
        p.relative_to(src).as_posix(): names
        for p in sorted(src.rglob("*.py"))
        if (names := helpers_imported_elsewhere(p.read_text(encoding="utf-8")))
    }
    assert found == {}
    assert helpers_imported_elsewhere(
        "from kzperception.data.corpus_write import atomic_target, write_checked_corpus"
    ) == ["kzperception.data.corpus_write.atomic_target"]


def test_a_leftover_whose_process_id_is_past_the_systems_range_is_judged_by_its_age(tmp_path):
    """os.kill overflowed on it and the collector's sweep stopped with a traceback."""
    odd = tmp_path / ".reports.csv.99999999999999999999.ab12.tmp"
    odd.write_text("half")
    assert remove_stale_temps(tmp_path) == 0
    assert odd.exists()
