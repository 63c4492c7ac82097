from __future__ import annotations

from pathlib import Path

import pytest

from replay.errors import SettingsError
from replay.settings import load_settings


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
