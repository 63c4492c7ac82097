"""stages: the machinery that runs a declared stage list (replay/pipeline.py: STAGES) over one recording.

A ``Stage`` declares its name, weight, needs, options, run function and whether its output is kept; ``Run`` is
one run of the list: it derives each stage's key, reuses a stored output, stores a new one, reports progress,
and times every stage. ``run_stages`` runs the list in order in the calling thread, except stages marked
``early``, which start in a thread as soon as what they need is ready and run beside the others.
"""

from __future__ import annotations

import importlib
import resource
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, get_type_hints

from replay.asr.executor import ChunkRun, Executor
from replay.contracts import Catalog, Progress, fingerprint, from_json
from replay.settings import Settings
from replay.store.database import Database


@dataclass(frozen=True, slots=True)
class Stage:
    """One step of the pipeline; see replay/pipeline.py for how its key is derived."""

    name: str
    weight: float
    """Share of the whole run's time, for progress and the ETA."""
    run: Callable[..., Any]
    """Called as ``run(the Run, its options, *needed)``, ``needed`` being the outputs named in ``needs``."""
    needs: tuple[str, ...] = ()
    """Earlier stages, or the inputs 'recording' and 'catalog', whose outputs ``run`` receives."""
    options: Callable[[Settings, Catalog], Any] | None = None
    """Builds this stage's options; None takes Settings' group named after the stage."""
    keep: Callable[[Any], bool] | None = None
    """Store the output under the stage key when this says it is worth keeping, and reuse a stored one it
    accepts (a file it names still exists); None: the stage always runs (it is cheap, or its code changes)."""
    early: bool = False
    """Start in a thread as soon as ``needs`` are ready, beside the stages listed before this one. Its run
    function must not touch the database (the main thread stores its output) and reports progress only
    through ``run.report``."""
    imports: tuple[str, ...] = ()
    """Modules an early stage's run loads, imported by the main thread before its thread starts: OpenCV edits
    sys.path while it loads, and an ASR worker process spawned at that moment would inherit the edited path
    (and fail to import ``typing``)."""

    def options_for(self, settings: Settings, catalog: Catalog) -> Any:
        return self.options(settings, catalog) if self.options else getattr(settings, self.name, None)

    @property
    def output(self) -> Any:
        """The output type, from the run function's return annotation: how a stored output is decoded."""
        return get_type_hints(self.run)["return"]


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True, slots=True)
class StageTiming:
    stage: str
    seconds: float
    peak_rss_mb: float
    resumed: bool
    start: float = 0.0
    """Seconds from the start of the run to the start of the stage's work."""
    end: float = 0.0
    """Seconds from the start of the run to the end of its work (an early stage may end long before the
    list reaches it)."""


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux; children covers the ASR worker processes.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


class _Cancelled(Exception):
    """Raised inside an early stage's thread when the run it belongs to has failed."""


