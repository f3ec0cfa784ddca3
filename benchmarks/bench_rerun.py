"""Time a researcher's loop, side by side in one run: this checkout against the commit before (issue 22).

Measured, each for BEFORE (a git worktree of ``--before``, default a1d87a7, run with this
environment's Python and that worktree's ``src/`` first on the path) and AFTER (this checkout):
  1. ``kzperception --help`` and ``kzperception validate data/register`` (best of ``--repeat``);
  2. a rerun of every default data chapter on ``data/register`` with a new window, into a new folder;
  3. a second rerun of the same corpus with only the window changed, into the same folder. AFTER's
     first rerun leaves a warm process (``kzperception.cli.warm``); the second starts once that
     process answers (a researcher reads the first book meanwhile; the wait is reported, not
     timed) and runs in it. AFTER's second rerun is also timed without it (``KZP_WARM=0``), and
     every warm process is stopped before each first rerun, which is therefore always cold.
Both trees' bytecode is compiled first (:func:`compile_bytecode`).
And for AFTER alone, in this process, the stages of one rerun: validation and counting (``plan``),
staging, each chapter's execution, the Sphinx pass; and the floor that remains (one forked
kernel's fixed cost per chapter over the cores, plus the Sphinx pass).

With ``--startup-only`` only step 1 is run, against ``--before`` 6b34a4b by default (the command
line before issue 22's fast path): ``--help`` and ``validate`` of both trees, alternating, best of
``--repeat`` (default 10), with the ratios; JSON to benchmarks/results/startup.json.

Results go to stdout and, as JSON, to benchmarks/results/rerun.json. Timings are reported, never
asserted by tests. The machine this project runs on is shared: run it when it is quiet, or read
the figures as one run's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

#: A window the published figures do not use, and a second one that differs from it only in its end.
WINDOW = ("2021-01-01", "2022-02-24", "2023-06-30")
WINDOW_2 = ("2021-01-01", "2022-02-24", "2023-03-31")


def _env(src: Path, hide: Path | None = None) -> dict[str, str]:
    path = str(src) if hide is None else f"{hide}{os.pathsep}{src}"
    return {**os.environ, "PYTHONPATH": path, "TERM": "dumb"}


#: Modules this checkout's dependencies add that change how fast the same code runs, by the
#: distribution that brings them: BEFORE runs with this environment's Python, so where its
#: pyproject.toml does not ask for one, the module is hidden from it (an import of it fails, as
#: in BEFORE's own environment); otherwise BEFORE would be timed with AFTER's speed-ups.
ADDED_MODULES = {"Stemmer": "PyStemmer"}


def hidden_modules(tree: Path, where: Path) -> Path | None:
    """A folder to put first on BEFORE's path that makes the modules its project lacks fail to import."""
    wanted = (tree / "pyproject.toml").read_text(encoding="utf-8").lower()
    missing = [m for m, dist in ADDED_MODULES.items() if f'"{dist.lower()}' not in wanted]
    if not missing:
        return None
    where.mkdir(parents=True, exist_ok=True)
    for module in missing:
        text = f"raise ImportError('{module} is not among the dependencies of the commit being compared')\n"
        (where / f"{module}.py").write_text(text, encoding="utf-8")
    return where


def compile_bytecode(tree: Path) -> None:
    """Write the bytecode of ``tree``'s package, as a first run does where Python may write it.

    Where the environment sets ``PYTHONDONTWRITEBYTECODE`` (the project machine does), no run
    writes bytecode, and a tree that has none compiles every module it imports in every process
    of every run (the command, the pool's workers, their zygotes), some seconds of a rerun. Runs of
    this script before 2026-12-07 compared a BEFORE worktree without bytecode against a checkout
    whose tests had written it: both trees are compiled first now, so each is timed as it runs for
    a user whose Python keeps its bytecode.
    """
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "src")], check=True, capture_output=True)


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    secs = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)} in {cwd}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return secs, proc.stdout + proc.stderr


def stop_warm(env: dict[str, str]) -> None:
    """Stop AFTER's warm processes and wait until they are gone (the next first rerun is then cold)."""
    code = "import json; from kzperception.cli import warm; print(json.dumps(warm.stop()))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    for pid in json.loads(done.stdout):
        for _ in range(200):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)


def wait_for_warm(env: dict[str, str], within: float = 60.0) -> float:
    """Seconds until the warm process AFTER's first rerun left answers (its imports done)."""
    code = "import json; from kzperception.cli import warm; print(json.dumps(warm.status()))"
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < within:
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode == 0 and json.loads(done.stdout):
            return time.perf_counter() - t0
        time.sleep(0.1)
    raise SystemExit("the warm process AFTER's first rerun should leave never answered")


