// Cross-stream search on the stream list: each hit opens the player at the moment it was said.
(function () {
  "use strict";
  const form = document.querySelector(".gsearch"), out = document.getElementById("ghits");
  form.addEventListener("submit", async () => {
    const q = document.getElementById("gq").value.trim();
    out.replaceChildren();
    if (!q) return;
    const r = await fetch("/search?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } });
    const data = await r.json();
    if (!r.ok) { out.append(Object.assign(document.createElement("li"), { textContent: data.error.message })); return; }
    if (!data.hits.length) out.append(Object.assign(document.createElement("li"), { textContent: `没有找到“${q}”` }));
    for (const h of data.hits) {
      const a = Object.assign(document.createElement("a"), { href: h.url, textContent: h.snippet });
      const li = document.createElement("li");
      li.append(a);
      out.append(li);
    }
  });
})();
