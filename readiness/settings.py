"""Settings for Readiness, read from the environment with safe local defaults.

Local development sets DJANGO_DEBUG=1 (the Makefile does) and needs nothing else: SQLite next
to the code, e-mail to the console. Without it the production settings apply, and
DJANGO_SECRET_KEY is mandatory.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# Off unless asked for: a deployment that forgets the variable gets the production settings
# (and refuses to start without a secret key), never debug pages. The Makefile's targets set
# DJANGO_DEBUG=1 for local development and tests.
DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    # Only ever used with DEBUG on, on a developer's machine.
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "readiness",
    "assessments",
    "assessments.agencies",
    "questionnaires",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_countries",
    "django_tasks_db",
    "axes",
    # A second factor at sign-in (readiness.two_factor): codes from an authenticator app, backup codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # The agencies' read-only API (assessments/agencies/api): keys, cursor pages, its OpenAPI schema and docs.
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

REST_FRAMEWORK = {
    # Agency keys only: the API never reads the session, so a signed-in browser cannot be made to call it.
    "DEFAULT_AUTHENTICATION_CLASSES": ["assessments.agencies.api.auth.AgencyKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["assessments.agencies.api.auth.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["assessments.agencies.api.auth.KeyRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Readiness agency API",
    "DESCRIPTION": (
        "Read-only access for a business-support agency to its consenting clients: their assessments with "
        "pillar and EU DMA scores, before/after (T0/T1) pairs and the service log. Send the agency's key as "
        "'Authorization: Bearer YOUR-KEY'. Lists are cursor-paginated: follow 'next'.\n\n"
        "Webhooks (optional, set up on the agency's API page) are POSTs of JSON with the headers "
        "X-Readiness-Event, X-Readiness-Timestamp (Unix seconds) and X-Readiness-Signature: 'sha256=' and the "
        "hex HMAC-SHA256, keyed with the webhook's secret, of the timestamp, a full stop and the raw body. "
        "Recompute it, compare in constant time, and refuse a timestamp more than 5 minutes old."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",  # Swagger UI from the drf-spectacular-sidecar package: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# Calls per minute and API key, counted in the database (assessments.agencies.api.auth.KeyRateThrottle).
API_CALLS_PER_MINUTE = int(os.environ.get("READINESS_API_CALLS_PER_MINUTE", "120"))
# Webhooks (assessments/agencies/webhooks.py) call only public https addresses, unless this is on:
# development and tests (a local receiver), or a closed network where agencies' systems are private.
WEBHOOK_ALLOW_PRIVATE_HOSTS = os.environ.get("READINESS_WEBHOOK_ALLOW_PRIVATE_HOSTS", "1" if DEBUG else "") == "1"

# Background work (the ZIP of all clients' action plans): Django's tasks framework with the
# database-backed queue; `manage.py db_worker` runs the jobs (`make run` starts one).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "readiness.middleware.AuthenticationMiddleware",
    "readiness.middleware.UserLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): signed in with a second factor
    "django.contrib.messages.middleware.MessageMiddleware",
    "readiness.two_factor.SecondFactorMiddleware",  # half signed in: only the code page
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers a locked-out login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "readiness.urls"
WSGI_APPLICATION = "readiness.wsgi.application"

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
    }
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once (several gunicorn workers);
    # IMMEDIATE transactions avoid "database is locked" on lock upgrades.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA mmap_size=134217728;"
        ),
        "transaction_mode": "IMMEDIATE",
    }

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and (
    os.environ.get("DATABASE_PREPARED_STATEMENTS", "1") == "1"
):
    # Server-side binding lets psycopg prepare a statement from its fifth use on a connection, so
    # PostgreSQL plans the hot pages' statements once per connection instead of once per request
    # (planning was 85 % of their time in the database: bench/README.md). Set
    # DATABASE_PREPARED_STATEMENTS=0 behind a PgBouncer in transaction mode without
    # max_prepared_statements (docs/deploy.md).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "readiness.User"
# django-axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "readiness.backends.EmailBackend"]
SESSION_ENGINE = "readiness.sessions"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "assessments:dashboard"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# Each language's own name, as the switcher shows it to those who read it.
LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The switcher's choice is kept for a year (Django's default lasts only the browser session).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
# Django's two finders, then plotly.js from the installed plotly package (readiness/staticfinders.py):
# its version is the pyproject.toml pin (locked in requirements.txt), and no copy of it lives in the repository.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "readiness.staticfinders.PlotlyFinder",
]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# Generated files (PDFs, ZIPs): the filesystem by default; object storage on a deployment with
# several hosts, e.g. DJANGO_FILE_STORAGE=storages.backends.s3.S3Storage with its options as JSON.
STORAGES = {
    "default": {
        "BACKEND": os.environ.get("DJANGO_FILE_STORAGE", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": json.loads(os.environ.get("DJANGO_FILE_STORAGE_OPTIONS") or "{}"),
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Locally WhiteNoise serves straight from the apps' static folders (no collectstatic needed);
# decided here, not from DEBUG at request time, because the test runner turns DEBUG off.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Django 6.1 mailers: SMTP when DJANGO_EMAIL_HOST is set, else the console, so sign-up,
# password-reset and invitation mails show in the log.
if os.environ.get("DJANGO_EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["DJANGO_EMAIL_HOST"],
                "port": int(os.environ.get("DJANGO_EMAIL_PORT", "587")),
                "username": os.environ.get("DJANGO_EMAIL_USER", ""),
                "password": os.environ.get("DJANGO_EMAIL_PASSWORD", ""),
                "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", True),
                "use_ssl": env_bool("DJANGO_EMAIL_USE_SSL", False),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"),
        }
    }
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "Readiness <no-reply@localhost>")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Per-process cache of rendered results (immutable once submitted, keyed by what can change).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Requests larger than this are refused with 400 before any form sees them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy, strict and always on (locally too, so every test sees it): scripts,
# styles, fonts and images from this site only; no inline script or style anywhere (charts
# travel as JSON and static/js draws them; plotly.js's rules live in css/app.css); no frames.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Production (DJANGO_DEBUG=0): HTTPS only, cookies only over HTTPS, HSTS for a year. Each can
# be relaxed from the environment (the bench serves plain HTTP on loopback).
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]  # load balancers' health checks speak plain HTTP
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", str(365 * 24 * 60 * 60)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    if not SECURE_HSTS_PRELOAD:
        # Asking browsers to preload HSTS commits the whole domain: its owner's decision, not ours.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Behind a proxy or load balancer that terminates TLS and says so in X-Forwarded-Proto.
# X-Forwarded-For is believed only from these addresses or networks (the proxy as this app
# sees it; with compose, the host's proxy arrives through Docker's bridge): any other client
# could write anything there (readiness.backends.client_ip).
TRUSTED_PROXIES: list[str] = []
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    TRUSTED_PROXIES = env_list("DJANGO_TRUSTED_PROXIES", ["127.0.0.1", "::1"])

# Login throttling (django-axes): five failed attempts on one account from one address lock
# that pair for 15 minutes; a success clears the count. Account and address together, so an
# office behind one address is not locked out by one person's typos, nor an account by an
# attacker elsewhere. Behind a proxy, the address is the one the proxy saw (backends.client_ip).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# And a ceiling per account across all addresses (readiness.backends.AccountCeilingAxesHandler):
# many addresses do not buy many guesses.
AXES_HANDLER = "readiness.backends.AccountCeilingAxesHandler"
AXES_ACCOUNT_FAILURE_CEILING = int(os.environ.get("AXES_ACCOUNT_FAILURE_CEILING", "20"))
# The login form's field (axes would otherwise take the user model's USERNAME_FIELD, "email").
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "readiness.backends.login_name"
AXES_CLIENT_IP_CALLABLE = "readiness.backends.client_ip"
AXES_LOCKOUT_CALLABLE = "readiness.views.locked_out"
AXES_DISABLE_ACCESS_LOG = True  # failures are what matter; no log of every successful login

# Peer benchmarks never show a group smaller than this (see DESIGN, Benchmarks).
BENCHMARK_MIN_GROUP = int(os.environ.get("BENCHMARK_MIN_GROUP", "10"))
# Demo mode: generated demo firms count as peers (make run), so a newcomer sees benchmarks.
# Off by default: real benchmarks never include demo data.
BENCHMARK_DEMO_MODE = env_bool("READINESS_DEMO_MODE", False)
# The name authenticator apps show next to the code.
OTP_TOTP_ISSUER = "Readiness"

# Peer figures come from a snapshot the background worker publishes every this many seconds
# (default daily), never after each submission (assessments.peer_statistics).
PEER_STATISTICS_INTERVAL = int(os.environ.get("PEER_STATISTICS_INTERVAL", str(24 * 60 * 60)))
# A PDF action plan is built by the background worker (assessments.plan_delivery). If the worker
# has not touched its queue for this many seconds while a plan waits, the request builds it.
PLAN_WORKER_PATIENCE = int(os.environ.get("PLAN_WORKER_PATIENCE", "20"))
# An agency's ZIP of action plans is deleted this many days after it is built (by the worker).
EXPORT_RETENTION_DAYS = int(os.environ.get("EXPORT_RETENTION_DAYS", "7"))
# Privacy loss of each released peer quantile under differential privacy (assessments.disclosure).
# Smaller hides each firm better and blurs small groups more; the methodology page states both.
BENCHMARK_EPSILON = float(os.environ.get("BENCHMARK_EPSILON", "1.0"))
# Peer figures from verified assessments only: firms whose latest assessment has every answer
# verified by an advisor (issue 18). For a programme once enough of them exist: groups smaller
# than BENCHMARK_MIN_GROUP are withheld as always, so turning it on early shows fewer figures.
BENCHMARK_VERIFIED_ONLY = env_bool("BENCHMARK_VERIFIED_ONLY", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
