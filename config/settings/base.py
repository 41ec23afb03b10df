"""Settings shared by every environment; read from the environment with django-environ.

Every setting that can be changed from the environment is listed in `.env.example`.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parents[2]
APPS_DIR = BASE_DIR / "apps"

env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(str(BASE_DIR / ".env"))

# GENERAL
# ------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
# One time zone and one currency per installation (DESIGN §3).
TIME_ZONE = env("PORTAL_TIME_ZONE", default="Europe/Madrid")
PORTAL_CURRENCY = env("PORTAL_CURRENCY", default="EUR")
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True

# DATABASES
# ------------------------------------------------------------------------------
# The embedded default is an SQLite file; production and tests use PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite for a web app with concurrent writers: a transaction takes the write lock when
    # it begins (IMMEDIATE), so it waits its turn (busy timeout, seconds) instead of failing
    # with "database is locked" when it upgrades from reading; WAL lets readers go on
    # beside the writer. Losers of an edit race then get 409, as on PostgreSQL.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# URLS
# ------------------------------------------------------------------------------
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# APPS
# ------------------------------------------------------------------------------
DJANGO_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "axes",
    "django_htmx",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]
LOCAL_APPS = [
    "apps.core",
    "apps.organization",
    "apps.notifications",
    "apps.metrics",
    "apps.actions",
    "apps.committees",
    "apps.incentives",
    "apps.feedback",
    "apps.dashboards",
    "apps.help",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# AUTHENTICATION
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "organization.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out credentials before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "landing"  # heads and contributors land on their work
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed-login throttling (django-axes, apps/organization/lockout.py): an account is
# locked from one address after AXES_FAILURE_LIMIT failures, and an address for every
# account after PORTAL_ADDRESS_FAILURE_LIMIT failures (password spraying), for
# AXES_COOLOFF_TIME hours. The name is counted as sign-in matches it (case-insensitive).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
PORTAL_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "apps.organization.lockout.PortalLockoutHandler"
AXES_USERNAME_CALLABLE = "apps.organization.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "apps.core.addresses.client_ip"
# How many proxies of ours append to X-Forwarded-For (0: clients connect directly and the
# header is ignored; production sets 1, the TLS proxy).
PORTAL_TRUSTED_PROXY_COUNT = env.int("PORTAL_TRUSTED_PROXY_COUNT", default=0)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False

# Sessions: 30 minutes idle (refreshed on every request), 12 hours absolute.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True

# MIDDLEWARE
# ------------------------------------------------------------------------------
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.csp.HtmlOnlyCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.core.middleware.SessionTimeoutMiddleware",
    "apps.core.middleware.PortalLoginRequiredMiddleware",
    "apps.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

# CONTENT SECURITY POLICY (django-csp): scripts, styles, images and fonts only from the
# portal itself, no inline code or styles (templates keep them in static/), no framing.
# The API docs pages relax styles for Swagger UI / Redoc (config/urls.py).
# ------------------------------------------------------------------------------
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

# STATIC
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# TEMPLATES
# ------------------------------------------------------------------------------
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
                "apps.core.context_processors.portal",
                "apps.notifications.context_processors.unread",
            ],
        },
    }
]

# EMAIL
# ------------------------------------------------------------------------------
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="CX Governance Portal <cx@localhost>")
EMAIL_URL = env.email_url("EMAIL_URL", default="smtp://localhost:25")
EMAIL_HOST = EMAIL_URL["EMAIL_HOST"]
EMAIL_PORT = EMAIL_URL["EMAIL_PORT"]
EMAIL_HOST_USER = EMAIL_URL["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = EMAIL_URL["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = EMAIL_URL.get("EMAIL_USE_TLS", False)


# LOGGING: one line per event; logins, failed logins and permission denials are
# logged by apps.core.signals under the "portal.security" logger.
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"level": env("DJANGO_LOG_LEVEL", default="INFO"), "handlers": ["console"]},
    "loggers": {
        "axes": {"level": "WARNING"},
        "celery": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}

# CELERY
# ------------------------------------------------------------------------------
# Without a broker (the embedded default) tasks run in process, eagerly.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # In-process tasks still ask for a producer; an in-memory transport needs no server.
    CELERY_BROKER_URL = "memory://localhost/"
# In process, a failing follow-up job (a roll-up after an ingest) must not turn the
# request that queued it — already committed — into an error; it is logged, and the
# sweep retries it. Tests propagate (config/settings/test.py).
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged only once it finished, and a killed worker's task goes
# back to the queue: every task is idempotent, so running one twice is safe.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE = {
    "mail-outbox": {"task": "notifications.send_email", "schedule": 60.0},
    # The sweep catches a roll-up trigger lost with a broker outage.
    "rollup-sweep": {"task": "metrics.rollup", "schedule": 300.0},
    "rollup-nightly": {"task": "metrics.rollup_nightly", "schedule": crontab(hour=2, minute=15)},
    "daily-digest": {"task": "notifications.daily_digest", "schedule": crontab(hour=7, minute=0)},
    "feedback-escalate": {"task": "feedback.escalate", "schedule": crontab(minute=5)},
    "feedback-nightly": {"task": "feedback.nightly", "schedule": crontab(hour=1, minute=45)},
}

# REST FRAMEWORK
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": (
        "apps.organization.api_auth.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ),
    "DEFAULT_PERMISSION_CLASSES": ("apps.core.api_auth.PortalApiPermission",),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.PortalPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "apps.core.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CX Governance Portal API",
    "DESCRIPTION": "Departments, channels, metrics, measurements, snapshots and more.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # The schema and docs are for signed-in people, like every other page.
    "SERVE_PERMISSIONS": ["apps.core.api_auth.PortalApiPermission"],
    # The driver evidence's verdict and scope kind are enums of their own (the snapshots'
    # scope_kind is org/dept/channel): named here so the two never clash.
    "ENUM_NAME_OVERRIDES": {
        "EvidenceVerdictEnum": "apps.metrics.models.DriverEvidence.Verdict",
        "EvidenceScopeKindEnum": "apps.metrics.models.DriverEvidence.Scope",
        # Several models have a `kind` and a `status`: the decision's get names of their own.
        "DecisionKindEnum": "apps.committees.models.Decision.Kind",
        "DecisionStatusEnum": "apps.committees.models.Decision.Status",
    },
    # Every operation documents the portal's error answers (apps/core/api_schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.api_schema.add_error_responses",
    ],
}

# PORTAL
# ------------------------------------------------------------------------------
# Measurement ingest: most rows in one batch (413 beyond), most bytes in one body.
MEASUREMENT_BATCH_LIMIT = env.int("MEASUREMENT_BATCH_LIMIT", default=1_000_000)
MEASUREMENT_UPLOAD_MAX_BYTES = env.int("MEASUREMENT_UPLOAD_MAX_BYTES", default=256 * 1024 * 1024)
# Feedback service levels, in calendar hours as customers count them (DESIGN §3, §5):
# acknowledge within FEEDBACK_ACK_HOURS of routing, close the loop within FEEDBACK_CLOSE_DAYS
# of receipt; an acknowledgement FEEDBACK_ESCALATE_HOURS past due goes to the CX leader.
FEEDBACK_ACK_HOURS = env.int("FEEDBACK_ACK_HOURS", default=48)
FEEDBACK_CLOSE_DAYS = env.int("FEEDBACK_CLOSE_DAYS", default=7)
FEEDBACK_ESCALATE_HOURS = env.int("FEEDBACK_ESCALATE_HOURS", default=24)
FEEDBACK_BATCH_LIMIT = env.int("FEEDBACK_BATCH_LIMIT", default=10_000)
PORTAL_NAME = "CX Governance Portal"
# Absolute links in e-mails (the outbox job has no request to build them from).
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# The roll-up's stage 2 (DESIGN §4 items 3–9) on PostgreSQL: set-based in the database
# (apps/metrics/rollup_sql.py) when true, else the pure-Python engine (the reference, which
# SQLite always uses). Both are compared value by value by tests/metrics/test_rollup_sql.py.
ROLLUP_SET_BASED = env.bool("ROLLUP_SET_BASED", default=True)
