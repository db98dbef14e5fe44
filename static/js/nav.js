// Navigation menus are <details> elements and work without JavaScript; this only closes an open
// menu when another one opens, on a click elsewhere, or on Escape.
(function () {
  "use strict";
  function menus() {
    return document.querySelectorAll("details.site-nav__group");
  }
  function closeAll(except) {
    menus().forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }
  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (menu.matches && menu.matches("details.site-nav__group") && menu.open) closeAll(menu);
  }, true);
  document.addEventListener("click", function (event) {
    if (!event.target.closest("details.site-nav__group")) closeAll(null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeAll(null);
  });
})();
