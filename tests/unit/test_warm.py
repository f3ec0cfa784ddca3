"""The warm process's rules that need no process (kzperception.cli.warm): whose folder, which socket, what changed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from kzperception.cli import warm

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the warm process is Linux-only")


@linux
def test_the_folder_of_sockets_is_used_only_when_no_one_else_can_enter_it(tmp_path, monkeypatch):
    own = tmp_path / "own"
    monkeypatch.setenv(warm.DIR_VARIABLE, str(own))
    assert warm.runtime_dir() == own and (own.stat().st_mode & 0o777) == 0o700
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    monkeypatch.setenv(warm.DIR_VARIABLE, str(shared))
    assert warm.runtime_dir() is None
    link = tmp_path / "link"
    link.symlink_to(own)
    monkeypatch.setenv(warm.DIR_VARIABLE, str(link))
    assert warm.runtime_dir() is None, "a link is not the private folder itself"
    if os.getuid() == 0:  # as root, a folder handed to another user can be made
        other = tmp_path / "other"
        other.mkdir(mode=0o700)
        os.chown(other, 65534, 65534)
        monkeypatch.setenv(warm.DIR_VARIABLE, str(other))
        assert warm.runtime_dir() is None


def test_one_socket_per_folder_environment_and_python_whatever_the_shell_changes(tmp_path):
    env = {"HOME": "/h", "KZP_PARTNERS": "/p.yaml"}
    path = warm.socket_path(tmp_path, "/work", env)
    assert warm.socket_path(tmp_path, "/work", dict(env)) == path
    assert warm.socket_path(tmp_path, "/work", env | {"PWD": "/x", "OLDPWD": "/y", "SHLVL": "3", "_": "z"}) == path
    assert warm.socket_path(tmp_path, "/work", env | {warm.CHILD_VARIABLE: "1 2"}) == path
    assert warm.socket_path(tmp_path, "/elsewhere", env) != path
    assert warm.socket_path(tmp_path, "/work", env | {"KZP_PARTNERS": "/q.yaml"}) != path
    assert warm.socket_path(tmp_path, "/work", {"HOME": "/h"}) != path
    assert path.parent == tmp_path and path.name.startswith("rerun-") and path.suffix == ".sock"


def test_a_changed_appeared_or_removed_file_is_named(tmp_path):
    kept, edited, gone = (tmp_path / n for n in ("kept", "edited", "gone"))
    for f in (kept, edited, gone):
        f.write_text("x", encoding="utf-8")
    later = tmp_path / "later"
    taken = warm.snapshot({str(kept), str(edited), str(gone), str(later)})
    assert warm.changed_file(taken) is None
    stamp = edited.stat()
    edited.write_text("y", encoding="utf-8")  # same size: the time tells
    os.utime(edited, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000))
    assert warm.changed_file(taken) == str(edited)
    taken = warm.snapshot({str(kept), str(gone), str(later)})
    gone.unlink()
    assert warm.changed_file(taken) == str(gone)
    taken = warm.snapshot({str(kept), str(later)})
    later.write_text("new", encoding="utf-8")
    assert warm.changed_file(taken) == str(later)


def test_a_run_in_the_caller_s_own_process_claims_nothing_reused(monkeypatch):
    monkeypatch.delenv(warm.CHILD_VARIABLE, raising=False)
    assert warm.reused_line() is None
    monkeypatch.setenv(warm.CHILD_VARIABLE, "not a pid")
    assert warm.reused_line() is None
    monkeypatch.setenv(warm.CHILD_VARIABLE, f"1234 {__import__('time').time() - 30:.0f}")
    line = warm.reused_line()
    assert line is not None and line.startswith("reused: the warm process 1234 (up 3")


def test_no_warm_process_is_used_or_started_when_switched_off_or_inside_a_run(monkeypatch, tmp_path):
    monkeypatch.setenv(warm.DIR_VARIABLE, str(tmp_path / "w"))
    monkeypatch.setenv(warm.SWITCH, "0")
    assert not warm.enabled() and warm.delegate(["rerun", "--out", "x"]) is None and not warm.spawn()
    monkeypatch.setenv(warm.SWITCH, "1")
    monkeypatch.setenv(warm.CHILD_VARIABLE, "1 2")
    assert not warm.enabled() and not warm.spawn()
    monkeypatch.delenv(warm.CHILD_VARIABLE)
    assert warm.delegate(["validate", "data/register"]) is None, "only a rerun is handed on"
    assert not Path(tmp_path / "w").exists() or not list((tmp_path / "w").iterdir())


#: Run in a Python of its own: a fork runs the exit handlers it inherits, and pytest's are not to be run twice.
_FORKED = """
import json, sys
from kzperception.cli import warm

def echo():
    line = sys.stdin.readline()
    print(f"out {line.strip()}")
    print("err", file=sys.stderr)
    raise SystemExit(3 if line.strip() == "three" else 0)

