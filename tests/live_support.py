"""Helpers for the live tests: a short cut of the bundled sample, settings that share the model cache, the feeder
(scripts/feed_live.py) in the background, and reading a followed stream back from the database."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from replay.settings import Settings
from replay.store.database import Database

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "replay" / "samples" / "demo"
FEEDER = REPO / "scripts" / "feed_live.py"


def live_settings(tmp: Path, **overrides: object) -> Settings:
    """Settings in ``tmp`` (media root tmp/media) with the model assembled by scripts/install.sh linked in."""
    media = tmp / "media"
    media.mkdir(parents=True, exist_ok=True)
    data = tmp / "data"
    data.mkdir(parents=True, exist_ok=True)
    cache = REPO / "data" / "models"
    if cache.is_dir() and not (data / "models").exists():
        (data / "models").symlink_to(cache.resolve())
    values = {"data_dir": data, "media_root": media, "workers": 1, "threads": 2, **overrides}
    return Settings(**values)  # type: ignore[arg-type]


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment a `replay follow` child needs to use ``settings``' data dir and model."""
    return {**os.environ, "REPLAY_DATA_DIR": str(settings.data_dir), "REPLAY_MEDIA_ROOT": str(settings.media_root),
            "REPLAY_THREADS": str(settings.threads), "PYTHONUNBUFFERED": "1", **extra}


def sample_clip(folder: Path, seconds: float | None = None) -> Path:
    """The bundled landscape sample (or its first ``seconds``, stream copy) with its catalog beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SAMPLE / "catalog.json", folder / "catalog.json")
    if (SAMPLE / "images").is_dir() and not (folder / "images").exists():
        shutil.copytree(SAMPLE / "images", folder / "images")
    out = folder / "stream.mp4"
    if seconds is None:
        shutil.copyfile(SAMPLE / "stream.mp4", out)
    else:
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(SAMPLE / "stream.mp4"), "-t", str(seconds), "-c", "copy",
                        str(out)], check=True)
    return out


def start_feed(source: Path, out_dir: Path, speed: float = 8.0, *args: str) -> subprocess.Popen:
    """scripts/feed_live.py in the background (segments at the sample's own 10 s keyframes); returns once the
    playlist (or the growing file) exists."""
    proc = subprocess.Popen([sys.executable, str(FEEDER), str(source), str(out_dir), "--speed", str(speed), "--copy",
                             *args])
    target = out_dir / (args[args.index("--as-file") + 1] if "--as-file" in args else "index.m3u8")
    deadline = time.monotonic() + 120
    while not target.exists():
        assert proc.poll() is None or target.exists(), f"the feeder stopped ({proc.returncode})"
        assert time.monotonic() < deadline, "the feeder never published"
        time.sleep(0.05)
    return proc


def truth() -> dict:
    return json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))


def events(db: Database, stream_id: str) -> list[tuple[int, str, dict]]:
    return [(r["seq"], r["type"], json.loads(r["data"]))
            for r in db.db.query("select seq, type, data from live_events where stream_id = ? order by seq", [stream_id])]


def wait_for(check, timeout: float, what: str, every: float = 0.25):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every)
