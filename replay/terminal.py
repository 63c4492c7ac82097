"""The CLI's terminal output, shared by replay/cli.py and the commands registered from their own packages: messages
and progress on stderr (so that stdout carries only what a command prints as its result), tables on stdout."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

console = Console(stderr=True)
out = Console()


def progress_bar(stage_width: int = 11) -> Progress:
    """A bar per stage: its name (padded to ``stage_width``), the bar, the percentage and the time left."""
    return Progress(TextColumn(f"[bold]{{task.fields[stage]:<{stage_width}}}"), BarColumn(),
                    TextColumn("{task.percentage:>3.0f}%"), TimeRemainingColumn(), console=console, transient=False)