@dataclass(slots=True)
class Run:
    """One run of the stages over one recording: what every stage may use besides its own inputs.

    A stage's run function gets a view of it for that stage (``stage``, ``key``, ``resumed``); the dicts and
    the database are shared by all views. Only the main thread's view (``background`` False) touches the
    database and calls ``progress``.
    """

    stream_id: str
    settings: Settings
    db: Database
    catalog: Catalog
    title: str | None
    executor: Executor | None
    progress: ProgressCallback | None
    work_dir: Path
    stages: tuple[Stage, ...] = ()
    """The stage list being run."""
    stage: Stage | None = None
    key: str = ""
    """The current stage's key."""
    resumed: bool = False
    """Whether the current stage's output came from its checkpoints."""
    background: bool = False
    """This view runs an early stage in a thread: report records its progress without calling back."""
    chunks: tuple[int, int] = (0, 0)
    """(total, resumed) ASR chunks."""
    chunk_runs: list[ChunkRun] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    """Each stage's share of the whole run (the declared weights, normalised)."""
    fractions: dict[str, float] = field(default_factory=dict)
    """How far each stage has got, 0..1."""
    timings: dict[str, StageTiming] = field(default_factory=dict)
    failed: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)

    def report(self, fraction: float, message: str = "") -> None:
        """Progress of the current stage, 0..1, turned into whole-run progress and an ETA."""
        if self.stage is None:
            return
        if self.background and self.failed.is_set():
            raise _Cancelled  # stop an early stage's work (and its ffmpeg) once the run has failed
        self.fractions[self.stage.name] = max(0.0, min(1.0, fraction))
        if self.progress is None or self.background:
            return
        frac = min(1.0, sum(self.weights[name] * f for name, f in self.fractions.items()))
        elapsed = time.monotonic() - self.started
        eta = elapsed * (1 - frac) / frac if frac > 0.02 else None
        self.progress(Progress(stage=self.stage.name, fraction=frac, eta=eta, message=message))

    def _prepare(self, stage: Stage) -> tuple[Any, str, Any | None]:
        """The stage's options, key, and its stored output when one can be reused."""
        options = stage.options_for(self.settings, self.catalog)
        key = fingerprint({"stage": stage.name, "options": options, "needs": [self.keys[n] for n in stage.needs]})
        return options, key, self._stored(stage, key) if stage.keep is not None else None

    def _done(self, stage: Stage, key: str, output: Any, resumed: bool, t0: float, t1: float) -> None:
        """Record a finished stage: store its output (main thread only), make it available to later stages."""
        if not resumed and stage.keep is not None and stage.keep(output):  # kept stages resume only whole
            self.db.save_checkpoint(self.stream_id, stage.name, key, output, seconds=t1 - t0)
        self.outputs[stage.name], self.keys[stage.name] = output, key
        self.stage, self.key, self.resumed = stage, key, resumed
        self.report(1.0)
        self.timings[stage.name] = StageTiming(stage.name, t1 - t0, _peak_rss_mb(), resumed,
                                               t0 - self.started, t1 - self.started)

    def execute(self, stage: Stage) -> StageTiming:
        """Run one stage in this thread (or take its stored output)."""
        t0 = time.monotonic()
        options, key, output = self._prepare(stage)
        self.stage, self.key, self.resumed = stage, key, output is not None
        if output is None:
            output = stage.run(self, options, *(self.outputs[n] for n in stage.needs))
        # A stage without a stored output may still have resumed from its own checkpoints (transcribe's chunks).
        self._done(stage, key, output, self.resumed, t0, time.monotonic())
        return self.timings[stage.name]

    def start_early(self, pool: ThreadPoolExecutor, pending: dict[str, tuple[Future, str, float]]) -> None:
        """Start every early stage whose needs are ready; one with a stored output is done at once."""
        for stage in self.stages:
            if not stage.early or stage.name in pending or stage.name in self.timings \
                    or not all(n in self.outputs for n in stage.needs):
                continue
            t0 = time.monotonic()
            options, key, output = self._prepare(stage)
            if output is not None:
                self._done(stage, key, output, True, t0, time.monotonic())
                continue
            for module in stage.imports:
                importlib.import_module(module)
            view = replace(self, stage=stage, key=key, resumed=False, background=True)
            needed = [self.outputs[n] for n in stage.needs]

            def work(stage: Stage = stage, view: Run = view, options: Any = options, needed: list = needed
                     ) -> tuple[Any, float]:  # in the thread
                return stage.run(view, options, *needed), time.monotonic()

            pending[stage.name] = (pool.submit(work), key, t0)

    def join(self, stage: Stage, started: tuple[Future, str, float]) -> StageTiming:
        """Wait for an early stage's thread and record its output (raising what it raised)."""
        future, key, t0 = started
        output, t1 = future.result()
        self._done(stage, key, output, False, t0, t1)
        return self.timings[stage.name]

    def _stored(self, stage: Stage, key: str) -> Any | None:
        """The stage's stored output for ``key``, if there is one and it is still usable."""
        stored = self.db.checkpoint(self.stream_id, stage.name, key)
        try:
            output = from_json(stage.output, stored) if stored is not None else None
        except ValueError:  # written by an older version in another shape: run the stage again
            return None
        return output if output is not None and stage.keep is not None and stage.keep(output) else None


def run_stages(run: Run) -> None:
    """Run ``run.stages``: in the listed order in this thread, early ones in a thread as soon as they can start.

    An early stage's output is taken (and stored) when the list reaches it. If anything fails, early stages
    still running stop at their next progress report, and the error is raised once they have.
    """
    pending: dict[str, tuple[Future, str, float]] = {}
    with ThreadPoolExecutor(max_workers=max(1, sum(s.early for s in run.stages)), thread_name_prefix="stage") as pool:
        try:
            for stage in run.stages:
                run.start_early(pool, pending)
                if stage.name in pending:
                    run.join(stage, pending.pop(stage.name))
                elif stage.name not in run.timings:
                    run.execute(stage)
        except BaseException:
            run.failed.set()
            raise
