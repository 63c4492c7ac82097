"""A bounded, seeded Schemathesis run against the app in-process (ASGI): no 5xx, and every response matches
the OpenAPI schema (status code documented, content type, body schema, headers)."""

from __future__ import annotations

import pytest
import schemathesis
from api_support import fill_stream, make_settings, make_video
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from replay.api import create_app
from replay.jobs.runner import JobRunner
from replay.store.database import Database


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("schema")
    s = make_settings(tmp)
    video = make_video(s.media_root / "live.mp4", seconds=20.0)
    fill_stream(Database(s.database), s, video)
    runner = JobRunner(s)
    app = create_app(s, runner=runner)
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    runner.close()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_matches_its_schema(api_schema, mode) -> None:
    failures = []
    for result in api_schema.get_all_operations():
        op = result.ok()

        @given(case=op.as_strategy(generation_mode=mode))
        @settings(max_examples=30, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case) -> None:
            if "stream_id" in (case.path_parameters or {}) and len(str(case.path_parameters["stream_id"])) % 2 == 0:
                case.path_parameters["stream_id"] = "sdemo"
            case.call_and_validate()

        try:
            run()
        except Unsatisfiable:
            continue  # no schema-invalid request exists for an operation whose only input is a free string
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001
            failures.append(f"{op.method.upper()} {op.path}: {str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)
