// Candor chat widget: a minimal, dependency-free client of docs/protocol.md.
// Renders every server text with textContent (plain text, never HTML).
(function () {
  "use strict";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function CandorWidget(root, options) {
    this.root = root;
    this.options = options || {};
    this.seq = 0;
    this.conversationId = null;
    this.pending = {};
    this.build();
    this.connect();
  }

  CandorWidget.prototype.build = function () {
    this.root.classList.add("candor");
    this.disclosure = el("p", "candor-disclosure");
    this.log = el("div", "candor-log");
    this.form = el("form", "candor-form");
    this.input = el("input");
    this.input.setAttribute("aria-label", "Your message");
    this.input.maxLength = 4000;
    var send = el("button", null, "Send");
    send.type = "submit";
    this.form.append(this.input, send);
    this.root.append(this.disclosure, this.log, this.form);
    var self = this;
    this.form.addEventListener("submit", function (e) {
      e.preventDefault();
      self.sendMessage(self.input.value);
      self.input.value = "";
    });
  };

  CandorWidget.prototype.connect = function () {
    var self = this;
    var url = this.options.url || (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/v1/chat/ws";
    this.ws = new WebSocket(url);
    this.ws.onopen = function () {
      var hello = { type: "hello", locale: self.options.locale || navigator.language };
      if (self.options.customer) hello.customer = self.options.customer;
      if (self.conversationId) { hello.conversation_id = self.conversationId; hello.last_seq = self.seq; }
      self.ws.send(JSON.stringify(hello));
    };
    this.ws.onmessage = function (event) { self.onFrame(JSON.parse(event.data)); };
    this.ws.onclose = function () { setTimeout(function () { self.connect(); }, 2000); };
  };

  CandorWidget.prototype.bubble = function (sender, text, id) {
    var node = el("div", "candor-msg candor-" + sender, text);
    if (id) node.dataset.id = id;
    this.log.append(node);
    this.log.scrollTop = this.log.scrollHeight;
    return node;
  };

  CandorWidget.prototype.onFrame = function (frame) {
    switch (frame.type) {
      case "welcome":
        this.conversationId = frame.conversation_id;
        this.disclosure.textContent = frame.disclosure;
        break;
      case "delta":
        if (!this.pending[frame.id]) this.pending[frame.id] = this.bubble("ai", "", frame.id);
        this.pending[frame.id].textContent += frame.text;
        break;
      case "message":
        if (frame.seq <= this.seq) break;
        this.seq = frame.seq;
        if (this.pending[frame.id]) {
          this.pending[frame.id].textContent = frame.text;
          delete this.pending[frame.id];
        } else {
          this.bubble(frame.sender, frame.text, frame.id);
        }
        break;
      case "error":
        this.bubble("error", frame.message);
        break;
      default:
        break;
    }
  };

  CandorWidget.prototype.sendMessage = function (text) {
    if (!text.trim() || !this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    var id = "w-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 8);
    this.ws.send(JSON.stringify({ type: "message", client_id: id, text: text }));
  };

  window.CandorWidget = CandorWidget;
})();
