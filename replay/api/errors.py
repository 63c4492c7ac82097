"""The one JSON error shape of the API, and the handlers that produce it for every 4xx/5xx.

Every error response, whether raised by replay (ReplayError), by FastAPI (validation, unknown route, wrong
method) or by a bug, has the body ``{"error": {"code", "message", "hint", "status"}}`` so clients handle
errors in one place. Unexpected exceptions are logged with their traceback and answered with a generic
500: the traceback never reaches the client.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from replay.api.paths import redact
from replay.errors import ReplayError, from_system_error

log = logging.getLogger("replay.api")

# Codes for the errors Starlette raises on its own (no route, wrong method, ...).
_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "payload_too_large",
               415: "unsupported_media_type", 416: "range_not_satisfiable", 422: "validation_error",
               429: "too_many_requests", 503: "service_unavailable", 507: "storage_full"}

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "hint": {"type": ["string", "null"]}, "status": {"type": "integer"}},
        "required": ["code", "message", "hint", "status"]}},
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}}
ERROR_RESPONSES = {s: {"description": d, "content": {"application/json": {"schema": ERROR_SCHEMA}},
                       **({"headers": _RETRY_AFTER} if s == 503 else {})}
                   for s, d in [(400, "Bad request"), (401, "Missing or wrong X-API-Key (when the server has a key)"),
                                (403, "Forbidden"), (404, "Not found"), (422, "Validation error"),
                                (503, "The database is locked by another process, or the server is stopping")]}
"""Every route may answer these; write routes add their own (413, 415, 429, 507)."""
WRITE_RESPONSES = {
    413: {"description": "The JSON body is larger than REPLAY_CATALOG_MAX_BYTES + 64 KiB",
          "content": {"application/json": {"schema": ERROR_SCHEMA}}},
    429: {"description": "Too many jobs waiting (REPLAY_MAX_QUEUED_JOBS)", "headers": _RETRY_AFTER,
          "content": {"application/json": {"schema": ERROR_SCHEMA}}},
    507: {"description": "The server's disk is full", "content": {"application/json": {"schema": ERROR_SCHEMA}}},
}


def error_body(status: int, code: str, message: str, hint: str | None = None) -> dict:
    return {"error": {"code": code, "message": message, "hint": hint, "status": status}}


def error_response(status: int, code: str, message: str, hint: str | None = None,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, code, message, hint), status_code=status, headers=dict(headers or {}))


def replay_error_response(exc: ReplayError, headers: Mapping[str, str] | None = None,
                          request: Request | None = None) -> JSONResponse:
    message, hint = exc.message, exc.hint
    if request is not None:  # no server path in any response (a media error quotes ffprobe, which names the file)
        settings = request.app.state.ctx.settings
        message = redact(message, settings.media_root, settings.data_dir)
        hint = redact(hint, settings.media_root, settings.data_dir) if hint else hint
    return error_response(exc.status, exc.code, message, hint, {**exc.headers, **(headers or {})})


def _location(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if p not in ("body",)) or "body"


async def _on_replay_error(request: Request, exc: ReplayError) -> JSONResponse:
    if exc.status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc, exc_info=exc)
    return replay_error_response(exc, request=request)


async def _on_system_error(request: Request, exc: Exception) -> JSONResponse:
    """A full disk (507) or a database another process has locked (503), anywhere in a request."""
    known = from_system_error(exc)
    if known is None:
        return await _on_unexpected(request, exc)
    log.warning("%s %s: %s (%s)", request.method, request.url.path, known.message, exc)
    return replay_error_response(known, request=request)


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
    headers = dict(getattr(exc, "headers", None) or {})
    if status == 405:
        # Starlette's Allow names only the first route that matched the path (POST /streams), not every
        # method the path has (GET /streams too).
        allowed = _allowed_methods(request)
        headers["Allow"] = ", ".join(allowed)
        message = f"{request.method} is not allowed on {request.url.path}; use {' or '.join(allowed)}"
    return error_response(status, code, message, hint, headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves on this path (routers nest, so each method is tried on the whole app)."""
    allowed = []
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("%s %s crashed", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "internal server error",
                          "the server logged the details; retry, or report it with the time of the request")


def install(app: FastAPI) -> None:
    app.add_exception_handler(ReplayError, _on_replay_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _on_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(OSError, _on_system_error)
    app.add_exception_handler(sqlite3.Error, _on_system_error)
    app.add_exception_handler(Exception, _on_unexpected)