KEPT = []

def with_manager():
    import multiprocessing
    manager = multiprocessing.Manager()  # as Jupyter Book's sitemap extension does, kept to the end
    KEPT.append((manager, manager.Queue()))
    print("built")

process = warm.ForkedProcess.start(echo)
waiting = process.poll()
said = process.communicate("three\\n")
waiting_one = warm.ForkedProcess.start(echo)
waiting_one.kill()
killed = waiting_one.communicate()
managed = warm.ForkedProcess.start(with_manager)
ended = managed.communicate()
print(json.dumps([waiting, said, process.returncode, killed, waiting_one.returncode, ended, managed.returncode]))
"""


@linux
def test_a_forked_process_is_used_as_popen_is_and_ends_with_what_it_started():
    """The prepared Jupyter Book process a warm run forks: input in, both outputs and the status out;
    a manager it starts is stopped at its end (else its output never ends and the build hangs)."""
    import json
    import subprocess

    done = subprocess.run([sys.executable, "-c", _FORKED], capture_output=True, text=True, timeout=60, check=True)
    waiting, said, code, killed, killed_code, managed, managed_code = json.loads(done.stdout)
    assert waiting is None, "it waits for its input"
    assert said == ["out three\n", "err\n"] and code == 3
    assert killed == ["", ""] and killed_code == -9
    assert managed == ["built\n", ""] and managed_code == 0


def _warm_on(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Warm processes allowed (the suite turns them off), sockets in ``folder``, not inside a warm run."""
    monkeypatch.delenv(warm.CHILD_VARIABLE, raising=False)
    monkeypatch.setenv(warm.SWITCH, "1")
    monkeypatch.setenv(warm.DIR_VARIABLE, str(folder))


def _too_deep(tmp_path: Path) -> Path:
    """A private folder whose socket path, with the socket's name, passes the 107 bytes Linux takes."""
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True, mode=0o700)
    deep.chmod(0o700)
    return deep


@linux
def test_why_no_warm_process_is_said_not_guessed(tmp_path, monkeypatch):
    """Each reason a folder never gets a warm process is named, and a usable folder gets none."""
    _warm_on(monkeypatch, tmp_path / "own")
    monkeypatch.chdir(tmp_path)
    assert warm.unavailable() is None
    assert warm._own_socket() is not None

    monkeypatch.setenv(warm.SWITCH, "0")
    assert warm.unavailable() == "KZP_WARM=0 is set"
    monkeypatch.setenv(warm.SWITCH, "1")

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    monkeypatch.setenv(warm.DIR_VARIABLE, str(shared))
    said = warm.unavailable()
    assert said is not None and str(shared) in said and "0700" in said and warm.DIR_VARIABLE in said

    deep = _too_deep(tmp_path)
    monkeypatch.setenv(warm.DIR_VARIABLE, str(deep))
    said = warm.unavailable()
    assert said is not None and "longer than the 107 a Unix socket takes" in said and str(deep) in said
    assert warm._own_socket() is None

    monkeypatch.setenv(warm.CHILD_VARIABLE, "1 2")
    assert warm.unavailable() == "this command runs inside a warm process"


@linux
def test_warm_status_says_why_a_folder_gets_no_warm_process(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from kzperception.cli import app

    _warm_on(monkeypatch, _too_deep(tmp_path))
    shown = CliRunner().invoke(app, ["warm", "status"])
    assert shown.exit_code == 0
    lines = shown.output.splitlines()
    assert lines[0].startswith("reruns from this folder start and use no warm process: the socket's path, ")
    assert lines[-1] == "no warm process is running"
    monkeypatch.setenv(warm.DIR_VARIABLE, str(tmp_path / "own"))
    assert CliRunner().invoke(app, ["warm", "status"]).output == "no warm process is running\n"


@linux
def test_a_rerun_that_can_leave_no_warm_process_says_why_unless_the_user_chose_so(tmp_path, monkeypatch, capsys):
    _warm_on(monkeypatch, _too_deep(tmp_path))
    warm.after_command(["rerun", "--corpus", "c"])
    said = capsys.readouterr().err
    assert "no warm process was left for the next rerun: the socket's path" in said
    monkeypatch.setenv(warm.SWITCH, "0")
    warm.after_command(["rerun", "--corpus", "c"])
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (600, "10 idle minutes"),
        (60, "60 idle seconds"),
        (90, "2 idle minutes"),
        (30, "30 idle seconds"),
        (1, "1 idle second"),
    ],
)
def test_how_long_a_warm_process_waits_is_said_in_words_that_fit_the_number(seconds, said):
    """KZP_WARM_IDLE=30 was said as "0 idle minutes", 60 as "1 idle minutes"."""
    assert warm.idle_phrase(seconds) == said
