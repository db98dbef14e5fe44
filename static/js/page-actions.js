// Small page actions that used to be inline handlers (the Content-Security-Policy allows no inline
// script): a print button, and a checkbox that selects every box of its form with a given name.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var printer = event.target.closest && event.target.closest("[data-print]");
    if (printer) window.print();
  });
  document.addEventListener("change", function (event) {
    var all = event.target;
    if (!all.matches || !all.matches("input[type=checkbox][data-select-all]") || !all.form) return;
    all.form.querySelectorAll('input[name="' + all.dataset.selectAll + '"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });
})();
