"""Synthetic corpora whose margins are the thesis's published counts.

The thesis publishes counts, not its 218 coded reports. Tests, benchmarks and demonstrations need
a corpus in the interchange format that a reader could have collected, so this module builds one
whose every published margin comes out exactly: Table 1's eight slots, the main and secondary
codes per country and category, the main codes per country and period the thesis gives in
sections 6.3.2-6.3.3 and the non-cooperation codes it places. Everything the thesis leaves open is
filled by a stated rule, never by invention dressed as data:

* a country-level code cell whose split between the periods is not published is divided in
  proportion to the periods' report counts (after the published period cells are taken out);
* dates are uniform within each period of the thesis window;
* which report carries which code is arbitrary (shuffled with the seed);
* a partner of ``data/partners.yaml`` the thesis did not study (a third partner) borrows the
  margins of a published partner, in turn (the first unpublished partner China's, the next
  Russia's, ...), with its two periods swapped so that it never duplicates the one it borrows from
  and the tests across partners have something to compare. Its cells count as unpublished.

Every report says ``provenance = synthetic`` and its title says it is not a real document, so a
book built from it is labelled a demonstration on every page.

With ``reports=N`` every margin is scaled by ``N / 218`` with largest-remainder rounding, so the
cells still add up to their totals. The construction is vectorised (a handful of numpy
operations per slot), so a million reports take a few seconds.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from kzperception.data.corpus import write_corpus
from kzperception.data.counts import load_counts
from kzperception.data.vocabulary import CATEGORIES, COUNTRIES, MODES, PERIODS, WEBSITES, partner_label
from kzperception.data.window import THESIS_WINDOW, Window

PROVENANCE = "synthetic"
CELL_KEYS = ["country", "period", "category", "mode", "level"]


class SynthError(ValueError):
    """The requested margins cannot be met by any corpus (e.g. too few reports for the codes)."""


def largest_remainder(total: int, weights: np.ndarray | list[float]) -> np.ndarray:
    """Integers proportional to ``weights`` that sum to exactly ``total`` (Hamilton's method).

    Each share is rounded down and the units left over go to the largest remainders (ties to the
    earlier cell), so scaled cells keep adding up to their scaled total.
    """
    w = np.asarray(weights, dtype=float)
    if total < 0 or (w < 0).any():
        raise ValueError("largest_remainder: total and weights must be non-negative")
    if w.sum() == 0:
        if total:
            raise ValueError("largest_remainder: a positive total cannot be split over zero weights")
        return np.zeros(len(w), dtype=np.int64)
    exact = total * w / w.sum()
    out = np.floor(exact).astype(np.int64)
    left = int(total - out.sum())
    if left:
        order = np.argsort(-(exact - out), kind="stable")
        out[order[:left]] += 1
    return out


def published_margins() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The published slots and a complete code table per (country, period, category, mode, level).

    Returns ``(slots, cells)``: ``slots`` is Table 1 (country, website, period, n); ``cells`` has
    one row per cell with a non-zero count, and a ``published`` flag saying whether the thesis
    prints the cell itself or it follows from the rule in the module docstring.
    """
    counts = load_counts("published")
    slots = counts.reports[["country", "website", "period", "n"]].copy()
    per_period = slots.groupby(["country", "period"])["n"].sum()
    codes = counts.codes
    country = codes[codes["period"] == "all"]
    by_slot = codes[codes["period"].isin(PERIODS)]
    in_slots: dict[tuple, dict[str, int]] = {}
    for r in by_slot.itertuples(index=False):
        in_slots.setdefault((r.country, r.category, r.mode, r.level), {})[r.period] = int(r.n)
    rows = []
    for key, total in country.groupby(["country", "category", "mode", "level"], sort=False)["n"].sum().items():
        c, cat, mode, level = key
        known = in_slots.get(key, {})
        open_periods = [p for p in PERIODS if p not in known]
        rest = int(total) - sum(known.values())
        if rest < 0:
            raise SynthError(f"published: {key} period cells exceed the country total {int(total)}")
        split = (
            largest_remainder(rest, [per_period[(c, p)] for p in open_periods])
            if open_periods
            else np.zeros(0, dtype=int)
        )
        values = {**known, **dict(zip(open_periods, (int(x) for x in split), strict=True))}
        if not open_periods and rest:
            raise SynthError(f"published: {key} period cells do not add up to the country total")
        rows += [(c, p, cat, mode, level, values[p], p in known) for p in PERIODS]
    # Slot cells with no country total (the non-cooperation codes the thesis places in a slot).
    have = {tuple(r[:5]) for r in rows}
    for r in by_slot.itertuples(index=False):
        key = (r.country, r.period, r.category, r.mode, r.level)
        if key not in have and r.n:
            rows.append((*key, int(r.n), True))
    cells = pd.DataFrame(rows, columns=[*CELL_KEYS, "n", "published"])
    cells = cells[cells["n"] > 0].reset_index(drop=True)
    return _with_borrowed(slots, cells)


def borrowed_partners() -> dict[str, str]:
    """Partner id -> the published partner whose margins (periods swapped) it borrows; {} for the thesis's two."""
    known = [c for c in COUNTRIES if c in set(load_counts("published").reports["country"])]
    if not known:
        raise SynthError("published: the published figures hold none of the partners of data/partners.yaml")
    missing = [c for c in COUNTRIES if c not in known]
    return {c: known[i % len(known)] for i, c in enumerate(missing)}


def _with_borrowed(slots: pd.DataFrame, cells: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add the margins of every partner without published figures (see the module docstring)."""
    borrowed = borrowed_partners()
    if not borrowed:
        return slots, cells
    swap = {"before": "after", "after": "before"}
    extra_slots, extra_cells = [slots], [cells]
    for partner, source in borrowed.items():
        s = slots[slots["country"] == source]
        extra_slots.append(s.assign(country=partner, period=s["period"].map(swap)))
        c = cells[cells["country"] == source]
        extra_cells.append(c.assign(country=partner, period=c["period"].map(swap), published=False))
    return (pd.concat(extra_slots, ignore_index=True), pd.concat(extra_cells, ignore_index=True))


def scaled_margins(reports: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The published margins scaled to ``reports`` reports (unchanged when ``None`` or 218).

    Slots are scaled together (they sum to ``reports``); the code cells of each (mode, level) are
    scaled together at the country level and then split between the periods in the proportion of
    the unscaled cells, so the country totals and the period cells stay consistent.
    """
    slots, cells = published_margins()
    base = int(slots["n"].sum())
    if reports is None or reports == base:
        return slots, cells
    if reports <= 0:
        raise SynthError(f"--reports: must be positive, got {reports}")
    f = reports / base
    slots = slots.assign(n=largest_remainder(reports, slots["n"].to_numpy()))
    keys = ["country", "category", "mode", "level"]
    cells = cells.reset_index(drop=True)
    scaled = np.zeros(len(cells), dtype=np.int64)
    totals = cells.groupby(keys, sort=False)["n"].sum()
    for (_mode, _level), group in totals.groupby(level=["mode", "level"], sort=False):
        target = round(int(group.sum()) * f)
        new_totals = dict(zip(group.index, largest_remainder(target, group.to_numpy()), strict=True))
        for key, rows in cells.groupby(keys, sort=False).indices.items():
            if key in new_totals:
                scaled[rows] = largest_remainder(int(new_totals[key]), cells["n"].to_numpy()[rows])
    scaled_cells = cells.assign(n=scaled)
    return slots, scaled_cells[scaled_cells["n"] > 0].reset_index(drop=True)


def _slot_codes(n: int, cells: pd.DataFrame, label: str) -> tuple[np.ndarray, ...]:
    """Place one slot's codes on its ``n`` reports (indices 0..n-1).

    Returns four integer arrays: report index, and the positions of category, mode and level in
    the vocabulary. Main codes are laid end to end, category after category (both modes of a
    category adjacent), and position ``i`` goes to report ``i mod n``: a category's run is at most
    ``n`` long, so no report gets a category twice, and as there are at least ``n`` main codes
    every report gets one. The reports a category's main run covers form one cyclic interval; its
    secondary codes go to the reports just after that interval, which therefore do not have the
    category as main in either mode.
    """
    cells = cells.assign(
        cat_i=cells["category"].map({c: i for i, c in enumerate(CATEGORIES)}),
        mode_i=cells["mode"].map({m: i for i, m in enumerate(MODES)}),
    )
    main = cells[cells["level"] == "main"].sort_values(["cat_i", "mode_i"])
    total_main = int(main["n"].sum())
    if total_main < n:
        raise SynthError(f"{label}: {total_main} main codes cannot give each of {n} reports one")
    per_cat = main.groupby("category", sort=False)["n"].sum()
    if (per_cat > n).any():
        bad = per_cat[per_cat > n]
        raise SynthError(f"{label}: main codes of {bad.index[0]} ({int(bad.iloc[0])}) exceed {n} reports")
    counts = main["n"].to_numpy()
    idx = [np.arange(total_main, dtype=np.int64) % n]
    cats = [np.repeat(main["cat_i"].to_numpy(), counts)]
    modes = [np.repeat(main["mode_i"].to_numpy(), counts)]
    levels = [np.zeros(total_main, dtype=np.int8)]
    start = dict(zip(per_cat.index, np.cumsum(per_cat.to_numpy()) - per_cat.to_numpy(), strict=True))
    for row in cells[cells["level"] == "secondary"].itertuples(index=False):
        k = int(row.n)
        taken = int(per_cat.get(row.category, 0))
        if k > n - taken:
            raise SynthError(
                f"{label}: {k} secondary {row.category} codes but only {n - taken} reports without it as main"
            )
        first = int(start.get(row.category, 0)) + taken
        idx.append((first + np.arange(k, dtype=np.int64)) % n)
        cats.append(np.full(k, row.cat_i))
        modes.append(np.full(k, row.mode_i))
        levels.append(np.ones(k, dtype=np.int8))
    return tuple(np.concatenate(x) for x in (idx, cats, modes, levels))


def _period_days(window: Window) -> dict[str, tuple[np.datetime64, int]]:
    """First day and number of days of each period (``after`` includes the end day)."""
    start, pivot, end = (np.datetime64(d, "D") for d in (window.start, window.pivot, window.end))
    return {
        "before": (start, int((pivot - start).astype(np.int64))),
        "after": (pivot, int((end - pivot).astype(np.int64)) + 1),
    }


def _text(prefix: str, number: np.ndarray, suffix: str = "") -> np.ndarray:
    """``prefix + number + suffix`` for every element, in C (numpy's string ufuncs), as Python strs."""
    return np.strings.add(np.strings.add(prefix, number), suffix).astype(object)


def synthesize(seed: int, reports: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A synthetic corpus ``(reports_df, codes_df)`` with the published margins (scaled to ``reports``).

    Deterministic for a seed: the seed moves dates and which report carries which code, never a
    count. Columns are text (low-cardinality ones as categoricals) in the interchange format,
    ready for :func:`~kzperception.data.corpus.write_corpus`.
    """
    rng = np.random.default_rng(seed)
    slots, cells = scaled_margins(reports)
    days = _period_days(THESIS_WINDOW)
    first_day = days["before"][0]
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("country", "website", "day", "report", "cat", "mode", "level")
    }
    offset = 0
    for ci, country in enumerate(COUNTRIES):
        for period in PERIODS:
            slot = slots[(slots["country"] == country) & (slots["period"] == period)]
            per_site = dict(zip(slot["website"], slot["n"].astype(int), strict=True))
            n = sum(per_site.values())
            if n == 0:
                continue
            mine = cells[(cells["country"] == country) & (cells["period"] == period)]
            idx, cat, mode, level = _slot_codes(n, mine, f"{country} {period}")
            perm = rng.permutation(n)  # which report carries which codes
            parts["report"].append(offset + perm[idx])
            parts["cat"].append(cat)
            parts["mode"].append(mode)
            parts["level"].append(level)
            parts["country"].append(np.full(n, ci, dtype=np.int8))
            parts["website"].append(
                np.repeat(np.arange(len(WEBSITES), dtype=np.int8), [per_site.get(w, 0) for w in WEBSITES])
            )
            first, length = days[period]
            parts["day"].append(int((first - first_day).astype(np.int64)) + rng.integers(0, length, size=n))
            offset += n
    col = {k: np.concatenate(v) for k, v in parts.items()}
    # Ids follow the calendar (syn-000001 is the earliest report), ties in slot order.
    order = np.argsort(col["day"], kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    total = len(order)
    number = np.arange(1, total + 1).astype(np.dtypes.StringDType())
    ids = _text("syn-", np.strings.zfill(number, max(6, len(str(total)))))
    n_days = days["after"][0] - first_day + days["after"][1]
    calendar = np.datetime_as_string(first_day + np.arange(int(n_days.astype(np.int64))), unit="D")
    empty = pd.Series(None, index=range(total), dtype=object)
    reports_df = pd.DataFrame(
        {
            "id": ids,
            "country": pd.Categorical.from_codes(col["country"][order], categories=list(COUNTRIES)),
            "website": pd.Categorical.from_codes(col["website"][order], categories=list(WEBSITES)),
            "entity": empty,
            "date": pd.Categorical.from_codes(col["day"][order], categories=list(calendar)),
            "url": empty,
            "title_ru": _text("Синтетический отчёт ", number, " (не настоящий документ)"),
            "title_en": _text("Synthetic report ", number, " (not a real document)"),
            "excerpt_ru": empty,
            "excerpt_en": empty,
            "provenance": pd.Categorical.from_codes(np.zeros(total, dtype=np.int8), categories=[PROVENANCE]),
        }
    )
    rep = rank[col["report"]]
    # Codes in report order, main codes first (as a coder's sheet would list them).
    sort = np.argsort(rep.astype(np.int64) * 2 + col["level"], kind="stable")
    rep = rep[sort]
    codes_df = pd.DataFrame(
        {
            "report_id": pd.Categorical.from_codes(rep, categories=ids),
            "category": pd.Categorical.from_codes(col["cat"][sort], categories=list(CATEGORIES)),
            "mode": pd.Categorical.from_codes(col["mode"][sort], categories=list(MODES)),
            "level": pd.Categorical.from_codes(col["level"][sort], categories=["main", "secondary"]),
            "coder": pd.Categorical.from_codes(np.zeros(len(rep), dtype=np.int8), categories=["primary"]),
        }
    )
    return reports_df, codes_df


def write_synthetic(seed: int, out_dir: str | os.PathLike[str], reports: int | None = None) -> Path:
    """Synthesize and write a corpus folder (validated, atomic per file); returns the folder."""
    reports_df, codes_df = synthesize(seed, reports)
    return write_corpus(reports_df, codes_df, out_dir)


def describe(reports_df: pd.DataFrame) -> str:
    """One line saying what a synthetic corpus is, for CLI output and banners."""
    n = len(reports_df)
    dates = reports_df["date"].astype(str)
    first, last = dates.min(), dates.max()
    borrowed = "".join(
        f"; {partner_label(p)} borrows {partner_label(s)}'s margins with the periods swapped"
        for p, s in borrowed_partners().items()
    )
    return f"{n} synthetic reports ({first} to {last}); margins scaled from the thesis's published counts{borrowed}"
