"""The `replay` command line: a thin layer over the library.

Errors are turned into one-line messages and a non-zero exit code here, and only here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from replay.edits.cli import edit_cmd
from replay.errors import ReplayError
from replay.live.cli import follow_cmd
from replay.media.cli import clip_cmd, export_cmd
from replay.settings import Settings, describe, load_settings, merge, parse_assignments
from replay.terminal import console, out, progress_bar
from replay.timecode import clock

app = typer.Typer(
    help="Index recorded live-commerce streams into per-product 看点 and serve them.\n\n"
    "Settings come from REPLAY_* environment variables (see `replay config`).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)

SAMPLE_DIR = Path(__file__).resolve().parent / "samples" / "demo"
"""The bundled demo stream, shipped inside the package so `replay demo` works from any folder."""
# The bundled samples `replay demo` indexes: folder under replay/samples/, display title.
DEMO_SAMPLES = (("demo", "示例直播间 · 回放"), ("portrait", "小鹿生活馆 · 竖屏回放"))


def _settings(sets: list[str] | None = None, **overrides: object) -> Settings:
    """The settings: the environment, then ``--set NAME=VALUE`` items, then the command's own options."""
    return load_settings(**merge(parse_assignments(sets or []), {k: v for k, v in overrides.items() if v is not None}))


SET_HELP = ("Change a setting or a stage option for this run: NAME=VALUE, e.g. visual.sample_fps=1 or "
            "detect.min_confidence=0.6 (names: `replay config`). Repeatable.")
NO_VISUAL_HELP = "Skip the visual stage (same as --set visual.enabled=false)."


def _no_visual(no_visual: bool) -> dict[str, object] | None:
    return {"enabled": False} if no_visual else None


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def _print_highlights(index_json: dict) -> None:
    """The 看点 JSON (contracts.to_json of a HighlightIndex) as a table."""
    table = Table(title=f"看点 of {index_json['stream_id']} ({index_json['duration']:.0f} s)")
    for col in ("#", "sku", "title", "start", "end", "conf"):
        table.add_column(col)
    for n, h in enumerate(index_json["highlights"], 1):
        table.add_row(str(n), h["sku_id"], h["title"][:28], clock(h["start"]), clock(h["end"]),
                      f"{h['confidence']:.2f}")
    out.print(table)


@app.command("index")
def index_cmd(
    video: Annotated[Path, typer.Argument(help="The recording (mp4, mkv, flv, ts, m4a, wav, ...).")],
    catalog: Annotated[Path, typer.Option("--catalog", "-c", help="Product list: JSON, JSONL or CSV.")],
    out_file: Annotated[Path | None, typer.Option("--out", "-o", help="Also write the 看点 JSON here.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Redo every stage, ignoring checkpoints.")] = False,
    no_visual: Annotated[bool, typer.Option("--no-visual", help=NO_VISUAL_HELP)] = False,
    title: Annotated[str | None, typer.Option(help="Display title of the stream.")] = None,
    workers: Annotated[int | None, typer.Option(help="ASR worker processes (REPLAY_WORKERS).")] = None,
    model: Annotated[str | None, typer.Option(help="ASR model name or directory (REPLAY_MODEL).")] = None,
    sets: Annotated[list[str] | None, typer.Option("--set", "-s", help=SET_HELP)] = None,
) -> None:
    """Index one recording: transcribe, detect 看点, store them, optionally write JSON.

    A re-run resumes: finished stages and transcribed chunks are skipped; a stage whose options changed
    (--set, REPLAY_*) runs again, with everything after it. The visual stage runs beside audio and
    transcription; at the end each stage's seconds are printed with its start and end in the run.

    Example: replay index live.mp4 --catalog products.csv --out highlights.json --set detect.min_confidence=0.6
    """
    from replay.catalog import read_catalog
    from replay.contracts import to_json
    from replay.jobs.lifecycle import index_with_job
    from replay.pipeline import PipelineOptions
    from replay.store.database import Database

    settings = _settings(sets, workers=workers, model=model, visual=_no_visual(no_visual))
    loaded = read_catalog(catalog, settings.catalog_limits)
    console.print(f"catalog: {len(loaded.catalog.items)} products, read as {loaded.encoding}")
    cat = loaded.catalog
    with progress_bar() as bar:
        task = bar.add_task("index", total=1.0, stage="probe")
        result = index_with_job(Database(settings.database), video, cat, settings,
                                PipelineOptions(force=force, title=title),
                                on_progress=lambda p: bar.update(task, completed=p.fraction, stage=p.stage))
        bar.update(task, completed=1.0, stage="done")
    data = to_json(result.index)
    _print_highlights(data)
    if out_file:
        _write_json(out_file, data)
        console.print(f"wrote {out_file}")
    for t in result.timings:  # start → end: the visual stage runs beside audio and transcription
        console.print(f"  {t.stage:<11} {t.seconds:7.1f} s  ({t.start:6.1f} → {t.end:6.1f} s)  peak RSS "
                      f"{t.peak_rss_mb:6.0f} MB" + ("  (resumed)" if t.resumed else ""))
    console.print(f"  {'whole run':<11} {result.seconds:7.1f} s")
    console.print(f"stream id: {result.stream_id}  ·  `replay serve` then open /streams/{result.stream_id}")
    from replay.hls.cli import run_scheduled

    run_scheduled(Database(settings.database), settings, result.stream_id)  # package.enabled (issue 18)


