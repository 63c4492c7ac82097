"""Burned subtitles scale with the frame and keep clear of the product-card band; sidecar cues fit the clip.

Measured on the pixels of real clips: the source is a flat grey picture, so every pixel that differs in the
clip is subtitle ink.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from replay.contracts import Segment, VisualEvent
from replay.media.clip_subs import SubtitleStyle, clip_cues, layout
from replay.media.clips import ClipOptions, cut_clip
from replay.media.probe import probe

from conftest import ffmpeg

GREY = 0x40
LINE = (Segment(0.0, 3.0, "到手价九十九元"),)


@pytest.fixture(scope="module")
def flat(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - returns a getter
    folder = tmp_path_factory.mktemp("flat")

    def make(size: str) -> Path:
        out = folder / f"flat_{size}.mp4"
        if not out.exists():
            ffmpeg("-f", "lavfi", "-i", f"color=c=0x404040:s={size}:r=25:d=3", "-f", "lavfi",
                   "-i", "sine=frequency=300:duration=3", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
                   "-shortest", str(out))
        return out
    return make


def _ink(clip: Path, t: float = 1.0) -> tuple[int, int, int, int, int]:
    """(x0, y0, x1, y1, frame height) of the subtitle ink in the frame shown at t."""
    info = probe(clip)
    raw = subprocess.run(["ffmpeg", "-v", "error", "-ss", str(t), "-i", str(clip), "-frames:v", "1", "-f", "rawvideo",
                          "-pix_fmt", "gray", "pipe:1"], capture_output=True, check=True).stdout
    img = np.frombuffer(raw, np.uint8).reshape(info.height, info.width).astype(int)
    ys, xs = np.nonzero(np.abs(img - GREY) > 60)
    assert len(ys), "no subtitle drawn"
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max()), info.height


def _burn(src: Path, out: Path, segments: tuple[Segment, ...] = LINE, **kw: object) -> Path:
    return cut_clip(probe(src), 0.0, 3.0, out, ClipOptions(subtitles="burn", **kw), segments).path  # type: ignore[arg-type]


def test_size_scales_with_the_frame_and_the_card_band_stays_clear(flat, tmp_path: Path) -> None:  # noqa: ANN001
    small = _ink(_burn(flat("640x360"), tmp_path / "s.mp4"))
    big = _ink(_burn(flat("1280x720"), tmp_path / "b.mp4"))
    h_small, h_big = small[3] - small[1], big[3] - big[1]
    # One line of characters (outline included) is about 5.5% of the frame height: 20 px at 360p, where the
    # old subtitles were 13 px, and twice that at 720p.
    assert 0.045 * 360 <= h_small <= 0.08 * 360, small
    assert 1.8 <= h_big / h_small <= 2.2, (small, big)
    for *_, y1, h in (small, big):
        assert y1 < 0.8 * h, "the default must not cover the lower fifth, where product cards sit"


def test_positions(flat, tmp_path: Path) -> None:  # noqa: ANN001
    src = flat("640x360")
    _, _, _, y1, h = _ink(_burn(src, tmp_path / "bottom.mp4", subtitle_position="bottom"))
    assert y1 > 0.9 * h
    _, y0, _, _, h = _ink(_burn(src, tmp_path / "top.mp4", subtitle_position="top"))
    assert y0 < 0.1 * h
    # Cards the visual stage read higher than the band push the subtitles above them.
    card = VisualEvent("ocr", 1.0, "直播价 ¥99", "S1", 0.9, box=(0.02, 0.55, 0.54, 0.96))
    clip = cut_clip(probe(src), 0.0, 3.0, tmp_path / "card.mp4", ClipOptions(subtitles="burn"), LINE, cards=(card,))
    _, _, _, y1, h = _ink(clip.path)
    assert y1 < 0.55 * h


def test_vertical_lines_fit_the_width(flat, tmp_path: Path) -> None:  # noqa: ANN001
    long = (Segment(0.0, 3.0, "家人们看一下这款洗衣凝珠，直播间到手价只要二十九块九，原价六十九"),)
    x0, y0, x1, y1, h = _ink(_burn(flat("640x360"), tmp_path / "v.mp4", long, vertical=True, reframe="center"))
    assert h == 1280 and x0 > 10 and x1 < 710
    assert y1 < 0.8 * h


def test_layout_numbers() -> None:
    lay = layout(SubtitleStyle(), 640, 360)
    assert lay.char_height == pytest.approx(0.055 * 360, abs=1) and lay.margin_v >= 0.2 * 360
    portrait = layout(SubtitleStyle(), 720, 1280)
    assert portrait.chars_per_line == 14
    assert layout(SubtitleStyle(), 640, 360, cards_top=0.9).margin_v == lay.margin_v  # the band is the floor
    assert layout(SubtitleStyle(), 640, 360, cards_top=0.2).margin_v <= 0.5 * 360 + 0.03 * 360 + 1  # at most half


def test_sidecar_cues_are_clipped_to_the_clip(flat, tmp_path: Path) -> None:  # noqa: ANN001
    segs = (Segment(0.2, 1.4, "开场"), Segment(1.6, 2.9, "三号链接"), Segment(2.95, 3.0, "后面"))
    assert [(c.start, c.end) for c in clip_cues(segs, 1.0, 2.5)] == [(1.0, 1.4), (1.6, 2.5)]
    r = cut_clip(probe(flat("640x360")), 1.0, 2.5, tmp_path / "c.mp4", ClipOptions(subtitles="sidecar"), segs)
    srt = (tmp_path / "c.srt").read_text(encoding="utf-8")
    assert "00:00:00,000 --> 00:00:00,400" in srt and "00:00:00,600 --> 00:00:01,500" in srt and "后面" not in srt
    assert r.end - r.start == pytest.approx(1.5)
    assert "00:00:01.500" in (tmp_path / "c.vtt").read_text(encoding="utf-8")
