// Shared state and helpers of the player's modules (native ES modules served from /static: no build step,
// nothing from a CDN). player.js wires the modules together through `ui`.
export const $ = (id) => document.getElementById(id);
export const video = $("video");
export const base = location.pathname.replace(/\/+$/, "");

export const state = {
  stream: null,        // GET /streams/{id}?format=json
  highlights: [],      // the 看点, ordered by start
  duration: 0,         // from the index, so dots are drawn before the video's metadata arrives
  current: undefined,  // the 看点 playing now (null: none; undefined: not computed yet)
  pendingSeek: null,   // a seek asked for before metadata: applied on loadedmetadata
  format: "landscape", // the recording's shape: landscape | portrait
  layout: document.body.dataset.layout || "wide",  // wide | pinned | immersive (see player.css)
};

// Functions one module offers the others; filled in by player.js, player-bar.js and player-bag.js.
export const ui = {};

export function clock(s) {
  s = Math.max(0, Math.floor(s || 0));
  const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, sec = s % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}

export function yuan(v) { return v == null ? "" : "¥" + (Number.isInteger(v) ? v : v.toFixed(2)); }

export function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const k of kids) if (k != null) e.append(k);
  return e;
}

export async function getJSON(url) {
  const r = await fetch(url, { headers: { Accept: "application/json" } });
  if (!r.ok) throw new Error((await r.json()).error?.message || r.statusText);
  return r.json();
}

export function productOf(sku) { return (state.stream?.catalog || []).find((p) => p.sku_id === sku); }
export function segmentsOf(sku) { return state.highlights.filter((h) => h.sku_id === sku); }

export function currentAt(t) {
  let cur = null;
  for (const h of state.highlights) if (h.start <= t + 0.05 && t < h.end) cur = h;
  return cur;
}

export function seek(t, play) {
  const d = state.duration || video.duration || 0;
  t = Math.max(0, d ? Math.min(t, d - 0.05) : t);
  if (ui.beforeSeek?.(t, play)) { ui.update?.(); return; }  // a live stream loads its newer recording first
  if (video.readyState >= 1) video.currentTime = t; else state.pendingSeek = t;
  if (play) video.play().catch(() => {});
  ui.update?.();
}

// Brings the picture into view when the page has scrolled it away (wide layout on a short window); the
// pinned and immersive layouts never let it leave.
export function reveal() {
  const r = $("screen").getBoundingClientRect();
  if (r.top < 0 || r.bottom > innerHeight) $("screen").scrollIntoView({ block: "start" });
}

// Every jump a viewer asks for (看讲解, a 返场, a dot, a search hit, J/K) goes through here: the sheet closes,
// the picture comes into view, and the video plays from the 看点. ``via`` and ``h`` (where the viewer chose it,
// and the 看点) are for the viewer events (player-events.js).
export function playFrom(t, { sku = null, play = true, via = null, h = null } = {}) {
  if (via) ui.chose?.(via, h);
  ui.closeBag?.();
  if (sku) ui.selectProduct?.(sku);
  seek(t, play);
  reveal();
}
