"""The warm process a rerun leaves (kzperception.cli.warm): the next rerun runs in a fork of it and
says so; its book is the one a rerun in its own process makes; its status, errors and Ctrl-C are
the caller's; a changed file it had read makes it step aside."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kzperception import paths
from kzperception.cli import warm

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the warm process is Linux-only"),
    pytest.mark.timeout(300),  # a run that hangs (an output pipe held open) fails in minutes, not in the suite's 15
]

REGISTER = paths.ROOT / "data" / "register"
CHAPTERS = "06-0-results,08-conclusion"
WINDOW_A = ("2021-01-01", "2022-02-24", "2023-06-30")
WINDOW_B = ("2021-01-01", "2022-02-24", "2023-03-31")


@pytest.fixture
def warm_env() -> Iterator[dict[str, str]]:
    """An environment whose reruns use and leave warm processes in a folder of this test's own; every
    one of them is stopped (and, if it does not leave, killed) afterwards. The folder is a short
    one in /tmp: a socket's path holds at most 107 bytes, and pytest's own folders can be longer."""
    folder = Path(tempfile.mkdtemp(prefix="kzw-", dir="/tmp"))
    env = {**os.environ, "KZP_WARM": "1", warm.DIR_VARIABLE: str(folder), warm.IDLE_VARIABLE: "120"}
    yield env
    found = _status(env)
    stop = [sys.executable, "-m", "kzperception.cli", "warm", "stop"]
    subprocess.run(stop, env=env, capture_output=True, check=False)
    for s in found:
        _gone_or_kill(int(s["pid"]))
    shutil.rmtree(folder, ignore_errors=True)


def _status(env: dict[str, str]) -> list[dict]:
    code = "import json; from kzperception.cli import warm; print(json.dumps(warm.status()))"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _gone_or_kill(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    return False


def _rerun(env: dict[str, str], out: Path, window: tuple[str, str, str], **kw: object) -> subprocess.CompletedProcess:
    start, pivot, end = window
    cmd = [sys.executable, "-m", "kzperception.cli", "rerun", "--corpus", str(REGISTER), "--start", start]
    cmd += ["--pivot", pivot, "--end", end, "--chapters", CHAPTERS, "--out", str(out)]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, **kw)  # type: ignore[call-overload]


def _ready(env: dict[str, str], within: float = 60.0) -> dict:
    """The one warm process, once it answers (it answers when its imports are done)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = _status(env)
        if found:
            assert len(found) == 1, found
            return found[0]
        time.sleep(0.2)
    raise AssertionError("no warm process answered within a minute")


