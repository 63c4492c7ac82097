// Viewer events (README "Viewer events"): which 看点 played and how the viewer got there, how much of it was
// watched (25/50/75/100 % of its length, in time actually played: skipping ahead does not count), and product
// links opened. Sent in batches to POST /events under an anonymous id of this tab (random, kept in
// sessionStorage: a new tab is a new session, and nothing in it identifies the viewer), and with
// navigator.sendBeacon when the page is hidden or closed.
import { base, currentAt, state, ui, video } from "./player-core.js";

const FLUSH_MS = 5000, MAX_BATCH = 50, MARKS = [25, 50, 75, 100], TOLERANCE = 0.05;
const stream = base.split("/").pop();
const session = (() => {
  const fresh = () => [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
  try {
    let id = sessionStorage.getItem("replay-session");
    if (!id) sessionStorage.setItem("replay-session", id = fresh());
    return id;
  } catch { return fresh(); }  // storage blocked: one session per page load
})();

// --- sending ---------------------------------------------------------------------------------------------
const queue = [];
let timer = 0;

function send(ev) {
  queue.push({ ...ev, t: Math.max(0, Math.round((ev.t ?? video.currentTime) * 100) / 100) });
  if (queue.length >= MAX_BATCH) flush();
  else if (!timer) timer = setTimeout(flush, FLUSH_MS);
}

export function flush(leaving = false) {
  clearTimeout(timer);
  timer = 0;
  while (queue.length) {
    const body = JSON.stringify({ session, stream, events: queue.splice(0, MAX_BATCH) });
    if (leaving && navigator.sendBeacon?.("/events", new Blob([body], { type: "application/json" }))) continue;
    fetch("/events", { method: "POST", body, keepalive: true, headers: { "Content-Type": "application/json" } }).catch(() => {});
  }
}
document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") flush(true); });
addEventListener("pagehide", () => flush(true));

// A product link opened: sent at once, since the viewer is probably leaving.
export function track(ev) {
  send(ev);
  flush();
}

// --- plays and progress ----------------------------------------------------------------------------------
let chosen = null;  // { via, h }: the entry point the viewer used last, until the video next runs
let play = null;    // the play under way: { h, watched (s), next (index into MARKS) }
let lastT = null;   // the position at the previous timeupdate, null after a seek or a choice
let lastWall = 0;   // performance.now() at the previous timeupdate (or seek)
let landed = null;  // where the last seek landed, until the first timeupdate after it

// Every jump a viewer asks for (player-core playFrom, deep links) says where it came from; the next play is
// credited to it. Choosing again, even the 看点 already playing, starts a new play.
ui.chose = (via, h = null) => { chosen = { via, h }; play = null; lastT = null; };

const endOf = (h) => (isFinite(video.duration) && video.duration > 0 ? Math.min(h.end, video.duration) : h.end);

// Credit the current play with the part of [from, to] that lies inside its 看点.
function creditSpan(from, to) {
  credit(Math.max(0, Math.min(to, endOf(play.h)) - Math.max(from, play.h.start)));
}

// Whether playing could have moved the video by dt seconds in `wall` seconds of clock (half a second of slack).
const reachable = (dt, wall) => dt >= 0 && dt <= wall * (video.playbackRate || 1) + 0.5;

function credit(seconds) {
  play.watched += seconds;
  const len = endOf(play.h) - play.h.start;
  while (play.next < MARKS.length && play.watched >= MARKS[play.next] / 100 * len - TOLERANCE) {
    send({ kind: "progress", highlight: play.h.id, pct: MARKS[play.next++] });
  }
}

// A 看点 counts as played once the video runs inside it.
function enter(t, passive) {
  if (video.paused) return;
  const pick = chosen;
  chosen = null;
  const h = pick?.h && t >= pick.h.start - 0.5 && t < pick.h.end ? pick.h : currentAt(t);
  if (!h) { play = null; return; }
  if (play && play.h.id === h.id) return;
  play = { h, watched: 0, next: 0 };
  send({ kind: "play", highlight: h.id, source: pick ? pick.via : passive, t });
}

function tick() {
  if (video.seeking || !state.highlights.length) return;
  const t = video.currentTime, prev = lastT, now = performance.now(), wall = (now - lastWall) / 1000;
  lastT = t;
  lastWall = now;
  if (prev == null) {
    // The first timeupdate after a seek comes a few hundred ms into the play: credit them from where it landed.
    const from = landed;
    landed = null;
    enter(t, "seek");
    if (play && from != null && reachable(t - from, wall)) creditSpan(from, t);
    return;
  }
  const dt = t - prev;
  // A jump no seeking event announced: the video moved further than playing could have in the time that passed.
  // (Judged against the clock, not a fixed step: a busy phone fires timeupdate seconds apart while playing.)
  if (!reachable(dt, wall)) return enter(t, "seek");
  if (play) creditSpan(prev, t);
  if (chosen || !play || t >= endOf(play.h) || t < play.h.start) enter(t, "continue");
}
video.addEventListener("timeupdate", tick);
video.addEventListener("ended", tick);
video.addEventListener("seeking", () => { lastT = null; landed = null; });
video.addEventListener("seeked", () => { landed = video.currentTime; lastWall = performance.now(); });
