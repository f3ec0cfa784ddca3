"""The collector's fast fetch policy, its command line and an edited copy of data/sites.yaml, shared
by tests/unit/test_collect.py and tests/commands/test_collect_commands.py."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from fieldwork_server import KEYWORDS, ROOT
from typer.testing import CliRunner

from kzperception.cli.fieldwork import register
from kzperception.fieldwork.collect import FetchPolicy

FAST = FetchPolicy(rate=100, retries=4, backoff=0.01, backoff_max=0.05, timeout=0.4)


@functools.cache
def collect_app():
    """The fieldwork commands on an app of their own (one per session: typer builds its command once)."""
    import typer

    app = typer.Typer()
    register(app)
    return app


def collect_cli(*args: str) -> Any:
    return CliRunner().invoke(collect_app(), ["collect", *args, "--keywords", str(KEYWORDS), "--no-progress"])


def layout_copy(tmp_path: Path, old: str, new: str) -> Path:
    text = (ROOT / "data" / "sites.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "sites-edited.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path
