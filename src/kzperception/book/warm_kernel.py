"""Chapter kernels forked from a warm interpreter: the heavy libraries imported once per worker, not per chapter.

A chapter's fixed cost was a new Python process per kernel importing pandas, NumPy, SciPy's
statistics, Altair, IPython and ipykernel before the chapter's first line ran: seconds of CPU per
chapter, most of a small chapter's time. Here each pool worker imports those third-party libraries
once (:func:`preload`, the pool's initializer), and every chapter's kernel is a ``fork`` of that
worker (:class:`ForkedKernelManager`, handed to papermill as nbclient's kernel manager class).

Each chapter still starts from a fresh state: the kernel is a new process, forked from a process
that has imported libraries but run no chapter code, and it is killed when its chapter ends. What
one chapter defines, or changes in a library module, dies with its kernel. The library's own
modules (``kzperception``) are preloaded too, but not into the worker, which has run the executor
and holds its state: on its first kernel the worker forks a :class:`Zygote` that drops them,
imports :data:`LIBRARY` afresh and forks every later kernel of that worker. The files those imports
read are handed to the chapter's record (:mod:`kzperception.book.chapter_deps`), so the cache stays
exact. Where the zygote cannot start (``KZP_ZYGOTE=0``), the worker forks the kernel itself and the
kernel imports the library on its own. The random generators are reseeded in each kernel, as a
new process would seed them.

Papermill, its parameters cell and the executed notebook are unchanged: the kernel is the same
ipykernel, started from the same arguments; only the process that runs it comes from ``fork``
instead of ``exec``. Where ``fork`` is missing (not POSIX) or ``KZP_FORK_KERNELS=0`` is set, the
executor starts kernels as papermill always did (:func:`enabled`).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import signal
import sys
from collections.abc import Iterator
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import DottedObjectName, Type

from kzperception.children import die_with_parent, process_alive

__all__ = [
    "LIBRARY",
    "PRELOADED",
    "PRELOADED_READS",
    "ForkedKernelManager",
    "ReadyClient",
    "Zygote",
    "enabled",
    "expect_chapter",
    "is_warm",
    "kernel_sockets",
    "preload",
    "sweep_socket_folders",
]

#: Third-party modules every chapter imports, directly or through the library: imported once per
#: worker. The library's own modules stay out (see the module's docstring).
PRELOADED = (
    "numpy",
    "pandas",
    "pyarrow",
    "pyarrow.compute",
    "scipy.stats",
    "statsmodels.stats.contingency_tables",
    "statsmodels.stats.multitest",
    "pydantic",
    "altair",
    "yaml",
    "IPython",
    "IPython.display",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    # What each kernel imported on its own before: ipykernel's debugger (debugpy, about a tenth of a
    # second per kernel, imported as the kernel starts), pandas' Styler (its templates compiled on
    # import; every table is one) and what the first glue and the first frame from Arrow import.
    "ipykernel.debugger",
    "pandas.io.formats.style",
    "pyarrow.pandas_compat",
    "myst_nb",
    "myst_nb.ext.glue",
)


_warm = False


def enabled() -> bool:
    """Whether chapter kernels are forked: on POSIX, unless ``KZP_FORK_KERNELS=0``."""
    return hasattr(os, "fork") and os.environ.get("KZP_FORK_KERNELS", "1") != "0"


def is_warm() -> bool:
    """Whether this process preloaded the libraries (a pool worker): only such a process forks kernels.

    The command's own process (which executes the front page) runs threads, a progress display
    among them, and is never forked.
    """
    return _warm


def preload() -> None:
    """Import :data:`PRELOADED` into this process (a pool worker), so forked kernels start warm."""
    global _warm
    _warm = True
    # debugpy checks on import whether the interpreter runs frozen modules and prints a warning to
    # the process's stderr: in a kernel the kernel's streams took it, in the worker it would reach
    # the command's output. No chapter kernel is debugged; the check is switched off, not hidden.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    for name in PRELOADED:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional library missing: the kernel imports what it needs itself
            continue


#: The library's modules chapters import, imported once per worker into its zygote (see :class:`Zygote`).
#: ``kzperception.book.charts`` stays out: importing it enables the library's Altair theme, a change to a
#: third-party module that a chapter which never imports the charts must not inherit.
LIBRARY = (
    "kzperception.analysis.audit",
    "kzperception.analysis.measures",
    "kzperception.analysis.sensitivity",
    "kzperception.analysis.slots",
    "kzperception.analysis.stats",
    "kzperception.book.chapter",
    "kzperception.book.display",
    "kzperception.book.exhibits",
    "kzperception.book.readings_glue",
    "kzperception.book.views",
    "kzperception.readings.compute",
    "kzperception.readings.registry",
)

#: The environment variable a zygote's kernels find the files its imports read in (a JSON list), for
#: the chapter's record of what it read (:mod:`kzperception.book.chapter_deps`).
PRELOADED_READS = "KZP_PRELOADED_READS"


def _drop_library() -> None:
    """Forget every ``kzperception`` module this process imported, and the Altair theme its charts set."""
    for name in [n for n in sys.modules if n == "kzperception" or n.startswith("kzperception.")]:
        del sys.modules[name]
    # Importing the library's charts enables its Altair theme, a change to a third-party module the
    # dropped modules leave behind: a chart in a chapter that never imports them would carry the
    # theme only when forked. A new process starts on Altair's default theme; so does the kernel.
    if "altair" in sys.modules:
        sys.modules["altair"].theme.enable("default")


class Zygote:
    """A child of the pool worker that has imported the library afresh and forks the worker's kernels.

    A kernel forked from the worker itself cannot keep the library the worker imported: the
    worker has run the executor, so those modules hold its state (caches among them). So the worker
    forks, once, a process that drops them, imports :data:`LIBRARY` from a clean slate (with the
    kernel's working folder, from which the library finds its project), records every file those
    imports read, and then only forks kernels on request. Each kernel is a fork of that untouched
    process: the library is already imported, its state is what a fresh import leaves, and what a
    chapter changes dies with its kernel. The files read at import reach the chapter's record of
    what it depends on through :data:`PRELOADED_READS`, and every preloaded module is listed there
    as imported, so the cache stays exact (conservatively: a change to any preloaded module
    re-executes the chapter).

    The zygote ignores ``SIGCHLD``, so its kernels are reaped as they end; the worker watches a
    kernel by its pid. It exits when the worker closes the request pipe (the worker ended), and
    then its kernels, whose parent is gone, exit too (ipykernel's parent poller).
    """

    def __init__(self, pid: int, requests: Any, replies: Any, cwd: str) -> None:
        self.pid, self.cwd = pid, cwd
        self._requests, self._replies = requests, replies

    @classmethod
    def start(cls, cwd: str, chapter: dict[str, str] | None = None) -> Zygote | None:
        """Fork the zygote for kernels run in ``cwd``; None when it did not start (the worker forks them then).

        ``chapter``: the parameters of the chapter it is started for; the zygote loads that chapter's
        corpus and counts after the library (see :func:`expect_chapter`).
        """
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            os.close(req_w)
            os.close(rep_r)
            _zygote_main(req_r, rep_w, cwd, chapter)  # never returns
        os.close(req_r)
        os.close(rep_w)
        zygote = cls(pid, os.fdopen(req_w, "w", buffering=1), os.fdopen(rep_r, "r"), cwd)
        if zygote._read() != "ready":
            zygote.close()
            return None
        return zygote

    def _read(self) -> str:
        try:
            return self._replies.readline().strip()
        except OSError:
            return ""

    def fork_kernel(self, connection_file: str, arguments: list[str]) -> int | None:
        """The pid of a new kernel on ``connection_file``, forked by the zygote; None if the zygote is gone."""
        import json

        try:
            self._requests.write(json.dumps({"connection_file": connection_file, "arguments": arguments}) + "\n")
        except OSError:
            return None
        answer = self._read()
        return int(answer) if answer.isdigit() else None

    def close(self) -> None:
        for handle in (self._requests, self._replies):
            with contextlib.suppress(OSError):
                handle.close()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _zygote_main(requests_fd: int, replies_fd: int, cwd: str, chapter: dict[str, str] | None = None) -> None:
    """The zygote's life (see :class:`Zygote`); never returns."""
    import json

    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # as its worker: the command stops everything
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped by the system as they end
        os.chdir(cwd)
        _drop_library()
        read: set[str] = set()
        recording = True

        def note(event: str, args: tuple[Any, ...]) -> None:
            reading = event == "open" and args and isinstance(args[0], str)
            if recording and reading and not any(m in str(args[1] or "r") for m in "wax+"):
                read.add(os.path.abspath(args[0]))

        sys.addaudithook(note)
        for name in LIBRARY:
            try:
                importlib.import_module(name)
            except ImportError:
                continue
        if chapter is not None:
            _prepare_chapter(chapter, read)
        recording = False
        os.environ[PRELOADED_READS] = json.dumps(sorted(read))
        requests = os.fdopen(requests_fd, "r")
        replies = os.fdopen(replies_fd, "w", buffering=1)
        replies.write("ready\n")
        for line in requests:
            request = json.loads(line)
            sys.stdout.flush()
            sys.stderr.flush()
            me = os.getpid()
            pid = os.fork()
            if pid == 0:
                requests.close()
                replies.close()
                _run_kernel(request["connection_file"], request["arguments"], cwd, me, library=True)
            replies.write(f"{pid}\n")
        code = 0
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


#: The parameters of a chapter :func:`kzperception.book.chapter.open_chapter` takes from its cells.
CHAPTER_PARAMETERS = ("source", "start", "pivot", "end", "coder")


def _prepare_chapter(chapter: dict[str, str], read: set[str]) -> None:
    """Load what the chapter will open, keeping in ``read`` only what that read outside its corpus folder.

    The corpus goes into the loader's cache, and the counts and the published baseline are
    prepared (:func:`kzperception.book.chapter.prepare_chapter`): every kernel forked afterwards
    finds them made, so a rerun's ten chapters do not each read, validate and count the same
    corpus. The project's register is loaded too (the chapters that tell single reports quote
    it). The corpus's own files are part of every chapter's base cache key already
    (:func:`kzperception.book.execute.execution_key`); a file outside it (the published tables,
    the project's vocabulary and register) stays in the record like the library's own reads.
    What fails here is left alone: the chapter does the same work and reports the problem itself,
    with its own message.
    """
    source = chapter.get("source")
    inside = os.path.abspath(source) + os.sep if source and source != "published" else None
    before = set(read)
    try:
        from kzperception.book.chapter import prepare_chapter
        from kzperception.book.params import ChapterParams

        prepare_chapter(ChapterParams.from_cells(**{k: chapter[k] for k in CHAPTER_PARAMETERS if k in chapter}))
    except Exception:  # the chapter reports it, with the loader's own message
        pass
    try:
        from kzperception.data.register import default_register

        default_register()
    except Exception:  # as above: a chapter that quotes the register raises it itself
        pass
    if inside is not None:
        for path in read - before:
            if path.startswith(inside):
                read.discard(path)


def _run_kernel(
    connection_file: str, arguments: list[str], cwd: str | None, parent: int, library: bool = False
) -> None:
    """In the forked child: become a fresh ipykernel on ``connection_file``; never returns.

    ``parent``: the process id of the process that forked it (a :class:`Zygote` or the worker),
    with which it ends however that ends. ``library``: forked by a :class:`Zygote`, whose freshly
    imported library the kernel keeps; otherwise forked by the worker, whose library the kernel
    drops and imports afresh itself.

    ipykernel's own watch on its parent (``JPY_PARENT_PID``) does not serve a forked kernel: its
    default is read from the environment when ``ipykernel.kernelapp`` is imported, which the worker
    did before any kernel existed, so the kernel would poll no parent at all. It is given the
    parent on its command line, and where Linux has a parent-death signal it asks for that too
    (:func:`kzperception.children.die_with_parent`): killed at once, not a second later.
    """
    code = 1
    try:
        die_with_parent(parent)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # the worker ignores it; a kernel is interrupted by it
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # a chapter's subprocesses are waited for as usual
        if cwd:
            os.chdir(cwd)
        if not library:
            # The worker imported the library to run the executor; the chapter imports it afresh, where the
            # audit hook sees each module and data file it reads (the cache's record), with no state cached.
            _drop_library()
            os.environ.pop(PRELOADED_READS, None)
        import random

        random.seed()
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()
        # The worker's event loop (papermill's) belongs to the worker; the kernel gets its own.
        asyncio.set_event_loop(asyncio.new_event_loop())
        os.environ["JPY_PARENT_PID"] = str(parent)  # for what reads it from the environment
        argv = ["-f", connection_file, f"--IPKernelApp.parent_handle={parent}", *arguments]
        sys.argv = [sys.executable, *argv]
        from ipykernel.kernelapp import IPKernelApp
        from IPython.core.interactiveshell import InteractiveShell

        # A process that made an IPython shell or kernel app of its own (a test runner displaying a
        # chart, an embedding program) hands its singletons down with the fork; the kernel's own shell
        # would then be refused as a second one, and the chapter would fall back to a new process.
        for singleton in (InteractiveShell, IPKernelApp):
            singleton.clear_instance()
        app = IPKernelApp.instance()
        app.initialize(argv)
        app.start()
        code = 0
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


class ReadyClient(AsyncKernelClient):
    """The client nbclient talks to a forked kernel with: ready as soon as the kernel has answered.

    jupyter_client's own wait ends only after the IOPub channel has been silent for 0.2 s, a fixed
    pause per chapter (two seconds of a ten-chapter rerun over two workers) spent after the kernel
    is already answering. Here the kernel is ready once it has replied to ``kernel_info`` on the
    shell channel and a message has come through IOPub (so IOPub is connected, the same check
    jupyter_client makes); the status messages still queued are drained without waiting for more.
    nbclient matches every later message to its request, so a late status message is ignored there.

    Its channels connect once the kernel has bound its sockets (:meth:`start_channels`).
    """

    #: How long :meth:`start_channels` waits for a kernel's sockets before connecting all the same.
    SOCKET_WAIT = 10.0

    def start_channels(self, *args: Any, **kw: Any) -> None:
        """Connect once the forked kernel's Unix sockets exist, not before.

        A ZeroMQ socket that connects before its peer has bound tries again only after its
        reconnect interval (0.1 s): nbclient connects as soon as the kernel is forked, about 50 ms
        before the kernel binds, so the kernel saw its first request a tenth of a second late, and
        IOPub's first message later still, on every chapter. The kernel's socket files appear
        when it binds; after :data:`SOCKET_WAIT` the channels connect anyway, and a kernel that
        never started fails in :meth:`wait_for_ready` as before.
        """
        if self.transport == "ipc":
            import time

            files = [f"{self.ip}-{port}" for port in (self.shell_port, self.iopub_port, self.stdin_port, self.hb_port)]
            deadline = time.monotonic() + self.SOCKET_WAIT
            while not all(os.path.exists(f) for f in files) and time.monotonic() < deadline:
                time.sleep(0.002)
        super().start_channels(*args, **kw)

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        import time
        from queue import Empty

        deadline = time.monotonic() + (timeout if timeout is not None else float("inf"))
        while True:
            self.kernel_info()
            try:
                msg = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                pass
            else:
                if msg["msg_type"] == "kernel_info_reply":
                    try:
                        await self.iopub_channel.get_msg(timeout=0.2)
                    except Empty:  # IOPub not connected yet: ask again
                        pass
                    else:
                        self._handle_kernel_info_reply(msg)
                        break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
        while True:  # what the kernel already sent about kernel_info (its idle status), no longer
            try:
                await self.iopub_channel.get_msg(timeout=0.005)
            except Empty:
                break


class ForkedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel is a ``fork`` of this process (see the module's docstring).

    nbclient creates it from papermill's ``kernel_manager_class`` and owns it: it starts the
    kernel, talks to it over the usual ZeroMQ channels, and shuts it down when the chapter ends.
    """

    _forked: int | None = None
    client_class = DottedObjectName("kzperception.book.warm_kernel.ReadyClient")
    client_factory = Type(ReadyClient, klass="jupyter_client.asynchronous.AsyncKernelClient")

    @property
    def has_kernel(self) -> bool:
        return self._forked is not None

    @property
    def owns_kernel(self) -> bool:
        return True

    #: Whether the kernel was forked by the worker's zygote (not this process's child) or by the worker.
    _by_zygote = False

    async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
        # Unix sockets, not TCP ports: a TCP port is chosen by binding and releasing it, and another
        # worker's kernel could bind it first ("Address already in use"); a socket file is named here,
        # unique to this kernel, in a short folder (the path of a Unix socket is limited to ~100 bytes).
        self.transport = "ipc"
        self.ip = os.path.join(_socket_folder(), f"k{os.getpid()}-{id(self):x}")
        self.write_connection_file()
        arguments = [str(a) for a in kw.get("extra_arguments", [])]
        cwd = str(kw.get("cwd") or os.getcwd())
        zygote = _zygote_for(cwd)
        pid = zygote.fork_kernel(self.connection_file, arguments) if zygote is not None else None
        if pid is not None:
            self._forked, self._by_zygote = pid, True
            return
        sys.stdout.flush()
        sys.stderr.flush()
        me = os.getpid()
        pid = os.fork()
        if pid == 0:
            _run_kernel(self.connection_file, arguments, cwd, me)
        self._forked, self._by_zygote = pid, False

    def _reap(self) -> bool:
        """True while the kernel runs; collects its exit status once it has ended (when it is this process's child)."""
        if self._forked is None:
            return False
        if self._by_zygote:  # the zygote reaps it; gone once it has ended
            try:
                os.kill(self._forked, 0)
            except ProcessLookupError:
                return False
            except PermissionError:
                return True
            return _state(self._forked) not in ("Z", "X")
        try:
            done, _ = os.waitpid(self._forked, os.WNOHANG)
        except ChildProcessError:
            return False
        return done == 0

    async def _async_is_alive(self) -> bool:
        return self._reap()

    async def is_alive(self) -> bool:  # type: ignore[override]
        return self._reap()

    async def interrupt_kernel(self) -> None:  # type: ignore[override]
        if self._reap():
            os.kill(self._forked, signal.SIGINT)  # type: ignore[arg-type]

    async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:  # type: ignore[override]
        """Kill the kernel: its chapter is complete (or failed), and nothing in it is kept."""
        if self._forked is not None and self._reap():
            try:
                os.kill(self._forked, signal.SIGKILL)
                if self._by_zygote:
                    await _gone(self._forked)
                else:
                    os.waitpid(self._forked, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        self._forked = None
        self.cleanup_connection_file()
        self.cleanup_ipc_files()

    async def cleanup_resources(self, restart: bool = False) -> None:  # type: ignore[override]
        self.cleanup_connection_file()
        self.cleanup_ipc_files()

    async def restart_kernel(self, now: bool = False, newports: bool = False, **kw: Any) -> None:  # type: ignore[override]
        raise RuntimeError("a chapter's forked kernel is never restarted: the chapter fails instead")


_zygote: Zygote | None = None
_zygote_failed = False
_sockets: str | None = None

#: The environment variable naming the folder the command made for its kernels' sockets (:func:`kernel_sockets`).
SOCKETS = "KZP_KERNEL_SOCKETS"
#: Where socket folders are made: short, as a Unix socket's path is limited to about 100 bytes.
SOCKET_BASE = "/tmp"


def _socket_base() -> str | None:
    return SOCKET_BASE if os.path.isdir(SOCKET_BASE) else None


def _new_socket_folder() -> str:
    """``kzp-PID-XXXXXXXX``: named by the process that makes it, so a later command can tell that
    its maker is gone (:func:`sweep_socket_folders`)."""
    import tempfile

    return tempfile.mkdtemp(prefix=f"kzp-{os.getpid()}-", dir=_socket_base())


def sweep_socket_folders(base: str | None = None) -> list[str]:
    """Remove the socket folders of commands that ended without removing them; the ones removed.

    A command killed outright (SIGKILL) runs no clean-up, and its folder of sockets stayed in
    ``/tmp``. Only a real folder (not a link) named ``kzp-PID-...`` that this user owns, whose
    process is gone, is removed; a folder whose pid is alive (perhaps reused by another process)
    is left, as is anything else.
    """
    import re
    import shutil
    import stat

    base = base or _socket_base()
    if base is None:
        return []
    removed = []
    try:
        names = os.listdir(base)
    except OSError:
        return []
    for name in names:
        found = re.fullmatch(r"kzp-([0-9]{1,10})-\w+", name, re.ASCII)
        if found is None:
            continue
        path = os.path.join(base, name)
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or process_alive(int(found.group(1))):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


@contextlib.contextmanager
def kernel_sockets() -> Iterator[str]:
    """A short folder for the kernels' Unix sockets while chapters execute, removed afterwards.

    Made by the command before its pool forks the workers (they find it through :data:`SOCKETS`),
    and removed by the command itself, so that a build stopped by a signal (its workers killed,
    never running their own clean-up) leaves nothing in ``/tmp`` either. What a command killed
    outright left there is swept first (:func:`sweep_socket_folders`).
    """
    import shutil

    sweep_socket_folders()
    folder = _new_socket_folder()
    before = os.environ.get(SOCKETS)
    os.environ[SOCKETS] = folder
    try:
        yield folder
    finally:
        if before is None:
            os.environ.pop(SOCKETS, None)
        else:
            os.environ[SOCKETS] = before
        shutil.rmtree(folder, ignore_errors=True)


def _socket_folder() -> str:
    """Where this worker's kernels put their sockets: the command's folder, else one of its own."""
    global _sockets
    given = os.environ.get(SOCKETS)
    if given and os.path.isdir(given):
        return given
    if _sockets is None or not os.path.isdir(_sockets):
        import shutil
        from multiprocessing.util import Finalize

        _sockets = _new_socket_folder()
        # A pool worker ends through multiprocessing, which runs its finalizers but not atexit's.
        Finalize(None, shutil.rmtree, args=(_sockets, True), exitpriority=0)
    return _sockets


_chapter: dict[str, str] | None = None


def expect_chapter(params: dict[str, str]) -> None:
    """Give the parameters of the next chapter (its ``source``, window and coder), before its kernel is asked for.

    A zygote started for that chapter prepares what the chapter will open (see
    :func:`_prepare_chapter`), so that every kernel it forks finds the corpus loaded and the counts
    counted: ten chapters on two workers read, validated and counted the same files ten times. A
    chapter with other parameters (a book project's chapters on the published figures) finds
    nothing prepared for it and loads its own, as before.
    """
    global _chapter
    _chapter = {k: str(params[k]) for k in CHAPTER_PARAMETERS if params.get(k) is not None}


def _zygote_for(cwd: str) -> Zygote | None:
    """This worker's zygote for kernels run in ``cwd``, started on the first kernel; None where there is none.

    One working folder per worker (a build's chapters all run in its chapters folder): a kernel
    asked for elsewhere is forked by the worker, as is every kernel if the zygote did not start.
    """
    global _zygote, _zygote_failed
    if not _warm or _zygote_failed or os.environ.get("KZP_ZYGOTE", "1") == "0":
        return None
    if _zygote is None:
        _zygote = Zygote.start(cwd, _chapter)
        if _zygote is None:
            _zygote_failed = True
            return None
    return _zygote if _zygote.cwd == cwd else None


def _state(pid: int) -> str:
    """A process's state letter from /proc (``Z`` for a zombie), or ``?`` where /proc is missing."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0].decode()
    except (OSError, IndexError):
        return "?"


async def _gone(pid: int, limit: float = 5.0) -> None:
    """Wait until a process that is not this one's child has ended (its parent reaps it)."""
    import time

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        if _state(pid) in ("Z", "X"):
            return
        await asyncio.sleep(0.002)
