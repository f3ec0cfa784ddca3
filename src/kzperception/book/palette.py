"""The book's colours: one meaning per colour, the same meaning in every chart.

Before this module each chart chose its own colours, so the same slate grey was a code level in
one figure, the aggregate "Both" in another and the p-value line in a third, where it looked like
Russia. Here every colour belongs to exactly one meaning, and a chart asks for a meaning:

* **partner** (the perceived country), keyed by partner id, for every partner of the vocabulary
  (``data/partners.yaml``, or a corpus's own ``partners.yaml``, passed as ``vocabulary``; a
  rerun's third partner too): :func:`partner_colours`;
* **aggregate** of all partners ("Both", "All partners"), drawn as a grey diamond;
* **website**, keyed by website id: :func:`website_colours`;
* **period** before / after the pivot: :data:`PERIOD`;
* **code level** main / secondary: :data:`LEVEL`;
* **survey wave** (chapter 9): :data:`SURVEY_WAVES`; **dated event** (chapter 9): :data:`EVENT`;
* **statistic and reference lines** (p-value, the 0.05 threshold, the pivot, an expected value,
  a reference value)
  and the aggregate: one neutral grey, the lines told apart by their dash pattern (:data:`DASH`)
  and their labels, never by hue;
* **chart furniture** (axis lines): :data:`AXIS`.

Why these colours. Every mark sits on the page background in light mode (white) and in the
theme's dark mode (``#14181e``), so each colour reaches WCAG 3:1 contrast against both; that
leaves only mid-tones (relative luminance about 0.13 to 0.30), and colours of one set differ by
hue and saturation rather than lightness. Within each set shown together the colours stay at least
:data:`MIN_DISTANCE` apart in CAM02-UCS under simulated deuteranopia, protanopia and tritanopia
(``tests/unit/test_palette.py`` checks it with ``colorspacious``); partners and the aggregate also get
distinct point shapes and line dashes, so a reader who cannot tell two hues apart still can tell
the marks apart. The guarantee holds for up to four partners beside the aggregate; a fifth and
later partner get the remaining series colours and rely on their shapes.

A ``colour`` in ``data/partners.yaml`` or ``data/websites.yaml`` can only choose which colour of
the series an item takes: any other value (and the vocabulary's default fill) is replaced by the
next free colour of the series, because an arbitrary colour could break the contrast or the
colour-blind check that the series passes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kzperception.data.vocabulary import Vocabulary

#: Page backgrounds the marks are drawn on: the theme's light and dark ``--pst-color-background``
#: (pydata-sphinx-theme 0.15). Charts are transparent and output areas take the page background
#: in dark mode (``kzperception.css``), so these are the only two.
LIGHT_BACKGROUND = "#ffffff"
DARK_BACKGROUND = "#14181e"
BACKGROUNDS: tuple[str, ...] = (LIGHT_BACKGROUND, DARK_BACKGROUND)

#: WCAG 2.1 non-text contrast (success criterion 1.4.11) for marks against the page background.
MIN_CONTRAST = 3.0
#: Least CAM02-UCS distance between two colours shown together, with normal vision and under
#: each simulated colour-vision deficiency (100 % severity).
MIN_DISTANCE = 15.0
#: Least CAM02-UCS distance (normal vision) between two colours of different meanings, so that
#: no colour can be read as another meaning's (the neutral statistic greys are one family).
MIN_MEANING_DISTANCE = 10.0

#: Partner colours, in the order partners are listed: China red, Russia blue, then three more for
#: partners a rerun adds.
PARTNER_SERIES: tuple[str, ...] = ("#e0263f", "#3b78e7", "#905090", "#b080b0", "#007828")
#: Point shapes of the partners, same order; the aggregate has its own.
PARTNER_SHAPES: tuple[str, ...] = ("circle", "square", "triangle-up", "cross", "triangle-down")
#: Line dashes of the partners, same order (an empty list is a solid line).
PARTNER_DASHES: tuple[tuple[int, ...], ...] = ((), (6, 3), (2, 2), (8, 2, 2, 2), (1, 3))

#: The neutral grey of the statistic family: the aggregate and every statistic or reference line.
STATISTIC_GREY = "#7b7b7b"
#: All partners together ("Both", "All partners"): a grey diamond.
AGGREGATE = STATISTIC_GREY
AGGREGATE_SHAPE = "diamond"

WEBSITE_SERIES: tuple[str, ...] = ("#2e8b57", "#8e63c4", "#1f7a99")

#: Before and after the pivot.
PERIOD: dict[str, str] = {"before": "#3d96ce", "after": "#bc8400"}
#: Main and secondary codes.
LEVEL: dict[str, str] = {"main": "#55709a", "secondary": "#98893a"}
#: Survey waves in the order they are drawn (chapter 9).
SURVEY_WAVES: tuple[str, ...] = ("#0c9ba7", "#995700")
#: Events the 2024 article dates (chapter 9): one colour, the mark says how precise the date is.
EVENT = "#c80080"

#: Statistic and reference lines: the one grey, told apart by :data:`DASH` (a grey close enough
#: to the middle of the luminance band to stay apart from every partner colour under
#: protanopia, where the red darkens).
STATISTIC: dict[str, str] = {
    "p_value": STATISTIC_GREY,
    "threshold": STATISTIC_GREY,
    "pivot": STATISTIC_GREY,
    "expected": STATISTIC_GREY,
    "reference": STATISTIC_GREY,
}
#: The dash of each statistic line (an empty list is solid).
#: ``expected`` is a value expected under a null (the steady pace of 6.4), ``reference`` a fixed
#: reference value (a ratio of 1).
DASH: dict[str, list[int]] = {
    "p_value": [],
    "threshold": [2, 2],
    "pivot": [6, 3],
    "expected": [4, 2],
    "reference": [1, 3],
}

#: Axis domain lines and ticks (labels take the page's text colour, see ``kzperception.css``).
AXIS = "#888888"

#: Period bands behind the timeline are the period colours at this opacity: an area behind the
#: marks, not a mark, so it is exempt from the contrast rule (the legend carries full colours).
BAND_OPACITY = 0.25


def _assign(ids: Sequence[str], wished: dict[str, str], series: Sequence[str]) -> dict[str, str]:
    """Give every id a series colour: the one its file names when free, else the next free one.

    Ids beyond the series' length reuse it from the start (their shapes still differ).
    """
    out: dict[str, str] = {}
    taken: set[str] = set()
    for i in ids:
        colour = (wished.get(i) or "").lower()
        if colour in series and colour not in taken:
            out[i] = colour
            taken.add(colour)
    free = [c for c in series if c not in taken]
    for n, i in enumerate(x for x in ids if x not in out):
        out[i] = free[n] if n < len(free) else series[(n - len(free)) % len(series)]
    return {i: out[i] for i in ids}


def partner_colours(partners: Sequence[str] | None = None, vocabulary: Vocabulary | None = None) -> dict[str, str]:
    """Colour of every partner id (the vocabulary's order unless ``partners`` is given).

    The assignment is made over all partners of ``vocabulary`` (a corpus's own, from its counts;
    default: the project's), so a partner keeps its colour in a chart that shows only some of them.
    """
    v = vocabulary or Vocabulary.default()
    known = v.partner_ids
    every = list(known) + [p for p in (partners or ()) if p not in known]
    colours = _assign(every, v.partner_colours, PARTNER_SERIES)
    return {p: colours[p] for p in (partners if partners is not None else known)}


def partner_colour(partner: str, vocabulary: Vocabulary | None = None) -> str:
    """Colour of one partner id."""
    return partner_colours([partner], vocabulary)[partner]


def _position(partner: str, vocabulary: Vocabulary | None) -> int:
    known = (vocabulary or Vocabulary.default()).partner_ids
    return known.index(partner) if partner in known else len(known)


def partner_shape(partner: str, vocabulary: Vocabulary | None = None) -> str:
    """Point shape of a partner id: the redundant cue beside its colour."""
    return PARTNER_SHAPES[_position(partner, vocabulary) % len(PARTNER_SHAPES)]


def partner_dash(partner: str, vocabulary: Vocabulary | None = None) -> list[int]:
    """Line dash of a partner id (an empty list is solid)."""
    return list(PARTNER_DASHES[_position(partner, vocabulary) % len(PARTNER_DASHES)])


def website_colours(websites: Sequence[str] | None = None, vocabulary: Vocabulary | None = None) -> dict[str, str]:
    """Colour of every website id (the vocabulary's order unless ``websites`` is given)."""
    v = vocabulary or Vocabulary.default()
    known = v.website_ids
    every = list(known) + [w for w in (websites or ()) if w not in known]
    colours = _assign(every, v.website_colours, WEBSITE_SERIES)
    return {w: colours[w] for w in (websites if websites is not None else known)}


def survey_wave_colours(waves: Sequence[str]) -> list[str]:
    """Colours of the survey waves in drawing order (the series repeats past its length)."""
    return [SURVEY_WAVES[i % len(SURVEY_WAVES)] for i in range(len(waves))]


def meanings() -> dict[str, tuple[str, ...]]:
    """Every colour of the book by meaning (the statistic greys and the aggregate are one family)."""
    return {
        "partner": PARTNER_SERIES,
        "website": WEBSITE_SERIES,
        "period": tuple(PERIOD.values()),
        "level": tuple(LEVEL.values()),
        "survey wave": SURVEY_WAVES,
        "event": (EVENT,),
        "statistic": (STATISTIC_GREY,),
        "axis": (AXIS,),
    }


def shown_together(
    partners: Sequence[str] | None = None, vocabulary: Vocabulary | None = None
) -> dict[str, tuple[str, ...]]:
    """Each set of colours a reader has to tell apart in one chart, for the given partners.

    Reference lines are left out of the sets: they are greys told apart by their dash and their
    label, and they are checked against the data colours beside them instead (see the tests).
    """
    v = vocabulary or Vocabulary.default()
    ids = list(partners if partners is not None else v.partner_ids)
    p = tuple(partner_colours(ids, v).values())
    return {
        "partners and the aggregate (6.4)": (*p, AGGREGATE),
        "partners and the p-value line (6.5)": (*p, STATISTIC["p_value"]),
        "websites (Figure 1)": tuple(website_colours(vocabulary=v).values()),
        "periods (Figures 2, 3 and the timeline)": tuple(PERIOD.values()),
        "timeline events on the period bands": (EVENT, *PERIOD.values()),
        "code levels (Figures 5, 8, 9)": tuple(LEVEL.values()),
        "survey waves (chapter 9)": SURVEY_WAVES,
    }


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of a ``#rrggbb`` colour."""

    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)))
    return (lb + 0.05) / (la + 0.05)


def low_contrast(colours: Iterable[str], backgrounds: Iterable[str] = BACKGROUNDS) -> list[str]:
    """The colours under :data:`MIN_CONTRAST` against any background, with the ratio found."""
    bgs = tuple(backgrounds)
    return [
        f"{c} on {bg}: {contrast_ratio(c, bg):.2f}"
        for c in colours
        for bg in bgs
        if contrast_ratio(c, bg) < MIN_CONTRAST
    ]
