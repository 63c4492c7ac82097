// The 宝贝口袋: the catalog with each product's 讲解 and 返场 segments, search, and (in the immersive phone
// layout) the bottom sheet that holds them.
import { $, base, clock, el, getJSON, playFrom, productOf, segmentsOf, state, ui, yuan } from "./player-core.js";
import { productLinks } from "./player-links.js";

const bag = $("bag"), bagbtn = $("bagbtn"), scrim = $("scrim");

function setUrl(params) {
  const url = new URL(location.href);
  for (const k of ["sku", "t"]) url.searchParams.delete(k);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  history.replaceState(null, "", url);
}

// One segment of a product: 讲解 (its main explanation) or 返场 (brought back later).
function watchSegment(h, sku) {
  if (h.kind === "return") setUrl({ t: h.start.toFixed(1) }); else setUrl({ sku });
  playFrom(h.start, { sku, via: "bag", h });
}

export function renderProducts() {
  const list = $("products"), items = state.stream?.catalog || [];
  $("bagcount").textContent = `(${items.length})`;
  $("bagbtncount").textContent = items.length ? String(items.length) : "";
  bagbtn.setAttribute("aria-label", `宝贝口袋，${items.length} 件商品`);
  list.replaceChildren(...items.map((p) => {
    const segs = segmentsOf(p.sku_id), first = segs[0];
    const thumb = el("div", { class: "thumb" });
    if (first && first.thumbnail) thumb.append(el("img", { src: first.thumbnail, alt: "", loading: "lazy" }));
    else thumb.append((p.short_name || p.title).slice(0, 1));
    if (p.link_no != null) thumb.append(el("span", { class: "no", text: `${p.link_no}号` }));
    const btn = el("button", { type: "button", class: "watch", text: first ? "看讲解" : "未讲解" });
    if (first) {
      btn.setAttribute("aria-label", `看讲解：${p.title}`);
      btn.addEventListener("click", () => watchSegment(first, p.sku_id));
    } else btn.disabled = true;
    const meta = el("div", { class: "segs" });
    if (!segs.length) meta.append(el("span", { class: "missing", text: "本场未讲解" }));
    segs.forEach((h, i) => {
      const word = h.kind === "return" ? "返场" : "讲解";
      const b = el("button", { type: "button", class: "seg" + (h.kind === "return" ? " return" : ""), "data-hid": h.id,
        text: `${word} ${clock(h.start)}`, "aria-label": `看${word}：${p.title}，${clock(h.start)}` });
      b.addEventListener("click", () => watchSegment(h, p.sku_id));
      if (i) meta.append(" · ");
      meta.append(b);
    });
    const price = el("div", {}, el("span", { class: "price", text: yuan(p.live_price ?? p.price) }),
      p.live_price != null && p.price != null && p.price > p.live_price ? el("span", { class: "orig", text: yuan(p.price) }) : null);
    return el("li", { class: "product" + (segs.length ? "" : " unexplained"), "data-sku": p.sku_id }, thumb,
      el("div", {}, el("div", { class: "ptitle" }, p.title, p.live_price != null ? el("span", { class: "live", text: "直播价" }) : null),
        meta, el("div", { class: "prow" }, price, productLinks(p), btn)));
  }));
}

export function selectProduct(sku) {
  document.querySelectorAll(".product").forEach((li) => li.classList.toggle("selected", li.dataset.sku === sku));
}

export function markProducts(cur) {
  document.querySelectorAll(".product").forEach((li) => {
    const on = !!cur && li.dataset.sku === cur.sku_id;
    li.classList.toggle("current", on);
    if (on) li.setAttribute("aria-current", "true"); else li.removeAttribute("aria-current");
  });
  document.querySelectorAll(".seg").forEach((b) => b.classList.toggle("current", !!cur && b.dataset.hid === cur.id));
}

// --- the sheet (immersive layout); elsewhere the bag is always on screen and "opening" it scrolls to a product
const sheet = () => state.layout === "immersive";

export function syncSheet() {
  const open = bag.classList.contains("open");
  bag.inert = sheet() && !open;  // a closed sheet is out of the Tab order and hidden from screen readers
  if (sheet()) { bag.setAttribute("role", "dialog"); bag.setAttribute("aria-modal", "true"); }
  else { bag.removeAttribute("role"); bag.removeAttribute("aria-modal"); }
  $("stage").inert = sheet() && open;  // modal: Tab stays in the sheet; tapping the video behind it closes it
  scrim.hidden = !(sheet() && open);
  bagbtn.setAttribute("aria-expanded", String(sheet() && open));
}

