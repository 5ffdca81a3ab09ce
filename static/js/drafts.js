// Drafts: what people type in a form marked data-draft="<key>" is kept in this browser until
// the server says it stored it (the praxis_draft_sent cookie, set by core/drafts.py). After a
// failed submission — session expired, rate limit, server error, connection lost — the text is
// put back into the empty form, with a notice and a way to discard it. Radio buttons and
// checkboxes (an assessment's answers) are kept too: which of them are ticked, by name.
(function () {
  "use strict";

  var PREFIX = "praxis:draft:";
  var SENT_COOKIE = "praxis_draft_sent";
  var FIELDS = "textarea[name], input[type=text][name], input[type=number][name]";
  var CHOICES = "input[type=radio][name], input[type=checkbox][name]";
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

  function kept(field) {
    return field.name !== "draft" && !field.closest("[data-draft-skip]");
  }

  function fieldsOf(form) {
    return Array.prototype.filter.call(form.querySelectorAll(FIELDS), kept);
  }

  function choicesOf(form) {
    return Array.prototype.filter.call(form.querySelectorAll(CHOICES), kept);
  }

  // Whether the person changed anything the page was sent with.
  function edited(form) {
    return fieldsOf(form).some(function (field) { return field.value !== field.defaultValue; }) ||
      choicesOf(form).some(function (input) { return input.checked !== input.defaultChecked; });
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
    var ticked = {};
    choicesOf(form).forEach(function (input) {
      if (!ticked[input.name]) ticked[input.name] = [];
      if (input.checked) ticked[input.name].push(input.value);
      if (input.checked !== input.defaultChecked) typed = true;
    });
    var key = PREFIX + form.dataset.draft;
    var draft = { fields: values, choices: ticked, saved: Date.now() };
    if (typed) store.setItem(key, JSON.stringify(draft));
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
      choicesOf(form).forEach(function (input) { input.checked = input.defaultChecked; });
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
    // The server sent the form back with what was typed (a validation error): it wins.
    if (edited(form)) return;
    var restored = false;
    fieldsOf(form).forEach(function (field) {
      var value = draft.fields && draft.fields[field.name];
      if (typeof value === "string" && value !== field.value) {
        field.value = value;
        restored = true;
      }
    });
    choicesOf(form).forEach(function (input) {
      var ticked = draft.choices && draft.choices[input.name];
      if (!Array.isArray(ticked)) return;
      var checked = ticked.indexOf(input.value) !== -1;
      if (checked !== input.checked) {
        input.checked = checked;
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

  function changed(event) {
    var form = event.target.closest && event.target.closest("form[data-draft]");
    if (!form) return;
    clearTimeout(timers[form.dataset.draft]);
    timers[form.dataset.draft] = setTimeout(function () { save(form); }, 250);
  }
  document.addEventListener("input", changed);
  // Ticking a box or a radio button is a change, and not an input in every browser.
  document.addEventListener("change", changed);
  // Saved again right before sending, so not even the last word waits on the timer; and the
  // timer is stopped, or it would save the draft again after a quick answer had cleared it.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-draft]");
    if (!form) return;
    clearTimeout(timers[form.dataset.draft]);
    save(form);
  }, true);
  // htmx answers (a reply appended in place) may carry the cookie, and bring new forms.
  document.addEventListener("htmx:afterRequest", forgetSent);
  document.addEventListener("htmx:load", function (event) { prepare(event.target); });

  prepare(document);
})();