def best(cmd: list[str], cwd: Path, env: dict[str, str], repeat: int) -> float:
    return min(timed(cmd, cwd, env)[0] for _ in range(repeat))


def before_tree(commit: str, where: Path) -> Path:
    """A worktree of ``commit`` (made once, reused while it sits at that commit; moved to it otherwise)."""
    if (where / ".git").exists():
        head = subprocess.run(["git", "-C", str(where), "rev-parse", "HEAD"], capture_output=True, text=True)
        want = subprocess.run(["git", "-C", str(ROOT), "rev-parse", commit], capture_output=True, text=True)
        if head.stdout.strip() != want.stdout.strip():
            subprocess.run(["git", "-C", str(where), "checkout", "--quiet", "--detach", commit], check=True)
        return where
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(where), commit], check=True)
    return where


#: The commit ``--startup-only`` compares against by default: the command line before issue 22's
#: fast path (pandas imported by every ``validate``, rich by every command).
STARTUP_BEFORE = "6b34a4b"


def startup(trees: dict[str, tuple[Path, dict[str, str]]], repeat: int) -> dict[str, dict[str, object]]:
    """``--help`` and ``validate data/register`` of each tree, best and median of ``repeat``.

    The runs alternate (before, after, before, after ...) so that a change in the machine's load
    falls on both columns alike; one untimed run of each first compiles the trees' bytecode.
    """
    cli = [sys.executable, "-m", "kzperception.cli"]
    commands = {"help": [*cli, "--help"], "validate": [*cli, "validate", "data/register"]}
    times: dict[str, dict[str, list[float]]] = {name: {key: [] for key in commands} for name in trees}
    outputs: dict[str, dict[str, str]] = {name: {} for name in trees}
    for name, (tree, env) in trees.items():
        for key, cmd in commands.items():
            outputs[name][key] = timed(cmd, tree, env)[1]
    for _ in range(repeat):
        for key, cmd in commands.items():
            for name, (tree, env) in trees.items():
                times[name][key].append(timed(cmd, tree, env)[0])
    results: dict[str, dict[str, object]] = {}
    for name in trees:
        results[name] = {key: min(times[name][key]) for key in commands}
        results[name] |= {f"{key}_median": statistics.median(times[name][key]) for key in commands}
        results[name]["runs"] = times[name]
    results["validate_output_same"] = {"same": outputs["before"]["validate"] == outputs["after"]["validate"]}
    return results


def rerun_cmd(out: Path, window: tuple[str, str, str]) -> list[str]:
    start, pivot, end = window
    return [
        sys.executable,
        "-m",
        "kzperception.cli",
        "rerun",
        "--corpus",
        "data/register",
        "--start",
        start,
        "--pivot",
        pivot,
        "--end",
        end,
        "--out",
        str(out),
    ]


def stages(work: Path) -> dict[str, object]:
    """The stages of one rerun of AFTER, timed in this process (the library's own functions)."""
    from kzperception.book import rerun
    from kzperception.book.build import jupyter_book
    from kzperception.book.bundle import ensure_bundle
    from kzperception.book.execute import execute_chapters
    from kzperception.book.layout import BookLayout

    t0 = time.perf_counter()
    plan = rerun.plan(ROOT / "data" / "register", *WINDOW, work / "out", None)
    t1 = time.perf_counter()
    layout = BookLayout.standalone(work / "stage")
    ensure_bundle()
    rerun.stage(plan, layout)
    t2 = time.perf_counter()
    runs = execute_chapters(plan.chapters, plan.params, layout.chapters, 2, use_cache=False)
    t3 = time.perf_counter()
    sphinx = jupyter_book(layout, config=layout.source / "_config.yml", toc=layout.source / "_toc.yml", strict=False)
    failed = [r for r in runs if r.status != "executed"]
    if failed:
        raise SystemExit(f"stage run: {failed}")
    return {
        "validation_and_counts": t1 - t0,
        "staging": t2 - t1,
        "execution": t3 - t2,
        "per_chapter": {r.stem: round(r.seconds, 2) for r in runs},
        "sphinx": sphinx,
        "chapters": len(runs),
    }


FLOOR = """\
from kzperception.book.chapter import open_chapter
from kzperception.book import charts, display, views
from kzperception.analysis import measures, stats
ch = open_chapter()
"""


