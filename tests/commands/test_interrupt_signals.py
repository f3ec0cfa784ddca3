"""SIGINT and SIGTERM end a long command in one line, with no process and no temporary file left (issue 19).

These tests drive :func:`kzperception.cli.interrupt.interruptible` in a child Python that starts what
a build starts (a process pool whose worker starts a process of its own, a temporary folder) and is
signalled mid-run. tests/book/test_interrupt_book.py signals a real ``kzperception rerun``.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest
from helpers.interrupts import wait_for

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
    wait_for(lambda: pids_file.exists() and len(pids_file.read_text().splitlines()) == 2)
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


#: A worker that, like nbclient, catches SIGTERM and starts a process of its own while being stopped:
#: exec'd in a new session (as a kernel is started), or forked (as a forked kernel is); once the
#: worker is killed that process is orphaned, and would be re-parented to init, no longer a
#: descendant of the command, were the command not its subreaper.
_LATE_BODY = textwrap.dedent("""
    import os, signal, subprocess, sys, time
    from concurrent.futures import ProcessPoolExecutor
    from kzperception.cli.interrupt import interruptible

    def work(pids):
        def late(signum, frame):
            if sys.argv[2] == "fork":  # as a forked kernel is born: the command's variable is not in
                pid = os.fork()         # its /proc environ, which only holds what exec was given
                if pid == 0:
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # as a forked kernel does
                    time.sleep(600)
                    os._exit(0)
            else:
                pid = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                                       start_new_session=True).pid
            with open(pids, "a") as f:
                f.write(f"{pid}\\n")
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


@pytest.mark.parametrize("born", ["exec", "fork"])
def test_a_process_started_while_the_command_stops_is_stopped_too(tmp_path, born):
    script = tmp_path / "late.py"
    script.write_text(_LATE_BODY, encoding="utf-8")
    pids_file = tmp_path / "pids"
    proc = subprocess.Popen(
        [sys.executable, str(script), str(pids_file), born], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    wait_for(lambda: pids_file.exists() and "ready" in pids_file.read_text())
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=30)  # a late process left running holds its pipes: a timeout
        late = [int(line) for line in pids_file.read_text().split() if line.isdigit()]
        assert late, "the worker never started its late process"
        alive = [pid for pid in late if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
        assert alive == [], alive
        assert time.monotonic() - t0 < 10
        assert proc.returncode == 143, err
    finally:  # however it failed, leave nothing running
        if proc.poll() is None:
            proc.kill()
        for pid in (int(line) for line in pids_file.read_text().split() if line.isdigit()):
            if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
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


#: A parent that starts a child asking to die with it (kzperception.children.die_with_parent), then waits.
_DIES_WITH = textwrap.dedent("""
    import os, subprocess, sys
    child = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from kzperception.children import die_with_parent; "
        "die_with_parent(int(sys.argv[1])); print('asked', flush=True); time.sleep(600)"
    ), str(os.getpid() if sys.argv[1] == "mine" else 1)], stdout=subprocess.PIPE, text=True)
    print(child.pid, child.stdout.readline().strip() or child.wait(), flush=True)
    child.wait()
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_a_child_that_asked_to_die_with_its_parent_ends_when_the_parent_is_killed(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", _DIES_WITH, "mine"], stdout=subprocess.PIPE, text=True)
    child_pid, said = proc.stdout.readline().split()  # type: ignore[union-attr]
    child = psutil.Process(int(child_pid))
    try:
        assert said == "asked"
        proc.kill()  # SIGKILL: no code of the parent runs
        proc.wait(timeout=10)
        child.wait(timeout=5)  # psutil.TimeoutExpired if it outlives its parent
    finally:
        if child.is_running():
            child.kill()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_a_child_whose_parent_ended_before_it_asked_exits_at_once():
    """Asking names the parent it was started by; a child adopted already (here: told its parent is
    init) would wait for a signal that never comes, so it exits, status 1."""
    proc = subprocess.run([sys.executable, "-c", _DIES_WITH, "init"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[1] == "1"  # the child's exit status, read when it printed nothing
