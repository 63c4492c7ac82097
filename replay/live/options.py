"""options: how a live recording is followed (issue 14). Apart from the follower so that Settings can hold them
without loading the follower's modules; ``REPLAY_LIVE__<FIELD>``, ``--set live.<field>=…`` and
``"options": {"live": {…}}`` in POST /streams set them.

Every choice that decides *what* the follower finds (windows, finality) is in media seconds, never in wall-clock
seconds: a recording followed at 1× and the same recording followed at 16× give the same 看点. Only the fault
handling (a late segment, a stalled source) waits in wall-clock time.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LiveOptions:
    """Windows, finality and fault handling of a followed recording."""

    poll_seconds: float = 1.0
    """How often the playlist (or the growing file) is looked at for new data."""
    min_window: float = 12.0
    """Shortest stretch of new audio transcribed as one window; the window then closes at the next pause."""
    max_window: float = 30.0
    """A window with no pause by this length closes at its quietest moment."""
    pause: float = 0.25
    """A run of quiet audio this long (seconds) is a pause a window may close at."""
    settle: float = 10.0
    """A 看点 becomes final once the 看点 after it has been going for this many seconds of transcribed speech."""
    moved_on: float = 45.0
    """…or once this many seconds of speech have been transcribed past its end with no later 看点 (the talk moved on)."""
    quiet_anchor: float = 60.0
    """Detection re-runs from the end of the last final 看点; with none for this long, from this far back."""
    segment_seconds: float = 4.0
    """Segment length when a growing .flv/.ts/.mp4 file is cut into segments (at keyframes, so at least this)."""
    late_seconds: float = 10.0
    """How long (wall clock) a listed segment that cannot be fetched yet is waited for before it is a gap."""
    stall_seconds: float = 15.0
    """No new data for this long (wall clock) marks the source stalled (the end comes after REPLAY_LIVE_IDLE_SECONDS)."""
    fetch_timeout: float = 10.0
    """Timeout of one HTTP request for a playlist or a segment."""
    max_segment_bytes: int = 256 * 1024**2
    """Largest segment accepted; a bigger one is counted as undecodable and skipped."""
