"""Load test of the viewer events (issue 17): simulated viewers post events while a reader polls the analytics.

    .venv/bin/python scripts/load_events.py                   # 50 viewers for 60 s against a fresh local server
    .venv/bin/python scripts/load_events.py --viewers 10 --seconds 5

A fresh server (`replay serve` in its own process, 127.0.0.1, a temporary data dir with one indexed stream) is
started and stopped. Each viewer is one browser tab: an anonymous session id, batches of 1-3 events every
0.6-1.4 s, as the player sends them (a 看点 played from some entry point, its 25/50/75/100 % marks as far as
this viewer watches, now and then a product-link click). All viewers come from 127.0.0.1, under the default
per-address limit. Meanwhile one reader polls GET /streams/{id}/analytics about five times a second.

Printed: requests and their statuses, whether the analytics counts equal what was sent (plays, marks, clicks
and unique sessions per 看点), the read latency (median and p95), and the machine's load average, without
which a latency measured on a shared machine means little. Run it alone: like every benchmark it refuses a busy
machine (exit 3) and marks a run that shared the CPU noisy (exit 4) unless --allow-noisy, and prints the CPU
model, core count and that verdict (scripts/benchlib.py). tests/test_events_load.py runs the same load and
asserts the counts and the statuses, never the latency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("dot", "card", "bag", "search", "link", "next", "seek", "continue")


@dataclass
class LoadResult:
    viewers: int
    seconds: float
    sent: Counter = field(default_factory=Counter)
    """(看点 id or '', SKU, metric) -> events accepted (202)."""
    sessions: dict = field(default_factory=lambda: defaultdict(set))
    """看点 id -> the sessions that played it."""
    statuses: Counter = field(default_factory=Counter)
    """HTTP status -> event batches."""
    read_statuses: Counter = field(default_factory=Counter)
    read_ms: list = field(default_factory=list)
    failures: list = field(default_factory=list)

    @property
    def events(self) -> int:
        return sum(self.sent.values())

    def p(self, q: float) -> float:
        xs = sorted(self.read_ms)
        return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


async def _viewer(client: httpx.AsyncClient, n: int, stream: str, highlights: list[dict], linked: set[str],
                  deadline: float, out: LoadResult, rng: random.Random) -> None:
    session = f"load{n:04d}{rng.getrandbits(48):012x}"
    sku = {h["id"]: h["sku_id"] for h in highlights}
    pending: list[dict] = []
    while time.monotonic() < deadline:
        if not pending:  # the next 看点 this viewer watches, and how far
            h = rng.choice(highlights)
            pending.append({"kind": "play", "highlight": h["id"], "source": rng.choice(SOURCES), "t": h["start"]})
            pending += [{"kind": "progress", "highlight": h["id"], "pct": m, "t": h["start"] + 1}
                        for m in (25, 50, 75, 100)[:rng.choice((0, 1, 2, 4, 4))]]
            if h["sku_id"] in linked and rng.random() < 0.3:
                pending.append({"kind": "click", "sku": h["sku_id"], "highlight": h["id"], "target": "url", "t": h["start"] + 2})
        take = rng.randint(1, 3)
        events, pending = pending[:take], pending[take:]
        try:
            r = await client.post("/events", json={"session": session, "stream": stream, "events": events})
            status = r.status_code
        except httpx.HTTPError as exc:
            status = 0
            out.failures.append(f"viewer {n}: {exc!r}")
        out.statuses[status] += 1
        if status == 202:
            for e in events:
                metric = {"play": f"play:{e.get('source')}", "progress": f"progress:{e.get('pct')}",
                          "click": f"click:{e.get('target')}"}[e["kind"]]
                out.sent[e.get("highlight") or "", sku.get(e.get("highlight")) or e.get("sku"), metric] += 1
                if e["kind"] == "play":
                    out.sessions[e["highlight"]].add(session)
        elif status:
            out.failures.append(f"viewer {n}: {status} {r.text[:200]}")
        await asyncio.sleep(rng.uniform(0.6, 1.4))


def _reader(base: str, stream: str, stop: threading.Event, out: LoadResult) -> None:
    with httpx.Client(base_url=base, timeout=10) as client:
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                status = client.get(f"/streams/{stream}/analytics").status_code
            except httpx.HTTPError as exc:
                status = 0
                out.failures.append(f"reader: {exc!r}")
            out.read_ms.append((time.perf_counter() - t0) * 1000)
            out.read_statuses[status] += 1
            stop.wait(0.2)


def run_load(base: str, stream: str, viewers: int = 50, seconds: float = 60.0, seed: int = 17) -> LoadResult:
    """Run the load against a server at ``base`` (its stream's 看点 and catalog are read from the API)."""
    highlights = httpx.get(f"{base}/streams/{stream}/highlights", timeout=10).json()["highlights"]
    catalog = httpx.get(f"{base}/streams/{stream}?format=json", timeout=10).json()["catalog"]
    linked = {p["sku_id"] for p in catalog if p.get("url")}
    out = LoadResult(viewers, seconds)
    stop = threading.Event()
    reader = threading.Thread(target=_reader, args=(base, stream, stop, out), daemon=True)
    reader.start()

    async def main() -> None:
        limits = httpx.Limits(max_connections=viewers + 10, max_keepalive_connections=viewers + 10)
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
            deadline = time.monotonic() + seconds
            rng = random.Random(seed)
            await asyncio.gather(*(_viewer(client, n, stream, highlights, linked, deadline, out,
                                           random.Random(rng.random())) for n in range(viewers)))

    try:
        asyncio.run(main())
    finally:
        stop.set()
        reader.join(15)
    return out


def mismatches(base: str, stream: str, out: LoadResult) -> list[str]:
    """Where the analytics differ from what was sent: an empty list when no count was lost or added."""
    v = httpx.get(f"{base}/streams/{stream}/analytics", timeout=30).json()["viewers"]
    problems = []
    for h in v["highlights"]:
        w, hid = h["watching"], h["id"]
        sent = {m: n for (i, _, m), n in out.sent.items() if i == hid}
        want = {"plays": sum(n for m, n in sent.items() if m.startswith("play:")),
                "reached": [sent.get(f"progress:{m}", 0) for m in (25, 50, 75, 100)],
                "clicks": sent.get("click:url", 0), "sessions": len(out.sessions.get(hid, ())),
                "by_source": {s: sent[f"play:{s}"] for s in SOURCES if sent.get(f"play:{s}")}}
        got = {k: w[k] for k in want}
        if got != want:
            problems.append(f"{hid}: sent {want}, counted {got}")
    if v["total"]["sessions"] != out.viewers:
        problems.append(f"stream sessions: {out.viewers} viewers, counted {v['total']['sessions']}")
    return problems


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalServer:
    """`replay serve` in its own process on 127.0.0.1 with a temporary data dir holding one finished stream."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        sys.path.insert(0, str(ROOT / "tests"))
        from dataclasses import replace

        from api_support import fill_stream, make_settings

        from replay.contracts import Catalog
        from replay.store.database import Database

        settings = make_settings(data_dir)
        db = Database(settings.database)
        fill_stream(db, settings, settings.media_root / "live.mp4", thumbs=False)
        items = db.catalog("sdemo").items
        db.save_catalog("sdemo", Catalog(items=tuple(replace(i, url=f"https://shop.example.com/{i.sku_id}")
                                                     for i in items)))
        db.db.conn.close()
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "REPLAY_DATA_DIR": str(settings.data_dir), "REPLAY_MEDIA_ROOT": str(settings.media_root),
                    **(env or {})}

    def __enter__(self) -> LocalServer:
        self.proc = subprocess.Popen([sys.executable, "-m", "replay.cli", "serve", "--port", str(self.port)],
                                     env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.base + "/streams", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError("the server did not start: " + self.proc.stderr.read().decode()[-2000:])
            time.sleep(0.2)

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def main() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import benchlib  # the load check every benchmark shares (issue 15); imported here so tests can load this file

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--viewers", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    benchlib.add_arguments(ap)
    args = ap.parse_args()
    guard = benchlib.LoadGuard.from_args(args, "load_events")
    guard.start()  # refuses a busy machine (exit 3) unless --allow-noisy; the server is ours, not a neighbour
    with tempfile.TemporaryDirectory() as tmp, LocalServer(Path(tmp)) as server:
        before = os.getloadavg()
        out = run_load(server.base, "sdemo", args.viewers, args.seconds)
        after = os.getloadavg()
        problems = mismatches(server.base, "sdemo", out)
    verdict = guard.stop()
    print(json.dumps({
        "machine": guard.tag(verdict), "load_check": verdict.to_json(),
        "viewers": out.viewers, "seconds": out.seconds, "event_batches": dict(out.statuses), "events_accepted": out.events,
        "reads": dict(out.read_statuses), "read_ms_median": round(statistics.median(out.read_ms), 1),
        "read_ms_p95": round(out.p(0.95), 1), "counts_equal_sent": not problems, "problems": problems[:5],
        "failures": out.failures[:5], "loadavg_before": before, "loadavg_after": after, "cpus": os.cpu_count()},
        indent=1))
    print(verdict.line())
    sys.exit(guard.exit_code(verdict))


if __name__ == "__main__":
    main()
