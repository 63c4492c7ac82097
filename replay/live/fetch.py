"""fetch: read a live source's playlists and segments, from disk or over HTTP, under the ingest policy.

The policy (issue 14) keeps a follower from being turned against the server's own network:
- a URL is fetched only from a host listed in REPLAY_INGEST_HOSTS (a name, an address or a network such as
  10.0.0.0/8; the list is empty by default, so nothing is fetched until an operator lists hosts);
- a private, loopback, link-local or otherwise non-public address is refused unless that address is listed
  itself: listing a name does not let it resolve to 127.0.0.1 (DNS rebinding);
- the address the connection actually reached is checked again once connected, so a name that resolves one
  way for the check and another way for the request is refused too;
- redirects are followed by hand, at most five, and each target passes the same checks: a redirect to a host
  that is not listed, or to a private address, is refused;
- a local playlist, and every segment it names, must lie inside the media root.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from replay.errors import IngestRefused, LiveSourceError

MAX_REDIRECTS = 5
MAX_PLAYLIST_BYTES = 4 * 1024**2

_HINT_HOSTS = "list the host in REPLAY_INGEST_HOSTS (comma-separated names, addresses or networks)"


class NotYet(LiveSourceError):
    """A segment the playlist lists but that cannot be read yet (404, missing file): it may arrive late."""

    code = "segment_not_available"


def _networks(hosts: tuple[str, ...]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    out = []
    for h in hosts:
        try:
            out.append(ipaddress.ip_network(h.strip("[]"), strict=False))
        except ValueError:
            continue  # a host name
    return out


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True, slots=True)
class IngestPolicy:
    """Which URLs and paths a follower may read."""

    hosts: tuple[str, ...] = ()
    """REPLAY_INGEST_HOSTS: host names (exact, case-insensitive), addresses and networks."""
    media_root: Path | None = None
    """Local sources and their segments must lie inside this folder; None allows any local path (the CLI)."""

    def _address_allowed(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        if _public(ip):
            return True
        return any(ip in net for net in _networks(self.hosts) if net.version == ip.version)

    def check_url(self, url: str) -> tuple[str, int]:
        """Refuse a URL the policy does not allow (IngestRefused, 403); returns its (host, port)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise IngestRefused(f"cannot fetch {parts.scheme or 'a schemeless'} URL {url!r}",
                                hint="live sources are http(s) URLs or paths under the media root")
        host = (parts.hostname or "").lower()
        if not host:
            raise IngestRefused(f"no host in {url!r}", hint=_HINT_HOSTS)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            listed = any(literal in net for net in _networks(self.hosts) if net.version == literal.version)
        else:
            listed = host in self.hosts
        if not listed:
            raise IngestRefused(f"host {host!r} is not in REPLAY_INGEST_HOSTS", hint=_HINT_HOSTS)
        for ip in self.resolve(host, port):
            if not self._address_allowed(ip):
                raise IngestRefused(f"host {host!r} resolves to the non-public address {ip}",
                                    hint=f"list the address itself ({ip}) in REPLAY_INGEST_HOSTS to allow it")
        return host, port

    def check_peer(self, url: str, address: str) -> None:
        """The address a connection reached must pass too (the name may have resolved differently)."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return
        if not self._address_allowed(ip):
            raise IngestRefused(f"{urlsplit(url).hostname!r} connected to the non-public address {ip}",
                                hint=f"list the address itself ({ip}) in REPLAY_INGEST_HOSTS to allow it")

    @staticmethod
    def resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise LiveSourceError(f"cannot resolve {host!r}: {exc.strerror}", hint="check the URL") from None
        return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]

    def check_path(self, path: str | Path) -> Path:
        """A local source or segment: resolved (symlinks followed) and inside the media root."""
        resolved = Path(os.path.realpath(path))
        if self.media_root is not None and not resolved.is_relative_to(Path(os.path.realpath(self.media_root))):
            raise IngestRefused(f"{path} is outside the media root",
                                hint="live sources and their segments must lie under REPLAY_MEDIA_ROOT")
        return resolved


class Fetcher:
    """Reads playlists and segments (URLs or local paths) under one IngestPolicy."""

    def __init__(self, policy: IngestPolicy, timeout: float = 10.0, max_bytes: int = 256 * 1024**2) -> None:
        self.policy = policy
        self.max_bytes = max_bytes
        # No environment proxies (a proxy would hide the real peer), no automatic redirects (each is checked).
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False,
                                    headers={"User-Agent": "replay-follower"})

    def close(self) -> None:
        self._client.close()

    def read(self, uri: str, limit: int | None = None) -> bytes:
        """The bytes ``uri`` names. Raises NotYet for a segment that is not there (yet), IngestRefused for one the
        policy refuses, LiveSourceError for anything else that fails."""
        limit = limit or self.max_bytes
        if "://" not in uri:
            path = self.policy.check_path(uri)
            try:
                size = path.stat().st_size
                if size > limit:
                    raise LiveSourceError(f"{path.name} is {size} bytes, over the limit of {limit}",
                                          hint="raise REPLAY_LIVE__MAX_SEGMENT_BYTES")
                return path.read_bytes()
            except FileNotFoundError:
                raise NotYet(f"{path.name} is not there (yet)") from None
            except OSError as exc:
                raise LiveSourceError(f"cannot read {path}: {exc.strerror}") from None
        return self._get(uri, limit)

    def _get(self, url: str, limit: int) -> bytes:
        for _ in range(MAX_REDIRECTS + 1):
            self.policy.check_url(url)
            try:
                with self._client.stream("GET", url) as resp:
                    stream = resp.extensions.get("network_stream")
                    peer = stream.get_extra_info("server_addr") if stream is not None else None
                    if peer:
                        self.policy.check_peer(url, peer[0])
                    if resp.status_code in (301, 302, 303, 307, 308):
                        location = resp.headers.get("location")
                        if not location:
                            raise LiveSourceError(f"redirect without a Location from {url}")
                        url = urljoin(url, location)
                        continue
                    if resp.status_code in (404, 410, 425):
                        raise NotYet(f"{url} answered {resp.status_code}")
                    if resp.status_code >= 400:
                        raise LiveSourceError(f"{url} answered {resp.status_code}", hint="check the source")
                    declared = int(resp.headers.get("content-length") or 0)
                    if declared > limit:
                        raise LiveSourceError(f"{url} is {declared} bytes, over the limit of {limit}")
                    chunks, size = [], 0
                    for chunk in resp.iter_bytes():
                        size += len(chunk)
                        if size > limit:
                            raise LiveSourceError(f"{url} is over the limit of {limit} bytes")
                        chunks.append(chunk)
                    return b"".join(chunks)
            except httpx.TimeoutException:
                raise NotYet(f"{url} timed out") from None
            except httpx.HTTPError as exc:
                raise LiveSourceError(f"cannot fetch {url}: {exc}", hint="check the source and the network") from None
        raise IngestRefused(f"more than {MAX_REDIRECTS} redirects from {url}", hint="give the final URL")

    def playlist_text(self, uri: str) -> str:
        data = self.read(uri, MAX_PLAYLIST_BYTES)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise LiveSourceError(f"{uri} is not a text playlist", hint="give an .m3u8 playlist") from None
