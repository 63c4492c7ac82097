"""Drawing and encoding for scripts/make_sample_stream.py: product images, live-room frames, the mp4.

Frames are RGB drawn with PIL (Noto Sans CJK for Chinese text) and piped raw into ffmpeg (H.264 + AAC); a
frame is only redrawn when what is on screen changes. Two layouts: LANDSCAPE (640×360, a desk set-up) and
PORTRAIT (720×1280, the phone format most rooms are filmed in). Each records where the stream's own
burned-in labels are (room name, audience, product card) so tests can check that the player covers none.
"""

from __future__ import annotations

import colorsys
import math
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

W, H, FPS = 640, 360, 10
FONT_DIR = Path("/usr/share/fonts/opentype/noto")
Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in frame pixels


@dataclass(frozen=True)
class Layout:
    """Frame size and where the burned-in labels sit."""

    width: int
    height: int
    room: Box
    """the room-name badge (with its 直播中 tag)"""
    viewers: Box
    """the audience counter"""
    card: Box
    """the product card shown while a product is explained"""

    @property
    def portrait(self) -> bool:
        return self.height > self.width

    def labels(self) -> dict[str, list[int]]:
        return {"room": list(self.room), "viewers": list(self.viewers), "card": list(self.card)}


LANDSCAPE = Layout(W, H, room=(10, 10, 250, 46), viewers=(W - 160, 12, W - 10, 44), card=(14, H - 132, 344, H - 14))
PORTRAIT = Layout(720, 1280, room=(24, 40, 456, 112), viewers=(520, 52, 696, 100), card=(24, 700, 528, 900))


@cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    path = FONT_DIR / ("NotoSansCJK-Bold.ttc" if bold else "NotoSansCJK-Regular.ttc")
    if not path.exists():
        raise SystemExit(f"CJK font not found: {path} (install fonts-noto-cjk)")
    return ImageFont.truetype(str(path), size=size, index=2)  # index 2 = Simplified Chinese (SC) face


def price_text(x: float) -> str:
    return f"{x:g}"


