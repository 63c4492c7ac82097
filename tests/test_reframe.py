"""--reframe auto: a 9:16 window that follows the host, takes in the product card, and does not jitter.

The end-to-end test cuts a generated room in which the host walks across most of the frame and back
(tests/reframe_support.py) and counts, in the clip's own frames, how much of the host's body is visible.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from reframe_support import BODY_BGR, H, host_box, make_moving_host, visible_share

from replay.media.clips import ClipOptions, cut_clip
from replay.media.frames import FrameOptions, iter_frames
from replay.media.probe import probe
from replay.media.reframe import ReframeOptions, Sighting, find_subjects, plan_crop, window_size

SECONDS = 12.0


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_moving_host(tmp_path_factory.mktemp("reframe") / "room.mp4", SECONDS)


def _coverage(clip: Path, room: Path) -> float:
    """Share of sampled frames (5 a second) in which the clip shows at least 95% of the host's body that the
    source frame shows (the card in front of the host hides some of it at times)."""
    scale = (640 / H) ** 2  # the 360-high source fills the 1280 rows, read here at half size (360×640)
    pairs = zip(iter_frames(probe(room), FrameOptions(width=640, fps=5)),
                iter_frames(probe(clip), FrameOptions(width=360, fps=5)), strict=True)
    shares = [visible_share(out.image, visible_share(src.image, 1.0) * scale) for src, out in pairs]
    assert len(shares) >= 5 * SECONDS - 2
    return sum(s >= 0.95 for s in shares) / len(shares)


def test_auto_follows_the_moving_host(room: Path, tmp_path: Path) -> None:
    r = cut_clip(probe(room), 0.0, SECONDS, tmp_path / "auto.mp4",
                 ClipOptions(vertical=True, reframe="auto", subtitles="none", preset="ultrafast"))
    assert (probe(r.path).width, probe(r.path).height) == (720, 1280)
    assert r.host_found is not None and r.host_found >= 0.8
    assert _coverage(r.path, room) >= 0.95


def test_center_loses_the_walking_host(room: Path, tmp_path: Path) -> None:
    """The same measure on a fixed window: the host walks out of it, so the test above can fail."""
    r = cut_clip(probe(room), 0.0, SECONDS, tmp_path / "center.mp4",
                 ClipOptions(vertical=True, reframe="center", subtitles="none", preset="ultrafast"))
    assert _coverage(r.path, room) < 0.6


def test_the_host_is_found_by_its_face(room: Path) -> None:
    sightings = find_subjects(probe(room), 2.0, 6.0, ReframeOptions(sample_fps=2))
    faces = [s for s in sightings if s.source == "face"]
    assert len(faces) >= 0.6 * len(sightings)
    for s in faces:  # the box is around the true host
        x0, _, x1, _ = host_box(2.0 + s.time, SECONDS)
        assert s.box is not None and abs((s.box[0] + s.box[2]) / 2 * 640 - (x0 + x1) / 2) < 40


def _plan(boxes: list[tuple[float, float, float, float] | None], cards=(), **kw: float):  # noqa: ANN001, ANN202
    sightings = [Sighting(i / 3, b, "face" if b else "none") for i, b in enumerate(boxes)]
    return plan_crop(sightings, 640, 360, cards, ReframeOptions(**kw))


def test_a_swaying_host_does_not_make_the_window_jitter() -> None:
    rng = np.random.default_rng(7)
    boxes = [(0.45 + d, 0.2, 0.6 + d, 1.0) for d in rng.uniform(-0.012, 0.012, 60)]
    plan = _plan(boxes)
    assert max(plan.xs) - min(plan.xs) <= 2
    crop_w = window_size(640, 360)[0]
    assert all(x <= 0.45 * 640 - 0.012 * 640 + 1 and x + crop_w >= 0.612 * 640 - 1 for x in plan.xs)


def test_the_card_comes_in_when_it_fits_and_never_pushes_the_host_out() -> None:
    host = (0.40, 0.2, 0.52, 1.0)
    near = [(t / 3, (0.30, 0.7, 0.45, 0.95)) for t in range(30)]
    plan = _plan([host] * 30, near)
    x = plan.xs[15] / 640
    w = plan.crop_w / 640
    assert x <= 0.30 + 1e-3 and x + w >= 0.52 - 1e-3  # both inside
    far = [(t / 3, (0.02, 0.7, 0.30, 0.95)) for t in range(30)]
    plan = _plan([host] * 30, far)
    x = plan.xs[15] / 640
    assert x == pytest.approx(0.52 - w, abs=0.005)  # as far towards the card as the host allows


def test_nothing_found_stays_centred_and_gaps_hold_position() -> None:
    assert {abs(x - (640 - window_size(640, 360)[0]) / 2) <= 1 for x in _plan([None] * 10).xs} == {True}
    plan = _plan([(0.1, 0.2, 0.25, 1.0)] * 5 + [None] * 5 + [(0.1, 0.2, 0.25, 1.0)] * 5)
    assert max(plan.xs) - min(plan.xs) <= 2 and plan.found == pytest.approx(10 / 15, abs=0.01)


def test_body_colour_is_unique_in_the_room(room: Path) -> None:
    """The coverage measure counts the body's colour: nothing else in the picture may have it."""
    frame = next(iter_frames(probe(room), FrameOptions(width=640)))
    x0, _, x1, _ = host_box(0.0, SECONDS)
    near = np.all(np.abs(frame.image.astype(int) - np.array(BODY_BGR)) <= 40, axis=2)
    assert near[:, :max(0, x0 - 2)].sum() + near[:, x1 + 2:].sum() == 0