@app.command("index-batch")
def index_batch_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Recordings and/or folders of recordings.")],
    catalog: Annotated[Path | None, typer.Option("--catalog", "-c", help="One catalog for recordings without their own.")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out-dir", help="Write STREAM_ID.json 看点 files here.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Redo every stage, ignoring checkpoints.")] = False,
    no_visual: Annotated[bool, typer.Option("--no-visual", help=NO_VISUAL_HELP)] = False,
    sets: Annotated[list[str] | None, typer.Option("--set", "-s", help=SET_HELP)] = None,
) -> None:
    """Index many recordings; on a Ray cluster when REPLAY_RAY_ADDRESS is set, else the local pool.

    Each recording uses NAME.catalog.json (or catalog.json) beside it, or --catalog.

    Example: REPLAY_RAY_ADDRESS=auto replay index-batch /data/streams/2026-11-21/ --out-dir out/
    """
    from replay.contracts import to_json
    from replay.jobs.batch import discover, index_batch
    from replay.pipeline import PipelineOptions

    settings = _settings(sets, visual=_no_visual(no_visual))
    items = discover(paths, catalog)
    where = f"Ray at {settings.ray_address}" if settings.ray_address else f"local pool of {settings.workers}"
    console.print(f"{len(items)} recordings; executor: {where}")
    with progress_bar() as bar:
        tasks = [bar.add_task(i.video.name, total=1.0, stage=i.video.name[:11]) for i in items]
        outcomes = index_batch(items, settings, PipelineOptions(force=force),
                               on_progress=lambda n, p: bar.update(tasks[n], completed=p.fraction))
    failed = 0
    for o in outcomes:
        if o.error:
            failed += 1
            console.print(f"[red]failed[/red] {o.item.video}: {o.error}")
            continue
        assert o.result is not None
        console.print(f"ok  {o.item.video} -> {o.stream_id} ({len(o.result.index.highlights)} 看点)")
        if out_dir:
            out_dir.mkdir(parents=True, exist_ok=True)
            _write_json(out_dir / f"{o.stream_id}.json", to_json(o.result.index))
    if failed:
        raise typer.Exit(1)


@app.command("show")
def show_cmd(
    stream: Annotated[str, typer.Argument(help="Stream id (see `replay list`).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the highlight JSON instead of a table.")] = False,
) -> None:
    """Print the 看点 table of an indexed stream.

    Example: replay show s1a2b3c4d5e6
    """
    from replay.contracts import to_json
    from replay.store.database import Database

    data = to_json(Database(_settings().database).highlights(stream))
    if as_json:
        out.print_json(json.dumps(data, ensure_ascii=False))
    else:
        _print_highlights(data)


@app.command("list")
def list_cmd() -> None:
    """List indexed streams.

    Example: replay list
    """
    from replay.store.database import Database

    table = Table(title="streams")
    for col in ("id", "title", "duration", "看点"):
        table.add_column(col)
    for s in Database(_settings().database).streams():
        table.add_row(s["id"], s["title"], clock(s["duration"] or 0), str(s["n_highlights"]))
    out.print(table)


@app.command("detect")
def detect_cmd(
    transcript: Annotated[Path, typer.Argument(help="Transcript from any ASR: .srt, .vtt or .json with times.")],
    catalog: Annotated[Path, typer.Option("--catalog", "-c", help="Product list: JSON, JSONL or CSV.")],
    out_file: Annotated[Path | None, typer.Option("--out", "-o", help="Write the 看点 JSON here.")] = None,
    sets: Annotated[list[str] | None, typer.Option("--set", "-s", help=SET_HELP)] = None,
) -> None:
    """Run only the detector on an existing transcript (no audio, no model needed).

    The transcript's file name (without extension) stands for the stream id in the JSON.

    Example: replay detect show.srt --catalog products.csv --out highlights.json --set detect.switch_cost=5
    """
    from replay.asr.transcript_io import read_transcript
    from replay.catalog import load_catalog
    from replay.contracts import HighlightIndex, to_json
    from replay.detect import detect

    settings = _settings(sets)
    tr = read_transcript(transcript)
    found = detect(tr, load_catalog(catalog, settings.catalog_limits), settings.detect)
    data = to_json(HighlightIndex.of(transcript.stem, tr.duration, found))
    if out_file:
        _write_json(out_file, data)
    _print_highlights(data)


