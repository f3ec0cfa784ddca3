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
