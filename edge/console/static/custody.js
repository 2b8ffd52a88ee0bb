// Palisade console: the custody screens — the headcount an officer runs
// during a count, the security rounds, the custody report. Loaded after
// console.js, whose requests, words and session it uses (window.palisade).
// All text from the server goes in with textContent, never as HTML.
"use strict";
(() => {
  const P = window.palisade;
  if (!P) return;
  const { api, text, show } = P;
  const $ = (id) => document.getElementById(id);

  const cs = {
    on: false,
    gen: 0,          // bumped at every log-in and log-out: a late answer of the last session is dropped
    timers: [],
    names: {},       // person id → name
    hc: { id: 0, cards: new Map(), data: null, busy: false },
    rounds: { data: null, cell: "", block: "", busy: false },
  };

  const OBSERVATIONS = {
    asleep: "Asleep", calm: "Calm", agitated: "Agitated",
    needs_attention: "Needs attention", other: "Other — say what in the note",
  };
  const SEEN = { asleep: "Asleep", calm: "Calm", agitated: "Agitated", needs_attention: "Needs attention", other: "Other" };

  function supervises() {
    const r = P.session().role;
    return r === "supervisor" || r === "admin";
  }

  function el(tag, cls, content) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (content != null) text(e, content);
    return e;
  }

  // A person or zone id in the node's words becomes a name.
  function nameOf(id) { return cs.names[id] || id; }
  function names(ids) { return (ids || []).map(nameOf).join(", "); }
  function words(msg) {
    return String(msg || "").replace(/\b[a-z][a-z0-9]*(?:-[a-z0-9]+)+\b/g, (id) => {
      if (cs.names[id]) return cs.names[id] + " (" + id + ")";
      const z = P.zoneName(id);
      return z !== id ? z : id;
    });
  }

  // The node's refusals arrive wrapped ("replica: command rejected:
  // headcount: invalid command: …"): the officer needs the reason.
  function reason(msg) {
    const s = words(String(msg || "")
      .replace(/^replica: command rejected: /, "")
      .replace(/^(headcount|rounds): (invalid command|nothing to change): /, "")
      .replace(/^(headcount|rounds): /, ""));
    return s ? s[0].toUpperCase() + s.slice(1) : "no reason given";
  }

  function minutes(ns) { return Math.round((ns || 0) / 6e10); }
  function duration(ns) {
    const m = minutes(ns);
    if (m < 60) return m + " min";
    return Math.floor(m / 60) + " h " + String(m % 60).padStart(2, "0") + " min";
  }
  function day(t) {
    const d = new Date(t);
    return isNaN(d) ? "?" : d.toLocaleDateString([], { weekday: "short", day: "numeric", month: "short" });
  }
  function isoDate(d) { return d.toLocaleDateString("en-CA"); } // YYYY-MM-DD, the browser's day

  function later(fn, ms) {
    const gen = cs.gen;
    cs.timers.push(setTimeout(() => { if (cs.on && gen === cs.gen) fn(); }, ms));
  }

  // ---- on and off with the board ----

  const board = $("board-view");
  function sync() {
    const on = !board.hidden && P.session().signedIn;
    if (on && !cs.on) start();
    else if (!on && cs.on) stop();
  }
  new MutationObserver(sync).observe(board, { attributes: true, attributeFilter: ["hidden"] });

  function start() {
    cs.on = true;
    cs.gen++;
    pollHeadcount();
    pollRounds();
    const sup = supervises();
    show($("custody"), sup);
    show($("jump-custody"), sup);
    if (sup) custodyDefaults();
  }

  function stop() {
    cs.on = false;
    cs.gen++;
    cs.timers.forEach(clearTimeout);
    cs.timers = [];
    cs.names = {};
    cs.hc = { id: 0, cards: new Map(), data: null, busy: false };
    cs.rounds = { data: null, cell: "", block: "", busy: false };
    for (const id of ["headcount", "rounds", "custody", "jump-headcount", "jump-rounds", "jump-custody",
      "hc-start-form", "hc-cancel-form", "rounds-check", "rounds-done"]) show($(id), false);
    for (const id of ["hc-zones", "hc-past", "hc-problems", "rounds-blocks", "rounds-history", "custody-rows"]) $(id).replaceChildren();
  }

  // ---- headcount ----

  async function pollHeadcount() {
    if (!document.hidden) await refreshHeadcount();
    later(pollHeadcount, 2000);
  }

  async function refreshHeadcount() {
    const gen = cs.gen;
    try {
      const v = await api("GET", "/v1/headcount");
      if (gen !== cs.gen) return;
      for (const r of v.residents) cs.names[r.id] = r.name;
      renderHeadcount(v);
      show($("hc-error"), false);
    } catch (err) {
      if (gen !== cs.gen || err.status === 401) return;
      if (err.status === 404) { show($("headcount"), false); show($("jump-headcount"), false); return; }
      text($("hc-error"), "The count could not be loaded — what is shown may be out of date: " + err.message);
      show($("hc-error"), true);
    }
  }

  function renderHeadcount(v) {
    cs.hc.data = v;
    show($("headcount"), true);
    show($("jump-headcount"), true);
    const c = v.count, s = v.summary;
    const open = !!c && c.state === "open";
    renderBanner(c, s);
    const probs = $("hc-problems");
    probs.replaceChildren(...(open ? c.problems || [] : []).map((p) => {
      return el("li", "p" + p.priority, words(p.message.replace(/^count \d+(, |: )/, "")));
    }));
    show($("hc-start"), supervises() && !open && !cs.hc.busy && $("hc-start-form").hidden);
    show($("hc-cancel"), supervises() && open && !cs.hc.busy && $("hc-cancel-form").hidden);
    if (open) show($("hc-start-form"), false);
    else show($("hc-cancel-form"), false);

    // Cards are kept per count and zone, so that a number being typed
    // survives the refresh.
    if (!c || c.id !== cs.hc.id) {
      cs.hc.id = c ? c.id : 0;
      cs.hc.cards.clear();
      $("hc-zones").replaceChildren();
    }
    for (const z of c ? c.zones : []) renderZone(zoneCard(z.zone), c, z);

    const out = [];
    if (c && c.outside && c.outside.length) {
      out.push("At the start, RFID placed outside the counted zones: " +
        c.outside.map((p) => nameOf(p.person) + " (" + P.zoneName(p.zone) + ")").join(", ") + ".");
    }
    if (c && c.unplaced && c.unplaced.length) out.push("RFID placed nowhere: " + names(c.unplaced) + ".");
    text($("hc-outside"), out.join(" "));
    show($("hc-outside"), out.length > 0);

    $("hc-past").replaceChildren(...(v.past || []).map((p) => {
      const tr = el("tr", "hc-past-" + p.state);
      tr.append(
        el("td", "", day(p.started_at) + " " + P.clock(p.started_at)),
        el("td", "", p.scheduled ? "Scheduled" : "On demand by " + p.started_by),
        el("td", "hc-result", p.state === "cleared" ? "Cleared" : p.state === "cancelled" ? "Cancelled" :
          "In progress" + (p.problems ? " — " + p.problems + (p.problems === 1 ? " problem" : " problems") : "")),
        el("td", "", p.reconciled + " of " + p.zones + " add up"),
        el("td", "", p.counted + " of " + p.expected + " expected"));
      return tr;
    }));
  }

  function renderBanner(c, s) {
    const b = $("hc-banner");
    if (!c) {
      b.className = "hc-banner none";
      text(b, "No count has been held yet.");
      return;
    }
    const how = c.scheduled ? "the " + P.clock(c.slot) + " count" : "a count on demand by " + c.started_by;
    if (c.state === "cleared") {
      b.className = "hc-banner cleared";
      text(b, "CLEARED — " + how + ", cleared at " + P.clock(c.ended_at) + " by " + c.ended_by +
        ": every zone adds up and every resident is accounted for.");
    } else if (c.state === "cancelled") {
      b.className = "hc-banner cancelled";
      text(b, "CANCELLED — " + how + ", called off at " + P.clock(c.ended_at) + " by " + c.ended_by + ": “" + c.end_note + "”");
    } else {
      b.className = "hc-banner open" + (c.late ? " late" : "");
      text(b, (c.late ? "LATE — " : "") + "COUNT IN PROGRESS, NOT CLEARED — " + s.reconciled + " of " + s.zones +
        " zones add up. Started at " + P.clock(c.started_at) + (c.scheduled ? " (scheduled)" : " by " + c.started_by) +
        (c.note ? ": “" + c.note + "”" : "."));
    }
  }

  const ZONE_STATUS = {
    pending: ["Not counted yet", "pending"],
    reconciled: ["Adds up", "reconciled"],
    mismatch: ["Does not add up — recount", "mismatch"],
  };

  function zoneCard(zone) {
    let card = cs.hc.cards.get(zone);
    if (card) return card;
    const root = $("hc-zone-card").content.firstElementChild.cloneNode(true);
    const q = (sel) => root.querySelector(sel);
    card = { root, q, zone, dirty: false, correcting: false, busy: false, extra: new Set() };
    const input = q("input[name=counted]");
    root.querySelectorAll("button.step").forEach((b) => b.addEventListener("click", () => {
      input.value = Math.max(0, (Number(input.value) || 0) + Number(b.dataset.step));
      card.dirty = true;
      renderCheck(card);
    }));
    input.addEventListener("input", () => { card.dirty = true; renderCheck(card); });
    q(".hc-confirm").addEventListener("click", () => submitZone(card, true));
    q(".hc-correct").addEventListener("click", () => { card.correcting = true; renderZone(card, card.c, card.z); });
    q(".hc-back").addEventListener("click", () => { card.correcting = false; renderZone(card, card.c, card.z); });
    q(".hc-add").addEventListener("change", (e) => {
      if (e.target.value) card.extra.add(e.target.value);
      e.target.value = "";
      renderCorrection(card);
      renderCheck(card);
    });
    q(".hc-form").addEventListener("submit", (e) => { e.preventDefault(); submitZone(card, false); });
    q(".hc-form").addEventListener("change", (e) => { if (e.target.type === "checkbox") renderCheck(card); });
    cs.hc.cards.set(zone, card);
    $("hc-zones").append(root);
    return card;
  }

  function renderZone(card, c, z) {
    const { q } = card;
    card.c = c;
    card.z = z;
    const open = c.state === "open";
    const entry = z.entries && z.entries.length ? z.entries[z.entries.length - 1] : null;
    const [word, cls] = ZONE_STATUS[z.status] || [z.status, "pending"];
    card.root.className = "hc-zone " + cls;
    text(q(".hc-zone-name"), P.zoneName(z.zone));
    text(q(".hc-status"), word);
    q(".hc-status").className = "hc-status " + cls;
    text(q(".hc-expected"), z.expected.length);
    text(q(".hc-located"), z.located.length);
    text(q(".hc-counted"), entry ? entry.counted : "—");
    const notHere = z.expected.filter((r) => !z.located.includes(r));
    const notExpected = z.located.filter((r) => !z.expected.includes(r));
    const diff = [];
    if (notHere.length) diff.push("RFID does not place here: " + names(notHere) + ".");
    if (notExpected.length) diff.push("RFID places here, not living here: " + names(notExpected) + ".");
    text(q(".hc-diff"), diff.join(" ") || (z.expected.length ? "RFID places everyone expected here, and nobody else." : "Nobody lives here; RFID places nobody here."));
    q(".hc-diff").className = "hc-diff" + (diff.length ? " differs" : "");
    if (entry) {
      let line = (entry.confirmed ? "Confirmed by " : "Corrected by ") + entry.by + " at " + P.clock(entry.at) + ": " +
        entry.counted + (entry.counted === 1 ? " head" : " heads");
      if (!entry.confirmed) line += " — missing: " + (names(entry.missing) || "nobody") + "; extra: " + (names(entry.extra) || "nobody");
      if (entry.note) line += " — “" + entry.note + "”";
      if (z.entries.length > 1) line += " (count " + z.entries.length + " of this zone)";
      text(q(".hc-entry"), line);
    } else {
      text(q(".hc-entry"), "");
    }
    show(q(".hc-form"), open);
    show(q(".hc-busy"), card.busy);
    if (!open) {
      show(q(".hc-refusal"), false);
      return;
    }
    const input = q("input[name=counted]");
    if (!card.dirty && document.activeElement !== input) input.value = entry ? entry.counted : z.located.length;
    show(q(".hc-correction"), card.correcting);
    show(q(".hc-buttons"), !card.correcting);
    if (card.correcting) renderCorrection(card);
    for (const b of card.root.querySelectorAll("button")) b.disabled = card.busy;
    renderCheck(card); // after: it may disable the confirmation
  }

  // renderCorrection lists who may be named: the expected as missing
  // (those RFID does not place here ticked), and as extra those RFID
  // places here plus anyone the officer adds.
  function renderCorrection(card) {
    const { q, z } = card;
    const ticked = (box) => new Set([...box.querySelectorAll("input:checked")].map((i) => i.value));
    const boxM = q(".hc-missing"), boxE = q(".hc-extra");
    const hadM = boxM.children.length ? ticked(boxM) : new Set(z.expected.filter((r) => !z.located.includes(r)));
    const hadE = boxE.children.length ? ticked(boxE) : new Set(z.located.filter((r) => !z.expected.includes(r)));
    for (const r of card.extra) hadE.add(r);
    const extras = [...new Set([...z.located.filter((r) => !z.expected.includes(r)), ...card.extra])];
    boxM.replaceChildren(...z.expected.map((r) => checkbox(r, hadM.has(r))));
    boxE.replaceChildren(...extras.map((r) => checkbox(r, hadE.has(r))));
    if (!z.expected.length) boxM.replaceChildren(el("p", "hint", "Nobody is expected here."));
    const add = q(".hc-add");
    const others = (cs.hc.data.residents || []).filter((r) => !z.expected.includes(r.id) && !extras.includes(r.id));
    add.replaceChildren(el("option", "", "— choose a resident —"), ...others.map((r) => {
      const o = el("option", "", r.name + " (" + r.id + (r.home ? ", " + P.zoneName(r.home) : "") + ")");
      o.value = r.id;
      return o;
    }));
    add.firstElementChild.value = "";
  }

  function checkbox(id, on) {
    const label = el("label", "choice");
    const box = el("input");
    box.type = "checkbox";
    box.value = id;
    box.checked = on;
    label.append(box, el("span", "", nameOf(id) + " (" + id + ")"));
    return label;
  }

  function named(card, sel) {
    return [...card.q(sel).querySelectorAll("input:checked")].map((i) => i.value);
  }

  // renderCheck says, as the officer types, whether the zone will add up.
  function renderCheck(card) {
    const { q, z } = card;
    const n = Number(q("input[name=counted]").value);
    const p = q(".hc-check");
    let ok, line;
    if (!card.correcting) {
      ok = n === z.located.length;
      line = ok ? "Your count matches what RFID shows (" + n + ")." :
        "Your count (" + (isNaN(n) ? "?" : n) + ") differs from RFID (" + z.located.length + "): recount, or correct it and name who is missing or extra.";
      q(".hc-confirm").disabled = card.busy || !ok;
    } else {
      const miss = named(card, ".hc-missing").length, extra = named(card, ".hc-extra").length;
      const sum = z.expected.length - miss + extra;
      ok = n === sum;
      line = "Expected " + z.expected.length + " − missing " + miss + " + extra " + extra + " = " + sum + ": " +
        (ok ? "adds up with your count of " + n + "." : "does NOT add up with your count of " + (isNaN(n) ? "?" : n) + " — recount, or name who is missing or extra.");
    }
    text(p, line);
    p.className = "hc-check " + (ok ? "adds-up" : "differs");
  }

  async function submitZone(card, confirm) {
    const { q } = card;
    const counted = Number(q("input[name=counted]").value);
    if (!Number.isInteger(counted) || counted < 0) {
      text(q(".hc-refusal-text"), "Enter the number of heads you counted.");
      show(q(".hc-refusal"), true);
      return;
    }
    const body = confirm ? { confirm: true, counted } :
      { counted, missing: named(card, ".hc-missing"), extra: named(card, ".hc-extra"), note: q("input[name=note]").value };
    card.busy = true;
    show(q(".hc-refusal"), false);
    renderZone(card, card.c, card.z);
    const gen = cs.gen;
    try {
      const c = await api("POST", "/v1/headcount/" + encodeURIComponent(card.c.id) + "/zones/" + encodeURIComponent(card.zone), body);
      if (gen !== cs.gen) return;
      card.busy = false;
      card.dirty = false;
      card.correcting = false;
      card.extra.clear();
      q(".hc-missing").replaceChildren();
      q(".hc-extra").replaceChildren();
      q("input[name=note]").value = "";
      refreshHeadcountWith(c);
    } catch (err) {
      if (gen !== cs.gen) return;
      card.busy = false;
      text(q(".hc-refusal-text"), reason(err.message));
      show(q(".hc-refusal"), true);
      renderZone(card, card.c, card.z);
    }
  }

  // refreshHeadcountWith shows the count the node answered with at once,
  // then the whole screen.
  function refreshHeadcountWith(c) {
    const v = cs.hc.data;
    if (v) {
      v.count = c;
      v.summary = summarize(c);
      renderHeadcount(v);
    }
    refreshHeadcount();
  }

  function summarize(c) {
    const s = { zones: c.zones.length, reconciled: 0 };
    for (const z of c.zones) if (z.status === "reconciled") s.reconciled++;
    return s;
  }

  $("hc-start").addEventListener("click", () => {
    $("hc-start-form").reset();
    show($("hc-start-form"), true);
    show($("hc-start"), false);
    $("hc-start-form").elements.note.focus();
  });
  $("hc-start-back").addEventListener("click", () => { show($("hc-start-form"), false); refreshHeadcount(); });
  $("hc-cancel").addEventListener("click", () => {
    $("hc-cancel-form").reset();
    show($("hc-cancel-form"), true);
    show($("hc-cancel"), false);
    $("hc-cancel-form").elements.note.focus();
  });
  $("hc-cancel-back").addEventListener("click", () => { show($("hc-cancel-form"), false); refreshHeadcount(); });

  async function countAction(form, path, body) {
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    cs.hc.busy = true;
    show($("hc-error"), false);
    const gen = cs.gen;
    try {
      const c = await api("POST", path, body);
      if (gen !== cs.gen) return;
      show(form, false);
      refreshHeadcountWith(c);
    } catch (err) {
      if (gen !== cs.gen) return;
      text($("hc-error"), "Not recorded: " + reason(err.message));
      show($("hc-error"), true);
    } finally {
      button.disabled = false;
      cs.hc.busy = false;
    }
  }

  $("hc-start-form").addEventListener("submit", (e) => {
    e.preventDefault();
    countAction(e.target, "/v1/headcount", { note: e.target.elements.note.value });
  });
  $("hc-cancel-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const note = e.target.elements.note.value.trim();
    if (!note) {
      text($("hc-error"), "Say why the count is called off: it goes on the record.");
      show($("hc-error"), true);
      return;
    }
    const c = cs.hc.data && cs.hc.data.count;
    if (c) countAction(e.target, "/v1/headcount/" + encodeURIComponent(c.id) + "/cancel", { note });
  });

  // ---- security rounds ----

  async function pollRounds() {
    if (!document.hidden && !cs.rounds.busy) await refreshRounds();
    later(pollRounds, 5000);
  }

  async function refreshRounds() {
    const gen = cs.gen;
    try {
      const q = cs.rounds.block ? "?block=" + encodeURIComponent(cs.rounds.block) : "";
      const v = await api("GET", "/v1/rounds" + q);
      if (gen !== cs.gen) return;
      Object.assign(cs.names, v.people || {});
      renderRounds(v);
      show($("rounds-error"), false);
    } catch (err) {
      if (gen !== cs.gen || err.status === 401) return;
      if (err.status === 404) { show($("rounds"), false); show($("jump-rounds"), false); return; }
      text($("rounds-error"), "Rounds could not be loaded — what is shown may be out of date: " + err.message);
      show($("rounds-error"), true);
    }
  }

  function cellWords(c) {
    const every = "every " + minutes(c.interval) + " min";
    switch (c.state) {
      case "not_started": return ["Rounds not started", every];
      case "overdue": return ["OVERDUE by " + duration(c.late), c.last ? "last checked " + P.clock(c.last.at) : "never checked"];
      case "due": return ["Due by " + P.clock(c.due), c.last ? "last checked " + P.clock(c.last.at) : "not checked yet"];
      default: return c.last ? ["Checked " + P.clock(c.last.at), "next by " + P.clock(c.due)] : ["Not checked yet", "first check by " + P.clock(c.due)];
    }
  }

  function byWords(r) {
    if (r.source === "reader") return nameOf(r.by) + " (badge at " + r.reader + ")";
    return r.by;
  }

  function renderRounds(v) {
    cs.rounds.data = v;
    show($("rounds"), true);
    show($("jump-rounds"), true);
    const blocks = $("rounds-blocks");
    blocks.replaceChildren(...v.blocks.map((b) => {
      const wrap = el("div", "rounds-block");
      const overdue = b.cells.filter((c) => c.state === "overdue").length;
      wrap.append(el("h3", "", b.name + (overdue ? " — " + overdue + " overdue" : "")));
      const grid = el("div", "rounds-cells");
      for (const c of b.cells) {
        const tile = el("button", "rounds-cell " + c.state + (c.watch ? " watch" : "") + (cs.rounds.cell === c.cell ? " chosen" : ""));
        tile.type = "button";
        const [what, more] = cellWords(c);
        tile.append(el("span", "rc-name", c.name));
        tile.append(el("span", "rc-state", what));
        tile.append(el("span", "rc-more", more + (c.last && c.last.observation ? " · " + (SEEN[c.last.observation] || c.last.observation) : "")));
        tile.append(el("span", "rc-who", names(c.residents) || "empty"));
        if (c.watch) tile.append(el("span", "rc-watch", "ON WATCH · every " + minutes(c.interval) + " min"));
        tile.addEventListener("click", () => openCheck(c.cell));
        grid.append(tile);
      }
      wrap.append(grid);
      return wrap;
    }));

    const sel = $("rounds-block");
    if (sel.options.length !== v.blocks.length) {
      sel.replaceChildren(...v.blocks.map((b) => { const o = el("option", "", b.name); o.value = b.block; return o; }));
    }
    sel.value = v.block;
    cs.rounds.block = v.block;
    updateExportLink();

    const rows = (v.history || []).slice().reverse().map((r) => {
      const tr = el("tr", "rh-" + r.kind);
      let what = "Check";
      if (r.kind === "overdue") what = "OVERDUE (was due " + P.clock(r.due) + ")";
      if (r.kind === "watch") what = nameOf(r.person) + (r.on ? " put ON watch" : " taken off watch");
      tr.append(el("td", "", P.clock(r.at)), el("td", "", r.cell ? P.zoneName(r.cell) : ""), el("td", "", what),
        el("td", "", r.kind === "overdue" ? "recorded by " + r.by : byWords(r)),
        el("td", "", SEEN[r.observation] || r.observation || ""), el("td", "", r.note || ""));
      return tr;
    });
    $("rounds-history").replaceChildren(...rows);
    show($("rounds-history-empty"), rows.length === 0);
    if (cs.rounds.cell) renderCheckWho();
  }

  function cellOf(id) {
    for (const b of (cs.rounds.data || { blocks: [] }).blocks) for (const c of b.cells) if (c.cell === id) return c;
    return null;
  }

  function openCheck(id) {
    const c = cellOf(id);
    if (!c) return;
    cs.rounds.cell = id;
    const f = $("rounds-check");
    f.reset();
    text($("rounds-check-title"), "Check of " + c.name);
    const obs = $("rounds-observations");
    obs.replaceChildren(...(cs.rounds.data.observations || []).map((o) => {
      const label = el("label", "choice");
      const r = el("input");
      r.type = "radio";
      r.name = "observation";
      r.value = o;
      r.required = true;
      label.append(r, el("span", "", OBSERVATIONS[o] || o));
      return label;
    }));
    show($("rounds-check-error"), false);
    show($("rounds-done"), false);
    renderCheckWho();
    show(f, true);
    f.scrollIntoView({ block: "nearest" });
    const first = obs.querySelector("input");
    if (first) first.focus();
    renderRounds(cs.rounds.data);
  }

  function renderCheckWho() {
    const c = cellOf(cs.rounds.cell);
    if (!c) return;
    text($("rounds-check-who"), (c.residents.length ? "Lives here: " + names(c.residents) : "Nobody lives here") +
      (c.watch ? ". On watch: " + names(c.on_watch) + " — check every " + minutes(c.interval) + " min." : "."));
    const box = $("rounds-watch");
    show(box, supervises() && c.residents.length > 0);
    $("rounds-watch-people").replaceChildren(...c.residents.map((r) => {
      const on = (c.on_watch || []).includes(r);
      const b = el("button", "small", on ? "Take " + nameOf(r) + " off watch" : "Put " + nameOf(r) + " on watch");
      b.type = "button";
      b.addEventListener("click", () => setWatch(r, !on));
      return b;
    }));
  }

  function closeCheck() {
    cs.rounds.cell = "";
    show($("rounds-check"), false);
    if (cs.rounds.data) renderRounds(cs.rounds.data);
  }
  $("rounds-check-back").addEventListener("click", closeCheck);

  function checkFailed(msg) {
    text($("rounds-check-error"), msg);
    show($("rounds-check-error"), true);
  }

  $("rounds-check").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const chosen = $("rounds-observations").querySelector("input:checked");
    if (!chosen) return checkFailed("Choose what you saw.");
    if (chosen.value === "other" && !f.note.value.trim()) return checkFailed("Say in the note what you saw.");
    const cell = cs.rounds.cell;
    const button = e.target.querySelector("button[type=submit]");
    button.disabled = true;
    cs.rounds.busy = true;
    const gen = cs.gen;
    try {
      const c = await api("POST", "/v1/rounds/check", { cell, observation: chosen.value, note: f.note.value });
      if (gen !== cs.gen) return;
      text($("rounds-done"), c.name + ": check recorded at " + (c.last ? P.clock(c.last.at) : "now") + " (" +
        (SEEN[chosen.value] || chosen.value) + "). Next check by " + P.clock(c.due) + ".");
      show($("rounds-done"), true);
      closeCheck();
    } catch (err) {
      if (gen === cs.gen) checkFailed("Not recorded: " + reason(err.message));
    } finally {
      button.disabled = false;
      cs.rounds.busy = false;
      if (gen === cs.gen) refreshRounds();
    }
  });

  async function setWatch(person, on) {
    const note = $("rounds-check").elements.watchnote.value.trim();
    if (!note) return checkFailed("Say whose decision it is and why: a watch change goes on the record.");
    const gen = cs.gen;
    try {
      await api("POST", "/v1/rounds/watch", { person, on, note });
      if (gen !== cs.gen) return;
      $("rounds-check").elements.watchnote.value = "";
      show($("rounds-check-error"), false);
      text($("rounds-done"), nameOf(person) + (on ? " is now on watch." : " is now off watch."));
      show($("rounds-done"), true);
      await refreshRounds();
    } catch (err) {
      if (gen === cs.gen) checkFailed("Not recorded: " + reason(err.message));
    }
  }

  $("rounds-block").addEventListener("change", (e) => { cs.rounds.block = e.target.value; refreshRounds(); });

  function updateExportLink() {
    const from = $("rounds-from"), to = $("rounds-to");
    if (!from.value) from.value = isoDate(new Date());
    if (!to.value) to.value = isoDate(new Date());
    const q = new URLSearchParams({ block: cs.rounds.block, from: from.value, to: to.value });
    $("rounds-csv").href = "/v1/rounds/export.csv?" + q;
  }
  $("rounds-from").addEventListener("change", updateExportLink);
  $("rounds-to").addEventListener("change", updateExportLink);

  // ---- custody report ----

  function custodyDefaults() {
    const f = $("custody-form").elements;
    if (!f.from.value) f.from.value = isoDate(new Date(Date.now() - 6 * 864e5));
    if (!f.to.value) f.to.value = isoDate(new Date());
    updateCustodyLink();
    show($("custody-empty"), $("custody-rows").children.length === 0);
  }

  function updateCustodyLink() {
    const f = $("custody-form").elements;
    $("custody-csv").href = "/v1/reports/custody?" + new URLSearchParams({ format: "csv", from: f.from.value, to: f.to.value });
  }
  $("custody-form").addEventListener("change", updateCustodyLink);

  function attendance(a) {
    if (!a || (!a.sessions && !a.time)) return "—";
    return a.sessions + (a.sessions === 1 ? " session, " : " sessions, ") + duration(a.time);
  }

  $("custody-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const button = e.target.querySelector("button[type=submit]");
    button.disabled = true;
    show($("custody-error"), false);
    const gen = cs.gen;
    try {
      const rep = await api("GET", "/v1/reports/custody?" + new URLSearchParams({ from: f.from.value, to: f.to.value }));
      if (gen !== cs.gen) return;
      renderCustody(rep);
    } catch (err) {
      if (gen !== cs.gen) return;
      text($("custody-error"), err.status === 403 ? "The custody report is for supervisors." : "No report: " + reason(err.message));
      show($("custody-error"), true);
    } finally {
      button.disabled = false;
    }
  });

  function renderCustody(rep) {
    const totals = new Map((rep.totals || []).map((t) => [t.person, t]));
    const rows = [];
    let person = "";
    const flush = () => {
      const t = totals.get(person);
      if (!t) return;
      const tr = el("tr", "custody-total");
      tr.append(el("td", "", "Total, " + t.days + (t.days === 1 ? " day" : " days")), el("td", ""),
        el("td", "", duration(t.known)), el("td", "", duration(t.out_of_cell)), el("td", "", duration(t.yard)),
        el("td", "", attendance(t.education)), el("td", "", attendance(t.religious)));
      rows.push(tr);
    };
    for (const r of rep.rows || []) {
      if (r.person !== person) {
        if (person) flush();
        person = r.person;
        const head = el("tr", "custody-person");
        const th = el("th", "", r.name + " (" + r.person + ")" + (r.home_cell ? " — " + P.zoneName(r.home_cell) : ""));
        th.colSpan = 7;
        th.scope = "rowgroup";
        head.append(th);
        rows.push(head);
      }
      const known = minutes(r.known) > 0;
      const tr = el("tr", known ? "" : "unknown");
      tr.append(el("td", "", ""), el("td", "", day(r.date + "T12:00:00")),
        el("td", "", known ? duration(r.known) + " of " + duration(r.day) : "not placed by RFID"),
        el("td", "", known ? duration(r.out_of_cell) : "—"), el("td", "", known ? duration(r.yard) : "—"),
        el("td", "", attendance(r.education)), el("td", "", attendance(r.religious)));
      rows.push(tr);
    }
    if (person) flush();
    $("custody-rows").replaceChildren(...rows);
    text($("custody-empty"), "No residents in the report.");
    show($("custody-empty"), rows.length === 0);
  }

  sync();
})();
