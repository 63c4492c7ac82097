"""benchlib: what every benchmark script shares, so that no speed figure silently measures the neighbours.

A benchmark that shares the CPU with a test suite or another benchmark measures them, not the code (issue 15:
the same 38-minute run gave 29.2× alone and 18.9× beside one heavy process). So each bench script:

- checks the machine before it starts (``LoadGuard.start``): other processes' CPU over a few seconds, and the
  1-minute load average. Busy: it refuses (exit status 3) and names the busiest processes. Only a load average
  still decaying from something that has finished: it waits for it to settle (``--settle`` seconds).
- watches it while it runs (a thread sampling every ``--sample`` seconds): CPU used by processes outside the
  benchmark's own process tree, measured as all CPU time (psutil.cpu_times, steal included) minus the tree's,
  so short-lived processes that start and end between two samples are counted too.
- ends with a verdict, ``quiet`` or ``noisy``, printed beside the figures with the CPU model and core count
  (``LoadGuard.tag``); a noisy run exits with status 4 unless ``--allow-noisy`` was given.

Use from a bench script:

    ap = argparse.ArgumentParser(...)
    benchlib.add_arguments(ap)
    args = ap.parse_args()
    guard = benchlib.LoadGuard.from_args(args, "bench_x")
    guard.start()                       # refuses a busy machine (SystemExit 3) unless --allow-noisy
    ... the timed work ...
    verdict = guard.stop()
    print(f"x: {seconds:.1f} s  [{guard.tag()}]")
    print(verdict.line())
    sys.exit(guard.exit_code(verdict))  # 4 when noisy and not allowed
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

import psutil

BUSY_EXIT = 3
"""Exit status when the machine is busy before the benchmark starts."""
NOISY_EXIT = 4
"""Exit status when other processes took more than their share while the benchmark ran."""


@dataclass(frozen=True, slots=True)
class Machine:
    cpu_model: str
    cores: int
    """Cores this process may run on (its CPU affinity): what the benchmark can use."""
    memory_gb: float

    def tag(self) -> str:
        return f"{self.cpu_model}, {self.cores} cores"


@cache
def machine() -> Machine:
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "")
    except OSError:
        pass
    import platform

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return Machine(model or platform.processor() or platform.machine(), cores,
                   round(psutil.virtual_memory().total / 1024**3, 1))


def _busy(t) -> float:  # noqa: ANN001 - psutil's scputimes
    """CPU seconds not idle, over all cores. Steal counts: on a VM it is a neighbour using our cores."""
    return t.user + t.nice + t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0) + getattr(t, "steal", 0.0)


@dataclass(slots=True)
class _Snapshot:
    at: float
    busy: float
    procs: dict[int, tuple[str, int, float, float]]
    """pid -> (name, ppid, own CPU seconds, CPU seconds of its waited-for children)."""


def _snapshot() -> _Snapshot:
    procs: dict[int, tuple[str, int, float, float]] = {}
    for p in psutil.process_iter(["name", "ppid", "cpu_times"]):
        ct = p.info.get("cpu_times")
        if ct is None:
            continue
        procs[p.pid] = (p.info.get("name") or "?", p.info.get("ppid") or 0, ct.user + ct.system,
                        getattr(ct, "children_user", 0.0) + getattr(ct, "children_system", 0.0))
    return _Snapshot(time.monotonic(), _busy(psutil.cpu_times()), procs)


def _tree(snap: _Snapshot, root: int) -> set[int]:
    kids: dict[int, list[int]] = {}
    for pid, (_, ppid, _, _) in snap.procs.items():
        kids.setdefault(ppid, []).append(pid)
    tree, stack = set(), [root]
    while stack:
        pid = stack.pop()
        if pid not in tree:
            tree.add(pid)
            stack += kids.get(pid, [])
    return tree


@dataclass(frozen=True, slots=True)
class Interval:
    """CPU use between two snapshots, in cores (CPU seconds per second)."""

    seconds: float
    others: float
    """Everything outside the benchmark's process tree: other processes, the kernel, steal."""
    own: float
    busiest: tuple[tuple[str, int, float], ...]
    """(name, pid, cores) of the busiest processes outside the tree that were alive at both snapshots."""


def measure(a: _Snapshot, b: _Snapshot, root: int) -> Interval:
    """Other processes' CPU between snapshots ``a`` and ``b``: all CPU time minus the tree of ``root``'s.

    The tree's time is what its live processes used since ``a`` (all of it for one born since), plus what its
    processes reaped from children that ended, less what those ended children had used before ``a`` (already
    counted then).
    """
    dt = max(1e-6, b.at - a.at)
    tree_b, tree_a = _tree(b, root), _tree(a, root)
    own = 0.0
    for pid in tree_b:
        name, _, cpu, reaped = b.procs[pid]
        before = a.procs.get(pid)
        if before is not None and before[0] == name:
            own += (cpu - before[2]) + (reaped - before[3])
        else:
            own += cpu + reaped
    own -= sum(a.procs[pid][2] for pid in tree_a - tree_b)
    own = max(0.0, own)
    others = max(0.0, (b.busy - a.busy) - own)
    per = []
    for pid, (name, _, cpu, _) in b.procs.items():
        if pid in tree_b or pid not in a.procs or a.procs[pid][0] != name:
            continue
        used = (cpu - a.procs[pid][2]) / dt
        if used >= 0.01:
            per.append((name, pid, round(used, 2)))
    per.sort(key=lambda x: -x[2])
    return Interval(dt, others / dt, own / dt, tuple((_describe(pid, name), pid, c) for name, pid, c in per[:5]))


