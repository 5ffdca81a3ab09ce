// Praxis: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Moves focus to the main landmark after the skip link is followed, for every browser.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.skip-link");
    if (!link) return;
    var main = document.getElementById("main");
    if (main) main.focus();
  });

  // Asks before a destructive action: <button data-confirm="Revoke this invitation?">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (!button) return;
    if (!window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // Read-only links to share are selected whole on focus, ready to copy.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches("input[readonly]")) event.target.select();
  });
})();
