/* Boxes that scroll sideways say so. A wide table or chart sits in a box with `overflow-x: auto`
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

  function mark() {
    boxes().forEach(function (box) {
      var wide = box.scrollWidth > box.clientWidth + 1;
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
