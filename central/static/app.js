// Palisade HQ dashboard: polls the API every five seconds. Everything a
// facility sent is shown with textContent, never as HTML.
"use strict";

let selected = null;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const c of cells) {
    const td = document.createElement("td");
    if (c instanceof Node) td.appendChild(c); else td.textContent = c === undefined || c === null ? "" : String(c);
    tr.appendChild(td);
  }
  return tr;
}

function ago(iso) {
  if (!iso) return "never";
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return s + " s ago";
  if (s < 3600) return Math.round(s / 60) + " min ago";
  if (s < 86400) return Math.round(s / 3600) + " h ago";
  return Math.round(s / 86400) + " d ago";
}

function headcount(f) {
  if (!f.headcount) return "unknown";
  const h = f.headcount;
  return (h.cleared ? "cleared" : "NOT cleared (" + h.missing_count + " missing)") + " · " + ago(f.headcount_at);
}

function badge(status) { return el("span", status, "badge " + status); }

async function getJSON(url) {
  const r = await fetch(url, { cache: "no-store" });
  if (!r.ok) throw new Error(url + ": " + r.status + " " + (await r.text()));
  return r.json();
}

async function refresh() {
  try {
    const list = await getJSON("/api/v1/facilities");
    const body = document.querySelector("#facilities tbody");
    body.replaceChildren();
    for (const f of list) {
      const tr = row([
        f.name || f.id, badge(f.status), f.open_alarms.length + (f.more_open || 0),
        headcount(f), f.devices_known ? f.devices_offline.length : "unknown",
        f.cluster.members ? f.cluster.members + " nodes, leader " + f.cluster.leader : "",
        ago(f.last_contact), f.backlog, f.hq_alarms.length,
      ]);
      if (f.id === selected) tr.className = "selected";
      tr.addEventListener("click", () => { selected = f.id; refresh(); });
      body.appendChild(tr);
    }
    document.getElementById("error").hidden = true;
    document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
    if (selected) await detail(selected);
  } catch (e) {
    const p = document.getElementById("error");
    p.textContent = String(e);
    p.hidden = false;
  }
}

async function detail(id) {
  const d = await getJSON("/api/v1/facilities/" + encodeURIComponent(id));
  document.getElementById("detail").hidden = false;
  document.getElementById("d-title").textContent = (d.name || d.id) + " — " + d.status;
  document.getElementById("d-meta").textContent =
    "nodes " + d.nodes.join(", ") + " · last contact " + ago(d.last_contact) + (d.node ? " via " + d.node : "") +
    " · records " + d.cursor + " (backlog " + d.backlog + ", re-delivered " + d.duplicates + ")" +
    " · overrides " + d.overrides + (d.last_error ? " · last error: " + d.last_error : "");

  const alarms = document.querySelector("#d-alarms tbody");
  alarms.replaceChildren();
  for (const a of d.open_alarms) {
    const tr = row(["P" + a.priority, a.kind, a.state, a.zone, a.device, new Date(a.raised_at).toLocaleString(), a.by]);
    tr.firstChild.className = "p" + a.priority;
    alarms.appendChild(tr);
  }
  if (!d.open_alarms.length) alarms.appendChild(row(["", "none", "", "", "", "", ""]));

  const open = document.querySelector("#d-open tbody");
  open.replaceChildren();
  d.open_by_priority.forEach((c, i) => open.appendChild(row(["P" + (i + 1), c.raised, c.acknowledged])));

  document.getElementById("d-devices").textContent =
    d.devices_known ? (d.devices_offline.length ? d.devices_offline.join(", ") : "none") : "unknown";

  const hq = document.getElementById("d-hq");
  hq.replaceChildren();
  for (const a of d.hq_alarms) {
    const li = el("li", a.kind + " ×" + a.count + " since " + new Date(a.raised_at).toLocaleString() + ": " + a.message);
    const b = el("button", "Resolve");
    b.addEventListener("click", async (ev) => {
      ev.stopPropagation();
      await fetch("/api/v1/alarms/resolve?id=" + encodeURIComponent(a.id), { method: "POST", headers: { "X-HQ-Request": "1" } });
      refresh();
    });
    li.appendChild(b);
    hq.appendChild(li);
  }
  for (const a of d.hq_alarm_history || []) {
    hq.appendChild(el("li", a.kind + " — resolved by " + a.resolved_by + " " + ago(a.resolved_at) + ": " + a.message, "muted"));
  }
  if (!hq.children.length) hq.appendChild(el("li", "none", "muted"));

  document.getElementById("d-witness").textContent = d.witness
    ? "checkpoint of " + d.witness.size + " records signed by " + d.witness.signer + " " + ago(d.witness.time)
    : "no checkpoint witnessed yet";

  const recs = document.querySelector("#d-records tbody");
  recs.replaceChildren();
  for (const r of d.recent) recs.appendChild(row([r.seq, new Date(r.time).toLocaleString(), r.kind, what(r)]));
}

function what(r) {
  const b = r.body;
  switch (r.kind) {
    case "alarm": return "P" + b.priority + " " + b.kind + " " + b.event + (b.zone ? " in " + b.zone : "") + (b.by ? " by " + b.by : "");
    case "override": return b.override + " override at " + b.port + " by " + b.by.join(" and ");
    case "rollup": return "open P1 " + (b.open[0].raised + b.open[0].acknowledged) + ", P2 " + (b.open[1].raised + b.open[1].acknowledged) +
      "; " + b.entries + " log entries";
    case "headcount": return (b.cleared ? "cleared" : "not cleared") + ": " + b.counted + "/" + b.expected;
    case "gap": return "records " + b.from + "–" + b.to + " lost (pruned before HQ pulled them); summary received";
    default: return JSON.stringify(b).slice(0, 120);
  }
}

refresh();
setInterval(refresh, 5000);
