"""Issue 10, point 9 and the faults: what the service does when the process, the disk or the database fail.

- kill -9 of the server while it transcribes, then a restart: the job resumes from its chunk checkpoints.
- SIGTERM while it transcribes: a clean exit (status 0, no worker process left), the job queued again, and a
  restart finishes it.
- an audio-only .m4a uploaded and indexed through the API; a truncated upload that passes the type sniff.
- a full disk (a real tmpfs, mounted by the test as root) under the clips, the database and the uploads.
- the database locked by another process.

The process tests run `replay serve` as a real server process on 127.0.0.1 with the real pipeline (slow).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_support import assert_error, fill_stream, ids, make_settings, make_video
from fastapi.testclient import TestClient
from server_support import free_port

from replay.api import create_app
from replay.jobs.runner import JobRunner
from replay.settings import Settings
from replay.store.database import Database

from conftest import REPO, ffmpeg, skip_unless_installed

DEMO = REPO / "replay" / "samples" / "demo"


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's first 95 s (four 30 s ASR chunks at most), its first 40 s as audio-only .m4a, the catalog."""
    folder = tmp_path_factory.mktemp("demo")
    ffmpeg("-i", str(DEMO / "stream.mp4"), "-t", "95", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
           str(folder / "long.mp4"))
    ffmpeg("-i", str(DEMO / "stream.mp4"), "-t", "40", "-vn", "-c:a", "aac", str(folder / "voice.m4a"))
    shutil.copy(DEMO / "catalog.json", folder / "catalog.json")
    shutil.copytree(DEMO / "images", folder / "images")
    return folder


