// simgate status page: renders the daemon's status document (GET /api/events, server-sent
// events read with fetch, so a stalled stream is noticed and replaced by GET /api/page
// polling). Plain browser JavaScript, no build step, no dependencies. Requests carry the
// session cookie the login set (the page never sees the admin token); a 401 means the
// session ended, and reloading the page shows the login form again.
// Everything that came from a modem or an SMS is put on the page with textContent only.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const STALL_MS = 40_000; // the server sends a heartbeat every 15 s
  const POLL_MS = 3_000;

  let doc = null;
  /** Server clock minus ours: time left and uptime use the daemon's clock. */
  let skew = 0;
  /** SMS ids whose text the user chose to see (codes stay hidden by default). */
  const revealed = new Set();
  /** port id → { el, f: named child elements } */
  const tiles = new Map();

  const now = () => Date.now() + skew;
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const field = (tag, cls, name) => {
    const e = el(tag, cls);
    e.dataset.field = name;
    return e;
  };
  const shortId = (id) => id.split("/").filter(Boolean).pop() || id;
  const pad = (n) => String(n).padStart(2, "0");

  function duration(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d > 0) return `${d}d ${h}h`;
    if (h > 0) return `${h}h ${pad(m)}m`;
    return `${m}m ${pad(s % 60)}s`;
  }
  const clock = (ms) => {
    const s = Math.max(0, Math.round(ms / 1000));
    return `${Math.floor(s / 60)}:${pad(s % 60)}`;
  };
  function ago(at) {
    const s = Math.max(0, Math.round((now() - at) / 1000));
    if (s < 60) return `${s} s ago`;
    if (s < 3600) return `${Math.floor(s / 60)} min ago`;
    const d = new Date(at);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }
  /** 0-4 bars from dBm (the usual phone thresholds). */
  function bars(dbm) {
    if (dbm === null || dbm === undefined) return 0;
    return dbm >= -65 ? 4 : dbm >= -75 ? 3 : dbm >= -85 ? 2 : dbm >= -100 ? 1 : 0;
  }
  const mask = (text) => text.replace(/\d/g, "•");

  function makeTile(id) {
    const f = {};
    const tile = el("article", "tile");
    tile.dataset.port = id;
    const head = el("div", "head");
    head.append((f.name = field("span", "name", "name")), (f.state = field("span", "state", "state")));
    f.number = field("div", "number", "number");
    f.problem = field("div", "problem", "number-problem");
    const row = el("div", "row");
    f.network = field("span", "network", "network");
    f.bars = el("span", "bars");
    f.bars.dataset.field = "signal";
    for (let i = 0; i < 4; i++) f.bars.append(el("i"));
    row.append(f.network, f.bars);
    f.activation = el("div", "activation");
    f.activation.dataset.field = "activation";
    f.activation.append((f.service = field("span", "service", "service")), (f.left = field("span", "left", "time-left")));
    f.sms = el("div", "sms");
    f.sms.tabIndex = 0;
    f.sms.title = "click to show or hide the text";
    const meta = el("div", "meta");
    meta.append((f.sender = field("span", "sender", "sms-sender")), (f.smsAt = field("span", "at", "sms-at")));
    f.text = field("span", "text", "sms-text");
    f.sms.append(meta, f.text);
    const toggle = () => {
      const id = Number(f.sms.dataset.smsId);
      if (revealed.has(id)) revealed.delete(id);
      else revealed.add(id);
      if (doc) render(doc);
    };
    f.sms.addEventListener("click", toggle);
    f.sms.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        toggle();
      }
    });
    tile.append(head, f.number, f.problem, row, f.activation, f.sms);
    return { el: tile, f };
  }

  function fillTile(t, p) {
    const { el: tile, f } = t;
    tile.dataset.state = p.state;
    tile.classList.toggle("busy", !!p.activation);
    tile.title = [p.id, p.model, p.iccid ? "ICCID " + p.iccid : null].filter(Boolean).join("\n");
    f.name.textContent = shortId(p.id);
    f.state.textContent = p.state;
    f.number.textContent = p.number || (p.numberProblem ? "number refused" : "no number");
    f.number.classList.toggle("muted", !p.number);
    // Why the SIM's number was refused (state number-invalid): the operator sets it by hand.
    f.problem.hidden = !p.numberProblem;
    f.problem.textContent = p.numberProblem || "";
    f.network.textContent = p.network ? `${p.network.operator} · ${p.network.country}` : p.operator || "no network";
    f.bars.dataset.level = String(bars(p.signal));
    f.bars.title = p.signal === null ? "signal unknown" : `${p.signal} dBm`;
    f.activation.hidden = !p.activation;
    if (p.activation) {
      f.service.textContent = p.activation.service;
      f.activation.dataset.activationId = String(p.activation.id);
    }
    f.sms.hidden = !p.lastSms;
    if (p.lastSms) {
      const s = p.lastSms;
      f.sms.dataset.smsId = String(s.id);
      f.sender.textContent = s.sender;
      const show = revealed.has(s.id);
      f.text.textContent = show ? s.text : mask(s.text);
      f.text.dataset.revealed = String(show);
    }
    tick1(t, p);
  }

  /** The parts that move with the clock alone. */
  function tick1(t, p) {
    const { f } = t;
    if (p.activation) {
      if (p.activation.expiresAt !== null) {
        const left = p.activation.expiresAt - now();
        f.left.textContent = left >= 0 ? `${clock(left)} left` : `${clock(-left)} over`;
        f.activation.classList.toggle("late", left < 0);
      } else f.left.textContent = `since ${clock(now() - p.activation.since)}`;
    }
    if (p.lastSms) f.smsAt.textContent = ago(p.lastSms.at);
  }

  /** An amount with the decimals it has: two at least (12.50), up to four (0.0125). */
  const money = (n) => n.toFixed(4).replace(/0{1,2}$/, "");

  /** Per currency over every marketplace: amounts in different currencies are never added. */
  function perCurrency(rows, pick) {
    const units = new Map();
    for (const r of rows) units.set(r.currency, (units.get(r.currency) || 0) + Math.round(pick(r) * 10000));
    return [...units].sort(([a], [b]) => a.localeCompare(b)).map(([c, u]) => `${money(u / 10000)} ${c}`).join(" · ");
  }

  function renderEarnings(rows) {
    $("earnings").textContent = perCurrency(rows, (r) => r.amount) || "0";
    $("earnings-today").textContent = rows.length ? `today ${perCurrency(rows, (r) => r.today.amount)}` : "";
    const body = $("earnings-markets").tBodies[0];
    body.replaceChildren();
    if (rows.length === 0) {
      const tr = el("tr", "muted");
      const td = el("td", "", "nothing sold yet");
      td.colSpan = 6;
      tr.append(td);
      body.append(tr);
    }
    for (const r of rows) {
      const tr = el("tr");
      tr.dataset.market = r.market;
      tr.dataset.currency = r.currency;
      tr.append(el("td", "", r.market), el("td", "", r.currency), el("td", "num", String(r.today.sold)), el("td", "num", money(r.today.amount)), el("td", "num", String(r.sold)), el("td", "num", money(r.amount)));
      body.append(tr);
    }
  }

  function renderTotals(d) {
    const ready = d.ports.filter((p) => p.state === "ready").length;
    $("ports-ready").textContent = `${ready}/${d.ports.length}`;
    $("open-activations").textContent = String(d.totals.openActivations);
    $("sms-today").textContent = String(d.totals.smsToday);
    renderEarnings(d.totals.earningsByMarket || []);
    const list = $("sellable");
    list.replaceChildren();
    const groups = d.totals.sellable.filter((s) => s.sims > 0);
    if (groups.length === 0) list.append(el("li", "muted", "nothing sellable"));
    for (const s of groups) {
      const li = el("li", "", `${s.country} / ${s.operator}`);
      li.dataset.country = s.country;
      li.dataset.operator = s.operator;
      li.append(el("b", "", String(s.sims)));
      list.append(li);
    }
    $("version").textContent = d.version ?? "";
    tickTotals(d);
  }

  function tickTotals(d) {
    $("uptime").textContent = d.startedAt ? duration(now() - d.startedAt) : "–";
  }

  function render(d) {
    doc = d;
    skew = d.at - Date.now();
    renderTotals(d);
    const ports = [...d.ports].sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
    const seen = new Set();
    const main = $("ports");
    for (const p of ports) {
      seen.add(p.id);
      let t = tiles.get(p.id);
      if (!t) tiles.set(p.id, (t = makeTile(p.id)));
      fillTile(t, p);
      main.append(t.el); // append moves an existing tile: the DOM follows the sorted order
    }
    for (const [id, t] of tiles) {
      if (seen.has(id)) continue;
      t.el.remove();
      tiles.delete(id);
    }
    $("empty").hidden = ports.length > 0;
  }

  setInterval(() => {
    if (!doc) return;
    tickTotals(doc);
    for (const p of doc.ports) {
      const t = tiles.get(p.id);
      if (t) tick1(t, p);
    }
  }, 1000);

  // ---------- transport: SSE over fetch, polling while it is down ----------

  const conn = $("conn");
  function setMode(mode, text) {
    conn.dataset.mode = mode;
    conn.textContent = text || mode;
  }

  /** The session expired (or the token changed): back to the login form. */
  function loggedOut() {
    setMode("offline", "logged out");
    location.replace("/");
  }

  let pollTimer = null;
  async function poll() {
    try {
      const res = await fetch("/api/page", { cache: "no-store" });
      if (res.status === 401) return loggedOut();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      render(await res.json());
      setMode("polling", "polling");
    } catch {
      setMode("offline", "daemon unreachable");
    }
  }
  function startPolling() {
    if (pollTimer !== null) return;
    pollTimer = setInterval(poll, POLL_MS);
    poll();
  }
  function stopPolling() {
    if (pollTimer !== null) clearInterval(pollTimer);
    pollTimer = null;
  }

  function handleEvent(block) {
    let event = "message";
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (line === "" || line.startsWith(":")) continue;
      const c = line.indexOf(":");
      const name = c < 0 ? line : line.slice(0, c);
      let value = c < 0 ? "" : line.slice(c + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (name === "event") event = value;
      else if (name === "data") data.push(value);
    }
    if (event === "status" && data.length > 0) render(JSON.parse(data.join("\n")));
  }

  let failures = 0;
  async function stream() {
    const ctrl = new AbortController();
    let stall = null;
    const arm = () => {
      clearTimeout(stall);
      stall = setTimeout(() => ctrl.abort(), STALL_MS);
    };
    try {
      const res = await fetch("/api/events", { cache: "no-store", signal: ctrl.signal });
      if (res.status === 401) return loggedOut();
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      failures = 0;
      stopPolling();
      setMode("live", "live");
      arm();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        arm();
        buffer += value;
        let end;
        while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, "");
          handleEvent(block);
        }
      }
    } catch {
      // Reconnect below; polling keeps the page current meanwhile.
    } finally {
      clearTimeout(stall);
    }
    failures++;
    startPolling();
    setTimeout(stream, Math.min(30_000, 500 * 2 ** Math.min(failures, 6)));
  }

  stream();
})();
