// The sandbox chat page. The world's controls (/sandbox/api/…) answer with the Update
// JSON Telegram would send; this page posts those updates to /webhook itself, exactly as
// Telegram does, then delivers the updates Lucien's own actions caused, then redraws
// everything from the simulated Telegram's state (so edits appear in place).
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const esc = LucienRender.escapeHtml;
  const state = { persona: "visitor", view: "chat", channel: null, data: null, busy: 0 };
  const WEBHOOK = new URL("../webhook", window.location.href).pathname;
  const wire = [];

  // ------------------------------------------------------------------ plumbing

  async function api(path, body) {
    const options = body === undefined
      ? { method: "GET" }
      : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
    const response = await fetch("api/" + path, options);
    const data = await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
    if (!response.ok || data.ok === false) throw new Error(data.error || `HTTP ${response.status}`);
    return data;
  }

  async function deliver(updates) {
    const queue = [...(updates || [])];
    const secret = state.data && state.data.webhook_secret;
    while (queue.length) {
      const update = queue.shift();
      wire.unshift(update);
      wire.length = Math.min(wire.length, 8);
      const headers = { "Content-Type": "application/json" };
      if (secret) headers["X-Telegram-Bot-Api-Secret-Token"] = secret;
      const response = await fetch(WEBHOOK, { method: "POST", headers, body: JSON.stringify(update) });
      if (!response.ok) throw new Error(`/webhook answered ${response.status}: ${await response.text()}`);
      const more = await api("pending", {});
      queue.push(...more.updates);
    }
    $("wire-log").textContent = wire.map((u) => JSON.stringify(u, null, 1)).join("\n\n");
  }

  async function run(task) {
    state.busy++;
    document.body.classList.add("busy");
    try {
      await task();
      hideError();
    } catch (error) {
      showError(error.message);
    } finally {
      state.busy--;
      if (!state.busy) document.body.classList.remove("busy");
      await refresh().catch((error) => showError(error.message));
    }
  }

  const act = (name, body) => run(async () => deliver((await api(name, body)).updates));

  function showError(text) {
    $("error").textContent = text;
    $("error").classList.remove("hidden");
  }
  function hideError() { $("error").classList.add("hidden"); }

  // ------------------------------------------------------------------ links and buttons

  function openUrl(url) {
    const bot = state.data.bot.username;
    const deep = url.match(new RegExp(`^https?://t\\.me/${bot}\\?start=([\\w-]+)`, "i"));
    if (deep) return act("say", { persona: state.persona, text: `/start ${deep[1]}` });
    if (/^https?:\/\/t\.me\/(\+|joinchat\/)/.test(url)) {
      return act("open_link", { persona: state.persona, url });
    }
    window.open(url, "_blank", "noopener");
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-url]");
    if (link) {
      event.preventDefault();
      openUrl(link.dataset.url);
      return;
    }
    const spoiler = event.target.closest(".spoiler");
    if (spoiler) spoiler.classList.add("revealed");
    const quote = event.target.closest("blockquote.expandable");
    if (quote) quote.classList.toggle("open");
  });

  function keyboard(message) {
    const rows = (message.reply_markup && message.reply_markup.inline_keyboard) || [];
    if (message.invoice && !rows.length) {  // Telegram's own Pay button
      return `<div class="keyboard"><div class="row"><button class="kb pay" data-pay="${message.message_id}"
        data-message="${message.message_id}">Pagar ⭐ ${message.invoice.total_amount}</button></div></div>`;
    }
    if (!rows.length) return "";
    return `<div class="keyboard">${rows.map((row) => `<div class="row">${row.map((b) => {
      const kind = b.url ? "url" : "callback";
      const data = b.url ? `data-url-button="${esc(b.url)}"` : `data-callback="${esc(b.callback_data || "")}"`;
      return `<button class="kb ${kind}" ${data} data-message="${message.message_id}">${esc(b.text)}${b.url ? " ↗" : ""}</button>`;
    }).join("")}</div>`).join("")}</div>`;
  }

  function bubble(message, outgoing) {
    const body = message.text !== undefined
      ? LucienRender.render(message.text, message.entities)
      : LucienRender.render(message.caption || "", message.caption_entities);
    const invoice = message.invoice
      ? `<div class="media">🧾 <b>${esc(message.invoice.title)}</b><br>${esc(message.invoice.description)}<br>⭐ ${message.invoice.total_amount}</div>`
      : "";
    const paid = message.successful_payment
      ? `<div class="media">⭐ ${message.successful_payment.total_amount} pagadas</div>` : "";
    const media = invoice || paid || (message.photo ? '<div class="media">🖼 foto</div>'
      : message.document ? `<div class="media">📄 ${esc(message.document.file_name || "documento")}</div>`
      : message.video ? '<div class="media">🎬 vídeo</div>' : "");
    const forwarded = message.forward_origin && message.forward_origin.chat
      ? `<div class="forwarded">Reenviado desde ${esc(message.forward_origin.chat.title || "")}</div>` : "";
    const time = new Date(message.date * 1000).toISOString().slice(5, 16).replace("T", " ");
    const edited = message.edit_date ? " · editado" : "";
    return `<div class="msg ${outgoing ? "out" : "in"}" data-id="${message.message_id}">
      <div class="bubble">${forwarded}${media}<div class="text">${body}</div>
      <div class="meta">${time}${edited}</div></div>${keyboard(message)}</div>`;
  }

  // ------------------------------------------------------------------ drawing

  function drawPersonas() {
    $("personas").innerHTML = state.data.personas.map((p) => {
      const where = Object.entries(p.in).filter(([, s]) => ["member", "creator", "administrator"].includes(s))
        .map(([k]) => (k === "vip" ? "👑 Diván" : "🌿 Vestíbulo")).join(" · ");
      const active = state.view === "chat" && p.key === state.persona ? "active" : "";
      return `<li class="${active}" data-persona="${p.key}"><b>${esc(p.name)}</b>
        <span class="muted">${esc(p.label)}</span><span class="badge">${where}</span></li>`;
    }).join("");
  }

  function drawChannels() {
    const channels = state.data.channels;
    $("channels").innerHTML = channels.length
      ? channels.map((c) => `<li class="${state.view === "channel" && state.channel === c.id ? "active" : ""}"
          data-channel="${c.id}"><b>${c.kind === "vip" ? "👑" : "🌿"} ${esc(c.title)}</b>
          <span class="muted">${c.participants} in · Lucien ${esc(c.bot.status)}</span></li>`).join("")
      : '<li class="muted">None yet: press “Set the stage”.</li>';
  }

  function drawChat() {
    const persona = state.data.personas.find((p) => p.key === state.persona);
    $("chat-title").textContent = `${persona.name} ↔ Lucien`;
    $("chat-sub").textContent = ` · ${persona.label} · id ${persona.id}`;
    const box = $("messages");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    box.innerHTML = state.data.conversation.map((m) => bubble(m, m.outgoing)).join("")
      || '<p class="muted empty">No messages yet. Say /start.</p>';
    if (atBottom || state.scroll) box.scrollTop = box.scrollHeight;
    state.scroll = false;
    for (const toast of state.data.toasts) {
      if (toast.alert) {
        $("alert-text").textContent = toast.text;
        $("alert").classList.remove("hidden");
      } else {
        $("toast").textContent = toast.text;
        $("toast").classList.remove("hidden");
        setTimeout(() => $("toast").classList.add("hidden"), 3500);
      }
    }
  }

  function drawChannel() {
    const c = state.data.channels.find((x) => x.id === state.channel);
    if (!c) { state.view = "chat"; return; }
    const persona = state.data.personas.find((p) => p.key === state.persona);
    $("channel-title").textContent = `${c.kind === "vip" ? "👑" : "🌿"} ${c.title}`;
    $("channel-sub").textContent = ` · canal ${c.id} · ${c.participants} miembros`;
    $("posts").innerHTML = c.posts.map((m) => bubble(m, false)).join("")
      || '<p class="muted empty">No posts yet.</p>';
    $("rights").innerHTML = Object.entries(c.bot.rights).map(([name, on]) =>
      `<label><input type="checkbox" data-right="${name}" ${on ? "checked" : ""}> ${name.replace("can_", "").replace(/_/g, " ")}</label>`).join("");
    document.querySelectorAll("#channel-view .who").forEach((el) => { el.textContent = persona.name; });
    const inside = ["member", "creator", "administrator"].includes(persona.in[c.kind]);
    const links = c.links.filter((l) => l.usable);
    $("channel-actions").innerHTML = [
      inside ? `<button data-leave="${c.id}">🚪 Salir</button>` : "",
      !inside ? `<button data-request="${c.id}">✋ Pedir entrada</button>` : "",
      ...(!inside ? links.map((l) => `<button data-join-link="${esc(l.invite_link)}">🔗 Entrar con ${esc(l.name || l.invite_link.slice(-8))}${l.creates_join_request ? " (solicitud)" : ""}</button>`) : []),
      `<button data-forward="${c.id}">↪️ Reenviar a Lucien la última publicación</button>`,
    ].join("");
    $("members").innerHTML = c.members.map((m) =>
      `<li>${m.is_bot ? "🎩" : "👤"} ${esc(m.name || String(m.id))} <span class="muted">${esc(m.status)}</span></li>`).join("");
    $("requests").innerHTML = c.join_requests.map((r) => `<li>✋ ${esc(r.name)}</li>`).join("")
      || '<li class="muted">ninguno</li>';
    $("links").innerHTML = c.links.map((l) =>
      `<li><code>${esc(l.invite_link)}</code> <span class="muted">${l.usable ? "utilizable" : "agotado / revocado"}${l.creates_join_request ? " · solicitud de entrada" : ""}${l.member_limit ? ` · límite ${l.member_limit}` : ""}</span></li>`).join("")
      || '<li class="muted">ninguno</li>';
  }

  function draw() {
    const d = state.data;
    const shift = d.clock.shift_seconds;
    $("clock").textContent = `🕰 ${d.clock.now.slice(0, 16).replace("T", " ")} UTC` +
      (shift ? ` (+${(shift / 86400).toFixed(shift >= 86400 ? 1 : 2)} d)` : "");
    drawPersonas();
    drawChannels();
    $("chat-view").classList.toggle("hidden", state.view !== "chat");
    $("channel-view").classList.toggle("hidden", state.view !== "channel");
    if (state.view === "channel") drawChannel();
    drawChat();
  }

  async function refresh() {
    state.data = await api(`state?persona=${encodeURIComponent(state.persona)}`);
    draw();
  }

  // ------------------------------------------------------------------ controls

  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("text").value;
    if (!text.trim()) return;
    $("text").value = "";
    state.scroll = true;
    act("say", { persona: state.persona, text });
  });

  $("messages").addEventListener("click", (event) => {
    const button = event.target.closest("button.kb");
    if (!button) return;
    if (button.dataset.urlButton) return openUrl(button.dataset.urlButton);
    if (button.dataset.pay) {  // Telegram asks Lucien first, then charges if he says yes
      const persona = state.persona;
      return run(async () => {
        await deliver((await api("checkout", { persona, message_id: Number(button.dataset.pay) })).updates);
        await deliver((await api("charge", { persona })).updates);
      });
    }
    act("press", { persona: state.persona, message_id: Number(button.dataset.message), data: button.dataset.callback });
  });

  // Switch to a persona's conversation, scrolled to its newest message.
  function chatAs(persona) {
    state.persona = persona;
    state.view = "chat";
    state.scroll = true;
  }

  $("personas").addEventListener("click", (event) => {
    const item = event.target.closest("li[data-persona]");
    if (!item) return;
    chatAs(item.dataset.persona);
    run(async () => {});
  });

  $("channels").addEventListener("click", (event) => {
    const item = event.target.closest("li[data-channel]");
    if (!item) return;
    state.view = "channel";
    state.channel = Number(item.dataset.channel);
    run(async () => {});
  });

  $("channel-view").addEventListener("click", (event) => {
    const t = event.target.closest("button");
    if (!t) return;
    const persona = state.persona;
    if (t.dataset.leave) act("leave", { persona, chat_id: Number(t.dataset.leave) });
    if (t.dataset.request) act("join", { persona, chat_id: Number(t.dataset.request) });
    if (t.dataset.joinLink) act("join", { persona, chat_id: state.channel, link: t.dataset.joinLink });
    if (t.dataset.forward) act("forward", { persona, chat_id: Number(t.dataset.forward) });
  });

  $("rights").addEventListener("change", () => {
    const rights = {};
    document.querySelectorAll("#rights input[data-right]").forEach((box) => { rights[box.dataset.right] = box.checked; });
    act("rights", { chat_id: state.channel, rights });
  });

  $("post-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("post-text").value;
    $("post-text").value = "";
    run(async () => api("post", { chat_id: state.channel, text }));
  });

  function showInvitation(invitation) {
    const box = $("invitation");
    box.classList.remove("hidden");
    box.innerHTML = `<h3>🎟 Invitación</h3><code class="wrap">${esc(invitation.link)}</code>
      <div class="open-as">${state.data.personas.filter((p) => p.key !== "owner").map((p) =>
        `<button data-open-as="${p.key}" data-link="${esc(invitation.link)}">Abrir como ${esc(p.name)}</button>`).join("")}</div>`;
  }

  $("invitation").addEventListener("click", (event) => {
    const b = event.target.closest("button[data-open-as]");
    if (!b) return;
    chatAs(b.dataset.openAs);
    openUrl(b.dataset.link);
  });

  $("stage").addEventListener("click", () => run(async () => {
    const result = await api("story", {});
    await deliver((await api("pending", {})).updates);
    await refresh();
    showInvitation(result.invitation);
  }));
  $("invite").addEventListener("click", () => run(async () => {
    const result = await api("invitation", {});
    await refresh();
    showInvitation(result.invitation);
  }));
  $("cron").addEventListener("click", () => run(async () => deliver((await api("cron", {})).updates)));
  document.querySelectorAll("[data-advance]").forEach((b) =>
    b.addEventListener("click", () => run(async () => api("clock", { seconds: Number(b.dataset.advance) }))));
  $("alert-ok").addEventListener("click", () => $("alert").classList.add("hidden"));

  run(async () => {});
})();
