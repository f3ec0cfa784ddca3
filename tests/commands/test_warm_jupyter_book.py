"""The Jupyter Book process started early (kzperception.book.jupyterbook.prepare): it runs the command
line it is given, and one a build did not use never reaches a later build."""

from __future__ import annotations

import json

from kzperception.book import jupyterbook


def test_a_prepared_process_runs_jupyter_books_command_line():
    jupyterbook.prepare()
    warm = jupyterbook._take_warm()
    assert warm is not None
    out, err = warm.communicate(json.dumps(["--version"]) + "\n", timeout=120)
    assert warm.returncode == 0, err
    assert "Jupyter Book" in out


def test_an_unused_prepared_process_is_ended_and_forgotten():
    """A process prepared for a build that failed first must not serve the next build (the test
    of a full disk's message once got the leftover process's real build instead of its fake)."""
    jupyterbook.prepare()
    warm = jupyterbook._warm
    assert warm is not None
    jupyterbook.discard()
    assert warm.returncode is not None
    assert jupyterbook._take_warm() is None
