// The replay player: 看点 dots on the progress bar, the 宝贝口袋 with 看讲解 / 返场 buttons, deep links
// (?t=SECONDS, ?sku=ID), keyboard (Space, J/K, ←/→), touch (swipe the bar, double-tap to skip) and search.
// Everything comes from the JSON API, so the page shows exactly what other clients get.
import { $, base, clock, currentAt, el, getJSON, playFrom, seek, segmentsOf, state, ui, video, yuan, productOf } from "./player-core.js";
import { hideCard, markDots, renderDots } from "./player-bar.js";
import { closeBag, markProducts, openBag, renderProducts, selectProduct, showUnexplained, syncSheet } from "./player-bag.js";
import { togglePlay } from "./player-touch.js";
import { isLive, startLive } from "./player-live.js";
import "./player-events.js";  // viewer events: plays, watch progress, product-link clicks (POST /events)
import { attachSource } from "./player-hls.js";

// Icons are inline SVG: symbol characters (⏭, 🔊) need fonts that a kiosk or server may not have.
const ICON = {
  play: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M8 5v14l11-7z"/></svg>',
  pause: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 5h4v14H6zM14 5h4v14h-4z"/></svg>',
  sound: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 9h4l5-4v14l-5-4H4zM16 8.5a5 5 0 0 1 0 7M18.5 6a8.5 8.5 0 0 1 0 12" stroke="currentColor" stroke-width="2" fill="none"/><path d="M4 9h4l5-4v14l-5-4H4z"/></svg>',
  muted: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 9h4l5-4v14l-5-4H4z"/><path d="M16 9l5 6M21 9l-5 6" stroke="currentColor" stroke-width="2"/></svg>',
};

// --- layout ---------------------------------------------------------------------------------------------
const phone = matchMedia("(max-width: 820px)");
function applyLayout() {
  const layout = phone.matches ? (state.format === "portrait" ? "immersive" : "pinned") : "wide";
  document.body.dataset.format = state.format;
  if (layout !== state.layout || document.body.dataset.layout !== layout) {
    state.layout = layout;
    // A layout change must not animate: the sheet would slide shut (and stay clickable for .22 s) on every load.
    document.body.classList.add("settling");
    document.body.dataset.layout = layout;
    requestAnimationFrame(() => requestAnimationFrame(() => document.body.classList.remove("settling")));
    if (layout !== "immersive") $("bag").classList.remove("open");
  }
  syncSheet();
  // The pinned stage covers the top of the page: products scrolled into view must land below it.
  document.documentElement.style.setProperty("--stage-h", layout === "pinned" ? $("stage").offsetHeight + "px" : "0px");
}
phone.addEventListener("change", applyLayout);
addEventListener("resize", applyLayout);
function setShape(w, h) {
  if (!w || !h) return;
  state.format = h > w ? "portrait" : "landscape";
  $("screen").style.setProperty("--ar", `${w} / ${h}`);
  applyLayout();
}

// --- what plays now -----------------------------------------------------------------------------------
function update() {
  const t = state.pendingSeek != null ? state.pendingSeek : video.currentTime;
  const d = state.duration || video.duration || 0;
  if (!$("bar").classList.contains("scrubbing")) {
    $("fill").style.width = d ? (100 * t / d).toFixed(3) + "%" : "0";
    $("clock").textContent = `${clock(t)} / ${clock(d)}`;
  }
  const cur = currentAt(t);
  if (cur === state.current) return;
  state.current = cur;
  markDots(cur);
  markProducts(cur);
  const now = $("now");
  now.hidden = !cur;
  if (cur) {
    const p = productOf(cur.sku_id);
    now.replaceChildren(cur.thumbnail ? el("img", { src: cur.thumbnail, alt: "" }) : el("span", { class: "noimg" }),
      el("b", { text: cur.kind === "return" ? "返场中" : "讲解中" }), el("span", { class: "t", text: cur.title }),
      p && p.live_price != null ? el("span", { class: "p", text: yuan(p.live_price) }) : null);
    now.setAttribute("aria-label", `${cur.kind === "return" ? "返场中" : "讲解中"}：${cur.title}，在宝贝口袋中查看`);
  }
}
ui.update = update;
video.addEventListener("timeupdate", update);
video.addEventListener("seeked", update);
$("now").addEventListener("click", () => { if (state.current) openBag(state.current.sku_id); });

function playIcon() {
  const paused = video.paused;
  $("play").innerHTML = paused ? ICON.play : ICON.pause;
  $("play").setAttribute("aria-label", paused ? "播放" : "暂停");
  $("bigplay").hidden = !paused;
}
video.addEventListener("play", playIcon);
video.addEventListener("pause", playIcon);
video.addEventListener("loadedmetadata", () => {
  setShape(video.videoWidth, video.videoHeight);  // the decoder's word, rotation applied
  const first = !state.duration;
  if (first && isFinite(video.duration)) state.duration = video.duration;
  if (state.pendingSeek != null) { video.currentTime = state.pendingSeek; state.pendingSeek = null; }
  if (first) renderDots();
});

