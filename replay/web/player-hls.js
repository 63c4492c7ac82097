// HLS streaming (issue 18). When the stream has been packaged (the server marks the page: body[data-package="1"];
// the ladder is {base}/hls/master.m3u8), the player streams
// its ladder: natively where the browser plays HLS itself (Safari, iOS; see nativeFirst), else with hls.js, which replay serves
// from /vendor/hls.js (installed from the npm registry by scripts/install.sh; never a CDN). hls.js picks the
// rendition from the measured bandwidth (ABR) unless the viewer picks one in the 清晰度 menu. Seeking is the
// same <video>.currentTime, so 看讲解, the dots, search and deep links work as on the mp4.
// Faults: hls.js moves off a rendition whose playlist or segment fails (to another rendition); when no
// rendition plays, or native HLS fails, the player falls back to the original recording at the same time.
// ?media=original always plays the original (editors, benchmarks). Unpackaged streams play the original and
// never fetch hls.js (about 110 kB gzipped: a phone on a slow network would pay it for nothing).
import { $, base, el, state, video } from "./player-core.js";

export const media = { mode: "", levels: [], level: -1, auto: true, fallback: null, errors: [] };
window.replayMedia = media;  // for tests and scripts

let player = null;

function mark(mode) {
  media.mode = mode;
  document.body.dataset.media = mode;
}

function useOriginal(reason) {
  const t = state.pendingSeek != null ? state.pendingSeek : video.currentTime, playing = !video.paused;
  if (player) { player.destroy(); player = null; }
  $("quality")?.remove();
  media.fallback = reason;
  mark("mp4");
  video.src = `${base}/media`;
  if (t > 0) {
    video.addEventListener("loadedmetadata", () => { video.currentTime = t; if (playing) video.play().catch(() => {}); },
      { once: true });
  }
}

function loadScript(src) {
  return new Promise((ok, fail) => {
    const s = el("script", { src, async: "" });
    s.onload = ok;
    s.onerror = () => fail(new Error(`${src} did not load`));
    document.head.append(s);
  });
}

const label = (l) => `${Math.min(l.width, l.height)}p`;

function qualityMenu() {
  const menu = el("select", { id: "quality", class: "ctl quality", "aria-label": "清晰度", title: "清晰度" },
    el("option", { value: "-1", text: "自动" }),
    ...media.levels.map((l, i) => el("option", { value: String(i), text: label(l) })).reverse());
  menu.addEventListener("change", () => {
    const n = Number(menu.value);
    media.auto = n < 0;
    player.currentLevel = n;  // -1: back to ABR; else switch now (the buffer ahead is refetched in that rung)
  });
  $("cc").before(menu);
}

function attachHlsJs(master, startPosition) {
  const Hls = window.Hls;
  if (!Hls || !Hls.isSupported()) { useOriginal("this browser has neither native HLS nor MediaSource"); return; }
  player = new Hls({
    startPosition,
    capLevelToPlayerSize: true,  // a phone's small picture never pulls the 720p rung
    maxBufferLength: 20,
    backBufferLength: 30,
  });
  mark("hls.js");
  let recovered = false;
  player.on(Hls.Events.MANIFEST_PARSED, (_, d) => {
    media.levels = d.levels.map((l) => ({ width: l.width, height: l.height, bitrate: l.bitrate }));
    qualityMenu();
  });
  player.on(Hls.Events.LEVEL_SWITCHED, (_, d) => {
    media.level = d.level;
    document.body.dataset.level = String(d.level);
  });
  player.on(Hls.Events.ERROR, (_, d) => {
    media.errors.push(d.details);
    if (!d.fatal) return;
    if (d.type === Hls.ErrorTypes.MEDIA_ERROR && !recovered) { recovered = true; player.recoverMediaError(); return; }
    useOriginal(d.details);  // no rendition left that plays
  });
  player.loadSource(master);
  player.attachMedia(video);
}

// Native HLS on Safari and iOS (Apple's own player, and the only one on iPhones without MediaSource); hls.js
// wherever MediaSource exists otherwise, Chromium included even though Chromium now plays HLS itself: its
// native player offers no rendition choice and no per-rendition fallback. ?hls=native forces native.
function nativeFirst(params) {
  if (!video.canPlayType("application/vnd.apple.mpegurl")) return false;
  if (params.get("hls") === "native") return true;
  return !(window.MediaSource || window.ManagedMediaSource) || /^Apple/.test(navigator.vendor || "");
}

export async function attachSource() {
  const params = new URLSearchParams(location.search);
  if (params.get("media") === "original") { useOriginal("asked for the original"); return; }
  if (document.body.dataset.package !== "1") { mark("mp4"); video.src = `${base}/media`; return; }
  const master = `${base}/hls/master.m3u8`;
  if (nativeFirst(params)) {
    mark("native");
    video.addEventListener("error", () => useOriginal("native HLS failed"), { once: true });
    video.src = master;
    return;
  }
  const t = parseFloat(params.get("t"));
  const failed = await loadScript("/vendor/hls.js").then(() => null, (err) => err);
  if (failed) { useOriginal(failed.message); return; }
  attachHlsJs(master, isFinite(t) && t > 0 ? t : -1);
}
