"""The one contract codec and the published 看点 JSON Schema.

Every record goes to JSON and back unchanged; the schema file describes exactly what the codec writes; the
highlights endpoint and every CLI file of 看点 (`show --json`, `detect --out`) validate against it. The files
`index --out` and `index-batch --out-dir` write are validated in test_api_pipeline.py (they need the model).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest
from api_support import CATALOG, HIGHLIGHTS, SEGMENTS, fill_stream, ids, make_settings, make_video
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from replay.api import create_app
from replay.asr.transcript_io import to_srt
from replay.cli import app as cli
from replay.contracts import (
    HIGHLIGHTS_SCHEMA,
    AudioChunk,
    Evidence,
    Highlight,
    HighlightIndex,
    MediaInfo,
    Segment,
    Transcript,
    VisualEvent,
    VisualTrack,
    Word,
    fingerprint,
    from_json,
    highlight_id,
    to_json,
)
from replay.jobs.runner import JobRunner
from replay.store.database import Database

SCHEMA = json.loads(HIGHLIGHTS_SCHEMA.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def roundtrip(kind: object, value: object) -> object:
    return from_json(kind, json.loads(json.dumps(to_json(value), ensure_ascii=False)))


def test_every_record_goes_to_json_and_back() -> None:
    words = (Word(0.0, 0.4, "口红", 0.9), Word(0.4, 0.9, "好看"))
    records = [
        Transcript(segments=(Segment(0.0, 0.9, "口红好看", words, -0.2, 0.01),), duration=3.5, model="whisper-base"),
        VisualTrack(events=(VisualEvent("ocr", 1.5, "2号链接 口红", "A102", 0.8, 37), VisualEvent("scene_cut", 4.0)),
                    skipped_reason=None, ocr_calls=3, frames_sampled=9, sharpness=((0.0, 12.5), (2.0, 80.1))),
        MediaInfo(path=Path("/media/live.mp4"), duration=20.0, size_bytes=1234, format_name="mov,mp4", has_video=True,
                  audio_codec="aac", audio_sample_rate=44100, audio_channels=2, fps=25.0, rotation=90),
        HighlightIndex.of("sdemo", 20.0, HIGHLIGHTS),
        AudioChunk(index=2, start=30.0, end=61.5, path=Path("/data/audio.s16le")),
        *CATALOG.items,
    ]
    for record in records:
        assert roundtrip(type(record), record) == record
    # The compact (array) form the store keeps words in reads back the same.
    assert from_json(tuple[Word, ...], to_json(words, compact=True)) == words


@given(st.lists(st.tuples(st.text(min_size=1, max_size=8), st.floats(0, 20000, allow_nan=False),
                          st.floats(0, 1, allow_nan=False), st.sampled_from(["main", "return"])), max_size=6))
def test_highlight_roundtrip_property(rows: list[tuple[str, float, float, str]]) -> None:
    hs = [Highlight(sku, f"商品 {sku}", start, start + 5.0, conf, (Evidence("name", start, sku, sku),), kind=kind)
          for sku, start, conf, kind in rows]
    index = HighlightIndex.of("s0ecbbc0e0db", 20005.0, hs)
    assert roundtrip(HighlightIndex, index) == index
    for h in to_json(index)["highlights"]:
        assert set(h) == set(SCHEMA["$defs"]["highlight"]["properties"])


def test_from_json_says_what_does_not_fit() -> None:
    with pytest.raises(ValueError, match="Highlight"):
        from_json(Highlight, {"sku_id": "A1"})


def test_highlight_id_is_unique_across_streams_and_stable() -> None:
    a = highlight_id("s1", "A101", 12.34)
    assert a == highlight_id("s1", "A101", 12.31)  # the start is rounded to 0.1 s: re-runs give the same id
    assert a != highlight_id("s2", "A101", 12.34)  # another stream of the same recording: another id
    assert a != highlight_id("s1", "A102", 12.34) and a != highlight_id("s1", "A101", 12.5)
    assert highlight_id("s1", "面膜/补水 ../x", 1.0).isalnum()  # safe in a URL and as a file name, whatever the SKU
    assert [h.id for h in HighlightIndex.of("s1", 9.0, HIGHLIGHTS).highlights] == ids("s1")


def test_fingerprint_follows_every_field() -> None:
    base = HIGHLIGHTS[0]
    assert fingerprint(base) == fingerprint(dataclasses.replace(base))
    for f in dataclasses.fields(Highlight):
        if f.name != "evidence":
            changed = dataclasses.replace(base, **{f.name: "x" if isinstance(getattr(base, f.name), str | None) else 0.5})
            assert fingerprint(changed) != fingerprint(base), f.name


# --- the schema file and what is validated against it ---------------------------------------------------
def test_schema_describes_the_codec() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    top = {f.name for f in dataclasses.fields(HighlightIndex)}
    assert set(SCHEMA["properties"]) == set(SCHEMA["required"]) == top
    for name, record in (("highlight", Highlight), ("evidence", Evidence)):
        fields = {f.name for f in dataclasses.fields(record)}
        assert set(SCHEMA["$defs"][name]["properties"]) == set(SCHEMA["$defs"][name]["required"]) == fields, name
    VALIDATOR.validate(to_json(HighlightIndex.of("sdemo", 20.0, HIGHLIGHTS)))
    bad = to_json(HighlightIndex.of("sdemo", 20.0, HIGHLIGHTS))
    bad["highlights"][0]["id"] = "A101@2.0"  # the old, stream-less id
    assert not VALIDATOR.is_valid(bad)


def test_schema_ships_inside_the_package() -> None:
    import replay

    assert HIGHLIGHTS_SCHEMA.is_relative_to(Path(replay.__file__).parent)


@pytest.fixture()
def filled(tmp_path: Path) -> tuple:
    settings = make_settings(tmp_path)
    video = make_video(settings.media_root / "live.mp4", seconds=2.0, size="160x90")
    sid = fill_stream(Database(settings.database), settings, video)
    return settings, sid


def test_highlights_endpoint_validates(filled: tuple) -> None:
    settings, sid = filled
    runner = JobRunner(settings, work=lambda req, db, report: None)
    client = TestClient(create_app(settings, runner=runner))
    body = client.get(f"/streams/{sid}/highlights").json()
    VALIDATOR.validate(body)
    assert all(h["thumbnail"].startswith(f"/streams/{sid}/thumbnails/") for h in body["highlights"])
    runner.close()


def test_cli_show_json_and_detect_out_validate(filled: tuple, tmp_path: Path) -> None:
    settings, sid = filled
    env = {"REPLAY_DATA_DIR": str(settings.data_dir), "COLUMNS": "200"}
    shown = CliRunner().invoke(cli, ["show", sid, "--json"], env=env)
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    VALIDATOR.validate(data)
    assert [h["id"] for h in data["highlights"]] == ids(sid)

    srt = tmp_path / "show.srt"
    srt.write_text(to_srt([Segment(s, e, t) for s, e, t in SEGMENTS]), encoding="utf-8")
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps([to_json(i) for i in CATALOG.items], ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "highlights.json"
    done = CliRunner().invoke(cli, ["detect", str(srt), "--catalog", str(catalog), "--out", str(out),
                                    "--set", "detect.min_confidence=0"], env=env)
    assert done.exit_code == 0, done.output
    detected = json.loads(out.read_text(encoding="utf-8"))
    VALIDATOR.validate(detected)
    assert detected["stream_id"] == "show" and detected["highlights"]
    assert "A102" in {h["sku_id"] for h in detected["highlights"]}  # 小金条口红, named three times
