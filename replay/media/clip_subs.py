"""clip_subs: the subtitles of one clip: cues clipped to the clip, sidecar .srt/.vtt, and the styled .ass burned in.

Burned subtitles are written as ASS (pysubs2) with the script resolution set to the clip's own frame size, so
the font size and margins are exact pixels of the output and scale with its height: a 360p clip and a 1080p
clip get the same proportions. The default position, ``above_band``, keeps the lower fifth of the frame clear,
because that is where live-commerce rooms put the product card and its price.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from replay.asr.transcript_io import to_srt, to_vtt
from replay.contracts import Segment

CJK_FONT = "Noto Sans CJK SC"
SubtitlePosition = Literal["above_band", "bottom", "top"]


# Noto Sans CJK's line height (ascender + descender) is 1.448 em, and ASS font sizes name the line height, not
# the em; a CJK character's ink is about 0.92 em tall. Measured with libass: font size 22 draws 14 px characters.
_LINE_PER_EM = 1.448
_INK_PER_EM = 0.92


@dataclass(frozen=True, slots=True)
class SubtitleStyle:
    """Where and how big burned subtitles are, as shares of the output frame (so they scale with it)."""

    position: SubtitlePosition = "above_band"
    """above_band: bottom-aligned just above the band (the lower ``band`` of the frame, or the product cards'
    area when higher, stays clear); bottom: at the bottom edge; top: at the top edge."""
    size: float = 0.055
    """Height of a character as a share of the frame height (capped by ``max_width_share`` in portrait)."""
    band: float = 0.2
    """Share of the frame height at the bottom kept clear in ``above_band`` (where product cards sit)."""
    max_width_share: float = 0.065
    """Upper bound of a character's width as a share of the frame width, so a 9:16 line holds 14 characters."""


@dataclass(frozen=True, slots=True)
class SubtitleLayout:
    """A style resolved for one frame size, in pixels."""

    width: int
    height: int
    font_size: int
    """The ASS font size (the line height: 1.448 em for Noto Sans CJK)."""
    char_height: int
    """Height of a drawn CJK character, in pixels."""
    margin_v: int
    margin_h: int
    alignment: int
    """ASS numpad alignment: 2 bottom centre, 8 top centre."""
    chars_per_line: int


def layout(style: SubtitleStyle, width: int, height: int, cards_top: float | None = None) -> SubtitleLayout:
    """Pixel font size, margins and line length of ``style`` on a ``width``×``height`` frame.

    ``cards_top``: the highest top edge of the product cards on screen during the clip (a share of the height,
    from the visual stage); ``above_band`` then keeps clear of them too, up to the lower half of the frame."""
    em = max(10.0, min(style.size * height / _INK_PER_EM, style.max_width_share * width))
    edge = round(0.03 * height)
    band = style.band
    if cards_top is not None:
        band = min(0.5, max(band, 1.0 - cards_top))
    margin_v = round(band * height) + edge if style.position == "above_band" else edge
    margin_h = round(0.04 * width)
    # libass cannot break lines of CJK text (no spaces), so lines are cut here, one em per character.
    chars = max(6, int((width - 2 * margin_h) / em))
    return SubtitleLayout(width, height, round(em * _LINE_PER_EM), round(em * _INK_PER_EM), margin_v, margin_h,
                          8 if style.position == "top" else 2, chars)


def clip_cues(segments: Sequence[Segment], start: float, end: float) -> list[Segment]:
    """The transcript segments that overlap [start, end), cut to it: no cue runs before the clip's first frame
    or past its last (players otherwise show a cue after the video has ended)."""
    out = []
    for s in segments:
        if s.end <= start or s.start >= end:
            continue
        words = tuple(w for w in s.words if w.end > start and w.start < end)
        out.append(replace(s, start=max(s.start, start), end=min(s.end, end), words=words))
    return out


def _wrap(text: str, width: int) -> str:
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))


def write_sidecars(cues: Sequence[Segment], offset: float, base: Path) -> tuple[Path, Path]:
    """``base``.srt and ``base``.vtt with times relative to ``offset`` (the clip's first frame)."""
    srt, vtt = base.with_suffix(".srt"), base.with_suffix(".vtt")
    srt.write_text(to_srt(cues, offset=offset), encoding="utf-8")
    vtt.write_text(to_vtt(cues, offset=offset), encoding="utf-8")
    return srt, vtt


def write_ass(cues: Sequence[Segment], offset: float, path: Path, lay: SubtitleLayout) -> Path:
    """An .ass file for libass to burn: script resolution = the output frame, so sizes are output pixels."""
    import pysubs2

    subs = pysubs2.SSAFile()
    subs.info["PlayResX"], subs.info["PlayResY"] = str(lay.width), str(lay.height)
    subs.info["WrapStyle"] = "2"  # no automatic wrapping: lines are cut in _wrap
    subs.styles["Default"] = pysubs2.SSAStyle(
        fontname=CJK_FONT, fontsize=lay.font_size, primarycolor=pysubs2.Color(255, 255, 255),
        outlinecolor=pysubs2.Color(0, 0, 0), backcolor=pysubs2.Color(0, 0, 0, 128), bold=True,
        outline=max(1.0, lay.font_size / 14), shadow=0, alignment=pysubs2.Alignment(lay.alignment),
        marginl=lay.margin_h, marginr=lay.margin_h, marginv=lay.margin_v)
    for c in cues:
        text = _wrap(c.text.strip(), lay.chars_per_line).replace("\n", r"\N")
        subs.append(pysubs2.SSAEvent(start=round((c.start - offset) * 1000), end=round((c.end - offset) * 1000),
                                     text=text))
    subs.save(str(path), format_="ass")
    return path
