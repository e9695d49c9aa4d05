"""Klynge's settings, read from the environment (see README.md, "Configuration").

One module for every environment: development defaults are safe and local (SQLite under the
data directory, mail written to files); production is the same code with KLYNGE_DEBUG=false,
which demands a real secret key and switches on the secure-cookie and HTTPS settings below.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from klynge import env
from klynge.env import ConfigurationError

PACKAGE_DIR = Path(__file__).resolve().parent
# The checkout the package runs from (src layout): node_modules and var/ live there.
PROJECT_DIR = PACKAGE_DIR.parent.parent

DEBUG = env.get_bool("KLYNGE_DEBUG", False)
DATA_DIR = env.get_path("KLYNGE_DATA_DIR", PROJECT_DIR / "var")
NODE_MODULES_DIR = env.get_path("KLYNGE_NODE_MODULES", PROJECT_DIR / "node_modules")


def _secret_key() -> str:
    key = env.get_str("KLYNGE_SECRET_KEY")
    if key:
        if not DEBUG and len(key) < 32:
            raise ConfigurationError("KLYNGE_SECRET_KEY must be at least 32 characters long.")
        return key
    if not DEBUG:
        raise ConfigurationError(
            "KLYNGE_SECRET_KEY must be set when KLYNGE_DEBUG is false "
            '(generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))").'
        )
    # Development: keep one generated key in the data directory so sessions survive restarts.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.get_list(
    "KLYNGE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ConfigurationError("KLYNGE_ALLOWED_HOSTS must list the host names Klynge is served on.")
CSRF_TRUSTED_ORIGINS = env.get_list("KLYNGE_CSRF_TRUSTED_ORIGINS", [])
for _origin in CSRF_TRUSTED_ORIGINS:
    if urlsplit(_origin).scheme not in {"http", "https"}:
        raise ConfigurationError(
            f"KLYNGE_CSRF_TRUSTED_ORIGINS items must start with http:// or https://, not {_origin!r}."
        )

# --- Applications ---------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "ninja",
    "django_htmx",
    "axes",
    # Before django_tasks_db: klynge.core's `db_worker` (claiming tasks in batches) replaces its.
    "klynge.core",
    "django_tasks_db",
    "klynge.ecosystem",
    "klynge.accounts",
    "klynge.events",
    "klynge.membership",
    "klynge.crm",
    "klynge.bookings",
    "klynge.schedule",
    "klynge.matchmaking",
    "klynge.meetings",
    "klynge.surveys",
    "klynge.insights",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "klynge.core.middleware.VaryOnHtmxMiddleware",
    # Axes must come last: it turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "klynge.urls"
WSGI_APPLICATION = "klynge.wsgi.application"
ASGI_APPLICATION = "klynge.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "klynge.core.context_processors.shell",
            ],
            "builtins": ["django.templatetags.i18n", "klynge.core.templatetags.klynge"],
        },
    }
]

# --- Database -------------------------------------------------------------------------------


def _database() -> dict:
    url = env.get_str("DATABASE_URL")
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        return {"NAME": str(DATA_DIR / "klynge.sqlite3"), **_sqlite()}
    scheme = urlsplit(url).scheme
    if scheme not in {"postgres", "postgresql", "sqlite"}:
        raise ConfigurationError(
            f"DATABASE_URL must start with postgres:// or sqlite:///, not {scheme + '://'!r}."
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        raise ConfigurationError(f"DATABASE_URL cannot be read: {error}") from None
    if scheme == "sqlite":
        config.update(_sqlite())
    else:
        config["OPTIONS"] = {**_postgresql_options(), **config.get("OPTIONS", {})}
    return config


def _postgresql_options() -> dict:
    """Parameters bound by the server, and a statement a connection runs again and again
    (every request runs the same few) prepared once: PostgreSQL then parses and plans it once
    per connection instead of on every call, which took about 40% of its CPU per registration.
    Off with KLYNGE_DB_PREPARED_STATEMENTS=false, e.g. behind PgBouncer in transaction mode
    before version 1.21 (a prepared statement lives on one server connection)."""
    if not env.get_bool("KLYNGE_DB_PREPARED_STATEMENTS", True):
        return {}
    # 5: psycopg's own default (Django turns preparing off unless it is asked for).
    return {"server_side_binding": True, "prepare_threshold": 5}


def _sqlite() -> dict:
    """Klynge's SQLite settings, for the embedded database and a sqlite:/// DATABASE_URL."""
    return {"ENGINE": SQLITE_ENGINE, "OPTIONS": SQLITE_OPTIONS, **SQLITE_CONNECTIONS}


# WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at the start of a
# transaction, so a second writer waits (up to `timeout` seconds) instead of failing midway with
# "database is locked" when it upgrades a read lock.
# Each server thread keeps its SQLite connection for a minute instead of opening one per
# request (opening it and setting the PRAGMAs below cost a cached page half its time).
# Django's SQLite backend, with write transactions queued on a lock file so the next writer
# starts as soon as the last one commits (see klynge/core/backends/sqlite3/base.py).
SQLITE_ENGINE = "klynge.core.backends.sqlite3"
SQLITE_CONNECTIONS = {"CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True}
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": env.get_int("KLYNGE_SQLITE_TIMEOUT", 20, minimum=1),
    "init_command": (
        # No mmap_size: with a connection per request and several processes, memory-mapped
        # reads gave transient "disk I/O error"s under load (benchmarks/bench_bookings.py
        # --sqlite-churn reproduces it). The busy timeout is the `timeout` option above.
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
    ),
}

DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and security ------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "core:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3
INVITATION_VALID_DAYS = env.get_int("KLYNGE_INVITATION_VALID_DAYS", 14, minimum=1)

# Login rate limit (django-axes): a wrong password five times for one e-mail from one address
# locks that pair out for a quarter of an hour.
AXES_FAILURE_LIMIT = env.get_int("KLYNGE_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env.get_int("KLYNGE_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "klynge.accounts.views.auth.locked_out"
AXES_VERBOSE = False
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "klynge.accounts.views.auth.axes_username"
# The client address counts per login attempt (and per application on the public form). Behind
# N reverse proxies, KLYNGE_PROXY_COUNT=N reads it from X-Forwarded-For, N addresses from the
# right; without proxies only the socket address is trusted, so a forged header cannot dodge
# the limit. One function decides it for both (django-ipware under the hood).
KLYNGE_PROXY_COUNT = env.get_int("KLYNGE_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "klynge.core.ratelimit.client_address"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# A strict Content-Security-Policy: our own scripts and styles only, no inline code, no CDN.
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

if not DEBUG:
    # Production: cookies only over HTTPS, HSTS, and trust the proxy's scheme header if told to.
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.get_bool("KLYNGE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env.get_int("KLYNGE_HSTS_SECONDS", 60 * 60 * 24 * 365, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.get_bool("KLYNGE_HSTS_INCLUDE_SUBDOMAINS", False)
    if env.get_bool("KLYNGE_BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        USE_X_FORWARDED_HOST = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Internationalisation -------------------------------------------------------------------

LANGUAGES = [
    ("da", _("Danish")),
    ("en", _("English")),
    ("nb", _("Norwegian Bokmål")),
    ("sv", _("Swedish")),
]
LANGUAGE_CODE = env.get_choice("KLYNGE_LANGUAGE", "da", tuple(code for code, _name in LANGUAGES))
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env.get_str("KLYNGE_TIME_ZONE", "Europe/Copenhagen")
try:
    from zoneinfo import ZoneInfo

    ZoneInfo(TIME_ZONE)
except (KeyError, ValueError):
    raise ConfigurationError(
        f"KLYNGE_TIME_ZONE must be an IANA time zone, not {TIME_ZONE!r}."
    ) from None
# No thousand separators by default: templates print ids, years and page numbers as plain
# integers, and a grouped "2.233" in an id, a hidden input or a URL breaks the page. Figures that
# read better grouped ask for it (`intcomma`, `floatformat:"0g"`, klynge.core.charts).
USE_THOUSAND_SEPARATOR = False
FORMAT_MODULE_PATH = ["klynge.formats"]
KLYNGE_CURRENCIES = ("DKK", "NOK", "SEK", "EUR")
KLYNGE_CURRENCY = env.get_choice("KLYNGE_CURRENCY", "DKK", KLYNGE_CURRENCIES)
KLYNGE_CLUSTER_NAME = env.get_str("KLYNGE_CLUSTER_NAME", "Media City Odense")
# Where people reach Klynge, for links in e-mails sent outside a request (periodic jobs).
KLYNGE_BASE_URL = env.get_str("KLYNGE_BASE_URL", "").rstrip("/")
if KLYNGE_BASE_URL and not KLYNGE_BASE_URL.startswith(("http://", "https://")):
    raise ConfigurationError(
        f"KLYNGE_BASE_URL must start with https:// or http://, not {KLYNGE_BASE_URL!r}."
    )

# --- Membership and invoices (see klynge/membership/conf.py) --------------------------------


# VAT: the seller's country charges its rate; B2B buyers in other countries pay none (reverse
# charge inside the EU, outside the seller's VAT area otherwise), and the invoice says why.
KLYNGE_SELLER_COUNTRY = env.get_str("KLYNGE_SELLER_COUNTRY", "DK").upper()
if len(KLYNGE_SELLER_COUNTRY) != 2 or not KLYNGE_SELLER_COUNTRY.isalpha():
    raise ConfigurationError(
        f"KLYNGE_SELLER_COUNTRY must be a two-letter country code such as DK, "
        f"not {KLYNGE_SELLER_COUNTRY!r}."
    )


def _vat_rates() -> dict[str, int]:
    rates = {}
    for item in env.get_list("KLYNGE_VAT_RATES", [f"{KLYNGE_SELLER_COUNTRY}=25"]):
        country, _sep, rate = item.partition("=")
        if len(country) != 2 or not rate.strip().isdigit() or int(rate) > 100:
            raise ConfigurationError(
                f"KLYNGE_VAT_RATES must look like DK=25 or DK=25,SE=25, not {item!r}."
            )
        rates[country.upper()] = int(rate)
    return rates


KLYNGE_VAT_RATES = _vat_rates()
KLYNGE_INVOICE_PAYMENT_DAYS = env.get_int("KLYNGE_INVOICE_PAYMENT_DAYS", 30, minimum=0)
KLYNGE_RENEWAL_NOTICE_DAYS = env.get_int("KLYNGE_RENEWAL_NOTICE_DAYS", 30, minimum=0)
KLYNGE_MEMBERSHIP_GRACE_DAYS = env.get_int("KLYNGE_MEMBERSHIP_GRACE_DAYS", 30, minimum=0)
KLYNGE_INVOICE_FIRST_NUMBER = env.get_int("KLYNGE_INVOICE_FIRST_NUMBER", 1, minimum=1)
# On every invoice: the cluster's postal address ("|" separates lines), registry number, bank.
KLYNGE_SELLER_ADDRESS = env.get_str("KLYNGE_SELLER_ADDRESS").replace("|", "\n")
KLYNGE_SELLER_REGISTRY_NUMBER = env.get_str("KLYNGE_SELLER_REGISTRY_NUMBER")
KLYNGE_PAYMENT_DETAILS = env.get_str("KLYNGE_PAYMENT_DETAILS")

# --- Caches ---------------------------------------------------------------------------------

# "default" holds what only saves time (rendered pages, the ecosystem map; each checks a stamp
# against the database), in each process's memory. "shared" holds what every worker and server
# must agree on, such as the public forms' rate limits: a file cache under the data directory
# (shared by the workers of one server) or, with several app servers, the database cache (its
# table is created by `klynge migrate`).
_shared_cache = env.get_choice("KLYNGE_SHARED_CACHE", "file", ("file", "database", "memory"))
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {
        "file": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        },
        "database": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "klynge_cache",
        },
        "memory": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "shared",
        },
    }[_shared_cache],
}

