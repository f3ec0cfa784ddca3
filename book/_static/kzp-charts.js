/* Charts of the book: the Vega bundle loads only when a chart is about to be seen, and each chart
 * fits its column.
 *
 * Every chart is a placeholder <div class="kzp-chart"> followed by an inline call
 * `vegaEmbed(el, spec, opts)` (kzperception.book.display.ChartHTML). This small synchronous script,
 * in <head> only on pages with a chart, stands in for `vegaEmbed`: it queues each call and returns
 * a promise. The 0.9 MB bundle is not a <script> of the page (Lighthouse, mobile: parsing it on
 * every chart page kept performance at 51-72): its URL is this script's `data-vega-bundle`
 * attribute (written by kzperception.book.sphinx_offline), and the script is injected when a
 * chart comes within half a screen of the viewport (IntersectionObserver; a whole screen still
 * loaded it at once on 6.2, whose first chart is two phone screens down), before printing, or
 * when `window.kzpDrawAll()` is called; each chart is drawn when it approaches.
 * `kzpDrawAll()` loads the bundle and draws every chart; its promise resolves once all are drawn
 * (the PDF printer and the browser tests call it).
 *
 * Charts are designed at fixed widths (520 px). On a narrow screen a chart wider than its column
 * is drawn again with its view widths reduced by the overflow, so it takes the column's width
 * and keeps its label sizes (scaling the SVG down instead shrank 12 px labels to about 6 px).
 */
