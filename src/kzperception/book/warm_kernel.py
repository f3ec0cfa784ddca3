"""Chapter kernels forked from a warm interpreter: the heavy libraries imported once per worker, not per chapter.

A chapter's fixed cost was a new Python process per kernel importing pandas, NumPy, SciPy's
statistics, Altair, IPython and ipykernel before the chapter's first line ran: seconds of CPU per
chapter, most of a small chapter's time. Here each pool worker imports those third-party libraries
once (:func:`preload`, the pool's initializer), and every chapter's kernel is a ``fork`` of that
worker (:class:`ForkedKernelManager`, handed to papermill as nbclient's kernel manager class).

Each chapter still starts from a fresh state: the kernel is a new process, forked from a worker
that has imported libraries but run no chapter code, and it is killed when its chapter ends. What
one chapter defines, or changes in a library module, dies with its kernel; the next chapter's
kernel is forked from the untouched worker again. The library's own modules (``kzperception``)
are *not* preloaded, and those the worker imported to run the executor are dropped from the
kernel's ``sys.modules`` before it starts, so the kernel imports and opens them itself, where the audit hook of
:mod:`kzperception.book.chapter_deps` sees them and the cache stays exact. The random generators
are reseeded in each kernel, as a new process would seed them.

Papermill, its parameters cell and the executed notebook are unchanged: the kernel is the same
ipykernel, started from the same arguments; only the process that runs it comes from ``fork``
instead of ``exec``. Where ``fork`` is missing (not POSIX) or ``KZP_FORK_KERNELS=0`` is set, the
executor starts kernels as papermill always did (:func:`enabled`).
"""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import sys
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import DottedObjectName, Type

__all__ = ["PRELOADED", "ForkedKernelManager", "ReadyClient", "enabled", "is_warm", "preload"]

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
    "myst_nb",
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
    for name in PRELOADED:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional library missing: the kernel imports what it needs itself
            continue


def _run_kernel(connection_file: str, arguments: list[str], cwd: str | None) -> None:
    """In the forked child: become a fresh ipykernel on ``connection_file``; never returns."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # the worker ignores it; a kernel is interrupted by it
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if cwd:
            os.chdir(cwd)
        # The worker imported the library to run the executor; the chapter imports it afresh, where the
        # audit hook sees each module and data file it reads (the cache's record), with no state cached.
        for name in [n for n in sys.modules if n == "kzperception" or n.startswith("kzperception.")]:
            del sys.modules[name]
        # Importing the library's charts enables its Altair theme, a change to a third-party module the
        # dropped modules leave behind: a chart in a chapter that never imports them would carry the
        # theme only when forked. A new process starts on Altair's default theme; so does the kernel.
        if "altair" in sys.modules:
            sys.modules["altair"].theme.enable("default")
        import random

        random.seed()
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()
        # The worker's event loop (papermill's) belongs to the worker; the kernel gets its own.
        asyncio.set_event_loop(asyncio.new_event_loop())
        os.environ["JPY_PARENT_PID"] = str(os.getppid())  # the kernel exits if its worker dies
        argv = ["-f", connection_file, *arguments]
        sys.argv = [sys.executable, *argv]
        from ipykernel.kernelapp import IPKernelApp

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
    """

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

    async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
        self.write_connection_file()
        arguments = [str(a) for a in kw.get("extra_arguments", [])]
        cwd = kw.get("cwd")
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _run_kernel(self.connection_file, arguments, str(cwd) if cwd else None)
        self._forked = pid

    def _reap(self) -> bool:
        """True while the kernel runs; collects its exit status once it has ended."""
        if self._forked is None:
            return False
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
                os.waitpid(self._forked, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        self._forked = None
        self.cleanup_connection_file()

    async def cleanup_resources(self, restart: bool = False) -> None:  # type: ignore[override]
        self.cleanup_connection_file()

    async def restart_kernel(self, now: bool = False, newports: bool = False, **kw: Any) -> None:  # type: ignore[override]
        raise RuntimeError("a chapter's forked kernel is never restarted: the chapter fails instead")
