"""Coxa's one settings module, driven by ``COXA_*`` environment variables.

Production is not a file: it is the environment. Unsafe defaults are impossible: with
``COXA_DEBUG`` off there is no secret key and no allowed host unless they are given.
"""

import datetime as dt
import importlib.util
import re
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from coxa.accounts.domain import Role
from coxa.config import service
from coxa.config.env import (
    env_bool,
    env_int,
    env_key,
    env_list,
    env_required,
    env_secret,
    env_str,
    env_token,
)
from coxa.config.logconfig import logging_config
from coxa.core.backup_format import parse_key

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# django-ninja's own folders: the API docs' Swagger UI from its files, never a CDN. It is not
# an installed app, which would import all of it in every process at start (issue 20): its
# template and static folders are named below (found without importing it), its page is
# drawn from them (config.openapi.Swagger), and its one command is wrapped by core's.
_ninja = importlib.util.find_spec("ninja")
if _ninja is None or _ninja.origin is None:
    raise ImproperlyConfigured("django-ninja is not installed: pip install coxa")
NINJA_DIR = Path(_ninja.origin).parent
VAR_DIR = Path(env_str("COXA_VAR_DIR") or BASE_DIR / "var")

# ------------------------------------------------------------------ SECURITY
DEBUG = env_bool("COXA_DEBUG", default=False)

_secret = env_secret("COXA_SECRET_KEY")
if _secret is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            "COXA_SECRET_KEY (or COXA_SECRET_KEY_FILE) must be set when COXA_DEBUG is off"
        )
    # Development only: a fixed, public key, never valid outside COXA_DEBUG.
    _secret = "coxa-development-only-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = _secret

ALLOWED_HOSTS = env_list(
    "COXA_ALLOWED_HOSTS",
    default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [],
)
if not DEBUG and not ALLOWED_HOSTS:
    env_required("COXA_ALLOWED_HOSTS", "the host names Coxa answers to, comma-separated")

