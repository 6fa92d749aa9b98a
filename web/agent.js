// Candor agent console: queue, claim, transcript, reply, release, close.
// All customer text is rendered with textContent (never HTML).
(function () {
  "use strict";
  var token = sessionStorage.getItem("candor-agent-token") || "";
  var current = null;
  var shownSeq = 0;
  var $ = function (id) { return document.getElementById(id); };

  function api(method, path, body) {
    return fetch(path, {
      method: method,
      headers: Object.assign({ Authorization: "Bearer " + token }, body ? { "Content-Type": "application/json" } : {}),
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (json) {
        if (!r.ok) throw new Error(json.message || r.status);
        return json;
      });
    });
  }

  function status(text) { $("status").textContent = text; }

  function loadQueue() {
    return api("GET", "/v1/agent/queue").then(function (body) {
      var list = $("queue");
      list.textContent = "";
      body.queue.forEach(function (entry) {
        var li = document.createElement("li");
        li.textContent = "#" + entry.position + " · " + (entry.reason || "") + " · " + entry.locale;
        li.dataset.id = entry.conversation_id;
        li.onclick = function () { open(entry.conversation_id); };
        list.append(li);
      });
      status("Connected. " + body.queue.length + " waiting.");
    }).catch(function (e) { status("Error: " + e.message); });
  }

  function open(id) {
    current = id;
    return api("GET", "/v1/agent/conversations/" + encodeURIComponent(id)).then(function (view) {
      $("title").textContent = "Conversation " + id.slice(0, 8) + " (" + view.state + ")";
      var c = view.customer;
      $("context").textContent = (c ? c.name + " · " + (c.email || "") + "\nOrders: " + c.orders.map(function (o) { return o.id + " " + o.status; }).join(", ") + "\n" : "Anonymous visitor\n") +
        "Reason: " + (view.handoff_reason || "-") + "\nSummary: " + view.summary;
      $("transcript").textContent = "";
      shownSeq = 0;
      view.transcript.forEach(showMessage);
      $("actions").hidden = false;
    }).catch(function (e) { status("Error: " + e.message); });
  }

  // Appends one stored message (each seq once).
  function showMessage(m) {
    if (m.seq <= shownSeq) return;
    shownSeq = m.seq;
    var t = $("transcript");
    var div = document.createElement("div");
    div.className = "msg " + m.sender;
    div.textContent = m.text;
    t.append(div);
    t.scrollTop = t.scrollHeight;
  }

  function act(action) {
    if (!current) return;
    api("POST", "/v1/agent/conversations/" + encodeURIComponent(current) + "/" + action)
      .then(function () { return Promise.all([open(current), loadQueue()]); })
      .catch(function (e) { status("Error: " + e.message); });
  }

  // Browsers cannot set headers on a WebSocket and URLs end up in proxy
  // logs, so the token (sent in a header) buys a single-use, 30-second
  // ticket, and only the ticket travels in the socket URL.
  function connect() {
    loadQueue();
    api("POST", "/v1/agent/ws-ticket").then(openSocket).catch(function (e) {
      status("Error: " + e.message + "; retrying…");
      setTimeout(connect, 3000);
    });
  }

  function openSocket(grant) {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + "/v1/agent/ws?ticket=" + encodeURIComponent(grant.ticket));
    ws.onmessage = function (event) {
      var e = JSON.parse(event.data);
      if (e.type === "new_handoff" || e.type === "claimed" || e.type === "conversation_closed" || e.type === "released") loadQueue();
      if (!current || e.conversation_id !== current) return;
      // New customer text arrives in the event itself (the server audits the
      // first one); other changes reload the (audited) view.
      if (e.type === "customer_message") showMessage(e.message);
      else if (e.type === "customer_typing") status("Customer is typing…");
      else open(current);
    };
    ws.onclose = function () { status("Disconnected; reconnecting…"); setTimeout(connect, 3000); };
  }

  $("login").onsubmit = function (e) {
    e.preventDefault();
    token = $("token").value.trim();
    sessionStorage.setItem("candor-agent-token", token);
    connect();
  };
  $("claim").onclick = function () { act("claim"); };
  $("release").onclick = function () { act("release"); };
  $("close").onclick = function () { act("close"); };
  $("reply").onsubmit = function (e) {
    e.preventDefault();
    var text = $("text").value;
    if (!current || !text.trim()) return;
    api("POST", "/v1/agent/conversations/" + encodeURIComponent(current) + "/messages", { text: text })
      .then(function () { $("text").value = ""; return open(current); })
      .catch(function (e) { status("Error: " + e.message); });
  };
  if (token) connect();
})();
