"""Shared fixtures: tiny media made with ffmpeg lavfi, the real clips and videos in tests/data, isolated settings."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from replay.contracts import MediaInfo
from replay.media.ffmpeg import ffmpeg_path
from replay.media.probe import ProbeOptions, probe
from replay.settings import Settings

DATA = Path(__file__).parent / "data"
VIDEO = DATA / "video"
REPO = Path(__file__).parent.parent
SHARED = REPO.parent / "shared"


def skip_unless_installed(reason: str, in_ci: str = "CI installs it through scripts/test.sh") -> None:
    """Skip a module whose tool or data is missing, except in CI (CI=true), where `scripts/test.sh` installed
    everything and ../shared lies beside the clone, so a missing piece must fail the run instead of hiding
    its tests. ``in_ci`` says where CI gets the piece."""
    if os.environ.get("CI"):
        raise RuntimeError(f"{reason} ({in_ci}; this must not be skipped)")
    pytest.skip(reason, allow_module_level=True)


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
def real_video():  # noqa: ANN201 - returns a getter
    """probe a real video from tests/data/video by name; these files are committed with their licence."""
    def get(name: str) -> MediaInfo:
        path = VIDEO / name
        assert path.exists(), f"{path} missing: the real test videos are committed in tests/data/video"
        return probe_video(path)
    return get


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def av_file(media_dir: Path) -> Path:
    """6 s of test pattern with a 440 Hz tone, H.264 + AAC, 320x240 at 25 fps."""
    out = media_dir / "av.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=6", "-f", "lavfi",
           "-i", "sine=frequency=440:duration=6:sample_rate=44100", "-c:v", "libx264", "-pix_fmt", "yuv420p",
           "-c:a", "aac", "-shortest", str(out))
    return out


@pytest.fixture(scope="session")
def video_only(media_dir: Path) -> Path:
    out = media_dir / "silent.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=2", "-c:v", "libx264", "-pix_fmt", "yuv420p",
           str(out))
    return out


@pytest.fixture(scope="session")
def audio_only(media_dir: Path) -> Path:
    out = media_dir / "tone.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:duration=3", "-c:a", "aac", str(out))
    return out


@pytest.fixture(scope="session")
def bursts_wav(media_dir: Path) -> Path:
    """Tone bursts with silences at known places: sound 0-9.5 s, silence 9.5-10 s, sound 10-19.5 s, ..."""
    out = media_dir / "bursts.wav"
    # Commas inside a filter argument must be escaped for the lavfi graph parser.
    expr = r"0.5*sin(2*PI*440*t)*not(between(mod(t\,10)\,9.5\,10))"
    ffmpeg("-f", "lavfi", "-i", f"aevalsrc={expr}:s=16000:d=40", "-ac", "1", str(out))
    return out


@pytest.fixture(scope="session")
def not_media(media_dir: Path) -> Path:
    out = media_dir / "notes.mp4"
    out.write_text("this is a text file with a video extension\n" * 20)
    return out


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    """Settings isolated in a temp data dir, sharing the assembled model cache between tests."""
    cache = REPO / "data" / "models"
    s = Settings(data_dir=tmp_path / "data", media_root=tmp_path, workers=1, threads=2)
    # Reuse the model assembled by scripts/install.sh instead of re-joining 145 MB per test.
    (tmp_path / "data").mkdir()
    if cache.is_dir():
        (tmp_path / "data" / "models").symlink_to(cache.resolve())
    return s


# Browser tests (test_*browser*.py, test_player_*.py): one headless Chromium per test module, and a fresh
# context per test so that storage and cookies never leak between tests. A module may set VIEWPORT.
@pytest.fixture(scope="module")
def browser():  # noqa: ANN201 - a playwright Browser; playwright is imported only by browser tests
    from browser_support import launch
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture()
def page(browser, request: pytest.FixtureRequest):  # noqa: ANN001, ANN201
    viewport = getattr(request.module, "VIEWPORT", {"width": 1280, "height": 720})
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    pg = context.new_page()
    yield pg
    context.close()
