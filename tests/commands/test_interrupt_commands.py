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
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
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


# --- the short commands that write or run long ------------------------------------------------------


def _kzp(*args: str) -> list[str]:
    return [sys.executable, "-m", "kzperception.cli", *args]


#: A corpus large enough that synth spends seconds building and writing it (about 55 MB).
BIG = "200000"

#: Points at which synth is signalled: while it builds the frames (before anything is written), and
#: with its temporary folder (``.big.<pid>.<hex>.new`` beside --out) half written.
SYNTH_CASES = [
    ("building", signal.SIGTERM),
    ("building", signal.SIGINT),
    ("writing", signal.SIGTERM),
    ("writing", signal.SIGINT),
]


@pytest.mark.parametrize(("point", "signum"), SYNTH_CASES, ids=[f"{p}-{s.value}" for p, s in SYNTH_CASES])
def test_a_signalled_synth_leaves_no_temporary_folder_and_no_partial_corpus(tmp_path, point, signum):
    """SIGTERM used to end synth silently with -15 and leave ``.big.<pid>.<hex>.new``; SIGINT
    exited 130 without a line."""
    out = tmp_path / "big"
    proc = subprocess.Popen(
        _kzp("synth", "--seed", "1", "--reports", BIG, "--out", str(out)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        if point == "writing":
            wait_for(
                lambda: list(tmp_path.glob(".big.*.new/reports.csv")) or proc.poll() is not None,
                120,
                "the corpus's temporary folder",
            )
        else:  # past its imports (about a second of CPU), building the frames; nothing written yet
            wait_for(lambda: _cpu_seconds(proc) > 1.5 or proc.poll() is not None, 60, "the frames being built")
            assert not list(tmp_path.iterdir())
        assert proc.poll() is None, proc.communicate()
        signal_and_check(proc, signum, f"no corpus written; {out} left as it was, the temporary folder removed")
    finally:
        if proc.poll() is None:
            proc.kill()
    assert list(tmp_path.iterdir()) == []  # neither the .new folder nor a partial corpus


def _cpu_seconds(proc: subprocess.Popen[str]) -> float:
    try:
        times = psutil.Process(proc.pid).cpu_times()
    except psutil.Error:
        return 0.0
    return times.user + times.system


@pytest.mark.parametrize("after", [0, 1, 2], ids=["before-any-rename", "between-the-renames", "after-both"])
def test_write_corpus_interrupted_at_each_rename_keeps_one_whole_corpus(tmp_path, monkeypatch, small_corpus, after):
    """``--force`` over a corpus renames the old one aside, then the new one in: a signal between
    the two used to delete both (the clean-up removed the new folder and the old one alike)."""
    from kzperception.cli.interrupt import Interrupted
    from kzperception.data import corpus_write
    from kzperception.data.corpus import load_corpus, write_corpus

    corpus = load_corpus(small_corpus)
    reports = corpus.reports.assign(date=corpus.reports["date"].dt.strftime("%Y-%m-%d"))
    codes = corpus.codes.drop(columns="report_row")
    out = tmp_path / "w" / "out"
    write_corpus(reports, codes, out)
    before = snapshot(out)
    renames: list[tuple[str, str]] = []
    fired: list[bool] = []
    real_rename = os.rename

    def rename(src, dst):
        # The signal handler raises once, between two steps: before the first rename, between the
        # two, or just after the second; the clean-up's own renames then run undisturbed.
        if len(renames) == after and not fired:
            fired.append(True)
            raise Interrupted(signal.SIGTERM)
        renames.append((str(src), str(dst)))
        real_rename(src, dst)
        if after == 2 and len(renames) == 2 and not fired:
            fired.append(True)
            raise Interrupted(signal.SIGTERM)

    monkeypatch.setattr(corpus_write.os, "rename", rename)
    fewer = reports.iloc[:-1]
    with pytest.raises(Interrupted):
        write_corpus(fewer, codes[codes["report_id"].isin(fewer["id"])], out, force=True)
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]  # no .new, no .old beside it
    after_files = snapshot(out)
    assert after_files == before or len(load_corpus(out).reports) == len(fewer), after_files


@pytest.fixture(scope="module")
def two_coder_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic corpus of 30,000 reports coded by anna, and half of it by boris: ``reliability``
    spends seconds on it (about 9 s on the project machine; 3,000 reports took as long before its
    bootstrap became one matrix product, and now end before the signal)."""
    import pandas as pd

    folder = tmp_path_factory.mktemp("reliability") / "corpus"
    synth = _kzp("synth", "--seed", "1", "--reports", "30000", "--out", str(folder))
    made = subprocess.run(synth, env=ENV, check=False)
    assert made.returncode == 0
    codes = pd.read_csv(folder / "codes.csv", dtype=str, keep_default_na=False)
    pd.concat([codes.assign(coder="anna"), codes.assign(coder="boris").iloc[::2]]).to_csv(
        folder / "codes.csv", index=False
    )
    (folder / "datapackage.json").unlink()
    return folder


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signalled_reliability_ends_in_one_line(tmp_path, two_coder_corpus, signum):
    """reliability used to exit 130 on SIGINT with no line (and die silently on SIGTERM); with
    --disagreements, the earlier file stays as it was."""
    earlier = tmp_path / "disagreements.csv"
    earlier.write_text("the earlier file\n", encoding="utf-8")
    args = ["reliability", str(two_coder_corpus)]
    if signum == signal.SIGTERM:
        args += ["--disagreements", str(earlier)]
    proc = subprocess.Popen(_kzp(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        wait_for(lambda: _cpu_seconds(proc) > 2.5 or proc.poll() is not None, 60, "the bootstrap")
        assert proc.poll() is None, proc.communicate()
        kept = (
            f"no table printed; {earlier} left as it was"
            if signum == signal.SIGTERM
            else "nothing written (the command only reads)"
        )
        signal_and_check(proc, signum, kept)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["disagreements.csv"]
    assert earlier.read_text(encoding="utf-8") == "the earlier file\n"


def test_files_kept_names_the_files_written_before_the_signal(tmp_path):
    """The line of a command that writes several files (screen, code export, init) names the ones
    it had replaced or made, each whole by a rename, and says the rest are as they were."""
    from kzperception.cli.interrupt import files_kept

    (tmp_path / "screening.csv").write_text("old\n", encoding="utf-8")
    (tmp_path / "other.txt").write_text("not ours\n", encoding="utf-8")
    kept = files_kept(tmp_path, ("screening.csv", "screening.xlsx"))
    assert kept() == f"nothing written; {tmp_path} left as it was"
    new = tmp_path / ".screening.csv.tmp"
    new.write_text("new\n", encoding="utf-8")
    os.replace(new, tmp_path / "screening.csv")
    (tmp_path / "other.txt").write_text("changed by someone else\n", encoding="utf-8")
    assert kept() == f"screening.csv written to {tmp_path} before it, whole; the rest left as it was"
    everything = files_kept(tmp_path / "new", none="no sheets written")
    assert everything() == "no sheets written"
    (tmp_path / "new").mkdir()
    for name in ("a", "b", "c", "d", "e", "f"):
        (tmp_path / "new" / name).write_text(name, encoding="utf-8")
    assert (
        everything()
        == f"a, b, c, d and 2 more written to {tmp_path / 'new'} before it, each whole; the rest left as it was"
    )