# --- a server process ---------------------------------------------------------------------------------------
class Server:
    """`replay serve` in its own process group, its settings from REPLAY_* variables."""

    def __init__(self, tmp: Path, **env: str) -> None:
        self.media, self.data = tmp / "media", tmp / "data"
        self.media.mkdir(exist_ok=True)
        if not self.data.exists():
            self.data.mkdir()
            (self.data / "models").symlink_to((REPO / "data" / "models").resolve())
        self.env = {**os.environ, "REPLAY_DATA_DIR": str(self.data), "REPLAY_MEDIA_ROOT": str(self.media),
                    "REPLAY_THREADS": "2", "REPLAY_CHUNK_SECONDS": "30", **env}
        self.proc: subprocess.Popen | None = None
        self.log = tmp / "server.log"

    def start(self) -> Server:
        self.port = free_port()
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "replay.cli", "serve", "--port", str(self.port)],
                                         env=self.env, cwd=self.media.parent, stdout=log, stderr=log,
                                         start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/streams", timeout=2).status_code == 200:
                    return self
            time.sleep(0.2)
        raise AssertionError("the server did not start: " + self.log.read_text())

    def get(self, path: str) -> dict:
        return httpx.get(self.url + path, timeout=30).json()

    def wait_for(self, job_id: str, done, timeout: float = 600):  # noqa: ANN001, ANN201
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.get(f"/jobs/{job_id}")
            if done(job):
                return job
            assert job["state"] != "failed", job
            time.sleep(0.3)
        raise AssertionError(f"job {job_id} did not get there in {timeout} s: {job}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def chunk_checkpoints(db: Path) -> dict[str, float]:
    """{transcribe:NNNN: finished_at}, read-only, so the test never takes a lock the server needs."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)) as conn:
            return dict(conn.execute("select stage, finished_at from checkpoints where stage like 'transcribe:%'"))
    except sqlite3.OperationalError:
        return {}  # not created yet


def job_row(db: Path, job_id: str) -> tuple[str, str]:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)) as conn:
        return conn.execute("select state, stage from jobs where id = ?", [job_id]).fetchone()


def register(server: Server, demo_media: Path) -> str:
    shutil.copy(demo_media / "long.mp4", server.media / "long.mp4")
    shutil.copy(demo_media / "catalog.json", server.media / "catalog.json")
    shutil.copytree(demo_media / "images", server.media / "images", dirs_exist_ok=True)
    r = httpx.post(server.url + "/streams", json={"path": "long.mp4", "catalog_path": "catalog.json",
                                                  "options": {"visual": {"enabled": False}}}, timeout=60)
    assert r.status_code == 202, r.text
    return r.json()["job_id"]


# --- 9. kill -9 during transcription, through the API ------------------------------------------------------------
@pytest.mark.slow
def test_9_kill_9_during_transcription_then_restart_resumes(tmp_path: Path, demo_media: Path) -> None:
    server = Server(tmp_path, REPLAY_WORKERS="1").start()  # one in-process worker: chunks finish one by one
    try:
        job_id = register(server, demo_media)
        deadline = time.monotonic() + 600
        while not chunk_checkpoints(server.data / "replay.db") and time.monotonic() < deadline:
            time.sleep(0.2)
        before = chunk_checkpoints(server.data / "replay.db")
        assert before, "no chunk was checkpointed"
        assert server.get(f"/jobs/{job_id}")["state"] == "running"
        os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait()
        assert job_row(server.data / "replay.db", job_id)[0] == "running"  # what a dead process leaves

        server.start()  # resumes the job
        job = server.wait_for(job_id, lambda j: j["state"] == "done")
        after = chunk_checkpoints(server.data / "replay.db")
        assert len(after) > len(before)
        assert all(after[k] == v for k, v in before.items())  # nothing finished before the kill was redone
        assert job["result"]["highlights"] >= 1
        stream = server.get(f"/streams/{job['stream_id']}?format=json")
        assert stream["state"] == "done" and stream["n_highlights"] >= 1
    finally:
        server.stop()


# --- SIGTERM during a job: a clean shutdown, and the job resumes on restart ----------------------------------------
@pytest.mark.slow
def test_sigterm_during_transcription_stops_cleanly_and_resumes(tmp_path: Path, demo_media: Path) -> None:
    server = Server(tmp_path, REPLAY_WORKERS="2", REPLAY_SHUTDOWN_GRACE="1").start()  # the process pool
    try:
        job_id = register(server, demo_media)
        server.wait_for(job_id, lambda j: j["stage"] == "transcribe", timeout=300)
        time.sleep(2)  # the workers are loading the model or decoding
        server.proc.send_signal(signal.SIGTERM)  # to the server only, as `docker stop` does
        # uvicorn shuts down, then re-raises the signal: the process ends as terminated by SIGTERM, as expected.
        assert server.proc.wait(60) in (0, -signal.SIGTERM), server.log.read_text()
        assert "Application shutdown complete" in server.log.read_text()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # the pool's worker processes go with it
            try:
                os.killpg(server.proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("worker processes outlived the server")
        assert job_row(server.data / "replay.db", job_id) == ("queued", "interrupted")
        assert "Traceback" not in server.log.read_text()

        server.start()
        job = server.wait_for(job_id, lambda j: j["state"] == "done")
        assert job["result"]["highlights"] >= 1
    finally:
        server.stop()


# --- 9. an audio-only .m4a, and a truncated upload that passes the sniff --------------------------------------------
@pytest.mark.slow
def test_9_audio_only_m4a_through_the_api(tmp_path: Path, demo_media: Path) -> None:
    settings = make_settings(tmp_path, workers=1, threads=2)
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / "models").symlink_to((REPO / "data" / "models").resolve())
    shutil.copy(demo_media / "catalog.json", settings.media_root / "catalog.json")
    runner = JobRunner(settings)
    client = TestClient(create_app(settings, runner=runner))
    try:
        up = client.post("/uploads", files={"file": ("直播录音.m4a", (demo_media / "voice.m4a").read_bytes(), "audio/mp4")})
        assert up.status_code == 201 and up.json()["type"] == "m4a", up.text
        r = client.post("/streams", json={"path": up.json()["path"], "catalog_path": "catalog.json"})
        assert r.status_code == 202, r.text
        assert runner.wait_idle(600)
        job = client.get(r.json()["job"]).json()
        assert job["state"] == "done", job
        stream = client.get(r.json()["stream"], params={"format": "json"}).json()
        assert stream["media"]["has_video"] is False and stream["state"] == "done"
        hs = client.get(f"{r.json()['stream']}/highlights").json()["highlights"]
        assert "S301" in {h["sku_id"] for h in hs} and all(h["thumbnail"] is None for h in hs)
        media = client.get(f"{r.json()['stream']}/media", headers={"Range": "bytes=0-99"})
        assert media.status_code == 206 and media.headers["content-type"] == "audio/mp4"
        assert_error(client.post(f"{r.json()['stream']}/clips", json={"highlight_id": hs[0]["id"]}),
                     400, "no_video_stream")
    finally:
        runner.close()


def test_9_truncated_upload_that_passes_the_sniff_is_refused(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    whole = make_video(tmp_path / "whole.mp4", seconds=20.0, size="160x90")  # faststart: the header comes first
    plain = tmp_path / "plain.mp4"
    ffmpeg("-i", str(whole), "-c", "copy", str(plain))  # the header at the end
    runner = JobRunner(settings, work=lambda req, db, report: None)
    client = TestClient(create_app(settings, runner=runner))
    try:
        for source, code in ((whole, "media_truncated"), (plain, "media_open_error")):
            data = source.read_bytes()[: source.stat().st_size * 6 // 10]
            up = client.post("/uploads", files={"file": ("live.mp4", data, "video/mp4")})
            assert up.status_code == 201 and up.json()["type"] == "mp4", up.text  # the sniff passes
            err = assert_error(client.post("/streams", json={"path": up.json()["path"],
                                                             "catalog": [{"sku_id": "A1", "title": "面膜"}]}), 422, code)
            assert str(tmp_path) not in err["message"]
        assert client.get("/streams").json()["streams"] == []  # nothing was registered
        whole_up = client.post("/uploads", files={"file": ("live.mp4", whole.read_bytes(), "video/mp4")}).json()
        assert client.post("/streams", json={"path": whole_up["path"], "catalog": [{"sku_id": "A1", "title": "面膜"}]}
                           ).status_code == 202
    finally:
        runner.close()


# --- a full disk ----------------------------------------------------------------------------------------------
@contextlib.contextmanager
def small_disk(path: Path, size: str = "4m") -> Iterator[Path]:
    """A real filesystem of ``size`` (tmpfs) at ``path``, so writes fail with ENOSPC as on a full disk."""
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if done.returncode != 0:
        skip_unless_installed(f"mounting a tmpfs needs root ({done.stderr.decode().strip()})",
                              in_ci="CI runs as root")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(folder: Path) -> Path:
    """Write until the filesystem is full; returns the filler (delete it to free the space)."""
    filler = folder / "filler.bin"
    with filler.open("wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    with contextlib.suppress(OSError), filler.open("ab") as f:  # the last partial block
        for _ in range(65536):
            f.write(b"\0")
            f.flush()
    return filler


def test_disk_full_under_clips_database_and_uploads(tmp_path: Path) -> None:
    video = make_video(tmp_path / "v.mp4", seconds=20.0, size="160x90")
    with small_disk(tmp_path / "disk") as disk:
        # The derived files (thumbnails, clips) on the small disk, the database beside it.
        settings = make_settings(tmp_path, db_path=tmp_path / "replay.db")
        settings = Settings(**{**settings.model_dump(), "data_dir": disk / "data"})
        shutil.copy(video, settings.media_root / "live.mp4")
        fill_stream(Database(settings.database), settings, settings.media_root / "live.mp4")
        runner = JobRunner(settings)
        client = TestClient(create_app(settings, runner=runner), raise_server_exceptions=False)
        try:
            filler = fill(disk)
            r = client.post("/streams/sdemo/clips", json={"highlight_id": ids()[1], "subtitles": "both"})
            assert r.status_code == 202, r.text
            assert runner.wait_idle(60)
            job = client.get(r.json()["job"]).json()
            assert job["state"] == "failed" and job["error"]["code"] == "storage_full", job
            clips = settings.stream_dir("sdemo") / "clips"
            assert not clips.exists() or not any(clips.iterdir())  # no half-written clip or subtitle is left
            assert client.get("/streams").json()["streams"][0]["state"] == "done"  # the stream is fine
            assert client.get("/streams/sdemo/highlights").status_code == 200
            filler.unlink()  # space again: the same request now works
            again = client.post("/streams/sdemo/clips", json={"highlight_id": ids()[1], "subtitles": "both"})
            assert runner.wait_idle(60)
            assert client.get(again.json()["job"]).json()["state"] == "done"
        finally:
            runner.close()

    with small_disk(tmp_path / "disk2", "8m") as disk:
        # The database and the uploads on the small disk.
        settings = make_settings(tmp_path / "two", db_path=disk / "replay.db")
        settings = Settings(**{**settings.model_dump(), "media_root": disk / "media"})
        settings.media_root.mkdir()
        shutil.copy(video, settings.media_root / "live.mp4")
        fill_stream(Database(settings.database), settings, settings.media_root / "live.mp4")
        runner = JobRunner(settings, work=lambda req, db, report: None)
        client = TestClient(create_app(settings, runner=runner), raise_server_exceptions=False)
        try:
            with client:
                shutil.copy(video, settings.media_root / "second.mp4")
                filler = fill(disk)
                big = [{"sku_id": f"A{n}", "title": "大容量商品标题" * 40} for n in range(400)]
                err = assert_error(client.post("/streams", json={"path": "second.mp4", "catalog": big}),
                                   507, "storage_full")
                assert "disk" in err["message"]
                assert_error(client.post("/uploads", files={"file": ("v.mp4", video.read_bytes(), "video/mp4")}),
                             507, "storage_full")
                assert not list((settings.media_root / "uploads").glob("*"))  # no partial upload is left
                assert client.get("/streams").status_code == 200  # reads go on
                filler.unlink()
                assert client.post("/streams", json={"path": "second.mp4", "catalog": big}).status_code == 202
        finally:
            runner.close()


# --- the database locked by another process ---------------------------------------------------------------------
LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
"""


def test_database_locked_by_another_process(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, db_busy_timeout=0.5)
    video = make_video(settings.media_root / "live.mp4", seconds=20.0, size="160x90")
    fill_stream(Database(settings.database), settings, video)
    shutil.copy(video, settings.media_root / "second.mp4")
    runner = JobRunner(settings, work=lambda req, db, report: None)
    client = TestClient(create_app(settings, runner=runner), raise_server_exceptions=False)
    locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(settings.database)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout.readline().strip() == "locked"
        body = {"path": "second.mp4", "catalog": [{"sku_id": "A1", "title": "面膜"}]}
        r = client.post("/streams", json=body)
        assert_error(r, 503, "database_busy")
        assert int(r.headers["Retry-After"]) > 0
        assert_error(client.post("/streams/sdemo/clips", json={"highlight_id": ids()[0]}), 503, "database_busy")
        assert client.get("/streams/sdemo/highlights").status_code == 200  # WAL: reads go on under the lock
        locker.stdin.write("\n")
        locker.stdin.flush()
        assert locker.wait(10) == 0
        assert client.post("/streams", json=body).status_code == 202
        assert runner.wait_idle(10)
        assert json.loads(json.dumps(client.get("/streams").json()))["streams"]
    finally:
        locker.kill()
        runner.close()
