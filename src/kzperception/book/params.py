"""The parameters of a chapter, as one object from the command line through papermill into the kernel.

A chapter's parameters cell holds ``None`` for each of ``source``, ``start``, ``pivot``, ``end``
and ``coder``: the thesis's published figures and window, and the corpus's only coder.
A command builds one :class:`ChapterParams`
(checked before anything runs), papermill injects only what differs from those defaults, and the
kernel rebuilds the same object in :func:`kzperception.book.chapter.open_chapter`. So a window is
parsed once per process, by :class:`~kzperception.data.window.Window`, and its defaults live there.
The counted ``coder`` rides along: declared in the cell (so papermill does not warn of an unknown
parameter), injected as a variable, read by ``open_chapter`` from the kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

from kzperception.data.window import Window

PUBLISHED = "published"


@dataclass(frozen=True)
class ChapterParams:
    """What a chapter is run on: a source (``published`` or a corpus folder) and a window (None: the thesis's)."""

    source: str = PUBLISHED
    window: Window | None = None
    #: Whose codes are counted on a corpus with several coders (None: the only coder, or refuse).
    coder: str | None = None

    @classmethod
    def from_cells(
        cls,
        source: str | None = None,
        start: str | None = None,
        pivot: str | None = None,
        end: str | None = None,
        coder: str | None = None,
    ) -> ChapterParams:
        """The object a kernel's parameters cell describes (``None`` = the default)."""
        given = (start, pivot, end) != (None, None, None)
        return cls(source or PUBLISHED, Window.from_options(start, pivot, end) if given else None, coder)

    @property
    def resolved_window(self) -> Window:
        return self.window or Window.from_options()

    def papermill(self) -> dict[str, str]:
        """The parameters papermill injects: only those that differ from the cell's defaults."""
        out: dict[str, str] = {}
        if self.source != PUBLISHED:
            out["source"] = self.source
        if self.window is not None:
            out.update(self.window.as_params())
        if self.coder is not None:
            out["coder"] = self.coder
        return out
