"""timing: where the seconds of one pipeline run went, from its stage timings and its ASR chunk runs.

Stages overlap (the visual stage runs beside audio and transcription, pipeline.py), so a list of stage
durations no longer adds up to the run's wall time. ``where_time_went`` cuts the run at every stage and chunk
boundary and sums, for each combination of what was running (the main thread's stage, the stages beside it,
how many ASR workers were transcribing or loading their model), the seconds it lasted: the rows add up to
the wall time. ``workers`` gives each ASR worker's busy, loading and idle time and the CPU it got.
"""

from __future__ import annotations

from dataclasses import dataclass

from replay.pipeline import STAGES, IndexResult


@dataclass(frozen=True, slots=True)
class TimeRow:
    what: str
    """What was running, e.g. 'transcribe (2 of 2 workers transcribing) + visual'."""
    seconds: float
    first: float
    """When this combination first occurred, seconds from the start of the run."""


@dataclass(frozen=True, slots=True)
class WorkerRow:
    worker: str
    chunks: int
    audio_seconds: float
    loading: float
    """Seconds spent loading the model."""
    transcribing: float
    cpu_seconds: float
    """CPU time the worker got while running chunks (loading included); below loading + transcribing when it
    shared its core with other work."""
    idle_start: float
    """From the start of the transcribe stage to the worker's first chunk (spawning the process)."""
    idle_end: float
    """From the worker's last chunk to the end of the transcribe stage (waiting for the other workers)."""


def _worker_spans(result: IndexResult) -> list[tuple[float, float, str]]:
    spans = []
    for r in result.chunk_runs:
        start, end = r.started - result.started, r.ended - result.started
        if r.load_seconds > 0.01:
            spans.append((start, start + r.load_seconds, "loading"))
        spans.append((start + r.load_seconds, end, "transcribing"))
    return spans


def where_time_went(result: IndexResult, workers: int | None = None) -> list[TimeRow]:
    """Seconds of the run per combination of what ran at once, in order of first occurrence (see the module
    docstring); ``workers``: the pool's size, for the 'n of N' wording (default: the workers seen)."""
    early = {s.name for s in STAGES if s.early}
    spans = [(t.start, t.end, t.stage) for t in result.timings if t.end > t.start]
    wspans = _worker_spans(result)
    n_workers = workers or len({r.worker for r in result.chunk_runs}) or 1
    cuts = sorted({0.0, result.seconds, *(a for a, _, _ in spans + wspans), *(b for _, b, _ in spans + wspans)})
    cuts = [c for c in cuts if 0.0 <= c <= result.seconds]
    rows: dict[str, list[float]] = {}
    for a, b in zip(cuts, cuts[1:], strict=False):
        if b - a < 1e-6:
            continue
        mid = (a + b) / 2
        running = [name for s, e, name in spans if s <= mid < e]
        main = [n for n in running if n not in early]
        beside = [n for n in running if n in early]
        what = " + ".join(main) if main else "(between stages)"
        if "transcribe" in main:
            busy = sum(1 for s, e, k in wspans if k == "transcribing" and s <= mid < e)
            loading = sum(1 for s, e, k in wspans if k == "loading" and s <= mid < e)
            detail = f"{busy} of {n_workers} workers transcribing"
            if loading:
                detail += f", {loading} loading the model"
            what = what.replace("transcribe", f"transcribe ({detail})")
        if beside:
            what += " + " + " + ".join(beside) + " beside"
        row = rows.setdefault(what, [0.0, a])
        row[0] += b - a
    return [TimeRow(what, round(sec, 2), round(first, 2)) for what, (sec, first) in sorted(rows.items(),
                                                                                          key=lambda kv: kv[1][1])]


def worker_rows(result: IndexResult) -> list[WorkerRow]:
    """One row per ASR worker process of the run."""
    stage = next((t for t in result.timings if t.stage == "transcribe"), None)
    t0, t1 = (stage.start, stage.end) if stage else (0.0, result.seconds)
    by: dict[str, list] = {}
    for r in result.chunk_runs:
        by.setdefault(r.worker, []).append(r)
    out = []
    for worker, runs in sorted(by.items(), key=lambda kv: min(r.started for r in kv[1])):
        first = min(r.started for r in runs) - result.started
        last = max(r.ended for r in runs) - result.started
        loading = sum(r.load_seconds for r in runs)
        out.append(WorkerRow(worker, len(runs), round(sum(r.audio_seconds for r in runs), 1), round(loading, 2),
                             round(sum(r.ended - r.started for r in runs) - loading, 2),
                             round(sum(r.cpu_seconds for r in runs), 2), round(max(0.0, first - t0), 2),
                             round(max(0.0, t1 - last), 2)))
    return out


def markdown(result: IndexResult, workers: int | None = None) -> str:
    """Both tables, as Markdown."""
    lines = [f"| what ran (wall time {result.seconds:.1f} s) | seconds | share | from |", "|---|---|---|---|"]
    for r in where_time_went(result, workers):
        lines.append(f"| {r.what} | {r.seconds:.1f} | {r.seconds / max(result.seconds, 1e-9):.1%} | {r.first:.1f} s |")
    lines += ["", "| ASR worker | chunks | audio s | loading model s | transcribing s | CPU s | idle before | idle after |",
              "|---|---|---|---|---|---|---|---|"]
    for w in worker_rows(result):
        lines.append(f"| {w.worker} | {w.chunks} | {w.audio_seconds:.0f} | {w.loading:.1f} | {w.transcribing:.1f} | "
                     f"{w.cpu_seconds:.1f} | {w.idle_start:.1f} | {w.idle_end:.1f} |")
    return "\n".join(lines)
