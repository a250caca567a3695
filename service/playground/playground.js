// The playground talks to the public API only: REST with the pasted key, and the turn
// WebSocket with the key offered as a subprotocol (browsers cannot set its headers).
"use strict";

const $ = (id) => document.getElementById(id);
const STAGES = ["persona", "log", "read", "recall", "prompt", "first_token", "model", "review"];
const SIGNALS = {
  dense: "similar in meaning to the line",
  keyword: "shares a rare word with the line",
  standing: "a fact in force about the player",
  bearing: "the trained judge linked it to the line",
};
const RETRYABLE = new Set(["unavailable", "llm_unavailable", "redis_unavailable", "sql_unavailable",
  "rate_limited", "turn_in_progress"]);

const state = {
  key: "",
  persona: null,   // the selected persona
  socket: null,
  pending: null,   // the turn being answered: {frame, bubble, text}
  history: [],     // per turn: {affinity, valence, timings}
  known: new Set(), // event ids already shown, to mark the new ones
  polling: null,
  generation: 0,   // bumped when the character or player changes: late answers are dropped
};

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
  }
  return node;
}

function toast(message) {
  const box = $("toast");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 6000);
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${state.key}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const where = (data.errors || []).map((e) => `${e.loc.join(".")}: ${e.msg}`).join("; ");
    throw new Error(`${data.code || response.status}: ${data.detail || data.title || ""} ${where}`.trim());
  }
  return data;
}

const player = () => $("player").value.trim();
const scoped = (suffix) => `/v1/personas/${encodeURIComponent(state.persona.id)}/players/${encodeURIComponent(player())}${suffix}`;

// --- characters -------------------------------------------------------------------------

async function loadPersonas(select) {
  const { items } = await api("GET", "/v1/personas");
  const list = $("personas");
  list.replaceChildren();
  for (const persona of items) {
    const item = el("li", { role: "option", dataset: { id: persona.id } }, persona.name, el("small", {}, persona.id));
    item.addEventListener("click", () => choose(persona));
    list.append(item);
  }
  const wanted = items.find((p) => p.id === select) || items.find((p) => p.id === state.persona?.id) || items[0];
  if (wanted) await choose(wanted);
}

async function choose(persona) {
  state.persona = persona;
  for (const item of $("personas").children) item.setAttribute("aria-selected", String(item.dataset.id === persona.id));
  await startConversation();
}

async function startConversation() {
  const mine = ++state.generation;
  closeSocket();
  $("send").disabled = true;
  state.history = [];
  state.known = new Set();
  $("chat").replaceChildren();
  $("reading").replaceChildren(el("dt", {}, "Waiting for a turn"));
  $("recalled").replaceChildren();
  $("timings").replaceChildren();
  if (!state.persona) return;
  const log = await api("GET", scoped("/turns?limit=50"));
  if (mine !== state.generation) return;
  if (log.items.length === 0 && state.persona.greeting) addMessage("npc", state.persona.greeting, "done");
  for (const entry of log.items) {
    const bubble = addMessage(entry.role === "player" ? "player" : "npc", entry.text, "done");
    if (entry.refusal) badges(bubble, [["refused", `declined: ${entry.refusal}`]]);
  }
  await Promise.all([refreshMemory(), refreshRelationship(false)]);
  if (mine === state.generation) openSocket();
}

$("persona-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const fields = Object.fromEntries(new FormData(event.target).entries());
  try {
    const created = await api("POST", "/v1/personas", fields);
    event.target.reset();
    $("create").open = false;
    await loadPersonas(created.id);
  } catch (error) { toast(error.message); }
});

// --- the turn ---------------------------------------------------------------------------

