"""sniff: tell a media container from its first bytes (magic numbers), never from a client's file name.

Uploads are stored under a generated name with the extension of the sniffed type, so a client cannot plant
``x.html`` or ``../../x.mp4``, and the decoder later sees the extension that matches the content.
"""

from __future__ import annotations

SNIFF_BYTES = 512
"""How many leading bytes ``sniff`` wants: enough for MPEG-TS, which needs three 188-byte packets' syncs."""

MEDIA_TYPES = {"mp4": "video/mp4", "mov": "video/quicktime", "m4a": "audio/mp4", "mkv": "video/x-matroska",
               "webm": "video/webm", "flv": "video/x-flv", "mp3": "audio/mpeg", "wav": "audio/wav",
               "ts": "video/mp2t"}


def _mpeg_audio_frame(head: bytes) -> bool:
    # 11 sync bits, then version != reserved (01), layer != reserved (00): the latter excludes AAC ADTS.
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 0b11, (head[1] >> 1) & 0b11
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 0b11
    return version != 0b01 and layer != 0b00 and bitrate != 0b1111 and rate != 0b11


def sniff(head: bytes) -> str | None:
    """The container type of a file starting with ``head`` (ideally SNIFF_BYTES long), or None if unknown.

    Types: mp4, mov, m4a (ISO BMFF 'ftyp' box), mkv, webm (EBML 1A45DFA3), flv, mp3 (ID3 tag or MPEG audio
    frame sync), wav (RIFF....WAVE), ts (0x47 sync byte every 188 bytes).
    """
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return "mov"
        if brand in (b"M4A ", b"M4B "):
            return "m4a"
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm" if b"webm" in head[:64] else "mkv"
    if head[:3] == b"FLV" and len(head) >= 4 and head[3] == 1:
        return "flv"
    if head[:3] == b"ID3" or _mpeg_audio_frame(head):
        return "mp3"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if len(head) >= 188 and all(head[i] == 0x47 for i in range(0, min(len(head), 3 * 188), 188)):
        return "ts"
    return None
