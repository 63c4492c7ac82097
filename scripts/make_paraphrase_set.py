#!/usr/bin/env python3
"""Turn hand-written stream scripts into detector test streams: transcript.srt, catalog.json, truth.json.

Example:
  python scripts/make_paraphrase_set.py tests/data/paraphrase/dev .bench/paraphrase/dev
  python scripts/make_paraphrase_set.py tests/data/paraphrase/dev .bench/paraphrase/dev-merged --merge

A script (tests/data/paraphrase/*/NAME.json, format in tests/data/paraphrase/README.md) is a catalog plus the
stream's lines in order, each labelled with the product whose explanation it belongs to (or null). This
script gives each line a time the way a host speaks it (a per-stream speaking rate, short pauses between
sentences, now and then a longer break for music), writes one SRT cue per line, and derives the truth from
the labels: a 讲解 segment is a maximal run of consecutive lines with the same product, from the start of
its first line to the end of its last. A later run of the same product is a 返场 (kind "return").

``--merge`` joins consecutive lines into cues of 20–45 characters regardless of the labels, the way an ASR
system cuts its own segments, to check that the detector does not rely on one cue per sentence. The output
is deterministic for a given ``--seed``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import zlib
from pathlib import Path
from typing import Any

_SPOKEN = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]+|\d")  # what takes time to say: a syllable, a word, a digit


def _srt_time(t: float) -> str:
    ms = round(t * 1000)
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def timed_lines(lines: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    """Start and end of every line: 4.2–6.5 syllables a second, pauses of 0.15–0.7 s, rare music breaks."""
    rate = rng.uniform(4.2, 6.5)
    t = rng.uniform(0.5, 2.0)
    out = []
    prev_sku: object = "start"
    for line in lines:
        sku = line.get("sku")
        if sku != prev_sku and prev_sku != "start":
            t += rng.uniform(0.2, 1.2)  # a slightly longer breath where the topic changes
        if sku is None and rng.random() < 0.05:
            t += rng.uniform(3.0, 9.0)  # music or silence while the host is off-topic
        n = max(1, len(_SPOKEN.findall(line["text"])))
        dur = n / rate * rng.uniform(0.9, 1.1) + 0.15
        out.append({"start": round(t, 3), "end": round(t + dur, 3), "text": line["text"], "sku": sku,
                    "tags": line.get("tags", [])})
        t += dur + rng.uniform(0.15, 0.7)
        prev_sku = sku
    return out


def truth_segments(utts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    segs: list[dict[str, Any]] = []
    seen: set[str] = set()
    prev = None
    for u in utts:
        sku = u["sku"]
        if sku is not None and sku == prev:
            segs[-1]["end"] = u["end"]
        elif sku is not None:
            segs.append({"sku_id": sku, "start": u["start"], "end": u["end"],
                         "kind": "return" if sku in seen else "main"})
            seen.add(sku)
        prev = sku
    return segs


def cues(utts: list[dict[str, Any]], merge: bool, rng: random.Random) -> list[tuple[float, float, str]]:
    if not merge:
        return [(u["start"], u["end"], u["text"]) for u in utts]
    out: list[tuple[float, float, str]] = []
    cur: list[dict[str, Any]] = []
    limit = rng.randint(20, 45)
    for u in utts:
        if cur and (sum(len(c["text"]) for c in cur) + len(u["text"]) > limit or u["start"] - cur[-1]["end"] > 2.0):
            out.append((cur[0]["start"], cur[-1]["end"], "".join(c["text"] for c in cur)))
            cur, limit = [], rng.randint(20, 45)
        cur.append(u)
    if cur:
        out.append((cur[0]["start"], cur[-1]["end"], "".join(c["text"] for c in cur)))
    return out


def convert(src: Path, out_dir: Path, seed: int, merge: bool) -> dict[str, Any]:
    script = json.loads(src.read_text(encoding="utf-8"))
    rng = random.Random(seed * 1_000_003 + zlib.crc32(src.stem.encode()))
    utts = timed_lines(script["lines"], rng)
    segs = truth_segments(utts)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "catalog.json").write_text(json.dumps(script["catalog"], ensure_ascii=False, indent=1), encoding="utf-8")
    duration = round(utts[-1]["end"] + 2.0, 3)
    truth = {"duration": duration, "segments": segs, "utterances": utts, "source": src.name,
             "covers": script.get("covers", []), "title": script.get("title", "")}
    (out_dir / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    srt = [f"{n}\n{_srt_time(a)} --> {_srt_time(b)}\n{text}\n" for n, (a, b, text) in
           enumerate(cues(utts, merge, rng), 1)]
    (out_dir / "transcript.srt").write_text("\n".join(srt), encoding="utf-8")
    return {"name": src.stem, "lines": len(utts), "segments": len(segs), "duration": duration}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", type=Path, help="folder of stream scripts (NAME.json)")
    ap.add_argument("out", type=Path, help="output folder; one sub-folder per stream")
    ap.add_argument("--seed", type=int, default=1, help="timing seed (default 1)")
    ap.add_argument("--merge", action="store_true", help="join lines into ASR-like cues of 20-45 characters")
    args = ap.parse_args(argv)
    files = sorted(args.src.glob("*.json"))
    if not files:
        print(f"no scripts (*.json) in {args.src}", file=sys.stderr)
        return 2
    for f in files:
        info = convert(f, args.out / f.stem, args.seed, args.merge)
        print(f"{info['name']:8s} {info['lines']:4d} lines {info['segments']:3d} segments {info['duration']:7.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
