"""The visual stage on generated frames with Chinese product cards (rendered with Noto Sans CJK, real OCR).

The stream shows two cards of one layout, which differ only in name, price, link number and the hue of
their picture (orange and green, nearly the same grey), then the first card again (a 返场). Those are the
cards a perceptual-hash cache confuses, so the test pins down that each reading names the right product
and that the second showing of the first card costs no OCR call.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from replay.catalog import catalog_from_records
from replay.contracts import MediaInfo
from replay.media.ffmpeg import ffmpeg_path
from replay.media.probe import ProbeOptions, probe

from conftest import skip_unless_installed

PIL = pytest.importorskip("PIL")
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
if not FONT.exists():
    skip_unless_installed(f"CJK font missing: {FONT} (scripts/install.sh installs fonts-noto-cjk)")
try:
    import rapidocr  # noqa: F401
except ImportError:
    skip_unless_installed("rapidocr missing (scripts/install.sh installs the ocr extra)")

from replay.media.thumbnails import best_thumbnail_time  # noqa: E402
from replay.screen.match import match_text  # noqa: E402
from replay.screen.ocr import OcrEngine, same_picture, thumb  # noqa: E402
from replay.screen.visual import analyse  # noqa: E402

W, H, FPS = 640, 360, 5
CARDS = {
    "RUBY": dict(brand="珀莱雅", name="红宝石面霜", price="199", link=14, colour=(238, 110, 40)),
    "IRON": dict(brand="欧莱雅", name="紫熨斗眼霜", price="299", link=15, colour=(70, 160, 60)),
    # Same colour and layout as RUBY, other text: only the words tell the two apart.
    "TWIN": dict(brand="珀莱雅", name="双抗精华", price="23", link=8, colour=(238, 110, 40)),
}
CATALOG = catalog_from_records([
    {"sku_id": "RUBY", "title": "珀莱雅红宝石面霜 50g", "brand": "珀莱雅", "short_name": "红宝石面霜", "live_price": 199,
     "link_no": 14},
    {"sku_id": "IRON", "title": "欧莱雅紫熨斗眼霜 30ml", "brand": "欧莱雅", "short_name": "紫熨斗眼霜", "live_price": 299,
     "link_no": 15},
    {"sku_id": "ANTI", "title": "珀莱雅双抗精华 官方正品", "brand": "珀莱雅", "short_name": "双抗精华", "live_price": 23,
     "link_no": 8},
])
# (from, to, card or None): the first card, the second, a gap, the first again.
TIMELINE = [(0, 3, None), (3, 9, "RUBY"), (9, 15, "IRON"), (15, 18, None), (18, 24, "RUBY")]


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT), size=size, index=2)  # index 2: the Simplified Chinese face


def draw_frame(card: str | None) -> np.ndarray:
    img = Image.new("RGB", (W, H), (150, 128, 130))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((370, 10, 630, 60), 10, fill=(245, 190, 20))
    d.text((385, 18), "年货节专场", font=_font(22), fill=(120, 30, 0))
    if card is not None:
        c = CARDS[card]
        d.rounded_rectangle((15, 224, 347, 343), 14, fill=(255, 255, 255))
        d.rounded_rectangle((38, 246, 114, 322), 10, fill=c["colour"])
        d.text((44, 272), c["name"][:4], font=_font(15), fill=(255, 255, 255))
        d.text((135, 240), f"{c['brand']} {c['name']}", font=_font(20), fill=(30, 30, 30))
        d.text((135, 276), f"到手价 ¥{c['price']}", font=_font(22), fill=(220, 30, 60))
        d.rounded_rectangle((133, 310, 236, 336), 6, fill=(250, 90, 20))
        d.text((142, 311), f"{c['link']}号链接", font=_font(18), fill=(255, 255, 255))
    return np.asarray(img)


def encode(out: Path, timeline: list, frame_of: Callable[[str | None], np.ndarray], pix_fmt: str) -> MediaInfo:
    """A silent H.264 video of ``timeline`` ((from, to, what is on screen) in seconds), each stretch one frame
    held at FPS: ``frame_of(what)`` draws it, in ``pix_fmt`` (rgb24 from PIL, bgr24 from OpenCV)."""
    proc = subprocess.Popen(
        [ffmpeg_path(), "-nostdin", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", pix_fmt,
         "-s", f"{W}x{H}", "-r", str(FPS), "-i", "-", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", str(FPS),
         str(out)], stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for start, end, what in timeline:
        frame = frame_of(what).tobytes()
        for _ in range((end - start) * FPS):
            proc.stdin.write(frame)
    proc.stdin.close()
    assert proc.wait() == 0
    return probe(out, ProbeOptions(require_audio=False))


@pytest.fixture(scope="module")
def card_stream(tmp_path_factory: pytest.TempPathFactory) -> MediaInfo:
    return encode(tmp_path_factory.mktemp("cards") / "cards.mp4", TIMELINE, draw_frame, "rgb24")


@pytest.fixture(scope="module")
def analysed(card_stream: MediaInfo):
    engine = OcrEngine()
    return analyse(card_stream, CATALOG, engine=engine), engine


def _card_at(t: float) -> str | None:
    return next((c for s, e, c in TIMELINE if s <= t < e), None)


def test_every_card_reading_names_the_card_on_screen(analysed) -> None:
    track, _ = analysed
    reads = [e for e in track.events if e.kind == "ocr"]
    assert reads, "no card was read"
    for e in reads:
        # An event is dated when the change was first seen, up to one sample before the card is settled.
        on_screen = {_card_at(e.time), _card_at(e.time + 1.0 / FPS + 1.0)}
        assert e.sku_id in on_screen, f"{e.sku_id} read at {e.time:.1f}s while {on_screen} was shown: {e.text}"
    for sku, (s, e) in (("RUBY", (3, 9)), ("IRON", (9, 15)), ("RUBY", (18, 24))):
        assert any(ev.sku_id == sku and s - 1.5 <= ev.time < e for ev in reads), f"{sku} not read in {s}-{e}s"


def test_the_returning_card_is_a_cache_hit_and_ocr_runs_only_on_change(analysed) -> None:
    track, engine = analysed
    assert engine.cache_hits >= 1, "the second showing of RUBY's card was read again"
    # One reading per distinct picture: the empty room, RUBY, IRON (each settles after one sample).
    assert track.ocr_calls <= 4
    assert track.frames_sampled >= 20 and track.ocr_calls < track.frames_sampled / 5


def test_same_layout_cards_are_different_pictures_and_a_reencoded_card_is_the_same() -> None:
    # The lower half of the frame: a changed region with background margin around the card, where the card's
    # differing text and hue are a small share of the pixels (a grey 64×32 mean difference was 1.7 here).
    ruby, iron = draw_frame("RUBY")[160:, :480, ::-1], draw_frame("IRON")[160:, :480, ::-1]
    noisy = np.clip(ruby.astype(np.int16) + np.random.default_rng(1).integers(-12, 13, ruby.shape), 0, 255)
    assert not same_picture(thumb(ruby), thumb(iron))
    assert same_picture(thumb(ruby), thumb(noisy.astype(np.uint8)))


def test_a_whole_frame_whose_card_says_other_words_is_not_the_cached_one() -> None:
    # Whole frames (a scene change re-reads the frame) with cards of one colour scheme: at a cached copy's
    # size the words are a few pixels and the colours match, so only the text's edges tell them apart.
    ruby, twin = draw_frame("RUBY")[:, :, ::-1], draw_frame("TWIN")[:, :, ::-1]
    again = cv2.GaussianBlur(ruby, (3, 3), 0)  # the same card, re-encoded softer
    assert not same_picture(thumb(ruby), thumb(twin))
    assert same_picture(thumb(ruby), thumb(again))


def test_a_lone_character_does_not_match_a_name_that_contains_it() -> None:
    assert match_text("双", CATALOG) is None
    assert match_text("双抗精华 到手价¥23 8号链接", CATALOG).sku_id == "ANTI"
    assert match_text("紫熨斗眼霸 ¥299", CATALOG).sku_id == "IRON"  # an OCR slip still matches


def test_a_name_two_titles_share_leaves_the_card_to_its_link_and_price() -> None:
    # 蝴蝶Butterfly is a part of its own in one title and runs into 张继科ALC in the other: a card that shows it
    # cut off (蝴蝶Butterfly张…) with 3号链接 and ¥1399 is item 3's. Before, only item 4 had the name, and the
    # card went to it, a 看点 of the wrong item for 40 s of a dev recording.
    from replay.contracts import Catalog, CatalogItem

    bats = Catalog((CatalogItem("S03", "蝴蝶Butterfly张继科ALC乒乓球底板 芳碳外置 横拍", price=1580, live_price=1399,
                                link_no=3),
                    CatalogItem("S04", "蝴蝶Butterfly T05乒乓球套胶 Tenergy05 反胶", price=499, live_price=439,
                                link_no=4),
                    CatalogItem("S20", "蝴蝶Butterfly乒乓球服 速干短袖 比赛训练服", price=299, live_price=199,
                                link_no=20)))
    assert match_text("蝴蝶Butterfly张… 直播价¥1399 原价¥1580 3号链接", bats).sku_id == "S03"
    assert match_text("蝴蝶Butterfly T05 直播价¥439 4号链接", bats).sku_id == "S04"
    assert match_text("蝴蝶Butterfly", bats) is None  # the brand alone names none of them


def test_a_card_that_cuts_the_title_off_names_the_item_it_starts() -> None:
    # A shop with titles only: the card shows the title's first characters and an ellipsis. Fuzzy matching
    # of the whole title fell short (9 of 16 characters) and link and price alone are not enough, so the card
    # named nothing, and the picture beside it was matched to the wrong insole.
    from replay.contracts import Catalog, CatalogItem

    insoles = Catalog((CatalogItem("AKI05", "增高鞋垫隐形内增高男女全垫3cm", price=49, live_price=25, link_no=5),
                       CatalogItem("AKI13", "足跟痛鞋垫足底筋膜炎专用后跟减压", price=79, live_price=45, link_no=13)))
    assert match_text("足跟痛鞋垫足底筋膜… 直播价¥45 原价¥79 13号链接", insoles).sku_id == "AKI13"
    assert match_text("增高鞋垫隐形... 直播价¥25", insoles).sku_id == "AKI05"
    assert match_text("鞋垫足底… 直播价¥99", insoles) is None  # not the start of either title


def test_thumbnail_shows_the_card(card_stream: MediaInfo, analysed) -> None:
    track, _ = analysed
    t = best_thumbnail_time(card_stream, 9.0, 15.0, track, "IRON")
    assert 9.0 <= t < 15.0 and _card_at(t) == "IRON"
    assert len(track.sharpness) == track.frames_sampled  # chosen from recorded sharpness, nothing decoded
    # A track without recorded sharpness (an older checkpoint) decodes candidate frames instead.
    t = best_thumbnail_time(card_stream, 9.0, 15.0, replace(track, sharpness=()), "IRON")
    assert 9.0 <= t < 15.0 and _card_at(t) == "IRON"


def test_card_readings_carry_the_card_box(analysed) -> None:
    """Vertical clips keep the card in their window (media/reframe.py): each reading says where it was read."""
    track, _ = analysed
    card = (15 / W, 224 / H, 347 / W, 343 / H)  # the card's rectangle in draw_frame
    for e in (e for e in track.events if e.kind == "ocr"):
        assert e.box is not None
        x0, y0, x1, y1 = e.box
        assert card[0] - 0.02 <= x0 < x1 <= card[2] + 0.02 and card[1] - 0.02 <= y0 < y1 <= card[3] + 0.02, e


def test_beside_asr_one_ocr_thread_and_kept_frames_give_the_same_track(card_stream: MediaInfo, analysed,
                                                                        tmp_path: Path) -> None:
    """The pipeline runs the stage beside the ASR workers with one OCR thread and keeps frames for the
    thumbnails (issue 15): the track, and so the 看点, must be the one a stage alone on the machine gives."""
    from replay.contracts import to_json
    from replay.media.framestore import kept_times

    track, _ = analysed
    beside = analyse(card_stream, CATALOG, engine=OcrEngine(threads=1), keep_frames=tmp_path / "frames")
    assert to_json(beside) == to_json(track)
    kept = kept_times(tmp_path / "frames")
    assert kept and set(kept) <= {round(t * 1000) for t, _ in track.sharpness}
    frame = cv2.imread(str(next(iter(kept.values()))))
    assert frame is not None and frame.shape[:2] == (H, W)  # kept at full size: a thumbnail is cut from it


def test_a_product_picture_is_evidence_for_as_long_as_it_stays_on_screen(tmp_path: Path) -> None:
    # A room that shows product photos, no card text: photo A for 2-12 s, nothing, photo B for 14-22 s.
    rng = np.random.default_rng(5)
    photos = {}
    for sku in ("PA", "PB"):
        blocks = rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8)
        photos[sku] = cv2.resize(blocks, (160, 160), interpolation=cv2.INTER_NEAREST)
        cv2.imwrite(str(tmp_path / f"{sku}.png"), photos[sku])
    catalog = catalog_from_records([
        {"sku_id": sku, "title": f"商品{sku}", "live_price": 9, "link_no": k, "image": str(tmp_path / f"{sku}.png")}
        for k, sku in enumerate(photos, 1)])
    timeline = [(0, 2, None), (2, 12, "PA"), (12, 14, None), (14, 22, "PB")]

    def photo_frame(sku: str | None) -> np.ndarray:
        frame = np.full((H, W, 3), (130, 128, 150), np.uint8)
        if sku is not None:
            frame[100:260, 40:200] = photos[sku]
        return frame

    info = encode(tmp_path / "photos.mp4", timeline, photo_frame, "bgr24")
    track = analyse(info, catalog, engine=OcrEngine())
    seen = [(e.time, e.sku_id) for e in track.events if e.kind == "image"]
    assert seen and all(sku == next(s for a, b, s in timeline if a <= t + 0.5 < b) for t, sku in seen), seen
    # Not once per shot: every few seconds while the photo is up, like a card that is read.
    for sku, lo, hi in (("PA", 2, 12), ("PB", 14, 22)):
        times = [t for t, s in seen if s == sku]
        assert min(times) <= lo + 1.5 and max(times) >= hi - 3.0, (sku, times)
