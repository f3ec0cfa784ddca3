"""A rerun with its chapter execution and Jupyter Book call replaced by quick fakes, shared by
tests/unit/test_rerun.py and tests/commands/test_rerun_commands.py."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kzperception.book import rerun
from kzperception.cli import app

runner = CliRunner()
WINDOW = ["--start", "2020-08-24", "--pivot", "2022-02-24", "--end", "2023-08-24"]


def install_fake_build(monkeypatch: pytest.MonkeyPatch) -> dict:
    """Execution and the Jupyter Book call replaced by quick fakes that write what they would (the
    ``fake_build`` fixtures); the returned state lets a test make a chapter or the book fail."""
    from kzperception.book import bundle
    from kzperception.book.execute import ChapterRun
    from kzperception.book.layout import BuildError

    state = {"fail": None, "book_error": None, "during": None, "seen": []}

    def execute(
        stems, params, out_dir, jobs=2, use_cache=True, notebooks=None, on_done=None, seed=None, on_start=None, **_
    ):
        state["seen"].append(sorted(p.name for p in out_dir.iterdir()))
        if state["during"]:
            state["during"]()
        runs = []
        for stem in stems:
            if state["fail"]:
                runs.append(ChapterRun(stem, "failed", 0.0, state["fail"]))
                continue
            (out_dir / f"{stem}.ipynb").write_text("{}", encoding="utf-8")
            (out_dir / f"{stem}.csv").write_text("n\n1\n", encoding="utf-8")
            runs.append(ChapterRun(stem, "executed"))
        return runs

    def book(layout, config=None, toc=None, strict=True, **_):
        if state["book_error"]:
            raise BuildError(state["book_error"])
        layout.built.mkdir(parents=True)
        (layout.built / "index.html").write_text("<p>book</p>", encoding="utf-8")
        return 0.0

    monkeypatch.setattr(rerun, "execute_chapters", execute)
    monkeypatch.setattr(rerun, "jupyter_book", book)
    monkeypatch.setattr(bundle, "ensure_bundle", lambda *a, **k: None)
    return state


def rerun_one_chapter(corpus, out, *extra):
    return runner.invoke(
        app, ["rerun", "--corpus", str(corpus), "--out", str(out), *WINDOW, "--chapters", "06-2-reports", *extra]
    )
