// The 看点 editor (/streams/{id}/edit): an overview of every 看点, a zoomed timeline of the selected one with
// draggable start/end edges, the SKU picker, split/merge/delete/add, the transcript beside it (click a line to
// seek, 改 to correct it inline) and the list of edits with revert. Every change is one request to the edit API;
// the page then reloads what the API says, so it shows exactly what the player, clips and search will use.
const $ = (id) => document.getElementById(id);
const video = $("video");
const stream = location.pathname.replace(/\/edit\/?$/, "");
const S = { duration: 0, catalog: [], highlights: [], segments: [], edits: [], sel: null, drag: null };

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const k of kids) if (k != null) e.append(k);
  return e;
}
function clock(s, tenths = false) {
  s = Math.max(0, s || 0);
  const m = Math.floor(s / 60), sec = s - m * 60;
  const h = Math.floor(m / 60), mm = h ? String(m % 60).padStart(2, "0") : String(m);
  const ss = tenths ? sec.toFixed(1).padStart(4, "0") : String(Math.floor(sec)).padStart(2, "0");
  return (h ? `${h}:` : "") + `${mm}:${ss}`;
}
function say(text, bad = false) { $("msg").textContent = text; $("msg").classList.toggle("bad", bad); }

// --- the API -------------------------------------------------------------------------------------------------
const store = { get: (k) => { try { return localStorage.getItem(k) || ""; } catch { return ""; } },
  set: (k, v) => { try { localStorage.setItem(k, v); } catch { /* private mode */ } } };
$("editor").value = store.get("replay.editor");
$("apikey").value = store.get("replay.apiKey");
$("keybox").hidden = !$("apikey").value;
$("editor").addEventListener("change", () => store.set("replay.editor", $("editor").value.trim()));
$("apikey").addEventListener("change", () => store.set("replay.apiKey", $("apikey").value.trim()));

