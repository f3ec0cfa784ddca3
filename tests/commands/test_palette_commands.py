"""A third partner read from a file, in a child Python, gets a safe colour of its own."""

from __future__ import annotations

import json

from kzperception.book import palette


def test_third_partner_from_a_file_gets_a_safe_colour(three_partners):
    import subprocess
    import sys

    from conftest import partner_env

    probe = "from kzperception.book import palette; import json; print(json.dumps(palette.partner_colours()))"
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env=partner_env(KZP_PARTNERS=str(three_partners)),
    )
    colours = json.loads(out.stdout)
    assert colours["eu"] == palette.PARTNER_SERIES[2]
    assert palette.low_contrast(colours.values()) == []
