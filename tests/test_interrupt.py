"""SIGINT and SIGTERM end a long command in one line, with no process and no temporary file left (issue 19).

The fast tests drive :func:`kzperception.cli.interrupt.interruptible` in a child Python that
starts what a build starts (a process pool whose worker starts a process of its own, a temporary
folder) and is signalled mid-run. The book test signals a real ``kzperception rerun`` on a small
synthetic corpus at several points.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from kzperception.book.jupyterbook import os_error_in
from kzperception.cli.interrupt import os_error_line

#: A command body that starts a pool worker which starts a grandchild, writes their ids, then waits.
_BODY = textwrap.dedent("""
    import os, subprocess, sys, tempfile, time
    from concurrent.futures import ProcessPoolExecutor
    from kzperception.cli.interrupt import interruptible

    def work(pids):
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        with open(pids, "a") as f:
            f.write(f"{os.getpid()} {child.pid}\\n")
        child.wait()

    if __name__ == "__main__":
        pids, tmp_parent = sys.argv[1], sys.argv[2]
        with interruptible("earlier output kept"):
            with tempfile.TemporaryDirectory(dir=tmp_parent) as tmp:
                with ProcessPoolExecutor(max_workers=2) as pool:
                    futures = [pool.submit(work, pids) for _ in range(2)]
                    for f in futures:
                        f.result()
""")


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_every_descendant_and_says_what_was_kept(tmp_path, signum, code):
    script = tmp_path / "body.py"
    script.write_text(_BODY, encoding="utf-8")
    pids_file, tmp_parent = tmp_path / "pids", tmp_path / "tmp"
    tmp_parent.mkdir()
    proc = subprocess.Popen(
        [sys.executable, str(script), str(pids_file), str(tmp_parent)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for(lambda: pids_file.exists() and len(pids_file.read_text().splitlines()) == 2)
    tree = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
    assert len(tree) >= 4  # two workers, two grandchildren (and the pool's own helpers)
    assert any(tmp_parent.iterdir())
    t0 = time.monotonic()
    proc.send_signal(signum)
    try:
        _, err = proc.communicate(timeout=30)
    finally:  # a failing run must not leave its sleepers behind
        for pid in [*tree, proc.pid]:
            if psutil.pid_exists(pid) and time.monotonic() - t0 > 10:
                psutil.Process(pid).kill()
    assert time.monotonic() - t0 < 10
    assert proc.returncode == code
    assert err.strip().splitlines() == [f"error: interrupted by {signal.Signals(signum).name}: earlier output kept"]
    alive = [pid for pid in tree if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert alive == [], alive
    assert list(tmp_parent.iterdir()) == []  # the temporary folder was removed on the way out


#: A worker that, like nbclient, catches SIGTERM and starts a process of its own in a new session
#: (as a kernel is started) while being stopped; once the worker is killed that process is
#: re-parented to init, no longer a descendant of the command.
_LATE_BODY = textwrap.dedent("""
    import os, signal, subprocess, sys, time
    from concurrent.futures import ProcessPoolExecutor
    from kzperception.cli.interrupt import interruptible

    def work(pids):
        def late(signum, frame):
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                                     start_new_session=True)
            with open(pids, "a") as f:
                f.write(f"{child.pid}\\n")
        signal.signal(signal.SIGTERM, late)
        with open(pids, "a") as f:
            f.write("ready\\n")
        while True:
            time.sleep(0.1)

    if __name__ == "__main__":
        with interruptible("earlier output kept"):
            with ProcessPoolExecutor(max_workers=1) as pool:
                pool.submit(work, sys.argv[1]).result()
