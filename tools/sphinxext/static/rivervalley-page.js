/*
 * River Valley: the page on a phone and from the keyboard (loaded on every page).
 *
 * 5. Header buttons. pydata-sphinx-theme binds its narrow-screen sidebar dialogs to
 *    document.querySelector(".primary-toggle") and (".secondary-toggle"): the FIRST match. Since
 *    0.17.0 the theme renders a hidden toggle in its own navbar before sphinx-book-theme's visible
 *    one in the article header, so the visible buttons (chapter list, in-page contents) do
 *    nothing on a phone, and on a desktop the visible primary toggle does not collapse the
 *    sidebar either (sphinx-book-theme binds the same first match). Forward a click on any other
 *    toggle to the first one, which carries both themes' handlers.
 *    Upstream: pydata/pydata-sphinx-theme#2451 (open), executablebooks/sphinx-book-theme#988.
 *    No release fixes it (pydata-sphinx-theme 0.17.1 is the newest checked).
 *    @patch header-toggles pip:pydata-sphinx-theme fixed-in:none checked-through:0.17.1
 *
 * 6. Button names. The theme names its search field button "Search" while it shows "Search
 *    Ctrl+K", and its colour-mode button "Color mode" while its icons carry the titles "Light",
 *    "Dark" and "System Settings": a screen reader's name differs from what a speech-input user
 *    reads on screen (axe-core: label-content-name-mismatch, WCAG 2.5.3). Name the search
 *    button by its visible text, and hide the colour-mode icons (their titles) from assistive
 *    technology, so that the button's name is its label.
 *    Upstream: no issue found in pydata/pydata-sphinx-theme (its search-button-field.html and
 *    theme-switcher.html templates, 0.17.1).
 *    @patch theme-button-names pip:pydata-sphinx-theme fixed-in:none checked-through:0.17.1
 *
 * Not patches, the book's own layout (see rivervalley.css):
 * - Scroll cues. A display equation, an inline formula, a table or a figure that is wider than
 *   the column scrolls sideways (rivervalley.css; the theme cut formulas off); the scroller gets
 *   the class "rv-scroll", which draws a shadow on the side where more is hidden, and is named
 *   and made focusable so that it can be scrolled from the keyboard.
 * - Figures on a phone. A figure drawn wider than the column is not shrunk below 70 % of its
 *   drawn size (its text would fall under 9 px): it scrolls sideways inside its output, and a tap
 *   opens the full-size image.
 */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  // 5. Header buttons.
  function forwardToggles() {
    [".primary-toggle", ".secondary-toggle"].forEach(function (selector) {
      var all = document.querySelectorAll(selector);
      if (all.length < 2) return;
      var bound = all[0];
      Array.prototype.slice.call(all, 1).forEach(function (button) {
        if (button.dataset.rvForwarded) return;
        button.dataset.rvForwarded = "1";
        button.addEventListener("click", function (event) {
          event.preventDefault();
          event.stopPropagation();
          bound.click();
        });
      });
    });
  }

  // 6. Button names.
  function nameButtons() {
    // myst-nb's folded cells label their summary "Toggle hidden content" while it shows
    // "Show code cell source" (axe-core: label-content-name-mismatch): let the visible
    // text name it.
    document.querySelectorAll("details.hide > summary[aria-label]").forEach(function (s) {
      s.removeAttribute("aria-label");
    });
    document.querySelectorAll(".search-button-field").forEach(function (button) {
      var text = button.querySelector(".search-button__default-text");
      var keys = button.querySelector(".search-button__kbd-shortcut");
      if (!text) return;
      var name = text.textContent.trim() + (keys ? " " + keys.textContent.replace(/\s+/g, "") : "");
      button.setAttribute("aria-label", name);
    });
    document.querySelectorAll(".theme-switch-button i").forEach(function (icon) {
      icon.setAttribute("aria-hidden", "true");
      if (icon.hasAttribute("title")) {
        icon.dataset.rvTitle = icon.getAttribute("title");
        icon.removeAttribute("title");
      }
    });
  }

  // Scroll cues and figures.
  var MIN_FIGURE_SCALE = 0.7;

  // Overflow under this many pixels is a glyph's overhang (italic letters), not content.
  var SLACK = 4;

  // wide: whether el overflows; measured (scrollWidth against clientWidth) unless given.
  function markScroller(el, label, wide) {
    if (wide === undefined) wide = el.scrollWidth > el.clientWidth + SLACK;
    el.classList.toggle("rv-scroll", wide);
    if (wide) {
      if (!el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        el.dataset.rvTabindex = "1";
      }
      if (!el.hasAttribute("role")) {
        el.setAttribute("role", "region");
        el.dataset.rvRole = "1";
      }
      if (!el.hasAttribute("aria-label")) el.setAttribute("aria-label", label);
    } else {
      if (el.dataset.rvTabindex) { el.removeAttribute("tabindex"); delete el.dataset.rvTabindex; }
      if (el.dataset.rvRole) {
        el.removeAttribute("role");
        el.removeAttribute("aria-label");
        delete el.dataset.rvRole;
      }
    }
  }

  function fitFigure(img) {
    var output = img.closest(".cell_output, figure, .figure") || img.parentElement;
    if (!output || !img.naturalWidth) return;
    output.classList.add("rv-figure");
    var column = output.clientWidth;
    var floor = Math.round(img.naturalWidth * MIN_FIGURE_SCALE);
    if (column < floor) {
      img.style.width = floor + "px";
      img.style.maxWidth = "none";
      if (!img.closest("a")) {
        var link = document.createElement("a");
        link.href = img.currentSrc || img.src;
        link.className = "rv-full-size";
        link.setAttribute("aria-label", "Open the figure full size: " + (img.alt || "figure").slice(0, 120));
        img.parentNode.insertBefore(link, img);
        link.appendChild(img);
      }
    } else {
      img.style.width = "";
      img.style.maxWidth = "";
    }
    markScroller(output, "figure, scrolls sideways");
  }

  function layout() {
    var main = document.querySelector("main") || document.body;
    // The theme's wrappers of display (div.math) and inline (span.math) formulas. Measured on
    // the typeset formula itself (mjx-math): the hidden MathML for screen readers beside it is
    // wider and would count as overflow.
    main.querySelectorAll("div.math, span.math").forEach(function (wrapper) {
      var formula = wrapper.querySelector("mjx-math");
      if (!formula) return;
      var wide = formula.getBoundingClientRect().width > wrapper.clientWidth + SLACK;
      var label = wrapper.tagName === "DIV" ? "equation" : "formula";
      markScroller(wrapper, label + ", scrolls sideways", wide);
    });
    main.querySelectorAll("table").forEach(function (t) {
      var box = t.closest(".pst-scrollable-table-container, .table-wrapper, .output") || t.parentElement;
      if (box) markScroller(box, "table, scrolls sideways");
    });
    // Any other HTML output (an explorer, a wide table of numbers) that overflows the column
    // scrolls sideways with the same cue and keyboard access.
    main.querySelectorAll(".cell_output .output.text_html").forEach(function (box) {
      markScroller(box, "output, scrolls sideways");
    });
    main.querySelectorAll(".cell_output img, figure img").forEach(function (img) {
      // The explorers' frames size themselves (their own control swaps them).
      if (img.closest(".jupyter-widgets, .widget-area, .rv-explorer") || img.classList.contains("rv-frame")) return;
      if (img.complete) fitFigure(img);
      else img.addEventListener("load", function () { fitFigure(img); }, { once: true });
    });
  }

  var pending = null;
  function schedule() {
    if (pending) return;
    pending = window.requestAnimationFrame(function () { pending = null; layout(); });
  }

  ready(function () {
    forwardToggles();
    nameButtons();
    schedule();
    window.addEventListener("resize", schedule);
    window.addEventListener("load", schedule);
    // MathJax's fonts, figures and widgets change widths after load: measure again.
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(schedule);
    var article = document.querySelector("article.bd-article") || document.querySelector("main");
    if (article && window.ResizeObserver) new ResizeObserver(schedule).observe(article);
    // Equations exist only once MathJax has typeset them.
    var t0 = Date.now();
    (function waitForMathJax() {
      var mj = window.MathJax;
      if (mj && mj.startup && mj.startup.promise) {
        mj.startup.promise.then(schedule);
      } else if (Date.now() - t0 < 20000) {
        window.setTimeout(waitForMathJax, 100);
      }
    })();
  });
})();
