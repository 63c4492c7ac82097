"""hls: an HLS playlist's text → a typed Playlist (the m3u8 library parses; it never fetches anything here).

A media playlist lists segments with their media sequence numbers (MSN), durations, discontinuities and the
init section of fMP4 segments (EXT-X-MAP). A master playlist lists variants: ``choose_variant`` picks the one to
follow (the best picture up to 720 lines, since on-screen product cards are read from it; the audio is the same
in every variant of a live room).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

import m3u8

from replay.errors import LiveSourceError


@dataclass(frozen=True, slots=True)
class Entry:
    """One segment as a playlist lists it."""

    msn: int
    """Media sequence number: the segment's place in the stream, as the packager numbers it."""
    uri: str
    """Absolute: a URL, or a path for a playlist read from disk."""
    duration: float
    discontinuity: bool = False
    """An EXT-X-DISCONTINUITY comes before this segment (timestamps, codecs or encoder may change)."""
    dsn: int = 0
    """Discontinuity sequence number: how many discontinuities came before this segment in the stream."""
    init: str | None = None
    """The init section (fMP4 segments), absolute like ``uri``."""
    gap: bool = False
    """EXT-X-GAP: the packager itself says this segment is missing."""


@dataclass(frozen=True, slots=True)
class Playlist:
    entries: tuple[Entry, ...]
    ended: bool
    """EXT-X-ENDLIST: no segment will be added."""
    target_duration: float
    media_sequence: int
    variants: tuple[tuple[str, int, int], ...] = ()
    """A master playlist's variants: (absolute uri, bandwidth, height)."""


def _join(base: str, uri: str) -> str:
    if "://" in uri:
        return uri
    if "://" in base:
        return urljoin(base, uri)
    import posixpath

    return uri if uri.startswith("/") else posixpath.normpath(posixpath.join(posixpath.dirname(base), uri))


def parse(text: str, base: str) -> Playlist:
    """Parse a playlist read from ``base`` (its URL or path); relative URIs become absolute."""
    if not text.lstrip().startswith("#EXTM3U"):
        raise LiveSourceError(f"{base} is not an HLS playlist (no #EXTM3U header)",
                              hint="give an .m3u8 playlist, or a growing .flv/.ts/.mp4 file")
    try:
        pl = m3u8.loads(text)
    except Exception as exc:  # the parser raises plain exceptions on malformed tags
        raise LiveSourceError(f"could not parse the playlist {base}: {exc}", hint="check the packager's output") from None
    if pl.is_variant:
        variants = []
        for v in pl.playlists:
            info = v.stream_info
            height = info.resolution[1] if info and info.resolution else 0
            variants.append((_join(base, v.uri), int(info.bandwidth or 0) if info else 0, height))
        return Playlist(entries=(), ended=False, target_duration=0.0, media_sequence=0, variants=tuple(variants))
    msn0 = int(pl.media_sequence or 0)
    dsn = int(pl.discontinuity_sequence or 0)
    entries = []
    for k, seg in enumerate(pl.segments):
        if seg.discontinuity and k:
            dsn += 1
        init = _join(base, seg.init_section.uri) if seg.init_section is not None and seg.init_section.uri else None
        entries.append(Entry(msn=msn0 + k, uri=_join(base, seg.uri), duration=float(seg.duration or 0.0),
                             discontinuity=bool(seg.discontinuity), dsn=dsn, init=init,
                             gap=bool(getattr(seg, "gap_tag", None))))
    return Playlist(entries=tuple(entries), ended=bool(pl.is_endlist),
                    target_duration=float(pl.target_duration or 0.0), media_sequence=msn0)


def choose_variant(variants: tuple[tuple[str, int, int], ...]) -> str:
    """The variant to follow: the tallest picture up to 720 lines (the highest bandwidth among equals), else the
    smallest one."""
    if not variants:
        raise LiveSourceError("the master playlist lists no variant", hint="give a media playlist instead")
    fitting = [v for v in variants if 0 < v[2] <= 720]
    if fitting:
        return max(fitting, key=lambda v: (v[2], v[1]))[0]
    unknown = [v for v in variants if v[2] == 0]
    if unknown:
        return max(unknown, key=lambda v: v[1])[0]
    return min(variants, key=lambda v: (v[2], v[1]))[0]
