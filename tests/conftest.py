"""Shared fixtures: small hand-made corpora written to a temporary folder."""

from __future__ import annotations

import copy
import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import hypothesis
import pandas as pd
import pytest

from kzperception import paths

# A rerun that succeeds leaves a warm process for the next one (kzperception.cli.warm). Tests run
# every command in its own process unless a test asks for one (tests/commands/test_warm_commands.py):
# a warm process started by one test must not serve another's rerun, or outlive the session.
os.environ["KZP_WARM"] = "0"


@functools.cache
def _chart_inputs(kind: str) -> tuple[object, ...]:
    """The project's own inputs of a chart that is not drawn from counts, made once per session."""
    if kind in ("context", "context and window"):
        from kzperception.data.context import load_context
        from kzperception.data.window import THESIS_WINDOW

        return (load_context(),) if kind == "context" else (load_context(), THESIS_WINDOW)
    if kind == "sweep":
        from kzperception.analysis import sensitivity
        from kzperception.data.corpus import load_corpus

        return (sensitivity.pivot_sweep(load_corpus(paths.ROOT / "data" / "register"), "2022-01-06", "2022-03-24"),)
    raise KeyError(f"tests/conftest.py does not know how to supply a chart's {kind!r} inputs; add them here")


#: The specs :func:`registered_chart_specs` drew, by what they were drawn from (:func:`_drawn_from`),
#: with the counts object they were first drawn from (so an id in the key cannot be reused).
_DRAWN_SPECS: dict[tuple[object, ...], tuple[object, dict[str, dict]]] = {}


def _drawn_from(counts: Any) -> tuple[object, ...]:
    """Everything of ``counts`` a chart can read: both frames (by content), window, source, coder,
    stated totals and vocabulary, and the corpus object itself (by identity)."""
    frames = tuple(
        (tuple(frame.columns), tuple(map(str, frame.dtypes)), int(pd.util.hash_pandas_object(frame).sum()))
        for frame in (counts.reports, counts.codes)
    )
    stated = tuple(sorted((counts.stated or {}).items()))
    return (frames, counts.window, counts.source, counts.coder, stated, counts.vocabulary, id(counts.corpus))


def registered_chart_specs(counts: object) -> dict[str, dict]:
    """Every chart of :mod:`kzperception.book.chart_registry` as a Vega-Lite spec, by its glue name.

    Charts drawn from counts are drawn from ``counts``; the others from the project's context and
    register. The palette and text-alternative tests iterate this, so a registered chart is checked
    without a test naming it. The charts are drawn once per distinct counts (a second or two each:
    several modules ask for the published figures' charts) and every caller gets its own deep copy.
    """
    from kzperception.book.chart_registry import registered_charts

    key = _drawn_from(counts)
    if key not in _DRAWN_SPECS:
        specs = {
            name: chart.draw(*((counts,) if chart.inputs == "counts" else _chart_inputs(chart.inputs))).to_dict()
            for name, chart in registered_charts().items()
        }
        _DRAWN_SPECS[key] = (counts, specs)
    return copy.deepcopy(_DRAWN_SPECS[key][1])


def _build_each_cli_once() -> None:
    """Have ``typer.testing.CliRunner.invoke`` build each app's click command once, not on every call.

    Typer turns an app into click commands by reading every command's signature and type hints; for
    the project's app that is most of a ``runner.invoke(app, ...)`` (a quarter of a second here),
    paid again on each of the suite's thousands of calls. A real ``kzperception`` process builds it
    once. The command is rebuilt when the app has gained commands, groups or a callback since, and
    an app's entry goes with the app. Where typer no longer has the hook, every call builds as before.
    """
    import weakref

    import typer.testing

    build = getattr(typer.testing, "_get_command", None)
    if build is None:
        return
    built: weakref.WeakKeyDictionary[object, tuple[tuple[int, ...], object]] = weakref.WeakKeyDictionary()

    def get_command(app: typer.Typer) -> object:
        shape = (len(app.registered_commands), len(app.registered_groups), id(app.registered_callback))
        if app not in built or built[app][0] != shape:
            built[app] = (shape, build(app))
        return built[app][1]

    typer.testing._get_command = get_command


_build_each_cli_once()


