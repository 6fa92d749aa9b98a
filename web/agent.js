// Candor agent console: sign in with an agent token (kept for this tab only),
// the live queue, claim, the transcript with summary and customer context,
// reply, release to the AI, close, availability for auto-assignment.
// Every text from the server is rendered with textContent (never HTML).
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var session = window.sessionStorage;
  var token = session.getItem("candor-agent-token") || "";
  var myId = session.getItem("candor-agent-id") || null;
  var mine = readList("candor-agent-mine"); // conversations this agent holds
  var queue = [];
  var current = null; // the open conversation's view
  var shownSeq = 0;
  var claiming = null;
  var unread = {};
  var socket = null;
  var lastTyping = 0;
  var typingTimer = null;

  var REASONS = {
    customer_asked: "asked for a person", button: "pressed “Talk to a person”", phrase: "asked for a person",
    repeated_failure: "the AI could not help", dont_know: "the AI did not know"
  };
  var SENDERS = { customer: "Customer", ai: "AI assistant", agent: "Agent", system: "Notice" };

  function readList(key) {
    try { return JSON.parse(session.getItem(key) || "[]"); } catch (e) { return []; }
  }

  function setMine(list) {
    mine = list;
    session.setItem("candor-agent-mine", JSON.stringify(mine));
    renderLists();
  }

  function api(method, path, body) {
    var headers = { Authorization: "Bearer " + token };
    if (body) headers["Content-Type"] = "application/json";
    return fetch(path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined }).then(function (r) {
      if (r.status === 204) return {};
      return r.json().catch(function () { return {}; }).then(function (json) {
        if (!r.ok) {
          var error = new Error(json.message || "HTTP " + r.status);
          error.status = r.status;
          throw error;
        }
        return json;
      });
    });
  }

  function status(text) { $("status").textContent = text; }
  function short(id) { return String(id).slice(0, 8); }

  function waited(since) {
    var s = Math.max(0, Math.round((Date.now() - since) / 1000));
    return s < 60 ? "waiting " + s + " s" : "waiting " + Math.round(s / 60) + " min";
  }

  function item(list, id, text, onClick) {
    var li = document.createElement("li");
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = text;
    button.dataset.id = id;
    if (current && current.conversation_id === id) button.setAttribute("aria-current", "true");
    button.addEventListener("click", onClick);
    li.append(button);
    list.append(li);
  }

  function renderLists() {
    var list = $("queue");
    list.textContent = "";
    queue.forEach(function (entry) {
      var who = entry.customer_id ? "customer " + entry.customer_id : "visitor";
      var text = "#" + entry.position + " " + waited(entry.queued_at) + " · " + (REASONS[entry.reason] || entry.reason || "handoff") +
        " · " + entry.locale + " · " + who;
      item(list, entry.conversation_id, text, function () { open(entry.conversation_id); });
    });
    if (!queue.length) list.append(Object.assign(document.createElement("li"), { textContent: "Nobody is waiting.", className: "status" }));
    var held = $("mine");
    held.textContent = "";
    mine.forEach(function (id) {
      item(held, id, "Conversation " + short(id) + (unread[id] ? " · new message" : ""), function () { open(id); });
    });
  }

  function loadQueue() {
    return api("GET", "/v1/agent/queue").then(function (body) {
      queue = body.queue;
      renderLists();
    }).catch(function (e) { status("Error: " + e.message); });
  }

  function open(id) {
    return api("GET", "/v1/agent/conversations/" + encodeURIComponent(id)).then(function (view) {
      current = view;
      delete unread[id];
      if (view.state === "agent" && mine.indexOf(id) < 0) setMine(mine.concat([id]));
      renderConversation();
      renderLists();
    }).catch(function (e) {
      if (e.status !== 404 && e.status !== 409) return status("Error: " + e.message);
      setMine(mine.filter(function (m) { return m !== id; }));
      if (current && current.conversation_id === id) clearView("Conversation " + short(id) + " is no longer open to you.");
    });
  }

  function clearView(message) {
    current = null;
    $("title").textContent = "No conversation selected";
    $("context").hidden = true;
    $("transcript").textContent = "";
    $("typing").textContent = "";
    $("actions").hidden = true;
    $("reply").hidden = true;
    if (message) status(message);
    renderLists();
  }

  function renderConversation() {
    var view = current;
    var held = view.state === "agent";
    $("title").textContent = "Conversation " + short(view.conversation_id) + " (" + (held ? "yours" : view.state) + ")";
    renderContext(view);
    $("transcript").textContent = "";
    shownSeq = 0;
    view.transcript.forEach(showMessage);
    $("actions").hidden = false;
    $("claim").hidden = view.state !== "queued";
    $("release").hidden = !held;
    $("close").hidden = !(held || view.state === "queued");
    $("reply").hidden = !held;
    $("typing").textContent = "";
  }

  function renderContext(view) {
    var box = $("context");
    box.textContent = "";
    var dl = document.createElement("dl");
    function row(term, value) {
      dl.append(Object.assign(document.createElement("dt"), { textContent: term }), Object.assign(document.createElement("dd"), { textContent: value }));
    }
    var c = view.customer;
    if (c) {
      row("Customer", c.name + " (" + c.id + ")");
      row("Email", c.email || "–");
      row("Locale", c.locale || view.locale);
      if (c.consent) row("Consent", "personalization " + (c.consent.personalization ? "on" : "off") + ", marketing " + (c.consent.marketing ? "on" : "off"));
      row("Orders", (c.orders || []).map(function (o) { return o.id + " " + o.status + (o.tracking ? " (" + o.tracking + ")" : ""); }).join("; ") || "none");
      var attrs = Object.keys(c.attributes || {}).map(function (k) { return k + ": " + JSON.stringify(c.attributes[k]); });
      if (attrs.length) row("Attributes", attrs.join("; "));
    } else {
      row("Customer", "Anonymous visitor");
      row("Locale", view.locale);
    }
    row("Reason", REASONS[view.handoff_reason] || view.handoff_reason || "–");
    row("Summary", view.summary || "–");
    row("Handoff log", (view.handoff_events || []).map(function (e) {
      return new Date(e.at).toLocaleTimeString() + " " + e.event + (e.reason ? " (" + e.reason + ")" : "");
    }).join("; ") || "–");
    box.append(dl);
    box.hidden = false;
  }

  // Appends one stored message (each seq once).
  function showMessage(m) {
    if (m.seq <= shownSeq) return;
    shownSeq = m.seq;
    var t = $("transcript");
    var div = document.createElement("div");
    div.className = "msg " + m.sender;
    div.dataset.seq = m.seq;
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = SENDERS[m.sender] || m.sender;
    var text = document.createElement("span");
    text.className = "text";
    text.textContent = m.text;
    div.append(who, text);
    t.append(div);
    t.scrollTop = t.scrollHeight;
  }

  function path(action) {
    return "/v1/agent/conversations/" + encodeURIComponent(current.conversation_id) + "/" + action;
  }

  function act(action) {
    if (!current) return;
    var id = current.conversation_id;
    if (action === "claim") claiming = id;
    api("POST", path(action)).then(function (body) {
      if (action === "claim") {
        if (body.agent_id) { myId = body.agent_id; session.setItem("candor-agent-id", myId); }
        setMine(mine.concat([id]));
        status("You hold conversation " + short(id) + ".");
        return Promise.all([open(id), loadQueue()]);
      }
      setMine(mine.filter(function (m) { return m !== id; }));
      clearView(action === "release" ? "Conversation " + short(id) + " released to the AI." : "Conversation " + short(id) + " closed.");
      return loadQueue();
    }).catch(function (e) {
      status(e.status === 409 ? "Another agent was first, or this conversation is not yours." : "Error: " + e.message);
      return Promise.all([open(id), loadQueue()]);
    }).then(function () { claiming = null; });
  }

  function sendReply(e) {
    e.preventDefault();
    var input = $("text");
    var text = input.value;
    if (!current || !text.trim()) return;
    api("POST", path("messages"), { text: text }).then(function (message) {
      input.value = "";
      showMessage(message);
    }).catch(function (err) { status("Error: " + err.message); });
  }

  function sendTyping() {
    var now = Date.now();
    if (!current || current.state !== "agent" || now - lastTyping < 3000) return;
    lastTyping = now;
    api("POST", path("typing")).catch(function () { /* only a hint */ });
  }

  function onEvent(e) {
    var id = e.conversation_id;
    if (e.type === "claimed" && e.agent_id === myId && mine.indexOf(id) < 0) setMine(mine.concat([id]));
    if (e.type === "new_handoff" || e.type === "claimed" || e.type === "released" || e.type === "conversation_closed") {
      loadQueue();
      if ((e.type === "conversation_closed" || (e.type === "released" && e.agent_id !== myId)) && mine.indexOf(id) >= 0) {
        setMine(mine.filter(function (m) { return m !== id; }));
      }
    }
    if (e.type === "customer_message" && (!current || current.conversation_id !== id)) {
      unread[id] = true;
      renderLists();
    }
    if (!current || current.conversation_id !== id) return;
    if (e.type === "customer_message") {
      $("typing").textContent = "";
      showMessage(e.message);
    } else if (e.type === "customer_typing") {
      $("typing").textContent = "The customer is typing…";
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { $("typing").textContent = ""; }, 5000);
    } else if (e.type === "claimed" && claiming === id) {
      // our own claim: its answer decides
    } else if (e.type === "claimed" && e.agent_id !== myId) {
      clearView("Conversation " + short(id) + " was claimed by another agent.");
    } else if (e.type !== "new_handoff") {
      open(id);
    }
  }

  // Browsers cannot set headers on a WebSocket and URLs end up in proxy
  // logs, so the token (sent in a header) buys a single-use, 30-second
  // ticket, and only the ticket travels in the socket URL.
  function connect() {
    if (socket) { socket.onclose = null; socket.close(); socket = null; }
    status("Connecting…");
    api("POST", "/v1/agent/ws-ticket").then(function (grant) {
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      var ws = socket = new WebSocket(scheme + location.host + "/v1/agent/ws?ticket=" + encodeURIComponent(grant.ticket));
      ws.onopen = function () {
        status("Connected.");
        $("presence-row").hidden = false;
        loadQueue();
        if (current) open(current.conversation_id);
      };
      ws.onmessage = function (event) {
        var e;
        try { e = JSON.parse(event.data); } catch (err) { return; }
        if (e.type === "lagged") { loadQueue(); if (current) open(current.conversation_id); return; }
        onEvent(e);
      };
      ws.onclose = function () {
        if (socket !== ws) return;
        status("Disconnected; reconnecting…");
        setTimeout(connect, 3000);
      };
    }).catch(function (e) {
      if (e.status === 401 || e.status === 403) { status("That token was refused. Check it and connect again."); return; }
      status("Error: " + e.message + "; retrying…");
      setTimeout(connect, 3000);
    });
  }

  $("login").addEventListener("submit", function (e) {
    e.preventDefault();
    var typed = $("token").value.trim();
    if (!typed) return;
    if (typed !== token) { setMine([]); myId = null; session.removeItem("candor-agent-id"); }
    token = typed;
    session.setItem("candor-agent-token", token);
    $("token").value = "";
    connect();
  });
  $("available").addEventListener("change", function () {
    var on = $("available").checked;
    api("POST", "/v1/agent/presence", { available: on }).then(function (body) {
      if (body.agent_id) { myId = body.agent_id; session.setItem("candor-agent-id", myId); }
      status(on ? "Available: new conversations may be assigned to you." : "Not available for auto-assignment.");
    }).catch(function (e) { status("Error: " + e.message); });
  });
  $("claim").addEventListener("click", function () { act("claim"); });
  $("release").addEventListener("click", function () { act("release"); });
  $("close").addEventListener("click", function () { act("close"); });
  $("reply").addEventListener("submit", sendReply);
  $("text").addEventListener("input", sendTyping);
  setInterval(renderLists, 15000); // wait times move on
  renderLists();
  if (token) connect();
})();
