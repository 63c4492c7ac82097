// A stream that is still live (issue 14): its index grows while replay follows the recording. The events of
// GET /streams/{id}/events (Server-Sent Events) bring 看点 as they open and close; the dots and the 宝贝口袋 are
// redrawn without a reload, the product being explained now is marked 讲解中, and the recording so far (an HLS
// playlist of what has been written) is loaded again when the viewer asks for a moment past its end.
import { $, base, clock, el, getJSON, state, ui, video } from "./player-core.js";
import { renderDots } from "./player-bar.js";
import { renderProducts } from "./player-bag.js";

let events = null, pending = null, edge = 0, loaded = 0;

export function isLive(stream) { return !!stream?.live && stream.index_state !== "final"; }

// The live 看点 that reaches furthest: the product the host is explaining now.
function explainedNow() {
  return [...state.highlights].reverse().find((h) => h.state === "live") || null;
}

function mark() {
  const now = document.body.dataset.live === "1" ? explainedNow() : null;
  for (const d of $("dots").children) d.classList.toggle("live", !!now && d.dataset.hid === now.id);
  document.querySelectorAll(".product").forEach((li) => {
    const on = !!now && li.dataset.sku === now.sku_id;
    li.classList.toggle("live-now", on);
    li.querySelector(".livebadge")?.remove();
    if (on) li.querySelector(".ptitle")?.prepend(el("span", { class: "livebadge", text: "讲解中" }));
  });
}

function showStatus(indexState) {
  const status = $("status");
  status.hidden = indexState === "final";
  status.textContent = indexState === "ending" ? "直播已结束，正在整理看点…" : `直播中 · 已索引到 ${clock(edge)}`;
  $("summary").textContent = `${indexState === "final" ? "时长" : "已录制"} ${clock(state.duration)} · 看点 ${state.highlights.length} 个`;
}

async function refresh() {
  const hl = await getJSON(`${base}/highlights`);
  state.highlights = hl.highlights;
  state.duration = Math.max(hl.duration || 0, state.duration || 0);
  renderDots();
  renderProducts();
  state.current = undefined;
  ui.update?.();
  mark();
  showStatus(hl.state);
  return hl;
}

function later() {
  if (!pending) pending = setTimeout(async () => {
    pending = null;
    try { await refresh(); } catch { return; }
    // A paused (or not yet playable) video takes the newer recording now; a playing one when it gets there.
    if (video.paused && (video.error || state.duration > loaded + 30)) reload(video.currentTime || 0, false);
  }, 300);
}

// The recording so far, loaded again (from `t`), when the viewer wants more of it than the browser has.
function reload(t, play) {
  loaded = state.duration;
  state.pendingSeek = t;
  video.src = `${base}/media?v=${Date.now()}`;
  video.load();
  if (play) video.play().catch(() => {});
}

export function startLive(stream) {
  if (!isLive(stream) || events) return;
  document.body.dataset.live = "1";
  edge = stream.live.transcribed || 0;
  loaded = stream.duration || 0;
  mark();
  showStatus(stream.index_state);
  // player-core's seek() asks first: a moment past the loaded recording needs the newer recording.
  ui.beforeSeek = (t, play) => {
    if (!(isFinite(video.duration) && t > video.duration - 0.5 && state.duration > loaded + 0.5)) return false;
    reload(t, play);
    return true;
  };
  video.addEventListener("ended", () => {
    if (state.duration > loaded + 0.5) reload(video.currentTime, true);
  });
  events = new EventSource(`${base}/events`);
  for (const type of ["opened", "updated", "withdrawn", "final", "ending"]) events.addEventListener(type, later);
  events.addEventListener("progress", (e) => { edge = JSON.parse(e.data).transcribed || edge; later(); });
  for (const type of ["ended", "failed"]) {
    events.addEventListener(type, async (e) => {
      events.close();
      document.body.dataset.live = type === "ended" ? "0" : "failed";
      const hl = await refresh();
      if (type === "ended") reload(video.currentTime, !video.paused);  // the recording is one mp4 now
      else {
        $("status").hidden = false;
        $("status").textContent = "直播索引中断：" + (JSON.parse(e.data || "{}").error || "请稍后重试");
      }
      mark();
      return hl;
    });
  }
}
