"""Issue 10: nothing a shop uploads crashes the service, and no job takes a stream down (the fast cases).

Each test is named after the case it covers, numbered as in the issue. Catalog files are written the way
spreadsheets export them; media is real (ffmpeg); index jobs run injected work functions that write rows as
the pipeline does (the real pipeline: test_api_pipeline.py, the process-level faults: test_faults.py).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from api_support import assert_error, fill_stream, ids, make_jpeg, make_settings, make_video, media_info
from fastapi.testclient import TestClient
from server_support import background_server
from typer.testing import CliRunner

from replay.api import create_app
from replay.catalog import CatalogLimits, load_catalog, read_catalog
from replay.cli import app as cli
from replay.contracts import Highlight, HighlightIndex, Progress
from replay.errors import CatalogError
from replay.jobs.runner import IndexRequest, JobRunner
from replay.store.database import Database

ROWS = [  # a 排品表 as a shop keeps it: Chinese column names, prices with units, link numbers
    {"商品ID": "S301", "商品名称": "净朵三合一洗衣凝珠 持久留香 60颗", "品牌": "净朵", "价格(元)": "69", "直播价": "29.9",
     "链接号": "1", "别名": "凝珠|洗衣珠"},
    {"商品ID": "S302", "商品名称": "果仓零食大礼包 30包 混合口味", "品牌": "果仓", "价格(元)": "88", "直播价": "49",
     "链接号": "2", "别名": ""},
    {"商品ID": "S303", "商品名称": "山禾316不锈钢保温杯 500ml 长效保温", "品牌": "山禾", "价格(元)": "￥129", "直播价": "59",
     "链接号": "3", "别名": "保温杯"},
]


def spreadsheet_csv(rows: list[dict], encoding: str, delimiter: str = ",") -> bytes:
    """CSV as Excel writes it: CRLF line ends, in the given encoding (utf-16 adds its BOM, as Excel's
    "Unicode text" does)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def fake_work(req: IndexRequest, db: Database, report) -> None:
    report(Progress("detect", 0.9, 1.0))
    item = req.catalog.items[0]
    db.save_highlights(req.stream_id, HighlightIndex.of(req.stream_id, 2.0, [
        Highlight(item.sku_id, item.title, 0.0, 1.0, 0.8)]).highlights)


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("limits") / "live.mp4", seconds=20.0, size="160x90")


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
def env(tmp_path: Path, video: Path):  # noqa: ANN201
    e = Env(tmp_path, video)
    yield e
    e.runner.close()


# --- 1. catalogs in the encodings spreadsheets use -------------------------------------------------------------
@pytest.mark.parametrize(("encoding", "delimiter", "expected"), [
    ("gbk", ",", "gb18030"), ("gb18030", ",", "gb18030"), ("utf-8-sig", ",", "utf-8-sig"), ("utf-8", ",", "utf-8"),
    ("utf-16", "\t", "utf-16"),  # Excel's "Unicode text": UTF-16 with a BOM, tab-separated
])
def test_1_catalog_in_any_common_encoding_with_chinese_headers(tmp_path: Path, encoding: str, delimiter: str,
                                                               expected: str) -> None:
    path = tmp_path / "排品表.csv"
    path.write_bytes(spreadsheet_csv(ROWS, encoding, delimiter))
    loaded = read_catalog(path)
    assert loaded.encoding == expected
    items = loaded.catalog.items
    assert [i.sku_id for i in items] == ["S301", "S302", "S303"]
    assert items[0].title == "净朵三合一洗衣凝珠 持久留香 60颗" and items[0].brand == "净朵"
    assert (items[0].price, items[0].live_price, items[0].link_no) == (69.0, 29.9, 1)
    assert items[0].aliases == ("凝珠", "洗衣珠") and items[2].price == 129.0


