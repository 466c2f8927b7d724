/*
 * List pages, a little quicker with JavaScript; every part works without it.
 *
 * <form data-filters>: a filter applies as soon as it is chosen (a list, a tick box, a
 * whole date), so nobody has to find the Go button, which stays for pages without
 * JavaScript and for the search box (Enter works too). A list changed from the keyboard
 * applies when the person presses Enter or moves on, not at every arrow key, and after the
 * page reloads the focus is back on the filter that was changed.
 *
 * <input type="checkbox" data-tick-all="NAME">: ticks or clears every tick box named NAME in
 * its form ("tick all on this page"); it is hidden until this script shows it.
 *
 * No inline script is needed: the site's Content-Security-Policy forbids them.
 */
(function () {
  "use strict";

  const FOCUS_KEY = "lists:refocus";

  function wholeDate(input) {
    // While a year is typed digit by digit the value passes through 0002, 0020, 0202.
    return input.value === "" || /^[12]\d{3}-\d{2}-\d{2}$/.test(input.value);
  }

  function setUpFilters(form) {
    const apply = function (control) {
      if (control.id) {
        try {
          sessionStorage.setItem(FOCUS_KEY, control.id);
        } catch (error) {
          // Storage may be off; the filter still applies.
        }
      }
      if (form.requestSubmit) {
        form.requestSubmit();
      } else {
        form.submit();
      }
    };
    form.querySelectorAll("select, input[type=checkbox], input[type=radio], input[type=date], input[type=number]").forEach(function (control) {
      let keyed = false;
      let pending = false;
      control.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && pending) {
          event.preventDefault();
          apply(control);
        } else if (event.key !== "Tab" && control.tagName === "SELECT") {
          keyed = true;
        }
      });
      control.addEventListener("change", function () {
        if (control.type === "date" && !wholeDate(control)) {
          return;
        }
        if (keyed || control.type === "number") {
          pending = true; // applied on Enter or on leaving the field
          return;
        }
        apply(control);
      });
      control.addEventListener("blur", function () {
        keyed = false;
        if (pending) {
          pending = false;
          apply(control);
        }
      });
    });
  }

  function refocus() {
    let id = null;
    try {
      id = sessionStorage.getItem(FOCUS_KEY);
      sessionStorage.removeItem(FOCUS_KEY);
    } catch (error) {
      return;
    }
    const control = id && document.getElementById(id);
    if (control && control.closest("form[data-filters]")) {
      control.focus();
    }
  }

  function setUpTickAll(box) {
    const form = box.form;
    const name = box.getAttribute("data-tick-all");
    if (!form || !name) {
      return;
    }
    const boxes = function () {
      return Array.from(form.elements).filter(function (el) {
        return el.type === "checkbox" && el.name === name && el !== box;
      });
    };
    const update = function () {
      const all = boxes();
      const ticked = all.filter(function (el) { return el.checked; }).length;
      box.checked = all.length > 0 && ticked === all.length;
      box.indeterminate = ticked > 0 && ticked < all.length;
    };
    box.addEventListener("change", function () {
      boxes().forEach(function (el) { el.checked = box.checked; });
      box.indeterminate = false;
    });
    form.addEventListener("change", function (event) {
      if (event.target !== box && event.target.name === name) {
        update();
      }
    });
    const wrapper = box.closest("[data-tick-all-wrapper]") || box;
    wrapper.hidden = false;
    box.hidden = false;
    update();
  }

  document.querySelectorAll("form[data-filters]").forEach(setUpFilters);
  document.querySelectorAll("input[data-tick-all]").forEach(setUpTickAll);
  refocus();
})();
