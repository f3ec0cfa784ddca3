"""The warm process: the next rerun from the same folder starts with its libraries already imported.

A rerun spends about two of its seconds importing, before and around its chapters, what every
rerun imports: pandas, SciPy, Altair, IPython and Jupyter's kernel machinery, papermill, jupytext
and the library, in the command and again in each pool worker. A researcher who tries window
after window pays that on every try, though nothing of it depends on the window. So a rerun that
succeeded leaves one process behind (:func:`spawn`) that imports all of it once and then waits
(:func:`serve`). The next ``kzperception rerun`` run from the same folder, with the same
environment and the same Python, hands that process its arguments, working folder, environment
and its three standard streams (:func:`delegate`); the warm process forks a child that runs the
command there. The child writes to the caller's terminal or pipes, its exit status is the
caller's, and Ctrl-C or SIGTERM sent to the caller reach the child, which stops as any command
does (:mod:`kzperception.cli.interrupt`). The warm process has imported Sphinx and the book's
extensions too, so the run forks its Jupyter Book process from itself (:class:`ForkedProcess`)
instead of starting an interpreter that imports them while the chapters compete for the cores.

What a run may inherit, and why it is safe:

* Each run is a fork of a process that has only imported modules; it never ran a command. What a
  rerun reads (the corpus, the published tables, the register) it reads itself, as a new process
  would, so nothing passes from one rerun to the next.
* Modules that read files when imported (the default vocabulary reads ``data/partners.yaml``) and
  the modules' own files are recorded when the warm process imports them, and checked before every
  run (:func:`changed_file`): an edited vocabulary file, library module or upgraded package makes
  the warm process say which file changed and exit, and the caller runs the command itself.
* It serves one user only: its socket lies in a folder only that user can open (mode 0700, owned
  by them; :func:`runtime_dir`), and it answers only a caller with the same user id (the socket's
  peer credentials). It serves only :data:`WARM_COMMANDS`, from the folder, environment and Python
  it was started with (all part of its socket's name, :func:`socket_path`).
* It leaves after :data:`IDLE_SECONDS` without a run, and ``kzperception warm stop`` ends it now.
  ``KZP_WARM=0`` starts none and uses none. Linux only (peer credentials, passing open files over a
  socket); elsewhere every command runs in its own process as before.

A caller that has not yet had an answer when :data:`READY_TIMEOUT` runs out (a warm process still
importing on a very busy machine) runs the command itself; the warm process then never starts it,
because it forks a run only on the caller's second message, sent once the caller is committed.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import importlib
import json
import os
import selectors
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kzperception.cli import WARM_COMMANDS  # the package, imported before any of its modules

__all__ = [
    "IDLE_SECONDS",
    "WARM_COMMANDS",
    "changed_file",
    "delegate",
    "enabled",
    "reused_line",
    "runtime_dir",
    "serve",
    "socket_path",
    "spawn",
    "status",
    "stop",
    "unavailable",
]


#: ``KZP_WARM=0``: start no warm process and use none.
SWITCH = "KZP_WARM"
#: Where the sockets are, in place of ``$XDG_RUNTIME_DIR/kzperception`` (tests give their own folder).
DIR_VARIABLE = "KZP_WARM_DIR"
#: Seconds without a run after which a warm process leaves (``KZP_WARM_IDLE`` overrides; tests).
IDLE_SECONDS = 600.0
IDLE_VARIABLE = "KZP_WARM_IDLE"
#: In a run's environment: ``"<pid> <epoch seconds>"`` of the warm process that forked it.
CHILD_VARIABLE = "KZP_WARM_CHILD"
#: Variables a shell changes from one command to the next, or a command sets for its children;
#: they do not make two environments different for a warm process (the run still gets the caller's).
VOLATILE = frozenset({"PWD", "OLDPWD", "_", "SHLVL", "COLUMNS", "LINES", CHILD_VARIABLE, "KZPERCEPTION_COMMAND_PID"})
#: Seconds a caller waits for a warm process's answer (it may still be importing) before running itself.
READY_TIMEOUT = 20.0
PROTOCOL = 1
#: The longest message either side accepts (a request carries the caller's environment).
MESSAGE_LIMIT = 4 << 20
#: What a rerun imports, in the command and in its pool workers: imported once by the warm process.
WARM_MODULES = (
    "kzperception.cli",
    "kzperception.cli.progress",
    "kzperception.book.rerun",
    "kzperception.book.execute",
    "kzperception.book.front",
    "kzperception.book.sphinx_published",
    "kzperception.book.bundle",
    "kzperception.book.jupyterbook",
    "kzperception.data.corpus",
    "kzperception.data.counts",
    "kzperception.readings.registry",
    "nbformat",
    "papermill",
    "jupytext",
    "nbclient",
    "psutil",
    "rich.console",
    "rich.progress",
)


def _disabled_because() -> str | None:
    if CHILD_VARIABLE in os.environ:
        return "this command runs inside a warm process"
    if os.environ.get(SWITCH, "1") == "0":
        return f"{SWITCH}=0 is set"
    if not (sys.platform.startswith("linux") and hasattr(socket, "send_fds")):
        return "warm processes need Linux (peer credentials and open files passed over a socket)"
    return None


def enabled() -> bool:
    """Whether this process may use or start a warm process: on Linux, unless ``KZP_WARM=0``, and
    never from inside a run a warm process forked (which would hand the command to itself)."""
    return _disabled_because() is None


def _chosen_dir() -> Path:
    given = os.environ.get(DIR_VARIABLE)
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if given:
        return Path(given)
    if runtime:
        return Path(runtime) / "kzperception"
    return Path(tempfile.gettempdir()) / f"kzperception-{os.getuid()}"


def runtime_dir() -> Path | None:
    """The folder of this user's warm processes, made if missing; None when it is not private.

    ``$KZP_WARM_DIR``, else ``$XDG_RUNTIME_DIR/kzperception``, else ``kzperception-<uid>`` in the
    system's temporary folder. A folder another user owns, or that others may enter, is not used:
    whoever can place a socket there could receive a command's arguments and streams.
    """
    folder = _chosen_dir()
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        found = folder.lstat()
    except OSError:
        return None
    private = stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid() and not found.st_mode & 0o077
    return folder if private else None


def _same_env(env: Mapping[str, str]) -> dict[str, str]:
    return {k: env[k] for k in sorted(env) if k not in VOLATILE}


def socket_path(folder: Path, cwd: str, env: Mapping[str, str]) -> Path:
    """The socket of the warm process for this folder, environment and Python (the name hashes all three)."""
    identity = {
        "executable": sys.executable,
        "package": str(Path(__file__).resolve().parents[1]),
        "cwd": cwd,
        "env": _same_env(env),
    }
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]
    return folder / f"rerun-{digest}.sock"


#: The longest socket path Linux takes: ``sun_path`` holds 108 bytes, the last a NUL.
SOCKET_PATH_LIMIT = 107


def _socket_or_reason() -> tuple[Path | None, str | None]:
    """This process's warm-process socket, or why reruns from here neither start nor use one."""
    disabled = _disabled_because()
    if disabled is not None:
        return None, disabled
    folder = runtime_dir()
    if folder is None:
        return None, (
            f"the folder for warm processes, {_chosen_dir()}, is not yours alone (it must be owned by you "
            f"with mode 0700) or cannot be made; set {DIR_VARIABLE} to a private folder"
        )
    try:
        cwd = os.getcwd()
    except OSError:
        return None, "this command's working folder is gone"
    path = socket_path(folder, cwd, os.environ)
    size = len(os.fsencode(path))
    if size > SOCKET_PATH_LIMIT:
        return None, (
            f"the socket's path, {path}, is {size} bytes, longer than the {SOCKET_PATH_LIMIT} a Unix "
            f"socket takes; set {DIR_VARIABLE} to a shorter folder"
        )
    return path, None


