"""clip_inputs: what a clip of an indexed stream is cut from, read from the database in one place.

``replay clip``, ``replay export`` and the API's clip jobs all call ``clip_inputs``; media/clips.py itself
never reads the database, it takes the transcript segments, the card boxes and the catalog as arguments.
So when the editors' corrections layer (issue 11, point 1) stores corrected transcript lines and 看点, this is
the one function that starts returning them, and every clip uses the corrected text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from replay.contracts import Catalog, MediaInfo, Segment, VisualEvent, VisualTrack, from_json
from replay.store.database import Database

if TYPE_CHECKING:
    from replay.settings import Settings


@dataclass(frozen=True, slots=True)
class ClipInputs:
    segments: tuple[Segment, ...]
    """The transcript the subtitles and the price check read."""
    cards: tuple[VisualEvent, ...]
    """The visual stage's card readings with their boxes (for ``--reframe auto``); empty when it did not run."""
    catalog: Catalog
    """The stream's catalog, for the price check."""


def clip_media(settings: Settings, db: Database, stream_id: str) -> MediaInfo:
    """The recording a clip of the stream is cut from, probed: the original while it is kept, else the best HLS
    rendition (package.keep_original=false: ``hls.package.clip_source``)."""
    from replay.hls.package import clip_source, hls_dir
    from replay.media.probe import probe

    return probe(clip_source(Path(db.stream(stream_id)["path"]), hls_dir(settings.stream_dir(stream_id))))


def clip_inputs(db: Database, stream_id: str) -> ClipInputs:
    stored = db.checkpoint(stream_id, "visual")
    try:
        track = from_json(VisualTrack, stored) if stored is not None else None
    except ValueError:  # written by an older version in another shape: clips still work, without card boxes
        track = None
    cards = tuple(e for e in track.events if e.kind == "ocr" and e.box is not None) if track else ()
    return ClipInputs(db.transcript(stream_id).segments, cards, db.catalog(stream_id))