def _describe(pid: int, name: str) -> str:
    """The process's name and the start of its command line, so that a refusal says what to stop."""
    try:
        cmd = " ".join(psutil.Process(pid).cmdline()[:4])
    except (psutil.Error, OSError):
        return name
    return f"{name}: {cmd[:80]}" if cmd else name


def sample(seconds: float = 2.0, root: int | None = None) -> Interval:
    """Measure other processes' CPU over the next ``seconds``."""
    a = _snapshot()
    time.sleep(seconds)
    return measure(a, _snapshot(), os.getpid() if root is None else root)


@dataclass(frozen=True, slots=True)
class Verdict:
    quiet: bool
    cores: int
    others_mean: float
    """Cores' worth of CPU other processes used, on average over the run."""
    others_peak: float
    """The most they used over one sampling interval."""
    load1_start: float
    load1_max: float
    seconds: float
    reasons: tuple[str, ...] = ()
    busiest: tuple[tuple[str, int, float], ...] = ()
    allowed: bool = False
    """The run went on although the machine was busy (--allow-noisy)."""

    @property
    def label(self) -> str:
        return "quiet" if self.quiet else "noisy"

    def line(self) -> str:
        share = self.others_mean / self.cores * 100
        peak = self.others_peak / self.cores * 100
        head = "load check: quiet" if self.quiet else "load check: NOISY, the figures above measure the neighbours too"
        text = (f"{head} (other processes used {share:.1f}% of {self.cores} cores on average over {self.seconds:.0f} s, "
                f"{peak:.0f}% at the peak; 1-minute load average {self.load1_start:.2f} at the start)")
        if not self.quiet:
            text += "\n  " + "; ".join(self.reasons)
            if self.busiest:
                text += "\n  busiest: " + ", ".join(f"{n} (pid {p}) {c:.2f} cores" for n, p, c in self.busiest)
        return text

    def to_json(self) -> dict:
        return {"verdict": self.label, "cores": self.cores, "others_mean_cores": round(self.others_mean, 3),
                "others_peak_cores": round(self.others_peak, 3), "load1_start": round(self.load1_start, 2),
                "load1_max": round(self.load1_max, 2), "seconds": round(self.seconds, 1), "reasons": list(self.reasons),
                "busiest": [list(b) for b in self.busiest], "allowed_noisy": self.allowed}


