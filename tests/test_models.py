from __future__ import annotations

import json
from pathlib import Path

import pytest

from replay.asr import models
from replay.asr.models import resolve_model, sha256_file
from replay.errors import ModelCorrupt, ModelNotFound


def test_default_model_assembles_and_verifies(tmp_path: Path) -> None:
    target = resolve_model("whisper-base", tmp_path)
    assert sha256_file(target / "model.bin") == models.registry()["whisper-base"].sha256["model.bin"]
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        assert (target / name).is_file()
    assert not [p for p in target.iterdir() if p.name.startswith(".model.bin")], "temp files left behind"
    # Second call uses the verified stamp and returns the same folder.
    assert resolve_model("whisper-base", tmp_path) == target


def test_corrupt_cache_is_rebuilt(tmp_path: Path) -> None:
    target = resolve_model("whisper-base", tmp_path)
    with (target / "model.bin").open("r+b") as f:
        f.seek(1000)
        f.write(b"\x00garbage\x00")
    resolve_model("whisper-base", tmp_path)
    assert sha256_file(target / "model.bin") == models.registry()["whisper-base"].sha256["model.bin"]


def test_wrong_checksum_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reg = json.loads(models.REGISTRY_PATH.read_text())
    reg["whisper-base"]["sha256"]["model.bin"] = "0" * 64
    fake = tmp_path / "registry.json"
    fake.write_text(json.dumps(reg))
    monkeypatch.setattr(models, "REGISTRY_PATH", fake)
    with pytest.raises(ModelCorrupt) as exc:
        resolve_model("whisper-base", tmp_path / "cache")
    assert "reinstall" in (exc.value.hint or "")
    assert not (tmp_path / "cache" / "whisper-base" / "model.bin").exists()


def test_missing_wheel_names_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reg = json.loads(models.REGISTRY_PATH.read_text())
    reg["whisper-base"]["modules"][1] = "no_such_module_xyz"
    fake = tmp_path / "registry.json"
    fake.write_text(json.dumps(reg))
    monkeypatch.setattr(models, "REGISTRY_PATH", fake)
    with pytest.raises(ModelNotFound) as exc:
        resolve_model("whisper-base", tmp_path / "cache")
    assert "pip install" in (exc.value.hint or "")


def test_unknown_name_and_bad_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match="unknown model"):
        resolve_model("whisper-giant", tmp_path)
    empty = tmp_path / "mydir"
    empty.mkdir()
    with pytest.raises(ModelNotFound, match="lacks model.bin"):
        resolve_model(str(empty), tmp_path)
