"""`replay package` (issue 18) from the command line, with the storage policy that drops the original, then
`replay clip` on the same stream: cut from the best rendition, on the asked times, with an editor's corrected
transcript line in its subtitles (replay/jobs/clip_inputs.py)."""

from __future__ import annotations

from pathlib import Path

from api_support import fill_stream, make_settings
from package_support import live_source
from typer.testing import CliRunner

from replay.cli import app as cli
from replay.hls.package import hls_dir, read_manifest
from replay.media.clips import stream_durations
from replay.store.database import Database

TINY = ["--set", "package.heights=[180]", "--set", "package.preset=veryfast", "--set", "package.sample_scenes=1",
        "--set", "package.sample_seconds=1", "--set", "package.keep_original=false"]


def test_package_then_clip_from_the_rendition(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    video = live_source(settings.media_root / "live.mp4", size="320x180", fps=25, kbps=600, seconds=20.0)
    fill_stream(Database(settings.database), settings, video)
    env = {"REPLAY_DATA_DIR": str(settings.data_dir), "REPLAY_MEDIA_ROOT": str(settings.media_root), "COLUMNS": "200"}

    help_text = CliRunner().invoke(cli, ["package", "--help"], env=env).output
    assert "Example: replay package" in help_text

    r = CliRunner().invoke(cli, ["package", "sdemo", *TINY], env=env)
    assert r.exit_code == 0, r.output
    assert "original deleted" in r.output and "180" in r.output
    manifest = read_manifest(hls_dir(settings.stream_dir("sdemo")))
    assert manifest is not None and not manifest.original_kept and not video.exists()
    [rung] = manifest.renditions
    assert (rung.state, rung.width, rung.height) == ("done", 320, 180) and rung.ssim >= 0.95

    # A re-run finds the ladder done (the original is gone, nothing to encode again).
    again = CliRunner().invoke(cli, ["package", "sdemo", *TINY], env=env)
    assert again.exit_code == 0, again.output

    # An editor corrects line 4 (8-10 s), then the clip of 看点 2 (A102, 8-14 s) comes from the rendition.
    fixed = "好，接下来是二号链接小金条口红"
    r = CliRunner().invoke(cli, ["edit", "sdemo", "--segment", "4", "--text", fixed, "--editor", "t"], env=env)
    assert r.exit_code == 0, r.output
    out = tmp_path / "clip.mp4"
    r = CliRunner().invoke(cli, ["clip", "sdemo", "--highlight", "2", "--subtitles", "sidecar", "--out", str(out)],
                           env=env)
    assert r.exit_code == 0, r.output
    assert abs(stream_durations(out)["video"] - 6.0) < 0.1
    assert fixed in out.with_suffix(".srt").read_text(encoding="utf-8")