def chapter_fixed_cost(work: Path) -> float:
    """One chapter that only starts its kernel, imports the library and opens the counts, as the executor runs it."""
    from kzperception.book.execute import execute_chapters

    notebooks = work / "nb"
    notebooks.mkdir(parents=True, exist_ok=True)
    head = "---\nkernelspec:\n  name: python3\n  display_name: Python 3\n  language: python\n---\n\n"
    (notebooks / "floor.md").write_text(head + "```{code-cell} ipython3\n" + FLOOR + "```\n", encoding="utf-8")
    (notebooks / "floor2.md").write_text(head + "```{code-cell} ipython3\n" + FLOOR + "```\n", encoding="utf-8")
    runs = execute_chapters(["floor", "floor2"], {}, work / "floor-out", jobs=1, notebooks=notebooks)
    return runs[1].seconds  # the second: the worker is warm, as it is for every chapter but its first


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--before",
        default=None,
        help=f"the commit to compare against (default a1d87a7; {STARTUP_BEFORE} with --startup-only)",
    )
    ap.add_argument("--before-tree", type=Path, default=None, help="where its worktree is made (default: a temp dir)")
    ap.add_argument("--repeat", type=int, default=None, help="best of this many runs for the short commands (3; 10)")
    ap.add_argument("--skip-stages", action="store_true")
    ap.add_argument("--rounds", type=int, default=3, help="reruns of each tree, alternating; median shown")
    ap.add_argument(
        "--startup-only",
        action="store_true",
        help="time only `--help` and `validate data/register`, alternating before and after (best of --repeat)",
    )
    args = ap.parse_args()
    commit = args.before or (STARTUP_BEFORE if args.startup_only else "a1d87a7")
    where = args.before_tree or Path(tempfile.gettempdir()) / f"kzp-bench-before-{commit}"
    before = before_tree(commit, where)
    hide = hidden_modules(before, Path(tempfile.gettempdir()) / f"kzp-bench-hidden-{commit}")
    trees = {"before": (before, _env(before / "src", hide)), "after": (ROOT, _env(ROOT / "src"))}
    for tree, _ in trees.values():
        compile_bytecode(tree)
    if args.startup_only:
        main_startup(trees, commit, args.repeat or 10)
        return
    args.before, args.repeat = commit, args.repeat or 3
    results: dict[str, dict[str, object]] = {"before": {}, "after": {}}
    cli = [sys.executable, "-m", "kzperception.cli"]
    for tree, env in trees.values():  # the offline Vega bundle is made once per checkout: not part of a rerun
        module = "bundle" if (tree / "src/kzperception/book/bundle.py").is_file() else "build"
        code = f"from kzperception.book.{module} import ensure_bundle; ensure_bundle()"
        subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, check=False)
    for name, (tree, env) in trees.items():  # short commands, alternating would be fairer; best of N is close
        results[name]["help"] = best([*cli, "--help"], tree, env, args.repeat)
        results[name]["validate"] = best([*cli, "validate", "data/register"], tree, env, args.repeat)
    with tempfile.TemporaryDirectory(prefix="kzp-bench-") as tmp:
        # Rounds alternate BEFORE and AFTER, so a change in the machine's load falls on both; each
        # figure is the median over the rounds (the runs are kept in the JSON).
        runs: dict[str, dict[str, list[float]]] = {n: {"rerun": [], "rerun_2_window_changed": []} for n in trees}
        runs["after"] |= {"rerun_2_without_warm_process": [], "warm_process_ready_after": []}
        warm_dir = Path(tmp) / "warm"
        warm_dir.mkdir(mode=0o700)
        trees["after"][1].update({"KZP_WARM": "1", "KZP_WARM_DIR": str(warm_dir)})
        for round_ in range(args.rounds):
            for name, (tree, env) in trees.items():
                out = Path(tmp) / f"{name}-out-{round_}"
                if name == "after":
                    stop_warm(env)
                secs, _ = timed(rerun_cmd(out, WINDOW), tree, env)
                runs[name]["rerun"].append(secs)
                marker = json.loads((out / ".kzperception-rerun.json").read_text(encoding="utf-8"))
                results[name]["rerun_chapters"] = len(marker["chapters"])
                if name == "after":
                    runs[name]["warm_process_ready_after"].append(wait_for_warm(env))
                secs, log2 = timed(rerun_cmd(out, WINDOW_2), tree, env)
                runs[name]["rerun_2_window_changed"].append(secs)
                if name == "after":
                    results[name]["rerun_2_reused"] = len(re.findall(r": from cache", log2))
                    results[name]["rerun_2_said"] = [line for line in log2.splitlines() if line.startswith("reused:")]
                    stop_warm(env)
                    alone = Path(tmp) / f"{name}-alone-{round_}"
                    timed(rerun_cmd(alone, WINDOW), tree, env | {"KZP_WARM": "0"})
                    secs, _ = timed(rerun_cmd(alone, WINDOW_2), tree, env | {"KZP_WARM": "0"})
                    runs[name]["rerun_2_without_warm_process"].append(secs)
        stop_warm(trees["after"][1])
        for name in trees:
            for key, values in runs[name].items():
                results[name][key] = statistics.median(values)
                results[name][f"{key}_runs"] = values
        if not args.skip_stages:
            results["after"]["stages"] = stages(Path(tmp) / "stages")
            results["after"]["chapter_fixed_cost"] = chapter_fixed_cost(Path(tmp) / "fixed")
    after = results["after"]
    # A first rerun into a new folder hands its chapters out longest first by their last run in the
    # main book (book/chapters) when it has been built, else by notebooks/_last_seconds.json: say which.
    after["main_book_built"] = (ROOT / "book" / "chapters").is_dir()
    cores = os.cpu_count() or 1
    if "stages" in after:
        st = after["stages"]
        after["floor"] = after["chapter_fixed_cost"] * st["chapters"] / cores + st["sphinx"]  # type: ignore[operator]
    print(f"cores: {cores}; before = {args.before} ({before}), after = this checkout")
    if hide is not None:
        hidden = ", ".join(sorted(p.stem for p in hide.glob("*.py")))
        print(f"before runs without {hidden} (not among its dependencies)")
    print(f"{'measure':<34}{'before s':>10}{'after s':>10}{'before/after':>14}")
    for key in ("help", "validate", "rerun", "rerun_2_window_changed"):
        b, a = results["before"][key], results["after"][key]
        print(f"{key:<34}{b:>10.2f}{a:>10.2f}{b / a:>13.2f}x")  # type: ignore[operator]
    b, a = results["before"]["rerun_2_window_changed"], after["rerun_2_without_warm_process"]
    print(f"{'rerun_2 without the warm process':<34}{b:>10.2f}{a:>10.2f}{b / a:>13.2f}x")  # type: ignore[operator]
    print(f"reruns: median of {args.rounds} rounds, before and after alternating")
    built = after["main_book_built"]
    order = "by the main book's last run" if built else "by notebooks/_last_seconds.json (no main book built)"
    print(f"after's first reruns handed chapters out longest first {order}")
    print(f"chapters per rerun: {after['rerun_chapters']}; second rerun: {after.get('rerun_2_reused', 0)} from cache")
    for line in after.get("rerun_2_said", []):  # type: ignore[union-attr]
        print(f"  it said: {line}")
    print(f"the warm process answered {after['warm_process_ready_after']:.2f} s after the first rerun ended (median)")
    if "stages" in after:
        st = after["stages"]
        print("after, one rerun by stage:")
        for key in ("validation_and_counts", "staging", "execution", "sphinx"):
            print(f"  {key:<32}{st[key]:>10.2f}")
        for stem, secs in st["per_chapter"].items():
            print(f"    {stem:<30}{secs:>10.2f}")
        print(f"  chapter fixed cost (forked kernel){after['chapter_fixed_cost']:>10.2f}")
        print(f"  floor = fixed x chapters / cores + Sphinx {after['floor']:>6.2f}")
    out_dir = ROOT / "benchmarks" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "rerun.json").write_text(json.dumps({"cores": cores, **results}, indent=2, default=str))


def main_startup(trees: dict[str, tuple[Path, dict[str, str]]], commit: str, repeat: int) -> None:
    """``--startup-only``: the command line's start, before against after, printed and saved as JSON."""
    results = startup(trees, repeat)
    before = trees["before"][0]
    print(f"cores: {os.cpu_count()}; before = {commit} ({before}), after = this checkout")
    print(f"best of {repeat} runs each, before and after alternating")
    print(f"{'measure':<34}{'before s':>10}{'after s':>10}{'before/after':>14}{'median ratio':>14}")
    for key in ("help", "validate"):
        b, a = results["before"][key], results["after"][key]
        bm, am = results["before"][f"{key}_median"], results["after"][f"{key}_median"]
        print(f"{key:<34}{b:>10.3f}{a:>10.3f}{b / a:>13.2f}x{bm / am:>13.2f}x")  # type: ignore[operator]
    print(f"validate prints the same: {results['validate_output_same']['same']}")
    out_dir = ROOT / "benchmarks" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {"cores": os.cpu_count(), "before_commit": commit, "repeat": repeat, **results}
    (out_dir / "startup.json").write_text(json.dumps(payload, indent=2, default=str))


if __name__ == "__main__":
    main()
