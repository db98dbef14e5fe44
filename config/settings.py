"""Settings for the vendor governance portal, read from the environment (django-environ).

One settings module serves every environment. Without configuration the portal runs on
the embedded default (SQLite and a file-system Celery broker); production sets
DATABASE_URL, REDIS_URL, EMAIL_URL, SECRET_KEY and ALLOWED_HOSTS. Bad values fail at
start-up, and a system check refuses the embedded profile when DEBUG is off.
"""

import ipaddress
import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

# Run-time files of the embedded profile: SQLite database, file-system broker, uploads.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-when-debug-is-on"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entry {_origin!r} must start with http:// or https://."
        )

TIME_ZONE = env.str("TIME_ZONE", default="UTC")
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError) as exc:
    raise ImproperlyConfigured(f"TIME_ZONE {TIME_ZONE!r} is not a known IANA time zone.") from exc
USE_TZ = True
LANGUAGE_CODE = "en-gb"
USE_I18N = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "django_htmx",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The house, bottom to top: each app imports only those above it in this list.
    "accounts",
    "vendors",
    "contracts",
    "kpis",
    "governance",
    "selection",
    "portal",
    "api",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.access",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker write while the web server reads; IMMEDIATE avoids lock upgrades.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker, result backend and cache ------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL {REDIS_URL!r} must start with redis://, rediss:// or unix://.")

BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _sub in ("queue", "processed", "control"):
        (BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TASK_IGNORE_RESULT = not CELERY_RESULT_BACKEND
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "portal.tasks.heartbeat", "schedule": timedelta(minutes=5)},
    "evaluate-due": {"task": "kpis.tasks.evaluate_due", "schedule": crontab(minute=7)},
    "governance-escalations": {"task": "governance.tasks.run_escalations", "schedule": timedelta(minutes=10)},
    "governance-overdue-actions": {
        "task": "governance.tasks.flag_overdue_actions",
        "schedule": crontab(minute=20),
    },
    "governance-meetings": {
        "task": "governance.tasks.schedule_meetings",
        "schedule": crontab(hour=5, minute=30),
    },
    "governance-reviews": {
        "task": "governance.tasks.schedule_reviews",
        "schedule": crontab(hour=5, minute=40),
    },
    "contract-reminders": {"task": "contracts.tasks.send_contract_reminders", "schedule": crontab(minute=50)},
    "expire-ended-contracts": {
        "task": "contracts.tasks.expire_ended_contracts",
        "schedule": crontab(hour=0, minute=20),
    },
    "overdue-deliverables": {
        "task": "contracts.tasks.flag_overdue_deliverables",
        "schedule": crontab(minute=3),
    },
    "delivery-metrics": {"task": "kpis.tasks.record_delivery_metrics", "schedule": crontab(hour=4, minute=5)},
}

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts, sessions, login throttling ----------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# By account and by client address separately, each with the cool-down; a browser that signed in to
# the account before is never locked out of it (accounts/lockout.py), so failing on purpose cannot
# lock its owner out, from anywhere or from behind the same shared proxy.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_WHITELIST_CALLABLE = "accounts.lockout.is_trusted_device"
LOGIN_DEVICE_COOKIE_DAYS = env.int("LOGIN_DEVICE_COOKIE_DAYS", default=90)
# Behind N reverse proxies that append to X-Forwarded-For, the client is N hops from the right.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
# Both our login form and the admin's post the e-mail address as "username".
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# --- Security ---------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts and styles only from the portal's own static files —
# no inline script, no inline style (htmx's indicator style is in portal.css; see base.html). SVG
# charts and Swagger UI's icons are data: images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}


def _rate(name: str, default: str) -> tuple[int, int]:
    """``5/hour`` → (5, 3600), for a rate limit; anything else stops the portal naming the variable."""
    value = env.str(name, default=default)
    count, _, period = value.partition("/")
    seconds = {"minute": 60, "hour": 3600, "day": 86400}.get(period.strip())
    if not count.strip().isdigit() or seconds is None:
        raise ImproperlyConfigured(f"{name} must look like 5/hour (per minute, hour or day), not {value!r}.")
    return int(count), seconds


# Password reset and invitation e-mails: per address, and per client address.
EMAIL_RATE_PER_ADDRESS = _rate("EMAIL_RATE_PER_ADDRESS", "3/hour")
EMAIL_RATE_PER_CLIENT = _rate("EMAIL_RATE_PER_CLIENT", "20/hour")

try:
    # Who sees which health check failed, besides API token holders (a comma-separated list of networks).
    HEALTHZ_DETAIL_NETWORKS = [
        ipaddress.ip_network(network.strip())
        for network in env.list("HEALTHZ_DETAIL_NETWORKS", default=["127.0.0.0/8", "::1/128"])
        if network.strip()
    ]
except ValueError as exc:
    raise ImproperlyConfigured(f"HEALTHZ_DETAIL_NETWORKS: {exc}") from exc
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=32)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

# --- E-mail -------------------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Vendor Governance Portal <portal@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=not DEBUG)
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Product settings ------------------------------------------------------------------------
PORTAL_NAME = env.str("PORTAL_NAME", default="Vendor Governance Portal")
DEMO_PASSWORD = "demo-password"  # noqa: S105  (refused when DEBUG is off)
# Contract notice reminders: days before the notice deadline at which the owner is reminded, then the
# escalation (to the owner, the vendor's internal owner and the managers) this many days before it.
CONTRACT_REMINDER_STAGES = env.list("CONTRACT_REMINDER_STAGES", default=["90", "60", "30", "7"])
CONTRACT_REMINDER_ESCALATION_DAYS = env.int("CONTRACT_REMINDER_ESCALATION_DAYS", default=3)
if not all(re.fullmatch(r"\d{1,3}", stage.strip()) for stage in CONTRACT_REMINDER_STAGES) or not (
    0 <= CONTRACT_REMINDER_ESCALATION_DAYS < min(int(stage) for stage in CONTRACT_REMINDER_STAGES or ["0"])
):
    raise ImproperlyConfigured(
        "CONTRACT_REMINDER_STAGES must be whole numbers of days (e.g. 90,60,30,7) and "
        "CONTRACT_REMINDER_ESCALATION_DAYS a smaller number of days, at least 0."
    )
