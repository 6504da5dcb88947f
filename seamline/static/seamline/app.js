// Seamline's own script: small, no eval, no inline handlers (the CSP forbids them).
// Behaviour is switched on by data attributes:
//   data-copy="#selector"      on a button: copies the text of the selected element.
//   data-confirm="Question?"   on a form: asks before the form is submitted.
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain HTTP on a local address has no clipboard API: fall back to a selection.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var done = false;
      try {
        done = document.execCommand("copy");
      } catch (err) {
        done = false;
      }
      document.body.removeChild(area);
      if (done) {
        resolve();
      } else {
        reject(new Error("copy failed"));
      }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) {
      return;
    }
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) {
      return;
    }
    var label = button.textContent;
    copyText(source.textContent.trim()).then(
      function () {
        button.textContent = "Copied";
        window.setTimeout(function () { button.textContent = label; }, 2000);
      },
      function () {
        button.textContent = "Select and copy it by hand";
      }
    );
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // A page that comes back with form errors takes focus to the summary of them, so that
  // everyone (screen reader users included) learns at once what needs fixing.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  });

  // When htmx replaces the control that had focus (a "move up" button, say), put focus back on
  // the control with the same id in the new content, so keyboard users do not lose their place.
  var focusedId = null;
  document.addEventListener("htmx:beforeSwap", function () {
    var active = document.activeElement;
    focusedId = active && active.id ? active.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!focusedId) {
      return;
    }
    var again = document.getElementById(focusedId);
    focusedId = null;
    if (again && again.disabled && again.form) {
      again = again.form.querySelector("button:not([disabled])");
    }
    if (again) {
      again.focus();
    }
  });

  // A fragment that could not be loaded says so where it would have appeared.
  document.addEventListener("htmx:responseError", function (event) {
    var target = event.detail && event.detail.target;
    if (target) {
      var note = document.createElement("p");
      note.className = "errors";
      note.setAttribute("role", "alert");
      note.textContent = "That could not be loaded. Reload the page and try again.";
      target.prepend(note);
    }
  });
}());
