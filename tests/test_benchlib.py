"""The benchmarks' load check (scripts/benchlib.py) sees a CPU burner and refuses or marks the run noisy.

These are behaviour tests of the check, not timings: a burner (a Python busy loop) runs for a few seconds
and the check must see it as another process's CPU, and not count it when it belongs to the benchmark's own
process tree. Neighbours on a shared machine can only make 'busy' more likely, never less, so the
assertions hold on a busy machine too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "scripts"))
import benchlib  # noqa: E402

BURN = "import time\nt = time.time()\nwhile time.time() - t < 60: pass\n"


@pytest.fixture
def burner() -> Iterator[subprocess.Popen]:
    """Busy loops on half the cores (one on a 2-core machine): well over the 10% a benchmark tolerates."""
    procs = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(max(1, min(8, benchlib.machine().cores // 2)))]
    time.sleep(0.5)
    yield procs[0]
    for proc in procs:
        proc.kill()
        proc.wait()


@pytest.fixture
def bystander() -> Iterator[subprocess.Popen]:
    """A sleeping process standing in for a benchmark that is not the burner's parent."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield proc
    proc.kill()
    proc.wait()


def test_a_burner_outside_the_tree_is_other_processes_cpu(burner: subprocess.Popen,
                                                          bystander: subprocess.Popen) -> None:
    a = benchlib._snapshot()
    time.sleep(3.0)
    b = benchlib._snapshot()
    # Watched from the bystander, the burner is someone else's; watched from this process (its parent) it is
    # ours. How much CPU it gets depends on the neighbours, so the bounds are loose.
    theirs = benchlib.measure(a, b, bystander.pid)
    ours = benchlib.measure(a, b, os.getpid())
    assert theirs.others >= 0.3, theirs  # the burner, and whatever else runs
    assert theirs.own < 0.02  # the bystander sleeps
    assert ours.own >= 0.05 and ours.own > theirs.own + 0.04  # the burner's CPU moved to the tree's own
    assert not any(pid == burner.pid for _, pid, _ in ours.busiest)


def test_the_watch_says_noisy_while_a_burner_runs(burner: subprocess.Popen, bystander: subprocess.Popen) -> None:
    guard = benchlib.LoadGuard(name="test", settle=0.0, interval=0.5, allow_noisy=True, root=bystander.pid)
    guard.start()  # busy: with allow_noisy it warns and goes on
    time.sleep(2.5)
    verdict = guard.stop()
    assert not verdict.quiet
    assert verdict.label == "noisy" and "NOISY" in verdict.line()
    assert verdict.others_mean >= 0.3
    assert guard.exit_code(verdict) == 0  # allowed
    assert benchlib.LoadGuard(allow_noisy=False).exit_code(verdict) == benchlib.NOISY_EXIT
    assert verdict.to_json()["verdict"] == "noisy"


def test_a_bench_script_refuses_to_start_beside_a_burner(burner: subprocess.Popen) -> None:
    """The whole path a user sees: bench_visual.py refuses (exit 3) before it measures anything."""
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "bench_visual.py"), "--streams", "none",
                           "--settle", "0"], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == benchlib.BUSY_EXIT, proc.stderr + proc.stdout
    assert "the machine is busy" in proc.stderr and "--allow-noisy" in proc.stderr
    assert "other processes are using" in proc.stderr


def test_machine_names_the_cpu_and_its_cores() -> None:
    m = benchlib.machine()
    assert m.cores >= 1 and m.cpu_model
    assert f"{m.cores} cores" in m.tag()


def test_min_median() -> None:
    assert benchlib.min_median([3.0, 1.0, 2.0]) == (1.0, 2.0)
    assert benchlib.spread([2.0]) == "2.0"
    assert benchlib.spread([3.0, 1.0, 2.0]) == "min 1.0, median 2.0 of 3 runs"


def test_scripts_use_the_check() -> None:
    """Every bench script in the project goes through the load check."""
    scripts = sorted((REPO / "scripts").glob("bench_*.py")) + sorted((REPO / "tests").glob("bench_*.py")) \
        + [REPO / "scripts" / "load_events.py"]
    assert scripts
    for path in scripts:
        text = Path(path).read_text(encoding="utf-8")
        assert "benchlib.LoadGuard" in text and "benchlib.add_arguments" in text, path
