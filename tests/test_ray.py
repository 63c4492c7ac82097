"""The Ray executor on a local Ray instance and on a simulated two-node cluster, with a killed worker.

These use the real whisper-base model on short real clips, so they are marked slow (CI runs them).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from replay.asr.executor import InlineExecutor
from replay.asr.models import resolve_model
from replay.asr.transcribe import TranscribeOptions
from replay.contracts import AudioChunk
from replay.media.audio import extract_pcm
from replay.media.probe import probe

from conftest import DATA, REPO, skip_unless_installed

try:
    import ray
except ImportError:
    skip_unless_installed("Ray is installed by `scripts/install.sh --test`")
from ray.cluster_utils import Cluster  # noqa: E402

from replay.asr.ray_executor import RayExecutor  # noqa: E402

pytestmark = pytest.mark.slow
# Functions sent to actors below (__ray_call__) are defined here: pickle them by value, since the Ray workers
# cannot import this test module.
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])


def actor_pid(actor) -> int:  # noqa: ANN001
    return ray.get(actor.__ray_call__.remote(lambda self: os.getpid()))


def actor_node(actor) -> str:  # noqa: ANN001
    return ray.get(actor.__ray_call__.remote(lambda self: str(ray.get_runtime_context().get_node_id())))

CLIPS = ["wenet_aishell-BAC009S0724W0121.wav", "wenet_triton_mid.wav", "funasr_asr_example.wav",
         "funasr_llamacpp_sample.wav"]


@pytest.fixture(scope="module")
def chunks(tmp_path_factory: pytest.TempPathFactory) -> list[AudioChunk]:
    """Each real clip stands in for one short stream, as one chunk."""
    tmp = tmp_path_factory.mktemp("ray")
    out = []
    for n, name in enumerate(CLIPS):
        info = probe(DATA / "audio" / name)
        pcm = extract_pcm(info, tmp / f"{n}.s16le")
        out.append(AudioChunk(index=n, start=0.0, end=info.duration, path=pcm))
    return out


@pytest.fixture(scope="module")
def options() -> TranscribeOptions:
    return TranscribeOptions(model_dir=resolve_model("whisper-base", REPO / "data" / "models"), threads=1)


@pytest.fixture(scope="module")
def expected(chunks: list[AudioChunk], options: TranscribeOptions) -> dict[int, list[str]]:
    return {c.index: [s.text for s in segs] for c, segs in InlineExecutor().transcribe_chunks(chunks, options)}


def _texts(results: list) -> dict[int, list[str]]:
    return {c.index: [s.text for s in segs] for c, segs in results}


def test_local_ray_matches_the_inline_executor(chunks, options, expected) -> None:
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)  # never a running cluster
    try:
        ex = RayExecutor("local", workers=2)
        got = list(ex.transcribe_chunks(chunks, options))
        assert sorted(c.index for c, _ in got) == [c.index for c in chunks]
        assert _texts(got) == expected
        # The actors stay alive with their model loaded for the next stream.
        pids = {actor_pid(a) for a in ex.actors}
        assert _texts(list(ex.transcribe_chunks(chunks[:2], options))) == {i: expected[i] for i in (0, 1)}
        assert {actor_pid(a) for a in ex.actors} == pids
        ex.close()
    finally:
        ray.shutdown()


def test_two_node_cluster_survives_a_killed_worker(chunks, options, expected) -> None:
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    try:
        ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False)
        ex = RayExecutor(cluster.address, workers=2)
        ex._ensure_actors(options)
        nodes = {actor_node(a) for a in ex.actors}
        assert len(nodes) == 2  # one actor per node: each declared num_cpus=1
        it = ex.transcribe_chunks(chunks * 2, options)
        first = next(it)
        # kill -9 one ASR worker mid-run: Ray restarts the actor and retries its call.
        os.kill(actor_pid(ex.actors[0]), signal.SIGKILL)
        rest = list(it)
        got = [first, *rest]
        assert len(got) == len(chunks) * 2
        for c, segs in got:
            assert [s.text for s in segs] == expected[c.index]
        ex.close()
    finally:
        ray.shutdown()
        cluster.shutdown()


def test_index_batch_runs_streams_on_ray_with_job_rows(tmp_path: Path) -> None:
    """index-batch with REPLAY_RAY_ADDRESS set: every stream indexed through Ray actors, a job row each."""
    import json
    import shutil

    from replay.jobs.batch import discover, index_batch
    from replay.settings import Settings
    from replay.store.database import Database

    folder = tmp_path / "streams"
    for name in CLIPS[:3]:
        (folder / name.split(".")[0]).mkdir(parents=True)
        shutil.copy(DATA / "audio" / name, folder / name.split(".")[0] / name)
        (folder / name.split(".")[0] / "catalog.json").write_text(
            json.dumps([{"sku_id": "K1", "title": "肯德基全家桶", "brand": "肯德基"}], ensure_ascii=False))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "models").symlink_to((REPO / "data" / "models").resolve())
    settings = Settings(data_dir=tmp_path / "data", ray_address="local", workers=2, chunk_seconds=30.0)
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)  # never a running cluster
    try:
        outcomes = index_batch(discover([folder]), settings)
    finally:
        ray.shutdown()
    assert [o.error for o in outcomes] == [None, None, None]
    db = Database(settings.database)
    assert len(db.streams()) == 3
    for o in outcomes:
        jobs = db.jobs_for(o.stream_id)
        assert [j.state for j in jobs] == ["done"] and jobs[0].progress == 1.0
        assert jobs[0].result == {"highlights": len(o.result.index.highlights)}
        assert db.transcript(o.stream_id).segments  # real speech was transcribed on the actors
