/* The filling page, made a little smoother. Everything works without this file:
   it shows the suggested level as soon as likelihood and harm are chosen, adds measure boxes
   without a round trip, and asks before deleting. Event delegation, so it also covers forms
   that htmx swaps in. */
(function () {
  "use strict";
  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  var matrix = readJson("level-matrix");
  var labels = readJson("level-labels");
  var badge = { 1: "text-bg-danger", 2: "text-bg-warning", 3: "text-bg-success" };

  function checked(form, suffix) {
    var input = form.querySelector('input[type=radio][name$="' + suffix + '"]:checked');
    return input ? input.value : null;
  }

  function updateSuggested(form) {
    var out = form.querySelector("[data-suggested]");
    if (!out || !matrix) return;
    var l = checked(form, "likelihood"), h = checked(form, "harm");
    if (!l || !h) return;
    var level = matrix[l][h];
    out.innerHTML = "";
    var span = document.createElement("span");
    span.className = "badge " + badge[level];
    span.textContent = labels[String(level)];
    out.appendChild(span);
  }

  document.addEventListener("change", function (event) {
    var form = event.target.closest("[data-point-form]");
    if (form && event.target.type === "radio") updateSuggested(form);
  });

  function revealAddButtons(root) {
    root.querySelectorAll("[data-add-measure]").forEach(function (b) { b.hidden = false; });
  }
  revealAddButtons(document);
  document.body.addEventListener("htmx:afterSwap", function (event) { revealAddButtons(event.target.parentNode || document); });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-measure]");
    if (!button) return;
    var list = button.closest("[data-measures]").querySelector(".measure-list");
    var items = list.querySelectorAll("li");
    var last = items[items.length - 1];
    var copy = last.cloneNode(true);
    var area = copy.querySelector("textarea");
    var label = copy.querySelector("label");
    var n = items.length + 1;
    area.value = "";
    area.id = area.id.replace(/-m\d+$/, "-m" + n);
    area.placeholder = "第 " + n + " 条措施";
    label.htmlFor = area.id;
    label.textContent = "第 " + n + " 条措施";
    list.appendChild(copy);
    area.focus();
  });

  // 提交 waits while a point has an unsaved edit: the button says why, and the request says
  // which point (the server refuses it too, so nothing typed is dropped silently).
  function markUnsaved(label) {
    document.querySelectorAll("[data-submit-form]").forEach(function (form) {
      var input = form.querySelector("[data-unsaved]");
      var button = form.querySelector("[data-submit-button]");
      var wait = form.querySelector("[data-submit-wait]");
      if (input) input.value = label;
      if (button) {
        button.disabled = true;
        button.textContent = "等待保存";
      }
      if (wait) wait.textContent = label + "的修改还没有保存，请先保存或放弃该修改，再提交。";
    });
  }
  function pointFormChanged(event) {
    var form = event.target.closest("[data-point-form]");
    if (form && !form.hasAttribute("data-dirty")) {
      form.setAttribute("data-dirty", "");
      markUnsaved(form.getAttribute("data-point-label") || "风险点");
    }
  }
  document.addEventListener("input", pointFormChanged);
  document.addEventListener("change", pointFormChanged);

  // After a failed save, focus goes to the first field with an error.
  var firstError = document.querySelector("[data-point-form] .field-error, [data-point-form] .alert-danger");
  if (firstError) {
    var box = firstError.closest("fieldset, .col-md-4, .col-md-8, .col-12, .card-body");
    var field = box && box.querySelector("input:not([type=hidden]), select, textarea");
    (field || firstError).setAttribute("aria-invalid", "true");
    if (field) {
      field.focus();
      field.scrollIntoView({ block: "center" });
    }
  }

  // On a phone the risk library is a side panel: a search in it reloads the page at #library,
  // so open the panel again there.
  var libraryPanel = document.getElementById("library-panel");
  if (libraryPanel && window.bootstrap && location.hash === "#library" &&
      window.matchMedia("(max-width: 991.98px)").matches) {
    window.bootstrap.Offcanvas.getOrCreateInstance(libraryPanel).show();
  }

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
