"""Search that knows the catalog (store/find.py, store/sounds.py), on the bundled demo stream: an alias finds its
product's 看点 before the transcript hits, a listed product never explained says 本场未讲解, a word the ASR
misheard is found by its sound, and a hit inside a long line seeks to the word.

The demo's transcript is the script its voice read (tests/api_support.fill_sample), with the misspellings whisper
made in the tryout of issue 11 put back into three lines: 练结 for 链接 and 裤存 for 库存.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from api_support import fill_sample, make_settings, media_info
from fastapi.testclient import TestClient

from replay.api import create_app
from replay.contracts import Segment, Transcript, Word
from replay.edits.align import char_spans
from replay.jobs.runner import JobRunner
from replay.store import search
from replay.store.database import Database

SID = "sdemo"
MISHEARD = {7: ("链接", "练结"), 31: ("库存", "裤存"), 35: ("链接", "练结")}  # utterance index: (said, written)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    settings = make_settings(tmp_path_factory.mktemp("findsearch"))
    db = Database(settings.database)
    truth = fill_sample(db, settings, "demo", SID, "示例直播间")
    segs = list(db.transcript(SID).segments)
    for n, (said, written) in MISHEARD.items():
        assert said in segs[n].text
        segs[n] = replace(segs[n], text=segs[n].text.replace(said, written))
    db.save_transcript(SID, Transcript(segments=tuple(segs), duration=truth["duration"]))
    runner = JobRunner(settings, work=lambda req, db, report: None)
    with TestClient(create_app(settings, runner=runner)) as client:
        yield client, db, truth
    runner.close()


def test_an_alias_finds_its_products_highlights_first(env) -> None:  # noqa: ANN001
    client, _, truth = env
    body = client.get(f"/streams/{SID}/search", params={"q": "杯子"}).json()
    first = body["products"][0]
    assert (first["sku_id"], first["field"], first["matched"], first["explained"]) == ("S303", "alias", "杯子", True)
    want = [(s["start"], s["kind"]) for s in truth["segments"] if s["sku_id"] == "S303"]
    assert [(h["start"], h["kind"]) for h in first["highlights"]] == want  # 讲解 and its 返场
    assert first["highlights"][0]["url"] == f"/streams/{SID}?t={want[0][0]:.2f}"
    assert "S304" not in [p["sku_id"] for p in body["products"]]  # 焖烧杯 is a 杯 too, but not named 杯子
    # a short name, a name inside a longer query, and a title word
    assert client.get(f"/streams/{SID}/search", params={"q": "保温杯"}).json()["products"][0]["sku_id"] == "S303"
    assert client.get(f"/streams/{SID}/search", params={"q": "山禾保温杯"}).json()["products"][0]["sku_id"] == "S303"
    assert [p["sku_id"] for p in client.get(f"/streams/{SID}/search", params={"q": "凝珠"}).json()["products"]] == ["S301"]
    # across streams too
    assert client.get("/search", params={"q": "杯子"}).json()["products"][0]["sku_id"] == "S303"


def test_a_product_never_explained_says_so(env) -> None:  # noqa: ANN001
    client, _, _ = env
    body = client.get(f"/streams/{SID}/search", params={"q": "口红"}).json()
    p = body["products"][0]
    assert (p["sku_id"], p["explained"], p["note"], p["highlights"]) == ("S306", False, "本场未讲解", [])
    assert body["hits"] == []  # the host never said it
    assert client.get(f"/streams/{SID}/search", params={"q": "洗衣机"}).json() == {
        "query": "洗衣机", "products": [], "hits": []}


def test_a_misheard_word_is_found_by_its_sound(env) -> None:  # noqa: ANN001
    client, db, _ = env
    hits = client.get(f"/streams/{SID}/search", params={"q": "库存", "limit": 50}).json()["hits"]
    text = {h["idx"] for h in hits if h["match"] == "text"}
    sound = [h for h in hits if h["match"] == "sound"]
    assert text == {7, 35} and [h["idx"] for h in sound] == [31]
    assert "【裤存】" in sound[0]["snippet"]
    assert hits.index(sound[0]) == len(text)  # sound-alike lines come after the exact ones
    linked = client.get(f"/streams/{SID}/search", params={"q": "链接", "limit": 50}).json()["hits"]
    assert {h["idx"] for h in linked if h["match"] == "sound"} == {7, 35}
    # one-character queries stay exact: too many characters sound alike
    assert all(h["match"] == "text" for h in client.get(f"/streams/{SID}/search", params={"q": "存"}).json()["hits"])
    assert [h.idx for h in search.search(db.db, "裤存", SID)] == [31]  # the library's default is text only


def test_a_hit_in_a_long_line_seeks_to_the_word(env) -> None:  # noqa: ANN001
    client, db, _ = env
    hits = client.get(f"/streams/{SID}/search", params={"q": "杯套"}).json()["hits"]
    (h,) = hits
    seg = db.transcript(SID).segments[h["idx"]]  # 外面卖一百二十九块，我们直播间五十九块，还送一个杯套。(5.6 s)
    _, spans = char_spans(seg)
    assert h["t"] == pytest.approx(spans[seg.text.index("杯套")][0] - search.SEEK_LEAD, abs=0.01)
    assert h["t"] > h["start"] + 4.0 and h["url"] == f"/streams/{SID}?t={h['t']:.2f}"
    # with whisper's word timings the seek lands just before the word's own start, wherever it is in the line
    db.upsert_stream("swords", media_info(Path("/m/w.mp4"), 200.0))
    words = (Word(100.0, 106.0, "今天"), Word(106.0, 106.4, "这款"), Word(106.4, 107.0, "保温杯"), Word(107.0, 107.3, "的"),
             Word(108.5, 109.0, "杯套"), Word(109.0, 110.0, "怎么用"))
    db.save_transcript("swords", Transcript(segments=(Segment(100.0, 110.0, "".join(w.text for w in words), words),),
                                            duration=200.0))
    (w,) = client.get("/streams/swords/search", params={"q": "杯套"}).json()["hits"]
    assert w["start"] == 100.0 and w["t"] == pytest.approx(108.5 - search.SEEK_LEAD)


def test_a_database_from_before_the_sound_index_fills_it_when_searched(tmp_path: Path) -> None:
    from replay.store import sounds

    db = Database(tmp_path / "old.db")
    db.upsert_stream("sold", media_info(Path("/m/old.mp4"), 30.0))
    db.save_transcript("sold", Transcript(segments=(Segment(0.0, 3.0, "宝宝们拍一号练结"), Segment(3.0, 6.0, "一号链接")),
                                          duration=30.0))
    db.db.execute(f"drop table {sounds.FTS_TABLE}")
    db.db.execute(f"drop table {sounds.DONE_TABLE}")
    again = Database(tmp_path / "old.db")  # opening creates the empty index at once (no minutes-long backfill)
    assert again.db.execute(f"select count(*) from {sounds.FTS_TABLE}").fetchone()[0] == 0
    hits = search.search(again.db, "链接", "sold", sounds_like=True)
    assert [(h.idx, h.match) for h in hits] == [(1, "text"), (0, "sound")]
    assert sounds.is_done(again.db, 1)
