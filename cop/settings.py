"""Praxis settings, read from the environment.

Two modes share this one file (DESIGN.md, "Two modes, one code base"):

- embedded (the default, nothing set): SQLite, eager Celery tasks, files and mail under var/,
  local-memory cache. What `make run` and `make test` use on a laptop.
- production (`COP_ENV=production`): a required secret key, secure cookies, HSTS. Each backing
  service is switched on by its own variable (DATABASE_URL, REDIS_URL, CELERY_BROKER_URL,
  COP_S3_BUCKET, EMAIL_URL), so CI can run the embedded settings against real services.

Every variable is listed, with its default, in .env.example.
"""

import secrets
from importlib.util import find_spec
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# COP_ENV: "embedded" (default) or "production".
COP_ENV = env.str("COP_ENV", default="embedded")
if COP_ENV not in {"embedded", "production"}:
    raise ImproperlyConfigured("COP_ENV must be 'embedded' or 'production'.")
PRODUCTION = COP_ENV == "production"

# COP_DATA_DIR: where the embedded mode keeps its database, uploads and mail (default var/).
DATA_DIR = Path(env.str("COP_DATA_DIR", default=str(BASE_DIR / "var")))

# COP_DEBUG: Django's debug pages (default off in every mode). They show settings, tracebacks
# and every URL pattern to whoever meets an error, so they are for a developer's own machine.
DEBUG = env.bool("COP_DEBUG", default=False)


