"""Sources like the ones a live encoder uploads, made from real footage, for the HLS packaging tests and
scripts/bench_package.py.

A live-commerce app's encoder sends H.264 at a constant rate with a keyframe every 2 s, and the platform keeps
that file. ``live_source`` makes one: x264 ``veryfast`` at a constant rate (nal-hrd=cbr, minrate = maxrate =
bitrate), 2 s GOP, AAC 128 kbit/s, from a real video (PySceneDetect's testvideo.mp4, tests/data/video, with its
licence) cropped to the shape asked for and scaled, with real Mandarin speech for sound (FunASR's
e-commerce seller-training recording, ../shared/realdata, MIT) or a tone when that is absent.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FOOTAGE = REPO / "tests" / "data" / "video" / "testvideo.mp4"
SPEECH = REPO.parent / "shared" / "realdata" / "audio" / "funasr_fsmnvad_example_0.wav"


def live_source(out: Path, *, size: str = "1280x720", fps: int = 30, kbps: int = 3000, seconds: float = 24.0,
                video: Path = FOOTAGE, start: float = 0.0, preset: str = "veryfast", marker: bool = False) -> Path:
    """``video`` from ``start``, looped when shorter than ``seconds``, cropped to the aspect ratio of ``size``
    (centre), scaled to it, encoded at a constant ``kbps`` as a live encoder does. Returns ``out``.

    ``marker`` adds a small white square that moves 6 px a frame along the top, so that every frame differs
    from its neighbours (frame-exact cutting tests)."""
    w, h = (int(x) for x in size.split("x"))
    audio = ["-i", str(SPEECH)] if SPEECH.is_file() else ["-f", "lavfi", "-i", "sine=frequency=330:sample_rate=44100"]
    crop = f"crop='min(iw,ih*{w}/{h})':'min(ih,iw*{h}/{w})'"
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", "-1", "-ss", f"{start:.3f}", "-i", str(video),
                    "-stream_loop", "-1", *audio, "-t", f"{seconds:.3f}", "-map", "[v]", "-map", "1:a:0",
                    "-filter_complex", f"[0:v]{crop},scale={w}:{h},fps={fps},format=yuv420p"
                    + (f"[b];color=c=white:s=16x16:r={fps}[m];[b][m]overlay=x='mod(n*6,W-16)':y=8:shortest=1[v]"
                       if marker else "[v]"),
                    "-c:v", "libx264", "-preset", preset, "-b:v", f"{kbps}k", "-minrate", f"{kbps}k",
                    "-maxrate", f"{kbps}k", "-bufsize", f"{kbps}k", "-x264-params", "nal-hrd=cbr",
                    "-g", str(2 * fps), "-keyint_min", str(2 * fps), "-c:a", "aac", "-b:a", "128k", "-ar", "44100",
                    "-ac", "2", "-movflags", "+faststart", str(out)], check=True)
    return out


def source_settings(seconds: float, fps: int, kbps: int, size: str) -> str:
    """How live_source encoded, in words, for reports."""
    return (f"{size} {fps} fps, x264 veryfast CBR {kbps} kbit/s (nal-hrd=cbr), GOP 2 s, AAC 128 kbit/s stereo, "
            f"{seconds:g} s, faststart")