def test_1_gb18030_characters_beyond_gbk(tmp_path: Path) -> None:
    rows = [{"商品ID": "G1", "商品名称": "𠮷野家 牛丼 🐂 兑换券"}]  # 𠮷 and the emoji exist only in GB18030's 4-byte range
    (tmp_path / "c.csv").write_bytes(spreadsheet_csv(rows, "gb18030"))
    assert load_catalog(tmp_path / "c.csv").items[0].title == "𠮷野家 牛丼 🐂 兑换券"


def test_1_undecodable_catalog_names_the_file_and_the_encodings_tried(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_bytes(b"sku_id,title\n" + bytes(range(0x80, 0x100)) * 8)
    with pytest.raises(CatalogError, match=r"bad\.csv: cannot decode .*tried utf-8, gb18030"):
        load_catalog(tmp_path / "bad.csv")


def test_1_gbk_catalog_through_the_api_and_the_cli(env: Env) -> None:
    (env.media / "排品表.csv").write_bytes(spreadsheet_csv(ROWS, "gbk"))
    r = env.client.post("/streams", json={"path": "live.mp4", "catalog_path": "排品表.csv"})
    assert r.status_code == 202, r.text
    assert r.json()["catalog_encoding"] == "gb18030"
    assert env.runner.wait_idle(10)
    stream = env.client.get(r.json()["stream"], params={"format": "json"}).json()
    assert [c["title"] for c in stream["catalog"]][:1] == ["净朵三合一洗衣凝珠 持久留香 60颗"]
    (env.media / "bad.csv").write_bytes(b"sku_id,title\n" + bytes(range(0x80, 0x100)) * 8)
    err = assert_error(env.client.post("/streams", json={"path": "live.mp4", "catalog_path": "bad.csv"}),
                       400, "catalog_invalid")
    assert "bad.csv" in err["message"] and "gb18030" in err["message"]
    # The CLI refuses the bad one with the same message, before any work (its real indexing of the GBK file:
    # test_api_pipeline.py).
    env_vars = {"REPLAY_DATA_DIR": str(env.settings.data_dir), "COLUMNS": "200"}
    done = CliRunner().invoke(cli, ["index", str(env.video), "--catalog", str(env.media / "bad.csv")], env=env_vars)
    assert done.exit_code != 0 and isinstance(done.exception, CatalogError)
    assert "cannot decode" in str(done.exception) and "gb18030" in str(done.exception)


# --- 2. nesting and size bounds ----------------------------------------------------------------------------
def test_2_deeply_nested_json_catalog_is_a_400(env: Env, tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    (env.media / "deep.json").write_text(deep)
    err = assert_error(env.client.post("/streams", json={"path": "live.mp4", "catalog_path": "deep.json"}),
                       400, "catalog_invalid")
    assert "deeper than 16" in err["message"]
    (env.media / "deep.jsonl").write_text('{"sku_id": "A", "title": "x"}\n' + deep + "\n")
    assert_error(env.client.post("/streams", json={"path": "live.mp4", "catalog_path": "deep.jsonl"}),
                 400, "catalog_invalid")
    # Brackets inside strings are text, not nesting.
    (tmp_path / "ok.json").write_text(json.dumps([{"sku_id": "A", "title": "[[[[[[[[[[[[[[[[[[[[[[ 礼盒 \\\" ]"}]))
    assert load_catalog(tmp_path / "ok.json", CatalogLimits(max_depth=3)).items[0].sku_id == "A"
    # A deeply nested request body is refused by the framework's parser in the same error shape.
    r = env.client.post("/streams", content='{"path": "live.mp4", "catalog": ' + deep + "}",
                        headers={"content-type": "application/json"})
    assert r.status_code in (400, 422) and set(r.json()) == {"error"}


def test_2_catalog_file_size_limit(tmp_path: Path, video: Path) -> None:
    e = Env(tmp_path, video, catalog_max_bytes=1000)
    try:
        (e.media / "big.json").write_text(json.dumps([{"sku_id": f"A{n}", "title": "商品" * 20} for n in range(50)]))
        err = assert_error(e.client.post("/streams", json={"path": "live.mp4", "catalog_path": "big.json"}),
                           400, "catalog_invalid")
        assert "over the catalog limit of 1000" in err["message"]
        inline = [{"sku_id": f"A{n}", "title": "商品" * 20} for n in range(2000)]  # ~130 kB: the same bound, inline
        assert_error(e.client.post("/streams", json={"path": "live.mp4", "catalog": inline}), 413, "payload_too_large")
    finally:
        e.runner.close()


# --- 4. a clip job's failure is the clip job's alone ---------------------------------------------------------
def test_4_failed_clip_job_leaves_the_stream_done(env: Env) -> None:
    env.video.write_bytes(env.video.read_bytes()[:2000])  # the file broke after indexing: the cut must fail
    r = env.client.post(f"/streams/{env.sid}/clips", json={"highlight_id": ids()[0]})
    assert r.status_code == 202, r.text
    assert env.runner.wait_idle(30)
    job = env.client.get(r.json()["job"]).json()
    assert job["state"] == "failed" and job["kind"] == "clip"
    listed = {s["id"]: s for s in env.client.get("/streams").json()["streams"]}
    assert listed[env.sid]["state"] == "done" and listed[env.sid]["n_highlights"] == 4
    stream = env.client.get(f"/streams/{env.sid}", params={"format": "json"}).json()
    assert stream["state"] == "done" and [j["state"] for j in stream["jobs"]] == ["done", "failed"]
    assert "已完成" in env.client.get("/").text


# --- 5. clip requests checked on arrival; a bounded queue; index jobs first ---------------------------------------
def test_5_clip_requests_are_checked_before_they_are_accepted(env: Env) -> None:
    post = lambda body: env.client.post(f"/streams/{env.sid}/clips", json=body)  # noqa: E731
    assert_error(post({"start": 3.0, "end": 3.2}), 400, "clip_range_invalid")  # shorter than 0.5 s
    assert_error(post({"start": 15.0, "end": 25.0}), 400, "clip_range_invalid")  # past the 20 s recording
    assert_error(post({"start": 30.0, "end": 40.0}), 400, "clip_range_invalid")
    assert_error(post({"start": 0.0, "end": 3.7e16}), 422, "validation_error")  # beyond any recording: the schema
    assert_error(post({"start": 5.0, "end": 2.0}), 400, "clip_range_invalid")
    assert_error(post({"highlight_id": "h000000000000"}), 400, "unknown_highlight")
    assert_error(post({"start": 1.0, "end": 4.0, "mode": "copy", "vertical": True}), 400, "clip_options_invalid")
    assert_error(post({"highlight_id": ids()[0], "mode": "copy", "subtitles": "burn"}), 400, "clip_options_invalid")
    assert_error(post({"highlight_id": ids()[0], "start": 1.0, "end": 4.0}), 422, "validation_error")  # both
    assert env.db.jobs_for(env.sid, kind="clip") == []  # nothing was queued to fail later
    audio_only = replace(media_info(env.video), has_video=False, video_codec=None, width=None, height=None, fps=None)
    env.db.upsert_stream("saudio", audio_only)
    assert_error(env.client.post("/streams/saudio/clips", json={"start": 1.0, "end": 4.0}), 400, "no_video_stream")


def test_5_bounded_queue_429_and_index_jobs_run_before_waiting_clips(tmp_path: Path, video: Path) -> None:
    started, release = threading.Event(), threading.Event()
    seen_clip_states: list[list[str]] = []
    streams: dict[str, str] = {}

    def work(req: IndexRequest, db: Database, report) -> None:
        if req.title == "hold":  # the first index job holds the worker until the queue is full
            started.set()
            assert release.wait(30)
        elif "b" in streams:  # the re-index of b, queued after b's clips, runs before every one of them
            seen_clip_states.append([j.state for j in db.jobs_for(streams["b"], kind="clip")])
        fake_work(req, db, report)

    e = Env(tmp_path, video, work=work, max_queued_jobs=2)
    try:
        shutil.copy(e.video, e.media / "a.mp4")
        shutil.copy(e.video, e.media / "b.mp4")
        cat = [{"sku_id": "X1", "title": "小金条口红"}]
        b = e.client.post("/streams", json={"path": "b.mp4", "catalog": cat})
        assert e.runner.wait_idle(10)
        streams["b"] = b.json()["stream_id"]
        assert e.client.post("/streams", json={"path": "a.mp4", "catalog": cat, "title": "hold"}).status_code == 202
        assert started.wait(10)
        clip_url = f"/streams/{streams['b']}/clips"
        clips = [e.client.post(clip_url, json={"start": 1.0 + n, "end": 3.0 + n}) for n in range(3)]
        assert [c.status_code for c in clips] == [202, 202, 429]
        err = assert_error(clips[2], 429, "queue_full")
        assert "REPLAY_MAX_QUEUED_JOBS=2" in err["message"] and int(clips[2].headers["Retry-After"]) > 0
        # Index jobs have their own bound, and clips waiting on a stream do not block re-indexing it.
        again = e.client.post("/streams", json={"path": "b.mp4", "catalog": cat})
        assert again.status_code == 202, again.text
        release.set()
        assert e.runner.wait_idle(60)
        assert seen_clip_states == [["queued", "queued"]]  # both clips still waited when the index job ran
        assert [j.state for j in e.db.jobs_for(streams["b"], kind="clip")] == ["done", "done"]
        assert e.client.get(f"/streams/{streams['b']}", params={"format": "json"}).json()["state"] == "done"
    finally:
        release.set()
        e.runner.close()


# --- 6. no server paths in responses; catalog images confined to the media root ------------------------------
def test_6_no_server_paths_in_responses(env: Env) -> None:
    (env.media / "img").mkdir()
    make_jpeg(env.media / "img" / "a.jpg")
    (env.media / "cat.json").write_text(json.dumps([{"sku_id": "A1", "title": "面膜", "image": "img/a.jpg"}]))
    r = env.client.post("/streams", json={"path": "live.mp4", "catalog_path": "cat.json"})
    assert r.status_code == 202, r.text
    env.runner.wait_idle(10)
    body = env.client.get(r.json()["stream"], params={"format": "json"}).text
    assert json.loads(body)["catalog"][0]["image"] == "img/a.jpg"
    (env.media / "notmedia.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(3000))
    bad = env.client.post("/streams", json={"path": "notmedia.mp4", "catalog": [{"sku_id": "a", "title": "b"}]})
    assert bad.status_code == 422
    env.video.write_bytes(env.video.read_bytes()[:2000])
    clip = env.client.post(f"/streams/{env.sid}/clips", json={"start": 1.0, "end": 3.0})
    env.runner.wait_idle(30)
    job = env.client.get(clip.json()["job"]).text
    root = str(env.settings.media_root.resolve().parent)
    for text in (body, bad.text, job):
        assert root not in text and "/tmp" not in text, text


@pytest.mark.parametrize("image", ["/etc/passwd", "../../outside/x.png", "../../x.png", "LINK"])
def test_6_catalog_images_must_stay_in_the_media_root(env: Env, image: str) -> None:
    outside = env.media.parent / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "x.png").write_bytes(b"\x89PNG")
    (env.media / "sub").mkdir(exist_ok=True)
    if image == "LINK":  # a link beside the catalog that points out of the root
        os.symlink(outside / "x.png", env.media / "sub" / "link.png")
        image = "link.png"
    rows = [{"sku_id": "A1", "title": "面膜"}, {"sku_id": "A2", "title": "口红", "image": image}]
    (env.media / "sub" / "cat.json").write_text(json.dumps(rows))
    err = assert_error(env.client.post("/streams", json={"path": "live.mp4", "catalog_path": "sub/cat.json"}),
                       400, "catalog_invalid")
    assert "row 2, field 'image'" in err["message"] and "outside the media root" in err["message"]
    if image != "link.png":  # an inline catalog's images are relative to the media root itself
        err = assert_error(env.client.post("/streams", json={"path": "live.mp4", "catalog": rows}),
                           400, "catalog_invalid")
        assert "row 2, field 'image'" in err["message"]
    rows[1]["image"] = "../sub/x.png"  # beside the catalog, inside the root: fine
    (env.media / "sub" / "x.png").write_bytes(b"\x89PNG")
    (env.media / "sub" / "cat.json").write_text(json.dumps(rows))
    ok = env.client.post("/streams", json={"path": "live.mp4", "catalog_path": "sub/cat.json"})
    assert ok.status_code == 202, ok.text


# --- 7. the schema tells the truth (the Schemathesis run: test_api_schema.py) ----------------------------------
def test_7_schema_and_server_agree(env: Env) -> None:
    r = env.client.options("/streams")
    assert r.status_code == 405 and r.headers["allow"] == "GET, POST"
    assert_error(env.client.post("/streams", json={"path": ""}), 422, "validation_error")
    assert_error(env.client.post(f"/streams/{env.sid}/clips", json={"start": 1e308, "end": 1e308}),
                 422, "validation_error")
    spec = env.client.get("/openapi.json").json()
    upload = spec["paths"]["/uploads"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert "image/png" not in upload["encoding"]["file"]["contentType"]
    assert "video/mp4" in upload["encoding"]["file"]["contentType"]
    assert {"413", "415", "507"} <= set(spec["paths"]["/uploads"]["post"]["responses"])
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    assert_error(env.client.post("/uploads", files={"file": ("a.png", png, "image/png")}), 415, "unsupported_media_type")
    body = spec["paths"]["/streams/{stream_id}/clips"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert len(body["anyOf"]) == 2  # a 看点 or a range, never both (each forbids the other's fields)


# --- 8. a raw UTF-8 query string ------------------------------------------------------------------------------
def test_8_raw_utf8_query_string_gets_json(env: Env) -> None:
    with background_server(env.app) as url:
        port = int(url.rsplit(":", 1)[1])

        def raw(request_line: bytes, headers: bytes = b"") -> bytes:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
                c.sendall(request_line + b"\r\nHost: x\r\nConnection: close\r\n" + headers + b"\r\n")
                data = b""
                while chunk := c.recv(65536):
                    data += chunk
            return data

        ok = raw("GET /search?q=红宝石 HTTP/1.1".encode())
        assert ok.startswith(b"HTTP/1.1 200") and json.loads(ok.split(b"\r\n\r\n", 1)[1])["query"] == "红宝石"
        assert json.loads(ok.split(b"\r\n\r\n", 1)[1])["hits"]  # the segment that says 红宝石面霜
        bad = raw(b"GET /search?q=x HTTP/1.1", b"Bad Header Without Colon\r\n")
        head, body = bad.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 400") and b"application/json" in head
        assert json.loads(body)["error"]["code"] == "bad_request"


# --- read access control ----------------------------------------------------------------------------------
def test_protect_reads_needs_the_key_for_get(tmp_path: Path, video: Path) -> None:
    e = Env(tmp_path, video, api_key="s3cret", protect_reads=True)
    try:
        for url in ("/streams", f"/streams/{e.sid}/highlights", f"/streams/{e.sid}/media", "/search?q=口红", "/"):
            assert_error(e.client.get(url), 401, "unauthorized")
            assert e.client.get(url, headers={"X-API-Key": "s3cret"}).status_code == 200, url
        assert e.client.get("/static/player.js").status_code == 200
        assert e.client.get("/openapi.json").status_code == 200
    finally:
        e.runner.close()
    with pytest.raises(Exception, match="REPLAY_PROTECT_READS needs REPLAY_API_KEY"):
        make_settings(tmp_path / "x", protect_reads=True)
