"""The project's controlled vocabulary (docs/corpus.md), in one place.

Code, data and prose use these ids; labels are what a reader sees. Keeping them here means a
new country or category is added once and every loader, count and chart follows.
"""

from __future__ import annotations

COUNTRIES: tuple[str, ...] = ("china", "russia")
WEBSITES: tuple[str, ...] = ("government", "president")
PERIODS: tuple[str, ...] = ("before", "after")
MODES: tuple[str, ...] = ("cooperation", "non_cooperation")
LEVELS: tuple[str, ...] = ("main", "secondary")

#: Category ids in the order the thesis lists them (two deductive, five inductive).
CATEGORIES: tuple[str, ...] = (
    "economic",
    "security_military",
    "political_diplomatic",
    "cultural",
    "educational_scientific",
    "cross_border",
    "environmental",
)

#: Categories with no non-cooperation variant: cross-border matters are by nature bilateral.
COOPERATION_ONLY: frozenset[str] = frozenset({"cross_border"})

COUNTRY_LABELS = {"china": "China", "russia": "Russia"}
WEBSITE_LABELS = {"government": "Government (gov.kz)", "president": "President (akorda.kz)"}
CATEGORY_LABELS = {
    "economic": "Economic",
    "security_military": "Security and military",
    "political_diplomatic": "Political and diplomatic",
    "cultural": "Cultural",
    "educational_scientific": "Educational and scientific",
    "cross_border": "Cross-border",
    "environmental": "Environmental",
}
LEVEL_LABELS = {"main": "Main", "secondary": "Secondary"}
MODE_LABELS = {"cooperation": "cooperation", "non_cooperation": "non-cooperation"}
