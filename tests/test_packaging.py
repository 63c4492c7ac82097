"""A non-editable install works outside the clone.

The wheel must carry every resource file of the package (the player, the demo stream, the 看点 schema, the
model registry), and an installed copy, imported from a folder outside the clone, must find them. The wheel
is built offline from a copy of the sources, with the venv's setuptools (no build isolation, no index).
The full `pip install . && replay demo` from another folder is checked by hand (README: Layout).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO

# Run by the installed copy, from a folder outside the clone: every resource resolves inside the installation.
PROBE = """
import json, sys
from pathlib import Path
import replay
from replay.api.web import WEB_DIR
from replay.asr.models import REGISTRY_PATH, registry, resolve_model
from replay.cli import SAMPLE_DIR
from replay.contracts import HIGHLIGHTS_SCHEMA
root = Path(replay.__file__).parent
paths = [WEB_DIR / "player.html", SAMPLE_DIR / "stream.mp4", SAMPLE_DIR / "catalog.json", HIGHLIGHTS_SCHEMA,
         REGISTRY_PATH]
print(json.dumps({"root": str(root), "inside": all(p.is_relative_to(root) and p.is_file() for p in paths),
                  "models": sorted(registry()), "model": str(resolve_model("whisper-base", Path(sys.argv[1])))}))
"""


def _resources() -> list[str]:
    """Every file of the package that is not Python source, as the wheel names it."""
    return sorted(p.relative_to(REPO).as_posix() for p in (REPO / "replay").rglob("*")
                  if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts)


def test_the_wheel_carries_the_resources_and_an_installed_copy_finds_them(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(REPO / "replay", src / "replay", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path / "dist")], check=True, cwd=tmp_path, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("replay-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [r for r in _resources() if r not in names]
    assert not missing, f"not in the wheel (add them to package-data in pyproject.toml): {missing}"
    assert "replay/samples/demo/stream.mp4" in names and "replay/schemas/highlights.schema.json" in names

    site = tmp_path / "site"  # a wheel unpacked is an installation, but for the console script checked below
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run([sys.executable, "-c", PROBE, str((REPO / "data" / "models").resolve())], cwd=elsewhere,
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert Path(found["root"]).is_relative_to(site) and found["inside"], found
    assert "whisper-base" in found["models"] and Path(found["model"], "model.bin").is_file()
    entry = (site / "replay-0.1.0.dist-info" / "entry_points.txt").read_text()
    assert "replay = replay.cli:main" in entry
