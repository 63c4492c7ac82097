"""`replay clip` and `replay export` with the new options: the real start of a --copy clip, price warnings,
reframe choices, and the clip report in export's index.json."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from api_support import fill_stream, make_settings, make_video
from typer.testing import CliRunner

from replay.cli import app as cli
from replay.contracts import Segment
from replay.media.clips import stream_durations
from replay.media.probe import probe
from replay.store.database import Database


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("cliclips")
    settings = make_settings(tmp)
    video = make_video(settings.media_root / "live.mp4", seconds=20.0, size="320x180")  # a keyframe a second
    db = Database(settings.database)
    fill_stream(db, settings, video)
    tr = db.transcript("sdemo")
    # The host said 原价一百六十九 (A101's price); ASR wrote 一百九十九.
    db.save_transcript("sdemo", replace(tr, segments=(*tr.segments, Segment(6.2, 7.8, "原价一百九十九块"))))
    return {"REPLAY_DATA_DIR": str(settings.data_dir), "COLUMNS": "200"}


def test_clip_copy_reports_the_keyframe_and_a_wrong_price(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "c.mp4"
    # 看点 1 is A101 at 2-8 s; with 0.5 s of padding it asks for 1.5 s, and the keyframe before is at 1.0 s.
    r = CliRunner().invoke(cli, ["clip", "sdemo", "--highlight", "1", "--padding", "0.5", "--copy",
                                 "--out", str(out)], env=env)
    assert r.exit_code == 0, r.output
    assert "starts at the keyframe 1.00 s (0.50 s before the asked 1.50 s)" in r.output
    assert "check the price" in r.output and "says 199" in r.output
    assert abs(stream_durations(out)["video"] - 7.5) <= 0.05
    assert "00:00:05,200 --> 00:00:06,800" in out.with_suffix(".srt").read_text(encoding="utf-8")


def test_clip_rejects_an_unknown_reframe(env: dict[str, str], tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["clip", "sdemo", "--highlight", "1", "--vertical", "--reframe", "zoom",
                                 "--out", str(tmp_path / "x.mp4")], env=env)
    assert r.exit_code != 0 and "auto, center or pad" in r.output
    assert not (tmp_path / "x.mp4").exists()


def test_export_vertical_lists_the_clip_reports(env: dict[str, str], tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["export", "sdemo", str(tmp_path / "out"), "--vertical", "--reframe", "center",
                                 "--subtitles", "burn", "--subtitle-position", "top"], env=env)
    assert r.exit_code == 0, r.output
    clips = json.loads((tmp_path / "out" / "index.json").read_text(encoding="utf-8"))["clips"]
    assert [c["sku_id"] for c in clips] == ["A101", "A102", "A103", "A102"]
    assert [f["said"] for f in clips[0]["price_flags"]] == [199.0] and clips[1]["price_flags"] == []
    info = probe(tmp_path / "out" / clips[0]["file"])
    assert (info.width, info.height) == (720, 1280)
