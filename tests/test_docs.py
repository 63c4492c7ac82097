"""The docs describe the code as it is: the README's settings table and every command's --help example."""

from __future__ import annotations

import importlib.util

import pytest
from typer.testing import CliRunner

from replay.cli import app

from conftest import REPO

spec = importlib.util.spec_from_file_location("settings_table", REPO / "scripts" / "settings_table.py")
settings_table = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
spec.loader.exec_module(settings_table)  # type: ignore[union-attr]


def test_readme_settings_table_is_current() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert settings_table.readme_with_table(text) == text, "run scripts/settings_table.py --write"


COMMANDS = [c.name or c.callback.__name__ for c in app.registered_commands]


def test_every_command_is_listed() -> None:
    assert set(COMMANDS) >= {"index", "index-batch", "show", "list", "detect", "clip", "export", "serve", "demo",
                             "config"}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Example: replay" in result.output or "Example: REPLAY_" in result.output


def test_errors_are_one_line_and_exit_non_zero(tmp_path) -> None:  # noqa: ANN001
    import subprocess
    import sys

    bad = tmp_path / "x.mp4"
    bad.write_text("not a video")
    cat = tmp_path / "c.json"
    cat.write_text('[{"sku_id": "A", "title": "口红"}]')
    r = subprocess.run([sys.executable, "-m", "replay.cli", "index", str(bad), "--catalog", str(cat)],
                       capture_output=True, text=True, cwd=tmp_path, env={"REPLAY_DATA_DIR": str(tmp_path / "d"),
                                                                           "PATH": "/usr/bin:/bin"})
    assert r.returncode == 2
    assert "error:" in r.stderr and "not a readable media file" in r.stderr
    assert "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "replay.cli", "index", str(bad), "--catalog", str(tmp_path / "none.csv")],
                       capture_output=True, text=True, cwd=tmp_path, env={"REPLAY_DATA_DIR": str(tmp_path / "d"),
                                                                           "PATH": "/usr/bin:/bin"})
    assert r.returncode == 2 and "Traceback" not in r.stderr
