import io
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction

from klynge.core.models import AuditEntry
from klynge.core.templatetags.klynge import money

REPO = Path(__file__).resolve().parents[4]


def _run_klynge(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", **env_overrides}
    return subprocess.run(
        [sys.executable, "-m", "klynge", *(args or ("check",))],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"KLYNGE_DEBUG": "maybe"}, "KLYNGE_DEBUG must be a boolean"),
        ({"KLYNGE_DEBUG": "false"}, "KLYNGE_SECRET_KEY must be set when KLYNGE_DEBUG is false"),
        (
            {"KLYNGE_DEBUG": "false", "KLYNGE_SECRET_KEY": "short"},
            "KLYNGE_SECRET_KEY must be at least 32 characters",
        ),
        (
            {"KLYNGE_DEBUG": "true", "DATABASE_URL": "mysql://x/y"},
            "DATABASE_URL must start with postgres:// or sqlite:///",
        ),
        (
            {"KLYNGE_DEBUG": "true", "KLYNGE_EMAIL_BACKEND": "pigeon"},
            "KLYNGE_EMAIL_BACKEND must be one of file, console, smtp",
        ),
        ({"KLYNGE_DEBUG": "true", "KLYNGE_EMAIL_BACKEND": "smtp"}, "KLYNGE_EMAIL_HOST must be set"),
        (
            {"KLYNGE_DEBUG": "true", "KLYNGE_TIME_ZONE": "Mars/Olympus"},
            "KLYNGE_TIME_ZONE must be an IANA time zone",
        ),
        (
            {"KLYNGE_DEBUG": "true", "KLYNGE_SQLITE_TIMEOUT": "soon"},
            "KLYNGE_SQLITE_TIMEOUT must be a whole number",
        ),
        (
            {
                "KLYNGE_DEBUG": "true",
                "DATABASE_URL": "postgres://u:p@db.example:5432/klynge",
                "KLYNGE_DB_PREPARED_STATEMENTS": "sometimes",
            },
            "KLYNGE_DB_PREPARED_STATEMENTS must be a boolean",
        ),
        (
            {"KLYNGE_DEBUG": "true", "KLYNGE_SHARED_CACHE": "redis"},
            "KLYNGE_SHARED_CACHE must be one of file, database, memory",
        ),
        (
            {"KLYNGE_DEBUG": "true", "KLYNGE_SELLER_COUNTRY": "Denmark"},
            "KLYNGE_SELLER_COUNTRY must be a two-letter country code",
        ),
    ],
)
def test_wrong_configuration_stops_startup_naming_the_variable(tmp_path, env, message):
    result = _run_klynge({"KLYNGE_DATA_DIR": str(tmp_path), **env})
    assert result.returncode == 2
    assert result.stderr.startswith("Klynge configuration error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def _database_settings(tmp_path, **env) -> dict:
    code = "from django.conf import settings; print(json.dumps(settings.DATABASES['default']))"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, json, os; os.environ['DJANGO_SETTINGS_MODULE']='klynge.settings'; "
            f"django.setup(); {code}",
        ],
        env={
            "PATH": "/usr/bin:/bin",
            "KLYNGE_DEBUG": "true",
            "KLYNGE_DATA_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_postgres_url_switches_the_engine_and_prepares_repeated_statements(tmp_path):
    database = _database_settings(tmp_path, DATABASE_URL="postgres://u:p@db.example:5432/klynge")
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 5}

    # The URL's own options are kept; preparing can be switched off (PgBouncer < 1.21).
    database = _database_settings(
        tmp_path,
        DATABASE_URL="postgres://u:p@db.example:5432/klynge?sslmode=require",
        KLYNGE_DB_PREPARED_STATEMENTS="false",
    )
    assert database["OPTIONS"] == {"sslmode": "require"}

    database = _database_settings(tmp_path)
    assert database["ENGINE"] != "django.db.backends.postgresql"
    assert "server_side_binding" not in database["OPTIONS"]


def test_openapi_schema_in_the_repo_matches_the_live_one(client):
    committed = json.loads((REPO / "docs" / "openapi.json").read_text())
    live = client.get("/api/v1/openapi.json").json()
    assert committed == live, "docs/openapi.json is stale: run `make openapi` and commit it"


def test_money_is_formatted_per_language():
    from django.utils import translation

    with translation.override("da"):
        assert money(1250, "DKK") == "1.250,00\xa0kr."
    with translation.override("en"):
        assert money(1250, "EUR") == "€1,250.00"
    with translation.override("sv"):
        assert money(99.5, "SEK") == "99,50\xa0kr"
    with translation.override("nb"):
        assert money(1000, "NOK") == "1\xa0000,00\xa0kr"


def test_time_zone_defaults_to_copenhagen_and_storage_is_utc():
    assert settings.TIME_ZONE == "Europe/Copenhagen"
    assert settings.USE_TZ is True


@pytest.mark.django_db
def test_postgresql_plans_a_statement_run_again_and_again_once():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL-specific: prepared statements")
    for _ in range(6):
        assert not AuditEntry.objects.filter(action="test.prepared", actor_label="system").exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%WHERE ("core_auditentry"."action" = $_ AND "core_auditentry"."actor_label" = $_)%'],
        )
        # Once prepared, the server has the statement with its parameters as $1, $2: bound
        # on the server, planned once for this connection.
        assert len(cursor.fetchall()) == 1


@pytest.mark.django_db(transaction=True)
def test_sqlite_writers_wait_for_each_other_instead_of_failing():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite-specific: WAL mode and immediate transactions")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    errors: list[Exception] = []
    barrier = threading.Barrier(4)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(10):
                with transaction.atomic():
                    # Read then write inside one transaction: the pattern that fails with
                    # "database is locked" under deferred transactions.
                    AuditEntry.objects.count()
                    AuditEntry.objects.create(action=f"test.write.{n}.{i}", actor_label="system")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEntry.objects.filter(action__startswith="test.write.").count() == 40


@pytest.mark.django_db(transaction=True)
def test_database_worker_runs_queued_email(mailoutbox):
    """The real task path: enqueue into the database backend, then the worker sends it."""
    from klynge.core.tasks import send_email

    result = send_email.using(backend="database").enqueue(
        to=["a@example.org"], subject="Hej", body="Body"
    )
    assert mailoutbox == []
    call_command(
        "db_worker", "--batch", "--backend", "database", stdout=io.StringIO(), stderr=io.StringIO()
    )
    assert [m.subject for m in mailoutbox] == ["Hej"]
    result.refresh()
    assert result.status == "SUCCESSFUL"


def test_dates_are_written_the_european_way_in_every_language():
    import datetime

    from django.utils import formats, translation

    moment = datetime.datetime(2026, 11, 22, 14, 5)
    expected = {"en": "22/11/2026 14:05", "da": "22.11.2026 14:05", "sv": "2026-11-22 14:05"}
    for language, text in expected.items():
        with translation.override(language):
            assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == text