export function openBag(sku) {
  if (sheet()) {
    bag.classList.add("open");
    syncSheet();
  }
  const li = sku && document.querySelector(`.product[data-sku="${CSS.escape(sku)}"]`);
  if (li) {
    li.scrollIntoView({ block: sheet() ? "center" : "nearest" });
    if (sheet()) (li.querySelector("button:not([disabled])") || $("bagclose")).focus({ preventScroll: true });
  } else if (sheet()) $("bagclose").focus({ preventScroll: true });
}

export function closeBag() {
  if (!bag.classList.contains("open")) return;
  const hadFocus = bag.contains(document.activeElement);
  bag.classList.remove("open");
  syncSheet();
  if (hadFocus) bagbtn.focus({ preventScroll: true });  // focus returns to what opened the sheet
}

// ?sku= of a listed product that has no 看点: open the bag at it and say so.
export function showUnexplained(sku) {
  const p = productOf(sku), notice = $("notice");
  notice.textContent = p ? `「${p.title}」本场未讲解` : `没有找到商品 ${sku}`;
  notice.hidden = false;
  if (p) selectProduct(sku);
  openBag(p ? sku : null);
}

bagbtn.addEventListener("click", () => openBag(state.current?.sku_id));
$("bagclose").addEventListener("click", closeBag);
scrim.addEventListener("click", closeBag);

// --- search ----------------------------------------------------------------------------------------------
// Products the query names come first (their 讲解/返场, or 本场未讲解), then the lines that say it; a line the
// ASR misheard is found by its sound. A hit seeks to the matched word (hit.t), not to the start of its line.
function productHit(p) {
  const head = el("span", { class: "t", text: p.link_no != null ? `${p.link_no}号` : "商品" });
  const name = el("span", {}, el("mark", { text: p.short_name || p.title }), ` ${p.title}`);
  if (!p.highlights.length) {
    return el("li", { class: "product-hit unexplained", "data-sku": p.sku_id },
      el("button", { type: "button", disabled: "" }, head, name, el("span", { class: "missing", text: p.note || "本场未讲解" })));
  }
  const segs = p.highlights.map((h) => {
    const word = h.kind === "return" ? "返场" : "讲解";
    const b = el("button", { type: "button", class: "seg", text: `${word} ${clock(h.start)}`, "aria-label": `看${word}：${p.title}，${clock(h.start)}` });
    b.addEventListener("click", () => watchSegment(h, p.sku_id));
    return b;
  });
  return el("li", { class: "product-hit", "data-sku": p.sku_id }, el("div", { class: "phead" }, head, name), el("div", { class: "segs" }, ...segs));
}

$("search").addEventListener("submit", async (e) => {
  e.preventDefault();
  const q = $("q").value.trim(), out = $("hits");
  if (!q) { out.replaceChildren(); return; }
  try {
    const res = await getJSON(`${base}/search?q=${encodeURIComponent(q)}&limit=20`);
    const products = (res.products || []).map(productHit);
    const lines = res.hits.map((hit) => {
      const text = el("span", {});
      hit.snippet.split(/(【[^】]*】)/).forEach((part) => text.append(
        part.startsWith("【") && part.endsWith("】") ? el("mark", { text: part.slice(1, -1) }) : part));
      const at = hit.t ?? hit.start;
      const b = el("button", { type: "button" }, el("span", { class: "t", text: clock(at) }), text,
        hit.match === "sound" ? el("span", { class: "sound", text: "音近" }) : null);
      b.addEventListener("click", () => { setUrl({ t: at.toFixed(1) }); playFrom(at, { via: "search" }); });
      return el("li", { class: "line-hit" + (hit.match === "sound" ? " sound" : "") }, b);
    });
    out.replaceChildren(...(products.length || lines.length ? [...products, ...lines] : [el("li", { class: "empty", text: `没有找到“${q}”` })]));
  } catch (err) { out.replaceChildren(el("li", { class: "empty", text: "搜索失败：" + err.message })); }
});

Object.assign(ui, { closeBag, openBag, selectProduct });
