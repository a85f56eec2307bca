/* ocs-assistant-plugin admin pages: small progressive enhancements. Every page works without
   this script; with it:
   - file uploads go to the JSON API with a progress bar (XMLHttpRequest upload progress), the
     CSRF token sent as the X-CSRF-Token header;
   - forms marked data-ocs-confirm ask for confirmation in a dialog first;
   - JSON text areas say at once when their text is not valid JSON;
   - the JSON schema box shows only for the "JSON schema" response format. */
(function () {
  "use strict";

  var root = document.getElementById("ocs-assistants");
  if (!root) { return; }

  function humanBytes(n) {
    if (n < 1024) { return n + " B"; }
    if (n < 1048576) { return (n / 1024).toFixed(1) + " KB"; }
    return (n / 1048576).toFixed(1) + " MB";
  }

  /* -- uploads with progress ------------------------------------------------------------------ */

  function showUploadError(form, message) {
    var slot = form.querySelector("[data-ocs-upload-error]");
    slot.textContent = message;
    slot.hidden = false;
  }

  function errorMessage(xhr) {
    try {
      var body = JSON.parse(xhr.responseText);
      var error = body && body.error;
      if (error) {
        var details = [];
        Object.keys(error.fields || {}).forEach(function (name) {
          details = details.concat(error.fields[name]);
        });
        return details.length ? details.join(" ") : error.message;
      }
    } catch (ignored) { /* not JSON: fall through to the status line */ }
    if (xhr.status === 413) { return "The file is larger than the server accepts."; }
    return "The upload failed (HTTP " + xhr.status + "). Try again.";
  }

  function upload(form) {
    var input = form.querySelector("input[type=file]");
    if (!input.files.length) {
      showUploadError(form, "Choose a file first.");
      input.focus();
      return;
    }
    var progress = form.querySelector("[data-ocs-progress]");
    var bar = progress.querySelector("progress");
    var text = form.querySelector("[data-ocs-progress-text]");
    var button = form.querySelector("button[type=submit]");
    var data = new FormData(form);
    var token = form.querySelector("input[name=csrf_token]");
    var xhr = new XMLHttpRequest();

    form.querySelector("[data-ocs-upload-error]").hidden = true;
    progress.hidden = false;
    bar.value = 0;
    text.textContent = "0%";
    button.disabled = true;
    root.setAttribute("aria-busy", "true");

    xhr.open("POST", form.getAttribute("data-ocs-upload"));
    xhr.setRequestHeader("Accept", "application/json");
    if (token) { xhr.setRequestHeader("X-CSRF-Token", token.value); }
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) { return; }
      var percent = Math.round((event.loaded / event.total) * 100);
      bar.value = percent;
      text.textContent = percent < 100
        ? percent + "% of " + humanBytes(event.total)
        : "Uploaded, attaching in OpenAI…";
    });
    xhr.addEventListener("load", function () {
      root.removeAttribute("aria-busy");
      if (xhr.status === 201) {
        text.textContent = "Done";
        var next = form.getAttribute("data-ocs-next");
        if (next && next !== window.location.pathname) {
          window.location.assign(next + "#files");
        } else {
          window.location.hash = "files";
          window.location.reload();
        }
        return;
      }
      progress.hidden = true;
      button.disabled = false;
      showUploadError(form, errorMessage(xhr));
    });
    xhr.addEventListener("error", function () {
      root.removeAttribute("aria-busy");
      progress.hidden = true;
      button.disabled = false;
      showUploadError(form, "The upload failed: the server could not be reached.");
    });
    xhr.send(data);
  }

  root.querySelectorAll("form[data-ocs-upload]").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    var name = form.querySelector("[data-ocs-file-name]");
    input.addEventListener("change", function () {
      var file = input.files[0];
      name.textContent = file ? file.name + " · " + humanBytes(file.size) : "No file chosen";
      form.querySelector("[data-ocs-upload-error]").hidden = true;
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      upload(form);
    });
  });

  /* -- confirmation dialog -------------------------------------------------------------------- */

  var dialog = null;
  var pending = null;

  function confirmDialog() {
    if (dialog) { return dialog; }
    dialog = document.createElement("dialog");
    dialog.className = "ocs-dialog";
    dialog.setAttribute("aria-labelledby", "ocs-dialog-title");
    dialog.innerHTML =
      '<h2 id="ocs-dialog-title">Are you sure?</h2><p id="ocs-dialog-message"></p>' +
      '<div class="ocs-dialog-actions">' +
      '<button type="button" class="ocs-btn ocs-btn-ghost" value="cancel">Cancel</button>' +
      '<button type="button" class="ocs-btn ocs-btn-primary" value="confirm">Continue</button>' +
      "</div>";
    dialog.setAttribute("aria-describedby", "ocs-dialog-message");
    dialog.addEventListener("click", function (event) {
      var value = event.target.value;
      if (value === "cancel") { dialog.close(); pending = null; }
      if (value === "confirm") {
        var go = pending;
        pending = null;
        dialog.close();
        if (go) { go.form.dataset.ocsConfirmed = "1"; go.form.requestSubmit(go.submitter); }
      }
    });
    root.appendChild(dialog);
    return dialog;
  }

  root.querySelectorAll("form[data-ocs-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.ocsConfirmed) { return; }
      event.preventDefault();
      var d = confirmDialog();
      var label = event.submitter ? event.submitter.textContent.trim() : "Continue";
      d.querySelector("#ocs-dialog-title").textContent = label + "?";
      d.querySelector("#ocs-dialog-message").textContent = form.getAttribute("data-ocs-confirm");
      d.querySelector("button[value=confirm]").textContent = label;
      pending = {form: form, submitter: event.submitter || null};
      d.showModal();
      d.querySelector("button[value=confirm]").focus();
    });
  });

  /* -- JSON text areas ------------------------------------------------------------------------ */

  root.querySelectorAll("textarea[data-ocs-json]").forEach(function (area) {
    var slot = root.querySelector('[data-ocs-json-error="' + area.id + '"]');
    area.addEventListener("blur", function () {
      if (!slot) { return; }
      var text = area.value.trim();
      var message = "";
      if (text) {
        try {
          var value = JSON.parse(text);
          var want = area.getAttribute("data-ocs-json");
          if (want === "array" && !Array.isArray(value)) { message = "Must be a JSON list: [ … ]."; }
          if (want === "object" && (value === null || typeof value !== "object" || Array.isArray(value))) {
            message = "Must be a JSON object: { … }.";
          }
        } catch (error) {
          message = "Not valid JSON: " + error.message;
        }
      }
      slot.textContent = message;
      slot.hidden = !message;
    });
  });

  /* -- show a field only for one choice of a select ------------------------------------------- */

  root.querySelectorAll("select[data-ocs-toggle]").forEach(function (select) {
    var target = document.getElementById(select.getAttribute("data-ocs-toggle"));
    var value = select.getAttribute("data-ocs-toggle-value");
    function apply() {
      if (select.value === value) { target.removeAttribute("data-ocs-hidden"); }
      else { target.setAttribute("data-ocs-hidden", ""); }
    }
    select.addEventListener("change", apply);
    apply();
  });

  /* Move focus to the first field with an error, so keyboard and screen-reader users land on it. */
  var firstInvalid = root.querySelector('[aria-invalid="true"]');
  if (firstInvalid && typeof firstInvalid.focus === "function") { firstInvalid.focus(); }
}());