def _outputs(out: Path) -> dict[str, list]:
    """Every executed chapter's cell outputs (what the pages show), without timings or paths of the build."""
    found = {}
    for nb_path in sorted((out / "src" / "chapters").glob("*.ipynb")):
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        found[nb_path.stem] = [c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"]
    return found


def test_the_second_rerun_runs_in_the_warm_process_says_so_and_makes_the_same_book(tmp_path, warm_env):
    first = _rerun(warm_env, tmp_path / "a", WINDOW_A)
    assert first.returncode == 0, first.stderr
    assert "a warm process now keeps the libraries imported" in first.stderr
    assert "reused:" not in first.stderr
    server = _ready(warm_env)
    assert server["served"] == 0 and server["cwd"] == os.getcwd()

    second = _rerun(warm_env, tmp_path / "b", WINDOW_B)
    assert second.returncode == 0, second.stderr
    assert f"reused: the warm process {server['pid']} " in second.stderr
    assert "rerun book in" in second.stdout and "chapters: 2 executed" in second.stderr
    assert _ready(warm_env)["served"] == 1

    alone = _rerun({**warm_env, "KZP_WARM": "0"}, tmp_path / "c", WINDOW_B)
    assert alone.returncode == 0, alone.stderr
    assert "reused:" not in alone.stderr and "warm process" not in alone.stderr
    assert _outputs(tmp_path / "b") == _outputs(tmp_path / "c")
    assert (tmp_path / "b" / "html" / "index.html").read_text(encoding="utf-8").count("2023-03-31") >= 1


def test_a_refused_rerun_in_the_warm_process_fails_as_it_does_alone(tmp_path, warm_env):
    assert _rerun(warm_env, tmp_path / "a", WINDOW_A).returncode == 0
    server = _ready(warm_env)
    bad = ("2021-13-01", "2022-02-24", "2023-06-30")
    there = _rerun(warm_env, tmp_path / "b", bad)
    alone = _rerun({**warm_env, "KZP_WARM": "0"}, tmp_path / "b", bad)
    assert (there.returncode, there.stdout, there.stderr) == (alone.returncode, alone.stdout, alone.stderr)
    assert there.returncode != 0 and "'2021-13-01' is not a date" in there.stderr
    assert not (tmp_path / "b").exists()
    assert _ready(warm_env)["served"] == server["served"] + 1


def test_ctrl_c_reaches_the_rerun_in_the_warm_process_and_nothing_is_left(tmp_path, warm_env):
    assert _rerun(warm_env, tmp_path / "a", WINDOW_A).returncode == 0
    _ready(warm_env)
    before = sorted(p.name for p in (tmp_path / "a").rglob("*"))
    start, pivot, end = WINDOW_B
    cmd = [sys.executable, "-m", "kzperception.cli", "rerun", "--corpus", str(REGISTER), "--start", start]
    cmd += ["--pivot", pivot, "--end", end, "--chapters", CHAPTERS, "--out", str(tmp_path / "a")]
    caller = subprocess.Popen(cmd, env=warm_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".a.rerun-*")) and time.monotonic() < deadline:  # the build has begun
        time.sleep(0.05)
    caller.send_signal(signal.SIGINT)
    _, stderr = caller.communicate(timeout=60)
    assert caller.returncode == 130, stderr
    assert "left as it was" in stderr
    assert sorted(p.name for p in (tmp_path / "a").rglob("*")) == before
    deadline = time.monotonic() + 15
    while list(tmp_path.glob(".a.rerun-*")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not list(tmp_path.glob(".a.rerun-*"))
    assert _ready(warm_env)["running"] == 0


def test_a_rerun_killed_outright_in_the_warm_process_leaves_no_process_and_the_warm_process_serves_on(
    tmp_path, warm_env
):
    """The run's own process is killed (SIGKILL: the out-of-memory killer's choice, say): no clean-up
    runs, yet its pool workers, their zygotes and kernels and its Jupyter Book process end with it
    (kzperception.children), the caller gets the killed status, and the warm process takes the next rerun."""
    import psutil

    assert _rerun(warm_env, tmp_path / "a", WINDOW_A).returncode == 0
    server = _ready(warm_env)
    start, pivot, end = WINDOW_B
    cmd = [sys.executable, "-m", "kzperception.cli", "rerun", "--corpus", str(REGISTER), "--start", start]
    cmd += ["--pivot", pivot, "--end", end, "--chapters", CHAPTERS, "--out", str(tmp_path / "b")]
    caller = subprocess.Popen(cmd, env=warm_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    tree: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(".b.rerun-*")) and time.monotonic() < deadline:  # the build has begun
            time.sleep(0.05)
        run = psutil.Process(int(next(iter(tmp_path.glob(".b.rerun-*"))).name.split("-")[1]))
        assert run.ppid() == server["pid"]
        while len(run.children()) < 3 and time.monotonic() < deadline:  # Jupyter Book and two workers
            time.sleep(0.05)
        tree = run.children(recursive=True)
        assert len(tree) >= 3, tree
        run.kill()
        _, stderr = caller.communicate(timeout=60)
        assert caller.returncode == 137, stderr
        _, alive = psutil.wait_procs(tree, timeout=10)
        assert [p for p in alive if p.status() != psutil.STATUS_ZOMBIE] == []
    finally:
        for p in tree:
            with contextlib.suppress(psutil.Error):
                p.kill()
        if caller.poll() is None:
            caller.kill()
    assert _ready(warm_env)["running"] == 0
    again = _rerun(warm_env, tmp_path / "b", WINDOW_B)
    assert again.returncode == 0, again.stderr
    assert f"reused: the warm process {server['pid']} " in again.stderr


def test_a_file_the_warm_process_read_changes_and_it_steps_aside(tmp_path, warm_env):
    """The default vocabulary is read on import: edited after the warm process started, the next
    rerun says so, runs in its own process, and the warm process leaves."""
    partners = tmp_path / "partners.yaml"
    partners.write_bytes((paths.DATA / "partners.yaml").read_bytes())
    env = {**warm_env, "KZP_PARTNERS": str(partners)}
    assert _rerun(env, tmp_path / "a", WINDOW_A).returncode == 0
    server = _ready(env)
    partners.write_bytes(partners.read_bytes() + b"\n# edited\n")
    again = _rerun(env, tmp_path / "b", WINDOW_B)
    assert again.returncode == 0, again.stderr
    assert f"the warm process was out of date ({partners} changed since it started)" in again.stderr
    assert "reused:" not in again.stderr
    assert _gone_or_kill(int(server["pid"])), "the out-of-date warm process left"


def test_status_and_stop_say_what_runs(tmp_path, warm_env):
    cli = [sys.executable, "-m", "kzperception.cli", "warm"]
    idle = subprocess.run([*cli, "status"], env=warm_env, capture_output=True, text=True, check=True)
    assert idle.stdout.strip() == "no warm process is running"
    assert _rerun(warm_env, tmp_path / "a", WINDOW_A).returncode == 0
    server = _ready(warm_env)
    shown = subprocess.run([*cli, "status"], env=warm_env, capture_output=True, text=True, check=True)
    assert shown.stdout.startswith(f"pid {server['pid']}: {os.getcwd()}; up ")
    stopped = subprocess.run([*cli, "stop"], env=warm_env, capture_output=True, text=True, check=True)
    assert stopped.stdout.strip() == f"stopped 1 warm process(es): {server['pid']}"
    assert _gone_or_kill(int(server["pid"]))
    assert not list(Path(warm_env[warm.DIR_VARIABLE]).glob("*.sock"))


def test_ctrl_c_while_waiting_for_a_silent_warm_process_stops_with_nothing_written(tmp_path, warm_env):
    """A socket that accepts and never answers (a warm process still importing, or a stuck one): the
    caller waits, and Ctrl-C then ends it as any command, with 130 and nothing written."""
    import socket

    code = "import os; from kzperception.cli import warm as w; "
    code += "print(w.socket_path(w.runtime_dir(), os.getcwd(), os.environ))"
    where = subprocess.run([sys.executable, "-c", code], env=warm_env, capture_output=True, text=True, check=True)
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.bind(where.stdout.strip())
    silent.listen(1)
    try:
        start, pivot, end = WINDOW_A
        cmd = [sys.executable, "-m", "kzperception.cli", "rerun", "--corpus", str(REGISTER), "--start", start]
        cmd += ["--pivot", pivot, "--end", end, "--out", str(tmp_path / "a")]
        caller = subprocess.Popen(cmd, env=warm_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        conn, _ = silent.accept()  # it connected and waits for an answer
        time.sleep(0.5)
        caller.send_signal(signal.SIGINT)
        try:
            _, stderr = caller.communicate(timeout=30)
        finally:
            conn.close()
    finally:
        silent.close()
    assert caller.returncode == 130, stderr
    assert "nothing written (the rerun had not started)" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "a").exists()
