"""SIGINT and SIGTERM to each long command, at several points: one line, exit 130/143, nothing left (issue 19).

``tests/commands/test_interrupt_signals.py`` drives :func:`kzperception.cli.interrupt.interruptible`
with a stand-in body and ``tests/book/test_interrupt_book.py`` signals a real ``rerun``. Here the
other long commands are signalled as a user would: ``kzperception collect`` against the local
imitation of the sites (``tests/fieldwork_server.py``), at the start, while a listing is read and in
the middle of an article's body; ``python -m kzperception.book.pdf`` while Jupyter Book assembles
the single page and while Chromium prints it and ``kzperception build --out`` while chapters execute
(``book`` tests, in tests/book/test_interrupt_commands_book.py). Each case checks what the issue
asks: the command ends within 10 s with exit 130 (SIGINT) or 143 (SIGTERM), stderr holds one
``error:`` line saying what was kept and no traceback, no process of the run is left, no temporary
file is left, and the earlier output is byte for byte as it was."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fieldwork_server import END, KEYWORDS, FakeSites
from helpers.interrupts import ENV, signal_and_check, snapshot, wait_for

# --- collect ----------------------------------------------------------------------------------

ARTICLE_HELD = "/ru/kitay-nadezhnyy-partner-kazahstana-3100007"  # dated 2022-09-14: not in the first run
ARTICLE_MID_BODY = "/ru/glava-gosudarstva-prinyal-ministrov-inostrannyh-del-rossii-i-kitaya-3100006"


def _collect(sites: FakeSites, out: Path, start: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "kzperception.cli",
        "collect",
        "--site",
        "president",
        "--start",
        start,
        "--end",
        END,
        "--out",
        str(out),
        "--base-url",
        sites.base_url,
        "--keywords",
        str(KEYWORDS),
        "--rate",
        "200",
        "--backoff",
        "0.01",
        "--timeout",
        "30",
        "--no-progress",
        *extra,
    ]


#: Every point with one of the two signals, and both at the richest point (half a body written):
#: the two signals take one path through cli/interrupt.py and differ only in the exit code, so the
#: full grid (eight runs of about 30 s) repeated the same check.
COLLECT_CASES = [
    ("first listing", signal.SIGINT),
    ("new listing", signal.SIGTERM),
    ("article", signal.SIGINT),
    ("mid-body", signal.SIGTERM),
    ("mid-body", signal.SIGINT),
]


@pytest.mark.parametrize(("point", "signum"), COLLECT_CASES, ids=[f"{p}-{s.value}" for p, s in COLLECT_CASES])
def test_a_signalled_collect_keeps_the_earlier_run_whole(tmp_path, signum, point):
    """A first run collects 2023 into OUT; a second, wider run (the same OUT) is signalled: as it
    starts (the first listing page, asked again), at a listing page the first run never read, while
    an article is requested, and with half an article's body in its temporary file."""
    out = tmp_path / "out"
    with FakeSites() as sites:
        first = subprocess.run(_collect(sites, out, "2023-01-01"), capture_output=True, text=True, env=ENV, timeout=120)
        assert first.returncode == 0, first.stderr
        before = snapshot(out)
        assert "collected.csv" in before
        held = {
            "first listing": ("/ru/events?page=1", False),
            "new listing": ("/ru/events?page=3", False),
            "article": (ARTICLE_HELD, False),
            "mid-body": (ARTICLE_MID_BODY, True),
        }[point]
        hold = sites.hold(held[0], mid_body=held[1])
        extra = ["--refresh-listings"] if point == "first listing" else []
        proc = subprocess.Popen(
            _collect(sites, out, "2022-01-01", *extra),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
        )
        try:
            assert hold.reached.wait(60), proc.communicate(timeout=5)
            if held[1]:  # the body is half written to its temporary file
                wait_for(lambda: list((out / "raw").rglob(".download.*.tmp")), 10, "the download's temp file")
            signal_and_check(
                proc,
                signum,
                f"what was downloaded before it stays in {out / 'raw'}; run the same "
                "command again to resume (nothing already downloaded is fetched twice)",
            )
        finally:
            hold.release.set()
            if proc.poll() is None:
                proc.kill()
    after = snapshot(out)
    assert not [name for name in after if name.endswith(".tmp")], after  # no temporary file left
    assert after["collected.csv"] == before["collected.csv"]  # the earlier output intact
    assert set(before) <= set(after)  # nothing of the earlier run's cache lost
    for name in (n for n in before if after[n] != before[n]):  # an entry the new run fetched again: whole
        assert name.endswith(".json"), name
        json.loads((out / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signalled_probe_keeps_the_earlier_probe(tmp_path, signum):
    """``collect --probe --force`` over an earlier probe, signalled while it reads the listing."""
    out = tmp_path / "out"
    with FakeSites() as sites:
        args = [
            sys.executable,
            "-m",
            "kzperception.cli",
            "collect",
            "--probe",
            "--force",
            "--site",
            "president",
            "--out",
            str(out),
            "--base-url",
            sites.base_url,
            "--rate",
            "200",
        ]
        first = subprocess.run(args, capture_output=True, text=True, env=ENV, timeout=120)
        assert first.returncode == 0, first.stderr
        before = snapshot(out)
        hold = sites.hold("/ru/events?page=1")
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
        try:
            assert hold.reached.wait(60), proc.communicate(timeout=5)
            signal_and_check(
                proc,
                signum,
                f"no probe written; {out / 'probe' / 'president'} left as it was, the partial folder removed",
            )
        finally:
            hold.release.set()
            if proc.poll() is None:
                proc.kill()
    assert snapshot(out) == before  # the earlier probe whole, no .partial staging folder beside it
    assert [p.name for p in (out / "probe").iterdir()] == ["president"]
