"""The HTTP API: every JSON/text endpoint, the one error shape, job lifecycle with injected runners,
media-root containment. Media (Range), thumbnails and uploads are in test_api_media.py.

The real pipeline (ASR model) never runs here: the Database is filled with realistic rows and the job runner
is given work functions that write rows the way the pipeline does (tests/test_api_pipeline.py runs the real one).
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from api_support import (
    CATALOG,
    HIGHLIGHTS,
    SEGMENTS,
    assert_error,
    fill_stream,
    ids,
    make_settings,
    make_video,
    media_info,
)
from fastapi.testclient import TestClient

from replay.api import create_app
from replay.contracts import Highlight, HighlightIndex, Progress, Segment, Transcript
from replay.errors import NoAudioStream
from replay.jobs.runner import IndexRequest, JobRunner
from replay.store.database import Database, stream_id_for


@pytest.fixture(scope="session")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("media") / "tiny.mp4", seconds=2.0, size="160x90")


def fake_work(req: IndexRequest, db: Database, report) -> None:
    """What the pipeline does, minus the models: progress reports, then transcript and 看点 rows."""
    report(Progress("transcribe", 0.4, 12.0))
    db.save_transcript(req.stream_id, Transcript(segments=(Segment(0.0, 1.0, "二号链接口红"),), duration=2.0))
    report(Progress("detect", 0.9, 1.0))
    item = req.catalog.items[0]
    db.save_highlights(req.stream_id, HighlightIndex.of(req.stream_id, 2.0, [
        Highlight(item.sku_id, item.title, 0.0, 1.0, 0.8)]).highlights)


class Env:
    def __init__(self, tmp: Path, video: Path, work=fake_work, **overrides: object) -> None:
        self.settings = make_settings(tmp, **overrides)
        self.media = self.settings.media_root
        self.video = self.media / "live.mp4"
        shutil.copy(video, self.video)
        self.db = Database(self.settings.database)
        self.sid = fill_stream(self.db, self.settings, self.video)
        self.runner = JobRunner(self.settings, work=work)
        self.app = create_app(self.settings, runner=self.runner)
        self.client = TestClient(self.app, raise_server_exceptions=False)


@pytest.fixture()
def env(tmp_path: Path, video: Path) -> Env:
    e = Env(tmp_path, video)
    yield e
    e.runner.close()


def register(env: Env, **body: object):
    payload = {"path": "live.mp4", "catalog": [{"sku_id": "X1", "title": "小金条口红", "live_price": 299}], **body}
    return env.client.post("/streams", json=payload)


# --- streams, highlights, transcript, subtitles, chapters ----------------------------------------------
def test_list_and_get_stream(env: Env) -> None:
    data = env.client.get("/streams").json()
    assert [s["id"] for s in data["streams"]] == [env.sid]
    assert data["streams"][0]["n_highlights"] == 4 and data["streams"][0]["state"] == "done"
    s = env.client.get(f"/streams/{env.sid}").json()
    assert s["title"] == "美妆家居专场" and s["duration"] == 20.0 and s["path"] == "live.mp4"
    assert s["media"]["video_codec"] == "h264" and s["media"]["path"] == "live.mp4"
    assert [j["state"] for j in s["jobs"]] == ["done"] and s["visual"] is None
    assert [c["sku_id"] for c in s["catalog"]] == [i.sku_id for i in CATALOG.items]
    explained = {c["sku_id"]: c["first_start"] for c in s["catalog"] if c["explained"]}
    assert explained == {"A101": 2.0, "A102": 8.0, "A103": 14.0}
    assert str(env.media) not in env.client.get(f"/streams/{env.sid}").text  # no absolute server paths


def test_stream_html_for_browsers(env: Env) -> None:
    r = env.client.get(f"/streams/{env.sid}", headers={"Accept": "text/html,application/xhtml+xml"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "宝贝口袋" in r.text and "美妆家居专场" in r.text and "/static/player.js" in r.text
    assert env.client.get(f"/streams/{env.sid}?format=json", headers={"Accept": "text/html"}).json()["id"] == env.sid
    assert_error(env.client.get("/streams/nope", headers={"Accept": "text/html"}), 404, "not_found")


def test_title_is_escaped_in_player(env: Env) -> None:
    env.db.upsert_stream(env.sid, media_info(env.video), "<script>alert(1)</script>")
    r = env.client.get(f"/streams/{env.sid}?format=html")
    assert "<script>alert(1)</script>" not in r.text and "&lt;script&gt;" in r.text


def test_highlights_contract(env: Env) -> None:
    data = env.client.get(f"/streams/{env.sid}/highlights").json()
    assert data["stream_id"] == env.sid and data["duration"] == 20.0
    assert [h["id"] for h in data["highlights"]] == ids(env.sid)
    for h in data["highlights"]:
        assert {"id", "sku_id", "title", "start", "end", "confidence", "thumbnail", "evidence"} <= set(h)
        assert h["thumbnail"] == f"/streams/{env.sid}/thumbnails/{h['id']}.jpg"
        assert 0 <= h["start"] < h["end"] <= data["duration"]
    assert data["highlights"][0]["evidence"][0] == {"kind": "link_no", "time": 2.0, "text": "一号链接", "sku_id": "A101",
                                                    "weight": 1.0, "source": "speech"}
    assert data["highlights"][3]["kind"] == "return"


def test_highlight_thumbnail_null_without_file(env: Env) -> None:
    (env.settings.stream_dir(env.sid) / "thumbs" / f"{ids(env.sid)[1]}.jpg").unlink()
    hs = env.client.get(f"/streams/{env.sid}/highlights").json()["highlights"]
    assert hs[1]["thumbnail"] is None and hs[0]["thumbnail"]


def test_transcript_and_subtitles(env: Env) -> None:
    t = env.client.get(f"/streams/{env.sid}/transcript").json()
    assert [s["text"] for s in t["segments"]] == [s[2] for s in SEGMENTS]
    assert t["segments"][1] == {"idx": 1, "start": 2.0, "end": 4.0, "text": SEGMENTS[1][2]}
    assert "words" in env.client.get(f"/streams/{env.sid}/transcript?words=true").json()["segments"][0]
    vtt = env.client.get(f"/streams/{env.sid}/subtitles.vtt")
    assert vtt.headers["content-type"].startswith("text/vtt") and vtt.text.startswith("WEBVTT")
    assert "00:00:02.000 --> 00:00:04.000" in vtt.text
    srt = env.client.get(f"/streams/{env.sid}/subtitles.srt")
    assert srt.text.startswith("1\n00:00:00,000 --> 00:00:02,000\n哈喽宝宝们欢迎来到直播间")
    assert_error(env.client.get("/streams/nope/subtitles.srt"), 404, "not_found")


def test_chapters(env: Env) -> None:
    r = env.client.get(f"/streams/{env.sid}/chapters.vtt")
    assert r.headers["content-type"].startswith("text/vtt")
    blocks = r.text.strip().split("\n\n")
    assert blocks[0] == "WEBVTT" and len(blocks) == 1 + len(HIGHLIGHTS)
    assert blocks[1].split("\n") == ["1-A101", "00:00:02.000 --> 00:00:08.000", CATALOG.items[0].title]
    assert blocks[4].endswith("（返场）")


def test_chapter_text_is_escaped(env: Env) -> None:
    env.db.save_highlights(env.sid, [Highlight("A1", "A <b>&</b> --> B\n\nC", 1.0, 2.0, 0.9)])
    cue = env.client.get(f"/streams/{env.sid}/chapters.vtt").text.strip().split("\n\n")[1].split("\n")
    assert cue[2] == "A &lt;b&gt;&amp;&lt;/b&gt; → B C"


def test_home_page_lists_streams(env: Env) -> None:
    r = env.client.get("/")
    assert r.status_code == 200 and "美妆家居专场" in r.text and f'href="/streams/{env.sid}"' in r.text
    assert env.client.get("/static/player.css").status_code == 200


def test_openapi_docs(env: Env) -> None:
    assert env.client.get("/docs").status_code == 200
    paths = env.client.get("/openapi.json").json()["paths"]
    for p in ["/streams", "/jobs/{job_id}", "/streams/{stream_id}/highlights", "/streams/{stream_id}/media",
              "/uploads", "/search", "/streams/{stream_id}/analytics", "/streams/{stream_id}/chapters.vtt"]:
        assert p in paths


# --- analytics -------------------------------------------------------------------------------------------
def test_analytics(env: Env) -> None:
    a = env.client.get(f"/streams/{env.sid}/analytics").json()
    by = {s["sku_id"]: s for s in a["skus"]}
    assert [s["sku_id"] for s in a["skus"]] == ["A101", "A102", "A103"]  # order of first mention
    assert by["A102"]["talk_time"] == 8.0 and by["A102"]["highlights"] == 2 and by["A102"]["first_mention"] == 8.0
    assert by["A101"]["talk_time"] == 6.0 and by["A101"]["live_price"] == 99
    assert [g["sku_id"] for g in a["never_explained"]] == ["A104", "A105"]
    assert a["explained_time"] == 18.0 and a["coverage"] == 0.9
    page = env.client.get(f"/streams/{env.sid}/analytics.html")
    assert page.status_code == 200 and "讲解数据" in page.text and "南极人纯棉四件套" in page.text
    assert_error(env.client.get("/streams/nope/analytics"), 404, "not_found")


# --- search ----------------------------------------------------------------------------------------------
def test_search_endpoints(env: Env) -> None:
    hits = env.client.get("/search", params={"q": "口红"}).json()["hits"]
    assert {h["idx"] for h in hits} == {4, 5, 6, 9}
    h = hits[0]
    assert set(h) == {"stream_id", "idx", "start", "end", "text", "snippet", "url", "t", "match"}
    assert "【口红】" in h["snippet"] and h["url"] == f"/streams/{env.sid}?t={h['t']:.2f}"
    assert h["start"] <= h["t"] < h["end"] and h["match"] == "text"
    one = env.client.get(f"/streams/{env.sid}/search", params={"q": "霜"}).json()["hits"]
    assert {x["idx"] for x in one} == {7, 8}
    assert env.client.get("/search", params={"q": "不存在的词"}).json()["hits"] == []
    assert_error(env.client.get("/streams/nope/search", params={"q": "红"}), 404, "not_found")
    assert_error(env.client.get("/search"), 422, "validation_error")
    assert_error(env.client.get("/search", params={"q": "x" * 100}), 422, "validation_error")


# --- POST /streams and the job lifecycle -------------------------------------------------------------------
def test_register_runs_job_to_done(env: Env) -> None:
    shutil.copy(env.video, env.media / "second.mp4")
    r = register(env, path="second.mp4", title="第二场")
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["stream_id"] == stream_id_for(env.media / "second.mp4") and body["job"] == f"/jobs/{body['job_id']}"
    assert env.runner.wait_idle(10)
    job = env.client.get(f"/jobs/{body['job_id']}").json()
    assert job == {"id": body["job_id"], "stream_id": body["stream_id"], "kind": "index", "state": "done",
                   "stage": "done", "progress": 1.0, "eta": 0.0, "error": None, "result": None}
    hs = env.client.get(f"/streams/{body['stream_id']}/highlights").json()["highlights"]
    assert [h["sku_id"] for h in hs] == ["X1"]
    s = env.client.get(f"/streams/{body['stream_id']}").json()
    assert s["title"] == "第二场" and s["media"]["duration"] > 1.5 and s["catalog"][0]["live_price"] == 299


def test_job_progress_is_visible_while_running(tmp_path: Path, video: Path) -> None:
    seen, release = threading.Event(), threading.Event()

    def slow(req: IndexRequest, db: Database, report) -> None:
        report(Progress("transcribe", 0.42, 30.0))
        seen.set()
        assert release.wait(10)

    e = Env(tmp_path, video, work=slow)
    try:
        job_id = register(e).json()["job_id"]
        assert seen.wait(10)
        job = e.client.get(f"/jobs/{job_id}").json()
        assert (job["state"], job["stage"], job["progress"], job["eta"]) == ("running", "transcribe", 0.42, 30.0)
        assert_error(register(e), 409, "conflict")  # the same file is already being indexed
        shutil.copy(e.video, e.media / "q.mp4")
        queued = register(e, path=str(e.media / "q.mp4"))  # absolute but inside the root: fine
        assert queued.status_code == 202 and e.client.get(f"/jobs/{queued.json()['job_id']}").json()["state"] == "queued"
        release.set()
        assert e.runner.wait_idle(10)
        assert e.client.get(f"/jobs/{job_id}").json()["state"] == "done"
    finally:
        release.set()
        e.runner.close()


def test_failed_jobs_record_clean_errors(tmp_path: Path, video: Path) -> None:
    def broken(req: IndexRequest, db: Database, report) -> None:
        if req.title == "bug":
            raise RuntimeError("secret internal detail /etc/shadow")
        raise NoAudioStream("the recording has no audio stream", hint="index a file with sound")

    e = Env(tmp_path, video, work=broken)
    try:
        shutil.copy(e.video, e.media / "b.mp4")
        a, b = register(e).json()["job_id"], register(e, path="b.mp4", title="bug").json()["job_id"]
        assert e.runner.wait_idle(10)
        ja, jb = e.client.get(f"/jobs/{a}").json(), e.client.get(f"/jobs/{b}").json()
        assert ja["state"] == "failed"
        assert ja["error"] == {"code": "no_audio_stream", "message": "the recording has no audio stream",
                               "hint": "index a file with sound"}
        assert jb["state"] == "failed" and jb["error"]["code"] == "internal_error"
        assert "secret" not in str(jb["error"])
    finally:
        e.runner.close()


def test_interrupted_jobs_resume_on_startup(tmp_path: Path, video: Path) -> None:
    e = Env(tmp_path, video)
    job = e.db.create_job(e.sid, "index", {"path": str(e.video), "title": None})
    e.db.update_job(job.id, state="running", stage="transcribe", progress=0.3)
    with TestClient(e.app):  # runs the lifespan: resume
        assert e.runner.wait_idle(10)
    assert e.db.job(job.id).state == "done"
    e.runner.close()


def test_register_with_catalog_path(env: Env) -> None:
    (env.media / "cat.json").write_text('[{"sku_id": "C1", "title": "面膜"}]', encoding="utf-8")
    r = env.client.post("/streams", json={"path": "live.mp4", "catalog_path": "cat.json"})
    assert r.status_code == 202, r.text
    env.runner.wait_idle(10)
    assert [c["sku_id"] for c in env.client.get(f"/streams/{r.json()['stream_id']}").json()["catalog"]] == ["C1"]
    (env.media.parent / "outside.json").write_text("[]")
    assert_error(env.client.post("/streams", json={"path": "live.mp4", "catalog_path": "../outside.json"}),
                 403, "path_outside_media_root")


@pytest.mark.parametrize("path", ["../secret.mp4", "%2e%2e/secret.mp4", "..%2Fsecret.mp4", "/etc/passwd",
                                  "MEDIA2", "LINK", "sub/../../secret.mp4"])
def test_register_refuses_paths_outside_media_root(env: Env, path: str) -> None:
    outside = env.media.parent / "secret.mp4"
    shutil.copy(env.video, outside)
    sibling = env.media.parent / (env.media.name + "2")
    sibling.mkdir(exist_ok=True)
    shutil.copy(env.video, sibling / "x.mp4")
    if not (env.media / "link.mp4").exists():
        os.symlink(outside, env.media / "link.mp4")
    path = {"MEDIA2": str(sibling / "x.mp4"), "LINK": "link.mp4"}.get(path, path)
    assert_error(register(env, path=path), 403, "path_outside_media_root")
    assert len(env.client.get("/streams").json()["streams"]) == 1


def test_register_input_errors(env: Env) -> None:
    assert_error(register(env, path="missing.mp4"), 404, "media_not_found")
    assert_error(register(env, catalog_path="x.json"), 400, "bad_request")  # both catalog and catalog_path
    assert_error(env.client.post("/streams", json={"path": "live.mp4"}), 400, "bad_request")
    err = assert_error(register(env, catalog=[{"sku_id": "A1"}]), 400, "catalog_invalid")
    assert "title" in err["message"]
    (env.media / "notmedia.mp4").write_text("hello")
    assert env.client.post("/streams", json={"path": "notmedia.mp4", "catalog": [{"sku_id": "a", "title": "b"}]}
                           ).status_code in (400, 422)


# --- the one error shape -------------------------------------------------------------------------------------
def test_error_shape_for_framework_errors(env: Env) -> None:
    assert_error(env.client.get("/no/such/route"), 404, "not_found")
    assert_error(env.client.get("/streams/nope"), 404, "not_found")
    assert_error(env.client.get("/jobs/nope"), 404, "not_found")
    assert_error(env.client.delete("/streams"), 405, "method_not_allowed")
    err = assert_error(env.client.post("/streams", json={"catalog": []}), 422, "validation_error")
    assert "path" in err["message"]
    assert_error(env.client.post("/streams", content=b"{not json", headers={"Content-Type": "application/json"}),
                 422, "validation_error")


def test_unexpected_exception_is_a_clean_500(env: Env) -> None:
    def boom() -> None:
        raise RuntimeError("password=hunter2 in /srv/secret.py line 3")

    env.app.add_api_route("/boom", boom)
    err = assert_error(env.client.get("/boom"), 500, "internal_error")
    assert "hunter2" not in str(err) and err["message"] == "internal server error"


def test_api_key_guards_writes(tmp_path: Path, video: Path) -> None:
    e = Env(tmp_path, video, api_key="s3cret")
    try:
        assert_error(register(e), 401, "unauthorized")
        assert_error(e.client.post("/streams", json={"path": "live.mp4", "catalog": []}, headers={"X-API-Key": "bad"}),
                     401, "unauthorized")
        assert_error(e.client.post("/uploads", files={"file": ("a.mp4", b"x")}), 401, "unauthorized")
        ok = e.client.post("/streams", json={"path": "live.mp4", "catalog": [{"sku_id": "a", "title": "b"}]},
                           headers={"X-API-Key": "s3cret"})
        assert ok.status_code == 202
        assert e.client.get("/streams").status_code == 200  # reads stay open
    finally:
        e.runner.close()
