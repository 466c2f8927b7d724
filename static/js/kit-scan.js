/*
 * Scanning a booked kit's parts at the desk (templates/bookings/collect_kit.html).
 *
 * A USB scanner types a tag (or our label's URL) into the scan field and presses Enter: the
 * tag goes into the "Scanned so far" box and its part is ticked at once, without a round
 * trip. The kit's own label ticks every part. Without this script the same form posts each
 * scan and the page comes back ticked by the server.
 */
(function () {
  "use strict";

  const form = document.querySelector("[data-kit-scan]");
  if (!form) return;
  const field = form.querySelector("input[name=scan]");
  const box = form.querySelector("textarea[name=tags]");
  const message = form.querySelector("[data-kit-message]");
  const count = document.querySelector("[data-kit-count]");
  const kitTag = form.dataset.kitTag.toLowerCase();
  const parts = Array.from(document.querySelectorAll("[data-part-tag]"));

  function tagIn(code, path) {
    // Our label's URL: .../a/<tag> for an asset, .../k/<tag> for a kit.
    const at = code.lastIndexOf(path);
    if (code.includes("://") && at >= 0) {
      return decodeURIComponent(code.slice(at + path.length).replace(/\/+$/, ""));
    }
    return null;
  }

  function tick(item) {
    item.querySelector("[data-tick]").textContent = "\u2713";
    item.querySelector("[data-tick]").className = "fw-bold text-success";
    item.querySelector("[data-state]").textContent = "Scanned";
    item.dataset.scanned = "yes";
  }

  function refresh() {
    const lines = box.value.split(/\n/).map((l) => l.trim().toLowerCase());
    const whole = lines.includes(kitTag);
    for (const item of parts) {
      if (whole || lines.includes(item.dataset.partTag.toLowerCase())) tick(item);
    }
    count.textContent = parts.filter((item) => item.dataset.scanned === "yes").length;
  }

  function add() {
    const code = field.value.trim();
    field.value = "";
    if (!code) return;
    const kit = tagIn(code, "/k/");
    const tag = (kit === null ? tagIn(code, "/a/") : kit) || code;
    const lower = tag.toLowerCase();
    const part = parts.find((item) => item.dataset.partTag.toLowerCase() === lower);
    if (lower === kitTag) {
      message.textContent = `The kit's label: every part counts as scanned.`;
    } else if (part) {
      message.textContent = `${part.dataset.partTag} scanned.`;
    } else {
      message.textContent = `${tag} is not part of this kit: put it aside.`;
      return;
    }
    box.value = (box.value.trim() ? box.value.trim() + "\n" : "") + (part ? part.dataset.partTag : tag);
    refresh();
  }

  field.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      add();
    }
  });
  form.querySelector("[data-kit-add]").addEventListener("click", (event) => {
    event.preventDefault();
    add();
    field.focus();
  });
  box.addEventListener("input", refresh);
})();
