/*
 * Drawn-signature capture for every <div data-signature-pad> on the page.
 *
 * Each pad holds a <canvas>, an <input type="hidden" name="signature"> that receives the
 * PNG data URL (or, where one form holds several pads, an <input data-signature-input> of
 * any name), a [data-signature-clear] button and, optionally, a [data-signature-error]
 * element for the "please sign" message (data-signature-message on the pad overrides it).
 * A pad marked data-signature-optional lets its form be submitted unsigned.
 * Loaded after signature_pad.umd.min.js, which defines window.SignaturePad. No inline
 * script is needed: the site's Content-Security-Policy forbids them.
 */
(function () {
  "use strict";

  const DEFAULT_MESSAGE = "Please sign in the box before confirming.";

  function setUpPad(root) {
    const canvas = root.querySelector("canvas");
    const input =
      root.querySelector("input[data-signature-input]") ||
      root.querySelector('input[name="signature"]');
    const clearButton = root.querySelector("[data-signature-clear]");
    const form = root.closest("form");
    const errorBox =
      root.querySelector("[data-signature-error]") ||
      (form && form.querySelector("[data-signature-error]"));
    const message = root.getAttribute("data-signature-message") || DEFAULT_MESSAGE;
    const optional = root.hasAttribute("data-signature-optional");

    if (!canvas || !input || root.signaturePad) {
      return;
    }
    const pad = new window.SignaturePad(canvas, {
      penColor: "rgb(17, 17, 17)",
      backgroundColor: "rgba(0, 0, 0, 0)",
      minWidth: 0.8,
      maxWidth: 2.6,
    });
    root.signaturePad = pad;
    if (errorBox && !errorBox.hasAttribute("role")) {
      errorBox.setAttribute("role", "alert");
    }

    function showError() {
      if (errorBox) {
        errorBox.textContent = message;
        errorBox.hidden = false;
      }
      canvas.classList.add("is-invalid");
      canvas.setAttribute("aria-invalid", "true");
    }

    function hideError() {
      if (errorBox) {
        errorBox.hidden = true;
      }
      canvas.classList.remove("is-invalid");
      canvas.removeAttribute("aria-invalid");
    }

    function storeSignature() {
      input.value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
    }

    // The canvas backing store must match its CSS size times devicePixelRatio, or strokes
    // land away from the finger and look blurred. Resizing a canvas wipes it, so the strokes
    // are kept as data and redrawn.
    function fitCanvas() {
      const ratio = Math.max(window.devicePixelRatio || 1, 1);
      const width = Math.round(canvas.offsetWidth * ratio);
      const height = Math.round(canvas.offsetHeight * ratio);
      if (width === 0 || height === 0 || (canvas.width === width && canvas.height === height)) {
        return;
      }
      const strokes = pad.toData();
      canvas.width = width;
      canvas.height = height;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      if (strokes.length) {
        pad.fromData(strokes);
      }
      storeSignature();
    }

    pad.addEventListener("beginStroke", hideError);
    pad.addEventListener("endStroke", storeSignature);

    if (clearButton) {
      if (clearButton.tagName === "BUTTON") {
        // Inside a form a button defaults to submit; clearing must never submit.
        clearButton.type = "button";
      }
      clearButton.addEventListener("click", function () {
        pad.clear();
        input.value = "";
      });
    }

    if (form) {
      form.addEventListener("submit", function (event) {
        if (pad.isEmpty() && optional) {
          input.value = "";
          return;
        }
        if (pad.isEmpty()) {
          event.preventDefault();
          input.value = "";
          showError();
          canvas.scrollIntoView({ block: "center" });
          return;
        }
        storeSignature();
      });
    }

    let resizeTimer = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(resizeTimer);
      resizeTimer = window.setTimeout(fitCanvas, 100);
    });
    fitCanvas();
    // A browser may restore an old value into the hidden input when going back to the page.
    storeSignature();
  }

  function setUpAll() {
    if (typeof window.SignaturePad !== "function") {
      return;
    }
    document.querySelectorAll("[data-signature-pad]").forEach(setUpPad);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
