// "Select all" checkboxes of the workflow queues: a box marked data-select-all ticks or clears
// every form_ids checkbox of the page. A static file, because the Content-Security-Policy
// allows no inline script.
document.querySelectorAll("[data-select-all]").forEach(function (box) {
  box.addEventListener("change", function () {
    document.querySelectorAll("input[name=form_ids]").forEach(function (b) {
      b.checked = box.checked;
    });
  });
});
