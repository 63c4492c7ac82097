"""Shared helpers for the API, search and browser tests: a filled Database without running the pipeline.

The rows are what the pipeline would write for a short beauty/home stream: a catalog, a transcript in
simplified Chinese and 看点 that cover some (not all) of the listed products, with the ids and thumbnails the
pipeline gives them (HighlightIndex.of, one JPEG per 看点 named after its id).
"""

from __future__ import annotations

import functools
import json
import subprocess
from dataclasses import replace
from pathlib import Path

from replay.contracts import (
    Catalog,
    CatalogItem,
    Evidence,
    Highlight,
    HighlightIndex,
    MediaInfo,
    Segment,
    Transcript,
)
from replay.settings import Settings
from replay.store.database import Database

CATALOG = Catalog(items=(
    CatalogItem("A101", "花西子空气蜜粉 定妆散粉 8g", brand="花西子", short_name="蜜粉", price=169, live_price=99, link_no=1),
    CatalogItem("A102", "YSL圣罗兰小金条口红 1966 哑光", brand="YSL", short_name="口红", aliases=("小金条",),
                price=420, live_price=299, link_no=2),
    CatalogItem("A103", "珀莱雅红宝石面霜 50g 紧致抗皱", brand="珀莱雅", short_name="红宝石面霜", price=369, live_price=199,
                link_no=3),
    CatalogItem("A104", "南极人纯棉四件套 1.8米床", brand="南极人", short_name="四件套", price=299, live_price=129, link_no=4),
    CatalogItem("A105", "认养一头牛纯牛奶 250ml×24盒", brand="认养一头牛", short_name="纯牛奶", price=89, live_price=55,
                link_no=5),
))

SEGMENTS = (
    (0.0, 2.0, "哈喽宝宝们欢迎来到直播间"),
    (2.0, 4.0, "今天给大家带来一号链接花西子蜜粉"),
    (4.0, 6.0, "这个蜜粉控油一整天都不会脱妆"),
    (6.0, 8.0, "原价一百六十九直播间只要九十九"),
    (8.0, 10.0, "好接下来是二号链接小金条口红"),
    (10.0, 12.0, "这支口红颜色特别正，黄皮也能涂"),
    (12.0, 14.0, "口红的膏体很滋润，不拔干"),
    (14.0, 16.0, "三号链接珀莱雅红宝石面霜"),
    (16.0, 18.0, "面霜里有六胜肽，抗皱紧致"),
    (18.0, 20.0, "口红再返场一下，还有最后五十单"),
)

HIGHLIGHTS = (  # as the detector returns them: no ids yet
    Highlight("A101", CATALOG.items[0].title, 2.0, 8.0, 0.93,
              evidence=(Evidence("link_no", 2.0, "一号链接", "A101"), Evidence("name", 2.5, "花西子蜜粉", "A101"))),
    Highlight("A102", CATALOG.items[1].title, 8.0, 14.0, 0.88,
              evidence=(Evidence("alias", 8.5, "小金条", "A102"),)),
    Highlight("A103", CATALOG.items[2].title, 14.0, 18.0, 0.9,
              evidence=(Evidence("name", 14.2, "红宝石面霜", "A103"),)),
    Highlight("A102", CATALOG.items[1].title, 18.0, 20.0, 0.7, kind="return",
              evidence=(Evidence("return_cue", 18.0, "返场", "A102"),)),
)


def make_settings(tmp: Path, **overrides: object) -> Settings:
    media = tmp / "media"
    media.mkdir(parents=True, exist_ok=True)
    return Settings(data_dir=tmp / "data", media_root=media, **overrides)  # type: ignore[arg-type]


def media_info(path: Path, duration: float = 20.0, width: int = 640, height: int = 360) -> MediaInfo:
    return MediaInfo(path=path, duration=duration, size_bytes=path.stat().st_size if path.exists() else 0,
                     format_name="mov,mp4,m4a,3gp,3g2,mj2", has_video=True, audio_codec="aac", audio_sample_rate=44100,
                     audio_channels=1, video_codec="h264", width=width, height=height, fps=25.0)


