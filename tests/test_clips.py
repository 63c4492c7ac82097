"""Clips are checked with ffprobe: duration within 0.2 s of the request, audio and video present.

--copy is checked on every 看点 of the bundled sample and of the bench stream dev1 (read from ../shared, never
committed): the clip starts at the keyframe at or before the asked start (found here with ffprobe, apart from the
code under test), its picture is that keyframe's, and audio and video last the range within one frame.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from replay.contracts import Highlight, Segment
from replay.errors import InputError, MediaError
from replay.media.clips import ClipOptions, cut_clip, export_stream, stream_durations, stream_info
from replay.media.ffmpeg import ffprobe_path
from replay.media.keyframes import keyframe_before
from replay.media.probe import probe

from conftest import SHARED, ffmpeg, skip_unless_installed

SAMPLE = Path(__file__).resolve().parent.parent / "replay" / "samples" / "demo"


@pytest.fixture(scope="module")
def long_gop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20 s, 25 fps, keyframes every 5 s exactly, B-frames on, with a tone: a real-world-like H.264 file."""
    out = tmp_path_factory.mktemp("clips") / "gop.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=20", "-f", "lavfi",
           "-i", "sine=frequency=500:duration=20", "-c:v", "libx264", "-g", "125", "-keyint_min", "125",
           "-sc_threshold", "0", "-bf", "2", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(out))
    return out


SEGS = (Segment(3.0, 5.0, "接下来给大家介绍今天的保温杯"), Segment(5.2, 8.0, "三号链接到手价五十九元"),
        Segment(12.0, 14.0, "不相干的话"))


def test_accurate_cut_is_frame_exact(long_gop: Path, tmp_path: Path) -> None:
    r = cut_clip(probe(long_gop), 3.2, 9.6, tmp_path / "a.mp4", ClipOptions(subtitles="both"), SEGS)
    assert r.start == 3.2 and r.end == 9.6
    d = stream_durations(r.path)
    assert abs(d["video"] - 6.4) <= 0.2 and abs(d["audio"] - 6.4) <= 0.2
    srt = (tmp_path / "a.srt").read_text()
    assert "00:00:00,000 --> 00:00:01,800" in srt  # times are relative to the clip start
    assert "不相干" not in srt
    assert (tmp_path / "a.vtt").read_text().startswith("WEBVTT")


def _keyframes(path: Path) -> list[float]:
    """Keyframe times straight from ffprobe's packet list (not through replay.media.keyframes)."""
    out = subprocess.run([ffprobe_path() or "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "packet=pts_time,flags", "-of", "csv=p=0", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return sorted(float(t) for t, flags in (ln.split(",")[:2] for ln in out.split()) if "K" in flags)


def _frame(path: Path, t: float | None = None) -> np.ndarray:
    """One decoded frame: the first of ``path``, or the one shown at ``t`` (frame-exact, decoded from 0)."""
    vf = ["-vf", f"select=gte(t\\,{t - 1e-3})"] if t is not None else []
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), *vf, "-frames:v", "1", "-f", "rawvideo",
                          "-pix_fmt", "gray", "pipe:1"], capture_output=True, check=True).stdout
    info = probe(path)
    return np.frombuffer(raw, np.uint8).reshape(info.height, info.width)


def _check_copy(info, r, asked: float, keys: list[float]) -> None:  # noqa: ANN001
    fps = info.fps or 25.0
    key = max(k for k in keys if k <= asked + 1e-3)
    assert abs(r.start - key) <= 1 / fps, (asked, r.start, key)
    assert r.requested_start == pytest.approx(asked, abs=1e-3)
    s = stream_info(r.path)
    length = r.end - r.start
    assert abs(s["video"]["duration"] - length) <= 1 / fps + 1e-3, s
    assert abs(s["audio"]["duration"] - length) <= 1024 / (info.audio_sample_rate or 44100) + 1e-3, s
    assert abs(s["audio"]["start"] - s["video"]["start"]) <= 1024 / (info.audio_sample_rate or 44100)


