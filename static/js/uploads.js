// Praxis document uploader: several files, dropped or chosen, each sent on its own request with
// a progress bar. Without this file the form still posts every file at once.
(function () {
  "use strict";

  // Files sent from this page so far: each request's one-time key is the page's key and this
  // rank, so the files of a batch (and of the next batch) are never taken for a double send.
  var sent = 0;

  function format(template, name) {
    return template.replace("%(name)s", name);
  }

  function row(list, file) {
    var item = document.createElement("li");
    item.className = "upload-item mb-2";
    var name = document.createElement("div");
    name.className = "small text-truncate";
    name.textContent = file.name;
    var progress = document.createElement("progress");
    progress.className = "w-100";
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", file.name);
    var status = document.createElement("div");
    status.className = "small upload-status";
    item.append(name, progress, status);
    list.append(item);
    return { item: item, progress: progress, status: status };
  }

  function fail(view, message) {
    view.item.classList.add("text-danger");
    view.item.dataset.state = "error";
    view.progress.remove();
    view.status.setAttribute("role", "alert");
    view.status.textContent = message;
  }

  function succeed(form, view, uploaded) {
    view.item.dataset.state = "done";
    view.progress.value = 100;
    view.status.textContent = form.dataset.done + " ";
    var link = document.createElement("a");
    link.href = uploaded.url;
    link.textContent = uploaded.title;
    view.status.append(link);
    if (uploaded.duplicate) {
      var warning = document.createElement("div");
      warning.className = "text-warning-emphasis";
      warning.textContent = form.dataset.duplicate + " ";
      var original = document.createElement("a");
      original.href = uploaded.duplicate.url;
      original.textContent = uploaded.duplicate.title;
      warning.append(original);
      view.status.append(warning);
    }
  }

  function tooLarge(form, file) {
    var limit = Number(form.dataset.maxBytes);
    var videoLimit = Number(form.dataset.videoMaxBytes);
    var isVideo = (file.type || "").indexOf("video/") === 0;
    return file.size > Math.max(limit, isVideo ? videoLimit : limit);
  }

  // Files refused here (empty, too large) are marked at once and never sent.
  function refusedInPage(form, file, view) {
    if (file.size === 0) {
      fail(view, format(form.dataset.empty, file.name));
      return true;
    }
    if (tooLarge(form, file)) {
      fail(view, format(form.dataset.tooLarge, file.name));
      return true;
    }
    return false;
  }

  function send(form, file, view, done) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    var folder = form.querySelector("[name=folder]");
    if (folder && folder.value) data.append("folder", folder.value);
    var key = form.querySelector("[name=submission]");
    sent += 1;
    if (key && key.value) data.append("submission", key.value + "-" + sent);
    data.append("files", file, file.name);
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) view.progress.value = Math.round((event.loaded / event.total) * 100);
    });
    request.addEventListener("load", function () {
      var answer = null;
      try { answer = JSON.parse(request.responseText); } catch (error) { answer = null; }
      if (answer && answer.uploaded && answer.uploaded.length) {
        succeed(form, view, answer.uploaded[0]);
      } else if (answer && answer.errors && answer.errors.length) {
        fail(view, answer.errors.join(" "));
      } else {
        fail(view, format(form.dataset.failed, file.name));
      }
      done();
    });
    request.addEventListener("error", function () {
      fail(view, format(form.dataset.failed, file.name));
      done();
    });
    request.send(data);
  }

  function uploadAll(form, files) {
    var chosen = Array.prototype.slice.call(files, 0, Number(form.dataset.maxFiles) || 20);
    var list = form.querySelector("[data-upload-list]");
    var reload = list.querySelector("[data-reload]");
    if (reload) reload.remove();
    // Every file gets its row and bar at once; they are then sent one after the other, each on
    // its own request: one upload at a time uses the connection as well as several, and spares
    // the server concurrent writes.
    var queue = chosen
      .map(function (file) { return { file: file, view: row(list, file) }; })
      .filter(function (entry) { return !refusedInPage(form, entry.file, entry.view); });
    form.querySelector("input[type=file]").value = "";
    (function next(index) {
      if (index >= queue.length) return finished(form);
      send(form, queue[index].file, queue[index].view, function () { next(index + 1); });
    })(0);
  }

  function finished(form) {
    var list = form.querySelector("[data-upload-list]");
    if (!list.querySelector("[data-state=done]")) return;
    var item = document.createElement("li");
    item.setAttribute("data-reload", "");
    var link = document.createElement("a");
    link.className = "btn btn-sm btn-outline-primary";
    link.href = window.location.href;
    link.textContent = form.dataset.reload;
    item.append(link);
    list.append(item);
  }

  document.querySelectorAll("form[data-uploader]").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    var zone = form.querySelector("[data-drop-zone]");
    form.addEventListener("submit", function (event) {
      if (!input.files.length) return; // let the browser say the field is required
      event.preventDefault();
      uploadAll(form, input.files);
    });
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        zone.classList.add("drop-zone-active");
      });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () {
        zone.classList.remove("drop-zone-active");
      });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) uploadAll(form, event.dataTransfer.files);
    });
    // Until this is set, the form posts its files the plain way (a click before the script ran).
    form.setAttribute("data-ready", "");
  });
})();
