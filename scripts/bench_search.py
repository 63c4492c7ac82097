"""Benchmark transcript search at scale: 1,000 streams x ~1,500 segments of synthetic 直播带货 speech.

    python scripts/bench_search.py                    # build /tmp/replay-bench-search.db (once) and measure
    python scripts/bench_search.py --streams 100      # a smaller database
    python scripts/bench_search.py --rebuild          # throw the database away first

The database is built through Index.save_transcript, the same path the pipeline takes, so the search rows
are written exactly as in production. Queries are 1-4 characters: product words and fragments that hit,
single common characters that hit a large share of segments, and words that never occur. Both the
cross-stream search (GET /search) and the in-stream search (GET /streams/{id}/search) are timed.

Run it alone on the machine: it refuses a busy one and marks a run that shared the CPU noisy
(scripts/benchlib.py); each figure is printed with the CPU model, core count and that verdict.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchlib  # noqa: E402  (scripts/ is on sys.path when this script runs)

from replay.contracts import MediaInfo, Segment, Transcript  # noqa: E402
from replay.store import search  # noqa: E402
from replay.store.database import Database  # noqa: E402

PRODUCTS = ["口红", "面膜", "精华液", "粉底液", "眼霜", "防晒霜", "洗面奶", "四件套", "螺蛳粉", "纯牛奶", "身体乳", "枕头",
            "蜜粉", "卸妆水", "爽肤水", "面霜", "唇釉", "香水", "洗发水", "沐浴露", "牙膏", "纸巾", "坚果", "咖啡"]
BRANDS = ["花西子", "珀莱雅", "欧莱雅", "兰蔻", "雅诗兰黛", "完美日记", "南极人", "好欢螺", "认养一头牛", "半亩花田", "翼眠",
          "三只松鼠", "薇诺娜", "自然堂", "百雀羚"]
OPENERS = ["宝宝们", "家人们", "姐妹们", "来来来", "好", "那么", "接下来", "我跟大家说", "真的", "你们看"]
PHRASES = ["这个{p}真的特别好用", "{b}的{p}今天直播间价格最低", "{n}号链接{p}已经上了", "原价{x}今天只要{y}",
           "我自己用了三年的{p}", "还有最后{n}十单", "拍一发二", "赶紧去拍", "库存不多了", "{p}给大家返场一下",
           "保湿效果非常好", "敏感肌也可以用", "这个颜色很显白", "买二送一还包邮", "喜欢的宝宝点点关注",
           "{b}官方旗舰店正品保障", "今天{p}买一送一", "左上角福袋记得点", "这个质地很清爽不油腻", "我们看一下上脸的效果"]
NUMS = "一二三四五六七八九"
MISSES = ["鲸", "犀牛", "火箭", "潜水艇", "量子", "恐龙蛋", "龘", "彁", "xyzq", "宇航员"]


def sentence(rng: random.Random) -> str:
    x, y = rng.choice(["一百九十九", "两百九十九", "八十九"]), rng.choice(["九十九", "五十九", "三十九"])
    text = rng.choice(PHRASES).format(p=rng.choice(PRODUCTS), b=rng.choice(BRANDS), n=rng.choice(NUMS), x=x, y=y)
    if rng.random() < 0.4:
        text = rng.choice(OPENERS) + text
    if rng.random() < 0.3:
        text += "，" + rng.choice(PHRASES).format(p=rng.choice(PRODUCTS), b=rng.choice(BRANDS), n=rng.choice(NUMS),
                                                 x="一百", y="五十")
    return text


def build(db_path: Path, streams: int, segments: int, seed: int) -> Database:
    db = Database(db_path)
    have = db.db["streams"].count
    rng = random.Random(seed)
    t0 = time.perf_counter()
    db.db.execute("PRAGMA synchronous = OFF")  # a throwaway database: durability does not matter
    for n in range(have, streams):
        sid = f"s{n:05d}"
        count = rng.randint(int(segments * 0.8), int(segments * 1.2))
        segs, t = [], 0.0
        for _ in range(count):
            text = sentence(rng)
            dur = len(text) * 0.22
            segs.append(Segment(t, t + dur, text))
            t += dur + rng.uniform(0.1, 1.0)
        info = MediaInfo(path=Path(f"/bench/{sid}.mp4"), duration=t, size_bytes=0, format_name="mp4", has_video=True,
                         audio_codec="aac", audio_sample_rate=16000, audio_channels=1)
        db.upsert_stream(sid, info, f"直播 {n}")
        db.save_transcript(sid, Transcript(segments=tuple(segs), duration=t))
        if (n + 1) % 100 == 0:
            print(f"  built {n + 1}/{streams} streams ({time.perf_counter() - t0:.0f} s)", flush=True)
    db.db.execute("insert into segments_fts(segments_fts) values ('optimize')")
    return db


def queries(rng: random.Random, k: int) -> list[str]:
    out = []
    words = PRODUCTS + BRANDS + ["直播间", "链接", "返场", "包邮", "显白", "保湿"]
    for _ in range(k):
        r = rng.random()
        if r < 0.25:
            w = rng.choice(words)
            out.append(w[rng.randrange(len(w))])  # one character (common ones hit a large share of segments)
        elif r < 0.7:
            w = rng.choice(words)
            n = rng.randint(2, min(4, len(w))) if len(w) >= 2 else 1
            i = rng.randrange(len(w) - n + 1)
            out.append(w[i:i + n])  # 2-4 characters
        else:
            out.append(rng.choice(MISSES))
    return out


def measure(db: Database, qs: list[str], stream_ids: list[str] | None, rng: random.Random) -> tuple[list[float], int]:
    times, hits = [], 0
    for q in qs:
        sid = rng.choice(stream_ids) if stream_ids else None
        t0 = time.perf_counter()
        found = search.search(db.db, q, sid, limit=20)
        times.append((time.perf_counter() - t0) * 1000)
        hits += bool(found)
    return times, hits


def report(name: str, times: list[float], hits: int, tag: str) -> None:
    q = statistics.quantiles(times, n=100, method="inclusive")
    print(f"{name:<12} n={len(times)} with hits={hits}  p50={q[49]:.1f} ms  p95={q[94]:.1f} ms  p99={q[98]:.1f} ms  "
          f"max={max(times):.1f} ms   [{tag}]")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, default=Path("/tmp/replay-bench-search.db"))
    ap.add_argument("--streams", type=int, default=1000)
    ap.add_argument("--segments", type=int, default=1500, help="mean segments per stream")
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rebuild", action="store_true")
    benchlib.add_arguments(ap)
    args = ap.parse_args()
    guard = benchlib.LoadGuard.from_args(args, "bench_search")
    guard.start()
    if args.rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(str(args.db) + suffix).unlink(missing_ok=True)
    print(f"database {args.db}: {args.streams} streams x ~{args.segments} segments")
    t0 = time.perf_counter()
    db = build(args.db, args.streams, args.segments, args.seed)
    n_segments = db.db["segments"].count
    print(f"ready in {time.perf_counter() - t0:.0f} s: {n_segments:,} segments, "
          f"{args.db.stat().st_size / 1e6:.0f} MB")
    rng = random.Random(args.seed + 1)
    qs = queries(rng, args.queries)
    measure(db, qs[:20], None, rng)  # warm the page cache
    ids = [r["id"] for r in db.db.query("select id from streams")]
    all_streams = measure(db, qs, None, rng)
    one_stream = measure(db, qs, ids, rng)
    verdict = guard.stop()
    report("all streams", *all_streams, guard.tag(verdict))
    report("one stream", *one_stream, guard.tag(verdict))
    print(verdict.line())
    sys.exit(guard.exit_code(verdict))


if __name__ == "__main__":
    main()
