// Console behaviour: queue badge, live queue, live takeover, training progress.
// Every text from the server is inserted with textContent (never as HTML).
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
      list.replaceChildren(...data.items.map(renderQueueItem));
    });
  }

  function renderQueueItem(item) {
    const li = el("li", "queue__item");
    li.dataset.sender = item.sender_id;
    const title = el("p", "fr-text--bold", item.status === "waiting"
      ? "En attente depuis " + item.waited_seconds + " s"
      : "Prise en charge par " + item.agent);
    const last = el("p", "queue__last", "Dernier message : " + item.last_text);
    const meta = el("p", "fr-text--xs", "Conversation " + item.sender_id.slice(0, 24) + (item.channels.length ? " · " + item.channels.join(", ") : ""));
    const href = "/takeover/" + encodeURIComponent(item.sender_id);
    li.append(title, last, meta);
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

    function render(event) {
      const who = event.kind === "user" ? "personne" : (event.agent ? "conseiller " + event.agent : "assistant");
      const li = el("li", "msg msg--" + event.kind + (event.agent ? " msg--agent" : ""));
      li.append(el("span", "msg__meta", event.time + " · " + who), el("p", "msg__text", event.text));
      live.append(li);
      live.scrollTop = live.scrollHeight;
    }

    async function refresh() {
      const data = await api("GET", base + "/events?after=" + lastId);
      data.events.forEach(render);
      lastId = data.last_id;
      const mine = data.paused && data.agent === me;
      takeButton.hidden = !(data.paused && !data.agent);
      backButton.hidden = !mine;
      form.hidden = !mine;
      state.textContent = !data.paused ? "L'assistant gère cette conversation."
        : data.agent ? (mine ? "Vous avez la main : vos messages arrivent directement chez la personne." : "Prise en charge par " + data.agent + ".")
        : "La personne attend un conseiller.";
    }

    takeButton.addEventListener("click", async () => {
      try { showError(""); await api("POST", base + "/take"); await refresh(); } catch (e) { showError(e.message); }
    });
    backButton.addEventListener("click", async () => {
      try { showError(""); await api("POST", base + "/handback"); await refresh(); } catch (e) { showError(e.message); }
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

  // Training progress on the models page.
  const training = document.getElementById("training");
  if (training && training.dataset.status === "running") {
    const stop = every(2000, async () => {
      const data = await api("GET", "/api/training/" + training.dataset.trainingId);
      document.getElementById("training-log").textContent = data.log;
      document.getElementById("training-message").textContent = data.message;
      if (data.status !== "running") { stop(); window.location.reload(); }
    });
  }
})();
