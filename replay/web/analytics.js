// The analytics page's one-click clips: each "cut next" 看点 posts a clip job (POST /streams/{id}/clips, the
// same API editors use), follows it on GET /jobs/{id} and links the finished video. When the server has
// REPLAY_API_KEY set, the first 401 shows a key field; the key stays in this tab only (sessionStorage).
(function () {
  "use strict";
  const stream = document.body.dataset.stream, keyrow = document.getElementById("keyrow"), keyin = document.getElementById("apikey");
  keyin.value = sessionStorage.getItem("replay-api-key") || "";

  async function call(url, options) {
    const headers = { Accept: "application/json", "Content-Type": "application/json" };
    if (keyin.value) headers["X-API-Key"] = keyin.value;
    const r = await fetch(url, { ...options, headers });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) {
      const err = new Error(body.error?.message || r.statusText);
      err.status = r.status;
      throw err;
    }
    return body;
  }

  function show(li, text, href) {
    const out = li.querySelector(".clipstate");
    out.replaceChildren(text);
    if (href) {
      const a = Object.assign(document.createElement("a"), { href, textContent: "下载", download: "" });
      out.append(" ", a);
    }
  }

  async function follow(li, job) {
    for (;;) {
      const j = await call(`/jobs/${job}`);
      if (j.state === "done") return show(li, "已剪好", j.result?.file);
      if (j.state === "failed") return show(li, "剪辑失败：" + (j.error?.message || ""));
      show(li, j.state === "queued" ? "排队中…" : `剪辑中 ${Math.round((j.progress || 0) * 100)}%`);
      await new Promise((done) => setTimeout(done, 1000));
    }
  }

  document.getElementById("cut").addEventListener("click", async (e) => {
    const btn = e.target.closest("button.clip");
    if (!btn) return;
    const li = btn.closest("li");
    btn.disabled = true;
    sessionStorage.setItem("replay-api-key", keyin.value);
    try {
      const job = await call(`/streams/${stream}/clips`, {
        method: "POST", body: JSON.stringify({ highlight_id: btn.dataset.hid, subtitles: "sidecar" }) });
      li.dataset.job = job.job_id;
      await follow(li, job.job_id);
    } catch (err) {
      if (err.status === 401) { keyrow.hidden = false; keyin.focus(); show(li, "需要 API Key：填好后再点一次"); }
      else show(li, "剪辑失败：" + err.message);
    } finally { btn.disabled = false; }
  });
})();
