"""What a long command shows while chapters execute: each chapter as it starts and as it ends, with its time.

On a terminal a rich display keeps one line per running chapter with its clock and an overall bar;
elsewhere (CI, a pipe, a log file) each event is one plain line, so the log reads in order. Either
way every finished chapter leaves a line with its status and seconds, and the block ends with the
total.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from kzperception.cli.common import error_console

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from kzperception.book.execute import ChapterRun

__all__ = ["ChapterProgress"]


class ChapterProgress:
    """Report chapters starting and finishing (``with ChapterProgress(n) as p: ... p.started, p.done``)."""

    def __init__(self, total: int, console: Console | None = None) -> None:
        self.total = total
        self.console = console or error_console()
        self.finished: list[ChapterRun] = []
        self._t0 = self._last = time.perf_counter()
        self._started: dict[str, float] = {}
        self._progress: Progress | None = None
        self._overall: TaskID | None = None
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> ChapterProgress:
        self._t0 = self._last = time.perf_counter()
        if self.console.is_terminal:
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TimeElapsedColumn(),
                console=self.console,
            )
            self._progress.start()
            self._overall = self._progress.add_task("chapters", total=self.total)
        return self

    def _line(self, text: str) -> None:
        (self._progress.console if self._progress is not None else self.console).print(
            Text(text), highlight=False, soft_wrap=True
        )

    def started(self, stem: str) -> None:
        """A chapter began executing."""
        self._started[stem] = time.perf_counter()
        if self._progress is not None:
            self._tasks[stem] = self._progress.add_task(f"  {stem}", total=None)
        else:
            self._line(f"started  {stem}")

    def done(self, run: ChapterRun) -> None:
        """A chapter finished: executed, reused from the cache, or failed."""
        self.finished.append(run)
        self._last = time.perf_counter()
        seconds = run.seconds or (time.perf_counter() - self._started[run.stem] if run.stem in self._started else 0.0)
        what = {"cached": "from cache"}.get(run.status, run.status)
        self._line(f"finished {run.stem}: {what}" + (f" in {seconds:.1f}s" if run.status != "cached" else ""))
        if self._progress is not None:
            task = self._tasks.pop(run.stem, None)
            if task is not None:
                self._progress.remove_task(task)
            if self._overall is not None:
                self._progress.advance(self._overall)

    def summary(self) -> str:
        """``chapters: 5 executed, 2 from cache, 0 failed in 41.3s``, timed to the last chapter's end."""
        count = {s: sum(r.status == s for r in self.finished) for s in ("executed", "cached", "failed")}
        return (
            f"chapters: {count['executed']} executed, {count['cached']} from cache, {count['failed']} failed "
            f"in {self._last - self._t0:.1f}s"
        )

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        if kind is None:
            self._line(self.summary())
