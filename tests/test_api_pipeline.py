"""The API and the CLI with the real pipeline, on the first 40 s of the demo stream (one product explained).

One recording uploaded twice (byte-identical) and registered as two streams gives two jobs that both
succeed with their own 看点 ids; a GBK spreadsheet catalog with Chinese column names reads as the same catalog
as the JSON one, through the API and the CLI; a job's own stage options reach its pipeline; and
`replay index --out` and `index-batch --out-dir` on the same files resume from the jobs' checkpoints and
write files that validate against the 看点 JSON Schema.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from api_support import make_settings
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from replay.api import create_app
from replay.cli import app as cli
from replay.contracts import HIGHLIGHTS_SCHEMA
from replay.jobs.runner import JobRunner

from conftest import REPO, ffmpeg

pytestmark = pytest.mark.slow
DEMO = REPO / "replay" / "samples" / "demo"
VALIDATOR = jsonschema.Draft202012Validator(json.loads(HIGHLIGHTS_SCHEMA.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def short_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's first 40 s (its first product, S301, is explained from 10.2 s to 38.0 s), with its catalog."""
    folder = tmp_path_factory.mktemp("short")
    ffmpeg("-i", str(DEMO / "stream.mp4"), "-t", "40", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
           str(folder / "a.mp4"))
    shutil.copy(DEMO / "catalog.json", folder / "catalog.json")
    shutil.copytree(DEMO / "images", folder / "images")
    return folder


def gbk_spreadsheet(catalog_json: Path) -> bytes:
    """The demo catalog as a Chinese spreadsheet exports it: GBK CSV, Chinese column names, CRLF (issue 10)."""
    rows = json.loads(catalog_json.read_text(encoding="utf-8"))
    head = ["商品ID", "商品名称", "品牌", "简称", "别名", "价格(元)", "直播价", "链接号", "图片", "类目"]
    keys = ["sku_id", "title", "brand", "short_name", "aliases", "price", "live_price", "link_no", "image", "category"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(head)
    for r in rows:
        w.writerow(["|".join(r[k]) if k == "aliases" else r.get(k, "") for k in keys])
    return buf.getvalue().encode("gbk")


def test_one_recording_uploaded_twice_as_two_streams_and_the_cli_on_the_same_files(
        tmp_path: Path, short_demo: Path) -> None:
    settings = make_settings(tmp_path, workers=1, threads=2)
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / "models").symlink_to((REPO / "data" / "models").resolve())
    media = settings.media_root
    shutil.copytree(short_demo, media, dirs_exist_ok=True)
    (media / "排品表.csv").write_bytes(gbk_spreadsheet(media / "catalog.json"))

    runner = JobRunner(settings)
    client = TestClient(create_app(settings, runner=runner))
    try:
        # The same bytes uploaded twice: two files, two streams (issue 10, point 3); one with the GBK
        # spreadsheet, the other with the JSON catalog, which must read as the same catalog.
        uploads = [client.post("/uploads", files={"file": ("live.mp4", (media / "a.mp4").read_bytes(), "video/mp4")})
                   for _ in range(2)]
        assert [u.status_code for u in uploads] == [201, 201]
        paths = [u.json()["path"] for u in uploads]
        assert paths[0] != paths[1] and (media / paths[0]).read_bytes() == (media / paths[1]).read_bytes()
        options = {"visual": {"enabled": False}}
        registered = [client.post("/streams", json={"path": path, "catalog_path": cat, "options": options})
                      for path, cat in zip(paths, ("排品表.csv", "catalog.json"), strict=True)]
        assert [r.status_code for r in registered] == [202, 202], [r.text for r in registered]
        assert [r.json()["catalog_encoding"] for r in registered] == ["gb18030", "utf-8"]
        assert runner.wait_idle(600)
        bodies = []
        for r in registered:
            job = client.get(r.json()["job"]).json()
            assert job["state"] == "done", job
            assert job["result"]["highlights"] >= 1
            stream = client.get(r.json()["stream"], params={"format": "json"}).json()
            assert stream["state"] == "done"
            assert stream["visual"]["skipped_reason"] == "visual stage turned off"  # the job's own options
            body = client.get(f"{r.json()['stream']}/highlights").json()
            VALIDATOR.validate(body)
            bodies.append(body)
    finally:
        runner.close()
    a, b = bodies
    assert [(h["sku_id"], h["start"], h["end"]) for h in a["highlights"]] == [
        (h["sku_id"], h["start"], h["end"]) for h in b["highlights"]]
    assert "S301" in {h["sku_id"] for h in a["highlights"]}
    assert not {h["id"] for h in a["highlights"]} & {h["id"] for h in b["highlights"]}

    env = {"REPLAY_DATA_DIR": str(settings.data_dir), "REPLAY_WORKERS": "1", "REPLAY_THREADS": "2", "COLUMNS": "200"}
    out = tmp_path / "a.json"
    # The GBK spreadsheet through the CLI: it reads as the very catalog the API job used (same checkpoint keys).
    done = CliRunner().invoke(cli, ["index", str(media / paths[0]), "--catalog", str(media / "排品表.csv"),
                                    "--out", str(out), "--no-visual"], env=env)
    assert done.exit_code == 0, done.output
    assert "read as gb18030" in done.output
    assert "transcribe" in done.output and "(resumed)" in done.output  # the API job's checkpoints
    written = json.loads(out.read_text(encoding="utf-8"))
    VALIDATOR.validate(written)
    assert written["stream_id"] == a["stream_id"]
    assert [h["id"] for h in written["highlights"]] == [h["id"] for h in a["highlights"]]  # stable across re-runs

    batch = CliRunner().invoke(cli, ["index-batch", str(media / "uploads"), "--catalog", str(media / "catalog.json"),
                                     "--out-dir", str(tmp_path / "out"), "--set", "visual.enabled=false"], env=env)
    assert batch.exit_code == 0, batch.output
    files = sorted((tmp_path / "out").glob("*.json"))
    assert {f.stem for f in files} == {a["stream_id"], b["stream_id"]}
    for f in files:
        VALIDATOR.validate(json.loads(f.read_text(encoding="utf-8")))
