"""``kzperception --help`` and ``validate`` in a fresh interpreter import no data library (issue 22)."""

from __future__ import annotations

import subprocess
import sys

from kzperception import paths

REGISTER = paths.ROOT / "data" / "register"


HEAVY = ("pandas", "pyarrow", "numpy", "scipy", "altair", "statsmodels")


def _imported_by(*argv: str) -> set[str]:
    """The heavy modules a fresh interpreter has imported after running ``kzperception ARGV``."""
    code = (
        "import sys\n"
        f"sys.argv = ['kzperception', *{list(argv)!r}]\n"
        "from kzperception.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        f"print(','.join(m for m in {(*HEAVY, 'rich')!r} if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=paths.ROOT, check=True)
    return set(filter(None, proc.stdout.strip().splitlines()[-1].split(",")))


def test_help_imports_no_data_library():
    assert not _imported_by("--help") & set(HEAVY)


def test_validate_of_a_valid_corpus_imports_no_data_library_and_no_rich():
    assert not _imported_by("validate", str(REGISTER)) & {*HEAVY, "rich"}