#: Hypothesis example counts by profile: ``make unit`` (and the other test targets) run "unit" (a
#: quarter of each property's examples, at least 10: every property still runs on generated
#: inputs), and CI (``.ci/run``) exports ``HYPOTHESIS_PROFILE=thorough`` for the full counts each
#: test names.
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "unit")
if HYPOTHESIS_PROFILE not in ("unit", "thorough"):
    raise pytest.UsageError(f"HYPOTHESIS_PROFILE={HYPOTHESIS_PROFILE}: use unit or thorough")
#: Properties that name no count of their own: 25 examples under "unit", Hypothesis's 100 in CI.
hypothesis.settings.register_profile("unit", max_examples=25)
hypothesis.settings.register_profile("thorough", max_examples=100)
hypothesis.settings.load_profile(HYPOTHESIS_PROFILE)


def examples(thorough: int) -> int:
    """A property's example count under the current profile: ``thorough`` in CI, a quarter otherwise."""
    return thorough if HYPOTHESIS_PROFILE == "thorough" else max(10, thorough // 4)


REPORTS_HEADER = "id,country,website,entity,date,url,title_ru,title_en,excerpt_ru,excerpt_en,provenance\n"
CODES_HEADER = "report_id,category,mode,level,coder\n"


def write_corpus(folder: Path, reports: str, codes: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "reports.csv").write_text(REPORTS_HEADER + reports, encoding="utf-8")
    (folder / "codes.csv").write_text(CODES_HEADER + codes, encoding="utf-8")
    return folder


# Eight reports, six of them placed around the thesis window's edges on purpose:
# r1 the start day, r2 the day before the pivot, r3 the pivot day, r4 the end day,
# r5 the day after the end (outside), r6 the day before the start (outside); r7 and r8 lie inside.
SMALL_REPORTS = """\
r1,china,government,mfa,2020-08-24,,,,,,synthetic
r2,china,government,mfa,2022-02-23,,,,,,synthetic
r3,china,president,akorda,2022-02-24,,,,,,synthetic
r4,russia,government,mti,2023-08-24,,,,,,synthetic
r5,russia,president,akorda,2023-08-25,,,,,,synthetic
r6,russia,president,akorda,2020-08-23,,,,,,synthetic
r7,russia,president,akorda,2021-01-10,,,,,,synthetic
r8,china,government,mes,2023-01-05,,,,,,synthetic
"""
SMALL_CODES = """\
r1,economic,cooperation,main,primary
r1,cultural,cooperation,secondary,primary
r2,political_diplomatic,cooperation,main,primary
r3,economic,cooperation,main,primary
r3,political_diplomatic,cooperation,main,primary
r4,security_military,non_cooperation,main,primary
r4,economic,cooperation,secondary,primary
r5,economic,cooperation,main,primary
r6,economic,cooperation,main,primary
r7,security_military,cooperation,main,primary
r8,educational_scientific,cooperation,main,primary
"""


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "small", SMALL_REPORTS, SMALL_CODES)


@pytest.fixture
def frame_of():
    def _f(text: str, header: str) -> pd.DataFrame:
        from io import StringIO

        return pd.read_csv(StringIO(header + text), dtype=str, keep_default_na=False, na_values=[""])

    return _f


@pytest.fixture(scope="session")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The main book, built once per test session outside the checkout (`kzperception build --out`).

    The main book's executed chapters seed the cache, so after `make book` only what changed runs.
    """
    out = tmp_path_factory.mktemp("book") / "main"
    proc = subprocess.run(
        [sys.executable, "-m", "kzperception.cli", "build", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=paths.ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out / "html"


@pytest.fixture
def synth_app():
    """A bare typer app carrying only the synth and sensitivity commands."""
    import typer

    from kzperception.cli import synth as cli_synth

    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test app."""

    cli_synth.register(app)
    return app


# --- a third partner (tests of partners as data) ----------------------------------------------------

#: The third partner the tests add to a copy of data/partners.yaml (no colour: it takes the palette's first).
EU = {
    "id": "eu",
    "label": "European Union",
    "keywords_ru": ["Евросоюз", "ЕС", "Брюссель"],
    "adjectives_ru": ["европейский"],
    "abbreviations_ru": ["ЕС"],
}


