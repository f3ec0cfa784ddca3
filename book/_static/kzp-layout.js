/* Boxes that scroll sideways say so, and tables too wide for a phone are stacked. A wide table or chart sits in a box with `overflow-x: auto`
 * (the theme's output areas and table containers, the book's chart boxes). While such a box is
 * narrower than its content it gets the class `kzp-scrolls` (edge shadows, kzperception.css) and a
 * hint line above it; when the screen is wide enough both go away. Loaded deferred on every page.
 */
(function () {
  "use strict";
  var HINT = { cs: "Tabulku lze posunout do strany \u2192", en: "Scroll sideways to see all of it \u2192" };

  function hintText() {
    var lang = (document.documentElement.lang || "en").slice(0, 2);
    return HINT[lang] || HINT.en;
  }

  function boxes() {
    var article = document.querySelector(".bd-article") || document.body;
    return Array.prototype.filter.call(article.querySelectorAll("*"), function (el) {
      var x = getComputedStyle(el).overflowX;
      return (x === "auto" || x === "scroll") && el.clientWidth > 0;
    });
  }

  // On a phone a table wider than its column is stacked: each row becomes a card, its first cell
  // the card's title and every other cell a line "column header: value" (the header's label, both
  // levels of a two-row header, is copied into data-label, which kzperception.css shows). The table
  // keeps its header row for assistive technology, and explicit roles, since a table whose parts
  // are not displayed as a table loses its table semantics in some browsers. Wider screens, and
  // tables that fit, keep the grid.
  var NARROW = window.matchMedia ? window.matchMedia("(max-width: 40em)") : { matches: false };
  // (The table element keeps its native role: an explicit role="table" made a link in its caption
  // a child the table role does not allow.)
  var ROLES = { THEAD: "rowgroup", TBODY: "rowgroup", TFOOT: "rowgroup", TR: "row", TH: "columnheader", TD: "cell" };

  function headerLabels(table) {
    var head = table.tHead ? Array.prototype.slice.call(table.tHead.rows) : [];
    var labels = [], taken = [];
    head.forEach(function (row, r) {
      var col = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        while (taken[r] && taken[r][col]) col++;
        var text = cell.textContent.replace(/\s+/g, " ").trim();
        for (var c = col; c < col + (cell.colSpan || 1); c++) {
          for (var rr = r; rr < r + (cell.rowSpan || 1); rr++) (taken[rr] = taken[rr] || [])[c] = true;
          labels[c] = labels[c] || [];
          if (text && labels[c].indexOf(text) < 0) labels[c].push(text);
        }
        col += cell.colSpan || 1;
      });
    });
    return labels.map(function (parts) { return (parts || []).join(" "); });
  }

  function scroller(table) {
    for (var el = table.parentElement; el && el !== document.body; el = el.parentElement) {
      var x = getComputedStyle(el).overflowX;
      if (x === "auto" || x === "scroll") return el;
    }
    return table.parentElement;
  }

  function roles(table, on) {
    Array.prototype.forEach.call(table.querySelectorAll("thead, tbody, tfoot, tr, th, td"), function (el) {
      if (on) el.setAttribute("role", el.tagName === "TH" && el.closest("tbody") ? "rowheader" : ROLES[el.tagName]);
      else el.removeAttribute("role");
    });
  }

  // Reads and writes are batched (every table unstacked, then all measured in one layout, then
  // marked), so a page of many tables lays out a few times, not twice per table: on the audit
  // page the interleaved version cost about 2 s of a phone's main thread (Lighthouse, mobile).
  function stack() {
    var article = document.querySelector(".bd-article");
    if (!article) return;
    var tables = Array.prototype.filter.call(article.querySelectorAll("table"), function (table) {
      return !(table.closest(".highlight") || table.querySelector("table"));
    });
    var was = tables.map(function (table) { return table.classList.contains("kzp-stacked"); });
    if (!NARROW.matches) {  // a wide screen keeps every grid: nothing to measure
      tables.forEach(function (table, i) {
        if (was[i]) { table.classList.remove("kzp-stacked"); roles(table, false); }
      });
      return;
    }
    tables.forEach(function (table) { table.classList.remove("kzp-stacked"); });
    var wide = tables.map(function (table) {
      var box = scroller(table);
      return !!box && table.getBoundingClientRect().width > box.clientWidth + 1;
    });
    tables.forEach(function (table, i) {
      if (wide[i] && !table.hasAttribute("data-kzp-labelled")) {
        var labels = headerLabels(table);
        Array.prototype.forEach.call(table.tBodies, function (body) {
          Array.prototype.forEach.call(body.rows, function (row) {
            var col = 0;
            Array.prototype.forEach.call(row.cells, function (cell) {
              if (labels[col]) cell.setAttribute("data-label", labels[col]);
              col += cell.colSpan || 1;
            });
          });
        });
        table.setAttribute("data-kzp-labelled", "");
      }
      table.classList.toggle("kzp-stacked", wide[i]);
      if (wide[i] !== was[i]) roles(table, wide[i]);
    });
  }

  function mark() {
    stack();
    var found = boxes().map(function (box) { return { box: box, wide: box.scrollWidth > box.clientWidth + 1 }; });
    found.forEach(function (f) {
      var box = f.box, wide = f.wide;
      var hint = box.previousElementSibling;
      if (!(hint && hint.classList.contains("kzp-scroll-hint"))) {
        if (!wide) return;
        hint = document.createElement("p");
        hint.className = "kzp-scroll-hint";
        hint.textContent = hintText();
        box.parentNode.insertBefore(hint, box);
      }
      box.classList.toggle("kzp-scrolls", wide);
      hint.hidden = !wide;
      if (wide && !box.hasAttribute("tabindex")) box.setAttribute("tabindex", "0");  // keyboard scrolling
    });
  }

  var timer = null;
  function later() { clearTimeout(timer); timer = setTimeout(mark, 150); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mark);
  else mark();
  window.addEventListener("load", mark);   // charts and fonts change widths after parsing
  window.addEventListener("resize", later);
  document.addEventListener("kzp:chart-drawn", later);  // kzp-charts.js, once per chart drawn
})();
