"""``replay package STREAM``: the HLS ladder of an indexed stream, as a package job run in this process."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from replay.terminal import console, out, progress_bar

SET_HELP = ("Change a package setting for this run, e.g. package.keep_original=false, package.heights=[720,360], "
            "package.extra_codecs=[\"h265\"] (names: `replay config`). Repeatable.")


def package_cmd(
    stream: Annotated[str, typer.Argument(help="Stream id (see `replay list`).")],
    force: Annotated[bool, typer.Option("--force", help="Search and encode again, ignoring finished parts.")] = False,
    sets: Annotated[list[str] | None, typer.Option("--set", "-s", help=SET_HELP)] = None,
) -> None:
    """Package an indexed stream into an HLS ladder (H.264 720p/480p/360p by default, keeping its shape), each
    rendition at the lowest rate whose sampled scenes keep SSIM >= package.ssim_target against the source.

    It runs as a package job: resumable (a re-run continues from the last finished part), and stopped while
    an index job runs on this machine's database, so it never delays a 看点 index. The player streams the
    ladder as soon as it is done. With package.keep_original=false the original is deleted afterwards and
    clips are cut from the best rendition.

    Example: replay package s1a2b3c4d5e6 --set package.keep_original=false
    """
    from replay.cli import _settings
    from replay.store.database import Database

    settings = _settings(sets)
    db = Database(settings.database)
    overrides = {"package": _dump(settings.package)}
    run_package_job(db, settings, stream, overrides, force)


def _dump(options: object) -> dict:
    from replay.contracts import to_json

    return to_json(options)


def run_package_job(db, settings, stream_id: str, options: dict, force: bool = False, job_id: str | None = None) -> None:  # noqa: ANN001
    """Run one package job here with a progress bar, then print the ladder."""
    from replay.hls.job import IndexGate, PackageRequest, create_package_job, package_work
    from replay.hls.package import hls_dir, read_manifest
    from replay.jobs.lifecycle import run_job

    job_id = job_id or create_package_job(db, stream_id, options, force).id
    req = PackageRequest(job_id=job_id, stream_id=stream_id, options=options, force=force)
    gate = IndexGate(settings.database)
    with progress_bar(stage_width=8) as bar:
        task = bar.add_task("package", total=1.0, stage="search")

        def report(p) -> None:  # noqa: ANN001
            bar.update(task, completed=p.fraction, stage="waiting" if gate() else p.stage)

        run_job(db, job_id, lambda rep: package_work(settings, req, db, lambda p: (rep(p), report(p)), gate))
    result = read_manifest(hls_dir(settings.stream_dir(stream_id)))
    if result is None:
        return
    table = Table(title=f"HLS ladder of {stream_id}: source {result.source_kbps:.0f} kbit/s, {result.source_bytes} bytes")
    for col in ("rung", "size", "codec", "CRF", "SSIM (worst scene)", "kbit/s avg", "kbit/s peak", "bytes", "of source"):
        table.add_column(col)
    for r in result.renditions:
        if r.state != "done":
            table.add_row(r.name, f"{r.width}x{r.height}", r.codec, "-", "-", "-", "-", "failed", r.error or "")
            continue
        ssim = f"{r.ssim:.4f}" + ("" if r.ssim_passed else " (<target)")
        table.add_row(r.name, f"{r.width}x{r.height}", r.codec, str(r.crf), ssim,
                      f"{r.kbps:.0f}", f"{r.peak_kbps:.0f}", str(r.bytes), f"{100 * r.bytes / result.source_bytes:.1f}%")
    out.print(table)
    console.print(f"ladder: {result.ladder_bytes} bytes ({100 * result.ladder_bytes / result.source_bytes:.1f}% of the source)"
                  f"; original {'kept' if result.original_kept else 'deleted (clips now come from the best rendition)'}")


def run_scheduled(db, settings, stream_id: str) -> None:  # noqa: ANN001
    """After `replay index`: run the package job its pipeline queued (package.enabled), if any. The 看点 are
    already stored and printed by then."""
    from replay.hls.job import pending_package_job

    job = pending_package_job(db, stream_id)
    if job is not None:
        console.print(f"packaging (job {job.id}; the 看点 index above is already stored)")
        run_package_job(db, settings, stream_id, (job.options or {}).get("options") or {}, job_id=job.id)
