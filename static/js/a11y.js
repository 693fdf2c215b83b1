/* Keyboard and screen-reader users keep their place when htmx swaps part of a page: focus moves
   into what was swapped in — the first field in error, else the first field, else a message that
   replaced the form, else the swapped element itself. */
(function () {
  "use strict";
  var FIELD = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";

  function focusTarget(root) {
    return root.querySelector("[aria-invalid=true], .is-invalid") ||
      root.querySelector("[autofocus]") ||
      root.querySelector(FIELD) ||
      root.querySelector("[role=alert], [role=status], .alert") ||
      root;
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.target; // the swapped-in element (detail.elt is the one that asked)
    if (!root || !root.isConnected) return;
    // Polling fragments (the job page's progress) update in place and must not steal focus.
    if (root.closest("[hx-trigger*=every]")) return;
    var target = focusTarget(root);
    if (!target.matches(FIELD + ", a[href], button, [tabindex]")) target.setAttribute("tabindex", "-1");
    target.focus();
  });
})();
