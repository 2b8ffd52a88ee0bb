// Palisade console: the cameras — status in words, analysed rate, latest
// picture and people per zone — and, on an alarm raised by a camera, its
// snapshot and its evidence clip with the SHA-256 the log holds. Loaded
// after console.js, whose requests and words it uses (window.palisade).
// All text from the server goes in with textContent, never as HTML.
"use strict";
(() => {
  const P = window.palisade;
  if (!P) return;
  const { api, text, show } = P;
  const $ = (id) => document.getElementById(id);

  // State words and colours: green live, amber degraded, red down, grey idle.
  const STATES = {
    streaming: ["Live", "ok"],
    decode_errors: ["Live — damaged pictures", "warn"],
    connecting: ["Connecting", "idle"],
    stalled: ["Video stopped", "bad"],
    unreachable: ["Unreachable", "bad"],
    unauthorized: ["Login refused", "bad"],
    unsupported_codec: ["Wrong video format", "bad"],
    stopped: ["Stopped", "idle"],
    not_running: ["Not running", "idle"],
  };
  const TAMPER = { covered: "COVERED", defocused: "OUT OF FOCUS", turned_away: "TURNED AWAY", signal_lost: "NO SIGNAL" };
  const PICTURE_EVERY = 3000; // ms between two pictures of a camera
  const LIST_EVERY = 2000;

  const cam = {
    on: false,
    gen: 0,
    timers: [],
    node: "",            // this node's id
    cards: new Map(),    // camera id → {el, img, …}
    known: new Map(),    // camera id → its node, for every camera of the facility
    evidence: new Map(), // alarm id → {clips, next, el, playing}
  };

  function el(tag, cls, content) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (content != null) text(e, content);
    return e;
  }

  function later(fn, ms) {
    const gen = cam.gen;
    cam.timers.push(setTimeout(() => { if (cam.on && gen === cam.gen) fn(); }, ms));
  }

  function ago(t) { return P.fmtAge(Date.now() - Date.parse(t)); }
  function hms(t) {
    const d = new Date(t);
    return isNaN(d) ? "?" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  // ---- on and off with the board ----

  const board = $("board-view");
  function sync() {
    const on = !board.hidden && P.session().signedIn;
    if (on && !cam.on) start();
    else if (!on && cam.on) stop();
  }
  new MutationObserver(sync).observe(board, { attributes: true, attributeFilter: ["hidden"] });
  sync();

  function start() {
    cam.on = true;
    cam.gen++;
    pollCameras();
    decorateAlarms();
  }

  function stop() {
    cam.on = false;
    cam.gen++;
    cam.timers.forEach(clearTimeout);
    cam.timers = [];
    cam.cards.clear();
    cam.known.clear();
    cam.evidence.clear();
    $("camera-list").replaceChildren();
    show($("cameras"), false);
    show($("jump-cameras"), false);
  }

  // ---- the cameras ----

  async function pollCameras() {
    try {
      const data = await api("GET", "/v1/cameras");
      cam.node = data.node;
      renderCameras(data.cameras || []);
      show($("cameras-error"), false);
    } catch (err) {
      if (err.status === 404) { show($("cameras"), false); show($("jump-cameras"), false); return; }
      text($("cameras-error"), "Camera status unavailable: " + err.message);
      show($("cameras-error"), true);
    }
    later(pollCameras, LIST_EVERY);
  }

  function renderCameras(list) {
    cam.known.clear();
    const here = [];
    const away = new Map(); // node → [camera ids]
    for (const c of list) {
      cam.known.set(c.id, c.node);
      if (c.here) here.push(c);
      else away.set(c.node, [...(away.get(c.node) || []), c.id]);
    }
    const keep = new Set(here.map((c) => c.id));
    for (const [id, card] of cam.cards) {
      if (!keep.has(id)) { card.el.remove(); cam.cards.delete(id); }
    }
    const listEl = $("camera-list");
    for (const c of here) {
      const card = cardFor(c.id);
      renderCard(card, c);
      if (card.el.parentNode !== listEl) listEl.appendChild(card.el);
    }
    const words = [...away].map(([node, ids]) => ids.join(", ") + " on " + node);
    text($("cameras-elsewhere"), words.length ? "Other cameras: " + words.join("; ") + " — their pictures and status are on those nodes' consoles." : "");
    show($("cameras-elsewhere"), words.length > 0);
    show($("cameras"), list.length > 0);
    show($("jump-cameras"), list.length > 0);
  }

  // A card is built once per camera and updated in place.
  function cardFor(id) {
    let card = cam.cards.get(id);
    if (card) return card;
    const root = el("article", "camera");
    const head = el("div", "camera-head");
    const name = el("h3", "camera-name", id);
    const state = el("span", "badge camera-state");
    const tamper = el("span", "badge camera-tamper");
    head.append(name, state, tamper);
    const pic = el("div", "camera-picture");
    const img = el("img");
    img.alt = "Latest picture of camera " + id;
    img.width = 640; img.height = 360;
    const picNote = el("p", "camera-picnote");
    pic.append(img, picNote);
    const reason = el("p", "camera-reason");
    const facts = el("dl", "camera-facts");
    const counts = el("ul", "camera-counts");
    const last = el("p", "camera-last");
    root.append(head, reason, pic, facts, counts, last);
    card = { el: root, state, tamper, reason, img, picNote, facts, counts, last, nextPicture: 0, loading: false, live: false };
    img.addEventListener("load", () => { card.loading = false; img.classList.remove("stale"); });
    img.addEventListener("error", () => { card.loading = false; img.classList.add("stale"); });
    cam.cards.set(id, card);
    return card;
  }

  function renderCard(card, c) {
    const [word, colour] = STATES[c.state] || [c.state || "Unknown", "idle"];
    text(card.state, word);
    card.state.className = "badge camera-state " + colour;
    text(card.tamper, TAMPER[c.tamper] || "");
    show(card.tamper, !!TAMPER[c.tamper]);
    card.el.className = "camera " + colour + (c.tamper ? " tampered" : "");
    text(card.reason, c.reason + (c.next_attempt ? " Next attempt at " + hms(c.next_attempt) + "." : ""));
    show(card.reason, c.state !== "streaming" || !!c.tamper);

    const live = c.state === "streaming" || c.state === "decode_errors";
    const facts = [
      ["Analysed", live ? c.analysed_fps.toFixed(1) + " frames/s of " + c.received_fps.toFixed(0) : "—"],
      ["People in view", live ? String(c.people) : "—"],
      ["Alarms · clips", c.alarms + " · " + c.clips],
    ];
    if (c.learning) facts.push(["Analytics", "learning the view…"]);
    card.facts.replaceChildren(...facts.flatMap(([k, v]) => [el("dt", null, k), el("dd", null, v)]));

    card.counts.replaceChildren(...(c.counts || []).map((z) => {
      const li = el("li", z.people > 0 ? "busy" : null);
      li.append(el("span", "zone", P.zoneName(z.zone)), el("span", "n", String(z.people)));
      return li;
    }));
    show(card.counts, live && (c.counts || []).length > 0);

    const e = c.last_event;
    text(card.last, e ? "Last: " + eventWords(e) + ", " + ago(e.at) : "No event yet.");

    // The picture: renewed every few seconds while the camera is live;
    // the last one stays, marked, when it is not.
    card.live = live;
    card.img.classList.toggle("stale", !live);
    if (c.snapshot) {
      text(card.picNote, live ? "" : "Last picture, " + ago(c.snapshot.at) + ".");
      if (!card.loading && Date.now() >= card.nextPicture) {
        card.loading = true;
        card.nextPicture = Date.now() + PICTURE_EVERY;
        card.img.src = "/v1/cameras/" + encodeURIComponent(c.id) + "/snapshot.jpg?t=" + Date.now();
      }
    } else {
      text(card.picNote, live ? "Waiting for the first picture…" : "No picture.");
    }
    show(card.img, !!c.snapshot);
  }

  function eventWords(e) {
    const zone = e.zone ? P.zoneName(e.zone) : "";
    switch (e.kind) {
      case "intrusion": return "intrusion in " + zone;
      case "tripwire": return "line " + e.line + " crossed from " + e.from + " to " + e.to;
      case "loiter": return "someone lingering in " + zone;
      case "crowd": return e.count + " people in " + zone;
      case "tamper": return "camera " + (TAMPER[e.tamper] || e.tamper).toLowerCase();
      case "tamper_cleared": return "camera back to normal (" + String(e.tamper).replace(/_/g, " ") + " over)";
    }
    return e.kind;
  }

  // ---- evidence on the alarms ----

  // Every 2 s: each open alarm raised by a camera gets its snapshot and,
  // once the clip is recorded (about 10 s after the event), "Play clip".
  async function decorateAlarms() {
    const alarms = P.alarms().filter((a) => cam.known.has(a.device));
    const ids = new Set(alarms.map((a) => a.id));
    for (const id of cam.evidence.keys()) if (!ids.has(id)) cam.evidence.delete(id);
    for (const a of alarms) {
      const row = P.alarmRow(a.id);
      if (!row) continue;
      let ev = cam.evidence.get(a.id);
      if (!ev || !row.contains(ev.el)) {
        ev = { clips: [], next: 0, el: el("div", "cam-evidence"), playing: "", snapshots: "" };
        row.querySelector(".body").appendChild(ev.el);
        cam.evidence.set(a.id, ev);
      }
      renderSnapshots(ev, a);
      if (Date.now() >= ev.next) {
        ev.next = Date.now() + (ev.clips.length ? 30000 : 4000);
        try {
          const data = await api("GET", "/v1/alarms/" + encodeURIComponent(a.id) + "/evidence");
          ev.clips = data.clips || [];
        } catch { /* shown as not yet recorded */ }
      }
      renderClips(ev, a);
    }
    later(decorateAlarms, 2000);
  }

  // The alarm's snapshots: evidence entries "snapshot:<node>:<file>".
  function renderSnapshots(ev, a) {
    const snaps = (a.evidence || []).filter((e) => e.startsWith("snapshot:")).map((e) => {
      const [, node, ...name] = e.split(":");
      return { node, name: name.join(":") };
    });
    const key = snaps.map((s) => s.name).join(",");
    if (key === ev.snapshots) return;
    ev.snapshots = key;
    let box = ev.el.querySelector(".cam-snaps");
    if (!box) { box = el("div", "cam-snaps"); ev.el.prepend(box); }
    const newest = snaps[snaps.length - 1];
    if (!newest) { box.replaceChildren(); return; }
    if (newest.node !== cam.node) {
      box.replaceChildren(el("p", "hint", "Snapshot kept on " + newest.node + ": see it on that node's console."));
      return;
    }
    const img = el("img", "cam-snap");
    img.src = "/v1/snapshots/" + encodeURIComponent(newest.name);
    img.alt = "Snapshot of the event, with the people and the zone marked";
    box.replaceChildren(img);
  }

  function renderClips(ev, a) {
    let box = ev.el.querySelector(".cam-clips");
    if (!box) { box = el("div", "cam-clips"); ev.el.appendChild(box); }
    const key = ev.clips.map((c) => c.name).join(",") + "|" + ev.playing;
    if (box.dataset.key === key) return;
    box.dataset.key = key;
    if (!ev.clips.length) {
      const recent = Date.now() - Date.parse(a.raised_at) < 60000;
      box.replaceChildren(el("p", "hint", recent ? "Recording the clip: 10 s before the event to 10 s after…" : "No clip recorded for this alarm."));
      return;
    }
    box.replaceChildren(...ev.clips.map((c) => clipItem(ev, c)));
  }

  function clipItem(ev, c) {
    const item = el("div", "cam-clip");
    const secs = Math.round(c.duration_ms / 1000);
    const line = el("div", "cam-clip-line");
    if (c.node === cam.node) {
      const play = el("button", "primary", ev.playing === c.name ? "Hide clip" : "Play clip (" + secs + " s)");
      play.type = "button";
      play.addEventListener("click", () => {
        ev.playing = ev.playing === c.name ? "" : c.name;
        ev.el.querySelector(".cam-clips").dataset.key = ""; // re-render
        renderClips(ev, { raised_at: 0 });
      });
      line.appendChild(play);
    } else {
      line.appendChild(el("span", "cam-clip-where", "Clip (" + secs + " s) kept on " + c.node + ": play it on that node's console."));
    }
    line.appendChild(el("span", "cam-clip-when", "event at " + hms(c.event) + (c.note ? " — " + c.note : "")));
    item.appendChild(line);
    const sha = el("p", "cam-sha");
    sha.append(el("span", null, "SHA-256 "), el("code", null, c.sha256));
    sha.title = "The hash recorded in the log when the clip was written: a copy with the same hash is the same file.";
    item.appendChild(sha);
    if (ev.playing === c.name) {
      const v = document.createElement("video");
      v.controls = true;
      v.autoplay = true;
      v.muted = true;
      v.preload = "auto";
      v.className = "cam-video";
      v.src = "/v1/clips/" + encodeURIComponent(c.name);
      v.addEventListener("error", () => {
        item.appendChild(el("p", "error", "The clip could not be played here (" + (v.error ? "code " + v.error.code : "error") + ")."));
      });
      item.appendChild(v);
    }
    return item;
  }
})();
