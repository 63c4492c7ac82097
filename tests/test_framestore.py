"""The frames the visual stage keeps for thumbnails (media/framestore.py), and thumbnails written from them
without decoding the video again."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from replay.contracts import Highlight, VisualEvent, VisualTrack
from replay.media import thumbnails
from replay.media.framestore import WINDOW, FrameKeeper, kept_times, write_from_kept
from replay.media.thumbnails import best_thumbnail_time, make_thumbnails


def _frame(t: float) -> np.ndarray:
    """A 640×360 frame with its time written on it, so a written thumbnail says which frame it came from."""
    img = np.full((360, 640, 3), 40, np.uint8)
    cv2.putText(img, f"{t:.0f}", (40, 250), cv2.FONT_HERSHEY_SIMPLEX, 6, (255, 255, 255), 12)
    return img


# One sample every 2 s for a minute; a card of product A is read at 31 s and re-emitted every 2 s up to 41 s.
TIMES = [float(t) for t in range(0, 60, 2)]
SHARP = {t: 100.0 + (37 * t) % 50 for t in TIMES}
EVENTS = [VisualEvent("ocr", t, "A 卡片", "A", 0.9) for t in (31.0, 33.0, 35.0, 37.0, 39.0, 41.0)]


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("frames") / "frames"
    keeper = FrameKeeper(folder)
    for t in TIMES:
        # The track as the stage has it when the frame is pushed: events up to the sample before.
        keeper.push(t, SHARP[t], _frame(t), [e for e in EVENTS if e.time <= t])
    keeper.close(EVENTS)
    return folder


def test_each_window_keeps_its_sharpest_frame_and_the_sharpest_showing_each_product(kept: Path) -> None:
    times = {ms / 1000 for ms in kept_times(kept)}
    for w in range(6):
        window = [t for t in TIMES if w * WINDOW <= t < (w + 1) * WINDOW]
        assert max(window, key=SHARP.get) in times
        showing = [t for t in window if any(0 <= t - e.time <= 2.5 for e in EVENTS)]
        if showing:
            assert max(showing, key=SHARP.get) in times
    assert len(times) <= 2 * 6  # at most two a window here, not one a sample
    assert len(times) < len(TIMES)


def test_a_thumbnail_is_chosen_among_the_kept_frames_and_written_from_one(kept: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    track = VisualTrack(events=tuple(EVENTS), sharpness=tuple((t, SHARP[t]) for t in TIMES))
    kept_ms = kept_times(kept)
    t = best_thumbnail_time(_Info(), 28.0, 45.0, track, "A", kept=kept_ms)
    assert round(t * 1000) in kept_ms
    assert any(0 <= t - e.time <= 2.5 for e in EVENTS)  # a frame that shows A's card
    # Writing it must not touch the video: no ffmpeg seek, no decode.
    monkeypatch.setattr(thumbnails, "write_thumbnail", _fail)
    monkeypatch.setattr(thumbnails, "iter_frames", _fail)
    h = Highlight(sku_id="A", title="A", start=28.0, end=45.0, confidence=0.9, id="h1")
    [done] = make_thumbnails(_Info(), [h], track, tmp_path / "thumbs", frames=kept)
    out = cv2.imread(str(tmp_path / "thumbs" / done.thumbnail))
    assert out.shape == (270, 480, 3)
    assert np.abs(cv2.resize(_frame(t), (480, 270), interpolation=cv2.INTER_AREA).astype(int) - out).mean() < 4


def test_a_kept_frame_smaller_than_the_thumbnail_and_the_video_is_not_used(kept: Path, tmp_path: Path) -> None:
    source = sorted(kept_times(kept).values())[0]
    assert not write_from_kept(source, tmp_path / "big.jpg", width=1280, full_width=1920)
    assert write_from_kept(source, tmp_path / "same.jpg", width=640, full_width=640)  # the video is that small
    assert (tmp_path / "same.jpg").read_bytes() == source.read_bytes()


def _fail(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
    raise AssertionError("the video was decoded again")


class _Info:
    """The MediaInfo fields thumbnails read: a 640×360 video of a minute."""

    has_video = True
    duration = 60.0
    width, height, rotation = 640, 360, 0
    path = Path("never-read.mp4")
