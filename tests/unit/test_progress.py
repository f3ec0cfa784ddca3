"""A long command shows each chapter starting and finishing with its time, and the total (cli/progress.py)."""

from __future__ import annotations

import io
import re

from rich.console import Console

from kzperception.book.execute import ChapterRun
from kzperception.cli.progress import ChapterProgress


def _run(console: Console) -> None:
    with ChapterProgress(3, console=console) as progress:
        progress.done(ChapterRun("06-0-results", "cached"))
        progress.started("06-2-reports")
        progress.started("06-3-coding")
        progress.done(ChapterRun("06-3-coding", "executed", 12.34))
        progress.done(ChapterRun("06-2-reports", "failed", 1.5, "cell 3: ValueError"))


def test_not_on_a_terminal_every_event_is_one_plain_line_in_order():
    out = io.StringIO()
    _run(Console(file=out, force_terminal=False, width=200))
    lines = out.getvalue().splitlines()
    assert lines[:5] == [
        "finished 06-0-results: from cache",
        "started  06-2-reports",
        "started  06-3-coding",
        "finished 06-3-coding: executed in 12.3s",
        "finished 06-2-reports: failed in 1.5s",
    ]
    assert re.fullmatch(r"chapters: 1 executed, 1 from cache, 1 failed in [0-9]+\.[0-9]s", lines[5])
    assert len(lines) == 6 and "\x1b" not in out.getvalue()  # no escape codes in a log


def test_on_a_terminal_finished_chapters_and_the_total_are_printed_above_the_live_display():
    out = io.StringIO()
    _run(Console(file=out, force_terminal=True, width=200))
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue())
    assert "finished 06-3-coding: executed in 12.3s" in text
    assert re.search(r"chapters: 1 executed, 1 from cache, 1 failed in [0-9.]+s", text)
    assert "started  06-2-reports" not in text  # a running chapter is a live line, not a log line


def test_an_interrupted_block_prints_no_total():
    out = io.StringIO()
    try:
        with ChapterProgress(2, console=Console(file=out, force_terminal=False)) as progress:
            progress.started("06-2-reports")
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert "chapters:" not in out.getvalue()
