"""The HLS endpoints (issue 18): queue a package job, follow it, read the ladder, fetch playlists and
segments (and nothing else from the folder), hls.js gzipped; clips of a stream whose original was dropped."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from api_support import assert_error, fill_stream, ids, make_settings
from fastapi.testclient import TestClient
from package_support import live_source

from replay.api import create_app
from replay.api.routes_hls import HLS_JS
from replay.jobs.runner import JobRunner
from replay.media.clips import stream_durations
from replay.store.database import Database

SMALL = {"heights": [240], "preset": "veryfast", "sample_scenes": 2, "sample_seconds": 1, "keep_original": False}


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return live_source(tmp_path_factory.mktemp("pkgmedia") / "live.mp4", size="426x240", fps=25, kbps=800, seconds=20.0)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, video: Path):  # noqa: ANN201
    settings = make_settings(tmp_path_factory.mktemp("pkgapi"))
    shutil.copy(video, settings.media_root / "live.mp4")
    fill_stream(Database(settings.database), settings, settings.media_root / "live.mp4")
    runner = JobRunner(settings)
    with TestClient(create_app(settings, runner=runner), raise_server_exceptions=False) as c:
        c.runner = runner  # type: ignore[attr-defined]
        c.settings = settings  # type: ignore[attr-defined]
        yield c
    runner.close()


def test_package_job_through_the_api(client: TestClient) -> None:
    assert client.get("/streams/sdemo/package").json()["master"] is None
    assert_error(client.get("/streams/sdemo/hls/master.m3u8"), 404, "not_found")
    assert_error(client.post("/streams/sdemo/package", json={"options": {"heights": "lots"}}), 400, "options_invalid")
    r = client.post("/streams/sdemo/package", json={"options": SMALL})
    assert r.status_code == 202, r.text
    assert client.runner.packages.wait_idle(600)
    job = client.get(r.json()["job"]).json()
    assert job["kind"] == "package" and job["state"] == "done", job
    info = client.get("/streams/sdemo/package").json()
    assert info["master"] == "/streams/sdemo/hls/master.m3u8" and info["original"] is None
    [rung] = info["package"]["renditions"]
    assert (rung["width"], rung["height"], rung["state"]) == (426, 240, "done") and rung["ssim"] >= 0.95
    master = client.get(info["master"])
    assert master.headers["content-type"] == "application/vnd.apple.mpegurl" and "240/index.m3u8" in master.text
    playlist = client.get("/streams/sdemo/hls/240/index.m3u8").text
    segment = next(line for line in playlist.splitlines() if line.endswith(".ts"))
    seg = client.get(f"/streams/sdemo/hls/240/{segment}")
    assert seg.status_code == 200 and seg.headers["content-type"] == "video/mp2t" and seg.content[:1] == b"\x47"
    assert "immutable" in seg.headers["cache-control"]
    for name in ("plan.json", "package.json", "240/p0000.m3u8", "../../replay.db", "240/../../plan.json"):
        assert client.get(f"/streams/sdemo/hls/{name}").status_code == 404, name
    # the original is gone (keep_original=false): the player's fallback is gone, clips come from the ladder
    assert client.get("/streams/sdemo/media").status_code == 404
    r = client.post("/streams/sdemo/clips", json={"highlight_id": ids()[1], "subtitles": "none"})
    assert client.runner.wait_idle(120)
    clip = client.get(r.json()["job"]).json()
    assert clip["state"] == "done", clip
    out = client.settings.stream_dir("sdemo") / "clips" / Path(clip["result"]["file"]).name
    assert abs(stream_durations(out)["video"] - 6.0) < 0.2


def test_hls_js_is_served_gzipped(client: TestClient) -> None:
    if not HLS_JS.is_file():
        pytest.skip("hls.js is not installed (scripts/install_hlsjs.sh)")
    r = client.get("/vendor/hls.js", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert len(r.content) == HLS_JS.stat().st_size and int(r.headers["content-length"]) < HLS_JS.stat().st_size / 2
