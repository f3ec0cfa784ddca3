"""No undefined number reaches prose: glue_facts refuses NaN and infinity, callers drop them first (issue 19).

A one-report corpus used to put "nan %" into 6.2 and 6.3.1, and a window whose before period is
empty "a change of +nan %": the measures return NaN for a share of nothing or a change from
nothing, and ``glue_facts`` glued it as it was. Now ``glue_facts`` refuses such a fact by name,
and every chapter and view glues ``defined_facts(...)`` of what its counts give.
"""

from __future__ import annotations

import math
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kzperception.analysis import measures, stats
from kzperception.book import views
from kzperception.book.display import UndefinedFactError, defined_facts, glue_facts
from kzperception.data.counts import PUBLISHED, load_counts
from kzperception.data.window import Window
from tests.conftest import write_corpus

THESIS = ("2020-08-24", "2022-02-24", "2023-08-24")


@pytest.fixture
def glued(monkeypatch) -> dict[str, object]:
    """What ``myst_nb.glue`` was handed, by name (no kernel needed)."""
    import myst_nb

    out: dict[str, object] = {}
    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display=True: out.__setitem__(name, value))
    return out


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, np.float64("nan"), np.inf, pd.NA])
def test_glue_facts_refuses_a_number_that_is_not_finite_naming_the_fact(glued, bad):
    with pytest.raises(UndefinedFactError, match=r"'s62_china_change' \(.*\) is not a finite number.*nan"):
        glue_facts({"n_reports": 12, "china_change": bad}, prefix="s62_")
    assert glued == {}  # refused before anything is glued: no half-glued chapter


def test_glue_facts_names_the_first_five_and_counts_the_rest(glued):
    facts = {f"share_{i}": math.nan for i in range(8)}
    with pytest.raises(UndefinedFactError) as err:
        glue_facts(facts)
    assert "'share_0'" in str(err.value) and "'share_4'" in str(err.value) and "'share_5'" not in str(err.value)
    assert "and 3 more" in str(err.value)


def test_glue_facts_still_glues_finite_numbers_as_before(glued):
    glue_facts({"n_reports": 12.0, "china_share": 33.333, "russia_change": 50.0, "after_per_day": 0.0673, "k": 3})
    assert glued == {"n_reports": 12, "china_share": 33.3, "russia_change": 50.0, "after_per_day": 0.0673, "k": 3}
    assert isinstance(glued["n_reports"], int)


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.just(np.float64("nan"))),
    )
)
def test_defined_facts_keeps_exactly_the_finite_numbers(facts):
    kept = defined_facts(facts)
    assert kept == {k: v for k, v in facts.items() if math.isfinite(v)}
    assert all(math.isfinite(v) for v in kept.values())


def _corpus(folder: Path, rows: list[tuple[str, str, str]]) -> Path:
    reports = "".join(f"{rid},{partner},president,akorda,{day},,,,,,synthetic\n" for rid, partner, day in rows)
    codes = "".join(f"{rid},economic,cooperation,main,primary\n" for rid, _, _ in rows)
    return write_corpus(folder, reports, codes)


TINY = {
    "one report": [("r1", "china", "2022-05-01")],
    "empty before period": [("r1", "china", "2022-05-01"), ("r2", "russia", "2023-01-10")],
}


@pytest.mark.parametrize("case", list(TINY))
def test_a_tiny_corpus_has_undefined_facts_and_the_chapters_glue_none_of_them(tmp_path, glued, case):
    """Each facts function a chapter glues, on a corpus where a share or change is undefined."""
    counts = load_counts(_corpus(tmp_path / "c", TINY[case]), Window.from_options(*THESIS))
    sources = {
        "reports": measures.reports_facts(counts),
        "period": measures.period_facts(counts),
        "coding": measures.coding_facts(counts),
        "slot": measures.slot_facts(counts),
        "interval": stats.interval_facts(counts),
    }
    undefined = [f"{name}:{k}" for name, facts in sources.items() for k, v in facts.items() if not math.isfinite(v)]
    assert any(k.endswith("china_change") for k in undefined)  # the "+nan %" of the issue
    for name, facts in sources.items():
        with pytest.raises(UndefinedFactError) if any(u.startswith(f"{name}:") for u in undefined) else nullcontext():
            glue_facts(facts)
        glue_facts(defined_facts(facts), prefix=f"{name}_")
    assert glued and all(math.isfinite(v) for v in glued.values())


def test_the_partner_slot_view_glues_no_undefined_number(tmp_path, glued):
    counts = load_counts(_corpus(tmp_path / "c", TINY["one report"]), Window.from_options(*THESIS))
    thesis = load_counts(PUBLISHED)  # the thesis never printed some slots: NaN in its facts
    assert any(not math.isfinite(v) for v in measures.slot_facts(thesis).values())
    for partner in ("china", "russia"):
        views.glue_partner_slots(counts, thesis, partner)
    numbers = {k: v for k, v in glued.items() if isinstance(v, (int, float))}
    assert "partner_n_after" in numbers and "n_china_before" in numbers
    assert all(math.isfinite(v) for v in numbers.values())
    assert "partner_change" not in glued  # one report before nothing: the change is not known
