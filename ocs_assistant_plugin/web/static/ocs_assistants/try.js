/* ocs-assistant-plugin "Try it" panel: sends a message to the JSON API's try route and shows the
   answer as it streams in.
   - The route is a POST with a JSON body, so the answer is read with fetch + a ReadableStream and
     parsed as server-sent events here (EventSource can only GET): `delta` events add text, `done`
     gives the whole answer (its cited files and tokens), `error` ends it with the error shape.
   - The conversation goes on: each message carries the previous answer's response_id until
     "New conversation" forgets it.
   - The CSRF token goes along as the X-CSRFToken header. */
(function () {
  "use strict";

  var panel = document.querySelector("[data-ocs-try]");
  if (!panel) { return; }

  var url = panel.getAttribute("data-ocs-try");
  var log = panel.querySelector("[data-ocs-try-log]");
  var form = panel.querySelector("[data-ocs-try-form]");
  var input = panel.querySelector("[data-ocs-try-input]");
  var send = panel.querySelector("[data-ocs-try-send]");
  var reset = panel.querySelector("[data-ocs-try-reset]");
  var status = panel.querySelector("[data-ocs-try-status]");
  var total = panel.querySelector("[data-ocs-try-total]");
  var alertBox = panel.querySelector("[data-ocs-try-error]");
  var tokenField = form.querySelector("input[name=csrf_token]");

  var previousResponseId = null;
  var used = {input: 0, output: 0};
  var busy = false;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function showError(message) {
    alertBox.textContent = message;
    alertBox.hidden = !message;
  }

  /* The one error shape: {"error": {"code", "message", "fields"}}; field messages say most. */
  function describe(body, httpStatus) {
    var error = body && body.error;
    if (!error) { return "The try failed (HTTP " + httpStatus + "). Try again."; }
    var details = [];
    Object.keys(error.fields || {}).forEach(function (name) {
      details = details.concat(error.fields[name]);
    });
    return details.length ? details.join(" ") : error.message;
  }

  function tokens(usage) {
    return usage.input_tokens + " tokens in, " + usage.output_tokens + " out";
  }

  function addTurn(message) {
    var turn = element("li", "ocs-try-turn");
    turn.setAttribute("data-testid", "try-turn");
    turn.appendChild(element("div", "ocs-try-you", message));
    var reply = element("div", "ocs-try-reply");
    var answer = element("div", "ocs-try-answer");
    answer.setAttribute("data-testid", "try-answer");
    reply.appendChild(answer);
    turn.appendChild(reply);
    log.appendChild(turn);
    turn.scrollIntoView({block: "nearest"});
    return {turn: turn, reply: reply, answer: answer, message: message};
  }

  function finish(view, result) {
    view.answer.textContent = result.output_text;
    if (result.citations.length) {
      var list = element("ul", "ocs-try-citations");
      list.setAttribute("data-testid", "try-citations");
      result.citations.forEach(function (citation) {
        var item = element("li", "ocs-chip", citation.filename);
        item.title = citation.file_id;
        list.appendChild(item);
      });
      view.reply.appendChild(list);
    }
    var usage = element("p", "ocs-try-usage", tokens(result.usage));
    usage.setAttribute("data-testid", "try-usage");
    view.reply.appendChild(usage);
    previousResponseId = result.response_id;
    used.input += result.usage.input_tokens;
    used.output += result.usage.output_tokens;
    total.textContent = "This conversation: " + tokens({input_tokens: used.input,
                                                        output_tokens: used.output});
  }

  function fail(view, message) {
    view.turn.classList.add("ocs-try-failed");
    showError(message);
    if (!input.value) { input.value = view.message; }  // ready to send again
  }

  /* Server-sent events from a byte stream: events end at a blank line; `event:` names one,
     `data:` lines carry its JSON. */
  function readEvents(body, onEvent) {
    var reader = body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";

    function dispatch(block) {
      var name = "message";
      var data = [];
      block.split(/\r\n|\r|\n/).forEach(function (line) {
        if (!line || line.charAt(0) === ":") { return; }
        var colon = line.indexOf(":");
        var field = colon < 0 ? line : line.slice(0, colon);
        var value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") { name = value; }
        if (field === "data") { data.push(value); }
      });
      if (data.length) { onEvent(name, JSON.parse(data.join("\n"))); }
    }

    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) {
          buffer += decoder.decode();
          return;
        }
        buffer += decoder.decode(chunk.value, {stream: true});
        var parts = buffer.split(/\r\n\r\n|\n\n|\r\r/);
        buffer = parts.pop();
        parts.forEach(dispatch);
        return pump();
      });
    }
    return pump();
  }

  function ask(message) {
    var view = addTurn(message);
    var ended = false;
    var headers = {"Content-Type": "application/json", "Accept": "text/event-stream"};
    if (tokenField) { headers["X-CSRFToken"] = tokenField.value; }

    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: JSON.stringify({input: message, previous_response_id: previousResponseId})
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok || type.indexOf("text/event-stream") !== 0) {
        return response.json().catch(function () { return null; }).then(function (body) {
          ended = true;
          fail(view, describe(body, response.status));
        });
      }
      return readEvents(response.body, function (name, data) {
        if (name === "delta") { view.answer.textContent += data.text; }
        if (name === "done") { ended = true; finish(view, data); }
        if (name === "error") { ended = true; fail(view, describe(data, 200)); }
      });
    }).catch(function () {
      ended = true;
      fail(view, "The server could not be reached. Check the connection and try again.");
    }).then(function () {
      if (!ended) { fail(view, "The answer stopped before it was complete. Try again."); }
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) { return; }
    var message = input.value.trim();
    if (!message) {
      showError("Type a message first.");
      input.focus();
      return;
    }
    showError("");
    busy = true;
    send.disabled = true;
    reset.disabled = true;
    status.textContent = "Answering…";
    panel.setAttribute("aria-busy", "true");
    input.value = "";
    ask(message).then(function () {
      busy = false;
      send.disabled = false;
      reset.disabled = !log.children.length;
      status.textContent = "";
      panel.removeAttribute("aria-busy");
      input.focus();
    });
  });

  /* Enter sends; Shift+Enter starts a new line. */
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  reset.addEventListener("click", function () {
    previousResponseId = null;
    used = {input: 0, output: 0};
    log.textContent = "";
    total.textContent = "";
    showError("");
    reset.disabled = true;
    input.focus();
  });
}());
