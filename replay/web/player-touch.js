// Taps on the picture: one tap plays or pauses; a double tap on the left or right third skips 10 s back or
// forward (as phone video apps do). A mouse click toggles at once, a mouse double click skips too.
import { $, seek, state, video } from "./player-core.js";

const screen = $("screen"), bubble = $("skip");
const DOUBLE_MS = 300, SKIP_S = 10;
let lastTap = null, single = 0, bubbleTimer = 0, pointer = "mouse";

export function togglePlay() { if (video.paused) video.play().catch(() => {}); else video.pause(); }

function side(clientX) {
  const r = screen.getBoundingClientRect(), x = (clientX - r.left) / r.width;
  return x < 1 / 3 ? -1 : x > 2 / 3 ? 1 : 0;
}

export function skip(dir) {
  const d = state.duration || video.duration || 0;
  const now = state.pendingSeek != null ? state.pendingSeek : video.currentTime;
  seek(Math.max(0, Math.min(d || Infinity, now + dir * SKIP_S)), !video.paused);
  bubble.textContent = dir < 0 ? `« ${SKIP_S} 秒` : `${SKIP_S} 秒 »`;
  bubble.className = "skip " + (dir < 0 ? "back" : "fwd");
  bubble.hidden = false;
  clearTimeout(bubbleTimer);
  bubbleTimer = setTimeout(() => { bubble.hidden = true; }, 700);
}

screen.addEventListener("pointerdown", (e) => { pointer = e.pointerType; });
screen.addEventListener("pointerup", (e) => {
  if (e.pointerType === "mouse" || e.target.closest("button")) return;
  const t = performance.now();
  if (lastTap && t - lastTap.t < DOUBLE_MS && Math.abs(e.clientX - lastTap.x) < 60) {
    clearTimeout(single);
    lastTap = null;
    const dir = side(e.clientX);
    if (dir) skip(dir); else togglePlay();  // a double tap in the middle counts as one tap
    return;
  }
  lastTap = { t, x: e.clientX };
  single = setTimeout(() => { lastTap = null; togglePlay(); }, DOUBLE_MS);
});
screen.addEventListener("click", (e) => {
  if (e.target.closest("button") || (e.pointerType && e.pointerType !== "mouse")) return;
  togglePlay();
});
screen.addEventListener("dblclick", (e) => {
  // Touch double taps are handled above (Chromium also sends them a dblclick); the two clicks of a mouse
  // double click have already toggled twice, so only the skip remains.
  if (pointer !== "mouse" || e.target.closest("button")) return;
  const dir = side(e.clientX);
  if (dir) skip(dir);
});
