from __future__ import annotations

from pathlib import Path

import pytest

from replay.errors import MediaNotFound, MediaOpenError, MediaTooLarge, NoAudioStream, ReplayError, ZeroDuration
from replay.media.probe import ProbeOptions, probe

from conftest import ffmpeg


def test_probe_reads_streams(av_file: Path) -> None:
    info = probe(av_file)
    assert info.has_video and info.audio_codec == "aac"
    assert info.width == 320 and info.height == 240
    assert info.fps == pytest.approx(25.0)
    assert 5.9 < info.duration < 6.2
    assert info.audio_sample_rate == 44100


def test_audio_only_is_accepted(audio_only: Path) -> None:
    info = probe(audio_only)
    assert not info.has_video and info.audio_codec == "aac"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaNotFound) as exc:
        probe(tmp_path / "nope.mp4")
    assert exc.value.status == 404 and exc.value.hint


def test_not_media(not_media: Path) -> None:
    with pytest.raises(MediaOpenError) as exc:
        probe(not_media)
    assert "not a readable media file" in exc.value.message


def test_empty_file(tmp_path: Path) -> None:
    f = tmp_path / "empty.mp4"
    f.touch()
    with pytest.raises(MediaOpenError, match="empty"):
        probe(f)


def test_no_audio(video_only: Path) -> None:
    with pytest.raises(NoAudioStream) as exc:
        probe(video_only)
    assert exc.value.status == 422
    assert probe(video_only, ProbeOptions(require_audio=False)).has_video


def test_zero_duration(tmp_path: Path) -> None:
    # A WAV header that promises no samples: valid media, nothing in it.
    out = tmp_path / "zero.wav"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "0", str(out))
    with pytest.raises((ZeroDuration, MediaOpenError)) as exc:
        probe(out)
    assert isinstance(exc.value, ReplayError)


def test_duration_limit(av_file: Path) -> None:
    with pytest.raises(MediaTooLarge):
        probe(av_file, ProbeOptions(max_duration=2.0))


def test_rotation_flag_is_read() -> None:
    video = Path(__file__).parent / "data" / "video" / "issue-134-rotate.mp4"
    assert probe(video).rotation in (90, 270)
