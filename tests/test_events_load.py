"""Load on the viewer events (issue 17): 50 simulated viewers post events for 60 s to a real server process on
127.0.0.1 while a reader polls the analytics (scripts/load_events.py). No request fails and no count is lost
or added. The read latency is printed with the load average, never asserted: on a shared machine it measures
the neighbours too.

REPLAY_LOAD_SECONDS shortens the run for a quick local check (the default is the issue's 60 s).
"""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow

spec = importlib.util.spec_from_file_location("load_events", REPO / "scripts" / "load_events.py")
load_events = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
sys.modules["load_events"] = load_events  # its dataclasses look their module up there
spec.loader.exec_module(load_events)  # type: ignore[union-attr]

VIEWERS = 50
SECONDS = float(os.environ.get("REPLAY_LOAD_SECONDS", "60"))


def test_fifty_viewers_lose_no_count_and_get_no_error(tmp_path) -> None:
    with load_events.LocalServer(tmp_path) as server:
        before = os.getloadavg()
        out = load_events.run_load(server.base, "sdemo", viewers=VIEWERS, seconds=SECONDS)
        after = os.getloadavg()
        problems = load_events.mismatches(server.base, "sdemo", out)
    print(f"\n{VIEWERS} viewers × {SECONDS:.0f} s: {sum(out.statuses.values())} batches, {out.events} events; "
          f"{len(out.read_ms)} reads, median {sorted(out.read_ms)[len(out.read_ms) // 2]:.1f} ms, "
          f"p95 {out.p(0.95):.1f} ms; load average {before[0]:.2f} -> {after[0]:.2f} on {os.cpu_count()} CPUs")
    assert not out.failures, out.failures[:5]
    assert set(out.statuses) == {202} and set(out.read_statuses) == {200}
    # Each viewer sends about one batch a second: anything far below means requests stalled.
    assert sum(out.statuses.values()) >= VIEWERS * SECONDS * 0.5
    assert len({hid for hid, _, m in out.sent if m.startswith("play:")}) >= 3  # the load touched every 看点
    assert problems == []
