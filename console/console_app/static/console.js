// Console behaviour: queue badge, live queue, live takeover, « parler à l'assistant », folded long
// messages, training progress. Every text from the server is inserted with textContent, except the
// `html` of bot messages: the server builds it with console_app/markdown.py, which escapes all text
// (and the CSP forbids inline scripts).
"use strict";
(function () {
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  async function api(method, url, body) {
    const options = { method, headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(url, options);
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    if (!response.ok) throw new Error(data.error || ("Erreur HTTP " + response.status));
    return data;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function setHtml(node, html) {
    // Only ever called with the `html` field of a bot message (see the comment at the top).
    node.innerHTML = html;
  }

  // Long messages are folded to a few lines, with a button to show all of it.
  function fold(node) {
    if (node.dataset.folded !== undefined) return;
    node.dataset.folded = "";
    node.classList.add("is-folded");
    const button = el("button", "fr-btn fr-btn--sm fr-btn--tertiary-no-outline fold__toggle", "Afficher tout");
    button.type = "button";
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", () => {
      const folded = node.classList.toggle("is-folded");
      button.textContent = folded ? "Afficher tout" : "Replier";
      button.setAttribute("aria-expanded", String(!folded));
    });
    node.after(button);
  }
  document.querySelectorAll("[data-fold]").forEach(fold);

  function messageBody(text, html, long) {
    const body = el("div", "msg__text" + (html ? " msg__text--rich" : ""));
    if (html) setHtml(body, html); else body.textContent = text;
    if (long) body.dataset.fold = "";
    return body;
  }

  function every(ms, fn) {
    let stopped = false;
    async function tick() {
      if (stopped) return;
      try { await fn(); } catch (e) { console.warn(e); }
      setTimeout(tick, ms);
    }
    tick();
    return () => { stopped = true; };
  }

  // Badge with the number of waiting conversations, on every page.
  const badge = document.getElementById("queue-count");
  const queueBox = document.getElementById("queue");
  if (badge && !queueBox) {
    every(5000, async () => {
      const data = await api("GET", "/api/queue");
      const waiting = data.items.filter((i) => i.status === "waiting").length;
      badge.textContent = String(waiting);
      badge.hidden = waiting === 0;
    });
  }

  // Live queue page.
  if (queueBox) {
    const list = document.getElementById("queue-list");
    const empty = document.getElementById("queue-empty");
    every(Number(queueBox.dataset.pollMs) || 2000, async () => {
      const data = await api("GET", "/api/queue");
      if (badge) {
        const waiting = data.items.filter((i) => i.status === "waiting").length;
        badge.textContent = String(waiting);
        badge.hidden = waiting === 0;
      }
      empty.hidden = data.items.length > 0;
      updateQueue(list, data.items);
      announceQueue(data.items);
    });
  }

  // The list is refreshed in place: a conversation still in the same state keeps its element (and its button,
  // which may have the keyboard focus); only its texts change. Rebuilding it every poll lost the focus.
  function updateQueue(list, items) {
    const existing = new Map(Array.from(list.children).map((li) => [li.dataset.key, li]));
    const next = items.map((item) => {
      const fresh = renderQueueItem(item);
      const old = existing.get(fresh.dataset.key);
      if (!old) return fresh;
      // Only the texts: the line with the « Lire la conversation » link keeps its element (and the focus).
      old.querySelectorAll("p:not(.queue__readline)").forEach((p) => p.remove());
      old.prepend(...fresh.querySelectorAll("p:not(.queue__readline)"));
      return old;
    });
    Array.from(list.children).forEach((li) => { if (!next.includes(li)) li.remove(); });
    next.forEach((li, index) => {
      if (list.children[index] !== li) list.insertBefore(li, list.children[index] || null);
    });
  }

  // Said once to screen readers when the number of waiting conversations changes (not at every refresh).
  let waitingBefore = null;
  function announceQueue(items) {
    const news = document.getElementById("queue-news");
    const waiting = items.filter((i) => i.status === "waiting").length;
    if (news && waitingBefore !== null && waiting !== waitingBefore) {
      news.textContent = waiting === 0 ? "Plus aucune conversation en attente."
        : waiting + (waiting === 1 ? " conversation en attente d'un conseiller." : " conversations en attente d'un conseiller.");
    }
    waitingBefore = waiting;
  }

  function renderQueueItem(item) {
    const li = el("li", "queue__item");
    li.dataset.sender = item.sender_id;
    li.dataset.key = item.sender_id + " " + item.status + " " + (item.agent || "");
    const title = el("p", "fr-text--bold", item.status === "waiting"
      ? "En attente depuis " + item.waited_seconds + " s"
      : "Prise en charge par " + item.agent + " · retour à l'assistant dans " + minutes(item.returns_in_seconds) + " sans message");
    const last = el("p", "queue__last", "Dernier message de la personne : « " + (item.last_text || "(aucun)") + " »");
    const meta = el("p", "fr-text--xs", "Canal : " + item.channel + " · conversation " + item.sender_id.slice(0, 48) +
      (item.messages ? " · " + item.messages + " message" + (item.messages > 1 ? "s" : "") + " de la personne" : ""));
    const href = "/takeover/" + encodeURIComponent(item.sender_id);
    const read = el("a", "fr-link fr-text--sm queue__read", "Lire la conversation avant de la prendre");
    read.href = "/conversations/" + encodeURIComponent(item.sender_id);
    li.append(title, last, meta);
    if (item.status === "waiting") {
      const readLine = el("p", "fr-mb-1w queue__readline");
      readLine.append(read);
      li.append(readLine);
    }
    if (!item.live_replies) {
      li.append(el("p", "fr-text--sm queue__warning", "Ce canal ne reçoit pas les réponses d'un conseiller."));
    }
    if (item.status === "waiting") {
      const button = el("button", "fr-btn queue__take", "Prendre en charge");
      button.type = "button";
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          await api("POST", "/api/conversations/" + encodeURIComponent(item.sender_id) + "/take");
          window.location.href = href;
        } catch (e) { button.disabled = false; alert(e.message); }
      });
      li.append(button);
    } else {
      const link = el("a", "fr-link", "Ouvrir");
      link.href = href;
      li.append(link);
    }
    return li;
  }

  function minutes(seconds) {
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return m ? m + " min " + String(s).padStart(2, "0") + " s" : s + " s";
  }

  // Live takeover page.
  const box = document.getElementById("takeover");
  if (box) {
    const sender = box.dataset.sender;
    const me = box.dataset.me;
    const base = "/api/conversations/" + encodeURIComponent(sender);
    const live = document.getElementById("live");
    const state = document.getElementById("takeover-state");
    const takeButton = document.getElementById("take");
    const backButton = document.getElementById("handback");
    const form = document.getElementById("reply-form");
    const input = document.getElementById("reply");
    const errorBox = document.getElementById("takeover-error");
    let lastId = 0;

    function showError(message) {
      errorBox.querySelector("p").textContent = message || "";
      errorBox.hidden = !message;
    }

    const countdown = document.getElementById("takeover-countdown");

    function render(event) {
      const who = event.kind === "user" ? "personne" : (event.agent ? "conseiller " + event.agent : "assistant");
      const li = el("li", "msg msg--" + event.kind + (event.agent ? " msg--agent" : ""));
      const body = messageBody(event.text, event.html, event.long);
      li.append(el("span", "msg__meta", event.time + " · " + who), body);
      live.append(li);
      if (body.dataset.fold !== undefined) fold(body);
      live.scrollTop = live.scrollHeight;
    }

    let firstRefresh = true;
    async function refresh() {
      const data = await api("GET", base + "/events?after=" + lastId);
      data.events.forEach(render);
      lastId = data.last_id;
      // From now on a live region: the messages that arrive are read once; the conversation so far is not.
      live.setAttribute("aria-live", "polite");
      const mine = data.paused && data.agent === me;
      takeButton.hidden = !(data.paused && !data.agent);
      backButton.hidden = !mine;
      form.hidden = !mine;
      state.textContent = !data.paused ? "L'assistant gère cette conversation."
        : data.agent ? (mine ? "Vous avez la main : vos messages arrivent directement chez la personne." : "Prise en charge par " + data.agent + ".")
        : "La personne attend un conseiller.";
      countdown.hidden = !(data.agent && data.returns_in_seconds !== null);
      if (!countdown.hidden) {
        countdown.textContent = "Sans message " + (mine ? "de votre part" : "du conseiller") +
          ", la conversation reviendra à l'assistant dans " + minutes(data.returns_in_seconds) + ".";
      }
      // Arriving from « Prendre en charge » in the queue: the keyboard is where the answer is typed.
      if (firstRefresh && mine && document.activeElement === document.body) input.focus();
      firstRefresh = false;
    }

    // A button hidden once used would leave the keyboard focus nowhere: it goes where the next step is.
    takeButton.addEventListener("click", async () => {
      try { showError(""); await api("POST", base + "/take"); await refresh(); input.focus(); } catch (e) { showError(e.message); }
    });
    backButton.addEventListener("click", async () => {
      try { showError(""); await api("POST", base + "/handback"); await refresh(); state.focus(); } catch (e) { showError(e.message); }
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      try {
        showError("");
        await api("POST", base + "/reply", { text });
        input.value = "";
        await refresh();
      } catch (e) { showError(e.message); }
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    });
    every(Number(box.dataset.pollMs) || 2000, refresh);
  }

  // « Parler à l'assistant »: each message with what the NLU understood, then the assistant's replies.
  const assistant = document.getElementById("assistant");
  if (assistant) {
    const log = document.getElementById("assistant-log");
    const form = document.getElementById("assistant-form");
    const input = document.getElementById("assistant-input");
    const errorBox = document.getElementById("assistant-error");
    const senderLabel = document.getElementById("assistant-sender");

    function showError(message) {
      errorBox.querySelector("p").textContent = message || "";
      errorBox.hidden = !message;
    }

    function twoDecimals(value) { return Number(value).toFixed(2); }

    function nluLine(nlu) {
      const line = el("p", "msg__nlu");
      const main = nlu.faq_key
        ? [nlu.faq_label, nlu.faq_key, nlu.faq_confidence]
        : [nlu.intent_label, nlu.intent, nlu.confidence];
      line.append(el("span", "msg__label", main[0]), " ", el("code", "", main[1]), " ",
        el("span", "confidence", twoDecimals(main[2])));
      if (nlu.faq_key) line.append(" (intention " + nlu.intent + " " + twoDecimals(nlu.confidence) + ")");
      if (nlu.ranking.length) {
        line.append(el("br"), "Ensuite : " + nlu.ranking.map((r) => r.label + " " + twoDecimals(r.confidence)).join(" · "));
      }
      return line;
    }

    function addReply(reply) {
      const li = el("li", "msg msg--bot");
      li.append(el("span", "msg__meta", "assistant"), messageBody("", reply.html, false));
      if (reply.buttons.length) {
        const group = el("ul", "fr-btns-group fr-btns-group--inline fr-btns-group--sm msg__choices");
        reply.buttons.forEach((button) => {
          const item = el("li");
          const choice = el("button", "fr-btn fr-btn--sm fr-btn--secondary", button.title);
          choice.type = "button";
          choice.addEventListener("click", () => say(button.payload, button.title));
          item.append(choice);
          group.append(item);
        });
        li.append(group);
      }
      log.append(li);
    }

    async function say(text, shown) {
      showError("");
      const mine = el("li", "msg msg--user");
      mine.append(el("span", "msg__meta", "vous"), el("div", "msg__text", shown || text));
      log.append(mine);
      try {
        const data = await api("POST", "/api/assistant/say", { text });
        mine.append(nluLine(data.nlu));
        data.replies.forEach(addReply);
        if (!data.replies.length) log.append(el("li", "ev", "(aucune réponse)"));
      } catch (e) {
        mine.remove();
        showError(e.message);
      }
      log.scrollTop = log.scrollHeight;
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      await say(text);
      input.focus();
    });
    document.getElementById("assistant-restart").addEventListener("click", async () => {
      try {
        const data = await api("POST", "/api/assistant/restart");
        senderLabel.textContent = data.sender_id;
        log.replaceChildren();
        showError("");
      } catch (e) { showError(e.message); }
    });
  }

  // Training progress on the models page.
  const training = document.getElementById("training");
  const inProgress = (status) => status === "running" || status === "evaluating" || status === "deploying";
  if (training && inProgress(training.dataset.status)) {
    const stop = every(2000, async () => {
      const data = await api("GET", "/api/training/" + training.dataset.trainingId);
      document.getElementById("training-log").textContent = data.log;
      document.getElementById("training-message").textContent = data.message;
      document.getElementById("training-status").textContent = data.status_label;
      if (!inProgress(data.status)) { stop(); window.location.reload(); }
    });
  }

  // Searchable list of answers: typing in the search field keeps the options whose name contains the
  // words typed (case and accents ignored) and selects the first one.
  const foldText = (value) => value.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  document.querySelectorAll("[data-filter-select]").forEach((search) => {
    const select = document.getElementById(search.dataset.filterSelect);
    if (!select) return;
    search.addEventListener("input", () => {
      const words = foldText(search.value).split(/\s+/).filter(Boolean);
      let first = null;
      select.querySelectorAll("option").forEach((option) => {
        if (option.disabled) return;
        const shown = words.every((w) => foldText(option.textContent + " " + option.value).includes(w));
        option.hidden = !shown;
        if (shown && !first) first = option;
      });
      if (first && words.length) first.selected = true;
    });
  });
})();