def test_copy_cut_starts_at_the_keyframe(long_gop: Path, tmp_path: Path) -> None:
    info = probe(long_gop)
    assert keyframe_before(info, 7.3) == pytest.approx(5.0, abs=0.05)
    r = cut_clip(info, 7.3, 12.0, tmp_path / "c.mp4", ClipOptions(mode="copy", subtitles="none"))
    assert r.start == pytest.approx(5.0, abs=0.05)
    _check_copy(info, r, 7.3, _keyframes(long_gop))
    # The first picture is the keyframe's, bit for bit (copied, not re-encoded); testsrc's counter makes the
    # frames on either side differ.
    first = _frame(r.path).astype(int)
    assert np.abs(first - _frame(long_gop, 5.0)).mean() < 0.05
    assert min(np.abs(first - _frame(long_gop, t)).mean() for t in (4.96, 5.04)) > 0.3


@pytest.mark.parametrize("folder", [SAMPLE, SHARED / "bench" / "dev1"], ids=["sample", "dev1"])
def test_copy_on_every_highlight(folder: Path, tmp_path: Path) -> None:
    if not (folder / "stream.mp4").is_file():
        skip_unless_installed(f"{folder} is missing", "CI clones the project with ../shared beside it")
    info = probe(folder / "stream.mp4")
    keys = _keyframes(folder / "stream.mp4")
    segments = json.loads((folder / "truth.json").read_text())["segments"]
    for n, seg in enumerate(segments):
        r = cut_clip(info, seg["start"], seg["end"], tmp_path / f"{n}.mp4", ClipOptions(mode="copy", subtitles="none"))
        _check_copy(info, r, seg["start"], keys)
        assert r.end == pytest.approx(seg["end"], abs=1e-3)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.mp4" for n in range(len(segments)))


def test_a_failed_clip_leaves_no_file(tmp_path: Path) -> None:
    """A source whose audio stops after 3 s of 10: the clip fails its check, and nothing is left behind."""
    src = tmp_path / "short_audio.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=10", "-f", "lavfi",
           "-i", "sine=frequency=500:duration=3", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(src))
    out_dir = tmp_path / "out"
    for mode in ("accurate", "copy"):
        with pytest.raises(MediaError, match="audio lasts"):
            cut_clip(probe(src), 1.0, 9.0, out_dir / f"{mode}.mp4", ClipOptions(mode=mode, subtitles="sidecar"),
                     (Segment(1.0, 2.0, "三号链接"),))
    assert list(out_dir.iterdir()) == []


def test_vertical_with_burned_subtitles(long_gop: Path, tmp_path: Path) -> None:
    r = cut_clip(probe(long_gop), 3.0, 8.0, tmp_path / "v.mp4",
                 ClipOptions(vertical=True, subtitles="burn", padding=0.5), SEGS)
    info = probe(r.path)
    assert (info.width, info.height) == (720, 1280)
    assert r.start == 2.5 and r.end == 8.5
    assert not (tmp_path / "v.srt").exists()  # burned, not left beside the clip


def test_bad_requests(long_gop: Path, audio_only: Path, tmp_path: Path) -> None:
    info = probe(long_gop)
    with pytest.raises(InputError):
        cut_clip(info, 5.0, 4.0, tmp_path / "x.mp4")
    with pytest.raises(InputError, match="copy mode"):
        cut_clip(info, 1.0, 4.0, tmp_path / "x.mp4", ClipOptions(mode="copy", vertical=True))
    with pytest.raises(InputError, match="audio only"):
        cut_clip(probe(audio_only), 0.5, 2.0, tmp_path / "x.mp4")
    assert not list(tmp_path.glob("*.mp4"))


def test_padding_is_clamped_to_the_recording(long_gop: Path, tmp_path: Path) -> None:
    r = cut_clip(probe(long_gop), 0.5, 19.5, tmp_path / "p.mp4", ClipOptions(padding=2.0, subtitles="none"))
    assert r.start == 0.0 and r.end == pytest.approx(20.0, abs=0.05)


def test_export_writes_every_clip_and_an_index(long_gop: Path, tmp_path: Path) -> None:
    hs = (Highlight("S1", "保温杯", 3.0, 8.0, 0.9, id="h0"), Highlight("S2", "面膜/补水", 10.0, 15.5, 0.8, id="h1"))
    seen: list[float] = []
    index = export_stream(probe(long_gop), hs, tmp_path / "out", ClipOptions(), SEGS, seen.append, stream_id="s1")
    data = json.loads(index.read_text())
    assert [c["sku_id"] for c in data["clips"]] == ["S1", "S2"]
    for c, h in zip(data["clips"], hs, strict=True):
        f = tmp_path / "out" / c["file"]
        assert f.is_file() and "/" not in c["file"]
        assert abs(stream_durations(f)["video"] - (h.end - h.start)) <= 0.2
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
