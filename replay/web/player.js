// The replay player: 看点 dots on a custom progress bar, the 宝贝口袋 product list with 看讲解 buttons,
// deep links (?t=SECONDS, ?sku=ID), keyboard jumps (J/K, ←/→) and in-stream search.
// Everything comes from the JSON API, so the page shows exactly what other clients get.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const video = $("video");
  const base = location.pathname.replace(/\/+$/, "");
  // Icons are inline SVG: symbol characters (⏭, 🔊) need fonts that a kiosk or server may not have.
  const ICON = {
    play: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M8 5v14l11-7z"/></svg>',
    pause: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 5h4v14H6zM14 5h4v14h-4z"/></svg>',
    sound: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 9h4l5-4v14l-5-4H4zM16 8.5a5 5 0 0 1 0 7M18.5 6a8.5 8.5 0 0 1 0 12" stroke="currentColor" stroke-width="2" fill="none"/><path d="M4 9h4l5-4v14l-5-4H4z"/></svg>',
    muted: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 9h4l5-4v14l-5-4H4z"/><path d="M16 9l5 6M21 9l-5 6" stroke="currentColor" stroke-width="2"/></svg>',
  };
  const state = { stream: null, highlights: [], duration: 0, current: null, cardFor: null, pendingSeek: null };

  function clock(s) {
    s = Math.max(0, Math.floor(s || 0));
    const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, sec = s % 60;
    const pad = (n) => String(n).padStart(2, "0");
    return h ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
  }
  function yuan(v) { return v == null ? "" : "¥" + (Number.isInteger(v) ? v : v.toFixed(2)); }
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
    }
    for (const k of kids) if (k != null) e.append(k);
    return e;
  }
  async function getJSON(url) {
    const r = await fetch(url, { headers: { Accept: "application/json" } });
    if (!r.ok) throw new Error((await r.json()).error?.message || r.statusText);
    return r.json();
  }

  // --- seeking ------------------------------------------------------------------------------------
  // Before metadata is loaded a seek is remembered and applied on loadedmetadata.
  function seek(t, play) {
    t = Math.max(0, Math.min(t, (state.duration || t + 1) - 0.05));
    if (video.readyState >= 1) video.currentTime = t; else state.pendingSeek = t;
    if (play) video.play().catch(() => {});
    update();
  }
  video.addEventListener("loadedmetadata", () => {
    if (!state.duration && isFinite(video.duration)) state.duration = video.duration;
    if (state.pendingSeek != null) { video.currentTime = state.pendingSeek; state.pendingSeek = null; }
    renderDots();
  });
  function firstOf(sku) { return state.highlights.find((h) => h.sku_id === sku); }
  function watch(sku) {
    const h = firstOf(sku);
    if (!h) return;
    const url = new URL(location.href);
    url.searchParams.set("sku", sku); url.searchParams.delete("t");
    history.replaceState(null, "", url);
    select(sku);
    seek(h.start, true);
  }

  // --- current 看点 ----------------------------------------------------------------------------------
  function currentAt(t) {
    let cur = null;
    for (const h of state.highlights) if (h.start <= t + 0.05 && t < h.end) cur = h;
    return cur;
  }
  function update() {
    const t = state.pendingSeek != null ? state.pendingSeek : video.currentTime;
    const d = state.duration || video.duration || 0;
    $("fill").style.width = d ? (100 * t / d).toFixed(3) + "%" : "0";
    $("clock").textContent = `${clock(t)} / ${clock(d)}`;
    const cur = currentAt(t);
    if (cur === state.current) return;
    state.current = cur;
    document.querySelectorAll(".dot").forEach((b) => b.classList.toggle("current", !!cur && b.dataset.hid === cur.id));
    document.querySelectorAll(".product").forEach((li) => {
      const on = !!cur && li.dataset.sku === cur.sku_id;
      li.classList.toggle("current", on);
      if (on) li.setAttribute("aria-current", "true"); else li.removeAttribute("aria-current");
    });
    const now = $("now");
    now.hidden = !cur;
    if (cur) { now.replaceChildren(el("b", { text: "讲解中" }), cur.title); }
  }
  video.addEventListener("timeupdate", update);
  video.addEventListener("seeked", update);
  const playIcon = () => {
    const paused = video.paused;
    $("play").innerHTML = paused ? ICON.play : ICON.pause;
    $("play").setAttribute("aria-label", paused ? "播放" : "暂停");
    $("bigplay").hidden = !paused;
  };
  video.addEventListener("play", playIcon);
  video.addEventListener("pause", playIcon);

  function jump(dir) {
    const t = video.currentTime, hs = state.highlights;
    if (!hs.length) return;
    let target;
    if (dir > 0) target = hs.find((h) => h.start > t + 0.5);
    else target = [...hs].reverse().find((h) => h.start < t - 1.0) || hs[0];
    if (target) { select(target.sku_id); seek(target.start, !video.paused); }
  }

  // --- progress bar, dots and card ------------------------------------------------------------------
  function renderDots() {
    const box = $("dots");
    const d = state.duration || video.duration;
    box.replaceChildren();
    if (!d) return;
    state.highlights.forEach((h, n) => {
      const b = el("button", { type: "button", class: "dot" + (h.kind === "return" ? " return" : ""),
        "data-hid": h.id, "data-sku": h.sku_id, "aria-label": `看点${n + 1}：${h.title}，${clock(h.start)}` });
      b.style.left = (100 * h.start / d).toFixed(3) + "%";
      b.addEventListener("mouseenter", () => showCard(h, b));
      b.addEventListener("focus", () => showCard(h, b));
      b.addEventListener("click", () => showCard(h, b));  // a tap focuses then clicks: never toggle here
      box.append(b);
    });
    state.current = undefined; update();
  }
  function productOf(sku) { return (state.stream?.catalog || []).find((p) => p.sku_id === sku); }
  function showCard(h, dot) {
    const card = $("card"), p = productOf(h.sku_id);
    state.cardFor = h;
    const img = $("card-img");
    if (h.thumbnail) { img.src = h.thumbnail; img.className = ""; } else { img.removeAttribute("src"); img.className = "none"; }
    $("card-title").textContent = h.title + (h.kind === "return" ? "（返场）" : "");
    $("card-price").textContent = p && p.live_price != null ? "直播价 " + yuan(p.live_price) : "";
    $("card-time").textContent = `${clock(h.start)} – ${clock(h.end)}`;
    card.hidden = false;
    const bar = $("bar").getBoundingClientRect(), x = dot.getBoundingClientRect().left + 8 - bar.left;
    card.style.left = Math.max(-40, Math.min(x - card.offsetWidth / 2, bar.width - card.offsetWidth + 40)) + "px";
  }
  function hideCard() { $("card").hidden = true; state.cardFor = null; }
  $("card-watch").addEventListener("click", () => {
    const h = state.cardFor;
    if (h) { select(h.sku_id); seek(h.start, true); hideCard(); }
  });
  document.addEventListener("click", (e) => {
    if (!$("card").hidden && !e.target.closest("#card, .dot")) hideCard();
  });
  $("bar").addEventListener("mouseleave", () => { if (!$("card").contains(document.activeElement)) hideCard(); });
  $("track").addEventListener("click", (e) => {
    const r = e.currentTarget.getBoundingClientRect(), d = state.duration || video.duration;
    if (d) seek(d * (e.clientX - r.left) / r.width, false);
  });

  // --- 宝贝口袋 ---------------------------------------------------------------------------------------
  function select(sku) {
    document.querySelectorAll(".product").forEach((li) => li.classList.toggle("selected", li.dataset.sku === sku));
  }
  function renderProducts() {
    const list = $("products"), items = state.stream.catalog || [];
    list.replaceChildren();
    $("bagcount").textContent = `(${items.length})`;
    for (const p of items) {
      const h = firstOf(p.sku_id);
      const thumb = el("div", { class: "thumb" });
      if (h && h.thumbnail) thumb.append(el("img", { src: h.thumbnail, alt: "", loading: "lazy" }));
      else thumb.append((p.short_name || p.title).slice(0, 1));
      if (p.link_no != null) thumb.append(el("span", { class: "no", text: `${p.link_no}号` }));
      const btn = el("button", { type: "button", class: "watch", text: h ? "看讲解" : "未讲解" });
      if (h) { btn.addEventListener("click", () => watch(p.sku_id)); btn.setAttribute("aria-label", `看讲解：${p.title}`); }
      else btn.disabled = true;
      const price = el("div", {}, el("span", { class: "price", text: yuan(p.live_price ?? p.price) }),
        p.live_price != null && p.price != null && p.price > p.live_price ? el("span", { class: "orig", text: yuan(p.price) }) : null);
      const times = state.highlights.filter((x) => x.sku_id === p.sku_id);
      const meta = times.length ? `讲解 ${clock(times[0].start)} 起` + (times.length > 1 ? ` · ${times.length} 段` : "") : "本场未讲解";
      list.append(el("li", { class: "product", "data-sku": p.sku_id }, thumb,
        el("div", {}, el("div", { class: "ptitle" }, p.title, p.live_price != null ? el("span", { class: "live", text: "直播价" }) : null),
          el("div", { class: "pmeta", text: meta }), el("div", { class: "prow" }, price, btn))));
    }
  }

  // --- search ----------------------------------------------------------------------------------------
  $("search").addEventListener("submit", async (e) => {
    e.preventDefault();
    const q = $("q").value.trim(), out = $("hits");
    if (!q) { out.replaceChildren(); return; }
    try {
      const res = await getJSON(`${base}/search?q=${encodeURIComponent(q)}&limit=20`);
      out.replaceChildren(...(res.hits.length ? res.hits.map((hit) => {
        const text = el("span", {});
        hit.snippet.split(/(【[^】]*】)/).forEach((part) => text.append(
          part.startsWith("【") && part.endsWith("】") ? el("mark", { text: part.slice(1, -1) }) : part));
        const b = el("button", { type: "button" }, el("span", { class: "t", text: clock(hit.start) }), text);
        b.addEventListener("click", () => seek(hit.start, true));
        return el("li", {}, b);
      }) : [el("li", { class: "empty", text: `没有找到“${q}”` })]));
    } catch (err) { out.replaceChildren(el("li", { class: "empty", text: "搜索失败：" + err.message })); }
  });

  // --- keyboard -----------------------------------------------------------------------------------------
  document.addEventListener("keydown", (e) => {
    const tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === "ArrowRight" || e.key === "k" || e.key === "K") { e.preventDefault(); jump(1); }
    else if (e.key === "ArrowLeft" || e.key === "j" || e.key === "J") { e.preventDefault(); jump(-1); }
    else if (e.key === "Escape") hideCard();
    else if (e.key === " " && tag !== "button") { e.preventDefault(); togglePlay(); }
  });
  function togglePlay() { if (video.paused) video.play().catch(() => {}); else video.pause(); }
  $("play").addEventListener("click", togglePlay);
  $("bigplay").addEventListener("click", togglePlay);
  video.addEventListener("click", togglePlay);
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

  // --- load ---------------------------------------------------------------------------------------------
  const STATES = { queued: "排队中", running: "索引中", failed: "索引失败", done: "已完成" };
  async function load() {
    const [stream, hl] = await Promise.all([getJSON(`${base}?format=json`), getJSON(`${base}/highlights`)]);
    state.stream = stream;
    state.highlights = hl.highlights;
    state.duration = hl.duration || stream.duration || 0;
    $("summary").textContent = `时长 ${clock(state.duration)} · 看点 ${state.highlights.length} 个`;
    const job = stream.jobs[stream.jobs.length - 1];
    const status = $("status");
    status.hidden = !job || job.state === "done";
    if (job && job.state !== "done") {
      status.textContent = `${STATES[job.state] || job.state}` + (job.state === "running" ? ` ${Math.round(job.progress * 100)}%` : "") +
        (job.error ? `：${job.error.message}` : "");
      if (job.state === "queued" || job.state === "running") setTimeout(load, 3000);
    }
    renderProducts();
    renderDots();
    return stream;
  }
  function init() {
    $("play").innerHTML = ICON.play;
    $("mute").innerHTML = ICON.sound;
    video.src = `${base}/media`;
    video.append(el("track", { kind: "subtitles", srclang: "zh", label: "中文字幕", src: `${base}/subtitles.vtt` }));
    load().then(() => {
      const params = new URLSearchParams(location.search);
      const sku = params.get("sku"), t = parseFloat(params.get("t"));
      if (sku && firstOf(sku)) {
        select(sku); seek(firstOf(sku).start, false);
        document.querySelector(`.product[data-sku="${CSS.escape(sku)}"]`)?.scrollIntoView({ block: "nearest" });
      } else if (isFinite(t)) seek(t, false);
      document.body.dataset.ready = "1";  // for tests and scripts: data and controls are in place
    }).catch((err) => { $("status").hidden = false; $("status").textContent = "加载失败：" + err.message; });
  }
  init();
})();
