"""The API's byte-serving endpoints: media with HTTP Range, thumbnails with ETags, uploads with sniffing."""

from __future__ import annotations

import re
import shutil
from email.utils import formatdate
from pathlib import Path

import pytest
from api_support import assert_error, fill_stream, ids, make_settings, make_video
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from replay.api import create_app
from replay.api.ranges import ByteRange, Unsatisfiable, parse_range
from replay.api.routes_media import iter_file
from replay.jobs.runner import JobRunner
from replay.media.sniff import SNIFF_BYTES, sniff
from replay.store.database import Database


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("media") / "tiny.mp4", seconds=2.0, size="160x90")


class Env:
    def __init__(self, tmp: Path, video: Path, **overrides: object) -> None:
        self.settings = make_settings(tmp, **overrides)
        self.video = self.settings.media_root / "live.mp4"
        shutil.copy(video, self.video)
        self.data = self.video.read_bytes()
        self.size = len(self.data)
        self.db = Database(self.settings.database)
        self.sid = fill_stream(self.db, self.settings, self.video)
        self.runner = JobRunner(self.settings, work=lambda req, db, report: None)
        self.client = TestClient(create_app(self.settings, runner=self.runner), raise_server_exceptions=False)
        self.url = f"/streams/{self.sid}/media"


@pytest.fixture()
def env(tmp_path: Path, video: Path) -> Env:
    return Env(tmp_path, video)


# --- media: Range ----------------------------------------------------------------------------------------
def test_full_file(env: Env) -> None:
    r = env.client.get(env.url)
    assert r.status_code == 200 and r.content == env.data
    assert r.headers["accept-ranges"] == "bytes" and int(r.headers["content-length"]) == env.size
    assert r.headers["content-type"] == "video/mp4" and r.headers["etag"].startswith('"')
    assert "content-range" not in r.headers


@pytest.mark.parametrize(("header", "start", "end"), [
    ("bytes=0-99", 0, 99), ("bytes=100-", 100, None), ("bytes=-500", None, None), ("bytes=10-10", 10, 10),
    ("bytes=1000-99999999", 1000, None), ("BYTES = 5 - 9", 5, 9),
])
def test_single_range(env: Env, header: str, start: int | None, end: int | None) -> None:
    if start is None:
        start = env.size - 500
    end = env.size - 1 if end is None else end
    r = env.client.get(env.url, headers={"Range": header})
    assert r.status_code == 206, r.text
    assert r.headers["content-range"] == f"bytes {start}-{end}/{env.size}"
    assert int(r.headers["content-length"]) == end - start + 1
    assert r.content == env.data[start:end + 1]


@pytest.mark.parametrize("header", ["bytes=SIZE-", "bytes=SIZE-SIZE9", "bytes=-0"])
def test_unsatisfiable_range(env: Env, header: str) -> None:
    r = env.client.get(env.url, headers={"Range": header.replace("SIZE", str(env.size))})
    assert_error(r, 416, "range_not_satisfiable")
    assert r.headers["content-range"] == f"bytes */{env.size}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "bytes=0-1, -5", "bytes=abc", "items=0-5", "bytes=9-3", "bytes=-"])
def test_multi_or_malformed_range_gets_full_file(env: Env, header: str) -> None:
    # Documented refusal: RFC 7233 lets a server ignore Range; the whole file is a valid answer.
    r = env.client.get(env.url, headers={"Range": header})
    assert r.status_code == 200 and r.content == env.data and "content-range" not in r.headers


def test_head(env: Env) -> None:
    r = env.client.head(env.url)
    assert r.status_code == 200 and r.content == b"" and int(r.headers["content-length"]) == env.size
    r = env.client.head(env.url, headers={"Range": "bytes=-100"})
    assert r.status_code == 206 and r.headers["content-range"] == f"bytes {env.size - 100}-{env.size - 1}/{env.size}"
    assert int(r.headers["content-length"]) == 100 and r.content == b""


