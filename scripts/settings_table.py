#!/usr/bin/env python3
"""Print the configuration table of the README from replay.settings.Settings (the one source of truth).

Example:
  .venv/bin/python scripts/settings_table.py > /tmp/table.md
tests/test_docs.py checks that README.md holds exactly this table.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from replay.settings import Settings  # noqa: E402


def table() -> str:
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "—" if default is None else f"`{default}`"
        lines.append(f"| `REPLAY_{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