function openSocket() {
  if (!state.persona || !state.key) return;
  if (state.socket && state.socket.readyState <= WebSocket.OPEN) return; // connecting or open
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}${scoped("/ws")}`, ["npc.v1", `bearer.${state.key}`]);
  state.socket = socket;
  setStatus("connecting", "connecting…");
  socket.addEventListener("open", () => {
    if (state.socket !== socket) return;
    setStatus("open", `talking to ${state.persona.name}`);
    $("send").disabled = Boolean(state.pending);
    if (state.pending && !state.pending.sent) send(state.pending);
  });
  socket.addEventListener("close", (event) => {
    if (state.socket !== socket) return;
    state.socket = null;
    setStatus("error", `disconnected (${event.code})`);
    if (state.pending) fail(state.pending, { code: "disconnected", message: "the connection closed" });
  });
  socket.addEventListener("message", (event) => {
    if (state.socket === socket) onFrame(JSON.parse(event.data));
  });
}

function closeSocket() {
  setStatus("idle", "not connected");
  if (state.socket) {
    const socket = state.socket;
    state.socket = null;
    socket.close();
  }
  state.pending = null;
}

function setStatus(kind, text) {
  $("status").dataset.state = kind;
  $("status").textContent = text;
}

function send(turn) {
  turn.sent = true;
  turn.bubble.dataset.state = "waiting";
  state.socket.send(JSON.stringify(turn.frame));
}

$("say").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("line").value.trim();
  if (!text || !state.persona || state.pending || $("send").disabled) return;
  $("line").value = "";
  addMessage("player", text, "done");
  const turnId = crypto.randomUUID().replaceAll("-", "");
  const turn = { frame: { type: "turn", text, turn_id: turnId }, bubble: addMessage("npc", "", "waiting"), text: "" };
  state.pending = turn;
  $("send").disabled = true;
  if (state.socket?.readyState === WebSocket.OPEN) send(turn);
  else openSocket();
});

function onFrame(frame) {
  const turn = state.pending;
  if (!turn) return;
  if (frame.type === "token") {
    turn.text += frame.text;
    turn.bubble.dataset.state = "streaming";
    turn.bubble.dataset.tokens = String(Number(turn.bubble.dataset.tokens || 0) + 1);
    turn.bubble.querySelector(".text").textContent = turn.text;
  } else if (frame.type === "done") {
    finish(turn, frame);
  } else if (frame.type === "error") {
    fail(turn, frame);
  }
  scrollChat();
}

function finish(turn, result) {
  state.pending = null;
  $("send").disabled = false;
  // The done frame's reply is what was said: a reply the reflection check revised differs
  // from the tokens that streamed.
  turn.bubble.querySelector(".text").textContent = result.reply;
  turn.bubble.dataset.state = "done";
  turn.bubble.dataset.turnId = result.turn_id;
  const marks = [];
  if (result.refused) marks.push(["refused", `declined: ${result.refusal_reason}`]);
  if (result.emotion) marks.push(["emotion", `${result.emotion.label} ${Math.round(result.emotion.intensity * 100)}%`]);
  if (result.emotion?.support) marks.push(["support", "comforting"]);
  if (result.reflection.action !== "none") marks.push(["revised", `check: ${result.reflection.action}`]);
  if (result.promise) marks.push(["promise", `promise ${result.promise.outcome}`]);
  if (result.replayed) marks.push(["replayed", "replayed"]);
  badges(turn.bubble, marks);
  showReading(result);
  showRecalled(result.recalled);
  state.history.push({ timings: result.timings });
  showTimings();
  refreshRelationship(true);
  watchMemory();
}

function fail(turn, frame) {
  state.pending = null;
  $("send").disabled = false;
  turn.bubble.dataset.state = "error";
  turn.bubble.querySelector(".text").textContent = turn.text || "(no reply)";
  badges(turn.bubble, [["refused", `error: ${frame.code}`]]);
  const detail = el("div", { class: "why" }, frame.message || "");
  turn.bubble.append(detail);
  if (RETRYABLE.has(frame.code) || frame.code === "disconnected") {
    // Same turn_id: the service logged the line once and answers it, or replays its answer.
    const retry = el("button", { type: "button", class: "retry" }, "Retry this turn");
    retry.addEventListener("click", () => {
      retry.remove();
      detail.remove();
      turn.text = "";
      turn.bubble.dataset.tokens = "0";
      turn.sent = false;
      state.pending = turn;
      $("send").disabled = true;
      if (state.socket?.readyState === WebSocket.OPEN) send(turn);
      else openSocket();
    });
    turn.bubble.append(retry);
  }
}

function addMessage(role, text, status) {
  const who = role === "player" ? player() : state.persona?.name || "NPC";
  const bubble = el("div", { class: `msg ${role}`, dataset: { state: status } }, el("span", { class: "who" }, who), el("span", { class: "text" }, text));
  $("chat").append(bubble);
  scrollChat();
  return bubble;
}

function badges(bubble, marks) {
  const row = el("div", { class: "badges" });
  for (const [kind, label] of marks) row.append(el("span", { class: `badge ${kind}` }, label));
  bubble.append(row);
}

const scrollChat = () => { $("chat").scrollTop = $("chat").scrollHeight; };

// --- what the character read and recalled -----------------------------------------------

function showReading(result) {
  const rows = [
    ["Refusal", result.refused ? `declined (${result.refusal_reason})` : "answered in character"],
    ["Emotion", result.emotion ? emotionCell(result.emotion) : "—"],
    ["Support", result.emotion?.support ? "the reply was guided to comfort" : "no"],
    ["Reflection", result.reflection.passed ? `passed (${result.reflection.action})` : `failed ${result.reflection.failed.join(", ")} → ${result.reflection.action}`],
    ["Promise", result.promise ? `${result.promise.outcome}: ${result.promise.promise}` : "—"],
  ];
  $("reading").replaceChildren(...rows.flatMap(([name, value]) => [el("dt", {}, name), el("dd", {}, value)]));
}

function emotionCell(emotion) {
  const cell = el("span", {}, emotion.label);
  cell.append(el("span", { class: "bar", style: `width:${Math.round(emotion.intensity * 80)}px` }));
  return cell;
}

function showRecalled(recalled) {
  const list = $("recalled");
  if (recalled.length === 0) {
    list.replaceChildren(el("li", { class: "empty" }, "nothing bore on this line"));
    return;
  }
  list.replaceChildren(...recalled.map((memory) => el("li", {},
    el("span", {}, `${memory.summary} `),
    el("span", { class: "badge" }, memory.type),
    el("span", { class: "why" }, `${SIGNALS[memory.signal] || memory.signal} · score ${memory.score.toFixed(2)} · similarity ${memory.relevance.toFixed(2)}`))));
}

// --- affinity, mood and timings over the turns ------------------------------------------

async function refreshRelationship(record) {
  if (!state.persona) return;
  try {
    const rel = await api("GET", scoped("/relationship"));
    $("relationship").replaceChildren(
      el("span", {}, "affinity ", el("b", {}, rel.affinity.toFixed(1))),
      el("span", {}, "mood ", el("b", {}, rel.mood.valence.toFixed(2)), ` ${rel.mood.last_label || ""}`),
      el("span", {}, "turns ", el("b", {}, rel.turns)));
    if (record && state.history.length) Object.assign(state.history[state.history.length - 1], { affinity: rel.affinity, valence: rel.mood.valence });
    drawChart();
  } catch (error) { toast(error.message); }
}

function drawChart() {
  const svg = $("mood-chart");
  const points = state.history.filter((h) => h.affinity !== undefined);
  const ns = "http://www.w3.org/2000/svg";
  const line = (cls, values, scale) => {
    const path = document.createElementNS(ns, "polyline");
    const step = points.length > 1 ? 300 / (points.length - 1) : 0;
    path.setAttribute("points", values.map((v, i) => `${i * step},${45 - v * scale}`).join(" "));
    path.setAttribute("class", cls);
    return path;
  };
  const zero = document.createElementNS(ns, "line");
  Object.entries({ x1: 0, x2: 300, y1: 45, y2: 45, class: "zero" }).forEach(([k, v]) => zero.setAttribute(k, v));
  svg.replaceChildren(zero);
  if (points.length === 0) return;
  // Affinity runs -100..100 and mood -1..1: each scaled to the chart's half height.
  svg.append(line("affinity", points.map((p) => p.affinity), 0.42), line("valence", points.map((p) => p.valence), 42));
}

function showTimings() {
  const last = state.history[state.history.length - 1].timings;
  const longest = Math.max(...STAGES.map((s) => last[`${s}_ms`] || 0), 1);
  const rows = STAGES.map((stage) => {
    const ms = last[`${stage}_ms`] || 0;
    return el("div", { class: "row" }, el("span", {}, stage.replace("_", " ")),
      el("div", { class: "track" }, el("div", { class: "fill", style: `width:${(100 * ms) / longest}%` })),
      el("span", {}, `${Math.round(ms)} ms`));
  });
  const totals = state.history.map((h) => `${(h.timings.total_ms / 1000).toFixed(1)}s`).join(" · ");
  $("timings").replaceChildren(...rows, el("div", { class: "row" }, el("b", {}, "total"), el("span"), el("b", {}, `${Math.round(last.total_ms)} ms`)), el("div", { class: "history" }, `each turn: ${totals}`));
}

// --- the player's memory as it forms ----------------------------------------------------

async function refreshMemory() {
  if (!state.persona) return 0;
  const { items } = await api("GET", scoped("/events?include_superseded=true&include_derived=true"));
  const byType = new Map();
  for (const event of items) {
    const group = ["profile", "reflection"].includes(event.type) ? event.type : "facts";
    if (!byType.has(group)) byType.set(group, []);
    byType.get(group).push(event);
  }
  const box = $("memory");
  const sections = [];
  const facts = (byType.get("facts") || []).sort((a, b) => a.type.localeCompare(b.type) || a.created_at.localeCompare(b.created_at));
  sections.push(el("h3", {}, "What the player told"), eventList(facts, "nothing kept yet"));
  for (const derived of ["profile", "reflection"]) {
    if (byType.has(derived)) sections.push(el("h3", {}, derived === "profile" ? "Profile" : "Reflections"), eventList(byType.get(derived), ""));
  }
  box.replaceChildren(...sections);
  for (const event of items) state.known.add(event.id);
  return items.length;
}

function eventList(events, emptyText) {
  if (events.length === 0) return el("p", { class: "empty" }, emptyText);
  return el("ul", {}, ...events.map((event) => {
    const superseded = Boolean(event.superseded_by || event.valid_to);
    const classes = ["event", superseded ? "superseded" : "", state.known.has(event.id) ? "" : "fresh"].join(" ").trim();
    const forget = el("button", { type: "button", class: "link", title: "Forget this" }, "×");
    forget.addEventListener("click", async () => {
      try { await api("DELETE", scoped(`/events/${encodeURIComponent(event.id)}`)); await refreshMemory(); } catch (error) { toast(error.message); }
    });
    const also = event.also.length ? ` (also ${event.also.join(", ")})` : "";
    return el("li", { class: classes, dataset: { type: event.type, id: event.id } },
      el("span", { class: "badge" }, event.type),
      el("span", { class: "summary" }, event.summary),
      el("span", { class: "meta" }, `imp ${event.importance}${also}${event.date ? ` · ${event.date}` : ""}${superseded ? " · superseded" : ""}`),
      superseded ? null : forget);
  }));
}

function watchMemory() {
  // The worker extracts after the turn: look again for a while, until nothing new comes.
  clearInterval(state.polling);
  const mine = state.generation;
  let rounds = 0;
  let quiet = 0;
  let last = -1;
  state.polling = setInterval(async () => {
    rounds += 1;
    if (mine !== state.generation) {
      clearInterval(state.polling);
      return;
    }
    const count = await refreshMemory().catch(() => last);
    quiet = count === last ? quiet + 1 : 0;
    last = count;
    if (rounds > 40 || quiet > 8) clearInterval(state.polling);
  }, 1000);
}

// --- start ------------------------------------------------------------------------------

$("key").addEventListener("change", async () => {
  state.key = $("key").value.trim();
  sessionStorage.setItem("npc-key", state.key);
  await start();
});
$("player").addEventListener("change", () => startConversation().catch((e) => toast(e.message)));
$("new-player").addEventListener("click", () => {
  $("player").value = `player-${crypto.randomUUID().slice(0, 8)}`;
  startConversation().catch((e) => toast(e.message));
});

async function start() {
  if (!state.key) {
    setStatus("idle", "paste an API key");
    return;
  }
  try { await loadPersonas(); } catch (error) { setStatus("error", "key refused"); toast(error.message); }
}

(async () => {
  const config = await fetch("config.json").then((r) => r.json()).catch(() => ({}));
  state.key = sessionStorage.getItem("npc-key") || config.dev_key || "";
  $("key").value = state.key;
  await start();
})();