""")


def test_a_process_started_while_the_command_stops_is_stopped_too(tmp_path):
    script = tmp_path / "late.py"
    script.write_text(_LATE_BODY, encoding="utf-8")
    pids_file = tmp_path / "pids"
    proc = subprocess.Popen(
        [sys.executable, str(script), str(pids_file)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    _wait_for(lambda: pids_file.exists() and "ready" in pids_file.read_text())
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    late = [int(line) for line in pids_file.read_text().split() if line.isdigit()]
    try:
        assert late, "the worker never started its late process"
        alive = [pid for pid in late if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
        assert alive == [], alive
        assert time.monotonic() - t0 < 10
        assert proc.returncode == 143, err
    finally:
        for pid in late:
            if psutil.pid_exists(pid):
                psutil.Process(pid).kill()


def test_a_stopped_pool_worker_is_collected_by_multiprocessing():
    """A worker stopped by the command must read as ended to multiprocessing, or the pool's shutdown
    on the way out waits for it for ever (a signalled build hung so): psutil must not reap it."""
    import multiprocessing

    from kzperception.cli.interrupt import stop_children

    worker = multiprocessing.get_context("fork").Process(target=time.sleep, args=(60,))
    worker.start()
    try:
        assert worker.pid in stop_children(grace=2.0)
        worker.join(timeout=5)
        assert worker.exitcode == -signal.SIGTERM
    finally:
        if worker.exitcode is None:
            worker.kill()


def test_an_os_error_is_one_line_with_the_file_and_the_errno():
    err = OSError(28, "No space left on device", "/books/out/html/index.html")
    assert os_error_line(err) == "/books/out/html/index.html: No space left on device (ENOSPC)"
    output = (
        "Running Sphinx\n...\nOSError: [Errno 28] No space left on device: '/tmp/x/_build/html/a.html'\n"
        "Looks like there was an error. Look above for the cause.\n"
    )
    assert os_error_in(output) == "/tmp/x/_build/html/a.html: No space left on device (ENOSPC)"
    assert os_error_in("some other failure") is None


# --- a real rerun, signalled --------------------------------------------------------------------


def _synthetic_corpus(folder: Path) -> Path:
    """A small labelled synthetic corpus written by the project's own generator."""
    subprocess.run(
        [sys.executable, "-m", "kzperception.cli", "synth", "--out", str(folder), "--seed", "3"],
        check=True,
        capture_output=True,
    )
    return folder


@pytest.mark.book
@pytest.mark.parametrize(("signum", "delay"), [(signal.SIGTERM, 0.0), (signal.SIGINT, 4.0), (signal.SIGTERM, 12.0)])
def test_a_signalled_rerun_leaves_no_process_and_no_partial_book(tmp_path, signum, delay):
    """The default chapter set (ten chapters on a two-partner corpus) runs far longer than the
    latest signal, so every case interrupts a build in progress on a fast machine too."""
    corpus = _synthetic_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kzperception.cli",
            "rerun",
            "--corpus",
            str(corpus),
            "--out",
            str(out),
            "--start",
            "2020-08-24",
            "--pivot",
            "2022-02-24",
            "--end",
            "2023-08-24",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    parent = psutil.Process(proc.pid)
    _wait_for(lambda: len(parent.children(recursive=True)) >= 2, timeout=120)  # a worker and its kernel
    time.sleep(delay)
    tree = [p.pid for p in parent.children(recursive=True)]
    t0 = time.monotonic()
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert time.monotonic() - t0 < 10
    assert proc.returncode == {signal.SIGINT: 130, signal.SIGTERM: 143}[signum], err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert lines == [
        f"error: interrupted by {signal.Signals(signum).name}: {out} left as it was; no partial "
        "book written, the temporary build folder removed"
    ], err[-2000:]
    assert "Traceback" not in err
    alive = [pid for pid in tree if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert alive == [], alive
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]  # no temporary build folder beside OUT


def test_a_folder_a_command_builds_in_gets_the_users_umask(tmp_path):
    import tempfile

    from kzperception.book.rerun import with_umask

    old = os.umask(0o022)
    try:
        folder = with_umask(Path(tempfile.mkdtemp(dir=tmp_path)))
        assert folder.stat().st_mode & 0o777 == 0o755  # mkdtemp alone gives 0o700
        os.umask(0o077)
        assert with_umask(Path(tempfile.mkdtemp(dir=tmp_path))).stat().st_mode & 0o777 == 0o700
    finally:
        os.umask(old)
