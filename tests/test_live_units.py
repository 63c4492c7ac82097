"""Following a live recording, piece by piece, without the ASR model: playlists, the ingest policy (hosts,
addresses, redirects), the timeline and its faults on real segments of the bundled sample, windows that close at
pauses, and which 看点 are closed. tests/test_live.py follows whole streams with the model."""

from __future__ import annotations

import http.server
import shutil
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay.contracts import Highlight
from replay.errors import IngestRefused, LiveSourceError
from replay.live import hls
from replay.live.closing import changes, settle, settle_all
from replay.live.fetch import Fetcher, IngestPolicy, NotYet
from replay.live.ingest import Ingest
from replay.live.options import LiveOptions
from replay.live.source import HlsSource
from replay.live.store import LiveStore
from replay.live.windows import next_cut
from replay.media.audio import SAMPLE_RATE
from replay.store.database import Database

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from feed_live import stage  # noqa: E402

DEMO = REPO / "replay" / "samples" / "demo" / "stream.mp4"


# --- playlists ----------------------------------------------------------------------------------------------
def render(durations: list[float], first: int = 0, breaks: frozenset[int] = frozenset(), ended: bool = False) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:10", f"#EXT-X-MEDIA-SEQUENCE:{first}"]
    for k, d in enumerate(durations):
        if k in breaks:
            lines.append("#EXT-X-DISCONTINUITY")
        lines += [f"#EXTINF:{d:.3f},", f"seg{first + k}.ts"]
    return "\n".join(lines + (["#EXT-X-ENDLIST"] if ended else [])) + "\n"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.5, 12.0), min_size=1, max_size=30), st.integers(0, 10**6),
       st.frozensets(st.integers(1, 29)), st.booleans())
def test_playlist_numbers_and_discontinuities(durations, first, breaks, ended) -> None:
    pl = hls.parse(render(durations, first, breaks, ended), "/live/room/index.m3u8")
    assert [e.msn for e in pl.entries] == list(range(first, first + len(durations)))
    assert pl.ended is ended
    dsn = 0
    for k, e in enumerate(pl.entries):
        dsn += k in breaks
        assert e.dsn == dsn and e.discontinuity is (k in breaks)
        assert e.uri == f"/live/room/seg{first + k}.ts"
        assert abs(e.duration - round(durations[k], 3)) < 1e-6


def test_playlist_urls_init_and_gap() -> None:
    text = ("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:7\n"
            '#EXT-X-MAP:URI="init.mp4"\n#EXTINF:4.0,\na.m4s\n#EXT-X-GAP\n#EXTINF:4.0,\nb.m4s\n')
    pl = hls.parse(text, "https://cdn.example.com/room/1/index.m3u8")
    assert [e.uri for e in pl.entries] == ["https://cdn.example.com/room/1/a.m4s", "https://cdn.example.com/room/1/b.m4s"]
    assert pl.entries[0].init == "https://cdn.example.com/room/1/init.mp4"
    assert [e.gap for e in pl.entries] == [False, True] and not pl.ended


def test_master_playlist_picks_a_variant() -> None:
    text = ("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=640x360\nlow.m3u8\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=1500000,RESOLUTION=1280x720\nmid.m3u8\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=6000000,RESOLUTION=1920x1080\nhigh.m3u8\n")
    pl = hls.parse(text, "http://h/live/master.m3u8")
    assert hls.choose_variant(pl.variants) == "http://h/live/mid.m3u8"
    with pytest.raises(LiveSourceError):
        hls.parse("<html>not a playlist</html>", "http://h/x.m3u8")


# --- the ingest policy ----------------------------------------------------------------------------------------
def test_unlisted_hosts_schemes_and_private_addresses_are_refused() -> None:
    none = IngestPolicy(())
    with pytest.raises(IngestRefused, match="not in REPLAY_INGEST_HOSTS"):
        none.check_url("http://cdn.example.com/live.m3u8")
    with pytest.raises(IngestRefused, match="not in REPLAY_INGEST_HOSTS"):
        none.check_url("http://127.0.0.1:8080/live.m3u8")
    listed_name = IngestPolicy(("localhost",))
    with pytest.raises(IngestRefused, match="non-public address"):  # a listed name may not lead to loopback
        listed_name.check_url("http://localhost:8080/live.m3u8")
    with pytest.raises(IngestRefused):
        IngestPolicy(("10.0.0.0/8",)).check_url("http://192.168.1.5/live.m3u8")
    with pytest.raises(IngestRefused):
        IngestPolicy(("127.0.0.1",)).check_url("file:///etc/passwd")
    with pytest.raises(IngestRefused):
        IngestPolicy(("::1",)).check_url("http://127.0.0.1/live.m3u8")
    assert IngestPolicy(("127.0.0.1",)).check_url("http://127.0.0.1:9/live.m3u8") == ("127.0.0.1", 9)
    assert IngestPolicy(("10.0.0.0/8",)).check_url("http://10.1.2.3/x.m3u8")[0] == "10.1.2.3"
    with pytest.raises(IngestRefused):
        IngestPolicy(("127.0.0.1",)).check_peer("http://cdn.example.com/x", "127.0.0.2")


