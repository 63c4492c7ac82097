"""Viewer analytics from the counters (issue 17): median watched share, completion, click-through, the cut
ranking, plays over time, the CSV (API and CLI) and the chart (inline SVG, nothing from the network)."""

from __future__ import annotations

import csv
import io
import statistics
import xml.etree.ElementTree as ET
from collections import Counter

from api_support import fill_stream, ids, make_settings
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from replay.api import create_app
from replay.cli import app as cli
from replay.jobs.runner import JobRunner
from replay.report.charts import plays_chart
from replay.report.viewers import CSV_COLUMNS, MAX_BINS, _median_share, _watching, plays_over_time
from replay.store import events
from replay.store.database import Database

H = ids()


@given(st.integers(0, 60), st.lists(st.integers(0, 60), min_size=4, max_size=4))
def test_median_share_is_the_median_of_the_plays_highest_marks(plays: int, raw: list[int]) -> None:
    reached, cap = [], plays
    for r in raw:  # what _watching makes of any counts: non-increasing, at most the plays
        cap = min(cap, r)
        reached.append(cap)
    shares = [0.0] * (plays - reached[0]) + [s for i, s in enumerate((0.25, 0.5, 0.75, 1.0))
                                             for _ in range(reached[i] - (reached[i + 1] if i < 3 else 0))]
    assert len(shares) == plays
    assert _median_share(plays, tuple(reached)) == (statistics.median(shares) if plays else None)


def test_counts_a_client_overstates_are_clamped() -> None:
    w = _watching(Counter({"play:dot": 2, "progress:25": 5, "progress:50": 1, "progress:75": 3, "progress:100": 3,
                           "click:url": 1}), sessions=2)
    assert w.reached == (2, 1, 1, 1) and w.completion_rate == 0.5 and w.click_through == 0.5
    assert w.by_source == {"dot": 2}


@given(st.floats(0, 1e9), st.floats(60, 400 * 86400), st.lists(st.tuples(st.integers(0, 10**7), st.integers(1, 50))))
def test_plays_over_time_keeps_every_play_in_at_most_max_bins(origin: float, span: float, rows: list) -> None:
    by_minute = sorted((int(origin // 60) + m, n) for m, n in rows)
    p = plays_over_time(origin, origin + span, by_minute)
    assert sum(p.plays) == sum(n for _, n in rows) and 1 <= len(p.plays) <= MAX_BINS
    assert p.bin_seconds in (60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400)


def test_chart_is_inline_svg_with_a_bar_per_bin_with_plays_and_nothing_to_fetch() -> None:
    p = plays_over_time(0.0, 3600.0, [(1, 3), (5, 2), (30, 7)])
    svg = plays_chart(p)
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox")
    bars = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if "rect" in (r.get("class") or "").split()]
    assert len(bars) == len(p.plays) and sum(1 for b in bars if float(b.get("height")) > 0) == 3
    assert "<script" not in svg and "href=\"http" not in svg and "url(http" not in svg
    assert "还没有播放" in plays_chart(plays_over_time(0.0, 60.0, []))


def test_ranking_csv_api_and_cli_agree(tmp_path, monkeypatch) -> None:
    settings = make_settings(tmp_path)
    db = Database(settings.database)
    fill_stream(db, settings, settings.media_root / "live.mp4")
    opts, now = events.EventsOptions(), db.stream("sdemo")["created_at"] + 90
    ev = events.ViewerEvent

    def view(session: str, h: int, sku: str, marks: tuple[int, ...]) -> None:
        events.record(db.db, "sdemo", session, [ev("play", H[h], sku, 1.0, source="bag")] +
                      [ev("progress", H[h], sku, 2.0, pct=m) for m in marks], now, opts)

    view("tab00000001", 1, "A102", (25, 50, 75, 100))  # A102: 2 plays, 1 complete -> score 1
    view("tab00000002", 1, "A102", (25,))
    view("tab00000001", 2, "A103", (25, 50, 75, 100))  # A103: 3 plays, 2 complete -> score 2
    view("tab00000002", 2, "A103", (25, 50, 75, 100))
    view("tab00000003", 2, "A103", ())
    view("tab00000003", 0, "A101", (25, 50))  # A101: 1 play, none complete -> score 0
    events.record(db.db, "sdemo", "tab00000003", [ev("click", H[2], "A103", 3.0, target="url")], now, opts)

    client = TestClient(create_app(settings, runner=JobRunner(settings, work=lambda req, db, report: None)))
    v = client.get("/streams/sdemo/analytics").json()["viewers"]
    assert v["cut_next"] == [H[2], H[1], H[0]]
    by = {h["id"]: h for h in v["highlights"]}
    assert by[H[2]]["cut_score"] == 2.0 and by[H[2]]["watching"]["median_share"] == 1.0
    assert by[H[1]]["watching"]["median_share"] == 0.625  # one play at 100 %, one at 25 %
    assert v["total"]["sessions"] == 3 and v["total"]["plays"] == 6

    r = client.get("/streams/sdemo/analytics.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"] and r.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(x["level"], x["id"]) for x in rows] == [("highlight", h) for h in H] + [
        ("sku", s) for s in ("A101", "A102", "A103")]
    a103 = next(x for x in rows if x["id"] == H[2])
    assert (a103["plays"], a103["sessions"], a103["completion_rate"], a103["clicks"], a103["cut_rank"]) == (
        "3", "3", "0.6667", "1", "1")
    assert next(x for x in rows if x["id"] == H[3])["plays"] == "0"  # the 返场 nobody played: an empty rate
    assert next(x for x in rows if x["id"] == H[3])["completion_rate"] == ""

    monkeypatch.setenv("REPLAY_DATA_DIR", str(settings.data_dir))
    out = CliRunner().invoke(cli, ["analytics", "sdemo", "--csv"])
    assert out.exit_code == 0, out.output
    assert [row[:8] for row in csv.reader(io.StringIO(out.output))] == [
        row[:8] for row in csv.reader(io.StringIO(r.text.lstrip("\ufeff")))]
    table = CliRunner().invoke(cli, ["analytics", "sdemo"], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "plays 6 · sessions 3" in table.output
    missing = CliRunner().invoke(cli, ["analytics", "snope"])
    assert missing.exit_code != 0

    page = client.get("/streams/sdemo/analytics.html").text
    assert page.index(f'data-hid="{H[2]}"><span class="rank">1') < page.index(f'data-hid="{H[1]}"><span class="rank">2')
    assert page.count('class="clip"') == 3 and "<svg" in page and "导出 CSV" in page