def _shade(rgb: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    return tuple(max(0, min(255, int(c * factor))) for c in rgb)


def draw_product_image(p: dict, path: Path, size: int = 160) -> None:
    """A flat 'packshot' for the catalog: product colour, a simple icon and the short name."""
    img = Image.new("RGB", (size, size), (248, 246, 242))
    d = ImageDraw.Draw(img)
    col, dark = p["color"], _shade(p["color"], 0.65)
    cx, cy = size // 2, size // 2 - 14
    icon = p["icon"]
    if icon == "cup":
        d.rounded_rectangle((cx - 24, cy - 44, cx + 24, cy + 40), 10, fill=col, outline=dark, width=3)
        d.rectangle((cx - 26, cy - 52, cx + 26, cy - 40), fill=dark)
    elif icon == "dots":
        for i, (dx, dy) in enumerate(((-22, -18), (20, -22), (-2, 12), (-30, 22), (28, 18))):
            d.ellipse((cx + dx - 16, cy + dy - 16, cx + dx + 16, cy + dy + 16), fill=col if i % 2 else dark)
    elif icon == "box":
        d.rectangle((cx - 46, cy - 30, cx + 46, cy + 40), fill=col, outline=dark, width=3)
        d.rectangle((cx - 6, cy - 30, cx + 6, cy + 40), fill=(220, 60, 60))
        d.ellipse((cx - 22, cy - 48, cx, cy - 28), outline=(220, 60, 60), width=5)
        d.ellipse((cx, cy - 48, cx + 22, cy - 28), outline=(220, 60, 60), width=5)
    elif icon == "mask":
        d.ellipse((cx - 40, cy - 50, cx + 40, cy + 44), fill=col, outline=dark, width=3)
        for ex in (-17, 17):
            d.ellipse((cx + ex - 10, cy - 18, cx + ex + 10, cy - 6), fill=(248, 246, 242))
        d.arc((cx - 14, cy + 6, cx + 14, cy + 24), 20, 160, fill=dark, width=4)
    elif icon == "lipstick":
        d.rectangle((cx - 16, cy, cx + 16, cy + 44), fill=(60, 60, 70))
        d.polygon([(cx - 12, cy), (cx + 12, cy), (cx + 12, cy - 30), (cx - 12, cy - 46)], fill=col)
    elif icon == "buds":
        for sx in (-1, 1):
            d.ellipse((cx + sx * 26 - 18, cy - 30, cx + sx * 26 + 18, cy + 6), fill=col, outline=dark, width=3)
            d.rounded_rectangle((cx + sx * 26 - 6, cy, cx + sx * 26 + 6, cy + 44), 5, fill=col)
    elif icon == "shirt":
        d.polygon([(cx - 20, cy - 44), (cx - 50, cy - 30), (cx - 40, cy - 6), (cx - 28, cy - 12), (cx - 28, cy + 42),
                   (cx + 28, cy + 42), (cx + 28, cy - 12), (cx + 40, cy - 6), (cx + 50, cy - 30), (cx + 20, cy - 44)],
                  fill=col, outline=dark)
        d.arc((cx - 14, cy - 56, cx + 14, cy - 32), 20, 160, fill=dark, width=4)
    elif icon == "jar":
        d.rounded_rectangle((cx - 32, cy - 34, cx + 32, cy + 42), 12, fill=col, outline=dark, width=3)
        d.rectangle((cx - 36, cy - 48, cx + 36, cy - 34), fill=dark)
        d.rectangle((cx - 22, cy - 8, cx + 22, cy + 18), fill=(250, 245, 230))
    elif icon == "towel":
        for k in range(3):
            y = cy + 26 - k * 24
            d.rounded_rectangle((cx - 44 + k * 4, y - 12, cx + 44 - k * 4, y + 12), 6, fill=col if k % 2 else dark)
    elif icon == "pan":
        d.ellipse((cx - 46, cy - 28, cx + 30, cy + 34), fill=dark, outline=col, width=5)
        d.rounded_rectangle((cx + 24, cy - 2, cx + 62, cy + 8), 4, fill=(150, 100, 60))
    elif icon == "pillow":
        d.rounded_rectangle((cx - 50, cy - 30, cx + 50, cy + 30), 24, fill=col, outline=(180, 180, 170), width=3)
        d.line((cx - 30, cy, cx + 30, cy), fill=(200, 200, 190), width=3)
    elif icon == "scarf":
        d.rectangle((cx - 18, cy - 48, cx + 18, cy + 30), fill=col, outline=dark, width=3)
        for fx in range(cx - 16, cx + 18, 8):
            d.line((fx, cy + 30, fx, cy + 44), fill=dark, width=3)
    d.text((cx, size - 22), p["short_name"], font=font(20, True), fill=(50, 50, 50), anchor="mm")
    img.save(path, optimize=True)


@dataclass(frozen=True)
class Scene:
    """One camera set-up: background hue (0..1) and framing (0 wide, 1 close-up)."""

    hue: float
    framing: int = 0
    lightness: float = 0.55


def _scene_base(scene: Scene, room: str) -> Image.Image:
    top = colorsys.hls_to_rgb(scene.hue, scene.lightness + 0.12, 0.45)
    bot = colorsys.hls_to_rgb((scene.hue + 0.05) % 1, scene.lightness - 0.18, 0.5)
    ramp = np.linspace(0, 1, H)[:, None, None]
    arr = (np.array(top)[None, None, :] * (1 - ramp) + np.array(bot)[None, None, :] * ramp) * 255
    img = Image.fromarray(np.repeat(arr, W, axis=1).astype(np.uint8), "RGB").convert("RGBA")
    d = ImageDraw.Draw(img)
    body = tuple(int(c * 255) for c in colorsys.hls_to_rgb((scene.hue + 0.5) % 1, 0.3, 0.25))
    skin = (236, 200, 172)
    if scene.framing == 0:  # wide shot: host behind a table
        hx, head_r, shoulders = 400, 34, 90
        d.rounded_rectangle((hx - shoulders, 170, hx + shoulders, 330), 40, fill=body)
        d.ellipse((hx - head_r, 95, hx + head_r, 95 + 2 * head_r), fill=skin)
        d.rectangle((0, 300, W, H), fill=_shade(body, 1.6))
    else:  # close-up: bigger host, off-centre, no table
        hx, head_r, shoulders = 450, 62, 170
        d.rounded_rectangle((hx - shoulders, 205, hx + shoulders, H + 60), 70, fill=body)
        d.ellipse((hx - head_r, 60, hx + head_r, 60 + 2 * head_r), fill=skin)
    badge = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    b = ImageDraw.Draw(badge)
    b.rounded_rectangle((10, 10, 250, 46), 18, fill=(0, 0, 0, 110))
    b.text((24, 28), room, font=font(18), fill=(255, 255, 255), anchor="lm")
    b.rounded_rectangle((186, 16, 242, 40), 10, fill=(235, 60, 80))
    b.text((214, 28), "直播中", font=font(14, True), fill=(255, 255, 255), anchor="mm")
    return Image.alpha_composite(img, badge)


def _card(p: dict, image_path: Path) -> Image.Image:
    """Product card overlay (RGBA, 330×118): packshot, name, live price, list price, link number."""
    card = Image.new("RGBA", (330, 118), (0, 0, 0, 0))
    d = ImageDraw.Draw(card)
    d.rounded_rectangle((0, 0, 329, 117), 14, fill=(255, 255, 255, 235))
    shot = Image.open(image_path).convert("RGBA").resize((98, 98))
    card.paste(shot, (10, 10))
    d.text((118, 12), f"{p['brand']} {p['short_name']}", font=font(20, True), fill=(30, 30, 30))
    d.text((118, 46), "直播价", font=font(15), fill=(230, 40, 60))
    d.text((168, 38), f"¥{price_text(p['live_price'])}", font=font(26, True), fill=(230, 40, 60))
    orig = f"原价 ¥{price_text(p['price'])}"
    d.text((118, 84), orig, font=font(14), fill=(130, 130, 130))
    w = d.textlength(orig, font=font(14))
    d.line((118, 94, 118 + w, 94), fill=(130, 130, 130), width=1)
    d.rounded_rectangle((238, 80, 318, 106), 12, fill=(255, 140, 30))
    d.text((278, 93), f"{p['link_no']}号链接", font=font(15, True), fill=(255, 255, 255), anchor="mm")
    return card


def _viewers_patch(count: int) -> Image.Image:
    patch = Image.new("RGBA", (150, 32), (0, 0, 0, 0))
    d = ImageDraw.Draw(patch)
    d.rounded_rectangle((0, 0, 149, 31), 15, fill=(0, 0, 0, 110))
    d.text((75, 16), f"在线 {count / 10000:.1f}万人", font=font(15), fill=(255, 255, 255), anchor="mm")
    return patch


def _scene_base_portrait(scene: Scene, room: str, lay: Layout) -> Image.Image:
    """A phone-filmed room: the host standing, full height; labels along the top as live apps draw them."""
    w, h = lay.width, lay.height
    top = colorsys.hls_to_rgb(scene.hue, scene.lightness + 0.12, 0.45)
    bot = colorsys.hls_to_rgb((scene.hue + 0.05) % 1, scene.lightness - 0.18, 0.5)
    ramp = np.linspace(0, 1, h)[:, None, None]
    arr = (np.array(top)[None, None, :] * (1 - ramp) + np.array(bot)[None, None, :] * ramp) * 255
    img = Image.fromarray(np.repeat(arr, w, axis=1).astype(np.uint8), "RGB").convert("RGBA")
    d = ImageDraw.Draw(img)
    body = tuple(int(c * 255) for c in colorsys.hls_to_rgb((scene.hue + 0.5) % 1, 0.3, 0.25))
    skin = (236, 200, 172)
    if scene.framing == 0:  # host behind a counter, products on it
        hx, hy, head_r, shoulders = 400, 380, 78, 190
        d.rounded_rectangle((hx - shoulders, hy + 110, hx + shoulders, 1120), 90, fill=body)
        d.ellipse((hx - head_r, hy - head_r, hx + head_r, hy + head_r), fill=skin)
        d.rectangle((0, 1040, w, h), fill=_shade(body, 1.6))
    else:  # close-up: the host leans in
        hx, hy, head_r, shoulders = 420, 420, 120, 300
        d.rounded_rectangle((hx - shoulders, hy + 170, hx + shoulders, h + 120), 140, fill=body)
        d.ellipse((hx - head_r, hy - head_r, hx + head_r, hy + head_r), fill=skin)
    badge = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    b = ImageDraw.Draw(badge)
    x0, y0, x1, y1 = lay.room
    b.rounded_rectangle(lay.room, (y1 - y0) // 2, fill=(0, 0, 0, 110))
    b.ellipse((x0 + 8, y0 + 8, x0 + 64, y1 - 8), fill=(255, 190, 120, 255))
    b.text((x0 + 36, (y0 + y1) // 2), room[:1], font=font(26, True), fill=(120, 60, 20), anchor="mm")
    b.text((x0 + 80, (y0 + y1) // 2), room, font=font(30), fill=(255, 255, 255), anchor="lm")
    b.rounded_rectangle((x1 - 104, y0 + 16, x1 - 12, y1 - 16), 14, fill=(235, 60, 80))
    b.text((x1 - 58, (y0 + y1) // 2), "直播中", font=font(22, True), fill=(255, 255, 255), anchor="mm")
    return Image.alpha_composite(img, badge)


def _card_portrait(p: dict, image_path: Path, lay: Layout) -> Image.Image:
    """The portrait room's product card (RGBA, the size of lay.card): bigger type for a phone screen."""
    cw, ch = lay.card[2] - lay.card[0], lay.card[3] - lay.card[1]
    card = Image.new("RGBA", (cw, ch), (0, 0, 0, 0))
    d = ImageDraw.Draw(card)
    d.rounded_rectangle((0, 0, cw - 1, ch - 1), 22, fill=(255, 255, 255, 235))
    shot = Image.open(image_path).convert("RGBA").resize((ch - 32, ch - 32))
    card.paste(shot, (16, 16))
    x = ch + 4
    d.text((x, 16), f"{p['brand']} {p['short_name']}", font=font(32, True), fill=(30, 30, 30))
    d.text((x, 80), "直播价", font=font(24), fill=(230, 40, 60))
    d.text((x + 80, 64), f"¥{price_text(p['live_price'])}", font=font(42, True), fill=(230, 40, 60))
    orig = f"原价 ¥{price_text(p['price'])}"
    d.text((x, 140), orig, font=font(22), fill=(130, 130, 130))
    w = d.textlength(orig, font=font(22))
    d.line((x, 156, x + w, 156), fill=(130, 130, 130), width=2)
    d.rounded_rectangle((cw - 136, ch - 62, cw - 16, ch - 18), 20, fill=(255, 140, 30))
    d.text((cw - 76, ch - 40), f"{p['link_no']}号链接", font=font(24, True), fill=(255, 255, 255), anchor="mm")
    return card


def _viewers_patch_portrait(count: int, lay: Layout) -> Image.Image:
    x0, y0, x1, y1 = lay.viewers
    patch = Image.new("RGBA", (x1 - x0, y1 - y0), (0, 0, 0, 0))
    d = ImageDraw.Draw(patch)
    d.rounded_rectangle((0, 0, x1 - x0 - 1, y1 - y0 - 1), (y1 - y0) // 2, fill=(0, 0, 0, 110))
    d.text(((x1 - x0) // 2, (y1 - y0) // 2), f"在线 {count / 10000:.1f}万人", font=font(24), fill=(255, 255, 255),
           anchor="mm")
    return patch


def viewer_count(t: float, seed: int) -> int:
    """A slowly drifting audience size, updated every 3 s."""
    k = int(t // 3)
    return int(12000 + 3000 * math.sin(k / 9 + seed) + 900 * math.sin(k * 1.7 + seed * 3))


def encode(
    out_mp4: Path,
    wav: Path,
    duration: float,
    scenes: list[tuple[float, Scene]],
    cards: list[dict],
    products: dict[str, dict],
    folder: Path,
    room: str,
    seed: int,
    lay: Layout = LANDSCAPE,
) -> int:
    """Pipe frames into ffmpeg and mux with `wav`. Returns the number of video frames."""
    n_frames = math.ceil(duration * FPS - 1e-9)

    def card_img(sku: str) -> Image.Image:
        p = products[sku]
        return _card_portrait(p, folder / p["image"], lay) if lay.portrait else _card(p, folder / p["image"])

    card_imgs = {c["sku_id"]: card_img(c["sku_id"]) for c in cards}
    bases: dict[Scene, Image.Image] = {}
    cmd = [
        "ffmpeg",
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{lay.width}x{lay.height}",
        "-r",
        str(FPS),
        "-i",
        "-",
        "-i",
        str(wav),
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "30",
        "-pix_fmt",
        "yuv420p",
        "-g",
        str(FPS * 10),
        "-c:a",
        "aac",
        "-b:a",
        "64k",
        "-ar",
        "44100",
        "-ac",
        "1",
        "-map_metadata",
        "-1",
        "-fflags",
        "+bitexact",
        "-flags:v",
        "+bitexact",
        "-flags:a",
        "+bitexact",
        "-movflags",
        "+faststart",
        str(out_mp4),
    ]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    last_key, frame = None, b""
    for i in range(n_frames):
        t = i / FPS
        scene = [s for start, s in scenes if start <= t + 1e-9][-1]
        card = next((c["sku_id"] for c in cards if c["start"] <= t + 1e-9 < c["end"]), None)
        viewers = viewer_count(t, seed)
        key = (scene, card, viewers)
        if key != last_key:
            if scene not in bases:
                bases[scene] = _scene_base_portrait(scene, room, lay) if lay.portrait else _scene_base(scene, room)
            img = bases[scene].copy()
            patch = _viewers_patch_portrait(viewers, lay) if lay.portrait else _viewers_patch(viewers)
            img.alpha_composite(patch, lay.viewers[:2])
            if card:
                img.alpha_composite(card_imgs[card], lay.card[:2])
            frame, last_key = img.convert("RGB").tobytes(), key
        proc.stdin.write(frame)
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("ffmpeg failed")
    return n_frames
