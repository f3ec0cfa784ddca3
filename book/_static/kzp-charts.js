/* Charts of the book: the Vega bundle loads deferred, and each chart fits its column.
 *
 * Every chart is a placeholder <div class="kzp-chart"> followed by an inline call
 * `vegaEmbed(el, spec, opts)` (kzperception.book.display.ChartHTML). The 0.9 MB bundle is not
 * render-blocking: it is loaded with `defer` (kzperception.book.sphinx_offline), so when the inline
 * calls run it is not there yet. This small synchronous script, in <head> only on pages with a
 * chart, stands in for `vegaEmbed`: it queues each call and returns a promise; once the page is
 * parsed (deferred scripts have run by DOMContentLoaded) the real vegaEmbed draws the queue.
 *
 * Charts are designed at fixed widths (520 px). On a narrow screen a chart wider than its column
 * is drawn again with its view widths reduced by the overflow, so it takes the column's width
 * and keeps its label sizes (scaling the SVG down instead shrank 12 px labels to about 6 px).
 */
(function () {
  "use strict";
  var queue = [];
  var MIN_WIDTH = 140;

  function stub(el, spec, opts) {
    return new Promise(function (resolve, reject) {
      queue.push({ el: el, spec: spec, opts: opts, resolve: resolve, reject: reject });
    });
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

  function missing(q) {
    q.el.textContent = "Chart " + (q.el.getAttribute("data-figure") || "") + ": the Vega bundle is not loaded.";
    q.reject(new Error("the Vega bundle is not loaded"));
  }

  window.vegaEmbed = stub;
  document.addEventListener("DOMContentLoaded", function () {
    var real = window.vegaEmbed;
    var pending = queue.splice(0);
    pending.forEach(function (q) {
      if (real === stub) missing(q);
      else draw(real, q).then(function (result) {
        label(q.el);
        q.el.dispatchEvent(new CustomEvent("kzp:chart-drawn", { bubbles: true }));
        q.resolve(result);
      }, q.reject);
    });
  });
})();
