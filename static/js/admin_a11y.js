// Accessible names the admin's widgets lack: inline-table fields, list-editable cells and the
// select2 autocomplete boxes get a Chinese label taken from their column header or field label.
(function () {
  "use strict";

  function headerFor(cell) {
    const table = cell.closest("table");
    if (!table) return "";
    const index = Array.prototype.indexOf.call(cell.parentNode.children, cell);
    const headers = table.querySelectorAll("thead tr:last-child th");
    const th = headers[index];
    return th ? th.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function rowName(row) {
    const first = row.querySelector("th, td.original p, td:not(.action-checkbox)");
    return first ? first.textContent.replace(/\s+/g, " ").trim().slice(0, 40) : "";
  }

  function hasName(el) {
    return (el.labels && el.labels.length) || el.getAttribute("aria-label") ||
      el.getAttribute("aria-labelledby") || el.getAttribute("title");
  }

  function labelTableFields(root) {
    root.querySelectorAll("table td input, table td select, table td textarea").forEach(function (el) {
      if (el.type === "hidden" || hasName(el)) return;
      const cell = el.closest("td");
      const column = headerFor(cell) || el.name;
      const row = el.closest("tr");
      const name = el.classList.contains("action-select") ? "选择" : column;
      const which = row ? rowName(row) : "";
      el.setAttribute("aria-label", which ? name + "（" + which + "）" : name);
    });
  }

  function labelSelect2(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      const label = select.labels && select.labels.length ?
        select.labels[0].textContent.replace(/[:：\s]+$/, "").trim() : select.name;
      const container = select.nextElementSibling;
      if (!container || !container.classList.contains("select2")) return;
      container.querySelectorAll(".select2-selection").forEach(function (box) {
        box.setAttribute("aria-label", label);
      });
      container.querySelectorAll(".select2-selection__rendered").forEach(function (text) {
        text.setAttribute("aria-label", label);
      });
      container.querySelectorAll(".select2-search__field").forEach(function (field) {
        field.setAttribute("aria-label", "搜索" + label);
      });
    });
    document.querySelectorAll(".select2-dropdown .select2-search__field").forEach(function (field) {
      if (!field.getAttribute("aria-label")) field.setAttribute("aria-label", "搜索");
    });
  }

  function run(root) {
    labelTableFields(root || document);
    labelSelect2(document);
  }

  document.addEventListener("DOMContentLoaded", function () {
    run(document);
    // select2 builds its boxes after DOMContentLoaded, and again when a choice changes.
    window.setTimeout(function () { run(document); }, 0);
    if (window.django && window.django.jQuery) {
      window.django.jQuery(document).on("select2:open select2:select select2:unselect", function () {
        window.setTimeout(function () { labelSelect2(document); }, 0);
      });
    }
  });
  document.addEventListener("formset:added", function (event) { run(event.target); });
})();
