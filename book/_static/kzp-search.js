/* kzp-search.js: search results with snippets from the pages' own text, fetching nothing.
 *
 * Sphinx 7.4's searchtools.js finds the results in searchindex.js, then fetches every result page
 * to cut a snippet from its main block. Over file:// each fetch fails (a CORS error per result),
 * and the main block begins with the printed contents list, so the snippets were that list.
 * The build writes each page's article text into _static/kzp-search/<page>.js, a script that hands
 * it to KZP_SEARCH_PAGE (kzperception.book.sphinx_site). This script, loaded deferred by the search
 * page after searchtools.js, replaces Search.query with the same search, lists the results at once,
 * and adds to each a snippet cut around the first term found once its page's text has loaded (with
 * a script tag, which works from disk as from a host).
 */
"use strict";
(() => {
  if (typeof Search === "undefined") return;
  const CONTEXT = 120; // characters shown before the term
  const LENGTH = 240; // characters in a snippet

  const texts = {};
  const waiting = {};
  window.KZP_SEARCH_PAGE = (docName, data) => {
    texts[docName] = data;
  };
  // The text of one page: loaded once, by a script tag; null if it cannot be had.
  const loadText = (docName) => {
    if (!waiting[docName]) {
      waiting[docName] = new Promise((resolve) => {
        const script = document.createElement("script");
        const path = docName.split("/").map(encodeURIComponent).join("/");
        script.src = document.documentElement.dataset.content_root + "_static/kzp-search/" + path + ".js";
        script.onload = () => resolve(texts[docName] || null);
        script.onerror = () => resolve(null);
        document.head.appendChild(script);
      });
    }
    return waiting[docName];
  };
  const pageText = (docName) => texts[docName];

  // Russian in a snippet is marked as on the pages (lang="ru"); text nodes only, never markup.
  const CYRILLIC = /[\u0400-\u052f]+(?:[\s\d.,;:!?()«»„“”"’\-–—/№%]*[\u0400-\u052f]+)*/g;
  const appendMarked = (parent, text) => {
    let last = 0;
    for (const m of text.matchAll(CYRILLIC)) {
      parent.append(text.slice(last, m.index));
      const span = parent.appendChild(document.createElement("span"));
      span.lang = "ru";
      span.textContent = m[0];
      last = m.index + m[0].length;
    }
    parent.append(text.slice(last));
  };

  // The snippet: from the section the result points at (if any), around the first term found.
  const snippet = (docName, anchor, terms) => {
    const page = pageText(docName);
    if (!page || !page.text) return null;
    const text = page.text;
    let from = 0;
    if (anchor) {
      const id = decodeURIComponent(anchor.replace(/^#/, ""));
      const section = page.sections.find(([sid]) => sid === id);
      if (section) from = section[1];
    }
    const lower = text.toLowerCase();
    let hit = -1;
    for (const term of terms) {
      if (!term) continue;
      const at = lower.indexOf(term.toLowerCase(), from);
      if (at >= 0 && (hit < 0 || at < hit)) hit = at;
    }
    if (hit < 0) hit = from;
    let start = Math.max(hit - CONTEXT, from);
    if (start > from) {
      const space = text.indexOf(" ", start);
      if (space >= 0 && space < hit) start = space + 1;
    }
    let end = Math.min(start + LENGTH, text.length);
    if (end < text.length) {
      const space = text.lastIndexOf(" ", end);
      if (space > hit) end = space;
    }
    const p = document.createElement("p");
    p.classList.add("context");
    appendMarked(p, (start > 0 ? "… " : "") + text.slice(start, end).trim() + (end < text.length ? " …" : ""));
    return p;
  };

  const linkOf = (docName) => {
    if (DOCUMENTATION_OPTIONS.BUILDER === "dirhtml") {
      let dir = docName + "/";
      if (dir.match(/\/index\/$/)) dir = dir.substring(0, dir.length - 6);
      else if (dir === "index/") dir = "";
      return document.documentElement.dataset.content_root + dir;
    }
    return docName + DOCUMENTATION_OPTIONS.LINK_SUFFIX;
  };

  const highlight = (node, terms) => {
    if (typeof SPHINX_HIGHLIGHT_ENABLED === "undefined" || !SPHINX_HIGHLIGHT_ENABLED) return;
    if (typeof _highlightText !== "function") return;
    terms.forEach((term) => _highlightText(node, term, "highlighted"));
  };

  const show = (item, searchTerms, highlightTerms) => {
    const [docName, title, anchor, descr, score] = item;
    const li = document.createElement("li");
    const a = li.appendChild(document.createElement("a"));
    a.href = linkOf(docName) + anchor;
    a.dataset.score = score;
    a.textContent = title;
    if (descr) {
      li.appendChild(document.createElement("span")).textContent = " (" + descr + ")";
    }
    highlight(li, highlightTerms);
    Search.output.appendChild(li);
    if (!descr && DOCUMENTATION_OPTIONS.SHOW_SEARCH_SUMMARY) {
      loadText(docName).then(() => {
        const p = snippet(docName, anchor, [...highlightTerms, ...searchTerms]);
        if (!p) return;
        li.appendChild(p);
        highlight(p, highlightTerms);
      });
    }
  };

  const finish = (count) => {
    if (typeof _finishSearch === "function") return _finishSearch(count);
    Search.stopPulse();
    Search.title.innerText = "Search Results";
    Search.status.innerText = count ? `Found ${count} page(s).` : "Your search did not match any page.";
  };

  Search.query = (query) => {
    const [searchQuery, searchTerms, excludedTerms, highlightTerms, objectTerms] = Search._parseQuery(query);
    const results = Search._performSearch(searchQuery, searchTerms, excludedTerms, highlightTerms, objectTerms);
    const count = results.length;
    // Best results are last (searchtools.js shows them with pop()); show a few at a time.
    const next = () => {
      for (let i = 0; i < 10 && results.length; i++) show(results.pop(), searchTerms, highlightTerms);
      if (results.length) setTimeout(next, 5);
      else finish(count);
    };
    next();
  };
})();