def _own_socket() -> Path | None:
    """This process's warm-process socket (for its folder and environment), or None where none may be used."""
    return _socket_or_reason()[0]


def unavailable() -> str | None:
    """Why a rerun from this folder and environment would start and use no warm process; None when it would.

    ``kzperception warm status`` says it, so a folder that silently never gets a warm process (one
    another user can enter, a socket path too long for Linux) is explained rather than guessed at.
    """
    return _socket_or_reason()[1]


# -- messages: one JSON object per line; the first byte of a request may carry open files ---------


def _send(conn: socket.socket, message: Mapping[str, Any]) -> None:
    conn.sendall((json.dumps(message) + "\n").encode())


def _receive(conn: socket.socket, pending: bytearray) -> dict[str, Any]:
    """The next message on ``conn``; raises ``EOFError`` when it closes first, ``ValueError`` on garbage."""
    while b"\n" not in pending:
        if len(pending) > MESSAGE_LIMIT:
            raise ValueError("message too long")
        chunk = conn.recv(65536)
        if not chunk:
            raise EOFError("closed")
        pending += chunk
    line, _, rest = bytes(pending).partition(b"\n")
    pending[:] = rest
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError("not an object")
    return message


def _connect(path: Path, timeout: float) -> socket.socket | None:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(timeout)
    try:
        conn.connect(str(path))
    except OSError:
        conn.close()
        return None
    return conn


