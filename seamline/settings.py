"""Django settings for Seamline.

One module for every environment. `SEAMLINE_ENV` picks the profile:

* ``local`` (default): the demo and day-to-day development, served over plain HTTP on loopback.
* ``production``: HTTPS only, secrets required from the environment, `check --deploy` clean.
* ``test``: fast password hashing; set automatically by the test suite.

`DATABASE_URL` (``sqlite:///path`` or ``postgres://...``) selects the database for every command.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent
WORK_DIR = Path(os.environ.get("SEAMLINE_HOME", os.getcwd())).resolve()
STATE_DIR = Path(os.environ.get("SEAMLINE_STATE_DIR", WORK_DIR / ".seamline"))

RUNNING_TESTS = "pytest" in sys.modules or os.environ.get("SEAMLINE_ENV") == "test"
ENV = "test" if RUNNING_TESTS else os.environ.get("SEAMLINE_ENV", "local")
PRODUCTION = ENV == "production"


def _local_secret(name: str, nbytes: int = 48) -> str:
    """A secret kept in a file beside the database (never inside it), made on first use."""
    path = STATE_DIR / name
    if path.exists():
        return path.read_text().strip()
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value


def _secret(env_name: str, file_name: str) -> str:
    value = os.environ.get(env_name)
    if value:
        return value
    if PRODUCTION:
        raise RuntimeError(f"{env_name} must be set in production (see docs/operations.md).")
    return _local_secret(file_name)


SECRET_KEY = _secret("SEAMLINE_SECRET_KEY", "secret_key")
# The audit chain's HMAC key lives outside the database: an attacker who can rewrite the
# database cannot forge the chain without it.
AUDIT_HMAC_KEY = _secret("SEAMLINE_AUDIT_KEY", "audit.key")
AUDIT_ANCHOR_FILE = Path(
    os.environ.get("SEAMLINE_AUDIT_ANCHOR_FILE", STATE_DIR / "audit-anchors.jsonl")
)

DEBUG = os.environ.get("SEAMLINE_DEBUG") == "1" and not PRODUCTION
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("SEAMLINE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("SEAMLINE_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

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
    "template_partials",
    "simple_history",
    "ninja",
    "seamline.audit",
    "seamline.network",
    "seamline.competency",
    "seamline.workforce",
    "seamline.cases",
    "seamline.cases.reconciliation",
    "seamline.coordination",
    "seamline.plans",
    "seamline.handoffs",
    "seamline.rota",
    "seamline.escalation",
    "seamline.quality",
    "seamline.assurance",
    "seamline.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "seamline.middleware.HtmxLoginRedirectMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "seamline.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "seamline.middleware.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "seamline.urls"
WSGI_APPLICATION = "seamline.wsgi.application"

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
                "csp.context_processors.nonce",
                "seamline.context_processors.actor",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

# --- database -------------------------------------------------------------------------------
DEFAULT_SQLITE = f"sqlite:///{WORK_DIR / 'seamline.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL", DEFAULT_SQLITE), conn_max_age=0)
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process and the worker read while one of them writes; IMMEDIATE
    # transactions take the write lock up front so two writers queue instead of deadlocking.
    _db["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # A file (not memory) so that concurrency tests run real threads against real locks.
    _db["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"seamline-test-{os.getpid()}.sqlite3")
    }
else:
    _db["TEST"] = {"NAME": os.environ.get("SEAMLINE_TEST_DB_NAME", f"test_seamline_{os.getpid()}")}
    # The server keeps the plans of the statements Seamline asks it to prepare (the small
    # queries of single checks: `rawrows.planned_once_cursor`, docs/adr/0009) and of no others:
    # psycopg would prepare any statement run this many times, which none is.
    _db.setdefault("OPTIONS", {}).setdefault("prepare_threshold", 2**31 - 1)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "network.User"

# --- authentication and sessions -------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "seamline.network.auth.MembershipBackend",
]
LOGIN_URL = "login"
LOGIN_URL_PATH = "/accounts/login/"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_IDLE_MINUTES = int(os.environ.get("SEAMLINE_SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True  # every request pushes the expiry on: an idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

AXES_FAILURE_LIMIT = int(os.environ.get("SEAMLINE_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("SEAMLINE_LOCKOUT_MINUTES", "15")))
# Lock the account, not the address: care staff often share one office or NHS network address,
# and an address lockout would shut out a whole team (docs/adr/0005-sign-in-security.md).
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False

# --- security headers ---------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = os.environ.get("SEAMLINE_SSL_REDIRECT", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# --- static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("SEAMLINE_STATIC_ROOT", WORK_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if RUNNING_TESTS
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = RUNNING_TESTS or DEBUG

# --- locale -------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("SEAMLINE_TIME_ZONE", "Europe/London")
USE_I18N = False
USE_TZ = True

# --- history ------------------------------------------------------------------------------
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- API ----------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
API_TOKEN_DAYS = int(os.environ.get("SEAMLINE_API_TOKEN_DAYS", "90"))

# E-mail (escalation notices): the console locally and in the demo, SMTP in production.
EMAIL_BACKEND = os.environ.get(
    "SEAMLINE_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("SEAMLINE_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("SEAMLINE_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("SEAMLINE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SEAMLINE_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("SEAMLINE_EMAIL_TLS") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("SEAMLINE_EMAIL_FROM", "seamline@localhost")
# Where people reach the site, for links in e-mails.
SEAMLINE_BASE_URL = os.environ.get("SEAMLINE_BASE_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SEAMLINE_LOG_LEVEL", "WARNING")},
}

if RUNNING_TESTS:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
