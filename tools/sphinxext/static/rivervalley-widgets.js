/*
 * River Valley: four fixes for the embedded Jupyter widgets (loaded before the widget manager).
 *
 * Each fix works around an upstream defect and says when it can go. The "@patch" lines are read
 * by tests/book/test_page_patches.py: `fixed-in` is the first release of the package that makes
 * the fix unnecessary ("none" while no release does), `checked-through` the newest release
 * checked to still need it. The test fails when the pinned version (tools/assets/package-lock.json
 * for npm packages, requirements.txt for Python ones) reaches `fixed-in` (remove the fix) or
 * passes `checked-through` (check the new release, then remove the fix or raise the number).
 * Checked on 2026-12-04 against @jupyter-widgets/html-manager 1.0.15, the newest on npm (it
 * bundles @jupyter-widgets/base 6.0.12 and @jupyter-widgets/controls 5.0.13).
 *
 * 1. Icon fonts. The widget manager computes the URL of its font files from the require.js module
 *    id "@jupyter-widgets/html-manager/dist/...", resolved against the page: a folder that does
 *    not exist (six 404s per page). Map that id to the folder that really holds the files, the
 *    data-widgets-assets attribute of this script resolved against this script's own URL, with a
 *    require.js "paths" entry (a global `require` object is read by require.js as its
 *    configuration when it loads), and set window.__jupyter_widgets_assets_path__ too, which
 *    some of the manager's chunks read instead.
 *    Upstream: jupyter-widgets/ipywidgets#3658 "Icons are not shown when embedded" (open; also
 *    #1650). No release fixes it.
 *    @patch icon-fonts npm:@jupyter-widgets/html-manager fixed-in:none checked-through:1.0.15
 *
 * 2. MathJax. The widget manager typesets widget labels with MathJax 2's MathJax.Hub.Queue, but
 *    the book loads MathJax 3, which has no Hub: every widget threw a TypeError. Give whatever
 *    object window.MathJax holds (the configuration first, then MathJax 3 itself) a small Hub
 *    whose Queue(["Typeset", hub, element]) calls MathJax 3's typesetPromise([element]).
 *    Upstream: jupyter-widgets/ipywidgets#3829 "MathJax3 in Jupyterlab4" (open). PR #3847 (in
 *    ipywidgets 8.1.2) only falls back to JupyterLab's typesetter when window.MathJax is
 *    undefined; controls 5.0.13 (lib/utils.js typeset) still calls MathJax.Hub.Queue.
 *    @patch mathjax2-hub npm:@jupyter-widgets/html-manager fixed-in:none checked-through:1.0.15
 *
 * 3. Screen readers. noUiSlider, which draws the widget sliders, announces a SelectionSlider
 *    (the kernel-less figures of rivervalley_lib.book.frames) by its index ("5") or its raw number
 *    ("0.21000000000000002"), and no slider by its name. Give every slider handle the text its
 *    readout shows ("0.12") as aria-valuetext and its description as aria-label, as soon as a
 *    slider is drawn (not only after the first key press) and whenever it moves.
 *    Upstream: leongersen/noUiSlider#1223 (handles have no accessible name). noUiSlider has a
 *    handleAttributes option (in the 15.4.0 the manager bundles), but @jupyter-widgets/controls
 *    5.0.13 passes none; no ipywidgets issue found.
 *    @patch slider-names npm:@jupyter-widgets/html-manager fixed-in:none checked-through:1.0.15
 *
 * 4. Late Lumino messages. When a Stack switches twice within one animation frame (a kernel-less
 *    figure whose arrow key is pressed fast), a message queued for the child view it dropped
 *    arrives after that view was disposed, and @jupyter-widgets/base's JupyterLuminoWidget
 *    throws "Cannot read properties of null (reading 'processLuminoMessage')". Drop the late
 *    message for the disposed view, as the controls' own Lumino widgets already do.
 *    Upstream: no issue found in jupyter-widgets/ipywidgets; the unguarded call is
 *    JupyterLuminoWidget.processMessage in @jupyter-widgets/base 6.0.12 (lib/widget.js).
 *    @patch lumino-late-message npm:@jupyter-widgets/html-manager fixed-in:none checked-through:1.0.15
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var assets = script && script.getAttribute("data-widgets-assets");
  if (assets) {
    var folder = new URL(assets, script.src).href;
    window.__jupyter_widgets_assets_path__ = folder;
    var config = { paths: { "@jupyter-widgets/html-manager/dist": folder.replace(/\/$/, "") } };
    if (typeof window.require === "undefined") {
      window.require = config;
    } else if (typeof window.require.config === "function") {
      window.require.config(config);
    }
  }

  var hub = {
    Queue: function () {
      Array.prototype.forEach.call(arguments, function (job) {
        if (!Array.isArray(job) || job[0] !== "Typeset") return;
        var mj = window.MathJax;
        if (!mj || !mj.startup || !mj.startup.promise || !mj.typesetPromise) return; // typeset at startup
        var target = job[2] ? [job[2]] : undefined;
        mj.startup.promise
          .then(function () { return mj.typesetPromise(target); })
          .catch(function (err) { console.warn("MathJax could not typeset a widget label:", err); });
      });
    },
  };

  function withHub(obj) {
    if (obj && typeof obj === "object" && !("Hub" in obj)) {
      Object.defineProperty(obj, "Hub", { value: hub, configurable: true, writable: true, enumerable: false });
    }
    return obj;
  }

  function describeHandle(handle) {
    var slider = handle.closest(".widget-slider");
    var readout = slider && slider.querySelector(".widget-readout");
    var text = readout && readout.textContent.trim();
    if (text && handle.getAttribute("aria-valuetext") !== text) handle.setAttribute("aria-valuetext", text);
    var name = slider && slider.querySelector(".widget-label");
    var label = name && name.textContent.trim();
    if (label && handle.getAttribute("aria-label") !== label) handle.setAttribute("aria-label", label);
  }

  function describeSliders(sliders, done) {
    sliders.forEach(function (slider) {
      if (done.indexOf(slider) >= 0) return;
      done.push(slider);
      slider.querySelectorAll('[role="slider"]').forEach(describeHandle);
    });
  }

  new MutationObserver(function (records) {
    var done = [];
    records.forEach(function (record) {
      var el = record.target.nodeType === 1 ? record.target : record.target.parentElement;
      if (!el || !el.closest) return;
      var slider = el.closest(".widget-slider");
      // A slider drawn inside a newly added subtree (first render): name it now.
      var sliders = slider ? [slider] : Array.from(el.querySelectorAll(".widget-slider"));
      describeSliders(sliders, done);
    });
  }).observe(document.documentElement, {
    subtree: true, childList: true, characterData: true,
    attributes: true, attributeFilter: ["aria-valuenow", "aria-valuetext"],
  });

  window.addEventListener("load", function () {
    if (typeof window.require !== "function") return;
    window.require(["@jupyter-widgets/base"], function (base) {
      var Lumino = base && base.JupyterLuminoWidget;
      if (!Lumino || Lumino.prototype.rivervalleyGuarded) return;
      var original = Lumino.prototype.processMessage;
      var plain = Object.getPrototypeOf(Lumino.prototype).processMessage;
      Lumino.prototype.processMessage = function (msg) {
        return this._view ? original.call(this, msg) : plain.call(this, msg);
      };
      Lumino.prototype.rivervalleyGuarded = true;
    });
  });

  var current = withHub(window.MathJax);
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    enumerable: true,
    get: function () { return current; },
    set: function (value) { current = withHub(value); },
  });
})();