CONTRACT_REMINDER_STAGES = sorted({int(stage) for stage in CONTRACT_REMINDER_STAGES}, reverse=True)
# Four-eyes on figures: a figure counts in the engine once the other side has validated it, or once it has
# stood this many days without a dispute; 0 counts every undisputed figure at once.
FIGURES_COUNT_AFTER_DAYS = env.int("FIGURES_COUNT_AFTER_DAYS", default=7)
if not 0 <= FIGURES_COUNT_AFTER_DAYS <= 90:
    raise ImproperlyConfigured("FIGURES_COUNT_AFTER_DAYS must be a number of days from 0 to 90.")
# The portal's address, for links in e-mails sent by scheduled tasks (no request to take it from).
PORTAL_URL = env.str("PORTAL_URL", default="http://localhost:8000").rstrip("/")

# --- Notifications and digest e-mails (links in them use PORTAL_URL) ------------------------------------
NOTIFICATIONS_DIGEST_BATCH_SIZE = env.int("NOTIFICATIONS_DIGEST_BATCH_SIZE", default=200)
NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS = env.int("NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS", default=600)
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=5)
NOTIFICATIONS_DIGEST_MAX_LATE_HOURS = env.int("NOTIFICATIONS_DIGEST_MAX_LATE_HOURS", default=12)
NOTIFICATIONS_DIGEST_SECTION_LIMIT = env.int("NOTIFICATIONS_DIGEST_SECTION_LIMIT", default=8)
NOTIFICATIONS_DUE_SCAN_MINUTES = env.int("NOTIFICATIONS_DUE_SCAN_MINUTES", default=15)
NOTIFICATIONS_RESPONSE_DUE_HOURS = env.int("NOTIFICATIONS_RESPONSE_DUE_HOURS", default=48)
NOTIFICATIONS_NOTICE_DAYS = env.int("NOTIFICATIONS_NOTICE_DAYS", default=60)
NOTIFICATIONS_STALE_DAYS = env.int("NOTIFICATIONS_STALE_DAYS", default=62)
NOTIFICATIONS_BACKFILL_DAYS = env.int("NOTIFICATIONS_BACKFILL_DAYS", default=14)
if not (1 <= NOTIFICATIONS_DIGEST_BATCH_SIZE <= 5000 and NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS >= 60):
    raise ImproperlyConfigured(
        "NOTIFICATIONS_DIGEST_BATCH_SIZE must be 1–5000 and NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS at least 60."
    )

# --- API: REST framework, OpenAPI schema, personal tokens, bulk ingestion, webhooks ------------------
_RATE = r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$"
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="600/minute")
if not re.match(_RATE, API_THROTTLE_RATE):
    raise ImproperlyConfigured(f"API_THROTTLE_RATE {API_THROTTLE_RATE!r} must look like 600/minute.")
API_BATCH_MAX_ITEMS = env.int("API_BATCH_MAX_ITEMS", default=1000)
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
if not (1 <= API_BATCH_MAX_ITEMS <= 10000 and 1 <= API_TOKEN_MAX_DAYS <= 3650):
    raise ImproperlyConfigured("API_BATCH_MAX_ITEMS must be 1–10000 and API_TOKEN_MAX_DAYS 1–3650.")
# Outgoing webhooks: attempts with exponential backoff (base × 2^(attempt − 1), capped), then failed.
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_BACKOFF_SECONDS = env.int("WEBHOOK_BACKOFF_SECONDS", default=30)
WEBHOOK_BACKOFF_MAX_SECONDS = env.int("WEBHOOK_BACKOFF_MAX_SECONDS", default=6 * 60 * 60)
WEBHOOK_NOTICE_DAYS = env.int("WEBHOOK_NOTICE_DAYS", default=30)
# Plain http and private or loopback addresses are for development and tests only.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=DEBUG)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=DEBUG)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScopePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.LimitedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Vendor Governance Portal API",
    "DESCRIPTION": (
        "Read the portfolio, submit figures (one at a time or in idempotent batches), answer breaches "
        "and subscribe to signed webhooks. Authenticate with a personal token: "
        "`Authorization: Bearer <token>`. Every error has the same shape: "
        '`{"error": {"code", "message", "fields", "items"}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Like every page of the portal, the schema and its docs are for signed-in users (or tokens).
    "SERVE_PERMISSIONS": ["api.permissions.TokenScopePermission"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the vendored sidecar package; no online validator badge.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None, "persistAuthorization": False},
    "ENUM_NAME_OVERRIDES": {
        "SideEnum": "governance.models.Side",
        "IssueSeverityEnum": ["critical", "high", "medium", "low"],
    },
}
CELERY_BEAT_SCHEDULE["webhooks-scan"] = {"task": "api.tasks.webhooks_scan", "schedule": timedelta(minutes=1)}
CELERY_BEAT_SCHEDULE["notifications"] = {"task": "notifications.tasks.tick", "schedule": timedelta(minutes=1)}
CELERY_BEAT_SCHEDULE["webhooks-notice-deadlines"] = {
    "task": "api.tasks.webhooks_scan_notice_deadlines",
    "schedule": crontab(hour=6, minute=15),
}
