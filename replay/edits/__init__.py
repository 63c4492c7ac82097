"""edits: editors' corrections of 看点 and transcripts, kept apart from what the detector and the ASR wrote.

- ``layer``: how edits are replayed over the detector's output (pure functions);
- ``align``: character times of a line, re-timing a corrected line, word boundaries to snap edges to;
- ``table``: the ``edits`` table (never rewritten by a re-index);
- ``service``: the operations (move, change SKU, split, merge, delete, add, correct a line, revert), used by
  the API (api/routes_edits.py), the CLI (``replay edit``) and the editor page.

Every reader gets the corrected version: ``Database.highlights`` and ``Database.transcript`` replay the edits
(``corrected=False`` gives the detector's and the ASR's own). The two functions below are the names to call
from code that cuts, exports or shows 看点 (clips, subtitles, chapters, analytics, search, the player).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from replay.contracts import HighlightIndex, Transcript
    from replay.store.database import Database


def corrected_highlights(db: Database, stream_id: str) -> HighlightIndex:
    """The stream's 看点 with every active edit applied (what the API, the player and clips show)."""
    return db.highlights(stream_id, corrected=True)


def corrected_transcript(db: Database, stream_id: str) -> Transcript:
    """The stream's transcript with every corrected line (new text, re-timed words)."""
    return db.transcript(stream_id, corrected=True)
