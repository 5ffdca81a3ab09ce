// Praxis document uploader: several files, dropped or chosen, each sent on its own request with
// a progress bar. Without this file the form still posts every file at once.
(function () {
  "use strict";

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

  function send(form, file, done) {
    var list = form.querySelector("[data-upload-list]");
    var view = row(list, file);
    if (file.size === 0) {
      fail(view, format(form.dataset.empty, file.name));
      return done();
    }
    if (tooLarge(form, file)) {
      fail(view, format(form.dataset.tooLarge, file.name));
      return done();
    }
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    var folder = form.querySelector("[name=folder]");
    if (folder && folder.value) data.append("folder", folder.value);
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
    var queue = Array.prototype.slice.call(files, 0, Number(form.dataset.maxFiles) || 20);
    var list = form.querySelector("[data-upload-list]");
    var reload = list.querySelector("[data-reload]");
    if (reload) reload.remove();
    var remaining = queue.length;
    // Two at a time: steady progress without flooding the connection.
    var next = 0;
    function start() {
      if (next >= queue.length) return;
      send(form, queue[next++], function () {
        remaining -= 1;
        if (remaining === 0) finished(form);
        else start();
      });
    }
    start();
    start();
    form.querySelector("input[type=file]").value = "";
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
  });
})();