# -- the caller -------------------------------------------------------------------------------------


def delegate(argv: Sequence[str]) -> int | None:
    """Run this command in a warm process's fresh child and return its exit status; None when there
    is no warm process to use (not a :data:`WARM_COMMANDS` command, none running, another
    environment, out of date, or no answer in time): the caller then runs the command itself."""
    if not argv or argv[0] not in WARM_COMMANDS:
        return None
    path = _own_socket()
    if path is None or not path.exists():
        return None
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)
    except OSError:  # a closed standard stream cannot be handed on
        return None
    conn = _connect(path, READY_TIMEOUT)
    if conn is None:
        return None
    with conn:
        pending = bytearray()
        request = {"protocol": PROTOCOL, "kind": "run", "argv": list(sys.argv), "cwd": os.getcwd()}
        request["env"] = dict(os.environ)
        try:
            _send(conn, request)
            answer = _receive(conn, pending)
        except (OSError, EOFError, ValueError):
            return None
        if "refused" in answer:
            if answer.get("stale"):
                _note(f"the warm process was out of date ({answer['refused']}); running this rerun afresh")
            return None
        try:
            # Committed: from here the command runs there or not at all. The streams go with this
            # message only: sent earlier, they would stay open in the socket for as long as a warm
            # process still importing had not read them, past this caller's end (a pipe never closing).
            socket.send_fds(conn, [(json.dumps({"go": True}) + "\n").encode()], [0, 1, 2])
            conn.settimeout(None)
            started = _receive(conn, pending)
        except (OSError, EOFError, ValueError):
            return _lost(None)
        if "pid" not in started:  # the fork failed: nothing ran
            return None
        return _wait_for(conn, pending, int(started["pid"]))


def _wait_for(conn: socket.socket, pending: bytearray, pid: int) -> int:
    """Pass Ctrl-C, SIGTERM and SIGHUP on to the run ``pid`` and return its exit status."""

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(OSError):
            os.kill(pid, signum)

    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {s: signal.signal(s, forward) for s in handled}
    try:
        done = _receive(conn, pending)
    except (OSError, EOFError, ValueError):
        return _lost(pid)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return int(done["exit"]) if isinstance(done.get("exit"), int) else _lost(pid)


def _lost(pid: int | None) -> int:
    if pid is not None:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    from kzperception.cli.common import error

    error("the warm process ended before the rerun did; run it again (KZP_WARM=0 runs it in this process)")
    return 1


def _note(message: str) -> None:
    from kzperception.cli.common import note

    note(message)


