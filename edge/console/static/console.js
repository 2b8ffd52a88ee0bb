// Palisade console. Plain script, no build step; loaded with defer.
// All text from the server goes in with textContent, never as HTML.
"use strict";
(() => {
  const PRIORITY = { 1: "Critical", 2: "High", 3: "Medium", 4: "Low" };
  const EVENT_TYPES = ["raised", "repeated", "updated", "pending"];
  const $ = (id) => document.getElementById(id);

  const st = {
    signedIn: false,
    csrf: "",
    node: "",
    alarms: new Map(), // id → alarm
    rows: new Map(),   // id → {el, touched, busy}
    es: null,
    timers: [],
    muted: localStorage.getItem("palisade.muted") === "1",
    audio: null,
  };

  // Door rows are built once per door and updated in place: a row rebuilt
  // every second would swap the button under an officer's finger.
  const doorRows = new Map(); // door id → {li, door, name, state, where, lockdown}

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(method, path, body) {
    const opts = { method, headers: {}, credentials: "same-origin" };
    if (method !== "GET" && st.csrf) opts.headers["X-CSRF-Token"] = st.csrf;
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, opts);
    } catch (e) {
      throw new ApiError(0, "cannot reach the node (" + e.message + ")");
    }
    if (res.status === 204) return null;
    let data = null;
    try { data = await res.json(); } catch { /* not JSON */ }
    if (!res.ok) {
      if (res.status === 401 && path !== "/v1/login") sessionEnded();
      throw new ApiError(res.status, (data && data.error) || "the node answered " + res.status);
    }
    return data;
  }

  function show(el, on) { el.toggleAttribute("hidden", !on); } // works on SVG elements too
  function text(el, s) { el.textContent = s == null ? "" : String(s); }

  // ---- login and session ----

  function showLogin(note) {
    stopBoard();
    show($("board-view"), false);
    show($("signed-in"), false);
    show($("jump"), false);
    show($("login-view"), true);
    text($("login-note"), note || "");
    show($("login-note"), !!note);
    $("login").elements.user.focus();
  }

  function showBoard(sess) {
    st.signedIn = true;
    st.csrf = sess.csrf_token;
    st.node = sess.node;
    st.role = sess.role;
    st.user = sess.user;
    text($("facility"), [sess.facility, "node " + sess.node].filter(Boolean).join(" · "));
    text($("who"), sess.user + " (" + sess.role + ")");
    show($("login-view"), false);
    show($("signed-in"), true);
    show($("jump"), true);
    show($("board-view"), true);
    loadZones().then(() => { startStream(); loadAlarms(); pollDoors(); pollPresence(); });
    sp.off = false;
    pollSallyPorts();
    pollCluster();
    st.timers.push(setInterval(updateAges, 1000));
    renderSound();
  }

  function stopBoard() {
    st.signedIn = false;
    st.csrf = "";
    if (st.es) { st.es.close(); st.es = null; }
    st.timers.forEach((t) => { clearInterval(t); clearTimeout(t); });
    st.timers = [];
    st.alarms.clear();
    st.rows.clear();
    doorRows.clear();
    $("door-list").replaceChildren();
    people.byTop = {};
    people.open = "";
    people.person = "";
    $("people-zones").replaceChildren();
    show($("person-card"), false);
    clearTimeout(sp.timer);
    sp.gen++;
    sp.cards.clear();
    sp.shown = sp.seq;
    $("sallyport-list").replaceChildren();
    show($("sallyports"), false);
    for (const d of [$("declare-dialog"), $("override-dialog")]) if (d.open) d.close();
    $("alarm-list").replaceChildren();
  }

  function sessionEnded() {
    if (st.signedIn) showLogin("Your session has ended. Please log in again.");
  }

  $("person-close").addEventListener("click", () => { people.person = ""; show($("person-card"), false); });

  $("login").addEventListener("submit", async (e) => {
    e.preventDefault();
    unlockAudio();
    const form = e.target;
    const button = form.querySelector("button");
    button.disabled = true;
    show($("login-error"), false);
    try {
      const sess = await api("POST", "/v1/login", {
        user: form.elements.user.value, password: form.elements.password.value,
      });
      form.reset();
      showBoard(sess);
    } catch (err) {
      text($("login-error"), err.message);
      show($("login-error"), true);
      form.elements.password.value = "";
    } finally {
      button.disabled = false;
    }
  });

  // ---- password ----

  const pwDialog = $("password-dialog");
  $("password").addEventListener("click", () => {
    $("password-form").reset();
    show($("password-error"), false);
    pwDialog.showModal();
  });
  $("password-cancel").addEventListener("click", () => pwDialog.close());
  $("password-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const fail = (msg) => { text($("password-error"), msg); show($("password-error"), true); };
    if (f.new.value !== f.again.value) return fail("The two new passwords differ.");
    const button = e.target.querySelector("button.primary");
    button.disabled = true;
    try {
      await api("POST", "/v1/password", { old: f.old.value, new: f.new.value });
      pwDialog.close();
      st.signedIn = false; // the server ended every session of ours
      showLogin("Password changed. Log in with your new password.");
    } catch (err) {
      fail(err.message);
    } finally {
      button.disabled = false;
    }
  });

  $("logout").addEventListener("click", async () => {
    try { await api("POST", "/v1/logout"); } catch { /* logged out anyway */ }
    showLogin("You have logged out.");
  });

  // ---- live stream ----

  function setConn(up) {
    const el = $("conn");
    el.className = "conn " + (up ? "up" : "down");
    text(el, up ? "live" : "offline — reconnecting…");
  }

  function startStream() {
    const es = new EventSource("/v1/events");
    st.es = es;
    setConn(false);
    es.onopen = () => { setConn(true); loadAlarms(); };
    es.onerror = () => {
      setConn(false);
      if (es.readyState !== EventSource.CLOSED || st.es !== es) return;
      // The node refused the stream (session ended, or shutting down):
      // the browser will not retry on its own.
      st.es = null;
      st.timers.push(setTimeout(async () => {
        if (!st.signedIn) return;
        try { await api("GET", "/v1/session"); } catch { return; }
        if (st.signedIn && !st.es) startStream();
      }, 3000));
    };
    for (const t of EVENT_TYPES) {
      es.addEventListener(t, (e) => {
        let ev;
        try { ev = JSON.parse(e.data); } catch { return; }
        upsert(ev.alarm, { event: ev.type });
      });
    }
  }

  // ---- alarm board ----

  // "door.held_open" → "Door held open": officers read words, not codes.
  function kindTitle(kind) {
    const words = String(kind || "").replace(/[._]+/g, " ").trim();
    return words ? words[0].toUpperCase() + words.slice(1) : "Alarm";
  }

  // Zone ids → names ("sterile-north" → "North sterile zone"), loaded once.
  const zoneNames = {};
  const plan = { zones: [], site: null };
  async function loadZones() {
    try {
      const data = await api("GET", "/v1/zones");
      for (const z of data.zones) zoneNames[z.id] = z.name;
      plan.zones = data.zones;
      plan.site = data.site;
    } catch { /* ids are shown instead */ }
  }

  async function loadAlarms() {
    const started = performance.now();
    try {
      const data = await api("GET", "/v1/alarms?open=1");
      const seen = new Set();
      for (const a of data.alarms) { seen.add(a.id); upsert(a, {}); }
      // Alarms gone from the list were resolved while we were away, unless
      // an event about them arrived after the list was asked for.
      for (const [id, row] of st.rows) {
        if (!seen.has(id) && row.touched < started && !row.busy) removeAlarm(id);
      }
      show($("board-error"), false);
    } catch (err) {
      if (err.status === 401) return;
      text($("board-error"), "Could not load the alarms: " + err.message);
      show($("board-error"), true);
    }
  }

  function upsert(a, { event }) {
    const old = st.alarms.get(a.id);
    if (old && a.index && old.index > a.index) return; // stale
    if (a.state === "resolved") { removeAlarm(a.id); return; }
    st.alarms.set(a.id, a);
    const fresh = !old && (event === "raised" || event === "pending");
    const row = rowFor(a.id);
    if (event) row.touched = performance.now();
    renderRow(row, a, fresh);
    if (fresh && a.priority <= 2) beep(a.priority);
    sortBoard();
  }

  function removeAlarm(id) {
    const row = st.rows.get(id);
    if (row) row.el.remove();
    st.rows.delete(id);
    st.alarms.delete(id);
    sortBoard();
  }

  function rowFor(id) {
    let row = st.rows.get(id);
    if (row) return row;
    const el = $("alarm-row").content.firstElementChild.cloneNode(true);
    row = { el, touched: 0, busy: false, mode: "", noting: false };
    const q = (sel) => el.querySelector(sel);
    q(".ack").addEventListener("click", () => openNote(id, "ack"));
    q(".resolve").addEventListener("click", () => openNote(id, "resolve"));
    q(".cancel").addEventListener("click", () => closeNote(row));
    q(".note-form").addEventListener("submit", (e) => {
      e.preventDefault();
      submitNote(id, row.mode, q("textarea").value);
    });
    st.rows.set(id, row);
    return row;
  }

  function renderRow(row, a, fresh) {
    const q = (sel) => row.el.querySelector(sel);
    row.el.className = "alarm p" + a.priority + " " + a.state + (fresh ? " fresh" : "") + (row.noting ? " noting" : "");
    text(q(".prio-num"), a.priority);
    text(q(".prio-word"), PRIORITY[a.priority] || "?");
    q(".prio").title = "priority " + a.priority;
    text(q(".kind"), kindTitle(a.kind));
    q(".kind").title = a.kind;
    text(q(".repeat"), "×" + a.count);
    show(q(".repeat"), a.count > 1);
    text(q(".state"), a.state);
    q(".state").className = "badge state " + a.state;
    show(q(".pending"), !!a.not_replicated);
    show(q(".escalated"), a.escalations > 0);
    text(q(".message"), a.message);
    text(q(".zone"), a.zone ? (zoneNames[a.zone] || "Zone " + a.zone) : "");
    text(q(".raised-by"), a.raised_by && a.raised_by !== a.device ? "raised by " + a.raised_by + " on " + a.node : "on " + a.node);
    text(q(".device"), a.device ? "Device " + a.device : "");
    text(q(".acked"), a.acked_by ? "Acknowledged by " + a.acked_by + (a.ack_note ? ": “" + a.ack_note + "”" : "") : "");
    renderAge(row, a);
    renderButtons(row, a);
  }

  function renderButtons(row, a) {
    const q = (sel) => row.el.querySelector(sel);
    show(q(".ack"), a.state === "raised");
    q(".ack").disabled = row.busy;
    q(".resolve").disabled = row.busy;
    q(".confirm").disabled = row.busy;
    q(".cancel").disabled = row.busy;
    text(q(".confirm"), row.busy ? "Recording…" : row.mode === "ack" ? "Acknowledge" : "Resolve");
    q("textarea").disabled = row.busy;
    show(q(".progress"), row.busy);
  }

  function openNote(id, mode) {
    const row = st.rows.get(id);
    if (!row || row.busy) return;
    const q = (sel) => row.el.querySelector(sel);
    row.mode = mode;
    text(q(".note-label"), mode === "ack" ? "Note (optional)" : "Note (required): what was found, what was done");
    text(q(".confirm"), mode === "ack" ? "Acknowledge" : "Resolve");
    row.noting = true;
    row.el.classList.add("noting");
    q("textarea").required = mode === "resolve";
    show(q(".error"), false);
    show(q(".note-form"), true);
    q("textarea").focus();
  }

  function closeNote(row) {
    const q = (sel) => row.el.querySelector(sel);
    row.noting = false;
    row.el.classList.remove("noting");
    show(q(".note-form"), false);
    show(q(".error"), false);
  }

  async function submitNote(id, mode, note) {
    const row = st.rows.get(id);
    if (!row || row.busy) return;
    const q = (sel) => row.el.querySelector(sel);
    if (mode === "resolve" && !note.trim()) {
      text(q(".error"), "A note is required to resolve an alarm.");
      show(q(".error"), true);
      return;
    }
    row.busy = true;
    show(q(".error"), false);
    renderButtons(row, st.alarms.get(id));
    try {
      // The new state is shown only from the node's answer: committed.
      const a = await api("POST", "/v1/alarms/" + encodeURIComponent(id) + "/" + mode, { note });
      row.busy = false;
      q("textarea").value = "";
      closeNote(row);
      upsert(a, { event: "updated" });
    } catch (err) {
      row.busy = false;
      text(q(".error"), (mode === "ack" ? "Not acknowledged: " : "Not resolved: ") + err.message);
      show(q(".error"), true);
      if (err.status === 409 || err.status === 404) refreshAlarm(id);
    } finally {
      if (st.alarms.has(id)) renderButtons(row, st.alarms.get(id));
    }
  }

  async function refreshAlarm(id) {
    try { upsert(await api("GET", "/v1/alarms/" + encodeURIComponent(id)), {}); } catch { /* shown already */ }
  }

  function sortBoard() {
    const list = $("alarm-list");
    const order = [...st.alarms.values()].sort((x, y) =>
      x.priority - y.priority || Date.parse(y.raised_at) - Date.parse(x.raised_at) || (x.id < y.id ? -1 : 1));
    const els = order.map((a) => st.rows.get(a.id).el);
    // Move nodes only when the order changed, so a note being typed keeps focus.
    if (els.length !== list.children.length || els.some((el, i) => list.children[i] !== el)) {
      els.forEach((el) => list.appendChild(el));
    }
    text($("alarm-count"), els.length ? "(" + els.length + ")" : "");
    show($("no-alarms"), els.length === 0);
  }

  function fmtAge(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 10) return "just now";
    if (s < 60) return s + " s ago";
    const m = Math.floor(s / 60);
    if (m < 60) return m + " min ago";
    const h = Math.floor(m / 60);
    return h + " h " + (m % 60) + " min ago";
  }

  function renderAge(row, a) {
    text(row.el.querySelector(".age"), "raised " + fmtAge(Date.now() - Date.parse(a.raised_at)));
  }

  function updateAges() {
    for (const [id, row] of st.rows) renderAge(row, st.alarms.get(id));
  }

  // ---- doors: site plan and list ----

  const SVG = "http://www.w3.org/2000/svg";
  const DOOR_WORDS = { secure: "Secure", unlocked: "Unlocked", open: "Open", held_open: "HELD OPEN", forced: "FORCED", unknown: "Unknown" };

  async function pollDoors() {
    if (!st.signedIn) return;
    try {
      const data = await api("GET", "/v1/doors");
      renderDoors(data.doors || []);
      show($("doors-error"), false);
    } catch (err) {
      if (err.status === 404) { show($("doors"), false); return; }
      text($("doors-error"), "Door states unavailable: " + err.message);
      show($("doors-error"), true);
    }
    if (st.signedIn) st.timers.push(setTimeout(pollDoors, 1000));
  }

  function svgEl(name, attrs) {
    const el = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    return el;
  }

  // The site plan: top-level zones as outlines (y runs north, so it is
  // flipped), each door a dot coloured by its state.
  function renderPlan(doors) {
    const svg = $("plan");
    if (!plan.site) { show(svg, false); return; }
    const W = plan.site.width, H = plan.site.height;
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    const kids = [];
    for (const z of plan.zones) {
      if (z.depth !== 0 || !z.polygon) continue;
      const pts = z.polygon.map(([x, y]) => x + "," + (H - y)).join(" ");
      const poly = svgEl("polygon", { points: pts, class: "zone " + z.kind });
      const title = svgEl("title", {});
      title.textContent = z.name;
      poly.appendChild(title);
      kids.push(poly);
      const cx = z.polygon.reduce((a, p) => a + p[0], 0) / z.polygon.length;
      const cy = z.polygon.reduce((a, p) => a + p[1], 0) / z.polygon.length;
      const label = svgEl("text", { x: cx, y: H - cy, class: "zone-label" });
      label.textContent = z.name;
      kids.push(label);
      if (people.byTop[z.id] !== undefined) {
        const n = svgEl("text", { x: cx, y: H - cy + 11, class: "zone-count" });
        n.textContent = people.byTop[z.id] + (people.byTop[z.id] === 1 ? " person" : " people");
        kids.push(n);
      }
    }
    for (const d of doors) {
      if (!d.at) continue;
      const g = svgEl("g", { class: "door " + d.state + (d.lockdown ? " lockdown" : "") });
      g.appendChild(svgEl("circle", { cx: d.at[0], cy: H - d.at[1], r: 4.5 }));
      const t = svgEl("text", { x: d.at[0] + 6, y: H - d.at[1] + 2, class: "door-label" });
      t.textContent = d.name + " — " + (DOOR_WORDS[d.state] || d.state);
      g.appendChild(t);
      kids.push(g);
    }
    svg.replaceChildren(...kids);
    show(svg, true);
  }

  // ---- where people are (RFID presence) ----
  const people = { byTop: {}, open: "", person: "", zones: [] };

  async function pollPresence() {
    if (!st.signedIn) return;
    try {
      const data = await api("GET", "/v1/presence");
      renderPresence(data.zones || []);
      show($("people-error"), false);
    } catch (err) {
      if (err.status === 404) { show($("people"), false); return; }
      text($("people-error"), "Presence unavailable — the counts below may be out of date: " + err.message);
      show($("people-error"), true);
    }
    if (st.signedIn) st.timers.push(setTimeout(pollPresence, 2000));
  }

  function renderPresence(zones) {
    people.zones = zones;
    const byTop = {};
    let total = 0;
    for (const z of zones) {
      const top = (z.path || z.zone).split("/")[0];
      byTop[top] = (byTop[top] || 0) + z.count;
      total += z.count;
    }
    people.byTop = byTop;
    text($("people-total"), total);
    show($("people"), true);
    // Zones with people first (most first), then the empty ones with a
    // capacity; the rest would only be noise.
    const shown = zones.filter((z) => z.count > 0).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
    const body = $("people-zones");
    const rows = [];
    for (const z of shown) {
      const tr = document.createElement("tr");
      tr.className = "zone-row" + (z.capacity && z.count > z.capacity ? " over" : "") + (people.open === z.zone ? " open" : "");
      tr.tabIndex = 0;
      tr.setAttribute("aria-expanded", people.open === z.zone ? "true" : "false");
      const toggle = () => { people.open = people.open === z.zone ? "" : z.zone; renderPresence(people.zones); };
      tr.addEventListener("click", toggle);
      tr.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(); } });
      const name = document.createElement("td");
      text(name, z.name);
      const n = document.createElement("td");
      n.className = "n";
      text(n, z.count + (z.capacity ? " / " + z.capacity : ""));
      if (z.capacity) {
        const bar = document.createElement("span");
        bar.className = "bar";
        bar.style.width = Math.min(100, 100 * z.count / z.capacity) + "%";
        n.append(bar);
      }
      const who = document.createElement("td");
      const res = z.people.filter((p) => p.role === "resident").length;
      text(who, res + " resident" + (res === 1 ? "" : "s") + " · " + (z.count - res) + " staff");
      tr.append(name, n, who);
      rows.push(tr);
      if (people.open === z.zone) {
        const more = document.createElement("tr");
        const td = document.createElement("td");
        td.colSpan = 3;
        const ul = document.createElement("ul");
        ul.className = "here";
        for (const p of z.people) {
          const li = document.createElement("li");
          const b = document.createElement("button");
          b.type = "button";
          text(b, p.name || p.id);
          b.addEventListener("click", () => openPerson(p.id));
          const since = document.createElement("span");
          since.className = "since";
          text(since, p.role + ", since " + clock(p.since));
          li.append(b, since);
          if (p.missing) {
            const m = document.createElement("span");
            m.className = "missing";
            text(m, "MISSING");
            li.append(m);
          }
          ul.append(li);
        }
        td.append(ul);
        more.append(td);
        rows.push(more);
      }
    }
    body.replaceChildren(...rows);
    if (people.person) openPerson(people.person, true);
  }

  function clock(t) {
    const d = new Date(t);
    return isNaN(d) ? "?" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  async function openPerson(id, quiet) {
    people.person = id;
    try {
      const p = await api("GET", "/v1/people/" + encodeURIComponent(id) + "?hours=24");
      text($("person-name"), p.name + " (" + p.role + ")");
      text($("person-where"), p.zone ? "Now in " + (p.zone_name || p.zone) + " since " + clock(p.since) + (p.missing ? " — reported MISSING" : "") : "Not placed by any reader yet.");
      const ol = $("person-moves");
      ol.replaceChildren();
      for (const m of (p.moves || []).slice().reverse()) {
        const li = document.createElement("li");
        let line = clock(m.at) + " ";
        if (m.kind === "transition") line += (zoneNames[m.from] || m.from || "?") + " → " + (zoneNames[m.to] || m.to) + " (" + m.reader + ")";
        else if (m.kind === "missing") line += "reported missing";
        else line += "seen again in " + (zoneNames[m.to] || m.to);
        if (m.anomaly) { line += " — " + m.reason; li.className = "anomaly"; }
        text(li, line);
        ol.append(li);
      }
      show($("person-none"), !(p.moves || []).length);
      show($("person-card"), true);
    } catch (err) {
      if (!quiet) { text($("people-error"), err.message); show($("people-error"), true); }
    }
  }

  function renderDoors(doors) {
    renderPlan(doors);
    const supervises = st.role === "supervisor" || st.role === "admin";
    const list = $("door-list");
    for (const d of doors) {
      let row = doorRows.get(d.id);
      if (!row) {
        row = { li: document.createElement("li"), door: d };
        row.name = document.createElement("span");
        row.name.className = "door-name";
        row.state = document.createElement("span");
        row.where = document.createElement("span");
        row.where.className = "door-where";
        row.li.append(row.name, row.state, row.where);
        if (d.has_lock) {
          row.li.append(doorButton("Unlock 10 s", () => doorAction(row.door, "unlock", { duration: "10s", reason: "opened from the console" })));
          row.li.append(doorButton("Lock", () => doorAction(row.door, "lock", { reason: "locked from the console" })));
        }
        if (supervises) {
          row.lockdown = doorButton("", () => lockdown(row.door.inside, !row.door.lockdown));
          row.li.append(row.lockdown);
        }
        doorRows.set(d.id, row);
        list.append(row.li);
      }
      row.door = d;
      row.li.className = "door-row " + d.state;
      text(row.name, d.name);
      row.state.className = "badge door-state " + d.state;
      text(row.state, (DOOR_WORDS[d.state] || d.state) + (d.lockdown ? " · lockdown" : ""));
      text(row.where, (zoneNames[d.outside] || d.outside) + " → " + (zoneNames[d.inside] || d.inside));
      if (row.lockdown) text(row.lockdown, d.lockdown ? "Lift lockdown" : "Lock down " + (zoneNames[d.inside] || d.inside));
    }
  }

  function doorButton(label, fn) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "quiet small";
    text(b, label);
    b.addEventListener("click", async () => {
      b.disabled = true;
      try { await fn(); } finally { b.disabled = false; }
    });
    return b;
  }

  async function doorAction(d, what, body) {
    try {
      await api("POST", "/v1/doors/" + encodeURIComponent(d.id) + "/" + what, body);
      show($("doors-error"), false);
    } catch (err) {
      text($("doors-error"), d.name + ": " + err.message);
      show($("doors-error"), true);
    }
  }

  async function lockdown(zone, on) {
    const name = zoneNames[zone] || zone;
    const reason = window.prompt((on ? "Lock down " : "Lift the lockdown of ") + name + "? Say why — it goes on the record.");
    if (!reason) return;
    try {
      await api("POST", "/v1/zones/" + encodeURIComponent(zone) + "/lockdown", { on, reason });
    } catch (err) {
      text($("doors-error"), name + ": " + err.message);
      show($("doors-error"), true);
    }
  }

  // ---- sally port: the vehicle cycle's step screen ----
  // One card per port, built once and updated in place every second, so a
  // button never moves under a finger and a dialog keeps what was typed.
  // The buttons say what an officer may try; the interlock on the node
  // decides, and its refusal is shown in its own words.

  const sp = {
    cards: new Map(), // port id → card
    seq: 0,           // GET requests sent
    shown: 0,         // the newest request whose answer is on screen
    off: false,       // the node has no sally ports (404)
    timer: 0,
    gen: 0,           // bumped at log-out
    declareFor: null, // the card whose declare dialog is open
    overrideFor: null,
  };

  const STEPS = ["Vehicle arrives", "Entry gate opens", "Vehicle in the bay", "Entry gate closed",
    "Declare occupants", "Scan", "Pass", "Exit gate opens", "Done"];
  const STEP_MARK = { done: "✓", current: "▶", problem: "!", skipped: "–", todo: "" };
  const STAGE_HINTS = {
    "gates not confirmed closed": "A gate's closed limit switch is not confirmed: no gate opens while the other is not closed.",
    "waiting for a vehicle": "Open the outer gate for a vehicle coming in, the inner gate for one going out.",
    "vehicle entering the bay": "Let the vehicle into the bay, then close the entry gate behind it.",
    "declare occupants": "Count everyone in the vehicle and declare them.",
    "scanning": "The life-detection radar is scanning the vehicle.",
    "hidden occupant: search the vehicle": "Keep both gates closed. Search the vehicle, then declare again and rescan.",
    "scan the vehicle": "A leaving vehicle needs a clear life-detection scan.",
    "pass the inspection": "Check the vehicle, then pass the inspection.",
    "ready to release": "Open the exit gate.",
    "released": "The exit gate opens for the vehicle. Close it behind the vehicle: the cycle then ends by itself.",
  };
  const OVERRIDE_WORDS = { release: "Release", "both-open": "Both-open", "close-on-loop": "Close-on-loop" };
  const ACT_WORDS = {
    "open:outer": "Open outer gate", "close:outer": "Close outer gate",
    "open:inner": "Open inner gate", "close:inner": "Close inner gate",
    declare: "Declare occupants", scan: "Start scan", pass: "Pass inspection",
    end: "End cycle", approve: "Approve override",
  };
  const GATE_NAMES = { outer: "Outer gate", inner: "Inner gate" };

  function supervises() { return st.role === "supervisor" || st.role === "admin"; }

  // The interlock's refusals reach us wrapped ("replica: command rejected:
  // sally port: …"): the officer needs the reason, not the plumbing.
  function plainReason(msg) {
    const s = String(msg || "").replace(/^replica: command rejected: /, "").replace(/^sally port: /, "");
    return s ? s[0].toUpperCase() + s.slice(1) : "no reason given";
  }

  function pollSallyPorts() {
    if (!st.signedIn || sp.off) return;
    const gen = sp.gen; // a poll from before a log-out must not start a second chain
    const next = () => { if (st.signedIn && !sp.off && gen === sp.gen) sp.timer = setTimeout(pollSallyPorts, 1000); };
    if (document.hidden) { next(); return; } // nobody is looking: refreshed on return
    refreshSallyPorts().finally(next);
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && st.signedIn && !sp.off) refreshSallyPorts();
  });

  async function refreshSallyPorts() {
    const seq = ++sp.seq;
    try {
      const data = await api("GET", "/v1/sallyports");
      if (seq <= sp.shown || !st.signedIn) return; // an older answer, overtaken
      sp.shown = seq;
      renderSallyPorts(data.sally_ports || []);
      show($("sallyports-error"), false);
    } catch (err) {
      if (err.status === 404) {
        sp.off = true;
        show($("sallyports"), false);
        show($("jump-sallyports"), false);
        return;
      }
      if (err.status === 401 || seq <= sp.shown) return;
      text($("sallyports-error"), "Sally-port state unavailable — the picture below may be out of date: " + err.message);
      show($("sallyports-error"), true);
      for (const c of sp.cards.values()) c.el.classList.add("stale");
    }
  }

  function renderSallyPorts(views) {
    const seen = new Set();
    for (const v of views) {
      seen.add(v.id);
      renderSallyPort(sallyCard(v), v);
    }
    for (const [id, c] of sp.cards) {
      if (!seen.has(id)) { c.el.remove(); sp.cards.delete(id); }
    }
    show($("sallyports"), views.length > 0);
    show($("jump-sallyports"), views.length > 0);
  }

  function sallyCard(v) {
    let c = sp.cards.get(v.id);
    if (c) return c;
    const el = $("sallyport-card").content.firstElementChild.cloneNode(true);
    c = { id: v.id, el, v, busy: "", history: [], q: (sel) => el.querySelector(sel), steps: [] };
    for (const b of el.querySelectorAll("button[data-act]")) {
      b.addEventListener("click", () => sallyButton(c, b.dataset.act));
    }
    const list = c.q(".sp-steps");
    STEPS.forEach((label, i) => {
      const li = document.createElement("li");
      const head = document.createElement("span");
      head.className = "sp-step-head";
      const num = document.createElement("span");
      num.className = "sp-step-num";
      text(num, (i + 1) + " ");
      const mark = document.createElement("span");
      mark.className = "sp-step-mark";
      head.append(num, mark);
      const name = document.createElement("span");
      name.className = "sp-step-name";
      text(name, label);
      const note = document.createElement("span");
      note.className = "sp-step-note";
      li.append(head, name, note);
      list.append(li);
      c.steps.push({ li, mark, note });
    });
    sp.cards.set(v.id, c);
    $("sallyport-list").append(el);
    return c;
  }

  // gateWords: the position in words, with the drive when it says more.
  function gateWords(g) {
    const pos = { closed: "Closed", "part-open": "Part-open", open: "Open", "limit-switch fault": "FAULT: limit switches disagree",
      "not reported": "Position not reported" }[g.position] || g.position;
    let drive = "";
    if (g.driven === "stop") drive = "stopped";
    else if (g.position === "not reported") drive = "driven " + (g.driven === "close" ? "closed" : g.driven);
    else if (g.driven === "open" && g.position !== "open") drive = "driven open";
    else if (g.driven === "close" && g.position !== "closed") drive = "driven closed";
    return pos + (drive ? " — " + drive : "") + (g.secured ? " ✓ secured" : "");
  }

  function gateTone(g) {
    if (g.position === "limit-switch fault") return "fault";
    if (g.secured) return "secured";
    return { closed: "closed", open: "open", "part-open": "part-open" }[g.position] || "unknown"; // "not reported"
  }

  // sallySteps places the cycle on the nine steps: the index of the
  // current one, and each step's state and note.
  function sallySteps(v) {
    const dir = v.direction;
    const entry = dir === "leaving" ? v.inner : v.outer;
    const exit = dir === "leaving" ? v.outer : v.inner;
    const entryName = dir === "leaving" ? "inner gate" : dir === "entering" ? "outer gate" : "";
    const exitName = dir === "leaving" ? "outer gate" : dir === "entering" ? "inner gate" : "";
    let cur = 0;
    switch (v.stage) {
      case "vehicle entering the bay":
        if (entry.driven === "open" && entry.position !== "open") cur = 1;
        else if (entry.driven === "open" && !v.loops.bay) cur = 2;
        else cur = 3;
        break;
      case "declare occupants": cur = 4; break;
      case "scanning": case "hidden occupant: search the vehicle": case "scan the vehicle": cur = 5; break;
      case "pass the inspection": cur = 6; break;
      case "ready to release": cur = 7; break;
      case "released": cur = exit.driven === "open" && exit.position !== "open" ? 7 : 8; break;
    }
    const scanAsked = dir === "leaving" || cur === 5 || v.scan !== "not scanned";
    const problem = v.stage === "gates not confirmed closed" || v.stage === "hidden occupant: search the vehicle";
    const notes = ["", entryName, v.loops.bay ? "vehicle on the bay loop" : "",
      entryName, v.declared ? occupantsWords(v.declared) : "",
      scanAsked ? (v.scan === "not scanned" ? "" : v.scan) : "not required",
      v.passed ? "passed" : "", exitName, ""];
    if (cur === 0 && v.stage === "gates not confirmed closed") notes[0] = "gates not confirmed closed";
    if (cur === 0 && v.stage === "waiting for a vehicle") notes[0] = "waiting";
    if (cur === 8) notes[8] = "vehicle through, exit gate to close";
    const states = STEPS.map((_, i) => {
      if (i === 5 && !scanAsked) return "skipped";
      if (i < cur) return "done";
      if (i === cur) return problem ? "problem" : "current";
      return "todo";
    });
    return { cur, states, notes };
  }

  function occupantsWords(o) {
    return o.people + (o.people === 1 ? " person" : " people") + ", " + o.animals + (o.animals === 1 ? " animal" : " animals");
  }

  // sallyAdvice: why a button is obviously not applicable ("" when it may
  // be tried), and which button is the expected next step.
  function sallyAdvice(v) {
    const why = {};
    const cycle = v.direction !== "idle";
    const shut = v.outer.secured && v.inner.secured;
    const inspecting = !cycle ? "No vehicle cycle is in progress." : !shut ? "Both gates must be closed first." : "";
    for (const g of ["outer", "inner"]) {
      const gv = v[g];
      why["open:" + g] = gv.driven === "open" && gv.position === "open" ? "The " + g + " gate is already open." : "";
      why["close:" + g] = gv.secured ? "The " + g + " gate is closed." : "";
    }
    why.declare = inspecting;
    why.scan = inspecting || (!v.declared ? "Declare the occupants first." : v.scan === "scanning" ? "The scan is running." : "");
    why.pass = inspecting || (!v.declared ? "Declare the occupants first." :
      v.passed ? "The inspection has passed." :
      v.scan === "scanning" ? "The scan is still running." :
      v.scan === "hidden occupant" ? "The scan found a hidden occupant: search the vehicle and rescan." :
      v.direction === "leaving" && v.scan !== "clear" ? "A leaving vehicle needs a clear scan first." : "");
    why.end = !cycle ? "No vehicle cycle is in progress." :
      !shut || v.loops.outer || v.loops.bay || v.loops.inner ? "Both gates must be closed and every loop clear." : "";
    why.approve = v.granted_override ? "The " + v.granted_override + " override is already in force." : "";
    const entry = v.direction === "leaving" ? "inner" : "outer";
    const exit = entry === "outer" ? "inner" : "outer";
    let next = "";
    switch (v.stage) {
      case "vehicle entering the bay":
        if (v.loops.bay && v[entry].driven === "open" && !v.loops[entry]) next = "close:" + entry;
        break;
      case "declare occupants": next = "declare"; break;
      case "scan the vehicle": next = "scan"; break;
      case "hidden occupant: search the vehicle": next = "declare"; break;
      case "pass the inspection": next = "pass"; break;
      case "ready to release": next = "open:" + exit; break;
      case "released":
        if (v[exit].driven === "open" && !v.loops.bay && !v.loops[exit]) next = "close:" + exit;
        break;
    }
    return { why, next };
  }

  function renderSallyPort(c, v) {
    const q = c.q;
    c.v = v;
    c.el.classList.remove("stale");
    text(q(".sp-name"), v.name);
    const dirWords = { idle: "No vehicle cycle", entering: "Vehicle entering: outside → inside", leaving: "Vehicle leaving: inside → outside" };
    text(q(".sp-dir"), dirWords[v.direction] || v.direction);
    q(".sp-dir").className = "badge sp-dir " + v.direction;
    text(q(".sp-node"), "gates on " + v.node);

    // Priority 1: a hidden occupant.
    const hidden = v.scan === "hidden occupant";
    show(q(".sp-hidden"), hidden);
    if (hidden) {
      text(q(".sp-hidden-text"), "The scan found more life signs than the declared " +
        (v.declared ? occupantsWords(v.declared) : "occupants") + ". Keep both gates closed and search the vehicle.");
    }

    // Overrides.
    const ov = q(".sp-override");
    if (v.granted_override) {
      text(ov, (OVERRIDE_WORDS[v.granted_override] || v.granted_override) + " override in force (" + (v.granted_by || []).join(" and ") + ")");
      ov.className = "sp-override granted";
    } else if (v.pending_override) {
      text(ov, (OVERRIDE_WORDS[v.pending_override] || v.pending_override) + " override: approved by " + v.pending_by +
        " — waiting for a second, different supervisor");
      ov.className = "sp-override pending";
    }
    show(ov, !!(v.granted_override || v.pending_override));

    // Stage.
    const stage = v.stage ? v.stage[0].toUpperCase() + v.stage.slice(1) : "";
    text(q(".sp-stage-text"), stage);
    let hint = STAGE_HINTS[v.stage] || "";
    if (v.stage === "scan the vehicle" && v.scan === "inconclusive") hint = "The last scan was inconclusive: scan again, or two supervisors override (release).";
    if (v.stage === "ready to release") hint = "Open the " + (v.direction === "leaving" ? "outer" : "inner") + " gate to let the vehicle " + (v.direction === "leaving" ? "out." : "in.");
    text(q(".sp-stage-hint"), hint);
    q(".sp-stage").className = "sp-stage " + (v.stage === "gates not confirmed closed" || hidden ? "problem" : "");

    renderSallyDrawing(c, v);

    // Steps.
    const { states, notes } = sallySteps(v);
    c.steps.forEach((s, i) => {
      s.li.className = "sp-step " + states[i];
      if (states[i] === "current" || states[i] === "problem") s.li.setAttribute("aria-current", "step");
      else s.li.removeAttribute("aria-current");
      text(s.mark, STEP_MARK[states[i]] + (states[i] === "current" ? " now" : ""));
      text(s.note, notes[i]);
      show(s.note, !!notes[i]);
    });

    renderSallyButtons(c);

    // Facts.
    renderFacts(q(".sp-facts"), [
      ["Declared", v.declared ? occupantsWords(v.declared) : "not yet"],
      ["Scan", v.scan, v.scan === "hidden occupant" ? "bad" : v.scan === "clear" ? "good" : ""],
      ["Inspection", v.passed ? "passed" : "not passed", v.passed ? "good" : ""],
    ]);

    renderSallyScan(c, v);
    renderSallyHistory(c, v);
  }

  const VERDICT_WORDS = {
    "clear": "Clear — the life signs match the declared occupants",
    "hidden-occupant": "HIDDEN OCCUPANT — more life signs than declared",
    "inconclusive": "Inconclusive — the scan cannot tell; scan again",
  };

  // renderSallyScan shows the running scan's progress, and the last scan's
  // verdict with a picture of what it found where: the radar on the left,
  // the vehicle dashed, one dot per living being at its distance.
  function renderSallyScan(c, v) {
    const q = c.q;
    const running = v.scan === "scanning" && !!v.scan_started;
    const ev = v.evidence;
    show(q(".sp-scan"), running || !!ev);
    show(q(".sp-scan-progress"), running);
    if (running) {
      const total = v.scan_seconds || 30;
      const done = Math.max(0, Math.min(total, (Date.now() - Date.parse(v.scan_started)) / 1000));
      const bar = q(".sp-scan-bar");
      bar.max = total;
      bar.value = done;
      text(q(".sp-scan-time"), "Scanning: " + Math.floor(done) + " s of " + total + " s — engine off, nobody moves in the bay");
    }
    show(q(".sp-scan-verdict"), !!ev && !running);
    show(q(".sp-scan-plot"), !!ev && !running);
    show(q(".sp-scan-facts"), !!ev && !running);
    show(q(".sp-scan-list"), !!ev && !running);
    if (!ev || running) return;
    const verdict = q(".sp-scan-verdict");
    text(verdict, (VERDICT_WORDS[ev.verdict] || ev.verdict) + (ev.reason ? ": " + ev.reason : ""));
    verdict.className = "sp-scan-verdict " + ev.verdict;
    const secs = (ev.duration || 0) / 1e9;
    text(q(".sp-scan-facts"), "Declared " + ev.declared + " · " + secs.toFixed(1) + " s, " + ev.frames + " frames" +
      (ev.dropped ? " (" + ev.dropped + " lost)" : "") + (ev.vibration ? " · engine vibration" : ""));
    const signs = ev.signatures || [];
    const x = (m) => 30 + Math.min(Math.max(m, 0), 5.5) * 50; // 0–5.5 m across the drawing
    const ticks = q(".sp-scan-ticks");
    if (!ticks.childElementCount) {
      for (let m = 1; m <= 5; m++) {
        const l = svgEl("line", { x1: x(m), y1: 80, x2: x(m), y2: 84 });
        const t = svgEl("text", { x: x(m), y: 94 });
        text(t, m + " m");
        ticks.append(l, t);
      }
    }
    const g = q(".sp-scan-signs");
    g.replaceChildren();
    const list = q(".sp-scan-list");
    list.replaceChildren();
    signs.forEach((s, i) => {
      const cy = 36 + (i % 2) * 18;
      const dot = svgEl("circle", { cx: x(s.range_m), cy, r: 6, class: s.kind });
      const label = svgEl("text", { x: x(s.range_m) + 9, y: cy + 3.5, "text-anchor": "start" });
      text(label, s.kind === "animal" ? "animal" : "person");
      g.append(dot, label);
      const li = document.createElement("li");
      let line = (s.kind === "animal" ? "Animal" : "Person") + " at " + s.range_m.toFixed(1) + " m — " + s.evidence;
      if (s.breath) line += ", breathing " + Math.round(s.breath) + "/min";
      if (s.heart) line += ", heart " + Math.round(s.heart) + "/min";
      line += " (confidence " + Math.round(100 * s.confidence) + "%)";
      text(li, line);
      list.append(li);
    });
    if (!signs.length) {
      const li = document.createElement("li");
      text(li, "No living being found.");
      list.append(li);
    }
    q(".sp-scan-plot").setAttribute("aria-label", signs.length + " living being" + (signs.length === 1 ? "" : "s") + " found; declared " + ev.declared);
  }

  function renderSallyDrawing(c, v) {
    const q = c.q;
    const svg = q(".sp-drawing");
    for (const g of ["outer", "inner"]) {
      q(".sp-gate." + g).setAttribute("class", "sp-gate " + g + " " + gateTone(v[g]) + " pos-" + v[g].position.replace(/\s+/g, "-"));
      const label = q(".sp-gatestate." + g);
      text(label, GATE_NAMES[g] + ": " + gateWords(v[g]));
      label.className = "sp-gatestate " + g + " " + gateTone(v[g]);
    }
    for (const l of ["outer", "bay", "inner"]) {
      const on = !!v.loops[l];
      q(".sp-loop." + l).setAttribute("class", "sp-loop " + l + (on ? " on" : ""));
      const t = q(".sp-looptext." + l);
      t.setAttribute("class", "sp-looptext " + l + (on ? " on" : ""));
      text(t, (l === "bay" ? "Bay loop" : l === "outer" ? "Outer loop" : "Inner loop") + (on ? ": VEHICLE" : ": clear"));
    }
    const car = q(".sp-vehicle");
    car.setAttribute("class", "sp-vehicle " + v.direction);
    show(car, !!v.loops.bay);
    const loops = ["outer", "bay", "inner"].filter((l) => v.loops[l]);
    svg.setAttribute("aria-label", "Outer gate " + gateWords(v.outer) + ". Inner gate " + gateWords(v.inner) + ". " +
      (loops.length ? "Vehicle on the " + loops.join(", ") + " loop" + (loops.length > 1 ? "s" : "") + "." : "No vehicle on the loops."));
  }

  function renderSallyButtons(c) {
    const v = c.v;
    const { why, next } = sallyAdvice(v);
    show(c.q(".sp-super"), supervises());
    for (const b of c.el.querySelectorAll("button[data-act]")) {
      const act = b.dataset.act;
      const reason = why[act] || "";
      b.disabled = !!c.busy || !!reason;
      b.title = reason;
      b.classList.toggle("primary", act === next && !reason);
      b.classList.toggle("unavailable", !!reason);
    }
    const busy = c.q(".sp-busy");
    text(busy, c.busy ? c.busy + ": sending…" : "");
    show(busy, !!c.busy);
  }

  function renderSallyHistory(c, v) {
    const h = v.history || [];
    const list = c.q(".sp-history");
    const key = (s) => [s.at, s.by, s.what, ...(s.results || [])].join("\u0000");
    let keep = 0;
    while (keep < c.history.length && keep < h.length && key(c.history[keep]) === key(h[keep])) keep++;
    while (list.children.length > keep) list.lastElementChild.remove();
    const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 8;
    for (let i = keep; i < h.length; i++) list.append(historyItem(h[i]));
    if (atEnd && h.length > keep) list.scrollTop = list.scrollHeight;
    c.history = h;
    const last = h[h.length - 1];
    const ended = last && (last.results || []).some((r) => r === "the vehicle is through" || r.startsWith("ended by the officer"));
    text(c.q(".sp-history-title"), v.direction !== "idle" ? "This cycle" : ended ? "Last cycle (ended)" : "Since the last cycle");
    show(c.q(".sp-history-empty"), h.length === 0);
  }

  function historyItem(s) {
    const li = document.createElement("li");
    const at = document.createElement("span");
    at.className = "sp-h-at";
    text(at, s.at + " UTC");
    const by = document.createElement("span");
    by.className = "sp-h-by";
    text(by, s.by || "—");
    const what = document.createElement("span");
    what.className = "sp-h-what";
    text(what, s.what);
    li.append(at, by, what);
    if (s.results && s.results.length) {
      const ul = document.createElement("ul");
      ul.className = "sp-h-results";
      for (const r of s.results) {
        const ri = document.createElement("li");
        if (/^PRIORITY 1/.test(r)) ri.className = "p1";
        else if (/^priority 2/.test(r)) ri.className = "p2";
        text(ri, r);
        ul.append(ri);
      }
      li.append(ul);
    }
    return li;
  }

  function sallyButton(c, act) {
    if (c.busy) return;
    if (act === "declare") return openDeclare(c);
    if (act === "approve") return openOverride(c);
    if (act === "end" && !window.confirm("End the cycle at " + c.v.name + "? Only if the bay is empty: you are on the record.")) return;
    const [action, gate] = act.split(":");
    sallyAct(c, act, gate ? { action, gate } : { action });
  }

  // sallyAct sends one action. The refusal stays on screen until the next
  // action, so that it can be read out over the radio.
  async function sallyAct(c, act, body) {
    const label = ACT_WORDS[act] || act;
    c.busy = label;
    show(c.q(".sp-refusal"), false);
    show(c.q(".sp-done"), false);
    renderSallyButtons(c);
    try {
      await api("POST", "/v1/sallyports/" + encodeURIComponent(c.id) + "/act", body);
      text(c.q(".sp-done"), label + ": recorded.");
      show(c.q(".sp-done"), true);
      return null;
    } catch (err) {
      const title = { 409: " — refused by the interlock", 403: " — not allowed", 400: " — not accepted", 503: " — NO QUORUM, nothing can move" }[err.status] || " — failed";
      const msg = plainReason(err.message);
      text(c.q(".sp-refusal-title"), label + title + ":");
      text(c.q(".sp-refusal-text"), msg);
      show(c.q(".sp-refusal"), true);
      return (err.status === 503 ? "No quorum, nothing can move: " : "") + msg;
    } finally {
      c.busy = "";
      renderSallyButtons(c);
      refreshSallyPorts();
    }
  }

  // Declare dialog: counts with large − and + buttons.
  const declareDialog = $("declare-dialog");
  const declareForm = $("declare-form");
  function openDeclare(c) {
    sp.declareFor = c;
    const d = c.v.declared;
    declareForm.elements.people.value = d ? d.people : 1; // the driver
    declareForm.elements.animals.value = d ? d.animals : 0;
    text($("declare-port"), c.v.name);
    show($("declare-error"), false);
    declareDialog.showModal();
    declareForm.elements.people.focus();
  }
  for (const b of declareForm.querySelectorAll("button.step")) {
    b.addEventListener("click", () => {
      const input = declareForm.elements[b.dataset.for];
      const n = (parseInt(input.value, 10) || 0) + Number(b.dataset.step);
      input.value = Math.min(20, Math.max(0, n));
    });
  }
  $("declare-cancel").addEventListener("click", () => declareDialog.close());
  declareForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const c = sp.declareFor;
    if (!c) return;
    const f = declareForm.elements;
    const people = Number(f.people.value), animals = Number(f.animals.value);
    const fail = (msg) => { text($("declare-error"), msg); show($("declare-error"), true); };
    if (!Number.isInteger(people) || !Number.isInteger(animals) || people < 0 || animals < 0 || people > 20 || animals > 20) {
      return fail("Between 0 and 20 people and animals.");
    }
    const button = declareForm.querySelector("button.primary");
    button.disabled = true;
    const err = await sallyAct(c, "declare", { action: "declare", people, animals });
    button.disabled = false;
    if (err) return fail(err);
    declareDialog.close();
  });

  // Override dialog, for supervisors; the second approval preselects the
  // pending override.
  const overrideDialog = $("override-dialog");
  const overrideForm = $("override-form");
  function openOverride(c) {
    sp.overrideFor = c;
    const v = c.v;
    overrideForm.reset();
    if (v.pending_override) {
      const r = overrideForm.querySelector('input[value="' + v.pending_override + '"]');
      if (r) r.checked = true;
    }
    text($("override-port"), v.name + (v.pending_override ? " — " + (OVERRIDE_WORDS[v.pending_override] || v.pending_override) +
      " approved by " + v.pending_by + "; a second, different supervisor grants it." : ""));
    show($("override-error"), false);
    overrideDialog.showModal();
    (overrideForm.querySelector("input:checked") ? overrideForm.elements.reason : overrideForm.querySelector("input[name=override]")).focus();
  }
  $("override-cancel").addEventListener("click", () => overrideDialog.close());
  overrideForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const c = sp.overrideFor;
    if (!c) return;
    const f = overrideForm.elements;
    const override = f.override.value, reason = f.reason.value.trim();
    const fail = (msg) => { text($("override-error"), msg); show($("override-error"), true); };
    if (!override) return fail("Choose the override.");
    if (!reason) return fail("Say why the rule is overridden: it goes on the record.");
    const button = overrideForm.querySelector("button.primary");
    button.disabled = true;
    const err = await sallyAct(c, "approve", { action: "approve", override, reason });
    button.disabled = false;
    if (err) return fail(err);
    overrideDialog.close();
  });

  // ---- cluster panel ----

  async function pollCluster() {
    if (!st.signedIn) return;
    try {
      renderCluster(await api("GET", "/v1/cluster"));
      show($("cluster-error"), false);
    } catch (err) {
      text($("cluster-error"), "Cluster status unavailable: " + err.message);
      show($("cluster-error"), true);
    }
    const supervises = st.role === "supervisor" || st.role === "admin";
    show($("audit-panel"), supervises);
    if (supervises) {
      try { renderAudit(await api("GET", "/v1/audit")); } catch { show($("audit-panel"), false); }
    }
    if (st.signedIn) st.timers.push(setTimeout(pollCluster, 2000));
  }

  function renderFacts(dl, facts) {
    dl.replaceChildren(...facts.flatMap(([k, v, cls]) => {
      const dt = document.createElement("dt");
      const dd = document.createElement("dd");
      text(dt, k);
      text(dd, v);
      if (cls) dd.className = cls;
      return [dt, dd];
    }));
  }

  function renderAudit(a) {
    const unsigned = a.records - a.signed;
    const facts = [["Records", a.records]];
    if (a.checkpoints > 0) {
      facts.push(["Last signed", fmtAge(Date.now() - Date.parse(a.signed_at)) + " by " + a.signed_by]);
      facts.push(["Not yet signed", unsigned, unsigned > 0 ? "" : "good"]);
    } else {
      facts.push(["Signed", a.records > 0 ? "within a minute" : "nothing to sign yet"]);
    }
    renderFacts($("audit-facts"), facts);
  }

  function renderCluster(c) {
    const facts = [
      ["This node", c.node],
      ["State", c.state],
      ["Leader", c.leader || "none", c.leader ? "good" : "bad"],
      ["Quorum", c.quorum ? "yes" : "NO", c.quorum ? "good" : "bad"],
      ["Term", c.term],
      ["Commit index", c.commit_index],
      ["Applied index", c.applied_index],
    ];
    if (c.last_contact) facts.push(["Last contact", fmtAge(Date.now() - Date.parse(c.last_contact))]);
    renderFacts($("cluster-facts"), facts);
    $("cluster-members").replaceChildren(...(c.members || []).map((m) => {
      const li = document.createElement("li");
      const tags = [m.voter ? "voter" : "non-voter"];
      if (m.id === c.leader) tags.unshift("leader");
      if (m.id === c.node) tags.push("this node");
      text(li, m.id + " — " + tags.join(", "));
      li.title = m.addr;
      return li;
    }));
    show($("quorum-banner"), !c.quorum);
  }

  // ---- sound ----
  // Browsers allow audio only after the user has interacted with the page.

  function unlockAudio() {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    if (!st.audio) st.audio = new AC();
    if (st.audio.state === "suspended") st.audio.resume().then(renderSound, renderSound);
    renderSound();
  }

  function renderSound() {
    const b = $("sound");
    const running = st.audio && st.audio.state === "running";
    b.setAttribute("aria-pressed", String(st.muted));
    text(b, st.muted ? "Sound: muted" : running ? "Sound: on" : "Sound: click to enable");
  }

  $("sound").addEventListener("click", () => {
    const running = st.audio && st.audio.state === "running";
    if (!running && !st.muted) { unlockAudio(); return; }
    st.muted = !st.muted;
    localStorage.setItem("palisade.muted", st.muted ? "1" : "0");
    if (!st.muted) unlockAudio();
    renderSound();
  });
  document.addEventListener("pointerdown", unlockAudio, { once: true });
  document.addEventListener("keydown", unlockAudio, { once: true });

  // beep plays three short tones for priority 1, two for priority 2.
  function beep(priority) {
    const ctx = st.audio;
    if (st.muted || !ctx || ctx.state !== "running") return;
    const n = priority === 1 ? 3 : 2;
    const freq = priority === 1 ? 880 : 660;
    for (let i = 0; i < n; i++) {
      const t = ctx.currentTime + i * 0.25;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.3, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.18);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t);
      osc.stop(t + 0.2);
    }
  }

  // For the console's other scripts (custody.js): the same requests, words and session.
  window.palisade = { api, text, show, clock, fmtAge, zoneName: (id) => zoneNames[id] || id, session: () => ({ signedIn: st.signedIn, role: st.role, user: st.user }) };
  Object.assign(window.palisade, { kindTitle, alarms: () => [...st.alarms.values()], alarmRow: (id) => st.rows.get(id)?.el }); // cameras.js

  // ---- start ----

  (async () => {
    try {
      showBoard(await api("GET", "/v1/session"));
    } catch {
      showLogin("");
    }
  })();
})();
