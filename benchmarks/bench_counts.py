"""Benchmark: ``load_counts(folder)`` (read + validate + count) on synthetic corpora of 10^5 and 10^6 reports.

Two layouts of the same rows: ``ordered`` as this project writes corpora (ids sorted, codes in
report order; the loader verifies the layout with two string comparisons per row and then needs no
hash table of ids) and ``shuffled`` (the general path, hashing every id).

Each measurement runs in a fresh subprocess so peak memory (VmHWM) belongs to that one
job. Beside the project's loader it times a naive baseline (plain ``read_csv`` + merge + groupby,
no validation) on the same files and checks that both give the same counts. Target: 10^6 reports
in at most 2 s. ``--profile`` adds the slowest source lines of ``corpus*.py`` / ``counts.py``
(a line tracer limited to those files, so per-element pandas internals are charged to the
line that called them).

    python benchmarks/bench_counts.py                 # 10^5 and 10^6
    python benchmarks/bench_counts.py --sizes 100000 --repeat 3 --profile
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 2.0


def _rss_mb() -> float:
    """Peak resident memory of this process. VmHWM belongs to the process image, so it starts afresh
    at exec; ru_maxrss would carry over the high-water mark of the parent that forked the worker."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def naive_counts(folder: Path):
    """What one would write without the project: read, join, split at the pivot, count."""
    import pandas as pd

    reports = pd.read_csv(folder / "reports.csv", usecols=["id", "country", "website", "date"])
    codes = pd.read_csv(folder / "codes.csv", usecols=["report_id", "category", "mode", "level"])
    d = pd.to_datetime(reports["date"], format="%Y-%m-%d")
    reports["period"] = None
    reports.loc[(d >= "2020-08-24") & (d < "2022-02-24"), "period"] = "before"
    reports.loc[(d >= "2022-02-24") & (d <= "2023-08-24"), "period"] = "after"
    reports = reports.dropna(subset=["period"])
    r = reports.groupby(["country", "website", "period"]).size()
    joined = codes.merge(reports[["id", "country", "period"]], left_on="report_id", right_on="id")
    c = joined.groupby(["country", "period", "category", "mode", "level"]).size()
    return r, c


def _worker(method: str, folder: Path, repeat: int) -> dict:
    """One measurement in this (fresh) process: best wall time of ``repeat`` runs and peak RSS."""
    import pandas as pd  # noqa: F401  (imported before the baseline so imports do not count)

    from kzperception.data.corpus import clear_corpus_cache
    from kzperception.data.counts import load_counts

    base = _rss_mb()
    times = []
    out = None
    for _ in range(repeat):
        out = None  # drop the last result first, or the peak would hold two corpora at once
        clear_corpus_cache()  # ... and the loader's cache: every repeat reads and validates the files
        t0 = time.perf_counter()
        out = load_counts(folder) if method == "load_counts" else naive_counts(folder)
        times.append(time.perf_counter() - t0)
    cached = None
    if method == "load_counts":  # once more, the cache kept: what a second call in one process costs
        t0 = time.perf_counter()
        load_counts(folder)
        cached = time.perf_counter() - t0
    if method == "load_counts":
        r = out.reports.set_index(["country", "website", "period"])["n"]
        c = out.codes[out.codes["period"] != "all"].set_index(["country", "period", "category", "mode", "level"])["n"]
        summary = [int(r.sum()), int(c.sum())]
    else:
        summary = [int(out[0].sum()), int(out[1].sum())]
    return {
        "method": method,
        "best_s": min(times),
        "times": times,
        "cached_s": cached,
        "peak_mb": _rss_mb(),
        "base_mb": base,
        "totals": summary,
    }


def _line_profile(folder: Path, top: int = 15) -> list[tuple[float, str]]:
    """Seconds spent on each source line of the corpus modules and counts.py during one ``load_counts``."""
    import linecache

    from kzperception.data import corpus, corpus_format, corpus_read, corpus_rules, counts

    corpus.clear_corpus_cache()
    files = {m.__file__ for m in (corpus, corpus_format, corpus_read, corpus_rules, counts)}
    spent: dict[tuple[str, int], float] = {}
    state: dict[int, tuple[tuple[str, int], float]] = {}

    def local(frame, event, arg):
        now = time.perf_counter()
        fid = id(frame)
        if fid in state:
            key, t0 = state[fid]
            spent[key] = spent.get(key, 0.0) + now - t0
        if event == "line":
            state[fid] = ((frame.f_code.co_filename, frame.f_lineno), time.perf_counter())
        elif event == "return":
            state.pop(fid, None)
        return local

    def global_(frame, event, arg):
        if frame.f_code.co_filename in files:
            return local
        return None

    sys.settrace(global_)
    try:
        counts.load_counts(folder)
    finally:
        sys.settrace(None)
    rows = sorted(spent.items(), key=lambda kv: -kv[1])[:top]
    return [(s, f"{Path(f).name}:{n}: {linecache.getline(f, n).strip()[:90]}") for (f, n), s in rows]


