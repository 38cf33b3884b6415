/* The studio page: talks only to the JSON API under /api (see /openapi.json). No framework, no build step. */
"use strict";
(function () {
  const $ = (selector, root) => (root || document).querySelector(selector);
  const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));
  const fields = $$("[data-field]");
  const parsed = {};          // what the parser understood, by field
  let busy = false;

  // ------------------------------------------------------------------ the API
  async function api(path, options) {
    let response;
    try {
      response = await fetch(path, options);
    } catch (e) {
      throw new Error("the studio server does not answer: is it still running?");
    }
    let body = null;
    try { body = await response.json(); } catch (e) { /* not JSON */ }
    if (!response.ok) {
      const message = (body && body.error) || `the server answered ${response.status}`;
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return body;
  }
  const post = (path, data) => api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) });
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // ------------------------------------------------------------------ status line and errors
  function showError(message) {
    const box = $("#error");
    box.textContent = message || "";
    box.hidden = !message;
  }
  function setStatus(text, fraction) {
    $("#status").textContent = text;
    $("#progress-bar").style.width = fraction == null ? "0" : `${Math.round(fraction * 100)}%`;
  }
  function setBusy(on) {
    busy = on;
    $("#generate").disabled = on;
    $$(".card .actions button:not(.close)").forEach((b) => { b.disabled = on; });
    if (!on) $$(".card").forEach(updateUndo);
  }

  // ------------------------------------------------------------------ the understood fields
  let parseTimer = null, parseSeq = 0;
  function scheduleParse() {
    clearTimeout(parseTimer);
    parseTimer = setTimeout(parsePrompt, 350);
  }
  async function parsePrompt() {
    const prompt = $("#prompt").value;
    const note = $("#parse-note");
    const seq = ++parseSeq;
    if (!prompt.trim()) { note.textContent = ""; return; }
    try {
      const { understood } = await post("/api/parse", { prompt });
      if (seq !== parseSeq) return;
      for (const input of fields) {
        const name = input.dataset.field;
        parsed[name] = understood[name] || "";
        if (!input.classList.contains("edited")) input.value = parsed[name];
      }
      note.className = "note";
      note.textContent = understood.seconds ? `Length: ${understood.seconds} s.` : "";
    } catch (e) {
      if (seq !== parseSeq) return;
      note.className = "note bad";
      note.textContent = e.message;
    }
  }
  function editedFields() {
    const out = {};
    for (const input of fields) if (input.classList.contains("edited")) out[input.dataset.field] = input.value;
    return out;
  }
  fields.forEach((input) => input.addEventListener("input", () => {
    input.classList.toggle("edited", input.value !== (parsed[input.dataset.field] || ""));
  }));
  $("#prompt").addEventListener("input", scheduleParse);

  // ------------------------------------------------------------------ sampling controls
  const sliders = ["temperature", "cfg", "key_strength"];
  function showValue(id) { $(`output[for=${id}]`).textContent = Number($("#" + id).value).toFixed(2).replace(/\.?0+$/, ""); }
  sliders.forEach((id) => $("#" + id).addEventListener("input", () => showValue(id)));
  $("#dice").addEventListener("click", () => { $("#seed").value = Math.floor(Math.random() * 2 ** 31); });
  function sampling() {
    const seed = $("#seed").value.trim();
    const out = {};
    sliders.forEach((id) => { out[id] = Number($("#" + id).value); });
    out.seed = seed === "" ? null : Number(seed);
    return out;
  }

  // ------------------------------------------------------------------ jobs
  async function runJob(path, body, onTake) {
    showError("");
    setBusy(true);
    const started = performance.now();
    try {
      const { job } = await submit(path, body);
      let seen = 0, version = "";
      for (;;) {
        const state = await api(`/api/jobs/${job}?wait=2&seen=${encodeURIComponent(version)}`);
        version = state.version;
        state.takes.slice(seen).forEach(onTake);
        seen = state.takes.length;
        if (state.status === "done" || state.status === "error") {
          if (state.status === "error") throw new Error(state.error);
          setStatus(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s.`, 1);
          return state;
        }
        describeJob(state);
      }
    } catch (e) {
      showError(e.message);
      setStatus("Stopped.", null);
    } finally {
      setBusy(false);
      refreshHistory();
      health();
    }
  }
  async function submit(path, body) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await post(path, body);
      } catch (e) {
        if (e.status !== 429 && e.status !== 503) throw e;
        if (attempt >= 2) throw e;
        setStatus(e.message, null);
        const wait = Number((e.message.match(/(\d+) s/) || [])[1] || 2);
        await sleep(Math.min(wait, 10) * 1000);
      }
    }
  }
  function describeJob(state) {
    const p = state.progress || {};
    if (state.status === "queued") return setStatus(`Waiting in the queue (place ${state.position || "?"})…`, 0.02);
    const total = p.bars_total, done = Math.min(p.bars_done || 0, total || 0);
    const fraction = total ? 0.85 * done / total : 0.1;
    if ((p.stage || "").startsWith("rendering")) return setStatus(`Rendering audio (${p.stage.split(" ")[1]})…`, 0.9);
    setStatus(total ? `Generating: bar ${done} of ${total}…` : "Generating…", fraction);
  }

  // ------------------------------------------------------------------ candidate cards
  let takeCount = 0;
  const labels = {};  // take id → "Take 3"
  function labelOf(take) {
    if (!labels[take.id]) {
      if (take.parent && labels[take.parent]) labels[take.id] = labels[take.parent];
      else labels[take.id] = take.kind === "upload" ? (take.name || "upload") : `Take ${++takeCount}`;
    }
    return labels[take.id];
  }
  function newCard(take) {
    const node = $("#card-template").content.firstElementChild.cloneNode(true);
    const card = { node, stack: [], roll: new PianoRoll($(".roll", node)), audio: $(".player", node) };
    node.studio = card;
    $("#cards").appendChild(node);
    const audio = card.audio;
    let frame = null;
    const tick = () => { card.roll.at(audio.currentTime); node.dataset.playhead = audio.currentTime.toFixed(3); frame = audio.paused ? null : requestAnimationFrame(tick); };
    audio.addEventListener("play", () => { $$(".card audio").forEach((a) => { if (a !== audio) a.pause(); }); if (!frame) frame = requestAnimationFrame(tick); });
    audio.addEventListener("seeked", tick);
    audio.addEventListener("pause", tick);
    $(".roll", node).addEventListener("click", (event) => { audio.currentTime = card.roll.timeAt(event.clientX); tick(); });
    $(".continue", node).addEventListener("click", () => extend(card, false));
    $(".ending", node).addEventListener("click", () => extend(card, true));
    $(".undo", node).addEventListener("click", () => { card.stack.pop(); show(card); });
    $(".close", node).addEventListener("click", () => { audio.pause(); node.remove(); });
    push(card, take);
    return card;
  }
  function push(card, take) { card.stack.push(take); show(card); }
  function show(card) {
    const take = card.stack[card.stack.length - 1];
    const node = card.node;
    node.dataset.take = take.id;
    $(".title", node).textContent = labelOf(take) + (take.kind === "continue" ? " · continued" : take.kind === "ending" ? " · new ending" : "");
    const a = take.attributes || {};
    const bits = [a.key, a.tempo && `${a.tempo} bpm`, a.time_signature, take.bars && `${take.bars} bars`].filter(Boolean);
    if (take.settings && take.settings.seed != null) bits.push(`seed ${take.settings.seed}`);
    $(".meta", node).textContent = bits.join(" · ");
    node.title = take.prompt || take.name || "";
    card.audio.src = take.files.wav;
    card.roll.time = 0;
    if (take.roll) card.roll.draw(take.roll);
    else api(`/api/takes/${take.id}`).then((full) => { take.roll = full.roll; card.roll.draw(full.roll); }).catch((e) => showError(e.message));
    for (const kind of ["midi", "wav", "stems", "musicxml"]) {
      const link = $(`.dl-${kind}`, node);
      link.href = take.files[kind];
      link.setAttribute("download", `${labelOf(take).replace(/\W+/g, "-").toLowerCase()}-${take.id.slice(0, 6)}.${{ midi: "mid", wav: "wav", stems: "zip", musicxml: "musicxml" }[kind]}`);
    }
    updateUndo(node);
  }
  function updateUndo(node) { const undo = $(".undo", node); if (undo && node.studio) undo.disabled = busy || node.studio.stack.length < 2; }
  async function extend(card, ending) {
    const take = card.stack[card.stack.length - 1];
    card.audio.pause();
    setStatus(ending ? "Playing the last bars anew…" : "Continuing…", 0.02);
    await runJob("/api/continue", { take: take.id, ending, sampling: sampling() }, (next) => push(card, next));
  }

  // ------------------------------------------------------------------ generate and upload
  $("#compose").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    const prompt = $("#prompt").value;
    const candidates = Number($("#candidates").value);
    $$(".card").forEach((node) => { node.studio.audio.pause(); node.remove(); });
    setStatus("Sending…", 0.02);
    let first = true;
    await runJob("/api/generate", { prompt, fields: editedFields(), sampling: sampling(), candidates }, (take) => {
      const card = newCard(take);
      if (first) { first = false; card.node.classList.add("selected"); }
    });
  });
  $("#upload").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file) return;
    showError("");
    try {
      const take = await api(`/api/uploads?name=${encodeURIComponent(file.name)}`, { method: "POST", headers: { "Content-Type": "audio/midi" }, body: file });
      newCard(take);
      setStatus(`Uploaded ${file.name}: press Continue or Another ending on its card.`, null);
      refreshHistory();
    } catch (e) { showError(e.message); }
  });

  // ------------------------------------------------------------------ history
  async function refreshHistory() {
    let takes;
    try { ({ takes } = await api("/api/takes")); } catch (e) { return; }
    const list = $("#history");
    list.textContent = "";
    if (!takes.length) { list.innerHTML = '<li class="empty">Takes you make appear here.</li>'; return; }
    for (const take of takes.slice().reverse()) labelOf(take);
    for (const take of takes) {
      const item = document.createElement("li");
      const kind = document.createElement("span");
      kind.className = `kind ${take.kind}`;
      kind.textContent = take.kind;
      item.appendChild(kind);
      const what = take.kind === "continue" ? "continued" : take.kind === "ending" ? "new ending" : (take.prompt || take.name || "");
      item.appendChild(document.createTextNode(`${labelOf(take)} — ${what}`.slice(0, 90)));
      const when = document.createElement("span");
      when.className = "when";
      when.textContent = `${new Date(take.created * 1000).toLocaleTimeString()} · ${take.duration ? take.duration.toFixed(1) + " s" : ""}`;
      item.appendChild(when);
      item.title = "open this take in a card to replay and compare";
      item.addEventListener("click", () => { const card = newCard(take); card.node.scrollIntoView({ behavior: "smooth", block: "nearest" }); });
      list.appendChild(item);
    }
  }

  // ------------------------------------------------------------------ queue pill and defaults
  async function health() {
    try {
      const { queue, defaults } = await api("/api/health");
      const pill = $("#queue");
      const load = queue.running + queue.waiting;
      pill.textContent = load ? `${queue.running} running · ${queue.waiting} waiting` : "idle";
      pill.classList.toggle("busy", queue.waiting >= queue.max_waiting);
      return defaults;
    } catch (e) { return null; }
  }
  async function start() {
    const defaults = (await health()) || { temperature: 1, cfg: 3, key_strength: 3 };
    sliders.forEach((id) => { if (defaults[id] != null) $("#" + id).value = defaults[id]; showValue(id); });
    parsePrompt();
    refreshHistory();
    setInterval(health, 3000);
  }
  window.studioCards = () => $$(".card").map((node) => node.studio);
  start();
})();
