/*
 * River Valley: the kernel-less explorers (rivervalley_lib.book.frames.StaticExplorer).
 *
 * Each explorer holds one native <input type="range"> per control (named by its <label>,
 * aria-valuetext set in the HTML from the first render), the frame on display, a polite live
 * region, and the list of its frames as JSON: [{src, alt, call}], the last control varying
 * fastest. Moving a slider shows the frame at that position: the <output> readout, the input's
 * aria-valuetext and the image's src/alt change together, and the live region announces the
 * values and the frame's alt text once the keys rest (400 ms). The frames are image files that
 * the browser fetches only when one is shown; the first focus or touch of an explorer fetches
 * the rest of its frames in the background, so moving the slider then swaps at once.
 *
 * The inputs are disabled in the HTML and enabled here: without this script they show the first
 * frame and no control that does nothing.
 */
(function () {
  "use strict";

  function setup(box) {
    if (box.dataset.rvReady) return;
    var data = box.querySelector("script.rv-explorer-frames");
    var img = box.querySelector("img.rv-frame");
    var status = box.querySelector(".rv-explorer-status");
    if (!data || !img) return;
    var frames = JSON.parse(data.textContent);
    var inputs = Array.prototype.slice.call(box.querySelectorAll("input.rv-explorer-range"));
    var timer = null;
    var preloaded = false;
    box.dataset.rvReady = "1";

    function position() {
      return inputs.reduce(function (i, input) {
        return i * (Number(input.max) + 1) + Number(input.value);
      }, 0);
    }

    function texts() {
      return inputs.map(function (input) {
        var label = box.querySelector('label[for="' + input.id + '"]');
        var values = JSON.parse(input.dataset.valuetexts);
        return (label ? label.textContent + " " : "") + values[Number(input.value)];
      });
    }

    function show() {
      inputs.forEach(function (input) {
        var i = Number(input.value);
        var out = box.querySelector('output[for="' + input.id + '"]');
        if (out) out.textContent = JSON.parse(input.dataset.readouts)[i];
        input.setAttribute("aria-valuetext", JSON.parse(input.dataset.valuetexts)[i]);
      });
      var frame = frames[position()];
      if (!frame) return;
      img.setAttribute("src", frame.src);
      img.setAttribute("alt", frame.alt);
      img.setAttribute("data-call", frame.call);
      if (status) {
        clearTimeout(timer);
        timer = setTimeout(function () {
          status.textContent = texts().join(", ") + ". " + frame.alt;
        }, 400);
      }
    }

    function preload() {
      if (preloaded) return;
      preloaded = true;
      frames.forEach(function (frame) {
        var im = new Image();
        im.decoding = "async";
        im.src = frame.src;
      });
    }

    inputs.forEach(function (input) {
      input.disabled = false;
      input.addEventListener("input", show);
      input.addEventListener("change", show);
      input.addEventListener("focus", preload);
      input.addEventListener("pointerdown", preload);
    });
  }

  function setupAll() {
    document.querySelectorAll(".rv-explorer").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setupAll);
  } else {
    setupAll();
  }
})();