def _shuffled(folder: Path, out: Path, seed: int = 1) -> Path:
    """The same corpus with the rows of both files in random order, so the loader must hash every id.

    Written by pandas like the ordered files (minimal quoting), so the two differ only in row order.
    """
    import pandas as pd

    if (out / "codes.csv").exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    for name in ("reports.csv", "codes.csv"):
        df = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        df.sample(frac=1.0, random_state=seed).to_csv(out / name, index=False)
    return out


def _measure(method: str, folder: Path, repeat: int) -> dict:
    cmd = [sys.executable, __file__, "--worker", method, str(folder), "--repeat", str(repeat)]
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, help="Write corpora here (kept) instead of a temporary folder.")
    ap.add_argument(
        "--layouts",
        nargs="+",
        choices=["ordered", "shuffled"],
        default=["ordered", "shuffled"],
        help="ordered: as the project writes corpora (ids sorted, codes in report order), which the "
        "loader verifies and uses; shuffled: the same rows in random order (the general path).",
    )
    ap.add_argument("--profile", action="store_true", help="Also list the slowest lines of corpus.py/counts.py.")
    ap.add_argument("--worker", nargs=2, metavar=("METHOD", "FOLDER"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker[0], Path(args.worker[1]), args.repeat)))
        return

    from kzperception.fieldwork.synth import write_synthetic

    with tempfile.TemporaryDirectory(prefix="kzp-bench-") as tmp:
        root = args.keep or Path(tmp)
        rows = []
        for n in args.sizes:
            ordered = root / f"syn-{n}"
            t0 = time.perf_counter()
            if not (ordered / "codes.csv").exists():
                write_synthetic(args.seed, ordered, reports=n)
            gen = time.perf_counter() - t0
            size_mb = sum(p.stat().st_size for p in ordered.iterdir()) / 2**20
            print(
                f"corpus {n:>9,} reports: {size_mb:6.1f} MB on disk, generated+written in {gen:5.1f} s", file=sys.stderr
            )
            for layout in args.layouts:
                folder = ordered if layout == "ordered" else _shuffled(ordered, root / f"syn-{n}-shuffled")
                mine = _measure("load_counts", folder, args.repeat)
                naive = _measure("naive", folder, args.repeat)
                if mine["totals"] != naive["totals"]:
                    raise SystemExit(f"counts differ: load_counts {mine['totals']} vs naive {naive['totals']}")
                rows.append((n, layout, mine, naive))
                if args.profile:
                    print(
                        f"\nslowest lines of one load_counts on {n:,} reports, {layout} (inclusive: a line "
                        "calling another traced function includes its time; the tracer adds overhead):"
                    )
                    for secs, where in _line_profile(folder):
                        print(f"  {secs:7.2f} s  {where}")
                    print()
        print(
            f"\n{'reports':>10} | {'layout':>8} | {'load_counts s':>13} | {'again s':>7} | {'naive s':>8} | "
            f"{'ratio':>6} | {'peak MB':>8} | {'naive MB':>8} | target <= {TARGET_SECONDS:.0f} s"
        )
        print("-" * 105)
        for n, layout, mine, naive in rows:
            ratio = mine["best_s"] / naive["best_s"]
            ok = "met" if mine["best_s"] <= TARGET_SECONDS else "MISSED"
            print(
                f"{n:>10,} | {layout:>8} | {mine['best_s']:13.2f} | {mine['cached_s']:7.3f} | "
                f"{naive['best_s']:8.2f} | {ratio:5.1f}x | {mine['peak_mb']:8.0f} | {naive['peak_mb']:8.0f} | "
                f"{ok if n >= 1_000_000 else ''}"
            )
        print(
            f"\nbest of {args.repeat} runs each, fresh process per method, the loader's cache cleared before "
            "each; 'again' = one more load_counts with the cache kept (files older than 2 s); peak = max RSS "
            "of that process (imports included)."
        )


if __name__ == "__main__":
    main()