def ids(stream_id: str = "sdemo") -> list[str]:
    """The ids of HIGHLIGHTS once stored for ``stream_id``, in order."""
    return [h.id for h in HighlightIndex.of(stream_id, 20.0, HIGHLIGHTS).highlights]


def fill_stream(db: Database, settings: Settings, video: Path, stream_id: str = "sdemo", title: str = "美妆家居专场",
                thumbs: bool = True, duration: float = 20.0) -> str:
    """Write what a finished index job leaves behind: stream, catalog, transcript, 看点, thumbnails, job."""
    db.upsert_stream(stream_id, media_info(video, duration), title)
    db.save_catalog(stream_id, CATALOG)
    db.save_transcript(stream_id, Transcript(segments=tuple(Segment(s, e, t) for s, e, t in SEGMENTS),
                                             duration=duration))
    stored = HighlightIndex.of(stream_id, duration, HIGHLIGHTS).highlights
    if thumbs:
        folder = settings.stream_dir(stream_id) / "thumbs"
        folder.mkdir(parents=True, exist_ok=True)
        stored = tuple(replace(h, thumbnail=f"{h.id}.jpg") for h in stored)
        for h in stored:
            make_jpeg(folder / f"{h.id}.jpg", h.start)
    db.save_highlights(stream_id, stored)
    job = db.create_job(stream_id, "index", {"path": str(video)})
    db.update_job(job.id, state="done", stage="done", progress=1.0, eta=0.0)
    return stream_id


SAMPLES = Path(__file__).resolve().parent.parent / "replay" / "samples"
# What the real clip spliced into the samples says (samples/NOTICE.md); truth.json names only the file.
_REAL_CLIP_TEXT = "欢迎大家来体验达摩院推出的语音识别模型"


def fill_sample(db: Database, settings: Settings, name: str, stream_id: str, title: str) -> dict:
    """Write a bundled sample (replay/samples/demo, …/portrait) into the database from its truth.json, as a
    finished index job would, without running ASR: the transcript is the script the voice read, the 看点
    are the truth segments, the thumbnails are frames of the real recording. Browser tests use it to drive
    the player on the real video; the pipeline's own accuracy on the samples is tested in test_pipeline.py.
    Returns the truth."""
    folder = SAMPLES / name
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    records = json.loads((folder / "catalog.json").read_text(encoding="utf-8"))
    catalog = Catalog(items=tuple(CatalogItem(**{**r, "aliases": tuple(r.get("aliases") or ()), "image": None})
                                  for r in records))
    titles = {item.sku_id: item.title for item in catalog.items}
    video = folder / "stream.mp4"
    width, height = truth["params"]["size"]
    db.upsert_stream(stream_id, media_info(video, truth["duration"], width, height), title)
    db.save_catalog(stream_id, catalog)
    segments = tuple(Segment(u["start"], u["end"], _REAL_CLIP_TEXT if u["kind"] == "real" else u["text"])
                     for u in truth["utterances"])
    db.save_transcript(stream_id, Transcript(segments=segments, duration=truth["duration"]))
    found = (Highlight(s["sku_id"], titles[s["sku_id"]], s["start"], s["end"], 1.0, kind=s["kind"],
                       evidence=(Evidence("truth", s["start"], "truth.json", s["sku_id"]),)) for s in truth["segments"])
    highlights = tuple(replace(h, thumbnail=f"{h.id}.jpg")
                       for h in HighlightIndex.of(stream_id, truth["duration"], found).highlights)
    folder_out = settings.stream_dir(stream_id) / "thumbs"
    folder_out.mkdir(parents=True, exist_ok=True)
    for h in highlights:
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", f"{h.start + 3:.2f}", "-i", str(video), "-frames:v", "1",
                        "-vf", "scale=320:-2", "-q:v", "4", str(folder_out / f"{h.id}.jpg")], check=True)
    db.save_highlights(stream_id, highlights)
    job = db.create_job(stream_id, "index", {"path": str(video)})
    db.update_job(job.id, state="done", stage="done", progress=1.0, eta=0.0)
    return truth


