"""Every error replay raises, in one tree.

Errors are converted to HTTP responses (api) or one-line CLI messages (cli) only at the edges.
Each carries the HTTP status the API answers with and a ``hint`` that tells the user what to do.
"""

from __future__ import annotations


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
