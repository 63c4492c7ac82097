"""Run the app with uvicorn in a background thread, for the browser tests and tests/screenshot_player.py.

Always bound to 127.0.0.1 on a free port, and stopped when the ``with`` block ends.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from replay.api.server import uvicorn_config


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@contextmanager
def background_server(app: FastAPI, host: str = "127.0.0.1", timeout: float = 15.0) -> Iterator[str]:
    """Serve ``app`` until the block exits; yields the base URL (http://127.0.0.1:PORT)."""
    server = uvicorn.Server(uvicorn_config(app, host, free_port(host), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="replay-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the API server did not start")
        time.sleep(0.05)
    try:
        yield f"http://{host}:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
