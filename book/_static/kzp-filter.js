/* Filters for the audit appendix's tables: by verdict and by section, offline, in the page.
 *
 * Loaded only by the audit appendix (a <script> in one of its cell outputs). Every table of the
 * page whose header has a "Verdict" column gets a small bar above it with one <select> per
 * filterable column ("Verdict", "Section", "Kind" when present) and a count of the rows shown.
 * Progressive enhancement: without this script, or before it runs, the whole table is shown;
 * the script only hides rows. In print the bar is hidden and every row is printed.
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
    "@media print{.kzp-filter{display:none}tr.kzp-filtered{display:table-row!important}}";

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

  function enhance(table, n) {
    var names = headerNames(table);
    if (names.indexOf("verdict") < 0 || !table.tBodies.length) return;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var bar = document.createElement("div");
    bar.className = "kzp-filter";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Filter the table below");
    var filters = [];
    COLUMNS.forEach(function (key) {
      var index = names.indexOf(key);
      if (index < 0) return;
      var seen = [];
      rows.forEach(function (r) {
        var v = text(r.cells[index]);
        if (v && seen.indexOf(v) < 0) seen.push(v);
      });
      if (seen.length < 2) return;
      var label = document.createElement("label");
      var select = document.createElement("select");
      select.id = "kzp-filter-" + n + "-" + key;
      select.appendChild(option("", "all"));
      seen.forEach(function (v) { select.appendChild(option(v, v)); });
      label.appendChild(document.createTextNode(key.charAt(0).toUpperCase() + key.slice(1)));
      label.appendChild(select);
      bar.appendChild(label);
      filters.push({ index: index, select: select });
    });
    if (!filters.length) return;
    var status = document.createElement("span");
    status.setAttribute("aria-live", "polite");
    bar.appendChild(status);

    function apply() {
      var shown = 0;
      rows.forEach(function (r) {
        var keep = filters.every(function (f) {
          return !f.select.value || text(r.cells[f.index]) === f.select.value;
        });
        r.style.display = keep ? "" : "none";
        r.classList.toggle("kzp-filtered", !keep);
        if (keep) shown += 1;
      });
      status.textContent = shown === rows.length ? rows.length + " rows" : shown + " of " + rows.length + " rows";
      window.dispatchEvent(new Event("resize"));  // kzp-layout.js re-measures the scroll boxes
    }
    filters.forEach(function (f) { f.select.addEventListener("change", apply); });
    var anchor = table.closest(".cell_output") || table;
    anchor.parentNode.insertBefore(bar, anchor);
    apply();
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
