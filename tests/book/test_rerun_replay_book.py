"""``rerun --from MARKER`` repeats a one-chapter rerun (marked ``book``); the marker itself is tested in
tests/unit/test_rerun_replay.py."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kzperception.book import rerun
from kzperception.cli import app
from kzperception.data.window import THESIS_WINDOW
from kzperception.fieldwork.synth import write_synthetic

runner = CliRunner()


@pytest.mark.book
def test_a_one_chapter_rerun_is_repeated_from_its_marker(tmp_path):
    corpus = write_synthetic(6, tmp_path / "small-corpus", reports=60)
    window = THESIS_WINDOW.as_params()
    first = runner.invoke(
        app,
        [
            "rerun",
            "--corpus",
            str(corpus),
            "--start",
            window["start"],
            "--pivot",
            window["pivot"],
            "--end",
            window["end"],
            "--out",
            str(tmp_path / "one"),
            "--chapters",
            "06-2-reports",
        ],
    )
    assert first.exit_code == 0, first.output
    marker = tmp_path / "one" / rerun.MARKER
    again = runner.invoke(app, ["rerun", "--from", str(marker), "--out", str(tmp_path / "two")])
    assert again.exit_code == 0, again.output
    one = json.loads((tmp_path / "one" / rerun.MARKER).read_text(encoding="utf-8"))
    two = json.loads((tmp_path / "two" / rerun.MARKER).read_text(encoding="utf-8"))
    assert {k: v for k, v in one.items() if k != "built"} == {k: v for k, v in two.items() if k != "built"}
