"""The kernels' socket folders a command killed outright left in /tmp are swept by the next one (warm_kernel)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kzperception.book import warm_kernel


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_only_a_gone_commands_own_folders_are_swept(tmp_path):
    dead = _dead_pid()
    gone = tmp_path / f"kzp-{dead}-a1b2c3d4"
    gone.mkdir()
    (gone / "k1-sock").write_text("", encoding="utf-8")
    alive = tmp_path / f"kzp-{os.getpid()}-e5f6"
    alive.mkdir()
    older = tmp_path / "kzp-h7j8k9"  # made before folders were named by their process: left
    older.mkdir()
    bench = tmp_path / "kzp-bench-before-a1d87a7"
    bench.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep").write_text("mine", encoding="utf-8")
    link = tmp_path / f"kzp-{dead}-link"
    link.symlink_to(elsewhere, target_is_directory=True)
    a_file = tmp_path / f"kzp-{dead}-file"
    a_file.write_text("", encoding="utf-8")
    assert warm_kernel.sweep_socket_folders(str(tmp_path)) == [str(gone)]
    assert not gone.exists()
    assert alive.is_dir() and older.is_dir() and bench.is_dir() and a_file.is_file()
    assert link.is_symlink() and (elsewhere / "keep").read_text(encoding="utf-8") == "mine"


def test_a_folder_another_user_owns_is_left(tmp_path, monkeypatch):
    dead = _dead_pid()
    theirs = tmp_path / f"kzp-{dead}-theirs"
    theirs.mkdir()
    monkeypatch.setattr(os, "getuid", lambda: os.stat(theirs).st_uid + 1)
    assert warm_kernel.sweep_socket_folders(str(tmp_path)) == []
    assert theirs.is_dir()


def test_the_folder_a_command_makes_is_named_by_it_and_sweeps_a_dead_ones_first(tmp_path, monkeypatch):
    monkeypatch.setattr(warm_kernel, "SOCKET_BASE", str(tmp_path))
    left = tmp_path / f"kzp-{_dead_pid()}-left"
    left.mkdir()
    with warm_kernel.kernel_sockets() as folder:
        assert os.path.basename(folder).startswith(f"kzp-{os.getpid()}-")
        assert not left.exists()
    assert not os.path.exists(folder)


@pytest.mark.parametrize("base", [None, "/nonexistent/kzp-base"])
def test_no_base_folder_sweeps_nothing(monkeypatch, base):
    monkeypatch.setattr(warm_kernel, "SOCKET_BASE", "/nonexistent/kzp-base")
    assert warm_kernel.sweep_socket_folders(base) == []
