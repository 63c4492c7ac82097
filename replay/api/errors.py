"""The one JSON error shape of the API, and the handlers that produce it for every 4xx/5xx.

Every error response, whether raised by replay (ReplayError), by FastAPI (validation, unknown route, wrong
method) or by a bug, has the body ``{"error": {"code", "message", "hint", "status"}}`` so clients handle
errors in one place. Unexpected exceptions are logged with their traceback and answered with a generic
500: the traceback never reaches the client.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from replay.errors import ReplayError

log = logging.getLogger("replay.api")

# Codes for the errors Starlette raises on its own (no route, wrong method, ...).
_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "payload_too_large",
               415: "unsupported_media_type", 416: "range_not_satisfiable", 422: "validation_error"}

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "hint": {"type": ["string", "null"]}, "status": {"type": "integer"}},
        "required": ["code", "message", "hint", "status"]}},
}
ERROR_RESPONSES = {s: {"description": d, "content": {"application/json": {"schema": ERROR_SCHEMA}}}
                   for s, d in [(400, "Bad request"), (403, "Forbidden"), (404, "Not found"),
                                (422, "Validation error")]}


def error_body(status: int, code: str, message: str, hint: str | None = None) -> dict:
    return {"error": {"code": code, "message": message, "hint": hint, "status": status}}


def error_response(status: int, code: str, message: str, hint: str | None = None,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, code, message, hint), status_code=status, headers=dict(headers or {}))


def replay_error_response(exc: ReplayError, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.message, exc.hint, headers)


def _location(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if p not in ("body",)) or "body"


async def _on_replay_error(request: Request, exc: ReplayError) -> JSONResponse:
    if exc.status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc, exc_info=exc)
    return replay_error_response(exc)


async def _on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = [f"{_location(tuple(e.get('loc', ())))}: {e.get('msg', 'invalid')}" for e in exc.errors()]
    return error_response(422, "validation_error", "; ".join(problems[:5]) or "invalid request",
                          "see the request schema at /docs")


async def _on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    status = exc.status_code
    code = _HTTP_CODES.get(status, "http_error")
    message = str(exc.detail) if exc.detail else code.replace("_", " ")
    hint = "see the list of endpoints at /docs" if status in (404, 405) else None
    if status == 404 and message == "Not Found":
        message = f"no route for {request.method} {request.url.path}"
    return error_response(status, code, message, hint, getattr(exc, "headers", None))


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("%s %s crashed", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "internal server error",
                          "the server logged the details; retry, or report it with the time of the request")


def install(app: FastAPI) -> None:
    app.add_exception_handler(ReplayError, _on_replay_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _on_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _on_unexpected)