CSRF_TRUSTED_ORIGINS = env_list("COXA_CSRF_TRUSTED_ORIGINS", default=[])
# Behind TLS (on in production): https only, HSTS, secure cookies; see "Behind TLS" below.
_https = env_bool("COXA_HTTPS", default=False)
_secure_cookies = _https or env_bool("COXA_SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = _secure_cookies
CSRF_COOKIE_SECURE = _secure_cookies
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("COXA_SESSION_HOURS", default=10, minimum=1) * 3600
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Behind TLS: plain http is redirected (except the health check, which load balancers probe
# over http, and the metrics, which Prometheus may scrape from the host or the compose network
# straight from gunicorn), and browsers are told to use https only for a year (HSTS).
# Preloading into browsers' built-in lists is hard to undo, so it is a separate choice.
SECURE_SSL_REDIRECT = _https
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if _https else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_HSTS_PRELOAD = _https and env_bool("COXA_HSTS_PRELOAD", default=False)
# Where a proxy ends TLS: the header it sets to "https" (e.g. X-Forwarded-Proto). Set it only
# if the proxy overwrites that header on every request, or a client could claim https.
_proxy_header = env_str("COXA_TRUSTED_PROXY_HEADER")
if _proxy_header is not None:
    if not re.fullmatch(r"[A-Za-z0-9-]+", _proxy_header):
        raise ImproperlyConfigured(
            f"COXA_TRUSTED_PROXY_HEADER={_proxy_header!r} is not a header name, "
            "e.g. X-Forwarded-Proto"
        )
    SECURE_PROXY_SSL_HEADER = (f"HTTP_{_proxy_header.upper().replace('-', '_')}", "https")

# Content-Security-Policy (django-csp; ADR 0012): scripts, styles and everything else from
# Coxa's own origin only; no inline script or style anywhere; no framing, plugins or <base>.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# The largest request body Coxa reads (bytes): larger ones are answered 413 unread.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("COXA_MAX_REQUEST_BYTES", default=1024 * 1024, minimum=1024)

# Keyed pseudonyms for analysts; rotating the key changes every pseudonym.
PSEUDONYM_KEY = env_secret("COXA_PSEUDONYM_KEY") or SECRET_KEY
# Key of the audit's hash chain (ADR 0011); changing it breaks `coxa audit verify` for
# every record written before, so give it its own value and keep it.
AUDIT_CHAIN_KEY = env_secret("COXA_AUDIT_KEY") or SECRET_KEY
# `coxa backup` and `coxa restore` (ADR 0029): the key (32 random bytes in base64; unset, no
# backup is made), and the days of backups VAR_DIR/backups keeps (docs/operations.md).
BACKUP_KEY = env_key("COXA_BACKUP_KEY", parse_key, make="`coxa backup --new-key`")
BACKUP_DIR = VAR_DIR / "backups"
BACKUP_KEEP_DAYS = env_int("COXA_BACKUP_KEEP_DAYS", default=35, minimum=1)
# The bearer token Prometheus sends for /metrics (ADR 0031); unset, only a request made on
# this host straight to Coxa (loopback, through no proxy) is answered.
METRICS_TOKEN = env_token("COXA_METRICS_TOKEN", minimum=32)
API_TOKEN_TTL_HOURS = env_int("COXA_API_TOKEN_TTL_HOURS", default=12, minimum=1)
# Bearer tokens one user may hold at once; issuing one more revokes their oldest.
API_TOKENS_PER_USER = env_int("COXA_API_TOKENS_PER_USER", default=5, minimum=1)
# CDS Hooks: the EHRs' FHIR servers Coxa may query, with the token a request brings, for the
# searches its prefetch lacked (base URLs exactly as requests name them; none by default).
CDS_FHIR_SERVERS = [url.rstrip("/") for url in env_list("COXA_CDS_FHIR_SERVERS", default=[])]
if any(not re.fullmatch(r"https?://[^\s/?#@]+(/[^\s?#]*)?", url) for url in CDS_FHIR_SERVERS):
    raise ImproperlyConfigured("COXA_CDS_FHIR_SERVERS takes http(s) base URLs, comma-separated")

# Sign-in lock-out (django-axes, state in the database): after this many failures for one
# username from one address, that pair is refused, even with the right password, until the
# cool-off has passed since the failure that locked it. Every way in counts: the form, its
# code step and POST /api/v1/auth/token. `coxa axes_reset_username NAME` unlocks at once.
LOGIN_FAILURE_LIMIT = env_int("COXA_LOGIN_FAILURE_LIMIT", default=5, minimum=1)
LOGIN_COOLOFF_MINUTES = env_int("COXA_LOGIN_COOLOFF_MINUTES", default=15, minimum=1)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a fixed cool-off: Retry-After holds
AXES_DISABLE_ACCESS_LOG = True  # Coxa's audit records every sign-in and sign-out
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password", "otp", "code"]
# A second line: every other secret a form posts is masked too, should a body ever reach
# axes (the portal invitation counts its failures with an empty body: H81).
AXES_SENSITIVE_PARAMETERS += ["password_again", "token", "csrfmiddlewaretoken"]
AXES_LOCKOUT_CALLABLE = "coxa.accounts.views.locked_out"
# The address the lock-out counts by. Behind reverse proxies every connection comes from the
# nearest proxy, so give their number: each adds the address it was reached from to
# X-Forwarded-For, and the client is the address the first of them added, counted from the
# right whatever the client wrote on the left. 0 (no proxy) ignores the header, so that a
# client cannot choose its address. Set it only if Coxa is reachable through those alone.
TRUSTED_PROXY_COUNT = env_int("COXA_TRUSTED_PROXY_COUNT", default=0, minimum=0)
AXES_IPWARE_META_PRECEDENCE_ORDER: tuple[str, ...]
if TRUSTED_PROXY_COUNT:
    # django-ipware counts the proxies listed in the header; the nearest one is not listed
    # (its address is the connection's), hence one less.
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT - 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    IPWARE_STRICT = False  # entries the client added on the left do not void the header
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
# Roles that must use a second factor (TOTP from an authenticator app) before any staff
# page works; other staff may choose one. "none" requires it of no role.
_otp_roles = env_list("COXA_OTP_REQUIRED_ROLES", default=["administrator"])
OTP_REQUIRED_ROLES = frozenset() if _otp_roles == ["none"] else frozenset(_otp_roles)
_known_roles = {r.value for r in Role if r not in {Role.PATIENT, Role.SYSTEM}}
if OTP_REQUIRED_ROLES - _known_roles:
    raise ImproperlyConfigured(
        f"COXA_OTP_REQUIRED_ROLES: {', '.join(sorted(OTP_REQUIRED_ROLES - _known_roles))} "
        f"is not a staff role; use some of {', '.join(sorted(_known_roles))}, or none"
    )
OTP_TOTP_ISSUER = "Coxa"
# What the service decides for itself (its policies, numbers, days): coxa/config/service.py.
ANALYTICS_MIN_AT_RISK = service.ANALYTICS_MIN_AT_RISK
CLOSED_DAYS = service.CLOSED_DAYS
CONTACT_OFFICE_LABEL = service.CONTACT_OFFICE_LABEL
CONTACT_OFFICE_PHONE = service.CONTACT_OFFICE_PHONE
CONTACT_WARD_LABEL = service.CONTACT_WARD_LABEL
CONTACT_WARD_PHONE = service.CONTACT_WARD_PHONE
ENQUIRY_LIMIT_PER_ADDRESS = service.ENQUIRY_LIMIT_PER_ADDRESS
ENQUIRY_LIMIT_PER_CLIENT = service.ENQUIRY_LIMIT_PER_CLIENT
ENQUIRY_LIMIT_WINDOW_MINUTES = service.ENQUIRY_LIMIT_WINDOW_MINUTES
FHIR_HOSPITAL_NUMBER_SYSTEM = service.FHIR_HOSPITAL_NUMBER_SYSTEM
FOLLOW_UP_LOST_AFTER_DAYS = service.FOLLOW_UP_LOST_AFTER_DAYS
OPTIMISING_ALERT_DAYS = service.OPTIMISING_ALERT_DAYS
PORTAL_INVITATION_DAYS = service.PORTAL_INVITATION_DAYS
QUESTIONNAIRE_LINK_DAYS = service.QUESTIONNAIRE_LINK_DAYS
WORKING_WEEKDAYS = service.WORKING_WEEKDAYS
UNIT_NAME = service.UNIT_NAME
# Registry extracts (.csv, .parquet) analysts may open on the analytics page.
ANALYTICS_EXTRACTS_DIR = Path(env_str("COXA_ANALYTICS_EXTRACTS_DIR") or VAR_DIR / "extracts")

# ------------------------------------------------------------------ APPLICATIONS
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "coxa.core",
    "coxa.accounts",
    "coxa.catalogue",
    "coxa.patients",
    "coxa.decisions",
    "coxa.pathways",
    "coxa.assessment",
    "coxa.surgery",
    "coxa.outcomes",
    "coxa.surveillance",
    "coxa.cds",
    "coxa.interop",
    "coxa.analytics",
    "coxa.portal",
    "coxa.enquiries",
    "coxa.workspace",
    "coxa.demo",
    "django_tasks",  # background tasks: Django's task API (DEP 14; ADR 0028)
    "django_tasks_db",  # ... queued in Coxa's own database, run by `coxa worker`
    "django_htmx",  # htmx's script as a static file ({% htmx_script %}) and request.htmx
]

MIDDLEWARE = [
    "coxa.config.middleware.RequestLog",  # first: one line a request, X-Request-ID (issue 18)
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # settings.CONTENT_SECURITY_POLICY on every answer
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "coxa.config.middleware.NoStore",  # after WhiteNoise: static files keep their caching
    "coxa.config.middleware.CrossOrigin",  # CORS for CDS Hooks, its 413s included
    "coxa.config.errors.ErrorShapes",  # 413 for large bodies; the API's errors always JSON
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "coxa.accounts.middleware.SecondFactor",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # answers a lock-out (coxa.accounts.views.locked_out)
    "django_htmx.middleware.HtmxMiddleware",  # request.htmx: a partial answer for an htmx request
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out username and address
    "coxa.accounts.backends.CoxaBackend",  # passwords; demo accounts only with COXA_DEBUG on
]

ROOT_URLCONF = "coxa.config.urls"
WSGI_APPLICATION = "coxa.config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "after-login"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [NINJA_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coxa.accounts.context.role",
            ],
        },
    },
]

