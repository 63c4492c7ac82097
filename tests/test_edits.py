"""Editors' corrections (replay/edits): the API, the layer over the detector, re-indexing, revert, and every reader
(subtitles, chapters, search, analytics, stream list, clips) using the corrected version.

The database is filled as a finished index job leaves it (tests/api_support.py), with word timings in the
transcript so that edges snap to words as they do on a real whisper transcript.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
from api_support import CATALOG, HIGHLIGHTS, SEGMENTS, assert_error, fill_stream, ids, make_settings, make_video
from fastapi.testclient import TestClient

from replay.api import create_app
from replay.contracts import HIGHLIGHTS_SCHEMA, HighlightIndex, Segment, Transcript, Word
from replay.edits import corrected_highlights, corrected_transcript
from replay.edits.align import Boundaries, retime, time_at
from replay.jobs.runner import JobRunner
from replay.media.clips import stream_durations
from replay.store import search
from replay.store.database import Database

SID = "sdemo"


def worded(start: float, end: float, text: str) -> Segment:
    """A segment with a word per two characters, evenly timed, as whisper gives Chinese words."""
    pieces = [text[i:i + 2] for i in range(0, len(text), 2)]
    step = (end - start) / len(pieces)
    return Segment(start, end, text, tuple(Word(round(start + k * step, 3), round(start + (k + 1) * step, 3), p)
                                           for k, p in enumerate(pieces)))


# Line 6 says 黄皮 as the ASR heard it wrongly (慌皮); line 3 has the price as 一百六十九.
WORDED = tuple(worded(s, e, "这支口红颜色特别正，慌皮也能涂" if n == 5 else t) for n, (s, e, t) in enumerate(SEGMENTS))


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("editmedia") / "live.mp4", seconds=20.0, size="320x180")


class Env:
    def __init__(self, tmp: Path, video: Path, **overrides: object) -> None:
        self.settings = make_settings(tmp, **overrides)
        shutil.copy(video, self.settings.media_root / "live.mp4")
        self.db = Database(self.settings.database)
        fill_stream(self.db, self.settings, self.settings.media_root / "live.mp4")
        self.db.save_transcript(SID, Transcript(segments=WORDED, duration=20.0))
        self.runner = JobRunner(self.settings)
        self.client = TestClient(create_app(self.settings, runner=self.runner), raise_server_exceptions=False)

    def hl(self, corrected: bool = True) -> dict[str, dict]:
        body = self.client.get(f"/streams/{SID}/highlights").json() if corrected else None
        if body is None:
            return {h.id: {"start": h.start, "end": h.end, "sku_id": h.sku_id}
                    for h in self.db.highlights(SID, corrected=False).highlights}
        return {h["id"]: h for h in body["highlights"]}


@pytest.fixture()
def env(tmp_path: Path, video: Path) -> Env:
    e = Env(tmp_path, video)
    yield e
    e.client.close()
    e.runner.close()


def test_move_snaps_to_words_keeps_the_id_and_leaves_the_detector_rows(env: Env) -> None:
    a101 = ids()[0]  # 2.0–8.0
    r = env.client.patch(f"/streams/{SID}/highlights/{a101}", json={"start": 2.9, "end": 7.2},
                         headers={"X-Editor": "%E9%98%BF%E9%9D%92"})  # 阿青, percent-encoded
    assert r.status_code == 200, r.text
    body = r.json()
    h = body["highlights"][0]
    # line 2 (2–4 s) has a word every 0.25 s: 2.9 snaps to the word start at 3.0; line 4 (6–8 s) to the end at 7.25
    assert h["id"] == a101 and h["edited"] is True
    assert h["start"] == pytest.approx(3.0) and h["end"] == pytest.approx(7.25)
    assert body["edit"]["editor"] == "阿青" and body["edit"]["kind"] == "update"
    got = env.hl()[a101]
    assert (got["start"], got["end"], got["edited"]) == (h["start"], h["end"], True)
    assert env.hl(corrected=False)[a101]["start"] == 2.0  # the detector's row is untouched
    # don't snap: the times stay as given
    r = env.client.patch(f"/streams/{SID}/highlights/{a101}", json={"start": 2.9, "snap": False})
    assert r.json()["highlights"][0]["start"] == 2.9
    jsonschema.Draft202012Validator(__import__("json").loads(HIGHLIGHTS_SCHEMA.read_text())).validate(
        env.client.get(f"/streams/{SID}/highlights").json())


def test_change_sku_takes_the_catalog_title_and_rejects_unknown_skus(env: Env) -> None:
    a103 = ids()[2]
    r = env.client.patch(f"/streams/{SID}/highlights/{a103}", json={"sku_id": "A104"})
    assert r.status_code == 200, r.text
    assert env.hl()[a103]["sku_id"] == "A104" and env.hl()[a103]["title"] == CATALOG.items[3].title
    err = assert_error(env.client.patch(f"/streams/{SID}/highlights/{a103}", json={"sku_id": "Z999"}), 400, "bad_request")
    assert "A101" in err["hint"]
    assert_error(env.client.patch(f"/streams/{SID}/highlights/hffffffffffff", json={"start": 1}), 404, "not_found")
    assert_error(env.client.patch(f"/streams/{SID}/highlights/{a103}", json={}), 400, "bad_request")
    # 看点 never overlap: moving A103's end into the 返场 at 18 s is refused, and says what to do
    err = assert_error(env.client.patch(f"/streams/{SID}/highlights/{a103}", json={"end": 19.5, "snap": False}),
                       409, "conflict")
    assert ids()[3] in err["message"] and "merge" in err["hint"]
    assert_error(env.client.patch(f"/streams/{SID}/highlights/{a103}", json={"end": 14.5, "snap": False}),
                 400, "bad_request")  # shorter than the 1 s minimum


def test_split_merge_delete_add(env: Env) -> None:
    a101, a102, a103, ret = ids()
    r = env.client.post(f"/streams/{SID}/highlights/{a102}", json={"action": "split", "at": 11.1})
    assert r.status_code == 200, r.text
    first, second = r.json()["highlights"]
    assert first["id"] == a102 and first["end"] == second["start"] == 11.0  # snapped to the word at 11.0
    assert second["id"] != a102 and second["id"].startswith("h") and len(second["id"]) == 13
    assert len(env.hl()) == 5
    r = env.client.post(f"/streams/{SID}/highlights/{a102}", json={"action": "merge", "with": second["id"]})
    assert r.status_code == 200, r.text
    assert (env.hl()[a102]["start"], env.hl()[a102]["end"]) == (8.0, 14.0) and len(env.hl()) == 4
    assert env.client.delete(f"/streams/{SID}/highlights/{ret}").status_code == 200
    assert ret not in env.hl()
    r = env.client.post(f"/streams/{SID}/highlights", json={"sku_id": "A105", "start": 18.0, "end": 20.0})
    assert r.status_code == 201, r.text
    added = r.json()["highlights"][0]
    assert added["sku_id"] == "A105" and added["edited"] and added["id"] in env.hl()
    assert_error(env.client.post(f"/streams/{SID}/highlights", json={"sku_id": "A105", "start": 3, "end": 5}),
                 409, "conflict")
    assert_error(env.client.post(f"/streams/{SID}/highlights/{a101}", json={"action": "split"}), 422,
                 "validation_error")
    # every reader sees the corrected index: chapters, analytics, the stream list and the stream's catalog
    chapters = env.client.get(f"/streams/{SID}/chapters.vtt").text
    assert "认养一头牛" in chapters and chapters.count("-->") == 4
    analytics = env.client.get(f"/streams/{SID}/analytics").json()
    assert [g["sku_id"] for g in analytics["never_explained"]] == ["A104"]
    assert env.client.get("/streams").json()["streams"][0]["n_highlights"] == 4
    stream = env.client.get(f"/streams/{SID}?format=json").json()
    assert next(p for p in stream["catalog"] if p["sku_id"] == "A105")["explained"] is True
    # the list has every edit, oldest first, with time and editor
    edits = env.client.get(f"/streams/{SID}/edits").json()["edits"]
    assert [e["kind"] for e in edits] == ["split", "merge", "delete", "add"]
    assert all(e["editor"] == "anonymous" and e["time"] and e["active"] for e in edits)


def test_correct_a_line_then_subtitles_search_and_revert(env: Env) -> None:
    r = env.client.patch(f"/streams/{SID}/transcript/segments/5", json={"text": "这支口红颜色特别正，黄皮也能涂"})
    assert r.status_code == 200, r.text
    seg = r.json()["segment"]
    assert seg["text"] == "这支口红颜色特别正，黄皮也能涂"
    # unchanged characters keep their word times: 也能 is still where whisper put it
    old = {w.text: w.start for w in WORDED[5].words}
    new = {w["text"]: w["start"] for w in seg["words"]}
    assert new["也"] == pytest.approx(old["也能"]) and new["黄"] == pytest.approx(old["慌皮"])
    assert "黄皮也能涂" in env.client.get(f"/streams/{SID}/subtitles.srt").text
    assert "慌皮" not in env.client.get(f"/streams/{SID}/subtitles.vtt").text
    transcript = env.client.get(f"/streams/{SID}/transcript").json()["segments"]
    assert transcript[5]["text"] == seg["text"]
    hits = env.client.get(f"/streams/{SID}/search", params={"q": "黄皮"}).json()["hits"]
    assert [(h["idx"], h["match"]) for h in hits] == [(5, "text")]
    assert all(h["match"] == "sound" for h in env.client.get("/search", params={"q": "慌皮"}).json()["hits"])
    edit = env.client.get(f"/streams/{SID}/edits").json()["edits"][0]
    assert edit["kind"] == "text" and edit["segment_idx"] == 5 and edit["segment"]["text"].startswith("这支口红")
    r = env.client.post(edit["revert"])
    assert r.status_code == 200 and r.json()["edit"]["active"] is False
    assert "慌皮" in env.client.get(f"/streams/{SID}/subtitles.srt").text
    assert [h["idx"] for h in env.client.get(f"/streams/{SID}/search", params={"q": "慌皮"}).json()["hits"]] == [5]
    assert_error(env.client.post(edit["revert"]), 409, "conflict")  # already reverted
    assert_error(env.client.patch(f"/streams/{SID}/transcript/segments/99", json={"text": "x"}), 404, "not_found")
    assert_error(env.client.patch(f"/streams/{SID}/transcript/segments/1", json={"text": "  "}), 400, "bad_request")


def test_a_later_edit_must_be_reverted_first(env: Env) -> None:
    a101 = ids()[0]
    first = env.client.patch(f"/streams/{SID}/highlights/{a101}", json={"start": 3.0}).json()["edit"]
    second = env.client.patch(f"/streams/{SID}/highlights/{a101}", json={"sku_id": "A104"}).json()["edit"]
    err = assert_error(env.client.post(first["revert"]), 409, "conflict")
    assert second["id"] in err["hint"]
    assert env.client.post(second["revert"]).status_code == 200
    assert env.hl()[a101]["sku_id"] == "A101" and env.hl()[a101]["start"] == 3.0
    assert env.client.post(first["revert"]).status_code == 200
    assert env.hl()[a101]["start"] == 2.0 and env.hl()[a101]["edited"] is False


def test_edits_survive_a_reindex_and_a_newer_detector(env: Env) -> None:
    a101, a102, a103, ret = ids()
    env.client.patch(f"/streams/{SID}/highlights/{a101}", json={"end": 7.0, "snap": False})
    env.client.patch(f"/streams/{SID}/highlights/{a103}", json={"sku_id": "A104"})
    env.client.delete(f"/streams/{SID}/highlights/{ret}")
    env.client.patch(f"/streams/{SID}/transcript/segments/5", json={"text": "这支口红颜色特别正，黄皮也能涂"})
    before = env.client.get(f"/streams/{SID}/highlights").json()
    # the same detector again (what --force re-runs): the same rows, the same corrected result
    env.db.save_highlights(SID, HighlightIndex.of(SID, 20.0, HIGHLIGHTS).highlights)
    env.db.save_transcript(SID, Transcript(segments=WORDED, duration=20.0))
    def strip(body: dict) -> list[dict]:  # re-saved detector rows here have no thumbnail files
        return [{k: v for k, v in h.items() if k != "thumbnail"} for h in body["highlights"]]

    assert strip(env.client.get(f"/streams/{SID}/highlights").json()) == strip(before)
    # a newer detector puts every 看点 0.6 s later (new ids) and cuts the speech into other segments
    shifted = [replace(h, start=h.start + 0.6, end=min(20.0, h.end + 0.6)) for h in HIGHLIGHTS]
    env.db.save_highlights(SID, HighlightIndex.of(SID, 20.0, shifted).highlights)
    resegmented = tuple(replace(s, start=s.start + 0.01) for s in WORDED)
    env.db.save_transcript(SID, Transcript(segments=resegmented, duration=20.0))
    now = env.hl()
    assert now[a101]["end"] == 7.0 and now[a101]["edited"]  # the editor's version, under its id
    assert now[a103]["sku_id"] == "A104"
    assert ret not in now and len(now) == 3  # the deleted 返场 stays deleted though its id changed
    untouched = [h for h in now.values() if not h["edited"]]
    assert len(untouched) == 1 and untouched[0]["start"] == pytest.approx(8.6)  # A102: the new detector's
    assert corrected_transcript(env.db, SID).segments[5].text == "这支口红颜色特别正，黄皮也能涂"
    assert [h.idx for h in search.search(env.db.db, "黄皮", SID)] == [5]
    assert len(env.client.get(f"/streams/{SID}/edits").json()["edits"]) == 4


def test_api_key_and_editor_names(tmp_path: Path, video: Path) -> None:
    e = Env(tmp_path, video, api_key="k-shared", editor_keys={"小王": "k-wang"})
    a101 = ids()[0]
    try:
        assert_error(e.client.delete(f"/streams/{SID}/highlights/{a101}"), 401, "unauthorized")
        assert_error(e.client.delete(f"/streams/{SID}/highlights/{a101}", headers={"X-API-Key": "nope"}),
                     401, "unauthorized")
        r = e.client.patch(f"/streams/{SID}/highlights/{a101}", json={"start": 3.0},
                           headers={"X-API-Key": "k-wang", "X-Editor": "someone-else"})
        assert r.status_code == 200 and r.json()["edit"]["editor"] == "小王"  # an editor's own key names them
        r = e.client.patch(f"/streams/{SID}/highlights/{a101}", json={"end": 7.0},
                           headers={"X-API-Key": "k-shared"})
        assert r.json()["edit"]["editor"] == "api-key"  # the shared key's label
        r = e.client.patch(f"/streams/{SID}/transcript/segments/0", json={"text": "哈喽宝宝们，欢迎来到直播间"},
                           headers={"X-API-Key": "k-shared", "X-Editor": "Lin"})
        assert r.json()["edit"]["editor"] == "Lin"
        assert e.client.get(f"/streams/{SID}/edits").status_code == 200  # reading needs no key
    finally:
        e.client.close()
        e.runner.close()


def test_a_clip_after_an_edit_uses_the_new_times_and_text(env: Env, tmp_path: Path) -> None:
    a102 = ids()[1]  # 8–14 s
    env.client.patch(f"/streams/{SID}/highlights/{a102}", json={"start": 9.0, "end": 13.0, "snap": False})
    env.client.patch(f"/streams/{SID}/transcript/segments/5", json={"text": "这支口红颜色特别正，黄皮也能涂"})
    r = env.client.post(f"/streams/{SID}/clips", json={"highlight_id": a102, "subtitles": "sidecar"})
    assert r.status_code == 202, r.text
    assert env.runner.wait_idle(120)
    job = env.client.get(r.json()["job"]).json()
    assert job["state"] == "done", job
    res = job["result"]
    assert (res["start"], res["end"]) == (9.0, 13.0)
    out = tmp_path / "clip.mp4"
    out.write_bytes(env.client.get(res["file"]).content)
    assert abs(stream_durations(out)["video"] - 4.0) <= 0.2
    srt = env.client.get(next(u for u in res["subtitles"] if u.endswith(".srt"))).text
    assert "黄皮也能涂" in srt and "慌皮" not in srt
    # the CLI path reads the same corrected index
    assert corrected_highlights(env.db, SID).highlights[1].start == 9.0


# --- the pieces, without the API ------------------------------------------------------------------------
def test_retime_keeps_the_times_of_unchanged_characters() -> None:
    seg = worded(10.0, 14.0, "原价29块今天练结拍")
    fixed = retime(seg, "原价299块，今天链接拍")
    assert "".join(w.text for w in fixed.words) == fixed.text
    starts = {w.text.rstrip("，"): w.start for w in fixed.words}
    assert starts["原"] == 10.0 and starts["今"] == pytest.approx(12.0)  # 今 was the 2nd character of 块今 (11.6–12.4)
    assert all(a.start <= b.start for a, b in zip(fixed.words, fixed.words[1:], strict=False))
    assert all(10.0 <= w.start <= w.end <= 14.0 for w in fixed.words)
    # the search seek time of a character inside the line
    assert time_at(seg, seg.text.index("练")) == pytest.approx(12.8)  # 2nd character of 天练 (12.4–13.2)
    assert time_at(Segment(0.0, 10.0, "abcdefghij"), 5) == pytest.approx(5.0)


def test_boundaries_snap_within_the_window() -> None:
    b = Boundaries([worded(0.0, 4.0, "一二三四五六七八"), Segment(10.0, 12.0, "没有词时间")])
    assert b.snap_start(1.1, 1.5) == 1.0 and b.snap_end(2.9, 1.5) == 3.0
    assert b.snap_start(10.4, 1.5) == 10.0  # a segment without words: its own edges
    assert b.snap_start(7.0, 1.5) == 7.0  # nothing near: unchanged


def test_a_corrected_line_lands_in_place_when_the_speech_is_cut_differently() -> None:
    """After a re-transcription merged two lines into one segment, the editor's line replaces only what was
    said in its own time range."""
    from replay.edits.layer import Edit, SegmentRef, apply_text

    said, rest = "想要的宝宝直接去拍一号链接库存不多了", "好洗衣凝珠就先说到这儿"
    fixed = "想要的宝宝直接去拍一号链接，库存只剩五十单了。"
    edit = Edit(id="e1", stream_id="s", seq=1, kind="text", target="segment:7", editor="x", created_at=0.0,
                summary="", segment=SegmentRef(idx=7, start=31.2, end=35.0, text=said + "。"), text=fixed)
    words = worded(31.1, 35.0, said).words + worded(35.3, 38.6, rest).words
    merged = (Segment(25.8, 30.9, "原价69块"), Segment(31.1, 38.6, said + rest, words))
    out = apply_text(merged, [edit])
    assert out[0] == merged[0] and out[1].text == fixed + rest
    assert out[1].words[-1].end == 38.6 and "".join(w.text for w in out[1].words) == out[1].text
    # at its own index and times, the line is replaced whole
    same = (Segment(31.2, 35.0, said + "。"),)
    assert apply_text(same, [replace(edit, segment=replace(edit.segment, idx=0))])[0].text == fixed


def test_the_api_docs_example_highlight_ids_have_the_real_format(tmp_path: Path) -> None:
    """Every example of a 看点 id in the OpenAPI schema is an id the API really gives (``h`` + 12 hex)."""
    import re

    spec = create_app(make_settings(tmp_path)).openapi()
    pattern = re.compile(__import__("json").loads(HIGHLIGHTS_SCHEMA.read_text())["$defs"]["highlight"]["properties"]
                         ["id"]["pattern"])
    found = []

    def walk(node: object, name: str = "") -> None:
        if isinstance(node, dict):
            if name in ("highlight_id", "with") and "examples" in node:
                found.extend(node["examples"])
            for k, v in node.items():
                walk(v, k if k not in ("properties", "anyOf", "schema") else name)
        elif isinstance(node, list):
            for v in node:
                walk(v, name)

    walk(spec["components"]["schemas"])
    assert len(found) >= 2 and all(pattern.match(x) for x in found), found


def test_replay_edit_cli(env: Env) -> None:
    from typer.testing import CliRunner

    from replay.cli import app

    run = CliRunner()
    envvars = {"REPLAY_DATA_DIR": str(env.settings.data_dir), "COLUMNS": "200"}
    a101, a102, a103, ret = ids()

    def edit(*args: str):  # noqa: ANN202
        r = run.invoke(app, ["edit", SID, *args], env=envvars)
        return r

    r = edit("--highlight", "1", "--start", "2.9", "--editor", "Lin")  # by its number in `replay show`
    assert r.exit_code == 0, r.output
    assert "start 2.00 s → 3.00 s" in r.output and a101 in r.output
    assert edit("--highlight", a103, "--sku", "A104").exit_code == 0
    assert edit("--highlight", a102, "--split", "11.1", "--no-snap").exit_code == 0
    assert edit("--segment", "5", "--text", "这支口红颜色特别正，黄皮也能涂").exit_code == 0
    assert edit("--add", "A105", "--start", "18.5", "--end", "20").exit_code != 0  # overlaps the 返场: refused
    assert edit("--highlight", ret, "--delete").exit_code == 0
    assert edit("--add", "A105", "--start", "18.5", "--end", "20").exit_code == 0
    hs = corrected_highlights(env.db, SID).highlights
    assert [(h.sku_id, h.start) for h in hs] == [("A101", 3.0), ("A102", 8.0), ("A102", 11.1), ("A104", 14.0),
                                                   ("A105", 18.5)]
    listed = edit("--list")
    assert listed.exit_code == 0 and listed.output.count("active") == 6 and "Lin" in listed.output
    first = env.client.get(f"/streams/{SID}/edits").json()["edits"][0]["id"]
    assert edit("--revert", first).exit_code == 0
    assert corrected_highlights(env.db, SID).highlights[0].start == 2.0
    bad = edit("--highlight", "9", "--delete")
    assert bad.exit_code != 0 and "no 看点" in bad.output
    assert edit("--split", "3").exit_code != 0  # needs --highlight


def test_an_edge_dragged_up_to_a_neighbour_does_not_snap_into_it(env: Env) -> None:
    a101, a102 = ids()[:2]
    assert env.client.patch(f"/streams/{SID}/highlights/{a102}", json={"start": 8.2, "snap": False}).status_code == 200
    # the nearest word end to 8.2 is 8.25, inside A102 now: the edge stays where it was dropped
    r = env.client.patch(f"/streams/{SID}/highlights/{a101}", json={"end": 8.2})
    assert r.status_code == 200, r.text
    assert r.json()["highlights"][0]["end"] == 8.2
