"""``kzperception validate`` in a real process: exit codes and no traceback."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import SMALL_CODES, SMALL_REPORTS, write_corpus


def test_validate_in_a_real_process_has_no_traceback(tmp_path):
    bad = write_corpus(tmp_path / "bad", SMALL_REPORTS, SMALL_CODES + "zz,economic,cooperation,main,primary\n")
    proc = subprocess.run(
        [sys.executable, "-m", "kzperception.cli", "validate", str(bad)], capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert "codes.csv:13: report_id: unknown report id 'zz'" in proc.stderr
    assert "Traceback" not in proc.stderr