def test_local_sources_stay_inside_the_media_root(tmp_path: Path) -> None:
    root = tmp_path / "media"
    root.mkdir()
    (tmp_path / "secret.ts").write_bytes(b"x")
    (root / "link.ts").symlink_to(tmp_path / "secret.ts")
    policy = IngestPolicy((), root)
    with pytest.raises(IngestRefused):
        policy.check_path(tmp_path / "secret.ts")
    with pytest.raises(IngestRefused):
        policy.check_path(root / "link.ts")
    assert policy.check_path(root / "room" / "index.m3u8").is_relative_to(root.resolve())


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        status, headers, body = self.routes.get(self.path, (404, {}, b""))
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def http_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Handler.routes
    server.shutdown()


def test_redirects_are_checked_hop_by_hop(http_server) -> None:
    base, routes = http_server
    port = base.rsplit(":", 1)[1]
    routes.update({
        "/ok.m3u8": (200, {}, b"#EXTM3U\n"),
        "/same.m3u8": (302, {"Location": "/ok.m3u8"}, b""),
        "/away.m3u8": (302, {"Location": "http://cdn.example.com/live.m3u8"}, b""),
        "/loop.m3u8": (301, {"Location": f"http://localhost:{port}/ok.m3u8"}, b""),
        "/private.m3u8": (307, {"Location": "http://10.9.8.7/live.m3u8"}, b""),
    })
    fetcher = Fetcher(IngestPolicy(("127.0.0.1",)), timeout=5)
    try:
        assert fetcher.read(base + "/ok.m3u8") == b"#EXTM3U\n"
        assert fetcher.read(base + "/same.m3u8") == b"#EXTM3U\n"  # a redirect on the listed host
        with pytest.raises(IngestRefused, match="cdn.example.com"):
            fetcher.read(base + "/away.m3u8")  # to a host that is not listed
        with pytest.raises(IngestRefused):
            fetcher.read(base + "/loop.m3u8")  # to a name for the loopback address
        with pytest.raises(IngestRefused):
            fetcher.read(base + "/private.m3u8")  # to a private address
        with pytest.raises(NotYet):
            fetcher.read(base + "/missing.ts")  # 404: maybe late
    finally:
        fetcher.close()


# --- windows close at pauses ---------------------------------------------------------------------------------------
def _pcm(path: Path, quiet: list[tuple[float, float]], seconds: float, music: float = 0.02) -> Path:
    """Speech-like noise with quiet stretches (and a music floor under everything)."""
    rng = np.random.default_rng(7)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    voice = rng.normal(0, 0.3, len(t)) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    for a, b in quiet:
        voice[int(a * SAMPLE_RATE):int(b * SAMPLE_RATE)] = 0
    audio = voice + music * np.sin(2 * np.pi * 220 * t)
    path.write_bytes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def test_windows_close_at_the_first_pause_whatever_has_arrived(tmp_path: Path) -> None:
    opts = LiveOptions(min_window=12.0, max_window=30.0, pause=0.25)
    pcm = _pcm(tmp_path / "a.s16le", [(5.0, 5.6), (16.0, 16.6), (22.0, 22.8)], 60.0)
    assert next_cut(pcm, 0.0, 10.0, opts) is None  # less than min_window: wait
    cuts = {next_cut(pcm, 0.0, edge, opts) for edge in (16.6, 20.0, 31.0, 60.0)}
    assert len(cuts) == 1 and 16.0 <= cuts.pop() <= 16.4  # the pause at 16 s, not the one at 5 s or 22 s
    assert next_cut(pcm, 0.0, 16.1, opts) is None  # the pause has begun but is not `pause` long yet
    no_pause = _pcm(tmp_path / "b.s16le", [], 60.0)
    assert next_cut(no_pause, 0.0, 29.0, opts) is None
    forced = next_cut(no_pause, 0.0, 40.0, opts)
    assert forced is not None and 12.0 <= forced <= 30.0
    assert next_cut(no_pause, 50.0, 60.0, opts, ended=True) == 60.0  # the last window at the end