def spawn() -> bool:
    """Start a warm process for this folder and environment unless one is there; True when one was started.

    It is detached (its own session, no terminal, its output in a log beside its socket) and
    inherits neither the command's owner variable nor its streams, so stopping this command or
    closing its terminal does not stop it.
    """
    path = _own_socket()
    if path is None or _alive(path):
        return False
    env = {k: v for k, v in os.environ.items() if k not in (CHILD_VARIABLE, "KZPERCEPTION_COMMAND_PID")}
    log = os.open(path.with_suffix(".log"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        subprocess.Popen(
            [sys.executable, "-c", "from kzperception.cli.warm import serve_main; serve_main()", str(path)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            close_fds=True,
        )
    except OSError:
        return False
    finally:
        os.close(log)
    return True


def _alive(path: Path) -> bool:
    conn = _connect(path, 1.0)
    if conn is None:
        return False
    conn.close()
    return True


def reused_line() -> str | None:
    """What a run in a warm process says it reused; None in a process the caller started itself."""
    found = os.environ.get(CHILD_VARIABLE, "").split()
    if len(found) != 2 or not found[0].isdigit():
        return None
    try:
        age = max(0.0, time.time() - float(found[1]))
    except ValueError:
        return None
    since = f"{age:.0f} s" if age < 90 else f"{age / 60:.0f} min"
    return (
        f"reused: the warm process {found[0]} (up {since}): Python, pandas, SciPy, Altair, Jupyter, Sphinx "
        "and the library were imported before this rerun began; the corpus and window were read afresh"
    )


#: Said once, after the rerun that started a warm process.
STARTED_LINE = (
    "a warm process now keeps the libraries imported for the next rerun from this folder "
    "(it leaves after {idle}; `kzperception warm stop` ends it, KZP_WARM=0 starts none)"
)


def idle_phrase(seconds: float) -> str:
    """``10 idle minutes``, ``1 idle minute``, ``45 idle seconds``: how long a warm process waits, in words
    (``KZP_WARM_IDLE`` may be any number of seconds; a minute count would say 0 for 30 s)."""
    count, unit = (round(seconds / 60), "minute") if seconds >= 90 else (round(seconds), "second")
    return f"{count} idle {unit}{'' if count == 1 else 's'}"


def idle_seconds() -> float:
    try:
        return max(1.0, float(os.environ.get(IDLE_VARIABLE, IDLE_SECONDS)))
    except ValueError:
        return IDLE_SECONDS


def after_command(argv: Sequence[str]) -> None:
    """After a :data:`WARM_COMMANDS` command succeeded in its own process: start a warm process and say so."""
    if not argv or argv[0] not in WARM_COMMANDS or any(a in ("--help", "-h") for a in argv):
        return
    if spawn():
        _note(STARTED_LINE.format(idle=idle_phrase(idle_seconds())))
        return
    reason = unavailable()
    if reason is not None and enabled():  # KZP_WARM=0 is the user's choice and needs no comment
        _note(f"no warm process was left for the next rerun: {reason}")


# -- status and stop ---------------------------------------------------------------------------------


def _ask(path: Path, kind: str) -> dict[str, Any] | None:
    conn = _connect(path, 5.0)
    if conn is None:
        return None
    with conn:
        try:
            _send(conn, {"protocol": PROTOCOL, "kind": kind})
            return _receive(conn, bytearray())
        except (OSError, EOFError, ValueError):
            return None


def status() -> list[dict[str, Any]]:
    """Every warm process of this user that answers: pid, folder, seconds up and idle, runs served, running."""
    folder = runtime_dir() if sys.platform.startswith("linux") else None
    found = []
    for path in sorted(folder.glob("rerun-*.sock")) if folder is not None else []:
        answer = _ask(path, "status")
        if answer is not None:
            found.append(answer | {"socket": str(path)})
    return found


def stop() -> list[int]:
    """Ask every warm process of this user to leave (each finishes the runs it has); their pids."""
    folder = runtime_dir() if sys.platform.startswith("linux") else None
    stopped = []
    for path in sorted(folder.glob("rerun-*.sock")) if folder is not None else []:
        answer = _ask(path, "stop")
        if answer is not None and isinstance(answer.get("pid"), int):
            stopped.append(answer["pid"])
    return stopped


# -- the warm process --------------------------------------------------------------------------------


def _stat(path: str) -> tuple[int, int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_mtime_ns, found.st_size, found.st_ino)


def snapshot(paths: set[str]) -> dict[str, tuple[int, int, int] | None]:
    """The modification time, size and inode of each file (None for one that is missing)."""
    return {p: _stat(p) for p in sorted(paths)}


def changed_file(taken: Mapping[str, tuple[int, int, int] | None]) -> str | None:
    """The first file of ``taken`` (a :func:`snapshot`) that changed, appeared or went since; None when none did."""
    for path, before in taken.items():
        if _stat(path) != before:
            return path
    return None


@dataclass
class _Run:
    conn: socket.socket
    pid: int


@dataclass
class _Server:
    path: Path
    listener: socket.socket
    env: dict[str, str]
    cwd: str
    started: float
    #: The lock that keeps a second warm process off this socket: closed in every run, so that what a
    #: run leaves behind (an orphaned kernel) never holds it for a warm process started later.
    lock: int
    files: dict[str, tuple[int, int, int] | None] = field(default_factory=dict)
    runs: dict[int, _Run] = field(default_factory=dict)
    served: int = 0
    last: float = field(default_factory=time.monotonic)
    leaving: bool = False


def _imported_files(read: set[str]) -> set[str]:
    """The files the imports loaded (each module's own file) and those they opened."""
    files = set(read)
    for module in list(sys.modules.values()):
        where = getattr(module, "__file__", None)
        if isinstance(where, str) and os.path.isabs(where):
            files.add(where)
    return files


def serve_main() -> None:
    """``python -c 'from kzperception.cli.warm import serve_main; serve_main()' SOCKET`` (see :func:`spawn`)."""
    serve(Path(sys.argv[1]))


def serve(path: Path) -> None:
    """Be the warm process at ``path``: import :data:`WARM_MODULES`, then fork a child per run until idle.

    A second process started for the same socket finds the lock held and leaves at once.
    """
    lock = os.open(path.with_suffix(".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    os.chmod(path, 0o600)
    bound = os.stat(path).st_ino
    listener.listen(16)  # a caller may connect now; it is answered once the imports are done
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    server = _Server(path, listener, dict(os.environ), os.getcwd(), time.time(), lock)
    server.files = snapshot(_imported_files(_warm_up()))
    signal.signal(signal.SIGTERM, lambda *_: setattr(server, "leaving", True))
    try:
        _loop(server)
    finally:
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == bound:  # still ours, not a newer warm process's
                path.unlink()
        listener.close()
        os.close(lock)


def _warm_up() -> set[str]:
    """Import :data:`WARM_MODULES` and the pool workers' preloads; the files those imports opened."""
    read: set[str] = set()
    recording = True

    def note(event: str, args: tuple[Any, ...]) -> None:
        reading = recording and event == "open" and args and isinstance(args[0], str)
        if reading and not any(m in str(args[1] or "r") for m in "wax+"):
            read.add(os.path.abspath(args[0]))

    sys.addaudithook(note)
    from kzperception.book import warm_jupyter_book, warm_kernel

    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # as a pool worker sets it (warm_kernel.preload)
    for name in (*WARM_MODULES, *warm_kernel.PRELOADED, *warm_jupyter_book.PRELOADED):
        try:
            importlib.import_module(name)
        except Exception as err:  # a run imports it itself and reports the problem there
            print(f"warm process: importing {name} failed: {err}", file=sys.stderr, flush=True)
    recording = False
    return read


def _loop(server: _Server) -> None:
    selector = selectors.DefaultSelector()
    selector.register(server.listener, selectors.EVENT_READ, None)
    idle = idle_seconds()
    while True:
        for key, _ in selector.select(timeout=0.25):
            if key.data is None:
                _accept(server, selector)
            else:  # a caller whose run is going: it closed (killed), so the run is stopped
                run: _Run = key.data
                if not _still_open(run.conn):
                    selector.unregister(run.conn)
                    with contextlib.suppress(OSError):
                        os.kill(run.pid, signal.SIGTERM)
        _reap(server, selector)
        if server.runs:
            server.last = time.monotonic()
        elif server.leaving or time.monotonic() - server.last > idle:
            return


def _still_open(conn: socket.socket) -> bool:
    """Whether a caller is still connected (what it sends meanwhile is read and dropped)."""
    try:
        return bool(conn.recv(4096, socket.MSG_DONTWAIT))
    except BlockingIOError:
        return True
    except OSError:
        return False


def _reap(server: _Server, selector: selectors.BaseSelector) -> None:
    while server.runs:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        run = server.runs.pop(pid, None)
        if run is None:
            continue
        code = os.waitstatus_to_exitcode(status)
        with contextlib.suppress(KeyError, ValueError):
            selector.unregister(run.conn)
        with contextlib.suppress(OSError), run.conn:
            _send(run.conn, {"exit": code if code >= 0 else 128 - code})


def _peer_uid(conn: socket.socket) -> int | None:
    try:
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    except OSError:
        return None
    return int(struct.unpack("3i", creds)[1])


def _accept(server: _Server, selector: selectors.BaseSelector) -> None:
    try:
        conn, _ = server.listener.accept()
    except OSError:
        return
    fds: list[int] = []
    keep = False
    try:
        conn.settimeout(5.0)
        if _peer_uid(conn) != os.getuid():
            return
        pending = bytearray()
        request = _receive(conn, pending)
        keep = _answer(server, selector, conn, pending, request, fds)
    except (OSError, EOFError, ValueError):
        return
    finally:
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        if not keep:
            conn.close()


def _receive_go(conn: socket.socket, pending: bytearray, fds: list[int]) -> bool:
    """Whether the caller committed: its "go" arrived, with its three streams (put into ``fds``)."""
    data, received, _, _ = socket.recv_fds(conn, 65536, 3)
    fds.extend(received)
    if not data:
        return False
    pending += data
    return _receive(conn, pending).get("go") is True and len(fds) == 3


def _refusal(server: _Server, request: Mapping[str, Any]) -> tuple[str, bool] | None:
    """Why ``request`` is not run here (and whether this process is out of date), or None to run it."""
    if server.leaving:
        return "it is leaving", False
    if request.get("protocol") != PROTOCOL:
        return "another version of the exchange", False
    if not isinstance(request.get("argv"), list) or len(request["argv"]) < 2:
        return "not a command", False
    if request["argv"][1] not in WARM_COMMANDS:
        return "not a command it runs", False
    env, cwd = request.get("env"), request.get("cwd")
    if not isinstance(env, dict) or _same_env(env) != _same_env(server.env) or cwd != server.cwd:
        return "another folder or environment", False
    changed = changed_file(server.files)
    if changed is not None:
        return f"{changed} changed since it started", True
    from kzperception import paths

    if paths.find_root()[0] != paths.ROOT:  # a project made or removed around the folder since
        return "the project folder it serves changed", True
    return None


def _answer(
    server: _Server,
    selector: selectors.BaseSelector,
    conn: socket.socket,
    pending: bytearray,
    request: Mapping[str, Any],
    fds: list[int],
) -> bool:
    """Answer one request; True when ``conn`` now belongs to a run (kept open until it ends).

    A run's three streams arrive with the caller's second message, into ``fds`` (the caller of
    this function closes them: the run has its own copies)."""
    kind = request.get("kind")
    if kind in ("status", "stop"):
        now = time.time()
        if kind == "stop":
            server.leaving = True
        _send(
            conn,
            {
                "pid": os.getpid(),
                "cwd": server.cwd,
                "up": round(now - server.started, 1),
                "idle": round(time.monotonic() - server.last, 1),
                "served": server.served,
                "running": len(server.runs),
            },
        )
        return False
    refused = _refusal(server, request)
    if refused is not None:
        reason, stale = refused
        _send(conn, {"refused": reason, "stale": stale})
        server.leaving = server.leaving or stale
        return False
    _send(conn, {"ready": True})
    if not _receive_go(conn, pending, fds):
        return False
    server.last = time.monotonic()
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError:
        _send(conn, {"failed": "fork"})
        return False
    if pid == 0:
        _child(server, selector, conn, request, fds)  # never returns
    server.served += 1
    server.runs[pid] = _Run(conn, pid)
    _send(conn, {"pid": pid})
    conn.setblocking(False)
    selector.register(conn, selectors.EVENT_READ, server.runs[pid])
    return True


def _child(
    server: _Server,
    selector: selectors.BaseSelector,
    conn: socket.socket,
    request: Mapping[str, Any],
    fds: Sequence[int],
) -> None:
    """In the forked child: become the caller's command (its streams, folder, environment, arguments); never returns."""
    code = 70
    try:
        os.setpgid(0, 0)  # its own group: stopping its children never reaches the warm process
        for signum, handler in (
            (signal.SIGINT, signal.default_int_handler),
            (signal.SIGTERM, signal.SIG_DFL),
            (signal.SIGCHLD, signal.SIG_DFL),
            (signal.SIGHUP, signal.SIG_DFL),
        ):
            signal.signal(signum, handler)
        for open_run in server.runs.values():
            open_run.conn.close()
        selector.close()
        server.listener.close()
        os.close(server.lock)
        conn.close()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        for fd in fds:
            os.close(fd)
        os.chdir(str(request["cwd"]))
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in request["env"].items()})
        os.environ[CHILD_VARIABLE] = f"{os.getppid()} {server.started:.0f}"
        sys.argv = [str(a) for a in request["argv"]]
        _fresh_streams()
        _prepare_jupyter_book()
        code = _run_command(lambda: importlib.import_module("kzperception.cli").main())
    except BaseException:  # in a forked child nothing may unwind into the warm process's loop
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


def _prepare_jupyter_book() -> None:
    """Fork the run's Jupyter Book process now, from a process that has imported Sphinx already.

    A rerun otherwise starts a new interpreter for it that imports Sphinx and the book's
    extensions while the chapters execute, competing with them for the cores. It is forked here,
    before the command starts any thread (its progress display), and waits for its arguments as
    the process :func:`kzperception.book.jupyterbook.prepare` starts would; a command that ends
    without building closes its input, and it leaves.
    """
    if "sphinx.application" not in sys.modules:  # the warm process could not import it: prepared as usual
        return
    from kzperception.book import jupyterbook, warm_jupyter_book

    jupyterbook.adopt(ForkedProcess.start(functools.partial(warm_jupyter_book.main, os.getpid())))


class ForkedProcess:
    """A fork of this process running a function with pipes for its standard streams: the part of
    ``subprocess.Popen`` a prepared Jupyter Book process is used through
    (:class:`kzperception.book.jupyterbook.PreparedProcess`)."""

    def __init__(self, pid: int, stdin: int, stdout: int, stderr: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._stdin: int | None = stdin
        self._outputs = (stdout, stderr)

    @classmethod
    def start(cls, target: Callable[[], object]) -> ForkedProcess:
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 70
            try:
                for fd, target_fd in ((in_r, 0), (out_w, 1), (err_w, 2)):
                    os.dup2(fd, target_fd)
                for fd in (in_r, in_w, out_r, out_w, err_r, err_w):
                    os.close(fd)
                _fresh_streams()
                code = _run_command(target)
            finally:
                os._exit(code)
        for fd in (in_r, out_w, err_w):
            os.close(fd)
        return cls(pid, in_w, out_r, err_r)

    def poll(self) -> int | None:
        if self.returncode is None:
            with contextlib.suppress(ChildProcessError):
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def kill(self) -> None:
        if self.poll() is None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)

    def communicate(self, input: str | None = None) -> tuple[str, str]:
        """Write ``input``, close the input, read both outputs to their end and wait; (stdout, stderr)."""
        if self._stdin is not None:
            with contextlib.suppress(OSError):
                if input:
                    os.write(self._stdin, input.encode())
            os.close(self._stdin)
            self._stdin = None
        read: dict[int, bytearray] = {fd: bytearray() for fd in self._outputs}
        with selectors.DefaultSelector() as selector:
            for fd in self._outputs:
                selector.register(fd, selectors.EVENT_READ)
            while selector.get_map():
                for key, _ in selector.select():
                    chunk = os.read(key.fd, 65536)
                    if chunk:
                        read[key.fd] += chunk
                    else:
                        selector.unregister(key.fd)
                        os.close(key.fd)
        if self.returncode is None:
            with contextlib.suppress(ChildProcessError):
                self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        out, err = (bytes(read[fd]).decode("utf-8", "replace") for fd in self._outputs)
        return out, err


def _fresh_streams() -> None:
    """``sys.stdin``, ``stdout`` and ``stderr`` anew on descriptors 0 to 2, buffered as Python buffers them."""
    import io

    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        old = getattr(sys, name)
        tty = os.isatty(fd)
        raw = open(fd, "rb" if fd == 0 else "wb", buffering=-1, closefd=False)  # noqa: SIM115
        stream = io.TextIOWrapper(
            raw,
            encoding=getattr(old, "encoding", None) or "utf-8",
            errors=getattr(old, "errors", None) or "strict",
            line_buffering=fd == 2 or (fd == 1 and tty),
        )
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def _run_command(command: Callable[[], object]) -> int:
    """Run ``command`` as the interpreter runs a script: its ``SystemExit`` status, ``atexit`` at the end.

    The exit handlers matter: Jupyter Book's sitemap extension starts a multiprocessing manager,
    which multiprocessing's handler stops; without it the manager outlives the build, holding
    its output pipes open. A fork runs the handlers it inherited too, so every fork here is made
    before the process it comes from has started anything of its own (a pool, a manager).
    """
    import atexit

    code = 0
    try:
        command()
    except SystemExit as stop:
        if stop.code is None:
            code = 0
        elif isinstance(stop.code, int):
            code = stop.code
        else:
            print(stop.code, file=sys.stderr)
            code = 1
    except BaseException:  # printed as the interpreter prints an uncaught exception
        import traceback

        traceback.print_exc()
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    return code
