"""frames: sampling, times and scene cuts, on real videos with published cuts and on generated media."""

from __future__ import annotations

import numpy as np
import pytest

from replay.errors import MediaOpenError
from replay.media.frames import FrameOptions, detect_scene_cuts, iter_frames, output_size
from replay.media.probe import ProbeOptions, probe

from conftest import color_cuts_video, ffmpeg, probe_video


def starts(cuts) -> list[int]:
    return [0] + [c.frame_index for c in cuts]


def assert_within_one_frame(found: list[int], published: list[int]) -> None:
    assert len(found) == len(published), (found, published)
    for f, p in zip(found, published, strict=True):
        assert abs(f - p) <= 1, (found, published)


# --- real videos (PySceneDetect resources) ---------------------------------------------------
def test_testvideo_cuts_match_published_frames(real_video):
    info = real_video("testvideo.mp4")
    cuts = detect_scene_cuts(info)
    assert_within_one_frame(starts(cuts), [0, 15, 198, 377])
    for c in cuts:
        assert c.time == pytest.approx(c.frame_index / info.fps, abs=0.04)


def test_fades_cuts_match_published_frames(real_video):
    info = real_video("fades.mp4")
    cuts = detect_scene_cuts(info)
    assert_within_one_frame(starts(cuts), [0, 84, 167])
    assert {c.kind for c in cuts} == {"fade"}


def test_vfr_times_are_real_pts(real_video):
    info = real_video("goldeneye-vfr-drop3.mp4")
    frames = list(iter_frames(info, FrameOptions(width=32)))
    times = np.array([f.time for f in frames])
    assert len(frames) == 160
    steps = np.unique(np.diff(times).round(3))
    # Dropped frames leave double gaps: a constant-rate assumption (index / fps) would drift.
    assert set(steps) == {0.042, 0.083}
    assert times[-1] == pytest.approx(9.927, abs=0.01)
    assert [f.index for f in frames] == list(range(160))


def test_rotation_flag_gives_portrait_frames(real_video):
    info = real_video("issue-134-rotate.mp4")
    assert info.rotation in (90, 270)
    frame = next(iter_frames(info, FrameOptions(width=64)))
    h, w = frame.image.shape[:2]
    assert (w, h) == output_size(info, 64) and h > w
    # Cuts are found on the rotated picture just the same.
    assert len(detect_scene_cuts(info)) >= 1


def test_delayed_start_times_begin_at_zero(real_video):
    info = real_video("delayed_start.mp4")
    assert info.start_time == pytest.approx(1.075)
    frames = list(iter_frames(info))
    assert frames[0].time == pytest.approx(0.0)
    assert frames[1].time == pytest.approx(0.04)
    assert all(0 <= f.time <= info.duration for f in frames)


def test_counter_times_match_printed_pts(real_video):
    # counter.mp4 prints "PTS = 1.0s" on frame 11 and changes colour every second.
    info = real_video("counter.mp4")
    cuts = detect_scene_cuts(info)
    assert [(c.frame_index, round(c.time, 3)) for c in cuts] == [(10, 1.0), (20, 2.0)]


def test_sampling_modes_and_seek(real_video):
    info = real_video("counter.mp4")
    one_fps = [f.time for f in iter_frames(info, FrameOptions(fps=1))]
    assert one_fps == pytest.approx([0.0, 1.0, 2.0])
    window = list(iter_frames(info, FrameOptions(start=1.2, end=1.5)))
    assert [round(f.time, 2) for f in window] == [1.2, 1.3, 1.4, 1.5]
    assert [f.index for f in window] == [12, 13, 14, 15]
    keys = list(iter_frames(info, FrameOptions(keyframes_only=True)))
    assert keys and keys[0].time == 0.0 and len(keys) < 30


def test_iter_frames_is_lazy_and_closes(real_video):
    info = real_video("testvideo.mp4")
    gen = iter_frames(info, FrameOptions(width=16, color="gray"))
    first = next(gen)
    assert first.image.shape == (output_size(info, 16)[1], 16)
    gen.close()  # kills ffmpeg without reading the other 719 frames


# --- generated media -------------------------------------------------------------------------
def test_generated_color_cuts(media_dir):
    info = probe_video(color_cuts_video(media_dir / "rgb.mp4", ["red", "blue", "green"], seconds=1.0, fps=25))
    cuts = detect_scene_cuts(info)
    assert [(c.frame_index, c.kind) for c in cuts] == [(25, "content"), (50, "content")]
    assert [c.time for c in cuts] == pytest.approx([1.0, 2.0])


def test_min_scene_length_suppresses_flash(media_dir):
    # A 0.2 s white flash: two hard changes 5 frames apart; only the first counts as a cut.
    path = media_dir / "flash.mp4"
    inputs = []
    for c, d in [("navy", 1.0), ("white", 0.2), ("navy", 1.0)]:
        inputs += ["-f", "lavfi", "-i", f"color=c={c}:s=160x120:r=25:d={d}"]
    ffmpeg(*inputs, "-filter_complex", "[0:v][1:v][2:v]concat=n=3:v=1:a=0[v]", "-map", "[v]",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path))
    cuts = detect_scene_cuts(probe_video(path), FrameOptions(min_scene_seconds=0.45))
    assert [c.frame_index for c in cuts] == [25]


def test_odd_size_video(media_dir):
    path = media_dir / "odd.mp4"
    inputs = []
    for c in ["yellow", "purple"]:
        inputs += ["-f", "lavfi", "-i", f"color=c={c}:s=333x187:r=10:d=1"]
    ffmpeg(*inputs, "-filter_complex", "[0:v][1:v]concat=n=2:v=1:a=0,format=yuv444p,scale=333:187[v]",
           "-map", "[v]", "-c:v", "libx264", str(path))
    info = probe_video(path)
    assert (info.width, info.height) == (333, 187)
    frames = list(iter_frames(info, FrameOptions(width=333, height=187)))
    assert len(frames) == 20 and frames[0].image.shape == (187, 333, 3)
    assert [c.frame_index for c in detect_scene_cuts(info)] == [10]


def test_audio_only_has_no_frames(media_dir):
    path = media_dir / "tone.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=1", "-c:a", "aac", str(path))
    info = probe(path, ProbeOptions())
    assert not info.has_video
    assert detect_scene_cuts(info) == []
    with pytest.raises(MediaOpenError, match="no video"):
        next(iter_frames(info))


def test_times_monotonic_and_inside_duration(media_dir):
    info = probe_video(color_cuts_video(media_dir / "mono.mp4", ["black", "white"], seconds=0.5, fps=30))
    times = [f.time for f in iter_frames(info)]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert times[0] >= 0 and times[-1] <= info.duration
