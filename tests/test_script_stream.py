"""scripts/paraphrase_script.py: the truth and spoken text behind scripts/make_script_stream.py (no TTS needed)."""

from __future__ import annotations

import importlib.util
import json
import random
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("paraphrase_script", REPO / "scripts" / "paraphrase_script.py")
ps = importlib.util.module_from_spec(spec)
sys.modules["paraphrase_script"] = ps  # dataclasses look their module up there
spec.loader.exec_module(ps)

CATALOG = [
    {"sku_id": "K1", "title": "青禾 竹纤维抹布 10条装", "price": 29, "live_price": 9.9, "link_no": 1},
    {"sku_id": "K2", "title": "青禾 不锈钢晾衣架 20只", "price": 59, "live_price": 39, "link_no": 2},
    {"sku_id": "K3", "title": "青禾 收纳箱 大号", "price": 89, "live_price": 49, "link_no": 3},
]
LINES = [
    ("家人们晚上好", None),
    ("一号链接，抹布来了", "K1"),
    ("吸水特别快", "K1"),
    ("刚进来的宝宝点个关注", "K1"),  # chatter inside the explanation keeps the sku
    ("十条才九块九", "K1"),
    ("二号，晾衣架", "K2"),  # no outro: straight to the next product
    ("不锈钢的，不生锈", "K2"),
    ("福袋马上开", None),
    ("再说一下抹布，还有库存", "K1"),  # 返场
    ("好，今天就到这", None),
]


def write_script(tmp_path: Path, lines=LINES, name: str = "s") -> Path:
    path = tmp_path / f"{name}.json"
    doc = {"catalog": CATALOG, "lines": [{"text": t, "sku": s, "tags": ["chatter"] if s is None else []} for t, s in lines]}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_runs_are_maximal_same_sku_stretches_and_later_ones_are_returns(tmp_path):
    script = ps.load(write_script(tmp_path))
    runs = ps.runs_of(script.lines)
    assert [(r.sku, r.first, r.last, r.kind) for r in runs] == [
        ("K1", 1, 4, "main"), ("K2", 5, 6, "main"), ("K1", 8, 8, "return"),
    ]


def test_truth_segments_span_first_line_start_to_last_line_end(tmp_path):
    script = ps.load(write_script(tmp_path))
    sr = 1000
    lengths = [1500 + 100 * i for i in range(len(script.lines))]
    gaps = ps.pauses(len(lengths), random.Random(3), tempo=1.2)
    spans = ps.place(lengths, gaps, sr)
    said = [ps.spoken(ln.text) for ln in script.lines]
    segs, utts = ps.truth(script, spans, said, sr)
    assert [u["text"] for u in utts] == [t for t, _ in LINES]
    assert all(a["end"] < b["start"] for a, b in zip(utts, utts[1:], strict=False)), "lines never overlap"
    assert [s["sku_id"] for s in segs] == ["K1", "K2", "K1"]
    assert [s["kind"] for s in segs] == ["main", "main", "return"]
    assert segs[0]["start"] == utts[1]["start"] and segs[0]["end"] == utts[4]["end"]
    assert segs[1]["start"] == utts[5]["start"] and segs[1]["end"] == utts[6]["end"]
    assert segs[2]["start"] == utts[8]["start"] and segs[2]["end"] == utts[8]["end"]
    assert [u["block"] for u in utts] == [None, 1, 1, 1, 1, 2, 2, None, 3, None]
    assert utts[3]["kind"] == "main" and utts[0]["kind"] == "chat" and utts[0]["tags"] == ["chatter"]


def test_pauses_are_the_same_whatever_the_labels(tmp_path):
    """The silence before a line must not reveal where an explanation starts."""
    relabelled = [(t, None) for t, _ in LINES]
    a, b = ps.load(write_script(tmp_path)), ps.load(write_script(tmp_path, relabelled, "b"))
    assert ps.pauses(len(a.lines), random.Random(9), 1.0) == ps.pauses(len(b.lines), random.Random(9), 1.0)


def test_spoken_text_spells_latin_and_keeps_units():
    assert ps.spoken("五百ml一瓶，500ml装") == "五百艾姆艾勒一瓶，500毫升装"
    assert ps.spoken("拍XL，5G的") == "拍艾克斯艾勒，5吉的"
    assert ps.spoken("连麦PK：OK!") == "连麦披开，欧克！"
    assert ps.spoken("没有字母的句子。") == "没有字母的句子。"


@given(st.text(alphabet=st.sampled_from(list("abcXYZmlgkWL0159 ，,:!好的ＸＬ")), max_size=30))
def test_spoken_text_never_keeps_a_latin_letter(text):
    assert not re.search(r"[A-Za-zＡ-Ｚａ-ｚ]", ps.spoken(text))


def test_unknown_sku_is_rejected_with_the_line_named(tmp_path):
    bad = [*LINES[:3], ("三号链接", "K9")]
    with pytest.raises(ps.ScriptError, match=r"lines\[3\].*K9"):
        ps.load(write_script(tmp_path, bad))
