"""The one settings file of Advisory, read from the environment.

Every variable read here is listed, with its default, in deploy/env.example.
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from advisory.ops.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

VAR_DIR = Path(env.str("ADVISORY_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Django's admin, on a site that asks for the second factor of staff who set one up.
    "advisory.ops.apps.DeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "rest_framework",
    "taggit",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "advisory.accounts",
    "advisory.entities",
    "advisory.briefs",
    "advisory.workflow",
    "advisory.portal",
    "advisory.digests",
    "advisory.api",
    "advisory.demo",
    "advisory.ops",
]

MIDDLEWARE = [
    # First, so every log line of the request carries its id.
    "advisory.ops.logs.request_id_middleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the publications' version, so the request reads it once.
    "advisory.briefs.publication.publications_version_per_request",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "advisory.accounts.backends.session_backend_middleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "advisory.accounts.two_factor.enrolment_required_middleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it turns any sign-in refused for too many failures into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "advisory.urls"
WSGI_APPLICATION = "advisory.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# The embedded default is a SQLite file under var/, so the demo needs no server.
# An empty variable counts as unset, as in `DATABASE_URL= make demo`.
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'advisory.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Statements of our own run through `lib.sql.statement_cursor` are prepared once they
    # have run this often on a connection (Django leaves psycopg's preparing off, for
    # connection poolers in transaction mode; Advisory connects to PostgreSQL directly).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web server and Celery worker share the file: wait for the lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

# Sign-in rate limiting (django-axes), for the portal and the admin alike: after
# AXES_FAILURE_LIMIT failures for one username from one address, that pair is refused until
# AXES_COOLOFF_MINUTES have passed since the last attempt. Attempts are kept in the database,
# so every web process sees them.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend reading the session's user with their entitlement; sessions that name
    # ModelBackend itself are moved to it by `session_backend_middleware`.
    "advisory.accounts.backends.ReaderBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Quiet at start-up: commands promise nothing but their own lines on stderr.
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "advisory.accounts.login_limits.lockout_response"
AXES_CLIENT_IP_CALLABLE = "advisory.accounts.login_limits.client_ip"
# How many reverse proxies append to X-Forwarded-For in front of the app; 0 trusts REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Redis, when configured, is the Celery broker and the cache. Without it the cache is local
# memory and Celery uses Kombu's filesystem transport, so scheduled work still runs in the demo.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Degrades to no cache while Redis is away (advisory/lib/cache.py): pages keep serving.
    _redis_cache = {
        "BACKEND": "advisory.lib.cache.DegradingRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {
            "socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT", default=0.5),
            "socket_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=1.0),
        },
    }
    CACHES = {"default": _redis_cache, "presence": {**_redis_cache, "KEY_PREFIX": "presence"}}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # Who has a brief open must be seen by every web process, not only the one asked.
        "presence": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache" / "presence"),
        },
    }

# Sessions are read from Redis and written through to the database: a signed-in page saves a
# query, and a session outlives a flushed cache. Without Redis each process would keep its own
# copy (a sign-out in one would not reach the others), so the demo reads the database.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # Far longer than any task runs, so a task is redelivered only when its worker died.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Mail goes through its own queue, so a long digest run never holds up publishing, and mail
# workers can be scaled (or throttled) apart from the rest. A worker started without
# --queues consumes both.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue("celery"), Queue("mail"))
CELERY_TASK_ROUTES = {
    name: {"queue": "mail"}
    for name in (
        "advisory.digests.tasks.send_digest_run",
        "advisory.digests.tasks.send_retraction_notices",
        "advisory.digests.tasks.send_subscription_confirmation",
        "advisory.workflow.tasks.notify_brief_event",
        "advisory.workflow.tasks.notify_comment_mention",
        "advisory.workflow.tasks.remind_scenario_reviews",
    )
}
# A worker that has not taken the beat's heartbeat off its queue for this long fails /readyz.
WORKER_HEARTBEAT_MAX_AGE = env.int("WORKER_HEARTBEAT_MAX_AGE", default=120)
CELERY_BEAT_SCHEDULE = {
    "publish-due-briefs": {
        "task": "advisory.workflow.tasks.publish_due_briefs",
        "schedule": crontab(minute="*"),
    },
    "create-digest-runs": {
        "task": "advisory.digests.tasks.create_digest_runs",
        "schedule": crontab(minute="*"),
    },
    # Once a day: a scenario's reminder is sent once per review date, so a later run (a retry,
    # a second beat by mistake) sends nothing again.
    "remind-scenario-reviews": {
        "task": "advisory.workflow.tasks.remind_scenario_reviews",
        "schedule": crontab(hour=6, minute=0),
    },
    "send-unsent-tasks": {
        "task": "advisory.ops.tasks.send_unsent_tasks",
        "schedule": crontab(minute="*"),
    },
    **{
        f"heartbeat-{queue.name}": {
            "task": "advisory.ops.tasks.record_heartbeat",
            "schedule": 30.0,
            "options": {"queue": queue.name, "expires": 30},
        }
        for queue in CELERY_TASK_QUEUES
    },
}

# Email: an SMTP URL in production; by default messages are written to files under var/mail.
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    _email = env.email_url_config(EMAIL_URL)
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
    EMAIL_PORT = _email["EMAIL_PORT"] or 25
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
    EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
    EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
    EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
# Connections each worker process keeps to the SMTP server while sending digests, shared by
# its two sender threads; each thread's share of messages shares one commit of the delivery
# ledger. Keep it within the server's limit per client (providers throttle many connections).
DIGEST_SMTP_CONNECTIONS = env.int("DIGEST_SMTP_CONNECTIONS", default=8)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Advisory <desk@advisory.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Analytic tradecraft: the one likelihood scale judgments are written on (advisory/briefs/
# scales.py): "phia" (the UK PHIA Probability Yardstick) or "icd203" (US ICD 203).
LIKELIHOOD_SCALE = env.str("LIKELIHOOD_SCALE", default="phia")
if LIKELIHOOD_SCALE not in ("phia", "icd203"):
    raise ImproperlyConfigured(
        f"LIKELIHOOD_SCALE is {LIKELIHOOD_SCALE!r}: it must be 'phia' or 'icd203'."
    )

# Security. Production sets SECURE_SSL_REDIRECT and the cookie flags through the environment;
# `manage.py check --deploy` with the values of deploy/env.example reports nothing.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=SECURE_SSL_REDIRECT)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=SECURE_SSL_REDIRECT)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Content-Security-Policy (django-csp): scripts and styles only from our own static files, so an
# injected <script> or style attribute does nothing. A template that needs an inline block
# marks it with request.csp_nonce; pages showing an email's HTML allow inline styles
# (advisory/lib/csp.py). Brief images may come from any HTTPS host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", "https:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

REST_FRAMEWORK = {
    # A Bearer token first: being first, it makes a request without credentials a 401 that
    # says how to authenticate. The session serves the browsable API, with its CSRF check.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "advisory.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Closed unless a view opens itself: the read-only client endpoints allow visitors, who
    # get what a visitor of the portal gets.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [
        "advisory.api.throttling.ClientRateThrottle",
        "advisory.api.throttling.AnonymousRateThrottle",
    ],
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "advisory.api.renderers.PolicyBrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["advisory.api.parsers.StrictJSONParser"],
    # Each list names its cursor pagination and ordering (advisory/api/pagination.py).
    "DEFAULT_SCHEMA_CLASS": "advisory.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "advisory.api.errors.exception_handler",
}
# Requests a minute (or /second, /hour, /day) the API takes per token or signed-in user, and
# per address from visitors; empty for no limit.
_RATE = r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$"
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="120/minute") or None
API_ANON_THROTTLE_RATE = env.str("API_ANON_THROTTLE_RATE", default="30/minute") or None
for _name, _rate in (
    ("API_THROTTLE_RATE", API_THROTTLE_RATE),
    ("API_ANON_THROTTLE_RATE", API_ANON_THROTTLE_RATE),
):
    if _rate is not None and not re.match(_RATE, _rate):
        raise ImproperlyConfigured(f"{_name} is a number of requests per period, e.g. 120/minute.")
SPECTACULAR_SETTINGS = {
    "TITLE": "Advisory API",
    "DESCRIPTION": "Briefs and entity records for clients of the desk; the signed-in user's "
    "follows and email digests; drafts for the desk's own tools.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Request bodies get their own components, so a field the API sets is not asked for.
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "BriefKindEnum": "advisory.briefs.models.BriefKind",
        "BriefStatusEnum": "advisory.briefs.models.BriefStatus",
        "MentionRoleEnum": "advisory.briefs.models.MentionRole",
        "MentionOriginEnum": "advisory.briefs.models.MentionOrigin",
        "EntityKindEnum": "advisory.entities.models.EntityKind",
        "RegionKindEnum": "advisory.entities.models.Region.Kind",
        "FollowKindEnum": "advisory.api.account_serializers.FOLLOW_KINDS",
    },
}

TAGGIT_CASE_INSENSITIVE = True

# Plain text for people (the demo), one JSON object a line for a log collector (production).
# Every line of a request carries its request id, every line of a task its task id.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT is {LOG_FORMAT!r}: use plain or json.")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env.str("LOG_LEVEL", default="INFO"))
