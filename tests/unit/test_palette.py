"""The book's colours: contrast on both page backgrounds, one meaning per colour, colour-blind safety.

Colour-vision deficiencies are simulated with ``colorspacious`` (Machado et al. 2009 at full
severity) and distances measured in CAM02-UCS. Each check is run once on a deliberately bad set
(the palette the book had before), so a check that cannot fail would show here.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import colorspacious as cs  # a dev extra, pinned in requirements.lock: the check must run, never skip
import numpy as np
import pytest
from conftest import registered_chart_specs

from kzperception.book import palette

DEFICIENCIES = ("deuteranomaly", "protanomaly", "tritanomaly")
#: The colours the charts used before the palette: China, Russia, the "Both" slate, the websites'
#: green and gold, the periods' light blue and orange, the secondary level's light grey.
OLD = {
    "partners and Both": ("#b8322b", "#2a5d8f", "#3b4f63"),
    "websites": ("#5b8c5a", "#c9a227"),
    "periods": ("#8fa9c4", "#d9822b"),
    "levels": ("#3b4f63", "#a9b8c6"),
}
HEX = re.compile(r"#[0-9a-fA-F]{6}\b")


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])


def _views(colour: str) -> list[np.ndarray]:
    """The colour in CAM02-UCS as seen with normal vision and with each simulated deficiency."""
    rgb = _rgb(colour)
    seen = [rgb] + [
        np.clip(cs.cspace_convert(rgb, {"name": "sRGB1+CVD", "cvd_type": t, "severity": 100}, "sRGB1"), 0, 1)
        for t in DEFICIENCIES
    ]
    return [cs.cspace_convert(s, "sRGB1", "CAM02-UCS") for s in seen]


def distances(a: str, b: str) -> list[float]:
    """CAM02-UCS distance of two colours: normal vision, deuteranopia, protanopia, tritanopia."""
    return [float(np.linalg.norm(x - y)) for x, y in zip(_views(a), _views(b), strict=True)]


def too_close(colours: tuple[str, ...], least: float = palette.MIN_DISTANCE) -> list[str]:
    """Every pair of the set closer than ``least`` in any of the four views, with the distances."""
    out = []
    for a, b in itertools.combinations(colours, 2):
        d = distances(a, b)
        if min(d) < least:
            out.append(
                f"{a}/{b}: " + ", ".join(f"{v}={x:.1f}" for v, x in zip(("normal", *DEFICIENCIES), d, strict=True))
            )
    return out


def test_every_colour_reaches_3_to_1_on_light_and_dark_backgrounds():
    every = [c for colours in palette.meanings().values() for c in colours]
    assert palette.low_contrast(every) == []


def test_contrast_check_catches_the_old_colours():
    low = palette.low_contrast([c for colours in OLD.values() for c in colours])
    assert any(s.startswith("#c9a227 on #ffffff") for s in low)  # gold
    assert any(s.startswith("#8fa9c4 on #ffffff") for s in low)  # light blue
    assert any(s.startswith("#a9b8c6 on #ffffff") for s in low)  # light grey
    assert any(s.startswith("#2a5d8f on #14181e") for s in low)  # dark blue vanishes in dark mode


def test_wcag_contrast_matches_known_values():
    assert palette.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert palette.contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_no_colour_serves_two_meanings():
    seen: dict[str, str] = {}
    for meaning, colours in palette.meanings().items():
        for c in colours:
            assert c.lower() not in seen, f"{c} is both {seen[c.lower()]} and {meaning}"
            seen[c.lower()] = meaning
    # nor do two meanings look alike (the statistic greys and the aggregate are one family)
    items = [(m, c) for m, cs_ in palette.meanings().items() for c in cs_]
    close = [
        f"{m1} {c1} ~ {m2} {c2}"
        for (m1, c1), (m2, c2) in itertools.combinations(items, 2)
        if m1 != m2 and {m1, m2} != {"statistic", "axis"} and distances(c1, c2)[0] < palette.MIN_MEANING_DISTANCE
    ]
    assert close == []


@pytest.mark.parametrize(
    "partners",
    [None, ["china", "russia", "p3"], ["china", "russia", "p3", "p4"]],
    ids=["thesis", "three partners", "four partners"],
)
def test_colours_shown_together_stay_apart_under_colour_blindness(partners):
    problems = {name: too_close(colours) for name, colours in palette.shown_together(partners).items()}
    assert {k: v for k, v in problems.items() if v} == {}


def test_colour_blind_check_fails_on_the_old_palette():
    problems = {name: too_close(colours) for name, colours in OLD.items()}
    assert problems["partners and Both"], "Russia's blue and the 'Both' slate were hard to tell apart"
    # and on a deliberately bad pair: red and green under deuteranopia
    assert too_close(("#d6323a", "#1e7d32"))


def test_redundant_cues_are_distinct():
    assert len(set(palette.PARTNER_SHAPES)) == len(palette.PARTNER_SHAPES)
    assert palette.AGGREGATE_SHAPE not in palette.PARTNER_SHAPES
    assert len(set(palette.PARTNER_DASHES)) == len(palette.PARTNER_DASHES)
    # the statistic lines share one grey, so each has a dash of its own
    assert len({tuple(d) for d in palette.DASH.values()}) == len(palette.DASH)
    assert set(palette.DASH) == set(palette.STATISTIC)


def test_a_partner_keeps_its_colour_and_a_new_one_gets_a_free_series_colour():
    colours = palette.partner_colours()
    assert colours == {"china": palette.PARTNER_SERIES[0], "russia": palette.PARTNER_SERIES[1]}
    assert palette.partner_colours(["russia"]) == {"russia": palette.PARTNER_SERIES[1]}
    assert palette.partner_colours(["china", "russia", "eu"])["eu"] == palette.PARTNER_SERIES[2]


def test_file_colours_only_choose_within_the_series():
    series = ("#111111", "#222222", "#333333")
    # a wished series colour is kept, an outside one (here an Okabe-Ito default) is replaced
    got = palette._assign(["a", "b", "c"], {"a": "#333333", "b": "#e69f00"}, series)
    assert got == {"a": "#333333", "b": "#111111", "c": "#222222"}
    # two items wishing the same colour: the first keeps it
    assert palette._assign(["a", "b"], {"a": "#222222", "b": "#222222"}, series) == {"a": "#222222", "b": "#111111"}
    # more items than colours: the series repeats rather than failing
    assert len(palette._assign(list("abcde"), {}, series)) == 5


CHART_MODULES = ("charts.py", "uncertainty_charts.py")


def test_chart_modules_write_no_colour_of_their_own():
    folder = Path(palette.__file__).parent
    found = {m: HEX.findall((folder / m).read_text(encoding="utf-8")) for m in CHART_MODULES}
    assert found == {m: [] for m in CHART_MODULES}


def _data_colours(spec: dict) -> set[str]:
    body = {k: v for k, v in spec.items() if k != "config"}
    return {c.lower() for c in HEX.findall(json.dumps(body))}


def _all_specs() -> dict[str, dict]:
    """Every registered chart, drawn from the published counts (the registry, not a list here)."""
    from kzperception.data.counts import load_counts

    return registered_chart_specs(load_counts("published"))


@pytest.fixture(scope="module")
def specs() -> dict[str, dict]:
    return _all_specs()


def test_every_chart_colour_is_a_palette_colour_of_one_set(specs):
    known = {c.lower() for colours in palette.meanings().values() for c in colours}
    sets = [{c.lower() for c in s} for s in palette.shown_together().values()]
    for name, spec in specs.items():
        used = _data_colours(spec)
        assert used <= known, f"{name}: colours outside the palette {sorted(used - known)}"
        data = used - {palette.AXIS}
        assert len(data) <= 1 or any(data <= s for s in sets), f"{name}: {sorted(data)} is no checked set"


def test_reference_lines_stay_apart_from_the_data_beside_them(specs):
    greys = {palette.STATISTIC_GREY}
    for name, spec in specs.items():
        used = _data_colours(spec)
        for line in used & greys:
            for data in used - greys:
                assert min(distances(line, data)) >= palette.MIN_DISTANCE, (name, line, data)


def test_axes_use_the_palette_and_charts_are_transparent(specs):
    config = specs["figure-1"]["config"]
    assert config["background"] == "transparent"
    assert config["axis"]["domainColor"] == palette.AXIS
