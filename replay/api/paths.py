"""paths: keep every client-supplied media path inside REPLAY_MEDIA_ROOT.

The API lets clients name files on the server (POST /streams {"path": ...}). Without a check, a client
could index (and then download through /media) any file the server can read. The rule is applied to the
*resolved* path (symlinks followed, ``..`` collapsed) and compared with ``Path.is_relative_to``: a string
prefix test would accept ``/data/media2`` for the root ``/data/media``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

from replay.errors import InputError, PathOutsideMediaRoot

_HINT = "give a path relative to the media root (REPLAY_MEDIA_ROOT), or upload the file with POST /uploads"


def _decode(raw: str) -> str:
    """Undo percent-encoding until stable, so ``%2e%2e/`` and ``%252e%252e/`` are seen as ``../``."""
    for _ in range(4):
        decoded = unquote(raw)
        if decoded == raw:
            return raw
        raw = decoded
    return raw


def resolve_media_path(raw: str, media_root: Path) -> Path:
    """The absolute, resolved path ``raw`` names, which is guaranteed to lie inside ``media_root``.

    ``raw`` may be relative (to the media root) or absolute. Any ``..`` component is refused outright, even
    one that would land back inside the root: clients have no reason to send one. Raises
    PathOutsideMediaRoot (403) for anything that escapes, InputError (400) for an empty or NUL-bearing path.
    Existence is not checked here; the caller decides what a missing file means.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise InputError("empty media path", hint=_HINT)
    text = _decode(raw)
    if "\x00" in text:
        raise InputError("media path contains a NUL byte", hint=_HINT)
    # Backslashes are separators for Windows clients; treat them as such so "..\\x" is caught too.
    parts = text.replace("\\", "/").split("/")
    if ".." in parts:
        raise PathOutsideMediaRoot(f"media path {raw!r} contains '..'", hint=_HINT)
    root = Path(os.path.realpath(media_root))
    candidate = Path(text)
    if not candidate.is_absolute():
        candidate = root / candidate
    # realpath follows every symlink, including one in the middle of the path that points out of the root.
    resolved = Path(os.path.realpath(candidate))
    if not resolved.is_relative_to(root):
        raise PathOutsideMediaRoot(f"media path {raw!r} is outside the media root", hint=_HINT)
    return resolved


def relative_to_root(path: Path, media_root: Path) -> str:
    """How a stored path is shown to clients: relative to the media root, or only its name when outside."""
    root = Path(os.path.realpath(media_root))
    try:
        return Path(os.path.realpath(path)).relative_to(root).as_posix()
    except ValueError:
        return Path(path).name


# The API's own URL paths, which messages and hints name on purpose (GET /streams/ID/highlights ...).
_API_PREFIXES = ("streams", "jobs", "uploads", "search", "docs", "static", "openapi.json")
_ABS_PATH = re.compile(r"(?<![\w.:/~-])/(?:[^\s'\"(),;:/]+/)+[^\s'\"(),;:/]*")


def redact(text: str, media_root: Path, data_dir: Path) -> str:
    """``text`` without server paths, for any message a client sees: paths under the media root (or the data
    dir) become relative to it, and any other absolute file path becomes its last component. The API's own
    URL paths (/streams/..., /jobs/...) are left alone."""
    if not text:
        return text
    for root in (media_root, data_dir):
        for form in {str(Path(os.path.abspath(root))), os.path.realpath(root)}:
            if form != "/":
                text = text.replace(form.rstrip("/") + "/", "")

    def shorten(m: re.Match[str]) -> str:
        path = m.group()
        if path.lstrip("/").split("/", 1)[0] in _API_PREFIXES:
            return path
        return path.rstrip("/").rsplit("/", 1)[-1]

    return _ABS_PATH.sub(shorten, text)
