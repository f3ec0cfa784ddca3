"""kzperception.children: where there is no parent-death signal, nothing is asked and nothing exits."""

from __future__ import annotations

import os
import sys

from kzperception import children


def test_without_linux_a_process_is_left_as_it_was(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert children.die_with_parent(os.getppid() + 1) is False  # a wrong parent, and still no exit


def test_a_failed_call_is_reported_not_raised(monkeypatch):
    monkeypatch.setattr(children, "_prctl", lambda option, value: False)
    assert children.die_with_parent(os.getppid() + 1) is False


def test_a_process_is_alive_while_it_runs_and_not_after():
    import subprocess

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert children.process_alive(os.getpid()) is True
    assert children.process_alive(proc.pid) is False


def test_an_id_no_process_can_have_is_taken_as_alive_so_nothing_is_removed():
    assert children.process_alive(10**30) is True
