"""`replay analytics STREAM`: the shop's analytics of one stream on the command line (registered in cli.py).

The same figures as GET /streams/{id}/analytics: talk time per product and what replay viewers did (plays,
unique sessions, median watched share, completion, click-through), and which 看点 to cut next.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from replay.settings import load_settings
from replay.terminal import out
from replay.timecode import clock


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x * 100:.0f}%"


def analytics_cmd(
    stream: Annotated[str, typer.Argument(help="Stream id (see `replay list`).")],
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV: one row per 看点, then one per SKU.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON of GET /streams/{id}/analytics.")] = False,
    out_file: Annotated[Path | None, typer.Option("--out", "-o", help="Write the CSV or JSON to this file.")] = None,
) -> None:
    """What replay viewers did with each 看点 and product, next to the talk time in the live.

    Example: replay analytics s1a2b3c4d5e6 --csv --out analytics.csv
    """
    from replay.contracts import to_json
    from replay.report.viewers import analytics_of, viewer_csv
    from replay.store.database import Database

    talk, v = analytics_of(Database(load_settings().database), stream)
    if as_csv or as_json:
        text = viewer_csv(v) if as_csv else json.dumps({**to_json(talk), "viewers": to_json(v)}, ensure_ascii=False,
                                                        indent=1)
        if out_file:
            out_file.write_text(text, encoding="utf-8")
        else:
            typer.echo(text.lstrip("\ufeff"), nl=False)
        return
    t = v.total
    out.print(f"plays {t.plays} · sessions {t.sessions} · median watched {_pct(t.median_share)} · completion "
              f"{_pct(t.completion_rate)} · 去看看 {t.clicks} · 问客服 {t.service_clicks} · "
              f"click-through {_pct(t.click_through)}")
    table = Table(title=f"看点 of {stream}")
    for col in ("#", "sku", "title", "start", "plays", "sessions", "median", "completion", "clicks", "cut rank"):
        table.add_column(col)
    rank = {hid: n for n, hid in enumerate(v.cut_next, 1)}
    for n, h in enumerate(v.highlights, 1):
        w = h.watching
        table.add_row(str(n), h.sku_id, h.title[:24], clock(h.start), str(w.plays), str(w.sessions),
                      _pct(w.median_share), _pct(w.completion_rate), str(w.clicks), str(rank.get(h.id, "")))
    out.print(table)
    table = Table(title="products: talk time in the live vs replay viewers")
    for col in ("sku", "title", "talk time", "plays", "sessions", "completion", "clicks", "click-through"):
        table.add_column(col)
    for s in v.skus:
        w = s.watching
        table.add_row(s.sku_id, s.title[:24], clock(s.talk_time), str(w.plays), str(w.sessions),
                      _pct(w.completion_rate), str(w.clicks), _pct(w.click_through))
    out.print(table)
