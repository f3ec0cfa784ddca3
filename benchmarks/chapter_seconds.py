"""Write ``notebooks/_last_seconds.json``: how long each chapter took in the main book's last build.

A rerun hands its chapters to the workers longest first, by their last run in its output folder
or in the main book (``book/chapters``). A first rerun in a checkout or an installed package whose
main book was never built has neither, and fell back to contents order, which puts the two
slowest chapters last (2.90x instead of 3.34x the commit before issue 22, benchmarks/RESULTS.md).
This record, kept beside the chapters' sources, is its last fallback. Only the order matters, so
a record from another machine serves; run this after ``make book`` when chapters are added,
renamed or much changed (tests/unit/test_chapter_seconds.py fails when a chapter is missing).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    from kzperception import paths
    from kzperception.book.execute import RECORDED_SECONDS

    seconds = {}
    for executed in sorted(paths.CHAPTERS.glob("*.ipynb")):
        nb = json.loads(executed.read_text(encoding="utf-8"))
        seconds[executed.stem] = round(float(nb["metadata"]["papermill"]["duration"]), 2)
    if not seconds:
        raise SystemExit(f"no executed chapters in {paths.CHAPTERS}: run `make book` first")
    target = paths.NOTEBOOKS / RECORDED_SECONDS
    target.write_text(json.dumps(seconds, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(seconds)} chapters' seconds written to {target}")


if __name__ == "__main__":
    main()