async function getJSON(url) {
  const r = await fetch(url, { headers: { Accept: "application/json" } });
  if (!r.ok) throw new Error((await r.json()).error?.message || r.statusText);
  return r.json();
}
async function send(method, url, body) {
  const headers = { Accept: "application/json", "Content-Type": "application/json" };
  const who = $("editor").value.trim(), key = $("apikey").value.trim();
  if (who) headers["X-Editor"] = encodeURIComponent(who);  // header values are Latin-1: names are percent-encoded
  if (key) headers["X-API-Key"] = key;
  const r = await fetch(url, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await r.json();
  if (r.status === 401) { $("keybox").hidden = false; $("apikey").focus(); }
  if (!r.ok) throw new Error(data.error ? data.error.message + (data.error.hint ? `（${data.error.hint}）` : "") : r.statusText);
  return data;
}
// One edit, then a reload of what it changed: the 看点 and the edit list, and the transcript (with its words,
// which is large on a long stream) only when a line changed.
async function edit(method, url, body, done, lines = false) {
  try {
    const res = await send(method, url, body);
    say(res.edit ? `已保存：${res.edit.summary}` : "没有变化");
    await load(done ? done(res) : S.sel, lines || res.edit?.kind === "text");
  } catch (err) { say(err.message, true); render(); }
}

async function load(select, lines = true) {
  const [st, hl, tr, ed] = await Promise.all([getJSON(`${stream}?format=json`), getJSON(`${stream}/highlights`),
    lines ? getJSON(`${stream}/transcript?words=true`) : null, getJSON(`${stream}/edits`)]);
  S.duration = hl.duration || st.duration || 0;
  S.catalog = st.catalog;
  S.highlights = hl.highlights;
  if (tr) S.segments = tr.segments;
  S.edits = ed.edits;
  S.sel = S.highlights.some((h) => h.id === select) ? select : (S.highlights[0]?.id ?? null);
  renderLines();
  render();
}

// --- the timelines ---------------------------------------------------------------------------------------------
const selected = () => S.highlights.find((h) => h.id === S.sel) || null;
function neighbours(h) {
  const i = S.highlights.indexOf(h);
  return [S.highlights[i - 1] || null, S.highlights[i + 1] || null];
}
function windowOf(h) {
  const pad = Math.max(5, 0.25 * (h.end - h.start));
  return [Math.max(0, h.start - pad), Math.min(S.duration || h.end + pad, h.end + pad)];
}
const pct = (t, w0, w1) => `${(100 * (t - w0) / (w1 - w0)).toFixed(3)}%`;
const titleOf = (sku) => (S.catalog.find((p) => p.sku_id === sku) || {}).title || sku;

function render() {
  const d = S.duration || 1, over = $("overview");
  over.replaceChildren(...S.highlights.map((h) => {
    const b = el("button", { type: "button", class: "blk" + (h.kind === "return" ? " return" : "") + (h.edited ? " edited" : "") +
      (h.id === S.sel ? " sel" : ""), "data-hid": h.id, title: `${titleOf(h.sku_id)} ${clock(h.start)}–${clock(h.end)}`,
      "aria-label": `${titleOf(h.sku_id)}，${clock(h.start)} 到 ${clock(h.end)}` });
    b.style.left = pct(h.start, 0, d);
    b.style.width = pct(h.end, h.start, h.start + d);
    b.addEventListener("click", () => { S.sel = h.id; render(); video.currentTime = h.start; });
    return b;
  }), el("div", { class: "playhead", id: "ohead" }));
  renderZoom();
  renderPanel();
  renderEdits();
  markLines();
  tick();
}

function renderZoom() {
  const h = selected(), zb = $("zblocks"), ticks = $("ticks");
  if (!h) { zb.replaceChildren(); ticks.replaceChildren(); return; }
  const [w0, w1] = S.drag ? S.drag.win : windowOf(h);
  $("z0").textContent = clock(w0, true);
  $("z1").textContent = clock(w1, true);
  const span = S.drag ? S.drag.span : [h.start, h.end];
  const blocks = S.highlights.filter((x) => x.end > w0 && x.start < w1).map((x) => {
    const [s, e] = x.id === h.id ? span : [x.start, x.end];
    const blk = el("div", { class: "zblk" + (x.id === h.id ? " sel" : " other") + (x.kind === "return" ? " return" : ""), "data-hid": x.id },
      el("span", { class: "name", text: titleOf(x.sku_id) }));
    blk.style.left = pct(Math.max(s, w0), w0, w1);
    blk.style.width = pct(Math.min(e, w1), Math.max(s, w0), Math.max(s, w0) + (w1 - w0));
    if (x.id === h.id) {
      for (const side of ["start", "end"]) {
        const edge = el("button", { type: "button", class: `edge ${side}`, "data-edge": side,
          "aria-label": side === "start" ? "拖动调整开始" : "拖动调整结束", title: clock(side === "start" ? s : e, true) });
        edge.addEventListener("pointerdown", (ev) => startDrag(ev, side));
        blk.append(edge);
      }
    } else blk.addEventListener("click", () => { S.sel = x.id; render(); });
    return blk;
  });
  zb.replaceChildren(...blocks);
  // Word starts: where a dragged edge will snap to.
  const marks = [];
  for (const seg of S.segments) {
    if (seg.end < w0 || seg.start > w1) continue;
    for (const w of (seg.words && seg.words.length ? seg.words : [{ start: seg.start }])) {
      if (w.start >= w0 && w.start <= w1) { const m = el("i"); m.style.left = pct(w.start, w0, w1); marks.push(m); }
    }
  }
  ticks.replaceChildren(...marks);
}

function startDrag(ev, side) {
  const h = selected();
  if (!h) return;
  ev.preventDefault();
  const [prev, next] = neighbours(h);
  S.drag = { side, win: windowOf(h), span: [h.start, h.end], lo: side === "start" ? (prev ? prev.end : 0) : h.start + 1,
             hi: side === "start" ? h.end - 1 : (next ? next.start : S.duration) };
  ev.target.setPointerCapture?.(ev.pointerId);
  const box = $("zoom").getBoundingClientRect();
  const move = (e) => {
    const [w0, w1] = S.drag.win;
    let t = w0 + (w1 - w0) * Math.min(1, Math.max(0, (e.clientX - box.left) / box.width));
    t = Math.min(S.drag.hi, Math.max(S.drag.lo, t));
    S.drag.span[side === "start" ? 0 : 1] = t;
    renderZoom();
    say(`${side === "start" ? "开始" : "结束"} ${clock(t, true)}`);
  };
  const up = () => {
    removeEventListener("pointermove", move);
    removeEventListener("pointerup", up);
    const [s, e] = S.drag.span;
    S.drag = null;
    if (s === h.start && e === h.end) { render(); return; }
    const body = side === "start" ? { start: +s.toFixed(3) } : { end: +e.toFixed(3) };
    edit("PATCH", `${stream}/highlights/${h.id}`, { ...body, snap: !$("nosnap").checked });
  };
  addEventListener("pointermove", move);
  addEventListener("pointerup", up);
}

// --- the selected 看点 -------------------------------------------------------------------------------------------
function skuOptions(select, value) {
  select.replaceChildren(...S.catalog.map((p) => el("option", { value: p.sku_id, text: `${p.sku_id} · ${p.title}` })));
  if (value) select.value = value;
}
function renderPanel() {
  const h = selected();
  $("panel").hidden = !h;
  skuOptions($("addsku"), $("addsku").value || S.catalog[0]?.sku_id);
  if (!h) return;
  skuOptions($("sku"), h.sku_id);
  $("start").value = h.start.toFixed(2);
  $("end").value = h.end.toFixed(2);
  $("kind").textContent = h.kind === "return" ? "返场" : "讲解";
  $("edited").hidden = !h.edited;
  $("merge").disabled = !neighbours(h)[1];
}
$("sku").addEventListener("change", () => edit("PATCH", `${stream}/highlights/${S.sel}`, { sku_id: $("sku").value }));
for (const side of ["start", "end"]) {
  $(side).addEventListener("change", () => {
    const v = parseFloat($(side).value);
    if (isFinite(v)) edit("PATCH", `${stream}/highlights/${S.sel}`, { [side]: v, snap: !$("nosnap").checked });
  });
}
$("panel").addEventListener("submit", (e) => e.preventDefault());
$("play").addEventListener("click", () => { const h = selected(); if (h) { video.currentTime = h.start; video.play().catch(() => {}); } });
$("split").addEventListener("click", () => edit("POST", `${stream}/highlights/${S.sel}`,
  { action: "split", at: +video.currentTime.toFixed(3), snap: !$("nosnap").checked }));
$("merge").addEventListener("click", () => {
  const next = neighbours(selected())[1];
  if (next) edit("POST", `${stream}/highlights/${S.sel}`, { action: "merge", with: next.id });
});
$("delete").addEventListener("click", () => {
  const h = selected();
  if (h && confirm(`删除看点「${titleOf(h.sku_id)}」${clock(h.start)}？（可在编辑记录中撤销）`)) {
    edit("DELETE", `${stream}/highlights/${h.id}`, null, () => null);
  }
});
$("add").addEventListener("click", () => {
  const t = video.currentTime, next = S.highlights.find((h) => h.start > t);
  const end = Math.min(t + 30, next ? next.start : S.duration);
  edit("POST", `${stream}/highlights`, { sku_id: $("addsku").value, start: +t.toFixed(3), end: +end.toFixed(3),
    snap: !$("nosnap").checked }, (res) => res.highlights[0]?.id);
});

// --- edits ---------------------------------------------------------------------------------------------------------
function renderEdits() {
  const list = $("edits");
  if (!S.edits.length) { list.replaceChildren(el("li", { class: "empty", text: "还没有编辑" })); return; }
  list.replaceChildren(...[...S.edits].reverse().map((e) => {
    const when = new Date(e.created_at * 1000).toLocaleString("zh-CN", { hour12: false });
    const li = el("li", { class: e.active ? "" : "reverted", "data-edit": e.id },
      el("span", { class: "who", text: `${e.editor} · ${when}` }), el("span", { class: "what", text: e.summary }));
    if (e.active) {
      const b = el("button", { type: "button", class: "revert", text: "撤销" });
      b.addEventListener("click", () => edit("POST", e.revert, null));
      li.append(b);
    } else li.append(el("span", { class: "state", text: `已由 ${e.reverted_by} 撤销` }));
    return li;
  }));
}

// --- the transcript ------------------------------------------------------------------------------------------------
function renderLines() {
  const fixed = new Set(S.edits.filter((e) => e.kind === "text" && e.active).map((e) => e.segment_idx));
  $("lines").replaceChildren(...S.segments.map((s) => {
    const text = el("span", { class: "text", text: s.text });
    const li = el("li", { "data-idx": String(s.idx), class: fixed.has(s.idx) ? "fixed" : "" },
      el("button", { type: "button", class: "ts", text: clock(s.start), "aria-label": `跳到 ${clock(s.start)}` }), text,
      el("button", { type: "button", class: "fix", text: "改", "aria-label": `修改第 ${s.idx + 1} 行文字` }));
    li.querySelector(".ts").addEventListener("click", () => { video.currentTime = s.start; });
    text.addEventListener("click", () => { video.currentTime = s.start; });
    li.querySelector(".fix").addEventListener("click", () => fixLine(li, s));
    return li;
  }));
}
function fixLine(li, s) {
  const input = el("input", { type: "text", class: "fixer", maxlength: "500", "aria-label": "修改后的文字" });
  input.value = s.text;
  li.querySelector(".text").replaceWith(input);
  input.focus();
  input.select();
  let done = false;
  const finish = (save) => {
    if (done) return;
    done = true;
    const v = input.value.trim();
    if (save && v && v !== s.text) {
      edit("PATCH", `${stream}/transcript/segments/${s.idx}`, { text: v });
    } else {
      renderLines();
      markLines();
    }
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); finish(true); } else if (e.key === "Escape") finish(false);
  });
  input.addEventListener("blur", () => finish(false));
}
function markLines() {
  const h = selected(), t = video.currentTime;
  document.querySelectorAll("#lines li").forEach((li) => {
    const s = S.segments[+li.dataset.idx];
    if (!s) return;
    li.classList.toggle("inside", !!h && s.end > h.start && s.start < h.end);
    li.classList.toggle("now", s.start <= t && t < s.end);
  });
}

