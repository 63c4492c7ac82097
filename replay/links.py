"""links: the product pages a 看点 leads to (catalog ``url`` and ``service_url``), and how they are attributed.

A catalog link ends up as the ``href`` of a button a viewer taps, so only plain web links pass: ``http`` or
``https``, a host name, no user name or password (``https://shop.com@evil.example`` opens evil.example), no
spaces or control characters. ``javascript:``, ``data:``, ``file:`` and relative links are refused. When the
``link_hosts`` setting lists hosts, the link's host must be one of them or under one of them
(``taobao.com`` allows ``item.taobao.com``).

The player opens a link with the stream and 看点 as query parameters (``ATTRIBUTION``), so the shop can tell
which replay and which explanation an order came from (replay/web/player-links.js adds them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

ATTRIBUTION = ("replay_stream", "replay_highlight")
"""The query parameters the player adds to a product link: the stream id and the 看点 id."""

MAX_LENGTH = 2048
"""Longest link accepted; browsers and shop platforms cut longer ones."""

_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
_BAD_CHARS = re.compile(r"[\x00-\x20\x7f\\]")


def normalize_host(host: str) -> str:
    """``Item.Taobao.COM.`` -> ``item.taobao.com``; a leading ``*.`` or ``.`` (as in ``*.taobao.com``) is dropped;
    an internationalised name is written in its ASCII (xn--) form, as browsers send it."""
    host = host.strip().lower().rstrip(".")
    for prefix in ("*.", "."):
        host = host.removeprefix(prefix)
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host  # valid_host refuses it


def valid_host(host: str) -> bool:
    """A DNS name (letters, digits, hyphens; internationalised names in their xn-- form) or an IPv4 address."""
    return bool(_HOST.match(host))


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    """True when ``allowed`` is empty, or ``host`` is one of its hosts or a subdomain of one."""
    allowed = tuple(allowed)
    return not allowed or any(host == a or host.endswith("." + a) for a in allowed)


def link_problem(url: str, allowed: Iterable[str] = ()) -> str | None:
    """Why ``url`` can't be a product link, or None when it can."""
    if len(url) > MAX_LENGTH:
        return f"longer than {MAX_LENGTH} characters"
    if _BAD_CHARS.search(url):
        return "contains spaces, control characters or backslashes"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError:
        return "not a valid URL"
    if parts.scheme.lower() not in ("http", "https"):
        return f"only http and https links are allowed, not {parts.scheme + ':' if parts.scheme else 'a relative link'}"
    if not host:
        return "has no host"
    if parts.username is not None or parts.password is not None:
        return "must not carry a user name or password before the host"
    host = normalize_host(host)
    if not valid_host(host):
        return f"host {host!r} is not a valid host name"
    if not host_allowed(host, allowed):
        return f"host {host!r} is not in the allowed hosts ({', '.join(allowed)})"
    return None
