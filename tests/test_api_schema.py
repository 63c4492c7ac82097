"""The OpenAPI schema tells the truth: a bounded, seeded Schemathesis run against the app, in-process (ASGI).

Every operation gets schema-valid requests (positive) and schema-invalid ones (negative), from a fixed seed
and a bounded number of examples. The run fails on any 5xx, on any response the schema does not describe
(undocumented status, wrong content type, body or headers off-schema), on an invalid request that is
accepted, and on a valid one that is refused for a reason the schema could have stated. Some refusals of
valid requests depend on data no schema can know; those error codes are listed in DATA_DEPENDENT with why.

Half of the generated stream ids, 看点 ids and media paths are swapped for real ones (positive requests only),
so the run reaches past the 404s into the validation behind them.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from api_support import fill_stream, ids, make_settings, make_video
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from replay.api import create_app
from replay.jobs.runner import JobRunner
from replay.store.database import Database

EXAMPLES = 12
"""Examples per operation and mode: 21 operations x 2 modes stay well under a minute of CPU."""

DATA_DEPENDENT = {
    "unknown_highlight": "看点 ids exist only in the database",
    "clip_range_invalid": "the recording's length, and end > start (JSON Schema cannot compare two fields)",
    "no_video_stream": "whether the recording has a picture",
    "unsupported_media_type": "the upload's bytes are sniffed; a schema describes only the part's declared type",
    "catalog_invalid": "catalog rows are checked by the loader, row by row and field by field",
    "media_open_error": "whether the file is readable media",
    "media_truncated": "whether the file's data reaches its end",
    "no_audio_stream": "whether the recording has sound",
    "bad_request": "a media path that names nothing once percent-decoded (%00, %20) or both catalog forms at once",
    "options_invalid": "stage options are validated by Settings, field by field",
}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    tmp = tmp_path_factory.mktemp("schema")
    s = make_settings(tmp, max_queued_jobs=2)
    video = make_video(s.media_root / "live.mp4", seconds=20.0, size="160x90")
    fill_stream(Database(s.database), s, video)
    runner = JobRunner(s, work=lambda req, db, report: None)  # index jobs do nothing; clip jobs cut for real
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(s, runner=runner))
    runner.wait_idle(60)
    runner.close()


def accepts_valid_requests(ctx: Any, response: Any, case: Any) -> None:
    """Schemathesis' positive_data_acceptance, less the refusals that depend on data (DATA_DEPENDENT)."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if 400 <= response.status_code < 500 and response.status_code not in (401, 403, 404, 409, 413, 429):
        code = response.json()["error"]["code"]
        assert code in DATA_DEPENDENT, f"a schema-valid request was refused with {response.status_code} {code}: " \
                                       f"{response.json()['error']['message']}"


def _real_ids(case: Any) -> None:
    """Swap half of the generated ids and paths for real ones (a deterministic choice: the seed fixes it)."""
    pick = lambda value: isinstance(value, str) and len(value) % 2 == 0  # noqa: E731
    params = case.path_parameters or {}
    if pick(params.get("stream_id")):
        params["stream_id"] = "sdemo"
    if pick(params.get("highlight_id")):
        params["highlight_id"] = ids()[0]
    if isinstance(case.body, dict):
        if pick(case.body.get("highlight_id")):
            case.body["highlight_id"] = ids()[1]
        if pick(case.body.get("path")):
            case.body["path"] = "live.mp4"


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_matches_its_schema(api_schema, mode: GenerationMode) -> None:  # noqa: ANN001
    failures = []
    for result in api_schema.get_all_operations():
        op = result.ok()

        @given(case=op.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            if mode is GenerationMode.POSITIVE:
                _real_ids(case)
            case.call_and_validate(excluded_checks=[positive_data_acceptance],
                                   additional_checks=[accepts_valid_requests])

        try:
            run()
        except Unsatisfiable:
            continue  # no schema-invalid request exists for an operation whose only input is a free string
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect every operation's failures
            failures.append(f"{op.method.upper()} {op.path}: {str(exc)[:2000]}")
    assert not failures, "\n\n".join(failures)