def test_if_range(env: Env) -> None:
    etag = env.client.head(env.url).headers["etag"]
    last_modified = env.client.head(env.url).headers["last-modified"]
    ok = env.client.get(env.url, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert ok.status_code == 206 and ok.content == env.data[:10]
    assert env.client.get(env.url, headers={"Range": "bytes=0-9", "If-Range": last_modified}).status_code == 206
    for stale in ['"0-0"', "W/" + etag, formatdate(0, usegmt=True), "not a date"]:
        r = env.client.get(env.url, headers={"Range": "bytes=0-9", "If-Range": stale})
        assert r.status_code == 200 and r.content == env.data, stale


def test_media_file_gone(env: Env) -> None:
    env.video.unlink()
    assert_error(env.client.get(env.url), 404, "media_not_found")
    assert_error(env.client.get("/streams/nope/media"), 404, "not_found")


def test_iter_file_streams_in_chunks(tmp_path: Path) -> None:
    f = tmp_path / "f.bin"
    f.write_bytes(bytes(range(256)) * 40)
    chunks = list(iter_file(f, 7, 10_000, chunk=1000))
    assert max(map(len, chunks)) == 1000 and len(chunks) == 10 and b"".join(chunks) == f.read_bytes()[7:10_007]


@given(size=st.integers(0, 10_000), a=st.integers(0, 12_000), b=st.integers(0, 12_000), kind=st.sampled_from("abs"))
def test_parse_range_bounds(size: int, a: int, b: int, kind: str) -> None:
    header = {"a": f"bytes={a}-{b}", "b": f"bytes={a}-", "s": f"bytes=-{b}"}[kind]
    try:
        rng = parse_range(header, size)
    except Unsatisfiable:
        assert size == 0 or (kind != "s" and a >= size) or (kind == "s" and b == 0)
        return
    if rng is None:
        assert kind == "a" and b < a
        return
    assert isinstance(rng, ByteRange) and 0 <= rng.start <= rng.end < size


# --- thumbnails -----------------------------------------------------------------------------------------
def test_thumbnail_caching(env: Env) -> None:
    url = f"/streams/{env.sid}/thumbnails/{ids(env.sid)[0]}.jpg"
    r = env.client.get(url)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg" and r.content[:2] == b"\xff\xd8"
    assert "max-age" in r.headers["cache-control"]
    etag = r.headers["etag"]
    again = env.client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert env.client.get(url, headers={"If-None-Match": f'"x", W/{etag}'}).status_code == 304
    assert env.client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_thumbnail_not_found(env: Env) -> None:
    assert_error(env.client.get(f"/streams/{env.sid}/thumbnails/nope.jpg"), 404, "not_found")
    assert_error(env.client.get(f"/streams/{env.sid}/thumbnails/..%2F..%2Freplay.db.jpg"), 404, "not_found")
    second = ids(env.sid)[1]
    (env.settings.stream_dir(env.sid) / "thumbs" / f"{second}.jpg").unlink()
    assert_error(env.client.get(f"/streams/{env.sid}/thumbnails/{second}.jpg"), 404, "not_found")


# --- uploads ----------------------------------------------------------------------------------------------
MAGIC = {
    "mp4": b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00",
    "mov": b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00",
    "mkv": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska",
    "webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm",
    "flv": b"FLV\x01\x05\x00\x00\x00\x09",
    "mp3": b"ID3\x04\x00\x00\x00\x00\x00\x00",
    "wav": b"RIFF\x24\x00\x00\x00WAVEfmt ",
    "ts": b"".join(b"\x47" + bytes(187) for _ in range(3)),
}


def uploads(env: Env) -> list[str]:
    folder = env.settings.media_root / "uploads"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_upload_real_video(env: Env) -> None:
    r = env.client.post("/uploads", files={"file": ("../../evil.html", env.data, "text/html")})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["type"] == "mp4" and body["size"] == env.size
    assert re.fullmatch(r"uploads/[0-9a-f]{32}\.mp4", body["path"])  # generated; never the client's name
    assert (env.settings.media_root / body["path"]).read_bytes() == env.data
    assert uploads(env) == [body["path"].split("/")[1]]


@pytest.mark.parametrize("kind", sorted(MAGIC))
def test_upload_sniffs_type(env: Env, kind: str) -> None:
    payload = MAGIC[kind] + bytes(700)
    r = env.client.post("/uploads", files={"file": ("video.mp4", payload, "video/mp4")})
    assert r.status_code == 201, r.text
    assert r.json()["type"] == kind and r.json()["path"].endswith("." + kind) and r.json()["size"] == len(payload)


def test_upload_mp3_frame_sync_and_small_files(env: Env) -> None:
    assert sniff(b"\xff\xfb\x90\x64" + bytes(100)) == "mp3"
    assert sniff(b"\xff\xf1\x50\x80" + bytes(100)) is None  # AAC ADTS, not MPEG audio layer III
    r = env.client.post("/uploads", files={"file": ("x", MAGIC["flv"], "application/octet-stream")})
    assert r.status_code == 201 and r.json()["type"] == "flv" and len(MAGIC["flv"]) < SNIFF_BYTES


@pytest.mark.parametrize("payload", [b"hello world" * 100, b"\x89PNG\r\n\x1a\n" + bytes(600), b"", b"<html>" + bytes(600)])
def test_upload_unknown_type_is_415(env: Env, payload: bytes) -> None:
    r = env.client.post("/uploads", files={"file": ("movie.mp4", payload, "video/mp4")})
    assert_error(r, 415, "unsupported_media_type")
    assert uploads(env) == []


def test_upload_too_large_while_streaming(tmp_path: Path, video: Path) -> None:
    # Content-Length stays under limit + form overhead, so the cut happens while the file part streams.
    e = Env(tmp_path, video, max_upload_bytes=50_000)
    body = MAGIC["mp4"] + bytes(80_000)
    assert_error(e.client.post("/uploads", files={"file": ("a.mp4", body, "video/mp4")}), 413, "payload_too_large")
    assert uploads(e) == []
    ok = e.client.post("/uploads", files={"file": ("a.mp4", MAGIC["mp4"] + bytes(40_000), "video/mp4")})
    assert ok.status_code == 201


def test_upload_too_large_by_content_length(tmp_path: Path, video: Path) -> None:
    e = Env(tmp_path, video, max_upload_bytes=1_000)
    r = e.client.post("/uploads", files={"file": ("a.mp4", MAGIC["mp4"] + bytes(200_000), "video/mp4")})
    assert_error(r, 413, "payload_too_large")
    assert uploads(e) == []


def test_upload_bad_requests(env: Env) -> None:
    assert_error(env.client.post("/uploads", data={"other": "x"}, files={"notfile": ("a", b"x")}), 400, "bad_request")
    assert_error(env.client.post("/uploads", content=MAGIC["mp4"], headers={"Content-Type": "video/mp4"}),
                 415, "unsupported_media_type")
    bad = env.client.post("/uploads", content=b"--xx\r\ngarbage", headers={"Content-Type": "multipart/form-data; boundary=zz"})
    assert bad.status_code == 400
    assert uploads(env) == []
