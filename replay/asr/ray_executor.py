"""Run ASR chunks on a Ray cluster: actors keep the model loaded, tasks declare their CPUs and GPUs.

Used when REPLAY_RAY_ADDRESS is set. The driver (the pipeline) still owns all job state in the database;
Ray only computes. A chunk whose actor dies is retried on another actor (Ray restarts the actor and
re-sends the call), so a lost node costs the chunks it held, never the job.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from replay.asr.executor import ChunkRun, timed_transcribe
from replay.asr.transcribe import TranscribeOptions
from replay.contracts import AudioChunk, Segment
from replay.errors import ReplayError


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ReplayError("REPLAY_RAY_ADDRESS is set but Ray is not installed",
                          hint='pip install "replay[ray]" or unset REPLAY_RAY_ADDRESS to use the local pool') from None
    return ray


class _AsrWorker:
    """Holds one loaded model for its whole life; Ray restarts it (and retries its calls) if it dies."""

    def __init__(self, options: TranscribeOptions) -> None:
        from replay.asr.transcribe import load_model

        load_model(options)
        self.options = options

    def transcribe(self, chunk: AudioChunk, options: TranscribeOptions) -> tuple[list[Segment], ChunkRun]:
        return timed_transcribe(chunk, options)


class RayExecutor:
    """Fan chunks out over ``workers`` ASR actors on the cluster at ``address``.

    Chunk audio is read from the path in each AudioChunk, so on a multi-node cluster the data dir must be
    on storage every node mounts (NFS, a shared volume); the docs say so.
    """

    def __init__(self, address: str, workers: int = 2, num_cpus: float = 1.0, num_gpus: float = 0.0,
                 max_retries: int = 3) -> None:
        ray = _ray()
        if not ray.is_initialized():
            # "local" is Ray's own word for a new in-process cluster: never one that happens to run on the
            # machine (address=None would join a cluster started with `ray start` or named by RAY_ADDRESS).
            ray.init(address=address, ignore_reinit_error=True, include_dashboard=False, log_to_driver=False)
        self.ray = ray
        self.workers = workers
        self._actor_cls = ray.remote(num_cpus=num_cpus, num_gpus=num_gpus, max_restarts=max_retries,
                                     max_task_retries=max_retries)(_AsrWorker)
        self._actors: list[Any] = []
        self._options: TranscribeOptions | None = None
        self.runs: list[ChunkRun] = []

    def _ensure_actors(self, options: TranscribeOptions) -> list[Any]:
        if self._options != options:
            for a in self._actors:
                self.ray.kill(a)
            self._actors = [self._actor_cls.remote(options) for _ in range(self.workers)]
            self._options = options
        return self._actors

    @property
    def actors(self) -> list[Any]:
        return list(self._actors)

    def transcribe_chunks(self, chunks: Sequence[AudioChunk], options: TranscribeOptions
                          ) -> Iterator[tuple[AudioChunk, list[Segment]]]:
        actors = self._ensure_actors(options)
        queue = list(chunks)
        in_flight: dict[Any, tuple[AudioChunk, Any]] = {}
        idle = list(actors)
        while queue or in_flight:
            while queue and idle:
                actor, chunk = idle.pop(), queue.pop(0)
                in_flight[actor.transcribe.remote(chunk, options)] = (chunk, actor)
            done, _ = self.ray.wait(list(in_flight), num_returns=1)
            chunk, actor = in_flight.pop(done[0])
            idle.append(actor)
            segments, run = self.ray.get(done[0])
            self.runs.append(run)
            yield chunk, segments

    def close(self) -> None:
        for a in self._actors:
            self.ray.kill(a)
        self._actors = []
        self._options = None

    def terminate(self) -> None:
        self.close()  # killing the actors stops their chunks; ray.get in transcribe_chunks then raises
