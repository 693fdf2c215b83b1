"""Settings for riskreg, read from the environment (see README, "配置 / Settings")."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from ops.storage import storage_from_aws_env, storage_from_url
from riskreg.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Development only: a fixed, obviously insecure key so `make run` works out of the box.
    SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# A refused CSRF check gets our Chinese page (riskreg.errors), not Django's English one.
CSRF_FAILURE_VIEW = "riskreg.errors.csrf_failure"

# Training only: shifts "today" for every date rule (riskreg.clock); refused without DEBUG.
RISKREG_TODAY_OFFSET_DAYS = env_int("RISKREG_TODAY_OFFSET_DAYS", 0)

INSTALLED_APPS = [
    "riskreg.apps.RiskregAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    "import_export",
    "axes",
    # Second factor (audit/mfa.py): TOTP in an authenticator app, one-time recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "units",
    "risks",
    "workflow",
    "reports",
    "audit",
    # Who may do what (access.rules) and the explicit grants 委托 / 特别授权 (access.models).
    "access",
    "supervision",
    "powers",
    "ops",
    # Background jobs for long reports (reports/tasks.py); `manage.py db_worker` runs them.
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # First: every log line of a request carries its id (ops/logs.py).
    "ops.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "audit.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "audit.middleware.IdleSessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "audit.middleware.BreakGlassAuditMiddleware",
    "audit.middleware.SecondFactorMiddleware",
    "audit.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Heavy read-only pages read from DATABASE_REPLICA_URL when set (ops/replica.py).
    "ops.replica.ReplicaMiddleware",
    # A number out of any column's range (a 40-digit id) answers 400, not 500.
    "audit.middleware.BadInputMiddleware",
    # Last, as django-axes requires: turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "riskreg.urls"

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
                "units.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "riskreg.wsgi.application"

# django-tasks: jobs are rows in the database, run by `python manage.py db_worker` (README).
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Risk points in a report's scope above which an export is built by the background worker
# instead of in the request (reports/exports.py). Measured by bench/cases_exports.py on a busy
# 2-core machine: the register workbook, the slowest per point (~0.6 ms), takes ~0.3 s at 500
# points, 0.55-0.62 s at 1,000 and 1.1-1.9 s at 2,000; the quarterly workbook of one unit
# ~0.4-0.5 s at any size (docs/benchmarks.md).
REPORT_SYNC_MAX_POINTS = env_int("REPORT_SYNC_MAX_POINTS", 500)

# PgBouncer in transaction mode (PGBOUNCER=1) cannot keep server-side cursors across
# transactions; Django then fetches without them.
PGBOUNCER = env_bool("PGBOUNCER", False)


def _database(url: str) -> dict:
    db = dj_database_url.parse(
        url,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers work while one writer commits; a busy timeout queues writers.
        db["OPTIONS"] = {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
        db["CONN_MAX_AGE"] = 0
    elif db["ENGINE"] == "django.db.backends.postgresql":
        options = db.setdefault("OPTIONS", {})
        # A database that is down must not hold a page for long: fail fast, fall back.
        options.setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5))
        if not env_bool("DATABASE_JIT", False):
            # PostgreSQL's JIT compiles the plan of any query it estimates as costly; for the
            # short aggregations of a web page the compilation takes longer than the query
            # (measured: 374 of 586 ms of the quarterly progress table). Off for our
            # connections; DATABASE_JIT=1 restores it.
            options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return db


DATABASES = {"default": _database(env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
if PGBOUNCER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# A streaming replica for the heavy read-only pages (ops/replica.py); tests mirror the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = _database(DATABASE_REPLICA_URL)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["ops.replica.ReplicaRouter"]
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 30)
# After a write, the person's pages read from the primary this long (read-your-writes).
READ_YOUR_WRITES_SECONDS = env_int("READ_YOUR_WRITES_SECONDS", 60)
# URL names whose reads go to the replica (or decorate a view with ops.replica.replica_reads).
REPLICA_VIEWS = [
    "reports:quarterly",
    "reports:quarterly_export",
    "reports:register",
    "reports:register_xlsx",
    "workflow:board",
    "supervision:desk",
]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses any authentication while the account or the address is locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # No guardian ObjectPermissionBackend: its has_perm would ignore the grants' dates. Object
    # access is asked of access.rules only (docs/architecture.md).
]
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]  # the backend is left out on purpose (above)
# Password policy (audit/passwords.py): length, three of four character classes, not like the
# user name, not a common password. PASSWORD_MIN_LENGTH can raise the length, never lower it.
PASSWORD_MIN_LENGTH = max(10, env_int("PASSWORD_MIN_LENGTH", 10))
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "audit.passwords.ComplexityValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH, "min_classes": 3},
    },
    {"NAME": "audit.passwords.SimilarityValidator"},
    {"NAME": "audit.passwords.CommonValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Guardian: no anonymous user row; object permissions are only ever granted to real people.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Filed PDFs, minutes, uploads and job outputs: local disk (MEDIA_ROOT) by default; an
# S3-compatible store with STORAGE_URL or the AWS_* variables (format in ops/storage.py).
STORAGE_URL = env_str("STORAGE_URL")
_default_storage = (
    storage_from_url(STORAGE_URL)
    if STORAGE_URL
    else storage_from_aws_env(os.environ)
    or {"BACKEND": "django.core.files.storage.FileSystemStorage"}
)
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "/media/"

# Email: console in development, SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "riskreg@localhost")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)

# Sessions: an idle session ends after SESSION_IDLE_MINUTES; a request renews it when the last
# renewal is a minute old (audit.middleware.IdleSessionRenewalMiddleware), not on every request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# HTTPS: on by default in production, off in development. Behind a TLS-terminating proxy set
# SECURE_PROXY_SSL_HEADER=1 so Django trusts X-Forwarded-Proto.
_https = env_bool("HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_SSL_REDIRECT = _https and env_bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=_https)
if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Security and audit (audit app, issue 7) -------------------------------------------------
# Login lockout (django-axes): LOGIN_FAILURE_LIMIT failures lock the account and, separately,
# the client address for LOGIN_LOCKOUT_MINUTES; a reset by an admin also unlocks the account.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = (
    ["username", "ip_address"] if env_bool("LOCKOUT_BY_ADDRESS", default=True) else ["username"]
)
# A success clears only its own user name's failures, never the address's failures against
# other accounts (audit/lockout.py): someone else's good login cannot reset a guessing run.
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "audit.lockout.UsernameResetHandler"
AXES_LOCKOUT_CALLABLE = "audit.views.lockout_response"
AXES_CLIENT_IP_CALLABLE = "audit.net.client_address"
AXES_USERNAME_FORM_FIELD = "username"
AXES_ENABLE_ADMIN = False  # unlock by a password reset or `manage.py axes_reset_username`
AXES_DISABLE_ACCESS_LOG = True  # successful logins are in the audit log already
AXES_VERBOSE = False
# Second factor (audit/mfa.py): required for these roles (Chinese labels or codes, comma
# separated) and for break-glass superusers; optional for everyone else.
MFA_REQUIRED_ROLES = env_list("MFA_REQUIRED_ROLES", "系统管理员,安全审计员,纪检监督,廉防办")
OTP_TOTP_ISSUER = "廉政风险防控管理系统"
# The audit log (audit/chain.py): the key signing exported period digests (HMAC); without it
# the export is refused. Keep it apart from SECRET_KEY and from the database's operators.
AUDIT_DIGEST_KEY = env_str("AUDIT_DIGEST_KEY")
# Only the test settings turn this on: the test runner empties tables with DELETE (SQLite).
AUDIT_DELETE_UNGUARDED = False
# Reverse proxies in front of the app that append to X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Uploads: request bodies beyond these sizes are refused; spreadsheets and attachments are
# checked by audit.uploads (size, type sniffed from content) before they are read.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 10) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# Content-Security-Policy (audit.middleware): our own origin only; no inline script or style.
CONTENT_SECURITY_POLICY = {
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

# Background workers (ops/workers.py): heartbeat period, silence after which a worker is
# taken for dead and its jobs are queued again (at most JOB_MAX_ATTEMPTS runs in all).
HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 5)
WORKER_DEAD_SECONDS = env_int("WORKER_DEAD_SECONDS", 30)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 2)
# `manage.py run_daily` (a timer on every machine; each job runs once a day in all).
DAILY_JOBS = {
    "close_due_rating_windows": "workflow.services.rating_windows_close_due",
    # 逾期 warnings and rectification items, escalated to the people concerned (supervision).
    "mark_overdue_supervision": "supervision.services.overdue_sweep",
    # The audit log's hash chain, recomputed; a break is raised to the audit admins (等保 8.1.4.3).
    "verify_audit": "audit.services.audit_chain_check",
}

# /healthz answers over plain HTTP to the load balancer.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# LOG_FORMAT=json: one JSON object per line with the request id (ops/logs.py).
LOG_FORMAT = env_str("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ops.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "ops.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
