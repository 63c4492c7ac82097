// The progress bar: 看点 dots (32×32 hit areas, one Tab stop), the 看点 card a mouse or keyboard user
// previews, tap-to-seek and swipe-to-scrub with any pointer.
import { $, clock, el, playFrom, productOf, seek, state, ui, video, yuan } from "./player-core.js";
import { productLinks } from "./player-links.js";

const bar = $("bar"), track = $("track"), card = $("card");
let cardFor = null;

// Drawn from the index's duration, so the dots appear before the video's metadata has loaded.
export function renderDots() {
  const box = $("dots"), d = state.duration || video.duration;
  if (!d) { box.replaceChildren(); return; }
  const frag = document.createDocumentFragment();
  state.highlights.forEach((h, n) => {
    const b = el("button", { type: "button", class: "dot" + (h.kind === "return" ? " return" : ""), tabindex: "-1",
      "data-hid": h.id, "data-sku": h.sku_id,
      "aria-label": `看点${n + 1}：${h.title}${h.kind === "return" ? "（返场）" : ""}，${clock(h.start)}` });
    b.style.left = (100 * h.start / d).toFixed(3) + "%";
    frag.append(b);
  });
  box.replaceChildren(frag);
  if (box.firstChild) {
    box.firstChild.tabIndex = 0;
    markFirstDot();
  }
  state.current = undefined;
  ui.update?.();
}

// performance marks for the time-to-first-dot measurement (scripts/bench_player.py): in the DOM, then painted.
function markFirstDot() {
  if (performance.getEntriesByName("replay:dots").length) return;
  performance.mark("replay:dots");
  requestAnimationFrame(() => setTimeout(() => performance.mark("replay:first-dot"), 0));
}

// Roving tabindex: the 看点 group is one Tab stop, on the current 看点 (J/K move it).
export function markDots(cur) {
  let focusable = null;
  for (const b of $("dots").children) {
    const on = !!cur && b.dataset.hid === cur.id;
    b.classList.toggle("current", on);
    if (on) focusable = b;
  }
  focusable = focusable || $("dots").firstChild;
  for (const b of $("dots").children) b.tabIndex = b === focusable ? 0 : -1;
  if (document.activeElement?.classList.contains("dot") && focusable && document.activeElement !== focusable) {
    focusable.focus({ preventScroll: true });
  }
}

function highlightOf(dot) { return state.highlights.find((h) => h.id === dot.dataset.hid); }

function showCard(h, dot) {
  const p = productOf(h.sku_id);
  cardFor = h;
  const img = $("card-img");
  if (h.thumbnail) { img.src = h.thumbnail; img.className = ""; } else { img.removeAttribute("src"); img.className = "none"; }
  $("card-title").textContent = h.title + (h.kind === "return" ? "（返场）" : "");
  $("card-price").textContent = p && p.live_price != null ? "直播价 " + yuan(p.live_price) : "";
  $("card-time").textContent = `${clock(h.start)} – ${clock(h.end)}`;
  $("card-links").replaceChildren(...[productLinks(p, h)].filter(Boolean));
  card.hidden = false;
  const r = bar.getBoundingClientRect(), x = dot.getBoundingClientRect().left + 16 - r.left;
  card.style.left = Math.max(-8, Math.min(x - card.offsetWidth / 2, r.width - card.offsetWidth + 8)) + "px";
  // Below the bar when there is room (it then hides none of the picture), else above it.
  card.classList.toggle("below", r.bottom + 40 + card.offsetHeight <= innerHeight);
}
export function hideCard() { card.hidden = true; cardFor = null; }

const dots = $("dots");
dots.addEventListener("click", (e) => {
  const dot = e.target.closest(".dot");
  if (!dot) return;
  const h = highlightOf(dot);
  hideCard();
  if (h) playFrom(h.start, { sku: h.sku_id, via: "dot", h });
});
dots.addEventListener("pointerover", (e) => {
  const dot = e.target.closest(".dot");
  if (dot && e.pointerType === "mouse") showCard(highlightOf(dot), dot);
});
dots.addEventListener("focusin", (e) => {
  const dot = e.target.closest(".dot");
  if (dot && dot.matches(":focus-visible")) showCard(highlightOf(dot), dot);  // keyboard focus, not a tap
});
$("card-watch").addEventListener("click", () => {
  const h = cardFor;
  hideCard();
  if (h) playFrom(h.start, { sku: h.sku_id, via: "card", h });
});
document.addEventListener("click", (e) => { if (!card.hidden && !e.target.closest("#card, .dot")) hideCard(); });
bar.addEventListener("mouseleave", () => { if (!card.contains(document.activeElement)) hideCard(); });

// --- tap and scrub ----------------------------------------------------------------------------------
function timeAt(clientX) {
  const r = track.getBoundingClientRect(), d = state.duration || video.duration || 0;
  return d * Math.min(1, Math.max(0, (clientX - r.left) / r.width));
}
let drag = null, swallowClick = false;
bar.addEventListener("pointerdown", (e) => {
  if (e.button !== 0 || e.target.closest("#card")) return;
  drag = { id: e.pointerId, x: e.clientX, moved: false, wasPlaying: !video.paused };
});
bar.addEventListener("pointermove", (e) => {
  if (!drag || e.pointerId !== drag.id) return;
  if (!drag.moved) {
    if (Math.abs(e.clientX - drag.x) < 6) return;
    drag.moved = true;
    bar.setPointerCapture(e.pointerId);
    bar.classList.add("scrubbing");
    hideCard();
    video.pause();
  }
  scrubTo(timeAt(e.clientX));
});
function endDrag(e) {
  if (!drag || e.pointerId !== drag.id) return;
  const d = drag;
  drag = null;
  if (!d.moved) return;  // a tap: the click that follows seeks (track) or jumps (dot)
  bar.classList.remove("scrubbing");
  swallowClick = true;
  setTimeout(() => { swallowClick = false; }, 0);
  seek(timeAt(e.clientX), d.wasPlaying);
}
bar.addEventListener("pointerup", endDrag);
bar.addEventListener("pointercancel", endDrag);
// A swipe ends with a click on whatever it started on; that click is not a tap.
bar.addEventListener("click", (e) => { if (swallowClick) { e.stopPropagation(); e.preventDefault(); } }, true);
track.addEventListener("click", (e) => seek(timeAt(e.clientX), !video.paused));

let scrubFrame = 0, scrubTarget = 0;
function scrubTo(t) {
  scrubTarget = t;
  state.pendingSeek = null;
  const d = state.duration || video.duration || 0;
  $("fill").style.width = d ? (100 * t / d).toFixed(3) + "%" : "0";
  $("clock").textContent = `${clock(t)} / ${clock(d)}`;
  if (!scrubFrame) {
    scrubFrame = requestAnimationFrame(() => {
      scrubFrame = 0;
      if (video.readyState >= 1) video.currentTime = scrubTarget;
    });
  }
}
