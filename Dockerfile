# Praxis production image (DESIGN.md, "Two modes, one code base"): gunicorn serves the web tier;
# the same image runs the Celery worker and beat (see docker-compose.yml). Static files are
# collected at build time and served by WhiteNoise; uploads go to S3 or to the /data volume.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    COP_DATA_DIR=/data

# gettext: msgfmt for compilemessages. postgresql-client: pg_dump and pg_restore for
# `manage.py backup` / `restore`. pg_dump refuses a server of a newer major version than its own
# and bookworm ships 15, so the client comes from PostgreSQL's apt repository (postgresql-common
# carries its signing key) at docker-compose.yml's server version; for another server, build with
# --build-arg PG_CLIENT_VERSION=<its major version>.
ARG PG_CLIENT_VERSION=16
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext postgresql-common \
        libpango-1.0-0 libpangoft2-1.0-0 \
    && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
    && apt-get install -y --no-install-recommends postgresql-client-${PG_CLIENT_VERSION} \
    && rm -rf /var/lib/apt/lists/*

# The application runs unprivileged; it owns only its data folder, never its code.
RUN groupadd --system praxis \
    && useradd --system --gid praxis --home-dir /app --no-create-home --shell /usr/sbin/nologin praxis \
    && mkdir -p /data \
    && chown praxis:praxis /data

WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml changes. No
# package of ours is copied yet, so this installs the pinned dependencies and empty metadata;
# the code itself runs from /app (PYTHONPATH).
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .

COPY . .

# Settings refuse to start in production without a secret key; this one exists only for these
# two build steps and is not kept in the image.
RUN COP_ENV=production COP_SECRET_KEY=build-only-not-secret \
        python manage.py compilemessages --ignore=.venv \
    && COP_ENV=production COP_SECRET_KEY=build-only-not-secret \
        python manage.py collectstatic --no-input

ENV COP_ENV=production

USER praxis

EXPOSE 8000

# /healthz answers 200 only when the database, cache and broker answer. It is exempt from the
# HTTPS redirect; the Host header names the first allowed host so Django does not refuse it.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; h = os.environ.get('COP_ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.'); h = 'localhost' if h in ('', '*') else h; r.urlopen(r.Request('http://127.0.0.1:8000/healthz', headers={'Host': h}), timeout=8)"]

# Workers, threads, timeouts and graceful shutdown: gunicorn.conf.py (each set from the
# environment, e.g. WEB_CONCURRENCY, GUNICORN_THREADS). Exec form: gunicorn gets the stop signal.
CMD ["gunicorn", "--config", "gunicorn.conf.py", "cop.wsgi:application"]