@functools.lru_cache(maxsize=8)
def _jpeg(shade: int) -> bytes:
    out = subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=1:duration=1",
                          "-frames:v", "1", "-vf", f"hue=h={shade * 60}", "-f", "image2pipe", "-c:v", "mjpeg", "-"],
                         check=True, capture_output=True)
    return out.stdout


def make_jpeg(path: Path, t: float = 0.0) -> None:
    """A real JPEG (a test card, tinted by ``t`` so thumbnails differ); made once per tint."""
    path.write_bytes(_jpeg(int(t) % 6))


def make_video(path: Path, seconds: float = 20.0, size: str = "640x360") -> Path:
    """A real H.264 + AAC mp4 from ffmpeg's test sources (faststart, so players can seek before the end)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc=size={size}:rate=25",
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", str(seconds),
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25",
                    "-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart", "-shortest", str(path)], check=True)
    return path


def make_long_video(path: Path, seconds: float = 10800.0, size: str = "180x320") -> Path:
    """A real, tiny H.264 mp4 of ``seconds`` (a still picture at 1 fps, no audio; 3 h takes a few seconds
    to encode and about 170 kB), for measuring the player on a long stream."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"color=c=0x333333:s={size}:r=1:d={seconds}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "600",
                    "-movflags", "+faststart", str(path)], check=True)
    return path


def fill_long_stream(db: Database, settings: Settings, video: Path, stream_id: str = "slong", n: int = 100,
                     duration: float = 10800.0, n_products: int = 120) -> str:
    """A finished index of a long stream: ``n`` 看点 spread over ``duration`` (every fifth a 返场), a catalog
    of ``n_products`` (a big 购物袋), one transcript line per 看点, a thumbnail per 看点."""
    db.upsert_stream(stream_id, media_info(video, duration, 180, 320), "三小时长直播")
    items = tuple(CatalogItem(f"L{k:03d}", f"长直播商品{k:03d} 规格{k % 7 + 1}", short_name=f"商品{k:03d}", price=99 + k,
                              live_price=49 + k, link_no=k) for k in range(1, n_products + 1))
    db.save_catalog(stream_id, Catalog(items=items))
    step = duration / n
    highlights, segments = [], []
    for i in range(n):
        item = items[(i if i % 5 else max(0, i - 3)) % n_products]
        start = round(i * step + 5.0, 2)
        highlights.append(Highlight(item.sku_id, item.title, start, round(start + step * 0.8, 2), 0.9,
                                    kind="return" if i % 5 == 0 and i else "main"))
        segments.append(Segment(start, start + 4.0, f"{item.link_no}号链接{item.short_name}来啦"))
    db.save_transcript(stream_id, Transcript(segments=tuple(segments), duration=duration))
    stored = tuple(replace(h, thumbnail=f"{h.id}.jpg") for h in HighlightIndex.of(stream_id, duration, highlights).highlights)
    folder = settings.stream_dir(stream_id) / "thumbs"
    folder.mkdir(parents=True, exist_ok=True)
    for hl in stored:
        make_jpeg(folder / f"{hl.id}.jpg", hl.start)
    db.save_highlights(stream_id, stored)
    job = db.create_job(stream_id, "index", {"path": str(video)})
    db.update_job(job.id, state="done", stage="done", progress=1.0, eta=0.0)
    return stream_id


def assert_error(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) == {"code", "message", "hint", "status"}
    assert err["status"] == status and err["code"] == code
    assert isinstance(err["message"], str) and err["message"]
    assert err["hint"] is None or isinstance(err["hint"], str)
    assert "Traceback" not in resp.text
    return err
