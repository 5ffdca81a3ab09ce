// Mention suggestions in the message composer: typing "@ma" lists matching members; a click,
// or Enter on a highlighted one, inserts "@handle ". Without this file, typing @handle by hand
// works the same.
(function () {
  "use strict";

  function prefixBeforeCaret(textarea) {
    var before = textarea.value.slice(0, textarea.selectionStart);
    var match = /(?:^|[^\w@])@([a-z0-9-]{1,40})$/i.exec(before);
    return match ? match[1] : null;
  }

  function insert(textarea, handle) {
    var caret = textarea.selectionStart;
    var before = textarea.value.slice(0, caret).replace(/@([a-z0-9-]{1,40})$/i, "@" + handle + " ");
    textarea.value = before + textarea.value.slice(caret);
    textarea.selectionStart = textarea.selectionEnd = before.length;
    textarea.focus();
  }

  function setup(form) {
    var textarea = form.querySelector("textarea[data-mentions]");
    var box = form.querySelector(".mention-suggestions");
    var url = form.getAttribute("data-mentions-url");
    if (!textarea || !box || !url) return;
    var timer = null;
    var active = -1;

    function close() { box.hidden = true; box.innerHTML = ""; active = -1; }
    function options() { return box.querySelectorAll("[data-handle]"); }
    function highlight(index) {
      var items = options();
      items.forEach(function (item, i) { item.classList.toggle("active", i === index); });
      active = index;
    }

    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      var prefix = prefixBeforeCaret(textarea);
      if (!prefix) { close(); return; }
      timer = setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(prefix), { headers: { "HX-Request": "true" } })
          .then(function (response) { return response.ok ? response.text() : ""; })
          .then(function (html) {
            box.innerHTML = html;
            box.hidden = !options().length;
            highlight(options().length ? 0 : -1);
          });
      }, 200);
    });
    textarea.addEventListener("keydown", function (event) {
      if (box.hidden) return;
      var items = options();
      if (event.key === "ArrowDown") { highlight(Math.min(active + 1, items.length - 1)); event.preventDefault(); }
      else if (event.key === "ArrowUp") { highlight(Math.max(active - 1, 0)); event.preventDefault(); }
      else if (event.key === "Enter" && active >= 0) {
        insert(textarea, items[active].getAttribute("data-handle")); close(); event.preventDefault();
      } else if (event.key === "Escape") { close(); }
    });
    box.addEventListener("mousedown", function (event) {
      var item = event.target.closest("[data-handle]");
      if (!item) return;
      event.preventDefault();
      insert(textarea, item.getAttribute("data-handle"));
      close();
    });
  }

  function setupAll(root) {
    (root || document).querySelectorAll("form.composer").forEach(function (form) {
      if (form.dataset.mentionsReady) return;
      form.dataset.mentionsReady = "1";
      setup(form);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { setupAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { setupAll(event.target); });
})();
