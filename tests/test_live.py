"""`replay follow` on the bundled sample fed live at 8× by scripts/feed_live.py, with the real model: a follower
killed with -9 resumes with no duplicates and no gaps; every fault of a live source is handled and recorded on the
stream; growing .flv and fragmented .mp4 files are followed, ended by idleness and by Ctrl-C.

The API, its events and the player watching a live stream are in tests/test_live_browser.py."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from live_support import env_for, events, live_settings, sample_clip, start_feed, wait_for

from replay.api import create_app
from replay.jobs.runner import JobRunner
from replay.live.store import LiveStore
from replay.live.stream import live_stream_id
from replay.media.probe import ProbeOptions, probe
from replay.store.database import Database

pytestmark = pytest.mark.slow

FOLLOW = [sys.executable, "-m", "replay.cli", "follow"]


def follow(source: Path, catalog: Path, settings, *args: str) -> subprocess.Popen:  # noqa: ANN001
    return subprocess.Popen([*FOLLOW, str(source), "--catalog", str(catalog), *args], env=env_for(settings),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def finished(proc: subprocess.Popen, timeout: float = 900) -> str:
    out, _ = proc.communicate(timeout=timeout)
    text = out.decode("utf-8", "replace")
    assert proc.returncode == 0, text[-3000:]
    return text


def alive(proc: subprocess.Popen) -> bool:
    """Fail now, with its output, when the follower being waited on has stopped (not after the wait's timeout)."""
    if proc.poll() is not None:
        out = proc.stdout.read().decode("utf-8", "replace") if proc.stdout else ""
        raise AssertionError(f"the follower stopped ({proc.returncode}):\n{out[-3000:]}")
    return True


def assert_one_timeline(store: LiveStore, stream_id: str, duration: float) -> None:
    pieces = store.pieces(stream_id)
    assert [p.n for p in pieces] == list(range(len(pieces)))
    for a, b in zip(pieces, pieces[1:], strict=False):
        assert abs(a.end - b.start) < 1e-6, (a, b)  # no hole, no overlap
    keys = [(p.epoch, p.msn) for p in pieces if p.status == "ok"]
    assert len(keys) == len(set(keys)), "a segment was taken twice"
    shas = [p.sha1 for p in pieces if p.sha1]
    assert len(shas) == len(set(shas)), "the same bytes were taken twice"
    assert abs(pieces[-1].end - duration) < 1.0  # every second of the recording kept its place
    windows = store.windows(stream_id)
    assert [w["idx"] for w in windows] == list(range(len(windows)))
    for a, b in zip(windows, windows[1:], strict=False):
        assert abs(a["end"] - b["start"]) < 1e-6, (a, b)
    assert windows[0]["start"] == 0 and abs(windows[-1]["end"] - pieces[-1].end) < 1e-6


def test_kill_9_and_resume_leave_no_duplicates_and_no_gaps(tmp_path: Path) -> None:
    settings = live_settings(tmp_path)
    clip = sample_clip(tmp_path / "media" / "clip", 100)
    feed_dir = tmp_path / "media" / "feed"
    feeder = start_feed(clip, feed_dir, 8.0, "--fmp4")  # fMP4 segments with an init section (EXT-X-MAP)
    source = feed_dir / "index.m3u8"
    sid = live_stream_id(str(source))
    proc = follow(source, clip.parent / "catalog.json", settings, "--no-visual")
    db = Database(settings.database)
    store = LiveStore(db)

    def some_final() -> bool:
        alive(proc)
        return any(t == "final" for _, t, _ in events(db, sid)) if store.row(sid) else False

    wait_for(some_final, 600, "a final 看点 before the kill")
    workers = psutil.Process(proc.pid).children(recursive=True)  # its ASR worker (spawned)
    assert workers, "the follower runs its ASR in a worker process"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # The worker must not outlive its parent: an orphan keeps the model and its memory forever.
    _, left = psutil.wait_procs(workers, timeout=15)
    assert not left, f"orphaned after kill -9 of the follower: {[p.cmdline() for p in left]}"
    before = {h.id: h for h in db.highlights(sid).highlights if h.state == "final"}
    # Killed while live, or in its final pass when the feed has already ended (the ASR lags the feed at 8×).
    assert before and db.highlights(sid).state in ("live", "ending")
    feeder.wait(timeout=300)
    text = finished(follow(source, clip.parent / "catalog.json", settings, "--no-visual"))
    assert "ended: endlist" in text
    assert_one_timeline(store, sid, 100.0)
    index = db.highlights(sid)
    assert index.state == "final" and all(h.state == "final" for h in index.highlights)
    after = {h.id: h for h in index.highlights}
    for hid, h in before.items():  # final means final: same id, same start, same end after the restart
        assert hid in after and (after[hid].start, after[hid].end, after[hid].sku_id) == (h.start, h.end, h.sku_id)
    assert [h.sku_id for h in index.highlights][:1] == ["S301"]
    evs = events(db, sid)
    finals = [d["id"] for _, t, d in evs if t == "final"]
    assert len(finals) == len(set(finals)) == len(index.highlights)
    assert [t for _, t, _ in evs].count("ended") == 1
    starts = [s.start for s in db.transcript(sid).segments]
    assert starts == sorted(starts) and len(starts) == len(set(starts)), "transcribed twice"


def test_every_fault_is_handled_and_recorded_on_the_stream(tmp_path: Path) -> None:
    settings = live_settings(tmp_path)
    clip = sample_clip(tmp_path / "media" / "clip", 100)  # ten segments of 10 s (and a last one of 0.2 s)
    feed_dir = tmp_path / "media" / "feed"
    # A drop and a rewind each empty the playlist of what came before, as a real packager's do; the feed holds
    # them back until the follower has taken in that part (a loaded machine may be slower than the feed).
    holds = {k: tmp_path / f"hold{k}" for k in (1, 7, 9)}
    faults = ["--late", "1:3", "--duplicate", "2", "--missing", "3", "--corrupt", "4", "--discontinuity", "5",
              "--stall", "6:3", "--drop", "7", "--rewind", "8", *[f"--hold={k}:{f}" for k, f in holds.items()]]
    source = feed_dir / "index.m3u8"
    sid = live_stream_id(str(source))
    # The follower first (it waits for a playlist that is not there yet), so it sees each fault as it happens.
    proc = follow(source, clip.parent / "catalog.json", settings, "--no-visual", "--set", "live.late_seconds=8",
                  "--set", "live.stall_seconds=2")
    db = Database(settings.database)
    store = LiveStore(db)
    wait_for(lambda: store.row(sid) and any(d.get("fault") == "stalled" for _, _, d in events(db, sid)), 300,
             "the follower to look at the source")
    feeder = start_feed(clip, feed_dir, 4.0, *faults)
    for k, after in ((1, 1), (7, 7), (9, 9)):  # pieces on the timeline before segment k is published
        wait_for(lambda after=after: len(store.pieces(sid)) >= after, 600, f"the follower to take {after} pieces")
        holds[k].touch()
    finished(proc)
    feeder.wait(timeout=60)
    row = store.row(sid)
    assert row is not None and row.state == "ended" and row.end_reason == "endlist"
    f = row.faults
    print(f, [(round(p.start), round(p.end), p.status, p.epoch, p.msn) for p in store.pieces(sid)])
    assert f["late"] >= 1 and f["duplicate"] >= 1 and f["undecodable"] == 1 and f["discontinuity"] >= 1
    assert f["gap"] >= 2 and f["stalled"] >= 1 and f["rewind"] == 1
    assert_one_timeline(store, sid, 100.0)
    # The gaps kept their time, where the segments were: 30-40 (missing), 40-50 (undecodable), 70-80 (dropped).
    holes = [(round(p.start), round(p.end), p.status) for p in store.pieces(sid) if p.status != "ok"]
    assert holes == [(30, 40, "gap"), (40, 50, "undecodable"), (70, 80, "gap")]
    kinds = [d.get("fault") for _, t, d in events(db, sid) if t == "fault"]
    for kind in ("late", "duplicate", "gap", "undecodable", "discontinuity", "stalled", "resumed", "rewind"):
        assert kind in kinds
    # The stream's record says what happened (GET /streams/{id}), and the index is still there.
    from fastapi.testclient import TestClient

    with TestClient(create_app(settings, runner=JobRunner(settings, work=lambda *a: None))) as client:
        body = client.get(f"/streams/{sid}?format=json").json()
    assert body["live"]["faults"] == {k: f.get(k, 0) for k in body["live"]["faults"]}
    assert body["live"]["end_reason"] == "endlist" and body["index_state"] == "final"
    assert "S301" in [h.sku_id for h in db.highlights(sid).highlights]
    assert probe(settings.stream_dir(sid) / "recording.mp4", ProbeOptions(require_audio=False)).duration > 95


@pytest.mark.parametrize(("name", "end"), [("live.flv", "idle"), ("live.mp4", "ctrl-c")])
def test_a_growing_file_is_followed_to_its_end(tmp_path: Path, name: str, end: str) -> None:
    settings = live_settings(tmp_path)
    clip = sample_clip(tmp_path / "media" / "clip", 60)
    feed_dir = tmp_path / "media" / "feed"
    feeder = start_feed(clip, feed_dir, 4.0 if end == "ctrl-c" else 8.0, "--as-file", name)
    source = feed_dir / name
    sid = live_stream_id(str(source))
    proc = follow(source, clip.parent / "catalog.json", settings, "--no-visual", "--idle",
                  "6" if end == "idle" else "900")  # only Ctrl-C ends the second one
    db = Database(settings.database)
    store = LiveStore(db)
    if end == "ctrl-c":
        wait_for(lambda: alive(proc) and store.row(sid) and store.row(sid).transcribed > 20, 600, "a first window")
        proc.send_signal(signal.SIGINT)  # Ctrl-C: end here, finish the index
    text = finished(proc)
    feeder.wait(timeout=120)
    row = store.row(sid)
    assert row is not None and row.state == "ended"
    assert row.end_reason == ("idle" if end == "idle" else "interrupted"), text[-1500:]
    index = db.highlights(sid)
    assert index.state == "final" and index.highlights and index.highlights[0].sku_id == "S301"
    assert all(p.status == "ok" for p in store.pieces(sid))
    if end == "idle":
        assert abs(row.edge - 60.0) < 1.0  # the whole file, its last segment included
    mp4 = probe(settings.stream_dir(sid) / "recording.mp4", ProbeOptions(require_audio=False))
    assert mp4.has_video and abs(mp4.duration - row.edge) < 1.0
