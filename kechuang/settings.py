"""Base settings. Everything environment-specific comes from environment variables.

`kechuang.settings_production` hardens these for deployment; tests and `make demo` use them as-is.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("KECHUANG_DATA_DIR", BASE_DIR / "var"))


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# The development key only ever signs local demo sessions; production settings refuse to start without
# KECHUANG_SECRET_KEY.
SECRET_KEY = os.environ.get(
    "KECHUANG_SECRET_KEY", "dev-only-insecure-key-change-me-0123456789abcdefghijklmnop"
)
DEBUG = env_flag("KECHUANG_DEBUG", False)
ALLOWED_HOSTS = [
    h for h in os.environ.get("KECHUANG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "ninja",
    "kechuang.site",
    "kechuang.core",
    "kechuang.org",
    "kechuang.audit",
    "kechuang.workflow",
    "kechuang.metrics",
    "kechuang.web",
    "django_filters",
    "kechuang.plans",
    "kechuang.progress",
    "kechuang.system",
    "kechuang.enterprises",
    "kechuang.platforms",
    "kechuang.projects",
    "kechuang.reviews",
    "kechuang.challenges",
    "kechuang.policies",
    "kechuang.finance",
    "kechuang.vouchers",
    "kechuang.tabular",
    "kechuang.api",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's, except that on SQLite a page that only reads never waits for the write lock to renew it
    "kechuang.core.sessions.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor (django-otp)
    "django_otp.middleware.OTPMiddleware",
    # Cache-Control: no-store for signed-in users' pages and the API (static files never reach it).
    "kechuang.core.caching.NoStoreMiddleware",
    # Every page needs a signed-in user unless the view says otherwise (login page, API with its own 401).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kechuang.system.middleware.SessionLifetimeMiddleware",
    # Administrators (and anyone who enrolled) pass the one-time password before any other page.
    "kechuang.system.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "kechuang.audit.middleware.AuditContextMiddleware",
    # Axes must come last so it sees the final authentication outcome.
    "axes.middleware.AxesMiddleware",
]
if os.environ.get("DATABASE_REPLICA_URL"):
    # After everything that reads the session, user and lockout state from the primary.
    MIDDLEWARE.append("kechuang.core.replica.ReplicaReadsMiddleware")

ROOT_URLCONF = "kechuang.urls"
WSGI_APPLICATION = "kechuang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kechuang.site.context_processors.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------------
# SQLite in WAL mode is the embedded default; DATABASE_URL (postgres://…) selects PostgreSQL.
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("KECHUANG_SQLITE_PATH", str(DATA_DIR / "kechuang.sqlite3")),
            # Keep each process's connection open between requests, as for PostgreSQL: closing the last
            # connection to a WAL database checkpoints it, and reopening reruns the pragmas — together
            # about half the cost of a signed-in request under gunicorn (P3, docs/PERFORMANCE.md).
            "CONN_MAX_AGE": 60,
            "OPTIONS": {
                # WAL lets the dashboard read while an import writes; IMMEDIATE avoids lock upgrades
                # failing half-way through a transaction.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
# Optional read replica (a PostgreSQL streaming standby): the cockpit's data is read from it, sessions,
# users, grants and every write stay on the primary (core/replica.py, docs/DEPLOY.md).
KECHUANG_REPLICA_VIEWS = {"progress:cockpit", "api:get_cockpit"}
# audit too: a cache of the cockpit keyed by the data version (audit/version.py) must read the version from
# the same database as the data, or a lagging replica's old figures would be cached under the new version.
KECHUANG_REPLICA_APPS = {
    "plans",
    "progress",
    "enterprises",
    "platforms",
    "projects",
    "policies",
    "finance",
    "vouchers",
    "audit",
}
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = {
        **dj_database_url.parse(os.environ["DATABASE_REPLICA_URL"], conn_max_age=60),
        # Tests see the primary under both names (Django's mirror), so routing is exercised without a
        # second server.
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["kechuang.core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and security --------------------------------------------------------------------------
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "kechuang.org.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "kechuang.org.passwords.FoldedCommonPasswordValidator"},
    {"NAME": "kechuang.org.passwords.UsernamePasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "kechuang.org.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout (django-axes): 5 failures for one account from one address lock that account at that address for
# 30 minutes. Not the account everywhere: failures sent for `leader` from other addresses must not lock the
# real leader out. Not the address alone: a bureau's staff share one intranet NAT address.
AXES_FAILURE_LIMIT = int(os.environ.get("KECHUANG_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("KECHUANG_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# One address trying many accounts (password spraying) is slowed down across usernames: more than this
# many failures from an address within the window refuse its further attempts until the window passes,
# and this many different usernames failing from one address raise an alert to the security officers.
LOGIN_THROTTLE_FAILURES = int(os.environ.get("KECHUANG_ADDRESS_FAILURES", "20"))
LOGIN_THROTTLE_WINDOW = timedelta(minutes=int(os.environ.get("KECHUANG_ADDRESS_WINDOW_MINUTES", "15")))
LOGIN_SPRAY_USERNAMES = int(os.environ.get("KECHUANG_SPRAY_USERNAMES", "5"))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_DISABLE_ACCESS_LOG = True  # our own audit.LoginEvent is the login log
AXES_VERBOSE = False

# Second factor (TOTP, django-otp; kechuang/system/second_factor.py): an account that enrolled an authenticator
# app always enters its 6-digit code after the password; with KECHUANG_ADMIN_OTP=1 (the production default)
# every holder of an administrator role (系统/安全/审计管理员, and the installer's superuser) must enrol at
# their next sign-in and cannot use any page before passing it.
KECHUANG_ADMIN_OTP = env_flag("KECHUANG_ADMIN_OTP", False)
OTP_TOTP_ISSUER = os.environ.get("KECHUANG_OTP_ISSUER", "科创管理系统")
OTP_TOTP_THROTTLE_FACTOR = 1  # after each wrong code the next try waits 1, 2, 4, 8 … seconds
OTP_ALERT_FAILURES = (
    5  # this many wrong codes in a row for one account raise an alert to the security officers
)

# Idle sessions end after 30 minutes; every request extends the window. However active, a session ends
# 12 hours after its sign-in (kechuang.system.middleware.SessionLifetimeMiddleware).
SESSION_COOKIE_AGE = int(os.environ.get("KECHUANG_SESSION_MINUTES", "30")) * 60
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("KECHUANG_SESSION_MAX_HOURS", "12")) * 3600
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy: only our own origin; no inline script or style anywhere in the templates.
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
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- Language and time ------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "kechuang" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: served by the app itself (no CDN on a government intranet) -----------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # also creates DATA_DIR for the SQLite file
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the app folders when collectstatic has not run (demo, tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Background work ---------------------------------------------------------------------------------
# django-tasks: in-process by default (a background thread per task, so a large import does not hold the
# browser); KECHUANG_TASK_BACKEND=database queues in the database for separate `kechuang db_worker`
# processes (production); =immediate runs tasks inline (tests).
_TASK_BACKENDS = {
    "thread": "kechuang.core.tasks.ThreadBackend",
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[os.environ.get("KECHUANG_TASK_BACKEND", "thread")]}}
# A running task holds a lease (core/leases.py): its worker refreshes a heartbeat every HEARTBEAT seconds;
# one older than LEASE seconds means the process died, and the work is ended (an import job fails with the
# reason and can be re-run or discarded). Workers look for such work when they start and every SWEEP
# seconds; a job's page looks when it is opened. On SQLite the leases are files in LEASE_DIR.
KECHUANG_TASK_LEASE_SECONDS = float(os.environ.get("KECHUANG_TASK_LEASE_SECONDS", "60"))
KECHUANG_TASK_HEARTBEAT_SECONDS = float(os.environ.get("KECHUANG_TASK_HEARTBEAT_SECONDS", "5"))
KECHUANG_TASK_SWEEP_SECONDS = float(os.environ.get("KECHUANG_TASK_SWEEP_SECONDS", "15"))
KECHUANG_LEASE_DIR = Path(os.environ.get("KECHUANG_LEASE_DIR", DATA_DIR / "leases"))
# Crash tests only: seconds an import's commit waits at a named point — "batch" (after each stored batch,
# inside its transaction) and "committed" (right after its COMMIT) — so that a test can kill its worker
# there (kechuang/testing/worker_settings.py). Empty in use.
KECHUANG_IMPORT_PAUSES: dict[str, float] = {}

# Reminder e-mails: printed to the console unless an SMTP server is configured (production).
EMAIL_BACKEND = os.environ.get("KECHUANG_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("KECHUANG_EMAIL_HOST", "localhost")
DEFAULT_FROM_EMAIL = os.environ.get("KECHUANG_FROM_EMAIL", "kechuang@localhost")

# --- Uploads ------------------------------------------------------------------------------------------
# Import files wait here until they are committed (kept IMPORT_KEEP_DAYS, then `kechuang imports purge`),
# or are removed when refused, failed or discarded; evidence of reports stays with its report.
MEDIA_ROOT = DATA_DIR / "media"
_MB = 1024 * 1024
# Each view that takes files names one of these limits (`core.uploads.upload_limit`); a file is cut off
# while it arrives, at the first chunk past its limit, and the page says “文件超过 N MB，未上传”.
FILE_UPLOAD_HANDLERS = [
    "kechuang.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
IMPORT_MAX_BYTES = int(os.environ.get("KECHUANG_IMPORT_MAX_MB", "40")) * _MB  # an Excel import
EVIDENCE_MAX_BYTES = int(os.environ.get("KECHUANG_EVIDENCE_MAX_MB", "10")) * _MB  # each evidence file
ATTACHMENT_MAX_BYTES = int(os.environ.get("KECHUANG_ATTACHMENT_MAX_MB", "20")) * _MB  # an application's file
PLAN_FILE_MAX_BYTES = 20 * _MB  # a plan's .docx or .txt
UPLOAD_MAX_BYTES = 10 * _MB  # any other file field
IMPORT_KEEP_DAYS = int(os.environ.get("KECHUANG_IMPORT_KEEP_DAYS", "180"))
# A plan pasted as text: at most this many characters (the page, its textarea and the refusal say so).
PLAN_TEXT_MAX_CHARS = 2_000_000
# The form fields of one request (files not counted): the longest plan text in UTF-8 (≤ 4 bytes a
# character, as a multipart form sends it) rounded up to whole MB, and 1 MB more for the rest — 9 MB; a
# larger request is answered with a Chinese 400 naming both limits (site.views.error_400).
DATA_UPLOAD_MAX_MEMORY_SIZE = (PLAN_TEXT_MAX_CHARS * 4 // _MB + 2) * _MB
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * _MB  # files above this wait in a temporary file while they arrive

# --- Kechuang -------------------------------------------------------------------------------------
# Apps whose model changes are written to the audit log automatically (create/update/delete, M2M).
KECHUANG_AUDITED_APPS = [
    "core",  # the holiday calendar (its task leases are bookkeeping: `derived_data`, not audited)
    "org",
    "plans",
    "progress",
    "enterprises",
    "platforms",
    "projects",
    "reviews",
    "challenges",
    "policies",
    "finance",
    "vouchers",
]
# Keys of the personal data encrypted at rest (kechuang/core/personal.py): Fernet keys, newest first — the
# first encrypts, every one decrypts (rotation: docs/DEPLOY.md). The development key only ever protects demo
# and test data; production settings take the keys from the environment alone, and `check` fails without
# them (`check --deploy` also when the development key is among them).
KECHUANG_DEVELOPMENT_DATA_KEY = "c7-J69LZtIcWMRA57BuQl2YZFZLydY0SlnW7mbFaRH0="
KECHUANG_DATA_KEYS = [k.strip() for k in os.environ.get("KECHUANG_DATA_KEY", "").split(",") if k.strip()] or [
    KECHUANG_DEVELOPMENT_DATA_KEY
]
# Fields whose values never reach audit snapshots (shown as ******): secrets and their digests.
KECHUANG_AUDIT_REDACTED_FIELDS = {"password", "secret_hash"}
# The key of the audit logs' hash chains (audit/chain.py): kept outside the database, so that write access
# to the database is not enough to forge a chain that verifies. Production sets KECHUANG_AUDIT_KEY
# (`kechuang check --deploy` refuses the development default); changing it needs `kechuang audit rekey`.
AUDIT_CHAIN_KEY = os.environ.get("KECHUANG_AUDIT_KEY") or ("dev-audit-chain:" + SECRET_KEY)
AUDIT_KEY_FROM_ENVIRONMENT = bool(os.environ.get("KECHUANG_AUDIT_KEY"))
# Audit entries are kept at least this long (等保: at least six months); `kechuang audit prune` refuses less.
AUDIT_RETENTION_DAYS = max(180, int(os.environ.get("KECHUANG_AUDIT_RETENTION_DAYS", "180")))
# Checkpoints of the chains' heads, written outside the database by each verification.
AUDIT_CHECKPOINTS = Path(os.environ.get("KECHUANG_AUDIT_CHECKPOINTS", DATA_DIR / "audit-checkpoints.log"))
# Fields left out of snapshots altogether: usage stamps, which change no data.
KECHUANG_AUDIT_IGNORED_FIELDS = {"last_login", "last_used_at", "last_used_ip"}
# bench/serve_bench.py sets this to get a do-nothing JSON view (/bench/ok) behind the same middleware and
# login as every page: the baseline the cockpit's throughput is measured against. Off everywhere else.
KECHUANG_BENCH_VIEWS = env_flag("KECHUANG_BENCH_VIEWS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KECHUANG_LOG_LEVEL", "WARNING").upper()},
}
