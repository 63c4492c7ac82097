// Product links: 去看看 (the product's page) and 问客服 (customer service) on the 看点 card and in the 宝贝口袋,
// for products whose catalog row has a url / service_url. Each opens in a new tab with the stream and the 看点
// as query parameters (replay_stream, replay_highlight) so the shop can attribute the order, and is reported
// as a click event.
import { el, segmentsOf, state } from "./player-core.js";
import { track } from "./player-events.js";

const LINKS = [["url", "url", "去看看", "buy"], ["service", "service_url", "问客服", "service"]];

export function attributed(url, highlightId) {
  const u = new URL(url, location.href);
  u.searchParams.set("replay_stream", state.stream?.id || "");
  if (highlightId) u.searchParams.set("replay_highlight", highlightId);
  return u.href;
}

// From the bag, a link is credited to the 看点 playing when it is this product's, else to the product's first.
function highlightFor(sku) {
  return state.current?.sku_id === sku ? state.current : segmentsOf(sku)[0] || null;
}

// The links of product ``p`` (null when it has none); ``h``: the 看点 they belong to (the card's), or null to
// pick one when the link is opened.
export function productLinks(p, h = null) {
  const links = LINKS.filter(([, field]) => p && p[field] && URL.canParse?.(p[field]) !== false).map(([target, field, text, cls]) => {
    const a = el("a", { class: `plink ${cls}`, href: attributed(p[field], (h || highlightFor(p.sku_id))?.id),
      target: "_blank", rel: "noopener", text, "aria-label": `${text}：${p.title}` });
    const open = (e) => {
      if (e.type === "auxclick" && e.button !== 1) return;  // middle click opens a tab too; right click does not
      const hl = h || highlightFor(p.sku_id);
      a.href = attributed(p[field], hl?.id);  // before the browser follows it
      track({ kind: "click", sku: p.sku_id, highlight: hl?.id ?? null, target });
    };
    a.addEventListener("click", open);
    a.addEventListener("auxclick", open);
    return a;
  });
  return links.length ? el("span", { class: "plinks" }, ...links) : null;
}
