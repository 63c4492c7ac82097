"""The API and the CLI with the real pipeline, on the first 40 s of the demo stream (one product explained).

One recording registered twice, as two streams, gives two jobs that both succeed with their own 看点 ids; a
job's own stage options reach its pipeline; and `replay index --out` and `index-batch --out-dir` on the same
files resume from the jobs' checkpoints and write files that validate against the 看点 JSON Schema.
"""

from __future__ import annotations

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


def test_one_recording_as_two_streams_and_the_cli_on_the_same_files(tmp_path: Path, short_demo: Path) -> None:
    settings = make_settings(tmp_path, workers=1, threads=2)
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / "models").symlink_to((REPO / "data" / "models").resolve())
    media = settings.media_root
    shutil.copytree(short_demo, media, dirs_exist_ok=True)
    shutil.copy(media / "a.mp4", media / "b.mp4")  # the same bytes under another name: another stream

    runner = JobRunner(settings)
    client = TestClient(create_app(settings, runner=runner))
    try:
        options = {"visual": {"enabled": False}}
        registered = [client.post("/streams", json={"path": name, "catalog_path": "catalog.json", "options": options})
                      for name in ("a.mp4", "b.mp4")]
        assert [r.status_code for r in registered] == [202, 202], [r.text for r in registered]
        assert runner.wait_idle(600)
        bodies = []
        for r in registered:
            job = client.get(r.json()["job"]).json()
            assert job["state"] == "done", job
            assert job["result"]["highlights"] >= 1
            stream = client.get(r.json()["stream"], params={"format": "json"}).json()
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
    done = CliRunner().invoke(cli, ["index", str(media / "a.mp4"), "--catalog", str(media / "catalog.json"),
                                    "--out", str(out), "--no-visual"], env=env)
    assert done.exit_code == 0, done.output
    assert "transcribe" in done.output and "(resumed)" in done.output  # the API job's checkpoints
    written = json.loads(out.read_text(encoding="utf-8"))
    VALIDATOR.validate(written)
    assert written["stream_id"] == a["stream_id"]
    assert [h["id"] for h in written["highlights"]] == [h["id"] for h in a["highlights"]]  # stable across re-runs

    batch = CliRunner().invoke(cli, ["index-batch", str(media), "--out-dir", str(tmp_path / "out"),
                                     "--set", "visual.enabled=false"], env=env)
    assert batch.exit_code == 0, batch.output
    files = sorted((tmp_path / "out").glob("*.json"))
    assert {f.stem for f in files} == {a["stream_id"], b["stream_id"]}
    for f in files:
        VALIDATOR.validate(json.loads(f.read_text(encoding="utf-8")))
