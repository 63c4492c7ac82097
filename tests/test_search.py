"""Transcript search (replay/search.py): short Chinese queries, ranking, misses and hostile input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay.contracts import MediaInfo, Segment, Transcript
from replay.store import search
from replay.store.database import Database

TEXTS_A = ["哈喽宝宝们欢迎来到直播间", "这支口红颜色特别正", "口红口红口红，今天口红买一送一", "面膜敷十五分钟",
           "红色款卖完了", "iPhone 15 Pro 手机壳 SPF50+ 防晒", "口，红 分开说的"]
TEXTS_B = ["面膜也返场了", "这款精华液很好用", "他说\"口红\"AND NEAR(面膜) * 都能搜"]


def _info(name: str) -> MediaInfo:
    return MediaInfo(path=Path(f"/m/{name}.mp4"), duration=100.0, size_bytes=1, format_name="mp4", has_video=True,
                     audio_codec="aac", audio_sample_rate=16000, audio_channels=1)


def _save(db: Database, sid: str, texts: list[str]) -> None:
    db.upsert_stream(sid, _info(sid))
    db.save_transcript(sid, Transcript(segments=tuple(Segment(10.0 * n, 10.0 * n + 5, t) for n, t in enumerate(texts))))


@pytest.fixture()
def db(tmp_path: Path) -> Database:
    db = Database(tmp_path / "s.db")
    _save(db, "sA", TEXTS_A)
    _save(db, "sB", TEXTS_B)
    return db


def idx(hits: list[search.SearchHit]) -> set[tuple[str, int]]:
    return {(h.stream_id, h.idx) for h in hits}


def test_two_character_query(db: Database) -> None:
    hits = search.search(db.db, "口红")
    assert idx(hits) == {("sA", 1), ("sA", 2), ("sA", 6), ("sB", 2)}
    assert all(h.snippet.count("【") >= 1 for h in hits)
    assert idx(search.search(db.db, "面膜")) == {("sA", 3), ("sB", 0), ("sB", 2)}


def test_one_character_query(db: Database) -> None:
    assert idx(search.search(db.db, "红")) == {("sA", 1), ("sA", 2), ("sA", 4), ("sA", 6), ("sB", 2)}
    assert idx(search.search(db.db, "霜")) == set()


def test_longer_query_is_a_substring_match(db: Database) -> None:
    assert idx(search.search(db.db, "买一送一")) == {("sA", 2)}
    assert idx(search.search(db.db, "红口")) == {("sA", 2)}  # 口红口红: 红口 occurs inside
    assert idx(search.search(db.db, "精华液很")) == {("sB", 1)}


def test_ranking_prefers_more_occurrences(db: Database) -> None:
    hits = search.search(db.db, "口红", stream_id="sA")
    assert hits[0].idx == 2  # four times 口红 in one short segment
    assert [h.score for h in hits] == sorted(h.score for h in hits)


def test_scoped_to_stream(db: Database) -> None:
    assert idx(search.search(db.db, "面膜", stream_id="sB")) == {("sB", 0), ("sB", 2)}
    assert search.search(db.db, "面膜", stream_id="nope") == []


def test_no_hits_and_empty(db: Database) -> None:
    assert search.search(db.db, "洗衣机") == []
    for q in ["", "   ", "，。！", "*", '"', "()", "-"]:
        assert search.search(db.db, q) == [], q


@pytest.mark.parametrize("q", ['"口红', '口红"', '"口红" OR "面膜"', "口红*", "NEAR(口 红)", "口红 AND 面膜", "面膜 NOT 口红",
                               "col:口红", "^口红", "口红)", "{body}: 红", "'; drop table segments; --", "红 -- 口"])
def test_fts_syntax_in_queries_is_harmless(db: Database, q: str) -> None:
    search.search(db.db, q)  # never an FTS5 syntax error
    search.search(db.db, q, stream_id="sA")
    assert db.db["segments"].count == len(TEXTS_A) + len(TEXTS_B)


def test_quotes_and_operators_are_plain_words(db: Database) -> None:
    assert idx(search.search(db.db, '"口红"')) == idx(search.search(db.db, "口红"))
    assert idx(search.search(db.db, "AND NEAR")) == {("sB", 2)}


def test_latin_digits_and_full_width(db: Database) -> None:
    assert idx(search.search(db.db, "iphone")) == {("sA", 5)}
    assert idx(search.search(db.db, "ＳＰＦ５０")) == {("sA", 5)}  # full-width folded by NFKC
    assert idx(search.search(db.db, "iph")) == {("sA", 5)}  # trailing Latin token is a prefix
    assert idx(search.search(db.db, "15 pro")) == {("sA", 5)}


def test_reindex_replaces_rows(db: Database) -> None:
    _save(db, "sA", ["只剩面膜了"])
    assert idx(search.search(db.db, "口红")) == {("sB", 2)}
    assert idx(search.search(db.db, "面膜")) == {("sA", 0), ("sB", 0), ("sB", 2)}


def test_backfill_for_existing_database(tmp_path: Path) -> None:
    db = Database(tmp_path / "old.db")
    _save(db, "sA", TEXTS_A)
    db.db.execute(f"drop table {search.FTS_TABLE}")
    db.db.execute(f"drop table {search.MAP_TABLE}")
    again = Database(tmp_path / "old.db")  # schema check rebuilds the search rows from segments
    assert idx(search.search(again.db, "口红")) == {("sA", 1), ("sA", 2), ("sA", 6)}


def test_hit_fields(db: Database) -> None:
    h = search.search(db.db, "面膜", stream_id="sA")[0]
    assert (h.start, h.end, h.text) == (30.0, 35.0, "面膜敷十五分钟")
    assert h.snippet == "【面膜】敷十五分钟" and h.url == "/streams/sA?t=30.00"


@settings(max_examples=200, deadline=None)
@given(q=st.text(min_size=0, max_size=20))
def test_any_text_is_a_safe_query(tmp_path_factory: pytest.TempPathFactory, q: str) -> None:
    path = tmp_path_factory.getbasetemp() / "hyp-search.db"
    db = Database(path)
    if not db.db["segments"].count:
        _save(db, "sA", TEXTS_A)
    for hit in search.search(db.db, q):
        # every hit really contains the query's tokens, in order and adjacent
        assert " ".join(search.tokens(q)) in search.searchable_text(hit.text) or search.tokens(q)[-1].isascii()