# --- which 看点 are closed --------------------------------------------------------------------------------------------
def _h(sku: str, start: float, end: float) -> Highlight:
    return Highlight(sku_id=sku, title=sku, start=start, end=end, confidence=0.9)


def test_a_highlight_closes_when_the_next_one_settles_or_the_talk_moves_on() -> None:
    opts = LiveOptions(settle=10.0, moved_on=45.0)
    found = [_h("A", 10, 40), _h("B", 45, 70)]
    s1 = settle("s1", (), found, 0.0, 50.0, opts)
    assert not s1.final and [h.state for h in s1.live] == ["live", "live"]  # B has gone on 5 s only
    s2 = settle("s1", (), found, 0.0, 56.0, opts)
    assert [h.sku_id for h in s2.final] == ["A"] and s2.anchor == 40 and s2.live[0].sku_id == "B"
    assert s2.final[0].state == "final" and s2.final[0].id.startswith("h")
    # The talk moved on: nothing after B for 45 s.
    s3 = settle("s1", s2.final, [_h("B", 45, 70)], s2.anchor, 115.0, opts)
    assert [h.sku_id for h in s3.final] == ["A", "B"] and not s3.live
    # Finality grows from the front only: C cannot close while B is open.
    s4 = settle("s1", (), [_h("A", 10, 40), _h("B", 45, 50), _h("C", 52, 60)], 0.0, 58.0, opts)
    assert [h.sku_id for h in s4.final] == ["A"]
    # A product seen before comes back as a 返场.
    s5 = settle_all("s1", s3.final, [_h("A", 120, 150)], s3.anchor)
    assert s5.final[-1].kind == "return" and s5.final[0].kind == "main"


def test_events_open_before_they_close_and_name_a_moved_start() -> None:
    opts = LiveOptions(settle=10.0, moved_on=45.0)
    a = settle("s1", (), [_h("A", 10, 20)], 0.0, 22.0, opts)
    b = settle("s1", (), [_h("A", 11, 30)], 0.0, 32.0, opts)  # its start moved: a new id
    c = settle("s1", (), [_h("A", 11, 40), _h("B", 42, 55)], 0.0, 55.0, opts)
    assert [k for k, _ in changes(None, a)] == ["opened"]
    ev = changes(a, b)
    assert ev[0][0] == "updated" and ev[0][1]["previous_id"] == a.live[0].id and ev[0][1]["id"] != a.live[0].id
    ev = changes(b, c)
    assert [k for k, _ in ev] == ["final", "opened"]
    e = settle("s1", c.final, [], c.anchor, 60.0, opts)  # B is no longer found after A
    assert [k for k, _ in changes(c, e)] == ["withdrawn"]
    direct = settle("s1", (), [_h("A", 10, 20), _h("B", 25, 40)], 0.0, 40.0, opts)
    assert [k for k, _ in changes(None, direct)] == ["opened", "final", "opened"]


# --- the timeline and its faults, on real segments of the bundled sample ------------------------------------------------
@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, float]]]:
    folder = tmp_path_factory.mktemp("staged")
    return folder, stage(DEMO, folder / "stage", 4.0, copy=True, fmp4=False)


def _playlist(folder: Path, entries: list[tuple[str, float]], first: int = 0, ended: bool = False,
              breaks: frozenset[int] = frozenset(), dsn: int = 0) -> None:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:10", f"#EXT-X-MEDIA-SEQUENCE:{first}",
             f"#EXT-X-DISCONTINUITY-SEQUENCE:{dsn}"]
    for k, (name, d) in enumerate(entries):
        if k in breaks:
            lines.append("#EXT-X-DISCONTINUITY")
        lines += [f"#EXTINF:{d:.6f},", name]
    (folder / "index.m3u8").write_text("\n".join(lines + (["#EXT-X-ENDLIST"] if ended else [])) + "\n")


def _ingest(tmp: Path, folder: Path, opts: LiveOptions) -> tuple[Ingest, LiveStore]:
    db = Database(tmp / "replay.db")
    store = LiveStore(db)
    if store.row("slive") is None:
        from replay.contracts import MediaInfo
        db.upsert_stream("slive", MediaInfo(path=tmp / "r.m3u8", duration=0, size_bytes=0, format_name="hls",
                                            has_video=False, audio_codec=None, audio_sample_rate=None,
                                            audio_channels=None))
        store.create("slive", str(folder / "index.m3u8"), "hls", None, {}, None)
    source = HlsSource(str(folder / "index.m3u8"), Fetcher(IngestPolicy((), folder.parent)))
    return Ingest(store, "slive", source, tmp / "work", opts, None, lambda cur: None), store