# ------------------------------------------------------------------ DATABASE
# SQLite under var/ by default (one file, zero set-up); PostgreSQL by URL in production.
_database_url = env_str("COXA_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'coxa.sqlite3'}"
_conn_max_age = env_int("COXA_CONN_MAX_AGE", default=60, minimum=0)
try:
    _database = dj_database_url.parse(_database_url, conn_max_age=_conn_max_age)
except ValueError as error:
    raise ImproperlyConfigured(f"COXA_DATABASE_URL is not a database URL: {error}") from None
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["OPTIONS"] = {
        # WAL lets readers and one writer work at once; IMMEDIATE avoids upgrade deadlocks.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Its folder is made when Coxa starts (core.apps), never here: settings only read.
elif _database["ENGINE"] == "django.db.backends.postgresql":
    _database.setdefault("OPTIONS", {})["connect_timeout"] = 5
else:
    raise ImproperlyConfigured(
        f"COXA_DATABASE_URL: {_database['ENGINE']} is not supported; use sqlite or postgresql"
    )
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ------------------------------------------------------------------ TASKS AND CACHE (ADR 0028)
# Background tasks wait in Coxa's own database (SQLite embedded, PostgreSQL in production,
# where workers on other machines share the queue) and run in `coxa worker`; `coxa scheduler`
# queues the nightly jobs at COXA_NIGHTLY_AT (the service's time zone).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
NIGHTLY_AT = env_str("COXA_NIGHTLY_AT") or "02:30"
if not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", NIGHTLY_AT):
    raise ImproperlyConfigured(f"COXA_NIGHTLY_AT must be a time as HH:MM, not {NIGHTLY_AT!r}")
# How long a background task may run before its progress is treated as lost (a worker that
# died): the next request for the same result starts it again.
TASK_STALE_MINUTES = env_int("COXA_TASK_STALE_MINUTES", default=30, minimum=1)
# The background worker's CPU priority, as nice(1) counts it (0 to 19; higher yields more):
# on a host that also serves pages, tasks take only the CPU time the pages leave (ADR 0032).
WORKER_NICE = env_int("COXA_WORKER_NICE", default=10, minimum=0)
_NICEST = 19  # nice(1)'s highest value
if WORKER_NICE > _NICEST:
    raise ImproperlyConfigured(f"COXA_WORKER_NICE={WORKER_NICE} is above nice's maximum of 19")
# Finished background tasks and jobs are kept this many days for looking into, then cleared
# by the nightly clean-up (their results live in the cache or the records, never only there).
FINISHED_TASK_DAYS = env_int("COXA_FINISHED_TASK_DAYS", default=7, minimum=1)
# How long a file a background job made (a PDF of invitation letters) is kept for the person
# who asked, in the database; never served after that.
JOB_FILE_HOURS = env_int("COXA_JOB_FILE_HOURS", default=24, minimum=1)
# Computed results (analytics) keyed by the data's version: Redis in production (shared by
# every web process and worker), files under COXA_VAR_DIR/cache on one machine (the web
# process and the worker are separate processes, so a process's own memory would not do).
_cache_url = env_str("COXA_CACHE_URL")
if _cache_url and not _cache_url.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("COXA_CACHE_URL must be a redis:// (or rediss://) URL")
CACHES: dict[str, dict[str, object]] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
        if _cache_url
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    ),
    # Worklists' capped counts under the data's version (core/worklists.capped_count): each
    # process's own memory (a count is cheap to make again), apart from the results above
    # so that their many short-lived keys never push a computed analysis out.
    "counts": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "worklist-counts",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

# ------------------------------------------------------------------ PASSWORDS
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# ------------------------------------------------------------------ INTERNATIONALISATION
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("COXA_TIME_ZONE") or "Europe/London"
USE_I18N = True
USE_TZ = True

# ------------------------------------------------------------------ STATIC FILES
STATIC_URL = "/static/"
# collectstatic fills it and whitenoise reads it; made when Coxa starts (core.apps), never
# here: importing the settings writes nothing, so a read-only image can load them. An image
# collects them when it is built, outside COXA_VAR_DIR (COXA_STATIC_ROOT), so that a volume
# over the writable state never hides them, nor keeps an older release's.
STATIC_ROOT = Path(env_str("COXA_STATIC_ROOT") or VAR_DIR / "static")
STATICFILES_DIRS = [NINJA_DIR / "static"]  # ninja/ (see NINJA_DIR)
STORAGES = {
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# ------------------------------------------------------------------ EMAIL
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if env_bool("COXA_EMAIL_SMTP", default=False)
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env_str("COXA_EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("COXA_EMAIL_PORT", default=25, minimum=1)
DEFAULT_FROM_EMAIL = env_str("COXA_EMAIL_FROM") or "coxa@localhost"

# ------------------------------------------------------------------ LOGGING
LOG_FORMAT = env_str("COXA_LOG_FORMAT") or ("text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"COXA_LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING = logging_config(LOG_FORMAT, env_str("COXA_LOG_LEVEL") or "INFO")
