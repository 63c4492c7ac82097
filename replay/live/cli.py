"""`replay follow`: index a recording while it is still being written (registered in replay/cli.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.live import Live
from rich.text import Text

from replay.timecode import clock

SOURCE_HELP = ("An HLS playlist (.m3u8) that is still being written, as a path or an http(s) URL from a host in "
               "REPLAY_INGEST_HOSTS; or a .flv/.ts/.mp4 file that is still being appended to.")


def _line(p) -> Text:  # noqa: ANN001 - a LiveProgress
    faults = " · faults " + ", ".join(f"{k} {v}" for k, v in p.faults.items()) if p.faults else ""
    now = f" · 讲解中: {p.now}" if p.now else ""
    return Text(f"{p.state:<9} edge {clock(p.edge)} · {p.behind:4.0f} s behind · 看点 {p.final + p.live} "
                f"({p.final} final){now}{faults}")


def follow_cmd(
    source: Annotated[str, typer.Argument(help=SOURCE_HELP)],
    catalog: Annotated[Path, typer.Option("--catalog", "-c", help="Product list: JSON, JSONL or CSV.")],
    out_file: Annotated[Path | None, typer.Option("--out", "-o", help="Write the finished 看点 JSON here.")] = None,
    title: Annotated[str | None, typer.Option(help="Display title of the stream.")] = None,
    stream_id: Annotated[str | None, typer.Option("--stream-id", help="Stream id; default: derived from SOURCE "
                                                                      "(the same source resumes).")] = None,
    no_visual: Annotated[bool, typer.Option("--no-visual", help="Skip on-screen evidence (OCR of product cards).")] = False,
    idle: Annotated[float | None, typer.Option(help="End after this many seconds without new data "
                                                    "(REPLAY_LIVE_IDLE_SECONDS, default 120).")] = None,
    sets: Annotated[list[str] | None, typer.Option("--set", "-s", help="NAME=VALUE, e.g. live.settle=15 "
                                                                      "(names: `replay config`). Repeatable.")] = None,
) -> None:
    """Follow a live recording: 看点 are published while it is written, the index is finished when it ends.

    Shows a progress line: how far the index is behind the live edge, 看点 so far and the product being
    explained now. The stream ends at #EXT-X-ENDLIST, after --idle seconds without new data, on
    POST /streams/ID/end, or on Ctrl-C (which finishes the index cleanly; a second Ctrl-C stops at once, and the
    same command resumes). Killed, the same command resumes from the last segment it finished.

    Example: replay follow /data/live/room1/index.m3u8 --catalog products.json --out highlights.json
    """
    from replay.catalog import load_catalog
    from replay.cli import _settings, _write_json
    from replay.contracts import to_json
    from replay.jobs.lifecycle import run_job
    from replay.live.fetch import IngestPolicy
    from replay.live.follower import Follower
    from replay.live.stream import live_stream_id
    from replay.store.database import Database
    from replay.terminal import console

    settings = _settings(sets, visual={"enabled": False} if no_visual else None, live_idle_seconds=idle)
    cat = load_catalog(catalog)
    db = Database(settings.database)
    sid = stream_id or live_stream_id(source)
    # Local paths: the operator's own files (the API confines its callers to REPLAY_MEDIA_ROOT).
    policy = IngestPolicy(settings.ingest_hosts, None)
    job = db.create_job(sid, "live", {"source": source, "title": title})
    result: dict = {}
    with Live(Text("starting…"), console=console, refresh_per_second=2, transient=False) as live:
        last = [0.0]

        def show(p) -> None:  # noqa: ANN001
            now = time.monotonic()
            if now - last[0] >= 0.5 or p.state != "following":
                live.update(_line(p))
                last[0] = now

        follower = Follower(settings, source, cat, db=db, stream_id=sid, title=title, policy=policy, job_id=job.id,
                            progress=show)
        follower.install_signals()

        def work(report) -> dict:  # noqa: ANN001
            index = follower.run()
            if index is None:
                raise KeyboardInterrupt
            result["index"] = index
            return {"highlights": len(index.highlights), "stream_id": sid}

        run_job(db, job.id, work)
    index = result["index"]
    data = to_json(index)
    from replay.cli import _print_highlights

    _print_highlights(data)
    if out_file:
        _write_json(out_file, data)
        console.print(f"wrote {out_file}")
    row = follower.store.row(sid)
    if row is not None:
        faults = ", ".join(f"{k} {v}" for k, v in row.faults.items() if v) or "none"
        console.print(f"ended: {row.end_reason} · faults: {faults}")
    console.print(f"stream id: {sid}  ·  `replay serve` then open /streams/{sid}")
