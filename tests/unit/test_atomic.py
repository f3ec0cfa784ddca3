"""One atomic-write helper (kzperception.atomic): whole files or none, and names no two writers share."""

from __future__ import annotations

import multiprocessing
import os
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kzperception.atomic import atomic_target, temporary_name, write_text_atomic
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
