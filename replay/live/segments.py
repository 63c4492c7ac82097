"""segments: what the follower does with one segment's bytes: store it, describe it, decode its audio.

Every ingested segment is kept as MPEG-TS in the stream's ``live/segments/`` folder (fMP4 segments are joined to
their init section and remuxed, without re-encoding), so the growing recording is one HLS playlist of
same-kind files: the player watches it, thumbnails are cut from it and the final pass joins it into an mp4.
A gap gets a filler of its length (black picture, silence), so times after it stay where the index says.

Audio goes to one raw 16 kHz PCM file for the whole stream (the same format as media/audio.py), each segment
written at the byte offset of its place on the timeline: writing a segment again after a ``kill -9`` rewrites the
same bytes in the same place, and a gap reads as silence.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np

from replay.contracts import MediaInfo
from replay.errors import MediaOpenError
from replay.media import ffmpeg
from replay.media.audio import SAMPLE_RATE
from replay.media.probe import ProbeOptions, probe


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".partial")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def store(data: bytes, init: bytes | None, out: Path) -> Path:
    """Write one segment to ``out`` (.ts): as it is when it is MPEG-TS, else (fMP4: init + fragment) remuxed."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if init is None and data[:1] == b"\x47":
        _atomic_write(out, data)
        return out
    joined = out.with_name(out.stem + ".src.mp4")
    _atomic_write(joined, (init or b"") + data)
    tmp = out.with_name(out.name + ".partial.ts")
    try:
        ffmpeg.run(["-i", str(joined), "-map", "0", "-c", "copy", "-f", "mpegts", str(tmp)],
                   error=lambda d: MediaOpenError(f"segment {out.stem} cannot be remuxed: {d}"))
        os.replace(tmp, out)
    finally:
        joined.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    return out


def describe(path: Path) -> MediaInfo:
    """probe() of one segment (MediaOpenError when it is not media)."""
    return probe(path, ProbeOptions(require_audio=False, max_duration=24 * 3600.0))


def decode_audio(path: Path, seconds: float) -> np.ndarray:
    """The segment's first audio stream as 16 kHz mono int16, exactly ``seconds`` long (padded with silence or
    cut), so the timeline keeps the playlist's durations. MediaOpenError when it does not decode."""
    want = int(round(seconds * SAMPLE_RATE))
    cmd = [ffmpeg.ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-i", str(path), "-map", "0:a:0",
           "-f", "s16le", "-acodec", "pcm_s16le", "-ac", "1", "-ar", str(SAMPLE_RATE), "pipe:1"]
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise MediaOpenError(f"segment {path.name} does not decode: {detail[-1] if detail else 'ffmpeg failed'}")
    samples = np.frombuffer(proc.stdout, dtype=np.int16)
    if len(samples) == 0:
        raise MediaOpenError(f"segment {path.name} holds no audio")
    if len(samples) >= want:
        return samples[:want]
    return np.concatenate([samples, np.zeros(want - len(samples), dtype=np.int16)])


def write_pcm(pcm: Path, start: float, samples: np.ndarray) -> None:
    """Write samples at the byte offset of ``start`` (seconds) in the stream's PCM file."""
    pcm.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(pcm, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        os.pwrite(fd, samples.astype("<i2").tobytes(), int(round(start * SAMPLE_RATE)) * 2)
    finally:
        os.close(fd)


def pad_pcm(pcm: Path, end: float) -> None:
    """Make the PCM file at least ``end`` seconds long (a gap at the end reads as silence)."""
    pcm.parent.mkdir(parents=True, exist_ok=True)
    size = int(round(end * SAMPLE_RATE)) * 2
    with open(pcm, "ab") as f:
        if f.tell() < size:
            f.truncate(size)


def filler(out: Path, seconds: float, like: MediaInfo | None) -> Path:
    """A segment of black picture and silence, ``seconds`` long, shaped like ``like`` (size, frame rate)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    w, h = (like.width or 640, like.height or 360) if like is not None and like.has_video else (640, 360)
    fps = max(1, round((like.fps if like is not None else None) or 25))
    rate = (like.audio_sample_rate if like is not None else None) or 44100
    tmp = out.with_name(out.name + ".partial.ts")
    ffmpeg.run(["-f", "lavfi", "-i", f"color=c=black:s={w}x{h}:r={fps}:d={seconds:.3f}", "-f", "lavfi",
                "-i", f"anullsrc=r={rate}:cl=mono", "-t", f"{seconds:.3f}", "-c:v", "libx264", "-preset", "ultrafast",
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-f", "mpegts", str(tmp)],
               error=lambda d: MediaOpenError(f"could not make a filler for a gap: {d}"))
    os.replace(tmp, out)
    return out


def thumbnail(path: Path, at: float, out: Path, width: int) -> Path:
    """A JPEG of the frame ``at`` seconds into one segment. The segment is decoded from its start (output seek):
    an MPEG-TS segment has one keyframe, and an input seek into it can land past it and find no picture."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial.jpg")
    ffmpeg.run(["-i", str(path), "-ss", f"{max(0.0, at):.3f}", "-frames:v", "1", "-vf", f"scale={int(width)}:-2",
                "-q:v", "3", str(tmp)], error=lambda d: MediaOpenError(f"no thumbnail from {path.name}: {d}"))
    if not tmp.exists() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        raise MediaOpenError(f"no picture {at:.2f} s into {path.name}")
    os.replace(tmp, out)
    return out
