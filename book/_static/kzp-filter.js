/* Filters for the audit appendix's tables: by verdict and by section, offline, in the page.
 *
 * Loaded only by the audit appendix (a <script> in one of its cell outputs). Every table of the
 * page whose header has a "Verdict" column gets a small bar above it with one <select> per
 * filterable column ("Verdict", "Section", "Kind" when present) and a count of the rows shown.
 * Progressive enhancement: without this script, or before it runs, the table shows the rows its
 * HTML holds; the script only hides rows. In print the bar is hidden and every row is printed.
 *
 * A long table arrives folded (kzperception.book.exhibits.fold_rows): class "kzp-folded", only the
 * rows that disagree or cannot be checked in its body, and every row in a <template class="kzp-rows">
 * that is not part of the page (the audit page stays under 2,000 elements). "Show all N rows" puts
 * the template's rows in the body. Printing expands every folded table (beforeprint, or a print
 * media query turning on), and window.kzpExpandAll() does the same for a PDF build that prints
 * with emulated media.
 */
(function () {
  "use strict";
  // The page may load this file twice (from its own cell output and from a build that adds every
  // _static script to every page); only the first copy acts.
  if (window.kzpFilter) return;
  window.kzpFilter = true;
  var COLUMNS = ["verdict", "section", "kind"];
  var STYLE = ".kzp-filter{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center;margin:.5rem 0;" +
    "font-size:.9em}.kzp-filter label{display:inline-flex;gap:.3rem;align-items:center}" +
    ".kzp-filter select{max-width:100%;font:inherit}" +
    ".kzp-fold-note button{font:inherit;margin-left:.5rem}" +
    "@media print{.kzp-filter,.kzp-fold-note button{display:none}tr.kzp-filtered{display:table-row!important}}";
  var expanders = [];

  /* The note under a folded table (the table may since have been wrapped in a scroll box). */
  function noteOf(table) {
    for (var el = table; el && el !== document.body; el = el.parentElement) {
      var next = el.nextElementSibling;
      if (next && next.classList.contains("kzp-fold-note")) return next;
    }
    return null;
  }

  /* Put a folded table's rows (all of them, in order) in its body in place of the rows shown. */
  function unfold(table) {
    var template = table.querySelector("template.kzp-rows");
    if (!template) return false;
    var body = template.parentNode;
    while (body.firstChild) body.removeChild(body.firstChild);
    body.appendChild(template.content);
    table.classList.remove("kzp-folded");
    // kzp-layout.js labels the cells of a stacked table once: the new rows need a fresh pass.
    table.removeAttribute("data-kzp-labelled");
    table.classList.remove("kzp-stacked");
    var note = noteOf(table);
    if (note) note.textContent = "All " + body.rows.length + " rows shown.";
    return true;
  }

  function expandAll() {
    expanders.slice().forEach(function (f) { f(); });
    Array.prototype.forEach.call(document.querySelectorAll("table.kzp-folded"), unfold);
  }
  window.kzpExpandAll = expandAll;
  window.addEventListener("beforeprint", expandAll);
  if (window.matchMedia) {
    var printing = window.matchMedia("print");
    var onPrint = function (e) { if (e.matches) expandAll(); };
    if (printing.addEventListener) printing.addEventListener("change", onPrint);
    else if (printing.addListener) printing.addListener(onPrint);
    if (printing.matches) expandAll();
  }

  function text(cell) { return cell ? cell.textContent.replace(/\s+/g, " ").trim() : ""; }

  function headerNames(table) {
    var head = table.tHead;
    if (!head || !head.rows.length) return [];
    var row = head.rows[head.rows.length - 1];
    return Array.prototype.map.call(row.cells, function (th) { return text(th).toLowerCase(); });
  }

  function option(value, label) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    return o;
  }

  var CHECK = "\u0001check";  // the verdict option of a folded table's first view

  /* "Show all N rows" under a folded table: the template's rows join the page (``expand`` first, for
     a table whose menus must also be reset). */
  function showAllButton(table, expand) {
    var note = noteOf(table);
    if (!note || !table.classList.contains("kzp-folded")) return;
    var go = expand || function () {
      unfold(table);
      window.dispatchEvent(new Event("resize"));  // kzp-layout.js re-measures (and re-stacks) the table
    };
    var button = document.createElement("button");
    button.type = "button";
    button.className = "kzp-fold-show";
    button.textContent = "Show all " + table.getAttribute("data-kzp-rows") + " rows";
    button.addEventListener("click", go);
    note.appendChild(button);
    expanders.push(go);
  }

  function enhance(table, n) {
    var names = headerNames(table);
    if (names.indexOf("verdict") < 0 || !table.tBodies.length) {
      showAllButton(table, null);
      return;
    }
    var body = table.tBodies[0];
    var template = body.querySelector("template.kzp-rows");
    var folded = !!template && table.classList.contains("kzp-folded");
    var rows = function () { return Array.prototype.slice.call(body.rows); };
    // The options come from every row, the folded ones included; the first view is the rows shown.
    var every = folded ? Array.prototype.slice.call(template.content.querySelectorAll("tr")) : rows();
    var first = [];
    var verdictAt = names.indexOf("verdict");
    if (folded) rows().forEach(function (r) {
      var v = text(r.cells[verdictAt]);
      if (first.indexOf(v) < 0) first.push(v);
    });
    var bar = document.createElement("div");
    bar.className = "kzp-filter";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Filter the table below");
    var filters = [];
    COLUMNS.forEach(function (key) {
      var index = names.indexOf(key);
      if (index < 0) return;
      var seen = [];
      every.forEach(function (r) {
        var v = text(r.cells[index]);
        if (v && seen.indexOf(v) < 0) seen.push(v);
      });
      if (seen.length < 2) return;
      var label = document.createElement("label");
      var select = document.createElement("select");
      select.id = "kzp-filter-" + n + "-" + key;
      select.appendChild(option("", "all"));
      if (folded && key === "verdict") {
        select.appendChild(option(CHECK, "disagrees or cannot be checked"));
        select.value = CHECK;
      }
      seen.forEach(function (v) { select.appendChild(option(v, v)); });
      label.appendChild(document.createTextNode(key.charAt(0).toUpperCase() + key.slice(1)));
      label.appendChild(select);
      bar.appendChild(label);
      filters.push({ index: index, select: select, key: key });
    });
    if (!filters.length) {
      showAllButton(table, null);
      return;
    }
    var status = document.createElement("span");
    status.setAttribute("aria-live", "polite");
    bar.appendChild(status);
    var total = folded ? +table.getAttribute("data-kzp-rows") : every.length;

    function matches(f, r) {
      var v = text(r.cells[f.index]);
      if (f.select.value === CHECK) return first.indexOf(v) >= 0;
      return !f.select.value || v === f.select.value;
    }

    function apply(initial) {
      // Any view but the first needs every row: the template's rows join the page now, once.
      var firstView = filters.every(function (f) {
        return f.key === "verdict" ? f.select.value === CHECK : !f.select.value;
      });
      if (folded && !firstView) {
        unfold(table);
        folded = false;
      }
      var shown = 0;
      rows().forEach(function (r) {
        var keep = filters.every(function (f) { return matches(f, r); });
        r.style.display = keep ? "" : "none";
        r.classList.toggle("kzp-filtered", !keep);
        if (keep) shown += 1;
      });
      status.textContent = shown === total ? total + " rows" : shown + " of " + total + " rows";
      if (initial !== true) window.dispatchEvent(new Event("resize"));  // kzp-layout.js re-measures the table
    }
    filters.forEach(function (f) { f.select.addEventListener("change", apply); });
    var anchor = table.closest(".cell_output") || table;
    anchor.parentNode.insertBefore(bar, anchor);

    showAllButton(table, function () {
      filters.forEach(function (f) { f.select.value = ""; });
      apply();
    });
    apply(true);  // the first view: rows hidden before kzp-layout.js measures on load
  }

  function run() {
    if (!document.getElementById("kzp-filter-style")) {
      var style = document.createElement("style");
      style.id = "kzp-filter-style";
      style.textContent = STYLE;
      document.head.appendChild(style);
    }
    var article = document.querySelector(".bd-article") || document.body;
    Array.prototype.forEach.call(article.querySelectorAll("table"), enhance);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
})();
