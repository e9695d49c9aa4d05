"""The database-enforced no-overlap guarantee on PostgreSQL.

An exclusion constraint over the blocked period (buffers included) of every booking that holds its
slot. It is not declared in the model's Meta (SQLite cannot express it), so `makemigrations
--check` stays clean on both engines; on SQLite this migration does nothing and the booking
service checks and inserts inside one IMMEDIATE write transaction instead.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINT = "bookings_booking_no_overlap"

ADD = f"""
ALTER TABLE bookings_booking ADD CONSTRAINT {CONSTRAINT}
EXCLUDE USING gist (
    resource_id WITH =,
    tstzrange(blocked_start, blocked_end, '[)') WITH &&
) WHERE (status IN ('pending', 'confirmed', 'offered'))
"""
DROP = f"ALTER TABLE bookings_booking DROP CONSTRAINT IF EXISTS {CONSTRAINT}"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0001_initial"),
    ]

    operations = [
        # CreateExtension is a no-op on other engines.
        BtreeGistExtension(),
        migrations.RunPython(add_constraint, drop_constraint, elidable=False),
    ]
