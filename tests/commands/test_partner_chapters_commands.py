"""A third partner gets a slot chapter numbered after the thesis's two, seen by a child Python that reads
``KZP_PARTNERS``."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from kzperception import paths
from tests.conftest import partner_env

# --- a third partner, in a fresh interpreter ---------------------------------------------------------


PROBE = textwrap.dedent("""
    import json, sys
    from kzperception.book import chapter_templates, execute, layout, rerun
    from kzperception.data.corpus import load_corpus
    known = rerun.available_chapters()
    src = chapter_templates.chapter_source("06-3-4-eu-slots")
    json.dump({"instances": chapter_templates.partner_chapters(), "known": known,
               "default": rerun.default_chapters(load_corpus(sys.argv[1]), known),
               "fields": src.fields, "reading": src.reading and str(src.reading)}, sys.stdout)
""")


def test_a_third_partner_has_a_chapter_numbered_after_the_thesiss_two(three_partners, three_partner_corpus):
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(three_partner_corpus)],
        capture_output=True,
        text=True,
        env=partner_env(KZP_PARTNERS=str(three_partners)),
        cwd=paths.ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    assert out["instances"] == ["06-3-2-china-slots", "06-3-3-russia-slots", "06-3-4-eu-slots"]
    slots = ["06-3-2-china-slots", "06-3-3-russia-slots", "06-3-4-eu-slots"]
    assert out["known"][out["known"].index("06-3-1-categories") + 1 :][:3] == slots  # 6.3.4, then 6.4
    assert out["default"] == [
        "06-0-results",
        "06-2-reports",
        "06-3-coding",
        "06-3-1-categories",
        *slots,
        "06-4-uncertainty",
        "06-5-sensitivity",
        "08-conclusion",
        "appendix-audit",
    ]
    assert out["fields"] == {"partner": "eu", "label": "European Union", "anchor": "sec-eu-slots", "number": "6.3.4"}
    assert out["reading"] is None
