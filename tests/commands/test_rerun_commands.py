"""A rerun killed with SIGKILL in a child process: the next rerun removes what it left."""

from __future__ import annotations

import pytest
from helpers.rerun_fakes import install_fake_build, rerun_one_chapter

from kzperception.book import rerun
from tests.conftest import SMALL_CODES, SMALL_REPORTS, write_corpus


@pytest.fixture
def fake_build(monkeypatch: pytest.MonkeyPatch) -> dict:
    return install_fake_build(monkeypatch)


_KILLED_RERUN = """
import sys, time
from kzperception.book import bundle, rerun
from kzperception.data.window import THESIS_WINDOW

def execute(stems, params, out_dir, *a, **k):
    (out_dir / "half.ipynb").write_text("{}", encoding="utf-8")
    print("running", flush=True)
    time.sleep(600)

rerun.execute_chapters = execute
bundle.ensure_bundle = lambda *a, **k: None
p = rerun.plan(sys.argv[1], *THESIS_WINDOW.as_params().values(), sys.argv[2], ["06-2-reports"])
rerun.run(p)
"""


def test_a_rerun_killed_with_sigkill_leaves_nothing_the_next_run_keeps(tmp_path, fake_build):
    """kill -9 skips every finally: the build folder beside OUT stays, and the next rerun removes it."""
    import signal
    import subprocess
    import sys

    corpus = write_corpus(tmp_path / "c", SMALL_REPORTS, SMALL_CODES)
    out = tmp_path / "out"
    assert rerun_one_chapter(corpus, out).exit_code == 0
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_RERUN, str(corpus), str(out)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "running"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    left = [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.rerun-")]
    assert len(left) == 1 and left[0].startswith(f".out.rerun-{child.pid}-")
    assert rerun_one_chapter(corpus, out).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "out"]
    assert (out / rerun.MARKER).is_file()
