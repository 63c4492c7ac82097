"""Measure what editors get from clips: length errors of --copy and accurate cuts, and reframe coverage.

    python scripts/measure_clips.py                         # sample + ../shared/bench/dev1, and the reframe room
    python scripts/measure_clips.py --screenshot docs/clip-reframe-vertical.png

Length errors: every truth segment of the bundled sample and of dev1 (the 看点 an ideal detector would give) is
cut in copy and in accurate mode; for each clip the script prints how far its start is from the keyframe at or
before the asked start (copy), and how far its video and audio streams last from the range it claims.

Reframe coverage: the generated room of tests/reframe_support.py (a host walking across most of a 640×360
frame and back), cut as a 9:16 clip with --reframe auto and with center; coverage is the share of frames, 5 a
second, that show at least 95% of the host's body that the source frame shows.

The screenshot puts a source frame, with the 9:16 window drawn on it, beside the vertical clip's frame
(subtitles burned in). No timings are printed: speed is measured on a quiet machine only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402

from replay.contracts import Segment, VisualEvent  # noqa: E402
from replay.media.clips import ClipOptions, cut_clip, stream_info  # noqa: E402
from replay.media.frames import FrameOptions, iter_frames  # noqa: E402
from replay.media.keyframes import keyframe_times  # noqa: E402
from replay.media.probe import probe  # noqa: E402
from replay.media.reframe import card_boxes, find_subjects, plan_crop  # noqa: E402

STREAMS = {"sample": ROOT / "replay" / "samples" / "demo", "dev1": ROOT.parent / "shared" / "bench" / "dev1"}


def lengths(work: Path) -> None:
    for name, folder in STREAMS.items():
        if not (folder / "stream.mp4").is_file():
            print(f"{name}: {folder} missing, skipped")
            continue
        info = probe(folder / "stream.mp4")
        keys = keyframe_times(info)
        segs = json.loads((folder / "truth.json").read_text())["segments"]
        for mode in ("copy", "accurate"):
            v_err, a_err, k_err = [], [], []
            for n, s in enumerate(segs):
                r = cut_clip(info, s["start"], s["end"], work / f"{name}_{mode}_{n}.mp4",
                             ClipOptions(mode=mode, subtitles="none"))  # type: ignore[arg-type]
                st = stream_info(r.path)
                v_err.append(abs(st["video"]["duration"] - (r.end - r.start)))
                a_err.append(abs(st["audio"]["duration"] - (r.end - r.start)))
                if mode == "copy":
                    k_err.append(abs(r.start - max(k for k in keys if k <= s["start"] + 1e-3)))
                r.path.unlink()
            extra = f", start - keyframe max {max(k_err):.3f} s" if k_err else ""
            print(f"{name} {mode:8s} {len(segs)} clips: video length error median {statistics.median(v_err):.3f} "
                  f"max {max(v_err):.3f} s, audio median {statistics.median(a_err):.3f} max {max(a_err):.3f} s"
                  f"{extra} (1 frame = {1 / (info.fps or 25):.3f} s)")


def coverage(work: Path) -> Path:
    from reframe_support import H, make_moving_host, visible_share

    room = make_moving_host(work / "room.mp4", 12.0)
    scale = (640 / H) ** 2
    for mode in ("auto", "center"):
        r = cut_clip(probe(room), 0.0, 12.0, work / f"{mode}.mp4",
                     ClipOptions(vertical=True, reframe=mode, subtitles="none"))  # type: ignore[arg-type]
        pairs = zip(iter_frames(probe(room), FrameOptions(width=640, fps=5)),
                    iter_frames(probe(r.path), FrameOptions(width=360, fps=5)), strict=True)
        shares = [visible_share(o.image, visible_share(s.image, 1.0) * scale) for s, o in pairs]
        ok = sum(x >= 0.95 for x in shares)
        print(f"reframe {mode:6s}: host inside in {ok}/{len(shares)} sampled frames ({ok / len(shares):.1%}), "
              f"host found in {r.host_found if r.host_found is not None else '-'} of analysed frames")
    return room


def screenshot(room: Path, work: Path, out: Path) -> None:
    import cv2
    from reframe_support import frame

    t = 6.3
    card = VisualEvent("ocr", t, "No.1 29.9", "S1", 0.9, box=(0.022, 0.75, 0.39, 0.97))  # the drawn card's box
    line = (Segment(0.0, 12.0, "家人们看一下，今天直播间到手价二十九块九"),)
    clip = cut_clip(probe(room), t - 2.0, t + 2.0, work / "shot.mp4", ClipOptions(vertical=True, subtitles="burn"),
                    line, cards=(card,)).path
    vertical = next(iter_frames(probe(clip), FrameOptions(width=360, start=2.0))).image
    plan = plan_crop(find_subjects(probe(room), t - 2.0, t + 2.0), 640, 360, card_boxes((card,), t - 2.0, t + 2.0, 2.5))
    src = frame(t, 12.0).copy()
    x = int(plan.x_at(2.0))
    cv2.rectangle(src, (x, 0), (x + plan.crop_w - 1, 359), (0, 220, 255), 3)
    canvas = np.full((640, 640 + 24 + 360, 3), 255, np.uint8)
    canvas[140:500, :640] = src
    canvas[:, 664:] = vertical
    cv2.imwrite(str(out), canvas)
    print(f"wrote {out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--screenshot", type=Path, help="also write the reframe screenshot here (PNG)")
    ap.add_argument("--skip-lengths", action="store_true", help="only the reframe figures")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if not args.skip_lengths:
            lengths(work)
        room = coverage(work)
        if args.screenshot:
            screenshot(room, work, args.screenshot)


if __name__ == "__main__":
    main()
