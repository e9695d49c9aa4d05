"""Settings for the test suite: the real settings, with test-friendly environment defaults.

The database stays whatever DATABASE_URL says (SQLite by default, PostgreSQL in CI); SQLite's
test database is a file so that threads, the live server and the browser share it.
"""

import os
import tempfile

os.environ.setdefault("KLYNGE_DEBUG", "false")
os.environ.setdefault("KLYNGE_SECRET_KEY", "test-secret-key-that-is-long-enough-for-checks")
os.environ.setdefault("KLYNGE_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("KLYNGE_SSL_REDIRECT", "false")
os.environ.setdefault("KLYNGE_LANGUAGE", "en")
os.environ.setdefault("KLYNGE_TASKS_BACKEND", "immediate")
os.environ.setdefault("KLYNGE_SHARED_CACHE", "memory")  # cleared before every test (conftest.py)
# The concurrency guarantees start 300 writers at once in one process, where they queue for
# SQLite's lock and for Python's: on a slow or busy machine the last one waited longer than the
# 20 s a server's writer waits (2 workers x 2 threads) and failed with "database is locked".
os.environ.setdefault("KLYNGE_SQLITE_TIMEOUT", "120")
os.environ.setdefault(
    "KLYNGE_DATA_DIR", os.path.join(tempfile.gettempdir(), f"klynge-test-{os.getpid()}")
)

from klynge.settings import *  # noqa: F403
from klynge.settings import DATA_DIR, DATABASES, STATIC_ROOT

# Plain HTTP in tests (the live server for the browser has no TLS).
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing folder

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

# Tasks run at once in tests; the "database" backend is there to test the real worker path.
TASKS["database"] = {"BACKEND": "klynge.core.task_backend.OutboxBackend", "QUEUES": ["default"]}  # noqa: F405