app.command("clip")(clip_cmd)  # cutting 看点 into clips (replay/media/cli.py)
app.command("export")(export_cmd)
app.command("edit")(edit_cmd)  # issue 11: corrections (replay/edits/cli.py)


@app.command("serve")
def serve_cmd(
    host: Annotated[str | None, typer.Option(help="Listen address (REPLAY_HOST, default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (REPLAY_PORT, default 8000).")] = None,
) -> None:
    """Serve the API, the player pages and the OpenAPI docs (/docs).

    Example: replay serve --port 8000   then open http://127.0.0.1:8000/
    """
    import uvicorn

    from replay.api import create_app
    from replay.api.server import uvicorn_config

    settings = _settings(host=host, port=port)
    console.print(f"serving on http://{settings.host}:{settings.port}/  (API docs at /docs)")
    uvicorn.Server(uvicorn_config(create_app(settings), settings.host, settings.port, log_level="info")).run()


@app.command("demo")
def demo_cmd(
    port: Annotated[int | None, typer.Option(help="Port (REPLAY_PORT, default 8000).")] = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Index the samples and stop.")] = False,
) -> None:
    """Index the two bundled sample streams (shipped in the package: replay/samples/demo, landscape, and
    replay/samples/portrait, 720×1280 as phones film it) and serve their players.

    Example: replay demo   then open the printed URLs
    """
    from replay.catalog import load_catalog
    from replay.contracts import to_json
    from replay.jobs.lifecycle import index_with_job
    from replay.pipeline import PipelineOptions
    from replay.store.database import Database

    samples = SAMPLE_DIR.parent
    settings = _settings(port=port, media_root=str(samples))
    players = []
    for folder, title in DEMO_SAMPLES:
        video = samples / folder / "stream.mp4"
        if not video.is_file():
            raise ReplayError(f"the bundled sample is missing: {video}", hint="reinstall replay (the wheel ships it)")
        with progress_bar() as bar:
            task = bar.add_task("index", total=1.0, stage="probe")
            result = index_with_job(Database(settings.database), video, load_catalog(samples / folder / "catalog.json"),
                                    settings, PipelineOptions(title=title),
                                    on_progress=lambda p, bar=bar, task=task: bar.update(task, completed=p.fraction,
                                                                                         stage=p.stage))
            bar.update(task, completed=1.0, stage="done")
        _print_highlights(to_json(result.index))
        players.append((title, result.stream_id))
    if no_serve:
        return
    import uvicorn

    from replay.api import create_app
    from replay.api.server import uvicorn_config

    for title, stream_id in players:
        console.print(f"player ({title}): http://{settings.host}:{settings.port}/streams/{stream_id}")
    uvicorn.Server(uvicorn_config(create_app(settings), settings.host, settings.port, log_level="warning")).run()


app.command("follow")(follow_cmd)  # issue 14: index a recording while it is being written (replay/live/cli.py)


@app.command("config")
def config_cmd() -> None:
    """Print every setting with its current value, default and help.

    Example: REPLAY_WORKERS=4 replay config
    """
    settings = _settings()
    table = Table(title="settings (environment variable = value; --set takes group.field=value)")
    for col in ("variable", "value", "default", "meaning"):
        table.add_column(col)
    for variable, default, meaning in describe():
        path = variable.removeprefix("REPLAY_").lower().split("__")
        value = getattr(settings, path[0]) if len(path) == 1 else getattr(getattr(settings, path[0]), path[1])
        table.add_row(variable, str(value), str(default), meaning)
    out.print(table)


from replay.cli_analytics import analytics_cmd  # noqa: E402 -- issue 17: its own module, registered here

app.command("analytics")(analytics_cmd)
from replay.hls.cli import package_cmd  # noqa: E402 - issue 18: `replay package`

app.command("package")(package_cmd)


def main() -> None:
    try:
        app()
    except ReplayError as exc:
        console.print(f"[red]error:[/red] {exc.message}" + (f"\n  → {exc.hint}" if exc.hint else ""))
        sys.exit(2)
    except KeyboardInterrupt:
        console.print("interrupted; run the same command again to resume")
        sys.exit(130)


if __name__ == "__main__":
    main()