// --- the playheads ---------------------------------------------------------------------------------------------
function tick() {
  const t = video.currentTime, d = S.duration || 1;
  $("now").textContent = clock(t, true);
  $("dur").textContent = clock(S.duration);
  const oh = $("ohead");
  if (oh) oh.style.left = pct(t, 0, d);
  const h = selected();
  const zh = $("zhead");
  if (h) {
    const [w0, w1] = S.drag ? S.drag.win : windowOf(h);
    zh.hidden = t < w0 || t > w1;
    zh.style.left = pct(t, w0, w1);
  }
}
video.addEventListener("timeupdate", () => { tick(); markLines(); });
video.addEventListener("seeked", () => { tick(); markLines(); document.querySelector("#lines li.now")?.scrollIntoView({ block: "nearest" }); });

$("back").href = stream;
video.src = `${stream}/media`;
// Issue 18: once the original is deleted (package.keep_original=false), /media is gone and the editor plays the
// HLS ladder instead (clips are then cut from its best rendition): natively where the browser plays HLS, else
// with the hls.js replay serves (installed from npm, never a CDN).
video.addEventListener("error", async () => {
  const ladder = await fetch(`${stream}/package`).then((r) => r.json()).catch(() => ({}));
  if (!ladder.master) return;
  if (video.canPlayType("application/vnd.apple.mpegurl")) { video.src = ladder.master; return; }
  const s = el("script", { src: "/vendor/hls.js" });
  s.onload = () => { const hls = new window.Hls(); hls.loadSource(ladder.master); hls.attachMedia(video); };
  document.head.append(s);
}, { once: true });
load(null).then(() => {
  document.body.dataset.ready = "1";  // for tests and scripts: data and controls are in place
}).catch((err) => say("加载失败：" + err.message, true));
