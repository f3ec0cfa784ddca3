"""The readings of sections 6.3-6.5 hold with a third partner, computed in a child Python that reads
``KZP_PARTNERS`` (the vocabulary is read once, at import)."""

from __future__ import annotations

from pathlib import Path

from kzperception import paths


def test_the_readings_hold_with_a_third_partner(three_partners: Path, tmp_path: Path) -> None:
    """A corpus with the EU: no two-partner direction is read into a k x 2 table, the sweep names every partner."""
    import subprocess
    import sys

    from tests.conftest import partner_env

    code = (
        "from kzperception.fieldwork.synth import write_synthetic\n"
        "from kzperception.data.counts import load_counts\n"
        "from kzperception.data.corpus import load_corpus\n"
        "from kzperception.data.window import THESIS_WINDOW as W\n"
        "from kzperception.analysis.sensitivity import pivot_sweep\n"
        "from kzperception.readings import registry, render, sweep\n"
        f"f = write_synthetic(2, {str(tmp_path / 'c')!r})\n"
        "c = load_counts(f, W)\n"
        "for k, t in registry.texts(c, ['test_plainly'], load_counts('published')).items():\n"
        "    print(k, '|', t)\n"
        "s = pivot_sweep(load_corpus(f), window=W)\n"
        "for v in sweep.verdicts(s, W.pivot):\n"
        "    print(v.key, '|', render.render(v, render.Labels(partners=sweep.partner_labels(s))))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=paths.ROOT,
        env=partner_env(KZP_PARTNERS=str(three_partners)),
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    said = dict(line.split(" | ", 1) for line in proc.stdout.splitlines())
    # no pair to read plainly: the page says why, and the registry's k-partner test is the reading
    assert said["said_test_plainly"] == (
        "There is no single pair of partners to read plainly here: that needs reports on exactly two partners."
    )
    assert "sweep_eu" in said
    assert "higher than Russia's and European Union's" in said["sweep_ahead"]
    for key, text in said.items():
        assert "p = <" not in text and " nan" not in text and "several" not in text, (key, text)
