"""The chapter timings kept beside the sources (notebooks/_last_seconds.json) that order a first rerun."""

from __future__ import annotations

import json

import pytest

from kzperception import paths
from kzperception.book import execute, rerun


def test_the_record_times_every_chapter_a_rerun_can_run():
    """A chapter added or renamed without the record would be handed out last; run
    benchmarks/chapter_seconds.py after `make book` to bring it up to date."""
    recorded = execute.recorded_seconds(paths.NOTEBOOKS / execute.RECORDED_SECONDS)
    missing = [stem for stem in rerun.available_chapters() if stem not in recorded]
    assert missing == [], f"not in {execute.RECORDED_SECONDS}: {missing}"


def test_a_first_rerun_hands_out_by_the_record_when_no_last_run_is_found(tmp_path):
    record = tmp_path / execute.RECORDED_SECONDS
    record.write_text(json.dumps({"slow": 2.5, "quick": 0.3}), encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert execute._last_seconds("slow", empty, None, recorded=record) == 2.5
    assert execute._last_seconds("unknown", empty, None, recorded=record) == 0.0
    assert execute._last_seconds("slow", empty, None) == 0.0


def test_a_last_run_found_wins_over_the_record(tmp_path):
    record = tmp_path / execute.RECORDED_SECONDS
    record.write_text(json.dumps({"ch": 2.5}), encoding="utf-8")
    (tmp_path / "ch.ipynb").write_text(json.dumps({"metadata": {"papermill": {"duration": 0.7}}}), encoding="utf-8")
    assert execute._last_seconds("ch", tmp_path, recorded=record) == 0.7


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[1, 2]",
        '{"ch": "2.5"}',
        '{"ch": -1}',
        '{"ch": NaN}',
        '{"ch": Infinity}',
        '{"ch": true}',
        '{"ch": null}',
        "\ufeff{}",
        "",
    ],
)
def test_a_hostile_record_orders_nothing_and_breaks_nothing(tmp_path, text):
    record = tmp_path / execute.RECORDED_SECONDS
    record.write_text(text, encoding="utf-8")
    assert execute.recorded_seconds(record) == {}
    assert execute._last_seconds("ch", tmp_path, recorded=record) == 0.0


def test_a_missing_record_gives_no_timings(tmp_path):
    assert execute.recorded_seconds(tmp_path / "nowhere.json") == {}