def _embedded_secret_key() -> str:
    """A random key kept under var/, so sessions survive restarts of the embedded mode."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


# COP_SECRET_KEY: required in production; the embedded mode makes one under var/.
if PRODUCTION:
    SECRET_KEY = env.str("COP_SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured("COP_SECRET_KEY must be set when COP_ENV=production.")
else:
    SECRET_KEY = env.str("COP_SECRET_KEY", default="") or _embedded_secret_key()

# COP_ALLOWED_HOSTS: comma-separated host names (default: localhost names in embedded mode).
ALLOWED_HOSTS = env.list(
    "COP_ALLOWED_HOSTS",
    default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"],
)
# COP_CSRF_TRUSTED_ORIGINS: comma-separated origins, e.g. https://praxis.example.org.
CSRF_TRUSTED_ORIGINS = env.list("COP_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "allauth",
    "allauth.account",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "csp",
    "dbbackup",
    "core",
    "accounts",
    "communities",
    "forums",
    "documents",
    "assessments",
    "facilitation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.PersonalPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Outside the next one: it turns an htmx redirect to the login page into a page redirect
    # only after the draft middleware has seen it as the failure it is.
    "core.drafts.SessionExpiredMiddleware",
    # After messages: it reads the error messages a view queued to tell a failed post.
    "core.drafts.DraftSentMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "cop.urls"
FORM_RENDERER = "core.forms.BootstrapFormRenderer"
WSGI_APPLICATION = "cop.wsgi.application"
ASGI_APPLICATION = "cop.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.csp_nonce",
                "communities.context_processors.notifications",
            ],
        },
    },
    # The plain-text parts of emails (core/email.py): the same templates, nothing HTML-escaped,
    # so "Maths & Sciences" does not reach an inbox as "Maths &amp; Sciences".
    {
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

# COP_SITE_NAME: what the installation is called in emails and pages (default "Praxis").
COP_SITE_NAME = env.str("COP_SITE_NAME", default="Praxis")
# COP_SITE_URL: the address people reach Praxis at, for links in emails sent by tasks
# (default http://127.0.0.1:8000).
COP_SITE_URL = env.str("COP_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL: e.g. postgres://praxis:secret@db:5432/praxis (default: SQLite under var/).
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'praxis.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # COP_DB_CONN_MAX_AGE: seconds a PostgreSQL connection is kept open (default 60).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("COP_DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # The embedded mode serves a few people writing at once: write-ahead logging lets readers
    # go on while one writes, IMMEDIATE transactions take the write lock up front (a deferred
    # one that must upgrade later fails at once with "database is locked"), and a writer waits
    # up to 20 s for the lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions -----------------------------------------------------------------------
# REDIS_URL: e.g. redis://redis:6379/0 — the cache (in front of sessions) and allauth's rate limits
# (default: local memory, one process).
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Fails soft: with Redis down, pages work (slower) instead of answering 500.
            "BACKEND": "core.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "praxis",
            # A Redis that hangs must not hang every request with it.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions live in the database, read through the cache: a Redis outage or restart logs nobody
# out (they used to live in Redis only, and vanished with it).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Celery -----------------------------------------------------------------------------------
# CELERY_BROKER_URL: e.g. redis://redis:6379/1 (default: none, tasks run inline).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
# CELERY_RESULT_BACKEND: where task results are kept (default: the broker when it is Redis).
CELERY_RESULT_BACKEND = (
    env.str(
        "CELERY_RESULT_BACKEND",
        default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "",
    )
    or None
)
# Results live in Redis too: with it down, asking for a task must not wait on the result
# backend's own retries (about 20 s) either.
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 2
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"timeout": 2.0}}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged when it ends, and handed out again when its worker process dies, so a
# killed worker loses no task (DESIGN.md, "The outbox"); each worker process holds one at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker keeps its database connection from task to task (cop/celery.py checks it before each
# and after each, as a request would); Celery closes it anyway every 500 tasks.
CELERY_DB_REUSE_MAX = 500
# COP_CELERY_VISIBILITY_TIMEOUT: seconds before Redis hands a task that no worker acknowledged to
# another worker (default 600). A worker killed outright (kill -9 of its main process, a lost
# machine) leaves its task unacknowledged: it runs again after this delay. It must exceed the
# longest task — an outbox batch is cut at 300 s — or a task still running would be started a
# second time elsewhere.
COP_CELERY_VISIBILITY_TIMEOUT = env.int("COP_CELERY_VISIBILITY_TIMEOUT", default=600)
# A web request publishes its tasks after its commit: with the broker down or hung it must give up
# within a second or two, not retry for 20 s. What it could not publish waits in the outbox.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": COP_CELERY_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    # One more try at once (a pooled connection may have gone stale), then the error.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# The outbox (core/outbox.py): every email is a row, sent by a task after the commit; the sweeper
# (beat, every minute) hands what is still unsent to tasks again.
# COP_OUTBOX_RETRY_AFTER_SECONDS: how long an unsent email waits before the sweeper sends it again,
# and the first backoff after a failed try, doubling with each try up to an hour (default 120).
COP_OUTBOX_RETRY_AFTER_SECONDS = env.int("COP_OUTBOX_RETRY_AFTER_SECONDS", default=120)
# COP_OUTBOX_MAX_ATTEMPTS: tries before an unsent email is given up (default 10: about 5 hours).
COP_OUTBOX_MAX_ATTEMPTS = env.int("COP_OUTBOX_MAX_ATTEMPTS", default=10)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# django-celery-beat copies these entries into its database schedule when beat starts.
CELERY_BEAT_SCHEDULE = {
    "lift-expired-sanctions": {
        "task": "communities.tasks.lift_expired_sanctions",
        "schedule": 300.0,
    },
    "process-pending-documents": {
        "task": "documents.tasks.process_pending",
        "schedule": 600.0,
        "options": {"expire_seconds": 590},
    },
    "purge-document-trash": {
        "task": "documents.tasks.purge_trash",
        "schedule": 3600.0,
    },
    "sweep-outbox": {
        "task": "core.tasks.sweep_outbox",
        "schedule": 60.0,
        # While no worker runs, sweeps do not pile up in the queue: each one lapses.
        "options": {"expire_seconds": 55},
    },
    "advance-assessment-cycles": {
        "task": "assessments.tasks.advance_cycles",
        "schedule": 300.0,
        "options": {"expire_seconds": 290},
    },
    "send-assessment-reminders": {
        "task": "assessments.tasks.send_cycle_reminders",
        "schedule": 300.0,
        "options": {"expire_seconds": 290},
    },
    # Emails (issue 15): notifications grouped over a few minutes, digests in each member's
    # morning, facilitators' daily reminders, invitation reminders. Each is claimed once (the
    # outbox key, DigestDelivery), so a late or doubled tick sends nothing twice.
    "email-notifications": {
        "task": "communities.tasks.email_notifications",
        "schedule": 60.0,
        "options": {"expire_seconds": 55},
    },
    "plan-digests": {
        "task": "facilitation.tasks.plan_digests",
        "schedule": 900.0,
        "options": {"expire_seconds": 890},
    },
    "send-facilitator-reminders": {
        "task": "facilitation.tasks.send_facilitator_reminders",
        "schedule": 900.0,
        "options": {"expire_seconds": 890},
    },
    "remind-invitations": {
        "task": "communities.tasks.remind_invitations",
        "schedule": 3600.0,
        "options": {"expire_seconds": 3500},
    },
}

# --- Files ------------------------------------------------------------------------------------
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
# COP_STATIC_ROOT: where collectstatic gathers static files (default staticfiles/).
STATIC_ROOT = Path(env.str("COP_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))


def _bootstrap_dist() -> Path:
    """Bootstrap's dist folder, installed from PyPI (bootstrap-wrapper) into the venv."""
    spec = find_spec("bootstrap")
    if spec is None or not spec.submodule_search_locations:
        raise ImproperlyConfigured("Bootstrap is missing: run `make install`.")
    return Path(next(iter(spec.submodule_search_locations)))


STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/bootstrap", _bootstrap_dist())]


def _s3_storage(bucket: str, **options) -> dict:
    """django-storages' S3 backend for a bucket, on the COP_S3_* endpoint and credentials."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            # COP_S3_ENDPOINT_URL: for S3-compatible services, e.g. http://minio:9000.
            "endpoint_url": env.str("COP_S3_ENDPOINT_URL", default="") or None,
            # COP_S3_REGION: the bucket's region (default us-east-1).
            "region_name": env.str("COP_S3_REGION", default="us-east-1"),
            # COP_S3_ACCESS_KEY_ID / COP_S3_SECRET_ACCESS_KEY: credentials (default: boto3's
            # own lookup, e.g. an instance role).
            "access_key": env.str("COP_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("COP_S3_SECRET_ACCESS_KEY", default="") or None,
            "signature_version": "s3v4",
            "addressing_style": "path",
            "file_overwrite": False,
            "default_acl": None,
            **options,
        },
    }


# COP_S3_BUCKET: store uploads in this S3 bucket (default: none, files under var/media/).
COP_S3_BUCKET = env.str("COP_S3_BUCKET", default="")
if COP_S3_BUCKET:
    _default_storage = _s3_storage(
        COP_S3_BUCKET,
        querystring_auth=True,
        # COP_S3_URL_EXPIRY: seconds a presigned download URL stays valid (default 300).
        querystring_expire=env.int("COP_S3_URL_EXPIRY", default=300),
    )
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        # Plain storage elsewhere: tests run with DEBUG off and no collected manifest.
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    # WhiteNoise expects the folder even when it serves straight from the finders.
    STATIC_ROOT.mkdir(exist_ok=True)
# COP_AVATAR_MAX_BYTES: largest avatar upload accepted (default 2 MB).
COP_AVATAR_MAX_BYTES = env.int("COP_AVATAR_MAX_BYTES", default=2 * 1024 * 1024)
# COP_UPLOAD_MAX_BYTES: largest file accepted by forum attachments and the document library
# (default 200 MB).
COP_UPLOAD_MAX_BYTES = env.int("COP_UPLOAD_MAX_BYTES", default=200 * 1024 * 1024)
# COP_VIDEO_MAX_BYTES: largest video accepted by the document library (default 1 GB).
COP_VIDEO_MAX_BYTES = env.int("COP_VIDEO_MAX_BYTES", default=1024 * 1024 * 1024)
# COP_X_ACCEL_REDIRECT: with local storage behind nginx, the internal location that maps to the
# upload folder (e.g. /protected-media/): downloads are checked here, then handed to nginx with
# X-Accel-Redirect instead of streamed by the app (default: empty, the app streams).
COP_X_ACCEL_REDIRECT = env.str("COP_X_ACCEL_REDIRECT", default="")
# COP_IMAGE_MAX_PIXELS: the most pixels of any image Praxis decodes (default 40 million, e.g.
# 8000 × 5000). Checked from the header before decoding: a larger avatar is refused, a larger
# forum attachment or library file is kept as a plain file without thumbnail.
COP_IMAGE_MAX_PIXELS = env.int("COP_IMAGE_MAX_PIXELS", default=40_000_000)
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Backups ----------------------------------------------------------------------------------
# `manage.py backup` / `restore` (core/management/commands/) drive django-dbbackup: a database
# dump and an archive of the uploads, side by side in one place.
# COP_BACKUP_DIR: the folder backups are written to (default: backups/ in COP_DATA_DIR).
COP_BACKUP_DIR = Path(env.str("COP_BACKUP_DIR", default=str(DATA_DIR / "backups")))
# COP_BACKUP_S3_BUCKET: put backups in this S3 bucket instead of the folder (default: none). It
# uses the endpoint, region and credentials of the uploads (COP_S3_* above).
COP_BACKUP_S3_BUCKET = env.str("COP_BACKUP_S3_BUCKET", default="")
if COP_BACKUP_S3_BUCKET:
    STORAGES["dbbackup"] = _s3_storage(COP_BACKUP_S3_BUCKET)
else:
    # Reads COP_BACKUP_DIR when used, not here, so an override (a test's) moves it.
    STORAGES["dbbackup"] = {"BACKEND": "core.backup.BackupFolderStorage"}
# SQLite: restore through SQLite's backup API into the open database (core/backup.py says why).
DBBACKUP_CONNECTOR_MAPPING = {"django.db.backends.sqlite3": "core.backup.SqliteConnector"}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Restored objects belong to the role that restores them (the app's own), so a dump also
    # restores on a server where that role has another name.
    DBBACKUP_CONNECTORS = {"default": {"PG_OPTIONS": "--no-owner"}}

# --- Email ------------------------------------------------------------------------------------
# EMAIL_URL: e.g. smtp+tls://user:password@smtp.example.org:587 (default: files under var/mail/).
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"
# COP_DEFAULT_FROM_EMAIL: the sender of every email.
DEFAULT_FROM_EMAIL = env.str("COP_DEFAULT_FROM_EMAIL", default="Praxis <praxis@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Reply by email (facilitation/inbound.py): a notification about a post carries a Reply-To
# reply+<token>@COP_REPLY_DOMAIN; the `mail-in` service (manage.py receive_mail) takes what the
# domain's MX hands it and posts it in the thread.
# COP_REPLY_DOMAIN: the domain of reply addresses (default: the domain of COP_DEFAULT_FROM_EMAIL).
COP_REPLY_DOMAIN = env.str(
    "COP_REPLY_DOMAIN", default=DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >").lower()
)
# COP_INBOUND_SMTP_HOST / COP_INBOUND_SMTP_PORT: where receive_mail listens (default 0.0.0.0:2525).
COP_INBOUND_SMTP_HOST = env.str("COP_INBOUND_SMTP_HOST", default="0.0.0.0")  # noqa: S104
COP_INBOUND_SMTP_PORT = env.int("COP_INBOUND_SMTP_PORT", default=2525)
# COP_REPLY_TOKEN_MAX_AGE_DAYS: how long a reply address keeps working (default 60 days).
COP_REPLY_TOKEN_MAX_AGE_DAYS = env.int("COP_REPLY_TOKEN_MAX_AGE_DAYS", default=60)

# --- Accounts ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_ADAPTER = "communities.adapters.InvitationAccountAdapter"
ACCOUNT_UNIQUE_EMAIL = True
# COP_EMAIL_VERIFICATION: mandatory (default), optional or none.
ACCOUNT_EMAIL_VERIFICATION = env.str("COP_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{COP_SITE_NAME}] "
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_SESSION_REMEMBER = None
# allauth's defaults, spelled out: the sixth failed login for one account within five minutes is
# refused. They live in the cache, so production shares them through Redis.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/300s/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}

# --- Languages and time -----------------------------------------------------------------------
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
# COP_LANGUAGE_CODE: the language when neither the person nor the browser says (default en).
LANGUAGE_CODE = env.str("COP_LANGUAGE_CODE", default="en")
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# COP_TIME_ZONE: the installation's default time zone (default UTC).
TIME_ZONE = env.str("COP_TIME_ZONE", default="UTC")
USE_TZ = True

# --- Security ---------------------------------------------------------------------------------
# Files on object storage reach the browser by redirect to presigned URLs: previews may load them.
_S3_ORIGINS = []
if COP_S3_BUCKET:
    from urllib.parse import urlsplit

    _endpoint = urlsplit(
        STORAGES["default"]["OPTIONS"]["endpoint_url"] or "https://s3.amazonaws.com"
    )
    _S3_ORIGINS = [f"{_endpoint.scheme}://{_endpoint.netloc}", "https://*.amazonaws.com"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        # No inline styles anywhere: htmx is told not to inject its indicator style.
        "style-src": [SELF],
        # Bootstrap's stylesheet draws form controls with data: SVG images.
        "img-src": [SELF, "data:", *_S3_ORIGINS],
        # Document previews: video and audio players, and PDFs in a frame of our own pages.
        "media-src": [SELF, *_S3_ORIGINS],
        "frame-src": [SELF, *_S3_ORIGINS],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    # COP_HTTPS: people reach the site over HTTPS, through a TLS-terminating proxy (default on).
    # Off only for a local trial on plain http://localhost: it turns off, together, the HTTPS
    # redirect, HSTS and the Secure flag of the session, CSRF and language cookies (a browser
    # never sends a Secure cookie over HTTP, so logging in would fail with "CSRF cookie not
    # set"). COP_SECURE_SSL_REDIRECT=false, its former name, still means the same.
    HTTPS = env.bool("COP_HTTPS", default=env.bool("COP_SECURE_SSL_REDIRECT", default=True))
    SESSION_COOKIE_SECURE = HTTPS
    CSRF_COOKIE_SECURE = HTTPS
    LANGUAGE_COOKIE_SECURE = HTTPS
    SECURE_SSL_REDIRECT = HTTPS
    # COP_HSTS_SECONDS: how long browsers must use HTTPS only (default one year).
    SECURE_HSTS_SECONDS = env.int("COP_HSTS_SECONDS", default=31_536_000) if HTTPS else 0
    SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
    SECURE_HSTS_PRELOAD = HTTPS
    # The TLS-terminating proxy in front of gunicorn says which scheme the client used: it must
    # set X-Forwarded-Proto (and overwrite any the client sent).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # /healthz is polled over plain HTTP by the container's health check.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if not HTTPS:
        # Chosen, not forgotten: `check --deploy` stays clean for the plain-HTTP trial.
        SILENCED_SYSTEM_CHECKS = [
            "security.W004",
            "security.W008",
            "security.W012",
            "security.W016",
        ]

# COP_TRUSTED_PROXIES: how many reverse proxies in front of the app append to X-Forwarded-For
# (default 0: the client address is REMOTE_ADDR). Used for the audit log and for the login and
# sign-up rate limits, which count per client address.
COP_TRUSTED_PROXIES = env.int("COP_TRUSTED_PROXIES", default=0)
# allauth's own reading of X-Forwarded-For follows the same count (our adapter answers first).
ALLAUTH_TRUSTED_PROXY_COUNT = COP_TRUSTED_PROXIES

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    # COP_LOG_LEVEL: level of the application's log lines (default INFO).
    "root": {"handlers": ["console"], "level": env.str("COP_LOG_LEVEL", default="INFO")},
}
