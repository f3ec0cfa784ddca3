"""HTML views for the chapters: codebook cards, quotations, the register and slot tables.

The data and analysis layers compute: they return data frames and escaped HTML strings
(:func:`kzperception.data.codebook.category_html`, :func:`kzperception.data.register.quote_html`)
and never import IPython or a display helper, so a script, the CLI or a test can use them without
the notebook machinery. This module is the book's side of that line: it wraps those results in
IPython's ``HTML`` or in a styled table (:func:`kzperception.book.display.show_table`) for a
chapter cell to show. Nothing here computes; every function is a thin, stable name a notebook
cell can call in one line.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import pandas as pd
from IPython.display import HTML

from kzperception.analysis.measures import slot_facts
from kzperception.analysis.slots import check_partner, partner_slot_facts, slot_table
from kzperception.book.display import defined_facts, glue_facts, glue_texts, html_value, show_table
from kzperception.data.codebook import (
    Codebook,
    added_categories,
    category_html,
    changes_sentence,
    codebook_table,
    compare_codebooks,
    default_codebook,
)
from kzperception.data.corpus_text import cell_str
from kzperception.data.counts import Counts
from kzperception.data.register import Register, default_register, quote_html
from kzperception.readings import words

# --- codebook (chapter 6.1, methodology; a rerun's 6.1 and 6.3 for a corpus's own codebook) ---------


def show_category(category_id: str, codebook: Codebook | None = None) -> HTML:
    """A category's card for a chapter (``show_category("economic")``)."""
    return HTML(category_html((codebook or default_codebook()).category(category_id)))


def show_added_categories(codebook: Codebook) -> HTML | None:
    """The cards of the categories a corpus's own codebook adds to the thesis's, under a heading;
    nothing when it adds none (the main book, and every corpus without a ``codebook.yaml``)."""
    added = added_categories(codebook)
    if not added:
        return None
    n = len(added)
    lead = (
        f"<p><strong>Added by this corpus's codebook</strong> ({n} "
        f"{'category' if n == 1 else 'categories'} the thesis does not have):</p>"
    )
    return HTML(lead + "".join(category_html(c) for c in added))


def show_codebook_changes(codebook: Codebook) -> HTML | None:
    """A corpus's own codebook in a rerun's 6.1: a sentence saying which categories it adds, renames,
    drops or redefines against the thesis's (:func:`~kzperception.data.codebook.changes_sentence`),
    then every category with its label and definition; nothing when it is the thesis's.

    Every label and definition is the codebook file's text: the sentence isolates each label in
    ``<bdi>`` and escapes it, and the table escapes every cell (:func:`show_table`).
    """
    changes = compare_codebooks(codebook)
    if not changes:
        return None
    # The words around the labels are the library's own, spaces included (html_text would trim them).
    sentence = changes_sentence(changes, value=html_value, text=lambda t: html.escape(t, quote=False))
    table = show_table(codebook_table(codebook, changes), "corpus-codebook")
    return HTML(f'<p class="kzp-codebook-changes">{sentence}</p>' + table.to_html())


def corpus_notes(counts: Counts) -> pd.DataFrame:
    """The notes a corpus keeps on the reports this page counts: each report's screening note, and
    each note the counted coder wrote beside a code (its category and level said), in date order.

    Notes are research data (why a report was kept, why a code was given); a rerun book shows them
    beside the counts they explain. Empty for the published figures, which carry no notes.
    """
    import pandas as pd

    columns = ["Report", "Date", "Partner", "Written at", "Note"]
    corpus = counts.corpus
    if corpus is None:
        return pd.DataFrame(columns=columns)
    v = counts.vocabulary
    w = counts.window
    r = corpus.reports
    dates = pd.to_datetime(r["date"], errors="coerce").dt.date
    inside = r[(dates >= w.start) & (dates <= w.end)]
    rows = []
    for rep in inside.itertuples(index=False):
        note = cell_str(getattr(rep, "note", ""))
        if note:
            rows.append((rep.id, str(rep.date), v.partner_label(str(rep.country)), "screening", note))
    codes = corpus.codes
    if "note" in codes.columns:
        mine = codes[codes["report_id"].isin(set(inside["id"]))]
        if counts.coder is not None and "coder" in mine.columns:
            mine = mine[mine["coder"] == counts.coder]
        about = inside.set_index("id")
        for code in mine.itertuples(index=False):
            note = cell_str(code.note)
            if note:
                rep = about.loc[code.report_id]
                where = f"coder {code.coder}: {v.category_label(str(code.category)).lower()}, {code.level}"
                rows.append((code.report_id, str(rep["date"]), v.partner_label(str(rep["country"])), where, note))
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["Date", "Report"], kind="stable").reset_index(drop=True)