function jump(dir) {
  const t = state.pendingSeek != null ? state.pendingSeek : video.currentTime, hs = state.highlights;
  if (!hs.length) return;
  const target = dir > 0 ? hs.find((h) => h.start > t + 0.5) : [...hs].reverse().find((h) => h.start < t - 1.0) || hs[0];
  if (target) playFrom(target.start, { sku: target.sku_id, play: !video.paused, via: "next", h: target });
}

// --- keyboard -------------------------------------------------------------------------------------------
// Space plays and pauses wherever focus is (a focused button must not restart its 看点), except while typing.
document.addEventListener("keydown", (e) => {
  const t = e.target, tag = (t.tagName || "").toLowerCase();
  if (tag === "input" || tag === "textarea" || tag === "select" || t.isContentEditable || e.altKey || e.ctrlKey || e.metaKey) return;
  if (e.key === " ") { e.preventDefault(); if (!e.repeat) togglePlay(); }
  else if (e.key === "ArrowRight" || e.key === "k" || e.key === "K") { e.preventDefault(); jump(1); }
  else if (e.key === "ArrowLeft" || e.key === "j" || e.key === "J") { e.preventDefault(); jump(-1); }
  else if (e.key === "Escape") { hideCard(); closeBag(); }
});
document.addEventListener("keyup", (e) => {
  if (e.key === " " && (e.target.tagName || "").toLowerCase() === "button") e.preventDefault();
});
$("play").addEventListener("click", togglePlay);
$("bigplay").addEventListener("click", togglePlay);
$("prev").addEventListener("click", () => jump(-1));
$("next").addEventListener("click", () => jump(1));
$("mute").addEventListener("click", () => {
  video.muted = !video.muted;
  $("mute").innerHTML = video.muted ? ICON.muted : ICON.sound;
  $("mute").setAttribute("aria-label", video.muted ? "取消静音" : "静音");
});
$("cc").addEventListener("click", () => {
  const tr = video.textTracks[0];
  if (!tr) return;
  tr.mode = tr.mode === "showing" ? "hidden" : "showing";
  $("cc").setAttribute("aria-pressed", String(tr.mode === "showing"));
});

// --- load -------------------------------------------------------------------------------------------------
const STATES = { queued: "排队中", running: "索引中", failed: "索引失败", done: "已完成" };
async function load() {
  // The two requests run in parallel; the dots need only the 看点 (duration included), so they are drawn
  // as soon as those arrive.
  const streamReq = getJSON(`${base}?format=json`).then((stream) => {
    state.stream = stream;
    setShape(stream.media?.width, stream.media?.height);
    return stream;
  });
  const hlReq = getJSON(`${base}/highlights`).then((hl) => {
    state.highlights = hl.highlights;
    state.duration = hl.duration || state.duration;
    renderDots();
    return hl;
  });
  const [stream] = await Promise.all([streamReq, hlReq]);
  state.duration = state.duration || stream.duration || 0;
  $("summary").textContent = `时长 ${clock(state.duration)} · 看点 ${state.highlights.length} 个`;
  const job = stream.jobs[stream.jobs.length - 1], status = $("status");
  status.hidden = !job || job.state === "done" || isLive(stream);
  if (job && job.state !== "done" && !isLive(stream)) {  // a live stream's status is player-live.js's
    status.textContent = `${STATES[job.state] || job.state}` + (job.state === "running" ? ` ${Math.round(job.progress * 100)}%` : "") +
      (job.error ? `：${job.error.message}` : "");
    if (job.state === "queued" || job.state === "running") setTimeout(load, 3000);
  }
  // Let the dots paint first: a catalog of 100+ products takes a frame of its own to lay out.
  await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  renderProducts();
  state.current = undefined;
  update();
  return stream;
}

function init() {
  $("play").innerHTML = ICON.play;
  $("mute").innerHTML = ICON.sound;
  attachSource();  // the HLS ladder when the stream has one, else the original (player-hls.js)
  video.append(el("track", { kind: "subtitles", srclang: "zh", label: "中文字幕", src: `${base}/subtitles.vtt` }));
  applyLayout();
  load().then((stream) => {
    const params = new URLSearchParams(location.search);
    const sku = params.get("sku"), t = parseFloat(params.get("t"));
    if (sku) {
      const first = segmentsOf(sku)[0];
      if (first) {
        ui.chose?.("link", first);
        selectProduct(sku);
        seek(first.start, false);
        document.querySelector(`.product[data-sku="${CSS.escape(sku)}"]`)?.scrollIntoView({ block: "nearest" });
      } else showUnexplained(sku);
    } else if (isFinite(t)) { ui.chose?.("link"); seek(t, false); }
    startLive(stream);  // a stream still being followed: dots and 宝贝口袋 follow its events
    document.body.dataset.ready = "1";  // for tests and scripts: data and controls are in place
    performance.mark("replay:ready");
  }).catch((err) => { $("status").hidden = false; $("status").textContent = "加载失败：" + err.message; });
}
init();
