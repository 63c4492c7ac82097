"""``replay edit``: correct a stream's 看点 and transcript from the command line (registered in replay/cli.py).

A thin layer over replay/edits/service.py: the same checks, snapping and edit list as the API and the editor
page. Errors are ReplayErrors, printed as one line by cli.main.
"""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.table import Table

from replay.terminal import out


def _who(editor: str | None) -> str:
    if editor:
        return editor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def edit_cmd(
    stream: Annotated[str, typer.Argument(help="Stream id (see `replay list`).")],
    highlight: Annotated[str | None, typer.Option(
        "--highlight", "-h", help="The 看点 to change: its id, or its number in `replay show`.")] = None,
    start: Annotated[float | None, typer.Option(help="New start in seconds (with --highlight or --add).")] = None,
    end: Annotated[float | None, typer.Option(help="New end in seconds (with --highlight or --add).")] = None,
    sku: Annotated[str | None, typer.Option(help="New SKU of the 看点 (a catalog sku_id).")] = None,
    no_snap: Annotated[bool, typer.Option("--no-snap", help="Keep the times as given; default: snap edges to the "
                                                            "nearest word boundary.")] = False,
    split: Annotated[float | None, typer.Option(help="Split the 看点 in two at this second.")] = None,
    merge: Annotated[str | None, typer.Option(help="Merge this other 看点 (id or number) into --highlight.")] = None,
    delete: Annotated[bool, typer.Option("--delete", help="Delete the 看点.")] = False,
    add: Annotated[str | None, typer.Option(help="Add a 看点 of this SKU from --start to --end.")] = None,
    segment: Annotated[int | None, typer.Option(help="Transcript segment number (GET …/transcript idx) to correct.")] = None,
    text: Annotated[str | None, typer.Option(help="The corrected text of --segment.")] = None,
    revert: Annotated[str | None, typer.Option(help="Undo this edit (an id from --list).")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the stream's edits (the default with no change).")] = False,
    editor: Annotated[str | None, typer.Option(help="Your name in the edit list (default: the login name).")] = None,
) -> None:
    """Correct a stream's 看点 or transcript. Edits are kept apart from the detector's output: a re-index keeps
    them, and `--list` shows them all, with who made them and when.

    Example: replay edit s1a2b3c4d5e6 --highlight 2 --start 44.0 --end 72.5 --sku S303
    (also: --split 60 · --merge 3 · --delete · --add S304 --start 120 --end 150 · --segment 12 --text "…" ·
    --revert e0123456789ab · --list)
    """
    from replay.edits import service
    from replay.settings import load_settings
    from replay.store.database import Database

    settings = load_settings()
    db = Database(settings.database)
    db.stream(stream)  # a clear error for an unknown stream id
    rules, who = service.rules_from(settings), _who(editor)
    actions = [n for n, on in (("--split", split is not None), ("--merge", merge is not None), ("--delete", delete),
                               ("--add", add is not None), ("--segment", segment is not None),
                               ("--revert", revert is not None), ("--list", list_)) if on]
    moving = highlight is not None and not actions and (start is not None or end is not None or sku is not None)
    if len(actions) > 1:
        raise typer.BadParameter(f"give one change at a time (got {' '.join(actions)})")
    if not actions and not moving:
        if highlight is not None:
            raise typer.BadParameter("say what to change: --start/--end/--sku, --split, --merge or --delete")
        _print_edits(service.edits(db, stream))
        return
    action = actions[0] if actions else "move"

    def hid(value: str | None, option: str = "--highlight") -> str:
        if value is None:
            raise typer.BadParameter(f"{action} needs {option}")
        hs = db.highlights(stream).highlights
        if any(h.id == value for h in hs):
            return value
        if value.isdigit() and 1 <= int(value) <= len(hs):
            return hs[int(value) - 1].id
        raise typer.BadParameter(f"no 看点 {value!r} in {stream} (see `replay show {stream}`)", param_hint=option)

    if action == "--list":
        _print_edits(service.edits(db, stream))
        return
    if action == "--revert":
        assert revert is not None
        e = service.revert(db, stream, revert, who)
        out.print(f"reverted {e.id}: {e.summary}")
        return
    if action == "--segment":
        assert segment is not None
        if not text:
            raise typer.BadParameter("--segment needs --text")
        o = service.correct(db, stream, segment, text, who)
    elif action == "--add":
        assert add is not None
        if start is None or end is None:
            raise typer.BadParameter("--add needs --start and --end")
        o = service.add(db, stream, who, add, start, end, snap=not no_snap, rules=rules)
    elif action == "--split":
        assert split is not None
        o = service.split(db, stream, hid(highlight), who, split, snap=not no_snap, rules=rules)
    elif action == "--merge":
        o = service.merge(db, stream, hid(highlight), hid(merge, "--merge"), who, rules=rules)
    elif action == "--delete":
        o = service.delete(db, stream, hid(highlight), who)
    else:
        o = service.update(db, stream, hid(highlight), who, start=start, end=end, sku_id=sku, snap=not no_snap,
                           rules=rules)
    if o.edit is None:
        out.print("nothing changed")
    else:
        out.print(f"edit {o.edit.id}: {o.edit.summary}")
    for h in o.highlights:
        out.print(f"  {h.id}  {h.sku_id}  {h.start:.2f}–{h.end:.2f} s  {h.title[:30]}")
    if o.segment is not None:
        out.print(f"  line {o.segment_idx}: {o.segment.start:.2f}–{o.segment.end:.2f} s  {o.segment.text}")


def _print_edits(edits: list) -> None:  # noqa: ANN001 - list[Edit]; the type import stays lazy
    from datetime import datetime

    table = Table(title="edits")
    for col in ("id", "time", "editor", "kind", "what", "state"):
        table.add_column(col)
    for e in edits:
        state = "active" if e.active else f"reverted by {e.reverted_by}"
        table.add_row(e.id, datetime.fromtimestamp(e.created_at).strftime("%Y-%m-%d %H:%M:%S"), e.editor, e.kind,
                      e.summary, state)
    out.print(table)

