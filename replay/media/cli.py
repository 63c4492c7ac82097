"""``replay clip`` and ``replay export``: cut an indexed stream's 看点 into clips (registered in replay/cli.py).

A thin layer over replay/media/clips.py: the 看点 and subtitles are the corrected ones (replay/edits), the clip's
source is the stream's HLS rendition when it has one. Errors are ReplayErrors, printed as one line by cli.main.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from replay.settings import load_settings
from replay.terminal import console, progress_bar


def clip_options(padding: float, copy: bool, vertical: bool, subtitles: str, reframe: str = "auto",
                  subtitle_position: str = "above_band"):  # noqa: ANN202
    from replay.media.clips import ClipOptions

    if subtitles not in ("none", "burn", "sidecar", "both"):
        raise typer.BadParameter("use none, burn, sidecar or both", param_hint="--subtitles")
    if reframe not in ("auto", "center", "pad"):
        raise typer.BadParameter("use auto, center or pad", param_hint="--reframe")
    if subtitle_position not in ("above_band", "bottom", "top"):
        raise typer.BadParameter("use above_band, bottom or top", param_hint="--subtitle-position")
    return ClipOptions(padding=padding, mode="copy" if copy else "accurate", vertical=vertical,
                       subtitles=subtitles, reframe=reframe,  # type: ignore[arg-type]
                       subtitle_position=subtitle_position)  # type: ignore[arg-type]


_REFRAME_HELP = ("With --vertical: auto (a 9:16 window following the host and the product card), center, "
                 "or pad (the whole frame over a blurred fill).")
_POSITION_HELP = "Burned subtitles: above_band (clear of the lower fifth, where product cards sit), bottom or top."


def _print_clip_report(r) -> None:  # noqa: ANN001
    if r.requested_start is not None and abs(r.requested_start - r.start) > 1e-3:
        console.print(f"  starts at the keyframe {r.start:.2f} s ({r.requested_start - r.start:.2f} s before the asked "
                      f"{r.requested_start:.2f} s)")
    for f in r.price_flags:
        console.print(f"  [yellow]check the price[/yellow] at {f.time:.1f} s: the subtitle says {f.said:g}, the "
                      f"catalog lists {', '.join(f'{p:g}' for p in f.expected)}: 「{f.text}」")


def clip_cmd(
    stream: Annotated[str, typer.Argument(help="Stream id.")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="Output .mp4 file.")],
    highlight: Annotated[str | None, typer.Option("--highlight", "-h", help="看点 id or its number in `replay show`.")] = None,
    start: Annotated[float | None, typer.Option(help="Range start in seconds (instead of --highlight).")] = None,
    end: Annotated[float | None, typer.Option(help="Range end in seconds.")] = None,
    padding: Annotated[float, typer.Option(help="Seconds added on both sides.")] = 0.0,
    copy: Annotated[bool, typer.Option("--copy", help="Fast stream copy from the keyframe before the start.")] = False,
    vertical: Annotated[bool, typer.Option("--vertical", help="9:16 output for short-video apps.")] = False,
    subtitles: Annotated[str, typer.Option(help="none, burn, sidecar (.srt+.vtt) or both.")] = "sidecar",
    reframe: Annotated[str, typer.Option(help=_REFRAME_HELP)] = "auto",
    subtitle_position: Annotated[str, typer.Option(help=_POSITION_HELP)] = "above_band",
) -> None:
    """Cut one 看点 (or a time range) of an indexed stream into a clip, checked with ffprobe. The 看点 and the
    subtitles are the corrected ones (`replay edit`).

    Prices said in the clip are checked against the catalog, and any the catalog does not list for the 看点's
    product are printed: correct the transcript before burning them in.

    Example: replay clip s1a2b3c4d5e6 --highlight 2 --vertical --reframe auto --subtitles burn --out clip.mp4
    """
    from replay.edits import corrected_highlights
    from replay.jobs.clip_inputs import clip_inputs, clip_media
    from replay.media.clips import cut_clip
    from replay.store.database import Database

    settings = load_settings()
    db = Database(settings.database)
    info = clip_media(settings, db, stream)
    sku = title = None
    if highlight is not None:
        hs = corrected_highlights(db, stream).highlights  # an editor's times and SKU (replay edit)
        h = next((x for x in hs if x.id == highlight), None)
        if h is None and highlight.isdigit() and 1 <= int(highlight) <= len(hs):
            h = hs[int(highlight) - 1]
        if h is None:
            raise typer.BadParameter(f"no 看点 {highlight!r} in {stream}", param_hint="--highlight")
        start, end, sku, title = h.start, h.end, h.sku_id, h.title
    if start is None or end is None:
        raise typer.BadParameter("give --highlight, or both --start and --end")
    with progress_bar() as bar:
        task = bar.add_task("clip", total=1.0, stage="clip")
        inputs = clip_inputs(db, stream)
        r = cut_clip(info, start, end, out_file,
                     clip_options(padding, copy, vertical, subtitles, reframe, subtitle_position), inputs.segments,
                     lambda f: bar.update(task, completed=f), sku_id=sku, title=title, cards=inputs.cards,
                     catalog=inputs.catalog)
    console.print(f"wrote {r.path} ({r.start:.2f}-{r.end:.2f} s, {r.duration:.2f} s)"
                  + "".join(f"\n  + {p}" for p in r.subtitles))
    _print_clip_report(r)


def export_cmd(
    stream: Annotated[str, typer.Argument(help="Stream id.")],
    out_dir: Annotated[Path, typer.Argument(help="Folder for the clips and index.json.")],
    padding: Annotated[float, typer.Option(help="Seconds added on both sides of each 看点.")] = 0.0,
    copy: Annotated[bool, typer.Option("--copy", help="Fast stream copy from keyframes.")] = False,
    vertical: Annotated[bool, typer.Option("--vertical", help="9:16 output.")] = False,
    subtitles: Annotated[str, typer.Option(help="none, burn, sidecar or both.")] = "sidecar",
    reframe: Annotated[str, typer.Option(help=_REFRAME_HELP)] = "auto",
    subtitle_position: Annotated[str, typer.Option(help=_POSITION_HELP)] = "above_band",
) -> None:
    """Write every 看点 of a stream as a clip, plus index.json (SKU, title, times, files) for editing tools.

    index.json also lists, per clip, the start it really has (--copy starts at a keyframe) and the prices said in
    it that the catalog does not list for its product.

    Example: replay export s1a2b3c4d5e6 clips/ --padding 1 --vertical --reframe auto
    """
    from replay.jobs.clip_inputs import clip_inputs, clip_media
    from replay.media.clips import export_stream
    from replay.store.database import Database

    settings = load_settings()
    db = Database(settings.database)
    info = clip_media(settings, db, stream)
    with progress_bar() as bar:
        task = bar.add_task("export", total=1.0, stage="export")
        inputs = clip_inputs(db, stream)
        path = export_stream(info, db.highlights(stream).highlights, out_dir,
                             clip_options(padding, copy, vertical, subtitles, reframe, subtitle_position),
                             inputs.segments, lambda f: bar.update(task, completed=f), stream_id=stream,
                             cards=inputs.cards, catalog=inputs.catalog)
    console.print(f"wrote {path}")
