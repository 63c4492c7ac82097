"""Every error replay raises, in one tree.

Errors are converted to HTTP responses (api) or one-line CLI messages (cli) only at the edges.
Each carries the HTTP status the API answers with and a ``hint`` that tells the user what to do.
"""

from __future__ import annotations

import errno
import sqlite3


class ReplayError(Exception):
    """Root of all replay errors."""

    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the API adds to this error's response (Retry-After on 429 and 503)."""
        return {}


# --- input errors -----------------------------------------------------------------------------
class InputError(ReplayError):
    status = 400
    code = "bad_request"


class NotFound(ReplayError):
    status = 404
    code = "not_found"


class Conflict(ReplayError):
    status = 409
    code = "conflict"


class Forbidden(ReplayError):
    status = 403
    code = "forbidden"


class Unauthorized(ReplayError):
    status = 401
    code = "unauthorized"


class PayloadTooLarge(ReplayError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(ReplayError):
    status = 415
    code = "unsupported_media_type"


class TooManyRequests(ReplayError):
    """The job queue is full (REPLAY_MAX_QUEUED_JOBS); the client should retry after ``retry_after`` s."""

    status = 429
    code = "queue_full"

    def __init__(self, message: str, *, hint: str | None = None, retry_after: int = 30) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class ServiceUnavailable(ReplayError):
    status = 503
    code = "service_unavailable"
    retry_after = 5

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class DatabaseBusy(ServiceUnavailable):
    """Another process holds the database's write lock longer than REPLAY_DB_BUSY_TIMEOUT."""

    code = "database_busy"


class JobInterrupted(ServiceUnavailable):
    """The server is stopping: the running job stops at its next checkpoint and is queued again."""

    code = "interrupted"


class StorageFull(ReplayError):
    """The disk holding the database, uploads or derived files is full."""

    status = 507
    code = "storage_full"


class RateLimited(ReplayError):
    status = 429
    code = "rate_limited"


class EventRejected(InputError):
    """A viewer event that does not fit its stream (unknown 看点 or SKU, a time past the end): POST /events."""

    status = 422
    code = "event_invalid"


class PathOutsideMediaRoot(Forbidden):
    code = "path_outside_media_root"


# --- media ------------------------------------------------------------------------------------
class MediaError(ReplayError):
    status = 422
    code = "media_error"


class MediaNotFound(MediaError):
    status = 404
    code = "media_not_found"


class MediaOpenError(MediaError):
    code = "media_open_error"


class NoAudioStream(MediaError):
    code = "no_audio_stream"


class TruncatedMedia(MediaError):
    """The file's data stops before the end its header announces (an upload cut short)."""

    code = "media_truncated"


class ZeroDuration(MediaError):
    code = "zero_duration"


class MediaTooLarge(MediaError):
    status = 413
    code = "media_too_large"


class FFmpegNotFound(ReplayError):
    code = "ffmpeg_not_found"


# --- catalog / transcript input ---------------------------------------------------------------
class CatalogError(InputError):
    code = "catalog_invalid"


class TranscriptFormatError(InputError):
    code = "transcript_invalid"


# --- clip requests (checked when they arrive, never accepted and then failed) ---------------------
class ClipRangeError(InputError):
    """The range is shorter than REPLAY_CLIP_MIN_SECONDS, reversed, or past the end of the recording."""

    code = "clip_range_invalid"


class ClipOptionsError(InputError):
    """Options that cannot be done together (copy mode cannot change the picture)."""

    code = "clip_options_invalid"


class UnknownHighlight(InputError):
    code = "unknown_highlight"


class NoVideoForClip(InputError):
    """An audio-only recording has no picture to cut."""

    code = "no_video_stream"


# --- models -----------------------------------------------------------------------------------
class ModelError(ReplayError):
    code = "model_error"


class ModelNotFound(ModelError):
    code = "model_not_found"


class ModelCorrupt(ModelError):
    code = "model_corrupt"


# --- settings -----------------------------------------------------------------------------------
class SettingsError(ReplayError):
    code = "settings_invalid"


class OptionsError(InputError):
    """A job's stage options (POST /streams ``options``, ``--set``) that do not validate."""

    code = "options_invalid"


# --- live sources (issue 14: replay/live) -------------------------------------------------------
class IngestRefused(Forbidden):
    """A live source (or a segment or redirect it leads to) that the ingest policy does not allow."""

    code = "ingest_refused"


class LiveSourceError(MediaError):
    """A live source that cannot be read: not a playlist, not a growing media file, unreachable."""

    code = "live_source_error"


class NotLive(Conflict):
    """An action that needs a stream being followed live (POST /streams/{id}/end) on one that is not."""

    code = "not_live"


# --- failures of the machine, as replay errors ----------------------------------------------------
def from_system_error(exc: BaseException) -> ReplayError | None:
    """The replay error for a full disk or a locked database (OSError, sqlite3.OperationalError), so the API
    answers 507/503 in its one shape and a job records a clean error; None for anything else (a bug)."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull("the server's disk is full", hint="free disk space (old clips, uploads), then retry")
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        if "disk is full" in text:
            return StorageFull("the database's disk is full", hint="free disk space, then retry")
        if "locked" in text or "busy" in text:
            return DatabaseBusy("the database is locked by another process",
                                hint="retry shortly; if it persists, stop the process holding the lock")
    return None
