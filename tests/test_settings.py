from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from replay.detect import DetectOptions
from replay.errors import OptionsError, SettingsError
from replay.screen.options import VisualOptions
from replay.settings import describe, load_settings, parse_assignments, with_options


def test_defaults_and_derived_paths(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REPLAY_DATA_DIR", str(tmp_path))
    s = load_settings()
    assert s.database == tmp_path / "replay.db"
    assert s.model_cache == tmp_path / "models"
    assert s.host == "127.0.0.1"


def test_bad_env_value_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLAY_WORKERS", "0")
    with pytest.raises(SettingsError) as exc:
        load_settings()
    assert "REPLAY_WORKERS" in exc.value.message


def test_bad_override_names_the_setting() -> None:
    with pytest.raises(SettingsError, match="REPLAY_PORT"):
        load_settings(port=70000)
    with pytest.raises(SettingsError, match="REPLAY_DEVICE"):
        load_settings(device="tpu")


def test_stage_options_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each stage's options dataclass is a group: REPLAY_GROUP__FIELD, and REPLAY_VISUAL is the visual switch."""
    monkeypatch.setenv("REPLAY_VISUAL__SAMPLE_FPS", "1.5")
    monkeypatch.setenv("REPLAY_DETECT__SWITCH_COST", "5")
    s = load_settings()
    assert s.visual.sample_fps == 1.5 and s.visual.enabled and s.detect.switch_cost == 5.0
    monkeypatch.setenv("REPLAY_VISUAL", "false")
    assert load_settings().visual.enabled is False
    monkeypatch.delenv("REPLAY_VISUAL")
    # An override of one field keeps the environment's other fields.
    assert load_settings(visual={"enabled": True}).visual == VisualOptions(sample_fps=1.5)
    names = {name for name, _, _ in describe()}
    assert {"REPLAY_VISUAL__SAMPLE_FPS", "REPLAY_DETECT__MIN_CONFIDENCE", "REPLAY_THUMBNAILS__WIDTH"} <= names
    # Every detector option, nested groups field by field (REPLAY_DETECT__BOUNDARIES__TAIL_GRACE).
    for f in dataclasses.fields(DetectOptions):
        value = getattr(DetectOptions(), f.name)
        subs = [f"{f.name}__{g.name}" for g in dataclasses.fields(value)] if dataclasses.is_dataclass(value) else [f.name]
        assert all(f"REPLAY_DETECT__{sub.upper()}" in names for sub in subs), f.name
    monkeypatch.setenv("REPLAY_DETECT__BOUNDARIES__TAIL_GRACE", "12")
    assert load_settings().detect.boundaries.tail_grace == 12.0


def test_bad_stage_option_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLAY_VISUAL__SAMPLE", "sometimes")
    with pytest.raises(SettingsError, match="REPLAY_VISUAL__SAMPLE"):
        load_settings()


def test_assignments_and_job_options() -> None:
    assert parse_assignments(["visual.sample_fps=1", "workers=3"]) == {"visual": {"sample_fps": "1"}, "workers": "3"}
    assert parse_assignments(["detect.boundaries.tail_grace=9"]) == {"detect": {"boundaries": {"tail_grace": "9"}}}
    for bad in ("visual", "nope=1", "workers.x=1"):
        with pytest.raises(SettingsError):
            parse_assignments([bad])
    s = load_settings()
    changed = with_options(s, {"detect": {"switch_cost": "6"}, "visual": {"enabled": False}})
    assert changed.detect.switch_cost == 6.0 and not changed.visual.enabled and changed.workers == s.workers
    with pytest.raises(OptionsError, match="data_dir"):
        with_options(s, {"data_dir": {"x": 1}})  # a job may change stage options, never paths or keys
    with pytest.raises(OptionsError, match="no option"):
        with_options(s, {"detect": {"nope": 1}})
    with pytest.raises(OptionsError):
        with_options(s, {"visual": {"sample_fps": "fast"}})
