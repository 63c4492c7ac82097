"""Clip jobs through the API: POST a clip, follow the job, download a file ffprobe accepts."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from api_support import assert_error, fill_stream, ids, make_settings, make_video
from fastapi.testclient import TestClient

from replay.api import create_app
from replay.contracts import Segment
from replay.jobs.runner import JobRunner
from replay.media.clips import stream_durations
from replay.store.database import Database


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("clipmedia") / "live.mp4", seconds=20.0, size="320x180")


@pytest.fixture()
def client(tmp_path: Path, video: Path):  # noqa: ANN201
    settings = make_settings(tmp_path)
    shutil.copy(video, settings.media_root / "live.mp4")
    fill_stream(Database(settings.database), settings, settings.media_root / "live.mp4")
    runner = JobRunner(settings)
    with TestClient(create_app(settings, runner=runner), raise_server_exceptions=False) as c:
        c.runner = runner  # type: ignore[attr-defined]
        yield c
    runner.close()


def test_clip_of_a_highlight_with_subtitles(client: TestClient, tmp_path: Path) -> None:
    r = client.post("/streams/sdemo/clips", json={"highlight_id": ids()[1], "subtitles": "both"})
    assert r.status_code == 202, r.text
    job_url = r.json()["job"]
    assert client.runner.wait_idle(60)
    job = client.get(job_url).json()
    assert job["state"] == "done" and job["kind"] == "clip" and job["progress"] == 1.0, job
    res = job["result"]
    assert res["sku_id"] == "A102" and (res["start"], res["end"]) == (8.0, 14.0)
    got = client.get(res["file"])
    assert got.status_code == 200 and got.headers["content-type"] == "video/mp4"
    out = tmp_path / "clip.mp4"
    out.write_bytes(got.content)
    d = stream_durations(out)
    assert abs(d["video"] - 6.0) <= 0.2 and abs(d["audio"] - 6.0) <= 0.2
    part = client.get(res["file"], headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.content) == 100
    srt = [u for u in res["subtitles"] if u.endswith(".srt")][0]
    assert "小金条口红" in client.get(srt).text


def test_clip_of_a_range_vertical(client: TestClient) -> None:
    r = client.post("/streams/sdemo/clips", json={"start": 1.0, "end": 4.0, "vertical": True, "subtitles": "none"})
    assert r.status_code == 202
    assert client.runner.wait_idle(60)
    job = client.get(r.json()["job"]).json()
    assert job["state"] == "done", job
    assert job["result"]["duration"] == pytest.approx(3.0, abs=0.2)


def test_copy_clip_reports_its_keyframe_start_and_price_flags(client: TestClient, tmp_path: Path) -> None:
    """mode=copy starts at the keyframe before 8.5 s (the video has one a second); a price in the 看点's
    transcript that the catalog does not list for its product comes back in the job's result."""
    r = client.post("/streams/sdemo/clips", json={"start": 8.5, "end": 12.0, "mode": "copy", "subtitles": "none"})
    assert r.status_code == 202, r.text
    assert client.runner.wait_idle(60)
    res = client.get(r.json()["job"]).json()["result"]
    assert res["start"] == pytest.approx(8.0, abs=0.05) and res["requested_start"] == 8.5
    out = tmp_path / "copy.mp4"
    out.write_bytes(client.get(res["file"]).content)
    assert abs(stream_durations(out)["audio"] - (12.0 - res["start"])) <= 0.03
    db = Database(client.app.state.ctx.settings.database)
    tr = db.transcript("sdemo")
    db.save_transcript("sdemo", replace(tr, segments=(*tr.segments, Segment(6.0, 7.5, "原价一百九十九块"))))
    r = client.post("/streams/sdemo/clips", json={"highlight_id": ids()[0], "subtitles": "none",
                                                  "vertical": True, "reframe": "center"})
    assert r.status_code == 202, r.text
    assert client.runner.wait_idle(60)
    job = client.get(r.json()["job"]).json()
    assert job["state"] == "done", job
    assert [(f["said"], f["expected"]) for f in job["result"]["price_flags"]] == [(199.0, [70.0, 99.0, 169.0])]


def test_clip_errors(client: TestClient) -> None:
    assert_error(client.post("/streams/sdemo/clips", json={"highlight_id": "nope"}), 400, "unknown_highlight")
    assert_error(client.post("/streams/sdemo/clips", json={"start": 5.0}), 422, "validation_error")
    assert_error(client.post("/streams/sdemo/clips", json={"start": 9.0, "end": 3.0}), 400, "clip_range_invalid")
    assert_error(client.post("/streams/missing/clips", json={"start": 1.0, "end": 3.0}), 404, "not_found")
    assert_error(client.get("/streams/sdemo/clips/..%2F..%2Freplay.db"), 404, "not_found")
    assert_error(client.get("/streams/sdemo/clips/j000000000000.mp4"), 404, "not_found")