# --- Static files and uploads ---------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = env.get_path("KLYNGE_STATIC_ROOT", DATA_DIR / "static")
# Front-end packages come from npm (package.json) and are served as our own static files.
STATICFILES_DIRS = [
    ("vendor/htmx", NODE_MODULES_DIR / "htmx.org" / "dist"),
    ("vendor/pico", NODE_MODULES_DIR / "@picocss" / "pico" / "css"),
    ("vendor/jsqr", NODE_MODULES_DIR / "jsqr" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"

# --- E-mail ---------------------------------------------------------------------------------

# Django 6.1's MAILERS: one "default" mailer, chosen by KLYNGE_EMAIL_BACKEND. Files are the
# default, so a local Klynge never sends real mail (look in $KLYNGE_DATA_DIR/mail/).
_email_backend = env.get_choice("KLYNGE_EMAIL_BACKEND", "file", ("file", "console", "smtp"))
if _email_backend == "file":
    _mailer = {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": str(DATA_DIR / "mail")},
    }
elif _email_backend == "console":
    _mailer = {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
else:
    _security = env.get_choice("KLYNGE_EMAIL_SECURITY", "starttls", ("starttls", "tls", "none"))
    _mailer = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": env.get_str("KLYNGE_EMAIL_HOST", required=True),
            "port": env.get_int("KLYNGE_EMAIL_PORT", 587, minimum=1, maximum=65535),
            "username": env.get_str("KLYNGE_EMAIL_USER"),
            "password": env.get_str("KLYNGE_EMAIL_PASSWORD"),
            "use_tls": _security == "starttls",
            "use_ssl": _security == "tls",
            "timeout": 30,
        },
    }
MAILERS = {"default": _mailer}
DEFAULT_FROM_EMAIL = env.get_str("KLYNGE_EMAIL_FROM", "Klynge <klynge@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background tasks -----------------------------------------------------------------------

_tasks_backend = env.get_choice("KLYNGE_TASKS_BACKEND", "database", ("database", "immediate"))
TASKS = {
    "default": {
        "BACKEND": {
            "database": "klynge.core.task_backend.OutboxBackend",
            "immediate": "django.tasks.backends.immediate.ImmediateBackend",
        }[_tasks_backend],
        "QUEUES": ["default"],
    }
}

# --- API ------------------------------------------------------------------------------------

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 500

# --- Logging --------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env.get_choice(
            "KLYNGE_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
        ),
    },
    "loggers": {"django.server": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
