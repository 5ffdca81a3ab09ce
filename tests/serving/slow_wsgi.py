"""Praxis's WSGI application with one extra path, /slow, that holds its worker thread until the
test lets it go: how a slow upload or a slow client occupies the web tier."""

import os
import time
import uuid
from pathlib import Path

from cop.wsgi import application as praxis

HOLD_SECONDS = 30


def application(environ, start_response):
    if environ.get("PATH_INFO") != "/slow":
        return praxis(environ, start_response)
    folder = Path(os.environ["SLOW_DIR"])
    (folder / f"entered-{uuid.uuid4().hex}").touch()
    deadline = time.monotonic() + HOLD_SECONDS
    while not (folder / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"done"]