def test_faults_keep_one_continuous_timeline(tmp_path: Path, staged) -> None:
    stage_dir, segs = staged
    feed = tmp_path / "feed"
    feed.mkdir()
    for name, _ in segs:
        shutil.copyfile(stage_dir / "stage" / name, feed / name)
    (feed / "bad.ts").write_bytes(np.random.default_rng(1).integers(0, 255, 50_000, dtype=np.uint8).tobytes())
    opts = LiveOptions(late_seconds=0.3)
    ing, store = _ingest(tmp_path, feed, opts)
    s = segs
    # 0, 1, 1 again under the next number (a duplicate), a late 3 (not there yet), then 4.
    (feed / s[3][0]).rename(feed / "later.ts")
    _playlist(feed, [s[0], s[1], s[1], s[3], s[4]])
    assert ing.step() == 3  # 0, 1, the duplicate; stops at the late segment
    assert ing.faults["duplicate"] == 1 and ing.cursor.waiting_msn == 3
    (feed / "later.ts").rename(feed / s[3][0])  # it arrives within late_seconds
    assert ing.step() == 2 and ing.faults["late"] == 1
    # A segment listed that never comes (a gap after late_seconds), an undecodable one, a discontinuity.
    _playlist(feed, [s[0], s[1], s[1], s[3], s[4], ("never.ts", s[5][1]), ("bad.ts", s[6][1]), s[7]],
              breaks=frozenset({7}))
    ing.step()
    time.sleep(0.35)
    ing.step()
    # A sliding playlist that has moved past segment 8 before it was seen: the numbers jump.
    _playlist(feed, [s[9]], first=9, dsn=1)
    ing.step()
    assert ing.faults["gap"] == 2 and ing.faults["undecodable"] == 1 and ing.faults["discontinuity"] == 1
    pieces = store.pieces("slive")
    assert [p.n for p in pieces] == list(range(len(pieces)))
    for a, b in zip(pieces, pieces[1:], strict=False):
        assert abs(a.end - b.start) < 1e-6  # no hole, no overlap
    statuses = [p.status for p in pieces]
    assert statuses == ["ok", "ok", "ok", "ok", "gap", "undecodable", "ok", "gap", "ok"]
    # The jump over segment 8: its length measured from the timestamps (the source's own 10 s).
    assert abs(pieces[7].duration - s[8][1]) < 0.2
    assert abs(ing.cursor.edge - sum(d for _, d in s[:10]) + s[2][1]) < 0.3  # all but the duplicate's slot
    assert (tmp_path / "work" / "audio.s16le").stat().st_size >= int(ing.cursor.edge * SAMPLE_RATE) * 2 - 4
    # A rewind: the packager starts numbering again at 0 with new segments (and lists an old one again).
    before = ing.cursor.edge
    _playlist(feed, [s[1], s[10], s[11]], first=0, ended=True)
    ing.step()
    assert ing.faults["rewind"] == 1 and ing.faults["duplicate"] == 2
    assert abs(ing.cursor.edge - before - s[10][1] - s[11][1]) < 1e-6 and ing.cursor.ended
    events = [e.data.get("fault") for e in store.events_after("slive") if e.type == "fault"]
    for kind in ("duplicate", "late", "gap", "undecodable", "discontinuity", "rewind"):
        assert kind in events


def test_a_new_ingest_resumes_from_the_committed_cursor(tmp_path: Path, staged) -> None:
    stage_dir, segs = staged
    feed = tmp_path / "feed"
    feed.mkdir()
    for name, _ in segs[:6]:
        shutil.copyfile(stage_dir / "stage" / name, feed / name)
    _playlist(feed, segs[:3])
    first, store = _ingest(tmp_path, feed, LiveOptions())
    first.step()
    _playlist(feed, segs[:6], ended=True)
    again, _ = _ingest(tmp_path, feed, LiveOptions())  # as after kill -9: only the database is left
    again.step()
    pieces = store.pieces("slive")
    assert [p.msn for p in pieces] == list(range(6)) and len({p.sha1 for p in pieces}) == 6
    assert abs(again.cursor.edge - sum(d for _, d in segs[:6])) < 1e-6 and again.cursor.ended
    assert replace(again.cursor, waiting_since=None).n == 6
