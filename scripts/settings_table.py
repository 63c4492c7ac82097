#!/usr/bin/env python3
"""Print the configuration table of the README from replay.settings (the one source of truth): every setting,
and every field of the stages' options groups (REPLAY_GROUP__FIELD), with its default and docstring.

Example:
  .venv/bin/python scripts/settings_table.py            # print it
  .venv/bin/python scripts/settings_table.py --write    # replace the table in README.md
tests/test_docs.py checks that README.md holds exactly this table.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from replay.settings import describe  # noqa: E402


def table() -> str:
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for variable, default, meaning in describe():
        shown = "—" if default is None else f"`{default}`"
        lines.append(f"| `{variable}` | {shown} | {meaning.replace('|', '/')} |")
    return "\n".join(lines)


START, END = "<!-- settings-table -->", "<!-- /settings-table -->"


def readme_with_table(text: str) -> str:
    a, b = text.index(START) + len(START), text.index(END)
    return text[:a] + "\n" + table() + "\n" + text[b:]


if __name__ == "__main__":
    if "--write" in sys.argv:
        readme = Path(__file__).resolve().parent.parent / "README.md"
        readme.write_text(readme_with_table(readme.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(table())