def partner_env(**extra: str) -> dict[str, str]:
    """The environment for a subprocess: the project's own partners and websites files unless ``extra`` says."""
    import os

    from kzperception.data import vocabulary

    env = {k: v for k, v in os.environ.items() if k not in (vocabulary.PARTNERS_ENV, vocabulary.WEBSITES_ENV)}
    return env | extra


@pytest.fixture(scope="module")
def three_partners(tmp_path_factory) -> Path:
    """A copy of data/partners.yaml with the EU added (tests never edit the real file)."""
    import yaml

    from kzperception.data import vocabulary

    items = [*yaml.safe_load(vocabulary.PARTNERS_FILE.read_text(encoding="utf-8")), EU]
    path = tmp_path_factory.mktemp("partners") / "partners.yaml"
    path.write_text(yaml.safe_dump(items, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# --- an added category (tests of the codebook as data) ----------------------------------------------

#: An inductive category a researcher might add to a corpus's codebook.yaml (synthetic test data).
HEALTH = {
    "id": "health",
    "label": "Health cooperation",
    "short_label": "Health",
    "origin": "inductive",
    "modes": ["cooperation"],
    "definition": "Joint work on public health (a test category).",
    "keywords_ru": ["здравоохранение", "вакцина"],
    "examples": [],
}


def write_health_codebook(path: Path) -> Path:
    """A copy of data/codebook.yaml with :data:`HEALTH` added, written to ``path`` (never the real file)."""
    import yaml

    book = yaml.safe_load(paths.CODEBOOK.read_text(encoding="utf-8"))
    book["categories"].append(HEALTH)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(book, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def three_partner_corpus(three_partners: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic corpus of the three partners, made by ``kzperception synth`` in a child Python that
    reads :func:`three_partners` (the vocabulary is read once, at import)."""
    folder = tmp_path_factory.mktemp("corpus") / "syn"
    proc = subprocess.run(
        [sys.executable, "-m", "kzperception.cli", "synth", "--seed", "4", "--out", str(folder)],
        capture_output=True,
        text=True,
        env=partner_env(KZP_PARTNERS=str(three_partners)),
        cwd=paths.ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    return folder


# --- the browser every book test opens pages in ---------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: No DNS and no proxy that answers: nothing can leave the machine even if a route were missed.
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
]


#: Set to 1 to let the book and browser tests skip on a machine without Chromium; otherwise they fail.
ALLOW_SKIP_ENV = "KZP_ALLOW_SKIP"
#: The one line a book or browser test fails (or, with KZP_ALLOW_SKIP=1, skips) with where Chromium is missing.
NO_CHROMIUM = (
    f"Chromium is missing: the book and browser tests need it (apt-get install chromium; "
    f"{ALLOW_SKIP_ENV}=1 skips them instead)"
)


def missing(line: str) -> NoReturn:
    """Fail the running test with ``line`` (what is missing and how to install it), in one line and
    without a traceback; or skip it with that line where ``KZP_ALLOW_SKIP=1``.

    Why not a plain skip: `make test` on a machine without Chromium used to pass while most of its
    book and browser checks silently skipped; a missing tool must be seen, and skipping must be
    asked for. Every such line names ``KZP_ALLOW_SKIP=1``, which is how the summary finds them.
    """
    assert f"{ALLOW_SKIP_ENV}=1" in line, "a missing-tool line says that KZP_ALLOW_SKIP=1 skips instead"
    if os.environ.get(ALLOW_SKIP_ENV) == "1":
        pytest.skip(line)
    pytest.fail(line, pytrace=False)


def need_chromium() -> None:
    """Fail the running test in one line where the machine has no Chromium, or skip it if KZP_ALLOW_SKIP=1."""
    if CHROMIUM is None:
        missing(NO_CHROMIUM)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Every test marked ``book`` or ``browser`` needs Chromium (checked before its fixtures build a book)."""
    if item.get_closest_marker("book") or item.get_closest_marker("browser"):
        need_chromium()


# --- each test in the folder of its kind ------------------------------------------------------------

#: The folders `make test` runs, each by its own target: tests/unit (`make unit`), tests/commands
#: (`make commands`), tests/book (`make book-tests`). tests/regression is nbval's (`make regression`).
KINDS = ("unit", "commands", "book")


def misplaced(item: pytest.Item, tests: Path) -> str | None:
    """Why ``item`` is in the wrong folder of ``tests``, or None: a test marked ``book`` or ``browser``
    belongs in tests/book and every test there carries one of the marks; any other test file lives in
    tests/unit or tests/commands. A test outside ``tests``, or a ``tests`` without the three folders (a
    copy of this file elsewhere, as tests/commands/test_chromium_gate.py makes), is not judged."""
    path = Path(str(item.path))
    if not path.is_relative_to(tests) or not all((tests / kind).is_dir() for kind in KINDS):
        return None
    parts = path.relative_to(tests).parts
    folder = parts[0] if len(parts) > 1 else None
    if folder == "regression":
        return None
    marked = bool(item.get_closest_marker("book") or item.get_closest_marker("browser"))
    if folder not in KINDS:
        return f"{item.nodeid}: not in tests/unit, tests/commands or tests/book, so `make test` would not run it"
    if marked and folder != "book":
        return f"{item.nodeid}: marked book/browser, so it belongs in tests/book (`make book-tests`)"
    if not marked and folder == "book":
        return f"{item.nodeid}: in tests/book but marked neither book nor browser"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse to run a suite with a test in the wrong folder: the make targets run folders, not marks,
    so a book test in tests/unit would slow the edit loop and a plain test elsewhere would never run."""
    wrong = [line for item in items if (line := misplaced(item, Path(__file__).parent)) is not None]
    if wrong:
        raise pytest.UsageError("tests in the wrong folder:\n" + "\n".join(wrong))


def _missing_line(report: object) -> str | None:
    """The :func:`missing` line a skipped or failed test report carries, if any: a skip's reason,
    or a failure that is that one line and nothing else (a traceback that merely shows such a line
    in its source is another failure)."""
    longrepr = getattr(report, "longrepr", None)
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        text = str(longrepr[2]).removeprefix("Skipped: ")
    else:
        text = str(longrepr or "").strip()
    return text if "\n" not in text and f"{ALLOW_SKIP_ENV}=1" in text else None


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Say how many tests were skipped, or failed, for each missing tool (works under xdist too)."""
    for said, outcomes in (("skipped", ("skipped",)), ("failed", ("failed", "error"))):
        counted: dict[str, int] = {}
        for report in (r for o in outcomes for r in terminalreporter.stats.get(o, [])):
            if (line := _missing_line(report)) is not None:
                counted[line] = counted.get(line, 0) + 1
        for line, n in sorted(counted.items()):
            terminalreporter.write_line(f"{n} test{'s' * (n != 1)} {said}: {line}")
        if said == "skipped" and counted:
            total = sum(counted.values())
            terminalreporter.write_line(
                f"{ALLOW_SKIP_ENV}=1: {total} test{'s' * (total != 1)} skipped because something they need is missing"
            )


@pytest.fixture(scope="module")
def html_root(request: pytest.FixtureRequest) -> Path:
    """The built book the browser tests read: ``KZP_TEST_HTML`` (a book built earlier) or one built now."""
    given = os.environ.get("KZP_TEST_HTML")
    if given:
        root = Path(given).resolve()
        assert (root / "index.html").is_file(), f"KZP_TEST_HTML={given} holds no index.html"
        return root
    return request.getfixturevalue("built_book")


DRAWN = "() => [...document.querySelectorAll('.kzp-chart')].every(d => d.querySelector('svg, canvas'))"


def draw_charts(page: object, timeout_ms: int = 15_000) -> None:
    """Have the page draw every chart and wait until all are drawn.

    kzp-charts.js loads the Vega bundle only when a chart nears the viewport; ``kzpDrawAll()``
    loads it at once and draws every chart (a failure shows in the chart's box, and the wait
    below then times out).
    """
    if not page.locator(".kzp-chart").count():  # type: ignore[attr-defined]
        return
    page.evaluate("() => { if (window.kzpDrawAll) window.kzpDrawAll().catch(() => {}); }")  # type: ignore[attr-defined]
    page.wait_for_function(DRAWN, timeout=timeout_ms)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Chromium per test module (where the machine has none, see `need_chromium`).

    Per module, not per session: a module that drives Playwright itself (the PDF tests) cannot
    start while another sync Playwright is running in the same thread.
    """
    need_chromium()
    from playwright import sync_api  # a dev extra: the browser checks must run, never skip

    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS, headless=True)
        yield b
        b.close()
