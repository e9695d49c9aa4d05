"""The longest blocked period of each resource's bookings: the lower bound that keeps overlap
look-ups on the (resource, blocked_start) index short (see `availability.overlap_lookup`)."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    Resource = apps.get_model("bookings", "Resource")
    Booking = apps.get_model("bookings", "Booking")
    longest: dict[int, int] = {}
    rows = Booking.objects.values_list("resource_id", "blocked_start", "blocked_end")
    for resource_id, start, end in rows.iterator(chunk_size=5000):
        minutes = -(-int((end - start).total_seconds()) // 60)  # rounded up
        if minutes > longest.get(resource_id, 0):
            longest[resource_id] = minutes
    for resource_id, minutes in longest.items():
        Resource.objects.filter(pk=resource_id).update(longest_blocked_minutes=minutes)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0004_add_on_no_overlap_constraint"),
    ]

    operations = [
        migrations.AddField(
            model_name="resource",
            name="longest_blocked_minutes",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
