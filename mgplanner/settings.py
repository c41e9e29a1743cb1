"""One settings module; production differs only by environment variables (see .env.example)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
# The fallback key only exists so a fresh clone runs; production sets DJANGO_SECRET_KEY.
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "insecure-development-key-set-DJANGO_SECRET_KEY-in-production"
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
# The app's own 403 page for a form from a page older than the session (mgplanner/views.py).
CSRF_FAILURE_VIEW = "mgplanner.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "simple_history",
    "import_export",
    "csp",
    "axes",
    "accounts",
    "foods",
    "plans",
    # For its management commands (backup_db, restore_db).
    "mgplanner",
]

MIDDLEWARE = [
    # Outermost, so its duration covers every other middleware.
    "mgplanner.middleware.RequestLogMiddleware",
    # The script prefix read once a request, for the templates' ~200 URLs (mgplanner/reverse.py).
    "mgplanner.reverse.ScriptPrefixMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "mgplanner.security.AdminCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After every write, new stamps for the pages it may change (mgplanner/page_cache.py).
    "mgplanner.page_cache.DataStampMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A GET to a form's address: the app's 405 page, not an empty one (mgplanner/middleware.py).
    "mgplanner.middleware.FormAddressMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Holds the day version a write was sent with; a stale write becomes a 409
    # (plans/concurrency.py).
    "plans.concurrency.DayVersionMiddleware",
    # Holds the request's path for the access-log rows services write (accounts/access_log.py).
    "accounts.access_log.AccessPathMiddleware",
    # An htmx request from a client's page after the access ended (or edits were withdrawn)
    # redirects with a message instead of failing silently (plans/client_scope.py).
    "plans.client_scope.ClientAccessMiddleware",
    # Innermost: its process_exception sees a view's database error first.
    "mgplanner.middleware.DatabaseUnavailableMiddleware",
    # After the auth middleware; turns a locked-out log-in into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mgplanner.urls"
WSGI_APPLICATION = "mgplanner.wsgi.application"

TEMPLATES = [
    {
        # App pages: Jinja2. Listed first, so a name found here wins.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [
            BASE_DIR / "templates",
            BASE_DIR / "accounts" / "templates",
            BASE_DIR / "foods" / "templates",
            BASE_DIR / "plans" / "templates",
        ],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "mgplanner.jinja2.environment",
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                # One masked CSRF token per render instead of one per form.
                "mgplanner.jinja2.csrf",
            ],
        },
    },
    {
        # The admin (and the apps it embeds) keep the Django template language. Overrides of
        # the admin's templates live in a folder of this engine's alone: the Jinja2 engine
        # above compiles every file in its folders.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "foods" / "admin_templates"],
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

# Form widgets render with Jinja2 too, the admin's own widgets with the Django template
# language (mgplanner/rendering.py).
FORM_RENDERER = "mgplanner.rendering.FormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    # PostgreSQL plans a query the fifth time a connection runs it and then reuses the plan
    # (psycopg's prepared statements, which need server-side parameter binding): the session
    # query spent 0.4 ms of its 0.6 ms in the planner. PgBouncer in transaction mode before
    # 1.21 (or without max_prepared_statements) cannot carry prepared statements: set
    # DJANGO_DB_PREPARED=0 behind one.
    if env_bool("DJANGO_DB_PREPARED", True):
        _options.update(server_side_binding=True, prepare_threshold=5)
    # The planner's cost of a random page read against a sequential one (PostgreSQL's
    # default, 4, models spinning disks). The app's working set is small and cached, which
    # PostgreSQL's documentation models with about 1.1: with 4 it built a hash of all 15,000
    # household measures (5 ms) for the week page's 200 items instead of looking up the few
    # it needs. Sent as a connection option; empty leaves the server's setting (a pooler
    # that rejects startup options, or a DBA who has tuned it).
    if page_cost := os.environ.get("DJANGO_DB_RANDOM_PAGE_COST", "1.1"):
        _options["options"] = f"-c random_page_cost={float(page_cost)}"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while one writer commits; IMMEDIATE avoids
    # "database is locked" on upgrade from a read to a write transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes first: it refuses a locked-out username+IP before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, loading a session's user with their profile and the site stamp.
    "accounts.backends.UserBackend",
]
# Log-in throttling: after AXES_FAILURE_LIMIT wrong passwords for one email from one IP,
# that pair is refused for AXES_COOLOFF_MINUTES (the right password too).
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Its start-up banner would land on stdout, which commands such as score_day keep for JSON.
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# The log-in form's field is "username" (the email); lower-cased as the form does, so
# "Ana@…" and "ana@…" count against the same lock.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
# Behind a proxy the client's address is in X-Forwarded-For (same switch as the HTTPS header).
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    if env_bool("DJANGO_BEHIND_PROXY", False)
    else ["REMOTE_ADDR"]
)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("DJANGO_MANIFEST_STATIC", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Email: the console by default; SMTP when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "mgplanner <noreply@localhost>")

# Security headers; production turns these on through the environment.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None
)
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy: scripts and styles only from our own files (no inline code, no
# eval). The admin alone also allows style attributes: see mgplanner/security.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Cache: Redis when REDIS_URL is set (shared by every app server), else per-process memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mgplanner",
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# The admin's CSV import keeps the file between "preview" and "confirm": in the shared
# cache when there is one, so the confirm may reach another app server.
if REDIS_URL:
    IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"
# Sessions live in the database (accounts/sessions.py: one query loads the session and its
# user) unless DJANGO_SESSION_ENGINE names one of Django's engines: "cached_db" (read
# through the cache, written to both) or "cache" (Redis only).
_session_engine = os.environ.get("DJANGO_SESSION_ENGINE", "db")
SESSION_ENGINE = (
    "accounts.sessions"
    if _session_engine == "db"
    else "django.contrib.sessions.backends." + _session_engine
)

# Structured logs: JSON lines on stderr, one per request and per warning or error. Not
# stdout: `score_day` and `suggest` print their JSON there, and a log line must never
# corrupt it. Process managers (gunicorn, systemd, containers) collect both streams.
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "mgplanner.logging.JsonFormatter"},
        "text": {"()": "mgplanner.logging.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "text" if LOG_FORMAT == "text" else "json",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's records go to the root handler only: its own console handler (DEBUG on)
        # printed each warning a second time, as plain text between the JSON lines.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # Our request lines replace runserver's own access log.
        "django.server": {"level": "WARNING"},
        # django-axes logs every successful log-in at INFO; lockouts are WARNING.
        "axes": {"level": "WARNING"},
    },
}
