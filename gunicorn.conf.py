"""gunicorn's settings for the production web tier (Dockerfile and docker-compose.yml use it).

Threads (the gthread worker) keep /healthz and quick pages answering while some requests are
slow (a large upload, a slow client): a request holds a thread, not a whole process. Each value
can be changed from the environment without rebuilding the image.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# WEB_CONCURRENCY: worker processes (default: one per core plus one, at most 8).
workers = _int("WEB_CONCURRENCY", min(multiprocessing.cpu_count() + 1, 8))
# GUNICORN_THREADS: threads per worker (default 4).
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # noqa: S104 - inside the container
# A worker silent this long is restarted (uploads stream in chunks, so they are not silent).
timeout = _int("GUNICORN_TIMEOUT", 60)
# On SIGTERM (docker stop, a deploy) requests in flight get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Workers are replaced after this many requests (with jitter, so not all at once): a slow leak
# in a library never grows without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# Heartbeat files in memory, not on the container's overlay disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
accesslog = "-"
errorlog = "-"
# The client address in the access log comes from the proxy in front (COP_TRUSTED_PROXIES).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
