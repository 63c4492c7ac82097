"""Prices said in a clip are checked against the catalog: a misheard price is flagged before it is published."""

from __future__ import annotations

import json
from pathlib import Path

from replay.contracts import Catalog, CatalogItem, Highlight, Segment
from replay.media.clips import ClipOptions, cut_clip, export_stream
from replay.media.probe import probe
from replay.report.prices import check_prices

from conftest import ffmpeg

CATALOG = Catalog((CatalogItem("S1", "保温杯 500ml", price=299.0, live_price=199.0),
                   CatalogItem("S2", "洗衣凝珠", price=69.0, live_price=29.9),
                   CatalogItem("S3", "赠品袋")))


def test_a_misheard_price_is_flagged() -> None:
    cues = (Segment(1.0, 3.0, "原价29块，今天直播间到手价一百九十九"),  # the host said 原价299
            Segment(3.0, 5.0, "到手价199，立省一百块"),
            Segment(5.0, 7.0, "拍一发二，3号链接"))
    flags = check_prices(cues, CATALOG, "S1")
    assert [(f.time, f.said) for f in flags] == [(1.0, 29.0)]
    assert flags[0].expected == (100.0, 199.0, 299.0) and "原价29块" in flags[0].text


def test_prices_of_the_sku_only_and_tenths() -> None:
    cues = (Segment(0.0, 2.0, "三十九块九一件"), Segment(2.0, 4.0, "直播价二十九块九，原价69元"))
    assert [f.said for f in check_prices(cues, CATALOG, "S2")] == [39.9]
    assert [f.said for f in check_prices(cues, CATALOG, "S1")] == [39.9, 29.9, 69.0]
    assert [f.said for f in check_prices(cues, CATALOG, None)] == [39.9]  # no SKU: any catalog price is fine
    assert check_prices(cues, CATALOG, "S3") == ()  # nothing listed to check against


def test_clip_and_export_report_the_flags(tmp_path: Path) -> None:
    src = tmp_path / "src.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=6", "-f", "lavfi",
           "-i", "sine=frequency=500:duration=6", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
           "-shortest", str(src))
    segs = (Segment(0.5, 2.0, "这个保温杯原价29块"), Segment(4.0, 5.5, "到手价一百九十九"))
    r = cut_clip(probe(src), 0.0, 3.0, tmp_path / "c.mp4", ClipOptions(subtitles="none"), segs, sku_id="S1",
                 catalog=CATALOG)
    assert [f.said for f in r.price_flags] == [29.0]
    index = export_stream(probe(src), (Highlight("S1", "保温杯", 0.0, 3.0, 0.9, id="h1"),
                                       Highlight("S1", "保温杯", 3.5, 6.0, 0.9, id="h2")),
                          tmp_path / "out", ClipOptions(subtitles="none"), segs, catalog=CATALOG)
    clips = json.loads(index.read_text(encoding="utf-8"))["clips"]
    assert [[f["said"] for f in c["price_flags"]] for c in clips] == [[29.0], []]
    assert clips[0]["requested_start"] == 0.0
