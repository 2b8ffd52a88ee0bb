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
    text($("facility"), [sess.facility, "node " + sess.node].filter(Boolean).join(" · "));
    text($("who"), sess.user + " (" + sess.role + ")");
    show($("login-view"), false);
    show($("signed-in"), true);
    show($("board-view"), true);
    loadZones().then(() => { startStream(); loadAlarms(); pollDoors(); });
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
    $("alarm-list").replaceChildren();
  }

  function sessionEnded() {
    if (st.signedIn) showLogin("Your session has ended. Please log in again.");
  }

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

  // ---- start ----

  (async () => {
    try {
      showBoard(await api("GET", "/v1/session"));
    } catch {
      showLogin("");
    }
  })();
})();
