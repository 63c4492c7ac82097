"""A generated landscape 'live room' with a host who walks left and right, for the reframe tests and the docs
screenshot (scripts/reframe_screenshot.py). The host's true box is known for every frame.

The host is drawn (a face the stock Haar cascade recognises, over a body in a colour nothing else in the scene
has, #00C800), so a test can find how much of the host is visible in any output frame by counting that colour.
"""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import numpy as np

BODY_BGR = (0, 200, 0)
W, H, FPS = 640, 360, 10


def host_center(t: float, seconds: float) -> float:
    """x of the host's centre at t: a slow walk across most of the frame and back, then a quicker sway."""
    return W / 2 + 0.34 * W * math.sin(2 * math.pi * t / (seconds * 0.75))


def host_box(t: float, seconds: float) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) in pixels of the whole host (hair to body) at time t."""
    cx = host_center(t, seconds)
    return int(cx - 60), 70, int(cx + 60), H


def _draw_face(img: np.ndarray, cx: int, cy: int, r: int) -> None:
    import cv2

    cv2.ellipse(img, (cx, cy), (int(r * 0.8), r), 0, 0, 360, (150, 180, 225), -1)
    cv2.ellipse(img, (cx, cy - int(r * 0.55)), (int(r * 0.85), int(r * 0.5)), 0, 180, 360, (30, 30, 40), -1)
    for dx in (-1, 1):
        ex, ey = cx + dx * int(r * 0.33), cy - int(r * 0.12)
        cv2.ellipse(img, (ex, ey - int(r * 0.2)), (int(r * 0.2), int(r * 0.05)), 0, 0, 360, (40, 40, 50), -1)
        cv2.ellipse(img, (ex, ey), (int(r * 0.15), int(r * 0.08)), 0, 0, 360, (255, 255, 255), -1)
        cv2.circle(img, (ex, ey), int(r * 0.07), (30, 20, 20), -1)
    cv2.line(img, (cx, cy - int(r * 0.05)), (cx - int(r * 0.06), cy + int(r * 0.25)), (110, 140, 190), 3)
    cv2.ellipse(img, (cx, cy + int(r * 0.5)), (int(r * 0.28), int(r * 0.08)), 0, 0, 360, (80, 80, 170), -1)


def frame(t: float, seconds: float) -> np.ndarray:
    import cv2

    img = np.zeros((H, W, 3), np.uint8)
    img[:] = (150, 110, 120)
    for x in range(0, W, 80):  # a shelf pattern behind the host
        cv2.rectangle(img, (x + 10, 40), (x + 60, 120), (120, 90, 100), -1)
    x0, y0, x1, _ = host_box(t, seconds)
    cx = (x0 + x1) // 2
    cv2.rectangle(img, (x0, 190), (x1, H), BODY_BGR, -1)
    _draw_face(img, cx, 135, 45)
    # A product card at the lower left, as shops show one.
    cv2.rectangle(img, (14, 270), (250, 350), (250, 250, 250), -1)
    cv2.putText(img, "No.1  29.9", (30, 320), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (40, 40, 220), 2)
    return img


def make_moving_host(out: Path, seconds: float = 12.0) -> Path:
    """Write the room as H.264 (10 fps, keyframe every 2 s) with a tone, and return the path."""
    from replay.media.ffmpeg import ffmpeg_path

    cmd = [ffmpeg_path(), "-nostdin", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24",
           "-s", f"{W}x{H}", "-r", str(FPS), "-i", "pipe:0", "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
           "-c:v", "libx264", "-preset", "veryfast", "-g", "20", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
           str(out)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for n in range(int(seconds * FPS)):
        proc.stdin.write(frame(n / FPS, seconds).tobytes())
    proc.stdin.close()
    assert proc.wait() == 0
    return out


def visible_share(image: np.ndarray, expected_pixels: float) -> float:
    """How much of the host's body colour is in ``image``, against how much the whole host has."""
    near = np.all(np.abs(image.astype(int) - np.array(BODY_BGR)) <= 40, axis=2)
    return float(near.sum()) / expected_pixels if expected_pixels else 0.0
