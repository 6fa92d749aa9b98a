// Candor chat widget: a dependency-free client of docs/protocol.md.
// Embed with one line (docs/widget.md):
//   <script src="https://candor.shop.example/widget.js" data-candor-url="https://candor.shop.example"
//           data-customer-id="..." data-customer-signature="..." data-customer-expires="..."></script>
// Every text from the server is rendered with textContent: plain text, never HTML.
(function () {
  "use strict";

  // ---- Texts in the seven supported locales --------------------------------
  var TEXTS = {
    en: {
      chat: "Chat", message: "Message", send: "Send", human: "Talk to a person", why: "Why this reply?",
      privacy: "Privacy", ai: "AI assistant", you: "You", notice: "Notice", agent: "Agent", error: "Problem",
      aiTyping: "The AI assistant is writing…", agentTyping: "{name} is typing…",
      queued: "Waiting for a person: you are number {n} in the queue.", waiting: "Waiting for a person.",
      assigned: "{name}, a person, is chatting with you.", returned: "{name} handed you back to the AI assistant.",
      closed: "This conversation is closed.", connecting: "Connecting…", offline: "Connection lost; reconnecting…",
      yourData: "Your data", personalize: "Personalize answers with my purchase history",
      download: "Download my data", erase: "Delete my data",
      eraseAsk: "This deletes your profile, orders, consents and every conversation. It cannot be undone.",
      eraseYes: "Yes, delete everything", cancel: "Cancel", close: "Close",
      consentOn: "Personalization is on.", consentOff: "Personalization is off.",
      downloaded: "Your data was downloaded as {file}.", erased: "Your data has been deleted.",
      failed: "That did not work: {why}",
      wAccount: "Stated from your order records, not written by the AI model.",
      wKnowledge: "Quoted from the shop's help articles, not written by the AI model.",
      wModel: "Written by the AI model; every sentence was checked against the shop's information.",
      wDontKnow: "Nothing in the shop's information answers this, so the assistant said so.",
      wSignIn: "Order questions need you to be signed in to the shop.",
      wNotFound: "That order is not on your account.",
      wNoData: "None of your personal data was used.", wPurposes: "Your data was used for: {list}.",
      wFields: "Data used: {list}.", wSources: "Sources: {list}.", wKb: "help article “{id}”", wOrder: "order {id}",
      support: "support", personalization: "personalization", marketing: "marketing",
      name: "your name", orders: "your orders", preferred_categories: "your preferred categories",
      purchase_history: "your purchase history", loyalty_tier: "your loyalty tier"
    },
    es: {
      chat: "Chat", message: "Mensaje", send: "Enviar", human: "Hablar con una persona", why: "¿Por qué esta respuesta?",
      privacy: "Privacidad", ai: "Asistente de IA", you: "Tú", notice: "Aviso", agent: "Agente", error: "Problema",
      aiTyping: "El asistente de IA está escribiendo…", agentTyping: "{name} está escribiendo…",
      queued: "Esperando a una persona: eres el número {n} de la cola.", waiting: "Esperando a una persona.",
      assigned: "{name}, una persona, está hablando contigo.", returned: "{name} te ha devuelto al asistente de IA.",
      closed: "Esta conversación está cerrada.", connecting: "Conectando…", offline: "Conexión perdida; reconectando…",
      yourData: "Tus datos", personalize: "Personalizar las respuestas con mi historial de compras",
      download: "Descargar mis datos", erase: "Borrar mis datos",
      eraseAsk: "Se borrarán tu perfil, pedidos, consentimientos y todas las conversaciones. No se puede deshacer.",
      eraseYes: "Sí, borrarlo todo", cancel: "Cancelar", close: "Cerrar",
      consentOn: "La personalización está activada.", consentOff: "La personalización está desactivada.",
      downloaded: "Tus datos se han descargado como {file}.", erased: "Tus datos se han borrado.",
      failed: "No ha funcionado: {why}",
      wAccount: "Tomado de tus pedidos, no escrito por el modelo de IA.",
      wKnowledge: "Citado de los artículos de ayuda de la tienda, no escrito por el modelo de IA.",
      wModel: "Escrito por el modelo de IA; cada frase se comprobó con la información de la tienda.",
      wDontKnow: "Nada en la información de la tienda responde a esto, y el asistente lo ha dicho.",
      wSignIn: "Para preguntar por pedidos tienes que iniciar sesión en la tienda.",
      wNotFound: "Ese pedido no está en tu cuenta.",
      wNoData: "No se ha usado ningún dato personal tuyo.", wPurposes: "Tus datos se usaron para: {list}.",
      wFields: "Datos usados: {list}.", wSources: "Fuentes: {list}.", wKb: "artículo de ayuda «{id}»", wOrder: "pedido {id}",
      support: "atención al cliente", personalization: "personalización", marketing: "marketing",
      name: "tu nombre", orders: "tus pedidos", preferred_categories: "tus categorías preferidas",
      purchase_history: "tu historial de compras", loyalty_tier: "tu nivel de fidelidad"
    },
    fr: {
      chat: "Discussion", message: "Message", send: "Envoyer", human: "Parler à une personne", why: "Pourquoi cette réponse ?",
      privacy: "Confidentialité", ai: "Assistant IA", you: "Vous", notice: "Information", agent: "Conseiller", error: "Problème",
      aiTyping: "L’assistant IA écrit…", agentTyping: "{name} écrit…",
      queued: "En attente d’une personne : vous êtes numéro {n} dans la file.", waiting: "En attente d’une personne.",
      assigned: "{name}, une personne, vous répond.", returned: "{name} vous a rendu à l’assistant IA.",
      closed: "Cette conversation est close.", connecting: "Connexion…", offline: "Connexion perdue ; reconnexion…",
      yourData: "Vos données", personalize: "Personnaliser les réponses avec mon historique d’achats",
      download: "Télécharger mes données", erase: "Supprimer mes données",
      eraseAsk: "Votre profil, vos commandes, vos consentements et toutes les conversations seront supprimés. C’est définitif.",
      eraseYes: "Oui, tout supprimer", cancel: "Annuler", close: "Fermer",
      consentOn: "La personnalisation est activée.", consentOff: "La personnalisation est désactivée.",
      downloaded: "Vos données ont été téléchargées ({file}).", erased: "Vos données ont été supprimées.",
      failed: "Cela n’a pas marché : {why}",
      wAccount: "Tiré de vos commandes, pas écrit par le modèle d’IA.",
      wKnowledge: "Cité des articles d’aide de la boutique, pas écrit par le modèle d’IA.",
      wModel: "Écrit par le modèle d’IA ; chaque phrase a été vérifiée avec les informations de la boutique.",
      wDontKnow: "Rien dans les informations de la boutique n’y répond, et l’assistant l’a dit.",
      wSignIn: "Pour les questions de commande, connectez-vous à la boutique.",
      wNotFound: "Cette commande n’est pas sur votre compte.",
      wNoData: "Aucune de vos données personnelles n’a été utilisée.", wPurposes: "Vos données ont servi à : {list}.",
      wFields: "Données utilisées : {list}.", wSources: "Sources : {list}.", wKb: "article d’aide « {id} »", wOrder: "commande {id}",
      support: "l’assistance", personalization: "la personnalisation", marketing: "le marketing",
      name: "votre nom", orders: "vos commandes", preferred_categories: "vos catégories préférées",
      purchase_history: "votre historique d’achats", loyalty_tier: "votre niveau de fidélité"
    },
    de: {
      chat: "Chat", message: "Nachricht", send: "Senden", human: "Mit einem Menschen sprechen", why: "Warum diese Antwort?",
      privacy: "Datenschutz", ai: "KI-Assistent", you: "Sie", notice: "Hinweis", agent: "Mitarbeiter", error: "Problem",
      aiTyping: "Der KI-Assistent schreibt…", agentTyping: "{name} schreibt…",
      queued: "Warten auf einen Menschen: Sie sind Nummer {n} in der Warteschlange.", waiting: "Warten auf einen Menschen.",
      assigned: "{name}, ein Mensch, chattet jetzt mit Ihnen.", returned: "{name} hat Sie an den KI-Assistenten zurückgegeben.",
      closed: "Dieses Gespräch ist beendet.", connecting: "Verbinde…", offline: "Verbindung verloren; verbinde neu…",
      yourData: "Ihre Daten", personalize: "Antworten mit meinem Kaufverlauf personalisieren",
      download: "Meine Daten herunterladen", erase: "Meine Daten löschen",
      eraseAsk: "Profil, Bestellungen, Einwilligungen und alle Gespräche werden gelöscht. Das lässt sich nicht rückgängig machen.",
      eraseYes: "Ja, alles löschen", cancel: "Abbrechen", close: "Schließen",
      consentOn: "Personalisierung ist an.", consentOff: "Personalisierung ist aus.",
      downloaded: "Ihre Daten wurden als {file} heruntergeladen.", erased: "Ihre Daten wurden gelöscht.",
      failed: "Das hat nicht geklappt: {why}",
      wAccount: "Aus Ihren Bestelldaten, nicht vom KI-Modell geschrieben.",
      wKnowledge: "Aus den Hilfeartikeln des Shops zitiert, nicht vom KI-Modell geschrieben.",
      wModel: "Vom KI-Modell geschrieben; jeder Satz wurde mit den Informationen des Shops geprüft.",
      wDontKnow: "Die Informationen des Shops beantworten das nicht, und der Assistent hat das gesagt.",
      wSignIn: "Für Fragen zu Bestellungen müssen Sie im Shop angemeldet sein.",
      wNotFound: "Diese Bestellung gehört nicht zu Ihrem Konto.",
      wNoData: "Keine Ihrer persönlichen Daten wurde verwendet.", wPurposes: "Ihre Daten wurden verwendet für: {list}.",
      wFields: "Verwendete Daten: {list}.", wSources: "Quellen: {list}.", wKb: "Hilfeartikel „{id}“", wOrder: "Bestellung {id}",
      support: "Kundenservice", personalization: "Personalisierung", marketing: "Marketing",
      name: "Ihr Name", orders: "Ihre Bestellungen", preferred_categories: "Ihre bevorzugten Kategorien",
      purchase_history: "Ihr Kaufverlauf", loyalty_tier: "Ihre Treuestufe"
    },
    pt: {
      chat: "Chat", message: "Mensagem", send: "Enviar", human: "Falar com uma pessoa", why: "Porquê esta resposta?",
      privacy: "Privacidade", ai: "Assistente de IA", you: "Você", notice: "Aviso", agent: "Agente", error: "Problema",
      aiTyping: "O assistente de IA está a escrever…", agentTyping: "{name} está a escrever…",
      queued: "À espera de uma pessoa: é o número {n} na fila.", waiting: "À espera de uma pessoa.",
      assigned: "{name}, uma pessoa, está a falar consigo.", returned: "{name} devolveu-o ao assistente de IA.",
      closed: "Esta conversa está encerrada.", connecting: "A ligar…", offline: "Ligação perdida; a religar…",
      yourData: "Os seus dados", personalize: "Personalizar as respostas com o meu histórico de compras",
      download: "Descarregar os meus dados", erase: "Apagar os meus dados",
      eraseAsk: "Serão apagados o seu perfil, encomendas, consentimentos e todas as conversas. Não pode ser desfeito.",
      eraseYes: "Sim, apagar tudo", cancel: "Cancelar", close: "Fechar",
      consentOn: "A personalização está ligada.", consentOff: "A personalização está desligada.",
      downloaded: "Os seus dados foram descarregados como {file}.", erased: "Os seus dados foram apagados.",
      failed: "Não funcionou: {why}",
      wAccount: "Retirado das suas encomendas, não escrito pelo modelo de IA.",
      wKnowledge: "Citado dos artigos de ajuda da loja, não escrito pelo modelo de IA.",
      wModel: "Escrito pelo modelo de IA; cada frase foi verificada com a informação da loja.",
      wDontKnow: "Nada na informação da loja responde a isto, e o assistente disse-o.",
      wSignIn: "Para perguntas sobre encomendas tem de iniciar sessão na loja.",
      wNotFound: "Essa encomenda não está na sua conta.",
      wNoData: "Nenhum dado pessoal seu foi usado.", wPurposes: "Os seus dados foram usados para: {list}.",
      wFields: "Dados usados: {list}.", wSources: "Fontes: {list}.", wKb: "artigo de ajuda «{id}»", wOrder: "encomenda {id}",
      support: "apoio ao cliente", personalization: "personalização", marketing: "marketing",
      name: "o seu nome", orders: "as suas encomendas", preferred_categories: "as suas categorias preferidas",
      purchase_history: "o seu histórico de compras", loyalty_tier: "o seu nível de fidelização"
    },
    it: {
      chat: "Chat", message: "Messaggio", send: "Invia", human: "Parla con una persona", why: "Perché questa risposta?",
      privacy: "Privacy", ai: "Assistente IA", you: "Tu", notice: "Avviso", agent: "Operatore", error: "Problema",
      aiTyping: "L’assistente IA sta scrivendo…", agentTyping: "{name} sta scrivendo…",
      queued: "In attesa di una persona: sei il numero {n} in coda.", waiting: "In attesa di una persona.",
      assigned: "{name}, una persona, sta chattando con te.", returned: "{name} ti ha riaffidato all’assistente IA.",
      closed: "Questa conversazione è chiusa.", connecting: "Connessione…", offline: "Connessione persa; riconnessione…",
      yourData: "I tuoi dati", personalize: "Personalizza le risposte con il mio storico acquisti",
      download: "Scarica i miei dati", erase: "Elimina i miei dati",
      eraseAsk: "Verranno eliminati profilo, ordini, consensi e tutte le conversazioni. Non si può annullare.",
      eraseYes: "Sì, elimina tutto", cancel: "Annulla", close: "Chiudi",
      consentOn: "La personalizzazione è attiva.", consentOff: "La personalizzazione è disattivata.",
      downloaded: "I tuoi dati sono stati scaricati come {file}.", erased: "I tuoi dati sono stati eliminati.",
      failed: "Non ha funzionato: {why}",
      wAccount: "Preso dai tuoi ordini, non scritto dal modello di IA.",
      wKnowledge: "Citato dagli articoli di aiuto del negozio, non scritto dal modello di IA.",
      wModel: "Scritto dal modello di IA; ogni frase è stata verificata con le informazioni del negozio.",
      wDontKnow: "Nelle informazioni del negozio non c’è risposta, e l’assistente l’ha detto.",
      wSignIn: "Per domande sugli ordini devi accedere al negozio.",
      wNotFound: "Quell’ordine non è nel tuo account.",
      wNoData: "Non è stato usato nessun tuo dato personale.", wPurposes: "I tuoi dati sono stati usati per: {list}.",
      wFields: "Dati usati: {list}.", wSources: "Fonti: {list}.", wKb: "articolo di aiuto «{id}»", wOrder: "ordine {id}",
      support: "assistenza", personalization: "personalizzazione", marketing: "marketing",
      name: "il tuo nome", orders: "i tuoi ordini", preferred_categories: "le tue categorie preferite",
      purchase_history: "il tuo storico acquisti", loyalty_tier: "il tuo livello fedeltà"
    },
    nl: {
      chat: "Chat", message: "Bericht", send: "Versturen", human: "Met een mens praten", why: "Waarom dit antwoord?",
      privacy: "Privacy", ai: "AI-assistent", you: "U", notice: "Melding", agent: "Medewerker", error: "Probleem",
      aiTyping: "De AI-assistent schrijft…", agentTyping: "{name} typt…",
      queued: "Wachten op een mens: u bent nummer {n} in de wachtrij.", waiting: "Wachten op een mens.",
      assigned: "{name}, een mens, chat nu met u.", returned: "{name} heeft u teruggegeven aan de AI-assistent.",
      closed: "Dit gesprek is gesloten.", connecting: "Verbinden…", offline: "Verbinding verbroken; opnieuw verbinden…",
      yourData: "Uw gegevens", personalize: "Antwoorden personaliseren met mijn aankoopgeschiedenis",
      download: "Mijn gegevens downloaden", erase: "Mijn gegevens verwijderen",
      eraseAsk: "Uw profiel, bestellingen, toestemmingen en alle gesprekken worden verwijderd. Dit kan niet ongedaan worden gemaakt.",
      eraseYes: "Ja, alles verwijderen", cancel: "Annuleren", close: "Sluiten",
      consentOn: "Personalisatie staat aan.", consentOff: "Personalisatie staat uit.",
      downloaded: "Uw gegevens zijn gedownload als {file}.", erased: "Uw gegevens zijn verwijderd.",
      failed: "Dat is niet gelukt: {why}",
      wAccount: "Uit uw bestelgegevens, niet geschreven door het AI-model.",
      wKnowledge: "Geciteerd uit de hulpartikelen van de winkel, niet geschreven door het AI-model.",
      wModel: "Geschreven door het AI-model; elke zin is gecontroleerd met de informatie van de winkel.",
      wDontKnow: "Niets in de informatie van de winkel beantwoordt dit, en de assistent zei dat.",
      wSignIn: "Voor vragen over bestellingen moet u bij de winkel ingelogd zijn.",
      wNotFound: "Die bestelling staat niet op uw account.",
      wNoData: "Er zijn geen persoonsgegevens van u gebruikt.", wPurposes: "Uw gegevens zijn gebruikt voor: {list}.",
      wFields: "Gebruikte gegevens: {list}.", wSources: "Bronnen: {list}.", wKb: "hulpartikel „{id}”", wOrder: "bestelling {id}",
      support: "klantenservice", personalization: "personalisatie", marketing: "marketing",
      name: "uw naam", orders: "uw bestellingen", preferred_categories: "uw favoriete categorieën",
      purchase_history: "uw aankoopgeschiedenis", loyalty_tier: "uw klantniveau"
    }
  };

  // The locale code Candor uses for a BCP 47 tag (es-MX -> es), or en.
  function localeOf(tag) {
    var code = String(tag || "").toLowerCase().slice(0, 2);
    return TEXTS[code] ? code : "en";
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, key) { return values[key] === undefined ? "" : String(values[key]); });
  }

  var STYLE = [
    ".candor[hidden],.candor [hidden]{display:none!important}",
    ".candor{box-sizing:border-box;font:15px/1.4 system-ui,sans-serif;color:#1b1b1b;background:#fff;border:1px solid #8a8a8a;border-radius:10px;padding:.75rem;display:flex;flex-direction:column;gap:.5rem;width:100%;max-width:28rem}",
    ".candor *{box-sizing:border-box}",
    ".candor button{font:inherit;cursor:pointer;border-radius:6px;border:1px solid #0b57d0;background:#fff;color:#0b57d0;padding:.35rem .6rem;min-height:2.25rem}",
    ".candor button.candor-primary{background:#0b57d0;color:#fff}",
    ".candor button:focus-visible,.candor input:focus-visible{outline:3px solid #f2a900;outline-offset:1px}",
    ".candor-bar{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}",
    ".candor-title{font-weight:700;margin:0 auto 0 0;font-size:1rem}",
    ".candor-disclosure{background:#e8f0fe;border-radius:6px;padding:.5rem .7rem;margin:0;font-size:.9rem}",
    ".candor-status{font-size:.85rem;color:#3d3d3d;min-height:1.2em;margin:0}",
    ".candor-log{height:20rem;overflow-y:auto;display:flex;flex-direction:column;gap:.45rem;padding:.2rem}",
    ".candor-msg{padding:.45rem .7rem;border-radius:10px;max-width:88%;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".candor-label{display:block;font-size:.75rem;font-weight:700;color:#3d3d3d}",
    ".candor-customer{align-self:flex-end;background:#dff3e4}",
    ".candor-pending{opacity:.75}",
    ".candor-ai{align-self:flex-start;background:#f1f1f1}",
    ".candor-agent{align-self:flex-start;background:#fff0c9}",
    ".candor-system,.candor-error{align-self:center;max-width:95%;background:none;border:1px dashed #8a8a8a;font-size:.85rem;color:#3d3d3d}",
    ".candor-error{border-color:#b3261e;color:#8c1d18}",
    ".candor-why-btn{margin-top:.3rem;font-size:.8rem!important;min-height:1.8rem!important;padding:.1rem .5rem!important}",
    ".candor-why{margin:.3rem 0 0;padding-left:1.1rem;font-size:.85rem}",
    ".candor-typing{font-size:.85rem;font-style:italic;color:#3d3d3d;min-height:1.2em;margin:0}",
    ".candor-form{display:flex;gap:.4rem}",
    ".candor-form input{flex:1;min-width:0;font:inherit;font-size:16px;padding:.45rem;border:1px solid #6b6b6b;border-radius:6px}",
    ".candor-privacy{border:1px solid #8a8a8a;border-radius:8px;padding:.6rem;display:flex;flex-direction:column;gap:.45rem}",
    ".candor-privacy h2{font-size:.95rem;margin:0}",
    ".candor-privacy label{display:flex;gap:.4rem;align-items:flex-start}",
    ".candor-result{font-size:.85rem;margin:0}",
    ".candor-float{position:fixed;right:1rem;bottom:1rem;z-index:2147483000;display:flex;flex-direction:column;align-items:flex-end;gap:.5rem;max-width:calc(100vw - 2rem)}",
    ".candor-float .candor{box-shadow:0 4px 24px rgba(0,0,0,.2)}",
    ".candor-launcher{font:600 15px system-ui,sans-serif;border:0;border-radius:999px;background:#0b57d0;color:#fff;padding:.7rem 1.1rem;cursor:pointer}",
    "@media (max-width:480px){.candor-float{left:.5rem;right:.5rem;bottom:.5rem;max-width:none}.candor-log{height:55vh}}"
  ].join("\n");

  function injectStyle() {
    if (document.getElementById("candor-style")) return;
    var style = document.createElement("style");
    style.id = "candor-style";
    style.textContent = STYLE;
    document.head.appendChild(style);
  }

  // Builds an element; `text` always goes in as text, never as markup.
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "class") node.className = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var instances = 0;

  // options: url (Candor's base URL; default this page's origin), customer
  // ({id, signature, expires}), locale, storage (a Storage; default sessionStorage).
  function CandorWidget(root, options) {
    this.root = root;
    this.options = options || {};
    this.base = String(this.options.url || location.origin).replace(/\/+$/, "");
    this.t = TEXTS[localeOf(this.options.locale || document.documentElement.lang || navigator.language)];
    this.key = "candor:" + this.base + ":" + (this.options.customer ? this.options.customer.id : "visitor");
    this.uid = "candor" + (++instances);
    this.store = this.options.storage || window.sessionStorage;
    this.state = this.load();
    this.streams = {};
    this.retry = 0;
    this.lastTyping = 0;
    this.build();
    this.state.messages.forEach(this.render, this);
    this.state.outbox.forEach(this.renderPending, this);
    this.connect();
  }

  CandorWidget.prototype.load = function () {
    var saved = null;
    try { saved = JSON.parse(this.store.getItem(this.key) || "null"); } catch (e) { saved = null; }
    saved = saved || {};
    return {
      conversation: saved.conversation || null,
      seq: saved.seq || 0,
      messages: saved.messages || [],
      outbox: saved.outbox || [],
      agent: saved.agent || null,
      mode: saved.mode || "bot"
    };
  };

  // Kept for the tab only: what a reload needs to resume without loss.
  CandorWidget.prototype.save = function () {
    this.state.messages = this.state.messages.slice(-200);
    try { this.store.setItem(this.key, JSON.stringify(this.state)); } catch (e) { /* storage full or off */ }
  };

  CandorWidget.prototype.build = function () {
    var t = this.t, self = this;
    injectStyle();
    this.root.classList.add("candor");
    this.root.setAttribute("role", "region");
    this.root.setAttribute("aria-label", t.chat);
    var bar = el("div", { class: "candor-bar" });
    this.privacyButton = el("button", { type: "button", "aria-expanded": "false", "aria-controls": this.uid + "-privacy", hidden: "" }, t.privacy);
    this.humanButton = el("button", { type: "button" }, t.human);
    bar.append(el("p", { class: "candor-title" }, t.ai), this.privacyButton, this.humanButton);
    this.disclosure = el("p", { class: "candor-disclosure", role: "note" });
    this.status = el("p", { class: "candor-status", role: "status" }, t.connecting);
    this.privacy = this.buildPrivacy();
    this.log = el("div", { class: "candor-log", role: "log", "aria-live": "polite", "aria-label": t.chat, tabindex: "0" });
    this.typing = el("p", { class: "candor-typing", "aria-live": "polite" });
    this.form = el("form", { class: "candor-form" });
    this.input = el("input", { type: "text", "aria-label": t.message, maxlength: "4000", autocomplete: "off" });
    this.form.append(this.input, el("button", { type: "submit", class: "candor-primary" }, t.send));
    this.root.append(bar, this.disclosure, this.status, this.privacy, this.log, this.typing, this.form);

    this.form.addEventListener("submit", function (e) {
      e.preventDefault();
      self.sendMessage(self.input.value);
      self.input.value = "";
    });
    this.input.addEventListener("input", function () { self.sendTyping(); });
    this.humanButton.addEventListener("click", function () { self.send({ type: "handoff_request" }); });
    this.privacyButton.addEventListener("click", function () { self.togglePrivacy(self.privacy.hidden); });
  };

  CandorWidget.prototype.buildPrivacy = function () {
    var t = this.t, self = this;
    var box = el("div", { class: "candor-privacy", id: this.uid + "-privacy", role: "group", "aria-labelledby": this.uid + "-ph", hidden: "" });
    this.consentBox = el("input", { type: "checkbox" });
    var label = el("label");
    label.append(this.consentBox, el("span", {}, t.personalize));
    var download = el("button", { type: "button" }, t.download);
    var erase = el("button", { type: "button" }, t.erase);
    this.confirm = el("div", { role: "alertdialog", "aria-labelledby": this.uid + "-ask", hidden: "" });
    var yes = el("button", { type: "button", class: "candor-primary" }, t.eraseYes);
    var no = el("button", { type: "button" }, t.cancel);
    this.confirm.append(el("p", { id: this.uid + "-ask" }, t.eraseAsk), yes, document.createTextNode(" "), no);
    this.result = el("p", { class: "candor-result", role: "status" });
    var close = el("button", { type: "button" }, t.close);
    box.append(el("h2", { id: this.uid + "-ph" }, t.yourData), label, download, erase, this.confirm, this.result, close);

    this.consentBox.addEventListener("change", function () {
      self.send({ type: "consent", personalization: self.consentBox.checked });
    });
    download.addEventListener("click", function () { self.send({ type: "privacy_export" }); });
    erase.addEventListener("click", function () { self.confirm.hidden = false; no.focus(); });
    no.addEventListener("click", function () { self.confirm.hidden = true; erase.focus(); });
    yes.addEventListener("click", function () { self.confirm.hidden = true; self.send({ type: "privacy_erase" }); });
    close.addEventListener("click", function () { self.togglePrivacy(false); });
    box.addEventListener("keydown", function (e) { if (e.key === "Escape") self.togglePrivacy(false); });
    return box;
  };

  CandorWidget.prototype.togglePrivacy = function (open) {
    this.privacy.hidden = !open;
    this.privacyButton.setAttribute("aria-expanded", String(open));
    if (open) this.consentBox.focus();
    else this.privacyButton.focus();
  };

  CandorWidget.prototype.socketUrl = function () {
    return this.base.replace(/^http/, "ws") + "/v1/chat/ws";
  };

  CandorWidget.prototype.connect = function () {
    var self = this;
    if (this.stopped) return;
    var ws = this.ws = new WebSocket(this.socketUrl());
    ws.onopen = function () {
      var hello = { type: "hello", locale: self.options.locale || document.documentElement.lang || navigator.language };
      if (self.options.customer) hello.customer = self.options.customer;
      if (self.state.conversation) {
        hello.conversation_id = self.state.conversation;
        hello.last_seq = self.state.seq;
      }
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      self.onFrame(frame);
    };
    ws.onclose = function () {
      if (self.ws !== ws || self.stopped) return;
      self.setStatus(self.t.offline);
      self.retry = Math.min(self.retry + 1, 5);
      setTimeout(function () { self.connect(); }, 500 * Math.pow(2, self.retry));
    };
  };

  CandorWidget.prototype.destroy = function () {
    this.stopped = true;
    if (this.ws) this.ws.close();
    this.root.textContent = "";
    this.root.classList.remove("candor");
  };

  CandorWidget.prototype.send = function (frame) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  };

  CandorWidget.prototype.setStatus = function (text) { this.status.textContent = text; };

  CandorWidget.prototype.showModeStatus = function (frame) {
    var t = this.t, name = this.state.agent || t.agent;
    var mode = this.state.mode;
    if (mode === "queued") this.setStatus(frame && frame.position ? fill(t.queued, { n: frame.position }) : t.waiting);
    else if (mode === "agent" || mode === "assigned") this.setStatus(fill(t.assigned, { name: name }));
    else if (mode === "returned") this.setStatus(fill(t.returned, { name: name }));
    else if (mode === "closed") this.setStatus(t.closed);
    else this.setStatus("");
  };

  CandorWidget.prototype.onFrame = function (frame) {
    var t = this.t;
    switch (frame.type) {
      case "welcome":
        this.retry = 0;
        if (this.state.conversation && this.state.conversation !== frame.conversation_id) this.reset();
        this.state.conversation = frame.conversation_id;
        this.state.mode = frame.state;
        this.t = t = TEXTS[localeOf(frame.locale)] || t;
        this.disclosure.textContent = frame.disclosure;
        this.privacyButton.hidden = !frame.verified;
        if (frame.consent) this.consentBox.checked = !!frame.consent.personalization;
        this.showModeStatus(null);
        this.save();
        // Messages not yet acknowledged are sent again; the server stores each client_id once.
        this.state.outbox.forEach(function (m) { this.send({ type: "message", client_id: m.client_id, text: m.text }); }, this);
        break;
      case "delta":
        this.onDelta(frame);
        break;
      case "message":
        this.onMessage(frame);
        break;
      case "handoff":
        this.state.mode = frame.state;
        if (frame.agent) this.state.agent = frame.agent;
        this.showModeStatus(frame);
        this.save();
        break;
      case "typing":
        this.showTyping(fill(t.agentTyping, { name: frame.agent || this.state.agent || t.agent }), 5000);
        break;
      case "consent":
        this.consentBox.checked = !!frame.personalization;
        this.result.textContent = frame.personalization ? t.consentOn : t.consentOff;
        break;
      case "privacy_export":
        this.download(frame.data);
        break;
      case "privacy_erased":
        this.stopped = true;
        try { this.store.removeItem(this.key); } catch (e) { /* nothing kept */ }
        this.log.textContent = "";
        this.result.textContent = t.erased;
        this.setStatus(t.erased);
        break;
      case "error":
        this.showTyping("", 0);
        if (this.state.messages.length || frame.code !== "unknown_conversation") this.render({ sender: "error", text: frame.message });
        if (/^(not_verified|signature_)/.test(frame.code)) this.result.textContent = fill(t.failed, { why: frame.message });
        break;
      default:
        break; // unknown frames are ignored, as the protocol asks
    }
  };

  CandorWidget.prototype.reset = function () {
    this.state = { conversation: null, seq: 0, messages: [], outbox: this.state.outbox, agent: null, mode: "bot" };
    this.streams = {};
    this.log.textContent = "";
    this.state.outbox.forEach(this.renderPending, this);
  };

  CandorWidget.prototype.onDelta = function (frame) {
    var node = this.streams[frame.id];
    if (!node) {
      node = this.streams[frame.id] = this.bubble({ sender: "ai", id: frame.id, text: "" });
      node.setAttribute("aria-busy", "true");
    }
    node.querySelector(".candor-text").textContent += frame.text;
    this.scroll();
  };

  CandorWidget.prototype.onMessage = function (m) {
    if (m.seq <= this.state.seq) return; // already shown (each seq once)
    this.state.seq = m.seq;
    var stored = { seq: m.seq, id: m.id, sender: m.sender, text: m.text, why: m.why || null };
    if (m.sender === "agent") stored.agent = this.state.agent;
    if (m.client_id) {
      this.state.outbox = this.state.outbox.filter(function (o) { return o.client_id !== m.client_id; });
      var pending = this.log.querySelector('[data-client-id="' + cssEscape(m.client_id) + '"]');
      if (pending) pending.remove();
    }
    this.state.messages.push(stored);
    var streamed = this.streams[m.id];
    delete this.streams[m.id];
    if (streamed) streamed.remove();
    this.render(stored);
    if (m.sender === "ai" || m.sender === "system") this.showTyping("", 0);
    if (m.sender === "agent") this.showTyping("", 0);
    this.save();
  };

  function cssEscape(value) {
    return window.CSS && CSS.escape ? CSS.escape(value) : String(value).replace(/["\\]/g, "\\$&");
  }

  // One message bubble: a label saying who wrote it, then the text.
  CandorWidget.prototype.bubble = function (m) {
    var t = this.t;
    var labels = { ai: t.ai, customer: t.you, system: t.notice, error: t.error, agent: m.agent || this.state.agent || t.agent };
    var node = el("div", { class: "candor-msg candor-" + m.sender });
    if (m.id) node.dataset.id = m.id;
    if (m.seq) node.dataset.seq = m.seq;
    node.append(el("span", { class: "candor-label" }, labels[m.sender] || m.sender), el("span", { class: "candor-text" }, m.text));
    this.log.append(node);
    this.scroll();
    return node;
  };

  CandorWidget.prototype.render = function (m) {
    var node = this.bubble(m);
    if (m.sender === "ai") this.addWhy(node, m.why);
    return node;
  };

  CandorWidget.prototype.renderPending = function (o) {
    var node = this.bubble({ sender: "customer", text: o.text });
    node.classList.add("candor-pending");
    node.dataset.clientId = o.client_id;
  };

  CandorWidget.prototype.scroll = function () { this.log.scrollTop = this.log.scrollHeight; };

  // "Why this reply?": the message's why record in plain words.
  CandorWidget.prototype.addWhy = function (node, why) {
    var t = this.t, self = this;
    var id = this.uid + "-why-" + (node.dataset.seq || Math.random().toString(36).slice(2));
    var button = el("button", { type: "button", class: "candor-why-btn", "aria-expanded": "false", "aria-controls": id }, t.why);
    var list = el("ul", { class: "candor-why", id: id, hidden: "" });
    button.addEventListener("click", function () {
      var open = list.hidden;
      if (open && !list.firstChild) self.explain(why || {}).forEach(function (line) { list.append(el("li", {}, line)); });
      list.hidden = !open;
      button.setAttribute("aria-expanded", String(open));
    });
    node.append(el("br"), button, list);
  };

  CandorWidget.prototype.explain = function (why) {
    var t = this.t, lines = [];
    var kinds = { account: t.wAccount, knowledge: t.wKnowledge, model: t.wModel, dont_know: t.wDontKnow, sign_in: t.wSignIn, not_found: t.wNotFound };
    lines.push(kinds[why.answer] || t.wModel);
    var words = function (list) { return (list || []).map(function (k) { return t[k] || k; }).join(", "); };
    if ((why.purposes || []).length) lines.push(fill(t.wPurposes, { list: words(why.purposes) }));
    if ((why.fields || []).length) lines.push(fill(t.wFields, { list: words(why.fields) }));
    if (!(why.purposes || []).length && !(why.fields || []).length) lines.push(t.wNoData);
    var seen = {}, sources = [];
    (why.citations || []).concat(why.sources || []).forEach(function (s) {
      s = String(s);
      if (seen[s]) return;
      seen[s] = true;
      var kb = /^kb:(.*)$/.exec(s), order = /^order:(.*)$/.exec(s);
      sources.push(kb ? fill(t.wKb, { id: kb[1] }) : order ? fill(t.wOrder, { id: order[1] }) : s);
    });
    if (sources.length) lines.push(fill(t.wSources, { list: sources.join("; ") }));
    return lines;
  };

  CandorWidget.prototype.showTyping = function (text, ms) {
    var self = this;
    clearTimeout(this.typingTimer);
    this.typing.textContent = text;
    if (ms) this.typingTimer = setTimeout(function () { self.typing.textContent = ""; }, ms);
  };

  CandorWidget.prototype.sendMessage = function (text) {
    text = String(text || "").trim();
    if (!text) return;
    if (this.state.mode === "closed") {
      // A closed conversation takes no more messages: start a new one.
      this.reset();
      this.save();
      if (this.ws) this.ws.close();
    }
    var message = { client_id: "w-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10), text: text };
    this.state.outbox.push(message);
    this.save();
    this.renderPending(message);
    this.send({ type: "message", client_id: message.client_id, text: text });
    if (this.state.mode === "bot" || this.state.mode === "returned") this.showTyping(this.t.aiTyping, 90000);
  };

  CandorWidget.prototype.sendTyping = function () {
    var now = Date.now();
    if (this.state.mode === "bot" || this.state.mode === "returned" || now - this.lastTyping < 3000) return;
    this.lastTyping = now;
    this.send({ type: "typing" });
  };

  CandorWidget.prototype.download = function (data) {
    var file = "candor-my-data.json";
    var url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
    var link = el("a", { href: url, download: file });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
    this.result.textContent = fill(this.t.downloaded, { file: file });
  };

  window.CandorWidget = CandorWidget;

  // The one-line embed: <script src=".../widget.js" data-candor-url=...>.
  var me = document.currentScript;
  if (me && me.hasAttribute("data-candor-url")) {
    var start = function () {
      var d = me.dataset, customer = null;
      if (d.customerId && d.customerSignature) {
        customer = { id: d.customerId, signature: d.customerSignature };
        if (d.customerExpires) customer.expires = Number(d.customerExpires);
      }
      var options = { url: d.candorUrl || new URL(me.src).origin, customer: customer, locale: d.locale };
      var target = d.target && document.querySelector(d.target);
      if (target) { window.candor = new CandorWidget(target, options); return; }
      injectStyle();
      var t = TEXTS[localeOf(d.locale || document.documentElement.lang || navigator.language)];
      var dock = el("div", { class: "candor-float" });
      var panel = el("div", { id: "candor-panel", hidden: "" });
      var launcher = el("button", { type: "button", class: "candor-launcher", "aria-expanded": "false", "aria-controls": "candor-panel" }, t.chat);
      dock.append(panel, launcher);
      document.body.append(dock);
      launcher.addEventListener("click", function () {
        if (!window.candor) window.candor = new CandorWidget(panel, options);
        panel.hidden = !panel.hidden;
        launcher.setAttribute("aria-expanded", String(!panel.hidden));
        if (!panel.hidden) window.candor.input.focus();
      });
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }
})();
