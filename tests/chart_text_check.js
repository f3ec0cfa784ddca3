// The chart text check of tests/book/test_phone_layout.py, run in a page of the built book: every chart
// text (title, axis title, tick label, legend entry) whole inside its chart box and the screen, apart
// from every other text, and clear of the chart menu button. Returns one line per problem.
() => {
  // Each text as the rectangle its glyphs take on screen, rotated with the text: its box in its own
  // coordinates (less the font's empty ascent and descent, a sixth of its height on each side),
  // carried to the screen by the text's transform. Two texts collide when these rectangles overlap
  // or come closer than GAP along the line of text (a separating-axis test).
  const GAP = 2;
  const corners = (t) => {
    const b = t.getBBox(), m = t.getScreenCTM();
    const pad = b.height / 6;
    return [[b.x, b.y + pad], [b.x + b.width, b.y + pad], [b.x + b.width, b.y + b.height - pad], [b.x, b.y + b.height - pad]]
      .map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]);
  };
  const axes = (p) => [[p[1][0] - p[0][0], p[1][1] - p[0][1]], [p[3][0] - p[0][0], p[3][1] - p[0][1]]]
    .map(([x, y]) => { const n = Math.hypot(x, y) || 1; return [x / n, y / n]; });
  const gapAlong = (a, b, [ux, uy]) => {
    const pa = a.map(([x, y]) => x * ux + y * uy), pb = b.map(([x, y]) => x * ux + y * uy);
    return Math.max(Math.min(...pb) - Math.max(...pa), Math.min(...pa) - Math.max(...pb));
  };
  // the gap between two rectangles: the largest separation over their edge directions (negative: overlap);
  // along the text's own direction it must be GAP, across it any positive gap will do
  const apart = (a, b) => {
    const [along, across] = axes(a);
    const [along2, across2] = axes(b);
    return gapAlong(a, b, along) >= GAP || gapAlong(a, b, along2) >= GAP
        || gapAlong(a, b, across) > 0 || gapAlong(a, b, across2) > 0;
  };
  const out = [];
  for (const box of document.querySelectorAll(".kzp-chart")) {
    const svg = box.querySelector("svg");
    if (!svg) continue;
    const name = box.id || "chart";
    const cs = getComputedStyle(box), b = box.getBoundingClientRect();
    const room = {left: Math.max(0, b.left + parseFloat(cs.paddingLeft)),
                  right: Math.min(innerWidth, b.right - parseFloat(cs.paddingRight))};
    const texts = [...svg.querySelectorAll("text")].filter(t => t.textContent.trim()
                   && getComputedStyle(t).visibility !== "hidden" && getComputedStyle(t).opacity !== "0")
      .map(t => ({t: t.textContent.trim().slice(0, 40), r: t.getBoundingClientRect(), p: corners(t)}))
      .filter(x => x.r.width > 0 && x.r.height > 0);
    for (const x of texts) {
      const xs = x.p.map(([px]) => px);
      if (Math.min(...xs) < room.left - 0.5 || Math.max(...xs) > room.right + 0.5) {
        out.push(`${name}: "${x.t}" is cut: ${Math.round(Math.min(...xs))}-${Math.round(Math.max(...xs))} px, `
                 + `the chart shows ${Math.round(room.left)}-${Math.round(room.right)} px`);
      }
    }
    for (let i = 0; i < texts.length; i++) {
      for (let j = i + 1; j < texts.length; j++) {
        if (!apart(texts[i].p, texts[j].p)) out.push(`${name}: "${texts[i].t}" and "${texts[j].t}" overlap or touch`);
      }
    }
    const menu = box.querySelector("details > summary");
    if (menu) {
      const m = menu.getBoundingClientRect();
      for (const x of texts) {
        if (m.width && x.r.left < m.right && m.left < x.r.right && x.r.top < m.bottom && m.top < x.r.bottom) {
          out.push(`${name}: the chart menu covers "${x.t}"`);
        }
      }
    }
  }
  return out;
}