def show_notes(counts: Counts) -> HTML | None:
    """:func:`corpus_notes` under a heading, as a table; a sentence when the corpus keeps none; nothing
    for the published figures."""
    if counts.corpus is None:
        return None
    notes = corpus_notes(counts)
    if notes.empty:
        return HTML("<p>No report this page counts carries a screening or coding note in the corpus.</p>")
    n = len(notes)
    lead = (
        f"<p><strong>Notes kept with the corpus</strong> ({n} note{'' if n == 1 else 's'} on the reports "
        "counted here):</p>"
    )
    return HTML(lead + show_table(notes, "corpus-notes", vocabulary=counts.vocabulary).to_html())


# --- register quotations ------------------------------------------------------------------------


def _reg(register: Register | None) -> Register:
    return register if register is not None else default_register()


def quote(report_id: str, register: Register | None = None) -> HTML:
    """A report's quotation for display in a chapter (``quote("akorda-2022a")``)."""
    return HTML(quote_html(report_id, register))


def quotes(report_ids: Iterable[str], register: Register | None = None) -> HTML:
    """Several quotations one after another, in the order given (e.g. a category's examples)."""
    reg = _reg(register)
    return HTML("\n".join(quote_html(i, reg) for i in report_ids))


def show_register_table(df: pd.DataFrame, name: str = "register"):
    """The register overview table for the book: escaped cells, no index, a stable element id."""
    return show_table(df, name).format(escape="html")


# --- slots (sections 6.3.2, 6.3.3 and the partner template) ---------------------------------------


def show_slot_table(df: pd.DataFrame, name: str):
    """The slot table for the book: counts as integers, shares to one decimal, unknown cells as a dash."""
    fmt = {c: ("{:.0f}" if c.endswith(" n") else "{:.1f}") for c in df.columns if c != "category"}
    return show_table(df, name).format(fmt, na_rep="–")


def show_partner_slots(counts: Counts, partner: str):
    """The slot table of one partner under its stable element name (``<partner>-slots``)."""
    return show_slot_table(slot_table(counts, check_partner(partner, counts.vocabulary)), f"{partner}-slots")


def glue_partner_slots(counts: Counts, thesis: Counts, partner: str) -> None:
    """Glue what the slot template chapter's prose names, for one partner.

    Two sets, under names that cannot collide, because a rerun's page shows both: the computed
    section's numbers for ``counts`` (:func:`~kzperception.analysis.slots.partner_slot_facts` with
    ``partner_`` in front, their counts in words as ``partner_<count>_reports``), its readings
    (:func:`kzperception.readings.registry.partner_texts`: ``reading_slot_lead_before`` ...),
    and the thesis's reading's numbers for ``thesis``, the
    published figures (the names of :func:`~kzperception.analysis.measures.slot_facts`,
    ``n_china_before`` ..., their counts in words as ``<name>_reports`` / ``<name>_codes``, the
    pair readings of :func:`kzperception.readings.registry.pair_texts` and ``describe_<a>_beside_<b>``,
    the thesis's period labels
    as ``thesis_label_before`` / ``thesis_label_after`` and its window as ``thesis_window``). On
    the published book both come from the same counts.
    """
    check_partner(partner, counts.vocabulary)
    facts = partner_slot_facts(counts, partner)
    # A share of an empty period, a change from none: not known, so not glued (never "nan").
    glue_facts(defined_facts({f"partner_{k}": v for k, v in facts.items()}))
    glue_texts({"partner_label": counts.vocabulary.partner_label(partner)})
    # The sentences that read the slots are verdicts of the readings registry, beside a rerun
    # followed by the thesis's verdict on the same partner.
    from kzperception.readings import registry

    glue_texts(registry.partner_texts(counts, partner, thesis if thesis is not counts else None))
    # Counts reach the prose in words, so that zero and one are never narrated as several.
    glue_texts(words.count_texts(facts, "partner_"))
    thesis_facts = slot_facts(thesis)
    glue_facts(defined_facts(thesis_facts))  # slots the thesis never printed are NaN
    glue_texts(words.count_texts(thesis_facts))
    studied = [p for p in thesis.vocabulary.partner_ids if f"n_{p}_before" in thesis_facts]
    from kzperception.readings import describe

    for i, a in enumerate(studied):
        for b in studied[i + 1 :]:
            glue_texts(registry.pair_texts(thesis, a, b))
            glue_texts({f"describe_{x}_beside_{y}": describe.count_beside(thesis, x, y) for x, y in ((a, b), (b, a))})
    glue_texts(
        {f"thesis_label_{p}": label for p, label in thesis.window.labels.items()}
        | {"thesis_window": f"{thesis.window.start} to {thesis.window.end}, pivot {thesis.window.pivot}"}
    )
