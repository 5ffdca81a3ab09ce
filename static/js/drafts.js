// Drafts: what people type in a form marked data-draft="<key>" is kept in this browser until
// the server says it stored it (the praxis_draft_sent cookie, set by core/drafts.py). After a
// failed submission — session expired, rate limit, server error, connection lost — the text is
// put back into the empty form, with a notice and a way to discard it.
(function () {
  "use strict";

  var PREFIX = "praxis:draft:";
  var SENT_COOKIE = "praxis_draft_sent";
  var FIELDS = "textarea[name], input[type=text][name]";
  var timers = {};

  function storage() {
    try { return window.localStorage; } catch (error) { return null; }
  }

  // The key the server stored, if any, forgotten at once (the cookie is read once).
  function takeSentKey() {
    var match = document.cookie.match(new RegExp("(?:^|; )" + SENT_COOKIE + "=([a-z0-9-]+)"));
    if (!match) return null;
    document.cookie = SENT_COOKIE + "=; Max-Age=0; path=/; SameSite=Lax";
    return match[1];
  }

  function forgetSent() {
    var key = takeSentKey();
    var store = storage();
    if (key && store) store.removeItem(PREFIX + key);
  }

  function fieldsOf(form) {
    return Array.prototype.filter.call(form.querySelectorAll(FIELDS), function (field) {
      return field.name !== "draft" && !field.closest("[data-draft-skip]");
    });
  }

  function save(form) {
    var store = storage();
    if (!store) return;
    var values = {};
    var typed = false;
    fieldsOf(form).forEach(function (field) {
      values[field.name] = field.value;
      if (field.value.trim() && field.value !== field.defaultValue) typed = true;
    });
    var key = PREFIX + form.dataset.draft;
    if (typed) store.setItem(key, JSON.stringify({ fields: values, saved: Date.now() }));
    else store.removeItem(key);
  }

  function notice(form) {
    var box = document.createElement("div");
    box.className = "alert alert-info d-flex flex-wrap align-items-center gap-2 py-2 draft-notice";
    box.setAttribute("role", "status");
    var text = document.createElement("span");
    text.className = "me-auto";
    text.textContent = form.dataset.draftRestored || "Your unsent text was restored.";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "btn btn-sm btn-outline-secondary";
    discard.textContent = form.dataset.draftDiscard || "Discard it";
    discard.addEventListener("click", function () {
      fieldsOf(form).forEach(function (field) { field.value = field.defaultValue; });
      var store = storage();
      if (store) store.removeItem(PREFIX + form.dataset.draft);
      box.remove();
      var first = fieldsOf(form)[0];
      if (first) first.focus();
    });
    box.appendChild(text);
    box.appendChild(discard);
    form.insertBefore(box, form.firstChild);
  }

  function restore(form) {
    var store = storage();
    var raw = store && store.getItem(PREFIX + form.dataset.draft);
    if (!raw) return;
    var draft;
    try { draft = JSON.parse(raw); } catch (error) { return; }
    var fields = fieldsOf(form);
    // The server sent the form back with what was typed (a validation error): it wins.
    var edited = fields.some(function (field) { return field.value !== field.defaultValue; });
    if (edited) return;
    var restored = false;
    fields.forEach(function (field) {
      var value = draft.fields && draft.fields[field.name];
      if (typeof value === "string" && value !== field.value) {
        field.value = value;
        restored = true;
      }
    });
    if (restored) notice(form);
  }

  function prepare(root) {
    forgetSent();  // an htmx answer that stored a draft is read before its new form is filled
    root.querySelectorAll("form[data-draft]").forEach(function (form) {
      if (form.dataset.draftReady) return;
      form.dataset.draftReady = "1";
      // The server learns the key from the form itself, and names it back once stored.
      if (!form.querySelector("input[name=draft]")) {
        var key = document.createElement("input");
        key.type = "hidden";
        key.name = "draft";
        key.value = form.dataset.draft;
        form.appendChild(key);
      }
      restore(form);
    });
  }

  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form[data-draft]");
    if (!form) return;
    clearTimeout(timers[form.dataset.draft]);
    timers[form.dataset.draft] = setTimeout(function () { save(form); }, 250);
  });
  // Saved again right before sending, so not even the last word waits on the timer.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-draft]");
    if (form) save(form);
  }, true);
  // htmx answers (a reply appended in place) may carry the cookie, and bring new forms.
  document.addEventListener("htmx:afterRequest", forgetSent);
  document.addEventListener("htmx:load", function (event) { prepare(event.target); });

  prepare(document);
})();
