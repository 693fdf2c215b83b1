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

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