(function () {
  "use strict";
  var queue = [];
  var MIN_WIDTH = 140;
  var me = document.currentScript;
  var bundleUrl = me && me.getAttribute("data-vega-bundle");
  var observer = null;
  var loading = null;

  function stub(el, spec, opts) {
    var q = { el: el, spec: spec, opts: opts, done: null };
    q.promise = new Promise(function (resolve, reject) { q.resolve = resolve; q.reject = reject; });
    q.promise.catch(function () {});  // a failure is shown in the chart's box
    queue.push(q);
    watch(q);
    return q.promise;
  }

  // Reduce every numeric view width (top level, layers, concatenations) by `by` pixels.
  function narrow(spec, by) {
    var changed = false;
    (function walk(s) {
      if (!s || typeof s !== "object") return;
      if (typeof s.width === "number" && s.width > MIN_WIDTH) {
        s.width = Math.max(MIN_WIDTH, Math.floor(s.width - by));
        changed = true;
      }
      ["hconcat", "vconcat", "concat", "layer"].forEach(function (k) {
        if (Array.isArray(s[k])) s[k].forEach(walk);
      });
      if (s.spec) walk(s.spec);
    })(spec);
    return changed;
  }

  // On a narrow screen a title longer than the room goes onto several lines (Vega draws an array
  // of strings as lines): the chart's title, the titles of the views it stacks, and axis titles;
  // a discrete x axis whose labels were set level tilts them.
  var CHAR_PX = 8.8;  // a bold 14 px title averages about 8.5 px a character (7.5 let long titles spill)
  function lines(text, room) {
    var per = Math.max(12, Math.floor(room / CHAR_PX)), out = [], line = "";
    text.split(/\s+/).forEach(function (word) {
      if (line && (line + " " + word).length > per) { out.push(line); line = word; }
      else line = line ? line + " " + word : word;
    });
    if (line) out.push(line);
    return out;
  }
  function wrapOne(holder, key, room) {
    var t = holder[key], text = typeof t === "string" ? t : (t && typeof t.text === "string" ? t.text : null);
    if (!text || text.length * CHAR_PX <= room) return;
    if (typeof t === "string") holder[key] = lines(text, room); else t.text = lines(text, room);
  }
  function wrapTitle(spec, room) {
    (function walk(s) {
      if (!s || typeof s !== "object") return;
      wrapOne(s, "title", room);
      var enc = s.encoding || {};
      Object.keys(enc).forEach(function (channel) {
        var e = enc[channel];
        if (!e || typeof e !== "object") return;
        wrapOne(e, "title", room);
        if (e.axis && typeof e.axis === "object") wrapOne(e.axis, "title", room);
      });
      ["hconcat", "vconcat", "concat", "layer"].forEach(function (k) {
        if (Array.isArray(s[k])) s[k].forEach(walk);
      });
      if (s.spec) walk(s.spec);
    })(spec);
  }
  // A legend below a narrowed chart lists its entries one under another, not in a row wider than
  // the screen.
  function stackLegend(spec) {
    spec.config = spec.config || {};
    spec.config.legend = Object.assign({}, spec.config.legend, { columns: 1 });
  }
  // Axis labels that the axis thins out when they would collide (Vega-Lite does so on continuous
  // scales) keep a few pixels apart: "2019" and "July" drawn 0.6 px apart read "2019July".
  var LABEL_GAP = 6;
  function spaceLabels(spec) {
    spec.config = spec.config || {};
    var axis = spec.config.axis = Object.assign({}, spec.config.axis);
    if (!(axis.labelSeparation >= LABEL_GAP)) axis.labelSeparation = LABEL_GAP;
  }
  function tiltLabels(spec) {
    (function walk(s) {
      if (!s || typeof s !== "object") return;
      var x = s.encoding && s.encoding.x;
      if (x && (x.type === "nominal" || x.type === "ordinal") && x.axis && x.axis.labelAngle === 0) {
        x.axis.labelAngle = -35;
      }
      ["hconcat", "vconcat", "concat", "layer"].forEach(function (k) {
        if (Array.isArray(s[k])) s[k].forEach(walk);
      });
      if (s.spec) walk(s.spec);
    })(spec);
  }

  function overflow(el, room) {
    var drawn = el.querySelector("svg, canvas");
    return drawn ? drawn.getBoundingClientRect().width - room : 0;
  }

  // The room a chart has: its box's content width. vega-embed pads the box on the right for the
  // chart menu's button, so a chart as wide as the column would run under the button.
  function roomOf(el) {
    var parent = el.parentElement || el, cs = getComputedStyle(el);
    var pad = (parseFloat(cs.paddingLeft) || 0) + (parseFloat(cs.paddingRight) || 0);
    return Math.min(parent.clientWidth, el.clientWidth || parent.clientWidth) - pad;
  }

  // For assistive technology: the placeholder is an image named by the caption (role="img", set by
  // kzperception.book.display.ChartHTML) until the chart is drawn; then the drawn SVG carries the
  // names, and the box itself has no role, since an image may not hold the menu's button
  // (axe: nested-interactive). The menu's button gets a name (it only shows an icon).
  function label(el) {
    var svg = el.querySelector("svg");
    ["aria-labelledby", "aria-describedby"].forEach(function (a) {
      if (svg && el.hasAttribute(a)) svg.setAttribute(a, el.getAttribute(a));
      el.removeAttribute(a);
    });
    if (el.getAttribute("role") === "img") el.removeAttribute("role");
    var summary = el.querySelector("details > summary");
    if (summary) summary.setAttribute("aria-label", "Chart menu: save the chart as SVG or PNG");
  }

  function draw(real, q) {
    var room = 0;
    spaceLabels(q.spec);
    return real(q.el, q.spec, q.opts).then(function (result) {
      room = roomOf(q.el);
      var over = overflow(q.el, room);
      if (over <= 1 || !narrow(q.spec, over + 4)) return result;
      wrapTitle(q.spec, room);
      tiltLabels(q.spec);
      stackLegend(q.spec);
      result.finalize();
      return real(q.el, q.spec, q.opts).then(function (second) {
        // Tilted labels and axis titles take their own room: one more pass takes it off the views.
        var still = overflow(q.el, room);
        if (still <= 1 || !narrow(q.spec, still + 4)) return second;
        second.finalize();
        return real(q.el, q.spec, q.opts);
      });
    });
  }

  function missing(q, why) {
    q.el.textContent = "Chart " + (q.el.getAttribute("data-figure") || "") + ": the Vega bundle is not loaded.";
    q.reject(new Error(why || "the Vega bundle is not loaded"));
  }

  // The real vegaEmbed, once: the bundle's script is injected the first time a chart is wanted.
  // The bundle sets window.vegaEmbed; the stub goes back in its place so later calls queue too.
  function bundle() {
    if (loading) return loading;
    loading = new Promise(function (resolve, reject) {
      if (window.vegaEmbed && window.vegaEmbed !== stub) { resolve(window.vegaEmbed); return; }
      if (!bundleUrl) { reject(new Error("the page names no Vega bundle")); return; }
      var s = document.createElement("script");
      s.src = bundleUrl;
      s.async = true;
      s.onload = function () {
        var real = window.vegaEmbed;
        window.vegaEmbed = stub;
        if (typeof real === "function" && real !== stub) resolve(real);
        else reject(new Error("the Vega bundle did not define vegaEmbed"));
      };
      s.onerror = function () { reject(new Error("the Vega bundle could not be loaded: " + bundleUrl)); };
      document.head.appendChild(s);
    });
    return loading;
  }

  // Draws one queued chart (once) and returns the promise of its result.
  function show(q) {
    if (q.done) return q.done;
    if (observer) observer.unobserve(q.el);
    q.done = bundle().then(function (real) {
      return draw(real, q).then(function (result) {
        label(q.el);
        q.el.dispatchEvent(new CustomEvent("kzp:chart-drawn", { bubbles: true }));
        q.resolve(result);
        return result;
      });
    }).catch(function (err) {
      missing(q, err && err.message);
      throw err;
    });
    return q.done;
  }

  function watch(q) {
    if (!("IntersectionObserver" in window)) {
      // Without an observer every chart is drawn once the page is parsed.
      if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { show(q); });
      else show(q);
      return;
    }
    if (!observer) {
      observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (!entry.isIntersecting) return;
          queue.forEach(function (q) { if (q.el === entry.target) show(q).catch(function () {}); });
        });
      }, { rootMargin: "50% 0px 50% 0px" });
    }
    // Watch once the page has loaded: before that the deferred scripts and styles still move
    // things (on 6.2 the first chart sat a screen higher at first paint than once laid out).
    afterLoad(function () { observer.observe(q.el); });
  }

  function afterLoad(fn) {
    if (document.readyState === "complete") requestAnimationFrame(function () { fn(); });
    else window.addEventListener("load", function () { requestAnimationFrame(function () { fn(); }); });
  }

  // Loads the bundle and draws every chart; resolves with the number of charts once all are drawn
  // (rejects when one cannot be drawn).
  window.kzpDrawAll = function () {
    return Promise.all(queue.map(show)).then(function (results) { return results.length; });
  };
  // Printing shows every chart: start drawing them all (a print dialog waits for nothing, so a
  // printer that needs them drawn calls kzpDrawAll and waits, as kzperception.book.pdf does).
  window.addEventListener("beforeprint", function () { window.kzpDrawAll().catch(function () {}); });

  window.vegaEmbed = stub;
})();
