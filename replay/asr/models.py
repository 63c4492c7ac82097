"""Resolve an ASR model name to a local CTranslate2 directory, assembling and verifying it once.

The default whisper-base ships as two PyPI wheels whose ``data/`` folders hold the parts of ``model.bin``.
We never download at run time: a missing wheel is an install problem, and the error says how to fix it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from replay.errors import ModelCorrupt, ModelNotFound

REGISTRY_PATH = Path(__file__).resolve().parent / "registry.json"
_REQUIRED = ("model.bin", "config.json", "tokenizer.json", "vocabulary.json")


@dataclass(frozen=True, slots=True)
class ModelSpec:
    name: str
    packages: tuple[str, ...]
    modules: tuple[str, ...]
    join: dict[str, list[str]]
    copy: tuple[str, ...]
    sha256: dict[str, str]


def registry() -> dict[str, ModelSpec]:
    raw = json.loads(REGISTRY_PATH.read_text(encoding="utf-8"))
    return {
        name: ModelSpec(
            name=name,
            packages=tuple(v["packages"]),
            modules=tuple(v["modules"]),
            join=v["join"],
            copy=tuple(v["copy"]),
            sha256=v["sha256"],
        )
        for name, v in raw.items()
    }


def sha256_file(path: Path, bufsize: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(bufsize):
            h.update(chunk)
    return h.hexdigest()


def _wheel_data_dirs(spec: ModelSpec) -> list[Path]:
    dirs = []
    for module, package in zip(spec.modules, spec.packages, strict=True):
        found = importlib.util.find_spec(module)
        if found is None or not found.submodule_search_locations:
            raise ModelNotFound(
                f"model {spec.name!r}: the wheel {package} is not installed",
                hint=f"run `pip install {' '.join(spec.packages)}` (or scripts/install.sh)",
            )
        dirs.append(Path(next(iter(found.submodule_search_locations))) / "data")
    return dirs


def _find(dirs: list[Path], name: str, spec: ModelSpec) -> Path:
    for d in dirs:
        if (d / name).is_file():
            return d / name
    raise ModelNotFound(
        f"model {spec.name!r}: file {name} is missing from the installed wheels",
        hint=f"reinstall them: `pip install --force-reinstall {' '.join(spec.packages)}`",
    )


def _assemble(spec: ModelSpec, target: Path) -> None:
    dirs = _wheel_data_dirs(spec)
    target.mkdir(parents=True, exist_ok=True)
    # Write each file to a temp name in the same folder, verify it, then rename: rename is atomic,
    # so a killed process never leaves a truncated model.bin that later looks complete.
    for out_name, parts in spec.join.items():
        fd, tmp_name = tempfile.mkstemp(dir=target, prefix=f".{out_name}.")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for part in parts:
                    with _find(dirs, part, spec).open("rb") as src:
                        shutil.copyfileobj(src, out, 1 << 22)
            want = spec.sha256.get(out_name)
            if want and sha256_file(tmp) != want:
                raise ModelCorrupt(
                    f"model {spec.name!r}: assembled {out_name} does not match its sha256",
                    hint=f"reinstall the wheels: `pip install --force-reinstall {' '.join(spec.packages)}`",
                )
            os.replace(tmp, target / out_name)
        finally:
            tmp.unlink(missing_ok=True)
    for name in spec.copy:
        src = _find(dirs, name, spec)
        fd, tmp_name = tempfile.mkstemp(dir=target, prefix=f".{name}.")
        os.close(fd)
        shutil.copyfile(src, tmp_name)
        os.replace(tmp_name, target / name)


def _verified(spec: ModelSpec, target: Path) -> bool:
    if not all((target / f).is_file() for f in _REQUIRED):
        return False
    # Hashing 145 MB costs ~0.3 s; a stamp keyed on size and mtime avoids redoing it on every start.
    stamp = target / ".verified"
    info = "\n".join(f"{n}:{(target / n).stat().st_size}:{(target / n).stat().st_mtime_ns}" for n in spec.sha256)
    if stamp.is_file() and stamp.read_text() == info:
        return True
    for name, want in spec.sha256.items():
        if sha256_file(target / name) != want:
            return False
    stamp.write_text(info)
    return True


def resolve_model(name_or_dir: str, cache_dir: Path) -> Path:
    """Return a directory faster-whisper can load: a local model dir as is, or an assembled registry model."""
    local = Path(name_or_dir).expanduser()
    if local.is_dir():
        missing = [f for f in ("model.bin", "config.json") if not (local / f).is_file()]
        if missing:
            raise ModelNotFound(
                f"model directory {local} lacks {', '.join(missing)}",
                hint="point REPLAY_MODEL at a CTranslate2 model folder (ct2-transformers-converter output)",
            )
        return local
    specs = registry()
    if name_or_dir not in specs:
        raise ModelNotFound(
            f"unknown model {name_or_dir!r}",
            hint=f"use one of {sorted(specs)} or a local CTranslate2 directory",
        )
    spec = specs[name_or_dir]
    target = cache_dir / spec.name
    if not _verified(spec, target):
        _assemble(spec, target)
        if not _verified(spec, target):
            raise ModelCorrupt(f"model {spec.name!r} failed verification after assembly", hint="delete " + str(target))
    return target
