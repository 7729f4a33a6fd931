#include "cosmic/health_monitor/status_page.hpp"

namespace cosmic::health {

namespace {

// One literal longer than the 4095 characters ISO C++ promises; GCC and Clang take it.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverlength-strings"
// Elements carry ids and data-* attributes so the browser test (tests/browser) can find them.
constexpr std::string_view kHtml = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cosmic Horizons - health</title>
<style>
  :root { --ok:#1a7f37; --warn:#b7791f; --bad:#c53030; --down:#6b21a8; --muted:#6b7280; --bg:#f8fafc; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background:var(--bg); color:#111827; }
  header { display:flex; align-items:center; gap:16px; padding:12px 20px; background:#111827; color:#f9fafb; }
  header h1 { font-size:18px; margin:0; font-weight:600; }
  header .meta { margin-left:auto; color:#d1d5db; font-size:12px; }
  main { display:grid; grid-template-columns:repeat(auto-fit, minmax(420px, 1fr)); gap:16px; padding:16px 20px; }
  section { background:#fff; border:1px solid #e5e7eb; border-radius:8px; padding:12px 14px; }
  section h2 { font-size:15px; margin:0 0 8px; }
  table { width:100%; border-collapse:collapse; }
  th, td { text-align:left; padding:4px 6px; border-bottom:1px solid #f1f5f9; vertical-align:top; }
  th { color:var(--muted); font-weight:500; font-size:12px; }
  .badge { display:inline-block; min-width:76px; text-align:center; padding:1px 8px; border-radius:10px;
           font-size:12px; font-weight:600; color:#fff; background:var(--muted); }
  .s-HEALTHY, .s-OK { background:var(--ok); }
  .s-DEGRADED, .s-WARN, .s-warning { background:var(--warn); }
  .s-UNHEALTHY, .s-ERR, .s-STOP, .s-STALL, .s-REWIND, .s-critical { background:var(--bad); }
  .s-DOWN { background:var(--down); }
  .muted { color:var(--muted); }
  .spark { vertical-align:middle; }
  #login { padding:20px; }
  #login input { width:360px; padding:6px; }
  .wide { grid-column:1 / -1; }
  .conn-open { color:#86efac; } .conn-closed { color:#fca5a5; }
</style>
</head>
<body>
<header>
  <h1>Cosmic Horizons health</h1>
  <span id="overall-status" class="badge">UNKNOWN</span>
  <span class="meta">role <b id="role">-</b> &middot; instance <span id="instance">-</span> &middot;
    updated <span id="generated-at">never</span> &middot; <span id="connection" class="conn-closed">disconnected</span></span>
</header>
<div id="login" hidden>
  <form id="login-form">
    <label>API token <input id="token-input" type="password" autocomplete="off"></label>
    <button type="submit">Connect</button>
    <span id="login-error" class="muted"></span>
  </form>
</div>
<main id="content">
  <section class="wide"><h2>Active alerts</h2>
    <table><thead><tr><th>severity</th><th>alert</th><th>summary</th><th>since</th><th>runbook</th></tr></thead>
    <tbody id="alerts"></tbody></table></section>
  <section><h2>Components</h2>
    <table><thead><tr><th>component</th><th>status</th><th>instances</th><th>msg/s</th><th>error ratio</th><th>lag</th><th>last heartbeat</th></tr></thead>
    <tbody id="components"></tbody></table></section>
  <section><h2>Cluster <span id="cluster-status" class="badge">UNKNOWN</span></h2>
    <div id="cluster-summary" class="muted"></div>
    <table><thead><tr><th>broker</th><th>address</th><th>reachable</th></tr></thead><tbody id="brokers"></tbody></table>
    <h2 style="margin-top:12px">Dead-letter topics</h2>
    <table><thead><tr><th>topic</th><th>records</th><th>growth (window)</th></tr></thead><tbody id="dlq"></tbody></table>
    <div id="topic-problems"></div></section>
  <section class="wide"><h2>Consumer groups</h2><div id="groups"></div></section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}
const badge = (status) => el("span", {class: "badge s-" + status, "data-status": status}, status);
const fmt = (v, digits) => v === null || v === undefined ? "-" : (typeof v === "number" ? v.toFixed(digits) : v);
function ago(ts) {
  if (!ts) return "never";
  const s = Math.max(0, Math.round((Date.now() - Date.parse(ts)) / 1000));
  return s < 120 ? s + " s ago" : Math.round(s / 60) + " min ago";
}
function sparkline(values) {
  const w = 120, h = 22, svgNs = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("width", w); svg.setAttribute("height", h); svg.setAttribute("class", "spark");
  if (!values || values.length < 2) return svg;
  const max = Math.max(1, ...values);
  const pts = values.map((v, i) => (i * (w - 2) / (values.length - 1) + 1).toFixed(1) + "," +
                                   (h - 1 - (v / max) * (h - 2)).toFixed(1)).join(" ");
  const line = document.createElementNS(svgNs, "polyline");
  line.setAttribute("points", pts); line.setAttribute("fill", "none");
  line.setAttribute("stroke", values[values.length - 1] > 0 ? "#c53030" : "#1a7f37"); line.setAttribute("stroke-width", "1.5");
  svg.append(line);
  return svg;
}
function render(s) {
  $("overall-status").replaceWith(Object.assign(badge(s.status), {id: "overall-status"}));
  $("role").textContent = s.role; $("instance").textContent = s.instance;
  $("generated-at").textContent = new Date(s.generated_at).toLocaleTimeString();
  const alerts = $("alerts"); alerts.replaceChildren();
  if (s.alerts.length === 0) alerts.append(el("tr", {}, el("td", {colspan: 5, class: "muted"}, "No alerts firing")));
  for (const a of s.alerts) {
    const link = el("a", {href: a.runbook_url}, "runbook");
    alerts.append(el("tr", {"data-alert": a.alertname, "data-resource": a.resource_id},
      el("td", {}, badge(a.severity)), el("td", {}, a.alertname), el("td", {}, a.summary),
      el("td", {}, ago(a.started_at)), el("td", {}, link)));
  }
  const comps = $("components"); comps.replaceChildren();
  for (const c of s.components) {
    comps.append(el("tr", {"data-component": c.component, "data-status": c.status},
      el("td", {}, c.component), el("td", {}, badge(c.status)), el("td", {}, c.instances_up + "/" + c.instances_total),
      el("td", {}, fmt(c.processed_per_second, 1)),
      el("td", {}, c.error_ratio === null ? "-" : (100 * c.error_ratio).toFixed(1) + "%"),
      el("td", {}, fmt(c.consumer_lag, 0)), el("td", {}, ago(c.last_seen))));
  }
  const cl = s.cluster;
  $("cluster-status").replaceWith(Object.assign(badge(cl.status), {id: "cluster-status"}));
  $("cluster-summary").textContent = cl.polls === 0 ? "not polled yet" :
    cl.brokers_available + " of " + cl.expected_brokers + " brokers available (" + cl.brokers_in_metadata +
    " in metadata)" + (cl.error ? " - " + cl.error : "");
  const brokers = $("brokers"); brokers.replaceChildren();
  for (const b of cl.brokers) {
    brokers.append(el("tr", {"data-broker": b.id}, el("td", {}, b.id), el("td", {}, b.host + ":" + b.port),
      el("td", {}, b.reachable === null ? "not probed" : (b.reachable ? "yes" : "NO " + (b.error || "")))));
  }
  const dlq = $("dlq"); dlq.replaceChildren();
  const problems = $("topic-problems"); problems.replaceChildren();
  for (const t of cl.topics) {
    if (t.dlq) dlq.append(el("tr", {"data-dlq": t.topic}, el("td", {}, t.topic), el("td", {}, fmt(t.end_offset, 0)),
                              el("td", {}, fmt(t.growth, 0))));
    const issues = [];
    if (t.missing) issues.push("missing");
    if (t.offline) issues.push(t.offline + " offline");
    if (t.leader_unreachable) issues.push(t.leader_unreachable + " with an unreachable leader");
    if (t.under_replicated) issues.push(t.under_replicated + " under-replicated");
    for (const d of t.drift) issues.push(d);
    if (issues.length) problems.append(el("div", {class: "muted"}, t.topic + ": " + issues.join("; ")));
  }
  const groups = $("groups"); groups.replaceChildren();
  for (const g of s.groups) {
    const rows = g.partitions.map((p) => el("tr", {"data-partition": p.topic + "/" + p.partition},
      el("td", {}, p.topic + "/" + p.partition), el("td", {}, badge(p.status)), el("td", {}, p.lag),
      el("td", {}, p.lag_seconds === null ? "-" : p.lag_seconds.toFixed(1) + " s"),
      el("td", {}, sparkline(p.lag_history))));
    groups.append(el("div", {"data-group": g.group, "data-status": g.status},
      el("h3", {style: "font-size:14px;margin:10px 0 4px"}, g.group + " ", badge(g.status),
         el("span", {class: "muted"}, "  total lag " + g.total_lag +
            (g.max_lag_seconds === null ? "" : ", max " + g.max_lag_seconds.toFixed(1) + " s") +
            (g.error ? " - " + g.error : ""))),
      el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "partition"), el("th", {}, "status"), el("th", {}, "lag"),
                                            el("th", {}, "lag (time)"), el("th", {}, "history"))),
         el("tbody", {}, ...rows))));
  }
}
let socket = null, retry = 500;
function token() {
  const m = location.hash.match(/token=([^&]+)/);
  if (m) { localStorage.setItem("cosmic-health-token", decodeURIComponent(m[1])); history.replaceState(null, "", location.pathname); }
  return localStorage.getItem("cosmic-health-token");
}
function connect() {
  const t = token();
  if (!t) { $("login").hidden = false; return; }
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(scheme + "://" + location.host + "/ws/health?access_token=" + encodeURIComponent(t));
  socket.onopen = () => { retry = 500; $("connection").textContent = "live"; $("connection").className = "conn-open";
                          $("login").hidden = true; socket.send("state"); };
  socket.onmessage = (event) => render(JSON.parse(event.data));
  socket.onclose = (event) => {
    $("connection").textContent = "disconnected"; $("connection").className = "conn-closed";
    if (event.code === 1006 && retry > 4000) { $("login").hidden = false; $("login-error").textContent = "cannot connect (token?)"; }
    setTimeout(connect, retry); retry = Math.min(retry * 2, 10000);
  };
}
$("login-form").addEventListener("submit", (e) => {
  e.preventDefault(); localStorage.setItem("cosmic-health-token", $("token-input").value);
  if (socket) socket.close(); else connect();
});
connect();
</script>
</body>
</html>
)HTML";
#pragma GCC diagnostic pop

}  // namespace

std::string_view StatusPageHtml() noexcept { return kHtml; }

}  // namespace cosmic::health