@dataclass(slots=True)
class LoadGuard:
    """Refuses a busy machine before a benchmark and watches it during one; see the module docstring."""

    name: str = "bench"
    max_share: float = 0.10
    """Largest share of the machine's cores other processes may use on average (0.10: 10%)."""
    max_peak_share: float = 0.50
    """Largest share they may use over any one sampling interval."""
    max_load1: float | None = None
    """Largest 1-minute load average at the start; None: 0.3 + 0.1 per core."""
    settle: float = 120.0
    """Seconds to wait for a load average that is still decaying (nothing else busy) to come down."""
    interval: float = 2.0
    """Sampling interval of the watch, seconds."""
    allow_noisy: bool = False
    root: int = field(default_factory=os.getpid)
    """The benchmark's process; its descendants (workers, ffmpeg, a browser) are its own, not others."""
    _thread: threading.Thread | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _intervals: list[Interval] = field(default_factory=list)
    _load1: list[float] = field(default_factory=list)
    _refused: list[str] = field(default_factory=list)
    _busiest: tuple[tuple[str, int, float], ...] = ()
    _started: float = 0.0
    _warned: float = -1e9
    _prev: _Snapshot | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace, name: str) -> LoadGuard:
        return cls(name=name, max_share=args.max_other_share, settle=args.settle, allow_noisy=args.allow_noisy)

    @property
    def cores(self) -> int:
        return machine().cores

    def _load_limit(self) -> float:
        return self.max_load1 if self.max_load1 is not None else 0.3 + 0.1 * self.cores

    def check(self, seconds: float = 3.0) -> list[str]:
        """Why the machine is busy now (empty when it is quiet): others' CPU now, and the load average."""
        now = sample(seconds, self.root)
        reasons = []
        if now.others > self.max_share * self.cores:
            reasons.append(f"other processes are using {now.others:.2f} of {self.cores} cores "
                           f"(more than {self.max_share:.0%})")
            self._busiest = now.busiest
        load1 = os.getloadavg()[0]
        if load1 > self._load_limit():
            reasons.append(f"the 1-minute load average is {load1:.2f} (limit {self._load_limit():.2f})")
        return reasons

    def start(self) -> None:
        """Check the machine, waiting up to ``settle`` s for a decaying load average; refuse or warn; watch."""
        reasons = self.check()
        waited = 0.0
        while reasons and waited < self.settle and not any("processes" in r for r in reasons):
            # Nothing is busy but the load average is still coming down from something that has ended.
            print(f"{self.name}: waiting for the load average to settle ({reasons[0]})", file=sys.stderr, flush=True)
            time.sleep(5.0)
            waited += 5.0 + 3.0
            reasons = self.check()
        if reasons:
            busiest = "; busiest: " + ", ".join(f"{n} (pid {p}) {c:.2f} cores" for n, p, c in self._busiest) \
                if self._busiest else ""
            msg = f"{self.name}: the machine is busy: {'; '.join(reasons)}{busiest}."
            if not self.allow_noisy:
                print(f"{msg} A figure measured now would measure the neighbours too. Run it alone (no test "
                      f"suites, helpers or other benchmarks), or pass --allow-noisy to measure anyway (the "
                      f"figures are then marked noisy).", file=sys.stderr)
                raise SystemExit(BUSY_EXIT)
            print(f"{msg} Going on (--allow-noisy): the figures will be marked noisy.", file=sys.stderr, flush=True)
            self._refused = [f"before the start: {r}" for r in reasons]
        self._load1.append(os.getloadavg()[0])
        self._started = time.monotonic()
        self._prev = _snapshot()
        self._thread = threading.Thread(target=self._watch, name="load-watch", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        cur = _snapshot()
        iv = measure(self._prev, cur, self.root)
        self._prev = cur
        self._intervals.append(iv)
        self._load1.append(os.getloadavg()[0])
        if iv.others > self.max_peak_share * self.cores and time.monotonic() - self._warned > 30.0:
            self._warned = time.monotonic()
            print(f"{self.name}: noisy: other processes used {iv.others:.2f} cores over the last "
                  f"{iv.seconds:.0f} s", file=sys.stderr, flush=True)

    def stop(self) -> Verdict:
        """End the watch (measuring the stretch since its last sample) and judge it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            if time.monotonic() - self._prev.at > 0.2:
                self._sample()
        ivs = self._intervals
        total = sum(iv.seconds for iv in ivs)
        mean = sum(iv.others * iv.seconds for iv in ivs) / total if total else 0.0
        peak_iv = max(ivs, key=lambda iv: iv.others, default=None)
        peak = peak_iv.others if peak_iv else 0.0
        reasons = list(self._refused)
        if mean > self.max_share * self.cores:
            reasons.append(f"other processes used {mean:.2f} of {self.cores} cores on average "
                           f"(more than {self.max_share:.0%})")
        if peak > self.max_peak_share * self.cores:
            reasons.append(f"other processes used {peak:.2f} cores over {peak_iv.seconds:.0f} s at the peak "
                           f"(more than {self.max_peak_share:.0%})")
        busiest = peak_iv.busiest if peak_iv and reasons else self._busiest
        return Verdict(quiet=not reasons, cores=self.cores, others_mean=mean, others_peak=peak,
                       load1_start=self._load1[0] if self._load1 else os.getloadavg()[0],
                       load1_max=max(self._load1, default=0.0), seconds=time.monotonic() - self._started,
                       reasons=tuple(reasons), busiest=busiest, allowed=self.allow_noisy)

    def tag(self, verdict: Verdict | None = None) -> str:
        """What to print beside each figure: the CPU model, the core count, and the verdict once known."""
        return machine().tag() + (f"; {verdict.label}" if verdict is not None else "")

    def exit_code(self, verdict: Verdict) -> int:
        return 0 if verdict.quiet or self.allow_noisy else NOISY_EXIT


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """The load-check options every bench script takes."""
    g = ap.add_argument_group("load check (the benchmark refuses a busy machine)")
    g.add_argument("--allow-noisy", action="store_true",
                   help="measure even when other processes use the CPU; the figures are marked noisy")
    g.add_argument("--max-other-share", type=float, default=0.10, metavar="SHARE",
                   help="largest share of the cores other processes may use, on average (default 0.10)")
    g.add_argument("--settle", type=float, default=120.0, metavar="SECONDS",
                   help="wait this long for a load average that is still coming down (default 120)")


def min_median(values: Sequence[float]) -> tuple[float, float]:
    return min(values), statistics.median(values)


def spread(values: Sequence[float], fmt: str = "{:.1f}") -> str:
    """'min X, median Y of N runs', or the one value."""
    if len(values) == 1:
        return fmt.format(values[0])
    lo, med = min_median(values)
    return f"min {fmt.format(lo)}, median {fmt.format(med)} of {len(values)} runs"
