"""The database-enforced rule that an exclusive add-on (a technician, a single kit) serves one
booking at a time, on PostgreSQL: an exclusion constraint over the booked period of the holding
rows, like 0002 for the resources. On SQLite the booking service checks and inserts inside the
booking's IMMEDIATE write transaction instead.
"""

from django.db import migrations

CONSTRAINT = "bookings_addon_no_overlap"

ADD = f"""
ALTER TABLE bookings_bookingaddon ADD CONSTRAINT {CONSTRAINT}
EXCLUDE USING gist (
    add_on_id WITH =,
    tstzrange("start", "end", '[)') WITH &&
) WHERE (holding AND exclusive)
"""
DROP = f"ALTER TABLE bookings_bookingaddon DROP CONSTRAINT IF EXISTS {CONSTRAINT}"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0003_photos_add_ons_tiers"),
    ]

    operations = [
        migrations.RunPython(add_constraint, drop_constraint, elidable=False),
    ]
