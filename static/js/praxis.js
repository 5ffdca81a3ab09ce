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
})();
