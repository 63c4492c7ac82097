"""HLS packaging (replay/hls, issue 18) on real footage encoded like a live upload: the ladder's shapes and
aligned keyframes, the rate search against SSIM, resuming, a rendition that fails, the storage policy (clips
from the best rendition still cut on the asked frame) and the job that yields to index jobs."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from package_support import live_source

from replay.contracts import MediaInfo
from replay.hls import encode as encode_module
from replay.hls.encode import run_ffmpeg
from replay.hls.job import IndexGate, PackageLane, PackageRequest, create_package_job, package_work, pending_package_job
from replay.hls.ladder import plan_ladder
from replay.hls.options import PackageOptions
from replay.hls.package import clip_source, package_recording, read_manifest
from replay.media.clips import ClipOptions, cut_clip
from replay.media.ffmpeg import ffmpeg_path
from replay.media.probe import ProbeOptions, probe
from replay.settings import Settings
from replay.store.database import Database

FAST = PackageOptions(heights=(360, 240), preset="veryfast", part_seconds=4.0, sample_scenes=2, sample_seconds=1.0)


def info_of(w: int, h: int, rotation: int = 0) -> MediaInfo:
    return MediaInfo(path=Path("x.mp4"), duration=10.0, size_bytes=1, format_name="mp4", has_video=True,
                     audio_codec="aac", audio_sample_rate=44100, audio_channels=2, width=w, height=h, fps=30.0,
                     rotation=rotation)


def test_ladder_keeps_the_shape_and_never_upscales() -> None:
    land = plan_ladder(info_of(1280, 720), PackageOptions())
    assert [(r.name, r.width, r.height) for r in land] == [("720", 1280, 720), ("480", 854, 480), ("360", 640, 360)]
    port = plan_ladder(info_of(720, 1280), PackageOptions())
    assert [(r.width, r.height) for r in port] == [(720, 1280), (480, 854), (360, 640)]
    # a phone recording stored landscape with a rotation flag is shown (and packaged) portrait
    assert [(r.width, r.height) for r in plan_ladder(info_of(1280, 720, rotation=90), PackageOptions())][0] == (720, 1280)
    small = plan_ladder(info_of(320, 240), PackageOptions())
    assert [(r.name, r.width, r.height) for r in small] == [("240", 320, 240)]
    extra = plan_ladder(info_of(1280, 720), PackageOptions(heights=(720,), extra_codecs=("h265", "av1")))
    assert [(r.name, r.codec) for r in extra] == [("720", "h264"), ("720-h265", "h265"), ("720-av1", "av1")]
    assert all(r.width % 2 == 0 and r.height % 2 == 0 for r in land + port)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return live_source(tmp_path_factory.mktemp("src") / "live.mp4", size="640x360", fps=25, kbps=1500, seconds=8.0,
                       marker=True)


@pytest.fixture(scope="module")
def packaged(source: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    folder = tmp_path_factory.mktemp("pkg") / "hls"
    seen: list[float] = []
    result = package_recording(source, "s1", folder, FAST, report=lambda p: seen.append(p.fraction))
    return result, folder, seen


def keyframes(playlist: Path) -> list[float]:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags",
                          "-of", "csv=p=0", str(playlist)], capture_output=True, text=True, check=True).stdout
    return sorted(round(float(t), 3) for t, flags, *_ in (line.split(",") for line in out.splitlines() if line)
                  if "K" in flags)


def test_ladder_is_written_with_aligned_keyframes(packaged) -> None:  # noqa: ANN001
    result, folder, seen = packaged
    assert [(r.name, r.width, r.height, r.state) for r in result.renditions] == [
        ("360", 640, 360, "done"), ("240", 426, 240, "done")]
    master = (folder / "master.m3u8").read_text()
    assert "RESOLUTION=640x360" in master and "RESOLUTION=426x240" in master and 'CODECS="avc1.' in master
    k360, k240 = keyframes(folder / "360" / "index.m3u8"), keyframes(folder / "240" / "index.m3u8")
    assert k360 == k240  # every rung switches at the same instants
    gaps = np.diff(k360)
    assert len(k360) == 4 and np.allclose(gaps, 2.0, atol=0.05)  # a keyframe every 2 s, across the 4 s parts
    for r in result.renditions:
        assert r.segments == 4 and r.peak_kbps >= r.kbps > 0
    assert seen == sorted(seen) and seen[-1] == 1.0  # progress only moves forward


def ssim_against_source(rendition: Path, source: Path, size: str) -> float:
    w, h = size.split("x")
    err = subprocess.run([ffmpeg_path(), "-hide_banner", "-i", str(rendition), "-i", str(source), "-lavfi",
                          f"[1:v]scale={w}:{h}[r];[0:v][r]ssim", "-f", "null", "-"], capture_output=True, text=True).stderr
    return float(err.rsplit("All:", 1)[1].split()[0])


def test_rate_search_holds_ssim_and_saves_bytes(packaged, source: Path) -> None:  # noqa: ANN001
    result, folder, _ = packaged
    for r in result.renditions:
        assert r.ssim_passed and r.ssim >= FAST.ssim_target and FAST.crf_min <= r.crf <= FAST.crf_max
        # the search scored sampled scenes; the whole rendition must hold the target too (1% slack for the
        # scenes it did not see)
        assert ssim_against_source(folder / r.name / "index.m3u8", source, f"{r.width}x{r.height}") >= FAST.ssim_target - 0.01
    top = result.renditions[0]
    assert top.bytes < result.source_bytes * 0.6
    assert read_manifest(folder) == result


def test_a_resumed_job_redoes_only_the_missing_part(packaged, source: Path) -> None:  # noqa: ANN001
    _, folder, _ = packaged
    work = folder.parent / "resume"
    shutil.copytree(folder, work)
    (work / "240" / "p0001.m3u8").unlink()  # as if the job was killed while encoding part 1 of rung 240
    (work / "240" / "p0001_0000.ts").unlink()
    kept = {p.name: p.stat().st_mtime_ns for p in (work / "360").glob("*.ts")}
    result = package_recording(source, "s1", work, FAST)
    assert {p.name: p.stat().st_mtime_ns for p in (work / "360").glob("*.ts")} == kept
    assert (work / "240" / "p0001_0000.ts").is_file() and result.renditions[1].segments == 4


def test_extra_codec_rungs_are_aligned_fmp4(source: Path, tmp_path: Path) -> None:
    options = replace(FAST, heights=(240,), extra_codecs=("h265", "av1"), sample_scenes=1)
    result = package_recording(source, "s3", tmp_path / "hls", options)
    assert {r.name: (r.codec, r.state) for r in result.renditions} == {
        "240": ("h264", "done"), "240-h265": ("h265", "done"), "240-av1": ("av1", "done")}
    master = (tmp_path / "hls" / "master.m3u8").read_text()
    assert 'CODECS="hvc1.' in master and 'CODECS="av01.' in master  # hls.js offers them only where they decode
    for name in ("240-h265", "240-av1"):
        assert list((tmp_path / "hls" / name).glob("*_init.mp4")) and list((tmp_path / "hls" / name).glob("*.m4s"))
        assert keyframes(tmp_path / "hls" / name / "index.m3u8") == keyframes(tmp_path / "hls" / "240" / "index.m3u8")


def test_a_rendition_that_fails_is_left_out(source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = encode_module.video_args

    def broken_h265(rung, crf, info, options):  # noqa: ANN001, ANN202 - libx265's CRF stops at 51: ffmpeg refuses
        args = real(rung, crf, info, options)
        return args + ["-crf", "99"] if rung.codec == "h265" else args

    monkeypatch.setattr(encode_module, "video_args", broken_h265)
    monkeypatch.setattr("replay.hls.search.video_args", broken_h265)
    copy = shutil.copy(source, tmp_path / "live.mp4")
    options = replace(FAST, heights=(240,), extra_codecs=("h265",), keep_original=False)
    result = package_recording(Path(copy), "s2", tmp_path / "hls", options)
    states = {r.name: r.state for r in result.renditions}
    assert states == {"240": "done", "240-h265": "failed"}
    assert "240-h265" not in (tmp_path / "hls" / "master.m3u8").read_text()
    assert result.original_kept and Path(copy).is_file()  # never drop the original unless every rung is there


def first_frames(path: Path, start: float, count: int, size: str = "160x90", seek: bool = True) -> np.ndarray:
    w, h = (int(x) for x in size.split("x"))
    args = ["-ss", f"{start:.3f}"] if seek else []
    raw = subprocess.run([ffmpeg_path(), "-v", "error", *args, "-i", str(path), "-frames:v", str(count),
                          "-vf", f"scale={w}:{h}", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w).astype(np.float32)


def test_dropping_the_original_keeps_clips_frame_exact(packaged, source: Path, tmp_path: Path) -> None:  # noqa: ANN001
    _, folder, _ = packaged
    original = Path(shutil.copy(source, tmp_path / "live.mp4"))
    hls = tmp_path / "hls"
    result = package_recording(original, "s3", hls, replace(FAST, keep_original=False))
    assert not original.exists() and not result.original_kept
    src = clip_source(original, hls)
    assert src == hls / "360" / "index.m3u8"
    info = probe(src, ProbeOptions(require_audio=True))
    fps = 25.0
    start = 3.0  # inside part 0's second segment: the cut must land between keyframes, not on one
    clip = cut_clip(info, start, start + 2.0, tmp_path / "clip.mp4", ClipOptions(subtitles="none"))
    got = first_frames(clip.path, 0.0, 1, seek=False)[0]
    # the source's frames around the asked start, 2 frames either side: the clip's first frame must be the
    # one at the start, or its neighbour
    near = first_frames(source, start - 2 / fps, 5)
    errors = [float(np.mean((got - f) ** 2)) for f in near]
    assert int(np.argmin(errors)) in (1, 2, 3), errors
    frames = int(subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                                 "stream=nb_read_frames", "-of", "csv=p=0", str(clip.path)],
                                capture_output=True, text=True, check=True).stdout.strip())
    assert abs(frames - 2.0 * fps) <= 1


def test_ffmpeg_stops_while_paused(tmp_path: Path) -> None:
    hold = threading.Event()
    seen: list[float] = []

    def progress(f: float) -> None:
        seen.append(f)
        if f > 0.1 and not hold.is_set() and not getattr(progress, "held", False):
            progress.held = True  # type: ignore[attr-defined]
            hold.set()

    args = ["-re", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=6", "-c:v", "libx264", "-preset",
            "ultrafast", str(tmp_path / "o.mp4")]
    t = threading.Thread(target=run_ffmpeg, args=(args,), kwargs={"duration": 6.0, "progress": progress,
                                                                  "pause": hold.is_set})
    t.start()
    assert hold.wait(20)
    time.sleep(1.5)  # let the runner see the pause and stop ffmpeg
    before = len(seen), seen[-1]
    time.sleep(2.0)
    assert (len(seen), seen[-1]) == before or seen[-1] - before[1] < 0.05  # stopped: no progress while held
    hold.clear()
    t.join(30)
    assert not t.is_alive() and (tmp_path / "o.mp4").is_file()


def test_package_job_waits_for_index_jobs(source: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", media_root=tmp_path)
    db = Database(settings.database)
    from api_support import media_info

    video = Path(shutil.copy(source, tmp_path / "live.mp4"))
    db.upsert_stream("s4", media_info(video, 8.0, 640, 360), "t")
    index_job = db.create_job("s4", "index", {"path": str(video)})
    db.update_job(index_job.id, state="running", stage="transcribe")
    gate = IndexGate(settings.database, every=0.1)
    assert gate()
    job = create_package_job(db, "s4", {"package": {"heights": [240], "preset": "veryfast", "part_seconds": 4,
                                                    "sample_scenes": 1, "sample_seconds": 1}})
    assert pending_package_job(db, "s4").id == job.id
    progress: list[float] = []
    worker = threading.Thread(target=package_work, args=(settings, PackageRequest(job.id, "s4", job.options["options"]),
                                                         Database(settings.database, any_thread=True),
                                                         lambda p: progress.append(p.fraction),
                                                         gate))
    worker.start()
    time.sleep(4.0)
    assert max(progress, default=0.0) < 0.01  # nothing encoded while the index job runs
    db.update_job(index_job.id, state="done")
    worker.join(120)
    assert not worker.is_alive() and progress[-1] == 1.0
    assert (settings.stream_dir("s4") / "hls" / "master.m3u8").is_file()


def test_a_stopping_server_requeues_the_package_job(source: Path, tmp_path: Path) -> None:
    from api_support import media_info

    settings = Settings(data_dir=tmp_path / "data", media_root=tmp_path)
    db = Database(settings.database)
    video = Path(shutil.copy(source, tmp_path / "live.mp4"))
    db.upsert_stream("s7", media_info(video, 8.0, 640, 360), "t")
    index_job = db.create_job("s7", "index", {"path": str(video)})
    db.update_job(index_job.id, state="running", stage="transcribe")  # holds the package job back
    job = create_package_job(db, "s7", {"package": {"heights": [240], "preset": "veryfast", "sample_scenes": 1,
                                                    "sample_seconds": 1}})
    lane = PackageLane(settings)
    lane.submit(PackageRequest(job.id, "s7", job.options["options"]))
    deadline = time.monotonic() + 30
    while db.job(job.id).state != "running" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert db.job(job.id).state == "running"
    lane.close(10.0)
    assert lane._thread is not None and not lane._thread.is_alive()
    stopped = db.job(job.id)
    assert (stopped.state, stopped.stage, stopped.error) == ("queued", "interrupted", None)  # resumed on restart
    assert not (settings.stream_dir("s7") / "hls" / "plan.json").exists()  # the stop is no rung's failure


def test_pipeline_stage_only_queues_a_package_job(source: Path, tmp_path: Path) -> None:
    from api_support import media_info

    from replay.contracts import Catalog
    from replay.pipeline import STAGES, Run, run_package

    settings = Settings(data_dir=tmp_path / "data", media_root=tmp_path)
    db = Database(settings.database)
    info = media_info(source, 8.0, 640, 360)
    db.upsert_stream("s5", info, "t")
    run = Run(stream_id="s5", settings=settings, db=db, catalog=Catalog(items=()), title=None, executor=None,
              progress=None, work_dir=tmp_path)
    assert [s.name for s in STAGES[-2:]] == ["store", "package"]  # after the 看点 are stored
    assert run_package(run, PackageOptions(), info) is None  # off by default
    job_id = run_package(run, PackageOptions(enabled=True), info)
    job = db.job(job_id)
    assert (job.kind, job.state) == ("package", "queued")
    assert run_package(run, PackageOptions(enabled=True), info) == job_id  # one pending job per stream
    assert not (settings.stream_dir("s5") / "hls").exists()  # nothing encoded inside the index job


def test_runner_packages_after_the_index_job(source: Path, tmp_path: Path) -> None:
    from api_support import media_info

    from replay.contracts import Catalog
    from replay.jobs.runner import IndexRequest, JobRunner

    small = PackageOptions(enabled=True, heights=(240,), preset="veryfast", sample_scenes=1, sample_seconds=1.0)
    settings = Settings(data_dir=tmp_path / "data", media_root=tmp_path, package=small)
    db = Database(settings.database)
    video = Path(shutil.copy(source, tmp_path / "live.mp4"))
    db.upsert_stream("s6", media_info(video, 8.0, 640, 360), "t")

    def index_work(req, jobs_db, report):  # noqa: ANN001, ANN202 - what the pipeline's package stage leaves behind
        create_package_job(jobs_db, req.stream_id)
        return {"highlights": 0}

    runner = JobRunner(settings, work=index_work)
    job = db.create_job("s6", "index", {"path": str(video)})
    runner.submit(IndexRequest(job_id=job.id, stream_id="s6", path=video, catalog=Catalog(items=())))
    try:
        assert runner.wait_idle(60) and runner.packages.wait_idle(300)
    finally:
        runner.close()
    index_job = db.job(job.id)
    [package_job] = [j for j in db.jobs_for("s6") if j.kind == "package"]
    assert index_job.state == "done" and package_job.state == "done", package_job.error
    assert package_job.result["renditions"] == ["240"] and package_job.updated_at > index_job.updated_at
