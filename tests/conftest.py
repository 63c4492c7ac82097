"""Shared fixtures: tiny media made with ffmpeg lavfi, and the real test videos."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from replay.contracts import MediaInfo
from replay.ffmpeg_bin import ffmpeg_path
from replay.probe import ProbeOptions, probe

DATA = Path(__file__).parent / "data"
VIDEO = DATA / "video"


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def probe_video(path: Path) -> MediaInfo:
    return probe(path, ProbeOptions(require_audio=False))


def color_cuts_video(path: Path, colors: list[str], seconds: float = 1.0, size: str = "320x240",
                     fps: int = 25) -> Path:
    """One solid colour after another, each ``seconds`` long: cuts at k * seconds * fps."""
    inputs: list[str] = []
    for c in colors:
        inputs += ["-f", "lavfi", "-i", f"color=c={c}:s={size}:r={fps}:d={seconds}"]
    n = len(colors)
    graph = "".join(f"[{i}:v]" for i in range(n)) + f"concat=n={n}:v=1:a=0[v]"
    ffmpeg(*inputs, "-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-pix_fmt", "yuv420p",
           "-g", "250", str(path))
    return path


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def real_video():
    def get(name: str) -> MediaInfo:
        path = VIDEO / name
        if not path.exists():
            pytest.skip(f"{path} missing")
        return probe_video(path)
    return get
